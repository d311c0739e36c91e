// Background processes the benchmarks start (trafgen, ovsdb-server, ovs-vswitchd).
//
// Each runs in a process group of its own, so that a terminal's Ctrl-C does not reach
// it before the bench has taken down what depends on it, and so that stopping it also
// stops the children it forks (trafgen forks one sender per CPU). Every process started
// here is killed — by its own process group, nothing else — when the bench exits.
//
// A crash of the bench itself (a fault in the native addon ends the process without
// running any exit handler) is covered by a guard: a detached shell that waits for the
// bench's PID to go away and then runs a cleanup script the bench keeps up to date —
// kill the process groups still listed, delete what carries the lab's prefix, remove
// temp dirs. On a normal exit the script has been emptied first and the guard just leaves.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Background {
  readonly pid: number;
  readonly name: string;
  /** A daemon outlives single measurements (ovsdb-server, ovs-vswitchd); a workload does not. */
  readonly daemon: boolean;
  stdout(): string;
  stderr(): string;
  running(): boolean;
  /** Settles when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` to the process group, waits up to graceMs, then SIGKILLs it. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const live = new Set<Background>();
let guardScript: string | undefined;
const guardExtra = new Map<string, string[]>();

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Starts `cmd` (argument array, no shell) in a new process group. */
export function startBackground(cmd: readonly string[], opts: { env?: NodeJS.ProcessEnv; daemon?: boolean } = {}): Background {
  const [file, ...args] = cmd;
  if (file === undefined) throw new Error('empty command');
  const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out = keepTail(out + d)));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err = keepTail(err + d)));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (e) => {
      err += String(e);
      done = true;
      resolve({ code: 127, signal: null });
    });
    child.once('close', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const pid = child.pid ?? -1;
  const bg: Background = {
    pid,
    name: cmd.join(' '),
    daemon: opts.daemon === true,
    stdout: () => out,
    stderr: () => err,
    running: () => !done,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<void> {
      if (!done && pid > 0) {
        signalGroup(pid, signal);
        const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
        if ((await Promise.race([exited, timer])) === 'timeout') {
          signalGroup(pid, 'SIGKILL');
          await exited;
        }
      }
      // Children that outlived their parent are still in the group.
      if (pid > 0) signalGroup(pid, 'SIGKILL');
      live.delete(bg);
      updateGuard();
    },
  };
  live.add(bg);
  updateGuard();
  void exited.then(() => {
    if (pid > 0) signalGroup(pid, 'SIGKILL');
    live.delete(bg);
    updateGuard();
  });
  return bg;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs `cmd` to the end (or SIGKILLs it after timeoutMs), as a tracked workload. */
export async function runTracked(cmd: readonly string[], timeoutMs: number): Promise<Finished> {
  const bg = startBackground(cmd);
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
  const first = await Promise.race([bg.exited, timer]);
  const timedOut = first === 'timeout';
  if (timedOut) await bg.stop('SIGKILL');
  const { code, signal } = await bg.exited;
  return { code, signal, stdout: bg.stdout(), stderr: bg.stderr(), timedOut };
}

/** SIGKILLs the workloads still running (not the daemons), e.g. when interrupted. */
export function killWorkloadsSync(): void {
  for (const bg of live) {
    if (bg.daemon || bg.pid <= 0) continue;
    signalGroup(bg.pid, 'SIGKILL');
    live.delete(bg);
  }
  updateGuard();
}

/** Last resort for exit paths: SIGKILL every group still alive. */
export function killAllSync(): void {
  for (const bg of live) if (bg.pid > 0) signalGroup(bg.pid, 'SIGKILL');
  live.clear();
  guardExtra.clear();
  updateGuard();
}

process.on('exit', killAllSync);

/**
 * Starts the crash guard (once). Its cleanup script kills the live process groups and
 * runs the shell lines registered with guardAlso().
 */
export function startGuard(): void {
  if (guardScript !== undefined) return;
  const dir = mkdtempSync(join(tmpdir(), 'nodeswitch-bench-guard-'));
  guardScript = join(dir, 'cleanup.sh');
  updateGuard();
  const watch = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; bash ${guardScript}; rm -rf ${dir}`;
  const guard = spawn('bash', ['-c', watch], { detached: true, stdio: 'ignore' });
  guard.unref();
}

/** Shell lines the guard runs (after killing the process groups) if the bench dies; [] forgets them. */
export function guardAlso(key: string, lines: string[]): void {
  if (lines.length === 0) guardExtra.delete(key);
  else guardExtra.set(key, lines);
  updateGuard();
}

function updateGuard(): void {
  if (guardScript === undefined) return;
  const lines = [...live].filter((bg) => bg.pid > 0).map((bg) => `kill -KILL -- -${bg.pid} 2>/dev/null`);
  for (const extra of guardExtra.values()) lines.push(...extra);
  writeFileSync(guardScript, lines.join('\n') + '\n');
}

function keepTail(s: string): string {
  return s.length > 1 << 20 ? s.slice(-(1 << 19)) : s;
}
