// How the nodeswitch process ends. process.exit() right after the last write drops
// whatever stdout or stderr still holds: a pipe takes 64 KiB and the rest waits in
// Node's queue until the reader catches up (`dump-flows | wc -l` lost 90% of its
// lines). So the exit waits for both streams to hand everything to the kernel first.
// It still ends with process.exit(), so that nothing left open (a datapath being
// torn down, a timer) can keep a finished command alive.

/** Resolves once everything written to `stream` so far has been taken by the kernel (or the reader is gone). */
export function drained(stream: NodeJS.WritableStream & { writableLength?: number; destroyed?: boolean }): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed) return resolve();
    // A reader that went away (`| head -1`) makes the write fail with EPIPE: nothing
    // more can be delivered, which is as done as it gets.
    stream.once('error', () => resolve());
    // Write callbacks run in order: this one runs after every earlier write's.
    stream.write('', () => resolve());
  });
}

/**
 * A reader that went away (`| head -1`) is not an error of ours: EPIPE on stdout or
 * stderr would otherwise be an unhandled 'error' event, a stack trace and exit 1.
 * Called before anything is written.
 */
export function toleratePipeReadersGoing(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}

/** Exits with `code` once stdout and stderr are drained. */
export async function exitWhenDrained(code: number): Promise<never> {
  process.exitCode = code;
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}
