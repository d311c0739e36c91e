/**
 * OpenFlow 1.3 actions ↔ the project's Action (src/ofproto/actions.ts).
 *
 * Standard: OUTPUT (to CONTROLLER: the `controller` action with its max_len), GROUP,
 * SET_QUEUE, SET_FIELD (OXM or NXM header, see oxm.ts; in_port as NXM_OF_IN_PORT, as OVS wants), PUSH_VLAN, POP_VLAN,
 * SET_NW_TTL, DEC_NW_TTL. Nicira (experimenter 0x2320), as ovs-ofctl -O OpenFlow13
 * sends them: NXAST_RESUBMIT and NXAST_RESUBMIT_TABLE (resubmit), NXAST_POP_QUEUE,
 * NXAST_CONTROLLER (decoded; we encode controller as OUTPUT:CONTROLLER as OVS does
 * when it can).
 *
 * Refused (OFPET_BAD_ACTION): the MPLS, PBB and copy-TTL actions (BAD_TYPE), other
 * experimenters (BAD_EXPERIMENTER), other Nicira subtypes (BAD_EXP_TYPE), a bad length
 * (BAD_LEN), output to ANY (BAD_OUT_PORT), a set_field of a field we cannot set
 * (BAD_SET_TYPE) or with a bad value (BAD_SET_ARGUMENT), an action the flow's match
 * does not allow (set_field tcp_src without tcp, pop_vlan without a VLAN …:
 * MATCH_INCONSISTENT, as OVS's ofpacts_check).
 */
import type { Action, SetFieldName } from '../../ofproto/actions.js';
import { type Match, matchHasVlan, PREREQ } from '../../ofproto/fields.js';
import { OFPP } from '../../ofproto/values.js';
import { type ErrorKind, Reader, type Writer } from './buf.js';
import { OFPBAC } from './constants.js';
import { port16to32, port32to16, readOxm, writeSetFieldOxm } from './oxm.js';

export const OFPAT = {
  OUTPUT: 0,
  COPY_TTL_OUT: 11,
  COPY_TTL_IN: 12,
  SET_MPLS_TTL: 15,
  DEC_MPLS_TTL: 16,
  PUSH_VLAN: 17,
  POP_VLAN: 18,
  PUSH_MPLS: 19,
  POP_MPLS: 20,
  SET_QUEUE: 21,
  GROUP: 22,
  SET_NW_TTL: 23,
  DEC_NW_TTL: 24,
  SET_FIELD: 25,
  PUSH_PBB: 26,
  POP_PBB: 27,
  EXPERIMENTER: 0xffff,
} as const;
export const NX_VENDOR_ID = 0x00002320;
export const NXAST = { RESUBMIT: 1, POP_QUEUE: 5, RESUBMIT_TABLE: 14, CONTROLLER: 20 } as const;

/** The fields set_field may write (src/ofproto/actions.ts SetFieldName), by OXM name. */
const SETTABLE = new Set<string>([
  'in_port', 'metadata', 'eth_src', 'eth_dst', 'vlan_vid', 'vlan_pcp', 'ip_src', 'ip_dst', 'ip_dscp', 'nw_ecn',
  'nw_ttl', 'tcp_src', 'tcp_dst', 'udp_src', 'udp_dst', 'sctp_src', 'sctp_dst', 'ipv6_src', 'ipv6_dst',
  'ipv6_label', 'arp_op', 'arp_spa', 'arp_tpa', 'arp_sha', 'arp_tha',
] satisfies SetFieldName[]);

const BAD = (code: keyof typeof OFPBAC): ErrorKind => ['BAD_ACTION', OFPBAC[code]];


/** What the actions so far leave of the packet, for the MATCH_INCONSISTENT checks. */
interface Context {
  match: Match;
  vlans: number;
}

/** Decodes an action list filling the reader. `match`: check each action against it (flow_mod); omit for packet_out/groups. */
export function readActions(r: Reader, match?: Match): Action[] {
  const ctx: Context | undefined = match && { match, vlans: matchHasVlan(match) ? 1 : 0 };
  const out: Action[] = [];
  while (r.remaining > 0) {
    if (r.remaining < 8) r.fail(BAD('BAD_LEN'), `${r.remaining} bytes left, an action is at least 8`);
    const type = r.peekU16();
    const len = r.peekU16(2);
    if (len < 8 || len % 8) r.fail(BAD('BAD_LEN'), `action type ${type} with length ${len}`);
    out.push(readAction(r.sub(len, BAD('BAD_LEN'), 'action'), ctx));
  }
  return out;
}

function fixed(r: Reader, len: number, name: string): void {
  if (r.remaining !== len) r.fail(BAD('BAD_LEN'), `${name} must be ${len} bytes, got ${r.remaining}`);
}

function inconsistent(r: Reader, ctx: Context | undefined, ok: (c: Context) => boolean, why: string): void {
  if (ctx && !ok(ctx)) r.fail(BAD('MATCH_INCONSISTENT'), why);
}

function readAction(r: Reader, ctx: Context | undefined): Action {
  const type = r.u16();
  r.skip(2); // length, checked by the caller
  switch (type) {
    case OFPAT.OUTPUT: {
      fixed(r, 12, 'OUTPUT');
      const port = r.u32();
      const maxLen = r.u16();
      r.skip(6);
      if (port === OFPP.ANY) r.fail(BAD('BAD_OUT_PORT'), 'output to OFPP_ANY');
      return port === OFPP.CONTROLLER ? { type: 'controller', maxLen } : { type: 'output', port };
    }
    case OFPAT.GROUP:
      fixed(r, 4, 'GROUP');
      return { type: 'group', groupId: r.u32() };
    case OFPAT.SET_QUEUE:
      fixed(r, 4, 'SET_QUEUE');
      return { type: 'set_queue', queue: r.u32() };
    case OFPAT.PUSH_VLAN: {
      fixed(r, 4, 'PUSH_VLAN');
      const ethertype = r.u16();
      r.skip(2);
      if (ethertype !== 0x8100 && ethertype !== 0x88a8) r.fail(BAD('BAD_ARGUMENT'), `push_vlan ethertype 0x${ethertype.toString(16)}`);
      if (ctx) ctx.vlans++;
      return { type: 'push_vlan', ethertype };
    }
    case OFPAT.POP_VLAN:
      fixed(r, 4, 'POP_VLAN');
      r.skip(4);
      inconsistent(r, ctx, (c) => c.vlans > 0, 'pop_vlan without a VLAN header');
      if (ctx) ctx.vlans--;
      return { type: 'pop_vlan' };
    case OFPAT.SET_NW_TTL: {
      fixed(r, 4, 'SET_NW_TTL');
      const ttl = r.u8();
      r.skip(3);
      inconsistent(r, ctx, (c) => PREREQ.ipAny.ok(c.match), `mod_nw_ttl requires ${PREREQ.ipAny.needs}`);
      return { type: 'mod_nw_ttl', ttl };
    }
    case OFPAT.DEC_NW_TTL:
      fixed(r, 4, 'DEC_NW_TTL');
      r.skip(4);
      inconsistent(r, ctx, (c) => PREREQ.ipAny.ok(c.match), `dec_ttl requires ${PREREQ.ipAny.needs}`);
      return { type: 'dec_ttl' };
    case OFPAT.SET_FIELD:
      return readSetField(r, ctx);
    case OFPAT.EXPERIMENTER:
      return readExperimenter(r);
    default:
      return r.fail(BAD('BAD_TYPE'), `action type ${type} is not supported`);
  }
}

function readSetField(r: Reader, ctx: Context | undefined): Action {
  const tlv = readOxm(r, 'set_field');
  if (r.remaining >= 8) r.fail(BAD('BAD_LEN'), 'set_field longer than its OXM and padding');
  const name = tlv.def.name;
  if (!SETTABLE.has(name)) r.fail(BAD('BAD_SET_TYPE'), `set_field of ${name} is not supported`);
  if (name === 'vlan_vid' && !((tlv.value as number) & 0x1000)) {
    r.fail(BAD('BAD_SET_ARGUMENT'), 'set_field vlan_vid without the present bit 0x1000');
  }
  const vlanField = name === 'vlan_vid' || name === 'vlan_pcp';
  inconsistent(r, ctx, (c) => !vlanField || c.vlans > 0, `set_field ${name} without a VLAN header`);
  const prereq = tlv.def.prereq;
  if (prereq && !vlanField) inconsistent(r, ctx, (c) => prereq.ok(c.match), `set_field ${name} requires ${prereq.needs}`);
  return { type: 'set_field', field: name as SetFieldName, value: tlv.value };
}

function readExperimenter(r: Reader): Action {
  const vendor = r.u32();
  if (vendor !== NX_VENDOR_ID) r.fail(BAD('BAD_EXPERIMENTER'), `action experimenter 0x${vendor.toString(16)}`);
  const subtype = r.u16();
  switch (subtype) {
    case NXAST.RESUBMIT:
    case NXAST.RESUBMIT_TABLE: {
      fixed(r, 6, 'NXAST_RESUBMIT');
      const port = port16to32(r.u16());
      const table = subtype === NXAST.RESUBMIT_TABLE ? r.u8() : 255;
      r.skip(subtype === NXAST.RESUBMIT_TABLE ? 3 : 4);
      const a: Action = { type: 'resubmit' };
      if (port !== OFPP.IN_PORT) a.port = port;
      if (table !== 255) a.table = table;
      if (a.port === undefined && a.table === undefined) r.fail(BAD('BAD_ARGUMENT'), 'resubmit to the same port and table');
      return a;
    }
    case NXAST.POP_QUEUE:
      fixed(r, 6, 'NXAST_POP_QUEUE');
      r.skip(6);
      return { type: 'pop_queue' };
    case NXAST.CONTROLLER: {
      fixed(r, 6, 'NXAST_CONTROLLER');
      const maxLen = r.u16();
      const controllerId = r.u16();
      const reason = r.u8();
      r.skip(1);
      if (controllerId !== 0 || reason !== 1) {
        r.fail(BAD('BAD_ARGUMENT'), 'controller() with an id or a reason other than action is not supported');
      }
      return { type: 'controller', maxLen };
    }
    default:
      return r.fail(BAD('BAD_EXP_TYPE'), `Nicira action subtype ${subtype} is not supported`);
  }
}

// --- Encoding -------------------------------------------------------------------------

function head(w: Writer, type: number, len: number): void {
  w.u16(type).u16(len);
}
function nx(w: Writer, subtype: number): void {
  head(w, OFPAT.EXPERIMENTER, 16);
  w.u32(NX_VENDOR_ID).u16(subtype);
}

export function writeAction(w: Writer, a: Action): void {
  switch (a.type) {
    case 'output':
      head(w, OFPAT.OUTPUT, 16);
      w.u32(a.port).u16(0).zeros(6);
      return;
    case 'controller':
      head(w, OFPAT.OUTPUT, 16);
      w.u32(OFPP.CONTROLLER).u16(a.maxLen).zeros(6);
      return;
    case 'group':
      head(w, OFPAT.GROUP, 8);
      w.u32(a.groupId);
      return;
    case 'set_queue':
      head(w, OFPAT.SET_QUEUE, 8);
      w.u32(a.queue);
      return;
    case 'push_vlan':
      head(w, OFPAT.PUSH_VLAN, 8);
      w.u16(a.ethertype).zeros(2);
      return;
    case 'pop_vlan':
      head(w, OFPAT.POP_VLAN, 8);
      w.zeros(4);
      return;
    case 'mod_nw_ttl':
      head(w, OFPAT.SET_NW_TTL, 8);
      w.u8(a.ttl).zeros(3);
      return;
    case 'dec_ttl':
      head(w, OFPAT.DEC_NW_TTL, 8);
      w.zeros(4);
      return;
    case 'set_field': {
      const start = w.length;
      head(w, OFPAT.SET_FIELD, 0);
      writeSetFieldOxm(w, a.field, a.value);
      w.pad(start);
      w.patch16(start + 2, w.length - start);
      return;
    }
    case 'resubmit':
      nx(w, NXAST.RESUBMIT_TABLE);
      w.u16(port32to16(a.port ?? OFPP.IN_PORT)).u8(a.table ?? 255).zeros(3);
      return;
    case 'pop_queue':
      nx(w, NXAST.POP_QUEUE);
      w.zeros(6);
      return;
  }
}

export function writeActions(w: Writer, actions: readonly Action[]): void {
  for (const a of actions) writeAction(w, a);
}

/** An action list alone (a GROUP_MOD bucket, PACKET_OUT), for callers holding bytes. */
export function decodeActions(buf: Buffer, match?: Match): Action[] {
  return readActions(new Reader(buf, BAD('BAD_LEN')), match);
}
