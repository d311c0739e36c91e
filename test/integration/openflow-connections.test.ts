// The connection layer on a real daemon, through bare OpenFlow clients on a ptcp:
// listener, BR.mgmt and a controller socket of the test's own: HELLO negotiation and
// its failures, a too-short header (BAD_LEN, closed), ECHO and the inactivity probe;
// roles (one master, stale generation ids, a slave's FLOW_MOD refused); GET/SET_ASYNC
// deciding what each gets; BR.mgmt clients get nothing unasked until they set a
// miss_send_len (OVS's service connections); PACKET_IN cut to the action's max_len;
// PORT_STATUS for port add/delete/link; FLOW_REMOVED for a timeout and a delete; a
// client that stops reading is dropped while another keeps working; the packet-in
// rate limit; ovs-ofctl over tcp:.
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { run, sleep, waitFor } from '../lab/index.js';
import { pcapFile } from '../lab/pcap-files.js';
import { ethFrame } from '../native/packets.js';
import { ADDON, COMPILED, needs, ROOT, tool } from '../needs.js';
import { parseFlow } from '../../src/ofproto/flow-syntax.js';
import { OFP_NO_BUFFER, OFPBRC, OFPG_ANY, OFPHFC, OFPP, OFPRRFC, type OfMessage, type OfMessageOf } from '../../src/openflow/wire/index.js';
import { useDaemon } from './daemon-fixture.js';
import { RawOfClient } from './of-client.js';

const connTests = needs(ROOT, ADDON, COMPILED, tool('ovs-ofctl', 'openvswitch-common'));
const PORT = 29000 + ((process.pid * 11) % 6000);
const T0 = 1_700_000_000_000_000_000n;

const isType =
  <T extends OfMessage['type']>(type: T) =>
  (m: OfMessage): m is OfMessageOf<T> =>
    m.type === type;

function flowMod(text: string, xid = 0, flags: Partial<OfMessageOf<'flow_mod'>['flags']> = {}): OfMessage {
  return {
    type: 'flow_mod',
    xid,
    command: 'add',
    spec: parseFlow(text),
    bufferId: OFP_NO_BUFFER,
    outPort: OFPP.ANY,
    outGroup: OFPG_ANY,
    flags: { sendFlowRem: false, checkOverlap: false, resetCounts: false, noPktCounts: false, noBytCounts: false, ...flags },
  };
}

connTests.describe('OpenFlow connections', () => {
  let br: string;
  let veth: string;
  let frames1400: string;
  const clients: RawOfClient[] = [];
  const servers: Server[] = [];
  const client = async (to: number | string = PORT, opts: { hello?: Buffer } = {}): Promise<RawOfClient> => {
    const c = await RawOfClient.connect(to, opts);
    clients.push(c);
    return c;
  };
  const d = useDaemon('ns-ofconn', async ({ lab, ok, dir }) => {
    br = lab.name('k');
    await lab.addHost('h1');
    veth = await lab.addVethHost('h1', '10.83.0.1/24');
    await ok('add-br', br, '--no-local');
    await ok('add-port', br, veth);
    await ok('set-listen', br, `ptcp:${PORT}`);
    await ok('del-flows', br);
    await ok('add-flow', br, 'priority=0,actions=CONTROLLER:65535');
    // 1400-byte frames from a made-up source: every one a table miss, a packet-in.
    frames1400 = join(dir, 'big.pcap');
    const payload = Buffer.alloc(1386, 0xab);
    writeFileSync(frames1400, pcapFile(Array.from({ length: 500 }, (_, i) => ({ data: ethFrame('02:00:00:00:00:02', '02:aa:00:00:00:01', { payload }), tsNs: T0 + BigInt(i) * 1000n }))));
  });
  afterAll(() => {
    for (const c of clients) c.close();
    for (const s of servers) s.close();
  });
  const mgmt = (): string => join(d.dir, `${br}.mgmt`);
  const inject = (file: string, loop = 1): Promise<string> => d.ok('inject', br, veth, file, '--topspeed', '--loop', String(loop));

  it('HELLO: 1.3 from the bitmap or the header; a 1.0-only peer, or no HELLO first, gets HELLO_FAILED and is closed; ECHO answered', async () => {
    const ok = await client();
    const echo = await ok.request({ type: 'echo_request', xid: 0, data: Buffer.from('ping') });
    expect(echo).toMatchObject({ type: 'echo_reply', data: Buffer.from('ping') });
    const newer = await client(PORT, { hello: Buffer.from([0x06, 0, 0, 8, 0, 0, 0, 1]) }); // 1.5, no bitmap: min is 1.3
    expect(await newer.request({ type: 'features_request', xid: 0 })).toMatchObject({ type: 'features_reply' });

    const old = await client(PORT, { hello: Buffer.from([0x01, 0, 0, 8, 0, 0, 0, 1]) });
    const err = await old.next(isType('error'));
    expect(err).toMatchObject({ errType: 'HELLO_FAILED', code: OFPHFC.INCOMPATIBLE });
    expect((err as OfMessageOf<'error'>).data.toString()).toMatch(/we support OpenFlow 1.3, you support OpenFlow 1.0, no common versions/);
    await old.closed;
    const bitmap = await client(PORT, { hello: Buffer.from([0x04, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0b110]) }); // 1.1 and 1.2 only
    expect(await bitmap.next(isType('error'))).toMatchObject({ errType: 'HELLO_FAILED' });
    await bitmap.closed;
    const rude = await client(PORT, { hello: Buffer.from([0x04, 5, 0, 8, 0, 0, 0, 9]) }); // FEATURES_REQUEST first
    expect(await rude.next(isType('error'))).toMatchObject({ errType: 'HELLO_FAILED', xid: 9 });
    await rude.closed;
  });

  it('a header with length < 8 gets BAD_LEN and the end; a message that does not decode gets its error and the connection goes on', async () => {
    const c = await client();
    c.socket.write(Buffer.from([0x04, 0xee, 0, 8, 0, 0, 0, 3])); // unknown type
    expect(await c.next(isType('error'))).toMatchObject({ xid: 3, errType: 'BAD_REQUEST', code: OFPBRC.BAD_TYPE });
    expect(await c.request({ type: 'echo_request', xid: 0, data: Buffer.alloc(0) })).toMatchObject({ type: 'echo_reply' });
    c.socket.write(Buffer.concat([Buffer.from([0x04, 2, 0, 8, 0, 0, 0, 5]), Buffer.from([0x04, 2, 0, 4, 0, 0, 0, 6])])); // an echo, then length 4
    expect(await c.next((m) => m.xid === 5)).toMatchObject({ type: 'echo_reply' });
    expect(await c.next(isType('error'))).toMatchObject({ xid: 6, errType: 'BAD_REQUEST', code: OFPBRC.BAD_LEN });
    await c.closed;
  });

  it('roles: one master at a time, stale generation ids refused, a slave may not change the tables', async () => {
    const a = await client();
    const b = await client();
    expect(await a.request({ type: 'role_request', xid: 0, role: 'master', generationId: 10n })).toMatchObject({ type: 'role_reply', role: 'master', generationId: 10n });
    expect(await b.request({ type: 'role_request', xid: 0, role: 'master', generationId: 11n })).toMatchObject({ role: 'master', generationId: 11n });
    expect(await a.request({ type: 'role_request', xid: 0, role: 'nochange', generationId: 0n })).toMatchObject({ role: 'slave', generationId: 11n });
    const refused = await a.request(flowMod('priority=5,ip,actions=drop'));
    expect(refused).toMatchObject({ type: 'error', errType: 'BAD_REQUEST', code: OFPBRC.IS_SLAVE });
    expect((refused as OfMessageOf<'error'>).data.readUInt8(1)).toBe(14); // the FLOW_MOD's own header
    expect(await a.request({ type: 'multipart_request', xid: 0, flags: 0, body: { mpType: 'desc' } })).toMatchObject({ type: 'multipart_reply' }); // reads are fine
    expect(await b.request({ type: 'role_request', xid: 0, role: 'slave', generationId: 9n })).toMatchObject({ type: 'error', errType: 'ROLE_REQUEST_FAILED', code: OFPRRFC.STALE });
    expect(await b.request({ type: 'role_request', xid: 0, role: 'equal', generationId: 0n })).toMatchObject({ role: 'equal' });
    b.send(flowMod('priority=5,ip,actions=drop', 77));
    expect(await b.request({ type: 'barrier_request', xid: 0 })).toMatchObject({ type: 'barrier_reply' });
    expect(b.received.filter((m) => m.xid === 77)).toEqual([]); // no error: applied
    expect(await d.ok('dump-flows', br)).toMatch(/priority=5,ip actions=drop/);
    await d.ok('del-flows', br, 'ip');
    a.close();
    b.close();
  });

  it('GET/SET_ASYNC decide who gets packet-ins; BR.mgmt clients get none until they set a miss_send_len; the data is cut to max_len', async () => {
    const master = await client();
    const slave = await client();
    const service = await client(mgmt());
    await master.request({ type: 'role_request', xid: 0, role: 'master', generationId: 20n });
    await slave.request({ type: 'role_request', xid: 0, role: 'slave', generationId: 20n });
    expect(await slave.request({ type: 'get_async_request', xid: 0 })).toMatchObject({ type: 'get_async_reply', packetInMask: [3, 0], portStatusMask: [7, 7], flowRemovedMask: [15, 0] });
    expect(await service.request({ type: 'get_config_request', xid: 0 })).toMatchObject({ missSendLen: 0 });

    const trace = join(d.dir, 'one.pcap');
    writeFileSync(trace, pcapFile([{ data: ethFrame('02:00:00:00:00:02', '02:aa:00:00:00:01', { payload: Buffer.alloc(986) }), tsNs: T0 }]));
    await d.ok('add-flow', br, 'priority=10,dl_src=02:aa:00:00:00:01,actions=controller(max_len=100)');
    await inject(trace);
    const pin = (await master.next(isType('packet_in'))) as OfMessageOf<'packet_in'>;
    expect(pin).toMatchObject({ reason: 'action', bufferId: OFP_NO_BUFFER, totalLen: 1000, tableId: 0 });
    expect(pin.data.length).toBe(100);
    expect(pin.match.in_port?.value).toBe(1);
    await sleep(300);
    expect(slave.received.filter(isType('packet_in'))).toEqual([]);
    expect(service.received.filter(isType('packet_in'))).toEqual([]);

    // The slave asks for action packet-ins, the service client sets a miss_send_len: both get the next.
    slave.send({ type: 'set_async', xid: 0, packetInMask: [3, 2], portStatusMask: [7, 7], flowRemovedMask: [15, 0] });
    service.send({ type: 'set_config', xid: 0, flags: 0, missSendLen: 128 });
    expect(await slave.request({ type: 'get_async_request', xid: 0 })).toMatchObject({ packetInMask: [3, 2] });
    await service.request({ type: 'barrier_request', xid: 0 });
    await inject(trace);
    expect(await slave.next(isType('packet_in'))).toMatchObject({ reason: 'action', totalLen: 1000 });
    expect(await service.next(isType('packet_in'))).toMatchObject({ reason: 'action' });
    // And the master, told nothing about action packet-ins, gets none.
    master.send({ type: 'set_async', xid: 0, packetInMask: [1, 0], portStatusMask: [7, 7], flowRemovedMask: [15, 0] });
    await master.request({ type: 'barrier_request', xid: 0 });
    master.received.length = 0;
    await inject(trace);
    await slave.next(isType('packet_in'));
    expect(master.received.filter(isType('packet_in'))).toEqual([]);
    await d.ok('del-flows', br, 'dl_src=02:aa:00:00:00:01');
    for (const c of [master, slave, service]) c.close();
  });

  it('PORT_STATUS for a port added, its link going down and up, deleted; FLOW_REMOVED for a timeout and a delete', async () => {
    const c = await client();
    await d.lab.addHost('h2');
    const v2 = await d.lab.addVethHost('h2', '10.83.0.2/24');
    await d.ok('add-port', br, v2, '--ofport', '7');
    const add = (await c.next(isType('port_status'))) as OfMessageOf<'port_status'>;
    expect(add).toMatchObject({ reason: 'add', port: { portNo: 7, name: v2 } });
    await run(['ip', 'link', 'set', v2, 'down']);
    expect(await c.next((m) => m.type === 'port_status' && m.reason === 'modify' && (m.port.state & 1) === 1, 10_000)).toBeTruthy(); // LINK_DOWN
    await run(['ip', 'link', 'set', v2, 'up']);
    expect(await c.next((m) => m.type === 'port_status' && m.reason === 'modify' && (m.port.state & 1) === 0, 10_000)).toBeTruthy();
    await d.ok('del-port', br, v2);
    expect(await c.next((m) => m.type === 'port_status' && m.reason === 'delete')).toMatchObject({ port: { portNo: 7, name: v2 } });

    await d.ok('add-flow', br, 'priority=30,idle_timeout=1,send_flow_rem,tcp,tp_dst=81,actions=drop');
    const idle = (await c.next(isType('flow_removed'), 10_000)) as OfMessageOf<'flow_removed'>;
    expect(idle).toMatchObject({ reason: 'idle_timeout', priority: 30, idleTimeout: 1, match: { tp_dst: { value: 81 } } });
    await d.ok('add-flow', br, 'priority=31,send_flow_rem,cookie=0x42,tcp,tp_dst=82,actions=drop');
    await d.ok('del-flows', br, 'tcp,tp_dst=82');
    expect(await c.next(isType('flow_removed'))).toMatchObject({ reason: 'delete', priority: 31, cookie: 0x42n });
    // Over the wire too (the agent's delete).
    c.send(flowMod('priority=32,tcp,tp_dst=83,actions=drop', 0, { sendFlowRem: true }));
    c.send({ ...(flowMod('priority=32,tcp,tp_dst=83,actions=drop') as OfMessageOf<'flow_mod'>), command: 'delete', spec: parseFlow('tcp,tp_dst=83', { context: 'delete' }) });
    expect(await c.next(isType('flow_removed'))).toMatchObject({ reason: 'delete', priority: 32 });
    c.close();
  });

  it('a client that stops reading is dropped when its queue is full; the bridge and another client go on', async () => {
    const reader = await client();
    const stalled = await client();
    stalled.stopReading();
    let gotByReader = 0;
    const count = setInterval(() => {
      gotByReader += reader.received.filter(isType('packet_in')).length;
      reader.received.length = 0;
    }, 50);
    try {
      await waitFor(
        async () => {
          await inject(frames1400, 20);
          return /the peer is not reading: over 1048576 bytes queued to it/.test(d.daemon!.stderr());
        },
        { timeoutMs: 60_000, intervalMs: 0, what: 'the client that does not read dropped' },
      );
    } finally {
      clearInterval(count);
    }
    // Gone from the listener's connections (a paused socket does not see its end, so ask the switch).
    const before = Number(/Listener "ptcp:\d+:127.0.0.1"\n {8}connections: (\d+)/.exec(await d.ok('show'))![1]);
    stalled.close();
    await waitFor(async () => Number(/Listener "ptcp:\d+:127.0.0.1"\n {8}connections: (\d+)/.exec(await d.ok('show'))![1]) === before, { timeoutMs: 3000, what: 'the count unchanged by the stalled client closing its end' });
    expect(gotByReader).toBeGreaterThan(1000);
    expect(await reader.request({ type: 'echo_request', xid: 0, data: Buffer.alloc(0) })).toMatchObject({ type: 'echo_reply' });
    const ofctl = await run(['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', `tcp:127.0.0.1:${PORT}`]);
    expect(ofctl.stdout).toMatch(/priority=0 actions=CONTROLLER:65535/);
    reader.close();
  }, 90_000);

  it('an active controller: echo after the probe interval, dropped when it does not answer, reconnected; the rate limit drops and counts', async () => {
    const accepted: Socket[] = [];
    const server = createServer((s) => accepted.push(s));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(PORT + 1, '127.0.0.1', resolve));
    await d.ok('set-controller', br, `tcp:127.0.0.1:${PORT + 1}`, '--inactivity-probe', '1000', '--rate-limit', '100', '--burst-limit', '25');
    await waitFor(async () => accepted.length === 1, { timeoutMs: 10_000, what: 'the switch connecting' });
    const ctl = await RawOfClient.over(accepted[0]!);
    clients.push(ctl);
    const t0 = Date.now();
    const probe = await ctl.next(isType('echo_request'), 5000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
    ctl.send({ type: 'echo_reply', xid: probe.xid, data: Buffer.alloc(0) });
    await waitFor(async () => /state: connected\n {8}role: equal\n/.test(await d.ok('show')), { timeoutMs: 5000, what: 'connected' });

    // 500 packet-ins at once: the burst and what the rate allows while they come, the rest counted.
    const start = Date.now();
    await inject(frames1400);
    const seconds = (Date.now() - start) / 1000 + 0.5;
    await sleep(500);
    const got = ctl.received.filter(isType('packet_in')).length;
    expect(got).toBeGreaterThanOrEqual(25);
    expect(got).toBeLessThanOrEqual(25 + Math.ceil(100 * seconds)); // a loaded machine stretches the inject: the rate allows more
    const show = await d.ok('show');
    const m = /packet-ins: (\d+) sent, (\d+) dropped by the rate limit/.exec(show)!;
    expect(Number(m[1])).toBe(got);
    expect(Number(m[2])).toBeGreaterThan(250);
    expect(Number(m[1]) + Number(m[2])).toBeLessThanOrEqual(500); // the datapath's own upcall limit may take some first

    // Silent: the next probe goes unanswered and the switch drops the connection, then comes back.
    await ctl.closed;
    // (the log comes through a pipe: it may arrive after the socket's end)
    await waitFor(async () => /disconnected: inactivity probe: no message for \d+ s/.test(d.daemon!.stderr()), { timeoutMs: 3000, what: 'the probe named in the log' });
    await waitFor(async () => accepted.length === 2, { timeoutMs: 10_000, what: 'the switch reconnecting' });
    await d.ok('del-controller', br);
  });

  it('a controller on a unix socket, and two at once: both connected, one master', async () => {
    const accepted: Socket[] = [];
    const path = join(d.dir, 'ctl.sock');
    const server = createServer((s) => accepted.push(s));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const tcp: Socket[] = [];
    const server2 = createServer((s) => tcp.push(s));
    servers.push(server2);
    await new Promise<void>((resolve) => server2.listen(PORT + 2, '127.0.0.1', resolve));
    await d.ok('set-controller', br, `unix:${path}`, `tcp:127.0.0.1:${PORT + 2}`);
    await waitFor(async () => accepted.length === 1 && tcp.length === 1, { timeoutMs: 10_000, what: 'the switch connecting to both' });
    const a = await RawOfClient.over(accepted[0]!);
    const b = await RawOfClient.over(tcp[0]!);
    clients.push(a, b);
    a.answerEchoes = b.answerEchoes = true;
    const features = (await a.request({ type: 'features_request', xid: 0 })) as OfMessageOf<'features_reply'>;
    expect(features.datapathId.toString(16).padStart(16, '0')).toBe(new RegExp(`Bridge ${br}\n(?:    .*\n)*?    datapath-id: ([0-9a-f]{16})`).exec(await d.ok('show'))![1]);
    // The bridge keeps the largest generation id it saw (20, above): 1 is stale, 100 is not.
    expect(await a.request({ type: 'role_request', xid: 0, role: 'master', generationId: 1n })).toMatchObject({ type: 'error', code: OFPRRFC.STALE });
    expect(await a.request({ type: 'role_request', xid: 0, role: 'master', generationId: 100n })).toMatchObject({ type: 'role_reply', role: 'master' });
    await waitFor(async () => /Controller "unix:[^"]+"\n {8}state: connected\n {8}role: master\n(.*\n)* {4}Controller "tcp:[^"]+"\n {8}state: connected\n {8}role: equal\n/.test(await d.ok('show')), {
      timeoutMs: 5000,
      what: `both connected, the unix one master (${await d.ok('show')})`,
    });
    expect(await b.request({ type: 'role_request', xid: 0, role: 'master', generationId: 101n })).toMatchObject({ role: 'master' });
    await waitFor(async () => /role: slave\n(.*\n)*.*role: master\n/.test(await d.ok('show')), { timeoutMs: 5000, what: 'the roles swapped' });
    await d.ok('del-controller', br);
    await Promise.all([a.closed, b.closed]);
  });

  it('ovs-ofctl over the ptcp listener: show, add-flow, dump-flows; what it added survives a restart', async () => {
    const target = `tcp:127.0.0.1:${PORT}`;
    const show = await run(['ovs-ofctl', '-O', 'OpenFlow13', 'show', target]);
    expect(show.stdout).toMatch(/OFPT_FEATURES_REPLY \(OF1.3\).*dpid:[0-9a-f]{16}/);
    expect(show.stdout).toContain(`(${veth})`);
    await run(['ovs-ofctl', '-O', 'OpenFlow13', 'add-flow', target, 'priority=100,ip,nw_dst=10.83.0.9,actions=output:1']);
    expect(await d.ok('dump-flows', br)).toMatch(/priority=100,ip,nw_dst=10.83.0.9 actions=output:1/);
    expect((await run(['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', target])).stdout).toMatch(/priority=100,ip,nw_dst=10.83.0.9 actions=output:1/);
    expect((await run(['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', `unix:${mgmt()}`])).stdout).toMatch(/priority=100,ip,nw_dst=10.83.0.9/);
    // What the wire installed is saved like what the CLI did: a restart brings it back, and the listener.
    await d.restart();
    expect(await d.ok('dump-flows', br)).toMatch(/priority=100,ip,nw_dst=10.83.0.9 actions=output:1/);
    await waitFor(async () => (await run(['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', target], { check: false })).code === 0, { timeoutMs: 5000, what: 'the listener back' });
  });
});
