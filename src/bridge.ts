import { EventEmitter } from 'node:events';
import { NodeswitchError } from './errors.js';
import {
  addon,
  constants,
  type NativeBond,
  type NativeCacheConfig,
  type NativeDatapath,
  type NativeMegaflow,
  type NativeOffload,
  type NativePacketInBatch,
  type NativePortEvent,
  type NativeReplayResult,
  type NativeTrace,
} from './native.js';
import { type BondOptions, resolveBond } from './bond.js';
import { type ApplyResult, applyOps, type ControllerOp } from './controller-ops.js';
import { compileAction } from './ofproto/compile.js';
import { PacketInBatch } from './packet-in-batch.js';
import { PacketInStream, type PacketInStreamOptions } from './packet-in-stream.js';
import { type FlowEntry, type FlowRemoved, FlowTable, type FlowWithStats } from './ofproto/flow-table.js';
import { parseActions } from './ofproto/actions.js';
import { FieldError, type Match } from './ofproto/fields.js';
import { type Action, type FlowSpec, FlowSyntaxError, formatFlow, parseFlow, parseFlowsFileAsync } from './ofproto/flow-syntax.js';
import type {
  AddedPort,
  BridgeCreateOptions,
  BridgeOptions,
  BridgeStats,
  DatapathPollMode,
  FdbEntry,
  PortInfo,
  PortOptions,
  PortStats,
  PortType,
} from './types.js';
import {
  COUNT,
  EXACT_INSERT_INV_PROB,
  MAC_AGING,
  MAC_TABLE_SIZE,
  MAX_OFPORT,
  MEGAFLOW_LIMIT,
  MEGAFLOW_MAX_IDLE_MS,
  MEGAFLOW_MAX_MASKS,
  OFPORT,
  PREFIX_GRANULARITY,
} from './limits.js';
import { checkInteger, checkNetdevName, checkPollMode } from './validate.js';
import { isPlainVlan, PLAIN_VLAN, type PortVlan, type PortVlanOptions, resolvePortVlan } from './vlan.js';
import { MAX_MIRRORS, type MirrorInfo, type MirrorSpec, checkMirror, checkMirrorName, compileMirror, withoutPort } from './mirror.js';
import { checkPolicing, effectiveBurst, type IngressPolicing } from './qos/policing.js';
import { type MeterSpec, parseMeter, parseMeterSelector } from './qos/meter-syntax.js';
import { MeterTable, type MeterWithStats } from './qos/meter-table.js';
import { type GroupSpec, type GroupStats, OFPG_ALL, parseGroup, UnknownOutGroupError } from './ofproto/group.js';
import { flowGroups, GroupTable } from './ofproto/group-table.js';
import { checkQos, type QosSpec, type QueueStats, resolveQos } from './qos/qos.js';

export const DEFAULT_MAC_AGING = 300;
export const DEFAULT_MAC_TABLE_SIZE = 8192;

export interface TraceResult {
  /**
   * Tables visited in order; `flow` is undefined on a miss. `depth` > 0 inside
   * resubmit; `inPort` as that lookup saw it. `key` is the flow key the table looked
   * up (the datapath's FlowKey bytes, after the rewrites of the tables before).
   */
  steps: { table: number; depth: number; inPort: number; flow: FlowEntry | undefined; key: Buffer }[];
  /** The datapath ops the packet would run (outputs, rewrites, NORMAL, controller). */
  ops: NativeTrace['ops'];
  tableMiss: boolean;
  /** The megaflow the packet creates: the key bits its translation consulted. */
  megaflow: NativeTrace['megaflow'];
}

/** How far a bulk flow change is: lines parsed, then flows installed. */
export type FlowsProgress = (phase: 'parse' | 'install', done: number, total: number) => void;

/** A megaflow, with the flows it credits. */
export interface MegaflowInfo extends Omit<NativeMegaflow, 'flowIds'> {
  flows: FlowEntry[];
}

export const DEFAULT_CACHE_CONFIG: NativeCacheConfig = {
  exactMatch: true,
  megaflows: true,
  limit: 65536,
  maxIdleMs: 10_000,
  maxMasks: 32,
  exactInsertInvProb: 100,
  prefixGranularity: 8,
};

/** Checks user-supplied bridge settings and fills in defaults. */
export function resolveBridgeOptions(opts: BridgeOptions, base?: Required<BridgeOptions>): Required<BridgeOptions> {
  return {
    macAging:
      opts.macAging === undefined ? (base?.macAging ?? DEFAULT_MAC_AGING) : checkInteger(opts.macAging, 'mac-aging', MAC_AGING),
    macTableSize:
      opts.macTableSize === undefined
        ? (base?.macTableSize ?? DEFAULT_MAC_TABLE_SIZE)
        : checkInteger(opts.macTableSize, 'mac-table-size', MAC_TABLE_SIZE),
    datapathPoll: opts.datapathPoll === undefined ? (base?.datapathPoll ?? 'adaptive') : checkPollMode(opts.datapathPoll),
  };
}


/**
 * One bridge: a datapath thread of its own, its ports, its MAC table. Methods
 * validate and fill in defaults, then make one call into the datapath, which applies
 * the change between bursts and resolves the promise.
 */
export class Bridge extends EventEmitter {
  private readonly dp: NativeDatapath;
  private readonly portsByName = new Map<string, PortInfo>();
  private readonly qosByPort = new Map<string, QosSpec>(); // set-qos (src/qos/qos.ts)
  private readonly portAdded = new Map<string, number>(); // name → Date.now() when added (OpenFlow port stats' duration)
  // Names and ofports claimed by an addPort still in flight, so that two concurrent
  // calls cannot both take the same one.
  private readonly pendingNames = new Set<string>();
  private readonly pendingOfports = new Set<number>();
  /** Port mirrors by name, in the order added (src/mirror.ts). */
  private mirrorSpecs = new Map<string, MirrorSpec>();
  // Bond members (netdevs, not ports of their own) → their bond.
  private readonly bondOfMember = new Map<string, string>();
  private opts: Required<BridgeOptions>;
  private cacheConfig: NativeCacheConfig = { ...DEFAULT_CACHE_CONFIG };
  private closed = false;
  private replayRecords = 0;  // records the pcap ports' inputs hold, all passes
  /** The OpenFlow tables: what dump-flows shows is what the datapath runs. */
  readonly flows: FlowTable;
  /** The OpenFlow meters flows name with meter:N (src/qos/meter-table.ts). */
  readonly meters: MeterTable;
  /** The OpenFlow groups flows name with group:N (src/ofproto/group-table.ts). */
  readonly groups: GroupTable;
  private readonly expiry: NodeJS.Timeout;

  constructor(
    readonly name: string,
    opts: BridgeCreateOptions = {},
    /** Tells whether a netdev name is already a port of some bridge of the switch. */
    private readonly portOwner: (port: string) => string | undefined = () => undefined,
  ) {
    super();
    this.opts = resolveBridgeOptions(opts);
    this.dp = new addon.Datapath(name, this.opts, (events) => this.onNativeEvents(events));
    this.flows = new FlowTable(this.dp);
    this.meters = new MeterTable(this.dp, name);
    this.groups = new GroupTable(this.dp, name);
    this.flows.on('flowRemoved', (r: FlowRemoved) => this.emit('flowRemoved', r));
    // Commands run in order: the mode is in force before any port's first packet.
    if (this.opts.datapathPoll !== 'adaptive') this.dp.setDatapathPoll(this.opts.datapathPoll).catch((err) => this.emit('error', err));
    if (opts.defaultFlows !== false) {
      // A new bridge behaves like a Linux bridge until someone installs something else.
      this.flows.addInitial([parseFlow('priority=0,actions=NORMAL')]).catch((err) => this.emit('error', err));
    }
    // Idle and hard timeouts, checked each second; the timer does not keep Node alive.
    // 'flowsExpired' tells an owner that keeps the table elsewhere (the daemon's DB).
    this.expiry = setInterval(() => {
      const timed = this.flows.list().filter((e) => e.spec.idleTimeout || e.spec.hardTimeout);
      if (!timed.length) return;
      this.flows
        .expire()
        .then(() => {
          const left = new Set(this.flows.list().map((e) => e.id));
          const count = timed.filter((e) => !left.has(e.id)).length;
          if (count) this.emit('flowsExpired', { count });
        })
        // An expiry queued behind a long flow-mod may run after close(): nothing to expire then.
        .catch((err) => this.closed || this.emit('error', err));
    }, 1000);
    this.expiry.unref();
  }

  /** Port names in flows (in_port=vnet0, output:vnet0) resolve to their ofports. */
  private readonly resolvePort = (name: string): number | undefined => this.portsByName.get(name)?.ofport;

  /** Adds one flow (ovs-ofctl add-flow syntax, or a parsed FlowSpec). */
  async addFlow(flow: string | FlowSpec): Promise<void> {
    this.checkOpen();
    const spec = typeof flow === 'string' ? parseFlow(flow, { context: 'add', resolvePort: this.resolvePort }) : flow;
    this.checkMeters([spec]);
    this.checkGroups([spec]);
    await this.flows.add([spec]);
  }

  /**
   * Adds the flows of an add-flows file: every line or, on any error, none (every
   * line is parsed and checked before the tables change). `onProgress` hears how
   * many lines are parsed, then how many flows are installed.
   */
  async addFlows(text: string, opts: { onProgress?: FlowsProgress } = {}): Promise<number> {
    this.checkOpen();
    const { onProgress } = opts;
    const specs = await parseFlowsFileAsync(
      text,
      { context: 'add', resolvePort: this.resolvePort },
      onProgress && ((done, total) => onProgress('parse', done, total)),
    );
    this.checkMeters(specs);
    this.checkGroups(specs);
    await this.flows.add(specs);
    onProgress?.('install', specs.length, specs.length);
    return specs.length;
  }

  /** mod-flows: new actions for the flows the match selects; returns how many. */
  async modFlows(flow: string, opts: { strict?: boolean } = {}): Promise<number> {
    this.checkOpen();
    const spec = parseFlow(flow, { context: 'modify', resolvePort: this.resolvePort });
    this.checkMeters([spec]);
    this.checkGroups([spec]);
    return this.flows.modify(spec, opts.strict === true);
  }

  /** del-flows: removes the flows the match selects (all without one); returns how many. */
  async delFlows(match = '', opts: { strict?: boolean } = {}): Promise<number> {
    this.checkOpen();
    const spec = parseFlow(match, { context: 'delete', resolvePort: this.resolvePort });
    return (await this.flows.delete(spec, opts.strict === true)).length;
  }

  /** The flows a match selects (all without one), with counters. */
  async dumpFlows(match = ''): Promise<FlowWithStats[]> {
    this.checkOpen();
    const spec = match.trim() ? parseFlow(match, { context: 'delete', verb: 'dump-flows', resolvePort: this.resolvePort }) : undefined;
    return this.flows.dump(spec);
  }

  /** dump-flows lines as ovs-ofctl prints them. */
  async dumpFlowsText(match = ''): Promise<string[]> {
    return (await this.dumpFlows(match)).map((f) =>
      formatFlow(f.entry.spec, {
        durationSec: f.durationSec,
        nPackets: f.packets,
        nBytes: f.bytes,
        idleAge: Math.floor(f.idleAgeSec),
      }),
    );
  }

  /**
   * Sends a frame from the controller through `actions` (ovs-ofctl action syntax,
   * e.g. "output:2" or "normal" or "table", or parsed actions), as if it came in on
   * `inPort` (an ofport; default OFPP_CONTROLLER).
   */
  async packetOut(data: Buffer, actions: string | Action[], inPort = constants.ofpp.controller): Promise<void> {
    this.checkOpen();
    const list = typeof actions === 'string' ? this.parsePacketOutActions(data, actions) : actions;
    await this.dp.packetOut(data, inPort, list.map(compileAction));
  }

  /**
   * A controller's batch: flow-mods (add, modify, delete, as add-flow/mod-flows/
   * del-flows take them) and packet-outs in one call and one datapath command, in
   * order — a packet-out sees the flow-mods before it — and all or nothing: a bad op
   * throws naming it ("ops[3]: …") with nothing applied.
   */
  async apply(ops: readonly ControllerOp[]): Promise<ApplyResult> {
    this.checkOpen();
    return applyOps(ops, {
      dp: this.dp,
      flows: this.flows,
      resolvePort: this.resolvePort,
      hasOfport: (ofport) => this.ofportHolder(ofport) !== undefined,
      packetOutActions: (data, text) => this.parsePacketOutActions(data, text),
      checkFlow: (spec) => this.checkGroups([spec]),
    });
  }

  /**
   * Packet-ins as batches (each burst's packets together), for `for await`:
   * `for await (const batch of bridge.packetIns()) for (let i = 0; i < batch.length; i++) …`.
   * The 'packetIns' event carries the same batches; 'packetIn' one packet at a time.
   */
  packetIns(opts?: PacketInStreamOptions): PacketInStream {
    return new PacketInStream(this, opts);
  }

  /** Actions checked against the packet's own headers, as OVS checks a packet-out's. */
  private parsePacketOutActions(data: Buffer, text: string): Action[] {
    const key = addon.parseFrame(data);
    if (!key || key.status === 'runt') throw new NodeswitchError('the packet is shorter than an Ethernet header', 'packet');
    const match: Match = { dl_type: { value: Number(key.dl_type), mask: 0xffff } };
    if (key.nw_proto !== undefined) match.nw_proto = { value: Number(key.nw_proto), mask: 0xff };
    if (key.vlan_tci) match.vlan_tci = { value: Number(key.vlan_tci), mask: 0xffff };
    try {
      const parsed = parseActions(text, match, 0, this.resolvePort);
      const ins = parsed.instructions;
      if (ins.gotoTable !== undefined || ins.writeActions || ins.writeMetadata || ins.meter !== undefined) {
        throw new NodeswitchError('a packet-out takes actions only, not instructions', 'actions');
      }
      return parsed.actions;
    } catch (err) {
      if (err instanceof FieldError) throw new FlowSyntaxError(err.token, err.reason);
      throw err;
    }
  }

  /**
   * What the pipeline does with `frame` arriving on `inPort`, without sending it:
   * every table visited (with the flow that matched, or none), and the resulting
   * datapath ops, as ovs-appctl ofproto/trace reports them.
   */
  async traceFrame(frame: Buffer, inPort: number): Promise<TraceResult> {
    this.checkOpen();
    const t = await this.dp.trace(frame, inPort);
    const byId = new Map(this.flows.list().map((e) => [e.id, e]));
    const [inPortAt] = addon.flowKeyLayout.in_port!; // a host-order u32
    return {
      steps: t.steps.map((s) => ({
        table: s.table,
        depth: s.depth,
        inPort: s.key.readUInt32LE(inPortAt),
        flow: s.flowId ? byId.get(s.flowId) : undefined,
        key: s.key,
      })),
      ops: t.ops,
      tableMiss: t.tableMiss,
      megaflow: t.megaflow,
    };
  }

  /** The megaflow cache: every megaflow with its mask, counters and the flows it credits. */
  async dumpMegaflows(): Promise<MegaflowInfo[]> {
    this.checkOpen();
    const list = await this.dp.dumpMegaflows();
    const byId = new Map(this.flows.list().map((e) => [e.id, e]));
    return list.map(({ flowIds, ...mf }) => ({ ...mf, flows: flowIds.map((id) => byId.get(id)).filter((e) => e !== undefined) }));
  }

  /** Drops every megaflow (and so every exact-match entry): the next packets are translated again. */
  async flushMegaflows(): Promise<void> {
    this.checkOpen();
    await this.dp.flushMegaflows();
  }

  /**
   * The caches in front of the tables (defaults: DEFAULT_CACHE_CONFIG: both on, 65536
   * megaflows idle for at most 10 s under at most 32 masks, 1 in 100 megaflow hits
   * entering the exact-match cache, prefix tracking rounded to 8 bits).
   * Changing them drops every cached translation.
   */
  async setCacheConfig(config: Partial<NativeCacheConfig>): Promise<void> {
    this.checkOpen();
    const next = { ...this.cacheConfig, ...config };
    checkInteger(next.limit, 'megaflow-limit', MEGAFLOW_LIMIT);
    checkInteger(next.maxIdleMs, 'megaflow-max-idle', MEGAFLOW_MAX_IDLE_MS);
    checkInteger(next.maxMasks, 'megaflow-max-masks', MEGAFLOW_MAX_MASKS);
    checkInteger(next.exactInsertInvProb, 'exact-insert-inv-prob', EXACT_INSERT_INV_PROB);
    checkInteger(next.prefixGranularity, 'prefix-granularity', PREFIX_GRANULARITY);
    await this.dp.setCacheConfig(next);
    this.cacheConfig = next;
  }

  get caches(): NativeCacheConfig {
    return { ...this.cacheConfig };
  }

  /**
   * Offline: runs every pcap port's trace to its end through the pipeline, as fast
   * as it goes; packets for the controller are written to `controllerOut`.
   */
  async replay(controllerOut?: string): Promise<NativeReplayResult> {
    this.checkOpen();
    return this.dp.replay(controllerOut);
  }

  /** Records a running replay has read so far, and how many it will read in all. */
  replayProgress(): { done: number; total: number } {
    return { done: this.closed ? 0 : this.dp.replayProgress(), total: this.replayRecords };
  }

  /**
   * Live traffic from outside the devices: frames processed as if they had arrived
   * on `port` (any port type), e.g. a trace fed into a running bridge (nodeswitch
   * inject). One burst per 32 frames. (`inject` is the mem ports' test input.)
   */
  async ingest(port: string, frames: Buffer[]): Promise<void> {
    this.checkOpen();
    await this.dp.ingest(this.requirePort(port).ofport, frames);
  }

  /**
   * Live: writes what `port` receives (in), sends (out) or both to a pcap file, for
   * `count` frames (0: until stopCapture). Resolves when the capture has started;
   * the 'captureDone' event ({port, packets, reason}) says when a counted one ended.
   */
  async startCapture(port: string, file: string, opts: { direction?: 'in' | 'out' | 'both'; count?: number } = {}): Promise<void> {
    this.checkOpen();
    const direction = opts.direction ?? 'both';
    if (!['in', 'out', 'both'].includes(direction)) throw new NodeswitchError(`--direction must be in, out or both, got ${direction}`, 'direction');
    const count = opts.count === undefined ? 0 : checkInteger(opts.count, 'count', COUNT);
    await this.dp.startCapture(this.requirePort(port).ofport, file, direction, count);
  }

  /** Stops a capture; resolves with the frames written. */
  async stopCapture(port: string): Promise<number> {
    this.checkOpen();
    return this.dp.stopCapture(this.requirePort(port).ofport);
  }

  /**
   * Benchmarks only: every frame goes to every other port with no parsing and no
   * lookup, the I/O ceiling that the pipeline's cost is measured against.
   */
  async setBareForward(on: boolean): Promise<void> {
    this.checkOpen();
    await this.dp.setBareForward(on);
  }

  /**
   * How long (µs) the datapath thread keeps polling after the last packet before it
   * sleeps (default 200). Longer trades CPU for latency: with the thread never
   * sleeping, ping RTT here went from ~153 µs to ~128 µs, at the cost of a core.
   */
  async setBusyPoll(microseconds: number): Promise<void> {
    this.checkOpen();
    await this.dp.setBusyPoll(checkInteger(microseconds, 'busy-poll', { min: 0, max: 60_000_000 }));
  }

  /**
   * How the datapath thread waits for input: 'adaptive' (the default), 'busy' or
   * 'interrupt' (see DatapathPollMode). Takes effect at the thread's next wait.
   */
  async setDatapathPoll(mode: DatapathPollMode): Promise<void> {
    await this.configure({ datapathPoll: mode });
  }

  /** The datapath thread's poll mode (setDatapathPoll). */
  get datapathPoll(): DatapathPollMode {
    return this.opts.datapathPoll;
  }

  /** Limits on packets sent to the controller: queue length and packets per second. */
  async setUpcallLimits(queue: number, ratePerSecond: number): Promise<void> {
    this.checkOpen();
    await this.dp.setUpcallLimits(checkInteger(queue, 'queue', { min: 1, max: 1 << 20 }), checkInteger(ratePerSecond, 'rate', { min: 1, max: 10_000_000 }));
  }

  get options(): Required<BridgeOptions> {
    return { ...this.opts };
  }

  async configure(opts: BridgeOptions): Promise<void> {
    this.checkOpen();
    const next = resolveBridgeOptions(opts, this.opts);
    await this.dp.configure(next);
    if (next.datapathPoll !== this.opts.datapathPoll) await this.dp.setDatapathPoll(next.datapathPoll);
    this.opts = next;
  }

  ports(): PortInfo[] {
    return [...this.portsByName.values()].sort((a, b) => a.ofport - b.ofport);
  }

  port(name: string): PortInfo | undefined {
    return this.portsByName.get(name);
  }

  /** When the port was added (Date.now()); undefined for no such port. */
  portAddedAt(name: string): number | undefined {
    return this.portAdded.get(name);
  }

  hasPort(name: string): boolean {
    return this.portsByName.has(name) || this.pendingNames.has(name) || this.bondOfMember.has(name);
  }

  async addPort(name: string, opts: PortOptions = {}): Promise<AddedPort> {
    this.checkOpen();
    checkNetdevName(name, 'port');
    const type: PortType = opts.type ?? 'afpacket';
    if (!constants.portTypes.includes(type) || type === 'bond') {
      throw new NodeswitchError(`port type "${String(type)}" is not one of afpacket, tap${type === 'bond' ? ' (a bond is made with addBond)' : ''}`, 'type');
    }
    const owner = this.portOwner(name);
    if (this.hasPort(name) || owner !== undefined) {
      throw new NodeswitchError(`port ${name} is already on bridge ${owner ?? this.name}`, 'port');
    }
    const ofport = opts.ofport === undefined ? this.nextOfport() : opts.ofport === constants.ofpp.local ? this.localOfport(name, type) : checkInteger(opts.ofport, 'ofport', OFPORT);
    const vlan = opts.vlan === undefined ? PLAIN_VLAN : resolvePortVlan(opts.vlan);
    const holder = this.ofportHolder(ofport);
    if (holder !== undefined) {
      throw new NodeswitchError(`ofport ${ofport} is already taken by port ${holder} on bridge ${this.name}`, 'ofport');
    }
    const policing = opts.ingressPolicing && checkPolicing(opts.ingressPolicing);
    this.pendingNames.add(name);
    this.pendingOfports.add(ofport);
    let added;
    try {
      added = await this.dp.addPort({
        name,
        type,
        ofport,
        allowMissing: opts.allowMissing === true,
        ...(opts.pcap ? { pcap: opts.pcap } : {}),
        ...(opts.tap && type === 'tap' ? { tap: opts.tap } : {}),
      });
      this.replayRecords += added.records ?? 0;
      if (!isPlainVlan(vlan)) {
        try {
          await this.dp.setPortVlan(ofport, nativeVlan(vlan));
        } catch (err) {
          await this.dp.deletePort(ofport);  // all or nothing
          throw err;
        }
      }
    } finally {
      this.pendingNames.delete(name);
      this.pendingOfports.delete(ofport);
    }
    const info: PortInfo = { name, type, ofport, vlan };
    this.portsByName.set(name, info);
    this.portAdded.set(name, Date.now());
    if (policing && policing.rate) {
      await this.dp.setIngressPolicing(ofport, { rate: policing.rate, burst: effectiveBurst(policing) });
      info.ingressPolicing = policing;
    }
    this.emit('portAdded', { ...info }); // OpenFlow's PORT_STATUS (src/openflow/conn)
    return { ...info, ...(added.tapOrigin && { tapOrigin: added.tapOrigin }) };
  }

  /**
   * Sets a port's VLAN settings (tag, trunks, vlan_mode: src/vlan.ts), replacing
   * the old ones whole. What was learned on the port is forgotten and cached
   * decisions are dropped, as Open vSwitch does.
   */
  async setPortVlan(name: string, opts: PortVlanOptions): Promise<PortVlan> {
    this.checkOpen();
    const info = this.requirePort(name);
    const vlan = resolvePortVlan(opts);
    await this.dp.setPortVlan(info.ofport, nativeVlan(vlan));
    this.portsByName.set(name, { ...info, vlan });
    return vlan;
  }

  /** The LOCAL port, if the bridge has one (a TAP named like the bridge: addPort with ofport LOCAL). */
  localPort(): PortInfo | undefined {
    return this.ports().find((p) => p.ofport === constants.ofpp.local);
  }

  /** Checks that `name` may be the bridge's LOCAL port: named like the bridge, a TAP (or a mem port, in tests). */
  private localOfport(name: string, type: PortType): number {
    if (name !== this.name) throw new NodeswitchError(`the LOCAL port of bridge ${this.name} must be named ${this.name}, not ${name}`, 'ofport');
    if (type !== 'tap' && type !== 'mem') throw new NodeswitchError(`the LOCAL port is a TAP the bridge makes (type tap), not ${type}`, 'type');
    return constants.ofpp.local;
  }

  /**
   * Ingress policing of a port, as Open vSwitch's ingress_policing_rate (kbit/s; 0:
   * off) and ingress_policing_burst (kbit; 0: 8000): what comes in above the rate
   * is dropped and counted in the port's rxPoliced.
   */
  async setIngressPolicing(port: string, policing: { rate?: number; burst?: number }): Promise<void> {
    this.checkOpen();
    const info = this.requirePort(port);
    const p = checkPolicing(policing);
    await this.dp.setIngressPolicing(info.ofport, { rate: p.rate, burst: effectiveBurst(p) });
    if (p.rate === 0 && p.burst === 0) delete info.ingressPolicing;
    else info.ingressPolicing = p;
  }

  /** A port's ingress policing as set (rate 0: none). */
  ingressPolicing(port: string): IngressPolicing {
    return { ...(this.requirePort(port).ingressPolicing ?? { rate: 0, burst: 0 }) };
  }

  /** add-meter: ovs-ofctl meter syntax ("meter=1,kbps,burst,bands=type=drop,rate=10000,burst_size=1000") or a parsed spec. */
  async addMeter(meter: string | MeterSpec): Promise<void> {
    this.checkOpen();
    await this.meters.add(typeof meter === 'string' ? parseMeter(meter) : meter);
  }

  /** mod-meter: new flags and bands for an existing meter. */
  async modMeter(meter: string | MeterSpec): Promise<void> {
    this.checkOpen();
    await this.meters.modify(typeof meter === 'string' ? parseMeter(meter) : meter);
  }

  /**
   * del-meters: "" or "meter=all" deletes every meter, "meter=N" one. As OpenFlow
   * says, the flows that use a deleted meter are deleted with it.
   */
  async delMeters(selector = ''): Promise<{ meters: number; flows: number }> {
    this.checkOpen();
    const ids = this.meters.select(parseMeterSelector(selector));
    if (!ids.length) return { meters: 0, flows: 0 };
    const gone = new Set(ids);
    const flows = await this.flows.removeWhere((e) => e.spec.instructions.meter !== undefined && gone.has(e.spec.instructions.meter));
    await this.meters.delete(ids);
    return { meters: ids.length, flows };
  }

  /** The meters a selector names ("" / "meter=all": all), by id. */
  dumpMeters(selector = ''): MeterSpec[] {
    const ids = new Set(this.meters.select(parseMeterSelector(selector)));
    return this.meters.list().filter((m) => ids.has(m.id));
  }

  /** meter-stats: each meter's counters, its bands' and how many flows use it. */
  async meterStats(selector = ''): Promise<(MeterWithStats & { flowCount: number })[]> {
    this.checkOpen();
    const stats = await this.meters.stats(this.meters.select(parseMeterSelector(selector)));
    const users = new Map<number, number>();
    for (const e of this.flows.list()) {
      const m = e.spec.instructions.meter;
      if (m !== undefined) users.set(m, (users.get(m) ?? 0) + 1);
    }
    return stats.map((s) => ({ ...s, flowCount: users.get(s.spec.id) ?? 0 }));
  }

  /** A flow may name only a meter the bridge has (OpenFlow's OFPMMFC_UNKNOWN_METER). */
  private checkMeters(specs: FlowSpec[]): void {
    for (const spec of specs) {
      const id = spec.instructions.meter;
      if (id !== undefined && !this.meters.has(id)) {
        throw new FlowSyntaxError(`meter:${id}`, `meter ${id} does not exist on bridge ${this.name} (add it with add-meter first)`);
      }
    }
  }

  /** add-group: ovs-ofctl group syntax ("group_id=1,type=select,bucket=weight:10,actions=output:1,…") or a spec. */
  async addGroup(group: string | GroupSpec): Promise<void> {
    this.checkOpen();
    await this.groups.add(typeof group === 'string' ? parseGroup(group, { resolvePort: this.resolvePort }) : group);
  }

  /** mod-group: a new type and buckets for an existing group. */
  async modGroup(group: string | GroupSpec): Promise<void> {
    this.checkOpen();
    await this.groups.modify(typeof group === 'string' ? parseGroup(group, { resolvePort: this.resolvePort }) : group);
  }

  /**
   * del-groups: one group (undefined or OFPG_ALL: every group); a missing one is no
   * error. As OpenFlow says, the flows that name a deleted group go with it.
   * Returns how many groups were deleted.
   */
  async delGroups(groupId: number = OFPG_ALL): Promise<number> {
    this.checkOpen();
    const ids = this.groups.select(groupId);
    if (!ids.length) return 0;
    const gone = new Set(ids);
    await this.flows.removeWhere((e) => flowGroups(e.spec).some((g) => gone.has(g)));
    await this.groups.delete(ids);
    return ids.length;
  }

  /** The groups (one, or all when undefined / OFPG_ALL), by id. */
  dumpGroups(groupId: number = OFPG_ALL): GroupSpec[] {
    const ids = new Set(this.groups.select(groupId));
    return this.groups.list().filter((g) => ids.has(g.groupId));
  }

  /** dump-group-stats: each group's and bucket's counters, and how many flows name it. */
  async groupStats(groupId: number = OFPG_ALL): Promise<GroupStats[]> {
    this.checkOpen();
    const stats = await this.groups.stats(this.groups.select(groupId));
    const refs = new Map<number, number>();
    for (const e of this.flows.list()) for (const g of new Set(flowGroups(e.spec))) refs.set(g, (refs.get(g) ?? 0) + 1);
    return stats.map((s) => ({
      groupId: s.spec.groupId,
      refCount: refs.get(s.spec.groupId) ?? 0,
      packetCount: BigInt(s.stats.packets),
      byteCount: BigInt(s.stats.bytes),
      durationSec: s.durationSec,
      buckets: s.stats.buckets.map((b) => ({ packetCount: BigInt(b.packets), byteCount: BigInt(b.bytes) })),
    }));
  }

  /** A flow may name only a group the bridge has (OpenFlow's OFPBAC_BAD_OUT_GROUP). */
  private checkGroups(specs: FlowSpec[]): void {
    if (!specs.length) return;
    for (const spec of specs) {
      for (const id of flowGroups(spec)) if (!this.groups.has(id)) throw new UnknownOutGroupError(id, this.name);
    }
  }

  async deletePort(name: string): Promise<void> {
    this.checkOpen();
    const info = this.requirePort(name);
    for (const [m, spec] of this.mirrorSpecs) {
      if (spec.outputPort === name) throw new NodeswitchError(`port ${name} is the output of mirror ${m}: delete the mirror first`, 'port');
    }
    await this.dp.deletePort(info.ofport);
    this.portsByName.delete(name);
    this.portAdded.delete(name);
    this.emit('portDeleted', { ...info });
    for (const [member, bond] of this.bondOfMember) if (bond === name) this.bondOfMember.delete(member);
    this.qosByPort.delete(name);
    // Mirrors forget the port, as OVS's weak references do.
    const next = new Map([...this.mirrorSpecs].map(([m, spec]) => [m, withoutPort(spec, name)]));
    await this.applyMirrors(next);
  }

  /**
   * Adds a port mirror (SPAN with outputPort, RSPAN with outputVlan); see MirrorSpec.
   * Checked whole first: nothing is applied when anything is wrong.
   */
  async addMirror(name: string, spec: MirrorSpec): Promise<void> {
    this.checkOpen();
    checkMirrorName(name);
    if (this.mirrorSpecs.has(name)) throw new NodeswitchError(`bridge ${this.name} already has a mirror ${name}`, 'name');
    if (this.mirrorSpecs.size >= MAX_MIRRORS) throw new NodeswitchError(`bridge ${this.name} has ${MAX_MIRRORS} mirrors, the most it can have`, 'name');
    const checked = checkMirror(spec, (p) => this.portsByName.has(p), this.name);
    await this.applyMirrors(new Map([...this.mirrorSpecs, [name, checked]]));
  }

  async deleteMirror(name: string): Promise<void> {
    this.checkOpen();
    if (!this.mirrorSpecs.has(name)) throw new NodeswitchError(`bridge ${this.name} has no mirror ${name}`, 'name');
    const next = new Map(this.mirrorSpecs);
    next.delete(name);
    await this.applyMirrors(next);
  }

  /** Replaces every mirror (restore, undo); saved mirrors may select nothing. */
  async setMirrors(mirrors: { name: string; spec: MirrorSpec }[]): Promise<void> {
    this.checkOpen();
    const next = new Map<string, MirrorSpec>();
    for (const { name, spec } of mirrors) {
      checkMirrorName(name);
      if (next.has(name)) throw new NodeswitchError(`mirror ${name} appears twice`, 'name');
      next.set(name, checkMirror(spec, (p) => this.portsByName.has(p), this.name, { saved: true }));
    }
    if (next.size > MAX_MIRRORS) throw new NodeswitchError(`at most ${MAX_MIRRORS} mirrors per bridge`, 'name');
    await this.applyMirrors(next);
  }

  /** The mirrors, in the order added, with their counters. */
  async mirrors(): Promise<MirrorInfo[]> {
    this.checkOpen();
    const stats = new Map((await this.dp.mirrorStats()).map((s) => [s.name, s]));
    return [...this.mirrorSpecs].map(([name, spec]) => ({ name, ...spec, packets: stats.get(name)?.packets ?? 0, bytes: stats.get(name)?.bytes ?? 0 }));
  }

  /** The mirrors' configuration, in the order added (what the config DB keeps). */
  mirrorList(): { name: string; spec: MirrorSpec }[] {
    return [...this.mirrorSpecs].map(([name, spec]) => ({ name, spec: structuredClone(spec) }));
  }

  private async applyMirrors(next: Map<string, MirrorSpec>): Promise<void> {
    const ofportOf = (p: string): number => this.requirePort(p).ofport;
    await this.dp.setMirrors([...next].map(([name, spec]) => compileMirror(name, spec, ofportOf)));
    this.mirrorSpecs = next;
  }

  /**
   * A bond: one port (`name`, one ofport; NORMAL learns on it and floods to it once)
   * over the afpacket netdevs `members`, none of them a port already (see
   * BondOptions; src/bond.ts checks the settings). deletePort(name) removes it.
   */
  async addBond(name: string, members: readonly string[], opts: BondOptions & { memberType?: 'afpacket' | 'mem' } = {}): Promise<PortInfo> {
    this.checkOpen();
    const bond = resolveBond(name, members, opts);
    for (const p of [bond.name, ...bond.members]) {
      const owner = this.portOwner(p);
      if (this.hasPort(p) || owner !== undefined) throw new NodeswitchError(`port ${p} is already on bridge ${owner ?? this.name}`, p === bond.name ? 'bond' : 'port');
    }
    const ofport = opts.ofport === undefined ? this.nextOfport() : checkInteger(opts.ofport, 'ofport', OFPORT);
    const holder = this.ofportHolder(ofport);
    if (holder !== undefined) throw new NodeswitchError(`ofport ${ofport} is already taken by port ${holder} on bridge ${this.name}`, 'ofport');
    const claimed = [bond.name, ...bond.members];
    claimed.forEach((n) => this.pendingNames.add(n));
    this.pendingOfports.add(ofport);
    try {
      await this.dp.addBond({ ...bond, ofport, allowMissing: opts.allowMissing === true, ...(opts.memberType && { memberType: opts.memberType }) });
    } finally {
      claimed.forEach((n) => this.pendingNames.delete(n));
      this.pendingOfports.delete(ofport);
    }
    const info: PortInfo = { name: bond.name, type: 'bond', ofport, vlan: PLAIN_VLAN };
    this.portsByName.set(bond.name, info);
    this.portAdded.set(bond.name, Date.now());
    for (const m of bond.members) this.bondOfMember.set(m, bond.name);
    this.emit('portAdded', { ...info });
    return { ...info };
  }

  /** The bonds as the datapath runs them now: members, who is active, LACP's state (bond-show). */
  async bonds(): Promise<NativeBond[]> {
    this.checkOpen();
    return (await this.dp.bonds()).sort((a, b) => a.ofport - b.ofport);
  }

  /**
   * Egress shaping of `port` (src/qos/qos.ts: OVS's linux-htb meanings, rates in
   * bit/s); null takes it away. set_queue:N in flows picks a frame's queue.
   */
  async setQos(port: string, qos: QosSpec | null): Promise<void> {
    this.checkOpen();
    const info = this.requirePort(port);
    if (qos === null) {
      await this.dp.setQos(info.ofport, null);
      this.qosByPort.delete(port);
      return;
    }
    const spec = checkQos(qos);
    await this.dp.setQos(info.ofport, { maxRate: spec.maxRate, queues: resolveQos(spec) });
    this.qosByPort.set(port, spec);
  }

  /** A port's shaping, as set (undefined: none). */
  qos(port: string): QosSpec | undefined {
    const q = this.qosByPort.get(port);
    return q && structuredClone(q);
  }

  /** Every shaped port's queues with their counters, by ofport and queue id. */
  async queueStats(): Promise<QueueStats[]> {
    this.checkOpen();
    const names = this.namesByOfport();
    return (await this.dp.queueStats())
      .filter((q) => names.has(q.ofport))
      .map((q) => ({
        port: names.get(q.ofport)!,
        ofport: q.ofport,
        queue: q.queue,
        minRate: q.minRate,
        maxRate: q.maxRate,
        priority: q.priority,
        txPackets: q.txPackets,
        txBytes: q.txBytes,
        txDropped: q.txDropped,
        backlogPackets: q.backlogPackets,
        backlogBytes: q.backlogBytes,
      }))
      .sort((a, b) => a.ofport - b.ofport || a.queue - b.queue);
  }

  async fdb(): Promise<FdbEntry[]> {
    this.checkOpen();
    const entries = await this.dp.fdb();
    const names = this.namesByOfport();
    return entries
      .map((e) => ({ port: names.get(e.ofport) ?? String(e.ofport), ofport: e.ofport, vlan: e.vlan, mac: e.mac, age: e.age }))
      .sort((a, b) => a.ofport - b.ofport || a.vlan - b.vlan || a.mac.localeCompare(b.mac));
  }

  async fdbFlush(): Promise<void> {
    this.checkOpen();
    await this.dp.fdbFlush();
  }

  async portStats(name?: string): Promise<PortStats[]> {
    this.checkOpen();
    const wanted = name === undefined ? undefined : this.requirePort(name);
    const stats = await this.dp.portStats();
    const byOfport = new Map(this.ports().map((p) => [p.ofport, p]));
    const out: PortStats[] = [];
    for (const s of stats) {
      const info = byOfport.get(s.ofport);
      if (!info || (wanted && wanted.ofport !== s.ofport)) continue;
      out.push({ name: info.name, type: info.type, ...s });
    }
    return out.sort((a, b) => a.ofport - b.ofport);
  }

  async stats(): Promise<BridgeStats> {
    this.checkOpen();
    const s = await this.dp.stats();
    return {
      lookups: s.lookups,
      hits: s.hits,
      learned: s.learned,
      moved: s.moved,
      flooded: s.flooded,
      evicted: s.evicted,
      aged: s.aged,
      macEntries: s.macEntries,
      dropped: { runt: s.dropRunt, badSource: s.dropBadSrc, samePort: s.dropSamePort, portDown: s.dropPortDown, noPort: s.dropNoPort, vlan: s.dropVlan },
      parseErrors: s.parseErrors,
      tableMiss: s.tableMiss,
      invalidTtl: s.invalidTtl,
      upcalls: s.upcalls,
      upcallDrops: s.upcallDrops,
      cacheHits: s.cacheHits,
      cacheMisses: s.cacheMisses,
      megaflowHits: s.megaflowHits,
      megaflowMisses: s.megaflowMisses,
      translations: s.translations,
      megaflows: s.megaflows,
      megaflowMasks: s.megaflowMasks,
      megaflowsAdded: s.megaflowsAdded,
      megaflowsExpired: s.megaflowsExpired,
      megaflowsRevalidated: s.megaflowsRevalidated,
      megaflowsKept: s.megaflowsKept,
      poll: { spins: s.pollSpins, sleeps: s.pollSleeps },
    };
  }

  /**
   * mem ports (tests, benches): frames queued on the port's receive side and polled
   * like any port's input, optionally with offload state (partial checksum, GSO) as
   * a TAP would hand them over. Live traffic into a real port is `ingest`.
   */
  async inject(port: string, frames: Buffer[], offload?: NativeOffload): Promise<void> {
    this.checkOpen();
    await this.dp.injectMem(this.requireMemPort(port).ofport, frames, offload);
  }

  /** mem ports: the frames the switch sent out of `port` since the last call. */
  async drain(port: string): Promise<Buffer[]> {
    this.checkOpen();
    return this.dp.drainMem(this.requireMemPort(port).ofport);
  }

  /** mem ports: the link goes down or up, as a netdev's carrier does (tests of fast failover). */
  async setMemLink(port: string, up: boolean): Promise<void> {
    this.checkOpen();
    await this.dp.setMemLink(this.requireMemPort(port).ofport, up);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.expiry);
    await this.dp.close();
    this.portsByName.clear();
    this.bondOfMember.clear();
    this.emit('closed');
  }

  private onNativeEvents(events: (NativePortEvent | NativePacketInBatch)[]): void {
    const names = this.namesByOfport();
    for (const e of events) {
      if (e.type === 'packetIns') {
        // 'packetIns' gets the batch; 'packetIn' one object per packet, built only
        // when someone listens for them.
        const batch = new PacketInBatch(e);
        this.emit('packetIns', batch);
        if (this.listenerCount('packetIn')) for (let i = 0; i < batch.length; i++) this.emit('packetIn', batch.at(i));
        continue;
      }
      const port = names.get(e.ofport);
      if (e.type === 'captureDone') {
        this.emit('captureDone', { port, ofport: e.ofport, packets: e.packets ?? 0, reason: e.reason });
        continue;
      }
      if (port !== undefined) this.emit(e.type, { port, ofport: e.ofport, reason: e.reason });
    }
  }

  private requirePort(name: string): PortInfo {
    const info = this.portsByName.get(name);
    if (!info) throw new NodeswitchError(`bridge ${this.name} has no port ${name}`, 'port');
    return info;
  }

  private requireMemPort(name: string): PortInfo {
    const info = this.requirePort(name);
    if (info.type !== 'mem') throw new NodeswitchError(`port ${name} is a ${info.type} port, not a mem port`, 'port');
    return info;
  }

  private ofportHolder(ofport: number): string | undefined {
    if (this.pendingOfports.has(ofport)) return '(being added)';
    for (const p of this.portsByName.values()) if (p.ofport === ofport) return p.name;
    return undefined;
  }

  private nextOfport(): number {
    for (let n = 1; n <= MAX_OFPORT; n++) if (this.ofportHolder(n) === undefined) return n;
    throw new NodeswitchError(`bridge ${this.name} has no free ofport left`, 'ofport');
  }

  private namesByOfport(): Map<number, string> {
    return new Map(this.ports().map((p) => [p.ofport, p.name]));
  }

  private checkOpen(): void {
    if (this.closed) throw new NodeswitchError(`bridge ${this.name} is closed`, 'bridge');
  }
}

function nativeVlan(v: PortVlan): { mode: PortVlan['mode']; tag: number; trunks: number[] } {
  return { mode: v.mode, tag: v.tag ?? 0, trunks: v.trunks };
}
