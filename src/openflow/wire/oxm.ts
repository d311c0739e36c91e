/**
 * OXM TLVs ↔ the project's Match (src/ofproto/fields.ts), and the set_field values
 * of actions.
 *
 * One table, OXM_FIELDS, says for every OXM we speak: its class/field/length, whether
 * OpenFlow lets it be masked, the Match key it lands in, the prerequisite OVS checks
 * for it, and how the wire value maps to the Match value. Decoding looks entries up by
 * header, encoding by Match key (several OXMs share a key: IPV4_SRC and ARP_SPA both
 * are nw_src; the match's dl_type/nw_proto pick one, as OVS's shared slots do), so
 * the two directions cannot drift.
 *
 * Classes: OpenFlow basic (0x8000); the NXM_NX fields ovs-ofctl sends in OpenFlow 1.3
 * for fields OXM lacks (nw_ttl: NXM_NX_IP_TTL) or had late (tcp_flags:
 * NXM_NX_TCP_FLAGS, and ONF's experimenter ONFOXM_ET_TCP_FLAGS, which ovs-ofctl 3.x
 * sends and we send too).
 *
 * vlan_tci is OXM's VLAN_VID (13 bits with the present bit 0x1000) plus VLAN_PCP,
 * coded apart (vlanToOxm/vlanFromOxm) because two OXMs make one Match field.
 *
 * Errors (OFPET_BAD_MATCH): unknown class/field BAD_FIELD, wrong length BAD_LEN, a mask
 * on an unmaskable field BAD_MASK, value bits outside the mask BAD_WILDCARDS, a value
 * out of range BAD_VALUE, a field twice DUP_FIELD, a prerequisite missing BAD_PREREQ
 * (checked on the whole match, so the order of the TLVs does not matter, as in OVS).
 */
import { ETH_TYPE, IP_PROTO, type Masked, type Match, type MatchKey, PREREQ, type Prereq } from '../../ofproto/fields.js';
import { OFPBMC } from './constants.js';
import { type ErrorKind, type Reader, Writer } from './buf.js';

/** OpenFlow 1.0-style 16-bit ports (NXM, Nicira actions) → 1.3's 32-bit ones: 0xff00.. are the reserved ports. */
export const port16to32 = (p: number): number => (p >= 0xff00 ? (p + 0xffff0000) >>> 0 : p);
export const port32to16 = (p: number): number => (p >= 0xffffff00 ? p - 0xffff0000 : p);

export const OFPXMC_NXM_0 = 0x0000;
export const OFPXMC_NXM_1 = 0x0001;
export const OFPXMC_OPENFLOW_BASIC = 0x8000;
export const OFPXMC_EXPERIMENTER = 0xffff;
export const ONF_EXPERIMENTER_ID = 0x4f4e4600;
/** OFPMT_OXM: the only match type of OpenFlow 1.3. */
export const OFPMT_OXM = 1;

type Kind = 'uint' | 'u64' | 'mac' | 'ipv6';
type Value = number | bigint | string;

export interface OxmDef {
  /** OVS's name for the field (set_field targets, table features). */
  name: string;
  cls: number;
  field: number;
  experimenter?: number;
  /** Value length in bytes. */
  len: number;
  kind: Kind;
  maskable: boolean;
  /** Largest valid wire value (uint kinds): above it is BAD_VALUE. */
  max?: number;
  /** Where it lands in a Match (null: vlan, coded apart; undefined: set_field only). */
  key?: MatchKey | null;
  prereq?: Prereq;
  /** Wire value ↔ Match value, when they differ (ip_dscp sits in nw_tos's top 6 bits). */
  toMatch?: (v: number) => number;
  fromMatch?: (v: number) => number;
  /** The Match's exact mask when it is not the OXM's all-ones (nw_ecn 0x03, icmp_type in tp_src 0xffff …). */
  matchFull?: number;
  /** A narrower wire form of a field we encode otherwise: decoded, never encoded. */
  decodeOnly?: true;
  /** Wire value → the value set_field and the Match both use (NXM_OF_IN_PORT's 16-bit ports). */
  widen?: (v: number) => number;
}

const ipProto =
  (dl: number, p: number): Prereq['ok'] =>
  (m) =>
    m.dl_type?.value === dl && m.nw_proto?.value === p;
const ICMP4: Prereq = { ok: ipProto(ETH_TYPE.IP, IP_PROTO.ICMP), needs: 'icmp (nw_proto=1 with ip)' };
const VLAN: Prereq = {
  ok: (m) => m.vlan_tci !== undefined && (m.vlan_tci.mask & m.vlan_tci.value & 0x1000) !== 0,
  needs: 'a VLAN (vlan_vid with the present bit 0x1000)',
};

const basic = (field: number, name: string, len: number, kind: Kind, maskable: boolean, more: Partial<OxmDef> = {}): OxmDef => ({
  name,
  cls: OFPXMC_OPENFLOW_BASIC,
  field,
  len,
  kind,
  maskable,
  ...more,
});
const shift2 = { toMatch: (v: number) => v << 2, fromMatch: (v: number) => v >> 2, matchFull: 0xfc };
const in16 = { matchFull: 0xffff };

/** Every OXM we speak, in the order we encode a match. */
export const OXM_FIELDS: OxmDef[] = [
  basic(0, 'in_port', 4, 'uint', false, { key: 'in_port' }),
  basic(2, 'metadata', 8, 'u64', true, { key: 'metadata' }),
  basic(3, 'eth_dst', 6, 'mac', true, { key: 'dl_dst' }),
  basic(4, 'eth_src', 6, 'mac', true, { key: 'dl_src' }),
  basic(5, 'eth_type', 2, 'uint', false, { key: 'dl_type' }),
  basic(6, 'vlan_vid', 2, 'uint', true, { key: null, max: 0x1fff }),
  basic(7, 'vlan_pcp', 1, 'uint', false, { key: null, max: 7, prereq: VLAN }),
  basic(8, 'ip_dscp', 1, 'uint', false, { key: 'nw_tos', max: 63, prereq: PREREQ.ipAny, ...shift2 }),
  basic(9, 'nw_ecn', 1, 'uint', false, { key: 'nw_ecn', max: 3, prereq: PREREQ.ipAny, matchFull: 0x03 }),
  basic(10, 'ip_proto', 1, 'uint', false, { key: 'nw_proto', prereq: PREREQ.ipAny }),
  { name: 'nw_ttl', cls: OFPXMC_NXM_1, field: 29, len: 1, kind: 'uint', maskable: false, key: 'nw_ttl', prereq: PREREQ.ipAny },
  basic(11, 'ip_src', 4, 'uint', true, { key: 'nw_src', prereq: PREREQ.ip }),
  basic(12, 'ip_dst', 4, 'uint', true, { key: 'nw_dst', prereq: PREREQ.ip }),
  basic(13, 'tcp_src', 2, 'uint', true, { key: 'tp_src', prereq: PREREQ.tcp }),
  basic(14, 'tcp_dst', 2, 'uint', true, { key: 'tp_dst', prereq: PREREQ.tcp }),
  basic(15, 'udp_src', 2, 'uint', true, { key: 'tp_src', prereq: PREREQ.udp }),
  basic(16, 'udp_dst', 2, 'uint', true, { key: 'tp_dst', prereq: PREREQ.udp }),
  basic(17, 'sctp_src', 2, 'uint', true, { key: 'tp_src', prereq: PREREQ.sctp }),
  basic(18, 'sctp_dst', 2, 'uint', true, { key: 'tp_dst', prereq: PREREQ.sctp }),
  basic(19, 'icmp_type', 1, 'uint', false, { key: 'tp_src', prereq: ICMP4, ...in16 }),
  basic(20, 'icmp_code', 1, 'uint', false, { key: 'tp_dst', prereq: ICMP4, ...in16 }),
  basic(21, 'arp_op', 2, 'uint', false, { key: 'nw_proto', max: 0xff, prereq: PREREQ.arp, matchFull: 0xff }),
  basic(22, 'arp_spa', 4, 'uint', true, { key: 'nw_src', prereq: PREREQ.arp }),
  basic(23, 'arp_tpa', 4, 'uint', true, { key: 'nw_dst', prereq: PREREQ.arp }),
  basic(24, 'arp_sha', 6, 'mac', true, { key: 'arp_sha', prereq: PREREQ.arp }),
  basic(25, 'arp_tha', 6, 'mac', true, { key: 'arp_tha', prereq: PREREQ.arp }),
  basic(26, 'ipv6_src', 16, 'ipv6', true, { key: 'ipv6_src', prereq: PREREQ.ipv6 }),
  basic(27, 'ipv6_dst', 16, 'ipv6', true, { key: 'ipv6_dst', prereq: PREREQ.ipv6 }),
  basic(28, 'ipv6_label', 4, 'uint', true, { key: 'ipv6_label', max: 0xfffff, prereq: PREREQ.ipv6, matchFull: 0xfffff }),
  basic(29, 'icmpv6_type', 1, 'uint', false, { key: 'tp_src', prereq: PREREQ.icmp6, ...in16 }),
  basic(30, 'icmpv6_code', 1, 'uint', false, { key: 'tp_dst', prereq: PREREQ.icmp6, ...in16 }),
  basic(31, 'nd_target', 16, 'ipv6', true, { key: 'nd_target', prereq: PREREQ.nd }),
  basic(32, 'nd_sll', 6, 'mac', true, { key: 'arp_sha', prereq: PREREQ.ndSolicit }),
  basic(33, 'nd_tll', 6, 'mac', true, { key: 'arp_tha', prereq: PREREQ.ndAdvert }),
  {
    name: 'tcp_flags',
    cls: OFPXMC_EXPERIMENTER,
    experimenter: ONF_EXPERIMENTER_ID,
    field: 42,
    len: 2,
    kind: 'uint',
    maskable: true,
    max: 0x0fff,
    matchFull: 0x0fff,
    key: 'tcp_flags',
    prereq: PREREQ.tcp,
  },
  // Decoded only. tcp_flags as OVS before 2.4 sent it.
  { name: 'tcp_flags', cls: OFPXMC_NXM_1, field: 34, len: 2, kind: 'uint', maskable: true, max: 0x0fff, key: 'tcp_flags', prereq: PREREQ.tcp, matchFull: 0x0fff, decodeOnly: true },
  // NXM_OF_IN_PORT: ovs-ofctl writes set_field:N->in_port with it (16-bit, OpenFlow 1.0 port numbers).
  { name: 'in_port', cls: OFPXMC_NXM_0, field: 0, len: 2, kind: 'uint', maskable: false, key: 'in_port', matchFull: 0xffffffff, decodeOnly: true, widen: port16to32 },
];

/** Lookup key of a TLV header: class and field (experimenter OXMs: by experimenter id and field). */
const headerKey = (cls: number, field: number, experimenter = 0): number => (cls === OFPXMC_EXPERIMENTER ? -(experimenter * 128 + field) : cls * 128 + field);
const BY_HEADER = new Map(OXM_FIELDS.map((d) => [headerKey(d.cls, d.field, d.experimenter), d]));
const BY_NAME = new Map<string, OxmDef>();
for (const d of OXM_FIELDS) if (!d.decodeOnly) BY_NAME.set(d.name, d);
const BY_KEY = new Map<MatchKey, OxmDef[]>();
for (const d of OXM_FIELDS) {
  if (d.key && !d.decodeOnly) BY_KEY.set(d.key, [...(BY_KEY.get(d.key) ?? []), d]);
}

export function oxmByName(name: string): OxmDef | undefined {
  return BY_NAME.get(name);
}

/** The 32-bit OXM header (class, field, hasmask, length), as table features list them. */
export function oxmHeader(d: OxmDef, masked = false): number {
  const len = (d.experimenter === undefined ? 0 : 4) + d.len * (masked ? 2 : 1);
  return ((d.cls << 16) | (d.field << 9) | (masked ? 0x100 : 0) | len) >>> 0;
}

const FULL = new Map<OxmDef, Value>();
/** The all-ones mask of the field's wire width (computed once per field). */
function fullOf(d: OxmDef): Value {
  let f = FULL.get(d);
  if (f === undefined) FULL.set(d, (f = fullOfUncached(d)));
  return f;
}

function fullOfUncached(d: OxmDef): Value {
  switch (d.kind) {
    case 'u64':
      return 0xffffffffffffffffn;
    case 'mac':
    case 'ipv6':
      return 'f'.repeat(d.len * 2);
    default:
      return d.len === 4 ? 0xffffffff : 2 ** (d.len * 8) - 1;
  }
}

function readValue(r: Reader, d: OxmDef): Value {
  switch (d.kind) {
    case 'u64':
      return r.u64();
    case 'mac':
    case 'ipv6':
      return r.hex(d.len);
    default:
      return d.len === 1 ? r.u8() : d.len === 2 ? r.u16() : r.u32();
  }
}

function writeValue(w: Writer, d: OxmDef, v: Value): void {
  switch (d.kind) {
    case 'u64':
      w.u64(v as bigint);
      return;
    case 'mac':
    case 'ipv6':
      w.hex(v as string, d.len);
      return;
    default:
      if (d.len === 1) w.u8(v as number);
      else if (d.len === 2) w.u16(v as number);
      else w.u32(v as number);
  }
}

function andValue(a: Value, b: Value): Value {
  if (typeof a === 'bigint') return a & (b as bigint);
  if (typeof a === 'number') return (a & (b as number)) >>> 0;
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b as string, 'hex');
  for (let i = 0; i < x.length; i++) x[i]! &= y[i]!;
  return x.toString('hex');
}
const isZero = (v: Value): boolean => (typeof v === 'string' ? /^0*$/.test(v) : v === 0 || v === 0n);

const BAD = (code: keyof typeof OFPBMC): ErrorKind => ['BAD_MATCH', OFPBMC[code]];

/** One OXM TLV: its table entry, value and mask (undefined when exact). */
export interface OxmTlv {
  def: OxmDef;
  value: Value;
  mask?: Value;
}

/** Where a TLV is: a match's errors are OFPBMC_*, a set_field action's OFPBAC_BAD_SET_*. */
export type OxmContext = 'match' | 'set_field';
type Problem = 'field' | 'len' | 'mask' | 'value' | 'wildcards';
const PROBLEM: Record<OxmContext, Record<Problem, ErrorKind>> = {
  match: { field: BAD('BAD_FIELD'), len: BAD('BAD_LEN'), mask: BAD('BAD_MASK'), value: BAD('BAD_VALUE'), wildcards: BAD('BAD_WILDCARDS') },
  set_field: {
    field: ['BAD_ACTION', 13], // OFPBAC_BAD_SET_TYPE
    len: ['BAD_ACTION', 14], // OFPBAC_BAD_SET_LEN
    mask: ['BAD_ACTION', 15], // OFPBAC_BAD_SET_ARGUMENT: 1.3's set_field has no mask
    value: ['BAD_ACTION', 15],
    wildcards: ['BAD_ACTION', 15],
  },
};

/** Reads one TLV, checking its length, mask and value range. */
export function readOxm(r: Reader, ctx: OxmContext = 'match'): OxmTlv {
  const errs = PROBLEM[ctx];
  const header = r.u32('OXM header');
  const cls = header >>> 16;
  const field = (header >>> 9) & 0x7f;
  const hasMask = (header & 0x100) !== 0;
  let len = header & 0xff;
  const body: Reader = r.sub(len, errs.len, 'OXM value');
  let experimenter: number | undefined;
  if (cls === OFPXMC_EXPERIMENTER) {
    experimenter = body.u32('OXM experimenter id');
    len -= 4;
  }
  const def = BY_HEADER.get(headerKey(cls, field, experimenter ?? 0));
  if (!def) body.fail(errs.field, `unsupported OXM field class 0x${cls.toString(16)} field ${field}`);
  if (len !== def.len * (hasMask ? 2 : 1)) body.fail(errs.len, `${def.name}: OXM length ${len}`);
  if (hasMask && (!def.maskable || ctx === 'set_field')) body.fail(errs.mask, `${def.name} cannot be masked here`);
  const value = readValue(body, def);
  const mask = hasMask ? readValue(body, def) : undefined;
  if (def.max !== undefined && ((value as number) > def.max || (mask !== undefined && (mask as number) > def.max))) {
    body.fail(errs.value, `${def.name}: value out of range`);
  }
  if (mask !== undefined && !isZero(andValue(value, invert(def, mask)))) {
    body.fail(errs.wildcards, `${def.name}: value has bits outside its mask`);
  }
  return { def, value: def.widen ? def.widen(value as number) : value, mask };
}

function invert(d: OxmDef, mask: Value): Value {
  if (typeof mask === 'bigint') return ~mask & 0xffffffffffffffffn;
  if (typeof mask === 'number') return (~mask & (fullOf(d) as number)) >>> 0;
  return Buffer.from(Buffer.from(mask, 'hex').map((b) => ~b & 0xff)).toString('hex');
}

const IN_PORT_16 = OXM_FIELDS.find((d) => d.cls === OFPXMC_NXM_0 && d.field === 0)!;

/**
 * The OXM of a set_field action. in_port goes as NXM_OF_IN_PORT, as ovs-ofctl sends
 * it: OVS refuses a set_field of OXM_OF_IN_PORT (not writable there).
 */
export function writeSetFieldOxm(w: Writer, name: string, value: Value): void {
  if (name === 'in_port') writeOxm(w, IN_PORT_16, port32to16(value as number));
  else writeOxm(w, BY_NAME.get(name)!, value);
}

export function writeOxm(w: Writer, def: OxmDef, value: Value, mask?: Value): void {
  w.u32(oxmHeader(def, mask !== undefined));
  if (def.experimenter !== undefined) w.u32(def.experimenter);
  writeValue(w, def, value);
  if (mask !== undefined) writeValue(w, def, mask);
}

// --- Match ↔ OXM list ------------------------------------------------------------

/** Decodes an ofp_match (type, length, TLVs, padding to 8) at the reader's position. */
export function readMatch(r: Reader): Match {
  const type = r.u16('match type');
  const length = r.u16('match length');
  if (type !== OFPMT_OXM) r.fail(BAD('BAD_TYPE'), `match type ${type} (only OFPMT_OXM)`);
  if (length < 4) r.fail(BAD('BAD_LEN'), `match length ${length}`);
  const body = r.sub(length - 4, BAD('BAD_LEN'), 'match');
  r.skip((8 - (length % 8)) % 8, 'match padding');
  const tlvs: OxmTlv[] = [];
  while (body.remaining > 0) tlvs.push(readOxm(body));
  return matchFromOxms(tlvs, body);
}

function matchFromOxms(tlvs: OxmTlv[], r: Reader): Match {
  const m: Match = {};
  const seen = new Set<string>();
  let vid: { value: number; mask: number } | undefined;
  let pcp: number | undefined;
  for (const { def, value, mask } of tlvs) {
    const slot = def.key === null ? def.name : def.key!;
    if (seen.has(slot)) r.fail(BAD('DUP_FIELD'), `${def.name} appears twice`);
    seen.add(slot);
    if (def.name === 'vlan_vid') {
      const v = value as number;
      const mk = (mask as number | undefined) ?? 0x1fff;
      if (!(v & 0x1000) && v & mk & 0x0fff) r.fail(BAD('BAD_VALUE'), `vlan_vid 0x${v.toString(16)} without the present bit 0x1000`);
      vid = { value: v, mask: mk };
    } else if (def.name === 'vlan_pcp') {
      pcp = value as number;
    } else {
      put(m, def, value, mask);
    }
  }
  if (vid) m.vlan_tci = { value: vid.value & vid.mask, mask: vid.mask };
  if (pcp !== undefined) {
    if (!VLAN.ok(m)) r.fail(BAD('BAD_PREREQ'), `vlan_pcp requires ${VLAN.needs}`);
    m.vlan_tci = { value: m.vlan_tci!.value | (pcp << 13), mask: m.vlan_tci!.mask | 0xe000 };
  }
  for (const { def, mask } of tlvs) {
    if (def.prereq && def.name !== 'vlan_pcp' && !def.prereq.ok(m)) {
      r.fail(BAD('BAD_PREREQ'), `${def.name} requires ${def.prereq.needs}`);
    }
    if (mask !== undefined && isZero(mask) && def.key) delete m[def.key];
  }
  return m;
}

function put(m: Match, def: OxmDef, value: Value, mask: Value | undefined): void {
  const v = def.toMatch ? def.toMatch(value as number) : value;
  (m as Record<string, Masked<Value>>)[def.key!] = { value: v, mask: mask ?? def.matchFull ?? fullOf(def) };
}

/** The OXM a Match key is encoded as, given the rest of the match (dl_type / nw_proto). */
function defFor(m: Match, key: MatchKey): OxmDef {
  const defs = BY_KEY.get(key)!;
  const def = defs.find((d) => !d.prereq || d.prereq.ok(m));
  if (!def) throw new RangeError(`cannot encode match field ${key}: its prerequisite is missing`);
  return def;
}

const DEF_INDEX = new Map(OXM_FIELDS.map((d, i) => [d, i]));
/** Match keys in the order their OXMs come in OXM_FIELDS ('vlan_tci' where VLAN_VID is). */
const KEY_ORDER: MatchKey[] = [];
for (const d of OXM_FIELDS) {
  const key = d.key === null ? 'vlan_tci' : d.decodeOnly ? undefined : d.key;
  if (key && !KEY_ORDER.includes(key)) KEY_ORDER.push(key);
}

/** The TLVs of a Match, in OXM_FIELDS order. */
export function matchToOxms(m: Match): OxmTlv[] {
  const out: OxmTlv[] = [];
  for (const key of KEY_ORDER) {
    const entry = m[key] as Masked<Value> | undefined;
    if (entry === undefined) continue;
    if (key === 'vlan_tci') {
      out.push(...vlanToOxm(entry as Masked<number>));
      continue;
    }
    const def = defFor(m, key);
    const { value, mask } = entry;
    if (mask === (def.matchFull ?? fullOf(def))) out.push({ def, value: def.fromMatch ? def.fromMatch(value as number) : value });
    else if (def.maskable) out.push({ def, value, mask });
    else throw new RangeError(`cannot encode match field ${def.key}: OpenFlow cannot mask ${def.name}`);
  }
  // Keys sharing a slot (arp_sha is also nd_sll) may sit elsewhere in the table.
  return out.sort((a, b) => DEF_INDEX.get(a.def)! - DEF_INDEX.get(b.def)!);
}

function vlanToOxm(tci: Masked<number>): OxmTlv[] {
  const vidDef = BY_NAME.get('vlan_vid')!;
  const out: OxmTlv[] = [];
  const vidMask = tci.mask & 0x1fff;
  const vid = tci.value & vidMask;
  if (vidMask === 0x1fff) out.push({ def: vidDef, value: vid });
  else if (vidMask) out.push({ def: vidDef, value: vid, mask: vidMask });
  if ((tci.mask & 0xe000) === 0xe000) out.push({ def: BY_NAME.get('vlan_pcp')!, value: tci.value >>> 13 });
  return out;
}

/** Encodes an ofp_match with its padding. */
export function writeMatch(w: Writer, m: Match): void {
  const start = w.length;
  w.u16(OFPMT_OXM).u16(0);
  for (const t of matchToOxms(m)) writeOxm(w, t.def, t.value, t.mask);
  w.patch16(start + 2, w.length - start);
  w.pad(start);
}

/** A match's encoded length with padding (for sizing replies). */
export function matchLength(m: Match): number {
  const w = new Writer();
  writeMatch(w, m);
  return w.length;
}
