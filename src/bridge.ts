import { EventEmitter } from 'node:events';
import { NodeswitchError } from './errors.js';
import { addon, type NativeDatapath, type NativeOffload, type NativePortEvent } from './native.js';
import type { BridgeOptions, BridgeStats, FdbEntry, PortInfo, PortOptions, PortStats, PortType } from './types.js';
import { checkInteger, checkNetdevName } from './validate.js';

export const DEFAULT_MAC_AGING = 300;
export const DEFAULT_MAC_TABLE_SIZE = 8192;
// OpenFlow reserves 0xff00 and up for special ports (OFPP_LOCAL, …); OVS allocates below.
export const MAX_OFPORT = 0xfeff;
const MAX_MAC_AGING = 1_000_000;
const MAX_MAC_TABLE_SIZE = 1 << 20;

/** Checks user-supplied bridge settings and fills in defaults. */
export function resolveBridgeOptions(opts: BridgeOptions, base?: Required<BridgeOptions>): Required<BridgeOptions> {
  return {
    macAging:
      opts.macAging === undefined ? (base?.macAging ?? DEFAULT_MAC_AGING) : checkInteger(opts.macAging, 'mac-aging', 1, MAX_MAC_AGING),
    macTableSize:
      opts.macTableSize === undefined
        ? (base?.macTableSize ?? DEFAULT_MAC_TABLE_SIZE)
        : checkInteger(opts.macTableSize, 'mac-table-size', 1, MAX_MAC_TABLE_SIZE),
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
  private closed = false;

  constructor(
    readonly name: string,
    opts: BridgeOptions = {},
    /** Tells whether a netdev name is already a port of some bridge of the switch. */
    private readonly portOwner: (port: string) => string | undefined = () => undefined,
  ) {
    super();
    this.opts = resolveBridgeOptions(opts);
    this.dp = new addon.Datapath(name, this.opts, (events) => this.onNativeEvents(events));
  }

  get options(): Required<BridgeOptions> {
    return { ...this.opts };
  }

  async configure(opts: BridgeOptions): Promise<void> {
    this.checkOpen();
    const next = resolveBridgeOptions(opts, this.opts);
    await this.dp.configure(next);
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

  async addPort(name: string, opts: PortOptions = {}): Promise<PortInfo> {
    this.checkOpen();
    checkNetdevName(name, 'port');
    const type: PortType = opts.type ?? 'afpacket';
    if (type !== 'afpacket' && type !== 'tap' && type !== 'mem') {
      throw new NodeswitchError(`port type "${String(type)}" is not one of afpacket, tap`, 'type');
    }
    const owner = this.portOwner(name);
    if (this.hasPort(name) || owner !== undefined) {
      throw new NodeswitchError(`port ${name} is already on bridge ${owner ?? this.name}`, 'port');
    }
    const ofport = opts.ofport === undefined ? this.nextOfport() : checkInteger(opts.ofport, 'ofport', 1, MAX_OFPORT);
    const holder = this.ofportHolder(ofport);
    if (holder !== undefined) {
      throw new NodeswitchError(`ofport ${ofport} is already taken by port ${holder} on bridge ${this.name}`, 'ofport');
    }
    this.pendingNames.add(name);
    this.pendingOfports.add(ofport);
    try {
      await this.dp.addPort({ name, type, ofport, allowMissing: opts.allowMissing === true });
    } finally {
      this.pendingNames.delete(name);
      this.pendingOfports.delete(ofport);
    }
    const info: PortInfo = { name, type, ofport };
    this.portsByName.set(name, info);
    return { ...info };
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
      dropped: { runt: s.dropRunt, badSource: s.dropBadSrc, samePort: s.dropSamePort, portDown: s.dropPortDown },
      parseErrors: s.parseErrors,
    };
  }

  /**
   * mem ports: hand frames to the switch as if they arrived on `port`, optionally
   * with offload state (partial checksum, GSO) as a TAP would hand them over.
   */
  async inject(port: string, frames: Buffer[], offload?: NativeOffload): Promise<void> {
    this.checkOpen();
    await this.dp.inject(this.requireMemPort(port).ofport, frames, offload);
  }

  /** mem ports: the frames the switch sent out of `port` since the last call. */
  async drain(port: string): Promise<Buffer[]> {
    this.checkOpen();
    return this.dp.drain(this.requireMemPort(port).ofport);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.dp.close();
    this.portsByName.clear();
  }

  private onNativeEvents(events: NativePortEvent[]): void {
    const names = this.namesByOfport();
    for (const e of events) {
      const port = names.get(e.ofport);
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
