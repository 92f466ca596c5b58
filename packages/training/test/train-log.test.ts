import { describe, expect, it } from "vitest";
import { parsePythonDict, TrainerLogTracker, type TrainerEvent } from "../src/index.js";

/** Console output as axolotl (through Hugging Face's Trainer) writes it: progress bar redraws with \r, log dicts on their own lines. */
const axolotlOutput = [
  "[2026-01-12 09:14:03,118] [INFO] [axolotl.utils.data.sft:210] [PID:3312] Loading prepared dataset from disk at /runs/train/prepared/9f1c…",
  "[2026-01-12 09:14:05,402] [INFO] [axolotl.train.train:148] [PID:3312] Starting trainer...",
  "***** Running training *****",
  "  Num examples = 6,400",
  "  Num Epochs = 3",
  "  Instantaneous batch size per device = 1",
  "  Total train batch size (w. parallel, distributed & accumulation) = 32",
  "  Gradient Accumulation steps = 4",
  "  Total optimization steps = 600",
  "  Number of trainable parameters = 8,190,735,360",
  "\r  0%|          | 0/600 [00:00<?, ?it/s]\r  0%|          | 1/600 [00:21<3:31:12, 21.16s/it]",
  "{'loss': 0.5581, 'grad_norm': 14.0, 'learning_rate': 0.0, 'memory/max_mem_active(gib)': 58.31, 'memory/max_mem_allocated(gib)': 55.9, 'memory/device_mem_reserved(gib)': 63.02, 'epoch': 0.01}",
  "\r  0%|          | 2/600 [00:37<2:58:41, 17.93s/it]",
  "{'loss': 0.5402, 'grad_norm': 12.6875, 'learning_rate': 2.0833333333333333e-07, 'memory/max_mem_active(gib)': 61.2, 'memory/max_mem_allocated(gib)': 57.77, 'memory/device_mem_reserved(gib)': 66.41, 'epoch': 0.01}",
  "\r  3%|▎         | 20/600 [05:51<2:49:03, 17.49s/it]",
  "{'loss': 0.358, 'grad_norm': 2.953125, 'learning_rate': 3.958333333333333e-06, 'epoch': 0.1}",
  "\r  8%|▊         | 48/600 [13:59<2:41:01, 17.50s/it]",
  "{'loss': 0.263, 'grad_norm': nan, 'learning_rate': 9.791666666666666e-06, 'epoch': 0.24}",
  "\r 33%|███▎      | 200/600 [58:20<1:56:41, 17.50s/it]Saving model checkpoint to /runs/train/checkpoints/checkpoint-200",
  "  0%|          | 0/12 [00:00<?, ?it/s]",
  "\r100%|██████████| 600/600 [2:55:00<00:00, 17.50s/it]",
  "{'train_runtime': 10500.5, 'train_samples_per_second': 1.829, 'train_steps_per_second': 0.057, 'train_loss': 0.2714, 'epoch': 3.0}",
].join("\n");

describe("trainer log parsing", () => {
  it("follows axolotl's output: total steps, the progress bar's step, and every logged value", () => {
    const tracker = new TrainerLogTracker();
    // Arbitrary chunking, as output arrives from a pipe.
    const events: TrainerEvent[] = [];
    for (let at = 0; at < axolotlOutput.length; at += 97) events.push(...tracker.push(axolotlOutput.slice(at, at + 97)));
    events.push(...tracker.end());
    const logs = events.filter((e) => e.kind === "log");
    expect(logs.map((e) => e.step)).toEqual([1, 2, 20, 48]);
    expect(logs[1].values).toEqual({
      loss: 0.5402,
      grad_norm: 12.6875,
      learning_rate: 2.0833333333333333e-7,
      "memory/max_mem_active(gib)": 61.2,
      "memory/max_mem_allocated(gib)": 57.77,
      "memory/device_mem_reserved(gib)": 66.41,
      epoch: 0.01,
    });
    // A nan grad norm is dropped (the spine records finite numbers), the loss is kept.
    expect(logs[3].values).toEqual({ loss: 0.263, learning_rate: 9.791666666666666e-6, epoch: 0.24 });
    expect(events.find((e) => e.kind === "total")).toEqual({ kind: "total", total: 600 });
    expect(events.filter((e) => e.kind === "summary")).toEqual([
      { kind: "summary", values: { train_runtime: 10500.5, train_samples_per_second: 1.829, train_steps_per_second: 0.057, train_loss: 0.2714, epoch: 3 } },
    ]);
    // The evaluation bar (0/12) is not mistaken for training progress.
    expect(events.filter((e) => e.kind === "progress").map((e) => (e as { step: number }).step)).toEqual([0, 1, 2, 20, 48, 200, 600]);
    expect(tracker.step).toBe(600);
  });

  it("reads LLaMA-Factory's log lines, quoted numbers and tensor-wrapped values", () => {
    const tracker = new TrainerLogTracker();
    const events = tracker.push(
      "[INFO|trainer.py:2414] 2026-01-12 10:00:00,000 >>   Total optimization steps = 1,500\n" +
        "{'loss': 0.5581, 'grad_norm': tensor(14.0312, device='cuda:0'), 'learning_rate': '2.083e-07', 'epoch': 0.002, 'num_input_tokens_seen': 1048576}\n" +
        "{'loss': 0.5, 'step': 7, 'epoch': 0.01}\n",
    );
    expect(events).toEqual([
      { kind: "total", total: 1500 },
      { kind: "log", step: 1, values: { loss: 0.5581, grad_norm: 14.0312, learning_rate: 2.083e-7, epoch: 0.002, num_input_tokens_seen: 1048576 } },
      { kind: "log", step: 7, values: { loss: 0.5, epoch: 0.01 } },
    ]);
  });

  it("counts logged dicts when no progress bar is printed, scaled by logging_steps", () => {
    const tracker = new TrainerLogTracker(10);
    const events = tracker.push("{'loss': 0.9, 'epoch': 0.1}\n{'loss': 0.8, 'epoch': 0.2}\n");
    expect(events.map((e) => (e.kind === "log" ? e.step : null))).toEqual([10, 20]);
  });

  it("ignores lines that only look like dicts", () => {
    expect(parsePythonDict("{'loss': 0.5")).toBeNull();
    expect(parsePythonDict("{'a': 1} trailing")).toBeNull();
    expect(parsePythonDict("{loss: 1}")).toBeNull();
    expect(parsePythonDict("{'ok': True, 'none': None, 'neg': -1.5e-3, 'inf': inf, 's': 'it''s'}")).toBeNull();
    expect(parsePythonDict("{'ok': True, 'none': None, 'neg': -1.5e-3, 's': \"it's\"}")).toEqual({ ok: true, none: null, neg: -0.0015, s: "it's" });
    const tracker = new TrainerLogTracker();
    expect(tracker.push("Dataset({features: ['input_ids'], num_rows: 6400})\n{'eval_loss': 'n/a'}\n")).toEqual([]);
  });
});
