/**
 * OpenFlow 1.3 groups (§5.6): the types every layer shares — the bridge's group table
 * (group-table.ts), the datapath's (native/dp/group_table.h), the wire codec
 * (src/openflow/wire) and the CLI — and their ovs-ofctl syntax.
 */
import { NodeswitchError } from '../errors.js';
import type { Action } from './actions.js';

/** ovs-ofctl's names for OFPGT_ALL, OFPGT_SELECT, OFPGT_INDIRECT, OFPGT_FF. */
export type GroupType = 'all' | 'select' | 'indirect' | 'ff';

/** Every group (OFPG_ANY: "no group", e.g. an unset watch_group). */
export const OFPG_ANY = 0xffffffff;
/** All groups, in a delete or a stats request. */
export const OFPG_ALL = 0xfffffffc;
/** The highest group id a group may have. */
export const OFPG_MAX = 0xffffff00;

export interface Bucket {
  /** select only: its share of the flows (default 1 there); 0 for the other types. */
  weight: number;
  /** ff only: the port whose liveness makes the bucket usable; OFPP_ANY when unset. */
  watchPort: number;
  /** ff only: the group whose liveness makes the bucket usable; OFPG_ANY when unset. */
  watchGroup: number;
  actions: Action[];
}

export interface GroupSpec {
  groupId: number;
  type: GroupType;
  buckets: Bucket[];
}

export interface GroupStats {
  groupId: number;
  /** How many flows (and ff buckets' watch_group) name the group. */
  refCount: number;
  packetCount: bigint;
  byteCount: bigint;
  durationSec: number;
  /** In the group's bucket order. */
  buckets: { packetCount: bigint; byteCount: bigint }[];
}

/** OpenFlow 1.3's OFPGMFC_* codes, by name. */
export type GroupModErrorCode =
  | 'GROUP_EXISTS'
  | 'INVALID_GROUP'
  | 'WEIGHT_UNSUPPORTED'
  | 'OUT_OF_GROUPS'
  | 'OUT_OF_BUCKETS'
  | 'CHAINING_UNSUPPORTED'
  | 'WATCH_UNSUPPORTED'
  | 'LOOP'
  | 'UNKNOWN_GROUP'
  | 'CHAINED_GROUP'
  | 'BAD_TYPE'
  | 'BAD_COMMAND'
  | 'BAD_BUCKET'
  | 'BAD_WATCH'
  | 'EPERM';

/** A group mod the bridge refuses; `ofCode` is the OFPGMFC_* code the wire answers with. */
export class GroupModError extends NodeswitchError {
  constructor(
    readonly ofCode: GroupModErrorCode,
    message: string,
    argument = 'group',
  ) {
    super(message, argument);
    this.name = 'GroupModError';
  }
}
