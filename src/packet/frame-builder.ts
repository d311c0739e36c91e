/**
 * Frames with real headers — Ethernet (+ 802.1Q tags), IPv4, IPv6, TCP, UDP, SCTP,
 * ICMP, ICMPv6 and ARP — with every checksum right. The one frame builder: `trace`
 * builds its packet with it (src/ofproto/packet-builder.ts), and the tests and the
 * benchmarks build theirs.
 *
 * Every option has a default, so `tcp4()` alone is a valid frame: 02:00:00:00:00:01 →
 * 02:00:00:00:00:02, 10.0.0.1 → 10.0.0.2 (fd00::1 → fd00::2), TTL 64, a short text
 * payload; frames are padded to the 60-byte Ethernet minimum unless `pad: false`.
 * Addresses are text ("02:00:00:00:00:01" or "020000000001", "10.0.0.1", "fd00::1")
 * or their bytes.
 */

export const ETH_IP = 0x0800;
export const ETH_ARP = 0x0806;
export const ETH_IPV6 = 0x86dd;
export const ETH_VLAN = 0x8100;
export const ETH_QINQ = 0x88a8;
/** IEEE 802 local experimental ethertype: a frame that is nothing but Ethernet. */
export const ETH_EXPERIMENTAL = 0x88b5;
export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;
export const PROTO_SCTP = 132;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** The Ethernet minimum without the FCS. */
export const MIN_FRAME = 60;

export type Address = string | Uint8Array;

// ---- addresses ---------------------------------------------------------------

/** Bytes given as bytes are returned as they are (a Buffer view, not a copy). */
const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length));

export function macBytes(mac: Address): Buffer {
  const b = typeof mac === 'string' ? Buffer.from(mac.replace(/[:-]/g, ''), 'hex') : asBuffer(mac);
  if (b.length !== 6) throw new Error(`not a MAC address: ${String(mac)}`);
  return b;
}

export function ipv4Bytes(ip: Address): Buffer {
  if (typeof ip !== 'string') return asBuffer(ip);
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return Buffer.from(parts);
}

export function ipv6Bytes(ip: Address): Buffer {
  if (typeof ip !== 'string') return asBuffer(ip);
  const [head = '', tail] = ip.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const zeros = tail === undefined ? 0 : 8 - h.length - t.length;
  const all = [...h, ...Array<string>(zeros).fill('0'), ...t];
  if (all.length !== 8) throw new Error(`not an IPv6 address: ${ip}`);
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

// ---- checksums -----------------------------------------------------------------

/** The 16-bit one's-complement sum of `data` (odd length: padded with a zero byte), not inverted. */
export function onesSum(data: Uint8Array, initial = 0): number {
  let s = initial;
  for (let i = 0; i + 1 < data.length; i += 2) s += (data[i]! << 8) | data[i + 1]!;
  if (data.length & 1) s += data[data.length - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** RFC 1071: the one's-complement sum of `data`, folded and inverted. */
export function internetChecksum(data: Uint8Array, initial = 0): number {
  return ~onesSum(data, initial) & 0xffff;
}

/** The one's-complement sum of the IPv4 or IPv6 pseudo-header (by the addresses' length). */
export function pseudoSum(src: Uint8Array, dst: Uint8Array, proto: number, len: number): number {
  // The same sum whatever the layout: the addresses, the protocol, the length (IPv6: 32 bits).
  let s = proto + (len >>> 16) + (len & 0xffff);
  for (let i = 0; i + 1 < src.length; i += 2) s += ((src[i]! << 8) | src[i + 1]!) + ((dst[i]! << 8) | dst[i + 1]!);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

let crcTable: Uint32Array | undefined;

/** CRC32c (Castagnoli), SCTP's checksum. */
export function crc32c(buf: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of buf) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---- Ethernet ------------------------------------------------------------------

export interface VlanTag {
  vid: number;
  pcp?: number;
  dei?: number;
  /** Default 0x8100. */
  tpid?: number;
}

export interface EthOpts {
  src?: Address;
  dst?: Address;
  /** Outermost first. */
  vlans?: VlanTag[];
  /** Pad to the 60-byte Ethernet minimum (default true). */
  pad?: boolean;
}

export const DEFAULT_SRC = '02:00:00:00:00:01';
export const DEFAULT_DST = '02:00:00:00:00:02';

/** An Ethernet frame: `type` is the ethertype after the tags (or an 802.3 length). */
export function ethernet(eth: EthOpts, type: number, payload: Uint8Array): Buffer {
  const tags = eth.vlans ?? [];
  const len = 14 + tags.length * 4 + payload.length;
  const frame = Buffer.alloc(eth.pad === false ? len : Math.max(len, MIN_FRAME));
  frame.set(macBytes(eth.dst ?? DEFAULT_DST), 0);
  frame.set(macBytes(eth.src ?? DEFAULT_SRC), 6);
  let at = 12;
  for (const v of tags) {
    frame.writeUInt16BE(v.tpid ?? ETH_VLAN, at);
    frame.writeUInt16BE(((v.pcp ?? 0) << 13) | ((v.dei ?? 0) << 12) | (v.vid & 0x0fff), at + 2);
    at += 4;
  }
  frame.writeUInt16BE(type, at);
  frame.set(payload, at + 2);
  return frame;
}

/** A frame that is nothing but Ethernet: ethertype 0x88b5 and 46 zero bytes (or `payload`). */
export function ethFrame(dst: Address, src: Address, opts: { vlan?: number; payload?: Uint8Array } = {}): Buffer {
  const vlans = opts.vlan === undefined ? [] : [{ vid: opts.vlan }];
  return ethernet({ dst, src, vlans }, ETH_EXPERIMENTAL, opts.payload ?? Buffer.alloc(46));
}

// ---- IP ------------------------------------------------------------------------

export interface Ipv4Opts {
  src?: Address;
  dst?: Address;
  tos?: number;
  ttl?: number;
  /** Default 0x1234. */
  id?: number;
  /** Overrides the protocol the L4 builder implies. */
  proto?: number;
  df?: boolean;
  /** Fragment offset in 8-byte units, and more-fragments. */
  fragOffset?: number;
  mf?: boolean;
}

export interface Ipv6Opts {
  src?: Address;
  dst?: Address;
  /** Traffic class. */
  tc?: number;
  label?: number;
  hlim?: number;
}

const V4_SRC = '10.0.0.1';
const V4_DST = '10.0.0.2';
const V6_SRC = 'fd00::1';
const V6_DST = 'fd00::2';

export function ipv4Header(ip: Ipv4Opts, proto: number, payloadLen: number): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h[1] = ip.tos ?? 0;
  h.writeUInt16BE(20 + payloadLen, 2);
  h.writeUInt16BE(ip.id ?? 0x1234, 4);
  h.writeUInt16BE((ip.df ? 0x4000 : 0) | (ip.mf ? 0x2000 : 0) | (ip.fragOffset ?? 0), 6);
  h[8] = ip.ttl ?? 64;
  h[9] = ip.proto ?? proto;
  h.set(ipv4Bytes(ip.src ?? V4_SRC), 12);
  h.set(ipv4Bytes(ip.dst ?? V4_DST), 16);
  h.writeUInt16BE(internetChecksum(h), 10);
  return h;
}

export function ipv6Header(ip: Ipv6Opts, next: number, payloadLen: number): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(((6 << 28) | ((ip.tc ?? 0) << 20) | ((ip.label ?? 0) & 0xfffff)) >>> 0, 0);
  h.writeUInt16BE(payloadLen, 4);
  h[6] = next;
  h[7] = ip.hlim ?? 64;
  h.set(ipv6Bytes(ip.src ?? V6_SRC), 8);
  h.set(ipv6Bytes(ip.dst ?? V6_DST), 24);
  return h;
}

// ---- L4 --------------------------------------------------------------------------

export interface TcpOpts {
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  /** Default ACK. */
  flags?: number;
  window?: number;
  payload?: Uint8Array;
}

export interface UdpOpts {
  sport?: number;
  dport?: number;
  payload?: Uint8Array;
  /** IPv4 only: send without a checksum (0). */
  noChecksum?: boolean;
}

export interface SctpOpts {
  sport?: number;
  dport?: number;
  /** Chunks after the common header (default none). */
  payload?: Uint8Array;
}

export interface IcmpOpts {
  type?: number;
  code?: number;
  /** Echo id/seq, or whatever the 4 bytes after the checksum hold. */
  rest?: number;
  payload?: Uint8Array;
}

const PAYLOAD = Buffer.from('nodeswitch test payload 0123456789', 'latin1');
const EMPTY = Buffer.alloc(0);

function tcpSegment(o: TcpOpts, src: Uint8Array, dst: Uint8Array): Buffer {
  const payload = o.payload ?? PAYLOAD;
  const h = Buffer.alloc(20 + payload.length);
  h.writeUInt16BE(o.sport ?? 40000, 0);
  h.writeUInt16BE(o.dport ?? 80, 2);
  h.writeUInt32BE((o.seq ?? 1000) >>> 0, 4);
  h.writeUInt32BE((o.ack ?? 2000) >>> 0, 8);
  h.writeUInt16BE((5 << 12) | ((o.flags ?? TCP_ACK) & 0x0fff), 12);
  h.writeUInt16BE(o.window ?? 65535, 14);
  h.set(payload, 20);
  h.writeUInt16BE(internetChecksum(h, pseudoSum(src, dst, PROTO_TCP, h.length)), 16);
  return h;
}

function udpDatagram(o: UdpOpts, src: Uint8Array, dst: Uint8Array): Buffer {
  const payload = o.payload ?? PAYLOAD;
  const h = Buffer.alloc(8 + payload.length);
  h.writeUInt16BE(o.sport ?? 5000, 0);
  h.writeUInt16BE(o.dport ?? 53, 2);
  h.writeUInt16BE(h.length, 4);
  h.set(payload, 8);
  if (!o.noChecksum) {
    const c = internetChecksum(h, pseudoSum(src, dst, PROTO_UDP, h.length));
    h.writeUInt16BE(c === 0 ? 0xffff : c, 6); // a computed 0 goes as 0xffff: 0 means "none"
  }
  return h;
}

function sctpPacket(o: SctpOpts): Buffer {
  const payload = o.payload ?? EMPTY;
  const h = Buffer.alloc(12 + payload.length);
  h.writeUInt16BE(o.sport ?? 5000, 0);
  h.writeUInt16BE(o.dport ?? 5001, 2);
  h.set(payload, 12);
  h.writeUInt32LE(crc32c(h), 8);
  return h;
}

/** An ICMP or ICMPv6 message; `pseudo` is the pseudo-header's sum (ICMPv6) or 0 (ICMP). */
function icmpMessage(o: IcmpOpts, pseudo: (len: number) => number): Buffer {
  const payload = o.payload ?? PAYLOAD;
  const h = Buffer.alloc(8 + payload.length);
  h[0] = o.type ?? 8;
  h[1] = o.code ?? 0;
  h.writeUInt32BE((o.rest ?? 0x00010001) >>> 0, 4);
  h.set(payload, 8);
  h.writeUInt16BE(internetChecksum(h, pseudo(h.length)), 2);
  return h;
}

// ---- frames --------------------------------------------------------------------

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

function v4(o: FrameOpts<unknown>, proto: number, build: (src: Uint8Array, dst: Uint8Array) => Buffer): Buffer {
  const src = ipv4Bytes(o.ip?.src ?? V4_SRC);
  const dst = ipv4Bytes(o.ip?.dst ?? V4_DST);
  const l4 = build(src, dst);
  return ethernet(o.eth ?? {}, ETH_IP, Buffer.concat([ipv4Header(o.ip ?? {}, proto, l4.length), l4]));
}

function v6(o: Frame6Opts<unknown>, next: number, build: (src: Uint8Array, dst: Uint8Array) => Buffer): Buffer {
  const src = ipv6Bytes(o.ip?.src ?? V6_SRC);
  const dst = ipv6Bytes(o.ip?.dst ?? V6_DST);
  const l4 = build(src, dst);
  return ethernet(o.eth ?? {}, ETH_IPV6, Buffer.concat([ipv6Header(o.ip ?? {}, next, l4.length), l4]));
}

export const tcp4 = (o: FrameOpts<TcpOpts> = {}): Buffer => v4(o, PROTO_TCP, (s, d) => tcpSegment(o.l4 ?? {}, s, d));
export const udp4 = (o: FrameOpts<UdpOpts> = {}): Buffer => v4(o, PROTO_UDP, (s, d) => udpDatagram(o.l4 ?? {}, s, d));
export const sctp4 = (o: FrameOpts<SctpOpts> = {}): Buffer => v4(o, PROTO_SCTP, () => sctpPacket(o.l4 ?? {}));
export const icmp4 = (o: FrameOpts<IcmpOpts> = {}): Buffer => v4(o, PROTO_ICMP, () => icmpMessage(o.l4 ?? {}, () => 0));
export const tcp6 = (o: Frame6Opts<TcpOpts> = {}): Buffer => v6(o, PROTO_TCP, (s, d) => tcpSegment(o.l4 ?? {}, s, d));
export const udp6 = (o: Frame6Opts<UdpOpts> = {}): Buffer => v6(o, PROTO_UDP, (s, d) => udpDatagram({ ...o.l4, noChecksum: false }, s, d));
export const sctp6 = (o: Frame6Opts<SctpOpts> = {}): Buffer => v6(o, PROTO_SCTP, () => sctpPacket(o.l4 ?? {}));
export const icmp6 = (o: Frame6Opts<IcmpOpts> = {}): Buffer =>
  v6(o, PROTO_ICMPV6, (s, d) => icmpMessage({ type: 128, ...o.l4 }, (len) => pseudoSum(s, d, PROTO_ICMPV6, len)));

/** An IPv4 packet with an arbitrary protocol and raw payload (no L4 header built). */
export const rawIp4 = (o: FrameOpts<Uint8Array> & { proto: number }): Buffer => v4(o, o.proto, () => Buffer.from(o.l4 ?? PAYLOAD));
/** An IPv6 packet with an arbitrary next header and raw payload (no L4 header built). */
export const rawIp6 = (o: Frame6Opts<Uint8Array> & { next: number }): Buffer => v6(o, o.next, () => Buffer.from(o.l4 ?? PAYLOAD));

export interface ArpOpts {
  /** 1 request (default), 2 reply, 3/4 RARP. */
  op?: number;
  sha?: Address;
  spa?: Address;
  tha?: Address;
  tpa?: Address;
}

/** An ARP (or, with `type: 0x8035`, RARP) packet for IPv4 over Ethernet; broadcast unless eth.dst says otherwise. */
export function arp(o: { eth?: EthOpts; arp?: ArpOpts; type?: number } = {}): Buffer {
  const a = o.arp ?? {};
  const b = Buffer.alloc(28);
  b.writeUInt16BE(1, 0); // Ethernet
  b.writeUInt16BE(ETH_IP, 2);
  b[4] = 6;
  b[5] = 4;
  b.writeUInt16BE(a.op ?? 1, 6);
  b.set(macBytes(a.sha ?? o.eth?.src ?? DEFAULT_SRC), 8);
  b.set(ipv4Bytes(a.spa ?? V4_SRC), 14);
  b.set(macBytes(a.tha ?? '00:00:00:00:00:00'), 18);
  b.set(ipv4Bytes(a.tpa ?? V4_DST), 24);
  return ethernet({ dst: 'ff:ff:ff:ff:ff:ff', ...o.eth }, o.type ?? ETH_ARP, b);
}
