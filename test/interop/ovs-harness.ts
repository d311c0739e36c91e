// Open vSwitch 3.x as a reference datapath for differential tests, with no kernel
// module and no network: our own ovsdb-server and ovs-vswitchd (child processes,
// private run/db/log directory in a temp dir, --enable-dummy=override
// --disable-system), one bridge with datapath_type=dummy and fail-mode=secure (no
// hidden NORMAL flow; a table miss drops), ports of type dummy whose transmitted
// frames land in per-port pcap files (options:tx_pcap), frames handed in with
// `netdev-dummy/receive` over the daemon's unixctl socket (JSON-RPC, no ovs-appctl
// process per frame), flows installed with `ovs-ofctl -O OpenFlow13`, and packet-ins
// read by a minimal OpenFlow 1.3 client on the bridge's mgmt socket.
//
// Knowing when OVS is done with a frame: after each frame, a marker frame goes in on a
// port of its own (MARKER_PORT, rule priority=65535,in_port=MARKER_PORT,
// actions=LOCAL,CONTROLLER) in a later main-loop iteration (a fresh unixctl connection
// is only accepted after the reply to the previous one went out). When the marker shows
// up in LOCAL's pcap and as a packet-in, everything the frame caused has been written.
// The marker port and LOCAL also receive floods; callers ignore them.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  arp,
  DEFAULT_DST,
  ETH_EXPERIMENTAL,
  ethernet,
  type EthOpts,
  icmp4,
  TCP_ACK,
  TCP_PSH,
  tcp4,
  udp4,
  udp6,
} from '../../src/packet/frame-builder.js';
import { ovsLogProblems } from '../lab/ovs-netdev.js';
import { findOvsSchema, ovsMissing } from '../lab/requirements.js';

/** The port markers come in on; it has no pcap (floods reaching it are not seen). */
export const MARKER_PORT = 99;

// ---------------------------------------------------------------------------------
// pcap

/** Reads the records of a little/big-endian classic pcap file that start at `offset`. */
export function readPcapFrom(path: string, offset: number): { frames: Buffer[]; next: number } {
  if (!existsSync(path)) return { frames: [], next: offset };
  const buf = readFileSync(path);
  if (buf.length < 24) return { frames: [], next: offset };
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error(`${path}: not a pcap file`);
  }
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const frames: Buffer[] = [];
  let o = Math.max(offset, 24);
  while (o + 16 <= buf.length) {
    const incl = u32(o + 8);
    if (o + 16 + incl > buf.length) break; // a record still being written
    frames.push(Buffer.from(buf.subarray(o + 16, o + 16 + incl)));
    o += 16 + incl;
  }
  return { frames, next: o };
}

// ---------------------------------------------------------------------------------
// processes

interface ExecOut {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(cmd: string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs = 20_000): Promise<ExecOut> {
  return new Promise((resolve) => {
    const child = execFile(cmd[0], cmd.slice(1), { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === -1 ? String(err.message) : '') });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function waitUntil(what: string, cond: () => boolean, timeoutMs: number, proc?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (proc && proc.exitCode !== null) throw new Error(`${what}: process exited with ${proc.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One JSON-RPC request over a fresh connection to a unixctl socket. */
function unixctl(path: string, method: string, params: string[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let data = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`unixctl ${method}: no reply within ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('connect', () => s.write(JSON.stringify({ method, params, id: 0 })));
    s.on('data', (d) => {
      data += d.toString('utf8');
      let msg: { result?: unknown; error?: unknown };
      try {
        msg = JSON.parse(data) as typeof msg;
      } catch {
        return; // incomplete
      }
      clearTimeout(timer);
      s.destroy();
      // JSON-RPC: error and result are any JSON value; unixctl sends strings.
      const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
      if (msg.error !== null && msg.error !== undefined) reject(new Error(`unixctl ${method}: ${text(msg.error)}`));
      else resolve(msg.result === null || msg.result === undefined ? '' : text(msg.result));
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

// ---------------------------------------------------------------------------------
// a minimal OpenFlow 1.3 client: enough to receive packet-ins on a service connection

export interface OfPacketIn {
  inPort: number;
  reason: number; // 0 no_match, 1 action, 2 invalid_ttl
  tableId: number;
  cookie: bigint;
  totalLen: number;
  data: Buffer;
}

class OfClient {
  private buf = Buffer.alloc(0);
  readonly packetIns: OfPacketIn[] = [];
  readonly errors: string[] = [];
  private constructor(private readonly sock: Socket) {
    sock.on('data', (d) => this.onData(d));
    sock.on('error', (e) => this.errors.push(String(e)));
  }

  static open(path: string): Promise<OfClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      s.once('error', reject);
      s.once('connect', () => {
        const c = new OfClient(s);
        c.send(0, Buffer.alloc(0)); // HELLO
        // SET_CONFIG flags=0 miss_send_len=0xffff: a service connection gets
        // asynchronous messages only once it asks with a non-zero miss_send_len.
        const cfg = Buffer.alloc(4);
        cfg.writeUInt16BE(0xffff, 2);
        c.send(9, cfg);
        resolve(c);
      });
    });
  }

  private xid = 1;
  private send(type: number, body: Buffer, xid = this.xid++): void {
    const h = Buffer.alloc(8);
    h.writeUInt8(4, 0);
    h.writeUInt8(type, 1);
    h.writeUInt16BE(8 + body.length, 2);
    h.writeUInt32BE(xid, 4);
    this.sock.write(Buffer.concat([h, body]));
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt16BE(2);
      if (len < 8 || this.buf.length < len) break;
      const msg = this.buf.subarray(0, len);
      this.buf = this.buf.subarray(len);
      const type = msg.readUInt8(1);
      if (type === 2) this.send(3, msg.subarray(8), msg.readUInt32BE(4)); // ECHO_REQUEST → REPLY
      else if (type === 1) this.errors.push(`OFPT_ERROR ${msg.subarray(8).toString('hex')}`);
      else if (type === 10) this.packetIns.push(parsePacketIn(msg));
    }
  }

  close(): void {
    this.sock.destroy();
  }
}

function parsePacketIn(msg: Buffer): OfPacketIn {
  // header(8) buffer_id(4) total_len(2) reason(1) table_id(1) cookie(8) match(...) pad(2) data
  const totalLen = msg.readUInt16BE(12);
  const reason = msg.readUInt8(14);
  const tableId = msg.readUInt8(15);
  const cookie = msg.readBigUInt64BE(16);
  const mlen = msg.readUInt16BE(26);
  let inPort = -1;
  for (let o = 28; o + 4 <= 24 + mlen; ) {
    const cls = msg.readUInt16BE(o);
    const field = msg.readUInt8(o + 2) >> 1;
    const l = msg.readUInt8(o + 3);
    if (cls === 0x8000 && field === 0) inPort = msg.readUInt32BE(o + 4);
    o += 4 + l;
  }
  const dataAt = 24 + Math.ceil(mlen / 8) * 8 + 2;
  return { inPort, reason, tableId, cookie, totalLen, data: Buffer.from(msg.subarray(dataAt)) };
}

// ---------------------------------------------------------------------------------
// the switch

export interface OvsResult {
  /** ofport → frames sent, in order (ports of `ports` only; LOCAL and the marker port left out). */
  outputs: Map<number, Buffer[]>;
  packetIns: OfPacketIn[];
}

export class OvsDummySwitch {
  private marker = 0;
  private readonly offsets = new Map<string, number>();
  private pinSeen = 0;

  private constructor(
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly db: ChildProcess,
    private readonly vswitchd: ChildProcess,
    readonly bridge: string,
    readonly ports: readonly number[],
    private readonly of: OfClient,
    readonly ofVersion: string,
  ) {}

  /** Starts the daemons and a bridge with dummy ports p<N> (ofport N) for each of `ports`. */
  static async start(ports: readonly number[], opts: { bridge?: string; ofVersion?: string; otherConfig?: Record<string, string> } = {}): Promise<OvsDummySwitch> {
    const why = ovsMissing();
    if (why) throw new Error(why);
    const schema = findOvsSchema()!;
    const bridge = opts.bridge ?? 'br0';
    const dir = mkdtempSync(join(tmpdir(), 'nodeswitch-ovsdiff-'));
    const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir };
    const procs: ChildProcess[] = [];
    const killAll = () => {
      for (const p of procs) if (p.exitCode === null && p.pid !== undefined) p.kill('SIGKILL');
    };
    process.once('exit', killAll);
    try {
      const c = await exec(['ovsdb-tool', 'create', join(dir, 'conf.db'), schema], env);
      if (c.code !== 0) throw new Error(`ovsdb-tool create: ${c.stderr}`);
      const common = ['--no-chdir', '-vconsole:off'];
      const db = spawn(
        'ovsdb-server',
        [
          join(dir, 'conf.db'),
          `--remote=punix:${join(dir, 'db.sock')}`,
          `--unixctl=${join(dir, 'ovsdb-server.ctl')}`,
          `--pidfile=${join(dir, 'ovsdb-server.pid')}`,
          `--log-file=${join(dir, 'ovsdb-server.log')}`,
          ...common,
        ],
        { env, stdio: 'ignore' },
      );
      procs.push(db);
      await waitUntil('ovsdb-server socket', () => existsSync(join(dir, 'db.sock')), 10_000, db);
      const vsctl = (args: string[]) => exec(['ovs-vsctl', `--db=unix:${join(dir, 'db.sock')}`, '--timeout=20', ...args], env);
      let r = await vsctl(['--no-wait', 'init']);
      if (r.code !== 0) throw new Error(`ovs-vsctl init: ${r.stderr}`);
      for (const [k, v] of Object.entries(opts.otherConfig ?? {})) {
        r = await vsctl(['--no-wait', 'set', 'Open_vSwitch', '.', `other_config:${k}=${v}`]);
        if (r.code !== 0) throw new Error(`ovs-vsctl set other_config:${k}: ${r.stderr}`);
      }
      const vswitchd = spawn(
        'ovs-vswitchd',
        [
          `unix:${join(dir, 'db.sock')}`,
          '--enable-dummy=override',
          '--disable-system',
          `--unixctl=${join(dir, 'ovs-vswitchd.ctl')}`,
          `--pidfile=${join(dir, 'ovs-vswitchd.pid')}`,
          `--log-file=${join(dir, 'ovs-vswitchd.log')}`,
          ...common,
        ],
        { env, stdio: 'ignore' },
      );
      procs.push(vswitchd);
      await waitUntil('ovs-vswitchd unixctl socket', () => existsSync(join(dir, 'ovs-vswitchd.ctl')), 15_000, vswitchd);
      const ofVersion = opts.ofVersion ?? 'OpenFlow13';
      const args = [
        '--', 'add-br', bridge,
        '--', 'set', 'bridge', bridge, 'datapath_type=dummy', 'fail-mode=secure', 'protocols=OpenFlow10,OpenFlow13',
        '--', 'set', 'interface', bridge, `options:tx_pcap=${join(dir, 'LOCAL.pcap')}`,
        '--', 'add-port', bridge, `p${MARKER_PORT}`, '--', 'set', 'interface', `p${MARKER_PORT}`, 'type=dummy', `ofport_request=${MARKER_PORT}`,
      ];
      for (const n of ports) {
        args.push('--', 'add-port', bridge, `p${n}`, '--', 'set', 'interface', `p${n}`, 'type=dummy', `ofport_request=${n}`,
          `options:tx_pcap=${join(dir, `p${n}.pcap`)}`);
      }
      r = await vsctl(args);
      if (r.code !== 0) throw new Error(`ovs-vsctl add-br: ${r.stderr}`);
      for (const n of [...ports, MARKER_PORT]) {
        const g = await vsctl(['get', 'interface', `p${n}`, 'ofport']);
        if (Number(g.stdout.trim()) !== n) throw new Error(`OVS port p${n} got ofport ${g.stdout.trim()}`);
      }
      const mgmt = join(dir, `${bridge}.mgmt`);
      await waitUntil('bridge mgmt socket', () => existsSync(mgmt), 10_000, vswitchd);
      const of = await OfClient.open(mgmt);
      const sw = new OvsDummySwitch(dir, env, db, vswitchd, bridge, ports, of, ofVersion);
      process.removeListener('exit', killAll);
      sw.exitHook = () => {
        for (const p of [vswitchd, db]) if (p.exitCode === null) p.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      };
      process.once('exit', sw.exitHook);
      await sw.setFlows([]);
      return sw;
    } catch (err) {
      killAll();
      process.removeListener('exit', killAll);
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  private exitHook: (() => void) | undefined;

  private ofctl(args: string[], input?: string): Promise<ExecOut> {
    return exec(['ovs-ofctl', '-O', this.ofVersion, ...args], this.env, input);
  }

  private get mgmt(): string {
    return join(this.dir, `${this.bridge}.mgmt`);
  }

  /**
   * Replaces every flow with `flows` (plus the marker flow). Returns undefined on
   * success or ovs-ofctl's complaint. On failure the bridge keeps only the marker flow.
   */
  async setFlows(flows: readonly string[]): Promise<string | undefined> {
    const marker = `table=0,priority=65535,in_port=${MARKER_PORT},actions=LOCAL,CONTROLLER:65535`;
    let r = await this.ofctl(['del-flows', this.mgmt]);
    if (r.code !== 0) throw new Error(`ovs-ofctl del-flows: ${r.stderr}`);
    r = await this.ofctl(['add-flows', this.mgmt, '-'], [...flows, marker].join('\n') + '\n');
    let err: string | undefined;
    if (r.code !== 0) {
      err = r.stderr.trim();
      await this.ofctl(['del-flows', this.mgmt]);
      r = await this.ofctl(['add-flow', this.mgmt, marker]);
      if (r.code !== 0) throw new Error(`ovs-ofctl add-flow (marker): ${r.stderr}`);
    }
    // Datapath flows cached from the previous rule set must not answer for this one.
    await unixctl(join(this.dir, 'ovs-vswitchd.ctl'), 'revalidator/purge', []);
    return err;
  }

  /**
   * Sets (or, with undefined, removes) an Open_vSwitch other_config key, e.g.
   * vlan-limit, and waits for ovs-vswitchd to apply it.
   */
  async setOtherConfig(key: string, value: string | undefined): Promise<void> {
    const args =
      value === undefined
        ? ['remove', 'Open_vSwitch', '.', 'other_config', key]
        : ['set', 'Open_vSwitch', '.', `other_config:${key}=${value}`];
    const r = await exec(['ovs-vsctl', `--db=unix:${join(this.dir, 'db.sock')}`, '--timeout=20', ...args], this.env);
    if (r.code !== 0) throw new Error(`ovs-vsctl ${args.join(' ')}: ${r.stderr}`);
    await unixctl(join(this.dir, 'ovs-vswitchd.ctl'), 'revalidator/purge', []);
  }

  /** ovs-vsctl on this switch's database (waits for ovs-vswitchd to apply the change), then a revalidator purge. */
  async vsctl(args: readonly string[]): Promise<string> {
    const r = await exec(['ovs-vsctl', `--db=unix:${join(this.dir, 'db.sock')}`, '--timeout=20', ...args], this.env);
    if (r.code !== 0) throw new Error(`ovs-vsctl ${args.join(' ')}: ${r.stderr}`);
    await unixctl(join(this.dir, 'ovs-vswitchd.ctl'), 'revalidator/purge', []);
    return r.stdout;
  }

  /**
   * Replaces every group with `groups` (ovs-ofctl add-group lines; call before
   * setFlows, which needs the groups its flows name). Returns ovs-ofctl's complaint.
   */
  async setGroups(groups: readonly string[]): Promise<string | undefined> {
    await this.ofctl(['del-flows', this.mgmt]);
    let r = await this.ofctl(['del-groups', this.mgmt]);
    if (r.code !== 0) throw new Error(`ovs-ofctl del-groups: ${r.stderr}`);
    for (const g of groups) {
      r = await this.ofctl(['add-group', this.mgmt, g]);
      if (r.code !== 0) return r.stderr.trim();
    }
    return undefined;
  }

  /** OpenFlow's port admin state (ovs-ofctl mod-port up|down): a fast-failover bucket watching a down port is not live. */
  async setPortUp(ofport: number, up: boolean): Promise<void> {
    const r = await this.ofctl(['mod-port', this.mgmt, String(ofport), up ? 'up' : 'down']);
    if (r.code !== 0) throw new Error(`ovs-ofctl mod-port: ${r.stderr}`);
    await unixctl(join(this.dir, 'ovs-vswitchd.ctl'), 'revalidator/purge', []);
  }

  /** Forgets every learned MAC (ovs-appctl fdb/flush). */
  async flushFdb(): Promise<void> {
    await unixctl(join(this.dir, 'ovs-vswitchd.ctl'), 'fdb/flush', [this.bridge]);
  }

  /** Whether OVS accepts one flow: add-flow it alone (the caller's setFlows replaces it). */
  async accepts(flow: string): Promise<string | undefined> {
    const r = await this.ofctl(['add-flow', this.mgmt, flow]);
    return r.code === 0 ? undefined : r.stderr.trim() || `exit ${r.code}`;
  }

  async dumpFlows(): Promise<string> {
    return (await this.ofctl(['dump-flows', this.mgmt])).stdout;
  }

  /** Hands `frame` to port p<inPort>; returns what every port sent and what went to the controller. */
  async inject(inPort: number, frame: Buffer): Promise<OvsResult> {
    const ctl = join(this.dir, 'ovs-vswitchd.ctl');
    await unixctl(ctl, 'netdev-dummy/receive', [`p${inPort}`, frame.toString('hex')]);
    const marker = this.markerFrame(++this.marker);
    await unixctl(ctl, 'netdev-dummy/receive', [`p${MARKER_PORT}`, marker.toString('hex')]);
    const localFrames: Buffer[] = [];
    const deadline = Date.now() + 5000;
    for (;;) {
      localFrames.push(...this.read('LOCAL'));
      const pinMarker = this.of.packetIns.findIndex((p, i) => i >= this.pinSeen && p.data.equals(marker));
      if (localFrames.some((f) => f.equals(marker)) && pinMarker >= 0) {
        const outputs = new Map<number, Buffer[]>();
        for (const n of this.ports) outputs.set(n, this.read(`p${n}`));
        const pins = this.of.packetIns.slice(this.pinSeen, pinMarker);
        this.pinSeen = pinMarker + 1;
        return { outputs, packetIns: pins };
      }
      if (this.of.errors.length > 0) throw new Error(`OpenFlow connection: ${this.of.errors.join('; ')}`);
      if (Date.now() > deadline) throw new Error(`OVS did not process marker ${this.marker} within 5 s`);
      await sleep(1);
    }
  }

  private markerFrame(n: number): Buffer {
    const f = Buffer.alloc(60);
    Buffer.from('ffffffffffff02000000009988b5', 'hex').copy(f, 0);
    f.write('OVSDIFF-MARKER', 14, 'latin1');
    f.writeUInt32BE(n, 30);
    return f;
  }

  private read(name: string): Buffer[] {
    const path = join(this.dir, `${name}.pcap`);
    const { frames, next } = readPcapFrom(path, this.offsets.get(name) ?? 0);
    this.offsets.set(name, next);
    return frames;
  }

  /** WARN/ERR lines of ovs-vswitchd's log. */
  logProblems(): string[] {
    return ovsLogProblems(this.dir);
  }

  async stop(): Promise<void> {
    this.of.close();
    for (const [p, ctl] of [
      [this.vswitchd, 'ovs-vswitchd.ctl'],
      [this.db, 'ovsdb-server.ctl'],
    ] as const) {
      if (p.exitCode !== null) continue;
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      await unixctl(join(this.dir, ctl), 'exit', [], 3000).catch(() => undefined);
      const t = setTimeout(() => p.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    if (this.exitHook) process.removeListener('exit', this.exitHook);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Size of a file, 0 when missing (debugging aid). */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------
// frames

/** A VLAN tag: its VID alone, or the whole tag. */
export type FrameVlan = number | { vid: number; pcp?: number; tpid?: number };

export interface FrameSpec {
  dst?: string;
  src?: string;
  /** Outermost first. */
  vlans?: FrameVlan[];
  l3?:
    | { kind: 'tcp' | 'udp'; src?: string; dst?: string; sport?: number; dport?: number; tos?: number; ttl?: number; udpZero?: boolean }
    | { kind: 'icmp'; src?: string; dst?: string; tos?: number; ttl?: number }
    | { kind: 'arp'; op?: number; sha?: string; spa?: string; tha?: string; tpa?: string }
    | { kind: 'ipv6udp'; src?: string; dst?: string; sport?: number; dport?: number }
    | { kind: 'raw'; type: number };
}

/**
 * An Ethernet frame from a compact spec, for the random frame generator, built by
 * the one frame builder (src/packet/frame-builder.ts): small payloads of zeros, TCP
 * with PSH|ACK, IPv4 with DF, ICMP echo requests.
 */
export function buildFrame(s: FrameSpec): Buffer {
  const l3 = s.l3 ?? { kind: 'raw', type: ETH_EXPERIMENTAL };
  const eth: EthOpts = { dst: s.dst, src: s.src, vlans: (s.vlans ?? []).map((v) => (typeof v === 'number' ? { vid: v } : v)) };
  switch (l3.kind) {
    case 'raw':
      return ethernet(eth, l3.type, Buffer.alloc(46, 0x5a));
    case 'arp':
      return arp({ eth: { ...eth, dst: s.dst ?? DEFAULT_DST }, arp: l3 });
    case 'ipv6udp':
      return udp6({ eth, ip: { src: l3.src, dst: l3.dst }, l4: { sport: l3.sport ?? 1000, dport: l3.dport ?? 2000, payload: Buffer.alloc(8) } });
    case 'icmp':
      return icmp4({ eth, ip: { src: l3.src, dst: l3.dst, tos: l3.tos, ttl: l3.ttl, df: true }, l4: { payload: Buffer.alloc(8) } });
    case 'tcp':
    case 'udp': {
      const ip = { src: l3.src, dst: l3.dst, tos: l3.tos, ttl: l3.ttl, df: true };
      const sport = l3.sport ?? 1000;
      if (l3.kind === 'tcp') {
        const l4 = { sport, dport: l3.dport ?? 80, seq: 0x01020304, ack: 0x0a0b0c0d, flags: TCP_PSH | TCP_ACK, window: 0x2000, payload: Buffer.alloc(6) };
        return tcp4({ eth, ip, l4 });
      }
      return udp4({ eth, ip, l4: { sport, dport: l3.dport ?? 53, payload: Buffer.alloc(10), noChecksum: l3.udpZero } });
    }
  }
}
