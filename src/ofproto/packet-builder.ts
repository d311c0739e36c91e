/**
 * Builds a real frame from ovs-ofctl match fields, for `nodeswitch trace`: the fields
 * given are written into the headers, everything else gets a default, and the result
 * says exactly what was built (`flow`: every header field as an exact match, the way
 * ovs-appctl ofproto/trace prints "Flow: ...").
 *
 * Layers: Ethernet (+ one 802.1Q tag when vlan_tci/dl_vlan/dl_vlan_pcp ask for one),
 * then by dl_type: ARP/RARP, IPv4, IPv6, and by nw_proto: TCP, UDP, SCTP, ICMP,
 * ICMPv6 (with the ND target and link-layer option for neighbor solicitations and
 * advertisements). No dl_type gives an 802.3/LLC frame (dl_type 0x05ff, as OVS);
 * another dl_type gives an Ethernet header with that type and no payload.
 *
 * Defaults: MAC and IP addresses zero (as OVS's trace), TTL/hop limit 64, ports 0,
 * ICMP echo request (type 8, code 0), ICMPv6 echo request (128), ARP request,
 * TCP flags none. Masked fields contribute their (masked) value. Checksums are
 * correct. Frames are padded to 60 bytes.
 */
import { FlowSyntaxError } from './errors.js';
import { ETH_TYPE, IP_PROTO, type Match } from './fields.js';

export interface BuiltPacket {
  frame: Buffer;
  /** The headers of `frame` as an exact match (no in_port: the caller knows it). */
  flow: Match;
}

const DL_TYPE_NONE = 0x05ff;
const MIN_FRAME = 60;
const ZERO_MAC = '000000000000';
const ZERO_IPV6 = '0'.repeat(32);

const exact = <T extends number | string>(value: T, mask: T): { value: T; mask: T } => ({ value, mask });
const num = (m: { value: number } | undefined, dflt: number): number => (m ? m.value : dflt);
const hexOf = (m: { value: string } | undefined, dflt: string): string => (m ? m.value : dflt);

/** RFC 1071 ones' complement sum of `parts`, folded and inverted. */
export function inetChecksum(...parts: Buffer[]): number {
  let sum = 0;
  for (const b of parts) {
    for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
    if (b.length % 2) sum += b[b.length - 1]! << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

let crcTable: Uint32Array | undefined;

/** CRC32c (Castagnoli), as SCTP's checksum. */
function crc32c(buf: Buffer): number {
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

/** The frame for a match (from parseMatch). Throws FlowSyntaxError for fields no packet carries. */
export function buildPacket(match: Match): BuiltPacket {
  if (match.metadata) {
    throw new FlowSyntaxError('metadata', 'is pipeline state, not a packet header: a traced packet starts with metadata 0');
  }
  const flow: Match = {};
  const dlType = num(match.dl_type, DL_TYPE_NONE);
  const l3 = buildL3(match, dlType, flow);

  const dlSrc = hexOf(match.dl_src, ZERO_MAC);
  const dlDst = hexOf(match.dl_dst, ZERO_MAC);
  flow.dl_src = exact(dlSrc, 'f'.repeat(12));
  flow.dl_dst = exact(dlDst, 'f'.repeat(12));
  flow.dl_type = exact(dlType, 0xffff);
  const parts: Buffer[] = [Buffer.from(dlDst + dlSrc, 'hex')];
  const tci = match.vlan_tci?.value ?? 0;
  if (tci & 0xffff) {
    const tag = Buffer.alloc(4);
    tag.writeUInt16BE(0x8100, 0);
    tag.writeUInt16BE(tci & 0xefff, 2);
    parts.push(tag);
    flow.vlan_tci = exact((tci | 0x1000) & 0xffff, 0xffff);
  } else {
    flow.vlan_tci = exact(0, 0xffff);
  }
  const type = Buffer.alloc(2);
  if (dlType === DL_TYPE_NONE) {
    // 802.3: a length field, then an LLC header (DSAP/SSAP 0x42, UI) and no data.
    const llc = Buffer.from([0x42, 0x42, 0x03]);
    const payloadLen = Math.max(llc.length, MIN_FRAME - 14 - (parts.length - 1) * 4);
    type.writeUInt16BE(payloadLen, 0);
    parts.push(type, llc);
  } else {
    type.writeUInt16BE(dlType, 0);
    parts.push(type, l3);
  }
  let frame = Buffer.concat(parts);
  if (frame.length < MIN_FRAME) frame = Buffer.concat([frame, Buffer.alloc(MIN_FRAME - frame.length)]);
  return { frame, flow };
}

function buildL3(m: Match, dlType: number, flow: Match): Buffer {
  switch (dlType) {
    case ETH_TYPE.ARP:
    case ETH_TYPE.RARP:
      return buildArp(m, dlType, flow);
    case ETH_TYPE.IP:
      return buildIpv4(m, flow);
    case ETH_TYPE.IPV6:
      return buildIpv6(m, flow);
    default:
      return Buffer.alloc(0);
  }
}

function buildArp(m: Match, dlType: number, flow: Match): Buffer {
  const op = num(m.nw_proto, dlType === ETH_TYPE.RARP ? 3 : 1);
  const sha = hexOf(m.arp_sha, hexOf(m.dl_src, ZERO_MAC));
  const tha = hexOf(m.arp_tha, ZERO_MAC);
  const spa = num(m.nw_src, 0) >>> 0;
  const tpa = num(m.nw_dst, 0) >>> 0;
  const b = Buffer.alloc(28);
  b.writeUInt16BE(1, 0); // Ethernet
  b.writeUInt16BE(ETH_TYPE.IP, 2);
  b[4] = 6;
  b[5] = 4;
  b.writeUInt16BE(op, 6);
  b.write(sha, 8, 'hex');
  b.writeUInt32BE(spa, 14);
  b.write(tha, 18, 'hex');
  b.writeUInt32BE(tpa, 24);
  Object.assign(flow, {
    nw_proto: exact(op & 0xff, 0xff),
    nw_src: exact(spa, 0xffffffff),
    nw_dst: exact(tpa, 0xffffffff),
    arp_sha: exact(sha, 'f'.repeat(12)),
    arp_tha: exact(tha, 'f'.repeat(12)),
  });
  return b;
}

/** The IP fields both versions share: protocol, DSCP/ECN, TTL. */
function ipCommon(m: Match, flow: Match): { proto: number; tos: number; ttl: number } {
  const proto = num(m.nw_proto, 0);
  const dscp = num(m.nw_tos, 0) & 0xfc;
  const ecn = num(m.nw_ecn, 0) & 0x03;
  const ttl = num(m.nw_ttl, 64);
  Object.assign(flow, {
    nw_proto: exact(proto, 0xff),
    nw_tos: exact(dscp, 0xfc),
    nw_ecn: exact(ecn, 0x03),
    nw_ttl: exact(ttl, 0xff),
  });
  return { proto, tos: dscp | ecn, ttl };
}

function buildIpv4(m: Match, flow: Match): Buffer {
  const { proto, tos, ttl } = ipCommon(m, flow);
  const src = num(m.nw_src, 0) >>> 0;
  const dst = num(m.nw_dst, 0) >>> 0;
  flow.nw_src = exact(src, 0xffffffff);
  flow.nw_dst = exact(dst, 0xffffffff);
  const pseudo = Buffer.alloc(12);
  pseudo.writeUInt32BE(src, 0);
  pseudo.writeUInt32BE(dst, 4);
  pseudo[9] = proto;
  const l4 = buildL4(m, proto, false, flow, (len) => (pseudo.writeUInt16BE(len, 10), pseudo));
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h[1] = tos;
  h.writeUInt16BE(20 + l4.length, 2);
  h.writeUInt16BE(0x4000, 6); // DF, not a fragment
  h[8] = ttl;
  h[9] = proto;
  h.writeUInt32BE(src, 12);
  h.writeUInt32BE(dst, 16);
  h.writeUInt16BE(inetChecksum(h), 10);
  return Buffer.concat([h, l4]);
}

function buildIpv6(m: Match, flow: Match): Buffer {
  const { proto, tos, ttl } = ipCommon(m, flow);
  const src = hexOf(m.ipv6_src, ZERO_IPV6);
  const dst = hexOf(m.ipv6_dst, ZERO_IPV6);
  const label = num(m.ipv6_label, 0) & 0xfffff;
  Object.assign(flow, {
    ipv6_src: exact(src, 'f'.repeat(32)),
    ipv6_dst: exact(dst, 'f'.repeat(32)),
    ipv6_label: exact(label, 0xfffff),
  });
  const addrs = Buffer.from(src + dst, 'hex');
  const pseudo = Buffer.alloc(40);
  addrs.copy(pseudo, 0);
  pseudo[39] = proto;
  const l4 = buildL4(m, proto, true, flow, (len) => (pseudo.writeUInt32BE(len, 32), pseudo));
  const h = Buffer.alloc(8);
  h.writeUInt32BE(((6 << 28) | (tos << 20) | label) >>> 0, 0);
  h.writeUInt16BE(l4.length, 4);
  h[6] = proto;
  h[7] = ttl;
  return Buffer.concat([h, addrs, l4]);
}

/** The L4 header for `proto`, its checksum over `pseudo(length)`. */
function buildL4(m: Match, proto: number, v6: boolean, flow: Match, pseudo: (len: number) => Buffer): Buffer {
  const icmp = v6 ? IP_PROTO.ICMPV6 : IP_PROTO.ICMP;
  if (proto === icmp) return buildIcmp(m, v6, flow, pseudo);
  if (proto !== IP_PROTO.TCP && proto !== IP_PROTO.UDP && proto !== IP_PROTO.SCTP) return Buffer.alloc(0);
  const sport = num(m.tp_src, 0);
  const dport = num(m.tp_dst, 0);
  flow.tp_src = exact(sport, 0xffff);
  flow.tp_dst = exact(dport, 0xffff);
  let b: Buffer;
  if (proto === IP_PROTO.TCP) {
    const flags = num(m.tcp_flags, 0) & 0x0fff;
    flow.tcp_flags = exact(flags, 0x0fff);
    b = Buffer.alloc(20);
    b[12] = (5 << 4) | (flags >> 8);
    b[13] = flags & 0xff;
    b.writeUInt16BE(0xffff, 14); // window
  } else if (proto === IP_PROTO.UDP) {
    b = Buffer.alloc(8);
    b.writeUInt16BE(8, 4);
  } else {
    b = Buffer.alloc(12); // SCTP common header, no chunks
  }
  b.writeUInt16BE(sport, 0);
  b.writeUInt16BE(dport, 2);
  if (proto === IP_PROTO.SCTP) b.writeUInt32LE(crc32c(b), 8);
  else {
    const sum = inetChecksum(pseudo(b.length), b);
    // UDP sends a computed 0 as 0xffff (0 means "no checksum").
    b.writeUInt16BE(proto === IP_PROTO.UDP && sum === 0 ? 0xffff : sum, proto === IP_PROTO.TCP ? 16 : 6);
  }
  return b;
}

function buildIcmp(m: Match, v6: boolean, flow: Match, pseudo: (len: number) => Buffer): Buffer {
  const type = num(m.tp_src, v6 ? 128 : 8);
  const code = num(m.tp_dst, 0);
  flow.tp_src = exact(type, 0xffff);
  flow.tp_dst = exact(code, 0xffff);
  let body = Buffer.alloc(4); // echo id and sequence, or unused
  if (v6 && code === 0 && (type === 135 || type === 136)) {
    const target = hexOf(m.nd_target, ZERO_IPV6);
    flow.nd_target = exact(target, 'f'.repeat(32));
    const opt = type === 135 ? m.arp_sha : m.arp_tha;
    body = Buffer.alloc(20 + (opt ? 8 : 0));
    if (type === 136) body[0] = 0x60; // solicited, override
    body.write(target, 4, 'hex');
    if (opt) {
      body[20] = type === 135 ? 1 : 2; // source / target link-layer address
      body[21] = 1; // 8 bytes
      body.write(opt.value, 22, 'hex');
      flow[type === 135 ? 'arp_sha' : 'arp_tha'] = exact(opt.value, 'f'.repeat(12));
    }
  }
  const b = Buffer.concat([Buffer.from([type, code, 0, 0]), body]);
  b.writeUInt16BE(v6 ? inetChecksum(pseudo(b.length), b) : inetChecksum(b), 2);
  return b;
}
