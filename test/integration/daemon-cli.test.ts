// The nodeswitch command against a real daemon: every verb of the milestone, --json,
// restart restoring the config, and every refusal (exit 1, "nodeswitch: …" on
// stderr, nothing half-applied: the DB file is byte-identical afterwards).
//
// Runs the compiled CLI (bin/nodeswitch.js → dist/) as separate processes, the way a
// script would; the daemon is a child process killed in afterAll whatever happens.
// Needs root and the built addon.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Lab, run as runCmd, waitFor } from '../lab/index.js';
import { bin, type DaemonProcess, socketListening, spawnDaemon as spawnDaemonProcess, startDaemon as startDaemonProcess, stopDaemon as stopDaemonProcess } from './daemon-process.js';
import { needs, tool } from '../needs.js';
import { cliTests } from './helpers.js';
import { type CliResult, expectRefused, runCli } from './cli-process.js';

cliTests.describe('nodeswitch CLI ↔ daemon', () => {
  let dir: string;
  let db: string;
  let sock: string;
  let lab: Lab;
  let daemon: DaemonProcess | undefined;
  // Names (all under the lab's unique prefix, so parallel runs never collide).
  let br: string;
  let tap: string;
  let veth: string;
  let gone: string;

  const cli = (...args: string[]): Promise<CliResult> => runCli({ sock, db }, args);

  async function ok(...args: string[]): Promise<string> {
    const r = await cli(...args);
    expect(r, `nodeswitch ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
    return r.stdout;
  }

  async function json<T = unknown>(...args: string[]): Promise<T> {
    return JSON.parse(await ok(...args, '--json')) as T;
  }

  /** Refused with exit 1 and the message on stderr, and the DB not touched. */
  const refused = (args: string[], message: RegExp) => expectRefused({ sock, db }, args, message);

  const spawnDaemon = (extra: string[] = [], dbPath = db): DaemonProcess => spawnDaemonProcess(sock, dbPath, extra);
  const listening = (): Promise<boolean> => socketListening(sock);

  async function startDaemon(): Promise<void> {
    daemon = await startDaemonProcess(sock, db);
  }

  async function stopDaemon(): Promise<void> {
    if (!daemon) return;
    const { code, log } = await stopDaemonProcess(daemon);
    daemon = undefined;
    expect(code, log).toBe(0);
    expect(existsSync(sock), 'socket removed on exit').toBe(false);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ns-daemon-'));
    db = join(dir, 'lib', 'db.json');
    sock = join(dir, 'run', 'ns.sock');
    lab = new Lab();
    br = lab.name('b');
    tap = lab.name('t1');
    veth = ''; // made below, once the host exists
    gone = '';
    await lab.addHost('h1');
    await lab.addHost('h2');
    await lab.addHost('h3');
    veth = await lab.addVethHost('h1', '10.78.0.1/24');
    gone = await lab.addVethHost('h3', '10.78.0.3/24');
  });

  afterAll(async () => {
    if (daemon) {
      daemon.child.kill('SIGKILL');
      await daemon.exited;
    }
    await lab?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts with the default configuration when there is no DB, and writes it', async () => {
    expect(existsSync(db)).toBe(false);
    await startDaemon();
    expect(await ok('list-br')).toBe('br0\n');
    expect(JSON.parse(readFileSync(db, 'utf8'))).toEqual({
      version: 1,
      bridges: [{ name: 'br0', macAging: 300, macTableSize: 8192, ports: [], flows: ['priority=0 actions=NORMAL'] }],
    });
  });

  it('refuses a second daemon on the same socket', async () => {
    const second = spawnDaemon();
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`nodeswitch: another daemon is already listening on ${sock}`);
    expect(await listening()).toBe(true);
  });

  it('add-br, add-port (afpacket and tap), list and show', async () => {
    // No LOCAL port here, so that the port lists below are exactly the ports added
    // (the LOCAL port has test/integration/local-port.test.ts).
    await ok('add-br', br, '--no-local');
    expect(await ok('list-br')).toBe(`br0\n${br}\n`);
    expect(await json('list-br')).toEqual(['br0', br]);
    await ok('add-port', br, veth);
    await ok('add-port', br, tap, '--type', 'tap', '--ofport', '10');
    // The switch made the TAP: hand it to h2 as its NIC.
    await lab.moveIntoHost(tap, 'h2', '10.78.0.2/24');
    expect(await ok('list-ports', br)).toBe([veth, tap].sort().join('\n') + '\n');
    expect(await json('list-ports', br)).toEqual([veth, tap].sort());

    const show = await ok('show');
    expect(show).toContain(`Bridge ${br}\n    mac-aging: 300\n    mac-table-size: 8192\n`);
    expect(show).toContain(`    Port ${veth}\n        ofport: 1\n        type: afpacket\n        state: up\n`);
    expect(show).toContain(`    Port ${tap}\n        ofport: 10\n        type: tap\n`);
    const showJson = await json<{ bridges: { name: string; ports: unknown[] }[] }>('show');
    expect(showJson.bridges.find((b) => b.name === br)!.ports).toEqual([
      { name: veth, type: 'afpacket', ofport: 1, state: 'up' },
      { name: tap, type: 'tap', ofport: 10, state: 'up' },
    ]);
    const saved = JSON.parse(readFileSync(db, 'utf8'));
    expect(saved.bridges[1]).toEqual({
      name: br,
      macAging: 300,
      macTableSize: 8192,
      ports: [
        { name: veth, type: 'afpacket', ofport: 1 },
        // The TAP's MAC is kept, so that one made again gets it back.
        { name: tap, type: 'tap', ofport: 10, mac: await lab.mac('h2', tap) },
      ],
      flows: ['priority=0 actions=NORMAL'],
    });
  });

  it('forwards, and fdb-show / dump-ports / fdb-flush report it', async () => {
    expect((await lab.ping('h1', '10.78.0.2', { count: 3 })).received).toBe(3);
    const mac1 = await lab.mac('h1');
    const mac2 = await lab.mac('h2', tap);

    const fdb = await ok('fdb-show', br);
    const lines = fdb.split('\n');
    expect(lines[0]).toBe(' port  VLAN  MAC                Age');
    expect(fdb).toMatch(new RegExp(`^    1     0  ${mac1}  +\\d+$`, 'm'));
    expect(fdb).toMatch(new RegExp(`^   10     0  ${mac2}  +\\d+$`, 'm'));
    const fdbJson = await json<{ port: string; ofport: number; vlan: number; mac: string }[]>('fdb-show', br);
    expect(fdbJson).toContainEqual(expect.objectContaining({ port: veth, ofport: 1, vlan: 0, mac: mac1 }));
    expect(fdbJson).toContainEqual(expect.objectContaining({ port: tap, ofport: 10, vlan: 0, mac: mac2 }));

    const dump = await ok('dump-ports', br);
    expect(dump).toMatch(/^bridge \S+: 2 ports$/m);
    expect(dump).toMatch(/^ {2}port {2}1: rx pkts=\d+, bytes=\d+, drop=\d+, errs=\d+$/m);
    expect(dump).toMatch(/^ {11}tx pkts=\d+, bytes=\d+, drop=\d+, errs=\d+$/m);
    expect(dump).toContain(`name=${veth}, type=afpacket, state=up, link-downs=0`);
    const one = await json<{ name: string; rxPackets: number; txPackets: number; state: string }[]>('dump-ports', br, tap);
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ name: tap, state: 'up' });
    expect(one[0]!.rxPackets).toBeGreaterThanOrEqual(3);
    expect(one[0]!.txPackets).toBeGreaterThanOrEqual(3);

    await ok('fdb-flush', br);
    expect(await json('fdb-show', br)).toEqual([]);
  });

  it('set-bridge: either or both keys, persisted', async () => {
    await ok('set-bridge', br, 'mac-aging=42');
    await ok('set-bridge', br, 'mac-table-size=1024', 'mac-aging=43');
    const show = await json<{ bridges: { name: string; macAging: number; macTableSize: number }[] }>('show');
    expect(show.bridges.find((b) => b.name === br)).toMatchObject({ macAging: 43, macTableSize: 1024 });
    const saved = JSON.parse(readFileSync(db, 'utf8'));
    expect(saved.bridges[1]).toMatchObject({ macAging: 43, macTableSize: 1024 });
  });

  it('set-bridge datapath-poll: how the datapath thread waits, shown, persisted, back to the default', async () => {
    await ok('set-bridge', br, 'datapath-poll=busy');
    expect(await ok('show')).toMatch(new RegExp(`Bridge ${br}\n(?:    .*\n)*?    datapath-poll: busy\n`));
    expect(JSON.parse(readFileSync(db, 'utf8')).bridges[1].datapathPoll).toBe('busy');
    await ok('set-bridge', br, 'datapath-poll=interrupt');
    expect(JSON.parse(readFileSync(db, 'utf8')).bridges[1].datapathPoll).toBe('interrupt');
    await ok('set-bridge', br, 'datapath-poll=adaptive');
    const show = await json<{ bridges: { name: string; datapathPoll: string }[] }>('show');
    expect(show.bridges.find((b) => b.name === br)!.datapathPoll).toBe('adaptive');
    expect(JSON.parse(readFileSync(db, 'utf8')).bridges[1].datapathPoll).toBeUndefined();
    await ok('set-bridge', br, 'datapath-poll=busy'); // the restart below keeps it
  });

  it('refuses every bad input, naming it, with nothing half-applied', async () => {
    await refused(['add-br', br], new RegExp(`bridge ${br} already exists`));
    await refused(['del-br', 'nsnobridge'], /no bridge named nsnobridge/);
    await refused(['list-ports', 'nsnobridge'], /no bridge named nsnobridge/);
    await refused(['add-port', 'nsnobridge', 'x'], /no bridge named nsnobridge/);
    await refused(['del-port', br, 'nsnoport'], new RegExp(`bridge ${br} has no port nsnoport`));
    await refused(['dump-ports', br, 'nsnoport'], /has no port nsnoport/);
    await refused(['fdb-show', 'nsnobridge'], /no bridge named nsnobridge/);
    await refused(['add-port', br, veth], new RegExp(`port ${veth} is already on bridge ${br}`));
    await refused(['add-port', 'br0', tap, '--type', 'tap'], new RegExp(`port ${tap} is already on bridge ${br}`));
    await refused(['add-port', br, lab.name('t9'), '--type', 'tap', '--ofport', '10'], new RegExp(`ofport 10 is already taken by port ${tap}`));
    const ghost = lab.name('gh');
    await refused(['add-port', br, ghost], new RegExp(`cannot add afpacket port ${ghost} to bridge ${br}: .*${ghost}`));
    await refused(['add-port', br, lab.name('t8'), '--type', 'tap', '--tag', '10', '--trunks', '10,20'], /trunks cannot be set on an access port/);
    await refused(['add-port', br, lab.name('t8'), '--type', 'tap', '--vlan-mode', 'native-tagged'], /vlan_mode native-tagged needs a tag/);
    await refused(['set-bridge', 'nsnobridge', 'mac-aging=5'], /no bridge named nsnobridge/);
    await refused(['set-bridge', br, 'mac-aging=99999999'], /mac-aging must be an integer from 1 to/);
    await refused(['set-bridge', br, 'color=blue'], /unknown bridge setting "color"/);
    await refused(['set-bridge', br, 'datapath-poll=fast'], /datapath-poll must be one of adaptive, busy, interrupt, got "fast"/);
    await refused(['add-port', br, 'x', '--type', 'vxlan'], /port type "vxlan" is not one of afpacket, tap/);
    // Nothing of the refused ports exists on the host either.
    expect((await runCmd(['ip', 'link', 'show', lab.name('t8')], { check: false })).code).not.toBe(0);
    expect((await runCmd(['ip', 'link', 'show', lab.name('t9')], { check: false })).code).not.toBe(0);
  });

  it('restart restores the config; a port whose netdev vanished waits down and comes back with it', async () => {
    await ok('add-port', br, gone, '--ofport', '7');
    const before = await json<{ bridges: unknown[] }>('show');
    await stopDaemon();
    await lab.deleteLink(gone);
    const dbBefore = readFileSync(db, 'utf8');
    await startDaemon();
    expect(daemon!.stderr()).toMatch(new RegExp(`bridge ${br}: port ${gone} \\(afpacket, ofport 7\\) attached, down until its netdev appears`));
    expect(readFileSync(db, 'utf8')).toBe(dbBefore);

    const after = await json<{ bridges: { name: string; macAging: number; macTableSize: number; ports: { name: string; state: string; reason?: string }[] }[] }>('show');
    const b = after.bridges.find((x) => x.name === br)!;
    expect(b).toMatchObject({ macAging: 43, macTableSize: 1024, datapathPoll: 'busy' });
    expect(b.ports.map((p) => p.name)).toEqual([veth, gone, tap]);
    expect(b.ports.find((p) => p.name === gone)).toMatchObject({ state: 'down' });
    expect(after.bridges.map((x) => x.name)).toEqual((before.bridges as { name: string }[]).map((x) => x.name));
    expect(await ok('show')).toMatch(new RegExp(`Port ${gone}\\n        ofport: 7\\n        type: afpacket\\n        state: down`));
    // The waiting port holds its name and ofport.
    await refused(['add-port', br, lab.name('t7'), '--type', 'tap', '--ofport', '7'], new RegExp(`ofport 7 is already taken by port ${gone}`));
    // The TAP outlived the daemon in h2's namespace, and the restored switch attached it there again.
    expect((await lab.exec('h2', ['ip', 'link', 'show', tap], { check: false })).code).toBe(0);
    expect(daemon!.stderr()).toMatch(new RegExp(`port ${tap} \\(tap, ofport 10\\) attached.*attached in another network namespace`));
    // The "VM" starts: its netdev appears and the port comes up by itself.
    await lab.addVethHost('h3', '10.78.0.3/24', { rootName: gone });
    await waitFor(
      async () => (await json<{ bridges: { name: string; ports: { name: string; state: string }[] }[] }>('show')).bridges
        .find((x) => x.name === br)!.ports.find((p) => p.name === gone)!.state === 'up',
      { timeoutMs: 5000, what: `${gone} up after its netdev appeared` },
    );

    await ok('del-port', br, gone);
    expect(await json('list-ports', br)).toEqual([veth, tap].sort());
  });

  it('del-port and del-br remove ports, the TAP device and the bridge', async () => {
    await ok('del-port', br, tap);
    // Gone, from h2's namespace where it lived, too.
    expect((await lab.exec('h2', ['ip', 'link', 'show', tap], { check: false })).code).not.toBe(0);
    expect((await runCmd(['ip', 'link', 'show', tap], { check: false })).code).not.toBe(0);
    expect(await json('list-ports', br)).toEqual([veth]);
    await ok('del-br', br);
    expect(await json('list-br')).toEqual(['br0']);
    expect(JSON.parse(readFileSync(db, 'utf8')).bridges).toEqual([
      { name: 'br0', macAging: 300, macTableSize: 8192, ports: [], flows: ['priority=0 actions=NORMAL'] },
    ]);
    // The veth the afpacket port used is untouched (the switch does not own it).
    expect((await runCmd(['ip', 'link', 'show', veth], { check: false })).code).toBe(0);
  });

  it('after the daemon stops, every verb says it cannot be reached, naming the socket', async () => {
    await stopDaemon();
    for (const args of [['list-br'], ['add-br', 'x'], ['show', '--json']]) {
      const r = await cli(...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`nodeswitch: cannot reach the daemon at ${sock}: is it running? (start it with "nodeswitch daemon")\n`);
    }
  });

  it('refuses to start on a corrupt DB, saying where and why, leaving it untouched', async () => {
    const bad = join(dir, 'bad.json');
    const text = '{\n  "version": 1,\n  "bridges": [\n    {"name": "br0", "ports": []},\n  ]\n}\n';
    writeFileSync(bad, text);
    const d = spawnDaemon([], bad);
    expect(await d.exited).toBe(1);
    expect(d.stderr()).toContain(`nodeswitch: config DB ${bad}: not valid JSON at line 5, column 3`);
    expect(readFileSync(bad, 'utf8')).toBe(text);

    writeFileSync(bad, JSON.stringify({ version: 1, bridges: [{ name: 'br0', ports: [{ name: 'p', type: 'tap', ofport: 0 }] }] }));
    const d2 = spawnDaemon([], bad);
    expect(await d2.exited).toBe(1);
    expect(d2.stderr()).toContain(`config DB ${bad}: bridges[0].ports[0].ofport: must be an integer from 1 to 65279, got 0`);
    expect(await listening()).toBe(false);
  });

  // Root minus CAP_NET_ADMIN (dropped from the bounding set, so exec loses it).
  needs(tool('setpriv', 'util-linux')).it('refuses to start without CAP_NET_ADMIN, writing nothing', async () => {
    const fresh = join(dir, 'nocap', 'db.json');
    const child = spawn('/usr/bin/setpriv', ['--bounding-set', '-net_admin', process.execPath, bin, 'daemon', '--sock', sock, '--db', fresh], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^nodeswitch: the daemon needs CAP_NET_ADMIN .*run it as root/);
    expect(existsSync(fresh)).toBe(false);
    expect(existsSync(sock)).toBe(false);
  });

  it('--http is refused as not supported yet', async () => {
    const d = spawnDaemon(['--http', '127.0.0.1:8080']);
    expect(await d.exited).toBe(1);
    expect(d.stderr()).toMatch(/nodeswitch: --http 127.0.0.1:8080: the HTTP endpoint is not supported yet/);
  });
});
