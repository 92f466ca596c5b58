/** What an evaluation run records about itself in eval.json, for the harness stage downstream. */
export interface EvalRunInfo {
  suite: "swe-bench" | "soft-verified";
  runId: string;
  seed: number | null;
  contextLength: number;
  /** Served model name (the predictions' model_name_or_path). */
  model: string;
  /** What was served: a checkpoint folder, a hub id, or the endpoint when one was given. */
  checkpoint: string;
  /** The checkpoint carries the CPU stand-in trainer's marker, or the server said it is a stand-in. */
  standIn: boolean;
  /** `stand-in` exactly when `standIn`; what every row of the run (and of a harness grading it) carries. */
  provenance?: "real" | "stand-in";
  /** The serve command that ran (or would run, for an external endpoint: null). */
  serveCommand: string | null;
  predictions: string;
  instances: number;
  /** instance id → repository. */
  repos: Record<string, string>;
}
