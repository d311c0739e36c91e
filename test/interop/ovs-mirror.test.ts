// Port mirrors against Open vSwitch's: the same mirrors (OVS's Mirror table, set
// with ovs-vsctl) on a NORMAL bridge of four ports, the same frames in the same
// order on both switches — nodeswitch over mem ports, OVS 3.x's userspace datapath
// over dummy ports (ovs-harness.ts) — and per frame the same frames out of every
// port, the mirror copies included. Needs Open vSwitch (test/needs.ts).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import type { MirrorSpec } from '../../src/mirror.js';
import { Switch } from '../../src/switch.js';
import { ethFrame } from '../native/packets.js';
import { needs, OVS } from '../needs.js';
import { OvsDummySwitch } from './ovs-harness.js';

const PORTS = [1, 2, 3, 4];
const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const C = '02:00:00:00:00:0c';
const BCAST = 'ff:ff:ff:ff:ff:ff';

interface Case {
  name: string;
  mirrors: Record<string, MirrorSpec>;
  /** The bridge's flows; default priority=0,actions=NORMAL. */
  flows?: string[];
  /** [in port, frame], in order: what NORMAL learns from one frame decides the next. */
  frames: [number, Buffer][];
}

const f = (dst: string, src: string, tag: string, vlan?: number): Buffer =>
  ethFrame(dst, src, { payload: Buffer.from(`ovs mirror ${tag}`.padEnd(46, '.')), ...(vlan !== undefined && { vlan }) });

// A, B and C behind p1, p2 and p3; p4 the monitor in the SPAN cases.
const TRAFFIC: [number, Buffer][] = [
  [1, f(BCAST, A, 'A hello')],
  [2, f(A, B, 'B to A')],
  [1, f(B, A, 'A to B')],
  [3, f('02:00:00:00:00:99', C, 'C to unknown')],
  [3, f(A, C, 'C to A')],
  [4, f(BCAST, '02:00:00:00:00:44', 'from the monitor port')],
  [1, f(C, A, 'A to C')],
];

const CASES: Case[] = [
  { name: 'SPAN of a source port', mirrors: { m: { selectSrcPort: ['p1'], outputPort: 'p4' } }, frames: TRAFFIC },
  { name: 'SPAN of a destination port', mirrors: { m: { selectDstPort: ['p2'], outputPort: 'p4' } }, frames: TRAFFIC },
  { name: 'SPAN of every port', mirrors: { m: { selectAll: true, outputPort: 'p4' } }, frames: TRAFFIC },
  {
    name: 'two mirrors to one output: each frame once',
    mirrors: { a: { selectSrcPort: ['p1'], outputPort: 'p4' }, b: { selectDstPort: ['p2', 'p3'], outputPort: 'p4' } },
    frames: TRAFFIC,
  },
  {
    name: 'select-vlan',
    mirrors: { m: { selectAll: true, selectVlan: [10], outputPort: 'p4' } },
    frames: [
      [1, f(BCAST, A, 'untagged')],
      [1, f(BCAST, A, 'on 10', 10)],
      [2, f(A, B, 'on 10 to A', 10)],
      [2, f(BCAST, B, 'on 20', 20)],
    ],
  },
  {
    name: 'copies as received and as output around a rewrite',
    flows: ['priority=10,in_port=1,actions=output:2,mod_dl_src:02:00:00:00:77:77,output:3', 'priority=0,actions=NORMAL'],
    mirrors: { in: { selectSrcPort: ['p1'], outputPort: 'p4' }, out3: { selectDstPort: ['p3'], outputPort: 'p2' } },
    frames: [
      [1, f(B, A, 'rewritten on the way to p3')],
      [2, f(BCAST, B, 'B hello')],
    ],
  },
  {
    name: 'RSPAN of a source port',
    mirrors: { m: { selectSrcPort: ['p1'], outputVlan: 99 } },
    frames: [
      [1, f(BCAST, A, 'untagged')],
      [2, f(A, B, 'B to A')],
      [1, f(B, A, 'A to B')],
      [1, f(BCAST, A, 'on 10', 10)],
      [1, f(BCAST, A, 'already on 99', 99)],
      // Not here: a frame to 01:80:c2:00:00:0x, which OVS's NORMAL drops (forward-bpdu
      // off) where ours floods it — a NORMAL difference, not a mirror one.
    ],
  },
];

/** ovs-vsctl arguments that replace the bridge's mirrors with `mirrors`. */
function ovsMirrorArgs(bridge: string, mirrors: Record<string, MirrorSpec>): string[] {
  const args: string[] = [];
  for (const p of PORTS) args.push('--', `--id=@p${p}`, 'get', 'port', `p${p}`);
  const ids: string[] = [];
  for (const [name, m] of Object.entries(mirrors)) {
    const id = `@m_${name}`;
    ids.push(id);
    const cols = [`name=${name}`];
    if (m.selectAll) cols.push('select_all=true');
    if (m.selectSrcPort) cols.push(`select_src_port=${m.selectSrcPort.map((p) => `@${p}`).join(',')}`);
    if (m.selectDstPort) cols.push(`select_dst_port=${m.selectDstPort.map((p) => `@${p}`).join(',')}`);
    if (m.selectVlan) cols.push(`select_vlan=${m.selectVlan.join(',')}`);
    if (m.outputPort) cols.push(`output_port=@${m.outputPort}`);
    if (m.outputVlan) cols.push(`output_vlan=${m.outputVlan}`);
    args.push('--', `--id=${id}`, 'create', 'mirror', ...cols);
  }
  args.push('--', 'set', 'bridge', bridge, `mirrors=${ids.length ? `[${ids.join(',')}]` : '[]'}`);
  return args;
}

/** The harness's marker frames (OVS side only): a select-all mirror copies them too. */
const isMarker = (x: Buffer): boolean => x.includes(Buffer.from('OVSDIFF-MARKER', 'latin1'));

/** Per port, the frames out of it, as sorted hex (order within a port is not compared). */
function byPort(outputs: Map<number, Buffer[]>): Record<number, string[]> {
  const out: Record<number, string[]> = {};
  for (const p of PORTS) out[p] = (outputs.get(p) ?? []).filter((x) => !isMarker(x)).map((x) => x.toString('hex')).sort();
  return out;
}

needs(OVS).describe('port mirrors: nodeswitch vs Open vSwitch', () => {
  let ovs: OvsDummySwitch;
  let sw: Switch | undefined;

  beforeAll(async () => {
    ovs = await OvsDummySwitch.start(PORTS);
  }, 60_000);

  afterAll(async () => {
    await sw?.close();
    await ovs?.stop();
  });

  for (const c of CASES) {
    it(c.name, async () => {
      await sw?.close();
      sw = new Switch();
      const flows = c.flows ?? ['priority=0,actions=NORMAL'];
      const br: Bridge = sw.addBridge('mirdiff', { defaultFlows: false });
      for (const p of PORTS) await br.addPort(`p${p}`, { type: 'mem', ofport: p });
      for (const fl of flows) await br.addFlow(fl);
      for (const [name, m] of Object.entries(c.mirrors)) await br.addMirror(name, m);
      expect(await ovs.setFlows(flows)).toBeUndefined();
      await ovs.vsctl(['--', 'clear', 'bridge', ovs.bridge, 'mirrors']);
      await ovs.vsctl(['--', 'set', 'bridge', ovs.bridge, 'other_config:mac-aging-time=300']);
      await ovs.vsctl(ovsMirrorArgs(ovs.bridge, c.mirrors));
      // A clean MAC table on the OVS side for each case, as the new nodeswitch bridge has.
      await ovs.vsctl(['--', 'set', 'bridge', ovs.bridge, 'other_config:mac-table-size=2048']);
      await ovs.flushFdb();
      for (const [i, [inPort, frame]] of c.frames.entries()) {
        const want = byPort((await ovs.inject(inPort, frame)).outputs);
        await br.inject(`p${inPort}`, [frame]);
        const got: Map<number, Buffer[]> = new Map();
        for (const p of PORTS) got.set(p, await br.drain(`p${p}`));
        expect(byPort(got), `${c.name}: frame ${i} in on p${inPort}`).toEqual(want);
      }
    });
  }
});
