import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { environmentSchema, prepareSource, rolloutEnvironments, type Sandbox } from "@sera/rollout";
import { repoRoot } from "./engine.js";

/**
 * Execution environments (issue 12): per-command latency and sandbox create + destroy for each
 * kind, each beside its plain baseline measured in the same run — a command in the container's
 * persistent shell against `podman exec`, a container sandbox against `podman run --rm`, a
 * bubblewrap sandbox (host, prepared) against `cp -a` of the same tree. Needs podman and the base
 * image of .ci/containers-up.sh.
 */

const image = "localhost/sera-ci/bookworm:1";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(work: () => Promise<unknown> | unknown): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export async function environmentCosts(commands = 200, cycles = 10): Promise<Record<string, unknown>> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), "sera-bench-env-"));
  const repo = path.join(workDir, "shipping");
  cpSync(path.join(repoRoot, "fixtures/environments/python-shipping"), repo, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=b", "-c", "user.email=b@sera.invalid", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "fixture");
  const source = await prepareSource(repo, "HEAD", path.join(workDir, "cache"));
  const root = "/dev/shm/sera-bench-env";
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const kinds = {
    host: environmentSchema.parse({ kind: "host" }),
    prepared: environmentSchema.parse({
      kind: "prepared",
      setup: ["python3 -m venv .venv", ".venv/bin/pip install --no-index --find-links vendor parcelkit==1.0.0"],
      path: ["/testbed/.venv/bin"],
    }),
    container: environmentSchema.parse({ kind: "container", image }),
  };
  const figures: Record<string, unknown> = { commands, cycles };
  try {
    for (const [kind, config] of Object.entries(kinds)) {
      const environments = rolloutEnvironments(config, { logDir: path.join(workDir, "logs"), runId: `bench-${process.pid}` });
      const make = () => environments.createSandbox({ source, root, isolation: "bwrap", limits: {} });
      await (await make()).destroy(); // builds the prepared environment, removes stale containers
      const cycleMs: number[] = [];
      for (let i = 0; i < cycles; i++) cycleMs.push(await timed(async () => (await make()).destroy()));
      const sandbox: Sandbox = await make();
      const commandMs: number[] = [];
      try {
        for (let i = 0; i < commands; i++) commandMs.push((await sandbox.exec("true")).wallMs);
      } finally {
        await sandbox.destroy();
      }
      figures[kind] = {
        medianCreateDestroyMs: median(cycleMs),
        commandP50Ms: median(commandMs),
        commandP99Ms: [...commandMs].sort((a, b) => a - b)[Math.floor(commands * 0.99)],
      };
    }
    // Baselines: cp -a of the checkout, podman run --rm, podman exec into a running container.
    const tree = path.join(workDir, "plain");
    execFileSync("git", ["clone", "-q", repo, tree]);
    const copyMs: number[] = [];
    for (let i = 0; i < cycles; i++)
      copyMs.push(
        await timed(() => {
          execFileSync("cp", ["-a", tree, path.join(root, "copy")]);
          rmSync(path.join(root, "copy"), { recursive: true });
        }),
      );
    const runMs: number[] = [];
    for (let i = 0; i < cycles; i++) runMs.push(await timed(() => spawnSync("podman", ["run", "--rm", "--network", "none", image, "true"])));
    const container = execFileSync("podman", ["run", "-d", "--rm", "--network", "none", "--entrypoint", "sleep", image, "infinity"], {
      encoding: "utf8",
    }).trim();
    const execMs: number[] = [];
    try {
      for (let i = 0; i < Math.min(commands, 40); i++) execMs.push(await timed(() => spawnSync("podman", ["exec", container, "true"])));
    } finally {
      spawnSync("podman", ["rm", "-f", "--time", "0", container]);
    }
    figures.baselines = { copyTreeMs: median(copyMs), podmanRunRmMs: median(runMs), podmanExecP50Ms: median(execMs) };
    return figures;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
