// The bridge's LOCAL port on real traffic: add-br makes a TAP named like the bridge
// (OFPP_LOCAL), the root namespace gets an address on it (a private /24, on that TAP
// only) and pings a namespace host through the switch; in_port=LOCAL in a rule; the
// TAP and the host's address on it survive a daemon restart; --no-local and
// set-bridge local=false|true.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { run, waitFor } from '../lab/index.js';
import { runCli } from './cli-process.js';
import { useDaemon } from './daemon-fixture.js';
import { cliTests } from './helpers.js';

const ROOT_IP = '10.88.0.254';
const HOST_IP = '10.88.0.1';

cliTests.describe('the LOCAL port through the daemon', () => {
  let br: string;
  let veth: string;
  const d = useDaemon('ns-local', async ({ lab, ok }) => {
    br = lab.name('b');
    await lab.addHost('h1');
    veth = await lab.addVethHost('h1', `${HOST_IP}/24`);
    await ok('add-br', br);
    await ok('add-port', br, veth);
    await run(['ip', 'addr', 'add', `${ROOT_IP}/24`, 'dev', br]);
    await run(['ip', 'link', 'set', br, 'up']);
  });
  const link = async (name: string): Promise<{ ifindex: number; address: string } | undefined> => {
    const r = await run(['ip', '-j', 'link', 'show', name], { check: false });
    return r.code === 0 ? (JSON.parse(r.stdout) as { ifindex: number; address: string }[])[0] : undefined;
  };
  const rootPing = async (): Promise<number> => {
    const r = await run(['ping', '-n', '-c', '2', '-i', '0.2', '-W', '1', '-I', br, HOST_IP], { check: false });
    return Number(/(\d+) received/.exec(r.stdout)?.[1] ?? 0);
  };
  const dbBridge = (): { local?: { mac?: string } } =>
    (JSON.parse(readFileSync(d.paths.db, 'utf8')) as { bridges: { name: string; local?: { mac?: string } }[] }).bridges.find((b) => b.name === br)!;

  it('add-br gives the bridge a TAP named like it; the root namespace pings a namespace host through it', async () => {
    const tap = await link(br);
    expect(tap).toBeDefined();
    expect(dbBridge().local).toEqual({ mac: tap!.address });
    await waitFor(async () => (await rootPing()) === 2, { timeoutMs: 10_000, what: 'root → h1 through LOCAL' });
    await waitFor(async () => (await d.lab.ping('h1', ROOT_IP, { count: 2 })).received === 2, { timeoutMs: 10_000, what: 'h1 → root through LOCAL' });
    const fdb = await d.ok('fdb-show', br);
    expect(fdb).toMatch(new RegExp(`^LOCAL +0  ${tap!.address}`, 'm'));
    const show = await d.ok('show');
    expect(show).toMatch(new RegExp(`Port ${br}\\n        ofport: LOCAL\\n        type: internal\\n        state: up`));
    expect((await d.ok('list-ports', br)).trim()).toBe(veth);  // as ovs-vsctl list-ports: not the bridge's own port
    expect(await d.ok('dump-ports', br)).toMatch(new RegExp(`port LOCAL: rx pkts=\\d+.*\\n.*\\n.*name=${br}, type=tap, state=up`));
    expect(await d.ok('dump-ports', br, 'LOCAL')).toMatch(/^bridge \S+: 1 port\n {2}port LOCAL: /);
    const del = await runCli(d.paths, ['del-port', br, br]);
    expect(del.code).toBe(1);
    expect(del.stderr).toMatch(/is the LOCAL port of bridge .*set-bridge .* local=false removes it/);
  });

  it('in_port=LOCAL and output:LOCAL in rules', async () => {
    await d.ok('add-flow', br, 'priority=100,icmp,in_port=LOCAL,actions=drop');
    expect(await rootPing()).toBe(0);
    await d.ok('del-flows', br, 'icmp,in_port=LOCAL');
    await d.ok('add-flow', br, `priority=100,icmp,in_port=${veth},actions=output:LOCAL`);
    await d.ok('add-flow', br, 'priority=100,icmp,in_port=LOCAL,actions=output:1');
    expect(await rootPing()).toBe(2);
    const flows = await d.ok('dump-flows', br, 'icmp');
    expect(flows).toMatch(/n_packets=2,.*in_port=LOCAL actions=output:1/);
    await d.ok('del-flows', br, 'icmp');
  });

  it('the TAP, its MAC and the host address on it outlive a daemon restart', async () => {
    const before = await link(br);
    await d.restart();
    expect(d.daemon!.stderr()).toMatch(new RegExp(`bridge ${br}: LOCAL port ${br} \\(tap\\) attached`));
    expect(await link(br)).toMatchObject({ ifindex: before!.ifindex, address: before!.address });  // the same device
    expect((await run(['ip', '-4', 'addr', 'show', br])).stdout).toContain(`${ROOT_IP}/24`);
    await waitFor(async () => (await rootPing()) === 2, { timeoutMs: 10_000, what: 'root → h1 after the restart' });
  });

  it('set-port BR tag=… puts the LOCAL port in a VLAN, kept across a restart', async () => {
    await d.ok('set-port', br, 'tag=10');  // h1 is on a plain port (VLAN 0): out of reach now
    expect(await rootPing()).toBe(0);
    await d.ok('set-port', veth, 'tag=10');
    await waitFor(async () => (await rootPing()) === 2, { timeoutMs: 10_000, what: 'root → h1 in VLAN 10' });
    await d.restart();
    expect(dbBridge().local).toMatchObject({ tag: 10 });
    expect(await d.ok('show')).toMatch(new RegExp(`Port ${br}\n        ofport: LOCAL\n        type: internal\n        tag: 10\n`));
    await waitFor(async () => (await rootPing()) === 2, { timeoutMs: 10_000, what: 'root → h1 in VLAN 10 after the restart' });
    await d.ok('set-port', br, 'tag=[]');
    await d.ok('set-port', veth, 'tag=[]');
    await waitFor(async () => (await rootPing()) === 2, { timeoutMs: 10_000, what: 'root → h1 with no VLANs again' });
  });

  it('set-bridge local=false removes it, local=true makes it again; add-br --no-local has none', async () => {
    await d.ok('set-bridge', br, 'local=false');
    expect(await link(br)).toBeUndefined();
    expect(dbBridge().local).toBeUndefined();
    await d.restart();
    expect(await link(br)).toBeUndefined();
    await d.ok('set-bridge', br, 'local=true');
    expect(await link(br)).toBeDefined();
    expect(dbBridge().local?.mac).toBe((await link(br))!.address);
    const bare = d.lab.name('n');
    await d.ok('add-br', bare, '--no-local');
    expect(await link(bare)).toBeUndefined();
    expect(await d.ok('show')).not.toMatch(new RegExp(`Port ${bare}\\n`));
    // Bad input: exit 1, nothing applied.
    const r = await runCli(d.paths, ['set-bridge', bare, 'local=maybe']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/local must be true or false/);
    const clash = await runCli(d.paths, ['add-port', bare, br]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(new RegExp(`${br} is the LOCAL port of bridge ${br}`));
    await d.ok('del-br', bare);
    await d.ok('del-br', br);
    expect(await link(br)).toBeUndefined();
  });
});
