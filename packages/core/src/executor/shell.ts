import { createRequire } from "node:module";
import path from "node:path";

/**
 * Shell words and process trees, shared by every package that starts commands (the worker,
 * trainers, model servers, the evaluation harness): one quoting rule, one placeholder rule for
 * user-written command templates, and one way to stop a command with everything it started.
 */

/** A shell word: bare when it is plainly safe, else single-quoted. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Replace `{name}` placeholders with shell-quoted values (names in `raw`, by default `{sera}`,
 * verbatim: they are already command lines); an unknown name is an error naming the field.
 */
export function fillPlaceholders(template: string, values: Record<string, string>, field: string, raw: ReadonlySet<string> = new Set(["sera"])): string {
  return template.replace(/\{([a-z_]+)\}/g, (match, name: string) => {
    if (!(name in values))
      throw new Error(
        `${field}: unknown placeholder ${match} (known: ${Object.keys(values)
          .map((n) => `{${n}}`)
          .join(" ")})`,
      );
    return raw.has(name) ? values[name] : shellQuote(values[name]);
  });
}

/** How to start the `sera` CLI from a job (for stand-in commands), even when it is not on PATH. */
export function seraInvocation(): string {
  try {
    const cliPackage = createRequire(import.meta.url).resolve("@sera/cli/package.json");
    return `${shellQuote(process.execPath)} ${shellQuote(path.join(path.dirname(cliPackage), "bin", "sera.js"))}`;
  } catch {
    return "sera";
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * SIGTERM to the process group led by `pid` (a child spawned with `detached: true`), then SIGKILL
 * after `graceMs` for whatever ignored it. Returns the pending SIGKILL's timer, unref'd so it never
 * keeps Node alive; clear it once the group is known to be gone.
 */
export function stopProcessTree(pid: number, graceMs: number): NodeJS.Timeout {
  signalGroup(pid, "SIGTERM");
  return setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs).unref();
}
