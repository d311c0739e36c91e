// The codec against Open vSwitch's own: ovs-ofctl ofp-print decodes what we encode
// (its text compared with what we meant, field by field), and what the real
// ovs-ofctl sends (add-flow, mod-flows, del-flows, add-group, add-meter, mod-port,
// dump-*) decodes to what our parsers make of the same text.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatFlow, parseFlow, parseMatch } from '../../src/ofproto/flow.js';
import { parseGroup } from '../../src/ofproto/group.js';
import { OFPP } from '../../src/ofproto/values.js';
import { parseMeter } from '../../src/qos/meter-syntax.js';
import {
  encodeMessage,
  OFP_NO_BUFFER,
  OFPG_ALL,
  OFPG_ANY,
  OFPPC,
  type FlowModCommand,
  type MultipartReplyMsg,
  type OfMessage,
} from '../../src/openflow/wire/index.js';
import { needs, tool } from '../needs.js';
import { FLOWS, flowMod, sampleMessages } from './openflow-samples.js';
import { RECORDER_PORTS, type Recorder, startRecorder } from './openflow-recorder.js';

const run = promisify(execFile);
const OVS_OFCTL = tool('ovs-ofctl', 'openvswitch-common');

async function ofpPrint(msg: OfMessage): Promise<string> {
  const { stdout } = await run('ovs-ofctl', ['-O', 'OpenFlow13', 'ofp-print', encodeMessage(msg).toString('hex')]);
  return stdout;
}
const lines = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
const bySample = new Map(sampleMessages().map((m) => [m.xid, m]));
const sample = (xid: number): OfMessage => bySample.get(xid)!;

needs(OVS_OFCTL).describe('ovs-ofctl ofp-print decodes what we encode', () => {

  it('flows of varied matches and actions, as FLOW stats: each line is formatFlow of the same spec', async () => {
    const flows = FLOWS.map((text, i) => {
      const spec = parseFlow(text);
      delete spec.cookieGiven;
      return {
        spec,
        flags: { sendFlowRem: spec.flags.sendFlowRem, checkOverlap: false, resetCounts: false, noPktCounts: false, noBytCounts: false },
        durationSec: i,
        durationNsec: 250_000_000,
        packetCount: BigInt(i * 3),
        byteCount: BigInt(i * 300),
      };
    });
    const out = lines(await ofpPrint({ type: 'multipart_reply', xid: 5, flags: 0, body: { mpType: 'flow', flows } }));
    expect(out[0]).toBe('OFPST_FLOW reply (OF1.3) (xid=0x5):');
    expect(out.slice(1)).toEqual(
      flows.map((f) => formatFlow(f.spec, { durationSec: f.durationSec + 0.25, nPackets: f.packetCount, nBytes: f.byteCount })),
    );
  });

  it('FLOW_MODs: command, match and actions as meant', async () => {
    const cases: [FlowModCommand, string, string][] = [
      ['add', FLOWS[0]!, `ADD ${formatFlow(flowMod(FLOWS[0]!).spec)}`],
      ['add', FLOWS[2]!, `ADD ${formatFlow(flowMod(FLOWS[2]!).spec)}`],
      ['add', FLOWS[14]!, `ADD ${formatFlow(flowMod(FLOWS[14]!).spec)}`],
      ['modify_strict', 'table=1,priority=10,cookie=0x1/0xff,tcp actions=output:9', 'MOD_STRICT table:1 priority=10,tcp cookie:0x1/0xff actions=output:9'],
      ['delete', 'cookie=0x10/0xf0,out_port=3,ip', 'DEL table:255 ip cookie:0x10/0xf0 out_port:3 actions=drop'],
      ['delete_strict', 'table=2,priority=7,udp', 'DEL_STRICT table:2 priority=7,udp actions=drop'],
    ];
    for (const [command, text, want] of cases) {
      expect(lines(await ofpPrint(flowMod(text, command, 3)))).toEqual([`OFPT_FLOW_MOD (OF1.3) (xid=0x3): ${want}`]);
    }
    const flagged = await ofpPrint(flowMod('idle_timeout=5,ip actions=drop', 'add', 4, { sendFlowRem: true, checkOverlap: true, resetCounts: true, noPktCounts: true, noBytCounts: true }));
    expect(flagged).toContain('idle:5 send_flow_rem check_overlap reset_counts no_packet_counts no_byte_counts');
  });

  it('asynchronous messages: PACKET_IN, FLOW_REMOVED, PORT_STATUS', async () => {
    expect(lines(await ofpPrint(sample(15)))[0]).toBe(
      'OFPT_PACKET_IN (OF1.3) (xid=0xf): table_id=3 cookie=0x1234 total_len=38 metadata=0x5,in_port=2 (via action) data_len=38 (unbuffered)',
    );
    expect(lines(await ofpPrint(sample(16)))[0]).toContain('total_len=1500 in_port=LOCAL (via no_match) data_len=14 (unbuffered)');
    expect(lines(await ofpPrint(sample(17)))).toEqual([
      'OFPT_FLOW_REMOVED (OF1.3) (xid=0x11): priority=100,tcp,nw_dst=10.0.0.2,tp_dst=80 reason=idle table_id=1 cookie:0x55 duration12.345s idle10 pkts42 bytes4200',
    ]);
    expect(lines(await ofpPrint(sample(19)))).toEqual([
      'OFPT_PORT_STATUS (OF1.3) (xid=0x13): MOD: 2(vnet1): addr:0a:00:00:00:00:01',
      'config:     PORT_DOWN',
      'state:      LINK_DOWN',
      'current:    1GB-FD COPPER AUTO_NEG',
      'speed: 1000 Mbps now, 1000 Mbps max',
    ]);
  });

  it('setup and control messages: HELLO, ERROR, ECHO, FEATURES, CONFIG, PACKET_OUT, ROLE, ASYNC', async () => {
    expect(lines(await ofpPrint(sample(2)))).toEqual(['OFPT_HELLO (OF1.5) (xid=0x2):', 'version bitmap: 0x01, 0x04, 0x05, 0x06']);
    expect(lines(await ofpPrint(sample(4)))[0]).toBe('OFPT_ERROR (OF1.3) (xid=0x4): OFPBMC_BAD_PREREQ');
    expect(lines(await ofpPrint(sample(5)))).toEqual(['OFPT_ERROR (OF1.3) (xid=0x5): OFPHFC_INCOMPATIBLE', 'We support version 0x04 only']);
    expect(lines(await ofpPrint(sample(6)))[0]).toBe('OFPT_ERROR (OF1.3) (xid=0x6): NXBRC_NXM_BAD_TYPE'); // experimenter 0x2320, type 3
    expect(lines(await ofpPrint(sample(7)))[0]).toBe('OFPT_ECHO_REQUEST (OF1.3) (xid=0x7): 4 bytes of payload');
    expect(lines(await ofpPrint(sample(11)))).toEqual([
      'OFPT_FEATURES_REPLY (OF1.3) (xid=0xb): dpid:00000a0000000001',
      'n_tables:254, n_buffers:0',
      'capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS',
    ]);
    expect(lines(await ofpPrint(sample(13)))).toEqual(['OFPT_GET_CONFIG_REPLY (OF1.3) (xid=0xd): frags=normal miss_send_len=128']);
    expect(lines(await ofpPrint(sample(20)))[0]).toBe('OFPT_PACKET_OUT (OF1.3) (xid=0x14): in_port=CONTROLLER actions=output:1,output:2 data_len=38');
    expect(lines(await ofpPrint(sample(35)))).toEqual(['OFPT_ROLE_REQUEST (OF1.3) (xid=0x23): role=primary generation_id=7']);
    expect(lines(await ofpPrint(sample(36)))).toEqual(['OFPT_ROLE_REPLY (OF1.3) (xid=0x24): role=secondary']);
    expect(lines(await ofpPrint(sample(68)))).toEqual(['OFPT_QUEUE_GET_CONFIG_REQUEST (OF1.3) (xid=0x44): port=1']);
    expect(lines(await ofpPrint(sample(69)))).toEqual([
      'OFPT_QUEUE_GET_CONFIG_REPLY (OF1.3) (xid=0x45): port=1',
      'queue 0: min_rate:10.0% max_rate:50.0%',
      'queue 1: max_rate:100.0%',
      'queue 2:',
    ]);
    const async = lines(await ofpPrint(sample(38)));
    expect(async.slice(0, 5)).toEqual(['OFPT_GET_ASYNC_REPLY (OF1.3) (xid=0x26):', 'primary:', 'PACKET_IN: no_match action', 'PORT_STATUS: add delete modify', 'FLOW_REMOVED: idle hard delete group_delete']);
    expect(async.slice(8, 11)).toEqual(['secondary:', 'PACKET_IN: (off)', 'PORT_STATUS: add delete modify']);
  });

  it('GROUP_MOD, METER_MOD, PORT_MOD, TABLE_MOD', async () => {
    expect(lines(await ofpPrint(sample(26)))).toEqual([
      'OFPT_GROUP_MOD (OF1.3) (xid=0x1a):',
      'ADD group_id=7,type=select,bucket=weight:10,actions=output:1,bucket=weight:20,actions=set_field:00:00:00:00:00:01->eth_dst,output:2',
    ]);
    expect(lines(await ofpPrint(sample(27)))[1]).toBe('MOD group_id=8,type=ff,bucket=watch_port:1,actions=output:1,bucket=watch_port:2,actions=output:2');
    expect(lines(await ofpPrint(sample(28)))[1]).toBe('DEL group_id=4294967292,type=all');
    expect(lines(await ofpPrint(sample(29)))).toEqual(['OFPT_METER_MOD (OF1.3) (xid=0x1d): ADD meter=1 kbps burst stats bands=', 'type=drop rate=10000 burst_size=1000']);
    expect(lines(await ofpPrint(sample(30)))).toEqual([
      'OFPT_METER_MOD (OF1.3) (xid=0x1e): MOD meter=2 pktps bands=',
      'type=dscp_remark rate=100 prec_level=1',
      'type=drop rate=200',
    ]);
    expect(lines(await ofpPrint(sample(31)))).toEqual([
      'OFPT_PORT_MOD (OF1.3) (xid=0x1f): port: 2: addr:0a:00:00:00:00:02',
      'config: PORT_DOWN',
      'mask:   PORT_DOWN',
      'advertise: UNCHANGED',
    ]);
    expect(lines(await ofpPrint(sample(32)))).toEqual(['OFPT_TABLE_MOD (OF1.3) (xid=0x20): table_id=0']);
  });

  it('multipart requests', async () => {
    const want: [number, string][] = [
      [41, 'OFPST_FLOW request (OF1.3) (xid=0x29): tcp,tp_dst=80'],
      [42, 'OFPST_AGGREGATE request (OF1.3) (xid=0x2a): table=1'],
      [44, 'OFPST_PORT request (OF1.3) (xid=0x2c): port_no=ANY'],
      [46, 'OFPST_QUEUE request (OF1.3) (xid=0x2e): port=1 queue=ALL'],
      [47, 'OFPST_GROUP request (OF1.3) (xid=0x2f): group_id=ALL'],
      [50, 'OFPST_METER request (OF1.3) (xid=0x32): meter=all'],
      [51, 'OFPST_METER_CONFIG request (OF1.3) (xid=0x33): meter=1'],
      [53, 'OFPST_TABLE_FEATURES request (OF1.3) (xid=0x35):'],
    ];
    for (const [xid, line] of want) expect(lines(await ofpPrint(sample(xid)))).toEqual([line]);
  });

  it('multipart replies: DESC, AGGREGATE, TABLE, PORT, PORT_DESC, QUEUE, GROUP, GROUP_DESC, METER, METER_CONFIG, METER_FEATURES, TABLE_FEATURES', async () => {
    expect(lines(await ofpPrint(sample(54)))).toEqual([
      'OFPST_DESC reply (OF1.3) (xid=0x36):', 'Manufacturer: nodeswitch', 'Hardware: userspace datapath', 'Software: 0.1.0', 'Serial Num: None', 'DP Description: br0',
    ]);
    expect(lines(await ofpPrint(sample(56)))).toEqual(['OFPST_AGGREGATE reply (OF1.3) (xid=0x38): packet_count=100 byte_count=10000 flow_count=3']);
    expect(lines(await ofpPrint(sample(57))).slice(1)).toEqual(['table 0:', 'active=3, lookup=100, matched=90', 'table 1:', 'active=0, lookup=0, matched=0']);
    expect(lines(await ofpPrint(sample(58))).slice(0, 4)).toEqual([
      'OFPST_PORT reply (OF1.3) (xid=0x3a): 2 ports',
      'port  1: rx pkts=10, bytes=1000, drop=1, errs=0, frame=0, over=0, crc=0',
      'tx pkts=20, bytes=2000, drop=2, errs=0, coll=0',
      'duration=5s',
    ]);
    const desc = lines(await ofpPrint(sample(59)));
    expect(desc.filter((l) => l.includes('addr:'))).toEqual(['1(vnet0): addr:0a:00:00:00:00:01', 'LOCAL(br0): addr:0a:00:00:00:00:01']);
    expect(lines(await ofpPrint(sample(60)))).toEqual(['OFPST_QUEUE reply (OF1.3) (xid=0x3c): 1 queues', 'port 1 queue 1: bytes=100, pkts=1, errors=0, duration=3s']);
    expect(lines(await ofpPrint(sample(61)))[1]).toBe(
      'group_id=7,duration=9s,ref_count=1,packet_count=30,byte_count=3000,bucket0:packet_count=10,byte_count=1000,bucket1:packet_count=20,byte_count=2000',
    );
    expect(lines(await ofpPrint(sample(62))).slice(1)).toEqual([
      'group_id=7,type=select,bucket=weight:10,actions=output:1,bucket=weight:20,actions=set_field:00:00:00:00:00:01->eth_dst,output:2',
      'group_id=8,type=ff,bucket=watch_port:1,actions=output:1,bucket=watch_port:2,actions=output:2',
    ]);
    expect(lines(await ofpPrint(sample(64))).slice(1)).toEqual(['meter:1 flow_count:2 packet_in_count:50 byte_in_count:5000 duration:4s bands:', '0: packet_count:5 byte_count:500']);
    expect(lines(await ofpPrint(sample(65))).slice(1)).toEqual([
      'meter=1 kbps burst stats bands=', 'type=drop rate=10000 burst_size=1000', 'meter=2 pktps bands=', 'type=dscp_remark rate=100 prec_level=1',
    ]);
    expect(lines(await ofpPrint(sample(66))).slice(1)).toEqual(['max_meter:65536 max_bands:8 max_color:0', 'band_types: drop dscp_remark', 'capabilities: kbps pktps burst stats']);
    const tf = lines(await ofpPrint(sample(67)));
    expect(tf).toContain('table 0 ("table0"):');
    expect(tf).toContain('max_entries=1000000');
    expect(tf).toContain('next tables: 1-3');
    expect(tf).toContain('instructions: meter apply_actions clear_actions write_actions write_metadata goto_table');
    expect(tf).toContain('actions: output group set_field strip_vlan push_vlan mod_nw_ttl dec_ttl set_queue');
    expect(tf).toContain('must exact match: eth_type');
    const features = lines(await ofpPrint(sample(63)));
    expect(features.slice(1, 4)).toEqual(['Group table:', 'Types:  0xf', 'Capabilities:  0x3']);
    expect(features).toContain('actions: output group set_field mod_nw_ttl dec_ttl set_queue');
  });

  it('a split reply: every part decodes, REPLY_MORE on all but the last', async () => {
    const { splitMultipartReply } = await import('../../src/openflow/wire/index.js');
    const flows = Array.from({ length: 1200 }, (_, i) => {
      const spec = parseFlow(`priority=${i},ip,nw_dst=10.0.${i >> 8}.${i & 255} actions=output:1,output:2,output:3`);
      delete spec.cookieGiven;
      return { spec, flags: { sendFlowRem: false, checkOverlap: false, resetCounts: false, noPktCounts: false, noBytCounts: false }, durationSec: 1, durationNsec: 0, packetCount: 0n, byteCount: 0n };
    });
    const parts = splitMultipartReply({ type: 'multipart_reply', xid: 8, flags: 0, body: { mpType: 'flow', flows } } as MultipartReplyMsg);
    expect(parts.length).toBeGreaterThan(1);
    let total = 0;
    for (const [i, p] of parts.entries()) {
      const out = lines(await ofpPrint(p));
      expect(out[0]).toBe(`OFPST_FLOW reply (OF1.3) (xid=0x8):${i < parts.length - 1 ? ' flags=[more]' : ''}`);
      total += out.length - 1;
    }
    expect(total).toBe(flows.length);
  });
});

needs(OVS_OFCTL).describe('we decode what ovs-ofctl -O OpenFlow13 sends', () => {
  let rec: Recorder;
  beforeAll(async () => {
    rec = await startRecorder();
  });
  afterAll(async () => {
    expect(rec.failures).toEqual([]);
    await rec.close();
  });

  async function ofctl(...args: string[]): Promise<OfMessage[]> {
    const opts = args.filter((a) => a.startsWith('--'));
    const [cmd, ...rest] = args.filter((a) => !a.startsWith('--'));
    rec.take();
    await run('ovs-ofctl', ['-O', 'OpenFlow13', ...opts, cmd!, `unix:${rec.path}`, ...rest], { timeout: 10_000 });
    expect(rec.failures).toEqual([]);
    return rec.take();
  }
  const only = <T extends OfMessage['type']>(msgs: OfMessage[], type: T): Extract<OfMessage, { type: T }>[] =>
    msgs.filter((m) => m.type === type) as Extract<OfMessage, { type: T }>[];
  /** The message with xid 0: ovs-ofctl picks its own xids. */
  const noXid = <T extends { xid: number }>(m: T): T => ({ ...m, xid: 0 });

  it('add-flow: each FLOW_MOD is parseFlow of the same text', async () => {
    for (const text of FLOWS) {
      const [fm, ...more] = only(await ofctl('add-flow', text), 'flow_mod');
      expect(more).toEqual([]);
      expect(noXid(fm!)).toEqual(noXid(flowMod(text)));
    }
  });

  it('mod-flows, mod-flows --strict, del-flows, del-flows --strict', async () => {
    // ovs-ofctl's OpenFlow 1.3 modify goes to table 0 unless told (1.3 has no "all tables" modify).
    const [mod] = only(await ofctl('mod-flows', 'ip,nw_dst=10.0.0.1 actions=output:3'), 'flow_mod');
    expect(noXid(mod!)).toEqual(noXid(flowMod('table=0,ip,nw_dst=10.0.0.1 actions=output:3', 'modify')));
    const [strict] = only(await ofctl('--strict', 'mod-flows', 'table=2,priority=5,tcp,tp_dst=22 actions=drop'), 'flow_mod');
    expect(noXid(strict!)).toEqual(noXid(flowMod('table=2,priority=5,tcp,tp_dst=22 actions=drop', 'modify_strict')));
    const [del] = only(await ofctl('del-flows', 'cookie=0x5/-1,out_port=2,udp'), 'flow_mod');
    expect(noXid(del!)).toEqual(noXid(flowMod('cookie=0x5/-1,out_port=2,udp', 'delete')));
    const [delStrict] = only(await ofctl('--strict', 'del-flows', 'table=1,priority=9,arp'), 'flow_mod');
    expect(noXid(delStrict!)).toEqual(noXid(flowMod('table=1,priority=9,arp', 'delete_strict')));
  });

  it('add-group, mod-group, del-groups: GROUP_MOD carries parseGroup of the same text', async () => {
    const texts = [
      'group_id=1,type=all,bucket=output:1,bucket=output:2',
      'group_id=2,type=select,bucket=weight:10,actions=set_field:00:00:00:00:00:01->eth_dst,output:1,bucket=weight:20,actions=output:2',
      'group_id=3,type=indirect,bucket=actions=push_vlan:0x8100,set_field:4101->vlan_vid,output:3',
      'group_id=4,type=ff,bucket=watch_port:1,actions=output:1,bucket=watch_port:2,actions=output:2',
    ];
    for (const text of texts) {
      const [gm] = only(await ofctl('add-group', text), 'group_mod');
      expect(noXid(gm!)).toEqual({ type: 'group_mod', xid: 0, command: 'add', spec: parseGroup(text) });
    }
    const [mod] = only(await ofctl('mod-group', texts[0]!), 'group_mod');
    expect(mod).toMatchObject({ command: 'modify', spec: parseGroup(texts[0]!) });
    const [del] = only(await ofctl('del-groups', 'group_id=3'), 'group_mod');
    expect(del).toMatchObject({ command: 'delete', spec: { groupId: 3, buckets: [] } });
    const [delAll] = only(await ofctl('del-groups'), 'group_mod');
    expect(delAll).toMatchObject({ command: 'delete', spec: { groupId: OFPG_ALL } });
  });

  it('add-meter, mod-meter, del-meters: METER_MOD carries parseMeter of the same text', async () => {
    const texts = [
      'meter=1,kbps,burst,stats,bands=type=drop,rate=10000,burst_size=1000',
      'meter=2,pktps,bands=type=dscp_remark,rate=100,prec_level=1,type=drop,rate=200',
      'meter=3,kbps,bands=type=drop,rate=5',
    ];
    for (const text of texts) {
      const [mm] = only(await ofctl('add-meter', text), 'meter_mod');
      expect(noXid(mm!)).toEqual({ type: 'meter_mod', xid: 0, command: 'add', spec: parseMeter(text) });
    }
    const [mod] = only(await ofctl('mod-meter', texts[2]!), 'meter_mod');
    expect(noXid(mod!)).toEqual({ type: 'meter_mod', xid: 0, command: 'modify', spec: parseMeter(texts[2]!) });
    const [del] = only(await ofctl('del-meters'), 'meter_mod');
    expect(del).toMatchObject({ command: 'delete', spec: { id: 0xffffffff, bands: [] } });
  });

  it('mod-port: PORT_MOD with the port’s address from PORT_DESC', async () => {
    const msgs = await ofctl('mod-port', 'p2', 'down');
    expect(only(msgs, 'port_mod').map(noXid)).toEqual([
      { type: 'port_mod', xid: 0, portNo: 2, hwAddr: RECORDER_PORTS[1]!.hwAddr, config: OFPPC.PORT_DOWN, mask: OFPPC.PORT_DOWN, advertise: 0 },
    ]);
    const [noFlood] = only(await ofctl('mod-port', '1', 'no-packet-in'), 'port_mod');
    expect(noFlood).toMatchObject({ portNo: 1, config: OFPPC.NO_PACKET_IN, mask: OFPPC.NO_PACKET_IN });
  });

  it('dump-flows, dump-aggregate: FLOW/AGGREGATE requests with parseMatch of the filter', async () => {
    const stats = (msgs: OfMessage[], mpType: string) => only(msgs, 'multipart_request').filter((m) => m.body.mpType === mpType);
    const [flow] = stats(await ofctl('dump-flows', 'tcp,tp_dst=80'), 'flow');
    expect(flow!.body).toEqual({ mpType: 'flow', tableId: 255, outPort: OFPP.ANY, outGroup: OFPG_ANY, cookie: 0n, cookieMask: 0n, match: parseMatch('tcp,tp_dst=80') });
    const [agg] = stats(await ofctl('dump-aggregate', 'table=3,cookie=0x10/0xf0,out_port=2,ip'), 'aggregate');
    expect(agg!.body).toEqual({ mpType: 'aggregate', tableId: 3, outPort: 2, outGroup: OFPG_ANY, cookie: 0x10n, cookieMask: 0xf0n, match: parseMatch('ip') });
  });

  it('the other dump-* and stats commands: the multipart type and selector they name', async () => {
    const want: [string[], object][] = [
      [['dump-tables'], { mpType: 'table' }],
      [['dump-ports'], { mpType: 'port_stats', portNo: OFPP.ANY }],
      [['dump-ports', '2'], { mpType: 'port_stats', portNo: 2 }],
      [['dump-ports-desc'], { mpType: 'port_desc' }],
      [['queue-stats', '1', '5'], { mpType: 'queue', portNo: 1, queueId: 5 }],
      [['dump-groups'], { mpType: 'group_desc' }],
      [['dump-group-stats'], { mpType: 'group', groupId: OFPG_ALL }],
      [['dump-group-stats', 'group_id=4'], { mpType: 'group', groupId: 4 }],
      [['dump-group-features'], { mpType: 'group_features' }],
      [['dump-meters'], { mpType: 'meter_config', meterId: 0xffffffff }],
      [['meter-stats', 'meter=2'], { mpType: 'meter', meterId: 2 }],
      [['meter-features'], { mpType: 'meter_features' }],
      [['dump-table-features'], { mpType: 'table_features', tables: [] }],
      [['dump-desc'], { mpType: 'desc' }],
    ];
    for (const [args, body] of want) {
      const reqs = only(await ofctl(...args), 'multipart_request').map((m) => m.body);
      expect(reqs, args.join(' ')).toContainEqual(body);
    }
  });

  it('HELLO: the version bitmap ovs-ofctl offers', async () => {
    const before = rec.messages.length;
    rec.take();
    await run('ovs-ofctl', ['-O', 'OpenFlow10,OpenFlow13,OpenFlow15', 'show', `unix:${rec.path}`], { timeout: 10_000 });
    const hello = rec.messages.slice(before).find((m) => m.type === 'hello');
    expect(hello).toEqual({ type: 'hello', xid: expect.any(Number), version: 6, versions: [1, 4, 6] });
    rec.take();
  });

  it('queue-get-config: QUEUE_GET_CONFIG_REQUEST of the port', async () => {
    const msgs = await ofctl('queue-get-config', '2');
    expect(only(msgs, 'queue_get_config_request').map(noXid)).toEqual([{ type: 'queue_get_config_request', xid: 0, port: 2 }]);
  });

  it('show, get-frags/set-frags, packet-out', async () => {
    const show = await ofctl('show');
    expect(show.map((m) => m.type)).toContain('features_request');
    expect(show.map((m) => m.type)).toContain('get_config_request');
    const [set] = only(await ofctl('set-frags', 'drop'), 'set_config');
    expect(set).toMatchObject({ flags: 1, missSendLen: 128 });
    const frame = 'ffffffffffff0a000000000108060001080006040001';
    const [po] = only(await ofctl('packet-out', `in_port=1 packet=${frame} actions=output:2,set_field:00:00:00:00:00:01->eth_src,FLOOD`), 'packet_out');
    expect(noXid(po!)).toEqual({
      type: 'packet_out', xid: 0, bufferId: OFP_NO_BUFFER, inPort: 1, data: Buffer.from(frame, 'hex'),
      actions: parseFlow('actions=output:2,set_field:00:00:00:00:00:01->eth_src,FLOOD').actions,
    });
  });
});
