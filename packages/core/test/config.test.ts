import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, expandSweep, loadExperiment } from "../src/index.js";

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sera-config-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const base = `
name: base
executor: { retries: 1 }
stages:
  prepare:
    kind: command
    seeded: false
    params: { run: "echo prep", size: 10 }
  train:
    kind: command
    needs: [prepare]
    params: { run: "echo {{lr}} {{seed}}", lr: 0.1 }
`;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("experiment files", () => {
  it("applies defaults and validates a minimal file", () => {
    const dir = workspace({ "e.yaml": base });
    const { config } = loadExperiment(path.join(dir, "e.yaml"));
    expect(config.backend).toEqual({ kind: "local", concurrency: 2 });
    expect(config.executor).toMatchObject({ retries: 1, backoffSeconds: 1, timeoutSeconds: null, retryExitCodes: [75] });
    expect(config.sweep.seeds).toEqual([1]);
    expect(config.store).toBe(".sera/sera.duckdb");
  });

  it("composes with extends: child wins, mappings merge, lists replace", () => {
    const dir = workspace({
      "base.yaml": base,
      "child.yaml": `extends: base.yaml
name: child
stages:
  train:
    needs: []
    params: { lr: 0.5 }
sweep: { seeds: 3 }
`,
    });
    const { config } = loadExperiment(path.join(dir, "child.yaml"));
    expect(config.name).toBe("child");
    expect(config.stages.train.params).toEqual({ run: "echo {{lr}} {{seed}}", lr: 0.5 });
    expect(config.stages.train.needs).toEqual([]);
    expect(config.stages.prepare.params.size).toBe(10);
    expect(config.executor.retries).toBe(1);
    expect(config.sweep.seeds).toEqual([1, 2, 3]);
  });

  it("applies --set overrides with YAML-typed values after extends", () => {
    const dir = workspace({ "e.yaml": base });
    const { config } = loadExperiment(path.join(dir, "e.yaml"), {
      overrides: ["stages.train.params.lr=0.25", "sweep.seeds=[7, 9]", "backend.concurrency=4"],
    });
    expect(config.stages.train.params.lr).toBe(0.25);
    expect(config.sweep.seeds).toEqual([7, 9]);
    expect(config.backend.concurrency).toBe(4);
  });

  it("rejects unknown keys naming the file and dotted path in one line", () => {
    const dir = workspace({ "e.yaml": base.replace("executor: { retries: 1 }", "executor: { retries: 1, retires: 3 }") });
    const error = configError(() => loadExperiment(path.join(dir, "e.yaml")));
    expect(error.message).toMatch(/e\.yaml: executor\.retires: unknown key "retires"/);
    expect(error.message).not.toContain("\n");
  });

  it("says what was expected for a wrong type", () => {
    const dir = workspace({ "e.yaml": base.replace("executor: { retries: 1 }", "executor: { retries: many }") });
    const error = configError(() => loadExperiment(path.join(dir, "e.yaml")));
    expect(error.message).toMatch(/executor\.retries: expected number, got the string "many"/);
  });

  it("blames the file that set the bad value, even through extends", () => {
    const dir = workspace({
      "base.yaml": base.replace("executor: { retries: 1 }", "executor: { retries: -4 }"),
      "child.yaml": "extends: base.yaml\nname: child\n",
    });
    const error = configError(() => loadExperiment(path.join(dir, "child.yaml")));
    expect(error.file).toMatch(/base\.yaml$/);
    expect(error.path).toBe("executor.retries");
  });

  it("blames --set for a bad override", () => {
    const dir = workspace({ "e.yaml": base });
    const error = configError(() => loadExperiment(path.join(dir, "e.yaml"), { overrides: ["backend.concurrency=zero"] }));
    expect(error.message).toMatch(/^--set: backend\.concurrency: expected number/);
    expect(configError(() => loadExperiment(path.join(dir, "e.yaml"), { overrides: ["justakey"] })).message).toMatch(/expected key=value/);
  });

  it("detects circular extends and missing parents", () => {
    const dir = workspace({ "a.yaml": "extends: b.yaml\nname: a\n", "b.yaml": "extends: a.yaml\n", "c.yaml": "extends: nope.yaml\nname: c\n" });
    expect(configError(() => loadExperiment(path.join(dir, "a.yaml"))).message).toMatch(/circular extends/);
    expect(configError(() => loadExperiment(path.join(dir, "c.yaml"))).message).toMatch(/cannot read .*nope\.yaml/);
  });

  it("reports invalid YAML with its line", () => {
    const dir = workspace({ "e.yaml": "name: x\nstages: [\n" });
    expect(configError(() => loadExperiment(path.join(dir, "e.yaml"))).message).toMatch(/e\.yaml: line \d+: invalid YAML/);
  });

  it("checks stage params with the stage's own schema", () => {
    const dir = workspace({ "e.yaml": base.replace('params: { run: "echo prep", size: 10 }', "params: { size: 10 }") });
    const error = configError(() => expandSweep(loadExperiment(path.join(dir, "e.yaml"))));
    expect(error.path).toBe("stages.prepare.params.run");
  });

  it("rejects unknown stage kinds, unknown needs, cycles and unknown placeholders", () => {
    const kind = workspace({ "e.yaml": base.replace("kind: command\n    seeded", "kind: comand\n    seeded") });
    expect(configError(() => expandSweep(loadExperiment(path.join(kind, "e.yaml")))).message).toMatch(
      /stages\.prepare\.kind: unknown stage kind "comand" \(known: .*command/,
    );
    const needs = workspace({ "e.yaml": base.replace("needs: [prepare]", "needs: [prepar]") });
    expect(configError(() => expandSweep(loadExperiment(path.join(needs, "e.yaml")))).message).toMatch(/stages\.train\.needs\.0: unknown stage "prepar"/);
    const cycle = workspace({ "e.yaml": base.replace("seeded: false", "seeded: false\n    needs: [train]") });
    expect(configError(() => expandSweep(loadExperiment(path.join(cycle, "e.yaml")))).message).toMatch(/dependency cycle/);
    const placeholder = workspace({ "e.yaml": base.replace("{{lr}}", "{{learning_rate}}") });
    expect(configError(() => expandSweep(loadExperiment(path.join(placeholder, "e.yaml")))).message).toMatch(
      /stages\.train\.params\.run: unknown placeholder \{\{learning_rate\}\}/,
    );
  });

  it("rejects sweep axes that point nowhere", () => {
    const dir = workspace({ "e.yaml": base + "sweep:\n  grid:\n    stages.trian.params.lr: [1, 2]\n" });
    expect(configError(() => expandSweep(loadExperiment(path.join(dir, "e.yaml")))).message).toMatch(
      /sweep\.grid\.stages\.trian\.params\.lr: no such parameter/,
    );
    const other = workspace({ "e.yaml": base + "sweep:\n  grid:\n    executor.retries: [1, 2]\n" });
    expect(configError(() => expandSweep(loadExperiment(path.join(other, "e.yaml")))).message).toMatch(/only stage parameters can be swept/);
  });
});
