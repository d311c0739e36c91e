/**
 * Bridge.apply: a controller's flow-mods and packet-outs in ONE call and one
 * datapath command, applied in order — atomically: every op is parsed and checked
 * first, the flow-mods are planned against the table as the earlier ones leave it
 * (ofproto/flow-mod-plan.ts), and the datapath checks every step before it runs any
 * (native/dp/controller_batch.h). A bad op throws an error that names it
 * ("ops[3]: …") and nothing is applied.
 */
import { encodeSteps } from './controller-steps.js';
import { NodeswitchError } from './errors.js';
import { constants, type NativeAction, type NativeDatapath } from './native.js';
import type { Action } from './ofproto/actions.js';
import { compileAction } from './ofproto/compile.js';
import { type FlowSpec, parseFlow } from './ofproto/flow.js';
import { type PlanCounts, type PlannedOp, planFlowMods } from './ofproto/flow-mod-plan.js';
import type { FlowTable } from './ofproto/flow-table.js';
import type { PortResolver } from './ofproto/values.js';

/** One op of Bridge.apply. Flows are ovs-ofctl syntax or parsed FlowSpecs; actions ovs-ofctl syntax or parsed Actions. */
export type ControllerOp =
  | { op: 'add'; flow: string | FlowSpec }
  | { op: 'modify'; flow: string | FlowSpec; strict?: boolean }
  | { op: 'delete'; flow?: string | FlowSpec; strict?: boolean }
  | { op: 'packetOut'; data: Buffer; actions: string | Action[]; inPort?: number };

/** How many flows each kind of op added, modified and deleted, and the packets sent. */
export type ApplyResult = PlanCounts;

export interface ApplyContext {
  dp: Pick<NativeDatapath, 'apply'>;
  flows: FlowTable;
  resolvePort: PortResolver;
  /** Is `ofport` one of the bridge's ports. */
  hasOfport: (ofport: number) => boolean;
  /** A packet-out's action text, checked against the packet's headers (Bridge.packetOut's rules). */
  packetOutActions: (data: Buffer, text: string) => Action[];
  /** What the bridge checks of an added or modified flow beyond its syntax (the groups it names). */
  checkFlow?: (spec: FlowSpec) => void;
}

/** Compiled packet-out action lists of one apply call, by the list object given (a controller reuses one per output). */
type CompiledLists = Map<readonly Action[], NativeAction[]>;

function toPlanned(op: ControllerOp, ctx: ApplyContext, compiled: CompiledLists): PlannedOp {
  if (op === null || typeof op !== 'object') throw new NodeswitchError('an op must be an object', 'ops');
  const parse = (flow: string | FlowSpec | undefined, context: 'add' | 'modify' | 'delete'): FlowSpec =>
    typeof flow === 'object' && flow !== null ? flow : parseFlow(flow ?? '', { context, resolvePort: ctx.resolvePort });
  switch (op.op) {
    case 'add': {
      const spec = parse(op.flow, 'add');
      ctx.checkFlow?.(spec);
      return { kind: 'add', spec };
    }
    case 'modify': {
      const spec = parse(op.flow, 'modify');
      ctx.checkFlow?.(spec);
      return { kind: 'modify', spec, strict: op.strict === true };
    }
    case 'delete':
      return { kind: 'delete', spec: parse(op.flow, 'delete'), strict: op.strict === true };
    case 'packetOut': {
      if (!Buffer.isBuffer(op.data)) throw new NodeswitchError('a packet-out needs its packet as a Buffer (data)', 'data');
      if (op.data.length < 14 || op.data.length > constants.maxFrame) {
        throw new NodeswitchError(`a packet-out's packet must be 14 to ${constants.maxFrame} bytes, got ${op.data.length}`, 'data');
      }
      const inPort = op.inPort ?? constants.ofpp.controller;
      if (inPort !== constants.ofpp.controller && !ctx.hasOfport(inPort)) {
        throw new NodeswitchError(`in_port ${String(inPort)} is neither a port of the bridge nor the controller`, 'inPort');
      }
      if (typeof op.actions === 'string') {
        return { kind: 'packetOut', frame: op.data, inPort, actions: ctx.packetOutActions(op.data, op.actions).map(compileAction) };
      }
      if (!Array.isArray(op.actions)) throw new NodeswitchError('a packet-out needs actions (text or a list)', 'actions');
      let actions = compiled.get(op.actions);
      if (!actions) compiled.set(op.actions, (actions = op.actions.map(compileAction)));
      return { kind: 'packetOut', frame: op.data, inPort, actions };
    }
    default:
      throw new NodeswitchError(`op must be add, modify, delete or packetOut, got ${JSON.stringify((op as { op: unknown }).op)}`, 'op');
  }
}

export async function applyOps(ops: readonly ControllerOp[], ctx: ApplyContext): Promise<ApplyResult> {
  if (!Array.isArray(ops)) throw new NodeswitchError('apply takes an array of ops', 'ops');
  const compiled: CompiledLists = new Map();
  const planned = (ops as readonly ControllerOp[]).map((op: ControllerOp, i) => {
    try {
      return toPlanned(op, ctx, compiled);
    } catch (err) {
      if (err instanceof Error) err.message = `ops[${i}]: ${err.message}`;
      throw err;
    }
  });
  return ctx.flows.transaction(async (reader) => {
    const plan = planFlowMods(reader, planned);
    if (plan.steps.length) await ctx.dp.apply(encodeSteps(plan.steps));
    return { result: plan.counts, commit: plan.commit };
  });
}
