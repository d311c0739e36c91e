// NORMAL with VLANs over mem ports: Open vSwitch's Port tag/trunks/vlan_mode
// semantics (native/dp/vlan.h), checked frame by frame against what OVS's
// xlate_normal does with the same configuration.
import { afterEach, describe, expect, it } from 'vitest';
import { Switch } from '../../src/switch.js';
import type { Bridge } from '../../src/bridge.js';
import type { PortVlanOptions } from '../../src/vlan.js';
import { decode, ethernet, ethFrame } from './packets.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const C = '02:00:00:00:00:0c';
const UNKNOWN = '02:00:00:00:99:99';
const BROADCAST = 'ff:ff:ff:ff:ff:ff';
const MCAST = '01:00:5e:00:00:01';

let sw: Switch | undefined;
afterEach(async () => {
  await sw?.close();
  sw = undefined;
});

/** A bridge of mem ports m1… with these VLAN settings (undefined: plain). */
async function bridge(vlans: (PortVlanOptions | undefined)[]): Promise<Bridge> {
  sw = new Switch();
  const br = sw.addBridge('vlantest');
  for (const [i, v] of vlans.entries()) await br.addPort(`m${i + 1}`, { type: 'mem', ...(v && { vlan: v }) });
  return br;
}

/** What each port sent since the last call: per port, the outer VID of each frame (null: untagged). */
async function sent(br: Bridge, n: number): Promise<(number | null)[][]> {
  const out: (number | null)[][] = [];
  for (let i = 1; i <= n; i++) out.push((await br.drain(`m${i}`)).map((f) => decode(f).vlans[0]?.vid ?? null));
  return out;
}

describe('VLAN isolation in NORMAL', () => {
  it('access ports of one VLAN reach each other, not those of another, for unknown unicast, broadcast and multicast', async () => {
    const br = await bridge([{ tag: 10 }, { tag: 10 }, { tag: 20 }, { tag: 20 }]);
    for (const dst of [UNKNOWN, BROADCAST, MCAST]) {
      await br.inject('m1', [ethFrame(dst, A)]);
      expect(await sent(br, 4)).toEqual([[], [null], [], []]);
      await br.inject('m3', [ethFrame(dst, C)]);
      expect(await sent(br, 4)).toEqual([[], [], [], [null]]);
      await br.inject('m2', [ethFrame(dst, B)]);
      expect(await sent(br, 4)).toEqual([[null], [], [], []]);
    }
    // Learned unicast stays in its VLAN: A is known in VLAN 10 only.
    await br.inject('m3', [ethFrame(A, C)]);
    expect(await sent(br, 4)).toEqual([[], [], [], [null]]);
    await br.inject('m2', [ethFrame(A, B)]);
    expect(await sent(br, 4)).toEqual([[null], [], [], []]);
    const fdb = await br.fdb();
    expect(fdb.map((e) => [e.mac, e.port, e.vlan])).toEqual([
      [A, 'm1', 10],
      [B, 'm2', 10],
      [C, 'm3', 20],
    ]);
  });

  it('one MAC in two VLANs is two stations', async () => {
    const br = await bridge([{ tag: 10 }, { tag: 20 }, undefined]);
    await br.inject('m1', [ethFrame(UNKNOWN, A)]);
    await br.inject('m2', [ethFrame(UNKNOWN, A)]);
    await sent(br, 3);
    await br.inject('m3', [ethFrame(A, B, { vlan: 20 })]);
    expect(await sent(br, 3)).toEqual([[], [null], []]);
    await br.inject('m3', [ethFrame(A, B, { vlan: 10 })]);
    expect(await sent(br, 3)).toEqual([[null], [], []]);
  });

  it('access ports drop tagged input but take priority-tagged frames (VID 0) into their VLAN', async () => {
    const br = await bridge([{ tag: 10 }, { tag: 10 }, { trunks: [10] }]);
    await br.inject('m1', [ethFrame(UNKNOWN, A, { vlan: 10 }), ethFrame(UNKNOWN, A, { vlan: 20 })]);
    expect(await sent(br, 3)).toEqual([[], [], []]);
    expect((await br.stats()).dropped.vlan).toBe(2);
    const prio = ethernet({ dst: UNKNOWN, src: A, vlans: [{ vid: 0, pcp: 5 }] }, 0x88b5, Buffer.alloc(46));
    await br.inject('m1', [prio]);
    const out = [await br.drain('m1'), await br.drain('m2'), await br.drain('m3')];
    expect(out[0]).toEqual([]);
    expect(decode(out[1][0]!).vlans).toEqual([]);  // untagged to the access port
    // tagged to the trunk with the VLAN, keeping the priority (as OVS does)
    expect(decode(out[2][0]!).vlans).toEqual([{ tpid: 0x8100, vid: 10, pcp: 5, dei: 0 }]);
  });

  it('trunks carry only their VLANs (all when none listed), and tag/untag between trunk and access', async () => {
    const br = await bridge([{ tag: 10 }, { tag: 20 }, { trunks: [10, 20] }, { vlanMode: 'trunk' }, { trunks: [20] }]);
    // access 10 → trunks with 10 get it tagged 10
    await br.inject('m1', [ethFrame(BROADCAST, A)]);
    expect(await sent(br, 5)).toEqual([[], [], [10], [10], []]);
    // trunk input tagged 20 → access 20 untagged, other trunks tagged
    await br.inject('m3', [ethFrame(BROADCAST, B, { vlan: 20 })]);
    expect(await sent(br, 5)).toEqual([[], [null], [], [20], [20]]);
    // a VLAN the trunk does not carry: dropped at input
    await br.inject('m3', [ethFrame(BROADCAST, B, { vlan: 30 })]);
    expect(await sent(br, 5)).toEqual([[], [], [], [], []]);
    // an all-VLAN trunk takes 30 and sends it only to the other trunks that carry it (none)
    await br.inject('m4', [ethFrame(BROADCAST, C, { vlan: 30 })]);
    expect(await sent(br, 5)).toEqual([[], [], [], [], []]);
    // untagged on a trunk is VLAN 0: only all-VLAN trunks (and plain ports) carry it
    await br.inject('m3', [ethFrame(BROADCAST, B)]);
    expect(await sent(br, 5)).toEqual([[], [], [], [], []]);
    await br.inject('m4', [ethFrame(BROADCAST, C)]);
    expect(await sent(br, 5)).toEqual([[], [], [], [], []]);
  });

  it('native-untagged and native-tagged: untagged input is the native VLAN; output per mode', async () => {
    const br = await bridge([
      { tag: 10 },
      { tag: 20 },
      { vlanMode: 'native-untagged', tag: 10, trunks: [10, 20] },
      { vlanMode: 'native-tagged', tag: 10, trunks: [10, 20] },
    ]);
    await br.inject('m3', [ethFrame(BROADCAST, A)]);  // untagged: native VLAN 10
    expect(await sent(br, 4)).toEqual([[null], [], [], [10]]);
    await br.inject('m3', [ethFrame(BROADCAST, A, { vlan: 20 })]);
    expect(await sent(br, 4)).toEqual([[], [null], [], [20]]);
    await br.inject('m4', [ethFrame(BROADCAST, B)]);  // native-tagged: untagged input is VLAN 10 too
    expect(await sent(br, 4)).toEqual([[null], [], [null], []]);
    await br.inject('m1', [ethFrame(BROADCAST, C)]);  // VLAN 10 out of native-untagged goes untagged, native-tagged tagged
    expect(await sent(br, 4)).toEqual([[], [], [null], [10]]);
    await br.inject('m2', [ethFrame(BROADCAST, C)]);
    expect(await sent(br, 4)).toEqual([[], [], [20], [20]]);
    await br.inject('m3', [ethFrame(BROADCAST, A, { vlan: 30 })]);  // not in trunks
    expect(await sent(br, 4)).toEqual([[], [], [], []]);
  });

  it('802.1ad: the outer tag (0x88a8) is the VLAN, kept on trunks, popped for access; the inner tag is payload', async () => {
    const br = await bridge([{ tag: 10 }, { trunks: [10] }, { trunks: [10] }]);
    const qinq = ethernet({ dst: BROADCAST, src: A, vlans: [{ vid: 10, tpid: 0x88a8 }, { vid: 77 }] }, 0x88b5, Buffer.alloc(46));
    await br.inject('m2', [qinq]);
    const [m1, , m3] = [await br.drain('m1'), await br.drain('m2'), await br.drain('m3')];
    expect(decode(m1[0]!).vlans.map((v) => [v.tpid, v.vid])).toEqual([[0x8100, 77]]);
    expect(m3[0]!.equals(qinq)).toBe(true);
  });

  it('frames are otherwise byte for byte as they came: push then pop gives the original back', async () => {
    const br = await bridge([{ tag: 10 }, { trunks: [10] }, { tag: 10 }]);
    const frame = ethFrame(UNKNOWN, A, { payload: Buffer.from('0123456789abcdef0123456789abcdef0123456789abcdef') });
    await br.inject('m1', [frame]);
    const [tagged] = await br.drain('m2');
    expect(tagged!.length).toBe(frame.length + 4);
    expect(Buffer.concat([tagged!.subarray(0, 12), tagged!.subarray(16)]).equals(frame)).toBe(true);
    expect((await br.drain('m3'))[0]!.equals(frame)).toBe(true);
    await br.inject('m2', [tagged!]);
    expect((await br.drain('m1'))[0]!.equals(frame)).toBe(true);
  });

  it('OpenFlow rules see the VLAN as received; only NORMAL applies the access tag', async () => {
    const br = await bridge([{ tag: 10 }, { trunks: [10] }, undefined]);
    await br.addFlow('priority=10,in_port=1,dl_vlan=0xffff,actions=output:3,NORMAL');
    await br.inject('m1', [ethFrame(UNKNOWN, A)]);
    // output:3 sends it as it came (untagged); NORMAL sends it in VLAN 10 to m2 and the plain m3 (a trunk of all)
    expect(await sent(br, 3)).toEqual([[], [10], [null, 10]]);
    const flows = await br.dumpFlows('in_port=1');
    expect(flows[0]!.packets).toBe(1);
  });

  it('set-port changes take effect at once: cached decisions and learned entries go', async () => {
    const br = await bridge([{ tag: 10 }, { tag: 10 }, { tag: 20 }]);
    await br.inject('m1', [ethFrame(UNKNOWN, A)]);
    await br.inject('m2', [ethFrame(A, B)]);
    expect(await sent(br, 3)).toEqual([[null], [null], []]);
    await br.setPortVlan('m2', { tag: 20 });
    expect((await br.fdb()).map((e) => [e.mac, e.vlan])).toEqual([[A, 10]]);
    await br.inject('m2', [ethFrame(A, B)]);  // same flow as before: now VLAN 20, A unknown there
    expect(await sent(br, 3)).toEqual([[], [], [null]]);
    await br.setPortVlan('m2', {});  // plain again: a trunk of every VLAN, untagged = VLAN 0
    await br.inject('m2', [ethFrame(A, B)]);
    expect(await sent(br, 3)).toEqual([[], [], []]);
    await br.inject('m1', [ethFrame(BROADCAST, A)]);
    expect(await sent(br, 3)).toEqual([[], [10], []]);
  });

  it('many copies in one burst (flood of a full burst to several re-tagging ports)', async () => {
    const br = await bridge([{ tag: 10 }, { trunks: [10] }, { trunks: [10] }, { trunks: [10] }]);
    const frames = Array.from({ length: 200 }, (_, i) => ethFrame(BROADCAST, `02:00:00:00:01:${(i % 250).toString(16).padStart(2, '0')}`));
    await br.inject('m1', frames);
    const out = await sent(br, 4);
    expect(out.map((o) => o.length)).toEqual([0, 200, 200, 200]);
    expect(out.slice(1).every((o) => o.every((v) => v === 10))).toBe(true);
  });
});

describe('VLAN settings: bad input changes nothing', () => {
  it.each([
    [{ tag: 0 }, 'tag'],
    [{ tag: 4095 }, 'tag'],
    [{ tag: 1.5 }, 'tag'],
    [{ trunks: [10, 10] }, 'trunks'],
    [{ trunks: [4096] }, 'trunks'],
    [{ trunks: [-1] }, 'trunks'],
    [{ vlanMode: 'access', trunks: [10], tag: 10 }, 'trunks'],
    [{ tag: 10, trunks: [10] }, 'trunks'],
    [{ vlanMode: 'access' }, 'tag'],
    [{ vlanMode: 'native-untagged', trunks: [10] }, 'tag'],
    [{ vlanMode: 'trunk', tag: 10 }, 'tag'],
    [{ vlanMode: 'dot1q' }, 'vlan_mode'],
  ] as [PortVlanOptions, string][])('%j is refused naming %s', async (v, argument) => {
    const br = await bridge([{ tag: 10 }]);
    await expect(br.addPort('m9', { type: 'mem', vlan: v })).rejects.toMatchObject({ argument });
    expect(br.hasPort('m9')).toBe(false);
    await expect(br.setPortVlan('m1', v)).rejects.toMatchObject({ argument });
    expect(br.port('m1')!.vlan).toEqual({ mode: 'access', tag: 10, trunks: [] });
  });
});
