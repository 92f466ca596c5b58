import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Start `server` listening (port 0 picks a free one; the host defaults to loopback) and say where:
 * the origin `http://<host>:<port>`, with an IPv6 host in brackets. Shared by sera's own HTTP
 * servers (the scripted stand-in model, `sera proxy`).
 */
export async function listenHttp(server: Server, options: { port?: number; host?: string } = {}): Promise<{ origin: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return { origin: `http://${host}:${address.port}`, port: address.port };
}
