/**
 * OpenFlow 1.3 groups (§5.6): the types every layer shares — the bridge's group table
 * (group-table.ts), the datapath's (native/dp/group_table.h), the wire codec
 * (src/openflow/wire) and the CLI — and their ovs-ofctl syntax.
 */
import { NodeswitchError } from '../errors.js';
import { type Action, formatAction, parseBucketActions } from './actions.js';
import { FlowSyntaxError } from './errors.js';
import { FieldError } from './fields.js';
import { formatPort, type KeyValue, OFPP, OFPP_MAX_PHYSICAL, parsePort, type PortResolver, splitKeyValues } from './values.js';

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

// --- ovs-ofctl syntax ---------------------------------------------------------------
//
//   group_id=1,type=select,bucket=weight:10,actions=output:1,bucket=weight:20,actions=output:2
//   group_id=2,type=ff,bucket=watch_port:2,actions=output:2,bucket=watch_port:3,actions=output:3
//   group_id=3,type=all,bucket=output:1,bucket=mod_dl_dst:00:00:00:00:00:01,output:2
//
// As ovs-ofctl(8) "Group Syntax": the group's fields, then each `bucket=` starts a
// bucket, whose fields (weight, watch_port, watch_group, bucket_id — ':' or '=') and
// actions follow it; `actions=` takes the rest of the bucket; a bucket's other
// tokens are actions too. Printing is ovs-ofctl -O OpenFlow13 dump-groups's: weight
// only for select and only when not 1, watch_port/watch_group only when set, every
// bucket's actions after "actions=", type ff as "ff". bucket_id is accepted and not
// kept (OpenFlow 1.3 has no bucket ids), as ovs-ofctl prints none for 1.3.

const TYPE_NAMES: Record<string, GroupType> = { all: 'all', select: 'select', indirect: 'indirect', ff: 'ff', fast_failover: 'ff' };
/** OFPGT_* numbers, the datapath's too (native/dp/group_table.h GroupType). */
export const GROUP_TYPE_CODE: Record<GroupType, number> = { all: 0, select: 1, indirect: 2, ff: 3 };

function groupInteger(token: string, value: string, what: string, max: number, code: GroupModErrorCode = 'BAD_BUCKET'): number {
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n > max) {
    throw new GroupModError(code, `${token}: ${what} must be an integer from 0 to ${max}, got "${value}"`);
  }
  return n;
}

export interface GroupParseOptions {
  /** Port names in watch_port and output actions. */
  resolvePort?: PortResolver;
}

/** One add-group / mod-group text → its spec (not yet checked against the bridge: checkGroupSpec). */
export function parseGroup(text: string, opts: GroupParseOptions = {}): GroupSpec {
  const tokens = splitKeyValues(text);
  let groupId: number | undefined;
  let type: GroupType | undefined;
  const buckets: { fields: KeyValue; rest: KeyValue[] }[] = [];
  for (const kv of tokens) {
    const key = kv.key.toLowerCase();
    if (key === 'bucket') {
      buckets.push({ fields: kv, rest: [] });
      continue;
    }
    if (buckets.length) {
      buckets[buckets.length - 1]!.rest.push(kv);
      continue;
    }
    switch (key) {
      case 'group_id':
        groupId = groupInteger(kv.raw, kv.value, 'group_id', OFPG_MAX, 'INVALID_GROUP');
        break;
      case 'type': {
        const t = TYPE_NAMES[kv.value.toLowerCase()];
        if (!t) throw new GroupModError('BAD_TYPE', `${kv.raw}: not a group type (all, select, indirect or ff)`);
        type = t;
        break;
      }
      case 'selection_method':
        if (kv.value !== 'default') throw new GroupModError('BAD_TYPE', `${kv.raw}: only the default selection method (a hash of the 5-tuple) is supported`);
        break;
      default:
        throw new GroupModError('BAD_COMMAND', `${kv.raw}: not a group field (group_id, type, bucket)`);
    }
  }
  if (groupId === undefined) throw new GroupModError('INVALID_GROUP', `${text.trim() || '(empty)'}: must specify a group_id`);
  if (type === undefined) throw new GroupModError('BAD_TYPE', `group_id=${groupId}: must specify a type (all, select, indirect or ff)`);
  const spec: GroupSpec = { groupId, type, buckets: buckets.map((b) => parseBucket(type!, b.fields, b.rest, opts)) };
  return spec;
}

function parseBucket(type: GroupType, first: KeyValue, rest: KeyValue[], opts: GroupParseOptions): Bucket {
  const bucket: Bucket = { weight: type === 'select' ? 1 : 0, watchPort: OFPP.ANY, watchGroup: OFPG_ANY, actions: [] };
  // The bucket's own value ("weight:10" of bucket=weight:10) is its first token.
  const items = [...splitKeyValues(first.value), ...rest];
  const actionTexts: string[] = [];
  let inActions = false;
  for (const kv of items) {
    const key = kv.key.toLowerCase();
    if (inActions) {
      actionTexts.push(kv.raw);
      continue;
    }
    switch (key) {
      case 'weight':
        if (type !== 'select') throw new GroupModError('WEIGHT_UNSUPPORTED', `${kv.raw}: only select groups can have bucket weights`);
        bucket.weight = groupInteger(kv.raw, kv.value, 'weight', 0xffff);
        break;
      case 'watch_port':
        if (type !== 'ff') throw new GroupModError('WATCH_UNSUPPORTED', `${kv.raw}: only fast failover (ff) groups watch ports`);
        try {
          bucket.watchPort = parsePort(kv.value, opts.resolvePort);
        } catch (e) {
          throw new GroupModError('BAD_WATCH', `${kv.raw}: ${(e as Error).message}`);
        }
        if (bucket.watchPort > OFPP_MAX_PHYSICAL && bucket.watchPort !== OFPP.LOCAL && bucket.watchPort !== OFPP.ANY) {
          throw new GroupModError('BAD_WATCH', `${kv.raw}: a bucket watches a switch port or LOCAL`);
        }
        break;
      case 'watch_group':
        if (type !== 'ff') throw new GroupModError('WATCH_UNSUPPORTED', `${kv.raw}: only fast failover (ff) groups watch groups`);
        bucket.watchGroup = kv.value.toUpperCase() === 'ANY' ? OFPG_ANY : groupInteger(kv.raw, kv.value, 'watch_group', OFPG_MAX, 'BAD_WATCH');
        break;
      case 'bucket_id':
        groupInteger(kv.raw, kv.value, 'bucket_id', 0xffffff00);
        break;
      case 'actions':
        inActions = true;
        if (kv.value !== '') actionTexts.push(kv.value);
        break;
      default:
        actionTexts.push(kv.raw);
    }
  }
  if (type === 'ff' && bucket.watchPort === OFPP.ANY && bucket.watchGroup === OFPG_ANY) {
    throw new GroupModError('BAD_WATCH', `${first.raw}: a fast failover bucket needs watch_port or watch_group`);
  }
  try {
    bucket.actions = parseBucketActions(actionTexts.join(','), opts.resolvePort);
  } catch (e) {
    if (e instanceof FieldError) throw new GroupModError('BAD_BUCKET', `${e.token}: ${e.reason}`);
    throw e;
  }
  return bucket;
}

/** A group as dump-groups prints it (without the leading space). */
export function formatGroup(g: GroupSpec): string {
  const parts = [`group_id=${g.groupId}`, `type=${g.type}`];
  for (const b of g.buckets) {
    const fields: string[] = [];
    if (g.type === 'select' && b.weight !== 1) fields.push(`weight:${b.weight}`);
    if (b.watchPort !== OFPP.ANY) fields.push(`watch_port:${formatPort(b.watchPort)}`);
    if (b.watchGroup !== OFPG_ANY) fields.push(`watch_group:${b.watchGroup}`);
    fields.push(`actions=${b.actions.length ? b.actions.map(formatAction).join(',') : 'drop'}`);
    parts.push(`bucket=${fields.join(',')}`);
  }
  return parts.join(',');
}

/** dump-groups / dump-group-stats / del-groups selector: "", "all", "N" or "group_id=N|all". */
export function parseGroupSelector(text = ''): number {
  let t = text.trim();
  if (t === '') return OFPG_ALL;
  if (/^group_id=/i.test(t)) t = t.slice('group_id='.length);
  if (t.toLowerCase() === 'all') return OFPG_ALL;
  if (t.toLowerCase() === 'any') return OFPG_ANY;
  return groupInteger(text.trim(), t, 'group_id', OFPG_MAX, 'INVALID_GROUP');
}

/** A dump-group-stats line (without the leading space), as ovs-ofctl -O OpenFlow13 prints it. */
export function formatGroupStats(s: GroupStats): string {
  const parts = [`group_id=${s.groupId}`, `duration=${s.durationSec.toFixed(3)}s`, `ref_count=${s.refCount}`, `packet_count=${s.packetCount}`, `byte_count=${s.byteCount}`];
  s.buckets.forEach((b, i) => parts.push(`bucket${i}:packet_count=${b.packetCount}`, `byte_count=${b.byteCount}`));
  return parts.join(',');
}

/** The actions ovs-ofctl's group features list for each type: what a bucket can hold here. */
export const GROUP_FEATURE_ACTIONS = 'output group set_field strip_vlan push_vlan mod_nw_ttl dec_ttl set_queue';

/** dump-group-features, as ovs-ofctl prints it. */
export function formatGroupFeatures(maxGroups: number): string[] {
  const out = [' Group table:', '    Types:  0xf', `    Capabilities:  0x${GROUP_CAPABILITIES.toString(16)}`];
  for (const t of ['all', 'select', 'indirect', 'fast failover']) {
    out.push(`    ${t} group:`, `       max_groups=0x${maxGroups.toString(16)}`, `       actions: ${GROUP_FEATURE_ACTIONS}`);
  }
  return out;
}

/** OFPGFC_SELECT_WEIGHT | OFPGFC_CHAINING: weights yes, liveness in select no (ff only), chaining yes. */
export const GROUP_CAPABILITIES = 0x1 | 0x4;

/** A flow names a group the bridge lacks: OpenFlow's OFPBAC_BAD_OUT_GROUP, as Open vSwitch answers. */
export class UnknownOutGroupError extends FlowSyntaxError {
  readonly ofCode = 'BAD_OUT_GROUP';
  constructor(groupId: number, bridge: string) {
    super(`group:${groupId}`, `group ${groupId} does not exist on bridge ${bridge} (add it with add-group first)`);
    this.name = 'UnknownOutGroupError';
  }
}
