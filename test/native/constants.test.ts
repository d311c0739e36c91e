// The names and numbers C++ and TypeScript share (native/addon/constants_js.cc):
// TypeScript holds no copy of the values, only union types that name them
// (src/native.ts). Each record below spells a union out — `satisfies Record<Union,
// true>` makes the compiler refuse a missing or an extra member — and the tests
// compare it, names and order, with what the addon exports from the C++ lists, so
// a list changed on one side only fails here. The stats objects are checked to be
// built from the same lists.
import { GROUP_TYPE_CODE, OFPG_ANY } from '../../src/ofproto/group.js';
import { GROUP_MAX_BUCKETS } from '../../src/ofproto/group-table.js';
import { describe, expect, it } from 'vitest';
import {
  addon,
  constants,
  MAX_OFPORT,
  type NativeBridgeCounterName,
  type NativeCacheCounterName,
  type NativeDatapathPollMode,
  type NativeVlanMode,
  type NativeFlowBatchActionField,
  type NativeFlowBatchFlag,
  type NativeFlowBatchHeaderField,
  type NativeOpName,
  type NativePacketInField,
  type NativePacketOutField,
  type NativePacketInReason,
  type NativePortCounterName,
  type NativePortType,
  type NativeReservedPort,
} from '../../src/native.js';
import { BOND_MODES, LACP_MODES, LACP_TIMES } from '../../src/bond.js';
import { DATAPATH_POLL_MODES, OFPP_LOCAL, VLAN_MODES, MAX_OFPORT as LIMITS_MAX_OFPORT, MAX_QUEUES as LIMITS_MAX_QUEUES } from '../../src/limits.js';
import { OFPP, OFPP_MAX_PHYSICAL } from '../../src/ofproto/values.js';
import { Switch } from '../../src/switch.js';

const PORT_TYPES = { afpacket: true, tap: true, mem: true, pcap: true, bond: true } satisfies Record<NativePortType, true>;
const POLL_MODES = { adaptive: true, busy: true, interrupt: true } satisfies Record<NativeDatapathPollMode, true>;
const VLAN_MODES_TS = { trunk: true, access: true, 'native-tagged': true, 'native-untagged': true } satisfies Record<NativeVlanMode, true>;
const REASONS = { no_match: true, action: true, invalid_ttl: true } satisfies Record<NativePacketInReason, true>;
const PACKET_IN_FIELDS = {
  inPort: true, reason: true, tableId: true, totalLen: true, offset: true, length: true, cookieLo: true, cookieHi: true,
} satisfies Record<NativePacketInField, true>;
const PACKET_OUT_FIELDS = { inPort: true, offset: true, length: true, actions: true } satisfies Record<NativePacketOutField, true>;
const OPS = {
  output: true, inPort: true, normal: true, flood: true, all: true, local: true, controller: true,
  setEthSrc: true, setEthDst: true, setVlanVid: true, setVlanPcp: true, pushVlan: true, popVlan: true,
  setIpv4Src: true, setIpv4Dst: true, setIpv6Src: true, setIpv6Dst: true, setIpDscp: true, setIpEcn: true,
  setIpTtl: true, decTtl: true, setTpSrc: true, setTpDst: true, meter: true, setQueue: true, setInPort: true, setMetadata: true, group: true, resubmit: true,
} satisfies Record<NativeOpName, true>;
const PORT_COUNTERS = {
  rxPackets: true, rxBytes: true, rxDropped: true, rxErrors: true,
  txPackets: true, txBytes: true, txDropped: true, txErrors: true, rxPoliced: true, linkDowns: true,
} satisfies Record<NativePortCounterName, true>;
const BRIDGE_COUNTERS = {
  lookups: true, hits: true, learned: true, moved: true, flooded: true, evicted: true, aged: true,
  dropRunt: true, dropBadSrc: true, dropSamePort: true, dropPortDown: true, dropNoPort: true, dropVlan: true, parseErrors: true, tableMiss: true,
  invalidTtl: true, upcalls: true, upcallDrops: true, pollSpins: true, pollSleeps: true,
} satisfies Record<NativeBridgeCounterName, true>;
const CACHE_COUNTERS = {
  cacheHits: true, cacheMisses: true, megaflowHits: true, megaflowMisses: true, translations: true, megaflowsAdded: true,
  megaflowsExpired: true, megaflowsRevalidated: true, megaflowsKept: true, megaflows: true, megaflowMasks: true,
} satisfies Record<NativeCacheCounterName, true>;
const BATCH_HEADER = {
  id: true, priority: true, table: true, flags: true, gotoTable: true, nApply: true, nWrite: true, nWords: true, wordMap: true,
  cookie: true, metadataValue: true, metadataMask: true,
} satisfies Record<NativeFlowBatchHeaderField, true>;
const BATCH_ACTION = { code: true, port: true, u32: true, u64: true, u64b: true, bytes: true } satisfies Record<NativeFlowBatchActionField, true>;
const BATCH_FLAGS = { clearActions: true, writeMetadata: true, gotoTable: true } satisfies Record<NativeFlowBatchFlag, true>;
// The values are OpenFlow 1.3's (section 7.2.1, enum ofp_port_no), not ours to choose.
const OPENFLOW_RESERVED_PORTS: Record<NativeReservedPort, number> = {
  max: 0xffffff00, inPort: 0xfffffff8, table: 0xfffffff9, normal: 0xfffffffa, flood: 0xfffffffb,
  all: 0xfffffffc, controller: 0xfffffffd, local: 0xfffffffe, any: 0xffffffff,
};

describe('constants shared by C++ and TypeScript', () => {
  it('names the same port types, in the same order', () => {
    expect([...constants.portTypes]).toEqual(Object.keys(PORT_TYPES));
  });

  it('names the same bond modes, LACP modes and LACP times as src/bond.ts', () => {
    expect([...constants.bondModes]).toEqual([...BOND_MODES]);
    expect([...constants.lacpModes]).toEqual([...LACP_MODES]);
    expect([...constants.lacpTimes]).toEqual([...LACP_TIMES]);
  });

  it('names the same datapath poll modes', () => {
    expect([...constants.datapathPoll]).toEqual(Object.keys(POLL_MODES));
  });

  it('names the packet-in reasons by their OpenFlow codes', () => {
    expect([...constants.packetInReasons]).toEqual(Object.keys(REASONS));
    expect(constants.packetInReasons[0]).toBe('no_match'); // OFPR_NO_MATCH
    expect(constants.packetInReasons[1]).toBe('action'); // OFPR_ACTION
    expect(constants.packetInReasons[2]).toBe('invalid_ttl'); // OFPR_INVALID_TTL
  });

  it('lays out a packet-in batch record with the same fields, in the same order', () => {
    expect([...constants.packetInFields]).toEqual(Object.keys(PACKET_IN_FIELDS));
  });

  it('lays out a packed packet-out record with the same fields, in the same order', () => {
    expect([...constants.packetOutFields]).toEqual(Object.keys(PACKET_OUT_FIELDS));
  });

  it('names every op code, each a distinct number from 1', () => {
    expect(Object.keys(constants.op)).toEqual(Object.keys(OPS));
    const codes = Object.values(constants.op);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort((a, b) => a - b)).toEqual(codes.map((_, i) => i + 1));
  });

  it('has the reserved port numbers OpenFlow 1.3 defines, and the flow syntax uses them', () => {
    expect(constants.ofpp).toEqual(OPENFLOW_RESERVED_PORTS);
    // The flow syntax's table (src/ofproto/values.ts) is built from them, name for name.
    const upper = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
    expect(OFPP).toEqual(Object.fromEntries(Object.entries(constants.ofpp).map(([k, v]) => [upper(k), v])));
    expect(MAX_OFPORT).toBe(0xfeff);
    expect(OFPP_MAX_PHYSICAL).toBe(MAX_OFPORT);
    // src/limits.ts keeps its own copy, so that the CLI never loads the addon: it must agree.
    expect(LIMITS_MAX_OFPORT).toBe(MAX_OFPORT);
    expect([...DATAPATH_POLL_MODES]).toEqual([...constants.datapathPoll]);
    expect([...VLAN_MODES]).toEqual([...constants.vlanModes]);
    expect(OFPP_LOCAL).toBe(constants.ofpp.local);
    expect([...constants.vlanModes]).toEqual(Object.keys(VLAN_MODES_TS));
    expect(LIMITS_MAX_QUEUES).toBe(constants.maxQueues);
    // src/ofproto/group.ts and group-table.ts: the OFPGT_* numbers, OFPG_ANY, buckets per group.
    expect(Object.values(GROUP_TYPE_CODE).map((code) => constants.groupTypes[code])).toEqual(Object.keys(GROUP_TYPE_CODE));
    expect(constants.groupTypes).toHaveLength(Object.keys(GROUP_TYPE_CODE).length);
    expect(OFPG_ANY).toBe(constants.ofpgAny);
    expect(GROUP_MAX_BUCKETS).toBe(constants.groupMaxBuckets);
  });

  it('lists the counters in struct order', () => {
    expect([...constants.counters.port]).toEqual(Object.keys(PORT_COUNTERS));
    expect([...constants.counters.bridge]).toEqual(Object.keys(BRIDGE_COUNTERS));
    expect([...constants.counters.cache]).toEqual(Object.keys(CACHE_COUNTERS));
  });

  it('builds the stats objects from the counter lists', async () => {
    const dp = new addon.Datapath('cst0', { macAging: 300, macTableSize: 64 }, () => {});
    try {
      await dp.addPort({ name: 'cst0-a', type: 'mem', ofport: 1 });
      const [port] = await dp.portStats();
      expect(Object.keys(port!)).toEqual(['ofport', 'up', 'ifindex', ...Object.keys(PORT_COUNTERS)]);
      const bridge = await dp.stats();
      expect(Object.keys(bridge)).toEqual([...Object.keys(BRIDGE_COUNTERS), ...Object.keys(CACHE_COUNTERS), 'macEntries']);
    } finally {
      await dp.close();
    }
  });

  it('lays out flow batch records as the encoder reads them: the same fields, no overlap, inside the record', () => {
    const b = constants.flowBatch;
    expect(Object.keys(b.header)).toEqual(Object.keys(BATCH_HEADER));
    expect(Object.keys(b.action)).toEqual(Object.keys(BATCH_ACTION));
    expect(Object.keys(b.flags)).toEqual(Object.keys(BATCH_FLAGS));
    for (const [fields, size] of [[b.header, b.headerSize], [b.action, b.actionSize]] as const) {
      const places = Object.values(fields).sort((x, y) => x[0] - y[0]);
      for (const [i, [offset, width]] of places.entries()) {
        expect(offset + width).toBeLessThanOrEqual(size);
        if (i > 0) expect(offset).toBeGreaterThanOrEqual(places[i - 1]![0] + places[i - 1]![1]);
      }
    }
    expect(new Set(Object.values(b.flags)).size).toBe(Object.keys(BATCH_FLAGS).length);
    expect(b.words).toBe(Math.ceil(constants.flowKeySize / b.wordSize));
  });

  it('takes the highest ofport on both sides, and refuses the next one in TypeScript first', async () => {
    const sw = new Switch();
    try {
      const br = sw.addBridge('cst1', { defaultFlows: false });
      await expect(br.addPort('cst1-a', { type: 'mem', ofport: MAX_OFPORT })).resolves.toMatchObject({ ofport: MAX_OFPORT });
      await expect(br.addPort('cst1-b', { type: 'mem', ofport: MAX_OFPORT + 1 })).rejects.toMatchObject({ argument: 'ofport' });
      expect(br.ports().map((p) => p.ofport)).toEqual([MAX_OFPORT]);
    } finally {
      await sw.close();
    }
  });
});
