// Commands for the lab: run one (argument array, never a shell), poll for a condition,
// sleep. Shared by the Lab, the integration tests and the benchmarks.
import { execFile, execFileSync } from 'node:child_process';

const DEFAULT_TIMEOUT_MS = 30_000;

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Kill the command after this long (default 30 s). */
  timeoutMs?: number;
  /** Throw when the command exits non-zero (default true). */
  check?: boolean;
}

export class LabError extends Error {
  constructor(
    message: string,
    readonly result?: ExecResult,
  ) {
    super(message);
    this.name = 'LabError';
  }
}

/** Runs a command (argument array, no shell) in the current namespace. */
export function run(cmd: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = cmd;
  if (file === undefined) return Promise.reject(new LabError('empty command'));
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout, maxBuffer: 64 << 20, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      if (e && typeof e.code === 'string') {
        reject(new LabError(`${cmd.join(' ')}: ${e.message}`));
        return;
      }
      const code = e ? (typeof e.code === 'number' ? e.code : e.killed ? 124 : 1) : 0;
      const result = { code, stdout: String(stdout), stderr: String(stderr) };
      if (code !== 0 && opts.check !== false) {
        const why = e?.killed ? `timed out after ${timeout} ms` : `exited ${code}`;
        reject(new LabError(`${cmd.join(' ')} ${why}: ${result.stderr.trim() || result.stdout.trim()}`, result));
        return;
      }
      resolve(result);
    });
  });
}

/** Polls `fn` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const suffix = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new LabError(`timed out waiting for ${opts.what ?? 'condition'}${suffix}`);
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a command synchronously; its stdout, or '' when it fails (for exit handlers and sweeps). */
export function safeSync(cmd: readonly string[]): string {
  const [file, ...args] = cmd;
  try {
    return execFileSync(file!, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
  } catch {
    return '';
  }
}
