import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelCallError, openAIChatModel, startScriptedModelServer, type ModelCallRecord, type ScriptedModelServer } from "../src/index.js";

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

const okBody = JSON.stringify({
  choices: [{ finish_reason: "stop", message: { role: "assistant", content: "fine" } }],
  usage: { prompt_tokens: 5, completion_tokens: 1 },
});

/** Loopback server giving the n-th request the n-th answer (the last one repeats). */
async function sequenceServer(answers: ((headers: http.IncomingHttpHeaders) => Answer)[]) {
  let count = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const answer = answers[Math.min(count++, answers.length - 1)](req.headers);
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const hello = { messages: [{ role: "user" as const, content: "hello" }] };

async function failureOf(promise: Promise<unknown>): Promise<ModelCallError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelCallError);
  return error as ModelCallError;
}

describe("retries, timeouts and error kinds", () => {
  let faulty: ScriptedModelServer;
  beforeAll(async () => {
    faulty = await startScriptedModelServer({ seed: 3, faults: { http5xxRate: 0.5 } });
  });
  afterAll(() => faulty.close());

  it("retries injected 5xx answers until the call succeeds", async () => {
    const records: ModelCallRecord[] = [];
    const model = openAIChatModel({
      baseURL: faulty.url,
      model: "scripted-stand-in",
      timeoutMs: 2_000,
      maxRetries: 8,
      initialBackoffMs: 2,
      maxBackoffMs: 10,
      onCall: (r) => records.push(r),
    });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => model.complete({ messages: [{ role: "user", content: `question ${i}` }] })));
    expect(answers.every((a) => a.message.content.length > 0)).toBe(true);
    expect(records.filter((r) => r.status === "ok")).toHaveLength(12);
    const failed = records.filter((r) => r.status === "server_error");
    expect(failed.length).toBe(faulty.stats().faults.http5xx);
    expect(failed.length).toBeGreaterThan(0);
    expect(Math.max(...records.map((r) => r.httpAttempt))).toBeGreaterThan(1);
  });

  it("counts attempts per call and stops at maxRetries", async () => {
    const seq = await sequenceServer([() => ({ status: 503, body: "{}" }), () => ({ status: 500, body: "{}" }), () => ({ status: 200, body: okBody })]);
    try {
      const records: ModelCallRecord[] = [];
      const model = openAIChatModel({
        baseURL: seq.url,
        model: "scripted-stand-in",
        timeoutMs: 2_000,
        maxRetries: 2,
        initialBackoffMs: 1,
        onCall: (r) => records.push(r),
      });
      await model.complete(hello);
      expect(records.map((r) => [r.httpAttempt, r.status])).toEqual([
        [1, "server_error"],
        [2, "server_error"],
        [3, "ok"],
      ]);
      const stingy = openAIChatModel({ baseURL: seq.url, model: "scripted-stand-in", timeoutMs: 2_000, maxRetries: 0 });
      const seq2 = await sequenceServer([() => ({ status: 502, body: "bad gateway" })]);
      try {
        const error = await failureOf(
          openAIChatModel({ baseURL: seq2.url, model: "scripted-stand-in", timeoutMs: 2_000, maxRetries: 1, initialBackoffMs: 1 }).complete(hello),
        );
        expect(error.kind).toBe("server_error");
        expect(error.status).toBe(502);
        expect(seq2.requests()).toBe(2);
      } finally {
        await seq2.close();
      }
      await expect(stingy.complete(hello)).resolves.toBeDefined();
    } finally {
      await seq.close();
    }
  });

  it("honours retry-after on 429", async () => {
    const seq = await sequenceServer([() => ({ status: 429, headers: { "retry-after": "1" }, body: "{}" }), () => ({ status: 200, body: okBody })]);
    try {
      const records: ModelCallRecord[] = [];
      const model = openAIChatModel({
        baseURL: seq.url,
        model: "scripted-stand-in",
        timeoutMs: 3_000,
        maxRetries: 1,
        initialBackoffMs: 1,
        onCall: (r) => records.push(r),
      });
      const started = Date.now();
      await model.complete(hello);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(records.map((r) => r.status)).toEqual(["rate_limited", "ok"]);
    } finally {
      await seq.close();
    }
  });

  it("gives up on a server that never answers with kind timeout", async () => {
    const silent = await startScriptedModelServer({ seed: 1, faults: { timeoutRate: 1 } });
    try {
      const records: ModelCallRecord[] = [];
      const model = openAIChatModel({
        baseURL: silent.url,
        model: "scripted-stand-in",
        timeoutMs: 150,
        maxRetries: 1,
        initialBackoffMs: 1,
        onCall: (r) => records.push(r),
      });
      const error = await failureOf(model.complete(hello));
      expect(error.kind).toBe("timeout");
      expect(records.map((r) => r.status)).toEqual(["timeout", "timeout"]);
      expect(records[0].latencyMs).toBeGreaterThanOrEqual(140);
      expect(silent.stats().faults.timeout).toBe(2);
    } finally {
      await silent.close();
    }
  });

  it("times out a response whose body stalls after the headers", async () => {
    const stalling = await startScriptedModelServer({ seed: 1, faults: { hangingStreamRate: 1 } });
    try {
      const model = openAIChatModel({ baseURL: stalling.url, model: "scripted-stand-in", timeoutMs: 200, maxRetries: 0 });
      expect((await failureOf(model.complete(hello))).kind).toBe("timeout");
    } finally {
      await stalling.close();
    }
  });

  it("reports context overflow from a 400 body without retrying", async () => {
    const small = await startScriptedModelServer({ seed: 1, maxContextTokens: 10 });
    try {
      const records: ModelCallRecord[] = [];
      const model = openAIChatModel({ baseURL: small.url, model: "scripted-stand-in", timeoutMs: 2_000, maxRetries: 3, onCall: (r) => records.push(r) });
      const error = await failureOf(model.complete({ messages: [{ role: "user", content: "x".repeat(400) }] }));
      expect(error.kind).toBe("context_overflow");
      expect(error.status).toBe(400);
      expect(records).toHaveLength(1);
      await expect(model.complete({ messages: [{ role: "user", content: "short" }] })).resolves.toBeDefined();
    } finally {
      await small.close();
    }
  });

  it("fails other 4xx at once as bad_request, and a closed port as network after retries", async () => {
    const seq = await sequenceServer([() => ({ status: 401, body: '{"error":{"message":"invalid key"}}' })]);
    try {
      const model = openAIChatModel({ baseURL: seq.url, model: "scripted-stand-in", timeoutMs: 2_000, maxRetries: 3 });
      const error = await failureOf(model.complete(hello));
      expect(error.kind).toBe("bad_request");
      expect(error.status).toBe(401);
      expect(seq.requests()).toBe(1);
    } finally {
      await seq.close();
    }
    const closed = await sequenceServer([() => ({ status: 200, body: okBody })]);
    await closed.close();
    const records: ModelCallRecord[] = [];
    const model = openAIChatModel({
      baseURL: closed.url,
      model: "scripted-stand-in",
      timeoutMs: 2_000,
      maxRetries: 2,
      initialBackoffMs: 1,
      onCall: (r) => records.push(r),
    });
    expect((await failureOf(model.complete(hello))).kind).toBe("network");
    expect(records.map((r) => r.status)).toEqual(["network", "network", "network"]);
  });

  it("retries a malformed 200 body", async () => {
    const seq = await sequenceServer([
      () => ({ status: 200, body: "<html>gateway</html>" }),
      () => ({ status: 200, body: '{"choices":[]}' }),
      () => ({ status: 200, body: okBody }),
    ]);
    try {
      const records: ModelCallRecord[] = [];
      const model = openAIChatModel({
        baseURL: seq.url,
        model: "scripted-stand-in",
        timeoutMs: 2_000,
        maxRetries: 2,
        initialBackoffMs: 1,
        onCall: (r) => records.push(r),
      });
      const response = await model.complete(hello);
      expect(response.message.content).toBe("fine");
      expect(records.map((r) => r.status)).toEqual(["malformed_response", "malformed_response", "ok"]);
    } finally {
      await seq.close();
    }
  });

  it("stops at once when the caller aborts", async () => {
    const silent = await startScriptedModelServer({ seed: 1, faults: { timeoutRate: 1 } });
    try {
      const model = openAIChatModel({ baseURL: silent.url, model: "scripted-stand-in", timeoutMs: 10_000, maxRetries: 5 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("caller gave up")), 100);
      const started = Date.now();
      await expect(model.complete({ ...hello, signal: controller.signal })).rejects.toThrow("caller gave up");
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await silent.close();
    }
  });
});

describe("API keys stay out of errors and records", () => {
  const secret = "sk-live-9f8e7d6c5b4a3210SECRETVALUE";
  const envName = "SERA_TEST_TEACHER_KEY";

  it("sends the key from the named variable but never reveals it, even when the server echoes it", async () => {
    process.env[envName] = secret;
    const seen: string[] = [];
    const echo = (headers: http.IncomingHttpHeaders): Answer => {
      seen.push(String(headers.authorization));
      return { status: 500, body: JSON.stringify({ error: `bad upstream; request had Authorization: ${headers.authorization} and key ${secret}` }) };
    };
    const seq = await sequenceServer([echo, (headers) => ({ status: 400, body: `{"detail":"rejected api_key=${secret} from ${headers.authorization}"}` })]);
    const records: ModelCallRecord[] = [];
    try {
      const model = openAIChatModel({
        baseURL: seq.url,
        model: "scripted-stand-in",
        apiKeyEnv: envName,
        timeoutMs: 2_000,
        maxRetries: 1,
        initialBackoffMs: 1,
        onCall: (r) => records.push(r),
      });
      expect(JSON.stringify(model)).not.toContain(secret);
      const error = await failureOf(model.complete(hello));
      expect(seen[0]).toBe(`Bearer ${secret}`);
      expect(error.kind).toBe("bad_request");
      const everything = [error.message, error.stack ?? "", String(error), JSON.stringify(error), JSON.stringify(records), String(error.cause)].join("\n");
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain("SECRETVALUE");
      expect(error.message).toContain("[redacted]");

      delete process.env[envName];
      const missing = await failureOf(model.complete(hello));
      // Its own kind, so the pipeline can keep the instance resumable instead of failing it for good.
      expect(missing.kind).toBe("missing_key");
      expect(missing.message).toContain(envName);
    } finally {
      delete process.env[envName];
      await seq.close();
    }
  });

  it("strips credentials from the endpoint it reports", async () => {
    const seq = await sequenceServer([() => ({ status: 503, body: "{}" })]);
    try {
      const withUserInfo = seq.url.replace("http://", "http://user:hunter2pass@");
      const records: ModelCallRecord[] = [];
      const model = openAIChatModel({ baseURL: withUserInfo, model: "scripted-stand-in", timeoutMs: 2_000, maxRetries: 0, onCall: (r) => records.push(r) });
      const error = await failureOf(model.complete(hello));
      expect(`${error.message}${error.endpoint}${JSON.stringify(records)}${model.name}`).not.toContain("hunter2pass");
    } finally {
      await seq.close();
    }
  });
});
