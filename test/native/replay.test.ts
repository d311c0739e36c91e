// Offline replay through the real pipeline (src/pcap/replay.ts → Datapath::replay),
// in process: small traces written here (pcap-files.ts, packets.ts) go in, and the
// summary's counts and the files in --out are compared with what the rules say,
// byte for byte. Expected output files are built independently of the C++ writer:
// classic pcap, host byte order (little-endian here), µs, snaplen 262144, link
// type 1; each output frame carries the timestamp of the input record that caused it
// (native/port/pcap_port.h), inputs polled one burst (32 records) each in turn, in
// ascending port order.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeswitchError } from '../../src/errors.js';
import { formatReplay } from '../../src/cli/replay-command.js';
import { replay, type ReplayOptions, type ReplaySummary } from '../../src/pcap/replay.js';
import { needs, tool } from '../needs.js';
import { checksumErrors, decode, formatMac, icmp4, tcp4, udp4 } from './packets.js';
import { ngEpb, ngIdb, ngShb, pcapFile, type PcapFileSpec } from '../lab/pcap-files.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const C = '02:00:00:00:00:0c';
const BURST = 32;
const MAX_FRAME = 65536 + 64;
const T0 = 1_700_000_000_000_000_000n;
const withTcpdump = needs(tool('tcpdump', 'tcpdump'));

// ---- fixtures ----------------------------------------------------------------------

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nodeswitch-replay-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Rec {
  data: Buffer;
  tsNs: bigint;
  /** Original length (> data.length: a snapped record). */
  len?: number;
}

/** Record i at T0 + i ms + 7 ns·i: sub-µs parts, so µs output truncates. */
function recs(frames: Buffer[], start = T0): Rec[] {
  return frames.map((data, i) => ({ data, tsNs: start + BigInt(i) * 1_000_007n }));
}

function put(name: string, content: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function trace(name: string, records: Rec[], spec: PcapFileSpec = {}): string {
  return put(name, pcapFile(records, spec));
}

/** What the replay's writer must produce for these records. */
function expectedPcap(records: { data: Buffer; tsNs: bigint }[]): Buffer {
  return pcapFile(
    records.map((r) => ({ data: r.data, tsNs: r.tsNs })),
    { snaplen: 262144 },
  );
}

/** A tiny classic-pcap reader (LE, µs), independent of the C++ one. */
function readPcap(path: string): { header: Buffer; records: { tsSec: number; tsUsec: number; caplen: number; len: number; data: Buffer }[] } {
  const b = readFileSync(path);
  const header = b.subarray(0, 24);
  const records = [];
  for (let at = 24; at < b.length; ) {
    const caplen = b.readUInt32LE(at + 8);
    records.push({
      tsSec: b.readUInt32LE(at),
      tsUsec: b.readUInt32LE(at + 4),
      caplen,
      len: b.readUInt32LE(at + 12),
      data: b.subarray(at + 16, at + 16 + caplen),
    });
    at += 16 + caplen;
  }
  return { header, records };
}

/** Records a pcap port delivers: snapped and oversize ones skipped, passes end to end. */
function delivered(records: Rec[], repeat = 1): Rec[] {
  const ok = records.filter((r) => (r.len ?? r.data.length) === r.data.length && r.data.length <= MAX_FRAME);
  return Array.from({ length: repeat }, () => ok).flat();
}

interface Burst {
  port: number;
  /** The burst's records, each with its own time. */
  frames: { data: Buffer; tsNs: bigint }[];
}

/** The order Datapath::replay polls inputs: one burst each, ascending ports, in turn. */
function schedule(inputs: { port: number; records: Rec[] }[], repeat = 1): Burst[] {
  const queues = [...inputs].sort((a, b) => a.port - b.port).map((i) => ({ port: i.port, left: delivered(i.records, repeat) }));
  const out: Burst[] = [];
  while (queues.some((q) => q.left.length > 0)) {
    for (const q of queues) {
      if (q.left.length === 0) continue;
      const chunk = q.left.splice(0, BURST);
      out.push({ port: q.port, frames: chunk.map((r) => ({ data: r.data, tsNs: r.tsNs })) });
    }
  }
  return out;
}

/** Expected records per output port, given where each frame goes. */
function outputs(bursts: Burst[], route: (inPort: number, frame: Buffer) => { port: number; data: Buffer }[]): Map<number, Rec[]> {
  const out = new Map<number, Rec[]>();
  for (const b of bursts) {
    for (const f of b.frames) {
      for (const o of route(b.port, f.data)) {
        if (!out.has(o.port)) out.set(o.port, []);
        out.get(o.port)!.push({ data: o.data, tsNs: f.tsNs });
      }
    }
  }
  return out;
}

/** NORMAL, simulated: learn the source, unicast to a known destination, else flood. */
function learningRoute(ports: number[]): (inPort: number, frame: Buffer) => { port: number; data: Buffer }[] {
  const fdb = new Map<string, number>();
  return (inPort, frame) => {
    const src = formatMac(frame.subarray(6, 12));
    const dst = formatMac(frame.subarray(0, 6));
    fdb.set(src, inPort);
    const known = fdb.get(dst);
    if (known === inPort) return [];
    const to = known !== undefined ? [known] : ports.filter((p) => p !== inPort);
    return to.map((port) => ({ port, data: frame }));
  };
}

function port(s: ReplaySummary, p: number) {
  const found = s.ports.find((x) => x.ofport === p);
  if (!found) throw new Error(`no port ${p} in the summary`);
  return found;
}

/** The replay summary's per-port counts, in port order: [rx, tx] pairs. */
function counts(s: ReplaySummary): Record<number, [number, number]> {
  return Object.fromEntries(s.ports.map((p) => [p.ofport, [p.rxPackets, p.txPackets]]));
}

function expectFiles(outDir: string, expected: Map<number, Rec[]>, controller?: Rec[]): void {
  const names = [...expected.keys()].map((p) => `port-${p}.pcap`);
  if (controller) names.push('controller.pcap');
  expect(readdirSync(outDir).sort()).toEqual(names.sort());
  for (const [p, records] of expected) {
    const got = readFileSync(join(outDir, `port-${p}.pcap`));
    expect(got.equals(expectedPcap(records)), `port-${p}.pcap differs`).toBe(true);
  }
  if (controller) {
    expect(readFileSync(join(outDir, 'controller.pcap')).equals(expectedPcap(controller)), 'controller.pcap differs').toBe(true);
  }
}

const udpFrame = (src: string, dst: string, n: number): Buffer => udp4({ eth: { src, dst }, l4: { sport: 1000 + n, payload: Buffer.from(`frame ${n}`) } });

// ---- forwarding ----------------------------------------------------------------------

describe('replay: NORMAL (no --flows)', () => {
  it('learns: the first frames flood, later ones go unicast; counts and files exactly as the rules say', async () => {
    // Port 1: 40 frames A→B; port 2: 5 frames B→A. Round 1: port 1's first burst (32)
    // floods to 2 and 3 (B unknown); port 2's burst goes to 1 (A learned). Round 2:
    // port 1's last 8 frames go to 2 only (B learned).
    const in1 = recs(Array.from({ length: 40 }, (_, i) => udpFrame(A, B, i)));
    const in2 = recs(Array.from({ length: 5 }, (_, i) => udpFrame(B, A, 100 + i)), T0 + 500_000n);
    const outDir = join(dir, 'out');
    const s = await replay({
      inputs: [
        { port: 1, file: trace('in1.pcap', in1) },
        { port: 2, file: trace('in2.pcap', in2) },
      ],
      ports: [1, 2, 3],
      outDir,
    });
    expect(s.packetsRead).toBe(45);
    expect(s.truncated).toBe(0);
    expect(s.oversize).toBe(0);
    expect(counts(s)).toEqual({ 1: [40, 5], 2: [5, 40], 3: [0, 32] });
    expect(port(s, 2).txBytes).toBe(in1.reduce((n, r) => n + r.data.length, 0));
    expect(port(s, 1).txBytes).toBe(in2.reduce((n, r) => n + r.data.length, 0));
    expect(s.ports.every((p) => p.txDropped === 0 && p.txErrors === 0)).toBe(true);
    expect(s.drops).toEqual({ tableMiss: 0, runt: 0, badSource: 0, samePort: 0, invalidTtl: 0, noPort: 0 });
    expect(s.upcalls).toBe(0);
    expect(s.controllerFile).toBeUndefined();
    expect(port(s, 1).file).toBe(join(outDir, 'port-1.pcap'));
    expect(port(s, 3).file).toBe(join(outDir, 'port-3.pcap'));

    const bursts = schedule([
      { port: 1, records: in1 },
      { port: 2, records: in2 },
    ]);
    const expected = outputs(bursts, learningRoute([1, 2, 3]));
    expect(expected.get(3)!.length).toBe(32);
    expectFiles(outDir, expected);
    // Timestamps, spelled out: port 3's frame i carries input record i's time (µs), not its burst's last.
    const r3 = readPcap(join(outDir, 'port-3.pcap')).records;
    expect(r3.map((r) => BigInt(r.tsSec) * 1_000_000n + BigInt(r.tsUsec))).toEqual(in1.slice(0, 32).map((r) => r.tsNs / 1000n));
    expect(new Set(r3.map((r) => r.tsUsec)).size).toBe(32);
  });

  it('five inputs at t, t+1 … t+4 s come out at t … t+4, on every port and in controller.pcap (issue 7, defect 7)', async () => {
    const frames = Array.from({ length: 5 }, (_, i) => udpFrame(A, 'ff:ff:ff:ff:ff:ff', i));
    const in1 = frames.map((data, i) => ({ data, tsNs: T0 + BigInt(i) * 1_000_000_000n }));
    const flows = put('flows.txt', 'in_port=1,actions=output:2,controller\n');
    const outDir = join(dir, 'out');
    await replay({ inputs: [{ port: 1, file: trace('five.pcap', in1) }], ports: [1, 2], flowsFile: flows, outDir });
    const seconds = (f: string): number[] => readPcap(join(outDir, f)).records.map((r) => r.tsSec - Number(T0 / 1_000_000_000n));
    expect(seconds('port-2.pcap')).toEqual([0, 1, 2, 3, 4]);
    expect(seconds('controller.pcap')).toEqual([0, 1, 2, 3, 4]);
  });

  it('defaults to the --in ports plus 1-4; a port that sends nothing gets no file', async () => {
    // Broadcast from port 6: flooded to 1-4; nothing is sent back to 6.
    const frames = Array.from({ length: 3 }, (_, i) => udpFrame(A, 'ff:ff:ff:ff:ff:ff', i));
    const outDir = join(dir, 'out');
    const s = await replay({ inputs: [{ port: 6, file: trace('in.pcap', recs(frames)) }], outDir });
    expect(s.ports.map((p) => p.ofport)).toEqual([1, 2, 3, 4, 6]);
    expect(counts(s)).toEqual({ 1: [0, 3], 2: [0, 3], 3: [0, 3], 4: [0, 3], 6: [3, 0] });
    expect(port(s, 6).file).toBeUndefined();
    expect(readdirSync(outDir).sort()).toEqual(['port-1.pcap', 'port-2.pcap', 'port-3.pcap', 'port-4.pcap']);
  });

  it('counts NORMAL drops: same port, bad (multicast) source, runts', async () => {
    const frames = [
      udpFrame(A, C, 0), // learn A on 1, flood to 2
      udpFrame(C, A, 1), // C learned on 1; A is on 1: same-port drop
      udpFrame('01:00:5e:00:00:01', A, 2), // multicast source: dropped
      Buffer.from('0200000000', 'hex'), // 5 bytes: a runt
      udpFrame(A, C, 3), // C is on 1 now: same-port drop
    ];
    const outDir = join(dir, 'out');
    const s = await replay({ inputs: [{ port: 1, file: trace('in.pcap', recs(frames)) }], ports: [1, 2], outDir });
    expect(s.drops).toEqual({ tableMiss: 0, runt: 1, badSource: 1, samePort: 2, invalidTtl: 0, noPort: 0 });
    // The runt is read once: it reaches the pipeline (rx) and is dropped there.
    expect(s.packetsRead).toBe(5);
    expect(counts(s)).toEqual({ 1: [5, 0], 2: [0, 1] });
    expect(readPcap(join(outDir, 'port-2.pcap')).records.map((r) => r.data.toString('hex'))).toEqual([frames[0]!.toString('hex')]);
  });

  it('without --out writes nothing; what ports are sent is counted as tx dropped (no file to send it to)', async () => {
    const frames = Array.from({ length: 4 }, (_, i) => udpFrame(A, 'ff:ff:ff:ff:ff:ff', i));
    const before = readdirSync(dir);
    const s = await replay({ inputs: [{ port: 1, file: trace('in.pcap', recs(frames)) }], ports: [1, 2, 3] });
    expect(readdirSync(dir).sort()).toEqual([...before, 'in.pcap'].sort());
    expect(s.ports.every((p) => p.file === undefined)).toBe(true);
    expect(s.controllerFile).toBeUndefined();
    expect(s.packetsRead).toBe(4);
    // pcap_port.h: a port with no output file counts what it is sent as tx_dropped.
    expect(s.ports.map((p) => p.txPackets + p.txDropped)).toEqual([0, 4, 4]);
  });
});

describe('replay: --flows (the whole table set)', () => {
  it('has no default NORMAL rule: a frame no rule matches is a counted table miss', async () => {
    const flows = put('flows.txt', '# only port 1 is forwarded\npriority=10,in_port=1,actions=output:2\n');
    const in1 = recs(Array.from({ length: 10 }, (_, i) => udpFrame(A, B, i)));
    const in2 = recs(Array.from({ length: 7 }, (_, i) => udpFrame(B, A, i)));
    const outDir = join(dir, 'out');
    const s = await replay({
      inputs: [
        { port: 1, file: trace('in1.pcap', in1) },
        { port: 2, file: trace('in2.pcap', in2) },
      ],
      ports: [1, 2, 3],
      flowsFile: flows,
      outDir,
    });
    expect(counts(s)).toEqual({ 1: [10, 0], 2: [7, 10], 3: [0, 0] });
    expect(s.drops.tableMiss).toBe(7);
    expect(s.upcalls).toBe(0);
    expectFiles(outDir, outputs(schedule([{ port: 1, records: in1 }, { port: 2, records: in2 }]), (p, f) => (p === 1 ? [{ port: 2, data: f }] : [])));
  });

  it('writes controller.pcap with what the rules send up, and none when no packet goes up', async () => {
    const flows = put('flows.txt', 'priority=20,in_port=1,udp,actions=controller\npriority=10,in_port=1,actions=output:2\n');
    const frames = Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? udpFrame(A, B, i) : tcp4({ eth: { src: A, dst: B }, l4: { seq: i } })));
    const in1 = recs(frames);
    const outDir = join(dir, 'out');
    const s = await replay({ inputs: [{ port: 1, file: trace('in1.pcap', in1) }], ports: [1, 2], flowsFile: flows, outDir });
    expect(s.upcalls).toBe(10);
    expect(s.controllerFile).toBe(join(outDir, 'controller.pcap'));
    expect(counts(s)).toEqual({ 1: [50, 0], 2: [0, 40] });
    const bursts = schedule([{ port: 1, records: in1 }]);
    const isUdp = (f: Buffer): boolean => decode(f).udp !== undefined;
    const toController = outputs(bursts, (_p, f) => (isUdp(f) ? [{ port: 0, data: f }] : [])).get(0)!;
    expectFiles(outDir, outputs(bursts, (_p, f) => (isUdp(f) ? [] : [{ port: 2, data: f }])), toController);

    // Same flows, no UDP in the trace: no packet goes up, no controller.pcap.
    const out2 = join(dir, 'out2');
    const s2 = await replay({ inputs: [{ port: 1, file: trace('tcp.pcap', in1.filter((r) => !isUdp(r.data))) }], ports: [1, 2], flowsFile: flows, outDir: out2 });
    expect(s2.upcalls).toBe(0);
    expect(s2.controllerFile).toBeUndefined();
    expect(readdirSync(out2)).toEqual(['port-2.pcap']);
  });

  it('rewrites: mod_nw_dst gives the frame built with the new address, checksums valid; earlier outputs keep the original', async () => {
    const flows = put('flows.txt', 'in_port=1,ip,actions=output:2,mod_nw_dst:10.9.9.9,output:3\n');
    const build = (dst: string) => [
      tcp4({ eth: { src: A, dst: B }, ip: { dst }, l4: { sport: 1234, dport: 80 } }),
      udp4({ eth: { src: A, dst: B }, ip: { dst }, l4: { sport: 5353, dport: 53 } }),
      icmp4({ eth: { src: A, dst: B }, ip: { dst } }),
    ];
    const original = build('10.0.0.2');
    const rewritten = build('10.9.9.9');
    const in1 = recs(original);
    const outDir = join(dir, 'out');
    const s = await replay({ inputs: [{ port: 1, file: trace('in1.pcap', in1) }], ports: [1, 2, 3], flowsFile: flows, outDir });
    expect(counts(s)).toEqual({ 1: [3, 0], 2: [0, 3], 3: [0, 3] });
    const got = readPcap(join(outDir, 'port-3.pcap')).records.map((r) => r.data);
    for (let i = 0; i < 3; i++) {
      expect(checksumErrors(got[i]!)).toEqual([]);
      expect(got[i]!.toString('hex')).toBe(rewritten[i]!.toString('hex'));
    }
    expectFiles(
      outDir,
      new Map([
        [2, original.map((data, i) => ({ data, tsNs: in1[i]!.tsNs }))],
        [3, rewritten.map((data, i) => ({ data, tsNs: in1[i]!.tsNs }))],
      ]),
    );
  });

  it('output to a port the replay does not have is counted and named (issue 7, defect 14)', async () => {
    const flows = put('flows.txt', 'in_port=1,udp,actions=output:7\nin_port=1,actions=output:2\n');
    const frames = [udpFrame(A, B, 0), tcp4({ eth: { src: A, dst: B } }), udpFrame(A, B, 1)];
    const s = await replay({ inputs: [{ port: 1, file: trace('in1.pcap', recs(frames)) }], flowsFile: flows });
    expect(s.ports.map((p) => p.ofport)).toEqual([1, 2, 3, 4]);
    expect(counts(s)).toEqual({ 1: [3, 0], 2: [0, 1], 3: [0, 0], 4: [0, 0] });
    expect(s.drops.noPort).toBe(2);
    expect(s.undeclaredPorts).toEqual([7]);
    const text = formatReplay(s);
    expect(text).toMatch(/^dropped: .*, no such port 2$/m);
    expect(text).toMatch(/^the flows output to port 7, not one of the replay's ports: what went there is counted as "no such port" \(declare it with --ports\)$/m);
    const declared = await replay({ inputs: [{ port: 1, file: trace('in1.pcap', recs(frames)) }], ports: [1, 2, 7], flowsFile: flows });
    expect([declared.drops.noPort, declared.undeclaredPorts]).toEqual([0, []]);
    expect(counts(declared)[7]).toEqual([0, 2]);
  });

  it('dec_ttl on TTL 1 is counted as invalid TTL, and the frame is not sent', async () => {
    const flows = put('flows.txt', 'in_port=1,ip,actions=dec_ttl,output:2\n');
    const frames = [udp4({ eth: { src: A, dst: B }, ip: { ttl: 1 } }), udp4({ eth: { src: A, dst: B }, ip: { ttl: 64 } })];
    const outDir = join(dir, 'out');
    const s = await replay({ inputs: [{ port: 1, file: trace('in.pcap', recs(frames)) }], ports: [1, 2], flowsFile: flows, outDir });
    expect(s.drops.invalidTtl).toBe(1);
    expect(counts(s)).toEqual({ 1: [2, 0], 2: [0, 1] });
    const out = readPcap(join(outDir, 'port-2.pcap')).records;
    expect(out.length).toBe(1);
    expect(decode(out[0]!.data).ipv4!.ttl).toBe(63);
    expect(checksumErrors(out[0]!.data)).toEqual([]);
  });
});

// ---- inputs ------------------------------------------------------------------------

describe('replay: inputs', () => {
  const flows1to2 = (): string => put('flows.txt', 'actions=output:2\n');

  it('interleaves several --in traces burst by burst, in port order', async () => {
    const flows = put('flows.txt', 'in_port=1,actions=output:3\nin_port=2,actions=output:3\n');
    const in1 = recs(Array.from({ length: 70 }, (_, i) => udpFrame(A, C, i)));
    const in2 = recs(Array.from({ length: 40 }, (_, i) => udpFrame(B, C, 1000 + i)), T0 + 333_333n);
    const outDir = join(dir, 'out');
    const s = await replay({
      inputs: [
        { port: 2, file: trace('in2.pcap', in2) },
        { port: 1, file: trace('in1.pcap', in1) },
      ],
      ports: [1, 2, 3],
      flowsFile: flows,
      outDir,
    });
    expect(s.packetsRead).toBe(110);
    expect(counts(s)).toEqual({ 1: [70, 0], 2: [40, 0], 3: [0, 110] });
    const bursts = schedule([
      { port: 1, records: in1 },
      { port: 2, records: in2 },
    ]);
    // p1[0..31], p2[0..31], p1[32..63], p2[32..39], p1[64..69]
    expect(bursts.map((b) => [b.port, b.frames.length])).toEqual([
      [1, 32],
      [2, 32],
      [1, 32],
      [2, 8],
      [1, 6],
    ]);
    expectFiles(outDir, outputs(bursts, (_p, f) => [{ port: 3, data: f }]));
  });

  it('--repeat N multiplies every count and replays the file N times', async () => {
    const in1 = recs(Array.from({ length: 20 }, (_, i) => udpFrame(A, B, i)));
    const outDir = join(dir, 'out');
    const s = await replay({ inputs: [{ port: 1, file: trace('in.pcap', in1) }], ports: [1, 2], flowsFile: flows1to2(), outDir, repeat: 3 });
    expect(s.packetsRead).toBe(60);
    expect(counts(s)).toEqual({ 1: [60, 0], 2: [0, 60] });
    expect(port(s, 2).txBytes).toBe(3 * in1.reduce((n, r) => n + r.data.length, 0));
    // Bursts run across the passes: [0..19, 0..11], [12..19, 0..19, 0..3], ...
    expectFiles(outDir, outputs(schedule([{ port: 1, records: in1 }], 3), (_p, f) => [{ port: 2, data: f }]));

    const once = await replay({ inputs: [{ port: 1, file: join(dir, 'in.pcap') }], ports: [1, 2], flowsFile: join(dir, 'flows.txt') });
    expect(once.packetsRead * 3).toBe(s.packetsRead);
    expect((port(once, 2).txPackets + port(once, 2).txDropped) * 3).toBe(port(s, 2).txPackets);
  });

  it('replays nanosecond pcap, big-endian pcap and pcapng (µs and ns interfaces) alike', async () => {
    const frames = Array.from({ length: 40 }, (_, i) => udpFrame(A, B, i));
    const records = recs(frames);
    const bursts = schedule([{ port: 1, records }]);
    const expected = outputs(bursts, (_p, f) => [{ port: 2, data: f }]);
    const usRecords = records.map((r) => ({ ...r, tsNs: (r.tsNs / 1000n) * 1000n }));
    const usExpected = outputs(schedule([{ port: 1, records: usRecords }]), (_p, f) => [{ port: 2, data: f }]);

    const files: [string, Buffer, Map<number, Rec[]>][] = [
      ['ns.pcap', pcapFile(records, { nanosecond: true }), expected],
      ['be-ns.pcap', pcapFile(records, { nanosecond: true, order: 'be' }), expected],
      ['us.pcap', pcapFile(records), usExpected],
      ['ns.pcapng', Buffer.concat([ngShb('le'), ngIdb('le', { tsresol: 9 }), ...records.map((r) => ngEpb('le', { iface: 0, ts: r.tsNs, data: r.data }))]), expected],
      ['us.pcapng', Buffer.concat([ngShb('be'), ngIdb('be'), ...records.map((r) => ngEpb('be', { iface: 0, ts: r.tsNs / 1000n, data: r.data }))]), usExpected],
    ];
    const flows = flows1to2();
    for (const [name, content, exp] of files) {
      const outDir = join(dir, `out-${name}`);
      const s = await replay({ inputs: [{ port: 1, file: put(name, content) }], ports: [1, 2], flowsFile: flows, outDir });
      expect(counts(s), name).toEqual({ 1: [40, 0], 2: [0, 40] });
      expect(readFileSync(join(outDir, 'port-2.pcap')).equals(expectedPcap(exp.get(2)!)), `${name}: port-2.pcap differs`).toBe(true);
    }
  });

  it('skips snapped (truncated) and oversize records, counted; runts are read and dropped', async () => {
    const good = (n: number): Buffer => udpFrame(A, B, n);
    const records: Rec[] = recs([good(0), good(1), good(2), good(3), good(4), Buffer.alloc(70_000, 0x5a), good(6), Buffer.from('020000', 'hex')]);
    records[1] = { ...records[1]!, data: records[1]!.data.subarray(0, 30), len: records[1]!.data.length }; // snapped
    records[3] = { ...records[3]!, data: records[3]!.data.subarray(0, 14), len: 1514 }; // snapped
    records[5]!.data.set(Buffer.from(`${B.replace(/:/g, '')}${A.replace(/:/g, '')}0800`, 'hex'));
    const outDir = join(dir, 'out');
    const s = await replay({
      inputs: [{ port: 1, file: trace('in.pcap', records, { snaplen: 262144 }) }],
      ports: [1, 2],
      flowsFile: flows1to2(),
      outDir,
    });
    expect(s.packetsRead).toBe(8);
    expect(s.truncated).toBe(2);
    expect(s.oversize).toBe(1);
    expect(s.drops.runt).toBe(1);
    // rx: the 4 good frames and the runt reached the pipeline.
    expect(counts(s)).toEqual({ 1: [5, 0], 2: [0, 4] });
    expectFiles(outDir, outputs(schedule([{ port: 1, records }]), (_p, f) => (f.length >= 14 ? [{ port: 2, data: f }] : [])));
    expect(readPcap(join(outDir, 'port-2.pcap')).records.map((r) => r.data.readUInt16BE(34))).toEqual([1000, 1002, 1004, 1006]);
  });

  withTcpdump.it('writes files tcpdump reads', async () => {
    const flows = put('flows.txt', 'in_port=1,udp,actions=controller\nin_port=1,actions=output:2\n');
    const frames = Array.from({ length: 6 }, (_, i) => (i < 2 ? udpFrame(A, B, i) : tcp4({ eth: { src: A, dst: B }, l4: { seq: i } })));
    const outDir = join(dir, 'out');
    await replay({ inputs: [{ port: 1, file: trace('in.pcap', recs(frames)) }], ports: [1, 2], flowsFile: flows, outDir });
    const read = (f: string): string[] =>
      execFileSync('tcpdump', ['-nn', '-r', join(outDir, f)], { stdio: ['ignore', 'pipe', 'pipe'] })
        .toString()
        .trim()
        .split('\n');
    const tcp = read('port-2.pcap');
    expect(tcp.length).toBe(4);
    expect(tcp.every((l) => /10\.0\.0\.1\.40000 > 10\.0\.0\.2\.80: Flags \[\.\]/.test(l))).toBe(true);
    const udp = read('controller.pcap');
    expect(udp.length).toBe(2);
    expect(udp[0]).toMatch(/10\.0\.0\.1\.1000 > 10\.0\.0\.2\.53: /);
  });
});

// ---- refusals ----------------------------------------------------------------------

describe('replay: refusals say what was wrong and write nothing', () => {
  const okTrace = (): string => trace('ok.pcap', recs([udpFrame(A, B, 0), udpFrame(B, A, 1)]));

  async function refused(opts: Omit<ReplayOptions, 'outDir'>, message: RegExp, argument?: string): Promise<void> {
    const outDir = join(dir, 'out');
    const before = readdirSync(dir).sort();
    const err = await replay({ ...opts, outDir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, 'the replay was not refused').toBeInstanceOf(NodeswitchError);
    expect((err as Error).message).toMatch(message);
    if (argument) expect((err as NodeswitchError).argument).toBe(argument);
    expect(existsSync(outDir), 'the out dir was made').toBe(false);
    expect(readdirSync(dir).sort(), 'something was left beside the out dir').toEqual(before);
  }

  it('a missing input file', async () => {
    await refused({ inputs: [{ port: 1, file: join(dir, 'nope.pcap') }] }, /^--in .*nope\.pcap: cannot read it: no such file$/, 'in');
  });

  it('unreadable inputs root cannot read either: a directory, a FIFO', async () => {
    const sub = join(dir, 'a-dir.pcap');
    mkdirSync(sub);
    await refused({ inputs: [{ port: 1, file: sub }] }, /^--in .*a-dir\.pcap: cannot read it: it is a directory/, 'in');
    const fifo = join(dir, 'fifo.pcap');
    execFileSync('mkfifo', [fifo]);
    await refused({ inputs: [{ port: 2, file: okTrace() }, { port: 1, file: fifo }] }, /^--in .*fifo\.pcap: cannot read it: not a regular file/, 'in');
  });

  it('a chmod 000 file is still read by root (it is readable to root), so that is not a refusal', async () => {
    // Documents the root case: access(2) grants root read on a 000 file.
    const f = okTrace();
    chmodSync(f, 0o000);
    const s = await replay({ inputs: [{ port: 1, file: f }], ports: [1, 2] });
    expect(s.packetsRead).toBe(2);
  });

  it('not a capture file, and a corrupt one, with the byte offset', async () => {
    await refused({ inputs: [{ port: 1, file: put('text.pcap', 'hello, this is not a capture file at all') }] }, /^--in 1: .*text\.pcap: byte 0: bad magic/, 'in');
    const good = pcapFile(recs([udpFrame(A, B, 0), udpFrame(A, B, 1)]));
    await refused({ inputs: [{ port: 1, file: put('cut.pcap', good.subarray(0, good.length - 10)) }] }, /cut\.pcap: byte \d+: /, 'in');
    await refused({ inputs: [{ port: 1, file: put('empty.pcap', Buffer.alloc(0)) }] }, /empty\.pcap/, 'in');
  });

  it('an unsupported link type (pcap and pcapng)', async () => {
    await refused({ inputs: [{ port: 1, file: trace('wifi.pcap', recs([udpFrame(A, B, 0)]), { linktype: 105 }) }] }, /wifi\.pcap: byte 20: link type 105 .*is not Ethernet/, 'in');
    const ng = Buffer.concat([ngShb('le'), ngIdb('le', { linktype: 113 }), ngEpb('le', { iface: 0, ts: 1n, data: udpFrame(A, B, 0) })]);
    await refused({ inputs: [{ port: 1, file: put('sll.pcapng', ng) }] }, /sll\.pcapng: byte \d+: link type 113 .*is not Ethernet/, 'in');
  });

  it('a port in --in that is not in --ports; bad ports; the same port twice; a bad repeat', async () => {
    const f = okTrace();
    await refused({ inputs: [{ port: 5, file: f }], ports: [1, 2, 3, 4] }, /--in port 5 is not one of --ports 1,2,3,4/, 'in');
    await refused({ inputs: [{ port: 0, file: f }] }, /^--in port must be an integer from 1 to 65279, got 0$/, 'in');
    await refused({ inputs: [{ port: 1, file: f }], ports: [1, 70000] }, /^--ports: a port must be an integer from 1 to 65279, got 70000$/, 'ports');
    await refused({ inputs: [{ port: 1, file: f }, { port: 1, file: f }] }, /--in names port 1 twice/, 'in');
    await refused({ inputs: [{ port: 1, file: f }], repeat: 0 }, /--repeat must be an integer from 1 to \d+, got 0/, 'repeat');
    await refused({ inputs: [] }, /at least one --in/, 'in');
  });

  it('a flows file with an error (syntax, missing file, a rule the tables refuse)', async () => {
    const f = okTrace();
    await refused(
      { inputs: [{ port: 1, file: f }], flowsFile: put('bad.flows', 'in_port=1,actions=output:2\nin_port=2,actions=frobnicate\n') },
      /^--flows .*bad\.flows: line 2: frobnicate: unknown action/,
      'flows',
    );
    await refused({ inputs: [{ port: 1, file: f }], flowsFile: join(dir, 'missing.flows') }, /^--flows .*missing\.flows: cannot read it: no such file/, 'flows');
    await refused({ inputs: [{ port: 1, file: f }], flowsFile: put('table.flows', 'table=300,actions=drop\n') }, /^--flows .*table\.flows: line 1: table=300/, 'flows');
    await refused({ inputs: [{ port: 1, file: f }], flowsFile: put('port.flows', 'actions=output:99999\n') }, /^--flows .*port\.flows: line 1: .*99999/, 'flows');
  });

  it('an --out that is a file; parents made for --out are removed again when the replay is refused', async () => {
    const f = okTrace();
    const file = put('not-a-dir', 'x');
    await expect(replay({ inputs: [{ port: 1, file: f }], outDir: file })).rejects.toThrow(/^--out .*not-a-dir: cannot write there: it is a file, not a directory/);
    expect(readFileSync(file, 'utf8')).toBe('x');
    const deep = join(dir, 'new', 'deeper', 'out');
    const bad = put('bad.pcap', 'not a capture file, not at all');
    await expect(replay({ inputs: [{ port: 1, file: bad }], outDir: deep })).rejects.toThrow(/bad magic/);
    expect(existsSync(join(dir, 'new'))).toBe(false);
    const s = await replay({ inputs: [{ port: 1, file: f }], ports: [1, 2], outDir: deep });
    expect(port(s, 2).file).toBe(join(deep, 'port-2.pcap'));
    expect(readdirSync(deep)).toEqual(['port-2.pcap']);
  });
});
