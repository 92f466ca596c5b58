import type { Experiment } from "../config/experiment.js";
import type { Backend } from "./backend.js";
import { localBackend } from "./local.js";
import { rayBackend } from "./ray.js";
import { slurmBackend } from "./slurm.js";
import type { JobResources } from "./slurm-config.js";

/** The backend an experiment file asks for (`backend.kind`), with each stage's own resources. */
export function createBackend(config: Experiment): Backend {
  const stageResources: Record<string, JobResources | undefined> = Object.fromEntries(
    Object.entries(config.stages).map(([name, stage]) => [name, stage.resources]),
  );
  const backend = config.backend;
  switch (backend.kind) {
    case "local":
      return localBackend();
    case "slurm":
      return slurmBackend({ config: backend, stageResources });
    case "ray":
      return rayBackend({ config: backend, stageResources });
  }
}
