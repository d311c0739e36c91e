/**
 * The OpenFlow 1.3 messages as typed values: what decodeMessage returns and
 * encodeMessage takes (index.ts). One variant per message type, discriminated by
 * `type` (the spec's name in snake_case); multipart bodies by `body.mpType`.
 *
 * Matches, actions, instructions, meters and groups are the project's own model
 * (src/ofproto, src/qos, group.ts), so a decoded FLOW_MOD goes to the Bridge as is.
 * Numbers follow src/ofproto/values.ts: ≤ 32-bit fields are `number`, 64-bit counters,
 * cookies, metadata and datapath ids `bigint`, MAC addresses 12 lowercase hex digits.
 *
 * Every message has the header's `xid`. The header's version is always 1.3 (0x04),
 * except HELLO, which carries the peer's version as it sent it.
 */
import type { Action } from '../../ofproto/actions.js';
import type { Match } from '../../ofproto/fields.js';
import type { FlowSpec } from '../../ofproto/flow.js';
import type { MeterSpec } from '../../qos/meter-syntax.js';
import type { OfErrorType } from './constants.js';
import type { GroupSpec, GroupStats } from './group-types.js';

export type { OfErrorType } from './constants.js';

interface Base {
  xid: number;
}

// --- Symmetric / setup messages -------------------------------------------------------

export interface HelloMsg extends Base {
  type: 'hello';
  /** The header's version (the highest the peer speaks). Encoded: defaults to 0x04. */
  version: number;
  /** The versions of the VERSIONBITMAP element (wire numbers: 0x01 = 1.0 … 0x06 = 1.5), ascending; undefined when the hello has none. */
  versions?: number[];
}

export interface ErrorMsg extends Base {
  type: 'error';
  /** OFPET_* name; a number for a type this codec does not know. */
  errType: OfErrorType | number;
  /** The code within errType (OFPBRC_BAD_LEN …); for EXPERIMENTER, the exp_type. */
  code: number;
  /** EXPERIMENTER errors only: the experimenter id. */
  experimenter?: number;
  /** The offending message's first bytes (≤ 64), or the HELLO_FAILED text. */
  data: Buffer;
}

export interface EchoMsg extends Base {
  type: 'echo_request' | 'echo_reply';
  data: Buffer;
}

/** An OFPT_EXPERIMENTER message (Nicira extensions …): kept raw; the agent refuses it. */
export interface ExperimenterMsg extends Base {
  type: 'experimenter';
  experimenter: number;
  expType: number;
  data: Buffer;
}

/** Messages with nothing but the header. */
export interface EmptyMsg extends Base {
  type:
    | 'features_request'
    | 'get_config_request'
    | 'barrier_request'
    | 'barrier_reply'
    | 'get_async_request';
}

export interface FeaturesReplyMsg extends Base {
  type: 'features_reply';
  datapathId: bigint;
  nBuffers: number;
  nTables: number;
  auxiliaryId: number;
  /** OFPC_* bits. */
  capabilities: number;
}

export interface SwitchConfigMsg extends Base {
  type: 'get_config_reply' | 'set_config';
  /** OFPC_FRAG_* */
  flags: number;
  missSendLen: number;
}

export type ControllerRole = 'nochange' | 'equal' | 'master' | 'slave';

export interface RoleMsg extends Base {
  type: 'role_request' | 'role_reply';
  role: ControllerRole;
  generationId: bigint;
}

/** Each mask: [master/equal, slave]; bit N = reason N (OFPR_*, OFPPR_*, OFPRR_*). */
export interface AsyncConfig {
  packetInMask: [number, number];
  portStatusMask: [number, number];
  flowRemovedMask: [number, number];
}
export interface AsyncMsg extends Base, AsyncConfig {
  type: 'get_async_reply' | 'set_async';
}

// --- Asynchronous messages ------------------------------------------------------------

/** ofp_port */
export interface OfPort {
  portNo: number;
  hwAddr: string; // 12 hex digits
  name: string; // ≤ 15 bytes
  /** OFPPC_* bits */
  config: number;
  /** OFPPS_* bits */
  state: number;
  /** OFPPF_* bits */
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  currSpeed: number; // kbit/s
  maxSpeed: number;
}

export type PortReason = 'add' | 'delete' | 'modify';
export interface PortStatusMsg extends Base {
  type: 'port_status';
  reason: PortReason;
  port: OfPort;
}

export type PacketInReason = 'no_match' | 'action' | 'invalid_ttl';
export interface PacketInMsg extends Base {
  type: 'packet_in';
  /** Always OFP_NO_BUFFER from us: the packet (up to max_len) is in `data`. */
  bufferId: number;
  totalLen: number;
  reason: PacketInReason;
  tableId: number;
  cookie: bigint;
  /** The pipeline fields of the packet: in_port (always), metadata when not 0. */
  match: Match;
  data: Buffer;
}

export type FlowRemovedReason = 'idle_timeout' | 'hard_timeout' | 'delete' | 'group_delete';
export interface FlowRemovedMsg extends Base {
  type: 'flow_removed';
  cookie: bigint;
  priority: number;
  reason: FlowRemovedReason;
  tableId: number;
  durationSec: number;
  durationNsec: number;
  idleTimeout: number;
  hardTimeout: number;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
}

// --- Controller commands --------------------------------------------------------------

export interface PacketOutMsg extends Base {
  type: 'packet_out';
  bufferId: number;
  inPort: number;
  actions: Action[];
  data: Buffer;
}

export type FlowModCommand = 'add' | 'modify' | 'modify_strict' | 'delete' | 'delete_strict';

/** OFPFF_* as booleans. */
export interface FlowModFlags {
  sendFlowRem: boolean;
  checkOverlap: boolean;
  resetCounts: boolean;
  noPktCounts: boolean;
  noBytCounts: boolean;
}

/**
 * spec: table (255 = OFPTT_ALL for delete), priority, cookie (+cookieMask for
 * modify/delete when the wire's cookie_mask is not 0), timeouts, match, actions,
 * instructions; spec.flags mirrors flags.sendFlowRem/checkOverlap; spec.outPort is
 * set for a delete whose out_port is not ANY. The encoder writes `flags`, `outPort`.
 */
export interface FlowModMsg extends Base {
  type: 'flow_mod';
  command: FlowModCommand;
  spec: FlowSpec;
  bufferId: number;
  outPort: number;
  outGroup: number;
  flags: FlowModFlags;
}

export type ModCommand = 'add' | 'modify' | 'delete';

/** delete: spec.type and buckets as sent (usually 'all', none); groupId may be OFPG_ALL. */
export interface GroupModMsg extends Base {
  type: 'group_mod';
  command: ModCommand;
  spec: GroupSpec;
}

/** delete: spec.id may be OFPM_ALL; the bands as sent (usually none). */
export interface MeterModMsg extends Base {
  type: 'meter_mod';
  command: ModCommand;
  spec: MeterSpec;
}

export interface PortModMsg extends Base {
  type: 'port_mod';
  portNo: number;
  hwAddr: string;
  /** OFPPC_* bits, applied where `mask` has them. */
  config: number;
  mask: number;
  /** OFPPF_* bits; 0 = leave unchanged. */
  advertise: number;
}

export interface TableModMsg extends Base {
  type: 'table_mod';
  tableId: number;
  config: number;
}

/** ofp_packet_queue: rates in tenths of a percent of the port's speed (OFPQT_MIN_RATE/MAX_RATE); undefined: no such property. */
export interface PacketQueue {
  queueId: number;
  port: number;
  minRate?: number;
  maxRate?: number;
}

export interface QueueGetConfigRequestMsg extends Base {
  type: 'queue_get_config_request';
  /** OFPP_ANY: every port. */
  port: number;
}

export interface QueueGetConfigReplyMsg extends Base {
  type: 'queue_get_config_reply';
  port: number;
  queues: PacketQueue[];
}

// --- Multipart --------------------------------------------------------------------------

/** FLOW and AGGREGATE requests select flows the same way. */
export interface FlowStatsRequest {
  tableId: number; // OFPTT_ALL: every table
  outPort: number; // OFPP_ANY: any
  outGroup: number; // OFPG_ANY: any
  cookie: bigint;
  cookieMask: bigint;
  match: Match;
}

export type MultipartRequestBody =
  | { mpType: 'desc' | 'table' | 'port_desc' | 'group_desc' | 'group_features' | 'meter_features' }
  | ({ mpType: 'flow' | 'aggregate' } & FlowStatsRequest)
  | { mpType: 'port_stats'; portNo: number } // OFPP_ANY: all
  | { mpType: 'queue'; portNo: number; queueId: number } // OFPP_ANY / OFPQ_ALL
  | { mpType: 'group'; groupId: number } // OFPG_ALL: all
  | { mpType: 'meter' | 'meter_config'; meterId: number } // OFPM_ALL: all
  | { mpType: 'table_features'; tables: TableFeatures[] }; // empty: just report

export interface MultipartRequestMsg extends Base {
  type: 'multipart_request';
  /** OFPMPF_REQ_MORE */
  flags: number;
  body: MultipartRequestBody;
}

export interface DescStats {
  mfrDesc: string; // ≤ 255 bytes
  hwDesc: string;
  swDesc: string;
  serialNum: string; // ≤ 31 bytes
  dpDesc: string; // ≤ 255 bytes
}

/** One flow of a FLOW reply: spec.flags mirrors flags (as for FLOW_MOD). */
export interface FlowStatsEntry {
  spec: FlowSpec;
  flags: FlowModFlags;
  durationSec: number;
  durationNsec: number;
  packetCount: bigint;
  byteCount: bigint;
}

export interface AggregateStats {
  packetCount: bigint;
  byteCount: bigint;
  flowCount: number;
}

export interface TableStats {
  tableId: number;
  activeCount: number;
  lookupCount: bigint;
  matchedCount: bigint;
}

export interface PortStats {
  portNo: number;
  rxPackets: bigint;
  txPackets: bigint;
  rxBytes: bigint;
  txBytes: bigint;
  rxDropped: bigint;
  txDropped: bigint;
  rxErrors: bigint;
  txErrors: bigint;
  rxFrameErr: bigint;
  rxOverErr: bigint;
  rxCrcErr: bigint;
  collisions: bigint;
  durationSec: number;
  durationNsec: number;
}

export interface QueueStats {
  portNo: number;
  queueId: number;
  txBytes: bigint;
  txPackets: bigint;
  txErrors: bigint;
  durationSec: number;
  durationNsec: number;
}

/** GroupStats (group.ts) with the wire's nanoseconds; durationSec is whole seconds. */
export interface GroupStatsEntry extends GroupStats {
  durationNsec: number;
}

export interface GroupFeatures {
  /** Bit N = group type N supported (OFPGT_ALL 0, SELECT 1, INDIRECT 2, FF 3). */
  types: number;
  /** OFPGFC_* */
  capabilities: number;
  /** Max groups per type, by OFPGT_* index. */
  maxGroups: [number, number, number, number];
  /** Bit N = action type N supported, per group type. */
  actions: [number, number, number, number];
}

export interface MeterStats {
  meterId: number;
  flowCount: number;
  packetInCount: bigint;
  byteInCount: bigint;
  durationSec: number;
  durationNsec: number;
  bands: { packetBandCount: bigint; byteBandCount: bigint }[];
}

export interface MeterFeatures {
  maxMeter: number;
  /** Bit N = band type N (1 << OFPMBT_DROP | 1 << OFPMBT_DSCP_REMARK). */
  bandTypes: number;
  /** OFPMF_* */
  capabilities: number;
  maxBands: number;
  maxColor: number;
}

/**
 * ofp_table_feature_prop. Ids are the wire numbers: OFPIT_* instruction types,
 * OFPAT_* action types, OXM headers (class << 16 | field << 9 | hasmask << 8 | length).
 */
export type TableFeatureProp =
  | { type: 'instructions' | 'instructions_miss'; ids: number[] }
  | { type: 'next_tables' | 'next_tables_miss'; ids: number[] }
  | { type: 'write_actions' | 'write_actions_miss' | 'apply_actions' | 'apply_actions_miss'; ids: number[] }
  | {
      type: 'match' | 'wildcards' | 'write_setfield' | 'write_setfield_miss' | 'apply_setfield' | 'apply_setfield_miss';
      ids: number[];
    }
  | { type: 'experimenter' | 'experimenter_miss'; experimenter: number; expType: number; data: Buffer };

export interface TableFeatures {
  tableId: number;
  name: string; // ≤ 31 bytes
  metadataMatch: bigint;
  metadataWrite: bigint;
  config: number;
  maxEntries: number;
  properties: TableFeatureProp[];
}

export type MultipartReplyBody =
  | ({ mpType: 'desc' } & DescStats)
  | { mpType: 'flow'; flows: FlowStatsEntry[] }
  | ({ mpType: 'aggregate' } & AggregateStats)
  | { mpType: 'table'; tables: TableStats[] }
  | { mpType: 'port_stats'; ports: PortStats[] }
  | { mpType: 'port_desc'; ports: OfPort[] }
  | { mpType: 'queue'; queues: QueueStats[] }
  | { mpType: 'group'; groups: GroupStatsEntry[] }
  | { mpType: 'group_desc'; groups: GroupSpec[] }
  | ({ mpType: 'group_features' } & GroupFeatures)
  | { mpType: 'meter'; meters: MeterStats[] }
  | { mpType: 'meter_config'; meters: MeterSpec[] }
  | ({ mpType: 'meter_features' } & MeterFeatures)
  | { mpType: 'table_features'; tables: TableFeatures[] };

export type MultipartType = MultipartReplyBody['mpType'];

export interface MultipartReplyMsg extends Base {
  type: 'multipart_reply';
  /** OFPMPF_REPLY_MORE */
  flags: number;
  body: MultipartReplyBody;
}

// --- The union ----------------------------------------------------------------------------

export type OfMessage =
  | HelloMsg
  | ErrorMsg
  | EchoMsg
  | ExperimenterMsg
  | EmptyMsg
  | FeaturesReplyMsg
  | SwitchConfigMsg
  | RoleMsg
  | AsyncMsg
  | PortStatusMsg
  | PacketInMsg
  | FlowRemovedMsg
  | PacketOutMsg
  | FlowModMsg
  | GroupModMsg
  | MeterModMsg
  | PortModMsg
  | TableModMsg
  | QueueGetConfigRequestMsg
  | QueueGetConfigReplyMsg
  | MultipartRequestMsg
  | MultipartReplyMsg;

export type OfMessageType = OfMessage['type'];
/** The variant of a given type: OfMessageOf<'flow_mod'> is FlowModMsg. */
export type OfMessageOf<T extends OfMessageType> = OfMessage extends infer M
  ? M extends OfMessage
    ? T extends M['type']
      ? M
      : never
    : never
  : never;
