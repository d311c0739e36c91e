/**
 * MULTIPART requests: each body type answered from the Bridge, long replies split
 * into messages of at most 64 KiB with OFPMPF_REPLY_MORE on all but the last.
 */
import type { Action } from '../../ofproto/actions.js';
import { DEFAULT_PRIORITY, type FlowSpec } from '../../ofproto/flow.js';
import type { FlowWithStats } from '../../ofproto/flow-table.js';
import { GROUP_CAPABILITIES } from '../../ofproto/group.js';
import { GROUP_MAX_GROUPS } from '../../ofproto/group-table.js';
import { METER_MAX_BANDS, METER_ID_MAX } from '../../qos/meter-syntax.js';
import { OFPP } from '../../ofproto/values.js';
import {
  encodeMessage,
  type DescStats,
  type FlowStatsEntry,
  type FlowStatsRequest,
  type MultipartReplyBody,
  type MultipartRequestMsg,
  OFP_MAX_MSG_LEN,
  OFPG_ANY,
  OFPM_ALL,
  OFPMBT,
  OFPMF,
  OFPMPF_REPLY_MORE,
  OFPQ_ALL,
  type PortStats,
  type QueueStats,
  type TableStats,
} from '../wire/index.js';
import { OfError } from './errors.js';
import { N_TABLES } from './features.js';
import type { AgentContext } from './index.js';
import { describePorts } from './ports.js';
import { ACTION_TYPES, tableFeatures } from './table-features.js';

export interface ReplyPart {
  flags: number;
  body: MultipartReplyBody;
}

/** A counter the switch does not keep: all ones, as the spec asks (ovs-ofctl prints "?"). */
const UNAVAILABLE = 0xffffffffffffffffn;
const UNKNOWN_DURATION = 0xffffffff;

export async function multipart(msg: MultipartRequestMsg, ctx: AgentContext, describe: (ctx: AgentContext) => DescStats): Promise<ReplyPart[]> {
  const req = msg.body;
  const { bridge } = ctx;
  switch (req.mpType) {
    case 'desc':
      return [{ flags: 0, body: { mpType: 'desc', ...describe(ctx) } }];
    case 'flow': {
      const flows = await selectFlows(ctx, req);
      return split(flows.map(flowEntry), (part) => ({ mpType: 'flow', flows: part }));
    }
    case 'aggregate': {
      const flows = await selectFlows(ctx, req);
      let packets = 0n;
      let bytes = 0n;
      for (const f of flows) {
        packets += BigInt(f.packets);
        bytes += BigInt(f.bytes);
      }
      return [{ flags: 0, body: { mpType: 'aggregate', packetCount: packets, byteCount: bytes, flowCount: flows.length } }];
    }
    case 'table':
      return split(await tableStats(ctx), (part) => ({ mpType: 'table', tables: part }));
    case 'port_stats': {
      const now = Date.now();
      const stats = (await bridge.portStats()).filter((s) => req.portNo === OFPP.ANY || s.ofport === req.portNo);
      const ports: PortStats[] = stats.map((s) => {
        const ms = now - (bridge.portAddedAt(s.name) ?? now);
        return {
          portNo: s.ofport,
          rxPackets: BigInt(s.rxPackets),
          txPackets: BigInt(s.txPackets),
          rxBytes: BigInt(s.rxBytes),
          txBytes: BigInt(s.txBytes),
          rxDropped: BigInt(s.rxDropped),
          txDropped: BigInt(s.txDropped),
          rxErrors: BigInt(s.rxErrors),
          txErrors: BigInt(s.txErrors),
          rxFrameErr: UNAVAILABLE,
          rxOverErr: UNAVAILABLE,
          rxCrcErr: UNAVAILABLE,
          collisions: UNAVAILABLE,
          durationSec: Math.floor(ms / 1000),
          durationNsec: (ms % 1000) * 1_000_000,
        };
      });
      return split(ports, (part) => ({ mpType: 'port_stats', ports: part }));
    }
    case 'port_desc':
      return split(await describePorts(bridge), (part) => ({ mpType: 'port_desc', ports: part }));
    case 'queue': {
      if (req.portNo !== OFPP.ANY && !bridge.ports().some((p) => p.ofport === req.portNo)) {
        throw new OfError('QUEUE_OP_FAILED', 'BAD_PORT', `bridge ${bridge.name} has no port ${req.portNo}`);
      }
      const all = (await bridge.queueStats()).filter((q) => req.portNo === OFPP.ANY || q.ofport === req.portNo);
      const chosen = all.filter((q) => req.queueId === OFPQ_ALL || q.queue === req.queueId);
      if (req.queueId !== OFPQ_ALL && !chosen.length) {
        throw new OfError('QUEUE_OP_FAILED', 'BAD_QUEUE', `no queue ${req.queueId} on ${req.portNo === OFPP.ANY ? 'any port' : `port ${req.portNo}`}`);
      }
      const queues: QueueStats[] = chosen.map((q) => ({
        portNo: q.ofport,
        queueId: q.queue,
        txBytes: BigInt(q.txBytes),
        txPackets: BigInt(q.txPackets),
        txErrors: BigInt(q.txDropped), // dropped for want of room: the spec's overruns
        durationSec: UNKNOWN_DURATION,
        durationNsec: UNKNOWN_DURATION,
      }));
      return split(queues, (part) => ({ mpType: 'queue', queues: part }));
    }
    case 'group': {
      const stats = await bridge.groupStats(req.groupId);
      const groups = stats.map((s) => ({ ...s, durationSec: Math.floor(s.durationSec), durationNsec: Math.round((s.durationSec % 1) * 1e9) % 1_000_000_000 }));
      return split(groups, (part) => ({ mpType: 'group', groups: part }));
    }
    case 'group_desc':
      return split(bridge.dumpGroups(), (part) => ({ mpType: 'group_desc', groups: part }));
    case 'group_features': {
      const actions = ACTION_TYPES.reduce((m, t) => (m | (1 << t)) >>> 0, 0);
      return [
        {
          flags: 0,
          body: {
            mpType: 'group_features',
            types: 0xf, // all, select, indirect, fast failover
            capabilities: GROUP_CAPABILITIES, // weights and chaining; liveness in ff only
            maxGroups: [GROUP_MAX_GROUPS, GROUP_MAX_GROUPS, GROUP_MAX_GROUPS, GROUP_MAX_GROUPS],
            actions: [actions, actions, actions, actions],
          },
        },
      ];
    }
    case 'meter': {
      const stats = await bridge.meterStats(req.meterId === OFPM_ALL ? '' : `meter=${req.meterId}`);
      const meters = stats.map((s) => ({
        meterId: s.spec.id,
        flowCount: s.flowCount,
        packetInCount: BigInt(s.stats.packets),
        byteInCount: BigInt(s.stats.bytes),
        durationSec: Math.floor(s.durationSec),
        durationNsec: Math.round((s.durationSec % 1) * 1e9) % 1_000_000_000,
        bands: s.stats.bands.map((b) => ({ packetBandCount: BigInt(b.packets), byteBandCount: BigInt(b.bytes) })),
      }));
      return split(meters, (part) => ({ mpType: 'meter', meters: part }));
    }
    case 'meter_config': {
      const meters = req.meterId === OFPM_ALL ? bridge.dumpMeters() : bridge.dumpMeters().filter((m) => m.id === req.meterId);
      return split(meters, (part) => ({ mpType: 'meter_config', meters: part }));
    }
    case 'meter_features':
      return [
        {
          flags: 0,
          body: {
            mpType: 'meter_features',
            maxMeter: METER_ID_MAX,
            bandTypes: (1 << OFPMBT.DROP) | (1 << OFPMBT.DSCP_REMARK),
            capabilities: OFPMF.KBPS | OFPMF.PKTPS | OFPMF.BURST | OFPMF.STATS,
            maxBands: METER_MAX_BANDS,
            maxColor: 0,
          },
        },
      ];
    case 'table_features':
      if (req.tables.length) throw new OfError('TABLE_FEATURES_FAILED', 'EPERM', "this switch's tables cannot be reconfigured");
      return split(tableFeatures(), (part) => ({ mpType: 'table_features', tables: part }));
  }
}

/** The flows a FLOW / AGGREGATE request selects: table, out_port, out_group, cookie/mask, match (non-strict). */
async function selectFlows(ctx: AgentContext, req: FlowStatsRequest): Promise<FlowWithStats[]> {
  const filter: FlowSpec = {
    table: req.tableId,
    priority: DEFAULT_PRIORITY,
    cookie: req.cookie,
    ...(req.cookieMask !== 0n && { cookieMask: req.cookieMask }),
    idleTimeout: 0,
    hardTimeout: 0,
    flags: { sendFlowRem: false, checkOverlap: false },
    ...(req.outPort !== OFPP.ANY && { outPort: req.outPort }),
    match: req.match,
    actions: [],
    instructions: {},
  };
  const flows = await ctx.bridge.flows.dump(filter);
  if (req.outGroup === OFPG_ANY) return flows;
  const named = (list: Action[] | undefined): boolean => (list ?? []).some((a) => a.type === 'group' && a.groupId === req.outGroup);
  return flows.filter((f) => named(f.entry.spec.actions) || named(f.entry.spec.instructions.writeActions));
}

function flowEntry(f: FlowWithStats): FlowStatsEntry {
  const ms = Math.max(0, Math.round(f.durationSec * 1000));
  const { spec, table } = f.entry;
  return {
    spec: { ...spec, table },
    flags: { sendFlowRem: spec.flags.sendFlowRem, checkOverlap: spec.flags.checkOverlap, resetCounts: false, noPktCounts: false, noBytCounts: false },
    durationSec: Math.floor(ms / 1000),
    durationNsec: (ms % 1000) * 1_000_000,
    packetCount: BigInt(f.packets),
    byteCount: BigInt(f.bytes),
  };
}

/**
 * Per table: its flows, and the packets they matched (every flow's packet count
 * summed: a packet matching in two tables counts in both). Lookups are the matches
 * plus the misses; the datapath counts misses per bridge, not per table, so they are
 * added to table 0's, where every packet's lookup starts.
 */
async function tableStats(ctx: AgentContext): Promise<TableStats[]> {
  const flows = await ctx.bridge.flows.dump();
  const misses = BigInt((await ctx.bridge.stats()).tableMiss);
  const active = new Array<number>(N_TABLES).fill(0);
  const matched = new Array<bigint>(N_TABLES).fill(0n);
  for (const f of flows) {
    active[f.entry.table]!++;
    matched[f.entry.table]! += BigInt(f.packets);
  }
  return active.map((n, t) => ({ tableId: t, activeCount: n, matchedCount: matched[t]!, lookupCount: matched[t]! + (t === 0 ? misses : 0n) }));
}

/** Items into replies of at most OFP_MAX_MSG_LEN bytes each (REPLY_MORE on all but the last); one empty reply for none. */
export function split<T>(items: T[], make: (part: T[]) => MultipartReplyBody): ReplyPart[] {
  const size = (part: T[]): number => encodeMessage({ type: 'multipart_reply', xid: 0, flags: 0, body: make(part) }).length;
  const empty = size([]);
  const parts: T[][] = [];
  let cur: T[] = [];
  let len = empty;
  for (const item of items) {
    const n = size([item]) - empty;
    if (cur.length && len + n > OFP_MAX_MSG_LEN) {
      parts.push(cur);
      cur = [];
      len = empty;
    }
    cur.push(item);
    len += n;
  }
  parts.push(cur);
  return parts.map((part, i) => ({ flags: i < parts.length - 1 ? OFPMPF_REPLY_MORE : 0, body: make(part) }));
}
