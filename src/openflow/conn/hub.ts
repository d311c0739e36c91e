// One bridge's OpenFlow side: its connections, where they come from, and what they
// are sent unasked.
//
//   active controllers (active.ts) ─┐
//   listeners: ptcp/punix, BR.mgmt ─┼─▶ OfConnection (connection.ts) ─▶ the agent (requests)
//                                    │        ▲
//   Bridge events ─▶ fan-out (here) ─┴────────┘  packet-in, flow-removed, port-status,
//                                                  by role and async config
//
// Fan-out encodes each asynchronous message per connection that wants it (role, async
// masks, a service connection only once it set a miss_send_len, the packet-in rate
// limit) and never waits: a connection whose send queue is full is dropped
// (connection.ts), so one peer that stops reading costs nobody else anything.
// Packet-ins carry the packet itself (buffer_id OFP_NO_BUFFER: the switch keeps no
// buffers, FEATURES says n_buffers 0), cut by the datapath to the controller action's
// max_len, or to the connection's miss_send_len for a packet-in no action asked for
// (invalid_ttl), as OpenFlow 1.3 says.
//
// Roles are the bridge's (roles.ts): one master among all its connections. Fail-open
// (fail-open.ts) is decided here from the active controllers' state.
import type { Socket } from 'node:net';
import type { Bridge } from '../../bridge.js';
import type { FlowRemoved } from '../../ofproto/flow-table.js';
import type { PacketInBatch } from '../../packet-in-batch.js';
import type { PortInfo } from '../../types.js';
import { OFP_NO_BUFFER, OFPPR, OFPRR, type OfMessage, type OfPort, type PortReason } from '../wire/index.js';
import { ActiveController, type ControllerStatus } from './active.js';
import { OfConnection, type RequestHandler } from './connection.js';
import { formatDatapathId } from './datapath-id.js';
import { FailOpen } from './fail-open.js';
import { type ListenerStatus, PassiveListener } from './listener.js';
import { RoleArbiter } from './roles.js';
import { DEFAULT_INACTIVITY_PROBE_MS, type FailMode, parseActiveTarget, parsePassiveTarget } from './targets.js';

/** OVS probes its BR.mgmt clients every 60 s (bridge.c). */
const MGMT_PROBE_MS = 60_000;

export interface HubConfig {
  controllers: string[];
  listeners: string[];
  failMode: FailMode;
  datapathId: bigint;
  inactivityProbeMs: number;
  rateLimit?: { rate: number; burst: number };
}

export interface HubOptions {
  /** BR.mgmt: a service listener every bridge has (none: no such socket). */
  mgmtPath?: string;
  log: (line: string) => void;
  /** The request handler for a datapath id (the agent: src/openflow/agent). */
  createAgent: (bridge: Bridge, datapathId: bigint) => RequestHandler;
  /** The ports as OpenFlow describes them (PORT_DESC's), for PORT_STATUS. */
  describePorts?: (bridge: Bridge) => Promise<OfPort[]>;
}

export interface HubStatus {
  datapathId: string;
  failMode: FailMode;
  /** standalone, with controllers, none connected for long enough: forwarding as a learning switch. */
  failOpen: boolean;
  controllers: ControllerStatus[];
  listeners: ListenerStatus[];
  /** The BR.mgmt socket's path. */
  mgmt?: string;
  /** Connections open now, of any origin. */
  connections: number;
}

const DEFAULT_CONFIG: HubConfig = { controllers: [], listeners: [], failMode: 'standalone', datapathId: 0n, inactivityProbeMs: DEFAULT_INACTIVITY_PROBE_MS };

export class OpenFlowHub {
  private config: HubConfig = { ...DEFAULT_CONFIG };
  private agent: RequestHandler;
  private readonly roles = new RoleArbiter();
  private readonly conns = new Set<OfConnection>();
  private readonly controllers = new Map<string, ActiveController>();
  private readonly listeners = new Map<string, PassiveListener>();
  private mgmt: PassiveListener | undefined;
  private readonly failOpen: FailOpen;
  private readonly failTimer: NodeJS.Timeout;
  private readonly portDescs = new Map<number, OfPort>();
  private portChain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(
    readonly bridge: Bridge,
    private readonly opts: HubOptions,
  ) {
    this.agent = opts.createAgent(bridge, 0n);
    this.failOpen = new FailOpen(bridge.flows, (l) => this.log(l));
    this.failTimer = setInterval(() => this.checkFailOpen(), 250);
    this.failTimer.unref();
    const onPacketIns = (b: PacketInBatch): void => this.fanOutPacketIns(b);
    const onFlowRemoved = (r: FlowRemoved): void => this.fanOutFlowRemoved(r);
    const onAdded = (p: PortInfo): void => this.portChanged(p.ofport, 'add');
    const onDeleted = (p: PortInfo): void => this.portChanged(p.ofport, 'delete');
    const onLink = (e: { ofport: number }): void => this.portChanged(e.ofport, 'modify');
    bridge.on('packetIns', onPacketIns);
    bridge.on('flowRemoved', onFlowRemoved);
    bridge.on('portAdded', onAdded);
    bridge.on('portDeleted', onDeleted);
    bridge.on('portUp', onLink);
    bridge.on('portDown', onLink);
    this.unsubscribe = () => {
      bridge.off('packetIns', onPacketIns);
      bridge.off('flowRemoved', onFlowRemoved);
      bridge.off('portAdded', onAdded);
      bridge.off('portDeleted', onDeleted);
      bridge.off('portUp', onLink);
      bridge.off('portDown', onLink);
    };
  }

  /** Opens BR.mgmt; then configure() sets the rest. */
  async start(): Promise<void> {
    void this.refreshPortDescs();
    if (!this.opts.mgmtPath) return;
    const mgmt = new PassiveListener({ kind: 'punix', path: this.opts.mgmtPath }, `punix:${this.opts.mgmtPath}`, (s, label) =>
      this.adopt(s, label, { service: true, probeIntervalMs: MGMT_PROBE_MS }),
    );
    await mgmt.listen();
    this.mgmt = mgmt;
  }

  /**
   * Applies a configuration: new listeners are opened first, and if one cannot listen
   * nothing changes (the ones just opened are closed again) and the error is thrown.
   * With `lenient` (restore at start) a listener that fails is kept, logged and shown.
   */
  async configure(next: HubConfig, opts: { lenient?: boolean } = {}): Promise<void> {
    const prev = this.config;
    const opened: PassiveListener[] = [];
    for (const text of next.listeners) {
      if (this.listeners.has(text)) continue;
      const l = new PassiveListener(parsePassiveTarget(text), text, (s, label) =>
        this.adopt(s, label, { probeIntervalMs: this.config.inactivityProbeMs, rateLimit: this.config.rateLimit }),
      );
      try {
        await l.listen();
      } catch (err) {
        if (!opts.lenient) {
          for (const o of opened) await o.close();
          throw err;
        }
        this.log(`warning: ${(err as Error).message} (kept in the config; set-listen again to retry)`);
      }
      opened.push(l);
    }
    for (const [text, l] of this.listeners) {
      if (!next.listeners.includes(text)) {
        await l.close();
        this.listeners.delete(text);
      }
    }
    for (const l of opened) this.listeners.set(l.text, l);
    this.config = { ...next, controllers: [...next.controllers], listeners: [...next.listeners] };

    const limitsChanged = prev.inactivityProbeMs !== next.inactivityProbeMs || prev.rateLimit?.rate !== next.rateLimit?.rate || prev.rateLimit?.burst !== next.rateLimit?.burst;
    for (const [text, c] of this.controllers) {
      if (!next.controllers.includes(text) || limitsChanged) {
        c.stop();
        this.controllers.delete(text);
      }
    }
    if (prev.datapathId !== next.datapathId) {
      this.agent = this.opts.createAgent(this.bridge, next.datapathId);
      // As OVS: there is no way to tell a controller its datapath id changed but to reconnect.
      if (prev.datapathId !== 0n) {
        for (const c of this.controllers.values()) c.reconnect('the datapath id changed');
        for (const conn of this.conns) if (conn.session.service === false) conn.close('the datapath id changed');
      }
    }
    for (const text of next.controllers) {
      if (this.controllers.has(text)) continue;
      const c = new ActiveController(
        parseActiveTarget(text),
        text,
        (s) => this.adopt(s, text, { probeIntervalMs: this.config.inactivityProbeMs, rateLimit: this.config.rateLimit }),
        (l) => this.log(l),
        () => this.checkFailOpen(),
      );
      this.controllers.set(text, c);
      c.start();
    }
    this.checkFailOpen();
  }

  status(): HubStatus {
    return {
      datapathId: formatDatapathId(this.config.datapathId),
      failMode: this.config.failMode,
      failOpen: this.failOpen.active,
      controllers: this.config.controllers.map((t) => this.controllers.get(t)!.status()),
      listeners: this.config.listeners.map((t) => this.listeners.get(t)?.status() ?? { target: t, connections: 0, error: 'not listening' }),
      ...(this.mgmt && { mgmt: this.opts.mgmtPath }),
      connections: [...this.conns].filter((c) => c.state === 'open').length,
    };
  }

  /** Everything closed: controllers, listeners, BR.mgmt (its file removed), the fail-open flow. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.failTimer);
    this.unsubscribe();
    for (const c of this.controllers.values()) c.stop();
    this.controllers.clear();
    for (const conn of this.conns) conn.close('the bridge is going away');
    await Promise.all([...this.listeners.values(), ...(this.mgmt ? [this.mgmt] : [])].map((l) => l.close()));
    this.listeners.clear();
  }

  private log(line: string): void {
    this.opts.log(`bridge ${this.bridge.name}: ${line}`);
  }

  private adopt(socket: Socket, label: string, o: { service?: boolean; probeIntervalMs: number; rateLimit?: { rate: number; burst: number } }): OfConnection {
    const conn = new OfConnection(socket, () => this.agent, this.roles, { label, ...o, log: (l) => this.log(l) });
    this.conns.add(conn);
    conn.once('close', (reason: string) => {
      this.conns.delete(conn);
      // Active controllers say it themselves (active.ts); ovs-ofctl's many short BR.mgmt sessions only when they end badly.
      const passive = !this.controllers.has(label);
      if (passive && (!o.service || reason !== 'closed by the peer')) this.log(`${label}: closed: ${reason}`);
    });
    if (this.closed) conn.close('the bridge is going away');
    return conn;
  }

  private checkFailOpen(): void {
    if (this.closed) return;
    const cs = [...this.controllers.values()];
    if (this.config.failMode !== 'standalone' || cs.length === 0) {
      void this.failOpen.set(false, this.config.failMode === 'secure' ? 'fail-mode secure' : 'no controllers');
      return;
    }
    if (cs.some((c) => c.connected)) {
      void this.failOpen.set(false, 'a controller connected');
      return;
    }
    const since = Math.max(...cs.map((c) => c.lastConnected));
    const trigger = 3 * this.config.inactivityProbeMs;
    if (performance.now() - since >= trigger) void this.failOpen.set(true, `no controller connected for ${Math.round(trigger / 1000)} s`);
  }

  private fanOutPacketIns(batch: PacketInBatch): void {
    const targets = [...this.conns].filter((c) => c.state === 'open');
    if (!targets.length) return;
    for (let i = 0; i < batch.length; i++) {
      const reason = batch.reason(i);
      const frame = batch.frame(i);
      const base = { type: 'packet_in' as const, xid: 0, bufferId: OFP_NO_BUFFER, totalLen: batch.totalLen(i), reason, tableId: batch.tableId(i), cookie: batch.cookie(i), match: { in_port: { value: batch.inPort(i), mask: 0xffffffff } } };
      for (const c of targets) {
        c.sendPacketIn((missSendLen) => ({ ...base, data: reason === 'invalid_ttl' && frame.length > missSendLen ? frame.subarray(0, missSendLen) : frame }), reason);
      }
    }
  }

  private fanOutFlowRemoved(r: FlowRemoved): void {
    const reason = r.reason === 'idle_timeout' ? OFPRR.IDLE_TIMEOUT : r.reason === 'hard_timeout' ? OFPRR.HARD_TIMEOUT : OFPRR.DELETE;
    const sec = Math.floor(r.durationSec);
    const msg: OfMessage = {
      type: 'flow_removed',
      xid: 0,
      cookie: r.cookie,
      priority: r.priority,
      reason: r.reason,
      tableId: r.table,
      durationSec: sec,
      durationNsec: Math.min(999_999_999, Math.round((r.durationSec - sec) * 1e9)),
      idleTimeout: r.spec.idleTimeout,
      hardTimeout: r.spec.hardTimeout,
      packetCount: BigInt(r.packets),
      byteCount: BigInt(r.bytes),
      match: r.spec.match,
    };
    for (const c of this.conns) if (c.wants('flow_removed', reason)) c.sendAsync(msg);
  }

  /** PORT_STATUS for a port added, deleted or whose link changed, in the order they happened. */
  private portChanged(ofport: number, reason: PortReason): void {
    if (!this.opts.describePorts) return;
    this.portChain = this.portChain.then(async () => {
      const gone = this.portDescs.get(ofport);
      await this.refreshPortDescs();
      const port = reason === 'delete' ? gone : this.portDescs.get(ofport);
      if (!port || this.closed) return;
      const msg: OfMessage = { type: 'port_status', xid: 0, reason, port };
      for (const c of this.conns) if (c.wants('port_status', OFPPR[reason.toUpperCase() as 'ADD' | 'DELETE' | 'MODIFY'])) c.sendAsync(msg);
    });
  }

  private async refreshPortDescs(): Promise<void> {
    if (!this.opts.describePorts || this.closed) return;
    try {
      const ports = await this.opts.describePorts(this.bridge);
      this.portDescs.clear();
      for (const p of ports) this.portDescs.set(p.portNo, p);
    } catch (err) {
      if (!this.closed) this.log(`cannot describe the ports for PORT_STATUS: ${(err as Error).message}`);
    }
  }
}
