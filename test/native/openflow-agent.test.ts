// The OpenFlow agent (src/openflow/agent) driven with decoded requests on a Bridge of
// mem ports: every reply is checked, and so is the bridge's state afterwards as the
// CLI's own calls see it (dumpFlowsText, dumpMeters, traffic through the ports), and
// every error listed in the agent's files with its OFPT_ERROR type, code and data.
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import { parseFlow } from '../../src/ofproto/flow.js';
import { OFPG_ALL, OFPG_ANY, parseGroup } from '../../src/ofproto/group.js';
import { OFPP } from '../../src/ofproto/values.js';
import { parseMeter } from '../../src/qos/meter-syntax.js';
import { OpenFlowAgent, type Session } from '../../src/openflow/agent/index.js';
import { hwAddr } from '../../src/openflow/agent/ports.js';
import {
  ERROR_CODES,
  type FlowModCommand,
  type FlowModFlags,
  type FlowModMsg,
  type MultipartReplyBody,
  type MultipartRequestBody,
  type OfMessage,
  OFP_NO_BUFFER,
  OFPM_ALL,
  OFPMPF_REPLY_MORE,
  OFPPC,
  OFPQ_ALL,
  OFPTT_ALL,
} from '../../src/openflow/wire/index.js';
import { closeMemBridge, memBridge, sendFrames } from './mem-bridge.js';
import * as P from './packets.js';

afterEach(closeMemBridge);

async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}

let xid = 1;
const session = (): Session => ({ role: 'equal', missSendLen: 128 });
/** Stands for the request's bytes as received: the errors must carry its first 64. */
const RAW = Buffer.from(Array.from({ length: 80 }, (_, i) => i));

async function setup(flows: string[] = []): Promise<{ br: Bridge; agent: OpenFlowAgent; changes: string[] }> {
  const br = await memBridge('ofagent', flows);
  const changes: string[] = [];
  const agent = new OpenFlowAgent(br, { datapathId: 0x1234n, onChange: (what) => void changes.push(what) });
  return { br, agent, changes };
}

const NO_FLAGS: FlowModFlags = { sendFlowRem: false, checkOverlap: false, resetCounts: false, noPktCounts: false, noBytCounts: false };

function flowMod(command: FlowModCommand, text: string, extra: Partial<Omit<FlowModMsg, 'flags'>> & { flags?: Partial<FlowModFlags> } = {}): FlowModMsg {
  const context = command === 'add' ? 'add' : command.startsWith('modify') ? 'modify' : 'delete';
  const spec = parseFlow(text, { context });
  return {
    type: 'flow_mod',
    xid: xid++,
    command,
    spec,
    bufferId: OFP_NO_BUFFER,
    outPort: spec.outPort ?? OFPP.ANY,
    outGroup: OFPG_ANY,
    ...extra,
    flags: { ...NO_FLAGS, sendFlowRem: spec.flags.sendFlowRem, checkOverlap: spec.flags.checkOverlap, ...extra.flags },
  };
}

function mp(body: MultipartRequestBody): OfMessage {
  return { type: 'multipart_request', xid: xid++, flags: 0, body };
}

/** The one reply of a request; fails on an error. */
async function one(agent: OpenFlowAgent, msg: OfMessage, s = session()): Promise<OfMessage> {
  const replies = await agent.handle(msg, s, RAW);
  expect(replies).toHaveLength(1);
  return replies[0]!;
}

async function body(agent: OpenFlowAgent, req: MultipartRequestBody): Promise<MultipartReplyBody> {
  const r = await one(agent, mp(req));
  if (r.type !== 'multipart_reply') throw new Error(`expected a multipart reply, got ${JSON.stringify(r)}`);
  expect(r.flags).toBe(0);
  return r.body;
}

/** Expects the request to be answered by exactly one OFPT_ERROR of this type and code. */
async function refused(agent: OpenFlowAgent, msg: OfMessage, errType: keyof typeof ERROR_CODES, code: string): Promise<void> {
  const replies = await agent.handle(msg, session(), RAW);
  expect(replies).toHaveLength(1);
  const e = replies[0]!;
  expect(e).toMatchObject({ type: 'error', xid: msg.xid, errType, code: ERROR_CODES[errType][code] });
  if (e.type === 'error') expect(e.data).toEqual(RAW.subarray(0, 64));
}

async function ok(agent: OpenFlowAgent, msg: OfMessage): Promise<void> {
  expect(await agent.handle(msg, session(), RAW)).toEqual([]);
}

const flowLines = async (br: Bridge): Promise<string[]> =>
  (await br.dumpFlowsText()).map((l) => l.replace(/duration=[0-9.]+s, /, '').replace(/, idle_age=\d+/, ''));

const TCP80 = P.tcp4({ l4: { dport: 80 } });
const outputs = async (br: Bridge, inPort: number, frame: Buffer): Promise<number[]> =>
  (await sendFrames(br, inPort, frame)).flatMap((f, i) => (f.length ? [i] : []));

describe('features and config', () => {
  it('FEATURES_REPLY: the datapath id, no buffers, 255 tables, the statistics we keep', async () => {
    const { agent } = await setup();
    const r = await one(agent, { type: 'features_request', xid: 7 });
    expect(r).toEqual({ type: 'features_reply', xid: 7, datapathId: 0x1234n, nBuffers: 0, nTables: 255, auxiliaryId: 0, capabilities: 0x4f });
  });

  it('SET_CONFIG sets miss_send_len in the session; GET_CONFIG reads it back; fragment handling other than normal is refused', async () => {
    const { agent } = await setup();
    const s = session();
    expect(await agent.handle({ type: 'set_config', xid: 1, flags: 0, missSendLen: 0xffff }, s)).toEqual([]);
    expect(s.missSendLen).toBe(0xffff);
    expect(await agent.handle({ type: 'get_config_request', xid: 2 }, s)).toEqual([{ type: 'get_config_reply', xid: 2, flags: 0, missSendLen: 0xffff }]);
    await refused(agent, { type: 'set_config', xid: 3, flags: 1, missSendLen: 128 }, 'SWITCH_CONFIG_FAILED', 'BAD_FLAGS');
  });

  it('BARRIER_REPLY after the flow-mods before it are in the datapath', async () => {
    const { br, agent } = await setup();
    const mods = [flowMod('add', 'priority=10,in_port=1,actions=output:2'), flowMod('add', 'priority=10,in_port=2,actions=output:1')];
    // One at a time, as a connection hands them over.
    const replies: OfMessage[][] = [];
    for (const m of [...mods, { type: 'barrier_request' as const, xid: 99 }]) replies.push(await agent.handle(m, session()));
    expect(replies).toEqual([[], [], [{ type: 'barrier_reply', xid: 99 }]]);
    expect(await outputs(br, 1, TCP80)).toEqual([2]);
  });

  it('messages a switch does not take, and experimenter messages, are refused', async () => {
    const { agent } = await setup();
    await refused(agent, { type: 'hello', xid: xid++, version: 4 }, 'BAD_REQUEST', 'BAD_TYPE');
    await refused(agent, { type: 'experimenter', xid: xid++, experimenter: 0x2320, expType: 1, data: Buffer.alloc(0) }, 'BAD_REQUEST', 'BAD_EXPERIMENTER');
  });
});

describe('FLOW_MOD', () => {
  it('add: the flow is in the CLI’s dump-flows and forwards; the owner is told', async () => {
    const { br, agent, changes } = await setup();
    await ok(agent, flowMod('add', 'table=0,priority=100,cookie=0x5,idle_timeout=60,tcp,tp_dst=80,actions=output:3'));
    expect(await flowLines(br)).toEqual([' cookie=0x5, table=0, n_packets=0, n_bytes=0, idle_timeout=60, priority=100,tcp,tp_dst=80 actions=output:3'.trim()]);
    expect(changes).toEqual([]); // gathered, then told once CHANGE_DELAY_MS later
    await waitUntil(() => changes.length > 0);
    expect(changes).toEqual(['flows']);
    expect(await outputs(br, 1, TCP80)).toEqual([3]);
  });

  it('add refusals: table 255, a buffer id, an overlap, an unknown meter, a bad output port, goto backwards', async () => {
    const { agent, br } = await setup(['priority=10,ip,actions=drop']);
    const m = flowMod('add', 'priority=10,actions=drop');
    await refused(agent, { ...m, spec: { ...m.spec, table: OFPTT_ALL } }, 'FLOW_MOD_FAILED', 'BAD_TABLE_ID');
    await refused(agent, flowMod('add', 'priority=1,actions=drop', { bufferId: 7 }), 'BAD_REQUEST', 'BUFFER_UNKNOWN');
    await refused(agent, flowMod('add', 'priority=10,tcp,check_overlap,actions=drop'), 'FLOW_MOD_FAILED', 'OVERLAP');
    await refused(agent, flowMod('add', 'priority=5,actions=meter:9,output:1'), 'METER_MOD_FAILED', 'UNKNOWN_METER');
    const bad = flowMod('add', 'priority=5,actions=output:1');
    await refused(agent, { ...bad, spec: { ...bad.spec, actions: [{ type: 'output', port: 0xff00 }] } }, 'BAD_ACTION', 'BAD_OUT_PORT');
    await refused(agent, { ...bad, spec: { ...bad.spec, actions: [{ type: 'output', port: OFPP.ANY }] } }, 'BAD_ACTION', 'BAD_OUT_PORT');
    const g = flowMod('add', 'table=3,priority=5,actions=drop');
    await refused(agent, { ...g, spec: { ...g.spec, instructions: { gotoTable: 2 } } }, 'BAD_INSTRUCTION', 'BAD_TABLE_ID');
    await refused(agent, { ...bad, spec: { ...bad.spec, actions: [{ type: 'group', groupId: 5 }] } }, 'BAD_ACTION', 'BAD_OUT_GROUP');
    expect(await flowLines(br)).toEqual(['cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=10,ip actions=drop']);
  });

  it('modify and modify_strict: new actions, counters kept, cookie left alone; cookie/mask selects', async () => {
    const { br, agent } = await setup(['cookie=0x1,priority=10,tcp,actions=output:2', 'cookie=0x2,priority=20,tcp,tp_dst=80,actions=output:2']);
    await outputs(br, 1, TCP80);
    await ok(agent, flowMod('modify_strict', 'priority=10,tcp,actions=output:3'));
    expect(await flowLines(br)).toEqual([
      `cookie=0x2, table=0, n_packets=1, n_bytes=${TCP80.length}, priority=20,tcp,tp_dst=80 actions=output:2`,
      'cookie=0x1, table=0, n_packets=0, n_bytes=0, priority=10,tcp actions=output:3',
    ]);
    // Non-strict, selected by cookie: only cookie 0x2's flow, its counters kept.
    await ok(agent, flowMod('modify', 'cookie=0x2/0xff,tcp,actions=output:4'));
    expect(await flowLines(br)).toEqual([
      `cookie=0x2, table=0, n_packets=1, n_bytes=${TCP80.length}, priority=20,tcp,tp_dst=80 actions=output:4`,
      'cookie=0x1, table=0, n_packets=0, n_bytes=0, priority=10,tcp actions=output:3',
    ]);
    // A modify that selects nothing adds nothing (OpenFlow 1.1+).
    await ok(agent, flowMod('modify', 'udp,actions=output:1'));
    expect(await flowLines(br)).toHaveLength(2);
  });

  it('modify with RESET_COUNTS starts the counters again, the duration goes on', async () => {
    const { br, agent } = await setup(['priority=10,tcp,actions=output:2']);
    await outputs(br, 1, TCP80);
    await new Promise((r) => setTimeout(r, 1100));
    await ok(agent, flowMod('modify', 'tcp,actions=output:3', { flags: { resetCounts: true } }));
    expect((await br.dumpFlows())[0]!.durationSec).toBeGreaterThan(1); // its age goes on
    expect(await flowLines(br)).toEqual(['cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=10,tcp actions=output:3']);
    expect(await outputs(br, 1, TCP80)).toEqual([3]);
  });

  it('NO_PKT_COUNTS / NO_BYT_COUNTS are accepted and the counters kept, as OVS does', async () => {
    const { br, agent } = await setup();
    await ok(agent, flowMod('add', 'priority=1,actions=output:2', { flags: { noPktCounts: true, noBytCounts: true } }));
    await outputs(br, 1, TCP80);
    expect((await br.dumpFlows())[0]!.packets).toBe(1);
  });

  it('delete and delete_strict with table, out_port and cookie filters; table 255 is every table', async () => {
    const flows = [
      'table=0,priority=10,ip,actions=output:2',
      'table=0,priority=20,ip,actions=output:3',
      'table=1,cookie=0x7,priority=10,ip,actions=output:2',
      'table=2,priority=10,tcp,actions=output:4',
    ];
    const { br, agent } = await setup(flows);
    await ok(agent, flowMod('delete_strict', 'table=0,priority=20,ip'));
    expect(await br.dumpFlowsText()).toHaveLength(3);
    await ok(agent, flowMod('delete', 'out_port=2'));
    expect((await flowLines(br)).map((l) => l.replace(/.*table=(\d).* actions=/, '$1 '))).toEqual(['2 output:4']);
    await br.addFlow('table=1,cookie=0x7,priority=10,ip,actions=output:2');
    await ok(agent, flowMod('delete', 'table=1,cookie=0x6/0xff'));
    expect(await br.dumpFlowsText()).toHaveLength(2);
    await ok(agent, flowMod('delete', 'cookie=0x7/0xff'));
    expect(await br.dumpFlowsText()).toHaveLength(1);
    await ok(agent, flowMod('delete', ''));
    expect(await br.dumpFlowsText()).toEqual([]);
  });

  it('what the CLI adds, the wire modifies and deletes, and the reverse', async () => {
    const { br, agent } = await setup();
    await br.addFlow('priority=5,udp,actions=output:1');
    await ok(agent, flowMod('modify', 'udp,actions=output:2'));
    expect(await flowLines(br)).toEqual(['cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=5,udp actions=output:2']);
    await ok(agent, flowMod('add', 'priority=6,tcp,actions=output:3'));
    expect(await br.delFlows('tcp')).toBe(1);
    await ok(agent, flowMod('delete', 'udp'));
    expect(await br.dumpFlowsText()).toEqual([]);
  });
});

describe('PACKET_OUT', () => {
  it('from the controller, from a port, and through the tables (output:TABLE)', async () => {
    const { br, agent } = await setup(['priority=10,in_port=1,actions=output:4']);
    await ok(agent, { type: 'packet_out', xid: xid++, bufferId: OFP_NO_BUFFER, inPort: OFPP.CONTROLLER, actions: [{ type: 'output', port: 2 }], data: TCP80 });
    expect((await sendFrames(br, 1, [])).map((f) => f.length)).toEqual([0, 0, 1, 0, 0]);
    await ok(agent, { type: 'packet_out', xid: xid++, bufferId: OFP_NO_BUFFER, inPort: 1, actions: [{ type: 'output', port: OFPP.TABLE }], data: TCP80 });
    expect((await sendFrames(br, 1, [])).map((f) => f.length)).toEqual([0, 0, 0, 0, 1]);
    expect((await br.dumpFlows())[0]!.packets).toBe(1);
  });

  it('from LOCAL: in_port LOCAL, and output:IN_PORT sends it back to LOCAL', async () => {
    const { br, agent } = await setup();
    await br.addPort('ofagent', { type: 'mem', ofport: OFPP.LOCAL });
    await ok(agent, { type: 'packet_out', xid: xid++, bufferId: OFP_NO_BUFFER, inPort: OFPP.LOCAL, actions: [{ type: 'output', port: 1 }, { type: 'output', port: OFPP.IN_PORT }], data: TCP80 });
    expect((await br.drain('m1')).length).toBe(1);
    expect((await br.drain('ofagent')).length).toBe(1);
  });

  it('refusals: a buffer id, an in_port that is no port, a runt, a bad output port', async () => {
    const { agent } = await setup();
    const po = { type: 'packet_out' as const, xid: 1, bufferId: OFP_NO_BUFFER, inPort: OFPP.CONTROLLER, actions: [{ type: 'output' as const, port: 2 }], data: TCP80 };
    await refused(agent, { ...po, xid: xid++, bufferId: 3 }, 'BAD_REQUEST', 'BUFFER_UNKNOWN');
    await refused(agent, { ...po, xid: xid++, inPort: 9 }, 'BAD_REQUEST', 'BAD_PORT');
    await refused(agent, { ...po, xid: xid++, data: Buffer.alloc(10) }, 'BAD_REQUEST', 'BAD_PACKET');
    await refused(agent, { ...po, xid: xid++, actions: [{ type: 'output', port: 0 }] }, 'BAD_ACTION', 'BAD_OUT_PORT');
  });
});

describe('METER_MOD', () => {
  const meter = (command: 'add' | 'modify' | 'delete', text: string): OfMessage => ({ type: 'meter_mod', xid: xid++, command, spec: parseMeter(text) });

  it('add, modify, delete as add-meter/mod-meter/del-meters; deleting a meter deletes its flows', async () => {
    const { br, agent, changes } = await setup();
    await ok(agent, meter('add', 'meter=1,kbps,burst,bands=type=drop,rate=1000,burst_size=100'));
    expect(br.dumpMeters()).toEqual([parseMeter('meter=1,kbps,burst,bands=type=drop,rate=1000,burst_size=100')]);
    await ok(agent, meter('modify', 'meter=1,kbps,bands=type=drop,rate=2000'));
    expect(br.dumpMeters()[0]!.bands[0]!.rate).toBe(2000);
    await ok(agent, flowMod('add', 'priority=1,actions=meter:1,output:2'));
    await ok(agent, { type: 'meter_mod', xid: xid++, command: 'delete', spec: { id: OFPM_ALL, unit: 'kbps', burst: false, stats: false, bands: [] } });
    expect(br.dumpMeters()).toEqual([]);
    expect(await br.dumpFlowsText()).toEqual([]);
    await agent.flush();
    expect(new Set(changes)).toEqual(new Set(['meters', 'flows'])); // coalesced, so once or more each
  });

  it('refusals: exists, unknown, invalid id, no bands, zero rate, too many bands', async () => {
    const { agent } = await setup();
    await ok(agent, meter('add', 'meter=1,kbps,bands=type=drop,rate=1000'));
    await refused(agent, meter('add', 'meter=1,kbps,bands=type=drop,rate=1000'), 'METER_MOD_FAILED', 'METER_EXISTS');
    await refused(agent, meter('modify', 'meter=2,kbps,bands=type=drop,rate=1000'), 'METER_MOD_FAILED', 'UNKNOWN_METER');
    const spec = parseMeter('meter=3,kbps,bands=type=drop,rate=1000');
    await refused(agent, { type: 'meter_mod', xid: xid++, command: 'add', spec: { ...spec, id: 0 } }, 'METER_MOD_FAILED', 'INVALID_METER');
    await refused(agent, { type: 'meter_mod', xid: xid++, command: 'add', spec: { ...spec, bands: [] } }, 'METER_MOD_FAILED', 'BAD_BAND');
    await refused(agent, { type: 'meter_mod', xid: xid++, command: 'add', spec: { ...spec, bands: [{ ...spec.bands[0]!, rate: 0 }] } }, 'METER_MOD_FAILED', 'BAD_RATE');
    const nine = Array.from({ length: 9 }, (_, i) => ({ ...spec.bands[0]!, rate: 1000 + i }));
    await refused(agent, { type: 'meter_mod', xid: xid++, command: 'add', spec: { ...spec, bands: nine } }, 'METER_MOD_FAILED', 'OUT_OF_BANDS');
  });
});

describe('GROUP_MOD', () => {
  const group = (command: 'add' | 'modify' | 'delete', text: string): OfMessage => ({ type: 'group_mod', xid: xid++, command, spec: parseGroup(text) });

  it('add, modify, delete as add-group/mod-group/del-groups; a flow sends through the group; deleting it deletes the flow', async () => {
    const { br, agent, changes } = await setup();
    await ok(agent, group('add', 'group_id=1,type=all,bucket=actions=output:2,bucket=actions=output:3'));
    expect(br.dumpGroups().map((g) => [g.groupId, g.type, g.buckets.length])).toEqual([[1, 'all', 2]]);
    await ok(agent, flowMod('add', 'priority=1,actions=group:1'));
    expect(await outputs(br, 1, TCP80)).toEqual([2, 3]);
    await ok(agent, group('modify', 'group_id=1,type=indirect,bucket=actions=output:4'));
    expect(await outputs(br, 1, TCP80)).toEqual([4]);
    const stats = await body(agent, { mpType: 'group', groupId: OFPG_ALL });
    expect(stats.mpType === 'group' && stats.groups.map((g) => [g.groupId, g.refCount])).toEqual([[1, 1]]);
    expect(await body(agent, { mpType: 'group_desc' })).toEqual({ mpType: 'group_desc', groups: br.dumpGroups() });
    expect(await body(agent, { mpType: 'group_features' })).toMatchObject({ mpType: 'group_features', types: 0xf });
    await ok(agent, { type: 'group_mod', xid: xid++, command: 'delete', spec: { groupId: OFPG_ALL, type: 'all', buckets: [] } });
    expect(br.dumpGroups()).toEqual([]);
    expect(await br.dumpFlowsText()).toEqual([]);
    await agent.flush();
    expect(new Set(changes)).toEqual(new Set(['groups', 'flows'])); // coalesced, so once or more each
  });

  it('refusals: exists, unknown, reserved id, a bad bucket port, an indirect group of two buckets', async () => {
    const { agent } = await setup();
    await ok(agent, group('add', 'group_id=1,type=all,bucket=actions=output:2'));
    await refused(agent, group('add', 'group_id=1,type=all,bucket=actions=output:2'), 'GROUP_MOD_FAILED', 'GROUP_EXISTS');
    await refused(agent, group('modify', 'group_id=2,type=all,bucket=actions=output:2'), 'GROUP_MOD_FAILED', 'UNKNOWN_GROUP');
    const g = parseGroup('group_id=3,type=all,bucket=actions=output:2');
    await refused(agent, { type: 'group_mod', xid: xid++, command: 'add', spec: { ...g, groupId: 0xffffff01 } }, 'GROUP_MOD_FAILED', 'INVALID_GROUP');
    await refused(agent, { type: 'group_mod', xid: xid++, command: 'add', spec: { ...g, buckets: [{ ...g.buckets[0]!, actions: [{ type: 'output', port: 0 }] }] } }, 'BAD_ACTION', 'BAD_OUT_PORT');
    await refused(agent, group('add', 'group_id=4,type=indirect,bucket=actions=output:2,bucket=actions=output:3'), 'GROUP_MOD_FAILED', 'INVALID_GROUP');
  });
});

describe('PORT_MOD and TABLE_MOD', () => {
  it('refusals: no such port, a wrong hw_addr, config bits the datapath lacks, PORT_DOWN without a netdev, advertise', async () => {
    const { br, agent } = await setup();
    const m1 = br.port('m1')!;
    const pm = { type: 'port_mod' as const, xid: 1, portNo: 1, hwAddr: hwAddr(m1), config: 0, mask: 0, advertise: 0 };
    await ok(agent, { ...pm, xid: xid++ });
    await refused(agent, { ...pm, xid: xid++, portNo: 9 }, 'PORT_MOD_FAILED', 'BAD_PORT');
    await refused(agent, { ...pm, xid: xid++, hwAddr: '000000000001' }, 'PORT_MOD_FAILED', 'BAD_HW_ADDR');
    await refused(agent, { ...pm, xid: xid++, config: OFPPC.NO_FWD, mask: OFPPC.NO_FWD }, 'PORT_MOD_FAILED', 'BAD_CONFIG');
    await ok(agent, { ...pm, xid: xid++, config: 0, mask: OFPPC.NO_RECV }); // clearing what is never set
    await refused(agent, { ...pm, xid: xid++, config: OFPPC.PORT_DOWN, mask: OFPPC.PORT_DOWN }, 'PORT_MOD_FAILED', 'BAD_CONFIG');
    await refused(agent, { ...pm, xid: xid++, advertise: 1 }, 'PORT_MOD_FAILED', 'BAD_ADVERTISE');
  });

  it('TABLE_MOD: config 0 and the deprecated bits are accepted, others refused', async () => {
    const { agent } = await setup();
    await ok(agent, { type: 'table_mod', xid: xid++, tableId: 0, config: 0 });
    await ok(agent, { type: 'table_mod', xid: xid++, tableId: OFPTT_ALL, config: 3 });
    await refused(agent, { type: 'table_mod', xid: xid++, tableId: 0, config: 4 }, 'TABLE_MOD_FAILED', 'BAD_CONFIG');
  });
});

describe('MULTIPART', () => {
  it('DESC', async () => {
    const { agent } = await setup();
    const b = await body(agent, { mpType: 'desc' });
    expect(b).toMatchObject({ mpType: 'desc', mfrDesc: 'nodeswitch', dpDesc: 'ofagent' });
    if (b.mpType === 'desc') expect(b.swDesc).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('FLOW and AGGREGATE with table, out_port, cookie and match filters; counters and durations', async () => {
    const { br, agent } = await setup(['cookie=0x1,priority=10,tcp,actions=output:2', 'table=1,cookie=0x2,priority=10,udp,actions=output:3', 'priority=5,actions=output:4']);
    await outputs(br, 1, TCP80);
    const req = { tableId: OFPTT_ALL, outPort: OFPP.ANY, outGroup: OFPG_ANY, cookie: 0n, cookieMask: 0n, match: {} };
    const all = await body(agent, { mpType: 'flow', ...req });
    if (all.mpType !== 'flow') throw new Error('not a flow reply');
    expect(all.flows.map((f) => [f.spec.table, f.spec.priority, f.packetCount])).toEqual([
      [0, 10, 1n],
      [0, 5, 0n],
      [1, 10, 0n],
    ]);
    expect(all.flows[0]!.durationNsec).toBeLessThan(1e9);
    const t1 = await body(agent, { mpType: 'flow', ...req, tableId: 1 });
    expect(t1.mpType === 'flow' && t1.flows.map((f) => f.spec.cookie)).toEqual([2n]);
    const out4 = await body(agent, { mpType: 'flow', ...req, outPort: 4 });
    expect(out4.mpType === 'flow' && out4.flows.map((f) => f.spec.priority)).toEqual([5]);
    const c1 = await body(agent, { mpType: 'flow', ...req, cookie: 1n, cookieMask: 0xffn });
    expect(c1.mpType === 'flow' && c1.flows.map((f) => f.spec.cookie)).toEqual([1n]);
    const tcp = await body(agent, { mpType: 'flow', ...req, match: parseFlow('tcp', { context: 'delete' }).match });
    expect(tcp.mpType === 'flow' && tcp.flows.map((f) => f.spec.cookie)).toEqual([1n]);
    expect(await body(agent, { mpType: 'aggregate', ...req })).toEqual({ mpType: 'aggregate', packetCount: 1n, byteCount: BigInt(TCP80.length), flowCount: 3 });
  });

  it('TABLE: active flows, matched and looked-up packets per table', async () => {
    const { br, agent } = await setup(['priority=10,tcp,actions=goto_table:1', 'table=1,priority=1,actions=output:2']);
    await outputs(br, 1, TCP80);
    await outputs(br, 1, P.udp4());
    const b = await body(agent, { mpType: 'table' });
    if (b.mpType !== 'table') throw new Error('not a table reply');
    expect(b.tables).toHaveLength(255);
    expect(b.tables.slice(0, 3)).toEqual([
      { tableId: 0, activeCount: 1, matchedCount: 1n, lookupCount: 2n },
      { tableId: 1, activeCount: 1, matchedCount: 1n, lookupCount: 1n },
      { tableId: 2, activeCount: 0, matchedCount: 0n, lookupCount: 0n },
    ]);
  });

  it('PORT_STATS (all and one) and PORT_DESC', async () => {
    const { br, agent } = await setup(['priority=1,actions=output:2']);
    await outputs(br, 1, TCP80);
    const all = await body(agent, { mpType: 'port_stats', portNo: OFPP.ANY });
    if (all.mpType !== 'port_stats') throw new Error('not port stats');
    expect(all.ports.map((p) => [p.portNo, p.rxPackets, p.txPackets])).toEqual([
      [1, 1n, 0n],
      [2, 0n, 1n],
      [3, 0n, 0n],
      [4, 0n, 0n],
    ]);
    expect(all.ports[0]!.rxCrcErr).toBe(0xffffffffffffffffn);
    const one2 = await body(agent, { mpType: 'port_stats', portNo: 2 });
    expect(one2.mpType === 'port_stats' && one2.ports.map((p) => p.portNo)).toEqual([2]);
    const desc = await body(agent, { mpType: 'port_desc' });
    if (desc.mpType !== 'port_desc') throw new Error('not port desc');
    expect(desc.ports.map((p) => [p.portNo, p.name, p.hwAddr, p.config])).toEqual(br.ports().map((p) => [p.ofport, p.name, hwAddr(p), 0]));
  });

  it('QUEUE: set-qos queues; a port that is not there is OFPQOFC_BAD_PORT, a queue that is not there BAD_QUEUE', async () => {
    const { br, agent } = await setup();
    await br.setQos('m2', { type: 'htb', maxRate: 10_000_000, queues: { 0: {}, 1: { minRate: 1_000_000 } } });
    const b = await body(agent, { mpType: 'queue', portNo: OFPP.ANY, queueId: OFPQ_ALL });
    expect(b.mpType === 'queue' && b.queues.map((q) => [q.portNo, q.queueId])).toEqual([
      [2, 0],
      [2, 1],
    ]);
    await refused(agent, mp({ mpType: 'queue', portNo: 9, queueId: OFPQ_ALL }), 'QUEUE_OP_FAILED', 'BAD_PORT');
    await refused(agent, mp({ mpType: 'queue', portNo: 2, queueId: 5 }), 'QUEUE_OP_FAILED', 'BAD_QUEUE');
  });

  it('METER, METER_CONFIG, METER_FEATURES', async () => {
    const { br, agent } = await setup();
    await br.addMeter('meter=1,pktps,bands=type=drop,rate=10');
    await br.addFlow('priority=1,actions=meter:1,output:2');
    await outputs(br, 1, TCP80);
    const m = await body(agent, { mpType: 'meter', meterId: OFPM_ALL });
    expect(m.mpType === 'meter' && m.meters.map((s) => [s.meterId, s.flowCount, s.packetInCount])).toEqual([[1, 1, 1n]]);
    expect(await body(agent, { mpType: 'meter_config', meterId: 1 })).toEqual({ mpType: 'meter_config', meters: [parseMeter('meter=1,pktps,bands=type=drop,rate=10')] });
    expect(await body(agent, { mpType: 'meter_config', meterId: 2 })).toEqual({ mpType: 'meter_config', meters: [] });
    expect(await body(agent, { mpType: 'meter_features' })).toMatchObject({ mpType: 'meter_features', bandTypes: 6, capabilities: 0xf, maxBands: 8 });
  });

  it('TABLE_FEATURES: every table, split over REPLY_MORE messages; a body that changes tables is refused', async () => {
    const { agent } = await setup();
    const replies = await agent.handle(mp({ mpType: 'table_features', tables: [] }), session());
    const tables = replies.flatMap((r) => (r.type === 'multipart_reply' && r.body.mpType === 'table_features' ? r.body.tables : []));
    expect(tables.map((t) => t.tableId)).toEqual(Array.from({ length: 255 }, (_, i) => i));
    expect(replies.length).toBeGreaterThan(1);
    expect(replies.map((r) => (r.type === 'multipart_reply' ? r.flags : -1))).toEqual([...replies.slice(1).map(() => OFPMPF_REPLY_MORE), 0]);
    const t0 = tables[0]!;
    expect(t0.properties.find((p) => p.type === 'next_tables')).toMatchObject({ ids: Array.from({ length: 254 }, (_, i) => i + 1) });
    expect(tables[254]!.properties.find((p) => p.type === 'instructions')).toMatchObject({ ids: [2, 3, 4, 5, 6] });
    await refused(agent, mp({ mpType: 'table_features', tables: [t0] }), 'TABLE_FEATURES_FAILED', 'EPERM');
  });

  it('a long FLOW reply is split over REPLY_MORE messages, every flow once', async () => {
    const { br, agent } = await setup();
    await br.addFlows(Array.from({ length: 3000 }, (_, i) => `priority=${i + 1},udp,tp_dst=${i + 1},actions=output:2`).join('\n'));
    const replies = await agent.handle(mp({ mpType: 'flow', tableId: OFPTT_ALL, outPort: OFPP.ANY, outGroup: OFPG_ANY, cookie: 0n, cookieMask: 0n, match: {} }), session());
    expect(replies.length).toBeGreaterThan(1);
    const flows = replies.flatMap((r) => (r.type === 'multipart_reply' && r.body.mpType === 'flow' ? r.body.flows : []));
    expect(new Set(flows.map((f) => f.spec.priority)).size).toBe(3000);
    expect(replies.at(-1)).toMatchObject({ flags: 0 });
  });
});
