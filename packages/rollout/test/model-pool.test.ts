import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  endpointPool,
  ModelCallError,
  openAIChatModel,
  startScriptedModelServer,
  type ScriptedModelServer,
  type ScriptedModelServerOptions,
} from "../src/index.js";

const started: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function scripted(options: Partial<ScriptedModelServerOptions>): Promise<ScriptedModelServer> {
  const server = await startScriptedModelServer({ seed: 5, ...options });
  started.push(server);
  return server;
}

function client(url: string) {
  return openAIChatModel({ baseURL: url, model: "scripted-stand-in", timeoutMs: 5_000, maxRetries: 0 });
}

const ask = (i: number) => ({ messages: [{ role: "user" as const, content: `question ${i}` }] });

describe("endpointPool", () => {
  it("spreads calls evenly over idle endpoints and never exceeds the per-endpoint limit", async () => {
    const servers = await Promise.all([0, 1, 2].map(() => scripted({ latencyMsPerTurn: 60 })));
    const pool = endpointPool(
      servers.map((s) => client(s.url)),
      { maxConcurrentPerEndpoint: 2 },
    );
    const t0 = Date.now();
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => pool.complete(ask(i))));
    const elapsed = Date.now() - t0;
    expect(answers).toHaveLength(12);
    expect(servers.map((s) => s.stats().requests)).toEqual([4, 4, 4]);
    expect(servers.every((s) => s.stats().maxInFlight <= 2)).toBe(true);
    expect(pool.stats().endpoints.map((e) => e.maxInFlight)).toEqual([2, 2, 2]);
    // Twelve calls through six slots take two rounds of 60 ms, not one (limit) and not twelve.
    expect(elapsed).toBeGreaterThanOrEqual(115);
    expect(elapsed).toBeLessThan(1_000);
    expect(pool.stats().queued).toBe(0);
  });

  it("sends more work to endpoints that finish sooner (fewest in flight wins)", async () => {
    const fast = await scripted({ latencyMsPerTurn: 10 });
    const slow = await scripted({ latencyMsPerTurn: 250 });
    const pool = endpointPool([client(slow.url), client(fast.url)], { maxConcurrentPerEndpoint: 8 });
    let next = 0;
    const worker = async () => {
      while (next < 60) await pool.complete(ask(next++));
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    const [slowLoad, fastLoad] = pool.stats().endpoints;
    expect(slowLoad.calls + fastLoad.calls).toBe(60);
    expect(fastLoad.calls).toBeGreaterThan(slowLoad.calls * 3);
  });

  it("benches an endpoint that keeps failing and still answers every call", async () => {
    const good = await Promise.all([scripted({ latencyMsPerTurn: 20 }), scripted({ latencyMsPerTurn: 20 })]);
    const bad = await scripted({ latencyMsPerTurn: 5, faults: { http5xxRate: 1 } });
    const pool = endpointPool([client(bad.url), ...good.map((s) => client(s.url))], {
      maxConcurrentPerEndpoint: 3,
      benchAfterConsecutiveFailures: 2,
      benchMs: 60_000,
      maxRetries: 3,
    });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => pool.complete(ask(i))));
    expect(answers.every((a) => a.endpoint !== `${bad.url}/chat/completions`)).toBe(true);
    const [badLoad] = pool.stats().endpoints;
    expect(badLoad.timesBenched).toBe(1);
    expect(badLoad.benchedUntil).toBeGreaterThan(Date.now());
    // At most: the failures that bench it, plus calls already in flight at that moment.
    expect(badLoad.calls).toBeLessThanOrEqual(2 + 3 - 1);
    expect(bad.stats().requests).toBe(badLoad.calls);
    expect(good[0].stats().completed + good[1].stats().completed).toBe(30);
  });

  it("waits for a benched endpoint to come back instead of failing", async () => {
    let count = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        count++;
        if (count <= 2) {
          res.writeHead(503, { "content-type": "application/json" });
          res.end("{}");
          return;
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ choices: [{ finish_reason: "stop", message: { role: "assistant", content: "back" } }] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    started.push({ close: () => new Promise<void>((r) => server.close(() => r())) });
    const { port } = server.address() as AddressInfo;
    const pool = endpointPool([client(`http://127.0.0.1:${port}/v1`)], {
      maxConcurrentPerEndpoint: 1,
      benchAfterConsecutiveFailures: 2,
      benchMs: 300,
      maxRetries: 3,
    });
    const t0 = Date.now();
    const response = await pool.complete(ask(0));
    expect(response.message.content).toBe("back");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(pool.stats().endpoints[0]).toMatchObject({ calls: 3, failures: 2, timesBenched: 1 });
  });

  it("passes request errors through without blaming the endpoint", async () => {
    const small = await scripted({ maxContextTokens: 5 });
    const pool = endpointPool([client(small.url)], { maxConcurrentPerEndpoint: 1, benchAfterConsecutiveFailures: 1 });
    const error = await pool.complete({ messages: [{ role: "user", content: "x".repeat(200) }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).kind).toBe("context_overflow");
    expect(pool.stats().endpoints[0]).toMatchObject({ failures: 0, timesBenched: 0, benchedUntil: 0, inFlight: 0 });
  });

  it("lets a queued caller abort without taking a slot", async () => {
    const silent = await scripted({ faults: { timeoutRate: 1 } });
    const pool = endpointPool([openAIChatModel({ baseURL: silent.url, model: "scripted-stand-in", timeoutMs: 400, maxRetries: 0 })], {
      maxConcurrentPerEndpoint: 1,
      maxRetries: 0,
    });
    const holder = pool.complete(ask(1)).catch((e: unknown) => e);
    const controller = new AbortController();
    const queued = pool.complete({ ...ask(2), signal: controller.signal });
    expect(pool.stats().queued).toBe(1);
    controller.abort(new Error("not needed any more"));
    await expect(queued).rejects.toThrow("not needed any more");
    expect(pool.stats().queued).toBe(0);
    expect(((await holder) as ModelCallError).kind).toBe("timeout");
    expect(silent.stats().requests).toBe(1);
  });
});
