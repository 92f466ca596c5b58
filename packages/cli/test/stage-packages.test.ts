import { stageHandler, stageKinds, type Experiment } from "@sera/core";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadAllStagePackages, loadStagePackagesFor, stageKindsOf } from "../src/stage-packages.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

/**
 * `sera run` imports only the stage packages its experiment's kinds need. The tests run in order
 * in one module graph: nothing but core is imported before the first.
 */
describe("stage packages loaded on demand", () => {
  it("a plain-command experiment imports no stage package", async () => {
    await loadStagePackagesFor(["command"]);
    expect(stageKinds()).toEqual(["command"]);
  });

  it("a kind imports the package that registers it", async () => {
    await loadStagePackagesFor(["paper-table"]);
    expect(stageHandler("paper-table")?.kind).toBe("paper-table");
    expect(stageHandler("sera-eval")).toBeUndefined();
  });

  it("a kind no entry names imports every package, so the unknown-kind error lists them all", async () => {
    await loadStagePackagesFor(["no-such-kind"]);
    expect(stageKinds()).toEqual(["command", "paper-table", "sera-dataset", "sera-eval", "sera-generate", "sera-train", "swebench-harness"]);
  });

  it("the kinds of an experiment are its stages' kinds and the values of sweep axes over a kind", () => {
    const experiment = {
      stages: { generate: { kind: "sera-generate" }, shell: { kind: "command", params: { environment: { kind: "container" } } } },
      sweep: { grid: { "stages.shell.kind": ["paper-table", 3], "stages.generate.params.kind": ["ignored"] }, seeds: [1] },
    } as unknown as Experiment;
    expect([...stageKindsOf(experiment)].sort()).toEqual(["command", "paper-table", "sera-generate"]);
  });

  it("each registered kind imports its own package, not every package", async () => {
    await loadAllStagePackages();
    const all = stageKinds();
    const module = new URL("../dist/stage-packages.js", import.meta.url).href;
    for (const kind of all.filter((k) => k !== "command")) {
      // A fresh process per kind: in this one, every package is already imported.
      const script = `const m = await import(${JSON.stringify(module)}); const core = await import("@sera/core"); await m.loadStagePackagesFor([${JSON.stringify(kind)}]); process.stdout.write(JSON.stringify(core.stageKinds()));`;
      const loaded = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: packageDir, encoding: "utf8" })) as string[];
      expect(loaded, kind).toContain(kind);
      expect(loaded.length, `${kind} imported every stage package: is it missing from stage-packages.ts?`).toBeLessThan(all.length);
    }
  });
});
