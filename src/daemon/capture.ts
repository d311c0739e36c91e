// nodeswitch capture: the daemon's side of live captures (what ovs-tcpdump does).
//
// The management socket answers one request with one response, so a capture that
// runs until a count is reached or the user presses Ctrl-C is three verbs:
//   capture {bridge, port, file, direction?, count?, lease?}  starts it, answers at once {id, …}
//   capture-status {bridge, port, id?, wait?}                 long poll: answers when the capture
//                                                             ends or after `wait` seconds
//   capture-stop {bridge, port, id?}                          stops it: {id, packets, reason}
// The CLI polls capture-status with a wait of a few seconds, so it learns at once
// when a counted capture ended and notices a daemon that went away; Ctrl-C sends
// capture-stop. The file is written by the datapath (the daemon's process).
//
// A capture is a job (jobs.ts): it belongs to the connection that started it and
// ends when that client goes (the CLI keeps one connection for start, polls and
// stop). A capture started with a lease also ends when no capture-status or
// capture-stop names it for `lease` seconds: a client that is alive but stuck (SIGSTOP)
// does not keep it running for ever. The last capture of each port stays known after
// it ended, so a stop that races the count being reached still gets the count.
import { NodeswitchError } from '../errors.js';
import { unwritableFile } from '../validate.js';
import { withoutPath } from './inject.js';
import type { Args } from './protocol.js';
import { optionalNumber, optionalString, requireString } from './protocol.js';
import type { Jobs } from './jobs.js';
import type { Client } from './server.js';
import type { BridgeApi, CaptureDirection, CaptureDoneEvent, Log } from './switch-api.js';

export const MAX_WAIT_SECONDS = 60;
export const MAX_LEASE_SECONDS = 3600;
const SWEEP_MS = 1000;
/** How long a stop waits for the captureDone event of a capture that ended on its own meanwhile. */
const RACE_MS = 2000;

export interface CaptureRequest {
  bridge: string;
  port: string;
  file: string;
  direction: CaptureDirection;
  /** 0: until stopped. */
  count: number;
  /** Seconds; 0: no lease. */
  lease: number;
}

export interface CaptureInfo {
  id: number;
  bridge: string;
  port: string;
  ofport: number;
  file: string;
  direction: CaptureDirection;
  count: number;
}

export interface CaptureState extends CaptureInfo {
  running: boolean;
  /** Frames written, once it ended. */
  packets?: number;
  /** Why it ended: count reached, stopped, port deleted, bridge deleted, lease expired, or a write error. */
  reason?: string;
}

interface Session extends CaptureInfo {
  live: Required<Pick<BridgeApi, 'startCapture' | 'stopCapture'>> & BridgeApi;
  lease: number;
  lastSeen: number;
  result?: { packets: number; reason: string };
  waiters: Set<() => void>;
}

export function parseCaptureArgs(args: Args): CaptureRequest {
  const bridge = requireString(args, 'bridge');
  const port = requireString(args, 'port');
  const file = requireString(args, 'file');
  if (!file.startsWith('/')) {
    throw new NodeswitchError(`file must be an absolute path (the daemon does not share your working directory), got "${file}"`, 'file');
  }
  const direction = optionalString(args, 'direction') ?? 'both';
  if (direction !== 'in' && direction !== 'out' && direction !== 'both') {
    throw new NodeswitchError(`direction must be in, out or both, got "${direction}"`, 'direction');
  }
  const count = optionalNumber(args, 'count') ?? 0;
  if (count < 0 || !Number.isSafeInteger(count)) throw new NodeswitchError(`count must be a positive integer, got ${count}`, 'count');
  const lease = optionalNumber(args, 'lease') ?? 0;
  if (lease < 0 || lease > MAX_LEASE_SECONDS) {
    throw new NodeswitchError(`lease must be an integer from 0 to ${MAX_LEASE_SECONDS} seconds, got ${lease}`, 'lease');
  }
  return { bridge, port, file, direction, count, lease };
}

const key = (bridge: string, port: string): string => `${bridge}\0${port}`;

export class Captures {
  /** The last capture of each port, running or ended. */
  private readonly sessions = new Map<string, Session>();
  private readonly watched = new WeakSet<object>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Log,
    /** The bridge object now running under this name, if any (a deleted bridge ends its captures). */
    private readonly liveBridge: (name: string) => BridgeApi | undefined,
    private readonly jobs: Jobs,
  ) {}

  /** The running capture of a port, if any. */
  running(bridge: string, port: string): CaptureInfo | undefined {
    const s = this.sessions.get(key(bridge, port));
    return s && !s.result ? s : undefined;
  }

  async start(req: CaptureRequest, bridge: BridgeApi, ofport: number, client?: Client): Promise<CaptureInfo> {
    if (!bridge.startCapture || !bridge.stopCapture) throw new NodeswitchError('this switch cannot capture', 'port');
    const live = bridge as Session['live'];
    if (this.running(req.bridge, req.port)) {
      throw new NodeswitchError(`port ${req.port} on bridge ${req.bridge} is already being captured (stop that capture first)`, 'port');
    }
    const problem = unwritableFile(req.file);
    if (problem !== undefined) throw new NodeswitchError(`cannot capture port ${req.port} to ${req.file}: ${problem}`, 'file');
    this.watch(bridge);
    try {
      await live.startCapture(req.port, req.file, { direction: req.direction, ...(req.count > 0 && { count: req.count }) });
    } catch (err) {
      if (err instanceof NodeswitchError) throw err;
      throw new NodeswitchError(`cannot capture port ${req.port} to ${req.file}: ${withoutPath((err as Error).message, req.file)}`, 'file');
    }
    const s: Session = {
      id: this.jobs.reserveId(),
      bridge: req.bridge,
      port: req.port,
      ofport,
      file: req.file,
      direction: req.direction,
      count: req.count,
      live,
      lease: req.lease,
      lastSeen: Date.now(),
      waiters: new Set(),
    };
    this.sessions.set(key(req.bridge, req.port), s);
    this.jobs.add(
      { id: s.id, kind: 'capture', bridge: s.bridge, port: s.port, ofport, file: s.file },
      (why) => this.stop(s.bridge, s.port, s.id, why),
      client,
    );
    this.startSweeper();
    this.log(
      `bridge ${req.bridge}: capture ${s.id} of port ${req.port} (${req.direction}${req.count ? `, ${req.count} frames` : ''}) to ${req.file}`,
    );
    return info(s);
  }

  /** Stops the port's capture (the one with `id`, when given); an ended one answers with its result. */
  async stop(bridge: string, port: string, id?: number, why = 'stopped'): Promise<CaptureState> {
    const s = this.session(bridge, port, id);
    s.lastSeen = Date.now();
    if (!s.result) {
      let packets: number | undefined;
      let error: Error | undefined;
      try {
        packets = await s.live.stopCapture(port);
      } catch (err) {
        error = err as Error;
      }
      if (s.result) {
        // Ended on its own meanwhile (count reached, port deleted): that result stands.
      } else if (packets !== undefined) {
        this.finish(s, packets, why);
      } else {
        // The datapath may have ended it just before (its event is on the way), or
        // closing the file failed (the capture is over either way).
        await this.waitFor(s, RACE_MS);
        if (!s.result) {
          this.finish(s, 0, error!.message);
          throw new NodeswitchError(`capture of port ${port}: ${error!.message}`, 'port');
        }
      }
    }
    return state(s);
  }

  /** The capture's state; with `waitSeconds`, answers when it ends or when the wait is over. */
  async status(bridge: string, port: string, id: number | undefined, waitSeconds: number): Promise<CaptureState> {
    if (waitSeconds < 0 || waitSeconds > MAX_WAIT_SECONDS) {
      throw new NodeswitchError(`wait must be an integer from 0 to ${MAX_WAIT_SECONDS} seconds, got ${waitSeconds}`, 'wait');
    }
    const s = this.session(bridge, port, id);
    s.lastSeen = Date.now();
    if (!s.result && waitSeconds > 0) await this.waitFor(s, waitSeconds * 1000);
    s.lastSeen = Date.now();
    return state(s);
  }

  private session(bridge: string, port: string, id: number | undefined): Session {
    const s = this.sessions.get(key(bridge, port));
    if (!s || (id !== undefined && s.id !== id)) {
      throw new NodeswitchError(
        id === undefined ? `port ${port} on bridge ${bridge} is not being captured` : `no capture ${id} of port ${port} on bridge ${bridge}`,
        id === undefined ? 'port' : 'id',
      );
    }
    return s;
  }

  private waitFor(s: Session, ms: number): Promise<void> {
    if (s.result) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        s.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      s.waiters.add(done);
    });
  }

  private finish(s: Session, packets: number, reason: string): void {
    if (s.result) return;
    s.result = { packets, reason };
    this.jobs.done(s.id);
    this.log(`bridge ${s.bridge}: capture ${s.id} of port ${s.port} ended (${reason}): ${packets} frames in ${s.file}`);
    for (const w of [...s.waiters]) w();
    if (![...this.sessions.values()].some((x) => !x.result)) this.stopSweeper();
  }

  /** Counted captures end in the datapath; its captureDone event says so. */
  private watch(bridge: BridgeApi): void {
    if (this.watched.has(bridge)) return;
    this.watched.add(bridge);
    bridge.on('captureDone', (e: CaptureDoneEvent) => {
      for (const s of this.sessions.values()) {
        if (s.live === bridge && s.ofport === e.ofport && !s.result) this.finish(s, e.packets, e.reason || 'count reached');
      }
    });
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Ends captures of deleted bridges and captures whose lease ran out. */
  private sweep(): void {
    const now = Date.now();
    for (const s of this.sessions.values()) {
      if (s.result) continue;
      if (this.liveBridge(s.bridge) !== s.live) {
        this.finish(s, 0, 'bridge deleted');
      } else if (s.lease > 0 && now - s.lastSeen > s.lease * 1000) {
        s.lastSeen = now; // one stop attempt per lease period
        this.log(`bridge ${s.bridge}: capture ${s.id} of port ${s.port}: no client asked for ${s.lease} s, stopping it`);
        this.stop(s.bridge, s.port, s.id, `lease expired: no client asked for ${s.lease} s`).catch(() => undefined);
      }
    }
  }
}

function info(s: Session): CaptureInfo {
  return { id: s.id, bridge: s.bridge, port: s.port, ofport: s.ofport, file: s.file, direction: s.direction, count: s.count };
}

function state(s: Session): CaptureState {
  return { ...info(s), running: !s.result, ...(s.result && { packets: s.result.packets, reason: s.result.reason }) };
}
