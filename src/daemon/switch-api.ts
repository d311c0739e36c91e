// The part of Switch/Bridge the daemon uses, as interfaces: the daemon is written
// against these so that its logic can be unit-tested with a fake switch, and so that
// loading the daemon's modules does not load the native addon (only daemon.ts does,
// when it builds the real Switch).
import type { PortVlan, PortVlanOptions } from '../vlan.js';
import type { BondOptions } from '../bond.js';
import type { FlowsProgress, MegaflowInfo, TraceResult } from '../bridge.js';
import type { MirrorInfo, MirrorSpec } from '../mirror.js';
import type { NativeBond } from '../native.js';
import type { FlowSpec, FlowStats } from '../ofproto/flow-syntax.js';
import type { MeterSpec } from '../qos/meter-syntax.js';
import type { MeterWithStats } from '../qos/meter-table.js';
import type { GroupSpec, GroupStats } from '../ofproto/group.js';
import type { QosSpec, QueueStats } from '../qos/qos.js';
import type { AddedPort, BridgeCreateOptions, BridgeOptions, FdbEntry, PortInfo, PortOptions, PortStats } from '../types.js';

export interface PortEvent {
  port: string;
  ofport: number;
  reason: string;
}

export type CaptureDirection = 'in' | 'out' | 'both';

/** A capture that ended in the datapath: its count reached, its port deleted, a write error. */
export interface CaptureDoneEvent {
  port: string | undefined;
  ofport: number;
  packets: number;
  /** Empty when the count was reached. */
  reason: string;
}

/** One installed flow, as the daemon reads it (a subset of ofproto's FlowEntry). */
export interface FlowListEntry {
  id: number;
  table: number;
  priority: number;
  /** The flow, parsed from text on each read (ofproto/flow-entry.ts): read it once. */
  readonly spec: FlowSpec;
  /** formatFlow(spec): the line the daemon saves. */
  readonly text: string;
  /** formatFlow(spec, stats) from the stored line. */
  format(stats: FlowStats): string;
}

/** A flow with its counters (a subset of ofproto's FlowWithStats). */
export interface FlowStatsEntry {
  entry: FlowListEntry;
  packets: number;
  bytes: number;
  durationSec: number;
  idleAgeSec: number;
}

export interface BridgeApi {
  readonly name: string;
  readonly options: Required<BridgeOptions>;
  configure(opts: BridgeOptions): Promise<void>;
  ports(): PortInfo[];
  addPort(name: string, opts: PortOptions): Promise<AddedPort>;
  deletePort(name: string): Promise<void>;
  setPortVlan(name: string, vlan: PortVlanOptions): Promise<PortVlan>;
  // Bonds (optional: the unit tests' fake has none); deletePort removes one.
  addBond?(name: string, members: readonly string[], opts: BondOptions): Promise<PortInfo>;
  bonds?(): Promise<NativeBond[]>;
  fdb(): Promise<FdbEntry[]>;
  fdbFlush(): Promise<void>;
  portStats(name?: string): Promise<PortStats[]>;
  on(event: 'portDown' | 'portUp', listener: (e: PortEvent) => void): unknown;
  on(event: 'captureDone', listener: (e: CaptureDoneEvent) => void): unknown;
  /** Flows left the table by their idle or hard timeout (at most one event a second). */
  on(event: 'flowsExpired', listener: (e: { count: number }) => void): unknown;
  // Live inject and capture (nodeswitch inject / capture). Optional: a switch without
  // them (the unit tests' fake) refuses those verbs.
  ingest?(port: string, frames: Buffer[]): Promise<void>;
  startCapture?(port: string, file: string, opts: { direction?: CaptureDirection; count?: number }): Promise<void>;
  stopCapture?(port: string): Promise<number>;
  // OpenFlow tables (ovs-ofctl syntax; errors are FlowSyntaxError / NodeswitchError).
  addFlow(flow: string): Promise<void>;
  addFlows(text: string, opts?: { onProgress?: FlowsProgress }): Promise<number>;
  modFlows(flow: string, opts: { strict?: boolean }): Promise<number>;
  delFlows(match: string, opts: { strict?: boolean }): Promise<number>;
  dumpFlows(match: string): Promise<FlowStatsEntry[]>;
  traceFrame(frame: Buffer, inPort: number): Promise<TraceResult>;
  // The megaflow cache (optional: the unit tests' fake has none).
  dumpMegaflows?(): Promise<MegaflowInfo[]>;
  // Port mirrors (optional: the unit tests' fake has none).
  addMirror?(name: string, spec: MirrorSpec): Promise<void>;
  deleteMirror?(name: string): Promise<void>;
  setMirrors?(mirrors: { name: string; spec: MirrorSpec }[]): Promise<void>;
  mirrors?(): Promise<MirrorInfo[]>;
  // QoS (optional: a switch without them refuses set-port's policing and the meter verbs).
  setIngressPolicing?(port: string, policing: { rate?: number; burst?: number }): Promise<void>;
  addMeter?(meter: string | MeterSpec): Promise<void>;
  modMeter?(meter: string | MeterSpec): Promise<void>;
  delMeters?(selector: string): Promise<{ meters: number; flows: number }>;
  dumpMeters?(selector?: string): MeterSpec[];
  meterStats?(selector?: string): Promise<(MeterWithStats & { flowCount: number })[]>;
  // OpenFlow groups (optional like the above; src/ofproto/group-table.ts).
  addGroup?(group: string | GroupSpec): Promise<void>;
  modGroup?(group: string | GroupSpec): Promise<void>;
  delGroups?(groupId?: number): Promise<number>;
  dumpGroups?(groupId?: number): GroupSpec[];
  groupStats?(groupId?: number): Promise<GroupStats[]>;
  // Egress shaping (src/qos/qos.ts; optional like the above).
  setQos?(port: string, qos: QosSpec | null): Promise<void>;
  queueStats?(): Promise<QueueStats[]>;
  readonly flows: {
    list(): FlowListEntry[];
    /** Installs saved flows into an empty table as they are (restore, undo). */
    addInitial(specs: FlowSpec[]): Promise<void>;
  };
}

export interface SwitchApi {
  addBridge(name: string, opts?: BridgeCreateOptions): BridgeApi;
  deleteBridge(name: string): Promise<void>;
  bridge(name: string): BridgeApi | undefined;
  close(): Promise<void>;
}

export type Log = (line: string) => void;

/** Port link events go to the daemon's log, one line each. */
export function watchBridge(bridge: BridgeApi, log: Log): void {
  bridge.on('portDown', (e) => log(`bridge ${bridge.name}: port ${e.port} (ofport ${e.ofport}) down: ${e.reason}`));
  bridge.on('portUp', (e) => log(`bridge ${bridge.name}: port ${e.port} (ofport ${e.ofport}) up: ${e.reason}`));
}
