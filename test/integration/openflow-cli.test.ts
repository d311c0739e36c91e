// The OpenFlow settings through the CLI and a real daemon: set-controller (several
// targets, replacing), del-controller, set-fail-mode, set-listen, set-bridge
// datapath-id; show's lines (connection state with backoff, listeners, the datapath
// id derived from the LOCAL port's MAC); bad targets refused with nothing applied;
// everything restored after a restart; every bridge's BR.mgmt socket (0600, beside
// the management socket, gone at del-br and at daemon stop).
import { lstatSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { waitFor } from '../lab/index.js';
import { runCli } from './cli-process.js';
import { useDaemon } from './daemon-fixture.js';
import { cliTests } from './helpers.js';

// Ports no test of this file listens on (nothing answers: the controllers back off).
const BASE = 20000 + ((process.pid * 7) % 9000);

cliTests.describe('OpenFlow settings through the daemon', () => {
  let br: string;
  let bare: string;
  const d = useDaemon('ns-ofcli', async ({ lab, ok }) => {
    br = lab.name('o');
    bare = lab.name('q');
    await ok('add-br', br);
    await ok('add-br', bare, '--no-local');
  });
  const dbOf = (name: string): Record<string, unknown> | undefined =>
    (JSON.parse(readFileSync(d.paths.db, 'utf8')) as { bridges: { name: string; openflow?: Record<string, unknown> }[] }).bridges.find((b) => b.name === name)
      ?.openflow;
  const section = async (name: string): Promise<string> => {
    const show = await d.ok('show');
    const start = show.indexOf(`Bridge ${name}\n`);
    const next = show.indexOf('\nBridge ', start + 1);
    return show.slice(start, next < 0 ? undefined : next + 1);
  };
  const mgmt = (name: string): string => join(d.dir, `${name}.mgmt`);

  it('every bridge has a root-only BR.mgmt beside the management socket, and a datapath id', async () => {
    for (const name of [br, bare]) {
      const st = lstatSync(mgmt(name));
      expect(st.isSocket()).toBe(true);
      expect(st.mode & 0o777).toBe(0o600);
    }
    const mac = (JSON.parse(readFileSync(d.paths.db, 'utf8')) as { bridges: { name: string; local?: { mac: string } }[] }).bridges.find((b) => b.name === br)!.local!.mac;
    const s = await section(br);
    expect(s).toContain(`    datapath-id: 0000${mac.replace(/:/g, '')}\n    fail-mode: standalone\n`);
    expect(s).toContain(`    Listener "punix:${mgmt(br)}" (management)\n`);
    const q = await section(bare);
    expect(q).toMatch(/ {4}datapath-id: 0000[0-9a-f][26ae][0-9a-f]{10}\n/); // from the name: locally administered
    const json = JSON.parse(await d.ok('show', '--json')) as { bridges: { name: string; openflow: { datapathId: string; failMode: string; controllers: unknown[] } }[] };
    expect(json.bridges.find((b) => b.name === br)!.openflow).toMatchObject({ datapathId: `0000${mac.replace(/:/g, '')}`, failMode: 'standalone', controllers: [] });
  });

  it('set-controller: several targets, replacing the list; show says they back off', async () => {
    await d.ok('set-controller', br, `tcp:127.0.0.1:${BASE}`, `tcp:127.0.0.1:${BASE + 1}`);
    await d.ok('set-controller', br, `tcp:127.0.0.1:${BASE + 2}`, 'tcp:[::1]', '--inactivity-probe', '2000', '--rate-limit', '500');
    expect(dbOf(br)).toEqual({ controllers: [`tcp:127.0.0.1:${BASE + 2}`, 'tcp:[::1]:6653'], inactivityProbe: 2000, rateLimit: 500 });
    await waitFor(async () => /state: backoff [1-8] s/.test(await section(br)), { timeoutMs: 5000, what: 'the controller backing off' });
    const s = await section(br);
    expect(s).not.toContain(`${BASE}"`);
    expect(s).toMatch(new RegExp(`    Controller "tcp:127.0.0.1:${BASE + 2}"\\n        state: (connecting|backoff \\d s)( \\(.*\\))?\\n        packet-ins: 0 sent, 0 dropped by the rate limit\\n`));
    expect(s).toContain('    Controller "tcp:[::1]:6653"\n');
    expect(s).toContain('    inactivity-probe: 2000 ms\n    controller-rate-limit: 500 packet-ins/s, burst rate/4\n');
  });

  it('bad targets and modes: a clear error, exit 1, nothing applied', async () => {
    const before = readFileSync(d.paths.db, 'utf8');
    for (const [args, message] of [
      [['set-controller', br, 'tcp:127.0.0.1:65536'], /target "tcp:127.0.0.1:65536": the port must be an integer from 1 to 65535/],
      [['set-controller', br, 'tcp:999.0.0.1:6653'], /"999.0.0.1" is not an IP address/],
      [['set-controller', br, 'bogus:1'], /not a controller target/],
      [['set-listen', br, 'ptcp:0'], /the port must be an integer from 1 to 65535, got 0/],
      [['set-fail-mode', br, 'closed'], /fail mode must be standalone or secure/],
      [['set-controller', 'nosuchbr', 'tcp:127.0.0.1'], /no bridge named nosuchbr/],
      [['set-bridge', br, 'datapath-id=1234'], /datapath-id must be exactly 16 hex digits/],
    ] as [string[], RegExp][]) {
      const r = await runCli(d.paths, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    // A listener that cannot listen (the port is taken by another of ours) refuses the verb whole.
    await d.ok('set-listen', bare, `ptcp:${BASE + 3}`);
    const taken = await runCli(d.paths, ['set-listen', br, `ptcp:${BASE + 4}`, `ptcp:${BASE + 3}`]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(new RegExp(`cannot listen on ptcp:${BASE + 3}:127.0.0.1: the address is in use`));
    expect(await section(br)).not.toContain('Listener "ptcp');
    await d.ok('set-listen', bare);
    expect(readFileSync(d.paths.db, 'utf8')).toBe(before);
  });

  it('set-listen, set-fail-mode, datapath-id: shown, saved; no targets: no listeners', async () => {
    await d.ok('set-listen', br, `ptcp:${BASE + 5}`, `punix:${join(d.dir, 'extra.sock')}`);
    await d.ok('set-fail-mode', br, 'secure');
    await d.ok('set-bridge', br, 'datapath-id=00000000000000AB');
    const s = await section(br);
    expect(s).toContain('    datapath-id: 00000000000000ab\n    fail-mode: secure\n');
    expect(s).toContain(`    Listener "ptcp:${BASE + 5}:127.0.0.1"\n        connections: 0\n`);
    expect(s).toContain(`    Listener "punix:${join(d.dir, 'extra.sock')}"\n`);
    expect(lstatSync(join(d.dir, 'extra.sock')).mode & 0o777).toBe(0o600);
    expect(dbOf(br)).toMatchObject({ failMode: 'secure', datapathId: '00000000000000ab', listeners: [`ptcp:${BASE + 5}:127.0.0.1`, `punix:${join(d.dir, 'extra.sock')}`] });
    const both = await runCli(d.paths, ['set-bridge', br, 'datapath-id=00000000000000ac', 'mac-aging=10']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/datapath-id=… goes alone/);
  });

  it('a restart restores controllers, listeners, fail mode and datapath id', async () => {
    const before = await section(br);
    await d.restart();
    const after = await section(br);
    const stable = (s: string): string => s.replace(/state: .*\n/g, 'state\n');
    expect(stable(after)).toBe(stable(before));
    expect(existsSync(mgmt(br))).toBe(true);
  });

  it('del-controller and set-listen with nothing clear them; del-br removes BR.mgmt', async () => {
    await d.ok('del-controller', br);
    await d.ok('set-listen', br);
    const s = await section(br);
    expect(s).not.toContain('Controller "');
    expect(s).not.toContain('Listener "ptcp');
    expect(existsSync(join(d.dir, 'extra.sock'))).toBe(false);
    expect(dbOf(br)).toEqual({ failMode: 'secure', datapathId: '00000000000000ab', inactivityProbe: 2000, rateLimit: 500 });
    await d.ok('set-bridge', br, 'datapath-id=');
    expect(dbOf(br)).not.toHaveProperty('datapathId');
    await d.ok('del-br', bare);
    expect(existsSync(mgmt(bare))).toBe(false);
  });

  it('daemon stop removes every BR.mgmt', async () => {
    expect(existsSync(mgmt(br))).toBe(true);
    await d.restart();
    expect(existsSync(mgmt(br))).toBe(true);
    const { stopDaemon } = await import('./daemon-process.js');
    await stopDaemon(d.daemon!);
    d.daemon = undefined;
    expect(existsSync(mgmt(br))).toBe(false);
    await d.restart();
  });
});
