import { cpSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, sera, tempProject } from "./support/sera.js";

/** Every experiment file shipped in experiments/ plans as it stands (no run starts), so none drifts from the schemas. */

const shipped = readdirSync(path.join(repoRoot, "experiments")).filter((name) => name.endsWith(".yaml"));

describe("shipped experiment files", () => {
  const cwd = tempProject();
  cpSync(path.join(repoRoot, "experiments"), path.join(cwd, "experiments"), { recursive: true });

  it.each(shipped)("experiments/%s plans", (name) => {
    const result = sera(["plan", `experiments/${name}`], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\d+ runs? across \d+ stages? from \d+ sweep cells?/);
  });

  it("specialize-mix.yaml: one generation serves five α datasets, each trained and evaluated with three seeds", () => {
    const result = sera(["plan", "experiments/specialize-mix.yaml"], cwd);
    expect(result.code, result.stderr).toBe(0);
    const rows = result.stdout.split("\n");
    expect(rows.filter((row) => /\sgenerate\s/.test(row))).toHaveLength(1);
    const alphas = rows.flatMap((row) => /\sdataset\s+mix\.sources\.alpha=([\d.]+)/.exec(row)?.[1] ?? []);
    expect(alphas).toEqual(["0", "0.25", "0.5", "0.75", "1"]);
    expect(rows.filter((row) => /\strain\s+[123]\s/.test(row))).toHaveLength(15);
  });
});
