// The one place that loads the C++ addon and types its surface. Everything else
// imports from here; this is the only loosely typed file.
import { createRequire } from 'node:module';
import type { NativeMirror } from './mirror.js';
import type { QueueStats } from './qos/qos.js';

// ---- names and numbers shared with C++ -------------------------------------------
// The values come only from addon.constants (native/addon/constants_js.cc builds it
// from the C++ definitions); the unions below type them, and
// test/native/constants.test.ts fails when a union and the C++ list drift apart.

/** native/port/port_type.h NS_PORT_TYPES. */
export type NativePortType = 'afpacket' | 'tap' | 'mem' | 'pcap' | 'bond';
/** native/dp/poll_mode.h NS_POLL_MODES: how the datapath thread waits for input. */
export type NativeDatapathPollMode = 'adaptive' | 'busy' | 'interrupt';
/** native/dp/vlan.h NS_VLAN_MODES: a port's vlan_mode, as Open vSwitch names them. */
export type NativeVlanMode = 'trunk' | 'access' | 'native-tagged' | 'native-untagged';
/** native/dp/of_action.h NS_PACKET_IN_REASONS, by reason code. */
export type NativePacketInReason = 'no_match' | 'action' | 'invalid_ttl';
/** native/dp/upcall_batch.h NS_PACKET_IN_FIELDS: a packet-in record's u32 fields, in order. */
export type NativePacketInField = 'inPort' | 'reason' | 'tableId' | 'totalLen' | 'offset' | 'length' | 'cookieLo' | 'cookieHi';
/** native/dp/controller_batch.h NS_PACKET_OUT_FIELDS: a packed packet-out record's u32 fields, in order. */
export type NativePacketOutField = 'inPort' | 'offset' | 'length' | 'actions';
/** native/dp/of_action.h NS_OP_CODES. */
export type NativeOpName =
  | 'output' | 'inPort' | 'normal' | 'flood' | 'all' | 'local' | 'controller'
  | 'setEthSrc' | 'setEthDst' | 'setVlanVid' | 'setVlanPcp' | 'pushVlan' | 'popVlan'
  | 'setIpv4Src' | 'setIpv4Dst' | 'setIpv6Src' | 'setIpv6Dst' | 'setIpDscp' | 'setIpEcn' | 'setIpTtl' | 'decTtl'
  | 'setTpSrc' | 'setTpDst' | 'meter' | 'setQueue' | 'setInPort' | 'setMetadata' | 'resubmit' | 'group';
/** native/dp/of_action.h NS_OFPP: the reserved OpenFlow port numbers. */
export type NativeReservedPort = 'max' | 'inPort' | 'table' | 'normal' | 'flood' | 'all' | 'controller' | 'local' | 'any';
/** native/core/counters.h NS_PORT_COUNTERS, in struct order. */
export type NativePortCounterName =
  | 'rxPackets' | 'rxBytes' | 'rxDropped' | 'rxErrors' | 'txPackets' | 'txBytes' | 'txDropped' | 'txErrors' | 'rxPoliced'
  | 'linkDowns';
/** native/core/counters.h NS_BRIDGE_COUNTERS, in struct order. */
export type NativeBridgeCounterName =
  | 'lookups' | 'hits' | 'learned' | 'moved' | 'flooded' | 'evicted' | 'aged'
  | 'dropRunt' | 'dropBadSrc' | 'dropSamePort' | 'dropPortDown' | 'dropNoPort' | 'dropVlan' | 'parseErrors' | 'tableMiss' | 'invalidTtl'
  | 'upcalls' | 'upcallDrops' | 'pollSpins' | 'pollSleeps';
/** native/core/counters.h NS_CACHE_COUNTERS, in struct order. */
export type NativeCacheCounterName =
  | 'cacheHits' | 'cacheMisses' | 'megaflowHits' | 'megaflowMisses' | 'translations'
  | 'megaflowsAdded' | 'megaflowsExpired' | 'megaflowsRevalidated' | 'megaflowsKept' | 'megaflows' | 'megaflowMasks';

export interface NativeConstants {
  /** Frames per receive burst and per output queue flush. */
  burst: number;
  /** The largest frame the datapath takes (a 64 KB GSO super-frame and its headers). */
  maxFrame: number;
  /** sizeof(FlowKey): the length of every raw key and mask. */
  flowKeySize: number;
  /** The highest ofport a switch port may have (OpenFlow reserves 0xff00 and up). */
  maxOfport: number;
  /** resubmit's table for "the table this resubmit runs in". */
  resubmitCurrentTable: number;
  /** native/dp/group_table.h: group type names by OFPGT_* number, buckets per group, OFPG_ANY. */
  groupTypes: readonly string[];
  groupMaxBuckets: number;
  ofpgAny: number;
  /** Egress queues a shaped port has (ids 0..maxQueues-1; native/dp/stages/shaper.h). */
  maxQueues: number;
  /** Each queue's bound: frames, and the bytes held for them. */
  queueFrames: number;
  queueBytes: number;
  /** OpenFlow 1.3's reserved port numbers (OFPP_*), 32-bit. */
  ofpp: Record<NativeReservedPort, number>;
  op: Record<NativeOpName, number>;
  /** Index = the OpenFlow reason code a packet-in carries. */
  packetInReasons: readonly NativePacketInReason[];
  portTypes: readonly NativePortType[];
  datapathPoll: readonly NativeDatapathPollMode[];
  vlanModes: readonly NativeVlanMode[];
  /** native/dp/bond.h: bond modes, LACP modes and LACP times, by name. */
  bondModes: readonly string[];
  lacpModes: readonly string[];
  lacpTimes: readonly string[];
  /** A packet-in batch's record: its fields in order (the record is this many u32s). */
  packetInFields: readonly NativePacketInField[];
  /** A controller batch's packed packet-out record: its fields in order. */
  packetOutFields: readonly NativePacketOutField[];
  counters: { port: readonly NativePortCounterName[]; bridge: readonly NativeBridgeCounterName[]; cache: readonly NativeCacheCounterName[] };
  /** The flow batch layout (native/dp/flow_batch.h): what src/ofproto/flow-batch.ts writes. */
  flowBatch: NativeFlowBatchLayout;
}

/** Field names of a flow batch record's header and of its action records, as C++ lists them. */
export type NativeFlowBatchHeaderField =
  | 'id' | 'priority' | 'table' | 'flags' | 'gotoTable' | 'nApply' | 'nWrite' | 'nWords' | 'wordMap' | 'cookie'
  | 'metadataValue' | 'metadataMask';
export type NativeFlowBatchActionField = 'code' | 'port' | 'u32' | 'u64' | 'u64b' | 'bytes';
export type NativeFlowBatchFlag = 'clearActions' | 'writeMetadata' | 'gotoTable';

export interface NativeFlowBatchLayout {
  headerSize: number;
  actionSize: number;
  /** Bytes per match word; the FlowKey is `words` of them (the last maybe partial). */
  wordSize: number;
  words: number;
  /** [offset, size] in bytes. */
  header: Record<NativeFlowBatchHeaderField, [number, number]>;
  action: Record<NativeFlowBatchActionField, [number, number]>;
  flags: Record<NativeFlowBatchFlag, number>;
}

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
  tap?: { persist?: boolean; mac?: string; searchNamespaces?: boolean; leaveDown?: boolean };
}

export interface NativeReplayResult {
  packets: number;
  elapsedNs: number;
  truncated: number;
  oversize: number;
}

/** One port's state and its counters (every NS_PORT_COUNTERS field). */
export interface NativePortStats extends Record<NativePortCounterName, number> {
  ofport: number;
  up: boolean;
  ifindex: number;
}

/** The bridge's counters (every NS_BRIDGE_COUNTERS and NS_CACHE_COUNTERS field) and MAC table size. */
export interface NativeBridgeStats extends Record<NativeBridgeCounterName | NativeCacheCounterName, number> {
  macEntries: number;
}

/** One megaflow: the cached translation of every packet whose key, under mask, is key. */
export interface NativeMegaflow {
  key: Buffer;
  mask: Buffer;
  packets: number;
  bytes: number;
  idleMs: number;
  ageMs: number;
  ops: NativeTrace['ops'];
  /** The flows it credits, in the order the pipeline hit them. */
  flowIds: number[];
}

/** The caches in front of the OpenFlow tables (native/dp/pipeline.h). */
export interface NativeCacheConfig {
  /** The exact-match cache in front of the megaflows. */
  exactMatch: boolean;
  /** Wildcarded megaflows; without them every cached translation is exact. Both off: no cache at all. */
  megaflows: boolean;
  /** At most this many megaflows; past it packets are translated each time. */
  limit: number;
  /** Megaflows unused this long are dropped. */
  maxIdleMs: number;
  /** Distinct megaflow masks past which new megaflows share a more specific one. */
  maxMasks: number;
  /** A megaflow hit enters the exact-match cache one time in this many. */
  exactInsertInvProb: number;
  /** Address bits prefix tracking consults are rounded up to a multiple of this (1: exact, as OVS). */
  prefixGranularity: number;
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

/** LACP information of one side of a member link (native/dp/lacp.h LacpInfo). */
export interface NativeLacpInfo {
  sysId: string;
  sysPriority: number;
  key: number;
  portId: number;
  portPriority: number;
  /** The state bits: activity 0x01, timeout 0x02, aggregation 0x04, sync 0x08, collecting 0x10, distributing 0x20, defaulted 0x40, expired 0x80. */
  state: number;
}

export interface NativeBondMember {
  name: string;
  enabled: boolean;
  carrier: boolean;
  active: boolean;
  /** Hash buckets (of 256) this member carries; 0 in active-backup. */
  buckets: number;
  /** The member link's own packet counters (LACPDUs included). */
  rxPackets: number;
  txPackets: number;
  lacp?: {
    status: 'current' | 'expired' | 'defaulted';
    attached: boolean;
    mayEnable: boolean;
    actor: NativeLacpInfo;
    partner: NativeLacpInfo;
    rxPdus: number;
    rxBad: number;
    txPdus: number;
  };
}

/** One bond as the datapath sees it now (bond-show). */
export interface NativeBond {
  name: string;
  ofport: number;
  mode: 'active-backup' | 'balance-slb' | 'balance-tcp';
  lacp: 'active' | 'passive' | 'off';
  lacpTime: 'slow' | 'fast';
  negotiated: boolean;
  sysId: string;
  sysPriority: number;
  key: number;
  members: NativeBondMember[];
}

export interface NativeBondSpec {
  name: string;
  ofport: number;
  members: string[];
  mode: NativeBond['mode'];
  lacp: NativeBond['lacp'];
  lacpTime: NativeBond['lacpTime'];
  /** afpacket (default) or mem (tests). */
  memberType?: 'afpacket' | 'mem';
  /** A member whose netdev does not exist yet is added down (see NativePortSpec). */
  allowMissing?: boolean;
}

export interface NativeDatapath {
  addPort(spec: NativePortSpec): Promise<{ ifindex: number; records?: number; tapOrigin?: TapOrigin }>;
  deletePort(ofport: number): Promise<void>;
  /** A port's VLAN configuration (native/dp/vlan.h); trunks [] = every VLAN. Forgets what was learned on the port and flushes the megaflows. */
  setPortVlan(ofport: number, vlan: { mode: NativeVlanMode; tag: number; trunks: number[] }): Promise<void>;
  /** A bond and its member ports; deletePort(its ofport) removes them all. */
  addBond(spec: NativeBondSpec): Promise<void>;
  bonds(): Promise<NativeBond[]>;
  configure(config: NativeBridgeConfig): Promise<void>;
  fdb(): Promise<NativeFdbEntry[]>;
  fdbFlush(): Promise<void>;
  portStats(): Promise<NativePortStats[]>;
  stats(): Promise<NativeBridgeStats>;
  /**
   * mem ports only (tests, benches): frames that arrive on `ofport`'s receive
   * queue, polled in bursts of 32, all carrying `offload` (a partial checksum, a GSO
   * super-frame) when given, as from a TAP. Not `ingest`.
   */
  injectMem(ofport: number, frames: Buffer[], offload?: NativeOffload): Promise<void>;
  /** mem ports only: the frames the switch sent out of `ofport` since the last drain. */
  drainMem(ofport: number): Promise<Buffer[]>;
  close(): Promise<void>;
  /** All or nothing. */
  /** A flow batch (src/ofproto/flow-batch.ts encodeFlowBatch). */
  installFlows(batch: Buffer): Promise<void>;
  removeFlows(ids: number[]): Promise<void>;
  /** Replaces actions, instructions and cookie; counters stay. */
  /** A flow batch; each record's id names the installed flow whose actions it replaces. */
  setFlowActions(batch: Buffer): Promise<void>;
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
  /** How long the datapath thread keeps polling after the last packet before it sleeps (adaptive mode's base window). */
  setBusyPoll(microseconds: number): Promise<void>;
  /** How the datapath thread waits for input (native/dp/poll_mode.h). */
  setDatapathPoll(mode: NativeDatapathPollMode): Promise<void>;
  /**
   * Live traffic from a trace (nodeswitch inject): frames run through the burst
   * path as if they had arrived on `ofport`, whatever its type; the port's driver
   * never sees them.
   */
  ingest(ofport: number, frames: Buffer[]): Promise<void>;
  /** Writes what the port receives/sends to a pcap file; count 0 = until stopCapture. */
  startCapture(ofport: number, path: string, direction: 'in' | 'out' | 'both', count: number): Promise<void>;
  stopCapture(ofport: number): Promise<number>;
  dumpMegaflows(): Promise<NativeMegaflow[]>;
  flushMegaflows(): Promise<void>;
  setCacheConfig(config: NativeCacheConfig): Promise<void>;
  // mirror_js.cc: the whole mirror set at once, by ofport (src/mirror.ts compiles it).
  setMirrors(mirrors: NativeMirror[]): Promise<void>;
  mirrorStats(): Promise<{ name: string; packets: number; bytes: number }[]>;
  /** Ingress policing of a port (native/dp/stages/policer.h): kbit/s and kbit; rate 0 turns it off. */
  setIngressPolicing(ofport: number, policing: { rate: number; burst: number }): Promise<void>;
  /** Adds a meter or replaces its bands (native/dp/meter_table.h). */
  setMeter(meter: NativeMeter): Promise<void>;
  /** Deletes the meters named (none: every meter). */
  deleteMeters(ids: number[]): Promise<void>;
  meterStats(): Promise<NativeMeterStats[]>;
  /** Adds a group or replaces its buckets (native/dp/group_table.h); flushes the megaflows. */
  setGroup(group: NativeGroup): Promise<void>;
  /** Deletes the groups named (none: every group). */
  deleteGroups(ids: number[]): Promise<void>;
  groupStats(): Promise<NativeGroupStats[]>;
  /** Tests: a mem port's link goes down or up, as a netdev's carrier does. */
  setMemLink(ofport: number, up: boolean): Promise<void>;
  /** Egress shaping of one port (native/dp/stages/shaper.h); null takes it away. */
  setQos(ofport: number, config: NativeQosConfig | null): Promise<void>;
  /** Every shaped port's queues with their counters. */
  queueStats(): Promise<NativeQueueStats[]>;
  /** A controller batch (native/dp/controller_batch.h): every step checked, then all run in order, in one command. */
  apply(steps: NativeStep[]): Promise<void>;
}

/** A meter as the datapath runs it: every band's burst already defaulted. */
export interface NativeMeter {
  id: number;
  /** Rates in packets/s and bursts in packets; else kbit/s and kbit. */
  pktps: boolean;
  bands: { type: 'drop' | 'dscp_remark'; rate: number; burst: number; precLevel?: number }[];
}

export interface NativeMeterStats {
  id: number;
  packets: number;
  bytes: number;
  /** What each band applied to, in the meter's band order. */
  bands: { packets: number; bytes: number }[];
}

/** A group as the datapath runs it; type is OFPGT_* (0 all, 1 select, 2 indirect, 3 ff). */
export interface NativeGroup {
  id: number;
  type: number;
  buckets: { weight: number; watchPort: number; watchGroup: number; actions: NativeAction[] }[];
}

export interface NativeGroupStats {
  id: number;
  packets: number;
  bytes: number;
  /** In the group's bucket order. */
  buckets: { packets: number; bytes: number }[];
}

/** Rates in bit/s; queue ids below constants.maxQueues. */
export interface NativeQosConfig {
  maxRate: number;
  queues: { queue: number; minRate: number; maxRate: number; priority: number }[];
}

/** A shaped port's queue as the datapath reports it: QueueStats by ofport, with the port's max-rate. */
export interface NativeQueueStats extends Omit<QueueStats, 'port'> {
  portMaxRate: number;
}

/** One step of a controller batch: flow-mods by flow id as the single-verb calls take them, or a packet-out. */
export type NativeStep =
  /** flows: a packed flow batch (src/ofproto/flow-batch.ts), as installFlows takes. */
  | { kind: 'install' | 'setActions'; flows: Buffer }
  | { kind: 'remove'; ids: number[] }
  /** Consecutive packet-outs: every frame in `frames`, a packetOutFields record each, the distinct action lists they name. */
  | { kind: 'packetOuts'; frames: Buffer; records: Uint32Array; actionLists: NativeAction[][] };

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

/** One burst's packet-ins: `count` records of packetInFields u32s, and every packet's data back to back. */
export interface NativePacketInBatch {
  type: 'packetIns';
  count: number;
  records: Uint32Array;
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
  /** Controller ops also carry their packet-in reason code and table. */
  ops: (NativeAction & { reason?: number; table?: number; normal?: NativeNormalTrace })[];
  tableMiss: boolean;
  /** The megaflow the packet would create (key already masked); installed: one like it is cached now. */
  megaflow: { key: Buffer; mask: Buffer; installed: boolean };
}

/** A pcap/pcapng trace as the native reader reads it (inject; tests). */
export interface NativePcapTrace {
  format: 'pcap' | 'pcapng';
  count: number;
  /** Records whose capture was cut short (caplen < len). */
  truncated: number;
  interfaces: number;
  records: { caplen: number; len: number; tsNs: bigint; interface: number; data: Buffer }[];
}

interface NativeAddon {
  Datapath: new (
    name: string,
    config: NativeBridgeConfig,
    onEvents: (events: (NativePortEvent | NativePacketInBatch)[]) => void,
  ) => NativeDatapath;
  parseFrame(frame: Buffer): NativeFlowKey | null;
  /** Reads a whole pcap/pcapng trace, validated first (errors name the byte offset). */
  readPcap(path: string): NativePcapTrace;
  /** FlowKey field → [byte offset, size]; numbers in it are host (little-endian) order. */
  flowKeyLayout: Record<string, [number, number]>;
  constants: NativeConstants;
}

function loadAddon(): NativeAddon {
  try {
    return createRequire(import.meta.url)('#binding') as NativeAddon;
  } catch (err) {
    throw new Error(`nodeswitch native addon not built or not loadable: run \`npm run build\` (${(err as Error).message.trim()})`, { cause: err });
  }
}

export const addon: NativeAddon = loadAddon();

/** Every number and name shared with C++ (see NativeConstants). */
export const constants: NativeConstants = addon.constants;
/** The highest ofport a switch port may have. */
export const MAX_OFPORT = constants.maxOfport;
