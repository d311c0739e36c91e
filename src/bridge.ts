import { EventEmitter } from 'node:events';
import { NodeswitchError } from './errors.js';
import {
  addon,
  constants,
  type NativeCacheConfig,
  type NativeDatapath,
  type NativeMegaflow,
  type NativeOffload,
  type NativePacketInBatch,
  type NativePortEvent,
  type NativeReplayResult,
  type NativeTrace,
} from './native.js';
import { type ApplyResult, applyOps, type ControllerOp } from './controller-ops.js';
import { compileAction } from './ofproto/compile.js';
import { PacketInBatch } from './packet-in-batch.js';
import { PacketInStream, type PacketInStreamOptions } from './packet-in-stream.js';
import { type FlowEntry, type FlowRemoved, FlowTable, type FlowWithStats } from './ofproto/flow-table.js';
import { parseActions } from './ofproto/actions.js';
import { FieldError, type Match } from './ofproto/fields.js';
import { type Action, type FlowSpec, FlowSyntaxError, formatFlow, parseFlow, parseFlowsFile } from './ofproto/flow-syntax.js';
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
  // Names and ofports claimed by an addPort still in flight, so that two concurrent
  // calls cannot both take the same one.
  private readonly pendingNames = new Set<string>();
  private readonly pendingOfports = new Set<number>();
  private opts: Required<BridgeOptions>;
  private cacheConfig: NativeCacheConfig = { ...DEFAULT_CACHE_CONFIG };
  private closed = false;
  private replayRecords = 0;  // records the pcap ports' inputs hold, all passes
  /** The OpenFlow tables: what dump-flows shows is what the datapath runs. */
  readonly flows: FlowTable;
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
    await this.flows.add([typeof flow === 'string' ? parseFlow(flow, { context: 'add', resolvePort: this.resolvePort }) : flow]);
  }

  /** Adds the flows of an add-flows file: every line or, on any error, none. */
  async addFlows(text: string): Promise<number> {
    this.checkOpen();
    const specs = parseFlowsFile(text, { context: 'add', resolvePort: this.resolvePort });
    await this.flows.add(specs);
    return specs.length;
  }

  /** mod-flows: new actions for the flows the match selects; returns how many. */
  async modFlows(flow: string, opts: { strict?: boolean } = {}): Promise<number> {
    this.checkOpen();
    return this.flows.modify(parseFlow(flow, { context: 'modify', resolvePort: this.resolvePort }), opts.strict === true);
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
      if (parsed.instructions.gotoTable !== undefined || parsed.instructions.writeActions || parsed.instructions.writeMetadata) {
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

  hasPort(name: string): boolean {
    return this.portsByName.has(name) || this.pendingNames.has(name);
  }

  async addPort(name: string, opts: PortOptions = {}): Promise<AddedPort> {
    this.checkOpen();
    checkNetdevName(name, 'port');
    const type: PortType = opts.type ?? 'afpacket';
    if (!constants.portTypes.includes(type)) {
      throw new NodeswitchError(`port type "${String(type)}" is not one of afpacket, tap`, 'type');
    }
    const owner = this.portOwner(name);
    if (this.hasPort(name) || owner !== undefined) {
      throw new NodeswitchError(`port ${name} is already on bridge ${owner ?? this.name}`, 'port');
    }
    const ofport = opts.ofport === undefined ? this.nextOfport() : checkInteger(opts.ofport, 'ofport', OFPORT);
    const holder = this.ofportHolder(ofport);
    if (holder !== undefined) {
      throw new NodeswitchError(`ofport ${ofport} is already taken by port ${holder} on bridge ${this.name}`, 'ofport');
    }
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
    } finally {
      this.pendingNames.delete(name);
      this.pendingOfports.delete(ofport);
    }
    const info: PortInfo = { name, type, ofport };
    this.portsByName.set(name, info);
    return { ...info, ...(added.tapOrigin && { tapOrigin: added.tapOrigin }) };
  }

  async deletePort(name: string): Promise<void> {
    this.checkOpen();
    const info = this.requirePort(name);
    await this.dp.deletePort(info.ofport);
    this.portsByName.delete(name);
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
      dropped: { runt: s.dropRunt, badSource: s.dropBadSrc, samePort: s.dropSamePort, portDown: s.dropPortDown, noPort: s.dropNoPort },
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.expiry);
    await this.dp.close();
    this.portsByName.clear();
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
