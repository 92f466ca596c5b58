import fs from "node:fs";
import path from "node:path";
import { withStore, type Provenance } from "@sera/core";
import { toolDefinitions } from "@sera/rollout";
import { collectForeign, loadForeignBatch, writeForeignBatch, type ForeignSummary } from "@sera/training";
import type { ChatMessage } from "./conversation.js";
import { workdirPatch } from "./turn.js";

interface SessionState {
  file: string;
  transcript: ChatMessage[];
  submitted: boolean;
  patch: string;
  workdir: string;
  /** stand-in once any answer of the session came from a server that says it is a stand-in. */
  provenance: Provenance;
}

/** The SFT JSONL form of reasoning: a leading <think> block in the assistant text (read back by the SFT parser). */
function withThinking(message: ChatMessage): ChatMessage {
  if (message.role !== "assistant" || message.reasoning_content === undefined) return message;
  const { reasoning_content: reasoning, ...rest } = message;
  return { ...rest, content: `<think>\n${reasoning}\n</think>\n\n${rest.content}` };
}

/**
 * Proxied sessions as training data. Each Claude Code session (its session id) is kept as one SFT
 * JSONL line — the conversation exactly as the model saw it, SERA's tool list, the patch and the
 * exit status — rewritten after every turn, so a crash loses at most the turn in flight. When the
 * proxy stops, each session file goes through `sera ingest`'s path (parse, copy, keyed load), so it
 * lands in `rollouts`, `patches`, `foreign_trajectories` like any ingested trajectory and can be
 * filtered, soft-verified and trained on. A session file ingested twice gives the same rows. Its
 * provenance is the upstream server's own word (the x-sera-provenance header on each answer, as
 * sera's model clients read it): stand-in as soon as one answer came from a stand-in, else real.
 */
export class SessionRecorder {
  private readonly sessions = new Map<string, SessionState>();

  /** Where session files are written. */
  readonly dir: string;
  /** The DuckDB store they are ingested into. */
  readonly storeFile: string;

  constructor(dir: string, storeFile: string) {
    this.dir = dir;
    this.storeFile = storeFile;
    fs.mkdirSync(dir, { recursive: true });
  }

  /** `provenance`: what the upstream server said about itself on this turn's answers (Turn.provenance). */
  async record(sessionId: string, transcript: ChatMessage[], submitted: boolean, workdir: string, provenance: Provenance): Promise<void> {
    const safeId = sessionId.replace(/[^A-Za-z0-9_.-]/g, "_");
    const session = this.sessions.get(safeId) ?? {
      file: path.join(this.dir, `claude-code-${safeId}.jsonl`),
      transcript,
      submitted,
      patch: "",
      workdir,
      provenance,
    };
    if (provenance === "stand-in") session.provenance = "stand-in";
    session.transcript = transcript;
    session.submitted = submitted;
    session.workdir = workdir;
    if (submitted) session.patch = await workdirPatch(workdir);
    this.sessions.set(safeId, session);
    this.write(safeId, session);
  }

  private write(id: string, session: SessionState): void {
    const line = {
      instance_id: `claude-code-${id}`,
      messages: session.transcript.map(withThinking),
      tool_json: toolDefinitions,
      patch: session.patch,
      exit_status: session.submitted ? "submitted" : "unfinished",
      // Read back by ingest (foreignProvenance), so the session's rows say whether a stand-in answered.
      provenance: session.provenance,
    };
    const temporary = `${session.file}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(line)}\n`);
    fs.renameSync(temporary, session.file);
  }

  /** Ingests every session recorded by this proxy; an unfinished session gets the working directory's diff as its patch. */
  async ingest(waitMs = 60_000): Promise<ForeignSummary[]> {
    const summaries: ForeignSummary[] = [];
    for (const [id, session] of this.sessions) {
      if (!session.submitted) {
        session.patch = await workdirPatch(session.workdir);
        this.write(id, session);
      }
      const batch = collectForeign(session.file);
      const summary = writeForeignBatch(batch, path.join(path.dirname(this.storeFile), "ingested"));
      await withStore(this.storeFile, { waitMs }, (store) => loadForeignBatch(store.connection, summary.id, summary.dir));
      summaries.push(summary);
    }
    return summaries;
  }
}
