// `nodeswitch replay` as a user runs it: the compiled CLI (bin/nodeswitch.js →
// dist/, so `npx tsc -p tsconfig.json` first) as a separate process, on traces
// written here into a temp dir. Exit codes, stdout (human and --json), stderr
// messages, and the files in --out: exactly the expected ones, byte for byte, and
// nothing at all (not even the directory) when the replay is refused.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADDON, COMPILED, needs, tool } from '../needs.js';
import { tcp4, udp4 } from '../native/packets.js';
import { ngEpb, ngIdb, ngShb, pcapFile, type PcapFileSpec } from '../lab/pcap-files.js';

const bin = fileURLToPath(new URL('../../bin/nodeswitch.js', import.meta.url));
const withTcpdump = needs(tool('tcpdump', 'tcpdump'));

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const T0 = 1_700_000_000_000_000_000n;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nodeswitch-replay-cli-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(...args: string[]): Run {
  const r = spawnSync(process.execPath, [bin, 'replay', ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Rec {
  data: Buffer;
  tsNs: bigint;
  len?: number;
}

const frame = (src: string, dst: string, n: number): Buffer => udp4({ eth: { src, dst }, l4: { sport: 1000 + n, payload: Buffer.from(`frame ${n}`) } });
const recs = (frames: Buffer[], start = T0): Rec[] => frames.map((data, i) => ({ data, tsNs: start + BigInt(i) * 1_000_007n }));

function put(name: string, content: Buffer | string): string {
  writeFileSync(join(dir, name), content);
  return name; // relative: the CLI runs in `dir`
}

const trace = (name: string, records: Rec[], spec: PcapFileSpec = {}): string => put(name, pcapFile(records, spec));

/** What the replay writes for these records: each frame with the time of the input record that caused it. */
function expectedPcap(records: Rec[]): Buffer {
  return pcapFile(
    records.map((r) => ({ data: r.data, tsNs: r.tsNs })),
    { snaplen: 262144 },
  );
}

interface JsonSummary {
  packetsRead: number;
  truncated: number;
  oversize: number;
  ports: { ofport: number; rxPackets: number; txPackets: number; txBytes: number; txDropped: number; txErrors: number; file?: string }[];
  drops: { tableMiss: number; runt: number; badSource: number; samePort: number; invalidTtl: number; noPort: number };
  undeclaredPorts: number[];
  upcalls: number;
  caches: { exactHits: number; megaflowHits: number; translations: number; megaflows: number; megaflowMasks: number };
  controllerFile?: string;
  wallSeconds: number;
  mpps: number;
}

function json(r: Run): JsonSummary {
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as JsonSummary;
}

needs(COMPILED, ADDON).describe('nodeswitch replay (CLI)', () => {
  it('prints a human summary: packets, a row per port with its file, controller, drops', () => {
    // Port 1: 10 frames A→B, flooded to 2-4 (B unknown), then the broadcast too.
    const frames = [...Array.from({ length: 10 }, (_, i) => frame(A, B, i)), frame(A, 'ff:ff:ff:ff:ff:ff', 10)];
    const input = recs(frames);
    const r = run('--in', `1=${trace('in.pcap', input)}`, '--out', 'out');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^read 11 packets in \d+\.\d{3} s: \d+\.\d\d Mpps$/);
    expect(lines[1]).toMatch(/^ port +rx pkts +tx pkts +tx bytes +file$/);
    const bytes = frames.reduce((n, f) => n + f.length, 0);
    expect(lines[2]).toMatch(/^ +1 +11 +0 +0 +-$/);
    for (const p of [2, 3, 4]) {
      expect(lines[p + 1]).toMatch(new RegExp(`^ +${p} +0 +11 +${bytes} +${join(dir, 'out', `port-${p}.pcap`).replace(/[.]/g, '\\.')}$`));
    }
    expect(lines[6]).toBe('controller: 0 packets');
    expect(lines[7]).toBe('dropped: table miss 0, runt 0, bad source 0, same port 0, TTL expired 0, no such port 0');
    expect(lines.length).toBe(8);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['port-2.pcap', 'port-3.pcap', 'port-4.pcap']);
    const expected = expectedPcap(input);
    for (const p of [2, 3, 4]) expect(readFileSync(join(dir, 'out', `port-${p}.pcap`)).equals(expected)).toBe(true);
  });

  it('--json: a summary that parses, with every field; --flows, several --in, --ports and controller.pcap', () => {
    const flows = put('flows.txt', ['# port 1: UDP to the controller, the rest to 3', 'priority=20,in_port=1,udp,actions=controller', 'priority=10,in_port=1,actions=output:3', 'in_port=2,actions=output:3'].join('\n') + '\n');
    const in1 = recs([frame(A, B, 0), tcp4({ eth: { src: A, dst: B } }), frame(A, B, 2)]);
    const in2 = recs([frame(B, A, 0), frame(B, A, 1)], T0 + 500n);
    const r = run('--in', `1=${trace('a.pcap', in1)}`, '--in', `2=${trace('b.pcap', in2)}`, '--in', `7=${trace('c.pcap', recs([frame(A, B, 9)]))}`, '--ports', '1,2,3,7', '--flows', flows, '--out', 'out', '--json');
    const s = json(r);
    expect(Object.keys(s).sort()).toEqual(['caches', 'controllerFile', 'drops', 'mpps', 'oversize', 'packetsRead', 'ports', 'truncated', 'undeclaredPorts', 'upcalls', 'wallSeconds']);
    // 6 frames; the UDP and TCP ones from port 1 to different rules, port 2's two to one rule.
    expect(s.caches.exactHits + s.caches.megaflowHits + s.caches.translations).toBe(6);
    expect(s.caches.translations).toBeGreaterThanOrEqual(4);
    expect(s.packetsRead).toBe(6);
    expect(s.truncated).toBe(0);
    expect(s.oversize).toBe(0);
    expect(typeof s.wallSeconds).toBe('number');
    expect(typeof s.mpps).toBe('number');
    expect(s.upcalls).toBe(2);
    expect(s.drops).toEqual({ tableMiss: 1, runt: 0, badSource: 0, samePort: 0, invalidTtl: 0, noPort: 0 }); // port 7: no rule
    expect(s.ports.map((p) => [p.ofport, p.rxPackets, p.txPackets, p.txDropped, p.txErrors])).toEqual([
      [1, 3, 0, 0, 0],
      [2, 2, 0, 0, 0],
      [3, 0, 3, 0, 0],
      [7, 1, 0, 0, 0],
    ]);
    expect(s.ports.find((p) => p.ofport === 3)!.file).toBe(join(dir, 'out', 'port-3.pcap'));
    expect(s.controllerFile).toBe(join(dir, 'out', 'controller.pcap'));
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['controller.pcap', 'port-3.pcap']);
    // Bursts: port 1's, then port 2's, then port 7's; every frame with its own record's time.
    const port3 = expectedPcap([in1[1]!, ...in2]);
    expect(readFileSync(join(dir, 'out', 'port-3.pcap')).equals(port3)).toBe(true);
    expect(readFileSync(join(dir, 'out', 'controller.pcap')).equals(expectedPcap([in1[0]!, in1[2]!]))).toBe(true);
  });

  it('--repeat N multiplies the counts; pcapng (ns) and snapped records in the human summary', () => {
    const frames = Array.from({ length: 5 }, (_, i) => frame(A, B, i));
    const snapped = frame(A, B, 99);
    const ng = Buffer.concat([
      ngShb('le'),
      ngIdb('le', { tsresol: 9 }),
      ...frames.map((data, i) => ngEpb('le', { iface: 0, ts: T0 + BigInt(i) * 1_000_007n, data })),
      ngEpb('le', { iface: 0, ts: T0 + 9_000_000n, data: snapped.subarray(0, 20), len: snapped.length }),
    ]);
    const flows = put('flows.txt', 'actions=output:2\n');
    const once = json(run('--in', `1=${put('in.pcapng', ng)}`, '--ports', '1,2', '--flows', flows, '--out', 'once', '--json'));
    const thrice = json(run('--in', '1=in.pcapng', '--ports', '1,2', '--flows', flows, '--out', 'thrice', '--json', '--repeat', '3'));
    expect([once.packetsRead, once.truncated, once.ports[1]!.txPackets, once.ports[1]!.txBytes]).toEqual([6, 1, 5, frames.reduce((n, f) => n + f.length, 0)]);
    expect([thrice.packetsRead, thrice.truncated, thrice.ports[0]!.rxPackets, thrice.ports[1]!.txPackets, thrice.ports[1]!.txBytes]).toEqual([
      18,
      3,
      15,
      15,
      3 * once.ports[1]!.txBytes,
    ]);
    // Each frame with its record's time (µs); every pass replays the same times.
    const pass = recs(frames).map((r) => ({ data: r.data, tsNs: (r.tsNs / 1000n) * 1000n }));
    expect(readFileSync(join(dir, 'once', 'port-2.pcap')).equals(expectedPcap(pass))).toBe(true);
    expect(readFileSync(join(dir, 'thrice', 'port-2.pcap')).equals(expectedPcap([...pass, ...pass, ...pass]))).toBe(true);

    const human = run('--in', '1=in.pcapng', '--ports', '1,2', '--flows', flows, '--repeat', '2');
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/^read 12 packets in /);
    expect(human.stdout).toContain('skipped 2 truncated and 0 oversized records\n');
  });

  withTcpdump.it('writes port and controller files tcpdump reads', () => {
    const flows = put('flows.txt', 'in_port=1,tcp,actions=controller\nin_port=1,actions=output:2\n');
    const frames = [frame(A, B, 0), tcp4({ eth: { src: A, dst: B }, l4: { sport: 4242, dport: 443 } }), frame(A, B, 1)];
    const r = run('--in', `1=${trace('in.pcap', recs(frames), { nanosecond: true })}`, '--ports', '1,2', '--flows', flows, '--out', 'out');
    expect(r.status).toBe(0);
    const read = (f: string): string[] =>
      execFileSync('tcpdump', ['-nn', '-tt', '-r', join(dir, 'out', f)], { stdio: ['ignore', 'pipe', 'pipe'] })
        .toString()
        .trim()
        .split('\n');
    const udp = read('port-2.pcap');
    expect(udp.length).toBe(2);
    // Each with the time of its own input record (0, 1 and 2 ms after T0), as tcpdump reads them.
    expect(udp[0]).toMatch(/^1700000000\.000000 IP 10\.0\.0\.1\.1000 > 10\.0\.0\.2\.53: /);
    expect(udp[1]).toMatch(/^1700000000\.002000 IP 10\.0\.0\.1\.1001 > 10\.0\.0\.2\.53: /);
    const up = read('controller.pcap');
    expect(up.length).toBe(1);
    expect(up[0]).toMatch(/^1700000000\.001000 IP 10\.0\.0\.1\.4242 > 10\.0\.0\.2\.443: Flags \[\.\]/);
  });

  describe('refusals: a clear message, exit 1, nothing on stdout, nothing written to --out', () => {
    function refused(args: string[], message: RegExp): void {
      const before = readdirSync(dir).sort();
      const r = run(...args, '--out', 'out');
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^nodeswitch: /);
      expect(r.stderr).not.toMatch(/internal error|\n +at /);
      expect(r.stderr.trimEnd().split('\n').length).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(join(dir, 'out'))).toBe(false);
      expect(readdirSync(dir).sort()).toEqual(before); // no staging directory left behind
    }
    const ok = (): string => trace('ok.pcap', recs([frame(A, B, 0)]));

    it('a missing input file', () => {
      refused(['--in', '1=nope.pcap'], /^nodeswitch: --in nope\.pcap: cannot read it: no such file$/m);
    });

    it('inputs root cannot read either: a directory, a FIFO (no hang)', () => {
      mkdirSync(join(dir, 'dir.pcap'));
      refused(['--in', '1=dir.pcap'], /dir\.pcap: cannot read it: it is a directory/);
      execFileSync('mkfifo', [join(dir, 'fifo.pcap')]);
      refused(['--in', `1=${ok()}`, '--in', '2=fifo.pcap'], /fifo\.pcap: cannot read it: not a regular file/);
    });

    it('the wrong format, and a corrupt capture, with the byte offset', () => {
      refused(['--in', `1=${put('text.pcap', 'just some text, no capture here')}`], /^nodeswitch: --in 1: text\.pcap: byte 0: bad magic 0x6a757374: not a pcap or pcapng file$/m);
      const good = pcapFile(recs([frame(A, B, 0), frame(A, B, 1)]));
      refused(['--in', `1=${ok()}`, '--in', `3=${put('cut.pcap', good.subarray(0, good.length - 3))}`], /^nodeswitch: --in 3: cut\.pcap: byte \d+: /m);
    });

    it('an unsupported link type', () => {
      refused(['--in', `1=${trace('wifi.pcap', recs([frame(A, B, 0)]), { linktype: 105 })}`], /--in 1: wifi\.pcap: byte 20: link type 105 \(IEEE 802\.11\) is not Ethernet/);
      const ng = Buffer.concat([ngShb('be'), ngIdb('be', { linktype: 113 }), ngEpb('be', { iface: 0, ts: 0n, data: frame(A, B, 0) })]);
      refused(['--in', `2=${put('sll.pcapng', ng)}`], /--in 2: sll\.pcapng: byte \d+: link type 113 .*is not Ethernet/);
    });

    it('a port in --in that is not in --ports', () => {
      refused(['--in', `5=${ok()}`, '--ports', '1,2,3,4'], /^nodeswitch: --in port 5 is not one of --ports 1,2,3,4$/m);
    });

    it('a flows file with an error, or none there', () => {
      refused(['--in', `1=${ok()}`, '--flows', put('bad.flows', 'actions=output:2\nin_port=1,nw_dst=10.0.0.300,actions=drop\n')], /^nodeswitch: --flows bad\.flows: line 2: .*10\.0\.0\.300/m);
      refused(['--in', `1=${ok()}`, '--flows', 'missing.flows'], /^nodeswitch: --flows missing\.flows: cannot read it: no such file$/m);
    });

    it('bad option values: --in, --ports, --repeat, --out that is a file, no --in', () => {
      refused(['--in', `one=${ok()}`], /--in one=ok\.pcap: expected PORT=FILE/);
      refused(['--in', `1=${ok()}`, '--ports', '1,x'], /--ports 1,x: expected port numbers/);
      refused(['--in', `1=${ok()}`, '--repeat', '0'], /repeat must be an integer from 1 to \d+, got "0"/);
      refused(['--in', `1=${ok()}`, '--ports', '1,70000'], /ports must be an integer from 1 to 65279, got "70000"/);
      refused(['--in', `1=${ok()}`, '--in', `1=${ok()}`], /--in names port 1 twice/);
      refused([], /required option '--in <port=file>' not specified/);
      put('afile', 'keep me');
      const r = run('--in', `1=${ok()}`, '--out', 'afile');
      expect([r.status, r.stdout, r.stderr]).toEqual([1, '', 'nodeswitch: --out afile: cannot write there: it is a file, not a directory\n']);
      expect(readFileSync(join(dir, 'afile'), 'utf8')).toBe('keep me');
    });
  });
});
