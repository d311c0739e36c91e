// `nodeswitch trace BR PACKET-FIELDS`: build the packet the fields describe, run it
// through the bridge's pipeline without sending it (Bridge.traceFrame), and say what
// happened as ovs-appctl ofproto/trace does: the tables visited with the flow each
// one matched, the packet's headers after the rewrites, and the datapath actions.
// The result is plain JSON (the CLI renders it, trace-format.ts).
//
// NORMAL is resolved as the datapath would resolve it now — the learned port (with
// its VLAN), a flood (to which ports), or a drop (the destination is on the ingress
// port, or the source is not a station) — from a read-only look at the MAC table:
// tracing learns nothing. An output to the port the packet came in on is dropped by
// OpenFlow's rule; the trace says "skipping output to input port" there, as OVS does.
//
// Loads the addon (op codes): the controller imports this module only when a trace
// is asked for.
import { portCarriesVlan } from '../vlan.js';
import { NodeswitchError } from '../errors.js';
import { addon, constants, type NativeTrace } from '../native.js';
import {
  type Action,
  type FlowSpec,
  formatAction,
  formatActions,
  formatFlow,
  formatMatch,
  type Match,
  parseMatch,
  type SetFieldName,
} from '../ofproto/flow-syntax.js';
import { megaflowText } from '../ofproto/key-match.js';
import { buildPacket } from '../ofproto/packet-builder.js';
import { hex } from '../ofproto/values.js';
import type { BridgeApi } from './switch-api.js';

/** A remark on one of a flow's actions: what NORMAL decided, an output skipped. */
export interface TraceNote {
  /** Index into the flow's actions. */
  action: number;
  /** "->" for what happened, ">>" for what was not done (as ofproto/trace marks them). */
  mark: '->' | '>>';
  text: string;
}

export interface TraceStepView {
  table: number;
  /** Resubmit nesting: 0 for the pipeline's own tables. */
  depth: number;
  /** The flow that matched; absent on a miss (the packet is dropped there). */
  flow?: { match: string; priority: number; cookie: string; actions: string[]; text: string; notes?: TraceNote[] };
}

/** What one NORMAL action decided. */
export interface NormalView {
  /** The port it learns on (the pipeline's in_port) and the frame's VLAN. */
  inPort: number;
  vlan: number;
  src: string;
  dst: string;
  decision: 'forward' | 'flood' | 'drop';
  reason: 'learned' | 'unknown destination' | 'multicast destination' | 'destination on the input port' | 'source not a station' | 'VLAN not carried by the input port';
  /** The ports it goes out of: the learned one, or all the flood reaches. */
  ports: number[];
}

export interface TraceView {
  bridge: string;
  inPort: number;
  /** The packet built from the fields, every header field (ofproto/trace's "Flow:"). */
  flow: string;
  steps: TraceStepView[];
  /** The headers after the pipeline's rewrites; equal to `flow` when unchanged. */
  finalFlow: string;
  /** Datapath actions in order, NORMAL resolved to its outputs; empty: the packet is dropped. */
  actions: string[];
  /** Each NORMAL action run, in order. */
  normal: NormalView[];
  tableMiss: boolean;
  /** The megaflow the packet creates (ofproto/trace's "Megaflow:"), and whether one like it is cached. */
  megaflow: { match: string; installed: boolean };
}

type Op = NativeTrace['ops'][number];

const OP_NAME = new Map(Object.entries(addon.constants.op).map(([name, code]) => [code, name]));
const FULL_MAC = 'f'.repeat(12);
const FULL_IPV6 = 'f'.repeat(32);

export async function traceFields(bridge: BridgeApi, fields: string): Promise<TraceView> {
  if (fields.trim() === '') throw new NodeswitchError('trace needs packet fields, e.g. in_port=1,udp,nw_dst=10.0.0.2', 'fields');
  const resolvePort = (name: string): number | undefined => bridge.ports().find((p) => p.name === name)?.ofport;
  const match = parseMatch(fields, { resolvePort });
  if (!match.in_port) {
    throw new NodeswitchError('trace needs in_port=PORT (the port the packet arrives on, a number or a port name)', 'in_port');
  }
  const inPort = match.in_port.value;
  const built = buildPacket(match);
  const flow: Match = { ...built.flow, in_port: { value: inPort, mask: 0xffffffff } };
  const result = await bridge.traceFrame(built.frame, inPort);
  const upPorts = (await bridge.portStats()).filter((s) => s.up).map((s) => s.ofport);
  const final = structuredClone(flow);
  const actions: string[] = [];
  const normal: NormalView[] = [];
  for (const op of result.ops) {
    if (op.normal) {
      // NORMAL floods only to the ports that carry the frame's VLAN (src/vlan.ts).
      const vlanOf = new Map(bridge.ports().map((p) => [p.ofport, p.vlan]));
      const inVlan = upPorts.filter((o) => {
        const v = vlanOf.get(o);
        return v === undefined || portCarriesVlan(v, op.u32 ?? 0);
      });
      const view = normalView(op, op.normal, inVlan);
      normal.push(view);
      actions.push(...view.ports.map((port) => formatAction({ type: 'output', port })));
    } else {
      actions.push(applyOp(op, final));
    }
  }
  const steps: TraceStepView[] = result.steps.map((s) => {
    if (!s.flow) return { table: s.table, depth: s.depth };
    const view = stepFlow(s.flow.spec);
    const notes = skippedOutputs(s.flow.spec, s.inPort);
    return { table: s.table, depth: s.depth, flow: notes.length ? { ...view, notes } : view };
  });
  attachNormalNotes(steps, normal, bridge);
  return {
    bridge: bridge.name,
    inPort,
    flow: formatMatch(flow),
    steps,
    finalFlow: formatMatch(final),
    actions,
    normal,
    tableMiss: result.tableMiss,
    megaflow: { match: megaflowText(result.megaflow.key, result.megaflow.mask), installed: result.megaflow.installed },
  };
}

const NORMAL_WHY: NormalView['reason'][] = [
  'source not a station',
  'multicast destination',
  'unknown destination',
  'learned',
  'destination on the input port',
  'VLAN not carried by the input port',
];

function normalView(op: Op, t: NonNullable<Op['normal']>, upPorts: number[]): NormalView {
  const mac = (at: number): string => [...(op.bytes ?? Buffer.alloc(12)).subarray(at, at + 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
  const inPort = op.port ?? 0;
  const decision = t.kind === 1 ? 'forward' : t.kind === 2 ? 'flood' : 'drop';
  return {
    inPort,
    vlan: op.u32 ?? 0,
    src: mac(0),
    dst: mac(6),
    decision,
    reason: NORMAL_WHY[t.why] ?? 'unknown destination',
    ports: decision === 'forward' ? [t.ofport] : decision === 'flood' ? upPorts.filter((p) => p !== inPort) : [],
  };
}

/** ofproto/trace's words for a NORMAL decision. */
function normalNote(v: NormalView, portName: (ofport: number) => string): string {
  const list = (ports: number[]): string => (ports.length ? ports.map(portName).join(', ') : 'no other port');
  switch (v.reason) {
    case 'learned':
      return `forwarding to learned port ${portName(v.ports[0]!)}: ${v.dst} is there in VLAN ${v.vlan}`;
    case 'unknown destination':
      return `no learned MAC for ${v.dst} in VLAN ${v.vlan}, flooding to ${list(v.ports)}`;
    case 'multicast destination':
      return `${v.dst} is a broadcast/multicast address, flooding to ${list(v.ports)}`;
    case 'destination on the input port':
      return `learned port is input port ${portName(v.inPort)} (${v.dst} in VLAN ${v.vlan}), dropping`;
    case 'source not a station':
      return `source ${v.src} is multicast or zero, dropping`;
    case 'VLAN not carried by the input port':
      return `dropping: input port ${portName(v.inPort)} does not carry this frame's VLAN (its tag, trunks, vlan_mode)`;
  }
}

/**
 * Puts each NORMAL decision under the NORMAL action it came from. The ops run in the
 * order the actions do: a flow's actions in turn, a resubmit (or output:TABLE) running
 * the next step, one level deeper, where it stands, a goto_table the next step at the
 * same level after them; the action set (write_actions) runs last of all.
 */
function attachNormalNotes(steps: TraceStepView[], normal: NormalView[], bridge: BridgeApi): void {
  const names = new Map(bridge.ports().map((p) => [p.ofport, p.name]));
  const portName = (ofport: number): string => (names.has(ofport) ? `${ofport} (${names.get(ofport)})` : String(ofport));
  const note = (f: NonNullable<TraceStepView['flow']>, action: number, v: NormalView | undefined): void => {
    if (v) f.notes = [...(f.notes ?? []), { action, mark: '->', text: normalNote(v, portName) }];
  };
  let decision = 0;
  let cursor = 0;
  let actionSet: { f: NonNullable<TraceStepView['flow']>; action: number } | undefined;
  const run = (): void => {
    const step = steps[cursor++]!;
    const f = step.flow;
    if (!f) return;
    f.actions.forEach((a, i) => {
      if (/^(output:)?NORMAL$/i.test(a)) note(f, i, normal[decision++]);
      else if (/^(resubmit\b|output:TABLE$)/i.test(a) && steps[cursor]?.depth === step.depth + 1) run();
      else if (/^write_actions\(.*\bNORMAL\b/i.test(a)) actionSet = { f, action: i };
    });
    if (f.actions.some((a) => a.startsWith('goto_table:')) && steps[cursor]?.depth === step.depth) run();
  };
  while (cursor < steps.length) run();
  if (actionSet) note(actionSet.f, actionSet.action, normal[decision++]);
}

/** The flow's outputs to the port the packet came in on: OpenFlow drops those. */
function skippedOutputs(spec: FlowSpec, inPort: number): TraceNote[] {
  const notes: TraceNote[] = [];
  const first = spec.instructions.meter === undefined ? 0 : 1; // stepFlow lists the meter first
  spec.actions.forEach((a, i) => {
    if (a.type === 'output' && a.port === inPort) notes.push({ action: first + i, mark: '>>', text: 'skipping output to input port' });
  });
  return notes;
}

function stepFlow(spec: FlowSpec): NonNullable<TraceStepView['flow']> {
  const ins = spec.instructions;
  const actions = spec.actions.map(formatAction);
  if (ins.meter !== undefined) actions.unshift(`meter:${ins.meter}`);
  if (ins.clearActions) actions.push('clear_actions');
  if (ins.writeActions?.length) actions.push(formatActions([], { writeActions: ins.writeActions }));
  if (ins.writeMetadata) actions.push(formatActions([], { writeMetadata: ins.writeMetadata }));
  if (ins.gotoTable !== undefined) actions.push(`goto_table:${ins.gotoTable}`);
  if (!actions.length) actions.push('drop');
  return { match: formatMatch(spec.match), priority: spec.priority, cookie: hex(spec.cookie), actions, text: formatFlow(spec) };
}

/** Renders one datapath op, applying its rewrite (if any) to `flow`. */
export function applyOp(op: Op, flow: Match): string {
  const name = OP_NAME.get(op.code);
  const set = (field: SetFieldName, value: number | string): string => formatAction({ type: 'set_field', field, value });
  const bytes = (n: number): string => (op.bytes ?? Buffer.alloc(16)).subarray(0, n).toString('hex');
  const u32 = (op.u32 ?? 0) >>> 0;
  const tpName = (dir: 'src' | 'dst'): SetFieldName =>
    `${flow.nw_proto?.value === 17 ? 'udp' : flow.nw_proto?.value === 132 ? 'sctp' : 'tcp'}_${dir}` as SetFieldName;
  const act = (a: Action): string => formatAction(a);
  switch (name) {
    case 'output':
      return act({ type: 'output', port: op.port ?? 0 });
    case 'inPort':
      return 'IN_PORT';
    case 'normal':
      return 'NORMAL';
    case 'flood':
      return 'FLOOD';
    case 'all':
      return 'ALL';
    case 'local':
      return 'LOCAL';
    case 'controller':
      return `controller(reason=${constants.packetInReasons[op.reason ?? 1] ?? op.reason},table=${op.table ?? 0},cookie=${hex(op.u64 ?? 0n)},max_len=${u32})`;
    case 'setEthSrc':
      flow.dl_src = { value: bytes(6), mask: FULL_MAC };
      return set('eth_src', bytes(6));
    case 'setEthDst':
      flow.dl_dst = { value: bytes(6), mask: FULL_MAC };
      return set('eth_dst', bytes(6));
    case 'setVlanVid':
      flow.vlan_tci = { value: ((flow.vlan_tci?.value ?? 0) & 0xe000) | 0x1000 | (u32 & 0x0fff), mask: 0xffff };
      return set('vlan_vid', 0x1000 | (u32 & 0x0fff));
    case 'setVlanPcp':
      flow.vlan_tci = { value: ((flow.vlan_tci?.value ?? 0) & 0x0fff) | 0x1000 | ((u32 & 7) << 13), mask: 0xffff };
      return set('vlan_pcp', u32);
    case 'pushVlan':
      if (!((flow.vlan_tci?.value ?? 0) & 0x1000)) flow.vlan_tci = { value: 0x1000, mask: 0xffff };
      return act({ type: 'push_vlan', ethertype: u32 });
    case 'popVlan':
      flow.vlan_tci = { value: 0, mask: 0xffff };
      return 'pop_vlan';
    case 'setIpv4Src':
      flow.nw_src = { value: u32, mask: 0xffffffff };
      return set('ip_src', u32);
    case 'setIpv4Dst':
      flow.nw_dst = { value: u32, mask: 0xffffffff };
      return set('ip_dst', u32);
    case 'setIpv6Src':
      flow.ipv6_src = { value: bytes(16), mask: FULL_IPV6 };
      return set('ipv6_src', bytes(16));
    case 'setIpv6Dst':
      flow.ipv6_dst = { value: bytes(16), mask: FULL_IPV6 };
      return set('ipv6_dst', bytes(16));
    case 'setIpDscp':
      flow.nw_tos = { value: (u32 << 2) & 0xfc, mask: 0xfc };
      return set('ip_dscp', u32);
    case 'setIpEcn':
      flow.nw_ecn = { value: u32 & 3, mask: 3 };
      return set('nw_ecn', u32);
    case 'setIpTtl':
      flow.nw_ttl = { value: u32 & 0xff, mask: 0xff };
      return act({ type: 'mod_nw_ttl', ttl: u32 });
    case 'decTtl':
      if (flow.nw_ttl) flow.nw_ttl = { value: Math.max(0, flow.nw_ttl.value - 1), mask: 0xff };
      return 'dec_ttl';
    case 'setTpSrc':
      flow.tp_src = { value: u32 & 0xffff, mask: 0xffff };
      return set(tpName('src'), u32);
    case 'setTpDst':
      flow.tp_dst = { value: u32 & 0xffff, mask: 0xffff };
      return set(tpName('dst'), u32);
    case 'meter':
      // As ovs-appctl dpctl/dump-flows shows it: the meter's id (the datapath's, here the same).
      return `meter(${u32})`;
    case 'setQueue':
      return act({ type: 'set_queue', queue: u32 });
    default:
      return `op${op.code}`;
  }
}
