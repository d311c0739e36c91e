// Flow-mod semantics through the Bridge API, checked on what dump-flows shows and on
// where real frames go: add/replace, check_overlap, modify and delete (strict and
// not), out_port and cookie filters, idle and hard timeouts with flow-removed
// events, per-flow counters and durations, and add-flows all-or-nothing.
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import type { FlowRemoved } from '../../src/ofproto/flow-table.js';
import { closeMemBridge, memBridge, PORTS } from './mem-bridge.js';
import * as P from './packets.js';

afterEach(closeMemBridge);

const bridge = (flows: string[] = []): Promise<Bridge> => memBridge('ofmod', flows);

async function portsFor(br: Bridge, inPort: number, frame: Buffer): Promise<number[]> {
  await br.inject(`m${inPort}`, [frame]);
  const out: number[] = [];
  for (let i = 1; i <= PORTS; i++) if ((await br.drain(`m${i}`)).length) out.push(i);
  return out;
}

/** dump-flows as "table/priority match-ish actions → packets" lines, for readable assertions. */
async function summary(br: Bridge): Promise<string[]> {
  return (await br.dumpFlowsText()).map((l) => l.replace(/duration=[0-9.]+s, /, '').replace(/, idle_age=\d+/, ''));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const TCP80 = P.tcp4({ l4: { dport: 80 } });
const UDP = P.udp4();

describe('add', () => {
  it('an identical match and priority replaces the flow: new actions, counters reset', async () => {
    const br = await bridge(['priority=10,tcp,tp_dst=80,actions=output:2']);
    await portsFor(br, 1, TCP80);
    await portsFor(br, 1, TCP80);
    expect((await br.dumpFlows())[0]!.packets).toBe(2);
    await br.addFlow('priority=10,tcp,tp_dst=80,actions=output:3');
    const flows = await br.dumpFlows();
    expect(flows).toHaveLength(1);
    expect(flows[0]!.packets).toBe(0);
    expect(flows[0]!.bytes).toBe(0);
    expect(await portsFor(br, 1, TCP80)).toEqual([3]);
    expect((await br.dumpFlows())[0]!.packets).toBe(1);
  });

  it('the same match at another priority, or in another table, is another flow', async () => {
    const br = await bridge(['priority=10,tcp,actions=output:2', 'priority=11,tcp,actions=output:3', 'table=1,priority=10,tcp,actions=output:4']);
    expect(await br.dumpFlows()).toHaveLength(3);
    expect(await portsFor(br, 1, TCP80)).toEqual([3]);
  });

  it('check_overlap refuses a flow that overlaps one of the same priority, and changes nothing', async () => {
    const br = await bridge(['priority=10,tcp,tp_dst=80,actions=output:2']);
    await expect(br.addFlow('check_overlap,priority=10,ip,nw_dst=10.0.0.2,actions=output:3')).rejects.toThrow(/overlaps/);
    expect(await br.dumpFlows()).toHaveLength(1);
    expect(await portsFor(br, 1, TCP80)).toEqual([2]);
    // Another priority, or a disjoint match, is fine.
    await br.addFlow('check_overlap,priority=11,ip,nw_dst=10.0.0.2,actions=output:3');
    await br.addFlow('check_overlap,priority=10,udp,actions=output:4');
    // And the identical flow is a replacement, not an overlap.
    await br.addFlow('check_overlap,priority=10,tcp,tp_dst=80,actions=output:1');
    expect(await br.dumpFlows()).toHaveLength(3);
  });

  it('check_overlap within one add-flows batch', async () => {
    const br = await bridge();
    await expect(br.addFlows('priority=5,ip,actions=output:2\ncheck_overlap,priority=5,udp,actions=output:3')).rejects.toThrow(/overlaps/);
    expect(await br.dumpFlows()).toEqual([]);
  });

  it('add-flows is all or nothing: a bad line adds none, and says which line', async () => {
    const br = await bridge(['priority=1,actions=output:4']);
    const text = ['priority=10,tcp,actions=output:2', '# a comment', 'priority=10,udp,actions=frobnicate', 'priority=10,arp,actions=flood'].join('\n');
    await expect(br.addFlows(text)).rejects.toThrow(/line 3/);
    expect(await summary(br)).toEqual(['cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=1 actions=output:4']);
    expect(await portsFor(br, 1, TCP80)).toEqual([4]);
    expect(await br.addFlows(text.replace('frobnicate', 'output:3'))).toBe(3);
    expect(await br.dumpFlows()).toHaveLength(4);
  });

  it('a flow the datapath cannot run is refused and the table is left as it was', async () => {
    const br = await bridge(['priority=10,arp,actions=output:2']);
    // set_field to arp_op parses (OVS knows it) but the datapath has no op for it yet.
    await expect(br.addFlows('priority=20,ip,actions=output:3\npriority=10,arp,actions=set_field:2->arp_op,output:3')).rejects.toThrow();
    expect(await summary(br)).toEqual(['cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=10,arp actions=output:2']);
  });

  it('add-flows streams its lines, yet a refusal early on waits for the parse: a later syntax error is the one reported', async () => {
    const br = await bridge(['priority=1,actions=output:4']);
    const missingMeter = 'priority=10,ip,actions=meter:7,output:2';
    const text = ['priority=10,tcp,actions=output:2', missingMeter, 'priority=10,arp,actions=flood', 'priority=10,udp,actions=frobnicate'].join('\n');
    await expect(br.addFlows(text)).rejects.toThrow(/line 4/);
    await expect(br.addFlows(text.replace('frobnicate', 'output:3'))).rejects.toThrow(/meter 7 does not exist/);
    await expect(br.addFlows('priority=20,ip,actions=output:3\npriority=10,arp,actions=set_field:2->arp_op,output:3')).rejects.toThrow();
    expect(await summary(br)).toEqual(['cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=1 actions=output:4']);
    // A later identical flow of the same file replaces the earlier one; the others stay.
    expect(await br.addFlows(['priority=10,tcp,actions=output:2', 'priority=10,udp,actions=output:3', 'priority=10,tcp,actions=output:1'].join('\n'))).toBe(3);
    expect((await br.dumpFlowsText()).map((l) => l.replace(/duration=[^,]+, /, ''))).toEqual([
      'cookie=0x0, table=0, n_packets=0, n_bytes=0, idle_age=0, priority=10,udp actions=output:3',
      'cookie=0x0, table=0, n_packets=0, n_bytes=0, idle_age=0, priority=10,tcp actions=output:1',
      'cookie=0x0, table=0, n_packets=0, n_bytes=0, idle_age=0, priority=1 actions=output:4',
    ]);
  });
});

describe('modify', () => {
  const FLOWS = [
    'priority=10,tcp,tp_dst=80,cookie=0x11,actions=output:2',
    'priority=20,ip,nw_dst=10.0.0.2,cookie=0x12,actions=output:2',
    'priority=5,ip,cookie=0x21,actions=output:2',
    'priority=5,arp,cookie=0x22,actions=output:2',
    'table=1,priority=5,ip,cookie=0x31,actions=output:2',
  ];

  it('non-strict selects every flow the match covers (any priority, all tables); counters kept', async () => {
    const br = await bridge(FLOWS);
    await portsFor(br, 1, TCP80);
    expect(await br.modFlows('ip,actions=output:3')).toBe(4);
    const flows = await br.dumpFlows();
    const outs = flows.map((f) => `${f.entry.table}/${f.entry.spec.priority}/${JSON.stringify(f.entry.spec.actions)}`);
    expect(outs).toEqual([
      '0/20/[{"type":"output","port":3}]',
      '0/10/[{"type":"output","port":3}]',
      '0/5/[{"type":"output","port":3}]',
      '0/5/[{"type":"output","port":2}]',
      '1/5/[{"type":"output","port":3}]',
    ]);
    // The nw_dst flow (priority 20) had the packet; it keeps its count.
    expect(flows[0]!.packets).toBe(1);
    expect(await portsFor(br, 1, TCP80)).toEqual([3]);
    expect((await br.dumpFlows())[0]!.packets).toBe(2);
  });

  it('a more specific match does not select a less specific flow', async () => {
    const br = await bridge(FLOWS);
    expect(await br.modFlows('tcp,actions=output:4')).toBe(1);
    expect(await br.modFlows('table=0,ip,nw_dst=10.0.0.0/8,actions=output:4')).toBe(1);
  });

  it('strict selects only the exact match and priority', async () => {
    const br = await bridge(FLOWS);
    expect(await br.modFlows('priority=5,ip,actions=output:4', { strict: true })).toBe(2); // table 0 and 1 (no table=: all)
    expect(await br.modFlows('table=0,priority=6,ip,actions=output:4', { strict: true })).toBe(0);
    expect(await br.modFlows('table=0,priority=10,tcp,actions=output:4', { strict: true })).toBe(0); // tp_dst missing
    expect(await br.modFlows('table=0,priority=10,tcp,tp_dst=80,actions=output:4', { strict: true })).toBe(1);
    expect(await portsFor(br, 1, P.tcp4({ ip: { dst: '10.9.9.9' } }))).toEqual([4]);
  });

  it('a modify that selects nothing adds nothing (OpenFlow 1.3)', async () => {
    const br = await bridge(FLOWS);
    expect(await br.modFlows('udp,tp_dst=53,actions=output:4')).toBe(0);
    expect(await br.dumpFlows()).toHaveLength(FLOWS.length);
  });

  it('cookie=V/M selects by cookie; cookie=V without a mask sets the cookie', async () => {
    const br = await bridge(FLOWS);
    expect(await br.modFlows('cookie=0x10/0xf0,actions=output:4')).toBe(2);
    const byCookie = new Map((await br.dumpFlows()).map((f) => [f.entry.spec.cookie, f.entry.spec.actions]));
    expect(byCookie.get(0x11n)).toEqual([{ type: 'output', port: 4 }]);
    expect(byCookie.get(0x12n)).toEqual([{ type: 'output', port: 4 }]);
    expect(byCookie.get(0x21n)).toEqual([{ type: 'output', port: 2 }]);
    expect(await br.modFlows('table=0,priority=5,arp,cookie=0x99,actions=output:1', { strict: true })).toBe(1);
    expect((await br.dumpFlows('arp'))[0]!.entry.spec.cookie).toBe(0x99n);
  });

  it('a modify without cookie= leaves the cookie alone (as ovs-ofctl mod-flows does)', async () => {
    const br = await bridge(['priority=5,arp,cookie=0x22,actions=output:2']);
    expect(await br.modFlows('arp,actions=output:3')).toBe(1);
    expect((await br.dumpFlows())[0]!.entry.spec.cookie).toBe(0x22n);
  });
});

describe('delete', () => {
  const FLOWS = [
    'priority=10,tcp,tp_dst=80,cookie=0x11,actions=output:2',
    'priority=20,ip,nw_dst=10.0.0.2,cookie=0x12,actions=output:3',
    'priority=5,ip,cookie=0x21,actions=output:2,output:4',
    'priority=5,arp,cookie=0x22,actions=output:4',
    'table=1,priority=5,ip,cookie=0x31,actions=output:3',
  ];

  it('non-strict removes every flow the match covers, and traffic stops hitting them', async () => {
    const br = await bridge(FLOWS);
    expect(await portsFor(br, 1, TCP80)).toEqual([3]);
    expect(await br.delFlows('ip,nw_dst=10.0.0.0/8')).toBe(1);
    expect(await portsFor(br, 1, TCP80)).toEqual([2]);
    expect(await br.delFlows('ip')).toBe(3);
    expect(await portsFor(br, 1, TCP80)).toEqual([]);
    expect((await br.dumpFlows()).map((f) => f.entry.spec.cookie)).toEqual([0x22n]);
  });

  it('strict removes only the exact match and priority; table= narrows', async () => {
    const br = await bridge(FLOWS);
    expect(await br.delFlows('priority=10,tcp', { strict: true })).toBe(0);
    expect(await br.delFlows('table=1,priority=5,ip', { strict: true })).toBe(1);
    expect(await br.delFlows('priority=5,ip', { strict: true })).toBe(1);
    expect((await br.dumpFlows()).map((f) => f.entry.spec.cookie)).toEqual([0x12n, 0x11n, 0x22n]);
  });

  it('out_port selects flows that output to the port', async () => {
    const br = await bridge(FLOWS);
    expect(await br.delFlows('out_port=4')).toBe(2);
    expect(await br.delFlows('ip,out_port=3')).toBe(2);
    expect((await br.dumpFlows()).map((f) => f.entry.spec.cookie)).toEqual([0x11n]);
  });

  it('cookie=V/M selects by cookie', async () => {
    const br = await bridge(FLOWS);
    expect(await br.delFlows('cookie=0x20/0xf0')).toBe(2);
    expect(await br.delFlows('cookie=0x31/0xffffffffffffffff')).toBe(1);
    expect((await br.dumpFlows()).map((f) => f.entry.spec.cookie).sort()).toEqual([0x11n, 0x12n]);
  });

  it('cookie=V/-1 (the all-ones mask as ovs-ofctl users write it) selects one cookie', async () => {
    const br = await bridge(FLOWS);
    expect(await br.delFlows('cookie=0x31/-1')).toBe(1);
  });

  it('without a match removes everything; table=N only that table', async () => {
    const br = await bridge(FLOWS);
    expect(await br.delFlows('table=1')).toBe(1);
    expect(await br.delFlows()).toBe(4);
    expect(await br.dumpFlows()).toEqual([]);
    expect(await portsFor(br, 1, TCP80)).toEqual([]);
    expect((await br.stats()).tableMiss).toBe(1);
  });
});

describe('counters and timeouts', () => {
  it('dump-flows reports per-flow n_packets, n_bytes, duration and idle age', async () => {
    const br = await bridge(['priority=10,tcp,actions=output:2', 'priority=10,udp,actions=output:3']);
    const small = P.tcp4({ l4: { payload: Buffer.alloc(10) } });
    const big = P.tcp4({ l4: { payload: Buffer.alloc(1000) } });
    await br.inject('m1', [small, big, small]);
    await br.inject('m2', [UDP]);
    await sleep(1100);
    const [tcp, udp] = await br.dumpFlows();
    expect(tcp).toMatchObject({ packets: 3, bytes: 2 * small.length + big.length });
    expect(udp).toMatchObject({ packets: 1, bytes: UDP.length });
    expect(tcp!.durationSec).toBeGreaterThanOrEqual(1);
    expect(tcp!.idleAgeSec).toBeGreaterThanOrEqual(1);
    const text = await br.dumpFlowsText();
    expect(text[0]).toMatch(/^cookie=0x0, duration=1\.\d{3}s, table=0, n_packets=3, n_bytes=\d+, idle_age=1, priority=10,tcp actions=output:2$/);
    await br.inject('m1', [small]);
    const [again] = await br.dumpFlows();
    expect(again!.idleAgeSec).toBeLessThan(0.5);
  });

  it('idle_timeout removes an unused flow; traffic keeps one alive; flowRemoved for send_flow_rem', async () => {
    const br = await bridge([
      'priority=10,in_port=1,idle_timeout=1,send_flow_rem,cookie=0x7,actions=output:2',
      'priority=10,in_port=2,idle_timeout=1,actions=output:3',
      'priority=10,in_port=3,idle_timeout=1,send_flow_rem,actions=output:4',
      'priority=0,actions=drop',
    ]);
    const removed: FlowRemoved[] = [];
    br.on('flowRemoved', (r: FlowRemoved) => removed.push(r));
    await portsFor(br, 1, UDP);
    // Keep the in_port=3 flow busy for ~3 s.
    for (let i = 0; i < 12; i++) {
      expect(await portsFor(br, 3, UDP)).toEqual([4]);
      await sleep(250);
    }
    const left = (await br.dumpFlows()).map((f) => f.entry.spec.match.in_port?.value);
    expect(left).toEqual([3, undefined]);
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatchObject({ reason: 'idle_timeout', table: 0, priority: 10, cookie: 7n, packets: 1, bytes: UDP.length });
    expect(removed[0]!.durationSec).toBeGreaterThanOrEqual(1);
    expect(await portsFor(br, 1, UDP)).toEqual([]);
  });

  it('hard_timeout removes a flow however busy it is', async () => {
    const br = await bridge(['priority=10,in_port=1,hard_timeout=1,send_flow_rem,actions=output:2', 'priority=0,actions=output:3']);
    const removed: FlowRemoved[] = [];
    br.on('flowRemoved', (r: FlowRemoved) => removed.push(r));
    const deadline = Date.now() + 5000;
    let sent = 0;
    while (removed.length === 0 && Date.now() < deadline) {
      await portsFor(br, 1, UDP);
      sent++;
      await sleep(100);
    }
    expect(removed).toHaveLength(1);
    expect(removed[0]!.reason).toBe('hard_timeout');
    expect(removed[0]!.durationSec).toBeGreaterThanOrEqual(1);
    expect(removed[0]!.durationSec).toBeLessThan(3);
    expect(removed[0]!.packets).toBeGreaterThan(0);
    expect(removed[0]!.packets).toBeLessThanOrEqual(sent);
    expect(await portsFor(br, 1, UDP)).toEqual([3]);
  });

  it('a replaced flow starts its timeouts again', async () => {
    const br = await bridge(['priority=10,in_port=1,hard_timeout=2,actions=output:2']);
    await sleep(1200);
    await br.addFlow('priority=10,in_port=1,hard_timeout=2,actions=output:3');
    await sleep(1300);
    expect(await portsFor(br, 1, UDP)).toEqual([3]);
  });
});
