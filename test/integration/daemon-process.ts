// A real `nodeswitch daemon` as a child process, for the CLI integration tests:
// spawned by PID on its own socket and DB, waited for until it listens.
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../lab/index.js';

export const bin = fileURLToPath(new URL('../../bin/nodeswitch.js', import.meta.url));

export interface DaemonProcess {
  child: ChildProcess;
  /** Everything the daemon logged so far. */
  stderr(): string;
  exited: Promise<number | null>;
}

export function spawnDaemon(sock: string, db: string, extra: string[] = []): DaemonProcess {
  const child = spawn(process.execPath, [bin, 'daemon', '--sock', sock, '--db', db, ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

/** Whether something accepts connections on the unix socket. */
export function socketListening(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(sock);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Spawns a daemon and resolves once it listens; throws with its log if it exits first. */
export async function startDaemon(sock: string, db: string, timeoutMs = 15_000): Promise<DaemonProcess> {
  const d = spawnDaemon(sock, db);
  let exitCode: number | null | undefined;
  void d.exited.then((c) => (exitCode = c));
  await waitFor(async () => exitCode !== undefined || (await socketListening(sock)), { timeoutMs, what: 'daemon listening' });
  if (exitCode !== undefined) throw new Error(`daemon exited ${exitCode}: ${d.stderr()}`);
  return d;
}

/** Stops a daemon with SIGTERM; resolves with its exit code and everything it logged. */
export async function stopDaemon(d: DaemonProcess): Promise<{ code: number | null; log: string }> {
  d.child.kill('SIGTERM');
  const code = await d.exited;
  return { code, log: d.stderr() };
}
