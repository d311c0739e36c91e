// The pcap/pcapng reader (addon.readPcap, as inject uses it), the pcap writer and
// the pcap port (native/pcap/*, native/port/pcap_port.*; those two through the
// test-only addon, test/helpers/native-testing.ts): files written in TS by
// pcap-files.ts (both byte orders, µs and ns, pcapng with several sections and
// interfaces, every block kind) read back record by record; every refusal names
// its byte offset and reason; what the writer writes reads back here and in tcpdump;
// the port replays files burst by burst, with headroom, repeat and timestamps.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addon } from '../../src/native.js';
import { testing } from '../helpers/native-testing.js';
import { needs, tool } from '../needs.js';
import {
  type ByteOrder,
  layout,
  ngBlock,
  ngCustom,
  ngEpb,
  ngIdb,
  ngIsb,
  ngNrb,
  ngPb,
  ngShb,
  ngSpb,
  pcapFile,
  pcapHeader,
  pcapRecord,
  testFrame,
} from '../lab/pcap-files.js';

const dir = mkdtempSync(join(tmpdir(), 'nodeswitch-pcap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

function put(content: Buffer, ext = 'pcap'): string {
  const path = join(dir, `f${fileNo++}.${ext}`);
  writeFileSync(path, content);
  return path;
}

/** The reader's refusal for `content`, with the file name taken out. */
function refusal(content: Buffer): string {
  const path = put(content);
  try {
    addon.readPcap(path);
  } catch (e) {
    const msg = (e as Error).message;
    expect(msg.startsWith(`${path}: `)).toBe(true);
    return msg.slice(path.length + 2);
  }
  throw new Error('the file was accepted');
}

const T0 = 1_700_000_000_123_456_789n; // a timestamp with ns digits

// ---- classic pcap --------------------------------------------------------------------

describe('pcap reader: classic pcap', () => {
  for (const order of ['le', 'be'] as ByteOrder[]) {
    for (const nanosecond of [false, true]) {
      it(`reads ${order} ${nanosecond ? 'ns' : 'µs'} records`, () => {
        const recs = [0, 1, 2, 3, 4].map((i) => ({
          data: testFrame(60 + i * 333, i),
          tsNs: T0 + BigInt(i) * 1_000_001_001n,
        }));
        const r = addon.readPcap(put(pcapFile(recs, { order, nanosecond })));
        expect(r.format).toBe('pcap');
        expect(r.count).toBe(5);
        expect(r.truncated).toBe(0);
        expect(r.records).toHaveLength(5);
        r.records.forEach((rec, i) => {
          expect(rec.caplen).toBe(recs[i]!.data.length);
          expect(rec.len).toBe(recs[i]!.data.length);
          expect(rec.interface).toBe(0);
          expect(rec.data.equals(recs[i]!.data)).toBe(true);
          const want = nanosecond ? recs[i]!.tsNs : (recs[i]!.tsNs / 1000n) * 1000n;
          expect(rec.tsNs).toBe(want);
        });
      });
    }
  }

  it('reports snapped records (caplen < len) without refusing them', () => {
    const recs = [
      { data: testFrame(64, 1), tsNs: T0 },
      { data: testFrame(96, 2), len: 1514, tsNs: T0 + 1000n },
      { data: testFrame(64, 3), tsNs: T0 + 2000n },
    ];
    const r = addon.readPcap(put(pcapFile(recs, { snaplen: 96 })));
    expect(r.count).toBe(3);
    expect(r.truncated).toBe(1);
    expect(r.records[1]).toMatchObject({ caplen: 96, len: 1514 });
  });

  it('reads a file with no records, and snaplen 0 as no limit', () => {
    expect(addon.readPcap(put(pcapHeader())).count).toBe(0);
    const big = testFrame(100_000, 0);
    const r = addon.readPcap(put(pcapFile([{ data: big, tsNs: T0 }], { snaplen: 0 })));
    expect(r.records[0]!.data.equals(big)).toBe(true);
  });

  it('refuses, with offset and reason', () => {
    const rec = (n: number, len?: number) => pcapRecord({ data: testFrame(n, n), len, tsNs: T0 });
    const hdr = pcapHeader();
    const two = Buffer.concat([hdr, rec(60), rec(70)]); // records at 24 and 100
    expect(refusal(Buffer.alloc(0))).toBe('byte 0: file is 0 bytes, too short for a capture file header');
    expect(refusal(hdr.subarray(0, 10))).toBe('byte 0: file header truncated: 24 bytes needed, 10 present');
    expect(refusal(Buffer.from('GET / HTTP/1.1\r\n\r\n0123456789'))).toBe(
      'byte 0: bad magic 0x47455420: not a pcap or pcapng file',
    );
    expect(refusal(pcapHeader({ versionMajor: 3 }))).toBe('byte 4: pcap version 3.4 is not supported');
    expect(refusal(pcapHeader({ linktype: 105 }))).toBe('byte 20: link type 105 (IEEE 802.11) is not Ethernet');
    expect(refusal(pcapHeader({ linktype: 113, order: 'be' }))).toBe('byte 20: link type 113 (Linux cooked) is not Ethernet');
    expect(refusal(pcapHeader({ linktype: 0x1000_0001 }))).toBe(
      'byte 20: link type 0x10000001: Ethernet with an FCS or flags is not supported',
    );
    expect(refusal(two.subarray(0, 100 + 7))).toBe('byte 100: record header truncated: 16 bytes needed, 7 present');
    expect(refusal(two.subarray(0, two.length - 1))).toBe('byte 100: record data truncated: 70 bytes needed, 69 present');
    expect(refusal(Buffer.concat([pcapHeader({ snaplen: 65535 }), rec(60), rec(70000)]))).toBe(
      'byte 100: record length 70000 exceeds snaplen 65535',
    );
    expect(refusal(Buffer.concat([hdr, rec(60, 59)]))).toBe('byte 24: captured length 60 exceeds original length 59');
    // Big-endian files give the same answers.
    const be = Buffer.concat([
      pcapHeader({ order: 'be', nanosecond: true, snaplen: 100 }),
      pcapRecord({ data: testFrame(101, 0), tsNs: T0 }, { order: 'be', nanosecond: true }),
    ]);
    expect(refusal(be)).toBe('byte 24: record length 101 exceeds snaplen 100');
  });

  it('refuses what is not a file', () => {
    expect(() => addon.readPcap(join(dir, 'nonexistent.pcap'))).toThrow(/nonexistent\.pcap: No such file or directory/);
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    expect(() => addon.readPcap(sub)).toThrow(/a-directory: not a regular file/);
  });
});

// ---- pcapng --------------------------------------------------------------------------

describe('pcap reader: pcapng', () => {
  it('reads several sections, interfaces, resolutions and packet blocks, skipping the rest', () => {
    const f = (i: number) => testFrame(60 + i * 7, i * 11);
    const { file } = layout([
      // Section 0, little-endian: interface 0 µs (default), interface 1 ns.
      ngShb('le'),
      ngIdb('le', { snaplen: 0 }),
      ngNrb('le'),
      ngIdb('le', { tsresol: 9, snaplen: 65535, extraOptions: [{ code: 2, value: Buffer.from('eth1') }] }),
      ngEpb('le', { iface: 0, ts: 1_700_000_000_123_456n, data: f(0) }),
      ngEpb('le', {
        iface: 1,
        ts: T0,
        data: f(1),
        options: [{ code: 1, value: Buffer.from('a comment') }],
      }),
      ngCustom('le'),
      ngSpb('le', f(2)),
      ngIsb('le', 0),
      ngPb('le', { iface: 1, ts: T0 + 5n, data: f(3), len: 1000 }),
      // Section 1, big-endian: interface 2 (global) at 2^-10 s with a 100 s offset,
      // interface 3 at 10^-3 s, and an SPB that the IDB's snaplen cuts.
      ngShb('be'),
      ngIdb('be', { tsresol: 0x80 | 10, tsoffset: 100n, snaplen: 64 }),
      ngIdb('be', { tsresol: 3 }),
      ngEpb('be', { iface: 1, ts: 1_700_000_000_123n, data: f(4) }),
      ngEpb('be', { iface: 0, ts: 3n * 1024n + 512n, data: f(5).subarray(0, 64), len: f(5).length }),
      ngSpb('be', f(6).subarray(0, 64), 1500),
      // Section 2, little-endian again, a 10^-12 s interface.
      ngShb('le'),
      ngIdb('le', { tsresol: 12 }),
      ngEpb('le', { iface: 0, ts: 123_456_789_123_456n, data: f(7) }),
    ]);
    const r = addon.readPcap(put(file, 'pcapng'));
    expect(r.format).toBe('pcapng');
    expect(r.interfaces).toBe(5);
    expect(r.count).toBe(8);
    expect(r.truncated).toBe(3);
    const want = [
      { interface: 0, tsNs: 1_700_000_000_123_456_000n, data: f(0), len: f(0).length },
      { interface: 1, tsNs: T0, data: f(1), len: f(1).length },
      { interface: 0, tsNs: 0n, data: f(2), len: f(2).length }, // SPB: no timestamp
      { interface: 1, tsNs: T0 + 5n, data: f(3), len: 1000 },
      { interface: 3, tsNs: 1_700_000_000_123_000_000n, data: f(4), len: f(4).length },
      { interface: 2, tsNs: 103_500_000_000n, data: f(5).subarray(0, 64), len: f(5).length },
      { interface: 2, tsNs: 0n, data: f(6).subarray(0, 64), len: 1500 },
      { interface: 4, tsNs: 123_456_789_123n, data: f(7), len: f(7).length },
    ];
    expect(r.records).toHaveLength(want.length);
    r.records.forEach((rec, i) => {
      const w = want[i]!;
      expect({ i, interface: rec.interface, tsNs: rec.tsNs, len: rec.len, caplen: rec.caplen }).toEqual({
        i,
        interface: w.interface,
        tsNs: w.tsNs,
        len: w.len,
        caplen: w.data.length,
      });
      expect(rec.data.equals(w.data)).toBe(true);
    });
  });

  it('reads a section with no packets, and a file that is only a section header', () => {
    expect(addon.readPcap(put(ngShb('be'))).count).toBe(0);
    const { file } = layout([ngShb('le'), ngShb('be'), ngIdb('be'), ngEpb('be', { iface: 0, ts: 1n, data: testFrame(60, 1) })]);
    const r = addon.readPcap(put(file));
    expect(r.records.map((x) => [x.interface, x.tsNs])).toEqual([[0, 1000n]]);
  });

  it('refuses, with offset and reason', () => {
    const le = 'le' as const;
    const epb = (iface: number, n = 60) => ngEpb(le, { iface, ts: 1n, data: testFrame(n, 0) });
    const at = (blocks: Buffer[], i: number) => layout(blocks).offsets[i]!;
    const file = (blocks: Buffer[]) => layout(blocks).file;

    // Block framing.
    let blocks = [ngShb(le), ngIdb(le), epb(0)];
    expect(refusal(Buffer.concat([file(blocks), Buffer.alloc(6)]))).toBe(
      `byte ${file(blocks).length}: block header truncated: 12 bytes needed, 6 present`,
    );
    expect(refusal(file(blocks).subarray(0, file(blocks).length - 8))).toBe(
      `byte ${at(blocks, 2)}: block length ${epb(0).length} runs past the end of the file (${epb(0).length - 8} bytes left)`,
    );
    const mismatch = ngBlock(le, 6, epb(0).subarray(8, epb(0).length - 4), { trailer: 76 });
    blocks = [ngShb(le), ngIdb(le), mismatch];
    expect(refusal(file(blocks))).toBe(`byte ${at(blocks, 2)}: block length ${mismatch.length} at the start does not match 76 at the end`);
    const odd = Buffer.from(ngNrb(le));
    odd.writeUInt32LE(odd.length - 2, 4);
    blocks = [ngShb(le), odd];
    expect(refusal(file(blocks))).toBe(`byte 28: block length ${odd.length - 2} is not a multiple of 4`);
    const short = Buffer.from(epb(0));
    short.writeUInt32LE(24, 4);
    blocks = [ngShb(le), ngIdb(le), short];
    expect(refusal(file(blocks))).toBe(`byte ${at(blocks, 2)}: block length 24 is too short for block type 0x6 (32 bytes minimum)`);

    // Section header.
    expect(refusal(ngShb(le).subarray(0, 20))).toBe('byte 0: section header block truncated: 28 bytes needed, 20 present');
    const bom = Buffer.from(ngShb(le));
    bom.writeUInt32LE(0x12345678, 8);
    expect(refusal(bom)).toBe('byte 8: bad byte-order magic 0x78563412 in section header block');
    expect(refusal(ngShb('be', { versionMajor: 2 }))).toBe('byte 0: pcapng version 2.0 is not supported');

    // Interfaces.
    blocks = [ngShb(le), ngIdb(le), ngIdb(le, { linktype: 105 }), epb(0)];
    expect(refusal(file(blocks))).toBe(`byte ${at(blocks, 2)}: link type 105 (IEEE 802.11) is not Ethernet`);
    blocks = [ngShb('be'), ngIdb('be', { linktype: 276 })];
    expect(refusal(file(blocks))).toBe('byte 28: link type 276 (Linux cooked v2) is not Ethernet');
    blocks = [ngShb(le), ngIdb(le, { tsresol: 0x80 | 64 })];
    expect(refusal(file(blocks))).toBe('byte 44: if_tsresol 0xc0 is not supported');
    blocks = [ngShb(le), ngIdb(le, { extraOptions: [{ code: 13, value: Buffer.from([4]) }] })];
    expect(refusal(file(blocks))).toBe('byte 44: if_fcslen 4: frames with an FCS are not supported');
    const badOpt = Buffer.from(ngIdb(le, { extraOptions: [{ code: 2, value: Buffer.from('eth0') }] }));
    badOpt.writeUInt16LE(200, 18); // option length
    blocks = [ngShb(le), badOpt];
    expect(refusal(file(blocks))).toBe('byte 44: option 2 of length 200 runs past the end of the block');

    // Packets.
    blocks = [ngShb(le), ngIdb(le), ngIdb(le), epb(2)];
    expect(refusal(file(blocks))).toBe(`byte ${at(blocks, 3)}: packet on interface 2, but its section defines 2 interfaces`);
    // Interfaces are per section: section 1 has none of section 0's.
    blocks = [ngShb(le), ngIdb(le), epb(0), ngShb(le), epb(0)];
    expect(refusal(file(blocks))).toBe(`byte ${at(blocks, 4)}: packet on interface 0, but its section defines 0 interfaces`);
    blocks = [ngShb(le), ngIdb(le, { snaplen: 100 }), epb(0, 101)];
    expect(refusal(file(blocks))).toBe(`byte ${at(blocks, 2)}: record length 101 exceeds snaplen 100`);
    blocks = [ngShb(le), ngIdb(le), ngEpb(le, { iface: 0, ts: 1n, data: testFrame(60, 0), len: 50 })];
    expect(refusal(file(blocks))).toBe(`byte ${at(blocks, 2)}: captured length 60 exceeds original length 50`);
    blocks = [ngShb(le), ngIdb(le), ngEpb(le, { iface: 0, ts: 1n, data: testFrame(60, 0), caplen: 61, len: 100 })];
    expect(refusal(file(blocks))).toBe(`byte ${at(blocks, 2)}: captured length 61 runs past the end of the block (60 bytes of data)`);
    blocks = [ngShb(le), ngSpb(le, testFrame(60, 0))];
    expect(refusal(file(blocks))).toBe('byte 28: simple packet block before any interface description block');
    blocks = [ngShb(le), ngIdb(le), ngSpb(le, testFrame(60, 0), 61)];
    expect(refusal(file(blocks))).toBe(`byte ${at(blocks, 2)}: simple packet of 61 bytes runs past the end of the block (60 bytes of data)`);
  });
});

// ---- writer --------------------------------------------------------------------------

const withTcpdump = needs(tool('tcpdump', 'tcpdump'));

describe('pcap writer', () => {
  const recs = [0, 1, 2, 3].map((i) => ({ data: testFrame(60 + 500 * i, i), tsNs: T0 + BigInt(i) * 1_234_567n }));

  for (const nanosecond of [false, true]) {
    it(`writes ${nanosecond ? 'ns' : 'µs'} files that read back`, () => {
      const path = join(dir, `w-${nanosecond ? 'ns' : 'us'}.pcap`);
      expect(testing.pcapWrite(path, recs, { nanosecond })).toBe(4);
      const raw = readFileSync(path);
      expect(raw.readUInt32LE(0)).toBe(nanosecond ? 0xa1b23c4d : 0xa1b2c3d4);
      expect(raw.readUInt32LE(16)).toBe(262144);
      expect(raw.readUInt32LE(20)).toBe(1);
      const r = addon.readPcap(path);
      expect(r.records.map((x) => x.tsNs)).toEqual(recs.map((x) => (nanosecond ? x.tsNs : (x.tsNs / 1000n) * 1000n)));
      r.records.forEach((x, i) => expect(x.data.equals(recs[i]!.data)).toBe(true));
    });
  }

  it('snaps frames longer than its snaplen, keeping their length', () => {
    const path = join(dir, 'w-snap.pcap');
    testing.pcapWrite(path, recs, { snaplen: 128 });
    const r = addon.readPcap(path);
    expect(r.records.map((x) => [x.caplen, x.len])).toEqual([
      [60, 60],
      [128, 560],
      [128, 1060],
      [128, 1560],
    ]);
    expect(r.truncated).toBe(3);
  });

  it('writes many records across buffer flushes', () => {
    const path = join(dir, 'w-many.pcap');
    const many = Array.from({ length: 3000 }, (_, i) => ({ data: testFrame(1514, i), tsNs: BigInt(i) * 1000n }));
    testing.pcapWrite(path, many);
    const r = addon.readPcap(path);
    expect(r.count).toBe(3000);
    expect(r.records[2999]!.data.equals(many[2999]!.data)).toBe(true);
  });

  it('refuses a path it cannot create', () => {
    expect(() => testing.pcapWrite(join(dir, 'no', 'such', 'dir.pcap'), [])).toThrow(/dir\.pcap: No such file or directory/);
  });

  withTcpdump.it('writes files tcpdump reads (µs and ns)', () => {
    for (const nanosecond of [false, true]) {
      const path = join(dir, `w-tcpdump-${nanosecond}.pcap`);
      testing.pcapWrite(path, recs, { nanosecond });
      const args = ['-r', path, '-nn', '-e', '-tt', '-c', '4'];
      if (nanosecond) args.push('--time-stamp-precision=nano');
      const out = execFileSync('tcpdump', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
      // Unknown ethertypes come with a hex dump, on lines that start with a tab.
      const lines = out.split('\n').filter((l) => /^\d/.test(l));
      expect(lines).toHaveLength(4);
      lines.forEach((line, i) => {
        const ts = recs[i]!.tsNs;
        const sec = ts / 1_000_000_000n;
        const frac = nanosecond ? (ts % 1_000_000_000n).toString().padStart(9, '0') : ((ts % 1_000_000_000n) / 1000n).toString().padStart(6, '0');
        expect(line.startsWith(`${sec}.${frac} 02:00:00:00:00:01 > 02:00:00:00:00:02`)).toBe(true);
        expect(line).toContain(`length ${recs[i]!.data.length}`);
      });
    }
  });
});

// ---- port ----------------------------------------------------------------------------

describe('pcap port', () => {
  it('replays a file burst by burst, skipping snapped and oversize records', () => {
    const recs: { data: Buffer; len?: number; tsNs: bigint }[] = [];
    for (let i = 0; i < 100; i++) {
      const size = i % 10 === 3 ? 9000 : (i >= 5 && i < 10) || (i >= 40 && i < 44) ? 30_000 : i === 50 ? 65_000 : 60 + i;
      recs.push({ data: testFrame(size, i), tsNs: T0 + BigInt(i) * 1000n });
    }
    recs.push({ data: testFrame(100, 1), len: 1500, tsNs: T0 }); // snapped
    recs.push({ data: testFrame(70_000, 2), tsNs: T0 }); // larger than the datapath takes
    recs.push({ data: testFrame(64, 3), tsNs: T0 + 200_000n });
    const input = put(pcapFile(recs, { snaplen: 262144, nanosecond: true }));
    const out = join(dir, 'replay-out.pcap');
    const r = testing.pcapReplay({ in: input, out });
    expect(r).toMatchObject({ rxPackets: 101, rxDropped: 1, rxErrors: 1, txPackets: 101, truncated: 1, oversize: 1, eof: true });
    const kept = recs.filter((_, i) => i !== 100 && i !== 101);
    // The port's arena: 32 slots of 64 + 2048 bytes plus one 64 + kMaxFrame; a frame
    // takes 64 bytes of headroom + its length rounded up to 64, and one that does not
    // fit ends the burst.
    const arena = 32 * (64 + 2048) + 64 + 65600;
    let bursts = 0;
    let n = 32;
    let used = 0;
    for (const k of kept) {
      const need = 64 + Math.ceil(k.data.length / 64) * 64;
      if (n === 32 || used + need > arena) {
        bursts++;
        n = 0;
        used = 0;
      }
      n++;
      used += need;
    }
    expect(bursts).toBeGreaterThan(Math.ceil(101 / 32)); // big frames end bursts early
    expect(r.bursts).toBe(bursts);
    const back = addon.readPcap(out).records;
    expect(back).toHaveLength(kept.length);
    back.forEach((x, i) => expect(x.data.equals(kept[i]!.data)).toBe(true));
    // Each output frame carries its own input record's time (µs in the output).
    expect(back.map((x) => x.tsNs)).toEqual(kept.map((k) => (k.tsNs / 1000n) * 1000n));
  });

  it("stamps each output frame with its own input record's time, not its burst's last", () => {
    const recs = Array.from({ length: 70 }, (_, i) => ({ data: testFrame(60, i), tsNs: T0 + BigInt(i) * 1_000_000n }));
    const out = join(dir, 'replay-ts.pcap');
    const r = testing.pcapReplay({ in: put(pcapFile(recs, { nanosecond: true })), out });
    expect(r.bursts).toBe(3);
    const back = addon.readPcap(out).records;
    expect(back.map((x) => x.tsNs)).toEqual(recs.map((x) => (x.tsNs / 1000n) * 1000n));
  });

  it('gives frames writable headroom (push VLAN) without touching the file', () => {
    const recs = Array.from({ length: 40 }, (_, i) => ({ data: testFrame(i === 7 ? 5000 : 60 + i, i), tsNs: T0 }));
    const content = pcapFile(recs);
    const input = put(content);
    const out = join(dir, 'replay-vlan.pcap');
    testing.pcapReplay({ in: input, out, pushVlan: true });
    const back = addon.readPcap(out).records;
    expect(back).toHaveLength(40);
    back.forEach((x, i) => {
      const f = recs[i]!.data;
      const tagged = Buffer.concat([f.subarray(0, 12), Buffer.from([0x81, 0, 0, 42]), f.subarray(12)]);
      expect(x.data.equals(tagged)).toBe(true);
    });
    expect(readFileSync(input).equals(content)).toBe(true);
  });

  it('repeats the file, and reports EOF', () => {
    const recs = Array.from({ length: 45 }, (_, i) => ({ data: testFrame(60, i), tsNs: T0 + BigInt(i) * 1000n }));
    const out = join(dir, 'replay-repeat.pcap');
    const r = testing.pcapReplay({ in: put(pcapFile(recs)), out, repeat: 3 });
    expect(r).toMatchObject({ rxPackets: 135, txPackets: 135, eof: true });
    const back = addon.readPcap(out).records;
    back.forEach((x, i) => expect(x.data.equals(recs[i % 45]!.data)).toBe(true));
    expect(testing.pcapReplay({ in: put(pcapHeader()), out, repeat: 5 })).toMatchObject({ rxPackets: 0, bursts: 0, eof: true });
  });

  it('replays pcapng input', () => {
    const { file } = layout([
      ngShb('be'),
      ngIdb('be', { tsresol: 9 }),
      ...Array.from({ length: 10 }, (_, i) => ngEpb('be', { iface: 0, ts: T0 + BigInt(i), data: testFrame(80, i) })),
    ]);
    const out = join(dir, 'replay-ng.pcap');
    expect(testing.pcapReplay({ in: put(file, 'pcapng'), out })).toMatchObject({ rxPackets: 10, txPackets: 10 });
    expect(addon.readPcap(out).records.map((x) => x.data.readUInt8(14))).toEqual(Array.from({ length: 10 }, (_, i) => (i + 14) & 0xff));
  });

  it('an input-only port counts what it is sent without recording it; a bad input is refused when the port is made', () => {
    const recs = [{ data: testFrame(60, 0), tsNs: T0 }];
    expect(testing.pcapReplay({ in: put(pcapFile(recs)) })).toMatchObject({ rxPackets: 1, txPackets: 1, txDropped: 0 });
    const bad = put(pcapHeader({ linktype: 105 }));
    expect(() => testing.pcapReplay({ in: bad })).toThrow(`${bad}: byte 20: link type 105 (IEEE 802.11) is not Ethernet`);
  });
});
