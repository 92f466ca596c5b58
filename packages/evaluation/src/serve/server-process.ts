import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import net from "node:net";
import { stopProcessTree } from "@sera/core";

/**
 * The model server an evaluation talks to, as a child process of the evaluation job: started on a
 * free loopback port, polled on /v1/models until it answers, stopped (with its whole process
 * group) when the evaluation ends. vLLM and the scripted stand-in both fit this shape.
 */

export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServedModel {
  baseURL: string;
  /** Tail of the server's output, for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

export async function startModelServer(options: {
  shellCommand: string;
  host: string;
  port: number;
  logFile: string;
  startupTimeoutSeconds: number;
  signal: AbortSignal;
}): Promise<ServedModel> {
  const log = createWriteStream(options.logFile, { flags: "a" });
  let tail = "";
  const child: ChildProcess = spawn("bash", ["-c", options.shellCommand], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    tail = (tail + chunk.toString("utf8")).slice(-4000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited: number | string | null = null;
  child.once("exit", (code, signal) => (exited = code ?? signal ?? "unknown"));
  const stop = async () => {
    if (exited === null) {
      const gone = new Promise((resolve) => child.once("exit", resolve));
      const timer = stopProcessTree(child.pid!, 15_000);
      await gone;
      clearTimeout(timer);
    }
    await new Promise((resolve) => log.end(resolve));
  };
  const baseURL = `http://${options.host}:${options.port}/v1`;
  const deadline = Date.now() + options.startupTimeoutSeconds * 1000;
  while (!(await answers(`${baseURL}/models`))) {
    if (exited !== null) {
      await stop();
      throw new Error(`the model server exited (${exited}) before answering on ${baseURL}; last output:\n${tail.trim()}`);
    }
    if (options.signal.aborted || Date.now() > deadline) {
      await stop();
      options.signal.throwIfAborted();
      throw new Error(`the model server did not answer on ${baseURL} within ${options.startupTimeoutSeconds} s (log: ${options.logFile})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { baseURL, tail: () => tail, stop };
}
