import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  loadExperiment,
  mergeResources,
  parseSacct,
  parseScontrolJob,
  parseSlurmDuration,
  parseSqueue,
  parseTres,
  renderArrayScript,
  renderBatchScript,
  sbatchOptions,
  slurmTimeLimit,
  type BatchScriptInput,
} from "../src/index.js";
import { parseSbatchId } from "../src/executor/slurm-cli.js";

/** Parsers of Slurm's machine-readable output, the batch script, and the experiment-file schema. */

describe("Slurm output parsers", () => {
  it("reads sacct --parsable2 rows, keeping the first word of the state", () => {
    // Lines as Slurm 22.05 prints them for --format=JobID,State,ExitCode,ElapsedRaw,AllocTRES,Submit.
    const text = [
      "12|CANCELLED by 0|0:15|7|billing=2,cpu=2,mem=1G,node=1|2026-01-02T10:00:00",
      "12.batch|FAILED|15:0|7|cpu=2,mem=1G,node=1|2026-01-02T10:00:00",
      "",
      "13|PREEMPTED|0:0|3|billing=8,cpu=8,gres/gpu=2,mem=64G,node=1|2026-01-02T10:01:00",
      "garbage without separators",
    ].join("\n");
    const rows = parseSacct(text);
    expect(rows.map((r) => [r.jobId, r.state, r.elapsedSeconds])).toEqual([
      ["12", "CANCELLED", 7],
      ["12.batch", "FAILED", 7],
      ["13", "PREEMPTED", 3],
    ]);
    expect(parseTres(rows[2].allocTres)).toEqual({ cpus: 8, gpus: 2, nodes: 1, memoryMb: 65536 });
  });

  it("reads squeue states and ignores noise", () => {
    const states = parseSqueue("5|RUNNING\n6|PENDING\nsqueue: warning: something\n7|COMPLETED\n");
    expect([...states]).toEqual([
      ["5", "RUNNING"],
      ["6", "PENDING"],
      ["7", "COMPLETED"],
    ]);
  });

  it("takes the job id from sbatch --parsable, with or without a cluster name", () => {
    expect(parseSbatchId("42\n")).toBe("42");
    expect(parseSbatchId("sbatch: warning: x\n43;cluster\n")).toBe("43");
    expect(parseSbatchId("Submitted batch job 44\n")).toBeNull();
  });

  it("reads scontrol's one-line job record", () => {
    const fields = parseScontrolJob(
      "JobId=9 JobName=x UserId=root(0) JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 RunTime=01:02:03 TimeLimit=00:01:00 AllocNode:Sid=host:1 TRES=cpu=4,mem=2G,node=1,billing=4 Command=/tmp/job.sh",
    );
    expect(fields.JobState).toBe("TIMEOUT");
    expect(parseSlurmDuration(fields.RunTime)).toBe(3723);
    expect(parseTres(fields.TRES)).toEqual({ cpus: 4, gpus: 0, nodes: 1, memoryMb: 2048 });
  });

  it("counts typed GPUs when no untyped total is given, and never both", () => {
    expect(parseTres("cpu=16,gres/gpu:a100=4,gres/gpu:h100=2,node=2").gpus).toBe(6);
    expect(parseTres("cpu=16,gres/gpu=4,gres/gpu:a100=4,node=1").gpus).toBe(4);
  });

  it("durations round-trip through Slurm's D-HH:MM:SS form", () => {
    fc.assert(
      fc.property(fc.nat({ max: 400 * 86_400 }), (seconds) => {
        const days = Math.floor(seconds / 86_400);
        const rest = seconds % 86_400;
        const hms = [Math.floor(rest / 3600), Math.floor((rest % 3600) / 60), rest % 60].map((n) => String(n).padStart(2, "0")).join(":");
        expect(parseSlurmDuration(days > 0 ? `${days}-${hms}` : hms)).toBe(seconds);
      }),
    );
  });

  it("TRES lists parse the same in any order", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 512 }),
        fc.nat({ max: 16 }),
        fc.integer({ min: 1, max: 64 }),
        fc.nat({ max: 4096 }),
        fc.boolean(),
        (cpus, gpus, nodes, memGb, shuffle) => {
          const parts = [`billing=${cpus}`, `cpu=${cpus}`, `mem=${memGb}G`, `node=${nodes}`, ...(gpus > 0 ? [`gres/gpu=${gpus}`] : [])];
          if (shuffle) parts.reverse();
          expect(parseTres(parts.join(","))).toEqual({ cpus, gpus, nodes, memoryMb: memGb * 1024 });
        },
      ),
    );
  });
});

const scriptInput = (over: Partial<BatchScriptInput> = {}): BatchScriptInput => ({
  attemptDir: "/shared/my runs/exp/runs/abc/attempt-1",
  jobName: "sera-train-abc",
  resources: {},
  timeoutSeconds: null,
  env: {},
  setup: [],
  workdir: "/shared/project",
  node: "/usr/bin/node",
  workerScript: "/opt/sera/worker-main.js",
  ...over,
});

describe("the batch script", () => {
  it("turns resources into #SBATCH lines and ends by exec-ing the worker on the attempt", () => {
    const script = renderBatchScript(
      scriptInput({
        resources: {
          partition: "gpu",
          account: "lab",
          nodes: 2,
          tasksPerNode: 1,
          gpus: 8,
          gpuType: "h100",
          cpusPerTask: 32,
          memory: "512G",
          time: "2-00:00:00",
          directives: ["--exclusive"],
        },
        env: { HF_HOME: "/shared/hf cache" },
        setup: ["module load cuda/12.4"],
      }),
    );
    const lines = script.split("\n");
    expect(lines[0]).toBe("#!/bin/bash");
    for (const expected of [
      "#SBATCH --partition=gpu",
      "#SBATCH --account=lab",
      "#SBATCH --nodes=2",
      "#SBATCH --ntasks-per-node=1",
      "#SBATCH --gres=gpu:h100:8",
      "#SBATCH --cpus-per-task=32",
      "#SBATCH --mem=512G",
      "#SBATCH --time=2-00:00:00",
      "#SBATCH --exclusive",
      "#SBATCH --no-requeue",
      '#SBATCH --output="/shared/my runs/exp/runs/abc/attempt-1/slurm-%j.out"',
      "export HF_HOME='/shared/hf cache'",
      "module load cuda/12.4",
    ]) {
      expect(lines).toContain(expected);
    }
    expect(lines.filter((l) => l.trim()).at(-1)).toBe("exec /usr/bin/node /opt/sera/worker-main.js '/shared/my runs/exp/runs/abc/attempt-1'");
    // sbatch stops reading directives at the first command, so every #SBATCH line must come before it.
    const firstCommand = lines.findIndex((l) => l && !l.startsWith("#"));
    expect(lines.slice(firstCommand).some((l) => l.startsWith("#SBATCH"))).toBe(false);
  });

  it("an array script: shared directives once, the attempts in task order, each task's logs in its own attempt", () => {
    const dirs = ["/shared/my runs/exp/runs/a/attempt-1", "/shared/my runs/exp/runs/b/attempt-2"];
    const script = renderArrayScript(
      dirs.map((attemptDir) => scriptInput({ attemptDir, resources: { memory: "8G", gpus: 1 }, env: { HF_HOME: "/hf" } })),
      "sera-array-2",
      "/shared/my runs/exp/slurm-arrays/slurm-array-%A_%a.log",
    );
    const lines = script.split("\n");
    for (const expected of [
      "#SBATCH --array=0-1",
      "#SBATCH --job-name=sera-array-2",
      '#SBATCH --output="/shared/my runs/exp/slurm-arrays/slurm-array-%A_%a.log"',
      "#SBATCH --mem=8G",
      "#SBATCH --gres=gpu:1",
      "#SBATCH --no-requeue",
      "export HF_HOME=/hf",
    ]) {
      expect(lines).toContain(expected);
    }
    expect(lines.filter((l) => l.startsWith("#SBATCH --mem")).length).toBe(1);
    // Bash arrays index from 0, as SLURM_ARRAY_TASK_ID does with --array=0-(N-1).
    const listed = lines.slice(lines.indexOf("attempts=(") + 1, lines.indexOf(")"));
    expect(listed).toEqual(["  '/shared/my runs/exp/runs/a/attempt-1'", "  '/shared/my runs/exp/runs/b/attempt-2'"]);
    expect(lines).toContain('exec >"$log.out" 2>"$log.err"');
    expect(lines.filter((l) => l.trim()).at(-1)).toBe('exec /usr/bin/node /opt/sera/worker-main.js "$attempt"');
    const firstCommand = lines.findIndex((l) => l && !l.startsWith("#"));
    expect(lines.slice(firstCommand).some((l) => l.startsWith("#SBATCH"))).toBe(false);
  });

  it("derives the time limit from the run's timeout with a margin, unless one is given", () => {
    expect(slurmTimeLimit({}, null)).toBeNull();
    expect(slurmTimeLimit({}, 3600)).toBe("65");
    expect(slurmTimeLimit({}, 61)).toBe("7");
    expect(slurmTimeLimit({ time: 30 }, 3600)).toBe("30");
    expect(sbatchOptions(scriptInput({ timeoutSeconds: 120 }))).toContain("--time=7");
  });

  it("refuses values sbatch cannot carry", () => {
    expect(() => sbatchOptions(scriptInput({ workdir: '/tmp/a"b' }))).toThrow(/double quote/);
  });

  it("stage resources override backend defaults field by field; directives add up", () => {
    expect(
      mergeResources({ partition: "cpu", memory: "8G", directives: ["--exclusive"] }, { partition: "gpu", gpus: 4, directives: ["--reservation=x"] }),
    ).toEqual({
      partition: "gpu",
      memory: "8G",
      gpus: 4,
      directives: ["--exclusive", "--reservation=x"],
    });
    expect(mergeResources({ memory: "8G" }, undefined)).toEqual({ memory: "8G" });
  });
});

describe("experiment files with cluster backends", () => {
  const load = (yaml: string) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-slurm-config-"));
    writeFileSync(path.join(dir, "e.yaml"), yaml);
    return loadExperiment(path.join(dir, "e.yaml"));
  };
  const stage = "stages:\n  train:\n    kind: command\n    params: { run: 'true' }\n";

  it("accepts slurm and ray backends with defaults, and stage resources", () => {
    const slurm = load(`name: a\nbackend: slurm\n${stage}    resources: { gpus: 8, time: "1-00:00:00" }\n`);
    expect(slurm.config.backend).toMatchObject({ kind: "slurm", concurrency: 32, pollSeconds: 2, resources: {} });
    expect(slurm.config.stages.train.resources).toEqual({ gpus: 8, time: "1-00:00:00" });
    const ray = load(`name: b\nbackend: { kind: ray, address: "http://head:8265" }\n${stage}`);
    expect(ray.config.backend).toMatchObject({ kind: "ray", address: "http://head:8265", concurrency: 16 });
  });

  it("rejects bad cluster settings with one line naming the field", () => {
    const problem = (yaml: string) => {
      try {
        load(yaml);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error("expected a ConfigError");
    };
    expect(problem(`name: a\nbackend: { kind: slurm, resources: { memory: lots } }\n${stage}`)).toMatch(/backend\.resources\.memory.*64G/);
    expect(problem(`name: a\nbackend: { kind: slurm, partitoin: gpu }\n${stage}`)).toMatch(/partitoin/);
    expect(problem(`name: a\nbackend: { kind: slurm }\n${stage}    resources: { time: "forever" }\n`)).toMatch(/stages\.train\.resources\.time/);
    expect(problem(`name: a\nbackend: { kind: pbs }\n${stage}`)).toMatch(/backend/);
    expect(problem(`name: a\nbackend: { kind: ray, address: "not a url" }\n${stage}`)).toMatch(/backend\.address/);
  });
});
