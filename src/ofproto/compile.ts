/**
 * Parsed flows (flow-syntax.ts) → the form the datapath installs (native.ts
 * NativeFlow): the match as a raw FlowKey key and mask laid out as the C++ struct
 * is (the layout comes from the addon, so the two cannot drift), and the actions
 * as op codes the addon exports.
 *
 * Where OVS keeps several fields in one slot, so does the key: ARP spa/tpa and op
 * are nw_src/nw_dst/nw_proto, ICMP type/code are tp_src/tp_dst, DSCP and ECN share
 * nw_tos, and arp_sha/arp_tha mean the ND link-layer options for IPv6.
 */
import { NodeswitchError } from '../errors.js';
import { addon, constants, type NativeAction, type NativeFlow, type NativeOpName } from '../native.js';
import type { Action, Instructions } from './actions.js';
import type { Match } from './fields.js';
import type { FlowSpec } from './flow.js';
import { OFPP } from './values.js';

const LAYOUT = addon.flowKeyLayout;
const KEY_SIZE = constants.flowKeySize;
const OP = constants.op;

function place(field: string): [number, number] {
  const at = LAYOUT[field];
  if (!at) throw new Error(`FlowKey has no field ${field}`);
  return at;
}

function putNumber(buf: Buffer, field: string, value: number): void {
  const [offset, size] = place(field);
  // Host order (little-endian on every platform we build for), as the struct holds it.
  if (size === 1) buf[offset] |= value & 0xff;
  else if (size === 2) buf.writeUInt16LE((buf.readUInt16LE(offset) | value) & 0xffff, offset);
  else buf.writeUInt32LE((buf.readUInt32LE(offset) | value) >>> 0, offset);
}

function putBytes(buf: Buffer, field: string, hex: string): void {
  const [offset, size] = place(field);
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length !== size) throw new Error(`${field}: expected ${size} bytes, got ${bytes.length}`);
  bytes.copy(buf, offset);
}

/**
 * The key and mask a match compiles to: new Buffers, or `into` (two zeroed views of
 * KEY_SIZE bytes each, e.g. slices of one slab for a whole batch: 100k Buffers of
 * their own would cost more in the allocator and the GC than the compile).
 */
export function compileMatch(match: Match, into?: { key: Buffer; mask: Buffer }): { key: Buffer; mask: Buffer } {
  const key = into?.key ?? Buffer.alloc(KEY_SIZE);
  const mask = into?.mask ?? Buffer.alloc(KEY_SIZE);
  const num = (field: string, m: { value: number; mask: number } | undefined): void => {
    if (!m) return;
    putNumber(key, field, m.value & m.mask);
    putNumber(mask, field, m.mask);
  };
  const bytes = (field: string, m: { value: string; mask: string } | undefined): void => {
    if (!m) return;
    const v = Buffer.from(m.value, 'hex');
    const k = Buffer.from(m.mask, 'hex');
    for (let i = 0; i < v.length; i++) v[i]! &= k[i]!;
    putBytes(key, field, v.toString('hex'));
    putBytes(mask, field, m.mask);
  };
  num('in_port', match.in_port);
  if (match.metadata) {
    const { value, mask: m } = match.metadata;
    num('metadata_hi', { value: Number((value >> 32n) & 0xffffffffn), mask: Number((m >> 32n) & 0xffffffffn) });
    num('metadata_lo', { value: Number(value & 0xffffffffn), mask: Number(m & 0xffffffffn) });
  }
  num('vlan_tci', match.vlan_tci);
  bytes('dl_src', match.dl_src);
  bytes('dl_dst', match.dl_dst);
  num('dl_type', match.dl_type);
  num('nw_src', match.nw_src);
  num('nw_dst', match.nw_dst);
  bytes('ipv6_src', match.ipv6_src);
  bytes('ipv6_dst', match.ipv6_dst);
  num('ipv6_label', match.ipv6_label);
  num('nw_proto', match.nw_proto);
  num('nw_tos', match.nw_tos);
  num('nw_tos', match.nw_ecn);
  num('nw_ttl', match.nw_ttl);
  const nd = match.dl_type?.value === 0x86dd;
  bytes(nd ? 'nd_sll' : 'arp_sha', match.arp_sha);
  bytes(nd ? 'nd_tll' : 'arp_tha', match.arp_tha);
  num('tp_src', match.tp_src);
  num('tp_dst', match.tp_dst);
  bytes('nd_target', match.nd_target);
  num('tcp_flags', match.tcp_flags);
  return { key, mask };
}

const SET_FIELD_OPS: Record<string, NativeOpName> = {
  eth_src: 'setEthSrc',
  eth_dst: 'setEthDst',
  vlan_vid: 'setVlanVid',
  vlan_pcp: 'setVlanPcp',
  ip_src: 'setIpv4Src',
  ip_dst: 'setIpv4Dst',
  ipv6_src: 'setIpv6Src',
  ipv6_dst: 'setIpv6Dst',
  ip_dscp: 'setIpDscp',
  nw_ecn: 'setIpEcn',
  nw_ttl: 'setIpTtl',
  tcp_src: 'setTpSrc',
  udp_src: 'setTpSrc',
  tcp_dst: 'setTpDst',
  udp_dst: 'setTpDst',
  in_port: 'setInPort',
  metadata: 'setMetadata',
};

function op(name: NativeOpName): number {
  const code = OP[name];
  if (code === undefined) throw new Error(`the addon exports no op ${name}`);
  return code;
}

export function compileAction(a: Action): NativeAction {
  switch (a.type) {
    case 'output':
      return { code: op('output'), port: a.port };
    case 'controller':
      return { code: op('controller'), u32: a.maxLen };
    case 'push_vlan':
      return { code: op('pushVlan'), u32: a.ethertype };
    case 'pop_vlan':
      return { code: op('popVlan') };
    case 'dec_ttl':
      return { code: op('decTtl') };
    case 'mod_nw_ttl':
      return { code: op('setIpTtl'), u32: a.ttl };
    case 'set_queue':
      return { code: op('setQueue'), u32: a.queue };
    case 'pop_queue':
      return { code: op('setQueue'), u32: 0 }; // the default queue: what a packet starts with
    case 'group':
      return { code: op('group'), u32: a.groupId };
    case 'resubmit':
      return { code: op('resubmit'), port: a.port ?? OFPP.IN_PORT, u32: a.table ?? constants.resubmitCurrentTable };
    case 'set_field': {
      const name = SET_FIELD_OPS[a.field];
      if (!name) throw new NodeswitchError(`set_field to ${a.field} is not supported by the datapath yet`, 'actions');
      const code = op(name);
      const v = a.value;
      if (typeof v === 'string') return { code, bytes: Buffer.from(v, 'hex') };
      if (typeof v === 'bigint') return { code, u64: v, u64b: 0xffffffffffffffffn };
      // vlan_vid values carry the VLAN-present bit; the datapath wants the VID.
      // A transport port names its protocol, checked at translation (a group bucket has no match).
      if (a.field.endsWith('_src') || a.field.endsWith('_dst')) {
        const proto = a.field.startsWith('tcp_') ? 6 : a.field.startsWith('udp_') ? 17 : 0;
        if (proto) return { code, u32: v >>> 0, port: proto };
      }
      return { code, u32: a.field === 'vlan_vid' ? v & 0x0fff : v >>> 0 };
    }
  }
}

export function compileInstructions(ins: Instructions): Pick<NativeFlow, 'write' | 'clearActions' | 'writeMetadata' | 'gotoTable'> {
  return {
    write: (ins.writeActions ?? []).map(compileAction),
    clearActions: ins.clearActions === true,
    ...(ins.writeMetadata ? { writeMetadata: ins.writeMetadata } : {}),
    ...(ins.gotoTable !== undefined ? { gotoTable: ins.gotoTable } : {}),
  };
}

/** Zeroed key/mask views for `n` flows, from one allocation. */
export function matchSlab(n: number): (i: number) => { key: Buffer; mask: Buffer } {
  const slab = Buffer.alloc(n * 2 * KEY_SIZE);
  return (i) => ({ key: slab.subarray(2 * i * KEY_SIZE, (2 * i + 1) * KEY_SIZE), mask: slab.subarray((2 * i + 1) * KEY_SIZE, (2 * i + 2) * KEY_SIZE) });
}

/** A whole flow, for table `table` (an add's own, or a modified entry's); `into` as compileMatch's. */
export function compileFlow(id: number, spec: FlowSpec, table: number, into?: { key: Buffer; mask: Buffer }): NativeFlow {
  const { key, mask } = compileMatch(spec.match, into);
  return {
    id,
    table,
    priority: spec.priority,
    cookie: spec.cookie,
    key,
    mask,
    // The meter instruction runs first (OpenFlow 1.3, 5.9): the first op of the list.
    apply: [...(spec.instructions.meter !== undefined ? [{ code: op('meter'), u32: spec.instructions.meter }] : []), ...spec.actions.map(compileAction)],
    ...compileInstructions(spec.instructions),
  };
}
