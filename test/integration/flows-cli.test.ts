// The flow verbs of the nodeswitch command against a real daemon: add-flow /
// dump-flows round trip, add-flows from a file and from stdin (all or nothing, errors
// with their line), mod-flows / del-flows strict and not, counters rising with real
// traffic between two namespaces, trace output, and a restart restoring the tables
// exactly (and refusing a DB with a bad flow, naming it).
//
// Runs the compiled CLI (bin/nodeswitch.js → dist/) as separate processes; the daemon
// is a child process killed in afterAll whatever happens. Needs root and the addon.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Lab, waitFor } from '../lab/index.js';
import { type DaemonProcess, spawnDaemon as spawnDaemonProcess, startDaemon as startDaemonProcess, stopDaemon as stopDaemonProcess } from './daemon-process.js';
import { cliTests } from './helpers.js';
import { loadDb } from '../../src/daemon/config-db.js';
import { type CliResult, expectRefused, runCli } from './cli-process.js';

interface Row {
  table: number;
  priority: number;
  cookie: string;
  match: string;
  actions: string;
  flow: string;
  nPackets: number;
  nBytes: number;
  duration: number;
  idleAge: number;
}

/** A dump-flows line without its counters: what add-flow took (formatFlow). */
function withoutStats(line: string): string {
  return line
    .replace(/^ /, '')
    .replace(/duration=[\d.]+s, /, '')
    .replace(/n_packets=\d+, n_bytes=\d+, /, '')
    .replace(/idle_age=\d+, /, '')
    .replace(/hard_age=\d+, /, '')
    .replace(/^cookie=0x0, /, '')
    .replace(/^((?:cookie=\S+, )?)table=0, /, '$1');
}

cliTests.describe('nodeswitch flow verbs ↔ daemon', () => {
  let dir: string;
  let db: string;
  let sock: string;
  let lab: Lab;
  let daemon: DaemonProcess | undefined;
  let br: string;
  let p1: string;
  let p2: string;

  const cli = (args: string[], input?: string): Promise<CliResult> => runCli({ sock, db }, args, { input });

  async function ok(...args: string[]): Promise<string> {
    const r = await cli(args);
    expect(r, `nodeswitch ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
    return r.stdout;
  }

  async function rows(match?: string): Promise<Row[]> {
    return JSON.parse(await ok('dump-flows', br, ...(match ? [match] : []), '--json')) as Row[];
  }

  /** dump-flows, counters stripped: the table as flows. */
  async function table(): Promise<string[]> {
    return (await ok('dump-flows', br)).split('\n').filter(Boolean).map(withoutStats);
  }

  /** Refused with exit 1 and the message on stderr; the DB and the table untouched. */
  async function refused(args: string[], message: RegExp, input?: string): Promise<void> {
    const flows = await table();
    await expectRefused({ sock, db }, args, message, { input });
    expect(await table()).toEqual(flows);
  }

  async function startDaemon(): Promise<void> {
    daemon = await startDaemonProcess(sock, db);
  }

  async function stopDaemon(): Promise<void> {
    if (!daemon) return;
    const { code, log } = await stopDaemonProcess(daemon);
    daemon = undefined;
    expect(code, log).toBe(0);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ns-flows-'));
    db = join(dir, 'db.json');
    sock = join(dir, 'ns.sock');
    lab = new Lab();
    br = lab.name('f');
    await lab.addHost('h1');
    await lab.addHost('h2');
    p1 = await lab.addVethHost('h1', '10.79.0.1/24');
    p2 = await lab.addVethHost('h2', '10.79.0.2/24');
    await startDaemon();
    await ok('add-br', br);
    await ok('add-port', br, p1, '--ofport', '1');
    await ok('add-port', br, p2, '--ofport', '2');
  });

  afterAll(async () => {
    if (daemon) {
      daemon.child.kill('SIGKILL');
      await daemon.exited;
    }
    await lab?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a new bridge has the default flow; add-flow / dump-flows round trip exactly', async () => {
    expect(await table()).toEqual(['priority=0 actions=NORMAL']);
    const flows = [
      'priority=100,ip,in_port=1 actions=output:2',
      'cookie=0x5, table=2, idle_timeout=600, priority=7,udp,nw_dst=10.79.0.0/24,tp_dst=53 actions=set_field:10.79.0.9->ip_dst,dec_ttl,output:1',
      'table=1, priority=10,arp,arp_tpa=10.79.0.2 actions=CONTROLLER:128,goto_table:2',
    ];
    for (const f of flows) await ok('add-flow', br, f);
    // Port names resolve to their ofports.
    await ok('add-flow', br, `priority=100,ip,in_port=${p2},actions=output:${p1}`);
    expect(await table()).toEqual([
      'priority=100,ip,in_port=1 actions=output:2',
      'priority=100,ip,in_port=2 actions=output:1',
      'priority=0 actions=NORMAL',
      flows[2],
      flows[1],
    ]);
    const text = await ok('dump-flows', br, 'table=1');
    expect(text).toMatch(/^ cookie=0x0, duration=[\d.]+s, table=1, n_packets=0, n_bytes=0, idle_age=\d+, priority=10,arp,arp_tpa=10.79.0.2 actions=CONTROLLER:128,goto_table:2\n$/);
    // A dump-flows line is a flow: adding it back replaces the same flow.
    await ok('add-flow', br, text.trim());
    expect((await table()).length).toBe(5);
    const [row] = await rows('table=2');
    expect(row).toMatchObject({ table: 2, priority: 7, cookie: '0x5', match: 'udp,nw_dst=10.79.0.0/24,tp_dst=53', flow: flows[1] });
    expect(loadDb(db)!.bridges[1]!.flows).toEqual(await table()); // the DB with its flow journal replayed
  });

  it('add-flows from a file and from stdin; a bad line is refused with its number and installs nothing', async () => {
    const file = join(dir, 'flows.txt');
    writeFileSync(file, '# from a file\ntable=3,priority=1,actions=drop\n\ntable=3,priority=2,tcp,tp_dst=22,\\\n  actions=output:2\n');
    await ok('add-flows', br, file);
    expect(await cli(['add-flows', br, '-'], '')).toMatchObject({ code: 0, stderr: '' }); // empty input: no flows
    const r = await cli(['add-flows', br, '-'], 'table=4,priority=9,udp,actions=drop\ntable=4,icmp,actions=NORMAL\n');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect((await rows('table=3')).map((x) => x.flow)).toEqual(['table=3, priority=2,tcp,tp_dst=22 actions=output:2', 'table=3, priority=1 actions=drop']);
    expect((await rows('table=4')).map((x) => x.flow)).toEqual(['table=4, icmp actions=NORMAL', 'table=4, priority=9,udp actions=drop']);

    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, 'table=5,priority=1,actions=drop\n# ok so far\ntable=5,udp,tp_dst=http,actions=drop\n');
    await refused(['add-flows', br, bad], new RegExp(`^nodeswitch: ${bad}: line 3: tp_dst=http: `));
    await refused(['add-flows', br, '-'], /^nodeswitch: standard input: line 2: in_port=nosuch: unknown port name "nosuch"/, 'table=5,actions=drop\nin_port=nosuch,actions=drop\n');
    expect(await rows('table=5')).toEqual([]);
  });

  it('refuses bad flows and unknown names, naming them, with nothing changed', async () => {
    await refused(['add-flow', br, 'priority=1,tcp,tp_dst=99999,actions=drop'], /tp_dst=99999: /);
    await refused(['add-flow', br, 'ip,actions=output:nosuch'], /unknown port name "nosuch"/);
    await refused(['add-flow', 'nobr0', 'actions=drop'], /no bridge named nobr0/);
    await refused(['add-flow', br, 'in_port=1'], /must specify actions/);
    await refused(['mod-flows', br, 'ip,actions=frob'], /frob/);
    await refused(['del-flows', br, 'ip,actions=drop'], /del-flows takes a match, not actions/);
    await refused(['dump-flows', 'nobr0'], /no bridge named nobr0/);
    await refused(['trace', br, 'udp,tp_dst=53'], /trace needs in_port=PORT/);
    await refused(['trace', br, 'in_port=nosuch,udp'], /in_port=nosuch: unknown port name "nosuch"/);
  });

  it('mod-flows and del-flows, strict and not', async () => {
    // Not strict: every flow the match covers (both table-4 flows are ip).
    await ok('mod-flows', br, 'table=4,ip,actions=output:1');
    expect((await rows('table=4')).map((x) => x.actions)).toEqual(['output:1', 'output:1']);
    // Strict: exact match and priority only.
    await ok('mod-flows', br, 'table=4,priority=9,udp,actions=drop', '--strict');
    await ok('mod-flows', br, 'table=4,priority=1,udp,actions=output:2', '--strict'); // selects nothing
    expect((await rows('table=4')).map((x) => x.flow)).toEqual(['table=4, icmp actions=output:1', 'table=4, priority=9,udp actions=drop']);
    await ok('del-flows', br, 'table=4,udp', '--strict'); // priority 32768: no such flow
    expect(await rows('table=4')).toHaveLength(2);
    await ok('del-flows', br, 'table=4,priority=9,udp', '--strict');
    expect((await rows('table=4')).map((x) => x.flow)).toEqual(['table=4, icmp actions=output:1']);
    await ok('del-flows', br, 'ip,nw_proto=1');
    expect(await rows('table=4')).toEqual([]);
    await ok('del-flows', br, 'table=3');
    expect(await rows('table=3')).toEqual([]);
    expect(loadDb(db)!.bridges[1]!.flows).toEqual(await table()); // the DB with its flow journal replayed
  });

  it('counters rise with real traffic', async () => {
    expect((await lab.ping('h1', '10.79.0.2', { count: 3 })).received).toBe(3);
    await waitFor(async () => ((await rows('ip,in_port=1'))[0]?.nPackets ?? 0) >= 3, { timeoutMs: 5000, what: 'flow counters' });
    const [out] = await rows('ip,in_port=1');
    const [back] = await rows('ip,in_port=2');
    expect(out!.nPackets).toBeGreaterThanOrEqual(3);
    expect(out!.nBytes).toBeGreaterThanOrEqual(3 * 98);
    expect(back!.nPackets).toBeGreaterThanOrEqual(3);
    expect(await ok('dump-flows', br, 'ip,in_port=1')).toMatch(/ n_packets=([3-9]|\d\d+), n_bytes=\d+, idle_age=\d+, priority=100,ip,in_port=1 actions=output:2\n$/);
  });

  it('dump-megaflows: the cached translations of real traffic, with their masks and counters', async () => {
    expect((await lab.ping('h1', '10.79.0.2', { count: 3, interval: 0.2 })).received).toBe(3);
    interface MegaflowRow {
      match: string;
      packets: number;
      bytes: number;
      used: number;
      actions: string[];
      flows: string[];
    }
    const rows = JSON.parse(await ok('dump-megaflows', br, '--json')) as MegaflowRow[];
    // The echo requests: table 0's ip,in_port=1 rule consulted in_port and dl_type only.
    const out = rows.find((r) => r.match === 'ip,in_port=1');
    expect(out, JSON.stringify(rows)).toBeDefined();
    expect(out!.packets).toBeGreaterThanOrEqual(3);
    expect(out!.bytes).toBeGreaterThanOrEqual(3 * 98);
    expect(out!.actions).toEqual(['output:2']);
    expect(out!.flows).toEqual(['priority=100,ip,in_port=1 actions=output:2']);
    expect(out!.used).toBeLessThan(10);
    const text = await ok('dump-megaflows', br);
    expect(text).toMatch(/^ip,in_port=1, packets:\d+, bytes:\d+, used:[\d.]+s, actions:output:2$/m);
    await refused(['dump-megaflows', 'nobr0'], /no bridge named nobr0/);
  });

  it('trace: the flows a packet hits and the datapath actions; a miss is a drop', async () => {
    const hit = await ok('trace', br, `in_port=${p1},dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,icmp,nw_src=10.79.0.1,nw_dst=10.79.0.2`);
    const lines = hit.split('\n');
    expect(lines.slice(0, 8)).toEqual([
      'Flow: icmp,in_port=1,vlan_tci=0x0000,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,nw_src=10.79.0.1,nw_dst=10.79.0.2,nw_tos=0,nw_ecn=0,nw_ttl=64,icmp_type=8,icmp_code=0',
      '',
      `bridge("${br}")`,
      '-'.repeat(br.length + 10),
      ' 0. ip,in_port=1, priority 100',
      '    output:2',
      '',
      'Final flow: unchanged',
    ]);
    // The megaflow: only what table 0's lookup consulted (the ping just made it, unless it idled out).
    expect(lines[8]).toMatch(/^Megaflow: ip,in_port=1( \(cached\))?$/);
    expect(lines.slice(9)).toEqual(['Datapath actions: output:2', '']);
    await ok('add-flow', br, 'priority=200,udp,tp_dst=9999,actions=mod_nw_ttl:9,resubmit(,6)');
    const miss = await ok('trace', br, 'udp,in_port=2,tp_dst=9999');
    expect(miss).toContain(' 0. udp,tp_dst=9999, priority 200\n    mod_nw_ttl:9\n    resubmit(,6)\n     6. No match.\n        drop\n');
    expect(miss).toMatch(/\nFinal flow: udp,in_port=2,.*nw_ttl=9,tp_src=0,tp_dst=9999\nMegaflow: udp,in_port=2,tp_dst=9999,l3_ofs=0x000e\/0xffff\nDatapath actions: mod_nw_ttl:9\n$/);
    const json = JSON.parse(await ok('trace', br, 'udp,in_port=2,tp_dst=9999', '--json')) as { steps: unknown[]; tableMiss: boolean };
    expect(json.tableMiss).toBe(true);
    expect(json.steps).toEqual([
      { table: 0, depth: 0, flow: expect.objectContaining({ match: 'udp,tp_dst=9999', priority: 200 }) },
      { table: 6, depth: 1 },
    ]);
  });

  it('restart restores the flows exactly', async () => {
    const before = await table();
    expect(before.length).toBeGreaterThan(3);
    await stopDaemon();
    await startDaemon();
    expect(await table()).toEqual(before);
    // Counters start again; traffic still follows the restored flows.
    expect((await rows('ip,in_port=1'))[0]!.nPackets).toBe(0);
    expect((await lab.ping('h1', '10.79.0.2', { count: 2 })).received).toBe(2);
    await waitFor(async () => ((await rows('ip,in_port=1'))[0]?.nPackets ?? 0) >= 2, { timeoutMs: 5000, what: 'flow counters' });
    // Deleting the default flow is kept too: the saved flows are the whole table set.
    await ok('del-flows', br, 'priority=0', '--strict');
    await stopDaemon();
    await startDaemon();
    expect(await table()).not.toContain('priority=0 actions=NORMAL');
  });

  it('refuses to start on a DB with a bad flow, naming it, leaving the file untouched', async () => {
    const doc = JSON.parse(readFileSync(db, 'utf8')) as { bridges: { flows: string[] }[] };
    doc.bridges[1]!.flows.push('priority=3,udp,tp_dst=http actions=drop');
    const badDb = join(dir, 'bad-db.json');
    const text = JSON.stringify(doc, null, 2);
    writeFileSync(badDb, text);
    const d = spawnDaemonProcess(join(dir, 'other.sock'), badDb);
    expect(await d.exited).toBe(1);
    const n = doc.bridges[1]!.flows.length - 1;
    expect(d.stderr()).toContain(`nodeswitch: config DB ${badDb}: bridges[1].flows[${n}]: tp_dst=http: `);
    expect(readFileSync(badDb, 'utf8')).toBe(text);
  });
});
