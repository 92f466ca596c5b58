import { shellQuote } from "@sera/core";
import { layoutPath, trainingLayout, type TrainingPlan } from "./plan.js";

/**
 * The job script that launches the trainer. Single-node runs start it directly (`axolotl train`,
 * torchrun, accelerate or llamafactory-cli); multi-node runs read the Slurm allocation at run time
 * (SLURM_JOB_NUM_NODES, SLURM_JOB_NODELIST, SLURM_JOB_ID, SLURM_NODEID) and start one launcher per
 * node with srun, rendezvousing on the allocation's first host. The same script runs under any
 * backend; only a multi-node recipe insists on a Slurm allocation of the right size.
 */

export function configFile(plan: TrainingPlan): string {
  return layoutPath(plan, plan.trainer === "axolotl" ? "axolotlConfig" : "llamaFactoryConfig");
}

export function launchProblem(plan: Pick<TrainingPlan, "trainer" | "launcher" | "resources">): string | null {
  if (plan.trainer === "llamafactory" && plan.launcher !== "llamafactory-cli")
    return `LLaMA-Factory runs are launched with llamafactory-cli, not ${plan.launcher}`;
  if (plan.trainer === "axolotl" && plan.launcher === "llamafactory-cli") return "llamafactory-cli cannot launch axolotl; use axolotl, torchrun or accelerate";
  if (plan.launcher === "axolotl" && plan.resources.nodes > 1)
    return "`axolotl train` starts one node only; multi-node runs need launcher torchrun or accelerate";
  return null;
}

function singleNodeLines(plan: TrainingPlan, config: string): string[] {
  const gpus = plan.resources.gpusPerNode;
  switch (plan.launcher) {
    case "axolotl":
      return [`exec axolotl train ${config}`];
    case "torchrun":
      return [`exec torchrun --standalone --nnodes=1 --nproc-per-node=${gpus} -m axolotl.cli.train ${config}`];
    case "accelerate":
      return [`exec accelerate launch --num_machines=1 --num_processes=${gpus} --machine_rank=0 -m axolotl.cli.train ${config}`];
    case "llamafactory-cli":
      return [`export FORCE_TORCHRUN=1 NNODES=1 NODE_RANK=0 NPROC_PER_NODE=${gpus}`, `exec llamafactory-cli train ${config}`];
  }
}

function multiNodeLines(plan: TrainingPlan, config: string): string[] {
  const { nodes, gpusPerNode } = plan.resources;
  const lines = [
    `nodes=${nodes}`,
    'if [ "${SLURM_JOB_NUM_NODES:-}" != "$nodes" ]; then',
    `  echo "sera-train: ${plan.recipe} needs a Slurm allocation of $nodes nodes, found SLURM_JOB_NUM_NODES='\${SLURM_JOB_NUM_NODES:-unset}' (use backend: slurm with resources.nodes: $nodes)" >&2`,
    "  exit 2",
    "fi",
    // awk reads the whole list: `head -n 1` would close the pipe early and, under pipefail, kill the script with SIGPIPE.
    `head_node="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | awk 'NR == 1')"`,
    `export MASTER_ADDR="$head_node" MASTER_PORT=${plan.masterPort}`,
  ];
  const srun = 'srun --nodes="$nodes" --ntasks-per-node=1 --kill-on-bad-exit=1';
  switch (plan.launcher) {
    case "torchrun":
      // With c10d rendezvous every node runs the same command; ranks are assigned at the rendezvous.
      lines.push(
        `exec ${srun} torchrun --nnodes="$nodes" --nproc-per-node=${gpusPerNode} --rdzv-id="$SLURM_JOB_ID" --rdzv-backend=c10d --rdzv-endpoint="$MASTER_ADDR:$MASTER_PORT" -m axolotl.cli.train ${config}`,
      );
      break;
    case "accelerate":
      // The machine rank differs per node, so it is read inside each srun task.
      lines.push(
        `exec ${srun} bash -c 'exec accelerate launch --num_machines="$0" --num_processes="$1" --machine_rank="$SLURM_NODEID" --main_process_ip="$MASTER_ADDR" --main_process_port="$MASTER_PORT" -m axolotl.cli.train "$2"' "$nodes" ${nodes * gpusPerNode} ${config}`,
      );
      break;
    case "llamafactory-cli":
      lines.push(
        `exec ${srun} bash -c 'FORCE_TORCHRUN=1 NNODES="$0" NODE_RANK="$SLURM_NODEID" NPROC_PER_NODE="$1" exec llamafactory-cli train "$2"' "$nodes" ${gpusPerNode} ${config}`,
      );
      break;
    case "axolotl":
      throw new Error(launchProblem(plan) ?? "axolotl cannot launch multi-node runs");
  }
  return lines;
}

function gpuCountCheck(plan: TrainingPlan): string[] {
  const gpus = plan.resources.gpusPerNode;
  // A launcher that counts GPUs itself would silently change the global batch on a smaller node.
  return [
    "if command -v nvidia-smi >/dev/null 2>&1; then",
    '  visible="$(nvidia-smi -L | wc -l)"',
    `  if [ "$visible" -lt ${gpus} ]; then echo "sera-train: ${plan.recipe} needs ${gpus} GPUs per node, this node shows $visible" >&2; exit 2; fi`,
    "fi",
  ];
}

export function launchScript(plan: TrainingPlan): string {
  const problem = launchProblem(plan);
  if (problem) throw new Error(problem);
  const config = shellQuote(configFile(plan));
  const { nodes, gpusPerNode } = plan.resources;
  const lines = [
    "#!/bin/bash",
    `# sera-train job script: recipe ${plan.recipe}, ${plan.trainer} launched with ${plan.launcher}, ${nodes} node(s) × ${gpusPerNode} GPU(s).`,
    `# Written by sera into the run directory as ${trainingLayout.launchScript}; \`sera train --dry-run\` prints it.`,
    "set -euo pipefail",
    `cd ${shellQuote(plan.runDir)}`,
    "export TOKENIZERS_PARALLELISM=false",
  ];
  if (plan.trainer === "axolotl") lines.push("export AXOLOTL_DO_NOT_TRACK=1");
  lines.push(...gpuCountCheck(plan));
  lines.push(...(nodes > 1 ? multiNodeLines(plan, config) : singleNodeLines(plan, config)));
  return lines.join("\n") + "\n";
}
