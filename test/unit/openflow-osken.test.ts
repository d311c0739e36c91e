// os-ken (python3-os-ken, the OpenStack fork of Ryu) decodes what we encode: its
// ofproto_v1_3_parser parses the messages a controller receives from a switch (and
// FLOW_MODs), and its to_jsondict() fields are compared with what we meant.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { findTool } from '../lab/requirements.js';
import { encodeMessage, type OfMessage } from '../../src/openflow/wire/index.js';
import { needs, tool } from '../needs.js';
import { FLOWS, flowMod, sampleMessages } from './openflow-samples.js';

const run = promisify(execFile);
const OSKEN = tool('osken-manager', 'python3-os-ken');

// Each hex message → os-ken's msg().to_jsondict(); bytes as hex, integers beyond 2^53 as strings.
const SCRIPT = `
import sys, json, binascii
from os_ken.ofproto import ofproto_parser, ofproto_v1_3, ofproto_v1_3_parser
class DP:
    ofproto = ofproto_v1_3
    ofproto_parser = ofproto_v1_3_parser
    id = 1
def clean(o):
    if isinstance(o, dict): return {k: clean(v) for k, v in o.items()}
    if isinstance(o, list): return [clean(v) for v in o]
    if isinstance(o, bool): return o
    if isinstance(o, int) and o > 2**53: return str(o)
    if isinstance(o, bytes): return o.hex()
    return o
out = []
for h in json.load(sys.stdin):
    buf = binascii.unhexlify(h)
    version, msg_type, msg_len, xid = ofproto_parser.header(buf)
    m = ofproto_parser.msg(DP(), version, msg_type, msg_len, xid, buf)
    out.append(clean(m.to_jsondict()) if m is not None else None)
print(json.dumps(out))
`;

/** os-ken's python: the interpreter osken-manager runs with (not whatever python3 is first on PATH). */
function oskenPython(): string {
  const manager = findTool('osken-manager');
  const shebang = manager ? /^#!\s*(\S+)/.exec(readFileSync(manager, 'utf8'))?.[1] : undefined;
  return shebang ?? 'python3';
}

type Json = Record<string, unknown>;

needs(OSKEN).describe('os-ken decodes what we encode', () => {
  const msgs: OfMessage[] = [...sampleMessages(), ...FLOWS.map((f, i) => flowMod(f, 'add', 100 + i))];
  const parsed = new Map<number, Json>();
  beforeAll(async () => {
    const child = run(oskenPython(), ['-c', SCRIPT], { maxBuffer: 64 << 20 });
    child.child.stdin!.end(JSON.stringify(msgs.map((m) => encodeMessage(m).toString('hex'))));
    const out = JSON.parse((await child).stdout) as (Json | null)[];
    out.forEach((p, i) => p && parsed.set(msgs[i]!.xid, p));
  });
  const get = (xid: number, cls: string): Json => {
    const p = parsed.get(xid);
    expect(p, `xid ${xid}`).toBeDefined();
    expect(Object.keys(p!)).toEqual([cls]);
    return p![cls] as Json;
  };
  const oxm = (fields: Json[]) => fields.map((f) => (f as { OXMTlv: Json }).OXMTlv);

  it('HELLO with its version bitmap, ERROR (experimenter too), ECHO', () => {
    expect(get(2, 'OFPHello')).toEqual({ elements: [{ OFPHelloElemVersionBitmap: { length: 8, type: 1, versions: [1, 4, 5, 6] } }] });
    expect(get(4, 'OFPErrorMsg')).toMatchObject({ type: 4, code: 9 });
    expect(get(6, 'OFPErrorMsg')).toMatchObject({ type: 0xffff, exp_type: 3, experimenter: 0x2320 });
    expect(get(7, 'OFPEchoRequest')).toBeDefined();
  });

  it('FEATURES_REPLY, GET_CONFIG_REPLY, ROLE_REPLY, GET_ASYNC_REPLY, BARRIER_REPLY', () => {
    expect(get(11, 'OFPSwitchFeatures')).toEqual({ auxiliary_id: 0, capabilities: 0x4f, datapath_id: 0x0a0000000001, n_buffers: 0, n_tables: 254 });
    expect(get(13, 'OFPGetConfigReply')).toEqual({ flags: 0, miss_send_len: 128 });
    expect(get(36, 'OFPRoleReply')).toEqual({ role: 3, generation_id: '18446744073709551615' });
    expect(get(38, 'OFPGetAsyncReply')).toEqual({ packet_in_mask: [3, 0], port_status_mask: [7, 7], flow_removed_mask: [15, 0] });
    expect(get(34, 'OFPBarrierReply')).toEqual({});
    expect(get(69, 'OFPQueueGetConfigReply')).toMatchObject({ port: 1 });
    const queues = get(69, 'OFPQueueGetConfigReply').queues as { OFPPacketQueue: { queue_id: number; properties: Json[] } }[];
    expect(queues.map((q) => [q.OFPPacketQueue.queue_id, q.OFPPacketQueue.properties.map((p) => Object.values(p)[0])])).toEqual([
      [0, [expect.objectContaining({ rate: 100 }), expect.objectContaining({ rate: 500 })]],
      [1, [expect.objectContaining({ rate: 1000 })]],
      [2, []],
    ]);
  });

  it('PACKET_IN: buffer, reason, table, cookie, in_port and metadata, the frame', () => {
    const pi = get(15, 'OFPPacketIn');
    expect(pi).toMatchObject({ buffer_id: 0xffffffff, total_len: 38, reason: 1, table_id: 3, cookie: 0x1234 });
    expect(oxm((pi.match as { OFPMatch: { oxm_fields: Json[] } }).OFPMatch.oxm_fields)).toEqual([
      { field: 'in_port', value: 2, mask: null },
      { field: 'metadata', value: 5, mask: null },
    ]);
    const sample = msgs.find((m) => m.xid === 15) as Extract<OfMessage, { type: 'packet_in' }>;
    // to_jsondict gives the frame base64-encoded.
    expect(Buffer.from(pi.data as string, 'base64').equals(sample.data)).toBe(true);
  });

  it('FLOW_REMOVED and PORT_STATUS', () => {
    const fr = get(17, 'OFPFlowRemoved');
    expect(fr).toMatchObject({ cookie: 0x55, priority: 100, reason: 0, table_id: 1, duration_sec: 12, duration_nsec: 345000000, idle_timeout: 10, packet_count: 42, byte_count: 4200 });
    expect(oxm((fr.match as { OFPMatch: { oxm_fields: Json[] } }).OFPMatch.oxm_fields)).toEqual([
      { field: 'eth_type', value: 0x0800, mask: null },
      { field: 'ip_proto', value: 6, mask: null },
      { field: 'ipv4_dst', value: '10.0.0.2', mask: null },
      { field: 'tcp_dst', value: 80, mask: null },
    ]);
    expect(get(19, 'OFPPortStatus')).toEqual({
      reason: 2,
      desc: { OFPPort: { port_no: 2, hw_addr: '0a:00:00:00:00:01', name: 'vnet1', config: 1, state: 1, curr: 0x2820, advertised: 0, supported: 0, peer: 0, curr_speed: 1000000, max_speed: 1000000 } },
    });
  });

  it('FLOW_MODs: matches (masks included) and actions field by field', () => {
    const fm = get(102, 'OFPFlowMod'); // tcp,nw_src=10.0.0.0/8,tp_dst=80,tcp_flags=+syn-ack
    expect(oxm((fm.match as { OFPMatch: { oxm_fields: Json[] } }).OFPMatch.oxm_fields)).toEqual([
      { field: 'eth_type', value: 0x0800, mask: null },
      { field: 'ip_proto', value: 6, mask: null },
      { field: 'ipv4_src', value: '10.0.0.0', mask: '255.0.0.0' },
      { field: 'tcp_dst', value: 80, mask: null },
      { field: 'tcp_flags', value: 2, mask: 0x12 },
    ]);
    const actions = (f: Json) => ((f.instructions as Json[])[0] as { OFPInstructionActions: { actions: Json[] } }).OFPInstructionActions.actions;
    expect(actions(fm)).toEqual([
      { OFPActionSetField: { field: { OXMTlv: { field: 'ipv4_dst', value: '10.1.1.1', mask: null } }, len: 16, type: 25 } },
      { OFPActionOutput: { len: 16, max_len: 0, port: 3, type: 0 } },
    ]);
    const vlan = get(104, 'OFPFlowMod'); // dl_vlan=5,dl_vlan_pcp=3
    expect(oxm((vlan.match as { OFPMatch: { oxm_fields: Json[] } }).OFPMatch.oxm_fields)).toEqual([
      { field: 'vlan_vid', value: 0x1005, mask: null },
      { field: 'vlan_pcp', value: 3, mask: null },
    ]);
    const nd = get(108, 'OFPFlowMod');
    expect(oxm((nd.match as { OFPMatch: { oxm_fields: Json[] } }).OFPMatch.oxm_fields).map((f) => f.field)).toEqual([
      'eth_type', 'ip_proto', 'icmpv6_type', 'icmpv6_code', 'ipv6_nd_target', 'ipv6_nd_sll',
    ]);
    const nx = get(114, 'OFPFlowMod'); // set_field metadata/in_port, resubmits
    expect(actions(nx).map((a) => Object.keys(a)[0])).toEqual(['OFPActionSetField', 'OFPActionSetField', 'NXActionResubmitTable', 'NXActionResubmitTable', 'NXActionResubmitTable']);
    expect(actions(nx)[2]).toEqual({ NXActionResubmitTable: { experimenter: 0x2320, in_port: 0xfff8, len: 16, subtype: 14, table_id: 3, type: 0xffff } });
    const q = get(115, 'OFPFlowMod');
    expect(actions(q).map((a) => Object.keys(a)[0])).toEqual(['OFPActionSetQueue', 'OFPActionOutput', 'NXActionPopQueue', 'OFPActionGroup']);
    const ins = get(116, 'OFPFlowMod');
    expect(ins).toMatchObject({ cookie: 0x1234, table_id: 1, priority: 10, idle_timeout: 30, hard_timeout: 60, flags: 1 });
    expect((ins.instructions as Json[]).map((i) => Object.keys(i)[0])).toEqual([
      'OFPInstructionMeter', 'OFPInstructionActions', 'OFPInstructionActions', 'OFPInstructionActions', 'OFPInstructionWriteMetadata', 'OFPInstructionGotoTable',
    ]);
    expect((ins.instructions as Json[])[5]).toEqual({ OFPInstructionGotoTable: { len: 8, table_id: 4, type: 1 } });
  });

  it('multipart replies: DESC, FLOW, AGGREGATE, TABLE, PORT, PORT_DESC, QUEUE, GROUP, GROUP_DESC, GROUP_FEATURES, METER, METER_CONFIG, METER_FEATURES, TABLE_FEATURES', () => {
    expect(get(54, 'OFPDescStatsReply').body).toEqual({ OFPDescStats: { mfr_desc: 'nodeswitch', hw_desc: 'userspace datapath', sw_desc: '0.1.0', serial_num: 'None', dp_desc: 'br0' } });
    const flows = get(55, 'OFPFlowStatsReply').body as { OFPFlowStats: Json }[];
    expect(flows.map((f) => [f.OFPFlowStats.priority, f.OFPFlowStats.packet_count, f.OFPFlowStats.duration_sec, f.OFPFlowStats.table_id])).toEqual([[100, 10, 1, 0], [10, 20, 2, 1], [32768, 30, 3, 0]]);
    expect(get(56, 'OFPAggregateStatsReply').body).toEqual({ OFPAggregateStats: { packet_count: 100, byte_count: 10000, flow_count: 3 } });
    expect(get(57, 'OFPTableStatsReply').body).toEqual([
      { OFPTableStats: { table_id: 0, active_count: 3, lookup_count: 100, matched_count: 90 } },
      { OFPTableStats: { table_id: 1, active_count: 0, lookup_count: 0, matched_count: 0 } },
    ]);
    expect((get(58, 'OFPPortStatsReply').body as Json[])[0]).toEqual({
      OFPPortStats: { port_no: 1, rx_packets: 10, tx_packets: 20, rx_bytes: 1000, tx_bytes: 2000, rx_dropped: 1, tx_dropped: 2, rx_errors: 0, tx_errors: 0, rx_frame_err: 0, rx_over_err: 0, rx_crc_err: 0, collisions: 0, duration_sec: 5, duration_nsec: 0 },
    });
    expect((get(59, 'OFPPortDescStatsReply').body as { OFPPort: Json }[]).map((p) => [p.OFPPort.port_no, p.OFPPort.name])).toEqual([[1, 'vnet0'], [0xfffffffe, 'br0']]);
    expect(get(60, 'OFPQueueStatsReply').body).toEqual([{ OFPQueueStats: { port_no: 1, queue_id: 1, tx_bytes: 100, tx_packets: 1, tx_errors: 0, duration_sec: 3, duration_nsec: 0 } }]);
    expect((get(61, 'OFPGroupStatsReply').body as Json[])[0]).toMatchObject({ OFPGroupStats: { group_id: 7, ref_count: 1, packet_count: 30, byte_count: 3000, duration_sec: 9, length: 72 } });
    const desc = get(62, 'OFPGroupDescStatsReply').body as { OFPGroupDescStats: { group_id: number; type: number; buckets: { OFPBucket: Json }[] } }[];
    expect(desc.map((g) => [g.OFPGroupDescStats.group_id, g.OFPGroupDescStats.type, g.OFPGroupDescStats.buckets.map((b) => [b.OFPBucket.weight, b.OFPBucket.watch_port])])).toEqual([
      [7, 1, [[10, 0xffffffff], [20, 0xffffffff]]],
      [8, 3, [[0, 1], [0, 2]]],
    ]);
    expect(get(63, 'OFPGroupFeaturesStatsReply').body).toEqual({ OFPGroupFeaturesStats: { types: 15, capabilities: 3, max_groups: [1024, 1024, 1024, 1024], actions: [0x3e00001, 0x3e00001, 0x3e00001, 0x3e00001] } });
    expect((get(64, 'OFPMeterStatsReply').body as Json[])[0]).toEqual({
      OFPMeterStats: { band_stats: [{ OFPMeterBandStats: { byte_band_count: 500, packet_band_count: 5 } }], byte_in_count: 5000, duration_nsec: 0, duration_sec: 4, flow_count: 2, len: 56, meter_id: 1, packet_in_count: 50 },
    });
    expect(get(65, 'OFPMeterConfigStatsReply').body).toEqual([
      { OFPMeterConfigStats: { bands: [{ OFPMeterBandDrop: { burst_size: 1000, len: 16, rate: 10000, type: 1 } }], flags: 13, length: 24, meter_id: 1 } },
      { OFPMeterConfigStats: { bands: [{ OFPMeterBandDscpRemark: { burst_size: 0, len: 16, prec_level: 1, rate: 100, type: 2 } }], flags: 2, length: 24, meter_id: 2 } },
    ]);
    expect(get(66, 'OFPMeterFeaturesStatsReply').body).toEqual([{ OFPMeterFeaturesStats: { max_meter: 65536, band_types: 6, capabilities: 15, max_bands: 8, max_color: 0 } }]);
    const tf = (get(67, 'OFPTableFeaturesStatsReply').body as { OFPTableFeaturesStats: { name: string; max_entries: number; properties: Json[] } }[])[0]!.OFPTableFeaturesStats;
    expect([tf.name, tf.max_entries]).toEqual(['table0', 1000000]);
    expect(tf.properties.map((p) => Object.keys(p)[0])).toEqual([
      'OFPTableFeaturePropInstructions', 'OFPTableFeaturePropNextTables', 'OFPTableFeaturePropActions', 'OFPTableFeaturePropActions',
      'OFPTableFeaturePropOxm', 'OFPTableFeaturePropOxm', 'OFPTableFeaturePropOxm', 'OFPTableFeaturePropOxm',
    ]);
    expect(tf.properties[1]).toEqual({ OFPTableFeaturePropNextTables: { length: 7, table_ids: [1, 2, 3], type: 2 } });
  });
});
