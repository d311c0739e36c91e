// The inject pacing schedule (src/daemon/inject.ts) on a fake clock: due times for
// each mode, loops, timestamps going backwards, frames due together batched into one
// call, big batches capped, stop in the middle; and the argument checks.
import { describe, expect, it } from 'vitest';
import { type Clock, InjectSchedule, MAX_BATCH, pace, parseInjectArgs, usableRecords } from '../../src/daemon/inject.js';
import { NodeswitchError } from '../../src/errors.js';

const ms = (x: number): bigint => BigInt(Math.round(x * 1e6));
const frames = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.alloc(60, i));

/** A clock that only moves when slept on; records the sleeps. */
function fakeClock(): Clock & { t: number; sleeps: number[] } {
  const c = {
    t: 1_000_000,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ns: number) => {
      c.sleeps.push(ns);
      c.t += ns;
    },
  };
  return c;
}

/** Runs pace on the fake clock; returns each batch as [time since start in ms, frame count]. */
async function batches(n: number, schedule: InjectSchedule, perCallNs = 0): Promise<{ calls: [number, number][]; seconds: number; packets: number }> {
  const clock = fakeClock();
  const start = clock.t;
  const calls: [number, number][] = [];
  const r = await pace(
    frames(n),
    schedule,
    async (b) => {
      calls.push([(clock.t - start) / 1e6, b.length]);
      clock.t += perCallNs;
    },
    clock,
  );
  return { calls, seconds: r.seconds, packets: r.packets };
}

describe('InjectSchedule', () => {
  const ts = [ms(0), ms(10), ms(10), ms(30), ms(100)];

  it("original timing: the trace's own gaps", () => {
    const s = new InjectSchedule(ts, { kind: 'original' }, 1);
    expect([0, 1, 2, 3, 4].map((k) => s.due(k) / 1e6)).toEqual([0, 10, 10, 30, 100]);
    expect(s.total).toBe(5);
  });

  it('a trace that does not start at 0 is timed from its first record', () => {
    const s = new InjectSchedule([ms(5000), ms(5020)], { kind: 'original' }, 1);
    expect([s.due(0), s.due(1) / 1e6]).toEqual([0, 20]);
  });

  it('multiplier X divides the gaps', () => {
    const s = new InjectSchedule(ts, { kind: 'multiplier', factor: 4 }, 1);
    expect([0, 1, 2, 3, 4].map((k) => s.due(k) / 1e6)).toEqual([0, 2.5, 2.5, 7.5, 25]);
    const slow = new InjectSchedule(ts, { kind: 'multiplier', factor: 0.5 }, 1);
    expect(slow.due(4) / 1e6).toBe(200);
  });

  it('pps N: frame k at k/N s, whatever the timestamps', () => {
    const s = new InjectSchedule(ts, { kind: 'pps', rate: 200 }, 2);
    expect([0, 1, 4, 5, 9].map((k) => s.due(k) / 1e6)).toEqual([0, 5, 20, 25, 45]);
    expect(s.total).toBe(10);
  });

  it('topspeed: everything due at once', () => {
    const s = new InjectSchedule(ts, { kind: 'topspeed' }, 3);
    expect(s.total).toBe(15);
    expect(s.due(14)).toBe(0);
  });

  it('loops: each pass starts where the last frame of the one before was', () => {
    const s = new InjectSchedule(ts, { kind: 'original' }, 3);
    expect([4, 5, 6, 9, 10, 14].map((k) => s.due(k) / 1e6)).toEqual([100, 100, 110, 200, 200, 300]);
  });

  it('timestamps going backwards are zero gaps, never a wait back', () => {
    const s = new InjectSchedule([ms(100), ms(50), ms(60), ms(200)], { kind: 'original' }, 1);
    expect([0, 1, 2, 3].map((k) => s.due(k) / 1e6)).toEqual([0, 0, 10, 150]);
  });

  it('batchEnd: the frames due by now, capped', () => {
    const s = new InjectSchedule(ts, { kind: 'original' }, 1);
    expect(s.batchEnd(0, 0)).toBe(1);
    expect(s.batchEnd(1, 10e6)).toBe(3);
    expect(s.batchEnd(1, 1e12)).toBe(5);
    expect(s.batchEnd(0, 1e12, 2)).toBe(2);
    expect(s.batchEnd(5, 1e12)).toBe(5);
  });

  it('an empty trace has nothing to send', async () => {
    const s = new InjectSchedule([], { kind: 'original' }, 5);
    expect(s.total).toBe(0);
    expect(await batches(0, s)).toMatchObject({ calls: [], packets: 0 });
  });
});

describe('pace', () => {
  it('sends each frame when it is due; frames due together go in one call', async () => {
    const ts = [ms(0), ms(10), ms(10), ms(30), ms(100)];
    const r = await batches(5, new InjectSchedule(ts, { kind: 'original' }, 1));
    expect(r.calls).toEqual([
      [0, 1],
      [10, 2],
      [30, 1],
      [100, 1],
    ]);
    expect(r.seconds).toBeCloseTo(0.1, 9);
  });

  it('--pps 200 over 100 frames takes 0.495 s, one frame per call', async () => {
    const r = await batches(100, new InjectSchedule(new Array<bigint>(100).fill(0n), { kind: 'pps', rate: 200 }, 1));
    expect(r.calls.length).toBe(100);
    expect(r.calls.every(([, n]) => n === 1)).toBe(true);
    expect(r.calls[99]![0]).toBeCloseTo(495, 6);
    expect(r.packets).toBe(100);
  });

  it('at a rate faster than the clock wakes, what fell due meanwhile is one batch', async () => {
    // 1 Mpps, but every call (and so every wake-up) costs 1 ms: ~1000 frames a call.
    const r = await batches(5000, new InjectSchedule(new Array<bigint>(5000).fill(0n), { kind: 'pps', rate: 1e6 }, 1), 1e6);
    expect(r.packets).toBe(5000);
    expect(r.calls.length).toBeLessThan(10);
    expect(r.calls.reduce((a, [, n]) => a + n, 0)).toBe(5000);
    // Due times are measured from the start: 5000 frames at 1 Mpps end at ~5 ms, not later.
    expect(r.seconds).toBeLessThan(0.0075);
  });

  it('topspeed: back-to-back batches of at most MAX_BATCH, no sleep', async () => {
    const n = MAX_BATCH * 2 + 5;
    const clock = fakeClock();
    const sizes: number[] = [];
    await pace(frames(n), new InjectSchedule(new Array<bigint>(n).fill(0n), { kind: 'topspeed' }, 1), async (b) => void sizes.push(b.length), clock);
    expect(sizes).toEqual([MAX_BATCH, MAX_BATCH, 5]);
    expect(clock.sleeps).toEqual([]);
  });

  it('--loop: the frames of every pass, in order', async () => {
    const seen: number[] = [];
    const r = await pace(
      frames(3),
      new InjectSchedule([ms(0), ms(1), ms(2)], { kind: 'topspeed' }, 4),
      async (b) => void seen.push(...b.map((f) => f[0]!)),
      fakeClock(),
    );
    expect(seen).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(r).toMatchObject({ packets: 12, passes: 4, bytes: 12 * 60 });
  });

  it('an abort stops between batches and says how far it got', async () => {
    const abort = new AbortController();
    let calls = 0;
    const r = await pace(
      frames(10),
      new InjectSchedule(new Array<bigint>(10).fill(0n), { kind: 'pps', rate: 100 }, 1),
      async () => {
        if (++calls === 4) abort.abort();
      },
      fakeClock(),
      abort.signal,
    );
    expect(r.packets).toBe(4);
  });
});

describe('parseInjectArgs', () => {
  const base = { bridge: 'br0', port: 'p1', file: '/tmp/x.pcap' };
  const refused = (args: Record<string, unknown>, message: RegExp, argument: string): void => {
    let err: unknown;
    try {
      parseInjectArgs(args);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NodeswitchError);
    expect((err as NodeswitchError).message).toMatch(message);
    expect((err as NodeswitchError).argument).toBe(argument);
  };

  it('modes and loop', () => {
    expect(parseInjectArgs(base)).toEqual({ ...base, mode: { kind: 'original' }, loop: 1 });
    expect(parseInjectArgs({ ...base, pps: 200, loop: 3 })).toMatchObject({ mode: { kind: 'pps', rate: 200 }, loop: 3 });
    expect(parseInjectArgs({ ...base, multiplier: '2.5' })).toMatchObject({ mode: { kind: 'multiplier', factor: 2.5 } });
    expect(parseInjectArgs({ ...base, topspeed: true })).toMatchObject({ mode: { kind: 'topspeed' } });
  });

  it('refuses conflicting modes, bad numbers, a relative path', () => {
    refused({ ...base, pps: 10, multiplier: 2 }, /--pps and --multiplier cannot be used together/, 'multiplier');
    refused({ ...base, pps: 10, topspeed: true }, /--pps and --topspeed/, 'topspeed');
    refused({ ...base, pps: 0 }, /pps must be a number greater than 0/, 'pps');
    refused({ ...base, pps: -5 }, /pps must be/, 'pps');
    refused({ ...base, multiplier: 'fast' }, /multiplier must be/, 'multiplier');
    refused({ ...base, loop: 0 }, /loop must be an integer from 1/, 'loop');
    refused({ ...base, loop: 1.5 }, /loop must be an integer/, 'loop');
    refused({ ...base, file: 'x.pcap' }, /absolute path/, 'file');
    refused({ bridge: 'br0', port: 'p1' }, /missing argument file/, 'file');
  });

  it('usableRecords leaves out records the capture cut short', () => {
    const rec = (caplen: number, len: number, t: number) => ({ caplen, len, tsNs: BigInt(t), data: Buffer.alloc(caplen) });
    expect(usableRecords([rec(60, 60, 1), rec(60, 1500, 2), rec(64, 64, 3)])).toMatchObject({ tsNs: [1n, 3n], skipped: 1 });
  });
});
