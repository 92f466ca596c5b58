import { spawn } from "node:child_process";
import type { ShellHost } from "../sandbox/persistent-shell.js";
import { runtimeCommand, runtimeEnv, type ContainerRuntime } from "./container-runtime.js";

/**
 * Where a container's persistent shell runs: one `<runtime> exec -i … bash` kept open for the
 * sandbox's life (see PersistentShell). A command past its time limit is ended by killing every
 * process of the command's uid in the container except pid 1 (the container's own `sleep`).
 */

export interface ContainerShellSettings {
  runtime: ContainerRuntime;
  containerId: string;
  /** `uid:gid` the shell runs as inside the container. */
  user: string;
  /** Lines the shell runs before the first command (exports, ulimits). */
  prelude: string[];
}

export function containerShellHost(settings: ContainerShellSettings): ShellHost {
  const { runtime, containerId, user, prelude } = settings;
  return {
    prelude,
    spawn: () =>
      spawn(runtime, ["exec", "-i", "--user", user, "--workdir", "/testbed", containerId, "/bin/bash", "--noprofile", "--norc"], {
        env: runtimeEnv(),
        stdio: ["pipe", "pipe", "pipe"],
      }),
    killCommands: async () => {
      await runtimeCommand(runtime, ["exec", "--user", user, containerId, "/bin/sh", "-c", "kill -9 -1"], 30_000).catch(() => undefined);
    },
    // The container is removed next, with everything in it: the exec client alone needs ending.
    stop: async (shell) => {
      shell.kill("SIGKILL");
    },
  };
}
