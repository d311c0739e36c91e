// Port mirrors over mem ports: exactly the selected frames reach the mirror's
// output, each once, as received (source selection) or as output (destination
// selection); RSPAN tags them; NORMAL keeps normal traffic off the output port.
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import { NodeswitchError } from '../../src/errors.js';
import type { MirrorSpec } from '../../src/mirror.js';
import { Switch } from '../../src/switch.js';
import { ethFrame } from './packets.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const UNKNOWN = '02:00:00:00:99:99';
const BROADCAST = 'ff:ff:ff:ff:ff:ff';

let sw: Switch | undefined;

afterEach(async () => {
  await sw?.close();
  sw = undefined;
});

/** A NORMAL bridge with mem ports m1..mN. */
async function bridge(n = 4, flows?: string[]): Promise<Bridge> {
  sw = new Switch();
  const br = sw.addBridge('mirtest', flows ? { defaultFlows: false } : {});
  for (let i = 1; i <= n; i++) await br.addPort(`m${i}`, { type: 'mem', ofport: i });
  for (const f of flows ?? []) await br.addFlow(f);
  return br;
}

async function drainAll(br: Bridge, n = 4): Promise<Buffer[][]> {
  const out: Buffer[][] = [[]];
  for (let i = 1; i <= n; i++) out.push(await br.drain(`m${i}`));
  return out;
}

function frame(dst: string, src: string, tag: string, vlan?: number): Buffer {
  return ethFrame(dst, src, { payload: Buffer.from(`mirror test frame ${tag}`.padEnd(46, '.')), ...(vlan !== undefined && { vlan }) });
}

/** The frame's outer 802.1Q VID, or undefined when untagged. */
function vidOf(f: Buffer): number | undefined {
  return f.readUInt16BE(12) === 0x8100 ? f.readUInt16BE(14) & 0x0fff : undefined;
}

/** The frame with its outer tag removed. */
function untagged(f: Buffer): Buffer {
  return Buffer.concat([f.subarray(0, 12), f.subarray(16)]);
}

describe('SPAN', () => {
  it('copies exactly the frames received on a source port, once each, unmodified; NORMAL never floods to the output', async () => {
    const br = await bridge();
    await br.addMirror('span', { selectSrcPort: ['m1'], outputPort: 'm4' });
    const fromA = [frame(UNKNOWN, A, '1'), frame(BROADCAST, A, '2'), frame(B, A, '3')];
    await br.inject('m1', fromA);
    await br.inject('m2', [frame(A, B, 'from B')]);
    const out = await drainAll(br);
    expect(out[4]).toEqual(fromA);  // the m2 frame is not selected; flooding left m4 out
    expect(out[2]).toHaveLength(3);
    expect(out[3]).toHaveLength(3);  // unknown, broadcast and (not yet learned) B, flooded
    const [m] = await br.mirrors();
    expect(m).toMatchObject({ name: 'span', packets: 3, bytes: fromA.reduce((s, f) => s + f.length, 0) });
  });

  it('copies frames sent out of a destination port, and only those', async () => {
    const br = await bridge();
    await br.inject('m2', [frame(BROADCAST, B, 'learn B')]);  // B on m2, before the mirror
    await drainAll(br);
    await br.addMirror('to-m2', { selectDstPort: ['m2'], outputPort: 'm4' });
    const toB = frame(B, A, 'to B');
    await br.inject('m1', [toB]);
    await br.inject('m3', [frame(A, '02:00:00:00:00:0c', 'to A')]);  // to A on m1: not via m2
    const out = await drainAll(br);
    expect(out[4]).toEqual([toB]);
    expect(out[2]).toEqual([toB]);
  });

  it('sends a frame selected by several mirrors with one output once', async () => {
    const br = await bridge();
    await br.addMirror('in', { selectSrcPort: ['m1'], outputPort: 'm4' });
    await br.addMirror('out', { selectDstPort: ['m2'], outputPort: 'm4' });
    await br.addMirror('all', { selectAll: true, outputPort: 'm4' });
    const f = frame(UNKNOWN, A, 'dup');
    await br.inject('m1', [f]);
    const out = await drainAll(br);
    expect(out[4]).toEqual([f]);
    const counts = Object.fromEntries((await br.mirrors()).map((m) => [m.name, m.packets]));
    expect(counts.in).toBe(1);
  });

  it('to different outputs, one copy to each', async () => {
    const br = await bridge();
    await br.addMirror('a', { selectSrcPort: ['m1'], outputPort: 'm3' });
    await br.addMirror('b', { selectSrcPort: ['m1'], outputPort: 'm4' });
    const f = frame(BROADCAST, A, 'two');
    await br.inject('m1', [f]);
    const out = await drainAll(br);
    expect(out[2]).toEqual([f]);
    expect(out[3]).toEqual([f]);  // the mirror copy only: NORMAL floods to neither output
    expect(out[4]).toEqual([f]);
  });

  it('the output port is no station: NORMAL forwards nothing from it and learns nothing on it', async () => {
    const br = await bridge();
    await br.inject('m4', [frame(BROADCAST, '02:00:00:00:00:44', 'learn on m4')]);
    await drainAll(br);
    expect((await br.fdb()).map((e) => e.port)).toEqual(['m4']);
    await br.addMirror('all', { selectAll: true, outputPort: 'm4' });
    expect(await br.fdb()).toEqual([]);  // forgotten when it became an output
    await br.inject('m4', [frame(BROADCAST, '02:00:00:00:00:44', 'from the monitor')]);
    const out = await drainAll(br);
    expect(out.flat()).toEqual([]);
    expect(await br.fdb()).toEqual([]);
  });

  it('select-vlan keeps only the frames on those VLANs (the VID as received)', async () => {
    const br = await bridge();
    await br.addMirror('v10', { selectAll: true, selectVlan: [10], outputPort: 'm4' });
    const on10 = frame(BROADCAST, A, 'on 10', 10);
    await br.inject('m1', [frame(BROADCAST, A, 'untagged'), frame(BROADCAST, A, 'on 20', 20), on10]);
    const out = await drainAll(br);
    expect(out[4]).toEqual([on10]);
  });

  it('a source copy is the frame as received, a destination copy the frame as output (before a later rewrite)', async () => {
    const br = await bridge(5, ['priority=10,in_port=1,actions=output:2,mod_dl_src:02:00:00:00:77:77,output:3']);
    await br.addMirror('in', { selectSrcPort: ['m1'], outputPort: 'm4' });
    await br.addMirror('out2', { selectDstPort: ['m2'], outputPort: 'm5' });
    await br.addMirror('out3', { selectDstPort: ['m3'], outputPort: 'm5' });
    const f = frame(B, A, 'rewrite');
    await br.inject('m1', [f]);
    const out = await drainAll(br, 5);
    const rewritten = Buffer.from(f);
    Buffer.from([2, 0, 0, 0, 0x77, 0x77]).copy(rewritten, 6);
    expect(out[2]).toEqual([f]);
    expect(out[3]).toEqual([rewritten]);
    expect(out[4]).toEqual([f]);
    // out2 and out3 share m5: the packet goes there once, as it was output first.
    expect(out[5]).toEqual([f]);
  });

  it('a source copy is sent before a rule rewrites the frame in place', async () => {
    const br = await bridge(4, ['priority=10,in_port=1,actions=mod_dl_src:02:00:00:00:77:77,mod_vlan_vid:7,output:2']);
    await br.addMirror('in', { selectSrcPort: ['m1'], outputPort: 'm4' });
    const f = frame(B, A, 'rewrite first');
    await br.inject('m1', [f]);
    const out = await drainAll(br);
    expect(out[4]).toEqual([f]);
    expect(out[2]).toHaveLength(1);
    expect(vidOf(out[2]![0]!)).toBe(7);
  });

  it("a copy to a port that is another mirror's destination is mirrored again, once", async () => {
    const br = await bridge(5);
    await br.addMirror('a', { selectSrcPort: ['m1'], outputPort: 'm4' });
    await br.addMirror('b', { selectDstPort: ['m4'], outputPort: 'm5' });
    const f = frame(B, A, 'chain');
    await br.inject('m1', [f]);
    const out = await drainAll(br, 5);
    expect(out[4]).toEqual([f]);
    expect(out[5]).toEqual([f]);
  });

  it('del-mirror stops the copies and gives the port back to NORMAL', async () => {
    const br = await bridge();
    await br.addMirror('span', { selectSrcPort: ['m1'], outputPort: 'm4' });
    await br.deleteMirror('span');
    const f = frame(BROADCAST, A, 'after');
    await br.inject('m1', [f]);
    const out = await drainAll(br);
    expect(out[4]).toEqual([f]);  // flooded, as to any port
    expect(await br.mirrors()).toEqual([]);
  });
});

describe('RSPAN', () => {
  it('tags the copy with the output VLAN and sends it to every port carrying it, the ingress too (as OVS), not to mirror outputs', async () => {
    const br = await bridge();
    await br.addMirror('rspan', { selectSrcPort: ['m1'], outputVlan: 99 });
    const f = frame(B, A, 'rspan');
    await br.inject('m1', [f]);
    const out = await drainAll(br);
    for (const p of [2, 3, 4]) {
      // The frame itself (flooded: B unknown) and its tagged copy.
      expect(out[p]).toHaveLength(2);
      const copy = out[p]!.find((x) => vidOf(x) === 99)!;
      expect(untagged(copy)).toEqual(f);
      expect(out[p]!.find((x) => vidOf(x) === undefined)).toEqual(f);
    }
    expect(out[1]!.map(untagged)).toEqual([f]);  // back to the source: it is a trunk of every VLAN
  });

  it('a tagged frame gets its VID replaced; a frame already on the RSPAN VLAN is not copied', async () => {
    const br = await bridge();
    await br.addMirror('rspan', { selectSrcPort: ['m1'], outputVlan: 99 });
    const on10 = frame(BROADCAST, A, 'on 10', 10);
    const on99 = frame(BROADCAST, A, 'on 99', 99);
    await br.inject('m1', [on10, on99]);
    const out = await drainAll(br);
    const copy = Buffer.from(on10);
    copy.writeUInt16BE((on10.readUInt16BE(14) & 0xf000) | 99, 14);
    const sorted = (l: Buffer[]): Buffer[] => [...l].sort((a, b) => Buffer.compare(a, b));
    expect(sorted(out[2]!)).toEqual(sorted([on10, copy, on99]));
    expect((await br.mirrors())[0]!.packets).toBe(1);
  });
});

describe('mirror configuration', () => {
  it('refuses bad mirrors, naming the argument, and applies nothing', async () => {
    const br = await bridge();
    const bad: [string, MirrorSpec, string][] = [
      ['output is a source', { selectSrcPort: ['m1', 'm4'], outputPort: 'm4' }, 'output-port'],
      ['output is a destination', { selectDstPort: ['m4'], outputPort: 'm4' }, 'output-port'],
      ['unknown source', { selectSrcPort: ['nope'], outputPort: 'm4' }, 'select-src-port'],
      ['unknown destination', { selectDstPort: ['nope'], outputPort: 'm4' }, 'select-dst-port'],
      ['unknown output', { selectAll: true, outputPort: 'nope' }, 'output-port'],
      ['no output', { selectAll: true }, 'output-port'],
      ['two outputs', { selectAll: true, outputPort: 'm4', outputVlan: 9 }, 'output-vlan'],
      ['no selection', { outputPort: 'm4' }, 'select'],
      ['vlan only', { selectVlan: [10], outputPort: 'm4' }, 'select'],
      ['bad output vlan', { selectAll: true, outputVlan: 4095 }, 'output-vlan'],
      ['bad select vlan', { selectAll: true, selectVlan: [0], outputPort: 'm4' }, 'select-vlan'],
      ['duplicate vlan', { selectAll: true, selectVlan: [10, 10], outputPort: 'm4' }, 'select-vlan'],
      ['duplicate port', { selectSrcPort: ['m1', 'm1'], outputPort: 'm4' }, 'select-src-port'],
    ];
    for (const [why, spec, argument] of bad) {
      const err = await br.addMirror('m', spec).catch((e: unknown) => e);
      expect(err, why).toBeInstanceOf(NodeswitchError);
      expect((err as NodeswitchError).argument, why).toBe(argument);
    }
    await br.addMirror('m', { selectAll: true, outputPort: 'm4' });
    await expect(br.addMirror('m', { selectAll: true, outputPort: 'm3' })).rejects.toMatchObject({ argument: 'name' });
    await expect(br.addMirror('bad name', { selectAll: true, outputPort: 'm3' })).rejects.toMatchObject({ argument: 'name' });
    await expect(br.deleteMirror('nope')).rejects.toMatchObject({ argument: 'name' });
    expect((await br.mirrors()).map((m) => m.name)).toEqual(['m']);
  });

  it('a port that is a mirror output cannot be deleted; a deleted source leaves the mirror', async () => {
    const br = await bridge();
    await br.addMirror('span', { selectSrcPort: ['m1', 'm2'], outputPort: 'm4' });
    await expect(br.deletePort('m4')).rejects.toMatchObject({ argument: 'port' });
    await br.deletePort('m1');
    expect(br.mirrorList()).toEqual([{ name: 'span', spec: { selectSrcPort: ['m2'], outputPort: 'm4' } }]);
    await br.addPort('m1', { type: 'mem', ofport: 1 });  // the same ofport back: not a source any more
    await br.inject('m1', [frame(BROADCAST, A, 'again')]);
    expect(await br.drain('m4')).toEqual([]);
  });
});
