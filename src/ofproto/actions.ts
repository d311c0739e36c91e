/**
 * Actions and instructions of ovs-ofctl flows ("actions=..."), parsed and printed as
 * `ovs-ofctl -O OpenFlow13` does.
 *
 * The parsed form is what an OpenFlow 1.3 switch receives, not what the user typed:
 * OVS turns the OpenFlow 1.0 rewrites into OpenFlow 1.3 actions and prints them so,
 * and so do we:
 *   mod_dl_src:M      → set_field:M->eth_src         (mod_dl_dst likewise)
 *   mod_nw_src:A      → set_field:A->ip_src          (needs ip; mod_nw_dst likewise)
 *   mod_nw_tos:T      → set_field:T/4->ip_dscp       (T a multiple of 4)
 *   mod_tp_src:P      → set_field:P->tcp_src|udp_src|sctp_src, by the match's nw_proto
 *   mod_vlan_vid:V    → set_field:4096+V->vlan_vid, preceded by push_vlan:0x8100 when
 *                       no VLAN header is known to be present (mod_vlan_pcp likewise)
 *   strip_vlan        → pop_vlan;  output:CONTROLLER → CONTROLLER:65535
 *   enqueue:P:Q       → set_queue:Q,output:P,pop_queue   (as ovs-ofctl -O OpenFlow13 has it)
 *
 * Prerequisites are checked as OVS checks them for OpenFlow 1.3 (ofpacts_check): each
 * action against the match as changed by the actions before it (push_vlan makes a
 * VLAN present, pop_vlan takes it away).
 *
 * Instructions must come in OpenFlow 1.3's order: apply actions, clear_actions,
 * write_actions(...), write_metadata, goto_table; each at most once.
 */
import { FieldError, type Match, matchHasVlan, PREREQ, type Prereq } from './fields.js';
import { QUEUE_ID } from '../limits.js';
import { OFPG_MAX } from './group.js';
import {
  altHex,
  formatIpv4,
  formatIpv6,
  formatMac,
  formatPort,
  hex,
  type KeyValue,
  OFPP,
  parseIpv4,
  parseIpv6,
  parseMac,
  parsePort,
  parseUint,
  parseUint64,
  type PortResolver,
  splitKeyValues,
  ValueError,
} from './values.js';

/** OXM fields set_field can write, by the name OVS prints. */
export type SetFieldName =
  | 'in_port'
  | 'metadata'
  | 'eth_src'
  | 'eth_dst'
  | 'vlan_vid'
  | 'vlan_pcp'
  | 'ip_src'
  | 'ip_dst'
  | 'ip_dscp'
  | 'nw_ecn'
  | 'nw_ttl'
  | 'tcp_src'
  | 'tcp_dst'
  | 'udp_src'
  | 'udp_dst'
  | 'sctp_src'
  | 'sctp_dst'
  | 'ipv6_src'
  | 'ipv6_dst'
  | 'ipv6_label'
  | 'arp_op'
  | 'arp_spa'
  | 'arp_tpa'
  | 'arp_sha'
  | 'arp_tha';

/**
 * One action. Values follow values.ts: numbers (≤ 32 bits, IPv4 as uint32, ports as
 * OpenFlow 1.3 numbers), bigint (metadata), hex strings (MAC 12 digits, IPv6 32).
 * vlan_vid values carry the VLAN-present bit: 0x1000 | VID.
 */
export type Action =
  | { type: 'output'; port: number } // a switch port, or IN_PORT, NORMAL, FLOOD, ALL, LOCAL
  | { type: 'controller'; maxLen: number }
  | { type: 'set_field'; field: SetFieldName; value: number | bigint | string }
  | { type: 'push_vlan'; ethertype: number }
  | { type: 'pop_vlan' }
  | { type: 'dec_ttl' }
  | { type: 'mod_nw_ttl'; ttl: number }
  | { type: 'resubmit'; port?: number; table?: number } // port undefined: the packet's in_port
  | { type: 'set_queue'; queue: number } // the egress queue of the outputs after it (set-qos)
  | { type: 'pop_queue' } // back to the default queue, as before any set_queue
  | { type: 'group'; groupId: number }; // group:N — the group's buckets (group.ts)

export interface Instructions {
  /** OpenFlow 1.3's meter instruction (meter:N): runs before every other. */
  meter?: number;
  clearActions?: boolean;
  writeActions?: Action[];
  writeMetadata?: { value: bigint; mask: bigint };
  gotoTable?: number;
}

// --- set_field fields ---------------------------------------------------------------

type Kind = 'dec' | 'hex' | 'mac' | 'ipv4' | 'ipv6' | 'port' | 'u64';

interface SetFieldDef {
  kind: Kind;
  bits: number;
  prereq?: Prereq;
  vlan?: true; // needs a VLAN header
  check?: (v: number) => string | undefined;
}

const SET_FIELDS: Record<SetFieldName, SetFieldDef> = {
  in_port: { kind: 'port', bits: 32 },
  metadata: { kind: 'u64', bits: 64 },
  eth_src: { kind: 'mac', bits: 48 },
  eth_dst: { kind: 'mac', bits: 48 },
  vlan_vid: {
    kind: 'dec',
    bits: 13,
    vlan: true,
    check: (v) =>
      v & 0x1000 ? undefined : 'OpenFlow 1.3 wants the VLAN-present bit: write 4096+VID (e.g. 4101 for VLAN 5)',
  },
  vlan_pcp: { kind: 'dec', bits: 3, vlan: true },
  ip_src: { kind: 'ipv4', bits: 32, prereq: PREREQ.ip },
  ip_dst: { kind: 'ipv4', bits: 32, prereq: PREREQ.ip },
  ip_dscp: { kind: 'dec', bits: 6, prereq: PREREQ.ipAny },
  nw_ecn: { kind: 'dec', bits: 2, prereq: PREREQ.ipAny },
  nw_ttl: { kind: 'dec', bits: 8, prereq: PREREQ.ipAny },
  tcp_src: { kind: 'dec', bits: 16, prereq: PREREQ.tcp },
  tcp_dst: { kind: 'dec', bits: 16, prereq: PREREQ.tcp },
  udp_src: { kind: 'dec', bits: 16, prereq: PREREQ.udp },
  udp_dst: { kind: 'dec', bits: 16, prereq: PREREQ.udp },
  sctp_src: { kind: 'dec', bits: 16, prereq: PREREQ.sctp },
  sctp_dst: { kind: 'dec', bits: 16, prereq: PREREQ.sctp },
  ipv6_src: { kind: 'ipv6', bits: 128, prereq: PREREQ.ipv6 },
  ipv6_dst: { kind: 'ipv6', bits: 128, prereq: PREREQ.ipv6 },
  ipv6_label: { kind: 'hex', bits: 20, prereq: PREREQ.ipv6 },
  arp_op: { kind: 'dec', bits: 16, prereq: PREREQ.arp },
  arp_spa: { kind: 'ipv4', bits: 32, prereq: PREREQ.arp },
  arp_tpa: { kind: 'ipv4', bits: 32, prereq: PREREQ.arp },
  arp_sha: { kind: 'mac', bits: 48, prereq: PREREQ.arp },
  arp_tha: { kind: 'mac', bits: 48, prereq: PREREQ.arp },
};

/** Other names ovs-ofctl accepts after "->". */
const SET_FIELD_ALIASES: Record<string, SetFieldName> = {
  dl_src: 'eth_src',
  dl_dst: 'eth_dst',
  nw_src: 'ip_src',
  nw_dst: 'ip_dst',
  ip_ecn: 'nw_ecn',
  tp_src: 'tcp_src',
  tp_dst: 'tcp_dst',
};

function parseSetFieldValue(def: SetFieldDef, text: string, resolve?: PortResolver): number | bigint | string {
  switch (def.kind) {
    case 'mac':
      return parseMac(text);
    case 'ipv4':
      return parseIpv4(text);
    case 'ipv6':
      return parseIpv6(text);
    case 'port':
      return parsePort(text, resolve);
    case 'u64':
      return parseUint64(text);
    default: {
      const v = parseUint(text, def.bits);
      const bad = def.check?.(v);
      if (bad) throw new ValueError(`${text}: ${bad}`);
      return v;
    }
  }
}

function formatSetFieldValue(field: SetFieldName, value: number | bigint | string): string {
  switch (SET_FIELDS[field].kind) {
    case 'mac':
      return formatMac(value as string);
    case 'ipv4':
      return formatIpv4(value as number);
    case 'ipv6':
      return formatIpv6(value as string);
    case 'port':
      return formatPort(value as number);
    case 'u64':
    case 'hex':
      return altHex(value as number | bigint);
    default:
      return String(value);
  }
}

// --- Parsing ----------------------------------------------------------------------

/** What the actions can see of the packet: the match, and how many VLAN headers. */
interface State {
  match: Match;
  vlans: number;
  resolvePort?: PortResolver;
  /** A group bucket's actions: no match to check prerequisites against (OVS checks none there). */
  lax?: boolean;
}

const NEEDS_VLAN = 'a VLAN header (match dl_vlan, or vlan_tci with 0x1000 set, or push_vlan first)';

function need(st: State, ok: boolean, kv: KeyValue, what: string): void {
  if (!ok && !st.lax) throw new FieldError(kv.raw, `requires ${what}`);
}

function setField(kv: KeyValue, st: State, field: SetFieldName, value: number | bigint | string): Action {
  const def = SET_FIELDS[field];
  if (def.prereq) need(st, def.prereq.ok(st.match), kv, def.prereq.needs);
  if (def.vlan) need(st, st.vlans > 0, kv, NEEDS_VLAN);
  return { type: 'set_field', field, value };
}

/** mod_vlan_vid / mod_vlan_pcp: OVS pushes a VLAN header first when none is known. */
function modVlan(kv: KeyValue, st: State, field: 'vlan_vid' | 'vlan_pcp', value: number): Action[] {
  const out: Action[] = [];
  if (st.vlans === 0) {
    out.push({ type: 'push_vlan', ethertype: 0x8100 });
    st.vlans = 1;
  }
  out.push(setField(kv, st, field, value));
  return out;
}

function parseController(value: string): number {
  if (value === '') return 0xffff;
  if (!value.includes('=')) return parseUint(value, 16);
  let maxLen = 0xffff;
  for (const opt of splitKeyValues(value)) {
    if (opt.key !== 'max_len') throw new ValueError(`controller option ${opt.key} is not supported`);
    maxLen = parseUint(opt.value, 16);
  }
  return maxLen;
}

/** A queue id for set_queue / enqueue: one of a shaped port's queues (src/qos/qos.ts). */
function parseQueueId(text: string): number {
  const q = parseUint(text, 32);
  if (q > QUEUE_ID.max) throw new ValueError(`queue ${q} is outside the queue table (queue ids are ${QUEUE_ID.min} to ${QUEUE_ID.max})`);
  return q;
}

/** enqueue:PORT:QUEUE or enqueue(PORT,QUEUE), OpenFlow 1.0's: set_queue, output, pop_queue in 1.3. */
function parseEnqueue(value: string, resolve?: PortResolver): Action[] {
  const parts = value.split(/[:,]/);
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new ValueError('expected enqueue:PORT:QUEUE');
  const port = parsePort(parts[0]!, resolve);
  if (port > OFPP.MAX && port !== OFPP.IN_PORT) throw new ValueError(`enqueue needs a switch port or in_port, got ${parts[0]}`);
  return [{ type: 'set_queue', queue: parseQueueId(parts[1]!) }, { type: 'output', port }, { type: 'pop_queue' }];
}

function parseResubmit(value: string, paren: boolean, resolve?: PortResolver): Action {
  const [portText = '', tableText = '', ...rest] = paren ? value.split(',') : [value];
  if (rest.length) throw new ValueError('resubmit takes (port,table) only; "ct" is not supported');
  const port = portText === '' ? undefined : parsePort(portText, resolve);
  const table = tableText === '' ? undefined : parseUint(tableText, 8);
  const action: Action = { type: 'resubmit' };
  if (port !== undefined && port !== OFPP.IN_PORT) action.port = port;
  if (table !== undefined && table !== 255) action.table = table;
  if (action.port === undefined && action.table === undefined) {
    throw new ValueError('at least one of port or table must be given (resubmit(,TABLE) or resubmit:PORT)');
  }
  return action;
}

/** One apply-actions (or write-actions) token → the actions it stands for. */
function parseAction(kv: KeyValue, st: State): Action[] {
  const name = kv.key.toLowerCase();
  const v = kv.value;
  const noValue = (): void => {
    if (v !== '') throw new ValueError(`${name} takes no argument`);
  };
  switch (name) {
    case 'output': {
      const port = parsePort(v, st.resolvePort);
      if (port === OFPP.ANY) throw new ValueError('cannot output to port ANY');
      return [port === OFPP.CONTROLLER ? { type: 'controller', maxLen: 0xffff } : { type: 'output', port }];
    }
    case 'controller':
      return [{ type: 'controller', maxLen: parseController(v) }];
    case 'set_field': {
      const arrow = v.lastIndexOf('->');
      if (arrow < 0) throw new ValueError('expected set_field:VALUE->FIELD');
      const fieldText = v.slice(arrow + 2);
      const field = (fieldText in SET_FIELDS ? fieldText : SET_FIELD_ALIASES[fieldText]) as SetFieldName | undefined;
      if (!field) throw new ValueError(`${fieldText} is not a field set_field supports`);
      const valueText = v.slice(0, arrow);
      if (valueText.includes('/')) throw new ValueError('a masked set_field is not supported');
      return [setField(kv, st, field, parseSetFieldValue(SET_FIELDS[field], valueText, st.resolvePort))];
    }
    case 'mod_dl_src':
    case 'mod_dl_dst':
      return [setField(kv, st, name === 'mod_dl_src' ? 'eth_src' : 'eth_dst', parseMac(v))];
    case 'mod_nw_src':
    case 'mod_nw_dst':
      return [setField(kv, st, name === 'mod_nw_src' ? 'ip_src' : 'ip_dst', parseIpv4(v))];
    case 'mod_nw_tos': {
      const tos = parseUint(v, 8);
      if (tos & 3) throw new ValueError(`${v}: not a valid TOS (the DSCP bits: a multiple of 4)`);
      return [setField(kv, st, 'ip_dscp', tos >> 2)];
    }
    case 'mod_nw_ecn': {
      const ecn = parseUint(v, 8);
      if (ecn > 3) throw new ValueError(`${v}: not a valid ECN value (0..3)`);
      return [setField(kv, st, 'nw_ecn', ecn)];
    }
    case 'mod_tp_src':
    case 'mod_tp_dst': {
      const port = parseUint(v, 16);
      if (st.lax) throw new ValueError(`no match says which protocol here: write set_field:${port}->tcp_${name.slice(-3)} (or udp_, sctp_)`);
      need(st, PREREQ.l4.ok(st.match), kv, PREREQ.l4.needs);
      const proto = ({ 6: 'tcp', 17: 'udp', 132: 'sctp' } as Record<number, string>)[st.match.nw_proto!.value];
      return [setField(kv, st, `${proto}_${name.slice(-3)}` as SetFieldName, port)];
    }
    case 'mod_vlan_vid': {
      const vid = parseUint(v, 16);
      if (vid > 4095) throw new ValueError(`${v}: not a valid VLAN ID (0..4095)`);
      return modVlan(kv, st, 'vlan_vid', vid | 0x1000);
    }
    case 'mod_vlan_pcp': {
      const pcp = parseUint(v, 8);
      if (pcp > 7) throw new ValueError(`${v}: not a valid VLAN PCP (0..7)`);
      return modVlan(kv, st, 'vlan_pcp', pcp);
    }
    case 'push_vlan': {
      const ethertype = parseUint(v, 16);
      if (ethertype !== 0x8100 && ethertype !== 0x88a8) {
        throw new ValueError(`${v}: not a VLAN ethertype (0x8100 or 0x88a8)`);
      }
      st.vlans++;
      return [{ type: 'push_vlan', ethertype }];
    }
    case 'pop_vlan':
    case 'strip_vlan':
      noValue();
      need(st, st.vlans > 0, kv, NEEDS_VLAN);
      st.vlans--;
      return [{ type: 'pop_vlan' }];
    case 'dec_ttl':
      if (v !== '') throw new ValueError('dec_ttl with controller ids is not supported in OpenFlow 1.3');
      need(st, PREREQ.ipAny.ok(st.match), kv, PREREQ.ipAny.needs);
      return [{ type: 'dec_ttl' }];
    case 'mod_nw_ttl':
      need(st, PREREQ.ipAny.ok(st.match), kv, PREREQ.ipAny.needs);
      return [{ type: 'mod_nw_ttl', ttl: parseUint(v, 8) }];
    case 'resubmit':
      return [parseResubmit(v, kv.raw.startsWith(`${kv.key}(`), st.resolvePort)];
    case 'set_queue':
      return [{ type: 'set_queue', queue: parseQueueId(v) }];
    case 'enqueue':
      return parseEnqueue(v, st.resolvePort);
    case 'pop_queue':
      noValue();
      return [{ type: 'pop_queue' }];
    case 'group': {
      const groupId = parseUint(v, 32);
      if (groupId > OFPG_MAX) throw new ValueError(`group ${v} out of range (0..${OFPG_MAX})`);
      return [{ type: 'group', groupId }];
    }
  }
  if (v === '') {
    // A bare port: "2", "LOCAL", "normal", "in_port", or a name the resolver knows.
    let port: number;
    try {
      port = parsePort(kv.key, st.resolvePort);
    } catch {
      throw new ValueError('unknown action');
    }
    if (port === OFPP.ANY) throw new ValueError('cannot output to port ANY');
    return [port === OFPP.CONTROLLER ? { type: 'controller', maxLen: 0xffff } : { type: 'output', port }];
  }
  throw new ValueError('unknown action');
}

function tokenError(kv: KeyValue, e: unknown): unknown {
  return e instanceof ValueError ? new FieldError(kv.raw, e.message) : e;
}

const INSTRUCTION_ORDER = ['meter', 'apply_actions', 'clear_actions', 'write_actions', 'write_metadata', 'goto_table'];
const APPLY_RANK = INSTRUCTION_ORDER.indexOf('apply_actions');
/** The highest meter id (OFPM_MAX); above it OpenFlow reserves slowpath, controller and all. */
export const METER_ID_MAX = 0xffff0000;

export interface ParsedActions {
  actions: Action[];
  instructions: Instructions;
}

/**
 * Parses the text after "actions=". `table` is the flow's table (255: all tables, as
 * in mod-flows/del-flows without table=), which goto_table must exceed.
 */
export function parseActions(text: string, match: Match, table: number, resolvePort?: PortResolver): ParsedActions {
  const st: State = { match, vlans: matchHasVlan(match) ? 1 : 0, resolvePort };
  const actions: Action[] = [];
  const instructions: Instructions = {};
  let rank = 0;
  let dropToken: KeyValue | undefined;
  let other = false;
  for (const kv of splitKeyValues(text)) {
    const name = kv.key.toLowerCase();
    if (name === 'drop') {
      dropToken = kv;
      continue;
    }
    other = true;
    const named = INSTRUCTION_ORDER.indexOf(name);
    const r = named < 0 ? APPLY_RANK : named;
    if (r < rank) {
      throw new FieldError(kv.raw, `invalid instruction ordering: ${INSTRUCTION_ORDER[r]} must appear before ${INSTRUCTION_ORDER[rank]}`);
    }
    if (r === rank && r !== APPLY_RANK && rank !== 0) throw new FieldError(kv.raw, `duplicate ${name} instruction`);
    if (name === 'meter' && instructions.meter !== undefined) throw new FieldError(kv.raw, 'duplicate meter instruction');
    rank = r;
    try {
      switch (name) {
        case 'meter': {
          const id = parseUint(kv.value, 32);
          if (id < 1 || id > METER_ID_MAX) throw new ValueError(`meter ${kv.value} out of range (1..${METER_ID_MAX})`);
          instructions.meter = id;
          break;
        }
        case 'clear_actions':
          if (kv.value !== '') throw new ValueError('clear_actions takes no argument');
          instructions.clearActions = true;
          break;
        case 'write_actions': {
          const nested: Action[] = [];
          for (const inner of splitKeyValues(kv.value)) {
            const innerName = inner.key.toLowerCase();
            if (innerName === 'drop') continue;
            if (INSTRUCTION_ORDER.includes(innerName)) {
              throw new FieldError(inner.raw, `${innerName} instruction not allowed inside write_actions`);
            }
            try {
              nested.push(...parseAction(inner, st));
            } catch (e) {
              throw tokenError(inner, e);
            }
          }
          if (nested.length) instructions.writeActions = nested;
          break;
        }
        case 'write_metadata': {
          const [val, mask] = kv.value.split('/');
          instructions.writeMetadata = {
            value: parseUint64(val ?? ''),
            mask: mask === undefined ? 0xffffffffffffffffn : parseUint64(mask),
          };
          instructions.writeMetadata.value &= instructions.writeMetadata.mask;
          break;
        }
        case 'goto_table': {
          const t = parseUint(kv.value, 8);
          if (t > 254) throw new ValueError(`table ${t} out of range (0..254)`);
          if (table !== 255 && t <= table) {
            throw new ValueError(`goto_table must go to a later table than this flow's table ${table}`);
          }
          instructions.gotoTable = t;
          break;
        }
        default:
          actions.push(...parseAction(kv, st));
      }
    } catch (e) {
      throw tokenError(kv, e);
    }
  }
  if (dropToken && other) {
    throw new FieldError(dropToken.raw, '"drop" must not be accompanied by any other action or instruction');
  }
  return { actions, instructions };
}

/**
 * A group bucket's actions (the text after "actions=" in a bucket, or its bare
 * actions). As in Open vSwitch, no prerequisites are checked: a bucket has no match,
 * and the datapath's rewrites leave a packet without the header alone.
 */
export function parseBucketActions(text: string, resolvePort?: PortResolver): Action[] {
  const st: State = { match: {}, vlans: 0, resolvePort, lax: true };
  const out: Action[] = [];
  for (const kv of splitKeyValues(text)) {
    const name = kv.key.toLowerCase();
    if (name === 'drop') continue;
    if (INSTRUCTION_ORDER.includes(name) && name !== 'apply_actions') {
      throw new FieldError(kv.raw, `${name} is an instruction: a group bucket takes actions only`);
    }
    try {
      out.push(...parseAction(kv, st));
    } catch (e) {
      throw tokenError(kv, e);
    }
  }
  return out;
}

// --- Printing ---------------------------------------------------------------------

export function formatAction(a: Action): string {
  switch (a.type) {
    case 'output':
      return a.port > OFPP.MAX ? formatPort(a.port) : `output:${a.port}`;
    case 'controller':
      return `CONTROLLER:${a.maxLen}`;
    case 'set_field':
      return `set_field:${formatSetFieldValue(a.field, a.value)}->${a.field}`;
    case 'push_vlan':
      return `push_vlan:${hex(a.ethertype)}`;
    case 'pop_vlan':
    case 'dec_ttl':
    case 'pop_queue':
      return a.type;
    case 'mod_nw_ttl':
      return `mod_nw_ttl:${a.ttl}`;
    case 'resubmit':
      if (a.table === undefined) return `resubmit:${formatPort(a.port!)}`;
      return `resubmit(${a.port === undefined ? '' : formatPort(a.port)},${a.table})`;
    case 'set_queue':
      return `set_queue:${a.queue}`;
    case 'group':
      return `group:${a.groupId}`;
  }
}

/** The text after "actions=", as dump-flows prints it ("drop" when empty). */
export function formatActions(actions: readonly Action[], ins: Instructions): string {
  const out = actions.map(formatAction);
  if (ins.meter !== undefined) out.unshift(`meter:${ins.meter}`);
  if (ins.clearActions) out.push('clear_actions');
  if (ins.writeActions?.length) out.push(`write_actions(${ins.writeActions.map(formatAction).join(',')})`);
  if (ins.writeMetadata) {
    const { value, mask } = ins.writeMetadata;
    out.push(`write_metadata:${altHex(value)}${mask === 0xffffffffffffffffn ? '' : `/${altHex(mask)}`}`);
  }
  if (ins.gotoTable !== undefined) out.push(`goto_table:${ins.gotoTable}`);
  return out.length ? out.join(',') : 'drop';
}
