/**
 * Ending a command-line process without losing its output.
 *
 * When stdout is a pipe and the reader is slower than the writer, Node accepts the first 64 KiB
 * into the kernel's pipe buffer and queues the rest in user space; `process.exit` then throws the
 * queue away, so `sera query … --json | jq` read a cut document. Ending the loop naturally is not
 * an option either: store handles, servers or timers may keep it alive. So the exit code is set
 * first and the process exits only once both streams have handed everything to the kernel.
 */

type OutputStream = NodeJS.WritableStream & { writableLength?: number; destroyed?: boolean; writable?: boolean };

/** Resolves once everything written to `stream` so far has left the process (or can never leave it). */
export function outputFlushed(stream: OutputStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writable === false) return resolve();
    // A reader that went away (EPIPE) will never take the rest; there is nothing left to wait for.
    const onError = () => resolve();
    stream.once("error", onError);
    // Writes complete in order, so the callback of an empty write runs after every earlier chunk.
    stream.write("", () => {
      stream.removeListener("error", onError);
      resolve();
    });
  });
}

/** Set the exit code, wait until stdout and stderr are drained, then exit. */
export function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  void Promise.all([outputFlushed(process.stdout), outputFlushed(process.stderr)]).then(() => process.exit(code));
}

/**
 * A reader that closes the pipe early (`sera query … | head`) makes the next write fail with EPIPE.
 * That is the reader's choice, not an error of the command: exit quietly with the code so far.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
      throw error;
    });
  }
}
