// The megaflow cache: what a translation consults becomes the megaflow's mask (NORMAL
// its in_port, VLAN and MACs; a classifier subtable the stages it read), megaflows
// serve every packet their mask covers, count for the rules they credit, expire when
// idle, stay under their limit, and survive exactly the table changes that cannot
// affect them. (The property test in openflow-cache.test.ts checks that whatever the
// caches serve equals the uncached pipeline.)
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import { matchFromKey } from '../../src/ofproto/key-match.js';
import { formatMatch } from '../../src/ofproto/flow-syntax.js';
import { closeMemBridge, memBridge, sendFrames } from './mem-bridge.js';
import * as P from './packets.js';

afterEach(closeMemBridge);

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';

/** The megaflows as "match extras" text, sorted. */
async function megaflowMatches(br: Bridge): Promise<string[]> {
  return (await br.dumpMegaflows())
    .map((mf) => {
      const { match, extras } = matchFromKey(mf.key, mf.mask);
      return [formatMatch(match), ...extras].filter(Boolean).join(',');
    })
    .sort();
}

function udpFlows(n: number, dst = '10.0.0.2', src = A, dstMac = B): Buffer[] {
  return Array.from({ length: n }, (_, i) => P.udp4({ eth: { src, dst: dstMac }, ip: { dst }, l4: { sport: 1024 + (i % 60000), dport: 53 + Math.floor(i / 60000) } }));
}

describe('megaflows', () => {
  it('NORMAL: a thousand 5-tuples between two hosts share one megaflow per direction, keyed on in_port, VLAN and MACs', async () => {
    const br = await memBridge('mfnormal', ['priority=0,actions=NORMAL']);
    await sendFrames(br, 1, udpFlows(1000));
    await sendFrames(br, 2, udpFlows(10, '10.0.0.1', B, A));
    const s = await br.stats();
    expect(s.translations).toBe(2);
    expect(s.megaflows).toBe(2);
    expect(s.megaflowHits).toBe(999 + 9);
    expect(await megaflowMatches(br)).toEqual([
      `in_port=1,vlan_tci=0x0000/0x1fff,dl_src=${A},dl_dst=${B}`,
      `in_port=2,vlan_tci=0x0000/0x1fff,dl_src=${B},dl_dst=${A}`,
    ]);
    // Counted on the megaflows, credited to the rule when its counters are read.
    const [flow] = await br.dumpFlows();
    expect(flow!.packets).toBe(1010);
    const mfs = await br.dumpMegaflows();
    expect(mfs.map((m) => m.packets).sort((a, b) => a - b)).toEqual([10, 1000]);
    expect(mfs.every((m) => m.flows.length === 1 && m.flows[0]!.spec.priority === 0)).toBe(true);
    // A VLAN is part of NORMAL's key: tagged frames get megaflows of their own.
    await sendFrames(br, 1, [P.udp4({ eth: { src: A, dst: B, vlans: [{ vid: 7 }] } })]);
    expect(await megaflowMatches(br)).toContain(`in_port=1,dl_vlan=7,dl_src=${A},dl_dst=${B}`);
  });

  it('a miss consults neither the L4 fields nor more address bits than it takes to leave every rule', async () => {
    const br = await memBridge('mfstage', ['priority=100,tcp,nw_dst=10.0.0.1,tp_dst=80,actions=output:2', 'priority=0,actions=output:3']);
    await br.setCacheConfig({ prefixGranularity: 1 }); // exact bit counts, as Open vSwitch
    const other = P.tcp4({ ip: { dst: '10.0.0.9' }, l4: { sport: 1111, dport: 80 } });
    const other2 = P.tcp4({ ip: { dst: '10.0.0.9' }, l4: { sport: 2222, dport: 443 } });
    const web = P.tcp4({ ip: { dst: '10.0.0.1' }, l4: { sport: 1111, dport: 80 } });
    const out = await sendFrames(br, 1, [other, other2, web]);
    expect(out[3]).toHaveLength(2);
    expect(out[2]).toHaveLength(1);
    const matches = await megaflowMatches(br);
    // The misses consulted 29 bits of nw_dst (where 10.0.0.9 leaves 10.0.0.1: prefix
    // tracking) and nothing else, not even dl_type: the two frames to 10.0.0.9 share
    // one megaflow. The hit consulted the whole rule.
    expect(matches).toEqual(['in_port=1,nw_dst=10.0.0.8/29', 'tcp,in_port=1,nw_dst=10.0.0.1,tp_dst=80']);
    expect((await br.stats()).megaflowHits).toBe(1);
    // By default the consulted prefix is rounded up to a byte: /29 becomes /32.
    await br.setCacheConfig({ prefixGranularity: 8 });
    await sendFrames(br, 1, [other]);
    expect(await megaflowMatches(br)).toEqual(['in_port=1,nw_dst=10.0.0.9']);
  });

  it('table changes drop the megaflows they can affect and keep the others', async () => {
    const br = await memBridge('mfreval', ['table=0,priority=10,ip,actions=goto_table:1', 'table=0,priority=0,actions=output:4', 'table=1,priority=5,actions=output:2']);
    const ip = P.udp4({ ip: { dst: '10.0.0.2' } });
    const arp = P.arp();
    const send = async (): Promise<void> => {
      await sendFrames(br, 1, [ip]);
      await sendFrames(br, 1, [arp]);
    };
    await send();
    const count = async (): Promise<{ megaflows: number; kept: number; dropped: number }> => {
      const s = await br.stats();
      return { megaflows: s.megaflows, kept: s.megaflowsKept, dropped: s.megaflowsRevalidated };
    };
    expect(await count()).toEqual({ megaflows: 2, kept: 0, dropped: 0 });

    // A table the ARP megaflow never visited: only the IP one is looked at, and an
    // add below the priority it hit keeps it.
    await br.addFlow('table=1,priority=1,udp,actions=output:3');
    expect(await count()).toEqual({ megaflows: 2, kept: 2, dropped: 0 });
    // Above the hit, but matching no packet the megaflow covers (another in_port).
    await br.addFlow('table=1,priority=50,in_port=3,actions=output:3');
    expect(await count()).toEqual({ megaflows: 2, kept: 4, dropped: 0 });
    // Above the hit and overlapping: the IP megaflow goes, the ARP one stays.
    await br.addFlow('table=1,priority=60,udp,actions=output:3');
    expect(await count()).toEqual({ megaflows: 1, kept: 5, dropped: 1 });
    expect((await sendFrames(br, 1, [ip]))[3]).toHaveLength(1);
    // Deleting a rule drops the megaflows that credit it, and only those.
    await br.delFlows('table=1,priority=60,udp', { strict: true });
    expect(await count()).toEqual({ megaflows: 1, kept: 6, dropped: 2 });
    // Modifying one drops them too.
    await br.modFlows('table=0,priority=0,actions=output:3', { strict: true });
    expect((await count()).megaflows).toBe(0);
    await send();
    const out = await sendFrames(br, 1, [arp]);
    expect(out[3]).toHaveLength(1);
  });

  it('after a rewrite, an add is checked against the key the later table saw', async () => {
    const br = await memBridge('mfseen', ['table=0,priority=10,ip,actions=mod_nw_dst:10.9.9.9,goto_table:1', 'table=1,priority=1,actions=output:2']);
    const frame = P.udp4({ ip: { dst: '10.0.0.2' } });
    await sendFrames(br, 1, [frame]);
    // Table 1 saw nw_dst 10.9.9.9, not the packet's 10.0.0.2.
    await br.addFlow('table=1,priority=5,ip,nw_dst=10.0.0.2,actions=output:3');
    expect((await br.stats()).megaflows).toBe(1);
    expect((await sendFrames(br, 1, [frame]))[2]).toHaveLength(1);
    await br.addFlow('table=1,priority=6,ip,nw_dst=10.9.9.9,actions=output:4');
    expect((await br.stats()).megaflows).toBe(0);
    expect((await sendFrames(br, 1, [frame]))[4]).toHaveLength(1);
  });

  it('a whole file of flows drops every megaflow at once', async () => {
    const br = await memBridge('mfbulk', ['priority=0,actions=NORMAL']);
    await sendFrames(br, 1, udpFlows(3));
    expect((await br.stats()).megaflows).toBe(1);
    const lines = Array.from({ length: 5000 }, (_, i) => `priority=1,udp,tp_src=${i + 1},actions=output:2`);
    await br.addFlows(lines.join('\n'));
    const s = await br.stats();
    expect(s.megaflows).toBe(0);
    expect(s.megaflowsRevalidated).toBe(1);
  });

  it('idle megaflows expire', async () => {
    const br = await memBridge('mfidle', ['priority=0,actions=output:2']);
    await br.setCacheConfig({ maxIdleMs: 1 });
    await sendFrames(br, 1, udpFlows(5));
    expect((await br.stats()).megaflows).toBe(1);
    // The datapath expires once a second.
    for (let i = 0; i < 50 && (await br.stats()).megaflows > 0; i++) await new Promise((r) => setTimeout(r, 100));
    const s = await br.stats();
    expect(s.megaflows).toBe(0);
    expect(s.megaflowsExpired).toBe(1);
    // Counters survive the megaflow.
    expect((await br.dumpFlows())[0]!.packets).toBe(5);
  });

  it('past the limit packets are translated each time and still forwarded right', async () => {
    // The tp_src rule makes every UDP source port a megaflow of its own.
    const br = await memBridge('mflimit', ['priority=20,udp,tp_src=1024,actions=output:4', 'priority=10,udp,actions=output:2']);
    await br.setCacheConfig({ limit: 4 });
    const frames = Array.from({ length: 20 }, (_, i) => P.udp4({ l4: { sport: 1024 + i } }));
    for (let round = 0; round < 2; round++) {
      const out = await sendFrames(br, 1, frames);
      expect(out[4]).toHaveLength(1);
      expect(out[2]).toHaveLength(19);
    }
    const s = await br.stats();
    expect(s.megaflows).toBe(4);
    expect(s.translations).toBe(4 + 2 * 16);
    expect((await br.dumpFlows()).map((f) => f.packets)).toEqual([2, 38]);
  });

  it('trace shows the megaflow a packet creates', async () => {
    const br = await memBridge('mftrace', ['priority=0,actions=NORMAL']);
    const [frame] = udpFlows(1);
    const before = await br.traceFrame(frame!, 1);
    expect(before.megaflow.installed).toBe(false);
    const { match } = matchFromKey(before.megaflow.key, before.megaflow.mask);
    expect(formatMatch(match)).toBe(`in_port=1,vlan_tci=0x0000/0x1fff,dl_src=${A},dl_dst=${B}`);
    await sendFrames(br, 1, [frame!]);
    expect((await br.traceFrame(frame!, 1)).megaflow.installed).toBe(true);
  });

  it('without megaflows every cached translation is exact; without both nothing is cached', async () => {
    const br = await memBridge('mfmodes', ['priority=0,actions=NORMAL']);
    await br.setCacheConfig({ megaflows: false });
    await sendFrames(br, 1, udpFlows(10));
    expect((await br.stats()).translations).toBe(10);
    await br.setCacheConfig({ megaflows: false, exactMatch: false });
    const out = await sendFrames(br, 1, udpFlows(10));
    expect(out[2]).toHaveLength(10);
    const s = await br.stats();
    expect(s.translations).toBe(20);
    expect(s.megaflows).toBe(0);
  });
});
