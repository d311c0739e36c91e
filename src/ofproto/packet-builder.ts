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
 * TCP flags none, IPv4 DF and ID 0, no payload. Masked fields contribute their
 * (masked) value. The headers themselves are written by src/packet/frame-builder.ts,
 * so checksums are correct and frames padded to 60 bytes.
 */
import {
  arp,
  ethernet,
  type EthOpts,
  icmp4,
  icmp6,
  type IcmpOpts,
  type Ipv4Opts,
  type Ipv6Opts,
  MIN_FRAME,
  rawIp4,
  rawIp6,
  sctp4,
  sctp6,
  type SctpOpts,
  tcp4,
  tcp6,
  type TcpOpts,
  udp4,
  udp6,
  type UdpOpts,
} from '../packet/frame-builder.js';
import { FlowSyntaxError } from './errors.js';
import { ETH_TYPE, IP_PROTO, type Match } from './fields.js';

export interface BuiltPacket {
  frame: Buffer;
  /** The headers of `frame` as an exact match (no in_port: the caller knows it). */
  flow: Match;
}

const DL_TYPE_NONE = 0x05ff;
const ZERO_MAC = '000000000000';
const ZERO_IPV6 = '0'.repeat(32);
const EMPTY = Buffer.alloc(0);

const exact = <T extends number | string>(value: T, mask: T): { value: T; mask: T } => ({ value, mask });
const num = (m: { value: number } | undefined, dflt: number): number => (m ? m.value : dflt);
const hexOf = (m: { value: string } | undefined, dflt: string): string => (m ? m.value : dflt);
const v4Bytes = (a: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(a >>> 0, 0);
  return b;
};

/** The frame for a match (from parseMatch). Throws FlowSyntaxError for fields no packet carries. */
export function buildPacket(match: Match): BuiltPacket {
  if (match.metadata) {
    throw new FlowSyntaxError('metadata', 'is pipeline state, not a packet header: a traced packet starts with metadata 0');
  }
  const flow: Match = {};
  const dlType = num(match.dl_type, DL_TYPE_NONE);
  const build = l3Builder(match, dlType, flow);

  const dlSrc = hexOf(match.dl_src, ZERO_MAC);
  const dlDst = hexOf(match.dl_dst, ZERO_MAC);
  flow.dl_src = exact(dlSrc, 'f'.repeat(12));
  flow.dl_dst = exact(dlDst, 'f'.repeat(12));
  flow.dl_type = exact(dlType, 0xffff);
  const tci = match.vlan_tci?.value ?? 0;
  const eth: EthOpts = { src: dlSrc, dst: dlDst, vlans: [] };
  if (tci & 0xffff) {
    eth.vlans!.push({ vid: tci & 0x0fff, pcp: (tci >> 13) & 7 });
    flow.vlan_tci = exact((tci | 0x1000) & 0xffff, 0xffff);
  } else {
    flow.vlan_tci = exact(0, 0xffff);
  }
  if (dlType === DL_TYPE_NONE) {
    // 802.3: a length field, then an LLC header (DSAP/SSAP 0x42, UI) and no data.
    const llc = Buffer.from([0x42, 0x42, 0x03]);
    const payloadLen = Math.max(llc.length, MIN_FRAME - 14 - eth.vlans!.length * 4);
    return { frame: ethernet(eth, payloadLen, llc), flow };
  }
  return { frame: build(eth), flow };
}

type FrameOf = (eth: EthOpts) => Buffer;

/** Fills `flow` with the L3/L4 fields and returns what builds the frame from them. */
function l3Builder(m: Match, dlType: number, flow: Match): FrameOf {
  switch (dlType) {
    case ETH_TYPE.ARP:
    case ETH_TYPE.RARP:
      return arpBuilder(m, dlType, flow);
    case ETH_TYPE.IP:
      return ipv4Builder(m, flow);
    case ETH_TYPE.IPV6:
      return ipv6Builder(m, flow);
    default:
      return (eth) => ethernet(eth, dlType, EMPTY);
  }
}

function arpBuilder(m: Match, dlType: number, flow: Match): FrameOf {
  const op = num(m.nw_proto, dlType === ETH_TYPE.RARP ? 3 : 1);
  const sha = hexOf(m.arp_sha, hexOf(m.dl_src, ZERO_MAC));
  const tha = hexOf(m.arp_tha, ZERO_MAC);
  const spa = num(m.nw_src, 0) >>> 0;
  const tpa = num(m.nw_dst, 0) >>> 0;
  Object.assign(flow, {
    nw_proto: exact(op & 0xff, 0xff),
    nw_src: exact(spa, 0xffffffff),
    nw_dst: exact(tpa, 0xffffffff),
    arp_sha: exact(sha, 'f'.repeat(12)),
    arp_tha: exact(tha, 'f'.repeat(12)),
  });
  return (eth) => arp({ eth, type: dlType, arp: { op, sha, tha, spa: v4Bytes(spa), tpa: v4Bytes(tpa) } });
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

/** Transport ports (TCP, UDP, SCTP) and, for TCP, the flags. */
function ports(m: Match, flow: Match, tcp: boolean): { sport: number; dport: number; flags: number } {
  const sport = num(m.tp_src, 0);
  const dport = num(m.tp_dst, 0);
  flow.tp_src = exact(sport, 0xffff);
  flow.tp_dst = exact(dport, 0xffff);
  const flags = num(m.tcp_flags, 0) & 0x0fff;
  if (tcp) flow.tcp_flags = exact(flags, 0x0fff);
  return { sport, dport, flags };
}

/** The frame builders of one IP version. */
interface IpFamily<IP> {
  v6: boolean;
  icmpProto: number;
  tcp(o: { eth: EthOpts; ip: IP; l4: TcpOpts }): Buffer;
  udp(o: { eth: EthOpts; ip: IP; l4: UdpOpts }): Buffer;
  sctp(o: { eth: EthOpts; ip: IP; l4: SctpOpts }): Buffer;
  icmp(o: { eth: EthOpts; ip: IP; l4: IcmpOpts }): Buffer;
  raw(o: { eth: EthOpts; ip: IP; l4: Buffer }, proto: number): Buffer;
}

const IPV4: IpFamily<Ipv4Opts> = { v6: false, icmpProto: IP_PROTO.ICMP, tcp: tcp4, udp: udp4, sctp: sctp4, icmp: icmp4, raw: (o, proto) => rawIp4({ ...o, proto }) };
const IPV6: IpFamily<Ipv6Opts> = { v6: true, icmpProto: IP_PROTO.ICMPV6, tcp: tcp6, udp: udp6, sctp: sctp6, icmp: icmp6, raw: (o, next) => rawIp6({ ...o, next }) };

/** The L4 header for `proto` (none for a protocol without one here), its fields into `flow`. */
function l4Builder<IP>(m: Match, flow: Match, family: IpFamily<IP>, ip: IP, proto: number): FrameOf {
  switch (proto) {
    case IP_PROTO.TCP: {
      const { sport, dport, flags } = ports(m, flow, true);
      return (eth) => family.tcp({ eth, ip, l4: { sport, dport, flags, seq: 0, ack: 0, window: 0xffff, payload: EMPTY } });
    }
    case IP_PROTO.UDP: {
      const { sport, dport } = ports(m, flow, false);
      return (eth) => family.udp({ eth, ip, l4: { sport, dport, payload: EMPTY } });
    }
    case IP_PROTO.SCTP: {
      const { sport, dport } = ports(m, flow, false);
      return (eth) => family.sctp({ eth, ip, l4: { sport, dport } });
    }
    case family.icmpProto: {
      const l4 = icmpFields(m, family.v6, flow);
      return (eth) => family.icmp({ eth, ip, l4 });
    }
    default:
      return (eth) => family.raw({ eth, ip, l4: EMPTY }, proto);
  }
}

function ipv4Builder(m: Match, flow: Match): FrameOf {
  const { proto, tos, ttl } = ipCommon(m, flow);
  const src = num(m.nw_src, 0) >>> 0;
  const dst = num(m.nw_dst, 0) >>> 0;
  flow.nw_src = exact(src, 0xffffffff);
  flow.nw_dst = exact(dst, 0xffffffff);
  return l4Builder(m, flow, IPV4, { src: v4Bytes(src), dst: v4Bytes(dst), tos, ttl, id: 0, df: true }, proto);
}

function ipv6Builder(m: Match, flow: Match): FrameOf {
  const { proto, tos, ttl } = ipCommon(m, flow);
  const src = hexOf(m.ipv6_src, ZERO_IPV6);
  const dst = hexOf(m.ipv6_dst, ZERO_IPV6);
  const label = num(m.ipv6_label, 0) & 0xfffff;
  Object.assign(flow, {
    ipv6_src: exact(src, 'f'.repeat(32)),
    ipv6_dst: exact(dst, 'f'.repeat(32)),
    ipv6_label: exact(label, 0xfffff),
  });
  return l4Builder(m, flow, IPV6, { src: Buffer.from(src, 'hex'), dst: Buffer.from(dst, 'hex'), tc: tos, label, hlim: ttl }, proto);
}

/** ICMP/ICMPv6 type and code from tp_src/tp_dst; for ND, the target and the link-layer option. */
function icmpFields(m: Match, v6: boolean, flow: Match): IcmpOpts {
  const type = num(m.tp_src, v6 ? 128 : 8);
  const code = num(m.tp_dst, 0);
  flow.tp_src = exact(type, 0xffff);
  flow.tp_dst = exact(code, 0xffff);
  if (!(v6 && code === 0 && (type === 135 || type === 136))) return { type, code, rest: 0, payload: EMPTY };
  const target = hexOf(m.nd_target, ZERO_IPV6);
  flow.nd_target = exact(target, 'f'.repeat(32));
  const opt = type === 135 ? m.arp_sha : m.arp_tha;
  const body = Buffer.alloc(16 + (opt ? 8 : 0));
  body.write(target, 0, 'hex');
  if (opt) {
    body[16] = type === 135 ? 1 : 2; // source / target link-layer address
    body[17] = 1; // 8 bytes
    body.write(opt.value, 18, 'hex');
    flow[type === 135 ? 'arp_sha' : 'arp_tha'] = exact(opt.value, 'f'.repeat(12));
  }
  // A neighbor advertisement says solicited and override.
  return { type, code, rest: type === 136 ? 0x60000000 : 0, payload: body };
}
