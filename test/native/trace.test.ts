// nodeswitch trace (src/daemon/trace.ts over Bridge.traceFrame) says what NORMAL
// decided, as ovs-appctl ofproto/trace does, without learning anything (issue 7,
// defect 13): the learned port and its VLAN, a flood and where to, a drop because the
// destination is on the ingress port; and "skipping output to input port".
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import { formatTrace } from '../../src/cli/trace-format.js';
import { traceFields } from '../../src/daemon/trace.js';
import { closeMemBridge, memBridge, sendFrames } from './mem-bridge.js';
import { udp4 } from './packets.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const fields = (inPort: number, src: string, dst: string, extra = ''): string => `in_port=${inPort},dl_src=${src},dl_dst=${dst},udp${extra}`;

afterEach(closeMemBridge);

/** A NORMAL bridge that has learned B on port 2 (B sent a frame to A there). */
async function learned(flows = ['priority=0,actions=NORMAL']): Promise<Bridge> {
  const br = await memBridge('trace', flows);
  await sendFrames(br, 2, udp4({ eth: { src: B, dst: A } }));
  return br;
}

describe('trace: NORMAL', () => {
  it('to a learned destination: forwarded to its port, with the VLAN', async () => {
    const br = await learned();
    const t = await traceFields(br, fields(1, A, B));
    expect(t.normal).toEqual([{ inPort: 1, vlan: 0, src: A, dst: B, decision: 'forward', reason: 'learned', ports: [2] }]);
    expect(t.actions).toEqual(['output:2']);
    const text = formatTrace(t);
    expect(text).toContain(` 0. priority 0\n    NORMAL\n     -> forwarding to learned port 2 (m2): ${B} is there in VLAN 0\n`);
    expect(text).toMatch(/\nDatapath actions: output:2\n$/);
  });

  it('to an unknown destination: a flood to every other port that is up', async () => {
    const br = await learned();
    const t = await traceFields(br, fields(1, A, '02:00:00:00:00:99'));
    expect(t.normal[0]).toMatchObject({ decision: 'flood', reason: 'unknown destination', ports: [2, 3, 4] });
    expect(t.actions).toEqual(['output:2', 'output:3', 'output:4']);
    expect(formatTrace(t)).toContain('-> no learned MAC for 02:00:00:00:00:99 in VLAN 0, flooding to 2 (m2), 3 (m3), 4 (m4)\n');
    const bcast = await traceFields(br, fields(2, B, 'ff:ff:ff:ff:ff:ff'));
    expect(bcast.normal[0]).toMatchObject({ decision: 'flood', reason: 'multicast destination', ports: [1, 3, 4] });
  });

  it('to a destination on the ingress port: dropped, and said why', async () => {
    const br = await learned();
    const t = await traceFields(br, fields(2, A, B));
    expect(t.normal[0]).toMatchObject({ decision: 'drop', reason: 'destination on the input port', ports: [] });
    expect(t.actions).toEqual([]);
    const text = formatTrace(t);
    expect(text).toContain(`-> learned port is input port 2 (m2) (${B} in VLAN 0), dropping\n`);
    expect(text).toMatch(/\nDatapath actions: drop\n$/);
  });

  it('with VLANs: the port\'s VLAN, a flood only to the ports that carry it, a VID the port refuses', async () => {
    const br = await memBridge('trace', ['priority=0,actions=NORMAL']);
    await br.setPortVlan('m1', { tag: 10 });
    await br.setPortVlan('m2', { tag: 20 });
    await br.setPortVlan('m3', { trunks: [10] });
    const t = await traceFields(br, fields(1, A, '02:00:00:00:00:99'));
    expect(t.normal[0]).toMatchObject({ vlan: 10, decision: 'flood', ports: [3, 4] });
    expect(formatTrace(t)).toContain('in VLAN 10, flooding to 3 (m3), 4 (m4)\n');
    const tagged = await traceFields(br, fields(1, A, B, ',dl_vlan=10'));
    expect(tagged.normal[0]).toMatchObject({ decision: 'drop', reason: 'VLAN not carried by the input port' });
    expect(formatTrace(tagged)).toContain("-> dropping: input port 1 (m1) does not carry this frame's VLAN");
  });

  it('learns nothing: the MAC table is the same after any number of traces', async () => {
    const br = await learned();
    const before = await br.fdb();
    for (const f of [fields(1, A, B), fields(3, '02:00:00:00:00:77', B), fields(4, B, A)]) await traceFields(br, f);
    expect(await br.fdb()).toEqual(before);
    expect((await br.stats()).learned).toBe(1);
    // A real frame from A to B does go to port 2, as the trace said.
    expect((await sendFrames(br, 1, udp4({ eth: { src: A, dst: B } }))).map((o) => o.length)).toEqual([0, 0, 1, 0, 0]);
  });

  it('NORMALs reached through resubmit, goto_table and an action set are each explained under their own action', async () => {
    // Table 0: NORMAL (to B), then table 1 (rewrites the destination to an unknown one: NORMAL floods), then
    // NORMAL into the action set, then table 2 (puts B back), and the action set runs last (to B).
    const br = await learned([
      'table=0,priority=10,udp,actions=NORMAL,resubmit(,1),write_actions(NORMAL),goto_table:2',
      'table=1,priority=0,actions=set_field:02:00:00:00:00:99->eth_dst,NORMAL',
      'table=2,priority=0,actions=set_field:02:00:00:00:00:0b->eth_dst',
      'priority=0,actions=NORMAL',
    ]);
    const t = await traceFields(br, fields(1, A, B));
    // Run order: table 0's NORMAL (to B), table 1's (unknown 99: flood), the action set's (to B again).
    expect(t.normal.map((n) => [n.dst, n.decision])).toEqual([[B, 'forward'], ['02:00:00:00:00:99', 'flood'], [B, 'forward']]);
    const notes = t.steps.flatMap((s) => (s.flow?.notes ?? []).map((n) => [s.table, s.flow!.actions[n.action], n.text.split(':')[0]]));
    expect(notes).toEqual([
      [0, 'NORMAL', 'forwarding to learned port 2 (m2)'],
      [0, 'write_actions(NORMAL)', 'forwarding to learned port 2 (m2)'],
      [1, 'NORMAL', 'no learned MAC for 02'],
    ]);
  });
});

describe('trace: output to the input port', () => {
  it('says "skipping output to input port" under that output, and the datapath actions leave it out', async () => {
    const br = await memBridge('trace', ['in_port=1,actions=output:1,output:2']);
    const t = await traceFields(br, 'in_port=1,udp');
    expect(t.steps[0]!.flow!.notes).toEqual([{ action: 0, mark: '>>', text: 'skipping output to input port' }]);
    expect(t.actions).toEqual(['output:2']);
    expect(formatTrace(t)).toContain('    output:1\n     >> skipping output to input port\n    output:2\n');
  });
});
