import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The CLI tells core how to start itself: a job started by `sera run` can start `sera` again
 * ({sera} in stand-in commands) with `sera` on no PATH and from a folder where no package resolves.
 */

const seraBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/sera.js");
const dir = mkdtempSync(path.join(os.tmpdir(), "sera-invocation-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the sera command line in jobs", () => {
  it("reaches a job's environment and starts this CLI", () => {
    writeFileSync(
      path.join(dir, "again.yaml"),
      `name: again
store: ${path.join(dir, "sera.duckdb")}
stages:
  again:
    kind: command
    params: { run: 'eval "$SERA_INVOCATION --version" > "$SERA_OUT_DIR/version.txt"' }
`,
    );
    const result = spawnSync(process.execPath, [seraBin, "run", "again.yaml"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, PATH: "/usr/bin:/bin" },
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const runsDir = path.join(dir, ".sera", "experiments", "again", "runs");
    const [runId] = readdirSync(runsDir);
    const ownVersion = spawnSync(process.execPath, [seraBin, "--version"], { encoding: "utf8" }).stdout;
    expect(ownVersion).toMatch(/\d+\.\d+/);
    expect(readFileSync(path.join(runsDir, runId, "out", "version.txt"), "utf8")).toBe(ownVersion);
  });
});
