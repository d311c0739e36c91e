// An active controller (set-controller tcp:IP:PORT or unix:PATH): the switch connects
// to it and keeps reconnecting, as Open vSwitch's rconn does. A failed attempt, or a
// connection that ends, waits before the next: 1 s, doubling to at most 8 s; a
// connection that gets through HELLO resets the wait to 1 s. An attempt that neither
// connects nor fails is given up after as long as the current wait (at least 1 s), as
// rconn's CONNECTING state.
import { connect, type Socket } from 'node:net';
import type { OfConnection } from './connection.js';
import type { ActiveTarget } from './targets.js';

export const MIN_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 8000;

export type ControllerState = 'connecting' | 'connected' | 'backoff' | 'stopped';

export interface ControllerStatus {
  target: string;
  state: ControllerState;
  /** backoff: seconds until the next attempt (rounded up). */
  backoffSec?: number;
  /** connected: the role the controller holds. */
  role?: string;
  /** Why the last attempt or connection ended. */
  lastError?: string;
  packetIns: number;
  /** Packet-ins the rate limit refused (all connections to this target so far). */
  packetInsLimited: number;
}

export class ActiveController {
  private state: ControllerState = 'stopped';
  private backoffMs = MIN_BACKOFF_MS;
  private timer: NodeJS.Timeout | undefined;
  private retryAt = 0;
  private socket: Socket | undefined;
  private conn: OfConnection | undefined;
  private lastError: string | undefined;
  private pastPacketIns = 0;
  private pastLimited = 0;
  /** performance.now() when a connection last was open, or when the controller was made. */
  lastConnected = performance.now();

  constructor(
    readonly target: ActiveTarget,
    readonly text: string,
    /** Wraps a connected socket in an OfConnection (the hub's). */
    private readonly attach: (socket: Socket) => OfConnection,
    private readonly log: (line: string) => void,
    /** Told whenever connected-ness changes. */
    private readonly onChange: () => void,
  ) {}

  get connected(): boolean {
    return this.state === 'connected';
  }

  get connection(): OfConnection | undefined {
    return this.state === 'connected' ? this.conn : undefined;
  }

  start(): void {
    if (this.state !== 'stopped') return;
    this.attempt();
  }

  stop(): void {
    this.state = 'stopped';
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.conn?.close('controller removed');
    this.socket?.destroy();
    this.conn = undefined;
    this.socket = undefined;
  }

  /** Drops the connection now and reconnects (the datapath id changed: OVS reconnects too). */
  reconnect(why: string): void {
    if (this.state === 'stopped') return;
    if (this.conn) this.conn.close(why);
    else if (this.state === 'backoff') {
      if (this.timer) clearTimeout(this.timer);
      this.attempt();
    }
  }

  status(): ControllerStatus {
    const c = this.conn;
    return {
      target: this.text,
      state: this.state,
      ...(this.state === 'backoff' && { backoffSec: Math.max(0, Math.ceil((this.retryAt - performance.now()) / 1000)) }),
      ...(this.state === 'connected' && c && { role: c.session.role }),
      ...(this.lastError !== undefined && this.state !== 'connected' && { lastError: this.lastError }),
      packetIns: this.pastPacketIns + (c?.counters.packetIns ?? 0),
      packetInsLimited: this.pastLimited + (c?.counters.packetInsLimited ?? 0),
    };
  }

  private attempt(): void {
    this.state = 'connecting';
    this.timer = undefined;
    const socket = this.target.kind === 'tcp' ? connect({ host: this.target.host, port: this.target.port }) : connect(this.target.path);
    this.socket = socket;
    const giveUp = setTimeout(() => socket.destroy(new Error('connection timed out')), Math.max(MIN_BACKOFF_MS, this.backoffMs));
    giveUp.unref();
    const failed = (err: Error): void => {
      clearTimeout(giveUp);
      if (this.socket !== socket || this.state === 'stopped') return;
      this.socket = undefined;
      this.retry(err.message);
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      clearTimeout(giveUp);
      socket.off('error', failed);
      if (this.socket !== socket || this.state === 'stopped') {
        socket.destroy();
        return;
      }
      const conn = this.attach(socket);
      this.conn = conn;
      conn.once('open', () => {
        if (this.conn !== conn) return;
        this.state = 'connected';
        this.backoffMs = MIN_BACKOFF_MS;
        this.lastConnected = performance.now();
        this.lastError = undefined;
        this.log(`${this.text}: connected`);
        this.onChange();
      });
      conn.once('close', (reason: string, wasOpen: boolean) => {
        if (this.conn !== conn) return;
        this.pastPacketIns += conn.counters.packetIns;
        this.pastLimited += conn.counters.packetInsLimited;
        this.conn = undefined;
        this.socket = undefined;
        if (wasOpen) {
          this.lastConnected = performance.now();
          this.log(`${this.text}: disconnected: ${reason}`);
        }
        if (this.state === 'stopped') return;
        this.retry(reason);
        if (wasOpen) this.onChange();
      });
    });
  }

  private retry(why: string): void {
    if (this.state === 'stopped') return;
    if (this.lastError !== why) this.log(`${this.text}: ${why}; retrying in ${this.backoffMs / 1000} s`);
    this.lastError = why;
    this.state = 'backoff';
    this.retryAt = performance.now() + this.backoffMs;
    this.timer = setTimeout(() => this.attempt(), this.backoffMs);
    this.timer.unref();
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
  }
}
