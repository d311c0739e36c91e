/**
 * Match fields of ovs-ofctl flows: names, widths, masks and prerequisites.
 * (Printing a match is match-format.ts.)
 *
 * A Match is keyed by the field names of OVS's `struct flow` (the names dump-flows
 * prints when it does not use a protocol-specific alias). Fields that OVS stores in
 * a shared slot are stored the same way here, and printed under the alias the
 * dl_type/nw_proto calls for:
 *   - ARP/RARP: arp_spa/arp_tpa live in nw_src/nw_dst, arp_op in nw_proto
 *   - ICMP/ICMPv6: type/code live in tp_src/tp_dst (printed icmp_type/icmp_code)
 *   - IPv6 ND: nd_sll lives in arp_sha, nd_tll in arp_tha
 *   - ip_dscp lives in nw_tos (the TOS byte with the ECN bits clear, mask 0xfc)
 *   - dl_vlan/dl_vlan_pcp live in vlan_tci (0x1000 = VLAN present, as OVS)
 *
 * Every entry is { value, mask }, value already ANDed with mask; an exact match has
 * the all-ones mask of the field's width; a field with mask 0 is absent. Values are
 * as in values.ts: number (≤ 32 bits, IPv4, ports), bigint (metadata), hex strings
 * (MAC: 12 digits, IPv6: 32 digits).
 *
 * Prerequisites (dl_type for L3 fields, nw_proto for L4 fields, ...) are checked on
 * the whole match once every token is read, so their order does not matter. Where
 * OVS silently drops a field whose prerequisite is missing (and logs "normalization
 * changed ofp_match"), we refuse it and say what is missing.
 */
import {
  isZeroHex,
  type KeyValue,
  parseIpv4Masked,
  parseIpv6Masked,
  parseMacMasked,
  parsePort,
  parseUint,
  parseUint64,
  type PortResolver,
  ValueError,
} from './values.js';

export interface Masked<T> {
  value: T;
  mask: T;
}

export interface Match {
  in_port?: Masked<number>; // OpenFlow 1.3 port number; never masked
  metadata?: Masked<bigint>;
  vlan_tci?: Masked<number>; // 16 bits: PCP(3) CFI/present(1) VID(12)
  dl_src?: Masked<string>; // MAC, 12 hex digits
  dl_dst?: Masked<string>;
  dl_type?: Masked<number>; // 16 bits; never masked
  nw_src?: Masked<number>; // IPv4 (or ARP SPA)
  nw_dst?: Masked<number>; // IPv4 (or ARP TPA)
  ipv6_src?: Masked<string>; // 32 hex digits
  ipv6_dst?: Masked<string>;
  ipv6_label?: Masked<number>; // 20 bits
  nw_proto?: Masked<number>; // 8 bits (or ARP opcode); never masked
  nw_tos?: Masked<number>; // DSCP bits in place: multiple of 4, mask 0xfc
  nw_ecn?: Masked<number>; // 0..3, mask 0x03
  nw_ttl?: Masked<number>;
  arp_sha?: Masked<string>; // MAC (or IPv6 ND source link-layer address)
  arp_tha?: Masked<string>; // MAC (or IPv6 ND target link-layer address)
  tp_src?: Masked<number>; // 16 bits (or ICMP type, mask 0xffff)
  tp_dst?: Masked<number>; // 16 bits (or ICMP code, mask 0xffff)
  nd_target?: Masked<string>; // IPv6
  tcp_flags?: Masked<number>; // 12 bits, full mask 0x0fff
}
export type MatchKey = keyof Match;

export const ETH_TYPE = { IP: 0x0800, ARP: 0x0806, RARP: 0x8035, IPV6: 0x86dd } as const;
export const IP_PROTO = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58, SCTP: 132 } as const;

/** Shorthands: `tcp` = dl_type=0x0800,nw_proto=6 and so on. */
export const PROTOCOLS: Record<string, { dlType: number; nwProto?: number }> = {
  ip: { dlType: ETH_TYPE.IP },
  icmp: { dlType: ETH_TYPE.IP, nwProto: IP_PROTO.ICMP },
  tcp: { dlType: ETH_TYPE.IP, nwProto: IP_PROTO.TCP },
  udp: { dlType: ETH_TYPE.IP, nwProto: IP_PROTO.UDP },
  sctp: { dlType: ETH_TYPE.IP, nwProto: IP_PROTO.SCTP },
  ipv6: { dlType: ETH_TYPE.IPV6 },
  icmp6: { dlType: ETH_TYPE.IPV6, nwProto: IP_PROTO.ICMPV6 },
  tcp6: { dlType: ETH_TYPE.IPV6, nwProto: IP_PROTO.TCP },
  udp6: { dlType: ETH_TYPE.IPV6, nwProto: IP_PROTO.UDP },
  sctp6: { dlType: ETH_TYPE.IPV6, nwProto: IP_PROTO.SCTP },
  arp: { dlType: ETH_TYPE.ARP },
  rarp: { dlType: ETH_TYPE.RARP },
};

// --- Prerequisites ----------------------------------------------------------------

/** What a field or action needs from the match; `needs` completes "requires ...". */
export interface Prereq {
  ok(m: Match): boolean;
  needs: string;
}

const dlType = (m: Match): number | undefined => m.dl_type?.value;
const nwProto = (m: Match): number | undefined => m.nw_proto?.value;
const isIp = (m: Match): boolean => dlType(m) === ETH_TYPE.IP;
const isIpv6 = (m: Match): boolean => dlType(m) === ETH_TYPE.IPV6;
const isIpAny = (m: Match): boolean => isIp(m) || isIpv6(m);
const isArp = (m: Match): boolean => dlType(m) === ETH_TYPE.ARP || dlType(m) === ETH_TYPE.RARP;
const proto =
  (...ps: number[]) =>
  (m: Match): boolean =>
    isIpAny(m) && ps.includes(nwProto(m) ?? -1);
const isIcmpAny = (m: Match): boolean =>
  (isIp(m) && nwProto(m) === IP_PROTO.ICMP) || (isIpv6(m) && nwProto(m) === IP_PROTO.ICMPV6);
const isIcmp6 = (m: Match): boolean => isIpv6(m) && nwProto(m) === IP_PROTO.ICMPV6;
const isNd =
  (...types: number[]) =>
  (m: Match): boolean =>
    isIcmp6(m) && types.includes(m.tp_src?.value ?? -1) && (m.tp_dst?.value ?? 0) === 0;

export const PREREQ = {
  ip: { ok: isIp, needs: 'dl_type=0x0800 (ip)' },
  ipOrArp: { ok: (m: Match) => isIp(m) || isArp(m), needs: 'dl_type=0x0800 (ip) or 0x0806 (arp)' },
  arp: { ok: isArp, needs: 'dl_type=0x0806 (arp) or 0x8035 (rarp)' },
  ipv6: { ok: isIpv6, needs: 'dl_type=0x86dd (ipv6)' },
  ipAny: { ok: isIpAny, needs: 'dl_type=0x0800 (ip) or 0x86dd (ipv6)' },
  l4: { ok: proto(6, 17, 132), needs: 'tcp, udp or sctp (nw_proto=6, 17 or 132 with ip or ipv6)' },
  tcp: { ok: proto(6), needs: 'tcp or tcp6 (nw_proto=6 with ip or ipv6)' },
  udp: { ok: proto(17), needs: 'udp or udp6 (nw_proto=17 with ip or ipv6)' },
  sctp: { ok: proto(132), needs: 'sctp or sctp6 (nw_proto=132 with ip or ipv6)' },
  icmpAny: { ok: isIcmpAny, needs: 'icmp or icmp6 (nw_proto=1 with ip, or nw_proto=58 with ipv6)' },
  icmp6: { ok: isIcmp6, needs: 'icmp6 (nw_proto=58 with ipv6)' },
  nd: { ok: isNd(135, 136), needs: 'icmp6 with icmp_type=135 or 136 and icmp_code=0' },
  ndSolicit: { ok: isNd(135), needs: 'icmp6 with icmp_type=135 and icmp_code=0' },
  ndAdvert: { ok: isNd(136), needs: 'icmp6 with icmp_type=136 and icmp_code=0' },
} satisfies Record<string, Prereq>;

/** True when the match says a VLAN header is present (vlan_tci CFI bit matched as 1). */
export function matchHasVlan(m: Match): boolean {
  return m.vlan_tci !== undefined && (m.vlan_tci.mask & m.vlan_tci.value & 0x1000) !== 0;
}

// --- Field table ------------------------------------------------------------------

type Setter = (m: Match, value: string, resolve?: PortResolver) => void;

interface FieldDef {
  key: MatchKey;
  set: Setter;
  prereq?: Prereq;
}

function splitMask(text: string): [string, string | undefined] {
  const i = text.indexOf('/');
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

function put<K extends MatchKey>(m: Match, key: K, entry: NonNullable<Match[K]>): void {
  m[key] = entry;
}

/** An unsigned field of `bits` bits, maskable or not. */
function uintField(key: MatchKey, bits: number, maskable: boolean, prereq?: Prereq): FieldDef {
  const full = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  return {
    key,
    prereq,
    set(m, text) {
      const [v, mk] = splitMask(text);
      if (mk !== undefined && !maskable) throw new ValueError('this field cannot be masked');
      const mask = mk === undefined ? full : parseUint(mk, bits);
      put(m, key, { value: (parseUint(v, bits) & mask) >>> 0, mask } as Masked<number>);
    },
  };
}

/** An 8-bit value (ICMP type/code) stored in a 16-bit transport port slot. */
function icmpField(key: 'tp_src' | 'tp_dst', prereq: Prereq): FieldDef {
  return {
    key,
    prereq,
    set(m, text) {
      if (text.includes('/')) throw new ValueError('this field cannot be masked');
      put(m, key, { value: parseUint(text, 8), mask: 0xffff });
    },
  };
}

const macField = (key: 'dl_src' | 'dl_dst' | 'arp_sha' | 'arp_tha', prereq?: Prereq): FieldDef => ({
  key,
  prereq,
  set: (m, text) => put(m, key, parseMacMasked(text)),
});
const ipv4Field = (key: 'nw_src' | 'nw_dst', prereq: Prereq): FieldDef => ({
  key,
  prereq,
  set: (m, text) => put(m, key, parseIpv4Masked(text)),
});
const ipv6Field = (key: 'ipv6_src' | 'ipv6_dst' | 'nd_target', prereq: Prereq): FieldDef => ({
  key,
  prereq,
  set: (m, text) => put(m, key, parseIpv6Masked(text)),
});

function setVlan(m: Match, value: number, mask: number): void {
  m.vlan_tci = { value, mask };
}

const VLAN_FIELDS: Record<string, FieldDef> = {
  dl_vlan: {
    key: 'vlan_tci',
    set(m, text) {
      const vid = parseUint(text, 16);
      const old = m.vlan_tci ?? { value: 0, mask: 0 };
      if (vid === 0xffff) return setVlan(m, 0, 0xffff); // OpenFlow 1.0's "no VLAN"
      if (vid > 4095) throw new ValueError(`${text}: VLAN ID must be 0..4095, or 0xffff for "no VLAN"`);
      setVlan(m, (old.value & ~0x0fff) | vid | 0x1000, old.mask | 0x1fff);
    },
  },
  dl_vlan_pcp: {
    key: 'vlan_tci',
    set(m, text) {
      const pcp = parseUint(text, 8);
      if (pcp > 7) throw new ValueError(`${text}: VLAN PCP must be 0..7`);
      const old = m.vlan_tci ?? { value: 0, mask: 0 };
      setVlan(m, (old.value & ~0xe000) | (pcp << 13) | 0x1000, old.mask | 0xf000);
    },
  },
  vlan_tci: uintField('vlan_tci', 16, true),
};

const TCP_FLAG_NAMES = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ns'];
export const TCP_FLAGS_FULL = 0x0fff;

function tcpFlagBit(name: string): number {
  const i = TCP_FLAG_NAMES.indexOf(name);
  if (i < 0) throw new ValueError(`${name}: unknown TCP flag (known: ${TCP_FLAG_NAMES.join(', ')})`);
  return 1 << i;
}

/** "0x12", "0x2/0x12", "syn|ack" (exact), "+syn-ack" (only those bits). */
function parseTcpFlags(text: string): Masked<number> {
  let value: number;
  let mask: number;
  if (/^[0-9]/.test(text)) {
    const [v, mk] = splitMask(text);
    mask = mk === undefined ? TCP_FLAGS_FULL : parseUint(mk, 16);
    value = parseUint(v, 16);
    if ((value | mask) & ~TCP_FLAGS_FULL) throw new ValueError(`${text}: TCP flags have 12 bits (0x0fff)`);
    value &= mask;
  } else if (/^[+-]/.test(text)) {
    value = 0;
    mask = 0;
    for (const [, sign, name] of text.matchAll(/([+-])([^+-]*)/g)) {
      const bit = tcpFlagBit(name!);
      mask |= bit;
      if (sign === '+') value |= bit;
    }
  } else {
    value = text.split('|').reduce((acc, n) => acc | tcpFlagBit(n), 0);
    mask = TCP_FLAGS_FULL;
  }
  if ((value | (mask === TCP_FLAGS_FULL ? 0 : mask)) & ~0x1ff) {
    throw new ValueError(`${text}: reserved TCP flag bits 0x200-0x800 are not supported`);
  }
  return { value, mask };
}

export function formatTcpFlags({ value, mask }: Masked<number>): string {
  if (mask === TCP_FLAGS_FULL) {
    const names = TCP_FLAG_NAMES.filter((_, i) => value & (1 << i));
    return names.length ? names.join('|') : '0';
  }
  return TCP_FLAG_NAMES.map((n, i) => (mask & (1 << i) ? `${value & (1 << i) ? '+' : '-'}${n}` : '')).join('');
}

/** Every match field name ovs-ofctl accepts that we support, aliases included. */
export const FIELDS: Record<string, FieldDef> = {
  in_port: {
    key: 'in_port',
    set(m, text, resolve) {
      if (text.includes('/')) throw new ValueError('this field cannot be masked');
      m.in_port = { value: parsePort(text, resolve), mask: 0xffffffff };
    },
  },
  metadata: {
    key: 'metadata',
    set(m, text) {
      const [v, mk] = splitMask(text);
      const mask = mk === undefined ? 0xffffffffffffffffn : parseUint64(mk);
      m.metadata = { value: parseUint64(v) & mask, mask };
    },
  },
  ...VLAN_FIELDS,
  dl_src: macField('dl_src'),
  eth_src: macField('dl_src'),
  dl_dst: macField('dl_dst'),
  eth_dst: macField('dl_dst'),
  dl_type: uintField('dl_type', 16, false),
  eth_type: uintField('dl_type', 16, false),
  nw_src: ipv4Field('nw_src', PREREQ.ipOrArp),
  ip_src: ipv4Field('nw_src', PREREQ.ipOrArp),
  nw_dst: ipv4Field('nw_dst', PREREQ.ipOrArp),
  ip_dst: ipv4Field('nw_dst', PREREQ.ipOrArp),
  arp_spa: ipv4Field('nw_src', PREREQ.arp),
  arp_tpa: ipv4Field('nw_dst', PREREQ.arp),
  arp_op: uintField('nw_proto', 8, false, PREREQ.arp),
  arp_sha: macField('arp_sha', PREREQ.arp),
  arp_tha: macField('arp_tha', PREREQ.arp),
  ipv6_src: ipv6Field('ipv6_src', PREREQ.ipv6),
  ipv6_dst: ipv6Field('ipv6_dst', PREREQ.ipv6),
  ipv6_label: uintField('ipv6_label', 20, true, PREREQ.ipv6),
  nw_proto: uintField('nw_proto', 8, false, PREREQ.ipAny),
  ip_proto: uintField('nw_proto', 8, false, PREREQ.ipAny),
  nw_tos: {
    key: 'nw_tos',
    prereq: PREREQ.ipAny,
    set(m, text) {
      const tos = parseUint(text, 8);
      if (tos & 3) {
        throw new ValueError(`${text}: nw_tos takes the DSCP bits (a multiple of 4); set ECN with nw_ecn`);
      }
      m.nw_tos = { value: tos, mask: 0xfc };
    },
  },
  ip_dscp: {
    key: 'nw_tos',
    prereq: PREREQ.ipAny,
    set(m, text) {
      const dscp = parseUint(text, 8);
      if (dscp > 63) throw new ValueError(`${text}: DSCP must be 0..63`);
      m.nw_tos = { value: dscp << 2, mask: 0xfc };
    },
  },
  nw_ecn: { key: 'nw_ecn', prereq: PREREQ.ipAny, set: (m, t) => setEcn(m, t) },
  ip_ecn: { key: 'nw_ecn', prereq: PREREQ.ipAny, set: (m, t) => setEcn(m, t) },
  nw_ttl: uintField('nw_ttl', 8, false, PREREQ.ipAny),
  tp_src: uintField('tp_src', 16, true, PREREQ.l4),
  tp_dst: uintField('tp_dst', 16, true, PREREQ.l4),
  tcp_src: uintField('tp_src', 16, true, PREREQ.tcp),
  tcp_dst: uintField('tp_dst', 16, true, PREREQ.tcp),
  udp_src: uintField('tp_src', 16, true, PREREQ.udp),
  udp_dst: uintField('tp_dst', 16, true, PREREQ.udp),
  sctp_src: uintField('tp_src', 16, true, PREREQ.sctp),
  sctp_dst: uintField('tp_dst', 16, true, PREREQ.sctp),
  icmp_type: icmpField('tp_src', PREREQ.icmpAny),
  icmp_code: icmpField('tp_dst', PREREQ.icmpAny),
  icmpv6_type: icmpField('tp_src', PREREQ.icmp6),
  icmpv6_code: icmpField('tp_dst', PREREQ.icmp6),
  nd_target: ipv6Field('nd_target', PREREQ.nd),
  nd_sll: macField('arp_sha', PREREQ.ndSolicit),
  nd_tll: macField('arp_tha', PREREQ.ndAdvert),
  tcp_flags: { key: 'tcp_flags', prereq: PREREQ.tcp, set: (m, t) => (m.tcp_flags = parseTcpFlags(t)) },
};

function setEcn(m: Match, text: string): void {
  const ecn = parseUint(text, 8);
  if (ecn > 3) throw new ValueError(`${text}: ECN must be 0..3`);
  m.nw_ecn = { value: ecn, mask: 0x03 };
}

// --- Building a match -------------------------------------------------------------

/** Error raised while building a match: which token, and why. */
export class FieldError extends Error {
  constructor(
    readonly token: string,
    readonly reason: string,
  ) {
    super(`${token}: ${reason}`);
  }
}

/**
 * Accumulates match tokens in order (a later token overrides an earlier one on the
 * same field, as in OVS), then `finish()` normalizes and checks prerequisites.
 */
export class MatchBuilder {
  readonly match: Match = {};
  /** The token that last set each field, with the prerequisite it brought. */
  private readonly origin = new Map<MatchKey, { raw: string; prereq?: Prereq }>();

  constructor(private readonly resolvePort?: PortResolver) {}

  /** Takes one token; returns false when it is not a match token at all. */
  add(kv: KeyValue): boolean {
    const shorthand = PROTOCOLS[kv.key];
    if (shorthand) {
      if (kv.value !== '') throw new FieldError(kv.raw, `${kv.key} is a protocol shorthand and takes no value`);
      this.match.dl_type = { value: shorthand.dlType, mask: 0xffff };
      this.origin.delete('dl_type');
      if (shorthand.nwProto !== undefined) {
        this.match.nw_proto = { value: shorthand.nwProto, mask: 0xff };
        this.origin.delete('nw_proto');
      }
      return true;
    }
    const def = FIELDS[kv.key];
    if (!def) return false;
    if (kv.value === '') throw new FieldError(kv.raw, 'missing value');
    try {
      def.set(this.match, kv.value, this.resolvePort);
    } catch (e) {
      if (e instanceof ValueError) throw new FieldError(kv.raw, e.message);
      throw e;
    }
    this.origin.set(def.key, { raw: kv.raw, prereq: def.prereq });
    return true;
  }

  finish(): Match {
    const m = this.match;
    this.normalizeVlan();
    for (const key of Object.keys(m) as MatchKey[]) if (isZeroMask(m[key]!.mask)) delete m[key];
    for (const [key, { raw, prereq }] of this.origin) {
      if (m[key] && prereq && !prereq.ok(m)) throw new FieldError(raw, `requires ${prereq.needs}`);
    }
    return m;
  }

  /** Keep vlan_tci within what an OpenFlow 1.3 match (vlan_vid + vlan_pcp) can say. */
  private normalizeVlan(): void {
    const tci = this.match.vlan_tci;
    if (!tci) return;
    const raw = this.origin.get('vlan_tci')?.raw ?? 'vlan_tci';
    let { mask } = tci;
    const value = tci.value & mask;
    if (mask & 0x1000 && !(value & 0x1000)) {
      mask &= 0x1fff; // no VLAN: there is no PCP to match
    } else if (mask & 0xe000) {
      if ((mask & 0xe000) !== 0xe000) {
        throw new FieldError(raw, 'the PCP bits (0xe000) must be matched all or none (OpenFlow 1.3 cannot mask vlan_pcp)');
      }
      if (!(mask & 0x1000)) {
        throw new FieldError(raw, 'matching the PCP requires matching the VLAN-present bit 0x1000 as well');
      }
    }
    this.match.vlan_tci = { value: value & mask, mask };
  }
}

function isZeroMask(mask: number | bigint | string): boolean {
  return typeof mask === 'string' ? isZeroHex(mask) : mask === 0 || mask === 0n;
}
