// The daemon's capture sessions (src/daemon/capture.ts) over a fake bridge: start /
// status (long poll) / stop, a counted capture ending through captureDone, a stop
// racing the count, a busy port, a deleted bridge, an expired lease, argument checks.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Captures, parseCaptureArgs } from '../../src/daemon/capture.js';
import { Jobs } from '../../src/daemon/jobs.js';
import type { BridgeApi } from '../../src/daemon/switch-api.js';
import { NodeswitchError } from '../../src/errors.js';

class FakeCaptureBridge extends EventEmitter {
  readonly running = new Map<string, { file: string; count: number; written: number }>();
  /** When set, the datapath ended the capture already (count reached) and its event is on the way. */
  endedInDatapath = false;
  async startCapture(port: string, file: string, opts: { direction?: string; count?: number }): Promise<void> {
    if (file.includes('/nodir/')) throw new Error(`${file}: No such file or directory`);
    this.running.set(port, { file, count: opts.count ?? 0, written: 0 });
  }
  async stopCapture(port: string): Promise<number> {
    const c = this.running.get(port);
    if (!c || this.endedInDatapath) throw new Error(`port ${port} is not being captured`);
    this.running.delete(port);
    return c.written;
  }
  /** The datapath wrote `n` frames; a counted capture that reached its count ends. */
  frames(port: string, ofport: number, n: number): void {
    const c = this.running.get(port)!;
    c.written += n;
    if (c.count && c.written >= c.count) {
      this.running.delete(port);
      this.emit('captureDone', { port, ofport, packets: c.count, reason: '' });
    }
  }
}

const req = (over: Partial<ReturnType<typeof parseCaptureArgs>> = {}) => ({
  bridge: 'br0',
  port: 'p1',
  file: '/tmp/p1.pcap',
  direction: 'both' as const,
  count: 0,
  lease: 0,
  ...over,
});

function setup() {
  const b = new FakeCaptureBridge();
  const logs: string[] = [];
  let live: FakeCaptureBridge | undefined = b;
  const jobs = new Jobs();
  const caps = new Captures(
    (l) => logs.push(l),
    () => live as unknown as BridgeApi,
    jobs,
  );
  return { b, caps, jobs, logs, api: b as unknown as BridgeApi, deleteBridge: () => (live = undefined) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Captures', () => {
  it('start, status, stop: the frames written and why it ended', async () => {
    const { b, caps, api } = setup();
    const info = await caps.start(req(), api, 1);
    expect(info).toMatchObject({ id: 1, port: 'p1', ofport: 1, file: '/tmp/p1.pcap', direction: 'both', count: 0 });
    expect(await caps.status('br0', 'p1', info.id, 0)).toMatchObject({ running: true });
    b.frames('p1', 1, 7);
    expect(await caps.stop('br0', 'p1', info.id)).toMatchObject({ running: false, packets: 7, reason: 'stopped' });
    // Asked again, the same answer (a stop racing another).
    expect(await caps.stop('br0', 'p1', info.id)).toMatchObject({ packets: 7, reason: 'stopped' });
    expect(caps.running('br0', 'p1')).toBeUndefined();
  });

  it('a long poll answers as soon as a counted capture reaches its count', async () => {
    const { b, caps, api } = setup();
    const { id } = await caps.start(req({ count: 5 }), api, 3);
    const t0 = Date.now();
    const poll = caps.status('br0', 'p1', id, 30);
    setTimeout(() => b.frames('p1', 3, 5), 50);
    expect(await poll).toMatchObject({ running: false, packets: 5, reason: 'count reached' });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a long poll with nothing happening answers after its wait, still running', async () => {
    vi.useFakeTimers();
    const { caps, api } = setup();
    const { id } = await caps.start(req(), api, 1);
    const poll = caps.status('br0', 'p1', id, 5);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await poll).toMatchObject({ running: true });
  });

  it('a stop that races the count gets the count', async () => {
    const { b, caps, api } = setup();
    const { id } = await caps.start(req({ count: 4 }), api, 1);
    b.endedInDatapath = true; // stopCapture now fails: the datapath ended it, its event not here yet
    const stop = caps.stop('br0', 'p1', id);
    setTimeout(() => b.emit('captureDone', { port: 'p1', ofport: 1, packets: 4, reason: '' }), 20);
    expect(await stop).toMatchObject({ packets: 4, reason: 'count reached' });
  });

  it('refuses a busy port, an unknown capture, a bad path; the port deleted ends it', async () => {
    const { b, caps, api } = setup();
    const { id } = await caps.start(req(), api, 1);
    await expect(caps.start(req({ file: '/tmp/other.pcap' }), api, 1)).rejects.toThrow(/port p1 on bridge br0 is already being captured/);
    await expect(caps.status('br0', 'p2', undefined, 0)).rejects.toThrow(/port p2 on bridge br0 is not being captured/);
    await expect(caps.status('br0', 'p1', id + 1, 0)).rejects.toThrow(/no capture 2 of port p1/);
    await expect(caps.status('br0', 'p1', id, 61)).rejects.toThrow(/wait must be an integer from 0 to 60/);
    const err = await caps.start(req({ port: 'p2', file: '/nodir/x.pcap' }), api, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeswitchError);
    expect((err as NodeswitchError).message).toBe('cannot capture port p2 to /nodir/x.pcap: no such directory /nodir');
    b.emit('captureDone', { port: undefined, ofport: 1, packets: 2, reason: 'port deleted' });
    expect(await caps.status('br0', 'p1', id, 0)).toMatchObject({ running: false, packets: 2, reason: 'port deleted' });
  });

  it('a deleted bridge ends its captures; so does a lease nobody renews', async () => {
    vi.useFakeTimers();
    const a = setup();
    const { id } = await a.caps.start(req(), a.api, 1);
    a.deleteBridge();
    await vi.advanceTimersByTimeAsync(1500);
    expect(await a.caps.status('br0', 'p1', id, 0)).toMatchObject({ running: false, reason: 'bridge deleted' });

    const b = setup();
    const s = await b.caps.start(req({ lease: 3 }), b.api, 1);
    b.b.frames('p1', 1, 9);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await b.caps.status('br0', 'p1', s.id, 0)).toMatchObject({ running: true }); // renews the lease
    await vi.advanceTimersByTimeAsync(2500);
    expect(b.caps.running('br0', 'p1')).toBeDefined();
    await vi.advanceTimersByTimeAsync(2000);
    expect(await b.caps.status('br0', 'p1', s.id, 0)).toMatchObject({ running: false, packets: 9, reason: expect.stringMatching(/^lease expired/) });
    expect(b.b.running.size).toBe(0);
    expect(b.logs.some((l) => /no client asked for 3 s, stopping it/.test(l))).toBe(true);
  });
});

describe('parseCaptureArgs', () => {
  it('defaults and refusals', () => {
    expect(parseCaptureArgs({ bridge: 'br0', port: 'p1', file: '/x.pcap' })).toEqual(req({ file: '/x.pcap' }));
    expect(parseCaptureArgs({ bridge: 'br0', port: 'p1', file: '/x.pcap', direction: 'in', count: '10', lease: 30 })).toMatchObject({
      direction: 'in',
      count: 10,
      lease: 30,
    });
    expect(() => parseCaptureArgs({ bridge: 'br0', port: 'p1', file: 'x.pcap' })).toThrow(/absolute path/);
    expect(() => parseCaptureArgs({ bridge: 'br0', port: 'p1', file: '/x', direction: 'up' })).toThrow(/direction must be in, out or both/);
    expect(() => parseCaptureArgs({ bridge: 'br0', port: 'p1', file: '/x', count: -1 })).toThrow(/count must be/);
    expect(() => parseCaptureArgs({ bridge: 'br0', port: 'p1', file: '/x', lease: 99999 })).toThrow(/lease must be/);
  });
});
