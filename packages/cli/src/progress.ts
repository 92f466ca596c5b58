import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import cliProgress from "cli-progress";
import { runPaths, type PlannedRun, type RunEvent } from "@sera/core";

/**
 * Live progress for long stages. A stage reports progress the same way it reports metrics: JSON
 * lines with `progress_done` and `progress_total` (plus any counters). We read the newest such line
 * from each active attempt's metrics.jsonl and draw a bar — on a terminal a live multi-bar, in CI
 * a plain line every few seconds.
 */

interface Tracked {
  run: PlannedRun;
  attempt: number;
  bar?: cliProgress.SingleBar;
}

function lastProgress(file: string): Record<string, number> | null {
  if (!existsSync(file)) return null;
  const size = statSync(file).size;
  const text = readFileSync(file, "utf8").slice(Math.max(0, size - 64 * 1024));
  const lines = text.trimEnd().split("\n").reverse();
  for (const line of lines) {
    try {
      const record = JSON.parse(line) as { values?: Record<string, number> };
      if (record.values && "progress_total" in record.values) return record.values;
    } catch {
      /* partial line */
    }
  }
  return null;
}

function describe(values: Record<string, number>): string {
  const extras = Object.entries(values)
    .filter(([k]) => !["progress_done", "progress_total", "eta_seconds"].includes(k))
    .map(([k, v]) => `${k.replace(/_/g, " ")} ${Number.isInteger(v) ? v : v.toFixed(2)}`);
  const eta = values.eta_seconds >= 0 ? `eta ${Math.round(values.eta_seconds)}s` : "";
  return [...extras, eta].filter(Boolean).join(" · ");
}

export class ProgressDisplay {
  private readonly tracked = new Map<string, Tracked>();
  /** Created on the first progress line, and only on a terminal; elsewhere plain lines are printed. */
  private bars: cliProgress.MultiBar | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly experimentDir: string;
  private readonly interactive = Boolean(process.stdout.isTTY);
  private lastPlainLine = 0;

  constructor(experimentDir: string) {
    this.experimentDir = experimentDir;
    this.timer = setInterval(() => this.refresh(), this.interactive ? 500 : 1000);
  }

  private multiBar(): cliProgress.MultiBar {
    this.bars ??= new cliProgress.MultiBar(
      { format: " {stage} {id} [{bar}] {value}/{total} {detail}", hideCursor: true, clearOnComplete: false, stream: process.stdout },
      cliProgress.Presets.shades_classic,
    );
    return this.bars;
  }

  /** Lines printed while bars are drawn must go through the multi-bar so they do not tear. */
  log(line: string): void {
    if (this.bars) this.bars.log(line + "\n");
    else process.stdout.write(line + "\n");
  }

  onEvent(run: PlannedRun, event: RunEvent): void {
    if (event.event === "submitted" || event.event === "reattached") this.tracked.set(run.id, { run, attempt: event.attempt });
    else if (["succeeded", "failed", "timeout", "lost", "interrupted"].includes(event.event)) {
      this.refresh();
      const tracked = this.tracked.get(run.id);
      if (tracked?.bar) this.bars?.remove(tracked.bar);
      this.tracked.delete(run.id);
    }
  }

  private refresh(): void {
    for (const tracked of this.tracked.values()) {
      const file = path.join(runPaths(this.experimentDir, tracked.run.id).attemptDir(tracked.attempt), "metrics.jsonl");
      const values = lastProgress(file);
      if (!values) continue;
      const payload = { stage: tracked.run.stage, id: tracked.run.id.slice(0, 10), detail: describe(values) };
      if (!this.interactive) {
        // In CI logs: one plain line every 10 s per active run.
        if (Date.now() - this.lastPlainLine >= 10_000) {
          process.stdout.write(`  ${payload.stage} ${payload.id} ${values.progress_done}/${values.progress_total} ${payload.detail}\n`);
          this.lastPlainLine = Date.now();
        }
      } else if (!tracked.bar) tracked.bar = this.multiBar().create(values.progress_total, values.progress_done, payload);
      else {
        tracked.bar.setTotal(values.progress_total);
        tracked.bar.update(values.progress_done, payload);
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.refresh();
    this.bars?.stop();
  }
}
