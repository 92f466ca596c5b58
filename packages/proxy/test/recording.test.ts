import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { withStore } from "@sera/core";
import { startScriptedModelServer } from "@sera/rollout";
import { parseSftJsonl } from "@sera/training";
import { SessionRecorder, startProxy, type ChatMessage } from "../src/index.js";

/** Recorded sessions: one SFT JSONL line per Claude Code session, ingested with sera ingest's keyed load. */

const root = fs.mkdtempSync(path.join(os.tmpdir(), "sera-proxy-rec-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function repoWithChange(name = "repo"): string {
  const repo = path.join(root, name);
  fs.mkdirSync(repo, { recursive: true });
  fs.writeFileSync(path.join(repo, "a.py"), "x = 1\n");
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t.invalid", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "a");
  fs.writeFileSync(path.join(repo, "a.py"), "x = 2\n");
  return repo;
}

const transcript: ChatMessage[] = [
  { role: "system", content: "sys" },
  { role: "user", content: "task" },
  {
    role: "assistant",
    content: "",
    reasoning_content: "Look first.",
    tool_calls: [{ id: "c1", type: "function", function: { name: "bash", arguments: '{"command":"ls"}' } }],
  },
  { role: "tool", tool_call_id: "c1", content: "a.py" },
  { role: "assistant", content: "", reasoning_content: "Done.", tool_calls: [{ id: "c2", type: "function", function: { name: "submit", arguments: "{}" } }] },
];

async function rows(store: string): Promise<Record<string, unknown>[]> {
  return withStore(store, { readOnly: true }, async ({ connection }) => {
    const reader = await connection.runAndReadAll(
      "SELECT r.run_id, r.instance_id, r.exit_status, r.steps, r.provenance, p.patch, f.tool_calls FROM rollouts r JOIN patches p USING (run_id, instance_id) JOIN foreign_trajectories f USING (run_id, instance_id) ORDER BY ALL",
    );
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  });
}

describe("session recording", () => {
  it("keeps the latest turn of a session, with reasoning as <think>, the patch and submitted; ingesting twice leaves the same rows", async () => {
    const repo = repoWithChange();
    const store = path.join(root, "store", "sera.duckdb");
    const recorder = new SessionRecorder(path.join(root, "sessions"), store);
    await recorder.record("5e551011-aaaa", transcript.slice(0, 3), false, repo, "real");
    await recorder.record("5e551011-aaaa", transcript, true, repo, "real");
    const files = fs.readdirSync(recorder.dir);
    expect(files).toEqual(["claude-code-5e551011-aaaa.jsonl"]);
    const [sample] = parseSftJsonl(fs.readFileSync(path.join(recorder.dir, files[0]), "utf8"));
    expect(sample.trajectory.messages.filter((m) => m.role === "assistant").map((m) => m.reasoning)).toEqual(["Look first.", "Done."]);
    expect(sample.tools.map((t) => t.function.name)).toEqual(["bash", "str_replace_editor", "submit"]);

    const first = await recorder.ingest();
    expect(first).toHaveLength(1);
    const once = await rows(store);
    expect(once).toEqual([
      {
        run_id: first[0].id,
        instance_id: "claude-code-5e551011-aaaa",
        exit_status: "submitted",
        steps: 2,
        provenance: "real",
        patch: expect.stringContaining("-x = 1\n+x = 2"),
        tool_calls: 2,
      },
    ]);
    const second = await recorder.ingest();
    expect(second[0].id).toBe(first[0].id);
    expect(await rows(store)).toEqual(once);
  });

  it("a session answered by sera's scripted stand-in is recorded and ingested as stand-in, from the server's own header", async () => {
    const repo = repoWithChange("stand-in-repo");
    const store = path.join(root, "stand-in-store", "sera.duckdb");
    const recorder = new SessionRecorder(path.join(root, "stand-in-sessions"), store);
    const server = await startScriptedModelServer({ seed: 3 });
    try {
      const proxy = await startProxy({ endpoint: server.url, model: "scripted-stand-in", workdir: repo, recorder });
      const answer = await fetch(`${proxy.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", "x-claude-code-session-id": "stand-in-1" },
        body: JSON.stringify({
          model: "sera",
          max_tokens: 1000,
          system: [{ type: "text", text: `Primary working directory: ${repo}` }],
          messages: [{ role: "user", content: "Make a.py say x = 3." }],
          tools: [{ name: "Bash", input_schema: { type: "object" } }],
        }),
      });
      expect(answer.status).toBe(200);
      const [file] = fs.readdirSync(recorder.dir);
      expect((JSON.parse(fs.readFileSync(path.join(recorder.dir, file), "utf8")) as { provenance: unknown }).provenance).toBe("stand-in");
      const ingested = await proxy.close();
      expect(ingested).toHaveLength(1);
      expect((await rows(store)).map((row) => row.provenance)).toEqual(["stand-in"]);
    } finally {
      await server.close();
    }
  });

  it("one stand-in answer makes the whole session stand-in", async () => {
    const repo = repoWithChange("mixed-repo");
    const recorder = new SessionRecorder(path.join(root, "mixed-sessions"), path.join(root, "mixed-store", "sera.duckdb"));
    await recorder.record("mixed", transcript.slice(0, 3), false, repo, "stand-in");
    await recorder.record("mixed", transcript, true, repo, "real");
    const [file] = fs.readdirSync(recorder.dir);
    expect((JSON.parse(fs.readFileSync(path.join(recorder.dir, file), "utf8")) as { provenance: unknown }).provenance).toBe("stand-in");
  });
});
