// One daemon per config DB (issue 7, defect 3): a second daemon on the same DB —
// under another socket, or through a symlinked path — refuses to start, says which
// daemon holds the DB, and attaches nothing (a ping sees no duplicates); once the
// holder is killed with SIGKILL, a new daemon starts on that DB at once.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Lab } from '../lab/index.js';
import { runCli } from './cli-process.js';
import { type DaemonProcess, spawnDaemon, startDaemon, stopDaemon } from './daemon-process.js';
import { cliTests } from './helpers.js';



cliTests.describe('the config DB lock', () => {
  let dir: string;
  let db: string;
  let lab: Lab;
  const daemons: DaemonProcess[] = [];
  let br: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ns-lock-'));
    mkdirSync(join(dir, 'lib'));
    db = join(dir, 'lib', 'db.json');
    lab = new Lab();
    br = lab.name('b');
    await lab.addHost('h1');
    await lab.addHost('h2');
    const p1 = await lab.addVethHost('h1', '10.84.0.1/24');
    const p2 = await lab.addVethHost('h2', '10.84.0.2/24');
    const first = await startDaemon(join(dir, 'one.sock'), db);
    daemons.push(first);
    const paths = { sock: join(dir, 'one.sock'), db };
    for (const args of [['add-br', br], ['add-port', br, p1], ['add-port', br, p2]]) {
      expect(await runCli(paths, args)).toMatchObject({ code: 0, stderr: '' });
    }
  });

  afterAll(async () => {
    for (const d of daemons) {
      if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
      await d.exited;
    }
    await lab?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a second daemon on the same DB refuses, naming the holder, and attaches nothing', async () => {
    const holder = daemons[0]!;
    const second = spawnDaemon(join(dir, 'two.sock'), db);
    daemons.push(second); // killed in afterAll should it start after all
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(
      `nodeswitch: config DB ${db} is in use by the daemon with pid ${holder.child.pid} (socket ${join(dir, 'one.sock')}): ` +
        'stop that daemon first, or give this one another --db',
    );
    expect(existsSync(join(dir, 'two.sock'))).toBe(false);
    // Through another path to the same file: the same refusal.
    symlinkSync(join(dir, 'lib'), join(dir, 'alias'));
    const third = spawnDaemon(join(dir, 'three.sock'), join(dir, 'alias', 'db.json'));
    daemons.push(third);
    expect(await third.exited).toBe(1);
    expect(third.stderr()).toMatch(/is in use by the daemon with pid \d+/);
    // One switch on the veths: every echo answered once.
    const ping = await lab.ping('h1', '10.84.0.2', { count: 5 });
    expect(ping.received).toBe(5);
    expect(ping.output).not.toMatch(/DUP!/);
  });

  it('a holder killed with SIGKILL leaves no lock behind: a new daemon starts on the DB', async () => {
    const holder = daemons[0]!;
    holder.child.kill('SIGKILL');
    await holder.exited;
    const next = await startDaemon(join(dir, 'two.sock'), db);
    daemons.push(next);
    const r = await runCli({ sock: join(dir, 'two.sock'), db }, ['list-br']);
    expect(r).toMatchObject({ code: 0, stdout: `br0\n${br}\n` });
    expect((await lab.ping('h1', '10.84.0.2', { count: 2 })).received).toBe(2);
    const { code } = await stopDaemon(next);
    expect(code).toBe(0);
  });
});
