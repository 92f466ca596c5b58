import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  bundledQwen3TokenizerDir,
  postprocessCheckpoint,
  readSafetensorsHeader,
  renameSafetensors,
  resolveTokenizerSource,
  unwrapTensorName,
  verifyCheckpoint,
  writeSafetensors,
} from "../src/index.js";

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

function tensorData(file: string): Map<string, string> {
  const header = readSafetensorsHeader(file);
  const bytes = readFileSync(file);
  return new Map(
    Object.entries(header.tensors).map(([name, entry]) => [
      name,
      bytes.subarray(header.dataStart + entry.data_offsets[0], header.dataStart + entry.data_offsets[1]).toString("hex"),
    ]),
  );
}

/** A final model folder the way axolotl leaves it after activation-checkpointed training. */
function axolotlOutput(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sera-axolotl-out-"));
  const bytes = (seed: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) % 256));
  writeSafetensors(path.join(dir, "model-00001-of-00002.safetensors"), {
    "model.embed_tokens.weight": { dtype: "BF16", shape: [4, 4], data: bytes(1, 32) },
    "model.layers.0._checkpoint_wrapped_module.self_attn.q_proj.weight": { dtype: "BF16", shape: [3, 5], data: bytes(2, 30) },
  });
  writeSafetensors(path.join(dir, "model-00002-of-00002.safetensors"), {
    "model.layers.1._checkpoint_wrapped_module.mlp.down_proj.weight": { dtype: "F32", shape: [2, 3], data: bytes(3, 24) },
    "lm_head.weight": { dtype: "BF16", shape: [4, 4], data: bytes(4, 32) },
  });
  writeFileSync(
    path.join(dir, "model.safetensors.index.json"),
    JSON.stringify({
      metadata: { total_size: 118 },
      weight_map: {
        "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
        "model.layers.0._checkpoint_wrapped_module.self_attn.q_proj.weight": "model-00001-of-00002.safetensors",
        "model.layers.1._checkpoint_wrapped_module.mlp.down_proj.weight": "model-00002-of-00002.safetensors",
        "lm_head.weight": "model-00002-of-00002.safetensors",
      },
    }),
  );
  writeFileSync(path.join(dir, "config.json"), '{"model_type": "qwen3"}');
  writeFileSync(path.join(dir, "tokenizer_config.json"), '{"chat_template": "chatml by axolotl"}');
  writeFileSync(path.join(dir, "tokenizer.json"), "{}");
  writeFileSync(path.join(dir, "chat_template.jinja"), "{% for m in messages %}…{% endfor %}");
  writeFileSync(path.join(dir, "special_tokens_map.json"), "{}");
  writeFileSync(path.join(dir, "trainer_state.json"), '{"global_step": 12}');
  mkdirSync(path.join(dir, "checkpoint-4"));
  return dir;
}

describe("checkpoint post-processing", () => {
  it("strips the wrapper segment from weight names and the index, leaving the tensor bytes untouched", async () => {
    const source = axolotlOutput();
    const target = path.join(mkdtempSync(path.join(os.tmpdir(), "sera-model-")), "model");
    const stock = bundledQwen3TokenizerDir();
    const report = await postprocessCheckpoint(source, target, stock);
    expect(report).toMatchObject({
      shards: 2,
      tensors: 4,
      renamedTensors: 2,
      restoredTokenizerFiles: ["tokenizer_config.json", "tokenizer.json"],
      droppedFiles: ["chat_template.jinja", "special_tokens_map.json"],
    });

    for (const shard of ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]) {
      const before = tensorData(path.join(source, shard));
      const after = tensorData(path.join(target, shard));
      expect([...after.keys()]).toEqual([...before.keys()].map(unwrapTensorName));
      for (const [name, data] of before) expect(after.get(unwrapTensorName(name))).toBe(data);
      // Data section stays 8-byte aligned, as the safetensors writers keep it.
      expect(readSafetensorsHeader(path.join(target, shard)).dataStart % 8).toBe(0);
    }
    const index = JSON.parse(readFileSync(path.join(target, "model.safetensors.index.json"), "utf8"));
    expect(Object.keys(index.weight_map).sort()).toEqual([
      "lm_head.weight",
      "model.embed_tokens.weight",
      "model.layers.0.self_attn.q_proj.weight",
      "model.layers.1.mlp.down_proj.weight",
    ]);
    expect(index.metadata).toEqual({ total_size: 118 });

    // Stock tokenizer files byte for byte; axolotl's template file and training state stay behind.
    for (const name of ["tokenizer_config.json", "tokenizer.json"]) expect(sha(path.join(target, name))).toBe(sha(path.join(stock, name)));
    expect(readdirSync(target).sort()).toEqual(
      [
        "config.json",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "model.safetensors.index.json",
        "tokenizer.json",
        "tokenizer_config.json",
      ].sort(),
    );
    expect(existsSync(`${target}.staging`)).toBe(false);
  });

  it("rejects what a server would reject: leftover wrapped names, an index that does not match, clashing names", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-verify-"));
    writeSafetensors(path.join(dir, "model.safetensors"), { "a._checkpoint_wrapped_module.w": { dtype: "F32", shape: [1], data: Buffer.alloc(4) } });
    expect(() => verifyCheckpoint(dir)).toThrow(/still carries _checkpoint_wrapped_module/);
    writeSafetensors(path.join(dir, "model.safetensors"), { "a.w": { dtype: "F32", shape: [1], data: Buffer.alloc(4) } });
    writeFileSync(path.join(dir, "model.safetensors.index.json"), JSON.stringify({ weight_map: { "a.w": "model.safetensors", "b.w": "model.safetensors" } }));
    expect(() => verifyCheckpoint(dir)).toThrow(/b\.w is mapped to model\.safetensors but is in no shard/);

    const clash = path.join(dir, "clash.safetensors");
    writeSafetensors(clash, {
      "x._checkpoint_wrapped_module.w": { dtype: "F32", shape: [1], data: Buffer.alloc(4) },
      "x.w": { dtype: "F32", shape: [1], data: Buffer.alloc(4) },
    });
    await expect(renameSafetensors(clash, path.join(dir, "out.safetensors"), unwrapTensorName)).rejects.toThrow(/both become "x\.w"/);
    await expect(postprocessCheckpoint(mkdtempSync(path.join(os.tmpdir(), "sera-empty-")), path.join(dir, "m"), bundledQwen3TokenizerDir())).rejects.toThrow(
      /left no \.safetensors weights/,
    );
  });

  it("finds the stock tokenizer in a local model folder or the Hugging Face cache, and says so when it cannot", () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), "sera-hf-"));
    const repo = path.join(cache, "models--Qwen--Qwen3-8B");
    mkdirSync(path.join(repo, "snapshots", "b968826d9c46dd6066d109eabc6255188de91218"), { recursive: true });
    mkdirSync(path.join(repo, "snapshots", "0000000000000000000000000000000000000000"), { recursive: true });
    mkdirSync(path.join(repo, "refs"));
    writeFileSync(path.join(repo, "refs", "main"), "b968826d9c46dd6066d109eabc6255188de91218\n");
    writeFileSync(path.join(repo, "snapshots", "b968826d9c46dd6066d109eabc6255188de91218", "tokenizer_config.json"), "{}");
    const previous = process.env.HF_HUB_CACHE;
    process.env.HF_HUB_CACHE = cache;
    try {
      expect(resolveTokenizerSource("base-model", "Qwen/Qwen3-8B")).toBe(path.join(repo, "snapshots", "b968826d9c46dd6066d109eabc6255188de91218"));
      expect(() => resolveTokenizerSource("base-model", "Qwen/Qwen3-32B")).toThrow(/neither a local model folder nor in the Hugging Face cache \(.*sera-hf-/);
    } finally {
      if (previous === undefined) delete process.env.HF_HUB_CACHE;
      else process.env.HF_HUB_CACHE = previous;
    }
    const local = mkdtempSync(path.join(os.tmpdir(), "sera-base-"));
    writeFileSync(path.join(local, "tokenizer_config.json"), "{}");
    expect(resolveTokenizerSource("base-model", local)).toBe(local);
    expect(resolveTokenizerSource("bundled-qwen3", "Qwen/Qwen3-8B")).toBe(bundledQwen3TokenizerDir());
    expect(() => resolveTokenizerSource(cache, "x")).toThrow(/has no tokenizer_config\.json/);
  });
});
