import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startScriptedModelServer, toolDefinitions } from "@sera/rollout";
import { messagesRequestSchema, ProxyState, startProxy, translateConversation } from "@sera/proxy";

/**
 * `sera proxy` overhead per request: the same conversation sent as a Claude Code request through
 * the proxy and as the equivalent chat completion straight to the model endpoint (the scripted
 * stand-in, so the model itself costs almost nothing and the difference is the proxy), interleaved
 * in one run. Latency per request, p50 and p99, and their differences.
 */

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export async function proxyOverhead(requests = 300): Promise<Record<string, unknown>> {
  const workdir = mkdtempSync(path.join(os.tmpdir(), "sera-bench-proxy-"));
  writeFileSync(path.join(workdir, "calc.py"), "def add(a, b):\n    return a - b\n");
  const model = await startScriptedModelServer({ seed: 1 });
  const proxy = await startProxy({ endpoint: model.url, model: "scripted-stand-in", workdir });
  const claudeRequest = {
    model: "sera",
    max_tokens: 32000,
    system: [{ type: "text", text: `Primary working directory: ${workdir}` }],
    tools: ["Bash", "Read", "Edit"].map((name) => ({ name, input_schema: { type: "object" } })),
    messages: [
      { role: "user", content: "add() subtracts. Replace `return a - b` with `return a + b` in `calc.py`." },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "Bash", input: { command: `grep -n -F 'return a - b' ${workdir}/calc.py` } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "2:    return a - b" }] },
    ],
  };
  const { messages } = translateConversation(messagesRequestSchema.parse(claudeRequest), new ProxyState(), workdir);
  const direct = JSON.stringify({ model: "scripted-stand-in", messages, tools: toolDefinitions, stream: false });
  const post = async (url: string, body: string) => {
    const started = performance.now();
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    await response.text();
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return performance.now() - started;
  };
  const viaProxy = (stream: boolean) => post(`${proxy.url}/v1/messages`, JSON.stringify({ ...claudeRequest, stream }));
  const straight = () => post(`${model.url}/chat/completions`, direct);
  try {
    for (let i = 0; i < 20; i++) await Promise.all([straight(), viaProxy(false)]); // warm-up
    const times = { direct: [] as number[], proxy: [] as number[], proxyStream: [] as number[] };
    for (let i = 0; i < requests; i++) {
      times.direct.push(await straight());
      times.proxy.push(await viaProxy(false));
      times.proxyStream.push(await viaProxy(true));
    }
    const summary = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return { p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), minMs: sorted[0] };
    };
    const direct = summary(times.direct);
    const proxied = summary(times.proxy);
    const streamed = summary(times.proxyStream);
    return {
      requests,
      direct,
      proxy: proxied,
      proxyStreaming: streamed,
      overheadP50Ms: proxied.p50Ms - direct.p50Ms,
      overheadP99Ms: proxied.p99Ms - direct.p99Ms,
      streamingOverheadP50Ms: streamed.p50Ms - direct.p50Ms,
    };
  } finally {
    await proxy.close();
    await model.close();
  }
}
