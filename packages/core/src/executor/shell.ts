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

/** Environment variable carrying the `sera` command line into jobs (set by `setSeraInvocation`). */
export const seraInvocationVariable = "SERA_INVOCATION";

let registeredInvocation: string | undefined;

/**
 * The CLI registers how to start itself (e.g. `[process.execPath, <its bin/sera.js>]`) at start-up.
 * core sits below the CLI and cannot look it up by package name; the command line is also put in
 * this process's environment, so workers started from here inherit it, and every job.json carries it.
 */
export function setSeraInvocation(argv: readonly string[]): void {
  registeredInvocation = argv.map(shellQuote).join(" ");
  process.env[seraInvocationVariable] = registeredInvocation;
}

/** How to start the `sera` CLI from a job (for stand-in commands): as registered, else `sera` on PATH. */
export function seraInvocation(): string {
  return registeredInvocation ?? process.env[seraInvocationVariable] ?? "sera";
}

/** The job environment entry that carries the registered invocation; empty when none is known. */
export function seraInvocationEnv(): Record<string, string> {
  const invocation = registeredInvocation ?? process.env[seraInvocationVariable];
  return invocation === undefined ? {} : { [seraInvocationVariable]: invocation };
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
