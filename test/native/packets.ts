// Test frames: the builders are production code (src/packet/frame-builder.ts, also
// trace's), re-exported here; this file adds what only tests need — a decoder that
// reads frames back, and checksum verifiers, so a test can say "the rewrite left
// every checksum valid" without trusting the switch's own checksum code.
import {
  ETH_ARP,
  ETH_IP,
  ETH_IPV6,
  ETH_QINQ,
  ETH_VLAN,
  internetChecksum,
  onesSum,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_TCP,
  PROTO_UDP,
  pseudoSum,
  type VlanTag,
} from '../../src/packet/frame-builder.js';

export * from '../../src/packet/frame-builder.js';

// ---- addresses as text -----------------------------------------------------------

export function formatMac(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function formatIpv4(b: Buffer): string {
  return [...b].join('.');
}

export function formatIpv6(b: Buffer): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i).toString(16));
  return g.join(':');
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
