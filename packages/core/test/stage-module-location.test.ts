import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type * as Core from "../src/index.js";
import { defineTypeScriptStage, seraInvocation, setSeraInvocation } from "../src/index.js";
import { z } from "zod";

/**
 * core runs a TypeScript stage from a package it cannot resolve by name: the stage's module lives
 * in a temporary folder with no node_modules anywhere above it, and names its own location. The
 * whole path is real (built core, local backend, worker host, stage-main), as in the lock and
 * worker-host tests.
 */

const coreDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/index.js");
const zodEntry = path.join(path.dirname(createRequire(import.meta.url).resolve("zod/package.json")), "index.js");
const root = mkdtempSync(path.join(os.tmpdir(), "sera-stage-elsewhere-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a TypeScript stage named by its module's location", () => {
  it("runs as a job although its package cannot be resolved by name from core", async () => {
    const stageFile = path.join(root, "elsewhere", "stage.mjs");
    const stageUrl = pathToFileURL(stageFile).href;
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "elsewhere-root", type: "module" }));
    mkdirSync(path.dirname(stageFile), { recursive: true });
    writeFileSync(
      stageFile,
      `import { writeFileSync } from "node:fs";
import path from "node:path";
import { defineTypeScriptStage, registerStage } from ${JSON.stringify(pathToFileURL(coreDist).href)};
import { z } from ${JSON.stringify(pathToFileURL(zodEntry).href)};
registerStage(defineTypeScriptStage({
  kind: "elsewhere-echo",
  version: 1,
  summary: "writes its word to out/word.txt",
  params: z.object({ word: z.string() }),
  module: import.meta.url,
  async execute(run) {
    writeFileSync(path.join(run.outDir, "word.txt"), run.params.word + " from " + process.env.SERA_INVOCATION);
    run.emit({ words: 1 });
  },
}));
`,
    );
    // The package is not resolvable by name from core: only its location reaches it.
    expect(() => createRequire(coreDist).resolve("elsewhere-root")).toThrow();
    const core = (await import(coreDist)) as typeof Core;
    await import(stageUrl);
    core.setSeraInvocation(["/opt/sera tools/bin/sera"]);
    const experimentFile = path.join(root, "elsewhere.yaml");
    writeFileSync(
      experimentFile,
      `name: elsewhere
store: ${path.join(root, "sera.duckdb")}
dir: ${path.join(root, "runs")}
stages:
  echo:
    kind: elsewhere-echo
    params: { word: hello }
`,
    );
    const report = await core.runExperiment(core.loadExperiment(experimentFile), { pollIntervalMs: 50 });
    expect(report.counts).toEqual({ succeeded: 1 });
    const runIds = readdirSync(path.join(root, "runs", "runs"));
    expect(runIds).toHaveLength(1);
    const runDir = path.join(root, "runs", "runs", runIds[0]);
    const job = JSON.parse(readFileSync(path.join(runDir, "attempt-1", "job.json"), "utf8")) as { argv: string[]; env: Record<string, string> };
    expect(job.argv[2]).toBe(stageUrl);
    // The registered `sera` command line travels in the job's environment, quoted as a shell word.
    expect(job.env.SERA_INVOCATION).toBe("'/opt/sera tools/bin/sera'");
    expect(readFileSync(path.join(runDir, "out", "word.txt"), "utf8")).toBe("hello from '/opt/sera tools/bin/sera'");
  });
});

describe("stage module and sera invocation rules", () => {
  it("refuses a package name as a stage's module", () => {
    const spec = { kind: "named", version: 1, summary: "", params: z.object({}), execute: async () => {} };
    expect(() => defineTypeScriptStage({ ...spec, module: "@sera/generation" })).toThrow(/module must be the registering module's own location/);
    const stage = defineTypeScriptStage({ ...spec, module: "/opt/stages/named.js" });
    const context = { experiment: "x", runId: "r", stage: "s", params: {}, seed: null, attempt: 1, outDir: "/o", runDir: "/r", upstream: {} };
    expect(stage.job(context).argv.slice(2)).toEqual(["file:///opt/stages/named.js", "named"]);
  });

  it("starts the command the CLI registered, quoted, and puts it in the environment jobs inherit", () => {
    setSeraInvocation(["/usr/bin/node", "/srv/my sera/bin/sera.js"]);
    expect(seraInvocation()).toBe("/usr/bin/node '/srv/my sera/bin/sera.js'");
    expect(process.env.SERA_INVOCATION).toBe("/usr/bin/node '/srv/my sera/bin/sera.js'");
  });
});
