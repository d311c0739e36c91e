import { afterEach, describe, expect, it } from 'vitest';
import { Switch } from '../../src/switch.js';
import type { Bridge } from '../../src/bridge.js';
import { prng } from '../lab/prng.js';
import { ethFrame } from './packets.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const C = '02:00:00:00:00:0c';
const UNKNOWN = '02:00:00:00:99:99';
const BROADCAST = 'ff:ff:ff:ff:ff:ff';

let sw: Switch;

async function bridgeWithPorts(n: number, opts = {}): Promise<Bridge> {
  sw = new Switch();
  const br = sw.addBridge('memtest', opts);
  for (let i = 1; i <= n; i++) await br.addPort(`m${i}`, { type: 'mem' });
  return br;
}

async function sentCounts(br: Bridge, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 1; i <= n; i++) out.push((await br.drain(`m${i}`)).length);
  return out;
}

afterEach(async () => {
  await sw?.close();
});

describe('NORMAL forwarding over mem ports', () => {
  it('floods unknown unicast to every port but the ingress, then forwards to the learned port', async () => {
    const br = await bridgeWithPorts(3);
    await br.inject('m1', [ethFrame(B, A)]);
    expect(await sentCounts(br, 3)).toEqual([0, 1, 1]);
    await br.inject('m2', [ethFrame(A, B)]);
    expect(await sentCounts(br, 3)).toEqual([1, 0, 0]);
    await br.inject('m1', [ethFrame(B, A)]);
    expect(await sentCounts(br, 3)).toEqual([0, 1, 0]);
    const fdb = await br.fdb();
    expect(fdb.map((e) => [e.mac, e.port, e.vlan])).toEqual([
      [A, 'm1', 0],
      [B, 'm2', 0],
    ]);
  });

  it('sends frames byte for byte as they came', async () => {
    const br = await bridgeWithPorts(2);
    const frame = ethFrame(UNKNOWN, A, { payload: Buffer.from('0123456789abcdef0123456789abcdef0123456789abcdef', 'utf8') });
    await br.inject('m1', [frame]);
    const [out] = await br.drain('m2');
    expect(out.equals(frame)).toBe(true);
  });

  it('floods broadcast and multicast, and never back out of the ingress', async () => {
    const br = await bridgeWithPorts(4);
    await br.inject('m2', [ethFrame(BROADCAST, A), ethFrame('01:00:5e:00:00:01', A)]);
    expect(await sentCounts(br, 4)).toEqual([2, 0, 2, 2]);
    const stats = await br.stats();
    expect(stats.flooded).toBe(2);
  });

  it('drops a frame whose destination was learned on the ingress port', async () => {
    const br = await bridgeWithPorts(3);
    await br.inject('m1', [ethFrame(BROADCAST, A), ethFrame(BROADCAST, B)]);
    await sentCounts(br, 3);
    await br.inject('m1', [ethFrame(B, A)]);
    expect(await sentCounts(br, 3)).toEqual([0, 0, 0]);
    expect((await br.stats()).dropped.samePort).toBe(1);
  });

  it('learns per VLAN: the same MAC on two VLANs is two entries', async () => {
    const br = await bridgeWithPorts(3);
    await br.inject('m1', [ethFrame(BROADCAST, A, { vlan: 10 })]);
    await br.inject('m2', [ethFrame(BROADCAST, A, { vlan: 20 })]);
    const fdb = await br.fdb();
    expect(fdb.map((e) => [e.port, e.vlan, e.mac])).toEqual([
      ['m1', 10, A],
      ['m2', 20, A],
    ]);
    await sentCounts(br, 3);
    // A frame to A on VLAN 10 goes to m1 only; on VLAN 30 A is unknown: flood.
    await br.inject('m3', [ethFrame(A, C, { vlan: 10 })]);
    expect(await sentCounts(br, 3)).toEqual([1, 0, 0]);
    await br.inject('m3', [ethFrame(A, C, { vlan: 30 })]);
    expect(await sentCounts(br, 3)).toEqual([1, 1, 0]);
  });

  it('relearns a station that moved at once', async () => {
    const br = await bridgeWithPorts(3);
    await br.inject('m1', [ethFrame(BROADCAST, A)]);
    await br.inject('m2', [ethFrame(BROADCAST, A)]);
    const fdb = await br.fdb();
    expect(fdb).toHaveLength(1);
    expect(fdb[0].port).toBe('m2');
    expect((await br.stats()).moved).toBe(1);
    await sentCounts(br, 3);
    await br.inject('m3', [ethFrame(A, C)]);
    expect(await sentCounts(br, 3)).toEqual([0, 1, 0]);
  });

  it('counts and drops runts and bad sources without learning them', async () => {
    const br = await bridgeWithPorts(2);
    await br.inject('m1', [Buffer.alloc(0), Buffer.alloc(13), ethFrame(B, '01:00:00:00:00:01'), ethFrame(B, '00:00:00:00:00:00')]);
    expect(await sentCounts(br, 2)).toEqual([0, 0]);
    const stats = await br.stats();
    expect(stats.dropped.runt).toBe(2);
    expect(stats.dropped.badSource).toBe(2);
    expect(await br.fdb()).toEqual([]);
    const [m1] = await br.portStats('m1');
    expect(m1.rxPackets).toBe(4);
    expect(m1.rxErrors).toBe(2);
  });

  it('evicts the oldest entry when the table is full, and shrinks on resize', async () => {
    const br = await bridgeWithPorts(2, { macTableSize: 4 });
    const macs = [1, 2, 3, 4, 5, 6].map((i) => `02:00:00:00:01:0${i}`);
    for (const m of macs) await br.inject('m1', [ethFrame(BROADCAST, m)]);
    const fdb = await br.fdb();
    expect(fdb.map((e) => e.mac).sort()).toEqual(macs.slice(2).sort());
    expect((await br.stats()).evicted).toBe(2);
    await br.configure({ macTableSize: 2 });
    expect((await br.fdb()).map((e) => e.mac).sort()).toEqual(macs.slice(4).sort());
  });

  it('ages entries out after mac-aging seconds', async () => {
    const br = await bridgeWithPorts(2, { macAging: 1 });
    await br.inject('m1', [ethFrame(BROADCAST, A)]);
    expect(await br.fdb()).toHaveLength(1);
    const deadline = Date.now() + 4000;
    while ((await br.fdb()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await br.fdb()).toEqual([]);
    expect((await br.stats()).aged).toBe(1);
  });

  it('forgets what was learned on a deleted port and flushes on request', async () => {
    const br = await bridgeWithPorts(3);
    await br.inject('m1', [ethFrame(BROADCAST, A)]);
    await br.inject('m2', [ethFrame(BROADCAST, B)]);
    await br.deletePort('m2');
    expect((await br.fdb()).map((e) => e.mac)).toEqual([A]);
    await br.fdbFlush();
    expect(await br.fdb()).toEqual([]);
  });

  it('agrees with a naive model of learning under random traffic', async () => {
    const ports = 5;
    const size = 16;
    const br = await bridgeWithPorts(ports, { macTableSize: size });
    const rand = prng(42);
    const stations = Array.from({ length: 24 }, (_, i) => `02:00:00:00:02:${i.toString(16).padStart(2, '0')}`);
    // Model: Map insertion order = least recently seen first; a sighting moves to the end.
    const model = new Map<string, number>();
    for (let step = 0; step < 400; step++) {
      const inPort = 1 + Math.floor(rand() * ports);
      const src = stations[Math.floor(rand() * stations.length)];
      const dst = rand() < 0.1 ? BROADCAST : stations[Math.floor(rand() * stations.length)];
      await br.inject(`m${inPort}`, [ethFrame(dst, src)]);
      // As Linux bridge and OVS do: learn the source first, then look up the destination.
      if (!model.has(src) && model.size === size) model.delete(model.keys().next().value as string);
      model.delete(src);
      model.set(src, inPort);
      const learnedDst = dst === BROADCAST ? undefined : model.get(dst);
      const counts = await sentCounts(br, ports);
      const expected = Array.from({ length: ports }, (_, i) => {
        const port = i + 1;
        if (learnedDst !== undefined) return port === learnedDst && port !== inPort ? 1 : 0;
        return port === inPort ? 0 : 1;
      });
      expect(counts, `step ${step}: ${src} → ${dst} on m${inPort}`).toEqual(expected);
    }
    const fdb = await br.fdb();
    expect(new Map(fdb.map((e) => [e.mac, e.ofport]))).toEqual(model);
  });

  it('rejects bad port operations with clear errors and changes nothing', async () => {
    const br = await bridgeWithPorts(1);
    await expect(br.addPort('m1', { type: 'mem' })).rejects.toThrow(/already on bridge memtest/);
    await expect(br.addPort('m9', { type: 'mem', ofport: 1 })).rejects.toThrow(/ofport 1 is already taken by port m1/);
    await expect(br.addPort('m9', { type: 'mem', ofport: 0 })).rejects.toThrow(/ofport must be an integer/);
    await expect(br.deletePort('nope')).rejects.toThrow(/has no port nope/);
    await expect(br.addPort('nsnodev0', { type: 'afpacket' })).rejects.toThrow(/no network device named nsnodev0/);
    expect(br.ports().map((p) => p.name)).toEqual(['m1']);
  });
});
