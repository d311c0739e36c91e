// The OpenFlow agent driven by Open vSwitch's own ovs-ofctl over the bridge's BR.mgmt
// socket of a real daemon, with two namespace hosts on veths: what ovs-ofctl does is
// what nodeswitch's CLI shows and the reverse (flows, meters, port state), traffic
// moves the counters ovs-ofctl dumps, a packet-out reaches a host (tcpdump sees it),
// and bad requests sent as raw bytes get the errors ovs-ofctl ofp-print names, with
// the connection and the switch going on.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { waitFor } from '../lab/index.js';
import { startTcpdump, stopTcpdump } from '../lab/raw-frames.js';
import { needs, tool } from '../needs.js';
import { parseFlow } from '../../src/ofproto/flow.js';
import { OFPG_ANY } from '../../src/ofproto/group.js';
import { OFPP } from '../../src/ofproto/values.js';
import { encodeMessage, type OfMessage, OFP_NO_BUFFER } from '../../src/openflow/wire/index.js';
import { useDaemon } from './daemon-fixture.js';
import { cliTests } from './helpers.js';

const run = promisify(execFile);
const ofctlTests = needs(tool('ovs-ofctl', 'openvswitch-common'), tool('tcpdump', 'tcpdump'));

/** The lines of a dump-flows, without what moves (durations, idle ages) and ovs-ofctl's leading space. */
const flowLines = (text: string): string[] =>
  text
    .split('\n')
    .filter((l) => /actions=/.test(l))
    .map((l) =>
      l
        .trim()
        .replace(/duration=[0-9.]+s, /, '')
        .replace(/idle_age=\d+, /, ''),
    );

/** A raw OpenFlow client: HELLO, then requests as bytes; replies by xid. */
class RawClient {
  private readonly sock: Socket;
  private buf = Buffer.alloc(0);
  readonly got: Buffer[] = [];

  constructor(path: string) {
    this.sock = connect(path);
    this.sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 8 && this.buf.length >= this.buf.readUInt16BE(2)) {
        const len = this.buf.readUInt16BE(2);
        this.got.push(this.buf.subarray(0, len));
        this.buf = this.buf.subarray(len);
      }
    });
    this.send(encodeMessage({ type: 'hello', xid: 1, version: 4, versions: [4] }));
  }

  send(bytes: Buffer): void {
    this.sock.write(bytes);
  }

  /** The raw reply with this xid (the first one). */
  async reply(xid: number): Promise<Buffer> {
    return waitFor(() => this.got.find((m) => m[1] !== 0 && m.readUInt32BE(4) === xid), { timeoutMs: 5000, what: `a reply to xid ${xid}` });
  }

  close(): void {
    this.sock.destroy();
  }
}

const NO_FLAGS = { sendFlowRem: false, checkOverlap: false, resetCounts: false, noPktCounts: false, noBytCounts: false };
function addFlow(xid: number, text: string): OfMessage {
  return { type: 'flow_mod', xid, command: 'add', spec: parseFlow(text), bufferId: OFP_NO_BUFFER, outPort: OFPP.ANY, outGroup: OFPG_ANY, flags: NO_FLAGS };
}

/** A FLOW_MOD with its OXM_OF_IP_PROTO entry cut out (and the lengths fixed): tcp_dst without its prerequisite. */
function withoutIpProto(msg: Buffer): Buffer {
  const matchAt = 48; // ofp_flow_mod's match
  const matchLen = msg.readUInt16BE(matchAt + 2);
  for (let at = matchAt + 4; at < matchAt + matchLen; ) {
    const header = msg.readUInt32BE(at);
    const len = 4 + (header & 0xff);
    if (header >>> 9 === (0x8000 << 7 | 10)) {
      // The match without that entry, padded to 8 again; the instructions follow it.
      const entries = Buffer.concat([msg.subarray(matchAt + 4, at), msg.subarray(at + len, matchAt + matchLen)]);
      const newLen = 4 + entries.length;
      const padded = Math.ceil(newLen / 8) * 8;
      const match = Buffer.alloc(padded);
      match.writeUInt16BE(1, 0);
      match.writeUInt16BE(newLen, 2);
      entries.copy(match, 4);
      const oldPadded = Math.ceil(matchLen / 8) * 8;
      const out = Buffer.concat([msg.subarray(0, matchAt), match, msg.subarray(matchAt + oldPadded)]);
      out.writeUInt16BE(out.length, 2);
      return out;
    }
    at += len;
  }
  throw new Error('no ip_proto in the match');
}

/** ovs-ofctl ofp-print of a message's bytes. */
async function ofpPrint(bytes: Buffer): Promise<string> {
  return (await run('ovs-ofctl', ['ofp-print', bytes.toString('hex')])).stdout;
}

cliTests.describe('ovs-ofctl drives the bridge over BR.mgmt', () => {
  let br: string;
  let v1: string;
  let v2: string;
  let mgmt: string;
  const d = useDaemon('ns-ofctl', async ({ lab, ok, dir }) => {
    br = lab.name('b');
    await ok('add-br', br, '--no-local');
    await lab.addHost('h1');
    await lab.addHost('h2');
    v1 = await lab.addVethHost('h1', '10.79.0.1/24');
    v2 = await lab.addVethHost('h2', '10.79.0.2/24');
    await ok('add-port', br, v1);
    await ok('add-port', br, v2);
    mgmt = `unix:${join(dir, `${br}.mgmt`)}`;
  });
  const ofctl = async (...args: string[]): Promise<string> => (await run('ovs-ofctl', ['-O', 'OpenFlow13', ...args])).stdout;
  const ofctlFails = async (...args: string[]): Promise<string> => {
    const r = await run('ovs-ofctl', ['-O', 'OpenFlow13', ...args]).then(
      () => undefined,
      (e: { stderr: string }) => e,
    );
    expect(r, `ovs-ofctl ${args.join(' ')} should fail`).toBeDefined();
    return r!.stderr;
  };

  ofctlTests.it('add-flows of a file, mod-flows, del-flows (--strict): ovs-ofctl’s dump-flows and the CLI’s agree', async () => {
    await ofctl('del-flows', mgmt);
    const file = join(d.dir, 'flows.txt');
    writeFileSync(
      file,
      ['priority=10,arp,actions=NORMAL', 'priority=20,ip,nw_dst=10.79.0.2,actions=output:2', 'priority=20,ip,nw_dst=10.79.0.1,actions=output:1', 'table=1,priority=5,udp,tp_dst=53,actions=drop', 'cookie=0x9,priority=1,actions=drop'].join('\n'),
    );
    await ofctl('add-flows', mgmt, file);
    const same = async (): Promise<string[]> => {
      const wire = flowLines(await ofctl('dump-flows', mgmt));
      expect(flowLines(await d.ok('dump-flows', br))).toEqual(wire);
      return wire;
    };
    expect(await same()).toHaveLength(5);
    // Traffic moves the counters ovs-ofctl reads.
    expect((await d.lab.ping('h1', '10.79.0.2', { count: 2 })).received).toBe(2);
    const ipFlow = (await same()).find((l) => l.includes('nw_dst=10.79.0.2'))!;
    expect(ipFlow).toMatch(/n_packets=[1-9]/);
    await ofctl('mod-flows', mgmt, 'cookie=0x9/-1,actions=output:1');
    expect((await same()).find((l) => l.includes('cookie=0x9'))).toMatch(/actions=output:1$/);
    await ofctl('--strict', 'del-flows', mgmt, 'priority=20,ip,nw_dst=10.79.0.1');
    expect(await same()).toHaveLength(4);
    await ofctl('del-flows', mgmt, 'table=1');
    expect(await same()).toHaveLength(3);
    // The CLI's change is what ovs-ofctl sees.
    await d.ok('add-flow', br, 'priority=30,icmp,actions=drop');
    expect((await same()).some((l) => l.includes('priority=30,icmp'))).toBe(true);
    expect(await ofctl('dump-aggregate', mgmt)).toMatch(/flow_count=4/);
    expect(await ofctl('dump-tables', mgmt)).toMatch(/table 0:\n\s+active=4, lookup=\d+, matched=\d+/);
  });

  ofctlTests.it('dump-ports, dump-ports-desc, and mod-port down/up: the port really goes down', async () => {
    await ofctl('del-flows', mgmt);
    await ofctl('add-flow', mgmt, 'actions=NORMAL');
    expect((await d.lab.ping('h1', '10.79.0.2', { count: 1 })).received).toBe(1);
    expect(await ofctl('dump-ports', mgmt, '1')).toMatch(/port {2}1: rx pkts=[1-9]\d*, bytes=\d+/);
    const desc = await ofctl('dump-ports-desc', mgmt);
    expect(desc).toMatch(new RegExp(` 1\\(${v1}\\): addr:[0-9a-f:]{17}\\n\\s+config: {5}0\\n\\s+state: {6}LIVE`));
    expect(desc).toMatch(new RegExp(` 2\\(${v2}\\)`));
    await ofctl('mod-port', mgmt, v2, 'down');
    expect(await ofctl('dump-ports-desc', mgmt)).toMatch(new RegExp(` 2\\(${v2}\\): addr:[0-9a-f:]{17}\\n\\s+config: {5}PORT_DOWN\\n\\s+state: {6}LINK_DOWN`));
    expect(await d.ok('dump-ports', br, v2)).toMatch(/down/);
    expect((await d.lab.ping('h1', '10.79.0.2', { count: 1, timeout: 1 })).received).toBe(0);
    await ofctl('mod-port', mgmt, v2, 'up');
    await waitFor(async () => ((await d.lab.ping('h1', '10.79.0.2', { count: 1, timeout: 1 })).received === 1 ? true : undefined), { timeoutMs: 10_000, what: 'h2 again' });
    expect(await ofctl('dump-ports-desc', mgmt)).toMatch(new RegExp(` 2\\(${v2}\\): addr:[0-9a-f:]{17}\\n\\s+config: {5}0\\n\\s+state: {6}LIVE`));
  });

  ofctlTests.it('add-meter, dump-meters, meter-stats: the CLI shows the meter; a flow uses it', async () => {
    await ofctl('add-meter', mgmt, 'meter=5,pktps,bands=type=drop,rate=100');
    expect(await ofctl('dump-meters', mgmt)).toMatch(/meter=5 pktps bands=\n\s*type=drop rate=100/);
    expect(await d.ok('dump-meters', br)).toMatch(/meter=5 pktps bands=\ntype=drop rate=100/);
    await ofctl('del-flows', mgmt);
    await ofctl('add-flow', mgmt, 'priority=1,actions=meter:5,NORMAL');
    expect((await d.lab.ping('h1', '10.79.0.2', { count: 2 })).received).toBe(2);
    expect(await ofctl('meter-stats', mgmt)).toMatch(/meter:5 flow_count:1 packet_in_count:[1-9]\d* byte_in_count:\d+ duration:[0-9.]+s bands:\n\s*0: packet_count:\d+ byte_count:\d+/);
    await ofctl('del-meters', mgmt);
    expect(await d.ok('dump-meters', br)).toBe('');
    expect(flowLines(await ofctl('dump-flows', mgmt))).toEqual([]);
  });

  ofctlTests.it('add-group, dump-groups, dump-group-stats: the CLI shows the group, traffic counts in it, del-groups takes its flows', async () => {
    await ofctl('del-flows', mgmt);
    await ofctl('add-group', mgmt, 'group_id=7,type=all,bucket=actions=output:2');
    expect(await ofctl('dump-groups', mgmt)).toMatch(/group_id=7,type=all,bucket=actions=output:2/);
    expect(await d.ok('dump-groups', br)).toMatch(/group_id=7,type=all,bucket=actions=output:2/);
    await ofctl('add-flow', mgmt, 'priority=10,in_port=1,actions=group:7');
    await ofctl('add-flow', mgmt, 'priority=10,in_port=2,actions=output:1');
    expect((await d.lab.ping('h1', '10.79.0.2', { count: 2 })).received).toBe(2);
    expect(await ofctl('dump-group-stats', mgmt)).toMatch(/group_id=7,duration=[0-9.]+s,ref_count=1,packet_count=[1-9]\d*,byte_count=\d+,bucket0:packet_count=[1-9]\d*,byte_count=\d+/);
    await ofctl('del-groups', mgmt, 'group_id=7');
    expect(await d.ok('dump-groups', br)).toBe('');
    const left = flowLines(await ofctl('dump-flows', mgmt));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/priority=10,in_port=2 actions=output:1$/);
  });

  ofctlTests.it('packet-out from the controller reaches a namespace host', async () => {
    const mac2 = await d.lab.mac('h2');
    const dump = await startTcpdump(d.lab, 'h2', 'eth0', ['ether', 'proto', '0x88b5']);
    const frame = Buffer.concat([Buffer.from(mac2.replace(/:/g, ''), 'hex'), Buffer.from('02000000000188b5', 'hex'), Buffer.from('nodeswitch packet-out'.padEnd(46, '.'))]);
    await ofctl('packet-out', mgmt, 'CONTROLLER', 'output:2', frame.toString('hex'));
    await waitFor(() => (/0x88b5/.test(dump.stdout()) ? true : undefined), { timeoutMs: 5000, what: 'tcpdump to see the packet-out' });
    const seen = await stopTcpdump(dump, 0);
    expect(seen.join('\n')).toMatch(new RegExp(`02:00:00:00:00:01 > ${mac2}`));
  });

  ofctlTests.it('dump-table-features: our 255 tables, their matches, instructions and actions', async () => {
    const out = await ofctl('dump-table-features', mgmt);
    expect(out).toMatch(/table 0 \("classifier"\):/);
    expect(out).toMatch(/instructions: meter apply_actions clear_actions write_actions write_metadata goto_table/);
    expect(out).toMatch(/table 254 \("table254"\)/);
  });

  ofctlTests.it('bad requests get the errors ovs-ofctl names, and the connection and the switch go on', async () => {
    // ovs-ofctl checks these itself, so they go as raw bytes.
    const c = new RawClient(mgmt.slice('unix:'.length));
    try {
      const cases: [Buffer, RegExp][] = [];
      // add to table 255 (OFPTT_ALL)
      const t255 = encodeMessage(addFlow(100, 'priority=1,actions=drop'));
      t255[8 + 16] = 0xff; // table_id (after cookie, cookie_mask)
      cases.push([t255, /OFPFMFC_BAD_TABLE_ID/]);
      // output to 0xffffff00 (no such port, not reserved)
      const badPort = encodeMessage(addFlow(101, 'priority=1,actions=output:1'));
      badPort.writeUInt32BE(0xffffff00, badPort.length - 16 + 4); // the output action's port
      cases.push([badPort, /OFPBAC_BAD_OUT_PORT/]);
      cases.push([encodeMessage(addFlow(102, 'priority=1,actions=meter:77,output:1')), /OFPMMFC_UNKNOWN_METER/]);
      // tcp_dst without ip_proto: a malformed match
      cases.push([withoutIpProto(encodeMessage(addFlow(103, 'priority=1,tcp,tp_dst=80,actions=drop'))), /OFPBMC_BAD_PREREQ/]);
      for (const [bytes, want] of cases) {
        c.send(bytes);
        const printed = await ofpPrint(await c.reply(bytes.readUInt32BE(4)));
        expect(printed, printed).toMatch(want);
        expect(printed).toMatch(/OFPT_ERROR/);
      }
      c.send(encodeMessage({ type: 'echo_request', xid: 200, data: Buffer.from('still here') }));
      expect(await ofpPrint(await c.reply(200))).toMatch(/OFPT_ECHO_REPLY/);
    } finally {
      c.close();
    }
    expect(await ofctl('show', mgmt)).toMatch(/n_tables:255, n_buffers:0/);
    expect(await ofctlFails('add-flow', mgmt, 'priority=1,actions=group:4242')).toMatch(/OFPBAC_BAD_OUT_GROUP/);
  });
});
