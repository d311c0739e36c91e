/**
 * Prints a Match as `ovs-ofctl -O OpenFlow13 dump-flows` does (OVS 3.1's
 * match_format()): priority when not 32768, the protocol shorthand (ip, tcp6, arp...)
 * standing for dl_type/nw_proto, then the fields in OVS's order, each under the name
 * the protocol calls for (arp_spa for nw_src on ARP, icmp_type for tp_src on ICMP,
 * nd_sll for arp_sha on ICMPv6...). Numbers print in decimal unless masked; masked
 * values print as 0xVALUE/0xMASK, addresses as CIDR when the mask is a prefix.
 */
import { ETH_TYPE, formatTcpFlags, IP_PROTO, type Masked, type Match } from './fields.js';
import { altHex, formatIpv4Masked, formatIpv6Masked, formatMacMasked, formatPort, hex } from './values.js';

function u16Masked(out: string[], name: string, f: Masked<number> | undefined): void {
  if (f) out.push(f.mask === 0xffff ? `${name}=${f.value}` : `${name}=${hex(f.value)}/${hex(f.mask)}`);
}

function vlanText({ value, mask }: Masked<number>): string[] {
  const vid = mask & 0x0fff;
  const pcp = mask & 0xe000;
  if (mask & 0x1000 && value & 0x1000 && (vid === 0 || vid === 0x0fff) && (pcp === 0 || pcp === 0xe000) && (vid || pcp)) {
    const out: string[] = [];
    if (vid) out.push(`dl_vlan=${value & 0x0fff}`);
    if (pcp) out.push(`dl_vlan_pcp=${value >> 13}`);
    return out;
  }
  const h = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;
  return [mask === 0xffff ? `vlan_tci=${h(value)}` : `vlan_tci=${h(value)}/${h(mask)}`];
}

const ALL_ONES_64 = 0xffffffffffffffffn;

// dl_type → its shorthand, and nw_proto → the shorthand that stands for both (made
// once: building it per call was an eighth of add-flows' time).
const SHORTHANDS = new Map<number, [string, Map<number, string>]>([
  [ETH_TYPE.IP, ['ip', new Map([[1, 'icmp'], [6, 'tcp'], [17, 'udp'], [132, 'sctp']])]],
  [ETH_TYPE.IPV6, ['ipv6', new Map([[58, 'icmp6'], [6, 'tcp6'], [17, 'udp6'], [132, 'sctp6']])]],
  [ETH_TYPE.ARP, ['arp', new Map()]],
  [ETH_TYPE.RARP, ['rarp', new Map()]],
]);

/**
 * Prints a match as ovs-ofctl dump-flows does: priority (when not 32768), the
 * protocol shorthand, then fields in OVS's order (match_format() in lib/match.c).
 */
export function formatMatchWithPriority(m: Match, priority: number): string {
  const out: string[] = [];
  if (priority !== 32768) out.push(`priority=${priority}`);
  const type = m.dl_type?.value;
  const proto = m.nw_proto?.value;
  let skipType = false;
  let skipProto = false;
  if (type !== undefined) {
    skipType = true;
    const entry = SHORTHANDS.get(type);
    const both = proto === undefined ? undefined : entry?.[1].get(proto);
    if (!entry) skipType = false;
    else if (both !== undefined) {
      out.push(both);
      skipProto = true;
    } else out.push(entry[0]);
  }
  if (m.metadata) {
    const { value, mask } = m.metadata;
    out.push(`metadata=${altHex(value)}${mask === ALL_ONES_64 ? '' : `/${altHex(mask)}`}`);
  }
  if (m.in_port) out.push(`in_port=${formatPort(m.in_port.value)}`);
  if (m.vlan_tci) out.push(...vlanText(m.vlan_tci));
  if (m.dl_src) out.push(`dl_src=${formatMacMasked(m.dl_src.value, m.dl_src.mask)}`);
  if (m.dl_dst) out.push(`dl_dst=${formatMacMasked(m.dl_dst.value, m.dl_dst.mask)}`);
  if (!skipType && m.dl_type) out.push(`dl_type=0x${m.dl_type.value.toString(16).padStart(4, '0')}`);
  const arp = type === ETH_TYPE.ARP || type === ETH_TYPE.RARP;
  if (type === ETH_TYPE.IPV6) {
    if (m.ipv6_src) out.push(`ipv6_src=${formatIpv6Masked(m.ipv6_src.value, m.ipv6_src.mask)}`);
    if (m.ipv6_dst) out.push(`ipv6_dst=${formatIpv6Masked(m.ipv6_dst.value, m.ipv6_dst.mask)}`);
    if (m.ipv6_label) {
      const h = (n: number): string => `0x${n.toString(16).padStart(5, '0')}`;
      const { value, mask } = m.ipv6_label;
      out.push(`ipv6_label=${h(value)}${mask === 0xfffff ? '' : `/${h(mask)}`}`);
    }
  } else {
    const [s, d] = arp ? ['arp_spa', 'arp_tpa'] : ['nw_src', 'nw_dst'];
    if (m.nw_src) out.push(`${s}=${formatIpv4Masked(m.nw_src.value, m.nw_src.mask)}`);
    if (m.nw_dst) out.push(`${d}=${formatIpv4Masked(m.nw_dst.value, m.nw_dst.mask)}`);
  }
  if (!skipProto && m.nw_proto) out.push(`${arp ? 'arp_op' : 'nw_proto'}=${m.nw_proto.value}`);
  if (arp) {
    if (m.arp_sha) out.push(`arp_sha=${formatMacMasked(m.arp_sha.value, m.arp_sha.mask)}`);
    if (m.arp_tha) out.push(`arp_tha=${formatMacMasked(m.arp_tha.value, m.arp_tha.mask)}`);
  }
  if (m.nw_tos) out.push(`nw_tos=${m.nw_tos.value}`);
  if (m.nw_ecn) out.push(`nw_ecn=${m.nw_ecn.value}`);
  if (m.nw_ttl) out.push(`nw_ttl=${m.nw_ttl.value}`);
  if ((type === ETH_TYPE.IP && proto === IP_PROTO.ICMP) || (type === ETH_TYPE.IPV6 && proto === IP_PROTO.ICMPV6)) {
    u16Masked(out, 'icmp_type', m.tp_src);
    u16Masked(out, 'icmp_code', m.tp_dst);
    if (type === ETH_TYPE.IPV6) {
      if (m.nd_target) out.push(`nd_target=${formatIpv6Masked(m.nd_target.value, m.nd_target.mask)}`);
      if (m.arp_sha) out.push(`nd_sll=${formatMacMasked(m.arp_sha.value, m.arp_sha.mask)}`);
      if (m.arp_tha) out.push(`nd_tll=${formatMacMasked(m.arp_tha.value, m.arp_tha.mask)}`);
    }
  } else {
    u16Masked(out, 'tp_src', m.tp_src);
    u16Masked(out, 'tp_dst', m.tp_dst);
  }
  if ((type === ETH_TYPE.IP || type === ETH_TYPE.IPV6) && proto === IP_PROTO.TCP && m.tcp_flags) {
    out.push(`tcp_flags=${formatTcpFlags(m.tcp_flags)}`);
  }
  return out.join(',');
}

/** The match alone, as dump-flows prints it (no priority). */
export function formatMatch(m: Match): string {
  return formatMatchWithPriority(m, 32768);
}
