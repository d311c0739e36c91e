/**
 * A controller batch planned as one transaction (Bridge.apply): flow-mods with
 * OpenFlow semantics — add (an identical flow is replaced; check_overlap refuses),
 * modify / modify_strict, delete / delete_strict — decided in order against the
 * table as the earlier mods of the batch leave it, packet-outs between them where
 * they were given; the outcome is the steps of ONE datapath command
 * (native/dp/controller_batch.h; controller-steps.ts packs them) and the commit the table applies once that
 * command succeeded. Nothing here changes the table: a refused mod throws with
 * nothing applied anywhere.
 *
 * The table as the batch sees it is an overlay (what the batch added, removed or
 * modified) over the real one, so a batch costs its own size, not the table's —
 * except non-strict selects and check_overlap, which scan, as they do outside a batch.
 */
import { NodeswitchError } from '../errors.js';
import type { NativeAction, NativeFlow } from '../native.js';
import { compileFlow, matchSlab } from './compile.js';
import { type FlowSpec, TABLE_ALL } from './flow.js';
import { type FlowCommit, type FlowEntry, type FlowTableReader, modifiedSpec, newEntry, overlaps } from './flow-table.js';

export type PlannedOp =
  | { kind: 'add'; spec: FlowSpec }
  | { kind: 'modify' | 'delete'; spec: FlowSpec; strict: boolean }
  | { kind: 'packetOut'; frame: Buffer; inPort: number; actions: NativeAction[] };

export interface PlanCounts {
  added: number;
  modified: number;
  deleted: number;
  packetOuts: number;
}

/** A step as planned: the datapath's flow-mod steps, packet-outs one by one (controller-steps.ts packs them). */
export type PlannedStep =
  | { kind: 'install' | 'setActions'; flows: NativeFlow[] }
  | { kind: 'remove'; ids: number[] }
  | { kind: 'packetOut'; frame: Buffer; inPort: number; actions: NativeAction[] };

export interface FlowModPlan {
  steps: PlannedStep[];
  commit: FlowCommit;
  counts: PlanCounts;
}

class Overlay {
  // Current versions of entries the batch touched, by id: added ones, and base ones modified.
  readonly current = new Map<number, FlowEntry>();
  readonly added = new Set<number>();
  readonly removed = new Set<number>();
  // Identical-flow index over what the batch added or removed: signature → entry (undefined once removed).
  private readonly sigs = new Map<string, FlowEntry | undefined>();

  constructor(private readonly base: FlowTableReader) {}

  /** Every flow as the batch sees it now. */
  *entries(): Iterable<FlowEntry> {
    for (const e of this.base.list()) if (!this.removed.has(e.id)) yield this.current.get(e.id) ?? e;
    for (const id of this.added) yield this.current.get(id)!;
  }

  /** The flow with signature `sig`, as the batch sees it, if any. */
  identical(sig: string): FlowEntry | undefined {
    if (this.sigs.has(sig)) return this.sigs.get(sig);
    const found = this.base.bySignature(sig);
    return found && !this.removed.has(found.id) ? (this.current.get(found.id) ?? found) : undefined;
  }

  add(e: FlowEntry): void {
    this.added.add(e.id);
    this.current.set(e.id, e);
    this.sigs.set(e.sig, e);
  }

  remove(e: FlowEntry): void {
    if (this.added.delete(e.id)) this.current.delete(e.id);
    else this.removed.add(e.id);
    this.sigs.set(e.sig, undefined);
  }

  modify(e: FlowEntry, spec: FlowSpec): void {
    const next = e.withSpec(spec);
    this.current.set(e.id, next);
    // An added entry's identical-flow index points at its current version.
    if (this.sigs.get(e.sig) === e) this.sigs.set(e.sig, next);
  }
}

/** Plans `ops` against `table` (inside FlowTable.transaction). */
export function planFlowMods(table: FlowTableReader, ops: readonly PlannedOp[]): FlowModPlan {
  const view = new Overlay(table);
  const steps: PlannedStep[] = [];
  const counts: PlanCounts = { added: 0, modified: 0, deleted: 0, packetOuts: 0 };
  // Consecutive steps of one kind go down as one.
  const push = (step: PlannedStep): void => {
    const last = steps[steps.length - 1];
    if (last && last.kind === step.kind) {
      if (last.kind === 'remove' && step.kind === 'remove') return void last.ids.push(...step.ids);
      if ((last.kind === 'install' || last.kind === 'setActions') && 'flows' in step) return void last.flows.push(...step.flows);
    }
    steps.push(step);
  };

  // The adds' keys and masks in one allocation, and one clock reading for the batch.
  const slab = matchSlab(ops.reduce((n, op) => (op.kind === 'add' ? n + 1 : n), 0));
  let slot = 0;
  const now = Date.now();
  ops.forEach((op, i) => {
    const where = `ops[${i}]`;
    try {
      if (op.kind === 'packetOut') {
        push({ kind: 'packetOut', frame: op.frame, inPort: op.inPort, actions: op.actions });
        counts.packetOuts++;
      } else if (op.kind === 'add') {
        const spec = op.spec;
        if (spec.table === TABLE_ALL) throw new NodeswitchError('table=255 is not a table a flow can be added to', 'table');
        const { entry, native } = newEntry(table.newId(), spec, now, slab(slot++));
        const same = view.identical(entry.sig);
        if (spec.flags.checkOverlap) {
          for (const e of view.entries()) {
            if (e.id !== same?.id && e.table === spec.table && e.priority === spec.priority && overlaps(e.sig, entry.sig)) {
              throw new NodeswitchError(`the flow overlaps an existing flow of the same priority (${e.text})`, 'flow');
            }
          }
        }
        if (same) {
          view.remove(same);
          push({ kind: 'remove', ids: [same.id] });
        }
        view.add(entry);
        push({ kind: 'install', flows: [native] });
        counts.added++;
      } else {
        const chosen = table.select(op.spec, op.strict, view.entries());
        if (op.kind === 'delete') {
          for (const e of chosen) view.remove(e);
          if (chosen.length) push({ kind: 'remove', ids: chosen.map((e) => e.id) });
          counts.deleted += chosen.length;
        } else {
          const flows = chosen.map((e) => {
            const spec = modifiedSpec(e, op.spec);
            const native = compileFlow(e.id, spec, e.table);
            view.modify(e, spec);
            return native;
          });
          if (flows.length) push({ kind: 'setActions', flows });
          counts.modified += flows.length;
        }
      }
    } catch (err) {
      if (err instanceof Error) err.message = `${where}: ${err.message}`;
      throw err;
    }
  });

  // What the table keeps: base entries removed; base entries modified (in place, same
  // object, as FlowTable.modify does); entries added and still there, last version.
  const byId = (id: number): FlowEntry => table.find(id)!;
  const commit: FlowCommit = { removed: [], modified: [], added: [] };
  for (const id of view.removed) commit.removed.push(byId(id));
  for (const [id, e] of view.current) {
    if (view.added.has(id)) commit.added.push(e);
    else if (!view.removed.has(id)) commit.modified.push({ entry: byId(id), spec: e.spec });
  }
  return { steps, commit, counts };
}
