/**
 * The scalar syntax of ovs-ofctl flows: how a flow string splits into key/value
 * tokens, and how numbers, MAC, IPv4 and IPv6 addresses and OpenFlow ports are
 * written and printed.
 *
 * Representation (shared by the whole flow syntax layer, see fields.ts):
 *   - fields of 32 bits or fewer, IPv4 addresses and ports: `number` (unsigned)
 *   - 64-bit fields (metadata, cookie): `bigint`
 *   - MAC addresses: 12 lowercase hex digits, no separators ("0a1b2c3d4e5f")
 *   - IPv6 addresses: 32 lowercase hex digits, no separators
 * so every value is a plain JS primitive: comparable with ===, JSON-friendly (bar
 * bigint), and `Buffer.from(hex, 'hex')` gives the wire bytes.
 *
 * Port numbers are OpenFlow 1.3's 32-bit ones (OFPP_LOCAL = 0xfffffffe ...).
 */
import { constants, MAX_OFPORT } from '../native.js';

/** Thrown by the value parsers; the flow parser adds the token and rethrows. */
export class ValueError extends Error {}

// --- Tokens ---------------------------------------------------------------------

export interface KeyValue {
  key: string;
  /** '' when the key had no value ("ip", "drop", "2"). */
  value: string;
  /** The token as written, for error messages: "nw_src=10.0.0.1". */
  raw: string;
}

// Char codes: this runs for every token of every line of an add-flows file.
const COMMA = 44, SPACE = 32, TAB = 9, CR = 13, LF = 10, COLON = 58, EQUALS = 61, OPEN = 40, CLOSE = 41;
const isPairDelim = (c: number): boolean => c === COMMA || c === SPACE || c === TAB || c === CR || c === LF;
const endsKey = (c: number): boolean => c === COLON || c === EQUALS || c === OPEN || isPairDelim(c);

/** Length of a value up to a pair delimiter (or to `)` when `toClose`), skipping over balanced parentheses. */
function valueLength(s: string, from: number, toClose: boolean): number {
  let n = from;
  for (;;) {
    if (n >= s.length) break;
    const c = s.charCodeAt(n);
    if (toClose ? c === CLOSE : isPairDelim(c)) break;
    if (c === OPEN) {
      let level = 0;
      do {
        const d = s.charCodeAt(n);
        if (d === OPEN) level++;
        else if (d === CLOSE) level--;
        n++;
      } while (level > 0 && n < s.length);
    } else {
      n++;
    }
  }
  return n - from;
}

/**
 * Splits "k1=v1,k2:v2 k3 k4(a,b)" the way ovs-ofctl does: pairs are separated by
 * commas or white space; a key ends at '=', ':' or '('; a value after '=' or ':'
 * runs to the next separator (parentheses nest), a value after '(' to its ')'.
 */
export function splitKeyValues(text: string): KeyValue[] {
  const out: KeyValue[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && isPairDelim(text.charCodeAt(i))) i++;
    if (i >= text.length) return out;
    const start = i;
    while (i < text.length && !endsKey(text.charCodeAt(i))) i++;
    const key = text.slice(start, i);
    const delim = i < text.length ? text.charCodeAt(i) : -1;
    if (delim !== COLON && delim !== EQUALS && delim !== OPEN) {
      out.push({ key, value: '', raw: key });
      continue;
    }
    i++;
    const len = valueLength(text, i, delim === OPEN);
    const value = text.slice(i, i + len);
    i += len;
    if (delim === OPEN && text.charCodeAt(i) === CLOSE) i++;
    out.push({ key, value, raw: text.slice(start, i) });
  }
}

// --- Numbers --------------------------------------------------------------------

/** A plain decimal of at most 15 digits without a leading zero (the usual case), or -1. */
function smallDecimal(text: string): number {
  const n = text.length;
  if (n === 0 || n > 15 || (n > 1 && text.charCodeAt(0) === 48)) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Parses decimal or 0x hex into a bigint; no sign, no octal. */
export function parseBigUint(text: string): bigint {
  if (/^0x[0-9a-f]+$/i.test(text)) return BigInt(text);
  if (/^(0|[1-9][0-9]*)$/.test(text)) return BigInt(text);
  if (/^0[0-9]+$/.test(text)) {
    throw new ValueError(`${text}: leading zeros are ambiguous (OVS reads them as octal); write ${BigInt(text)} or 0x...`);
  }
  throw new ValueError(`${text}: not a number (decimal or 0x hex expected)`);
}

/** Parses an unsigned integer of at most `bits` bits (≤ 32). */
export function parseUint(text: string, bits: number): number {
  const small = smallDecimal(text);
  if (small >= 0 && small < 2 ** bits) return small;
  const v = parseBigUint(text);
  if (v >= 1n << BigInt(bits)) throw new ValueError(`${text}: value too large for a ${bits}-bit field`);
  return Number(v);
}

export function parseUint64(text: string): bigint {
  const v = parseBigUint(text);
  if (v >= 1n << 64n) throw new ValueError(`${text}: value too large for a 64-bit field`);
  return v;
}

export function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

/** C's "%#x": like hex(), but zero prints as "0" (OVS prints metadata so). */
export function altHex(n: number | bigint): string {
  return n === 0 || n === 0n ? '0' : hex(n);
}

// --- MAC ------------------------------------------------------------------------

export function parseMac(text: string): string {
  const parts = text.split(':');
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-f]{1,2}$/i.test(p))) {
    throw new ValueError(`${text}: invalid Ethernet address (expected xx:xx:xx:xx:xx:xx)`);
  }
  return parts.map((p) => p.toLowerCase().padStart(2, '0')).join('');
}

export function formatMac(h: string): string {
  return h.match(/../g)!.join(':');
}

// --- IPv4 -----------------------------------------------------------------------

export function parseIpv4(text: string): number {
  // Four decimal octets, scanned; anything else goes the careful way (for its error).
  let acc = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || octet > 255 || ++dots > 3) break;
      acc = acc * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      octet = octet * 10 + (c - 48);
      digits++;
    } else {
      break;
    }
  }
  if (i === text.length && dots === 3 && digits > 0 && octet <= 255) return acc * 256 + octet;
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)) {
    throw new ValueError(`${text}: invalid IPv4 address`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The IPv4 netmask of `bits` leading ones. */
export function ipv4Prefix(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Leading ones of a contiguous netmask, or -1 when the mask is not a prefix. */
function ipv4PrefixLen(mask: number): number {
  for (let b = 0; b <= 32; b++) if (ipv4Prefix(b) === mask) return b;
  return -1;
}

/** "a.b.c.d", "a.b.c.d/N" or "a.b.c.d/m.m.m.m" → value (masked) and mask. */
export function parseIpv4Masked(text: string): { value: number; mask: number } {
  const [addr, m] = splitMask(text);
  const value = parseIpv4(addr);
  let mask = 0xffffffff;
  if (m !== undefined) {
    if (/^[0-9]+$/.test(m)) {
      const bits = Number(m);
      if (bits > 32) throw new ValueError(`${text}: IPv4 prefix length must be between 0 and 32`);
      mask = ipv4Prefix(bits);
    } else {
      mask = parseIpv4(m);
    }
  }
  return { value: (value & mask) >>> 0, mask };
}

export function formatIpv4Masked(value: number, mask: number): string {
  if (mask === 0xffffffff) return formatIpv4(value);
  const bits = ipv4PrefixLen(mask);
  return `${formatIpv4(value)}/${bits >= 0 ? bits : formatIpv4(mask)}`;
}

function splitMask(text: string): [string, string | undefined] {
  const slash = text.indexOf('/');
  return slash < 0 ? [text, undefined] : [text.slice(0, slash), text.slice(slash + 1)];
}

// --- IPv6 -----------------------------------------------------------------------

function ipv6Words(text: string): number[] {
  const bad = (): never => {
    throw new ValueError(`${text}: invalid IPv6 address`);
  };
  let s = text;
  const tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    let n: number;
    try {
      n = parseIpv4(v4[2]!);
    } catch {
      return bad();
    }
    tail.push(n >>> 16, n & 0xffff);
    s = v4[1]!.endsWith('::') ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const group = (g: string): number => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : bad());
  const halves = s.split('::');
  if (halves.length > 2) bad();
  const head = halves[0] === '' ? [] : halves[0]!.split(':').map(group);
  if (halves.length === 1) {
    const words = [...head, ...tail];
    if (words.length !== 8) bad();
    return words;
  }
  const back = [...(halves[1] === '' ? [] : halves[1]!.split(':').map(group)), ...tail];
  const zeros = 8 - head.length - back.length;
  if (zeros < 1) bad();
  return [...head, ...new Array<number>(zeros).fill(0), ...back];
}

export function parseIpv6(text: string): string {
  return ipv6Words(text).map((w) => w.toString(16).padStart(4, '0')).join('');
}

/** Prints like inet_ntop (glibc): longest zero run of ≥ 2 words as "::", IPv4 tail for ::a.b.c.d and ::ffff:a.b.c.d. */
export function formatIpv6(h: string): string {
  const w = h.match(/.{4}/g)!.map((g) => parseInt(g, 16));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (bestLen < 2) best = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (i === 6 && best === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      return out + (out.endsWith(':') ? '' : ':') + formatIpv4(((w[6]! << 16) | w[7]!) >>> 0);
    }
    out += (out === '' || out.endsWith(':') ? '' : ':') + w[i]!.toString(16);
  }
  return out;
}

export const IPV6_ALL_ONES = 'f'.repeat(32);

function ipv6Prefix(bits: number): string {
  let out = '';
  for (let nib = 0; nib < 32; nib++) {
    const take = Math.max(0, Math.min(4, bits - nib * 4));
    out += ((0xf << (4 - take)) & 0xf).toString(16);
  }
  return out;
}

function ipv6PrefixLen(mask: string): number {
  for (let b = 0; b <= 128; b++) if (ipv6Prefix(b) === mask) return b;
  return -1;
}

export function andHex(a: string, b: string): string {
  let out = '';
  for (let i = 0; i < a.length; i++) out += (parseInt(a[i]!, 16) & parseInt(b[i]!, 16)).toString(16);
  return out;
}

export function isZeroHex(h: string): boolean {
  return /^0*$/.test(h);
}

export function parseIpv6Masked(text: string): { value: string; mask: string } {
  const [addr, m] = splitMask(text);
  const value = parseIpv6(addr);
  let mask = IPV6_ALL_ONES;
  if (m !== undefined) {
    if (/^[0-9]+$/.test(m)) {
      const bits = Number(m);
      if (bits > 128) throw new ValueError(`${text}: IPv6 prefix length must be between 0 and 128`);
      mask = ipv6Prefix(bits);
    } else {
      mask = parseIpv6(m);
    }
  }
  return { value: andHex(value, mask), mask };
}

export function formatIpv6Masked(value: string, mask: string): string {
  if (mask === IPV6_ALL_ONES) return formatIpv6(value);
  const bits = ipv6PrefixLen(mask);
  return `${formatIpv6(value)}/${bits >= 0 ? bits : formatIpv6(mask)}`;
}

export function parseMacMasked(text: string): { value: string; mask: string } {
  const [addr, m] = splitMask(text);
  const value = parseMac(addr);
  const mask = m === undefined ? 'f'.repeat(12) : parseMac(m);
  return { value: andHex(value, mask), mask };
}

export function formatMacMasked(value: string, mask: string): string {
  return mask === 'f'.repeat(12) ? formatMac(value) : `${formatMac(value)}/${formatMac(mask)}`;
}

// --- Ports ----------------------------------------------------------------------

/** OpenFlow 1.3 port numbers (the datapath's, from the addon). Physical ports are 1..OFPP_MAX_PHYSICAL. */
export const OFPP = {
  MAX: constants.ofpp.max,
  IN_PORT: constants.ofpp.inPort,
  TABLE: constants.ofpp.table,
  NORMAL: constants.ofpp.normal,
  FLOOD: constants.ofpp.flood,
  ALL: constants.ofpp.all,
  CONTROLLER: constants.ofpp.controller,
  LOCAL: constants.ofpp.local,
  ANY: constants.ofpp.any,
} as const;

/** The highest port number ovs-ofctl accepts for a switch port (0xfeff), the datapath's too. */
export const OFPP_MAX_PHYSICAL = MAX_OFPORT;

const RESERVED_NAMES: Record<string, number> = {
  IN_PORT: OFPP.IN_PORT,
  TABLE: OFPP.TABLE,
  NORMAL: OFPP.NORMAL,
  FLOOD: OFPP.FLOOD,
  ALL: OFPP.ALL,
  CONTROLLER: OFPP.CONTROLLER,
  LOCAL: OFPP.LOCAL,
  ANY: OFPP.ANY,
  NONE: OFPP.ANY,
};

export type PortResolver = (name: string) => number | undefined;

/**
 * A port as ovs-ofctl takes it: a decimal number (0..65279, the OpenFlow 1.0 aliases
 * 65528..65535 of the reserved ports, or their 1.3 numbers), a reserved name in any
 * case, or a name the resolver knows.
 */
export function parsePort(text: string, resolve?: PortResolver): number {
  const reserved = RESERVED_NAMES[text.toUpperCase()];
  if (reserved !== undefined) return reserved;
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    if (n <= OFPP_MAX_PHYSICAL) return n;
    if (n >= 0xfff8 && n <= 0xffff) return (0xffff0000 + n) >>> 0;
    if (n >= 0xfffffff8 && n <= 0xffffffff) return n;
    throw new ValueError(
      `port ${text} is outside the supported range 0 through ${OFPP_MAX_PHYSICAL} (or a reserved port)`,
    );
  }
  const resolved = resolve?.(text);
  if (resolved === undefined) throw new ValueError(`unknown port name "${text}"`);
  if (!Number.isInteger(resolved) || resolved < 0 || resolved > OFPP_MAX_PHYSICAL) {
    throw new ValueError(`port "${text}" resolved to ${resolved}, not a valid port number`);
  }
  return resolved;
}

export function formatPort(port: number): string {
  for (const [name, n] of Object.entries(RESERVED_NAMES)) if (n === port && name !== 'NONE') return name;
  return String(port);
}
