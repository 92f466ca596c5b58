import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withStore } from "@sera/core";
import { startScriptedModelServer, type ScriptedModelServer } from "@sera/rollout";
import "@sera/training"; // registers the checkpoints table
import { repoRoot, sera, seraBin } from "./support/sera.js";

/**
 * The real Claude Code CLI (@anthropic-ai/claude-code 2.1.197, pinned) through `sera proxy`, against
 * the scripted stand-in model (a deterministic stand-in for a served SERA model, not an LLM), on a
 * temporary git repository with a bug. The stand-in gets a task that names its fix; it answers in
 * SERA's tool format (bash, str_replace_editor view / str_replace, submit) and the proxy turns that
 * into Claude Code's Bash, Read and Edit, so the file is fixed by Claude Code itself.
 */

const claudePackage = path.join(repoRoot, "node_modules/@anthropic-ai/claude-code");
const claudeBin = path.join(claudePackage, "bin/claude.exe");
const task = "add() subtracts instead of adding. Replace `return a - b` with `return a + b` in `calc.py`.";
const buggy = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n";
const fixed = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n";

const cleanups: (() => Promise<void> | void)[] = [];
let model: ScriptedModelServer;

beforeAll(async () => {
  // npm may install without running dependency scripts; then the binary is still the package's placeholder.
  if (statSync(claudeBin).size < 1_000_000) execFileSync(process.execPath, [path.join(claudePackage, "install.cjs")], { cwd: claudePackage, stdio: "pipe" });
  model = await startScriptedModelServer({ seed: 7 });
  cleanups.push(() => model.close());
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A committed repository with the bug, and a HOME of its own for Claude Code. */
function buggyRepo(): { repo: string; home: string; store: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), "sera-claude-e2e-"));
  const repo = path.join(root, "repo");
  execFileSync("mkdir", ["-p", repo, path.join(root, "home")]);
  writeFileSync(path.join(repo, "calc.py"), buggy);
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t.invalid", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "calc");
  return { repo, home: path.join(root, "home"), store: path.join(root, "store", "sera.duckdb") };
}

const quietEnv = (home: string, baseUrl: string) => ({
  ...process.env,
  HOME: home,
  IS_SANDBOX: "1",
  ANTHROPIC_BASE_URL: baseUrl,
  ANTHROPIC_API_KEY: "unused-by-the-proxy",
  DISABLE_TELEMETRY: "1",
  DISABLE_AUTOUPDATER: "1",
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
});

interface ClaudeResult {
  is_error: boolean;
  result: string;
  num_turns: number;
  api_error_status: number | null;
  permission_denials: unknown[];
}

/** Async on purpose: the scripted stand-in runs in this process and must keep answering. */
function runClaude(repo: string, home: string, baseUrl: string, extra: string[] = []): Promise<ClaudeResult> {
  const child = spawn(claudeBin, ["-p", task, "--output-format", "json", "--dangerously-skip-permissions", "--model", "sera", ...extra], {
    cwd: repo,
    env: quietEnv(home, baseUrl),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  return new Promise((resolve, reject) =>
    child.once("close", (code) => {
      clearTimeout(timer);
      if (!stdout.trim().startsWith("{")) reject(new Error(`claude printed no result (exit ${code}): ${stderr}`));
      else resolve(JSON.parse(stdout) as ClaudeResult);
    }),
  );
}

function queryStore(store: string, sql: string): Record<string, unknown>[] {
  const result = sera(["query", sql, "--json", "--store", store], os.tmpdir());
  if (result.code !== 0) throw new Error(`sera query failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>[];
}

/** `sera proxy` as a child process; its stderr log says what each turn became. */
async function seraProxy(args: string[]): Promise<{ url: string; log: () => string; stop: () => Promise<string> }> {
  const child: ChildProcess = spawn(process.execPath, [seraBin, "proxy", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr!.on("data", (chunk) => (err += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`sera proxy exited early (${code}): ${out}${err}`)));
  });
  const stop = () =>
    new Promise<string>((resolve) => {
      if (child.exitCode !== null) return resolve(out);
      child.once("exit", () => resolve(out));
      child.kill("SIGTERM");
    });
  cleanups.push(() => void stop());
  return { url, log: () => err, stop };
}

describe("Claude Code through sera proxy", () => {
  it("fixes the bug with translated str_replace_editor calls, ends on submit, and records the session (streaming, full tool list)", async () => {
    const { repo, home, store } = buggyRepo();
    const proxy = await seraProxy(["--endpoint", model.url, "--record", "--store", store]);
    const result = await runClaude(repo, home, proxy.url);
    expect(result.is_error).toBe(false);
    expect(result.permission_denials).toEqual([]);
    expect(result.result).toMatch(/^The model submitted its work:\ncalc\.py \| 2 \+-/);
    expect(readFileSync(path.join(repo, "calc.py"), "utf8")).toBe(fixed);
    // bash → Bash, view → Read, str_replace → Read (the proxy's pre-edit read) + Edit, submit → end of turn.
    expect(proxy.log().match(/turn \d+: \S+ \S+/g)).toEqual([
      "turn 1: tool_use text+Bash",
      "turn 2: tool_use text+Read",
      "turn 3: tool_use text+Read+Edit",
      "turn 4: end_turn text+text",
    ]);
    const stopped = await proxy.stop();
    const ingestId = /recorded session ingested as (ingest-\w+)/.exec(stopped)?.[1];
    expect(ingestId).toBeDefined();
    const rows = queryStore(
      store,
      `SELECT r.exit_status, r.steps, p.patch, f.format, f.tool_calls FROM rollouts r JOIN patches p USING (run_id, instance_id) ` +
        `JOIN foreign_trajectories f USING (run_id, instance_id) WHERE r.run_id = '${ingestId}'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ exit_status: "submitted", steps: 4, format: "sft-jsonl", tool_calls: 4 });
    expect(String(rows[0].patch)).toContain("-    return a - b\n+    return a + b");
  });

  it("works with --bare (Bash, Edit, Read only) and with non-streaming requests", async () => {
    const { repo, home } = buggyRepo();
    const proxy = await seraProxy(["--endpoint", model.url]);
    // Claude Code retries a broken stream without streaming; this relay breaks every stream.
    const relay = await streamBreakingRelay(proxy.url);
    const result = await runClaude(repo, home, relay.url, ["--bare"]);
    expect(result.is_error).toBe(false);
    expect(readFileSync(path.join(repo, "calc.py"), "utf8")).toBe(fixed);
    expect(relay.broken).toBeGreaterThanOrEqual(4);
    expect(relay.forwarded).toBe(4);
    expect(relay.toolNames).toEqual(["Bash", "Edit", "Read"]);
    expect(relay.systemMessages).toBe(0);
  });

  it("shows a context overflow from the model server as Anthropic's prompt-too-long error", async () => {
    const { repo, home } = buggyRepo();
    const small = await startScriptedModelServer({ seed: 7, maxContextTokens: 200 });
    cleanups.push(() => small.close());
    const proxy = await seraProxy(["--endpoint", small.url, "--model", "scripted-stand-in"]);
    const result = await runClaude(repo, home, proxy.url);
    expect(result.is_error).toBe(true);
    expect(result.api_error_status).toBe(400);
    expect(result.result).toMatch(/prompt is too long/i);
    expect(readFileSync(path.join(repo, "calc.py"), "utf8")).toBe(buggy);
  });

  it("runs inside a network namespace with only loopback (sera claude, sera model serve --scripted): nothing else is needed", () => {
    const { repo, home, store } = buggyRepo();
    const script = [
      "set -euo pipefail",
      "ip link set lo up",
      `"${process.execPath}" "${seraBin}" model serve --scripted --seed 7 --port 18931 > "${home}/model.log" 2>&1 &`,
      'for i in $(seq 100); do grep -q listening "' + home + '/model.log" && break; sleep 0.1; done',
      `"${process.execPath}" "${seraBin}" claude --endpoint http://127.0.0.1:18931/v1 --record --store "${store}" --claude-bin "${claudeBin}" -- ` +
        `-p '${task}' --output-format json --dangerously-skip-permissions`,
      "kill %1",
    ].join("\n");
    const run = spawnSync("unshare", ["-n", "bash", "-c", script], {
      cwd: repo,
      env: { ...quietEnv(home, "http://unset.invalid"), ANTHROPIC_BASE_URL: "" },
      encoding: "utf8",
      timeout: 90_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as ClaudeResult;
    expect(result.is_error, run.stdout).toBe(false);
    expect(result.result, run.stderr).toMatch(/^The model submitted its work/);
    expect(readFileSync(path.join(repo, "calc.py"), "utf8")).toBe(fixed);
    expect(run.stderr).toMatch(/recorded session ingested as ingest-\w+ \(1 trajectory/);
    expect(queryStore(store, "SELECT exit_status FROM rollouts")).toEqual([{ exit_status: "submitted" }]);
  });
});

/** A loopback relay in front of the proxy that answers every `stream: true` request with a broken stream. */
async function streamBreakingRelay(target: string) {
  const stats = { url: "", broken: 0, forwarded: 0, toolNames: [] as string[], systemMessages: 0 };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const body = text ? (JSON.parse(text) as { stream?: boolean; tools?: { name: string }[]; messages?: { role: string }[] }) : {};
    if (req.method === "POST" && body.stream) {
      stats.broken++;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end("event: message_start\ndata: {not json\n\n");
      return;
    }
    if (req.method === "POST") {
      stats.forwarded++;
      stats.toolNames = (body.tools ?? []).map((tool) => tool.name).sort();
      stats.systemMessages += (body.messages ?? []).filter((message) => message.role === "system").length;
    }
    const upstream = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers: { "content-type": "application/json" },
      body: req.method === "POST" ? text : undefined,
    });
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stats.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return stats;
}

describe("sera proxy and sera claude command lines", () => {
  it("bad input is one line naming the option, exit 2", () => {
    const cwd = os.tmpdir();
    const badUrl = sera(["proxy", "--endpoint", "model server"], cwd);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toBe("sera: --endpoint model server: not a URL; give the OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1\n");
    const noScheme = sera(["proxy", "--endpoint", "localhost:8000"], cwd);
    expect(noScheme.code).toBe(2);
    expect(noScheme.stderr).toBe("sera: --endpoint localhost:8000: must be http:// or https://\n");
    const neither = sera(["claude"], cwd);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toBe("sera: sera claude: give --endpoint <OpenAI-compatible URL> or --checkpoint <train run id>\n");
    const silent = sera(["proxy", "--endpoint", "http://127.0.0.1:9/v1"], cwd);
    expect(silent.code).toBe(2);
    expect(silent.stderr).toMatch(
      /^sera: --endpoint http:\/\/127\.0\.0\.1:9\/v1: http:\/\/127\.0\.0\.1:9\/v1\/models did not list a model; .*--model <served name>\n$/,
    );
  });

  it("--checkpoint finds the training run's final model and prints evaluation's vLLM command for it", async () => {
    const { store } = buggyRepo();
    await withStore(store, {}, async ({ connection }) => {
      await connection.run(
        "INSERT INTO checkpoints (run_id, path, step, is_final, stand_in) VALUES ('a1b2c3d4e5f60718', '/models/run/checkpoint-10', 10, false, false), ('a1b2c3d4e5f60718', '/models/run/model', 12, true, false)",
      );
    });
    // /bin/true stands in for claude here: only the printed command is under test.
    const run = sera(["claude", "--checkpoint", "a1b2c3", "--store", store, "--claude-bin", "/bin/true", "--", "-p", "hi"], os.tmpdir());
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "vllm serve /models/run/model --served-model-name sera --host 127.0.0.1 --port 8000 --enable-auto-tool-choice --tool-call-parser hermes --max-model-len 32768",
    );
    const unknown = sera(["claude", "--checkpoint", "ffff", "--store", store], os.tmpdir());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^sera: --checkpoint ffff: no training run with a final model in /);
  });
});
