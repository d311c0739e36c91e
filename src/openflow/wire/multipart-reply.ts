/**
 * MULTIPART_REPLY bodies, and splitMultipartReply: a reply too long for one message
 * (the header's 16-bit length) goes out as several, REPLY_MORE on all but the last.
 *
 * The list bodies (flows, ports, groups …) are one table, REPLY_LISTS: the key of the
 * list and how one entry is read and written, used by the decoder, the encoder and
 * the splitter alike.
 */
import type { MeterSpec } from '../../qos/meter-syntax.js';
import { Reader, Writer } from './buf.js';
import { OFP_HEADER_LEN, OFP_MAX_MSG_LEN, OFPBRC, OFPMPF_REPLY_MORE } from './constants.js';
import type { GroupSpec } from './group-types.js';
import type {
  FlowStatsEntry,
  GroupStatsEntry,
  MeterStats,
  MultipartReplyBody,
  MultipartReplyMsg,
  OfPort,
  PortStats,
  QueueStats,
  TableFeatures,
  TableStats,
} from './messages.js';
import { readFlowStats, writeFlowStats } from './flow-mod.js';
import { groupType, GROUP_TYPES, meterFlags, meterSpec, readBuckets, writeBands, writeBuckets } from './mods.js';
import { mpTypeOf, MP_TYPES } from './multipart-request.js';
import { readPort, writePort } from './port.js';
import { readTableFeatures, writeTableFeatures } from './table-features.js';

const BAD_LEN = ['BAD_REQUEST', OFPBRC.BAD_LEN] as const;

/** An entry that starts with its own 16-bit length (at `at` bytes in): its bytes as a reader. */
function lengthPrefixed(r: Reader, at: number, min: number, what: string): Reader {
  const len = r.peekU16(at);
  if (len < min || len % 8) r.fail([...BAD_LEN], `${what} length ${len}`);
  return r.sub(len, [...BAD_LEN], what);
}

interface ListCodec<E> {
  read(r: Reader): E;
  write(w: Writer, e: E): void;
}

const u64s = (r: Reader, n: number): bigint[] => Array.from({ length: n }, () => r.u64());

const flow: ListCodec<FlowStatsEntry> = {
  read: (r) => {
    const b = lengthPrefixed(r, 0, 56, 'flow stats');
    b.skip(2);
    return readFlowStats(b);
  },
  write: writeFlowStats,
};

const table: ListCodec<TableStats> = {
  read: (r) => {
    const tableId = r.u8();
    r.skip(3);
    return { tableId, activeCount: r.u32(), lookupCount: r.u64(), matchedCount: r.u64() };
  },
  write: (w, t) => void w.u8(t.tableId).zeros(3).u32(t.activeCount).u64(t.lookupCount).u64(t.matchedCount),
};

const PORT_COUNTERS = [
  'rxPackets', 'txPackets', 'rxBytes', 'txBytes', 'rxDropped', 'txDropped',
  'rxErrors', 'txErrors', 'rxFrameErr', 'rxOverErr', 'rxCrcErr', 'collisions',
] as const;
const portStats: ListCodec<PortStats> = {
  read: (r) => {
    const portNo = r.u32();
    r.skip(4);
    const c = u64s(r, PORT_COUNTERS.length);
    const s = { portNo } as PortStats;
    PORT_COUNTERS.forEach((k, i) => (s[k] = c[i]!));
    s.durationSec = r.u32();
    s.durationNsec = r.u32();
    return s;
  },
  write: (w, s) => {
    w.u32(s.portNo).zeros(4);
    for (const k of PORT_COUNTERS) w.u64(s[k]);
    w.u32(s.durationSec).u32(s.durationNsec);
  },
};

const port: ListCodec<OfPort> = { read: readPort, write: writePort };

const queue: ListCodec<QueueStats> = {
  read: (r) => ({
    portNo: r.u32(),
    queueId: r.u32(),
    txBytes: r.u64(),
    txPackets: r.u64(),
    txErrors: r.u64(),
    durationSec: r.u32(),
    durationNsec: r.u32(),
  }),
  write: (w, q) => void w.u32(q.portNo).u32(q.queueId).u64(q.txBytes).u64(q.txPackets).u64(q.txErrors).u32(q.durationSec).u32(q.durationNsec),
};

const group: ListCodec<GroupStatsEntry> = {
  read: (r) => {
    const b = lengthPrefixed(r, 0, 40, 'group stats');
    b.skip(4);
    const groupId = b.u32();
    const refCount = b.u32();
    b.skip(4);
    const packetCount = b.u64();
    const byteCount = b.u64();
    const durationSec = b.u32();
    const durationNsec = b.u32();
    const buckets = [];
    while (b.remaining > 0) buckets.push({ packetCount: b.u64(), byteCount: b.u64() });
    return { groupId, refCount, packetCount, byteCount, durationSec, durationNsec, buckets };
  },
  write: (w, g) => {
    w.u16(40 + 16 * g.buckets.length).zeros(2).u32(g.groupId).u32(g.refCount).zeros(4);
    w.u64(g.packetCount).u64(g.byteCount).u32(g.durationSec).u32(g.durationNsec);
    for (const b of g.buckets) w.u64(b.packetCount).u64(b.byteCount);
  },
};

const groupDesc: ListCodec<GroupSpec> = {
  read: (r) => {
    const b = lengthPrefixed(r, 0, 8, 'group desc');
    b.skip(2);
    const type = groupType(b, b.u8());
    b.skip(1);
    return { groupId: b.u32(), type, buckets: readBuckets(b) };
  },
  write: (w, g) => {
    const start = w.length;
    w.u16(0).u8(GROUP_TYPES.indexOf(g.type)).zeros(1).u32(g.groupId);
    writeBuckets(w, g.buckets);
    w.patch16(start, w.length - start);
  },
};

const meter: ListCodec<MeterStats> = {
  read: (r) => {
    const b = lengthPrefixed(r, 4, 40, 'meter stats');
    const meterId = b.u32();
    b.skip(8);
    const flowCount = b.u32();
    const packetInCount = b.u64();
    const byteInCount = b.u64();
    const durationSec = b.u32();
    const durationNsec = b.u32();
    const bands = [];
    while (b.remaining > 0) bands.push({ packetBandCount: b.u64(), byteBandCount: b.u64() });
    return { meterId, flowCount, packetInCount, byteInCount, durationSec, durationNsec, bands };
  },
  write: (w, m) => {
    w.u32(m.meterId).u16(40 + 16 * m.bands.length).zeros(6).u32(m.flowCount);
    w.u64(m.packetInCount).u64(m.byteInCount).u32(m.durationSec).u32(m.durationNsec);
    for (const b of m.bands) w.u64(b.packetBandCount).u64(b.byteBandCount);
  },
};

const meterConfig: ListCodec<MeterSpec> = {
  read: (r) => {
    const b = lengthPrefixed(r, 0, 8, 'meter config');
    b.skip(2);
    const flags = b.u16();
    return meterSpec(b, b.u32(), flags, false);
  },
  write: (w, m) => {
    const start = w.length;
    w.u16(0).u16(meterFlags(m)).u32(m.id);
    writeBands(w, m.bands);
    w.patch16(start, w.length - start);
  },
};

const tableFeatures: ListCodec<TableFeatures> = { read: readTableFeatures, write: writeTableFeatures };

type ListBody = Extract<MultipartReplyBody, { flows: unknown } | { tables: unknown } | { ports: unknown } | { queues: unknown } | { groups: unknown } | { meters: unknown }>;
type ListType = ListBody['mpType'];

const REPLY_LISTS: Record<ListType, { key: string; codec: ListCodec<never> }> = {
  flow: { key: 'flows', codec: flow as ListCodec<never> },
  table: { key: 'tables', codec: table as ListCodec<never> },
  port_stats: { key: 'ports', codec: portStats as ListCodec<never> },
  port_desc: { key: 'ports', codec: port as ListCodec<never> },
  queue: { key: 'queues', codec: queue as ListCodec<never> },
  group: { key: 'groups', codec: group as ListCodec<never> },
  group_desc: { key: 'groups', codec: groupDesc as ListCodec<never> },
  meter: { key: 'meters', codec: meter as ListCodec<never> },
  meter_config: { key: 'meters', codec: meterConfig as ListCodec<never> },
  table_features: { key: 'tables', codec: tableFeatures as ListCodec<never> },
};

const DESC_FIELDS = [
  ['mfrDesc', 256],
  ['hwDesc', 256],
  ['swDesc', 256],
  ['serialNum', 32],
  ['dpDesc', 256],
] as const;

export function readMultipartReply(r: Reader, xid: number): MultipartReplyMsg {
  const mpType = mpTypeOf(r, r.u16('multipart type'));
  const flags = r.u16();
  r.skip(4);
  let body: MultipartReplyBody;
  const list = REPLY_LISTS[mpType as ListType];
  if (list) {
    const entries: unknown[] = [];
    while (r.remaining > 0) entries.push(list.codec.read(r));
    body = { mpType, [list.key]: entries } as MultipartReplyBody;
  } else {
    switch (mpType) {
      case 'desc': {
        const d = Object.fromEntries(DESC_FIELDS.map(([k, n]) => [k, r.str(n)]));
        body = { mpType, ...d } as MultipartReplyBody;
        break;
      }
      case 'aggregate': {
        const packetCount = r.u64();
        const byteCount = r.u64();
        const flowCount = r.u32();
        r.skip(4);
        body = { mpType, packetCount, byteCount, flowCount };
        break;
      }
      case 'group_features': {
        const types = r.u32();
        const capabilities = r.u32();
        const four = (): [number, number, number, number] => [r.u32(), r.u32(), r.u32(), r.u32()];
        body = { mpType, types, capabilities, maxGroups: four(), actions: four() };
        break;
      }
      default: {
        // meter_features
        const maxMeter = r.u32();
        const bandTypes = r.u32();
        const capabilities = r.u32();
        const maxBands = r.u8();
        const maxColor = r.u8();
        r.skip(2);
        body = { mpType: 'meter_features', maxMeter, bandTypes, capabilities, maxBands, maxColor };
      }
    }
  }
  return { type: 'multipart_reply', xid, flags, body };
}

export function writeMultipartReply(w: Writer, m: MultipartReplyMsg): void {
  const b = m.body;
  w.u16(MP_TYPES[b.mpType]).u16(m.flags).zeros(4);
  const list = REPLY_LISTS[b.mpType as ListType];
  if (list) {
    for (const e of (b as unknown as Record<string, never[]>)[list.key]!) list.codec.write(w, e);
    return;
  }
  switch (b.mpType) {
    case 'desc':
      for (const [k, n] of DESC_FIELDS) w.str(b[k], n);
      return;
    case 'aggregate':
      w.u64(b.packetCount).u64(b.byteCount).u32(b.flowCount).zeros(4);
      return;
    case 'group_features':
      w.u32(b.types).u32(b.capabilities);
      for (const v of [...b.maxGroups, ...b.actions]) w.u32(v);
      return;
    case 'meter_features':
      w.u32(b.maxMeter).u32(b.bandTypes).u32(b.capabilities).u8(b.maxBands).u8(b.maxColor).zeros(2);
      return;
    default:
      return;
  }
}

/** Header (8) + multipart header (8). */
const MP_REPLY_HEADER_LEN = OFP_HEADER_LEN + 8;

/**
 * Splits a reply into messages of at most `maxLen` bytes each (the same xid;
 * REPLY_MORE on all but the last). A body that is not a list, or fits, comes back as
 * is. An entry too long for any message (a flow with thousands of actions) throws a
 * RangeError: it cannot be sent in OpenFlow 1.3.
 */
export function splitMultipartReply(m: MultipartReplyMsg, maxLen = OFP_MAX_MSG_LEN): MultipartReplyMsg[] {
  const list = REPLY_LISTS[m.body.mpType as ListType];
  if (!list) return [m];
  const entries = (m.body as unknown as Record<string, never[]>)[list.key]!;
  const out: MultipartReplyMsg[] = [];
  let chunk: never[] = [];
  let size = MP_REPLY_HEADER_LEN;
  const flush = (): void => {
    out.push({ ...m, flags: m.flags | OFPMPF_REPLY_MORE, body: { ...m.body, [list.key]: chunk } as MultipartReplyBody });
    chunk = [];
    size = MP_REPLY_HEADER_LEN;
  };
  for (const e of entries) {
    const w = new Writer();
    list.codec.write(w, e);
    if (MP_REPLY_HEADER_LEN + w.length > maxLen) throw new RangeError(`a ${m.body.mpType} entry of ${w.length} bytes does not fit in a message`);
    if (size + w.length > maxLen) flush();
    chunk.push(e);
    size += w.length;
  }
  flush();
  out[out.length - 1]!.flags = m.flags & ~OFPMPF_REPLY_MORE;
  return out;
}
