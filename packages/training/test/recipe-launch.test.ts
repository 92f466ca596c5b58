import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildTrainingPlan, launchScript, type LauncherKind } from "../src/index.js";
import { allocationProblem } from "../src/train/run.js";

/**
 * The job scripts are run for real with bash. The cluster programs they call (scontrol, srun,
 * torchrun, accelerate, nvidia-smi) are replaced on PATH by small scripts that record how they
 * were called — those belong to Slurm and the trainers, not to sera.
 */

function plan(recipe: string, launcher: LauncherKind | undefined, runDir: string, resources?: { nodes?: number; gpusPerNode?: number }) {
  return buildTrainingPlan({ recipe, trainer: "axolotl", datasetFile: "/d.jsonl", samples: 1000, runDir, seed: 1, launcher, resources });
}

function clusterTools(gpus: number): { bin: string; calls: string } {
  const bin = mkdtempSync(path.join(os.tmpdir(), "sera-cluster-bin-"));
  const calls = path.join(bin, "calls.log");
  const tool = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  const record = `printf '%s' "$(basename "$0")" >> ${calls}; for a in "$@"; do printf ' [%s]' "$a" >> ${calls}; done; printf '\\n' >> ${calls}`;
  tool("nvidia-smi", `for i in $(seq 1 ${gpus}); do echo "GPU $((i-1)): NVIDIA H100 80GB HBM3"; done`);
  tool("scontrol", `${record}\nif [ "$1 $2" = "show hostnames" ]; then echo gpu-node-07; echo gpu-node-08; fi`);
  // srun runs its command once per node, here as node 1 of 2, like the second task of the allocation.
  tool("srun", `${record}\nwhile [[ "$1" == --* ]]; do shift; done\nSLURM_NODEID=1 exec "$@"`);
  for (const name of ["torchrun", "accelerate", "axolotl", "llamafactory-cli"])
    tool(name, `${record}\necho "env MASTER_ADDR=$MASTER_ADDR FORCE_TORCHRUN=\${FORCE_TORCHRUN:-} NODE_RANK=\${NODE_RANK:-}" >> ${calls}`);
  return { bin, calls };
}

function runScript(script: string, runDir: string, bin: string, env: Record<string, string>) {
  const file = path.join(runDir, "launch.sh");
  writeFileSync(file, script);
  return spawnSync("bash", [file], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin`, ...env } });
}

describe("trainer job scripts", () => {
  it("starts single-node runs directly with the recipe's launcher", () => {
    const runDir = mkdtempSync(path.join(os.tmpdir(), "sera-launch-"));
    const { bin, calls } = clusterTools(4);
    const result = runScript(launchScript(plan("sera-qwen3-8b", undefined, runDir)), runDir, bin, {});
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(readFileSync(calls, "utf8").split("\n")[0]).toBe(`axolotl [train] [${runDir}/config/axolotl.yaml]`);

    const torch = launchScript(plan("sera-qwen3-8b", "torchrun", runDir));
    expect(torch).toContain(`exec torchrun --standalone --nnodes=1 --nproc-per-node=4 -m axolotl.cli.train ${runDir}/config/axolotl.yaml`);
    const accelerate = launchScript(plan("sera-qwen3-8b", "accelerate", runDir));
    expect(accelerate).toContain("exec accelerate launch --num_machines=1 --num_processes=4 --machine_rank=0 -m axolotl.cli.train");
  });

  it("refuses to start on a node with fewer GPUs than the recipe assumes (the global batch would shrink)", () => {
    const runDir = mkdtempSync(path.join(os.tmpdir(), "sera-launch-"));
    const { bin } = clusterTools(2);
    const result = runScript(launchScript(plan("sera-qwen3-8b", undefined, runDir)), runDir, bin, {});
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe("sera-train: sera-qwen3-8b needs 4 GPUs per node, this node shows 2");
  });

  it("launches multi-node torchrun on every node of the Slurm allocation, meeting at its first host", () => {
    const runDir = mkdtempSync(path.join(os.tmpdir(), "sera-launch-"));
    const { bin, calls } = clusterTools(8);
    const env = { SLURM_JOB_NUM_NODES: "2", SLURM_JOB_NODELIST: "gpu-node-[07-08]", SLURM_JOB_ID: "4242" };
    const result = runScript(launchScript(plan("sera-qwen3-32b", undefined, runDir)), runDir, bin, env);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const lines = readFileSync(calls, "utf8").trim().split("\n");
    expect(lines[0]).toBe("scontrol [show] [hostnames] [gpu-node-[07-08]]");
    expect(lines[1]).toBe(
      `srun [--nodes=2] [--ntasks-per-node=1] [--kill-on-bad-exit=1] [torchrun] [--nnodes=2] [--nproc-per-node=8] [--rdzv-id=4242] [--rdzv-backend=c10d] [--rdzv-endpoint=gpu-node-07:29500] [-m] [axolotl.cli.train] [${runDir}/config/axolotl.yaml]`,
    );
    expect(lines[2]).toMatch(/^torchrun \[--nnodes=2\]/);
  });

  it("gives accelerate and LLaMA-Factory each node's own rank", () => {
    const runDir = mkdtempSync(path.join(os.tmpdir(), "sera-launch-"));
    const { bin, calls } = clusterTools(8);
    const env = { SLURM_JOB_NUM_NODES: "2", SLURM_JOB_NODELIST: "gpu-node-[07-08]", SLURM_JOB_ID: "9" };
    expect(runScript(launchScript(plan("sera-qwen3-32b", "accelerate", runDir)), runDir, bin, env).status).toBe(0);
    const accelerate = readFileSync(calls, "utf8")
      .trim()
      .split("\n")
      .find((l) => l.startsWith("accelerate"))!;
    expect(accelerate).toBe(
      `accelerate [launch] [--num_machines=2] [--num_processes=16] [--machine_rank=1] [--main_process_ip=gpu-node-07] [--main_process_port=29500] [-m] [axolotl.cli.train] [${runDir}/config/axolotl.yaml]`,
    );

    const lfDir = mkdtempSync(path.join(os.tmpdir(), "sera-launch-"));
    mkdirSync(lfDir, { recursive: true });
    const lf = buildTrainingPlan({ recipe: "sera-qwen3-32b", trainer: "llamafactory", datasetFile: "/d.jsonl", samples: 1000, runDir: lfDir, seed: 1 });
    const tools = clusterTools(8);
    expect(runScript(launchScript(lf), lfDir, tools.bin, env).status).toBe(0);
    const recorded = readFileSync(tools.calls, "utf8");
    expect(recorded).toContain(`llamafactory-cli [train] [${lfDir}/config/llamafactory.yaml]`);
    expect(recorded).toContain("env MASTER_ADDR=gpu-node-07 FORCE_TORCHRUN=1 NODE_RANK=1");
  });

  it("stops a multi-node recipe outside a Slurm allocation of the right size, before any launcher starts", () => {
    const runDir = mkdtempSync(path.join(os.tmpdir(), "sera-launch-"));
    const { bin } = clusterTools(8);
    const result = runScript(launchScript(plan("sera-qwen3-32b", undefined, runDir)), runDir, bin, {});
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("sera-qwen3-32b needs a Slurm allocation of 2 nodes, found SLURM_JOB_NUM_NODES='unset'");

    const p = plan("sera-qwen3-32b", undefined, runDir);
    expect(allocationProblem(p, {})).toBe("sera-qwen3-32b needs 2 nodes but this job has no Slurm allocation: use backend: slurm with resources.nodes: 2");
    expect(allocationProblem(p, { SLURM_JOB_NUM_NODES: "1" })).toMatch(/a Slurm allocation of 1/);
    expect(allocationProblem(p, { SLURM_JOB_NUM_NODES: "2", SLURM_GPUS_ON_NODE: "4" })).toBe(
      "sera-qwen3-32b needs 8 GPUs per node, the Slurm allocation gives 4",
    );
    expect(allocationProblem(p, { SLURM_JOB_NUM_NODES: "2", SLURM_GPUS_ON_NODE: "8" })).toBeNull();
    expect(allocationProblem(plan("sera-qwen3-8b", undefined, runDir), {})).toBeNull();
    expect(() => launchScript(plan("sera-qwen3-32b", "axolotl", runDir))).toThrow(/`axolotl train` starts one node only/);
  });
});
