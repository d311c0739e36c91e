// The one place that loads the C++ addon and types its surface. Everything else
// imports from here; this is the only loosely typed file.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type NativePortType = 'afpacket' | 'tap' | 'mem' | 'pcap';

/** Where a tap port's device came from: made now, there already, or found in another network namespace. */
export type TapOrigin = 'created' | 'attached' | 'attached in another network namespace';

export interface NativePortSpec {
  name: string;
  type: NativePortType;
  ofport: number;
  /** afpacket: a netdev that does not exist yet is added down and attached when it appears. */
  allowMissing?: boolean;
  /** pcap (offline replay): the trace it replays and/or the file it records what it is sent to. */
  pcap?: { in?: string; out?: string; repeat?: number; nanosecond?: boolean };
  /** tap: see PortOptions.tap. */
  tap?: { persist?: boolean; mac?: string; searchNamespaces?: boolean };
}

export interface NativeReplayResult {
  packets: number;
  elapsedNs: number;
  truncated: number;
  oversize: number;
}

export interface NativePortStats {
  ofport: number;
  up: boolean;
  ifindex: number;
  rxPackets: number;
  rxBytes: number;
  rxDropped: number;
  rxErrors: number;
  txPackets: number;
  txBytes: number;
  txDropped: number;
  txErrors: number;
  linkDowns: number;
}

export interface NativeBridgeStats {
  lookups: number;
  hits: number;
  learned: number;
  moved: number;
  flooded: number;
  evicted: number;
  aged: number;
  macEntries: number;
  dropRunt: number;
  dropBadSrc: number;
  dropSamePort: number;
  dropPortDown: number;
  dropNoPort: number;
  parseErrors: number;
  tableMiss: number;
  invalidTtl: number;
  upcalls: number;
  upcallDrops: number;
  cacheHits: number;
  cacheMisses: number;
}

export interface NativeFdbEntry {
  mac: string;
  vlan: number;
  ofport: number;
  age: number;
}

export interface NativePortEvent {
  type: 'portDown' | 'portUp' | 'captureDone';
  /** captureDone: frames written. */
  packets?: number;
  ofport: number;
  reason: string;
}

/** The virtio-net offload state a frame can arrive with (gsoType: 1 TCPv4, 4 TCPv6, 5 UDP). */
export interface NativeOffload {
  gsoType: number;
  gsoSize: number;
  csumStart: number;
  /** Non-zero: the checksum at csumStart + csumOffset is left to finish. */
  csumOffset: number;
}

export interface NativeBridgeConfig {
  macAging: number;
  macTableSize: number;
}

/** The flow key of one frame, as the datapath's parser sees it (tests, trace). */
export type NativeFlowKey = Record<string, number | string | boolean>;

export interface NativeDatapath {
  addPort(spec: NativePortSpec): Promise<{ ifindex: number; records?: number; tapOrigin?: TapOrigin }>;
  deletePort(ofport: number): Promise<void>;
  configure(config: NativeBridgeConfig): Promise<void>;
  fdb(): Promise<NativeFdbEntry[]>;
  fdbFlush(): Promise<void>;
  portStats(): Promise<NativePortStats[]>;
  stats(): Promise<NativeBridgeStats>;
  /**
   * mem ports only: frames that arrive on `ofport`, in bursts of 32, all carrying
   * `offload` (a partial checksum, a GSO super-frame) when given, as from a TAP.
   */
  inject(ofport: number, frames: Buffer[], offload?: NativeOffload): Promise<void>;
  /** mem ports only: the frames the switch sent out of `ofport` since the last drain. */
  drain(ofport: number): Promise<Buffer[]>;
  close(): Promise<void>;
  /** All or nothing. */
  installFlows(flows: NativeFlow[]): Promise<void>;
  removeFlows(ids: number[]): Promise<void>;
  /** Replaces actions, instructions and cookie; counters stay. */
  setFlowActions(flows: NativeFlow[]): Promise<void>;
  flowStats(): Promise<NativeFlowStats[]>;
  packetOut(frame: Buffer, inPort: number, actions: NativeAction[]): Promise<void>;
  trace(frame: Buffer, inPort: number): Promise<NativeTrace>;
  setUpcallLimits(queue: number, ratePerSecond: number): Promise<void>;
  /** Runs every pcap input to its end through the pipeline; controller packets to a file. */
  replay(controllerOut?: string): Promise<NativeReplayResult>;
  /** Records read so far by a running replay. */
  replayProgress(): number;
  /** Benchmarks only: forward every frame to every other port, no parse, no lookup. */
  setBareForward(on: boolean): Promise<void>;
  /** How long the datapath thread keeps polling after the last packet before it sleeps. */
  setBusyPoll(microseconds: number): Promise<void>;
  /** Frames processed as if they arrived on `ofport` (any port type). */
  ingest(ofport: number, frames: Buffer[]): Promise<void>;
  /** Writes what the port receives/sends to a pcap file; count 0 = until stopCapture. */
  startCapture(ofport: number, path: string, direction: 'in' | 'out' | 'both', count: number): Promise<void>;
  stopCapture(ofport: number): Promise<number>;
}

/** An action as the datapath stores it (native/dp/of_action.h); codes in constants.op. */
export interface NativeAction {
  code: number;
  port?: number;
  u32?: number;
  u64?: bigint;
  u64b?: bigint;
  bytes?: Buffer;
}

/** A flow as the datapath installs it: raw FlowKey key and mask, compiled actions. */
export interface NativeFlow {
  id: number;
  table: number;
  priority: number;
  cookie: bigint;
  key: Buffer;
  mask: Buffer;
  apply: NativeAction[];
  write: NativeAction[];
  clearActions: boolean;
  writeMetadata?: { value: bigint; mask: bigint };
  gotoTable?: number;
}

export interface NativeFlowStats {
  id: number;
  packets: number;
  bytes: number;
  /** Milliseconds since the flow last matched a packet; -1 if it never did. */
  idleMs: number;
}

export interface NativePacketIn {
  type: 'packetIn';
  inPort: number;
  reason: number;
  tableId: number;
  cookie: bigint;
  totalLen: number;
  data: Buffer;
}

/** What a traced NORMAL op would do, read-only: kind 0 drop, 1 unicast, 2 flood; why as native/dp/normal.h NormalWhy. */
export interface NativeNormalTrace {
  kind: number;
  why: number;
  /** The learned port's ofport (unicast). */
  ofport: number;
}

export interface NativeTrace {
  steps: { table: number; depth: number; flowId: number; key: Buffer }[];
  ops: (NativeAction & { reason?: number; table?: number; normal?: NativeNormalTrace })[];
  tableMiss: boolean;
}

interface NativeAddon {
  Datapath: new (
    name: string,
    config: NativeBridgeConfig,
    onEvents: (events: (NativePortEvent | NativePacketIn)[]) => void,
  ) => NativeDatapath;
  parseFrame(frame: Buffer): NativeFlowKey | null;
  /** Reads a whole pcap/pcapng trace, validated first (errors name the byte offset). */
  readPcap(path: string): { records: { caplen: number; len: number; tsNs: bigint; interface: number; data: Buffer }[] };
  /** FlowKey field → [byte offset, size]; numbers in it are host (little-endian) order. */
  flowKeyLayout: Record<string, [number, number]>;
  constants: { burst: number; maxFrame: number; flowKeySize: number; op: Record<string, number> };
}

function locateAddon(): string {
  // Works from src/ (vitest) and from dist/src/ (compiled).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'build', 'Release', 'nodeswitch.node');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('nodeswitch native addon not built: run `npm run build` (build/Release/nodeswitch.node is missing)');
}

const require = createRequire(import.meta.url);
export const addon: NativeAddon = require(locateAddon()) as NativeAddon;
