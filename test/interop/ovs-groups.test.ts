// Groups against Open vSwitch (differential): the same groups and flows on OVS's
// userspace datapath (the dummy-port harness of ovs-diff, ovs-harness.ts) and on a
// nodeswitch bridge of mem ports, the same frames in. all, indirect, ff (before and
// after its watched port goes down: OVS's port admin-down, our mem port's link),
// chained groups, groups in the action set and buckets that rewrite: the same frames
// out of the same ports, bytes and all. select: each frame leaves by exactly one of
// the group's ports on both sides, with the same bytes, and over many 5-tuples both
// use every bucket (the bucket a 5-tuple gets is each switch's own hash).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import { udp4, tcp4 } from '../../src/packet/frame-builder.js';
import { Switch } from '../../src/switch.js';
import { needs, OVS } from '../needs.js';
import { OvsDummySwitch } from './ovs-harness.js';

const PORTS = [1, 2, 3, 4];

interface Case {
  name: string;
  groups: string[];
  flows: string[];
  /** Taken down (OVS: mod-port down; nodeswitch: the mem port's link) before the second pass. */
  down?: number;
}

const CASES: Case[] = [
  {
    name: 'all: each bucket on the packet as it came, and what follows the group too',
    groups: ['group_id=1,type=all,bucket=output:2,bucket=mod_dl_dst:02:00:00:00:00:99,mod_nw_src:10.9.9.9,output:3'],
    flows: ['in_port=1,actions=group:1,output:4'],
  },
  {
    name: 'all: a bucket that pushes a VLAN, one that decrements the TTL',
    groups: ['group_id=1,type=all,bucket=push_vlan:0x8100,set_field:4106->vlan_vid,output:2,bucket=dec_ttl,output:3,bucket=output:4'],
    flows: ['in_port=1,ip,actions=group:1'],
  },
  { name: 'indirect', groups: ['group_id=5,type=indirect,bucket=actions=set_field:7777->udp_dst,output:3'], flows: ['in_port=1,actions=group:5'] },
  {
    name: 'ff: the first live bucket, then the next when its port goes down',
    groups: ['group_id=2,type=ff,bucket=watch_port:2,actions=output:2,bucket=watch_port:3,actions=output:3'],
    flows: ['in_port=1,actions=group:2'],
    down: 2,
  },
  {
    name: 'chained: an all group through an indirect one',
    groups: ['group_id=1,type=all,bucket=output:2,bucket=output:3', 'group_id=2,type=indirect,bucket=group:1'],
    flows: ['in_port=1,actions=group:2,output:4'],
  },
  {
    name: 'write_actions(group:N): the group replaces the action set\'s output',
    groups: ['group_id=1,type=all,bucket=output:2,bucket=output:3'],
    flows: ['in_port=1,actions=write_actions(output:4,group:1)'],
  },
];

const frames = (n: number): Buffer[] =>
  Array.from({ length: n }, (_, i) =>
    i % 2 ? udp4({ ip: { src: `10.0.${i >> 8}.${i & 255}`, dst: '10.0.0.2' }, l4: { sport: 1000 + i, dport: 53 } }) : tcp4({ ip: { src: '10.0.0.1', dst: '10.0.0.2' }, l4: { sport: 2000 + i, dport: 80 } }),
  );

needs(OVS).describe('groups: nodeswitch vs Open vSwitch (differential)', () => {
  let ovs: OvsDummySwitch;
  let sw: Switch;
  let br: Bridge;

  beforeAll(async () => {
    ovs = await OvsDummySwitch.start(PORTS);
    sw = new Switch();
    br = sw.addBridge('ovsgrp0', { defaultFlows: false });
    for (const n of PORTS) await br.addPort(`p${n}`, { type: 'mem', ofport: n });
  });
  afterAll(async () => {
    await sw?.close();
    await ovs?.stop();
  });

  async function install(groups: string[], flows: string[]): Promise<void> {
    for (const n of PORTS) {
      await br.setMemLink(`p${n}`, true);
      await ovs.setPortUp(n, true);
    }
    await br.delFlows();
    await br.delGroups();
    for (const g of groups) await br.addGroup(g);
    await br.addFlows(flows.join('\n'));
    expect(await ovs.setGroups(groups)).toBeUndefined();
    expect(await ovs.setFlows(flows)).toBeUndefined();
  }

  async function both(frame: Buffer): Promise<{ ovs: string[]; ns: string[] }> {
    const o = await ovs.inject(1, frame);
    const ovsOut: string[] = [];
    for (const [n, fs] of o.outputs) for (const f of fs) ovsOut.push(`p${n} ${f.toString('hex')}`);
    await br.inject('p1', [frame]);
    const nsOut: string[] = [];
    for (const n of PORTS) for (const f of await br.drain(`p${n}`)) nsOut.push(`p${n} ${f.toString('hex')}`);
    return { ovs: ovsOut.sort(), ns: nsOut.sort() };
  }

  for (const c of CASES) {
    it(c.name, async () => {
      await install(c.groups, c.flows);
      for (const [i, f] of frames(6).entries()) {
        const r = await both(f);
        expect(r.ns, `frame ${i}`).toEqual(r.ovs);
        expect(r.ns.length, `frame ${i}: went somewhere`).toBeGreaterThan(0);
      }
      if (c.down !== undefined) {
        await br.setMemLink(`p${c.down}`, false);
        await ovs.setPortUp(c.down, false);
        for (const [i, f] of frames(6).entries()) {
          const r = await both(f);
          expect(r.ns, `frame ${i} after p${c.down} went down`).toEqual(r.ovs);
          expect(r.ns.some((x) => x.startsWith(`p${c.down} `))).toBe(false);
        }
      }
    });
  }

  it('select: one bucket per frame, the same bytes, and both use every bucket', async () => {
    await install(['group_id=3,type=select,bucket=output:2,bucket=output:3,bucket=mod_dl_src:02:00:00:00:00:33,output:4'], ['in_port=1,actions=group:3']);
    const used = { ovs: new Set<string>(), ns: new Set<string>() };
    for (const f of frames(60)) {
      const r = await both(f);
      expect(r.ovs).toHaveLength(1);
      expect(r.ns).toHaveLength(1);
      const port = (x: string) => x.slice(0, 2);
      const bytes = (x: string) => x.slice(3);
      used.ovs.add(port(r.ovs[0]!));
      used.ns.add(port(r.ns[0]!));
      // Where both chose the same bucket the bytes are the same.
      if (port(r.ovs[0]!) === port(r.ns[0]!)) expect(bytes(r.ns[0]!)).toBe(bytes(r.ovs[0]!));
    }
    expect([...used.ns].sort()).toEqual(['p2', 'p3', 'p4']);
    expect([...used.ovs].sort()).toEqual(['p2', 'p3', 'p4']);
  });
});
