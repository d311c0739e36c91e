/**
 * MULTIPART_REQUEST bodies: DESC, FLOW, AGGREGATE, TABLE, PORT_STATS, PORT_DESC,
 * QUEUE, GROUP, GROUP_DESC, GROUP_FEATURES, METER, METER_CONFIG, METER_FEATURES,
 * TABLE_FEATURES. Anything else is OFPBRC_BAD_MULTIPART (experimenter:
 * BAD_EXPERIMENTER).
 */
import { type Reader, type Writer } from './buf.js';
import { OFPBRC, OFPMP } from './constants.js';
import type { FlowStatsRequest, MultipartRequestBody, MultipartRequestMsg, MultipartType } from './messages.js';
import { readMatch, writeMatch } from './oxm.js';
import { readTableFeatures, writeTableFeatures } from './table-features.js';

export const MP_TYPES: Record<MultipartType, number> = {
  desc: OFPMP.DESC,
  flow: OFPMP.FLOW,
  aggregate: OFPMP.AGGREGATE,
  table: OFPMP.TABLE,
  port_stats: OFPMP.PORT_STATS,
  queue: OFPMP.QUEUE,
  group: OFPMP.GROUP,
  group_desc: OFPMP.GROUP_DESC,
  group_features: OFPMP.GROUP_FEATURES,
  meter: OFPMP.METER,
  meter_config: OFPMP.METER_CONFIG,
  meter_features: OFPMP.METER_FEATURES,
  table_features: OFPMP.TABLE_FEATURES,
  port_desc: OFPMP.PORT_DESC,
};
const MP_NAMES = new Map(Object.entries(MP_TYPES).map(([k, v]) => [v, k as MultipartType]));

/** The multipart type named by a request/reply header; unknown ones are BAD_MULTIPART. */
export function mpTypeOf(r: Reader, n: number): MultipartType {
  const t = MP_NAMES.get(n);
  if (t === undefined) {
    r.fail(['BAD_REQUEST', n === OFPMP.EXPERIMENTER ? OFPBRC.BAD_EXPERIMENTER : OFPBRC.BAD_MULTIPART], `multipart type ${n}`);
  }
  return t;
}

function readFlowStatsRequest(r: Reader): FlowStatsRequest {
  const tableId = r.u8();
  r.skip(3);
  const outPort = r.u32();
  const outGroup = r.u32();
  r.skip(4);
  const cookie = r.u64();
  const cookieMask = r.u64();
  return { tableId, outPort, outGroup, cookie, cookieMask, match: readMatch(r) };
}

export function readMultipartRequest(r: Reader, xid: number): MultipartRequestMsg {
  const mpType = mpTypeOf(r, r.u16('multipart type'));
  const flags = r.u16();
  r.skip(4);
  let body: MultipartRequestBody;
  switch (mpType) {
    case 'desc':
    case 'table':
    case 'port_desc':
    case 'group_desc':
    case 'group_features':
    case 'meter_features':
      body = { mpType };
      break;
    case 'flow':
    case 'aggregate':
      body = { mpType, ...readFlowStatsRequest(r) };
      break;
    case 'port_stats': {
      const portNo = r.u32();
      r.skip(4);
      body = { mpType, portNo };
      break;
    }
    case 'queue':
      body = { mpType, portNo: r.u32(), queueId: r.u32() };
      break;
    case 'group': {
      const groupId = r.u32();
      r.skip(4);
      body = { mpType, groupId };
      break;
    }
    case 'meter':
    case 'meter_config': {
      const meterId = r.u32();
      r.skip(4);
      body = { mpType, meterId };
      break;
    }
    case 'table_features': {
      const tables = [];
      while (r.remaining > 0) tables.push(readTableFeatures(r));
      body = { mpType, tables };
      break;
    }
  }
  return { type: 'multipart_request', xid, flags, body };
}

export function writeMultipartRequest(w: Writer, m: MultipartRequestMsg): void {
  const b = m.body;
  w.u16(MP_TYPES[b.mpType]).u16(m.flags).zeros(4);
  switch (b.mpType) {
    case 'flow':
    case 'aggregate':
      w.u8(b.tableId).zeros(3).u32(b.outPort).u32(b.outGroup).zeros(4).u64(b.cookie).u64(b.cookieMask);
      writeMatch(w, b.match);
      return;
    case 'port_stats':
      w.u32(b.portNo).zeros(4);
      return;
    case 'queue':
      w.u32(b.portNo).u32(b.queueId);
      return;
    case 'group':
      w.u32(b.groupId).zeros(4);
      return;
    case 'meter':
    case 'meter_config':
      w.u32(b.meterId).zeros(4);
      return;
    case 'table_features':
      for (const t of b.tables) writeTableFeatures(w, t);
      return;
    default:
      return;
  }
}
