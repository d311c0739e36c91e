// Sample OpenFlow 1.3 messages for the codec tests (openflow-codec, openflow-ovs,
// openflow-osken): one or more of every message type, with the flows given in
// ovs-ofctl syntax so the peers' printouts can be compared with what we meant.
import { parseFlow } from '../../src/ofproto/flow.js';
import { parseMeter } from '../../src/qos/meter-syntax.js';
import { OFP_NO_BUFFER, OFPG_ANY, OFPP, type FlowModCommand, type FlowModMsg, type OfMessage, type OfPort } from '../../src/openflow/wire/index.js';

const noFlags = { sendFlowRem: false, checkOverlap: false, resetCounts: false, noPktCounts: false, noBytCounts: false };

/** A FLOW_MOD of a flow written as for ovs-ofctl (add-flow, mod-flows or del-flows syntax by command). */
export function flowMod(text: string, command: FlowModCommand = 'add', xid = 1, flags: Partial<typeof noFlags> = {}): FlowModMsg {
  const context = command === 'add' ? 'add' : command.startsWith('modify') ? 'modify' : 'delete';
  const spec = parseFlow(text, { context });
  delete spec.cookieGiven;
  const f = { ...noFlags, ...spec.flags, ...flags };
  spec.flags = { sendFlowRem: f.sendFlowRem, checkOverlap: f.checkOverlap };
  return { type: 'flow_mod', xid, command, spec, bufferId: OFP_NO_BUFFER, outPort: spec.outPort ?? OFPP.ANY, outGroup: OFPG_ANY, flags: f };
}

/** Flows of varied matches and actions (add-flow syntax). */
export const FLOWS = [
  'priority=100,ip,nw_dst=10.0.0.2 actions=output:2',
  'in_port=1,dl_src=00:11:22:33:44:55,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=FLOOD',
  'tcp,nw_src=10.0.0.0/8,tp_dst=80,tcp_flags=+syn-ack actions=set_field:10.1.1.1->ip_dst,output:3',
  'udp,tp_src=0x100/0xff00,nw_ttl=5 actions=dec_ttl,mod_nw_ttl:9,NORMAL',
  'dl_vlan=5,dl_vlan_pcp=3 actions=set_field:4101->vlan_vid,set_field:2->vlan_pcp,pop_vlan,output:1',
  'vlan_tci=0/0x1000 actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:4',
  'arp,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.0/24,arp_sha=00:11:22:33:44:55 actions=set_field:2->arp_op,set_field:00:00:00:00:00:01->arp_sha,set_field:10.0.0.9->arp_spa,set_field:00:00:00:00:00:02->arp_tha,set_field:10.0.0.1->arp_tpa,IN_PORT',
  'ipv6,ipv6_src=2001:db8::/32,ipv6_dst=::1,ipv6_label=0x12345 actions=set_field:0x12->ipv6_label,set_field:fe80::1->ipv6_src,LOCAL',
  'icmp6,icmp_type=135,icmp_code=0,nd_target=fe80::1,nd_sll=00:11:22:33:44:55 actions=CONTROLLER:128',
  'icmp6,icmp_type=136,icmp_code=0,nd_tll=00:11:22:33:44:66 actions=drop',
  'icmp,icmp_type=8,icmp_code=0,ip_dscp=46,nw_ecn=1 actions=set_field:10->ip_dscp,set_field:3->nw_ecn,controller(max_len=100)',
  'sctp,sctp_src=1,sctp_dst=2 actions=set_field:7->sctp_dst,output:1',
  'udp6,udp_dst=53 actions=set_field:5353->udp_dst,set_field:1->udp_src,output:2',
  'tcp6,tcp_src=22 actions=set_field:2222->tcp_src,set_field:23->tcp_dst,output:2',
  'metadata=0x5/0xff,in_port=LOCAL actions=set_field:0x7->metadata,set_field:3->in_port,resubmit(,3),resubmit:4,resubmit(5,6)',
  'ip actions=set_queue:1,output:2,pop_queue,group:7',
  'table=1,priority=10,cookie=0x1234,idle_timeout=30,hard_timeout=60,send_flow_rem,dl_type=0x88cc actions=meter:2,output:1,clear_actions,write_actions(set_field:00:00:00:00:00:09->eth_dst,output:5),write_metadata:0x3/0xff,goto_table:4',
  'ip,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_proto=17 actions=set_field:10.0.0.3->ip_src,set_field:aa:bb:cc:dd:ee:ff->eth_src,output:7',
];

export function port(portNo: number, name: string): OfPort {
  return {
    portNo,
    hwAddr: '0a0000000001',
    name,
    config: 0,
    state: 4, // LIVE
    curr: 0x2820, // 1GB_FD, COPPER, AUTONEG
    advertised: 0,
    supported: 0,
    peer: 0,
    currSpeed: 1_000_000,
    maxSpeed: 1_000_000,
  };
}

const groupSpec = { groupId: 7, type: 'select' as const, buckets: [
  { weight: 10, watchPort: OFPP.ANY, watchGroup: OFPG_ANY, actions: parseFlow('actions=output:1').actions },
  { weight: 20, watchPort: OFPP.ANY, watchGroup: OFPG_ANY, actions: parseFlow('actions=set_field:00:00:00:00:00:01->eth_dst,output:2').actions },
] };
const ffGroup = { groupId: 8, type: 'ff' as const, buckets: [
  { weight: 0, watchPort: 1, watchGroup: OFPG_ANY, actions: parseFlow('actions=output:1').actions },
  { weight: 0, watchPort: 2, watchGroup: OFPG_ANY, actions: parseFlow('actions=output:2').actions },
] };

const u64 = (n: number): bigint => BigInt(n);

/** One or more messages of every type. */
export function sampleMessages(): OfMessage[] {
  const packet = Buffer.from('ffffffffffff0a00000000010806000108000604000100000000000a0a000001000000000000', 'hex');
  return [
    { type: 'hello', xid: 1, version: 4, versions: [4] },
    { type: 'hello', xid: 2, version: 6, versions: [1, 4, 5, 6] },
    { type: 'hello', xid: 3, version: 1 },
    { type: 'error', xid: 4, errType: 'BAD_MATCH', code: 9, data: Buffer.from('040e0048000000090000', 'hex') },
    { type: 'error', xid: 5, errType: 'HELLO_FAILED', code: 0, data: Buffer.from('We support version 0x04 only') },
    { type: 'error', xid: 6, errType: 'EXPERIMENTER', code: 3, experimenter: 0x2320, data: Buffer.alloc(0) },
    { type: 'echo_request', xid: 7, data: Buffer.from('ping') },
    { type: 'echo_reply', xid: 8, data: Buffer.alloc(0) },
    { type: 'experimenter', xid: 9, experimenter: 0x2320, expType: 16, data: Buffer.from('00000001', 'hex') },
    { type: 'features_request', xid: 10 },
    { type: 'features_reply', xid: 11, datapathId: 0x0000_0a00_0000_0001n, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0x4f },
    { type: 'get_config_request', xid: 12 },
    { type: 'get_config_reply', xid: 13, flags: 0, missSendLen: 128 },
    { type: 'set_config', xid: 14, flags: 0, missSendLen: 0xffff },
    {
      type: 'packet_in', xid: 15, bufferId: OFP_NO_BUFFER, totalLen: packet.length, reason: 'action', tableId: 3, cookie: 0x1234n,
      match: { in_port: { value: 2, mask: 0xffffffff }, metadata: { value: 0x5n, mask: 0xffffffffffffffffn } }, data: packet,
    },
    {
      type: 'packet_in', xid: 16, bufferId: OFP_NO_BUFFER, totalLen: 1500, reason: 'no_match', tableId: 0, cookie: 0xffffffffffffffffn,
      match: { in_port: { value: OFPP.LOCAL, mask: 0xffffffff } }, data: packet.subarray(0, 14),
    },
    {
      type: 'flow_removed', xid: 17, cookie: 0x55n, priority: 100, reason: 'idle_timeout', tableId: 1, durationSec: 12,
      durationNsec: 345000000, idleTimeout: 10, hardTimeout: 0, packetCount: u64(42), byteCount: u64(4200),
      match: parseFlow('tcp,nw_dst=10.0.0.2,tp_dst=80 actions=drop').match,
    },
    { type: 'port_status', xid: 18, reason: 'add', port: port(1, 'vnet0') },
    { type: 'port_status', xid: 19, reason: 'modify', port: { ...port(2, 'vnet1'), config: 1, state: 1 } },
    { type: 'packet_out', xid: 20, bufferId: OFP_NO_BUFFER, inPort: OFPP.CONTROLLER, actions: parseFlow('actions=output:1,output:2').actions, data: packet },
    flowMod(FLOWS[0]!, 'add', 21),
    flowMod('table=1,priority=10,cookie=0x1/0xff,tcp actions=output:9', 'modify_strict', 22),
    flowMod('cookie=0x10/0xf0,out_port=3,ip', 'delete', 23),
    flowMod('table=2,priority=7,udp', 'delete_strict', 24),
    flowMod('table=0,priority=5,ip actions=output:1', 'modify', 25, { resetCounts: true, noPktCounts: true, noBytCounts: true, checkOverlap: true }),
    { type: 'group_mod', xid: 26, command: 'add', spec: groupSpec },
    { type: 'group_mod', xid: 27, command: 'modify', spec: ffGroup },
    { type: 'group_mod', xid: 28, command: 'delete', spec: { groupId: 0xfffffffc, type: 'all', buckets: [] } },
    { type: 'meter_mod', xid: 29, command: 'add', spec: parseMeter('meter=1,kbps,burst,stats,bands=type=drop,rate=10000,burst_size=1000') },
    { type: 'meter_mod', xid: 30, command: 'modify', spec: parseMeter('meter=2,pktps,bands=type=dscp_remark,rate=100,prec_level=1,type=drop,rate=200') },
    { type: 'port_mod', xid: 31, portNo: 2, hwAddr: '0a0000000002', config: 1, mask: 1, advertise: 0 },
    { type: 'table_mod', xid: 32, tableId: 0, config: 0 },
    { type: 'barrier_request', xid: 33 },
    { type: 'barrier_reply', xid: 34 },
    { type: 'role_request', xid: 35, role: 'master', generationId: 7n },
    { type: 'role_reply', xid: 36, role: 'slave', generationId: 0xffffffffffffffffn },
    { type: 'get_async_request', xid: 37 },
    { type: 'get_async_reply', xid: 38, packetInMask: [3, 0], portStatusMask: [7, 7], flowRemovedMask: [15, 0] },
    { type: 'set_async', xid: 39, packetInMask: [1, 0], portStatusMask: [7, 0], flowRemovedMask: [0, 0] },
    { type: 'queue_get_config_request', xid: 68, port: 1 },
    {
      type: 'queue_get_config_reply', xid: 69, port: 1,
      queues: [{ queueId: 0, port: 1, minRate: 100, maxRate: 500 }, { queueId: 1, port: 1, maxRate: 1000 }, { queueId: 2, port: 1 }],
    },
    ...sampleMultipart(),
  ];
}

function sampleMultipart(): OfMessage[] {
  const fs = (text: string, n: number) => {
    const spec = parseFlow(text);
    delete spec.cookieGiven;
    return { spec, flags: { ...noFlags, sendFlowRem: spec.flags.sendFlowRem }, durationSec: n, durationNsec: 500000000, packetCount: u64(n * 10), byteCount: u64(n * 1000) };
  };
  const sel = { tableId: 255, outPort: OFPP.ANY, outGroup: OFPG_ANY, cookie: 0n, cookieMask: 0n, match: {} };
  const portStats = {
    portNo: 1, rxPackets: 10n, txPackets: 20n, rxBytes: 1000n, txBytes: 2000n, rxDropped: 1n, txDropped: 2n, rxErrors: 0n,
    txErrors: 0n, rxFrameErr: 0n, rxOverErr: 0n, rxCrcErr: 0n, collisions: 0n, durationSec: 5, durationNsec: 0,
  };
  return [
    { type: 'multipart_request', xid: 40, flags: 0, body: { mpType: 'desc' } },
    { type: 'multipart_request', xid: 41, flags: 0, body: { mpType: 'flow', ...sel, match: parseFlow('tcp,tp_dst=80 actions=drop').match } },
    { type: 'multipart_request', xid: 42, flags: 0, body: { mpType: 'aggregate', ...sel, tableId: 1, cookie: 0x10n, cookieMask: 0xf0n } },
    { type: 'multipart_request', xid: 43, flags: 0, body: { mpType: 'table' } },
    { type: 'multipart_request', xid: 44, flags: 0, body: { mpType: 'port_stats', portNo: OFPP.ANY } },
    { type: 'multipart_request', xid: 45, flags: 0, body: { mpType: 'port_desc' } },
    { type: 'multipart_request', xid: 46, flags: 0, body: { mpType: 'queue', portNo: 1, queueId: 0xffffffff } },
    { type: 'multipart_request', xid: 47, flags: 0, body: { mpType: 'group', groupId: 0xfffffffc } },
    { type: 'multipart_request', xid: 48, flags: 0, body: { mpType: 'group_desc' } },
    { type: 'multipart_request', xid: 49, flags: 0, body: { mpType: 'group_features' } },
    { type: 'multipart_request', xid: 50, flags: 0, body: { mpType: 'meter', meterId: 0xffffffff } },
    { type: 'multipart_request', xid: 51, flags: 0, body: { mpType: 'meter_config', meterId: 1 } },
    { type: 'multipart_request', xid: 52, flags: 0, body: { mpType: 'meter_features' } },
    { type: 'multipart_request', xid: 53, flags: 0, body: { mpType: 'table_features', tables: [] } },
    { type: 'multipart_reply', xid: 54, flags: 0, body: { mpType: 'desc', mfrDesc: 'nodeswitch', hwDesc: 'userspace datapath', swDesc: '0.1.0', serialNum: 'None', dpDesc: 'br0' } },
    { type: 'multipart_reply', xid: 55, flags: 0, body: { mpType: 'flow', flows: [fs(FLOWS[0]!, 1), fs(FLOWS[16]!, 2), fs(FLOWS[2]!, 3)] } },
    { type: 'multipart_reply', xid: 56, flags: 0, body: { mpType: 'aggregate', packetCount: 100n, byteCount: 10000n, flowCount: 3 } },
    { type: 'multipart_reply', xid: 57, flags: 0, body: { mpType: 'table', tables: [{ tableId: 0, activeCount: 3, lookupCount: 100n, matchedCount: 90n }, { tableId: 1, activeCount: 0, lookupCount: 0n, matchedCount: 0n }] } },
    { type: 'multipart_reply', xid: 58, flags: 0, body: { mpType: 'port_stats', ports: [portStats, { ...portStats, portNo: OFPP.LOCAL }] } },
    { type: 'multipart_reply', xid: 59, flags: 0, body: { mpType: 'port_desc', ports: [port(1, 'vnet0'), port(OFPP.LOCAL, 'br0')] } },
    { type: 'multipart_reply', xid: 60, flags: 0, body: { mpType: 'queue', queues: [{ portNo: 1, queueId: 1, txBytes: 100n, txPackets: 1n, txErrors: 0n, durationSec: 3, durationNsec: 0 }] } },
    {
      type: 'multipart_reply', xid: 61, flags: 0,
      body: { mpType: 'group', groups: [{ groupId: 7, refCount: 1, packetCount: 30n, byteCount: 3000n, durationSec: 9, durationNsec: 0, buckets: [{ packetCount: 10n, byteCount: 1000n }, { packetCount: 20n, byteCount: 2000n }] }] },
    },
    { type: 'multipart_reply', xid: 62, flags: 0, body: { mpType: 'group_desc', groups: [groupSpec, ffGroup] } },
    { type: 'multipart_reply', xid: 63, flags: 0, body: { mpType: 'group_features', types: 0xf, capabilities: 0x3, maxGroups: [1024, 1024, 1024, 1024], actions: [0x3e00001, 0x3e00001, 0x3e00001, 0x3e00001] } },
    {
      type: 'multipart_reply', xid: 64, flags: 0,
      body: { mpType: 'meter', meters: [{ meterId: 1, flowCount: 2, packetInCount: 50n, byteInCount: 5000n, durationSec: 4, durationNsec: 0, bands: [{ packetBandCount: 5n, byteBandCount: 500n }] }] },
    },
    { type: 'multipart_reply', xid: 65, flags: 0, body: { mpType: 'meter_config', meters: [parseMeter('meter=1,kbps,burst,stats,bands=type=drop,rate=10000,burst_size=1000'), parseMeter('meter=2,pktps,bands=type=dscp_remark,rate=100,prec_level=1')] } },
    { type: 'multipart_reply', xid: 66, flags: 0, body: { mpType: 'meter_features', maxMeter: 65536, bandTypes: 6, capabilities: 0xf, maxBands: 8, maxColor: 0 } },
    {
      type: 'multipart_reply', xid: 67, flags: 0,
      body: {
        mpType: 'table_features',
        tables: [{
          tableId: 0, name: 'table0', metadataMatch: 0xffffffffffffffffn, metadataWrite: 0xffffffffffffffffn, config: 0, maxEntries: 1000000,
          properties: [
            { type: 'instructions', ids: [1, 2, 3, 4, 5, 6] },
            { type: 'next_tables', ids: [1, 2, 3] },
            { type: 'write_actions', ids: [0, 17, 18, 21, 22, 25] },
            { type: 'apply_actions', ids: [0, 17, 18, 21, 22, 23, 24, 25] },
            { type: 'match', ids: [0x80000004, 0x80000a02] },
            { type: 'wildcards', ids: [0x80000004] },
            { type: 'write_setfield', ids: [0x80000806] },
            { type: 'apply_setfield', ids: [0x80000806] },
          ],
        }],
      },
    },
  ];
}
