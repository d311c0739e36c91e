/**
 * The compact flow store (src/ofproto/flow-entry.ts): an entry keeps its canonical
 * line, a few numbers and its packed signature; the FlowSpec is parsed back on
 * demand. These check that nothing a user or the datapath sees changed: the parsed
 * spec compiles to what the original did, dump-flows lines with counters equal
 * formatFlow(spec, stats) of the original spec (for a 100k-rule file too), and the
 * table's modify / delete, strict and not, select the same flows as a plain list
 * compared field by field.
 */
import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../src/ofproto/compile.js';
import { encodeFlowBatch, FlowBatchWriter } from '../../src/ofproto/flow-batch.js';
import { FlowEntry } from '../../src/ofproto/flow-entry.js';
import { type FlowSpec, formatFlow, parseFlow, parseFlowsFile } from '../../src/ofproto/flow-syntax.js';
import { FlowTable, packSignature } from '../../src/ofproto/flow-table.js';

const FLOWS = [
  'actions=drop',
  'priority=0,actions=NORMAL',
  'table=1,priority=100,cookie=0x5,idle_timeout=10,hard_timeout=20,send_flow_rem,check_overlap,tcp,actions=drop',
  'cookie=0xffffffffffff0000,in_port=3,dl_src=01:00:00:00:00:00/01:00:00:00:00:00,actions=output:CONTROLLER',
  'in_port=LOCAL,dl_vlan=10,actions=strip_vlan,output:2',
  'table=2,priority=7,ip,nw_src=10.0.0.0/8,nw_dst=192.168.1.1,nw_tos=16,actions=mod_nw_ttl:9,dec_ttl,output:1',
  'udp6,ipv6_src=2001:db8::/32,udp_dst=53,actions=set_field:2001:db8::1->ipv6_dst,output:4',
  'tcp,tcp_flags=+syn-ack,tp_src=0x1000/0xf000,actions=resubmit(,3),controller:128',
  'arp,arp_tpa=10.1.2.3,arp_op=1,actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:5',
  'icmp6,icmp_type=135,nd_target=fe80::1,actions=output:IN_PORT',
  'metadata=0x5/0xff,actions=write_metadata:0x10/0xf0,goto_table:4',
  'priority=9,ip,actions=clear_actions,write_actions(output:3),goto_table:2',
  'sctp,tp_dst=9,actions=set_queue:2,output:1,pop_queue',
];

const STATS = { durationSec: 12.345, nPackets: 7, nBytes: 700, idleAge: 3 };

function entryOf(spec: FlowSpec, id = 1): FlowEntry {
  return new FlowEntry(id, spec, packSignature(spec.table, spec.priority, compileFlow(id, spec, spec.table)), Date.now());
}

describe('FlowEntry', () => {
  it('parses back to a spec that compiles and prints as the original', () => {
    for (const line of FLOWS) {
      const spec = parseFlow(line);
      const e = entryOf(spec);
      expect(e.text, line).toBe(formatFlow(spec));
      expect(encodeFlowBatch([compileFlow(1, e.spec, e.table)]).equals(encodeFlowBatch([compileFlow(1, spec, spec.table)])), line).toBe(true);
      expect(e.format(STATS), line).toBe(formatFlow(spec, STATS));
      expect([e.table, e.priority, e.cookie, e.idleTimeout, e.hardTimeout, e.flags], line).toEqual([
        spec.table,
        spec.priority,
        spec.cookie,
        spec.idleTimeout,
        spec.hardTimeout,
        spec.flags,
      ]);
    }
  });

  it('dump-flows of a 100k-rule file from the store equals formatFlow of the parsed specs', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const t = i % 3;
      lines.push(
        `table=${t},priority=${100 + (i % 100)},${i % 7 ? `cookie=${i},` : ''}${i % 11 ? '' : 'idle_timeout=60,'}tcp,` +
          `nw_src=10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255},tp_dst=${1024 + (i % 5000)},actions=output:${1 + (i % 4)}`,
      );
    }
    const specs = parseFlowsFile(lines.join('\n'));
    const table = new FlowTable({ installFlows: async () => {}, removeFlows: async () => {}, setFlowActions: async () => {}, flowStats: async () => [] });
    await table.add(specs);
    const dumped = await table.dump();
    expect(dumped.length).toBe(100_000);
    // dump order: table, then priority high to low, then age (= id, = file order here).
    const order = specs.map((s, i) => ({ s, i })).sort((a, b) => a.s.table - b.s.table || b.s.priority - a.s.priority || a.i - b.i);
    const stats = { durationSec: 1, nPackets: 0, nBytes: 0, idleAge: 1 };
    for (let k = 0; k < dumped.length; k++) {
      const want = order[k]!.s;
      const got = dumped[k]!.entry;
      if (got.format(stats) !== formatFlow(want, stats)) expect(got.format(stats)).toBe(formatFlow(want, stats));
      if (got.text !== formatFlow(want)) expect(got.text).toBe(formatFlow(want));
    }
  });

  it('modify and delete, strict and not, select what the specs say', async () => {
    const table = new FlowTable({ installFlows: async () => {}, removeFlows: async () => {}, setFlowActions: async () => {}, flowStats: async () => [] });
    const lines = [
      'priority=10,ip,nw_dst=10.0.0.1,actions=output:1',
      'priority=20,ip,nw_dst=10.0.0.1,actions=output:2',
      'priority=10,tcp,nw_dst=10.0.0.1,tp_dst=80,actions=output:3',
      'table=1,priority=10,ip,nw_dst=10.0.0.1,actions=output:1',
      'cookie=0x12,priority=10,ip,nw_dst=10.0.0.2,actions=output:4',
      'priority=10,ip,actions=output:1',
    ];
    await table.add(lines.map((l) => parseFlow(l)));
    const texts = async (): Promise<string[]> => (await table.dump()).map((f) => f.entry.text);
    // Strict: every table (no table=), the exact priority and match.
    expect(await table.modify(parseFlow('priority=10,ip,nw_dst=10.0.0.1,actions=output:9', { context: 'modify' }), true)).toBe(2);
    // Non-strict: every flow at least as specific as ip,nw_dst=10.0.0.1 (any priority, both tables).
    expect(
      (await table.delete(parseFlow('ip,nw_dst=10.0.0.1,out_port=3', { context: 'delete' }), false)).map((e) => e.text),
    ).toEqual(['priority=10,tcp,nw_dst=10.0.0.1,tp_dst=80 actions=output:3']);
    expect((await table.delete(parseFlow('cookie=0x10/0xf0', { context: 'delete' }), false)).map((e) => e.text)).toEqual([
      'cookie=0x12, priority=10,ip,nw_dst=10.0.0.2 actions=output:4',
    ]);
    expect(await texts()).toEqual([
      'priority=20,ip,nw_dst=10.0.0.1 actions=output:2',
      'priority=10,ip,nw_dst=10.0.0.1 actions=output:9',
      'priority=10,ip actions=output:1',
      'table=1, priority=10,ip,nw_dst=10.0.0.1 actions=output:9',
    ]);
    // A strict delete needs the exact priority.
    expect(await table.delete(parseFlow('priority=11,ip', { context: 'delete' }), true)).toEqual([]);
    expect((await table.delete(parseFlow('priority=10,ip', { context: 'delete' }), true)).map((e) => e.text)).toEqual(['priority=10,ip actions=output:1']);
    // An add of an identical flow replaces it (same signature), keeping one.
    await table.add([parseFlow('priority=20,ip,nw_dst=10.0.0.1,actions=drop')]);
    expect((await texts())[0]).toBe('priority=20,ip,nw_dst=10.0.0.1 actions=drop');
    expect(table.list().length).toBe(3);
  });

  it('a FlowBatchWriter over many chunks gives the bytes of encodeFlowBatch, with and without skipped flows', () => {
    const flows = [];
    for (let i = 0; i < 30_000; i++) {
      const spec = parseFlow(FLOWS[i % FLOWS.length]!);
      flows.push(compileFlow(i + 1, spec, spec.table));
    }
    const w = new FlowBatchWriter();
    for (const f of flows) w.push(f);
    expect(w.bytes).toBeGreaterThan(2 << 20); // more than one chunk
    expect(w.finish().equals(encodeFlowBatch(flows))).toBe(true);
    const skip = new Set([0, 7, 12_345, 29_999]);
    expect(w.finish(skip).equals(encodeFlowBatch(flows.filter((_, i) => !skip.has(i))))).toBe(true);
    expect(new FlowBatchWriter().finish().length).toBe(0);
  });
});
