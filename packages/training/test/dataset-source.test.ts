import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readSource, readTrajectoryFile } from "../src/build/source.js";

/**
 * A dataset reads its sources' record files and trajectory files through the data contract's
 * shapes (no hand-declared copies of generation's rows): old files still read, a row or a
 * trajectory that does not fit stops the build with the file and the column named.
 */

function sourceDir(rollouts: object[], trajectory: object): string {
  const outDir = mkdtempSync(path.join(os.tmpdir(), "sera-dataset-source-"));
  mkdirSync(path.join(outDir, "records"));
  mkdirSync(path.join(outDir, "instances", "i-1"), { recursive: true });
  writeFileSync(path.join(outDir, "instances", "i-1", "r1-1.traj.json"), JSON.stringify(trajectory));
  writeFileSync(path.join(outDir, "records", "rollouts.jsonl"), rollouts.map((row) => JSON.stringify(row) + "\n").join(""));
  writeFileSync(path.join(outDir, "records", "patches.jsonl"), JSON.stringify({ instance_id: "i-1", phase: "r1", attempt: 1, patch: "diff" }) + "\n");
  return outDir;
}

const rollout = {
  run_id: "gen",
  instance_id: "i-1",
  phase: "r1",
  rollout_attempt: 1,
  exit_status: "submitted",
  steps: 2,
  trajectory_path: "instances/i-1/r1-1.traj.json",
};
const messages = [
  { role: "user", content: "fix it" },
  { role: "assistant", content: "done" },
];

describe("dataset sources", () => {
  it("reads generation's record files, old column names included, and the trajectory they point at", () => {
    const { rollout_attempt: attempt, ...withoutAttempt } = rollout;
    const dir = sourceDir([{ ...withoutAttempt, attempt }], { instanceId: "i-1", messages, exitStatus: "submitted", patch: "diff" });
    const source = readSource("gen", dir, null);
    expect(source.rollouts).toEqual([rollout]);
    expect([...source.patches.values()]).toEqual(["diff"]);
    const loaded = readTrajectoryFile(path.join(dir, rollout.trajectory_path), source.rollouts[0], source.kind);
    expect(loaded.trajectory).toMatchObject({ instanceId: "i-1", steps: 2, exitStatus: "submitted", patch: "diff", source: "sera" });
  });

  it("names the file, line and column of a rollouts row that does not fit", () => {
    const dir = sourceDir([rollout, { ...rollout, rollout_attempt: 2, steps: "two" }], { messages });
    expect(() => readSource("gen", dir, null)).toThrow(`${path.join(dir, "records", "rollouts.jsonl")}:2: steps: `);
  });

  it("names the trajectory file and the message that does not fit", () => {
    const dir = sourceDir([rollout], { messages: [{ role: "narrator", content: "?" }] });
    const file = path.join(dir, rollout.trajectory_path);
    expect(() => readTrajectoryFile(file, readSource("gen", dir, null).rollouts[0], "generation")).toThrow(`${file}: messages.0.role: `);
  });
});
