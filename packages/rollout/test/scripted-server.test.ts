import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { openAIChatModel, startScriptedModelServer, type ScriptedModelServer, type ScriptedModelServerOptions } from "../src/index.js";

const started: ScriptedModelServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function scripted(options: ScriptedModelServerOptions): Promise<ScriptedModelServer> {
  const server = await startScriptedModelServer(options);
  started.push(server);
  return server;
}

const agentTools = ["bash", "str_replace_editor", "submit"].map((name) => ({ type: "function", function: { name, parameters: { type: "object" } } }));

function rolloutBody(file: string, fn: string, extra: Record<string, unknown> = {}) {
  return {
    model: "scripted-stand-in",
    messages: [
      { role: "system", content: "agent" },
      { role: "user", content: `<pr_description>\nBroken.\nSuspected location: ${file} (function ${fn})\n</pr_description>` },
    ],
    tools: agentTools,
    ...extra,
  };
}

async function post(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
}

describe("scripted stand-in model server", () => {
  it("answers identically for the same seed and request, whatever the order or concurrency", async () => {
    const a = await scripted({ seed: 42, latencyMsPerTurn: 5 });
    const b = await scripted({ seed: 42, latencyMsPerTurn: 5 });
    const other = await scripted({ seed: 43 });
    const bodies = Array.from({ length: 24 }, (_, i) => rolloutBody(`pkg/m${i}.py`, `C${i}.run`));
    const forward = await Promise.all(bodies.map((body) => post(a.url, body)));
    const backward = (await Promise.all([...bodies].reverse().map((body) => post(b.url, body)))).reverse();
    const sequential: string[] = [];
    for (const body of bodies) sequential.push((await post(a.url, body)).text);
    expect(forward.map((r) => r.text)).toEqual(backward.map((r) => r.text));
    expect(sequential).toEqual(forward.map((r) => r.text));
    expect((await post(other.url, bodies[0])).text).not.toBe(forward[0].text);
    const parsed = JSON.parse(forward[0].text);
    expect(parsed.model).toBe("scripted-stand-in");
    expect(parsed.choices[0].message.reasoning_content.length).toBeGreaterThan(10);
    expect(parsed.usage.total_tokens).toBe(parsed.usage.prompt_tokens + parsed.usage.completion_tokens);
  });

  it("is a pure function of seed and content (property)", async () => {
    const a = await scripted({ seed: "p", latencyMsPerTurn: 0 });
    const b = await scripted({ seed: "p", latencyMsPerTurn: 0 });
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.boolean(), async (content, withTools) => {
        const body = { model: "scripted-stand-in", messages: [{ role: "user", content }], ...(withTools ? { tools: agentTools } : {}) };
        const [x, y] = await Promise.all([post(a.url, body), post(b.url, body)]);
        expect(x.status).toBe(200);
        expect(x.text).toBe(y.text);
      }),
      { numRuns: 25 },
    );
  });

  it("streams the same reply as server-sent events ending in [DONE]", async () => {
    const server = await scripted({ seed: 9 });
    const plain = JSON.parse((await post(server.url, rolloutBody("a/b.py", "load"))).text);
    const stream = await post(server.url, rolloutBody("a/b.py", "load", { stream: true, stream_options: { include_usage: true } }));
    const events = stream.text
      .split("\n\n")
      .filter((e) => e !== "")
      .map((e) => e.replace(/^data: /, ""));
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    const deltas = chunks.flatMap((c) => c.choices.map((choice: { delta: Record<string, unknown> }) => choice.delta));
    const reasoning = deltas.map((d) => d.reasoning_content ?? "").join("");
    const args = deltas
      .flatMap((d) => (d.tool_calls as { function: { arguments?: string } }[] | undefined) ?? [])
      .map((t) => t.function.arguments ?? "")
      .join("");
    const message = plain.choices[0].message;
    expect(reasoning).toBe(message.reasoning_content);
    expect(args).toBe(message.tool_calls[0].function.arguments);
    expect(chunks.at(-2).choices[0].finish_reason).toBe("tool_calls");
    expect(chunks.at(-1).usage).toEqual(plain.usage);
  });

  it("serves /v1/models and rejects unknown routes and bad bodies", async () => {
    const server = await scripted({ seed: 1 });
    const listed = await fetch(`${server.url}/models`);
    const models = (await listed.json()) as { data: { id: string; sera_provenance: string }[] };
    expect(models.data).toMatchObject([{ id: "scripted-stand-in", sera_provenance: "stand-in" }]);
    expect(listed.headers.get("x-sera-provenance")).toBe("stand-in");
    expect((await fetch(`${server.url}/completions`, { method: "POST", body: "{}" })).status).toBe(404);
    expect((await post(server.url, { model: "scripted-stand-in", messages: "nope" })).status).toBe(400);
    const broken = await fetch(`${server.url}/chat/completions`, { method: "POST", body: "{not json" });
    expect(broken.status).toBe(400);
    expect(server.stats().badRequests).toBe(2);
  });

  it("says it is a stand-in on every answer, refuses model names it does not serve, and answers to one it is told to impersonate", async () => {
    const server = await scripted({ seed: 1 });
    const hello = (model: string | undefined) => ({ ...(model === undefined ? {} : { model }), messages: [{ role: "user", content: "How are you?" }] });
    const ok = await fetch(`${server.url}/chat/completions`, { method: "POST", body: JSON.stringify(hello("scripted-stand-in")) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-sera-provenance")).toBe("stand-in");
    const refused = await fetch(`${server.url}/chat/completions`, { method: "POST", body: JSON.stringify(hello("zai-org/GLM-4.5-Air")) });
    expect(refused.status).toBe(404);
    expect(refused.headers.get("x-sera-provenance")).toBe("stand-in");
    const body = (await refused.json()) as { message: string };
    expect(body.message).toBe(
      'scripted stand-in: the model "zai-org/GLM-4.5-Air" does not exist here; this is sera\'s scripted stand-in (model id scripted-stand-in), not a real model. ' +
        'Use model: scripted-stand-in, or start the stand-in with --impersonate "zai-org/GLM-4.5-Air" for a dry run (its data is then still marked stand-in).',
    );
    expect((await post(server.url, hello(undefined))).status).toBe(400);

    const posing = await scripted({ seed: 1, impersonate: "zai-org/GLM-4.5-Air" });
    const listed = (await (await fetch(`${posing.url}/models`)).json()) as { data: { id: string; sera_provenance: string }[] };
    expect(listed.data).toMatchObject([{ id: "zai-org/GLM-4.5-Air", sera_provenance: "stand-in" }]);
    const answered = await fetch(`${posing.url}/chat/completions`, { method: "POST", body: JSON.stringify(hello("zai-org/GLM-4.5-Air")) });
    expect(answered.status).toBe(200);
    expect(answered.headers.get("x-sera-provenance")).toBe("stand-in");
    expect(((await answered.json()) as { model: string }).model).toBe("zai-org/GLM-4.5-Air");
  });

  it("answers self-checks with yes or no at the configured rate, and other requests politely", async () => {
    const check = {
      model: "scripted-stand-in",
      messages: [{ role: "user", content: "<original_task>\nt\n</original_task>\n<trajectory>\n[]\n</trajectory>" }],
    };
    const accepting = await scripted({ seed: 1, rejectRate: 0 });
    const rejecting = await scripted({ seed: 1, rejectRate: 1 });
    expect(JSON.parse((await post(accepting.url, check)).text).choices[0].message.content).toContain("<output>yes</output>");
    expect(JSON.parse((await post(rejecting.url, check)).text).choices[0].message.content).toContain("<output>no</output>");
    const chat = JSON.parse((await post(accepting.url, { model: "scripted-stand-in", messages: [{ role: "user", content: "How are you?" }] })).text);
    expect(chat.choices[0].message.content).toMatch(/scripted stand-in/);
    expect(chat.choices[0].finish_reason).toBe("stop");
    expect(accepting.stats().byKind).toEqual({ rollout: 0, selfCheck: 1, prWriting: 0, other: 1 });
  });

  it("injects 5xx faults reproducibly, and a repeated request can get through", async () => {
    const statuses = async () => {
      const server = await scripted({ seed: 77, faults: { http5xxRate: 0.4 } });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await post(server.url, rolloutBody("x.py", `f${i % 5}`))).status);
      return out;
    };
    const first = await statuses();
    expect(await statuses()).toEqual(first);
    expect(first.some((s) => s >= 500)).toBe(true);
    expect(first.some((s) => s === 200)).toBe(true);
    // Requests repeat every 5: a request that failed once succeeds on a later occurrence.
    const recovered = first.some((s, i) => s >= 500 && first.slice(i + 1).some((t, j) => (i + 1 + j) % 5 === i % 5 && t === 200));
    expect(recovered).toBe(true);
  });

  it("holds timed-out requests and stalled streams until the client leaves, and close() ends them", async () => {
    const hanging = await startScriptedModelServer({ seed: 1, faults: { hangingStreamRate: 1 } });
    const controller = new AbortController();
    const response = await fetch(`${hanging.url}/chat/completions`, {
      method: "POST",
      body: JSON.stringify(rolloutBody("a.py", "f", { stream: true })),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const firstChunk = new TextDecoder().decode((await reader.read()).value);
    expect(firstChunk).toMatch(/^data: .*"role":"assistant"/);
    const next = await Promise.race([reader.read().then(() => "more"), new Promise((r) => setTimeout(() => r("stalled"), 200))]);
    expect(next).toBe("stalled");
    controller.abort();

    const silent = await startScriptedModelServer({ seed: 1, faults: { timeoutRate: 1 } });
    const pending = fetch(`${silent.url}/chat/completions`, { method: "POST", body: JSON.stringify(rolloutBody("a.py", "f")) }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    expect(silent.stats().inFlight).toBe(1);
    const t0 = Date.now();
    await Promise.all([silent.close(), hanging.close()]);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(await pending).toBeInstanceOf(Error);
  });

  it("serves 64 concurrent agents at once and holds each turn for the configured latency", async () => {
    // Throughput is measured by `npm run bench` (rollout_engine); here only the behaviour that
    // makes it possible: no serialisation, no connection cap, and latency that is really applied.
    const server = await scripted({ seed: 2, latencyMsPerTurn: 100 });
    const model = openAIChatModel({ baseURL: server.url, model: "scripted-stand-in", timeoutMs: 10_000, maxRetries: 0 });
    const durations: number[] = [];
    const agent = async (id: number) => {
      for (let turn = 0; turn < 3; turn++) {
        const started = performance.now();
        await model.complete({
          messages: [{ role: "user", content: `<pr_description>\nSuspected location: pkg/m${id}.py (function f${turn})\n</pr_description>` }],
          tools: agentTools.map((t) => ({ name: t.function.name, description: "", parameters: t.function.parameters })),
        });
        durations.push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: 64 }, (_, id) => agent(id)));
    expect(server.stats().maxInFlight).toBe(64);
    expect(server.stats().completed).toBe(192);
    expect(Math.min(...durations)).toBeGreaterThanOrEqual(99);
  });
});
