import { numericValue, parsePythonDict } from "./python-literal.js";

/**
 * Follows a trainer's console output (axolotl and LLaMA-Factory both log through Hugging Face's
 * Trainer) and turns it into step-tagged metrics. The log dicts carry no step number, so the step
 * comes from the progress bar (`  1%|▏   | 2/200 [00:30<49:32, 15.01s/it]`), which the Trainer
 * advances before it logs; failing that, from counting logged dicts.
 */

export type TrainerEvent =
  | { kind: "log"; step: number; values: Record<string, number> }
  | { kind: "summary"; values: Record<string, number> }
  | { kind: "progress"; step: number; total: number }
  | { kind: "total"; total: number };

const progressBar = /(\d+)\/(\d+) \[[^\]]*\]/g;
const totalSteps = /Total optimization steps\s*=\s*([\d,]+)/;

function finiteValues(dict: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(dict)) {
    const n = numericValue(value as never);
    if (n !== null && Number.isFinite(n)) out[key] = n;
  }
  return out;
}

export class TrainerLogTracker {
  private barStep = 0;
  private logged = 0;
  total: number | null = null;
  step = 0;

  private pending = "";
  private readonly loggingSteps: number;

  constructor(loggingSteps = 1) {
    this.loggingSteps = loggingSteps;
  }

  /** Feed raw output (any chunking); returns the events of the complete lines in it. */
  push(chunk: string): TrainerEvent[] {
    this.pending += chunk;
    const events: TrainerEvent[] = [];
    let cut: number;
    // Progress bars redraw with carriage returns, so both \r and \n end a line.
    while ((cut = this.pending.search(/[\r\n]/)) >= 0) {
      const line = this.pending.slice(0, cut);
      this.pending = this.pending.slice(cut + 1);
      events.push(...this.line(line));
    }
    return events;
  }

  /** Flush a last line without a newline. */
  end(): TrainerEvent[] {
    const rest = this.pending;
    this.pending = "";
    return rest ? this.line(rest) : [];
  }

  line(text: string): TrainerEvent[] {
    const events: TrainerEvent[] = [];
    const total = totalSteps.exec(text);
    if (total) {
      this.total = Number(total[1].replace(/,/g, ""));
      events.push({ kind: "total", total: this.total });
    }
    const brace = text.indexOf("{");
    const before = brace >= 0 ? text.slice(0, brace) : text;
    const bar = [...before.matchAll(progressBar)].at(-1);
    if (bar) {
      const n = Number(bar[1]);
      const of = Number(bar[2]);
      // Only the training bar counts: evaluation and data-loading bars have other totals.
      if (this.total === null || of === this.total) {
        this.total = of;
        this.barStep = n;
        this.step = Math.max(this.step, n);
        events.push({ kind: "progress", step: n, total: of });
      }
    }
    if (brace >= 0) {
      const dict = parsePythonDict(text.slice(brace).trim());
      if (dict) {
        const values = finiteValues(dict);
        if ("train_runtime" in values || "train_loss" in values) events.push({ kind: "summary", values });
        else if ("loss" in values || "grad_norm" in values || "learning_rate" in values) {
          this.logged++;
          const explicit = numericValue(dict.step ?? dict.current_steps);
          const step = explicit ?? (this.barStep > 0 ? this.barStep : this.logged * this.loggingSteps);
          delete values.step;
          delete values.current_steps;
          this.step = Math.max(this.step, step);
          events.push({ kind: "log", step, values });
        }
      }
    }
    return events;
  }
}
