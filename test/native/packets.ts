// Test frames with real headers: Ethernet (+ 802.1Q tags), IPv4, IPv6, TCP, UDP,
// ICMP, ICMPv6 and ARP, built with correct checksums; a decoder that reads them
// back; and checksum verifiers, so a test can say "the rewrite left every checksum
// valid" without trusting the switch's own checksum code.

export const ETH_IP = 0x0800;
export const ETH_ARP = 0x0806;
export const ETH_IPV6 = 0x86dd;
export const ETH_VLAN = 0x8100;
export const ETH_QINQ = 0x88a8;
export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

// ---- addresses ---------------------------------------------------------------

export function macBytes(text: string): Buffer {
  const b = Buffer.from(text.replace(/[:-]/g, ''), 'hex');
  if (b.length !== 6) throw new Error(`not a MAC address: ${text}`);
  return b;
}

export function formatMac(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function ipv4Bytes(text: string): Buffer {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${text}`);
  return Buffer.from(parts);
}

export function formatIpv4(b: Buffer): string {
  return [...b].join('.');
}

export function ipv6Bytes(text: string): Buffer {
  const [head = '', tail] = text.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const zeros = tail === undefined ? 0 : 8 - h.length - t.length;
  const all = [...h, ...Array<string>(zeros).fill('0'), ...t];
  if (all.length !== 8) throw new Error(`not an IPv6 address: ${text}`);
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export function formatIpv6(b: Buffer): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i).toString(16));
  return g.join(':');
}

// ---- checksums -----------------------------------------------------------------

/** The 16-bit one's-complement sum of `data` (odd length: padded with a zero byte), not inverted. */
export function onesSum(data: Buffer, initial = 0): number {
  let s = initial;
  for (let i = 0; i + 1 < data.length; i += 2) s += data.readUInt16BE(i);
  if (data.length & 1) s += data[data.length - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

export function internetChecksum(data: Buffer, initial = 0): number {
  return ~onesSum(data, initial) & 0xffff;
}

function pseudoSum(src: Buffer, dst: Buffer, proto: number, len: number): number {
  const p = Buffer.alloc(src.length * 2 + (src.length === 4 ? 4 : 8));
  src.copy(p, 0);
  dst.copy(p, src.length);
  if (src.length === 4) {
    p[9] = proto;
    p.writeUInt16BE(len, 10);
  } else {
    p.writeUInt32BE(len, 32);
    p[39] = proto;
  }
  return onesSum(p);
}

// ---- builders ------------------------------------------------------------------

export interface VlanTag {
  vid: number;
  pcp?: number;
  dei?: number;
  /** Default 0x8100. */
  tpid?: number;
}

export interface EthOpts {
  src?: string;
  dst?: string;
  /** Outermost first. */
  vlans?: VlanTag[];
  /** Pad to the 60-byte Ethernet minimum (default true). */
  pad?: boolean;
}

export const DEFAULT_SRC = '02:00:00:00:00:01';
export const DEFAULT_DST = '02:00:00:00:00:02';

export function ethernet(eth: EthOpts, type: number, payload: Buffer): Buffer {
  const parts = [macBytes(eth.dst ?? DEFAULT_DST), macBytes(eth.src ?? DEFAULT_SRC)];
  for (const v of eth.vlans ?? []) {
    const tag = Buffer.alloc(4);
    tag.writeUInt16BE(v.tpid ?? ETH_VLAN, 0);
    tag.writeUInt16BE(((v.pcp ?? 0) << 13) | ((v.dei ?? 0) << 12) | (v.vid & 0x0fff), 2);
    parts.push(tag);
  }
  const t = Buffer.alloc(2);
  t.writeUInt16BE(type, 0);
  parts.push(t, payload);
  const frame = Buffer.concat(parts);
  if (eth.pad !== false && frame.length < 60) return Buffer.concat([frame, Buffer.alloc(60 - frame.length)]);
  return frame;
}

export interface Ipv4Opts {
  src?: string;
  dst?: string;
  tos?: number;
  ttl?: number;
  id?: number;
  /** Overrides the protocol the L4 builder implies. */
  proto?: number;
  df?: boolean;
  /** Fragment offset in 8-byte units, and more-fragments. */
  fragOffset?: number;
  mf?: boolean;
}

export interface Ipv6Opts {
  src?: string;
  dst?: string;
  /** Traffic class. */
  tc?: number;
  label?: number;
  hlim?: number;
}

export function ipv4Header(ip: Ipv4Opts, proto: number, payloadLen: number): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h[1] = ip.tos ?? 0;
  h.writeUInt16BE(20 + payloadLen, 2);
  h.writeUInt16BE(ip.id ?? 0x1234, 4);
  h.writeUInt16BE((ip.df ? 0x4000 : 0) | (ip.mf ? 0x2000 : 0) | (ip.fragOffset ?? 0), 6);
  h[8] = ip.ttl ?? 64;
  h[9] = ip.proto ?? proto;
  ipv4Bytes(ip.src ?? '10.0.0.1').copy(h, 12);
  ipv4Bytes(ip.dst ?? '10.0.0.2').copy(h, 16);
  h.writeUInt16BE(internetChecksum(h), 10);
  return h;
}

export function ipv6Header(ip: Ipv6Opts, next: number, payloadLen: number): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(((6 << 28) | ((ip.tc ?? 0) << 20) | ((ip.label ?? 0) & 0xfffff)) >>> 0, 0);
  h.writeUInt16BE(payloadLen, 4);
  h[6] = next;
  h[7] = ip.hlim ?? 64;
  ipv6Bytes(ip.src ?? 'fd00::1').copy(h, 8);
  ipv6Bytes(ip.dst ?? 'fd00::2').copy(h, 24);
  return h;
}

export interface TcpOpts {
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  /** Default ACK. */
  flags?: number;
  window?: number;
  payload?: Buffer;
}

export interface UdpOpts {
  sport?: number;
  dport?: number;
  payload?: Buffer;
  /** IPv4 only: send without a checksum (0). */
  noChecksum?: boolean;
}

export interface IcmpOpts {
  type?: number;
  code?: number;
  /** Echo id/seq or whatever the 4 bytes after the checksum hold. */
  rest?: number;
  payload?: Buffer;
}

const PAYLOAD = Buffer.from('nodeswitch test payload 0123456789', 'latin1');

function tcpSegment(o: TcpOpts, src: Buffer, dst: Buffer): Buffer {
  const payload = o.payload ?? PAYLOAD;
  const h = Buffer.alloc(20 + payload.length);
  h.writeUInt16BE(o.sport ?? 40000, 0);
  h.writeUInt16BE(o.dport ?? 80, 2);
  h.writeUInt32BE(o.seq ?? 1000, 4);
  h.writeUInt32BE(o.ack ?? 2000, 8);
  h.writeUInt16BE((5 << 12) | ((o.flags ?? TCP_ACK) & 0x0fff), 12);
  h.writeUInt16BE(o.window ?? 65535, 14);
  payload.copy(h, 20);
  h.writeUInt16BE(internetChecksum(h, pseudoSum(src, dst, PROTO_TCP, h.length)), 16);
  return h;
}

function udpDatagram(o: UdpOpts, src: Buffer, dst: Buffer): Buffer {
  const payload = o.payload ?? PAYLOAD;
  const h = Buffer.alloc(8 + payload.length);
  h.writeUInt16BE(o.sport ?? 5000, 0);
  h.writeUInt16BE(o.dport ?? 53, 2);
  h.writeUInt16BE(h.length, 4);
  payload.copy(h, 8);
  if (!o.noChecksum) {
    const c = internetChecksum(h, pseudoSum(src, dst, PROTO_UDP, h.length));
    h.writeUInt16BE(c === 0 ? 0xffff : c, 6);
  }
  return h;
}

function icmpMessage(o: IcmpOpts, pseudo: number): Buffer {
  const payload = o.payload ?? PAYLOAD;
  const h = Buffer.alloc(8 + payload.length);
  h[0] = o.type ?? 8;
  h[1] = o.code ?? 0;
  h.writeUInt32BE((o.rest ?? 0x00010001) >>> 0, 4);
  payload.copy(h, 8);
  h.writeUInt16BE(internetChecksum(h, pseudo), 2);
  return h;
}

export interface FrameOpts<L4> {
  eth?: EthOpts;
  ip?: Ipv4Opts;
  l4?: L4;
}
export interface Frame6Opts<L4> {
  eth?: EthOpts;
  ip?: Ipv6Opts;
  l4?: L4;
}

function v4(o: FrameOpts<unknown>, proto: number, build: (src: Buffer, dst: Buffer) => Buffer): Buffer {
  const src = ipv4Bytes(o.ip?.src ?? '10.0.0.1');
  const dst = ipv4Bytes(o.ip?.dst ?? '10.0.0.2');
  const l4 = build(src, dst);
  return ethernet(o.eth ?? {}, ETH_IP, Buffer.concat([ipv4Header(o.ip ?? {}, proto, l4.length), l4]));
}

function v6(o: Frame6Opts<unknown>, next: number, build: (src: Buffer, dst: Buffer) => Buffer): Buffer {
  const src = ipv6Bytes(o.ip?.src ?? 'fd00::1');
  const dst = ipv6Bytes(o.ip?.dst ?? 'fd00::2');
  const l4 = build(src, dst);
  return ethernet(o.eth ?? {}, ETH_IPV6, Buffer.concat([ipv6Header(o.ip ?? {}, next, l4.length), l4]));
}

export const tcp4 = (o: FrameOpts<TcpOpts> = {}): Buffer => v4(o, PROTO_TCP, (s, d) => tcpSegment(o.l4 ?? {}, s, d));
export const udp4 = (o: FrameOpts<UdpOpts> = {}): Buffer => v4(o, PROTO_UDP, (s, d) => udpDatagram(o.l4 ?? {}, s, d));
export const icmp4 = (o: FrameOpts<IcmpOpts> = {}): Buffer => v4(o, PROTO_ICMP, () => icmpMessage(o.l4 ?? {}, 0));
export const tcp6 = (o: Frame6Opts<TcpOpts> = {}): Buffer => v6(o, PROTO_TCP, (s, d) => tcpSegment(o.l4 ?? {}, s, d));
export const udp6 = (o: Frame6Opts<UdpOpts> = {}): Buffer => v6(o, PROTO_UDP, (s, d) => udpDatagram({ ...o.l4, noChecksum: false }, s, d));
export const icmp6 = (o: Frame6Opts<IcmpOpts> = {}): Buffer =>
  v6(o, PROTO_ICMPV6, (s, d) => {
    const body = icmpMessage({ type: 128, ...o.l4 }, 0);
    body.writeUInt16BE(0, 2);
    body.writeUInt16BE(internetChecksum(body, pseudoSum(s, d, PROTO_ICMPV6, body.length)), 2);
    return body;
  });

/** An IPv4 packet with an arbitrary protocol and raw payload (no L4 header built). */
export const rawIp4 = (o: FrameOpts<Buffer> & { proto: number }): Buffer => v4(o, o.proto, () => o.l4 ?? PAYLOAD);

export interface ArpOpts {
  op?: number;
  sha?: string;
  spa?: string;
  tha?: string;
  tpa?: string;
}

export function arp(o: { eth?: EthOpts; arp?: ArpOpts } = {}): Buffer {
  const a = o.arp ?? {};
  const b = Buffer.alloc(28);
  b.writeUInt16BE(1, 0); // Ethernet
  b.writeUInt16BE(ETH_IP, 2);
  b[4] = 6;
  b[5] = 4;
  b.writeUInt16BE(a.op ?? 1, 6);
  macBytes(a.sha ?? o.eth?.src ?? DEFAULT_SRC).copy(b, 8);
  ipv4Bytes(a.spa ?? '10.0.0.1').copy(b, 14);
  macBytes(a.tha ?? '00:00:00:00:00:00').copy(b, 18);
  ipv4Bytes(a.tpa ?? '10.0.0.2').copy(b, 24);
  return ethernet({ dst: 'ff:ff:ff:ff:ff:ff', ...o.eth }, ETH_ARP, b);
}

// ---- decoding ------------------------------------------------------------------

export interface Decoded {
  dst: string;
  src: string;
  vlans: Required<VlanTag>[];
  /** Ethertype after the tags. */
  type: number;
  l3: number;
  ipv4?: { tos: number; ttl: number; proto: number; id: number; src: string; dst: string; totalLen: number; ihl: number; checksum: number; frag: number };
  ipv6?: { tc: number; label: number; hlim: number; next: number; src: string; dst: string; payloadLen: number };
  arp?: { op: number; sha: string; spa: string; tha: string; tpa: string };
  l4?: number;
  tcp?: { sport: number; dport: number; flags: number; checksum: number };
  udp?: { sport: number; dport: number; checksum: number; len: number };
  icmp?: { type: number; code: number; checksum: number };
}

export function decode(frame: Buffer): Decoded {
  const d: Decoded = { dst: formatMac(frame.subarray(0, 6)), src: formatMac(frame.subarray(6, 12)), vlans: [], type: 0, l3: 0 };
  let at = 12;
  let type = frame.readUInt16BE(at);
  while (type === ETH_VLAN || type === ETH_QINQ) {
    const tci = frame.readUInt16BE(at + 2);
    d.vlans.push({ tpid: type, vid: tci & 0x0fff, pcp: tci >> 13, dei: (tci >> 12) & 1 });
    at += 4;
    type = frame.readUInt16BE(at);
  }
  d.type = type;
  d.l3 = at + 2;
  const ip = frame.subarray(d.l3);
  let proto = -1;
  if (type === ETH_IP && ip.length >= 20) {
    const ihl = (ip[0]! & 0x0f) * 4;
    d.ipv4 = {
      tos: ip[1]!,
      ttl: ip[8]!,
      proto: ip[9]!,
      id: ip.readUInt16BE(4),
      src: formatIpv4(ip.subarray(12, 16)),
      dst: formatIpv4(ip.subarray(16, 20)),
      totalLen: ip.readUInt16BE(2),
      ihl,
      checksum: ip.readUInt16BE(10),
      frag: ip.readUInt16BE(6),
    };
    if ((d.ipv4.frag & 0x1fff) === 0) {
      proto = ip[9]!;
      d.l4 = d.l3 + ihl;
    }
  } else if (type === ETH_IPV6 && ip.length >= 40) {
    const w = ip.readUInt32BE(0);
    d.ipv6 = {
      tc: (w >>> 20) & 0xff,
      label: w & 0xfffff,
      payloadLen: ip.readUInt16BE(4),
      next: ip[6]!,
      hlim: ip[7]!,
      src: formatIpv6(ip.subarray(8, 24)),
      dst: formatIpv6(ip.subarray(24, 40)),
    };
    proto = ip[6]!;
    d.l4 = d.l3 + 40;
  } else if (type === ETH_ARP && ip.length >= 28) {
    d.arp = {
      op: ip.readUInt16BE(6),
      sha: formatMac(ip.subarray(8, 14)),
      spa: formatIpv4(ip.subarray(14, 18)),
      tha: formatMac(ip.subarray(18, 24)),
      tpa: formatIpv4(ip.subarray(24, 28)),
    };
  }
  if (d.l4 !== undefined) {
    const l4 = frame.subarray(d.l4);
    if (proto === PROTO_TCP && l4.length >= 20) {
      d.tcp = { sport: l4.readUInt16BE(0), dport: l4.readUInt16BE(2), flags: l4.readUInt16BE(12) & 0x0fff, checksum: l4.readUInt16BE(16) };
    } else if (proto === PROTO_UDP && l4.length >= 8) {
      d.udp = { sport: l4.readUInt16BE(0), dport: l4.readUInt16BE(2), len: l4.readUInt16BE(4), checksum: l4.readUInt16BE(6) };
    } else if ((proto === PROTO_ICMP || proto === PROTO_ICMPV6) && l4.length >= 4) {
      d.icmp = { type: l4[0]!, code: l4[1]!, checksum: l4.readUInt16BE(2) };
    }
  }
  return d;
}

/** The L3 packet's bytes (without Ethernet padding), and its L4 part. */
function l4Span(frame: Buffer, d: Decoded): { l4: Buffer; src: Buffer; dst: Buffer; proto: number } | undefined {
  if (d.l4 === undefined) return undefined;
  if (d.ipv4) {
    const end = d.l3 + d.ipv4.totalLen;
    return {
      l4: frame.subarray(d.l4, end),
      src: frame.subarray(d.l3 + 12, d.l3 + 16),
      dst: frame.subarray(d.l3 + 16, d.l3 + 20),
      proto: d.ipv4.proto,
    };
  }
  if (d.ipv6) {
    const end = d.l4 + d.ipv6.payloadLen;
    return { l4: frame.subarray(d.l4, end), src: frame.subarray(d.l3 + 8, d.l3 + 24), dst: frame.subarray(d.l3 + 24, d.l3 + 40), proto: d.ipv6.next };
  }
  return undefined;
}

/**
 * Every checksum in the frame that is wrong, as text ([] when all are right):
 * the IPv4 header checksum and the TCP, UDP, ICMP and ICMPv6 checksums (a UDP/IPv4
 * checksum of 0 means "none" and is right).
 */
export function checksumErrors(frame: Buffer): string[] {
  const d = decode(frame);
  const errors: string[] = [];
  if (d.ipv4) {
    const h = frame.subarray(d.l3, d.l3 + d.ipv4.ihl);
    if (onesSum(h) !== 0xffff) errors.push(`IPv4 header checksum 0x${d.ipv4.checksum.toString(16)} is wrong`);
    if (d.ipv4.totalLen > frame.length - d.l3) errors.push('IPv4 total length exceeds the frame');
  }
  const span = l4Span(frame, d);
  if (span) {
    const { l4, src, dst, proto } = span;
    if (proto === PROTO_UDP && d.ipv4 && l4.readUInt16BE(6) === 0) return errors;
    if (proto === PROTO_TCP || proto === PROTO_UDP || proto === PROTO_ICMPV6) {
      if (onesSum(l4, pseudoSum(src, dst, proto, l4.length)) !== 0xffff) errors.push(`${proto === PROTO_TCP ? 'TCP' : proto === PROTO_UDP ? 'UDP' : 'ICMPv6'} checksum is wrong`);
    } else if (proto === PROTO_ICMP) {
      if (onesSum(l4) !== 0xffff) errors.push('ICMP checksum is wrong');
    }
  }
  return errors;
}

/**
 * A copy of the frame with every checksum recomputed from scratch (a UDP/IPv4
 * checksum of 0 stays 0): what a correct rewrite must produce.
 */
export function withFixedChecksums(frame: Buffer): Buffer {
  const f = Buffer.from(frame);
  const d = decode(f);
  if (d.ipv4) {
    f.writeUInt16BE(0, d.l3 + 10);
    f.writeUInt16BE(internetChecksum(f.subarray(d.l3, d.l3 + d.ipv4.ihl)), d.l3 + 10);
  }
  const span = l4Span(f, d);
  if (span) {
    const { l4, src, dst, proto } = span;
    const at = proto === PROTO_TCP ? 16 : proto === PROTO_UDP ? 6 : proto === PROTO_ICMP || proto === PROTO_ICMPV6 ? 2 : -1;
    if (at >= 0 && l4.length >= at + 2 && !(proto === PROTO_UDP && d.ipv4 && l4.readUInt16BE(6) === 0)) {
      l4.writeUInt16BE(0, at);
      const pseudo = proto === PROTO_ICMP ? 0 : pseudoSum(src, dst, proto, l4.length);
      const c = internetChecksum(l4, pseudo);
      l4.writeUInt16BE(proto === PROTO_UDP && c === 0 ? 0xffff : c, at);
    }
  }
  return f;
}
