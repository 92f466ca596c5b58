import path from "node:path";

/** Where SERA models were trained to find the repository. */
export const TESTBED = "/testbed";

/** `/testbed` as a whole path word: not the start of `/testbed2` or `/testbed.bak`. */
const testbedWord = /\/testbed(?![\w.-])/g;

/**
 * The two views of one checkout: the model sees `/testbed/...` (as in its training data), Claude
 * Code works on the user's real directory. Paths go one way, tool output comes back the other.
 */
export class PathMap {
  readonly workdir: string;

  constructor(workdir: string) {
    this.workdir = path.resolve(workdir);
  }

  /** A path the model gave (absolute under /testbed, or relative to it) as a real path. */
  toReal(shown: string): string {
    if (shown === TESTBED || shown.startsWith(`${TESTBED}/`)) return path.join(this.workdir, shown.slice(TESTBED.length));
    return path.isAbsolute(shown) ? shown : path.join(this.workdir, shown);
  }

  /** A real path as the model would write it. */
  toShown(real: string): string {
    const resolved = path.resolve(this.workdir, real);
    if (resolved === this.workdir) return TESTBED;
    if (resolved.startsWith(`${this.workdir}/`)) return `${TESTBED}${resolved.slice(this.workdir.length)}`;
    return resolved;
  }

  /** A shell command written for /testbed, pointed at the real directory. */
  commandToReal(command: string): string {
    return command.replace(testbedWord, this.workdir);
  }

  /** Text from the real machine (tool output, error messages) with the real directory shown as /testbed. */
  textToShown(text: string): string {
    if (this.workdir === "/") return text;
    const escaped = this.workdir.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
    return text.replace(new RegExp(`${escaped}(?![\\w.-])`, "g"), TESTBED);
  }
}

/** Claude Code states its working directory in the system prompt ("Primary working directory:", "CWD:" with --bare); /testbed maps onto it. */
export function workdirFromSystem(systemText: string): string | undefined {
  const match = /(?:Primary working directory|Working directory|CWD):[ \t]*(\S[^\n]*)/.exec(systemText);
  return match ? match[1].trim() : undefined;
}
