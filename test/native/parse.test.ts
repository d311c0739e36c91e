
// The frame parser (native/parse/flow_key.cc) through addon.parseFrame: golden
// frames built by hand below, every field checked; truncation at every length;
// seeded random garbage and mutations of valid frames.
import { describe, expect, it } from 'vitest';
import { addon } from '../../src/native.js';
import { prng } from '../lab/prng.js';
import { ipv4Bytes, ipv6Bytes, macBytes } from './packets.js';

type Key = Record<string, number | string | boolean>;

function parse(frame: Buffer): Key {
  const key = addon.parseFrame(frame);
  if (key === null) throw new Error('parseFrame returned null');
  return key;
}

// ---- frame builders -------------------------------------------------------------
// Golden frames are written header by header here, not by the frame builder
// (src/packet/frame-builder.ts): they need what no valid frame has — a wrong
// version, IHL or length, IPv4 options, IPv6 extension chains, a short TCP offset.

const DST = '02:00:00:00:00:02';
const SRC = '02:00:00:00:00:01';

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

interface Tag {
  tpid: number;
  tci: number;
}

function eth(type: number, payload: Buffer, opts: { tags?: Tag[]; dst?: string; src?: string } = {}): Buffer {
  const tags = (opts.tags ?? []).map((t) => Buffer.concat([u16(t.tpid), u16(t.tci)]));
  return Buffer.concat([macBytes(opts.dst ?? DST), macBytes(opts.src ?? SRC), ...tags, u16(type), payload]);
}

interface Ipv4Opts {
  src?: string;
  dst?: string;
  proto: number;
  tos?: number;
  ttl?: number;
  flagsFrag?: number; // the 16-bit flags | fragment offset word
  options?: Buffer; // multiple of 4 bytes
  totLen?: number; // override
  ihl?: number; // override, in 32-bit words
  version?: number;
}

function ipv4(o: Ipv4Opts, payload: Buffer): Buffer {
  const options = o.options ?? Buffer.alloc(0);
  const hlen = 20 + options.length;
  const h = Buffer.alloc(20);
  h[0] = ((o.version ?? 4) << 4) | (o.ihl ?? hlen / 4);
  h[1] = o.tos ?? 0;
  h.writeUInt16BE(o.totLen ?? hlen + payload.length, 2);
  h.writeUInt16BE(0x1234, 4);
  h.writeUInt16BE(o.flagsFrag ?? 0x4000, 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto;
  ipv4Bytes(o.src ?? '10.0.0.1').copy(h, 12);
  ipv4Bytes(o.dst ?? '10.0.0.2').copy(h, 16);
  return Buffer.concat([h, options, payload]);
}

interface Ipv6Opts {
  src?: string;
  dst?: string;
  next: number;
  tc?: number;
  label?: number;
  hlim?: number;
  payloadLen?: number; // override
}

function ipv6(o: Ipv6Opts, payload: Buffer): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(((6 << 28) | ((o.tc ?? 0) << 20) | (o.label ?? 0)) >>> 0, 0);
  h.writeUInt16BE(o.payloadLen ?? payload.length, 4);
  h[6] = o.next;
  h[7] = o.hlim ?? 64;
  ipv6Bytes(o.src ?? '2001:db8::1').copy(h, 8);
  ipv6Bytes(o.dst ?? '2001:db8::2').copy(h, 24);
  return Buffer.concat([h, payload]);
}

/** Hop-by-hop (0), routing (43) or destination options (60): (units + 1) * 8 bytes. */
function extHdr(next: number, units = 0): Buffer {
  const b = Buffer.alloc((units + 1) * 8);
  b[0] = next;
  b[1] = units;
  if (units === 0) b.set([1, 4, 0, 0, 0, 0], 2); // a PadN option filling the header
  return b;
}

/** Authentication header: (len + 2) * 4 bytes. */
function ah(next: number, len = 4): Buffer {
  const b = Buffer.alloc((len + 2) * 4);
  b[0] = next;
  b[1] = len;
  b.writeUInt32BE(0x100, 4); // SPI
  return b;
}

function frag6(next: number, offset8: number, more: boolean): Buffer {
  const b = Buffer.alloc(8);
  b[0] = next;
  b.writeUInt16BE((offset8 << 3) | (more ? 1 : 0), 2);
  b.writeUInt32BE(0xabcd, 4);
  return b;
}

function tcp(sport: number, dport: number, flags: number, opts: { doff?: number; options?: Buffer } = {}): Buffer {
  const options = opts.options ?? Buffer.alloc(0);
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(1000, 4);
  h.writeUInt16BE((((opts.doff ?? (20 + options.length) / 4) << 12) | flags) & 0xffff, 12);
  h.writeUInt16BE(65535, 14);
  return Buffer.concat([h, options]);
}

function udp(sport: number, dport: number, data = Buffer.alloc(4)): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + data.length, 4);
  return Buffer.concat([h, data]);
}

function sctp(sport: number, dport: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  return h;
}

function icmp(type: number, code: number, body = Buffer.alloc(4)): Buffer {
  return Buffer.concat([Buffer.from([type, code, 0, 0]), body]);
}

function ndOpt(type: number, macText: string): Buffer {
  return Buffer.concat([Buffer.from([type, 1]), macBytes(macText)]);
}

function nd(type: 135 | 136, target: string, options: Buffer[] = []): Buffer {
  const flags = Buffer.alloc(4);
  if (type === 136) flags[0] = 0x60; // solicited, override
  return Buffer.concat([icmp(type, 0, flags), ipv6Bytes(target), ...options]);
}

function arp(op: number, sha: string, spa: string, tha: string, tpa: string, hdr = { htype: 1, ptype: 0x0800 }): Buffer {
  return Buffer.concat([
    u16(hdr.htype),
    u16(hdr.ptype),
    Buffer.from([6, 4]),
    u16(op),
    macBytes(sha),
    ipv4Bytes(spa),
    macBytes(tha),
    ipv4Bytes(tpa),
  ]);
}

const L2 = {
  status: 'ok',
  dl_src: SRC,
  dl_dst: DST,
  vlan_tci: 0,
  vlan_tpid: 0,
  inner_vlan_tci: 0,
  inner_vlan_tpid: 0,
  l2_len: 14,
};

function ipFields(o: { proto: number; tos?: number; ttl?: number; frag?: number }): Key {
  const tos = o.tos ?? 0;
  const frag = o.frag ?? 0;
  return {
    nw_proto: o.proto,
    nw_tos: tos & 0xfc,
    nw_ecn: tos & 3,
    ip_dscp: tos >> 2,
    nw_ttl: o.ttl ?? 64,
    nw_frag: frag,
    ip_frag: frag === 0 ? 'no' : frag === 1 ? 'first' : 'later',
  };
}

// ---- golden frames --------------------------------------------------------------

describe('Ethernet, VLAN, 802.3', () => {
  it('untagged frame of an unknown ethertype has only L2 fields', () => {
    expect(parse(eth(0x88cc, Buffer.alloc(46)))).toEqual({ ...L2, dl_type: 0x88cc });
  });

  it('runt: shorter than an Ethernet header', () => {
    for (let len = 0; len < 14; len++) expect(parse(Buffer.alloc(len, 0xff))).toEqual({ status: 'runt' });
    expect(parse(Buffer.alloc(14)).status).toBe('ok');
  });

  it('802.1Q tag: PCP, VID and the tag-present bit', () => {
    const f = eth(0x88cc, Buffer.alloc(42), { tags: [{ tpid: 0x8100, tci: (5 << 13) | 100 }] });
    expect(parse(f)).toEqual({
      ...L2,
      dl_type: 0x88cc,
      vlan_tci: 0xa000 | 0x1000 | 100,
      vlan_tpid: 0x8100,
      dl_vlan: 100,
      dl_vlan_pcp: 5,
      l2_len: 18,
    });
  });

  it('priority tag (VID 0) is still a tag; DEI bit is folded into tag-present', () => {
    const f = eth(0x88cc, Buffer.alloc(42), { tags: [{ tpid: 0x8100, tci: (3 << 13) | 0x1000 }] });
    const k = parse(f);
    expect(k.vlan_tci).toBe(0x6000 | 0x1000);
    expect(k.dl_vlan).toBe(0);
    expect(k.dl_vlan_pcp).toBe(3);
  });

  it('QinQ: 802.1ad outer, 802.1Q inner, then IPv4/ICMP', () => {
    const payload = ipv4({ proto: 1 }, icmp(8, 0));
    const f = eth(0x0800, payload, {
      tags: [
        { tpid: 0x88a8, tci: 200 },
        { tpid: 0x8100, tci: (7 << 13) | 4094 },
      ],
    });
    expect(parse(f)).toEqual({
      ...L2,
      dl_type: 0x0800,
      vlan_tci: 0x1000 | 200,
      vlan_tpid: 0x88a8,
      inner_vlan_tci: 0xe000 | 0x1000 | 4094,
      inner_vlan_tpid: 0x8100,
      dl_vlan: 200,
      dl_vlan_pcp: 0,
      l2_len: 22,
      l3_ofs: 22,
      l4_ofs: 42,
      nw_src: '10.0.0.1',
      nw_dst: '10.0.0.2',
      ...ipFields({ proto: 1 }),
      icmp_type: 8,
      icmp_code: 0,
    });
  });

  it('0x9100 is accepted as the outer tag only', () => {
    const f = eth(0x0800, ipv4({ proto: 17 }, udp(1, 2)), {
      tags: [
        { tpid: 0x9100, tci: 10 },
        { tpid: 0x8100, tci: 20 },
      ],
    });
    const k = parse(f);
    expect([k.vlan_tpid, k.vlan_tci, k.inner_vlan_tpid, k.inner_vlan_tci]).toEqual([0x9100, 0x100a, 0x8100, 0x1014]);
    expect([k.dl_type, k.l2_len, k.tp_dst]).toEqual([0x0800, 22, 2]);

    const inner9100 = parse(eth(0x0800, Buffer.alloc(40), { tags: [{ tpid: 0x8100, tci: 10 }, { tpid: 0x9100, tci: 20 }] }));
    expect([inner9100.dl_type, inner9100.l2_len, inner9100.inner_vlan_tci]).toEqual([0x9100, 18, 0]);
  });

  it('a third tag is left unparsed: dl_type 0x8100, no L3', () => {
    const tags = [
      { tpid: 0x88a8, tci: 1 },
      { tpid: 0x8100, tci: 2 },
      { tpid: 0x8100, tci: 3 },
    ];
    const k = parse(eth(0x0800, ipv4({ proto: 17 }, udp(1, 2)), { tags }));
    expect(k.status).toBe('ok');
    expect(k.dl_type).toBe(0x8100);
    expect(k.l2_len).toBe(22);
    expect(k.l3_ofs).toBeUndefined();
    expect(k.nw_src).toBeUndefined();
  });

  it('truncated VLAN tags are runts', () => {
    const one = eth(0x0800, Buffer.alloc(0), { tags: [{ tpid: 0x8100, tci: 1 }] }); // 18 bytes
    for (let len = 14; len < 18; len++) expect(parse(one.subarray(0, len)).status).toBe('runt');
    const two = eth(0x0800, Buffer.alloc(0), { tags: [{ tpid: 0x88a8, tci: 1 }, { tpid: 0x8100, tci: 2 }] });
    for (let len = 18; len < 22; len++) expect(parse(two.subarray(0, len)).status).toBe('runt');
    // Tags complete, no L3 bytes at all: an IPv4 frame with nothing in it.
    expect(parse(two)).toMatchObject({ status: 'badL3', l2_len: 22, dl_type: 0x0800 });
  });

  it('802.3 / LLC frame (an STP BPDU) has dl_type 0x05ff', () => {
    const bpdu = Buffer.concat([Buffer.from([0x42, 0x42, 0x03]), Buffer.alloc(35)]);
    const f = eth(bpdu.length, bpdu, { dst: '01:80:c2:00:00:00' });
    expect(parse(f)).toEqual({ ...L2, dl_dst: '01:80:c2:00:00:00', dl_type: 0x05ff });
  });

  it('802.3 with a tiny or empty LLC part is still 0x05ff', () => {
    expect(parse(eth(0, Buffer.alloc(0)))).toEqual({ ...L2, dl_type: 0x05ff });
    expect(parse(eth(3, Buffer.from([0xaa, 0xaa, 0x03])))).toEqual({ ...L2, dl_type: 0x05ff });
  });

  it('802.3 behind a VLAN tag', () => {
    const k = parse(eth(38, Buffer.alloc(38), { tags: [{ tpid: 0x8100, tci: 7 }] }));
    expect([k.dl_type, k.l2_len, k.dl_vlan]).toEqual([0x05ff, 18, 7]);
  });

  it('SNAP with OUI 0 is decoded to its ethertype (RFC 1042), other OUIs are not', () => {
    const ip = ipv4({ proto: 17 }, udp(53, 53));
    const snap = Buffer.concat([Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0]), u16(0x0800), ip]);
    expect(parse(eth(snap.length, snap))).toMatchObject({
      status: 'ok',
      dl_type: 0x0800,
      l2_len: 22,
      l3_ofs: 22,
      l4_ofs: 42,
      nw_src: '10.0.0.1',
      tp_src: 53,
    });
    const cdp = Buffer.concat([Buffer.from([0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c]), u16(0x2000), Buffer.alloc(30)]);
    expect(parse(eth(cdp.length, cdp))).toEqual({ ...L2, dl_type: 0x05ff });
    const snapShortType = Buffer.concat([Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0]), u16(0x0100), Buffer.alloc(30)]);
    expect(parse(eth(snapShortType.length, snapShortType))).toEqual({ ...L2, dl_type: 0x05ff });
  });

  it('MPLS: the top label stack entry', () => {
    const lse = (1000 << 12) | (5 << 9) | (1 << 8) | 63;
    const f = eth(0x8847, Buffer.concat([Buffer.from([lse >>> 24, (lse >> 16) & 0xff, (lse >> 8) & 0xff, lse & 0xff]), ipv4({ proto: 17 }, udp(1, 2))]));
    expect(parse(f)).toEqual({ ...L2, dl_type: 0x8847, mpls_label: 1000, mpls_tc: 5, mpls_bos: 1, mpls_ttl: 63 });
    expect(parse(eth(0x8847, Buffer.alloc(3)))).toEqual({ ...L2, status: 'badL3', dl_type: 0x8847 });
  });
});

describe('IPv4', () => {
  it('TCP: every field', () => {
    const f = eth(0x0800, ipv4({ proto: 6, tos: 0xb9, ttl: 63, src: '192.168.1.10', dst: '8.8.8.8' }, tcp(43210, 443, 0x012)));
    expect(parse(f)).toEqual({
      ...L2,
      dl_type: 0x0800,
      l3_ofs: 14,
      l4_ofs: 34,
      nw_src: '192.168.1.10',
      nw_dst: '8.8.8.8',
      ...ipFields({ proto: 6, tos: 0xb9, ttl: 63 }),
      tp_src: 43210,
      tp_dst: 443,
      tcp_flags: 0x012,
    });
  });

  it('TCP flags include NS (12 bits) and TCP options are skipped by data offset', () => {
    const opts = Buffer.from([2, 4, 0x05, 0xb4, 1, 1, 4, 2]);
    const k = parse(eth(0x0800, ipv4({ proto: 6 }, tcp(1, 2, 0x1ff, { options: opts }))));
    expect(k).toMatchObject({ status: 'ok', tcp_flags: 0x1ff, tp_src: 1, tp_dst: 2 });
  });

  it('UDP, SCTP, ICMP', () => {
    expect(parse(eth(0x0800, ipv4({ proto: 17 }, udp(68, 67))))).toMatchObject({ status: 'ok', nw_proto: 17, tp_src: 68, tp_dst: 67, l4_ofs: 34 });
    expect(parse(eth(0x0800, ipv4({ proto: 132 }, sctp(5000, 5001))))).toMatchObject({ status: 'ok', nw_proto: 132, tp_src: 5000, tp_dst: 5001 });
    const echo = parse(eth(0x0800, ipv4({ proto: 1 }, icmp(3, 4))));
    expect(echo).toMatchObject({ status: 'ok', icmp_type: 3, icmp_code: 4 });
    expect(echo.tp_src).toBeUndefined();
  });

  it('a protocol the parser does not look into: L3 fields only', () => {
    const k = parse(eth(0x0800, ipv4({ proto: 47 }, Buffer.alloc(8))));
    expect(k).toEqual({ ...L2, dl_type: 0x0800, l3_ofs: 14, nw_src: '10.0.0.1', nw_dst: '10.0.0.2', ...ipFields({ proto: 47 }) });
  });

  it('header options (IHL 6..15) move L4', () => {
    for (let words = 1; words <= 10; words++) {
      const options = Buffer.alloc(words * 4, 1); // NOPs
      const k = parse(eth(0x0800, ipv4({ proto: 17, options }, udp(1000 + words, 2000))));
      expect(k).toMatchObject({ status: 'ok', l3_ofs: 14, l4_ofs: 34 + words * 4, tp_src: 1000 + words, tp_dst: 2000 });
    }
  });

  it('Ethernet padding after a short datagram is ignored', () => {
    const f = eth(0x0800, Buffer.concat([ipv4({ proto: 17 }, udp(7, 9, Buffer.alloc(0))), Buffer.alloc(18, 0xee)]));
    expect(f.length).toBe(60);
    expect(parse(f)).toMatchObject({ status: 'ok', tp_src: 7, tp_dst: 9 });
    // A TCP header that only "fits" thanks to the padding is truncated.
    const t = eth(0x0800, Buffer.concat([ipv4({ proto: 6 }, Buffer.alloc(8)), Buffer.alloc(20)]));
    expect(parse(t)).toMatchObject({ status: 'badL3', nw_proto: 6, l3_ofs: 14 });
    expect(parse(t).tp_src).toBeUndefined();
  });

  it('fragments: first has ports, later ones do not', () => {
    const first = parse(eth(0x0800, ipv4({ proto: 17, flagsFrag: 0x2000 }, udp(1, 2))));
    expect(first).toMatchObject({ status: 'ok', nw_frag: 1, ip_frag: 'first', tp_src: 1, tp_dst: 2, l4_ofs: 34 });

    const middle = parse(eth(0x0800, ipv4({ proto: 17, flagsFrag: 0x2000 | 185 }, Buffer.alloc(16, 0xff))));
    expect(middle).toEqual({
      ...L2,
      dl_type: 0x0800,
      l3_ofs: 14,
      nw_src: '10.0.0.1',
      nw_dst: '10.0.0.2',
      ...ipFields({ proto: 17, frag: 3 }),
    });
    const last = parse(eth(0x0800, ipv4({ proto: 6, flagsFrag: 370 }, Buffer.alloc(4))));
    expect(last).toMatchObject({ status: 'ok', nw_frag: 3, ip_frag: 'later', nw_proto: 6 });
    expect(last.tp_src).toBeUndefined();

    const df = parse(eth(0x0800, ipv4({ proto: 17, flagsFrag: 0x4000 }, udp(1, 2))));
    expect(df.nw_frag).toBe(0);
    const noFlags = parse(eth(0x0800, ipv4({ proto: 17, flagsFrag: 0 }, udp(1, 2))));
    expect(noFlags.nw_frag).toBe(0);
  });

  it('bad headers give badL3 with valid L2 and no L3 fields', () => {
    const cases: [string, Buffer][] = [
      ['IHL < 5', ipv4({ proto: 17, ihl: 4 }, udp(1, 2))],
      ['IHL 0', ipv4({ proto: 17, ihl: 0 }, udp(1, 2))],
      ['total length < header', ipv4({ proto: 17, totLen: 19 }, udp(1, 2))],
      ['total length < IHL with options', ipv4({ proto: 17, options: Buffer.alloc(8, 1), totLen: 24 }, udp(1, 2))],
      ['total length > frame', ipv4({ proto: 17, totLen: 100 }, udp(1, 2))],
      ['IHL beyond frame', ipv4({ proto: 17, ihl: 15 }, Buffer.alloc(8))],
      ['version 6 in an IPv4 ethertype', ipv4({ proto: 17, version: 6 }, udp(1, 2))],
      ['shorter than 20 bytes', Buffer.alloc(19, 0x45)],
    ];
    for (const [what, payload] of cases) {
      const k = parse(eth(0x0800, payload, { tags: [{ tpid: 0x8100, tci: 9 }] }));
      expect(k, what).toEqual({ ...L2, status: 'badL3', dl_type: 0x0800, vlan_tpid: 0x8100, vlan_tci: 0x1009, dl_vlan: 9, dl_vlan_pcp: 0, l2_len: 18 });
    }
  });

  it('bad L4 keeps the L3 fields', () => {
    const cases: [string, number, Buffer][] = [
      ['TCP data offset < 5', 6, tcp(1, 2, 0x02, { doff: 4 })],
      ['TCP data offset beyond datagram', 6, tcp(1, 2, 0x02, { doff: 15 })],
      ['truncated TCP', 6, Buffer.alloc(19)],
      ['truncated UDP', 17, Buffer.alloc(7)],
      ['truncated SCTP', 132, Buffer.alloc(11)],
      ['truncated ICMP', 1, Buffer.alloc(7)],
    ];
    for (const [what, proto, l4] of cases) {
      const k = parse(eth(0x0800, ipv4({ proto }, l4)));
      expect(k, what).toEqual({ ...L2, status: 'badL3', dl_type: 0x0800, l3_ofs: 14, nw_src: '10.0.0.1', nw_dst: '10.0.0.2', ...ipFields({ proto }) });
    }
  });
});

describe('IPv6', () => {
  it('TCP: every field, addresses in compressed text form', () => {
    const f = eth(
      0x86dd,
      ipv6({ next: 6, tc: 0x2e, label: 0xabcde, hlim: 255, src: '2001:db8:0:0:1:0:0:1', dst: 'fe80::200:ff:fe00:1' }, tcp(22, 50000, 0x018)),
      { dst: '33:33:00:00:00:01' },
    );
    expect(parse(f)).toEqual({
      ...L2,
      dl_dst: '33:33:00:00:00:01',
      dl_type: 0x86dd,
      l3_ofs: 14,
      l4_ofs: 54,
      ipv6_src: '2001:db8::1:0:0:1',
      ipv6_dst: 'fe80::200:ff:fe00:1',
      ipv6_label: 0xabcde,
      ...ipFields({ proto: 6, tos: 0x2e, ttl: 255 }),
      tp_src: 22,
      tp_dst: 50000,
      tcp_flags: 0x018,
    });
  });

  it('address text forms', () => {
    const text = (a: string) => parse(eth(0x86dd, ipv6({ next: 59, src: a, dst: '::' }, Buffer.alloc(0)))).ipv6_src;
    expect(text('2001:db8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(text('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(text('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2:3:4:5:6');
    expect(text('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(parse(eth(0x86dd, ipv6({ next: 59, dst: '::' }, Buffer.alloc(0)))).ipv6_dst).toBe('::');
  });

  it('no next header (59): L3 only', () => {
    const k = parse(eth(0x86dd, ipv6({ next: 59 }, Buffer.alloc(0))));
    expect(k).toEqual({
      ...L2,
      dl_type: 0x86dd,
      l3_ofs: 14,
      ipv6_src: '2001:db8::1',
      ipv6_dst: '2001:db8::2',
      ipv6_label: 0,
      ...ipFields({ proto: 59 }),
    });
  });

  it('extension header chain: hop-by-hop, routing, destination options, AH, then UDP', () => {
    const chain = Buffer.concat([extHdr(43, 0), extHdr(60, 2), extHdr(51, 1), ah(17, 4), udp(4789, 4790)]);
    const k = parse(eth(0x86dd, ipv6({ next: 0 }, chain)));
    // 14 + 40 + 8 + 24 + 16 + 24
    expect(k).toMatchObject({ status: 'ok', nw_proto: 17, nw_frag: 0, l3_ofs: 14, l4_ofs: 126, tp_src: 4789, tp_dst: 4790 });
  });

  it('ESP ends the walk', () => {
    const k = parse(eth(0x86dd, ipv6({ next: 60 }, Buffer.concat([extHdr(50, 0), Buffer.alloc(16)]))));
    expect(k).toMatchObject({ status: 'ok', nw_proto: 50 });
    expect(k.l4_ofs).toBeUndefined();
  });

  it('fragment header: first fragment parses L4, later ones show nw_proto 44', () => {
    const first = parse(eth(0x86dd, ipv6({ next: 44 }, Buffer.concat([frag6(17, 0, true), udp(1, 2)]))));
    expect(first).toMatchObject({ status: 'ok', nw_frag: 1, ip_frag: 'first', nw_proto: 17, tp_src: 1, tp_dst: 2, l4_ofs: 62 });

    const later = parse(eth(0x86dd, ipv6({ next: 0 }, Buffer.concat([extHdr(44), frag6(17, 100, true), Buffer.alloc(16)]))));
    expect(later).toEqual({
      ...L2,
      dl_type: 0x86dd,
      l3_ofs: 14,
      ipv6_src: '2001:db8::1',
      ipv6_dst: '2001:db8::2',
      ipv6_label: 0,
      ...ipFields({ proto: 44, frag: 3 }),
    });
    const last = parse(eth(0x86dd, ipv6({ next: 44 }, Buffer.concat([frag6(6, 200, false), Buffer.alloc(8)]))));
    expect(last).toMatchObject({ status: 'ok', nw_frag: 3, nw_proto: 44 });

    // An atomic fragment (offset 0, no more fragments) is not a fragment (RFC 6946, as OVS).
    const atomic = parse(eth(0x86dd, ipv6({ next: 44 }, Buffer.concat([frag6(17, 0, false), udp(3, 4)]))));
    expect(atomic).toMatchObject({ status: 'ok', nw_frag: 0, nw_proto: 17, tp_src: 3 });
  });

  it('extension headers are walked with a bound: 8 pass, 9 are badL3', () => {
    const chain = (n: number) => Buffer.concat([...Array.from({ length: n }, (_, i) => extHdr(i === n - 1 ? 17 : 60)), udp(1, 2)]);
    expect(parse(eth(0x86dd, ipv6({ next: 60 }, chain(8))))).toMatchObject({ status: 'ok', tp_src: 1, l4_ofs: 54 + 64 });
    const k = parse(eth(0x86dd, ipv6({ next: 60 }, chain(9))));
    expect(k).toMatchObject({ status: 'badL3', l3_ofs: 14, ipv6_src: '2001:db8::1', nw_proto: 60 });
    expect(k.l4_ofs).toBeUndefined();
  });

  it('bad IPv6 headers and chains', () => {
    const noL3 = { ...L2, status: 'badL3', dl_type: 0x86dd };
    expect(parse(eth(0x86dd, Buffer.alloc(39, 0x60)))).toEqual(noL3);
    expect(parse(eth(0x86dd, Buffer.concat([Buffer.from([0x45]), Buffer.alloc(59)])))).toEqual(noL3);
    expect(parse(eth(0x86dd, ipv6({ next: 17, payloadLen: 9 }, udp(1, 2, Buffer.alloc(0)))))).toEqual(noL3);

    // A header length running past the payload: L3 fields kept, nw_proto names the bad header.
    const overrun = parse(eth(0x86dd, ipv6({ next: 0 }, Buffer.concat([extHdr(17, 0).fill(3, 1, 2), udp(1, 2)]))));
    expect(overrun).toMatchObject({ status: 'badL3', l3_ofs: 14, nw_proto: 0, ipv6_dst: '2001:db8::2' });
    expect(overrun.l4_ofs).toBeUndefined();
    const truncatedFrag = parse(eth(0x86dd, ipv6({ next: 44 }, Buffer.alloc(7))));
    expect(truncatedFrag).toMatchObject({ status: 'badL3', nw_proto: 44 });
    const truncatedAh = parse(eth(0x86dd, ipv6({ next: 51 }, ah(17, 6).subarray(0, 24))));
    expect(truncatedAh).toMatchObject({ status: 'badL3', nw_proto: 51 });
    const truncatedUdp = parse(eth(0x86dd, ipv6({ next: 17 }, Buffer.alloc(7))));
    expect(truncatedUdp).toMatchObject({ status: 'badL3', nw_proto: 17 });
    expect(truncatedUdp.tp_src).toBeUndefined();
  });

  it('ICMPv6 echo: type and code, no ND fields', () => {
    const k = parse(eth(0x86dd, ipv6({ next: 58 }, icmp(128, 0))));
    expect(k).toMatchObject({ status: 'ok', nw_proto: 58, icmpv6_type: 128, icmpv6_code: 0, l4_ofs: 54 });
    expect(k.nd_target).toBeUndefined();
    expect(k.tp_src).toBeUndefined();
  });

  it('neighbor solicitation with a source link-layer address', () => {
    const f = eth(
      0x86dd,
      ipv6({ next: 58, hlim: 255, src: 'fe80::1', dst: 'ff02::1:ff00:2' }, nd(135, 'fe80::2', [ndOpt(1, '02:00:00:00:00:01')])),
      { dst: '33:33:ff:00:00:02' },
    );
    expect(parse(f)).toEqual({
      ...L2,
      dl_dst: '33:33:ff:00:00:02',
      dl_type: 0x86dd,
      l3_ofs: 14,
      l4_ofs: 54,
      ipv6_src: 'fe80::1',
      ipv6_dst: 'ff02::1:ff00:2',
      ipv6_label: 0,
      ...ipFields({ proto: 58, ttl: 255 }),
      icmpv6_type: 135,
      icmpv6_code: 0,
      nd_target: 'fe80::2',
      nd_sll: '02:00:00:00:00:01',
    });
  });

  it('neighbor advertisement with a target link-layer address, unknown options skipped', () => {
    const mtu = Buffer.from([5, 1, 0, 0, 0, 0, 0x05, 0xdc]);
    const f = eth(0x86dd, ipv6({ next: 58, hlim: 255 }, nd(136, '2001:db8::99', [mtu, ndOpt(2, 'aa:bb:cc:dd:ee:ff')])));
    expect(parse(f)).toMatchObject({ status: 'ok', icmpv6_type: 136, nd_target: '2001:db8::99', nd_tll: 'aa:bb:cc:dd:ee:ff' });
    expect(parse(f).nd_sll).toBeUndefined();
  });

  it('solicitation without options: nd_sll is zero; padding after the payload is not options', () => {
    const f = eth(0x86dd, Buffer.concat([ipv6({ next: 58 }, nd(135, 'fe80::2')), Buffer.alloc(16, 0)]));
    expect(parse(f)).toMatchObject({ status: 'ok', nd_target: 'fe80::2', nd_sll: '00:00:00:00:00:00' });
  });

  it('bad ND: options that do not parse clear nd_* and give badL3, type/code kept', () => {
    const bad: [string, Buffer][] = [
      ['zero-length option', nd(135, 'fe80::2', [Buffer.from([1, 0, 0, 0, 0, 0, 0, 0])])],
      ['option past the end', nd(135, 'fe80::2', [Buffer.from([1, 2, 0, 0, 0, 0, 0, 0])])],
      ['duplicate SLL', nd(135, 'fe80::2', [ndOpt(1, '02:00:00:00:00:01'), ndOpt(1, '02:00:00:00:00:03')])],
      ['truncated target', nd(136, 'fe80::2').subarray(0, 20)],
    ];
    for (const [what, msg] of bad) {
      const k = parse(eth(0x86dd, ipv6({ next: 58 }, msg)));
      expect(k, what).toMatchObject({ status: 'badL3', icmpv6_type: msg[0], icmpv6_code: 0, l4_ofs: 54 });
      expect(k.nd_target, what).toBeUndefined();
    }
    // ND fields belong to code 0 only.
    const code1 = parse(eth(0x86dd, ipv6({ next: 58 }, Buffer.concat([icmp(135, 1), Buffer.alloc(2)]))));
    expect(code1).toMatchObject({ status: 'ok', icmpv6_type: 135, icmpv6_code: 1 });
  });

  it('ICMP in IPv6 and ICMPv6 in IPv4 are not looked into', () => {
    const a = parse(eth(0x86dd, ipv6({ next: 1 }, icmp(8, 0))));
    expect(a).toMatchObject({ status: 'ok', nw_proto: 1 });
    expect(a.icmp_type).toBeUndefined();
    const b = parse(eth(0x0800, ipv4({ proto: 58 }, icmp(128, 0))));
    expect(b).toMatchObject({ status: 'ok', nw_proto: 58 });
    expect(b.icmpv6_type).toBeUndefined();
  });
});

describe('ARP', () => {
  it('request and reply: every field', () => {
    const req = eth(0x0806, arp(1, SRC, '10.0.0.1', '00:00:00:00:00:00', '10.0.0.2'), { dst: 'ff:ff:ff:ff:ff:ff' });
    expect(parse(req)).toEqual({
      ...L2,
      dl_dst: 'ff:ff:ff:ff:ff:ff',
      dl_type: 0x0806,
      l3_ofs: 14,
      arp_op: 1,
      arp_spa: '10.0.0.1',
      arp_tpa: '10.0.0.2',
      arp_sha: SRC,
      arp_tha: '00:00:00:00:00:00',
    });
    const reply = eth(0x0806, Buffer.concat([arp(2, DST, '10.0.0.2', SRC, '10.0.0.1'), Buffer.alloc(18)]), { tags: [{ tpid: 0x8100, tci: 42 }] });
    expect(parse(reply)).toMatchObject({ status: 'ok', dl_vlan: 42, l3_ofs: 18, arp_op: 2, arp_spa: '10.0.0.2', arp_tpa: '10.0.0.1', arp_sha: DST, arp_tha: SRC });
  });

  it('RARP is parsed like ARP', () => {
    const k = parse(eth(0x8035, arp(3, SRC, '0.0.0.0', SRC, '0.0.0.0')));
    expect(k).toMatchObject({ status: 'ok', dl_type: 0x8035, arp_op: 3, arp_sha: SRC });
  });

  it('non-Ethernet/IPv4 ARP is well-formed but fills no ARP fields', () => {
    const k = parse(eth(0x0806, arp(1, SRC, '10.0.0.1', SRC, '10.0.0.2', { htype: 6, ptype: 0x0800 })));
    expect(k).toEqual({ ...L2, dl_type: 0x0806 });
    const v6 = parse(eth(0x0806, arp(1, SRC, '10.0.0.1', SRC, '10.0.0.2', { htype: 1, ptype: 0x86dd })));
    expect(v6).toEqual({ ...L2, dl_type: 0x0806 });
  });
});

// ---- truncation and garbage -----------------------------------------------------

describe('truncated frames', () => {
  const frames: [string, Buffer, number][] = [
    ['IPv4/TCP with options', eth(0x0800, ipv4({ proto: 6, options: Buffer.alloc(8, 1) }, tcp(1, 2, 0x10, { options: Buffer.alloc(4, 1) }))), 14],
    ['VLAN IPv4/UDP', eth(0x0800, ipv4({ proto: 17 }, udp(1, 2)), { tags: [{ tpid: 0x8100, tci: 5 }] }), 18],
    ['QinQ IPv4/ICMP', eth(0x0800, ipv4({ proto: 1 }, icmp(0, 0)), { tags: [{ tpid: 0x88a8, tci: 5 }, { tpid: 0x8100, tci: 6 }] }), 22],
    ['IPv4 later fragment', eth(0x0800, ipv4({ proto: 17, flagsFrag: 100 }, Buffer.alloc(24))), 14],
    ['IPv6 ext chain / TCP', eth(0x86dd, ipv6({ next: 0 }, Buffer.concat([extHdr(44, 1), frag6(51, 0, true), ah(6), tcp(1, 2, 2)]))), 14],
    ['IPv6 NA with TLL', eth(0x86dd, ipv6({ next: 58 }, nd(136, 'fe80::2', [ndOpt(2, SRC)]))), 14],
    ['ARP', eth(0x0806, arp(1, SRC, '10.0.0.1', DST, '10.0.0.2')), 14],
    ['MPLS', eth(0x8847, Buffer.from([0, 1, 0x01, 64])), 14],
  ];
  for (const [name, frame, l2Len] of frames) {
    it(`${name}: every length from 0 to ${frame.length}`, () => {
      expect(parse(frame).status).toBe('ok');
      for (let len = 0; len <= frame.length; len++) {
        const k = parse(frame.subarray(0, len));
        const want = len < l2Len ? 'runt' : len === frame.length ? 'ok' : 'badL3';
        expect(k.status, `length ${len}`).toBe(want);
        if (want === 'runt') {
          expect(Object.keys(k)).toEqual(['status']);
        } else {
          expect([k.dl_src, k.dl_dst, k.l2_len], `length ${len}`).toEqual([SRC, DST, l2Len]);
        }
      }
    });
  }
});

function checkInvariants(frame: Buffer, k: Key): void {
  expect(['ok', 'runt', 'badL3']).toContain(k.status);
  if (k.status === 'runt') {
    expect(Object.keys(k)).toEqual(['status']);
    return;
  }
  expect(frame.length).toBeGreaterThanOrEqual(14);
  expect(k.dl_dst).toBe([...frame.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(':'));
  expect(k.l2_len as number).toBeLessThanOrEqual(frame.length);
  if (k.l3_ofs !== undefined) expect(k.l3_ofs as number).toBeLessThan(frame.length);
  if (k.l4_ofs !== undefined) {
    expect(k.l4_ofs as number).toBeLessThan(frame.length);
    expect(k.l4_ofs as number).toBeGreaterThan(k.l3_ofs as number);
  }
}

describe('garbage', () => {
  it('random buffers never crash (seeded)', () => {
    const rand = prng(0x5eed);
    const types = [0x0800, 0x86dd, 0x0806, 0x8035, 0x8100, 0x88a8, 0x9100, 0x8847, 0x0030];
    const counts: Record<string, number> = { ok: 0, runt: 0, badL3: 0 };
    for (let i = 0; i < 5000; i++) {
      const frame = Buffer.alloc(Math.floor(rand() * 160));
      for (let j = 0; j < frame.length; j++) frame[j] = Math.floor(rand() * 256);
      if (frame.length >= 14 && rand() < 0.7) frame.writeUInt16BE(types[Math.floor(rand() * types.length)]!, 12);
      if (frame.length >= 15 && rand() < 0.5) frame[14] = rand() < 0.5 ? 0x45 : 0x60;
      const k = parse(frame);
      checkInvariants(frame, k);
      counts[k.status as string]!++;
    }
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.runt).toBeGreaterThan(0);
    expect(counts.badL3).toBeGreaterThan(0);
  });

  it('mutated valid frames never crash (seeded)', () => {
    const rand = prng(42);
    const seeds = [
      eth(0x0800, ipv4({ proto: 6, options: Buffer.alloc(4, 1) }, tcp(1, 2, 2))),
      eth(0x0800, ipv4({ proto: 17, flagsFrag: 0x2000 }, udp(1, 2)), { tags: [{ tpid: 0x88a8, tci: 1 }, { tpid: 0x8100, tci: 2 }] }),
      eth(0x86dd, ipv6({ next: 0 }, Buffer.concat([extHdr(43), extHdr(44), frag6(60, 0, true), extHdr(51), ah(58), nd(135, 'fe80::1', [ndOpt(1, SRC)])]))),
      eth(0x86dd, ipv6({ next: 58 }, nd(136, 'fe80::1', [ndOpt(2, SRC), ndOpt(2, DST)]))),
      eth(0x0806, arp(1, SRC, '10.0.0.1', DST, '10.0.0.2')),
      eth(38, Buffer.concat([Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]), ipv4({ proto: 17 }, udp(1, 2))])),
    ];
    for (let i = 0; i < 6000; i++) {
      const frame = Buffer.from(seeds[i % seeds.length]!);
      const flips = 1 + Math.floor(rand() * 4);
      for (let j = 0; j < flips; j++) {
        const at = Math.floor(rand() * frame.length);
        frame[at] = rand() < 0.5 ? frame[at]! ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
      }
      const cut = rand() < 0.3 ? frame.subarray(0, Math.floor(rand() * (frame.length + 1))) : frame;
      checkInvariants(cut, parse(cut));
    }
  });
});
