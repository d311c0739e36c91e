// One OpenFlow 1.3 connection, whichever side opened it: a controller we connected
// to, a client of a listener, or a client of the bridge's BR.mgmt socket.
//
// Lifecycle. Both sides send HELLO at once; the peer's must come first, and the
// version is negotiated from its bitmap (or, without one, its header version): 1.3
// or nothing — otherwise OFPET_HELLO_FAILED/OFPHFC_INCOMPATIBLE with a text saying
// why, and the connection closes. Then the connection is open until either side
// closes it, the peer goes quiet (inactivity probe: after `probeIntervalMs` without
// a message we send ECHO_REQUEST, and drop the connection after as long again with
// still nothing), or it stops reading (below).
//
// Requests. Messages are handled one at a time, in order: HELLO (again: ignored),
// ECHO, ERROR (logged), ROLE_REQUEST and GET/SET_ASYNC here; a slave's state-changing
// request is refused with OFPBRC_IS_SLAVE; everything else goes to the agent, whose
// replies are written before the next request is looked at — so a BARRIER_REPLY
// follows the replies of every request before it. A message that does not decode is
// answered with the error the codec names and the connection goes on; a header whose
// length is below 8 cannot be followed: OFPBRC_BAD_LEN, then close (framing.ts).
//
// Back-pressure. Nothing here waits on the peer except its own requests. Replies are
// paced: while more than half the send bound is queued, the next reply waits for the
// socket to drain (a big multipart dump to a slow reader holds up only that
// connection's requests). Asynchronous messages are never waited for: one that finds
// more than `maxQueueBytes` queued drops the connection — a peer that stops reading
// is cut off instead of growing memory or stalling the bridge or anyone else. While
// requests wait to be handled, the socket stops being read past a bound (the TCP
// window then slows the peer down).
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import {
  type AsyncConfig,
  decodeMessage,
  encodeMessage,
  errorFor,
  OFP_VERSION_1_3,
  OfDecodeError,
  OFPBRC,
  OFPHFC,
  OFPRRFC,
  type OfMessage,
  type PacketInReason,
} from '../wire/index.js';
import { MessageFramer } from './framing.js';
import { PacketInLimiter } from './rate-limit.js';
import { defaultAsyncConfig, type Role, type RoleArbiter } from './roles.js';

/** OpenFlow's OFP_DEFAULT_MISS_SEND_LEN. */
export const DEFAULT_MISS_SEND_LEN = 128;
/** Bytes queued towards one peer beyond which an asynchronous message drops it. */
export const DEFAULT_MAX_QUEUE_BYTES = 1 << 20;
/** Requests read but not yet handled (messages, bytes) beyond which the socket is not read. */
const MAX_INBOX = 256;
const MAX_INBOX_BYTES = 1 << 20;
/** A closing connection's last bytes get this long to leave. */
const LINGER_MS = 1000;

/** What the agent sees of a connection (seam 3's Session; this module owns it). */
export class ConnectionSession {
  role: Role = 'equal';
  missSendLen: number;
  async: AsyncConfig = defaultAsyncConfig();
  /** SET_CONFIG's flags (the agent's). */
  configFlags?: number;

  constructor(
    /** A BR.mgmt client: OVS's service connection — no asynchronous messages until it sets a miss_send_len. */
    readonly service: boolean,
  ) {
    this.missSendLen = service ? 0 : DEFAULT_MISS_SEND_LEN;
  }
}

/** The agent, as the connection calls it. */
export interface RequestHandler {
  /** `raw`: the request as received (its first bytes go into an error's data). */
  handle(msg: OfMessage, session: ConnectionSession, raw: Buffer): Promise<OfMessage[]>;
}

export interface ConnectionOptions {
  /** For logs: the target, or the listener and the peer's address. */
  label: string;
  service?: boolean;
  /** 0: no inactivity probe. */
  probeIntervalMs: number;
  rateLimit?: { rate: number; burst: number };
  maxQueueBytes?: number;
  log: (line: string) => void;
}

export type ConnectionState = 'hello' | 'open' | 'closed';

/** The requests a slave may not make (OVS's reject_slave_controller). */
const STATE_CHANGING = new Set<OfMessage['type']>(['flow_mod', 'group_mod', 'meter_mod', 'port_mod', 'table_mod', 'packet_out']);

export type AsyncKind = 'packet_in' | 'port_status' | 'flow_removed';
const PACKET_IN_BIT: Record<PacketInReason, number> = { no_match: 0, action: 1, invalid_ttl: 2 };

export class OfConnection extends EventEmitter {
  state: ConnectionState = 'hello';
  readonly session: ConnectionSession;
  /** Why it closed, once it has. */
  closeReason: string | undefined;
  readonly counters = { packetIns: 0, packetInsLimited: 0, asyncSent: 0, requests: 0 };
  private readonly framer = new MessageFramer();
  private readonly inbox: Buffer[] = [];
  private inboxBytes = 0;
  private pumping = false;
  private paused = false;
  private lastRx = performance.now();
  private probeSentAt: number | undefined;
  private readonly probeTimer: NodeJS.Timeout | undefined;
  private readonly limiter: PacketInLimiter | undefined;
  private readonly maxQueueBytes: number;
  private echoXid = 0x80000000;

  constructor(
    private readonly socket: Socket,
    private readonly handler: () => RequestHandler,
    private readonly roles: RoleArbiter,
    private readonly opts: ConnectionOptions,
  ) {
    super();
    this.session = new ConnectionSession(opts.service === true);
    this.maxQueueBytes = opts.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES;
    if (opts.rateLimit) this.limiter = new PacketInLimiter(opts.rateLimit.rate, opts.rateLimit.burst);
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.close(`socket error: ${err.message}`));
    socket.on('close', () => this.close(this.closeReason ?? 'closed by the peer'));
    socket.on('end', () => socket.end());
    if (opts.probeIntervalMs > 0) {
      this.probeTimer = setInterval(() => this.checkIdle(), Math.max(100, opts.probeIntervalMs / 4));
      this.probeTimer.unref();
    }
    this.write({ type: 'hello', xid: 0, version: OFP_VERSION_1_3, versions: [OFP_VERSION_1_3] });
  }

  get label(): string {
    return this.opts.label;
  }

  /** Packet-ins this connection's rate limit refused. */
  get limited(): number {
    return this.limiter?.dropped ?? 0;
  }

  /** Whether the connection takes an asynchronous message of this kind and reason (role, async config, service). */
  wants(kind: AsyncKind, reason: number): boolean {
    if (this.state !== 'open') return false;
    if (this.session.service && this.session.missSendLen === 0) return false;
    const slot = this.session.role === 'slave' ? 1 : 0;
    const a = this.session.async;
    const mask = kind === 'packet_in' ? a.packetInMask[slot] : kind === 'port_status' ? a.portStatusMask[slot] : a.flowRemovedMask[slot];
    return ((mask >>> reason) & 1) === 1;
  }

  /**
   * A packet-in, if this connection wants it and its rate limit lets it through; data
   * not cut by an action's max_len (invalid_ttl) is cut to miss_send_len here.
   */
  sendPacketIn(build: (missSendLen: number) => OfMessage, reason: PacketInReason): void {
    if (!this.wants('packet_in', PACKET_IN_BIT[reason])) return;
    if (this.limiter && !this.limiter.take()) {
      this.counters.packetInsLimited++;
      return;
    }
    this.counters.packetIns++;
    this.sendAsync(build(this.session.missSendLen));
  }

  /** An asynchronous message: never waited for; a peer with a full queue is dropped. */
  sendAsync(msg: OfMessage): void {
    if (this.state !== 'open') return;
    if (this.socket.writableLength > this.maxQueueBytes) {
      this.close(`the peer is not reading: over ${this.maxQueueBytes} bytes queued to it`);
      return;
    }
    this.counters.asyncSent++;
    this.write(msg);
  }

  /** Closes now (or after the last bytes with `linger`); emits 'close' once. */
  close(reason: string, linger = false): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.closeReason = reason;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.roles.forget(this.session);
    this.inbox.length = 0;
    this.inboxBytes = 0;
    if (linger && !this.socket.destroyed) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
    } else {
      this.socket.destroy();
    }
    this.emit('close', reason, wasOpen);
  }

  /**
   * Encodes and queues one message. One that cannot be encoded is our bug: logged, and
   * a reply is replaced by an OFPBRC_EPERM error for its request (`request`), so the
   * peer is not left waiting and the connection goes on.
   */
  private write(msg: OfMessage, request?: Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    let bytes: Buffer;
    try {
      bytes = encodeMessage(msg);
    } catch (err) {
      this.opts.log(`${this.label}: internal error: cannot encode ${msg.type}: ${(err as Error).message}`);
      if (request) this.write({ type: 'error', xid: msg.xid, errType: 'BAD_REQUEST', code: OFPBRC.EPERM, data: head(request) });
      return;
    }
    this.socket.write(bytes);
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.lastRx = performance.now();
    this.probeSentAt = undefined;
    const framed = this.framer.push(chunk, (m) => {
      this.inbox.push(m);
      this.inboxBytes += m.length;
    });
    if (!framed.ok) {
      // Requests before the bad header are still answered, then the error, then the end.
      this.inbox.push(framed.header);
    }
    if ((this.inbox.length > MAX_INBOX || this.inboxBytes > MAX_INBOX_BYTES) && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.inbox.length && this.state !== 'closed') {
        const buf = this.inbox.shift()!;
        this.inboxBytes -= buf.length;
        this.lastRx = performance.now(); // handling a request is activity: the probe waits for us, not the peer
        await this.take(buf);
        if (this.paused && this.inbox.length < MAX_INBOX / 2 && this.inboxBytes < MAX_INBOX_BYTES / 2) {
          this.paused = false;
          this.socket.resume();
        }
      }
    } catch (err) {
      this.opts.log(`${this.label}: internal error, closing: ${(err as Error).stack ?? String(err)}`);
      this.close(`internal error: ${(err as Error).message}`);
    } finally {
      this.pumping = false;
    }
  }

  private async take(buf: Buffer): Promise<void> {
    if (buf.length >= 4 && buf.readUInt16BE(2) < 8) {
      // The framer's stop: the header says fewer bytes than a header.
      this.write({ type: 'error', xid: buf.readUInt32BE(4), errType: 'BAD_REQUEST', code: OFPBRC.BAD_LEN, data: Buffer.from(buf) });
      this.opts.log(`${this.label}: message length ${buf.readUInt16BE(2)} is shorter than the header, closing`);
      this.close(`a message header with length ${buf.readUInt16BE(2)} (less than 8)`, true);
      return;
    }
    let msg: OfMessage;
    try {
      msg = decodeMessage(buf);
    } catch (err) {
      if (!(err instanceof OfDecodeError)) throw err;
      if (this.state === 'hello') {
        this.failHello(`the first message did not decode (${err.message})`, buf);
        return;
      }
      this.write(errorFor(err));
      return;
    }
    if (this.state === 'hello') {
      this.hello(msg, buf);
      return;
    }
    this.counters.requests++;
    switch (msg.type) {
      case 'hello':
        return;
      case 'echo_request':
        this.write({ type: 'echo_reply', xid: msg.xid, data: msg.data });
        return;
      case 'echo_reply':
        return;
      case 'error':
        this.opts.log(`${this.label}: the peer sent an error: ${String(msg.errType)} code ${msg.code}${msg.data.length ? ` (${msg.data.length} bytes of data)` : ''}`);
        return;
      case 'role_request': {
        const r = this.roles.request(this.session, msg.role, msg.generationId);
        if (r.ok) this.write({ type: 'role_reply', xid: msg.xid, role: r.role, generationId: r.generationId });
        else this.write({ type: 'error', xid: msg.xid, errType: 'ROLE_REQUEST_FAILED', code: OFPRRFC[r.code], data: head(buf) });
        return;
      }
      case 'get_async_request': {
        const a = this.session.async;
        this.write({ type: 'get_async_reply', xid: msg.xid, packetInMask: [...a.packetInMask], portStatusMask: [...a.portStatusMask], flowRemovedMask: [...a.flowRemovedMask] });
        return;
      }
      case 'set_async':
        this.session.async = { packetInMask: [...msg.packetInMask], portStatusMask: [...msg.portStatusMask], flowRemovedMask: [...msg.flowRemovedMask] };
        return;
      default:
        break;
    }
    if (this.session.role === 'slave' && STATE_CHANGING.has(msg.type)) {
      this.write({ type: 'error', xid: msg.xid, errType: 'BAD_REQUEST', code: OFPBRC.IS_SLAVE, data: head(buf) });
      return;
    }
    const replies = await this.handler().handle(msg, this.session, buf);
    for (const reply of replies) {
      await this.room();
      if (this.state === 'closed') return;
      this.write(reply, buf);
    }
  }

  /** Negotiates from the peer's HELLO: OpenFlow 1.3 or nothing. */
  private hello(msg: OfMessage, buf: Buffer): void {
    if (msg.type !== 'hello') {
      this.failHello(`expected HELLO first, got ${msg.type.toUpperCase()}`, buf);
      return;
    }
    const ok = msg.versions ? msg.versions.includes(OFP_VERSION_1_3) : msg.version >= OFP_VERSION_1_3;
    if (!ok) {
      const theirs = msg.versions ? msg.versions.map(versionName).join(', ') : versionName(msg.version);
      this.failHello(`we support ${versionName(OFP_VERSION_1_3)}, you support ${theirs}, no common versions`, buf);
      return;
    }
    this.state = 'open';
    this.emit('open');
  }

  private failHello(why: string, buf: Buffer): void {
    this.write({ type: 'error', xid: buf.length >= 8 ? buf.readUInt32BE(4) : 0, errType: 'HELLO_FAILED', code: OFPHFC.INCOMPATIBLE, data: Buffer.from(why, 'utf8') });
    this.opts.log(`${this.label}: version negotiation failed: ${why}`);
    this.close(`version negotiation failed: ${why}`, true);
  }

  /** Resolves when at most half the send bound is queued (or the connection closed). */
  private room(): Promise<void> {
    if (this.socket.writableLength <= this.maxQueueBytes / 2 || this.state === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.on('close', done);
    });
  }

  private checkIdle(): void {
    if (this.state === 'closed') return;
    const now = performance.now();
    const probe = this.opts.probeIntervalMs;
    if (this.probeSentAt !== undefined) {
      if (now - this.probeSentAt >= probe) this.close(`inactivity probe: no message for ${Math.round((now - this.lastRx) / 1000)} s`);
      return;
    }
    if (now - this.lastRx < probe) return;
    if (this.state === 'hello') {
      this.close('no HELLO from the peer');
      return;
    }
    this.probeSentAt = now;
    this.write({ type: 'echo_request', xid: this.echoXid++ >>> 0, data: Buffer.alloc(0) });
  }
}

function head(buf: Buffer): Buffer {
  return Buffer.from(buf.subarray(0, 64));
}

function versionName(v: number): string {
  const names: Record<number, string> = { 1: '1.0', 2: '1.1', 3: '1.2', 4: '1.3', 5: '1.4', 6: '1.5' };
  return `OpenFlow ${names[v] ?? `0x${v.toString(16).padStart(2, '0')}`}`;
}
