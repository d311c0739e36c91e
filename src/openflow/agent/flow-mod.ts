/**
 * FLOW_MOD: add, modify, modify_strict, delete, delete_strict, through Bridge.apply
 * (the controller batch path: planned against the table, one datapath command), so
 * the CLI's dump-flows shows what the wire did. What OpenFlow can name exactly is
 * checked first, with OVS's codes (ofproto.c, ofp-actions.c): buffer ids, tables,
 * output ports, meters, groups; what only the Bridge knows is mapped from its
 * error (errors.ts).
 *
 * OpenFlow 1.3 semantics kept here rather than in the table:
 * - modify never adds (1.1+) and leaves the cookie alone: cookie/cookie_mask only
 *   select; out_port/out_group select for deletes only.
 * - RESET_COUNTS on a modify: each chosen flow is replaced by an identical one with
 *   the new instructions and the old one's age, so its counters start again and its
 *   duration goes on (OVS's rule replacement); without it counters are kept.
 * - NO_PKT_COUNTS / NO_BYT_COUNTS: accepted, and the counters are kept anyway — the
 *   spec lets a switch count regardless, and OVS does the same.
 * - Deletes take the CLI's del-flows path (FlowTable.delete), which announces the
 *   flows with SEND_FLOW_REM as 'flowRemoved' (reason delete) for FLOW_REMOVED.
 */
import type { Bridge } from '../../bridge.js';
import type { Action } from '../../ofproto/actions.js';
import { compileFlow } from '../../ofproto/compile.js';
import type { FlowSpec } from '../../ofproto/flow.js';
import { type FlowWithStats, packMatch } from '../../ofproto/flow-table.js';
import { OFPP, OFPP_MAX_PHYSICAL } from '../../ofproto/values.js';
import { type FlowModMsg, OFP_NO_BUFFER, OFPG_ANY, OFPTT_ALL, OFPTT_MAX } from '../wire/index.js';
import { OfError, toOfError } from './errors.js';
import { groupExists } from './group-mod.js';
import type { AgentContext } from './index.js';

/** Output ports a flow may name besides 1..0xfeff (OVS's ofpact_check_output_port). */
const RESERVED_OUTPUTS = new Set<number>([OFPP.IN_PORT, OFPP.TABLE, OFPP.NORMAL, OFPP.FLOOD, OFPP.ALL, OFPP.CONTROLLER, OFPP.LOCAL]);

export async function flowMod(msg: FlowModMsg, ctx: AgentContext): Promise<void> {
  if (msg.bufferId !== OFP_NO_BUFFER) {
    // We never buffer (n_buffers 0, every packet-in has buffer_id NO_BUFFER).
    throw new OfError('BAD_REQUEST', 'BUFFER_UNKNOWN', `buffer ${msg.bufferId} does not exist: the switch buffers no packets`);
  }
  const spec = msg.spec;
  switch (msg.command) {
    case 'add':
      if (spec.table === OFPTT_ALL || spec.table > OFPTT_MAX) {
        throw new OfError('FLOW_MOD_FAILED', 'BAD_TABLE_ID', `table ${spec.table} is not a table a flow can be added to`);
      }
      checkInstructions(spec, ctx);
      await apply(ctx, [{ op: 'add', flow: spec }]);
      return;
    case 'modify':
    case 'modify_strict': {
      checkInstructions(spec, ctx);
      const strict = msg.command === 'modify_strict';
      const filter: FlowSpec = { ...spec, cookieGiven: false };
      delete filter.outPort;
      if (msg.flags.resetCounts) {
        const chosen = await select(ctx.bridge, filter, strict);
        if (!chosen.length) return;
        await apply(
          ctx,
          chosen.map((f) => ({ op: 'add' as const, flow: { ...f.entry.spec, actions: spec.actions, instructions: spec.instructions } })),
        );
        // A modify keeps each flow's age (OVS's replace_rule_start): only the counters start again.
        const key = (e: { table: number; spec: FlowSpec; match: string }): string => `${e.table}/${e.spec.priority}/${e.match}`;
        const age = new Map(chosen.map((f) => [key(f.entry), f.entry.created]));
        for (const e of ctx.bridge.flows.list()) {
          const created = age.get(key(e));
          if (created !== undefined) e.created = created;
        }
        return;
      }
      const counts = await apply(ctx, [{ op: 'modify', flow: filter, strict }], false);
      if (counts.modified) await ctx.changed('flows');
      return;
    }
    case 'delete':
    case 'delete_strict': {
      // The CLI's del-flows path (FlowTable.delete), which also announces the flows
      // with send_flow_rem as 'flowRemoved' (reason delete) for FLOW_REMOVED.
      const strict = msg.command === 'delete_strict';
      const filter: FlowSpec = { ...spec, actions: [], instructions: {} };
      if (msg.outPort !== OFPP.ANY) filter.outPort = msg.outPort;
      let gone = 0;
      try {
        if (msg.outGroup === OFPG_ANY) {
          gone = (await ctx.bridge.flows.delete(filter, strict)).length;
        } else {
          // out_group: the chosen flows one by one, each by its own identity.
          const chosen = (await select(ctx.bridge, filter, strict)).filter((f) => usesGroup(f.entry.spec, msg.outGroup));
          for (const f of chosen) gone += (await ctx.bridge.flows.delete(identity(f), true)).length;
        }
      } catch (err) {
        throw toOfError(err, 'flow_mod');
      }
      if (gone) await ctx.changed('flows');
      return;
    }
  }
}

/** Runs ops through Bridge.apply; errors become OFPT_ERRORs; tells the owner unless `notify` is false. */
async function apply(ctx: AgentContext, ops: Parameters<Bridge['apply']>[0], notify = true): Promise<{ added: number; modified: number; deleted: number }> {
  let counts;
  try {
    counts = await ctx.bridge.apply(ops);
  } catch (err) {
    throw toOfError(err, 'flow_mod');
  }
  if (notify) await ctx.changed('flows');
  return counts;
}

/** The flows a modify/delete selects (non-strict: the match covers theirs; strict: same match and priority), with counters. */
async function select(bridge: Bridge, spec: FlowSpec, strict: boolean): Promise<FlowWithStats[]> {
  const all = await bridge.flows.dump(spec);
  if (!strict) return all;
  const match = packMatch(compileFlow(0, { ...spec, actions: [], instructions: {} }, 0));
  return all.filter((f) => f.entry.spec.priority === spec.priority && f.entry.match === match);
}

/** A strict delete that selects exactly this flow. */
function identity(f: FlowWithStats): FlowSpec {
  const { spec, table } = f.entry;
  return { ...spec, table, cookieMask: undefined, outPort: undefined, actions: [], instructions: {} };
}

function usesGroup(spec: FlowSpec, group: number): boolean {
  const named = (list: Action[] | undefined): boolean => (list ?? []).some((a) => a.type === 'group' && a.groupId === group);
  return named(spec.actions) || named(spec.instructions.writeActions);
}

/** Tables, meters, groups and output ports a flow's instructions name: OVS's checks and codes. */
function checkInstructions(spec: FlowSpec, ctx: AgentContext): void {
  const ins = spec.instructions;
  if (ins.gotoTable !== undefined) {
    const from = spec.table === OFPTT_ALL ? -1 : spec.table;
    if (ins.gotoTable > OFPTT_MAX || ins.gotoTable <= from) {
      throw new OfError('BAD_INSTRUCTION', 'BAD_TABLE_ID', `goto_table:${ins.gotoTable} must name a later table than ${spec.table}, at most ${OFPTT_MAX}`);
    }
  }
  if (ins.meter !== undefined && !ctx.bridge.meters.has(ins.meter)) {
    throw new OfError('METER_MOD_FAILED', 'UNKNOWN_METER', `meter ${ins.meter} does not exist on bridge ${ctx.bridge.name}`);
  }
  for (const a of [...spec.actions, ...(ins.writeActions ?? [])]) checkAction(a, ctx);
}

export function checkAction(a: Action, ctx: AgentContext, where = 'a flow'): void {
  if (a.type === 'output' && !(RESERVED_OUTPUTS.has(a.port) || (a.port >= 1 && a.port <= OFPP_MAX_PHYSICAL))) {
    throw new OfError('BAD_ACTION', 'BAD_OUT_PORT', `output:${a.port} is not a port ${where} can send to`);
  }
  if (a.type === 'group' && !groupExists(ctx.bridge, a.groupId)) {
    throw new OfError('BAD_ACTION', 'BAD_OUT_GROUP', `group ${a.groupId} does not exist on bridge ${ctx.bridge.name}`);
  }
}
