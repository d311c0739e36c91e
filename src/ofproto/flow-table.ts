/**
 * OpenFlow 1.3 flow-mod semantics for one bridge, over the datapath's tables.
 *
 * TypeScript keeps the authoritative list of flows (what dump-flows prints, what the
 * daemon persists) and decides what every flow-mod does — add (identical match and
 * priority replaces; check_overlap refuses), modify / modify_strict, delete /
 * delete_strict, cookie and out_port filters, idle and hard timeouts — then sends
 * the datapath plain operations by flow id, as flow batches (flow-batch.ts). Matches
 * are compared as the compiled key/mask bytes the datapath runs, so "identical",
 * "overlaps" and "covers" mean exactly what they mean to the classifier; an entry
 * keeps them packed (packMatch: only the 16-bit words its mask has bits in, a few
 * dozen bytes in one string) rather than as two 140-byte Buffers.
 */
import { EventEmitter } from 'node:events';
import { NodeswitchError } from '../errors.js';
import { constants, type NativeDatapath, type NativeFlow, type NativeFlowStats } from '../native.js';
import type { Action } from './actions.js';
import { compileFlow, matchSlab } from './compile.js';
import { encodeFlowBatch, FlowBatchWriter } from './flow-batch.js';
import { type FlowSpec, TABLE_ALL } from './flow.js';
import { FlowEntry, signature } from './flow-entry.js';
import { OFPP } from './values.js';

export { FlowEntry } from './flow-entry.js';

export interface FlowWithStats {
  entry: FlowEntry;
  packets: number;
  bytes: number;
  durationSec: number;
  idleAgeSec: number;
}

export interface FlowRemoved {
  /** delete: a delete flow-mod removed it (del-flows here; the OpenFlow agent announces those it made). */
  reason: 'idle_timeout' | 'hard_timeout' | 'delete';
  text: string;
  /** The flow as it was (its match and timeouts go into OpenFlow's FLOW_REMOVED). */
  spec: FlowSpec;
  table: number;
  priority: number;
  cookie: bigint;
  packets: number;
  bytes: number;
  durationSec: number;
}

/** What a transaction reads of the table (see FlowTable.transaction). */
export interface FlowTableReader {
  list(): FlowEntry[];
  find(id: number): FlowEntry | undefined;
  /** What names a flow's table, priority and exact match (packMatch; identical flows have the same): FlowEntry.sig. */
  signature(table: number, priority: number, match: string): string;
  /** The flow with this signature, if any. */
  bySignature(sig: string): FlowEntry | undefined;
  /** A fresh flow id. */
  newId(): number;
  /** The flows a modify/delete match selects, among `from` (default: the table's). */
  select(spec: FlowSpec, strict: boolean, from?: Iterable<FlowEntry>): FlowEntry[];
}

/** A transaction's outcome for the table: entries gone, entries whose spec changed (same id), entries new. */
export interface FlowCommit {
  removed: FlowEntry[];
  modified: { entry: FlowEntry; spec: FlowSpec }[];
  added: FlowEntry[];
}

type Datapath = Pick<NativeDatapath, 'installFlows' | 'removeFlows' | 'setFlowActions' | 'flowStats'>;

const HALFWORDS = 70; // a FlowKey's 140 bytes as 16-bit words

/**
 * A compiled match as a string: for every 16-bit word of the key whose mask is not
 * zero, three char codes — its index, the key's word, the mask's word. Equal strings
 * are equal matches; a 5-tuple rule packs into about 20 chars.
 */
export function packMatch(m: { key: Buffer; mask: Buffer }): string {
  return packCodes([], m);
}

/** signature(table, priority, packMatch(m)), made flat in one go (FlowEntry.sig). */
export function packSignature(table: number, priority: number, m: { key: Buffer; mask: Buffer }): string {
  return packCodes([table, priority], m);
}

function packCodes(codes: number[], m: { key: Buffer; mask: Buffer }): string {
  for (let j = 0; j < HALFWORDS; j++) {
    const mw = m.mask[2 * j]! | (m.mask[2 * j + 1]! << 8);
    if (mw) codes.push(j, m.key[2 * j]! | (m.key[2 * j + 1]! << 8), mw);
  }
  return String.fromCharCode(...codes);
}

/** packMatch's inverse, into 16-bit key and mask words (zero where the mask is); `from`: where the packed words start (2 in a signature). */
function unpackInto(packed: string, key: Uint16Array, mask: Uint16Array, from = 0): void {
  key.fill(0);
  mask.fill(0);
  for (let i = from; i < packed.length; i += 3) {
    const j = packed.charCodeAt(i);
    key[j] = packed.charCodeAt(i + 1);
    mask[j] = packed.charCodeAt(i + 2);
  }
}

/** The key and mask bytes of a packed match (tests and benches look at them). */
export function unpackMatch(packed: string): { key: Buffer; mask: Buffer } {
  const key = new Uint16Array(HALFWORDS);
  const mask = new Uint16Array(HALFWORDS);
  unpackInto(packed, key, mask);
  return { key: Buffer.from(key.buffer), mask: Buffer.from(mask.buffer) };
}

// Scratch for the comparisons below (one JS thread, no reentry).
const ak = new Uint16Array(HALFWORDS);
const am = new Uint16Array(HALFWORDS);
const bk = new Uint16Array(HALFWORDS);
const bm = new Uint16Array(HALFWORDS);

/** Some packet could match both (signatures: FlowEntry.sig). */
export function overlaps(a: string, b: string): boolean {
  unpackInto(a, ak, am, 2);
  unpackInto(b, bk, bm, 2);
  for (let j = 0; j < HALFWORDS; j++) if ((ak[j]! ^ bk[j]!) & am[j]! & bm[j]!) return false;
  return true;
}

/** Every packet `e` matches also matches the filter (packed) : e (a signature) is at least as specific and agrees. */
function covers(filter: string, e: string): boolean {
  unpackInto(filter, ak, am);
  unpackInto(e, bk, bm, 2);
  for (let j = 0; j < HALFWORDS; j++) {
    const fm = am[j]!;
    if (fm & ~bm[j]!) return false;
    if ((ak[j]! ^ bk[j]!) & fm) return false;
  }
  return true;
}

function outputsTo(actions: Action[], port: number): boolean {
  return actions.some((a) => a.type === 'output' && a.port === port);
}

/** A new entry and what the datapath installs for it. */
function compiled(id: number, spec: FlowSpec, table: number, into: { key: Buffer; mask: Buffer } | undefined, now: number): { entry: FlowEntry; native: NativeFlow } {
  const native = compileFlow(id, spec, table, into);
  return { entry: new FlowEntry(id, spec, packSignature(spec.table, spec.priority, native), now), native };
}

/** A new entry for `spec` and what the datapath installs for it (flow-mod-plan.ts); `into` as compileMatch's. */
export function newEntry(id: number, spec: FlowSpec, now: number, into?: { key: Buffer; mask: Buffer }): { entry: FlowEntry; native: NativeFlow } {
  return compiled(id, spec, spec.table, into, now);
}

/** What a modify makes of an entry's flow: new actions, cookie=V sets the cookie (without it, kept). */
export function modifiedSpec(e: FlowEntry, by: FlowSpec): FlowSpec {
  return {
    ...e.spec,
    actions: by.actions,
    instructions: by.instructions,
    cookie: by.cookieGiven ? by.cookie : e.cookie,
  };
}

export class FlowTable extends EventEmitter {
  private readonly entries = new Map<number, FlowEntry>();
  // signature → entry, so that an add finds the flow it replaces in O(1); the key is the entry's own sig.
  private readonly bySignature = new Map<string, FlowEntry>();
  private nextId = 1;
  // Flow-mods are applied one at a time, in order, as a switch must.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dp: Datapath) {
    super();
  }

  /** Runs `fn` after every flow-mod queued before it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  list(): FlowEntry[] {
    return [...this.entries.values()];
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Installs flows into an empty table at once, without waiting for the queue, so
   * that a new bridge has its default flow before any port can deliver a packet.
   */
  addInitial(specs: FlowSpec[]): Promise<void> {
    const slab = matchSlab(specs.length);
    const now = Date.now();
    const fresh = specs.map((spec, i) => compiled(this.nextId++, spec, spec.table, slab(i), now));
    for (const f of fresh) this.put(f.entry);
    const done = this.dp.installFlows(encodeFlowBatch(fresh.map((f) => f.native)));
    this.queue = done.catch(() => undefined);
    return done;
  }

  /** OFPFC_ADD for one or many flows (add-flows): all of them or none. */
  add(specs: FlowSpec[]): Promise<void> {
    // A few flows (add-flow, a controller's) keep their specs until their lines are read.
    const batch = this.beginAdd({ compact: specs.length > COMPACT_FROM });
    try {
      for (const spec of specs) batch.push(spec);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return batch.commit();
  }

  /**
   * An OFPFC_ADD of many flows built one at a time (add-flows of a big file): each
   * pushed flow is compiled, stored and encoded at once, so its FlowSpec is garbage
   * before the next is parsed; commit() then does what add() does — identical flows
   * replaced, check_overlap, one native install, all or nothing — in flow-mod order.
   */
  beginAdd(opts: { compact?: boolean } = {}): FlowAdd {
    return new FlowAdd(this, () => this.nextId++, opts.compact !== false);
  }

  /** FlowAdd.commit's part, in the queue (see add's semantics). */
  commitAdd(fresh: readonly FlowEntry[], writer: FlowBatchWriter): Promise<void> {
    return this.serial(async () => {
      const replaced: FlowEntry[] = [];
      // In batch order; a later identical flow of the batch replaces an earlier one.
      const dropped = new Set<number>();
      const pending = new Map<string, number>(); // signature → index in fresh
      for (let i = 0; i < fresh.length; i++) {
        const e = fresh[i]!;
        const earlier = pending.get(e.sig);
        const same = earlier !== undefined ? fresh[earlier] : this.bySignature.get(e.sig);
        if (e.flags.checkOverlap) {
          const candidates = [...this.entries.values(), ...fresh.slice(0, i).filter((_, k) => !dropped.has(k))];
          const clash = candidates.find((c) => c !== same && c.table === e.table && c.priority === e.priority && overlaps(c.sig, e.sig));
          if (clash) {
            throw new NodeswitchError(`the flow overlaps an existing flow of the same priority (${clash.text})`, 'flow');
          }
        }
        if (earlier !== undefined) dropped.add(earlier);
        else if (same) replaced.push(same);
        pending.set(e.sig, i);
      }
      pending.clear();
      if (replaced.length) await this.dp.removeFlows(replaced.map((e) => e.id));
      try {
        await this.dp.installFlows(writer.finish(dropped));
      } catch (err) {
        if (replaced.length) await this.dp.installFlows(encodeFlowBatch(replaced.map((e) => compileFlow(e.id, e.spec, e.table))));
        throw err;
      }
      for (const e of replaced) this.drop(e);
      for (let i = 0; i < fresh.length; i++) if (!dropped.has(i)) this.put(fresh[i]!);
    });
  }

  /**
   * A batch of flow-mods planned together and sent in one native call (flow-mod-plan.ts,
   * Bridge.apply): `run` gets this table to read, in flow-mod order (after every
   * flow-mod queued before it); what it returns as committed is applied here only
   * after its native call succeeded.
   */
  transaction<T>(run: (reader: FlowTableReader) => Promise<{ result: T; commit: FlowCommit }>): Promise<T> {
    return this.serial(async () => {
      const { result, commit } = await run({
        list: () => this.list(),
        find: (id) => this.entries.get(id),
        signature,
        bySignature: (sig) => this.bySignature.get(sig),
        newId: () => this.nextId++,
        select: (spec, strict, from) => this.select(spec, strict, from),
      });
      for (const e of commit.removed) this.drop(e);
      for (const { entry, spec } of commit.modified) entry.respec(spec);
      for (const entry of commit.added) this.put(entry);
      return result;
    });
  }

  private put(e: FlowEntry): void {
    this.entries.set(e.id, e);
    this.bySignature.set(e.sig, e);
  }

  private drop(e: FlowEntry): void {
    this.entries.delete(e.id);
    if (this.bySignature.get(e.sig) === e) this.bySignature.delete(e.sig);
  }

  /** OFPFC_MODIFY(_STRICT): new actions for the selected flows, counters kept. Returns how many. */
  modify(spec: FlowSpec, strict: boolean): Promise<number> {
    return this.serial(async () => {
      const chosen = this.select(spec, strict);
      if (!chosen.length) return 0;
      const updated = chosen.map((e) => {
        const nextSpec = modifiedSpec(e, spec);
        return { entry: e, spec: nextSpec, native: compileFlow(e.id, nextSpec, e.table) };
      });
      await this.dp.setFlowActions(encodeFlowBatch(updated.map((u) => u.native)));
      for (const u of updated) u.entry.respec(u.spec);
      return updated.length;
    });
  }

  /**
   * A hidden flow (fail-open's NORMAL flow, src/openflow/conn/fail-open.ts): run by the
   * datapath but in no list, selection or dump — no flow-mod touches it and it is never
   * saved, as Open vSwitch's flows above priority 65535. Returns its id.
   */
  addHidden(spec: FlowSpec): Promise<number> {
    return this.serial(async () => {
      const id = this.nextId++;
      await this.dp.installFlows(encodeFlowBatch([compileFlow(id, spec, spec.table)]));
      return id;
    });
  }

  removeHidden(id: number): Promise<void> {
    return this.serial(() => this.dp.removeFlows([id]));
  }

  /** Removes every flow `pred` selects (a deleted meter's flows); returns how many. */
  removeWhere(pred: (e: FlowEntry) => boolean): Promise<number> {
    return this.serial(async () => {
      const chosen = this.list().filter(pred);
      if (chosen.length) await this.dp.removeFlows(chosen.map((e) => e.id));
      for (const e of chosen) this.drop(e);
      return chosen.length;
    });
  }

  /** OFPFC_DELETE(_STRICT). Returns the flows removed. */
  delete(spec: FlowSpec, strict: boolean): Promise<FlowEntry[]> {
    return this.serial(async () => {
      const chosen = this.select(spec, strict);
      // Flows with send_flow_rem are reported with their last counters, read before they go.
      const reported = chosen.filter((e) => e.flags.sendFlowRem);
      const stats = reported.length ? new Map((await this.dp.flowStats()).map((s) => [s.id, s])) : undefined;
      const now = Date.now();
      if (chosen.length) await this.dp.removeFlows(chosen.map((e) => e.id));
      for (const e of chosen) this.drop(e);
      for (const e of reported) this.emit('flowRemoved', removedEvent(withStats(e, stats!.get(e.id), now), 'delete'));
      return chosen;
    });
  }

  /** The flows a dump-flows filter selects (non-strict), with their counters. */
  async dump(filter?: FlowSpec): Promise<FlowWithStats[]> {
    const chosen = filter ? this.select(filter, false) : this.list();
    const stats = new Map((await this.dp.flowStats()).map((s) => [s.id, s]));
    const now = Date.now();
    return chosen
      .sort((a, b) => a.table - b.table || b.priority - a.priority || a.id - b.id)
      .map((entry) => withStats(entry, stats.get(entry.id), now));
  }

  /** Removes flows whose idle or hard timeout has passed; emits 'flowRemoved' for send_flow_rem. */
  expire(): Promise<void> {
    return this.serial(async () => {
      const timed = this.list().filter((e) => e.idleTimeout || e.hardTimeout);
      if (!timed.length) return;
      const stats = new Map((await this.dp.flowStats()).map((s) => [s.id, s]));
      const now = Date.now();
      const gone: [FlowWithStats, FlowRemoved['reason']][] = [];
      for (const entry of timed) {
        const w = withStats(entry, stats.get(entry.id), now);
        const { idleTimeout, hardTimeout } = entry;
        if (hardTimeout && w.durationSec >= hardTimeout) gone.push([w, 'hard_timeout']);
        // Idle no longer than it has existed: the datapath's coarse clock can run a
        // few ms ahead of Date.now().
        else if (idleTimeout && w.idleAgeSec >= idleTimeout && w.durationSec >= idleTimeout) gone.push([w, 'idle_timeout']);
      }
      if (!gone.length) return;
      await this.dp.removeFlows(gone.map(([w]) => w.entry.id));
      for (const [w, reason] of gone) {
        this.drop(w.entry);
        if (w.entry.flags.sendFlowRem) this.emit('flowRemoved', removedEvent(w, reason));
      }
    });
  }

  private select(spec: FlowSpec, strict: boolean, from: Iterable<FlowEntry> = this.entries.values()): FlowEntry[] {
    const filter = packMatch(compileFlow(0, { ...spec, actions: [], instructions: {} }, 0));
    const byPort = spec.outPort !== undefined && spec.outPort !== OFPP.ANY ? spec.outPort : undefined;
    return [...from].filter((e) => {
      if (spec.table !== TABLE_ALL && e.table !== spec.table) return false;
      if (spec.cookieMask !== undefined && (e.cookie & spec.cookieMask) !== (spec.cookie & spec.cookieMask)) return false;
      if (strict) {
        if (e.priority !== spec.priority || e.sig.length !== filter.length + 2 || !e.sig.endsWith(filter)) return false;
      } else if (!covers(filter, e.sig)) return false;
      // Last: it parses the entry's actions.
      return byPort === undefined || outputsTo(e.actions(), byPort);
    });
  }
}

function removedEvent(w: FlowWithStats, reason: FlowRemoved['reason']): FlowRemoved {
  const e = w.entry;
  // spec: parsed back from the entry's line (only flows with send_flow_rem get here).
  return { reason, text: e.text, spec: e.spec, table: e.table, priority: e.priority, cookie: e.cookie, packets: w.packets, bytes: w.bytes, durationSec: w.durationSec };
}

function withStats(entry: FlowEntry, s: NativeFlowStats | undefined, now: number): FlowWithStats {
  const created = entry.created;
  const durationSec = (now - created) / 1000;
  const idleMs = s && s.idleMs >= 0 ? s.idleMs : now - created;
  return { entry, packets: s?.packets ?? 0, bytes: s?.bytes ?? 0, durationSec, idleAgeSec: idleMs / 1000 };
}

const KEY_BYTES = constants.flowKeySize;
// FlowTable.add of more flows than this compacts them as it goes.
const COMPACT_FROM = 64;

/** FlowTable.beginAdd's batch: push every flow, then commit once. */
export class FlowAdd {
  private readonly fresh: FlowEntry[] = [];
  private readonly writer = new FlowBatchWriter();
  // One key and mask, zeroed and reused for every flow (the writer copies them).
  private readonly scratch = Buffer.alloc(2 * KEY_BYTES);
  private readonly into = { key: this.scratch.subarray(0, KEY_BYTES), mask: this.scratch.subarray(KEY_BYTES) };
  private readonly now = Date.now();

  constructor(
    private readonly table: FlowTable,
    private readonly newId: () => number,
    /** Format each entry's line at once and drop its spec (FlowEntry.compact). */
    private readonly compact: boolean,
  ) {}

  get size(): number {
    return this.fresh.length;
  }

  /** Compiles, stores and encodes one flow; throws (NodeswitchError) for one the datapath cannot take. */
  push(spec: FlowSpec): void {
    if (spec.table === TABLE_ALL) throw new NodeswitchError('table=255 is not a table a flow can be added to', 'table');
    this.scratch.fill(0);
    const id = this.newId();
    const native = compileFlow(id, spec, spec.table, this.into);
    const entry = new FlowEntry(id, spec, packSignature(spec.table, spec.priority, native), this.now);
    if (this.compact) entry.compact();
    this.writer.push(native);
    this.fresh.push(entry);
  }

  /** Adds every flow pushed (FlowTable.add's semantics), after every flow-mod queued before. */
  commit(): Promise<void> {
    return this.table.commitAdd(this.fresh, this.writer);
  }
}
