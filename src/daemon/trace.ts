// `nodeswitch trace BR PACKET-FIELDS`: build the packet the fields describe, run it
// through the bridge's pipeline without sending it (Bridge.traceFrame), and say what
// happened as ovs-appctl ofproto/trace does: the tables visited with the flow each
// one matched, the packet's headers after the rewrites, and the datapath actions.
// The result is plain JSON (the CLI renders it, trace-format.ts).
//
// Loads the addon (op codes): the controller imports this module only when a trace
// is asked for.
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
import { buildPacket } from '../ofproto/packet-builder.js';
import { hex } from '../ofproto/values.js';
import type { BridgeApi } from './switch-api.js';

export interface TraceStepView {
  table: number;
  /** Resubmit nesting: 0 for the pipeline's own tables. */
  depth: number;
  /** The flow that matched; absent on a miss (the packet is dropped there). */
  flow?: { match: string; priority: number; cookie: string; actions: string[]; text: string };
}

export interface TraceView {
  bridge: string;
  inPort: number;
  /** The packet built from the fields, every header field (ofproto/trace's "Flow:"). */
  flow: string;
  steps: TraceStepView[];
  /** The headers after the pipeline's rewrites; equal to `flow` when unchanged. */
  finalFlow: string;
  /** Datapath actions in order; empty: the packet is dropped. */
  actions: string[];
  tableMiss: boolean;
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
  const final = structuredClone(flow);
  const actions = result.ops.map((op) => applyOp(op, final));
  return {
    bridge: bridge.name,
    inPort,
    flow: formatMatch(flow),
    steps: result.steps.map((s) => ({ table: s.table, depth: s.depth, ...(s.flow && { flow: stepFlow(s.flow.spec) }) })),
    finalFlow: formatMatch(final),
    actions,
    tableMiss: result.tableMiss,
  };
}

function stepFlow(spec: FlowSpec): NonNullable<TraceStepView['flow']> {
  const ins = spec.instructions;
  const actions = spec.actions.map(formatAction);
  if (ins.clearActions) actions.push('clear_actions');
  if (ins.writeActions?.length) actions.push(formatActions([], { writeActions: ins.writeActions }));
  if (ins.writeMetadata) actions.push(formatActions([], { writeMetadata: ins.writeMetadata }));
  if (ins.gotoTable !== undefined) actions.push(`goto_table:${ins.gotoTable}`);
  if (!actions.length) actions.push('drop');
  return { match: formatMatch(spec.match), priority: spec.priority, cookie: hex(spec.cookie), actions, text: formatFlow(spec) };
}

/** Renders one datapath op, applying its rewrite (if any) to `flow`. */
function applyOp(op: Op, flow: Match): string {
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
    default:
      return `op${op.code}`;
  }
}
