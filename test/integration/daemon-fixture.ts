// One real daemon for a test file: its own directory, socket and DB, a Lab for the
// names and kernel objects, started in beforeAll and stopped (with the Lab cleaned
// and the directory removed) in afterAll whatever happened. The tests talk to it
// with ok() (nodeswitch as a separate process, expected to succeed quietly).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { Lab } from '../lab/index.js';
import { type CliOptions, type CliPaths, type CliResult, expectRefused, runCli } from './cli-process.js';
import { type DaemonProcess, startDaemon, stopDaemon } from './daemon-process.js';

export interface DaemonFixture {
  dir: string;
  paths: CliPaths;
  lab: Lab;
  /** The running daemon; undefined between a test's stop and start. */
  daemon: DaemonProcess | undefined;
  /** `nodeswitch ARGS`, expected to exit 0 with nothing on stderr; its stdout. */
  ok: (...args: string[]) => Promise<string>;
  /** `nodeswitch ARGS` refused: exit 1, the message on stderr, nothing on stdout, the DB unchanged. */
  refused: (args: string[], message: RegExp, opts?: CliOptions) => Promise<CliResult>;
  /** Stops the daemon (SIGTERM, expected to exit 0) and starts it again on the same DB (listening within timeoutMs). */
  restart: (timeoutMs?: number) => Promise<void>;
}

/** Registers the hooks; `setup` runs once the daemon listens (hosts, bridges, ports). */
export function useDaemon(prefix: string, setup: (f: DaemonFixture) => Promise<void> = async () => {}): DaemonFixture {
  const f = {} as DaemonFixture;
  f.ok = async (...args: string[]): Promise<string> => {
    const r = await runCli(f.paths, args);
    expect(r, `nodeswitch ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
    return r.stdout;
  };
  f.refused = (args, message, opts) => expectRefused(f.paths, args, message, opts);
  f.restart = async (timeoutMs?: number): Promise<void> => {
    if (f.daemon) expect((await stopDaemon(f.daemon)).code).toBe(0);
    f.daemon = await startDaemon(f.paths.sock, f.paths.db, timeoutMs);
  };
  beforeAll(async () => {
    f.dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    f.paths = { sock: join(f.dir, 'ns.sock'), db: join(f.dir, 'db.json') };
    f.lab = new Lab();
    f.daemon = await startDaemon(f.paths.sock, f.paths.db);
    await setup(f);
  });
  afterAll(async () => {
    try {
      if (f.daemon) {
        f.daemon.child.kill('SIGCONT'); // a test may have left it stopped
        await stopDaemon(f.daemon);
      }
    } finally {
      await f.lab?.cleanup();
      if (f.dir) rmSync(f.dir, { recursive: true, force: true });
    }
  });
  return f;
}
