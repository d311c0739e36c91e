// The benchmarks' no-lookup mode (native/dp/stages/bare_forward.*), the first
// per-port ingress stage: while it is on, every frame goes to every other usable
// port with no parse and no lookup — an empty table set, which drops everything,
// does not see the frames — on ports added before and after it was turned on;
// turned off, the pipeline decides again.
import { afterEach, describe, expect, it } from 'vitest';
import { closeMemBridge, memBridge, sendFrames } from './mem-bridge.js';
import { ethFrame } from './packets.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';

afterEach(closeMemBridge);

describe('bare forwarding (an ingress stage on every port)', () => {
  it('floods every frame past an empty table set, runts and all, without a lookup', async () => {
    const br = await memBridge('bare0', [], 3);
    const frame = ethFrame(B, A);
    expect((await sendFrames(br, 1, frame, 3)).map((o) => o.length)).toEqual([0, 0, 0, 0]); // the tables drop it
    await br.setBareForward(true);
    const runt = Buffer.alloc(10, 0xee); // not even an Ethernet header: no parse looks at it
    const out = await sendFrames(br, 1, [frame, runt], 3);
    expect(out.map((o) => o.length)).toEqual([0, 0, 2, 2]);
    expect(out[2]).toEqual([frame, runt]);
    const s = await br.stats();
    expect(s.tableMiss).toBe(1); // the one lookup before the mode went on
    expect(s.cacheHits + s.cacheMisses).toBe(1);
    expect(s.dropped.runt).toBe(0);
    const rx = (await br.portStats('m1'))[0]!;
    expect(rx.rxPackets).toBe(3); // counted on the way in, before the stage
  });

  it('applies to a port added while it is on, and stops when turned off', async () => {
    const br = await memBridge('bare1', [], 2);
    await br.setBareForward(true);
    await br.addPort('m3', { type: 'mem', ofport: 3 });
    const frame = ethFrame(A, B);
    expect((await sendFrames(br, 3, frame, 3)).map((o) => o.length)).toEqual([0, 1, 1, 0]);
    await br.setBareForward(false);
    expect((await sendFrames(br, 3, frame, 3)).map((o) => o.length)).toEqual([0, 0, 0, 0]);
    expect((await br.stats()).tableMiss).toBe(1);
  });
});
