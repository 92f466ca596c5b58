import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { axolotlConfigYaml } from "./axolotl.js";
import { deepspeedConfig } from "./deepspeed.js";
import { launchScript } from "./launch.js";
import { llamaFactoryConfigYaml, llamaFactoryDatasetInfo } from "./llamafactory.js";
import { layoutPath, type TrainingPlan } from "./plan.js";

/** Every file a training run is launched from, as text: what the stage writes and `--dry-run` prints. */
export interface RenderedFile {
  path: string;
  text: string;
  /** Executable (the job script). */
  executable?: boolean;
}

export function renderTrainingFiles(plan: TrainingPlan): RenderedFile[] {
  const files: RenderedFile[] = [];
  if (plan.trainer === "axolotl") files.push({ path: layoutPath(plan, "axolotlConfig"), text: axolotlConfigYaml(plan) });
  else {
    files.push({ path: layoutPath(plan, "llamaFactoryConfig"), text: llamaFactoryConfigYaml(plan) });
    files.push({ path: layoutPath(plan, "llamaFactoryDatasetInfo"), text: JSON.stringify(llamaFactoryDatasetInfo(plan), null, 2) + "\n" });
  }
  files.push({ path: layoutPath(plan, "deepspeedConfig"), text: JSON.stringify(deepspeedConfig(plan.hyper.zeroStage), null, 2) + "\n" });
  files.push({ path: layoutPath(plan, "launchScript"), text: launchScript(plan), executable: true });
  return files;
}

export function writeRenderedFiles(files: RenderedFile[]): void {
  for (const file of files) {
    mkdirSync(path.dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.text, { mode: file.executable ? 0o755 : 0o644 });
  }
}
