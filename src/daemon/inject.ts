// nodeswitch inject: a pcap/pcapng trace fed into a running bridge as if it arrived
// on a port, paced like tcpreplay.
//
// The daemon does the pacing, from a file path it reads itself: one request
//   inject {bridge, port, file, pps? | multiplier? | topspeed?, loop?}
// answers when the last frame went in, with a summary {packets, bytes, seconds, pps}.
// The whole trace is read into memory first (the native reader validates the whole
// file, so a corrupt trace is refused with its byte offset before one frame is sent);
// inject is for test traces and captures, not for multi-gigabyte files.
//
// Timing: every frame has a due time (ns from the start), computed from its place in
// the trace and the mode; the loop injects everything due by "now" in one
// Bridge.ingest call (at most MAX_BATCH frames), then sleeps until the next frame is
// due. Due times are measured from the start, never from the last wake-up, so timer
// slop does not accumulate: at high rates frames simply come in bigger batches.
//   original (default)  the trace's own gaps (timestamps going backwards count as 0)
//   multiplier X        the gaps divided by X
//   pps N               frame k is due at k/N seconds
//   topspeed            everything is due at once: batches back to back
// With --loop N the trace is sent N times; each pass starts right after the previous
// one's last frame (as tcpreplay does).
import { NodeswitchError } from '../errors.js';
import { INJECT_LOOP, MAX_INJECT_RATE } from '../limits.js';
import { checkInteger, unreadableFile } from '../validate.js';
import { type Args, optionalBoolean, requireString } from './protocol.js';

/** Frames per ingest call at most: bounds the copy and the time one call holds the datapath. */
export const MAX_BATCH = 1024;

export type InjectMode =
  | { kind: 'original' }
  | { kind: 'multiplier'; factor: number }
  | { kind: 'pps'; rate: number }
  | { kind: 'topspeed' };

export interface InjectRequest {
  bridge: string;
  port: string;
  file: string;
  mode: InjectMode;
  loop: number;
}

export interface InjectSummary {
  packets: number;
  bytes: number;
  /** Passes over the trace that were started. */
  passes: number;
  seconds: number;
  pps: number;
  /** Records the capture had cut short (caplen < len): not injected, as replay does. */
  skipped: number;
  /** inject-stop (or Ctrl-C on the CLI) ended it early. */
  stopped: boolean;
}

/** A positive finite decimal: JSON number or a string like "2.5". */
function optionalPositive(args: Args, key: string, max: number): number | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0 || n > max) {
    throw new NodeswitchError(`${key} must be a number greater than 0 and at most ${max}, got ${JSON.stringify(v)}`, key);
  }
  return n;
}

/** The inject verb's arguments, checked: one mode at most, an absolute file path. */
export function parseInjectArgs(args: Args): InjectRequest {
  const bridge = requireString(args, 'bridge');
  const port = requireString(args, 'port');
  const file = requireString(args, 'file');
  if (!file.startsWith('/')) {
    throw new NodeswitchError(`file must be an absolute path (the daemon does not share your working directory), got "${file}"`, 'file');
  }
  const pps = optionalPositive(args, 'pps', MAX_INJECT_RATE);
  const multiplier = optionalPositive(args, 'multiplier', MAX_INJECT_RATE);
  const topspeed = optionalBoolean(args, 'topspeed');
  const given = [pps !== undefined && '--pps', multiplier !== undefined && '--multiplier', topspeed && '--topspeed'].filter(
    (x): x is string => typeof x === 'string',
  );
  if (given.length > 1) {
    throw new NodeswitchError(`${given.join(' and ')} cannot be used together: choose one timing mode`, given[1]!.slice(2));
  }
  const loop = args.loop === undefined || args.loop === null ? 1 : checkInteger(args.loop, 'loop', INJECT_LOOP);
  const mode: InjectMode =
    pps !== undefined
      ? { kind: 'pps', rate: pps }
      : multiplier !== undefined
        ? { kind: 'multiplier', factor: multiplier }
        : topspeed
          ? { kind: 'topspeed' }
          : { kind: 'original' };
  return { bridge, port, file, mode, loop };
}

/**
 * When each frame is due, in ns from the start, over `passes` passes of a trace whose
 * records carry timestamps `tsNs`. Pure: the pacing loop and its unit test share it.
 */
export class InjectSchedule {
  /** Per pass: each record's offset from the pass's start, ns (original/multiplier). */
  private readonly offsets: Float64Array;
  private readonly passSpan: number;
  readonly total: number;

  constructor(
    tsNs: readonly bigint[],
    private readonly mode: InjectMode,
    readonly passes: number,
  ) {
    const n = tsNs.length;
    this.total = n * passes;
    this.offsets = new Float64Array(n);
    if (mode.kind === 'original' || mode.kind === 'multiplier') {
      const scale = mode.kind === 'multiplier' ? 1 / mode.factor : 1;
      let prev = 0;
      for (let i = 1; i < n; i++) {
        // A timestamp earlier than the previous one is a zero gap, never a wait back.
        const gap = Number(tsNs[i]! - tsNs[i - 1]!);
        prev += gap > 0 ? gap * scale : 0;
        this.offsets[i] = prev;
      }
    }
    this.passSpan = n > 0 ? this.offsets[n - 1]! : 0;
  }

  get frames(): number {
    return this.offsets.length;
  }

  /** Frame k (over all passes) is due this many ns after the start. */
  due(k: number): number {
    switch (this.mode.kind) {
      case 'topspeed':
        return 0;
      case 'pps':
        return (k * 1e9) / this.mode.rate;
      default: {
        const n = this.offsets.length;
        return Math.floor(k / n) * this.passSpan + this.offsets[k % n]!;
      }
    }
  }

  /** The end (exclusive) of the batch starting at `from`: frames due by `nowNs`, at most `max`. */
  batchEnd(from: number, nowNs: number, max = MAX_BATCH): number {
    let k = from;
    const limit = Math.min(this.total, from + max);
    while (k < limit && this.due(k) <= nowNs) k++;
    return k;
  }
}

export interface Clock {
  /** Monotonic ns. */
  now(): number;
  /** Resolves after `ns`, or at once when `signal` aborts. */
  sleep(ns: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Number(process.hrtime.bigint()),
  // setTimeout's resolution is a millisecond: wake at the first tick at or after the due
  // time; what became due meanwhile goes in the same batch.
  sleep: (ns, signal) =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, Math.ceil(ns / 1e6)));
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface PaceResult {
  packets: number;
  bytes: number;
  passes: number;
  seconds: number;
}

/**
 * Runs the schedule: `inject` gets every batch of frames that are due together.
 * An abort of `signal` ends the run early (between batches, or in a sleep).
 */
export async function pace(
  frames: readonly Buffer[],
  schedule: InjectSchedule,
  inject: (batch: Buffer[]) => Promise<void>,
  clock: Clock = realClock,
  signal?: AbortSignal,
): Promise<PaceResult> {
  const n = frames.length;
  const start = clock.now();
  let k = 0;
  let bytes = 0;
  while (k < schedule.total && !signal?.aborted) {
    const now = clock.now() - start;
    const due = schedule.due(k);
    if (due > now) {
      await clock.sleep(due - now, signal);
      continue;
    }
    const end = schedule.batchEnd(k, now);
    const batch: Buffer[] = [];
    for (let i = k; i < end; i++) {
      const f = frames[i % n]!;
      batch.push(f);
      bytes += f.length;
    }
    await inject(batch);
    k = end;
  }
  return {
    packets: k,
    bytes,
    passes: n === 0 ? 0 : Math.ceil(k / n),
    seconds: (clock.now() - start) / 1e9,
  };
}

export interface TraceRecord {
  caplen: number;
  len: number;
  tsNs: bigint;
  data: Buffer;
}

/** Reads a whole trace with the native reader (validated: errors say the byte offset). */
export async function readTrace(file: string): Promise<TraceRecord[]> {
  const problem = unreadableFile(file);
  if (problem !== undefined) throw new NodeswitchError(`cannot read the trace ${file}: ${problem}`, 'file');
  const { addon } = await import('../native.js');
  try {
    return addon.readPcap(file).records;
  } catch (err) {
    throw new NodeswitchError(`cannot read the trace ${file}: ${withoutPath((err as Error).message, file)}`, 'file');
  }
}

/** A native error without the "PATH: " it starts with, when the message names the path already. */
export function withoutPath(message: string, file: string): string {
  return message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
}

/** Frames and timestamps of a trace, without the records the capture cut short. */
export function usableRecords(records: readonly TraceRecord[]): { frames: Buffer[]; tsNs: bigint[]; skipped: number } {
  const frames: Buffer[] = [];
  const tsNs: bigint[] = [];
  for (const r of records) {
    if (r.caplen < r.len) continue;
    frames.push(r.data);
    tsNs.push(r.tsNs);
  }
  return { frames, tsNs, skipped: records.length - frames.length };
}

export function summarize(r: PaceResult, skipped: number, stopped: boolean): InjectSummary {
  const seconds = Math.round(r.seconds * 1e6) / 1e6;
  return {
    packets: r.packets,
    bytes: r.bytes,
    passes: r.passes,
    seconds,
    pps: r.seconds > 0 ? Math.round((r.packets / r.seconds) * 10) / 10 : 0,
    skipped,
    stopped,
  };
}
