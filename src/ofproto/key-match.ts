/**
 * A raw FlowKey key and mask (the datapath's megaflows, a trace's megaflow) back
 * into a Match, the inverse of compileMatch() for the fields a Match has. The key
 * bits a Match cannot say — the parser's header offsets, the VLAN TPIDs, the inner
 * tag, MPLS, fragment bits — come back as `extras`, printed `name=0xVALUE/0xMASK`
 * under the FlowKey field's own name.
 */
import { addon } from '../native.js';
import type { Masked, Match } from './fields.js';
import { formatMatch } from './match-format.js';
import { andHex } from './values.js';

const LAYOUT = addon.flowKeyLayout;

const NUMBER_FIELDS = [
  'in_port',
  'vlan_tci',
  'dl_type',
  'nw_src',
  'nw_dst',
  'ipv6_label',
  'nw_proto',
  'nw_ttl',
  'tp_src',
  'tp_dst',
  'tcp_flags',
] as const;
const BYTE_FIELDS = ['dl_src', 'dl_dst', 'ipv6_src', 'ipv6_dst', 'nd_target'] as const;
/** FlowKey fields no Match field stands for. */
const EXTRA_FIELDS = ['vlan_tpid', 'inner_vlan_tci', 'inner_vlan_tpid', 'l2_len', 'l3_ofs', 'l4_ofs', 'mpls_lse', 'nw_frag', 'arp_op'];

function readNumber(buf: Buffer, field: string): number {
  const at = LAYOUT[field];
  if (!at) throw new Error(`FlowKey has no field ${field}`);
  const [offset, size] = at;
  return size === 1 ? buf[offset]! : size === 2 ? buf.readUInt16LE(offset) : buf.readUInt32LE(offset);
}

function readBytes(buf: Buffer, field: string): string {
  const [offset, size] = LAYOUT[field]!;
  return buf.subarray(offset, offset + size).toString('hex');
}

export function matchFromKey(key: Buffer, mask: Buffer): { match: Match; extras: string[] } {
  const match: Match = {};
  const m = match as Record<string, Masked<number> | Masked<string> | Masked<bigint>>;
  for (const f of NUMBER_FIELDS) {
    const mk = readNumber(mask, f);
    if (mk) m[f] = { value: (readNumber(key, f) & mk) >>> 0, mask: mk >>> 0 };
  }
  for (const f of BYTE_FIELDS) {
    const mk = readBytes(mask, f);
    if (/[^0]/.test(mk)) m[f] = { value: andHex(readBytes(key, f), mk), mask: mk };
  }
  const nd = match.dl_type?.value === 0x86dd;
  for (const [field, slot] of [
    ['arp_sha', nd ? 'nd_sll' : 'arp_sha'],
    ['arp_tha', nd ? 'nd_tll' : 'arp_tha'],
  ] as const) {
    const mk = readBytes(mask, slot);
    if (/[^0]/.test(mk)) m[field] = { value: andHex(readBytes(key, slot), mk), mask: mk };
  }
  const hi = BigInt(readNumber(mask, 'metadata_hi'));
  const lo = BigInt(readNumber(mask, 'metadata_lo'));
  if (hi || lo) {
    const mk = (hi << 32n) | lo;
    match.metadata = { value: ((BigInt(readNumber(key, 'metadata_hi')) << 32n) | BigInt(readNumber(key, 'metadata_lo'))) & mk, mask: mk };
  }
  const tosMask = readNumber(mask, 'nw_tos');
  const tos = readNumber(key, 'nw_tos') & tosMask;
  if (tosMask & 0xfc) match.nw_tos = { value: tos & 0xfc, mask: tosMask & 0xfc };
  if (tosMask & 0x03) match.nw_ecn = { value: tos & 0x03, mask: tosMask & 0x03 };
  const extras: string[] = [];
  for (const f of EXTRA_FIELDS) {
    const mk = readNumber(mask, f);
    if (!mk) continue;
    const width = LAYOUT[f]![1] * 2;
    const h = (n: number): string => `0x${n.toString(16).padStart(width, '0')}`;
    extras.push(`${f}=${h((readNumber(key, f) & mk) >>> 0)}/${h(mk)}`);
  }
  return { match, extras };
}

/** A megaflow's match as text: the Match fields as dump-flows prints them, then the extras. */
export function megaflowText(key: Buffer, mask: Buffer): string {
  const { match, extras } = matchFromKey(key, mask);
  return [formatMatch(match), ...extras].filter(Boolean).join(',');
}
