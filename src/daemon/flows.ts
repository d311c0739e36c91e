// A bridge's OpenFlow tables as the daemon saves, restores and shows them.
//
// Saved form: per bridge, `flows: string[]`, one formatFlow() line per flow (ovs-ofctl
// add-flow syntax without stats, ports as numbers), in dump-flows order (table,
// priority high to low, then age). formatFlow/parseFlow round-trip exactly, and
// installing the lines in that order gives flows that dump in the same order, so a
// restart reproduces dump-flows line for line (counters and durations start again).
//
// The saved lines are the bridge's whole table set: a restored bridge gets them and
// nothing else (no default NORMAL flow unless it is among them). A DB written before
// flows were saved has no `flows`; such a bridge starts with the default flow.
//
// Timeouts: a flow with idle_timeout/hard_timeout is saved as added. When it times
// out it leaves the DB too (the controller saves the table on the bridge's
// flowsExpired event), so a restart never brings back an expired flow. A flow still
// in the table at a restart comes back with its whole timeout again, its timers
// started afresh (as a controller re-adding its flows after a reconnect would):
// the time it had left is not kept.
import { type FlowSpec, formatActions, formatMatch, parseFlow } from '../ofproto/flow-syntax.js';
import { hex } from '../ofproto/values.js';
import type { BridgeApi } from './switch-api.js';

/** The flow lines to save for a bridge, in dump-flows order (each formatted once, then kept). */
export function savedFlows(bridge: BridgeApi): string[] {
  return sortedEntries(bridge.flows.list()).map((e) => e.text);
}

/**
 * What an undo puts back: the bridge's flows as they are now. Sorted into dump-flows
 * order only if the undo happens (a copy of the list is all every change pays).
 */
export function currentSpecs(bridge: BridgeApi): () => FlowSpec[] {
  // The lines, not the entries: a modify changes an entry in place. Parsed only if the undo happens.
  const entries = bridge.flows.list().map((e) => ({ id: e.id, table: e.table, priority: e.priority, text: e.text }));
  return () => sortedEntries(entries).map((e) => parseFlow(e.text, { context: 'add' }));
}

function sortedEntries<T extends { id: number; table: number; priority: number }>(list: T[]): T[] {
  return [...list].sort((a, b) => a.table - b.table || b.priority - a.priority || a.id - b.id);
}

// The specs validateDoc parsed a loaded bridge's lines into, so that its restore
// does not parse 100k lines twice (weak: gone with the array).
const parsedLines = new WeakMap<readonly string[], FlowSpec[]>();

/** Saved lines → specs; port names (hand-written DBs) resolve through the bridge's ports. */
export function parseSavedFlows(lines: string[], ports: { name: string; ofport: number }[]): FlowSpec[] {
  const known = parsedLines.get(lines);
  if (known && known.length === lines.length) return known;
  const resolvePort = (name: string): number | undefined => ports.find((p) => p.name === name)?.ofport;
  return lines.map((line) => parseFlow(line, { context: 'add', resolvePort }));
}

/** Notes that `specs` are `lines` parsed (config-db's validation, for the restore that follows). */
export function rememberParsed(lines: readonly string[], specs: FlowSpec[]): void {
  parsedLines.set(lines, specs);
}

/** A saved flow the datapath refused; `index` is its place in the saved list. */
export class SavedFlowError extends Error {
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(`flow ${index}: ${reason}`);
  }
}

/**
 * Installs saved flows into a bridge whose table is empty, as they are (no
 * replace/overlap checks: they were checked when first added). All at once; when
 * that is refused, one by one to find which flow the datapath will not take.
 */
export async function installSaved(bridge: BridgeApi, specs: FlowSpec[]): Promise<void> {
  if (!specs.length) return;
  try {
    await bridge.flows.addInitial(specs);
    return;
  } catch (err) {
    if (specs.length === 1) throw new SavedFlowError(0, (err as Error).message);
  }
  for (const [j, spec] of specs.entries()) {
    try {
      await bridge.flows.addInitial([spec]);
    } catch (err) {
      throw new SavedFlowError(j, (err as Error).message);
    }
  }
}

/** Puts a bridge's table back to `specs` (the undo of a flow change the DB refused). */
export async function replaceFlows(bridge: BridgeApi, specs: () => FlowSpec[]): Promise<void> {
  await bridge.delFlows('', {});
  await installSaved(bridge, specs());
}

/** One row of dump-flows --json (ovs-ofctl's names, in the camelCase every --json output uses). */
export interface DumpFlowRow {
  table: number;
  priority: number;
  /** Hex, "0x0" for none (a 64-bit value does not fit a JSON number). */
  cookie: string;
  /** The match alone, as dump-flows prints it ("" matches everything). */
  match: string;
  actions: string;
  /** The whole flow without counters: add-flow takes it back as is. */
  flow: string;
  idleTimeout: number;
  hardTimeout: number;
  nPackets: number;
  nBytes: number;
  /** Seconds since the flow was added, millisecond precision. */
  duration: number;
  /** Whole seconds since the flow last matched a packet (or was added). */
  idleAge: number;
}

export interface DumpFlowsResult {
  /** The lines `ovs-ofctl -O OpenFlow13 dump-flows` prints, without its leading space. */
  text: string[];
  flows: DumpFlowRow[];
}

/** dump-flows, text and rows from one read of the counters. */
export async function dumpFlows(bridge: BridgeApi, match: string): Promise<DumpFlowsResult> {
  const all = await bridge.dumpFlows(match);
  const text: string[] = [];
  const flows: DumpFlowRow[] = [];
  for (const f of all) {
    const { spec, table } = f.entry;
    const idleAge = Math.floor(f.idleAgeSec);
    // As Bridge.dumpFlowsText formats them.
    text.push(f.entry.format({ durationSec: f.durationSec, nPackets: f.packets, nBytes: f.bytes, idleAge }));
    flows.push({
      table,
      priority: spec.priority,
      cookie: hex(spec.cookie),
      match: formatMatch(spec.match),
      actions: formatActions(spec.actions, spec.instructions),
      flow: f.entry.text,
      idleTimeout: spec.idleTimeout,
      hardTimeout: spec.hardTimeout,
      nPackets: f.packets,
      nBytes: f.bytes,
      duration: Math.round(f.durationSec * 1000) / 1000,
      idleAge: idleAge,
    });
  }
  return { text, flows };
}
