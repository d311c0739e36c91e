// A controller's batches through mem ports: packet-ins arrive a burst at a time
// (the 'packetIns' event, bridge.packetIns()) with the same fields the one-at-a-time
// 'packetIn' event carries; Bridge.apply runs flow-mods and packet-outs in order in
// one call, all or nothing.
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import { PacketInBatch } from '../../src/packet-in-batch.js';
import type { PacketIn } from '../../src/types.js';
import { closeMemBridge, memBridge, sendFrames } from './mem-bridge.js';
import * as P from './packets.js';

afterEach(closeMemBridge);

const udp = (i: number): Buffer =>
  P.udp4({ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, ip: { src: '10.0.0.1', dst: '10.0.0.2' }, l4: { sport: 1000 + i, dport: 53 } });

async function until<T>(fn: () => T | undefined, what: string, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function drainAll(br: Bridge, n = 4): Promise<Buffer[][]> {
  const out: Buffer[][] = [[]];
  for (let i = 1; i <= n; i++) out.push(await br.drain(`m${i}`));
  return out;
}

describe('packet-in batches', () => {
  it('a burst of packet-ins comes up as one batch, fields and bytes as the one-at-a-time events say', async () => {
    const br = await memBridge('pibatch', ['priority=0,cookie=0x123456789abc,actions=controller:100']);
    const batches: PacketInBatch[] = [];
    const single: PacketIn[] = [];
    br.on('packetIns', (b: PacketInBatch) => batches.push(b));
    br.on('packetIn', (p: PacketIn) => single.push(p));
    const frames = Array.from({ length: 20 }, (_, i) => udp(i));
    await br.inject('m1', frames);
    await until(() => (single.length >= 20 ? true : undefined), '20 packet-ins');
    // 20 frames are one burst of the mem port: one batch.
    expect(batches).toHaveLength(1);
    const b = batches[0]!;
    expect(b.length).toBe(20);
    for (let i = 0; i < 20; i++) {
      expect(b.inPort(i)).toBe(1);
      expect(b.reason(i)).toBe('no_match'); // the table-miss flow's, as OpenFlow 1.3 says
      expect(b.tableId(i)).toBe(0);
      expect(b.cookie(i)).toBe(0x123456789abcn);
      expect(b.totalLen(i)).toBe(frames[i]!.length);
      // controller:100 cuts the data to 100 bytes; the frames are shorter than that.
      expect(b.frame(i).equals(frames[i]!)).toBe(true);
      // A view into the batch's one buffer, not a copy.
      expect(b.frame(i).buffer).toBe(b.data.buffer);
      expect(single[i]).toEqual(b.at(i));
    }
    expect([...b].map((p) => p.data)).toEqual(frames);
    expect(() => b.at(20)).toThrow(/not in a batch of 20/);
  });

  it('max_len cuts each packet in the batch and totalLen keeps the frame length', async () => {
    const br = await memBridge('pimax', ['priority=0,actions=controller:20']);
    const batches: PacketInBatch[] = [];
    br.on('packetIns', (b: PacketInBatch) => batches.push(b));
    const big = P.udp4({ l4: { sport: 1, dport: 2, payload: Buffer.alloc(300, 7) } });
    await br.inject('m2', [big, udp(1)]);
    const b = await until(() => batches[0], 'a batch');
    expect(b.length).toBe(2);
    expect(b.frame(0)).toEqual(big.subarray(0, 20));
    expect(b.totalLen(0)).toBe(big.length);
    expect(b.frame(1)).toEqual(udp(1).subarray(0, 20));
    expect(b.inPort(1)).toBe(2);
  });

  it('for await over bridge.packetIns() gets the batches, and ends when the bridge closes', async () => {
    const br = await memBridge('piiter', ['priority=0,actions=controller']);
    const stream = br.packetIns();
    const got: number[] = [];
    const loop = (async () => {
      for await (const batch of stream) got.push(batch.length);
    })();
    await br.inject('m1', [udp(1), udp(2), udp(3)]);
    await until(() => (got.reduce((a, b) => a + b, 0) === 3 ? true : undefined), 'three packets');
    await br.close();
    await loop; // the loop ended by itself
    expect(br.listenerCount('packetIns')).toBe(0);
  });

  it('a stream whose loop falls behind drops whole batches past its bound, and counts them', async () => {
    const br = await memBridge('pibound', ['priority=0,actions=controller']);
    const stream = br.packetIns({ maxQueued: 5 });
    const single: PacketIn[] = [];
    br.on('packetIn', (p: PacketIn) => single.push(p));
    // Nobody reads: the first batch (4) waits, the second (4) would pass 5 and is dropped.
    await br.inject('m1', [udp(1), udp(2), udp(3), udp(4)]);
    await until(() => (single.length === 4 ? true : undefined), 'the first batch');
    await br.inject('m1', [udp(5), udp(6), udp(7), udp(8)]);
    await until(() => (single.length === 8 ? true : undefined), 'the second batch');
    expect(stream.dropped).toBe(4);
    const first = await stream.next();
    expect(first.done).toBe(false);
    expect(first.value!.length).toBe(4);
    await stream.return();
    expect(br.listenerCount('packetIns')).toBe(0);
  });
});

describe('upcall limits', () => {
  it('a raised rate applies at once, to the current second too', async () => {
    const br = await memBridge('uplim', ['priority=0,actions=controller']);
    await br.setUpcallLimits(1 << 16, 1_000_000);
    let got = 0;
    br.on('packetIns', (b: PacketInBatch) => (got += b.length));
    // More than the default budget of 10,000 a second, within the first second.
    const frames = Array.from({ length: 15_000 }, (_, i) => udp(i % 60000));
    await br.inject('m1', frames);
    await until(() => (got === 15_000 ? true : undefined), '15000 packet-ins');
    expect((await br.stats()).upcallDrops).toBe(0);
  });
});

describe('Bridge.apply', () => {
  it('flow-mods and packet-outs in one call, in order: a packet-out sees the flows added before it', async () => {
    const br = await memBridge('apply', ['priority=0,actions=drop']);
    const frame = udp(1);
    const r = await br.apply([
      { op: 'packetOut', data: frame, actions: 'table', inPort: 1 }, // table has only drop yet
      { op: 'add', flow: 'priority=10,in_port=1,udp,actions=output:2' },
      { op: 'packetOut', data: frame, actions: 'table', inPort: 1 }, // → 2
      { op: 'modify', flow: 'priority=10,in_port=1,udp,actions=output:3', strict: true },
      { op: 'packetOut', data: frame, actions: 'table', inPort: 1 }, // → 3
      { op: 'add', flow: 'priority=20,in_port=1,actions=output:4' },
      { op: 'delete', flow: 'priority=20,in_port=1', strict: true },
      { op: 'packetOut', data: frame, actions: [{ type: 'output', port: 4 }] },
    ]);
    expect(r).toEqual({ added: 2, modified: 1, deleted: 1, packetOuts: 4 });
    const out = await drainAll(br);
    expect(out.map((f) => f.length)).toEqual([0, 0, 1, 1, 1]);
    // The table as the batch left it, and the datapath runs it.
    const text = (await br.dumpFlowsText()).join('\n');
    expect(text).toMatch(/priority=10,udp,in_port=1 actions=output:3/);
    expect(text).not.toMatch(/priority=20/);
    const sent = await sendFrames(br, 1, frame);
    expect(sent.map((f) => f.length)).toEqual([0, 0, 0, 1, 0]);
  });

  it('an add identical to a flow replaces it, within the batch and against the table', async () => {
    const br = await memBridge('applyrep', ['priority=10,in_port=1,actions=output:2']);
    await br.apply([
      { op: 'add', flow: 'priority=10,in_port=1,actions=output:3' },
      { op: 'add', flow: 'priority=10,in_port=1,actions=output:4' },
    ]);
    const flows = await br.dumpFlowsText();
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatch(/actions=output:4/);
    expect((await sendFrames(br, 1, udp(1))).map((f) => f.length)).toEqual([0, 0, 0, 0, 1]);
  });

  it('later ops see earlier ones: a modify or delete of a flow the batch added, an add after a delete', async () => {
    const br = await memBridge('applyseq', ['priority=5,in_port=1,actions=output:4']);
    const frame = udp(1);
    const r = await br.apply([
      { op: 'add', flow: 'priority=10,in_port=1,actions=output:2' },
      { op: 'modify', flow: 'priority=10,in_port=1,actions=output:3', strict: true },
      { op: 'packetOut', data: frame, actions: 'table', inPort: 1 }, // → 3
      { op: 'delete', flow: 'priority=10,in_port=1', strict: true },
      { op: 'packetOut', data: frame, actions: 'table', inPort: 1 }, // → 4 (the flow from before)
      { op: 'delete', flow: 'in_port=1' }, // the priority=5 one: the other is gone already
      { op: 'add', flow: 'priority=10,in_port=1,actions=output:2' },
      { op: 'packetOut', data: frame, actions: 'table', inPort: 1 }, // → 2
    ]);
    expect(r).toEqual({ added: 2, modified: 1, deleted: 2, packetOuts: 3 });
    expect((await drainAll(br)).map((f) => f.length)).toEqual([0, 0, 1, 1, 1]);
    const flows = await br.dumpFlowsText();
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatch(/priority=10,in_port=1 actions=output:2/);
    expect((await sendFrames(br, 1, frame)).map((f) => f.length)).toEqual([0, 0, 1, 0, 0]);
  });

  it('a bad op is refused with its index, and nothing of the batch is applied', async () => {
    const br = await memBridge('applybad', ['priority=10,in_port=1,actions=output:2']);
    const table = async (): Promise<string[]> => (await br.dumpFlowsText()).map((l) => l.replace(/duration=[\d.]+s, /, ''));
    const before = await table();
    const frame = udp(1);
    const bad = [
      [{ op: 'add', flow: 'priority=20,in_port=1,actions=output:3' }, { op: 'add', flow: 'priority=5,nw_src=10.0.0.300,actions=drop' }],
      [{ op: 'delete', flow: '' }, { op: 'packetOut', data: Buffer.alloc(8), actions: 'output:2' }],
      [{ op: 'add', flow: 'priority=20,in_port=1,actions=output:3' }, { op: 'packetOut', data: frame, actions: 'output:2', inPort: 99 }],
      [{ op: 'packetOut', data: frame, actions: 'output:2' }, { op: 'frobnicate' }],
      [{ op: 'add', flow: 'priority=10,in_port=1,actions=output:3' }, { op: 'add', flow: 'priority=10,udp,check_overlap,actions=output:4' }],
    ];
    const why = [/^ops\[1\]: .*10\.0\.0\.300/, /^ops\[1\]: .*14 to/, /^ops\[1\]: in_port 99/, /^ops\[1\]: op must be/, /^ops\[1\]: the flow overlaps/];
    for (let i = 0; i < bad.length; i++) {
      await expect(br.apply(bad[i] as never)).rejects.toThrow(why[i]!);
    }
    expect(await table()).toEqual(before);
    expect((await drainAll(br)).map((f) => f.length)).toEqual([0, 0, 0, 0, 0]);
    expect((await sendFrames(br, 1, frame)).map((f) => f.length)).toEqual([0, 0, 1, 0, 0]);
  });

  it('the datapath refuses a batch whose step would fail before running any step', async () => {
    const br = await memBridge('applynative', []);
    // Straight to the datapath: a packet-out that passes, then a removal of a flow that is not there.
    const dp = (br as unknown as { dp: { apply(steps: unknown[]): Promise<void> } }).dp;
    const frame = udp(1);
    await expect(
      dp.apply([
        { kind: 'packetOuts', frames: frame, records: new Uint32Array([0xfffffffd, 0, frame.length, 0]), actionLists: [[{ code: 1, port: 2 }]] },
        { kind: 'remove', ids: [4242] },
      ]),
    ).rejects.toThrow(/step 1: no flow with id 4242/);
    // A packed packet-out whose frame lies outside the step's bytes.
    await expect(
      dp.apply([{ kind: 'packetOuts', frames: frame, records: new Uint32Array([1, 10, frame.length, 0]), actionLists: [[{ code: 1, port: 2 }]] }]),
    ).rejects.toThrow(/step 0: a packet-out's frame is outside/);
    expect((await drainAll(br)).map((f) => f.length)).toEqual([0, 0, 0, 0, 0]);
  });
});
