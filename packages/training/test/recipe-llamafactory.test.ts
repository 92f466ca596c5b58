import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  buildTrainingPlan,
  convertForLlamaFactory,
  llamaFactoryConfigYaml,
  llamaFactoryDatasetInfo,
  renderTrainingFiles,
  toLlamaFactorySample,
} from "../src/index.js";

describe("LLaMA-Factory rendering of the SERA recipe", () => {
  // The reference's LLaMA-Factory run: Qwen3-32B, per-device 1, accumulation 1, so 32 GPUs make the global batch of 32.
  const plan = buildTrainingPlan({
    recipe: "sera-qwen3-32b",
    trainer: "llamafactory",
    datasetFile: "/runs/lf/config/llamafactory-train.jsonl",
    samples: 5_334,
    runDir: "/runs/lf",
    seed: 2,
    resources: { nodes: 4, gpusPerNode: 8 },
  });

  it("carries the equivalent settings from the reference table", () => {
    const config = parse(llamaFactoryConfigYaml(plan), { version: "1.1" }) as Record<string, unknown>;
    expect(config).toEqual({
      model_name_or_path: "Qwen/Qwen3-32B",
      stage: "sft",
      do_train: true,
      finetuning_type: "full",
      deepspeed: "/runs/lf/config/deepspeed.json",
      dataset: "sera_sft",
      dataset_dir: "/runs/lf/config",
      template: "qwen3",
      cutoff_len: 32_768,
      packing: false,
      overwrite_cache: true,
      preprocessing_num_workers: 16,
      output_dir: "/runs/lf/checkpoints",
      logging_steps: 1,
      save_strategy: "no",
      plot_loss: true,
      overwrite_output_dir: false,
      report_to: "none",
      per_device_train_batch_size: 1,
      gradient_accumulation_steps: 1,
      learning_rate: 1e-5,
      num_train_epochs: 3,
      lr_scheduler_type: "cosine",
      // 48 warmup steps of ⌈5,334 / 32⌉ × 3 = 501: the table's 0.0958.
      warmup_ratio: 0.095808,
      weight_decay: 0.01,
      adam_beta1: 0.9,
      adam_beta2: 0.95,
      bf16: true,
      tf32: false,
      flash_attn: "fa2",
      seed: 2,
    });
  });

  it("registers the converted dataset as ShareGPT with OpenAI role tags and launches with llamafactory-cli", () => {
    expect(llamaFactoryDatasetInfo(plan)).toEqual({
      sera_sft: {
        file_name: "/runs/lf/config/llamafactory-train.jsonl",
        formatting: "sharegpt",
        columns: { messages: "messages" },
        tags: { role_tag: "role", content_tag: "content", user_tag: "user", assistant_tag: "assistant", system_tag: "system" },
      },
    });
    const launch = renderTrainingFiles(plan).find((f) => f.path.endsWith("launch.sh"))!.text;
    expect(launch).toContain(
      `FORCE_TORCHRUN=1 NNODES="$0" NODE_RANK="$SLURM_NODEID" NPROC_PER_NODE="$1" exec llamafactory-cli train "$2"' "$nodes" 8 /runs/lf/config/llamafactory.yaml`,
    );
  });

  it("cuts the untrained trailing turns LLaMA-Factory would reject, and drops samples with nothing to learn", () => {
    const sample = {
      messages: [
        { role: "system", content: "tools…", train: false },
        { role: "user", content: "<pr_description>…</pr_description>", train: false },
        { role: "assistant", content: "<think>\nlook\n</think>\n\n<tool_call>\n{}\n</tool_call>", train: true },
        { role: "user", content: "<tool_response>\nOBSERVATION:\nok\n</tool_response>", train: false },
        { role: "assistant", content: '<tool_call>\n{"name": "submit"}\n</tool_call>', train: true },
        { role: "user", content: "diff --git a/x b/x", train: false },
      ],
      instance_id: "org_repo_abcde_1",
    };
    expect(toLlamaFactorySample(JSON.stringify(sample))).toEqual({ messages: sample.messages.slice(0, 5).map(({ role, content }) => ({ role, content })) });
    expect(
      toLlamaFactorySample(
        JSON.stringify({
          messages: [
            { role: "system", content: "s" },
            { role: "user", content: "u" },
          ],
        }),
      ),
    ).toBeNull();

    return (async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "sera-lf-"));
      const source = path.join(dir, "in.jsonl");
      writeFileSync(
        source,
        [JSON.stringify(sample), "", JSON.stringify({ messages: [{ role: "user", content: "u" }] }), JSON.stringify(sample)].join("\n") + "\n",
      );
      const target = path.join(dir, "out.jsonl");
      expect(await convertForLlamaFactory(source, target)).toEqual({ kept: 2, dropped: 1 });
      const lines = readFileSync(target, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line.messages.at(-1).role).toBe("assistant");

      writeFileSync(source, JSON.stringify(sample) + "\n{not json\n");
      await expect(convertForLlamaFactory(source, target)).rejects.toThrow(/in\.jsonl:2:/);
    })();
  });
});
