// The flow journal: flow changes appended beside the config DB, so that one flow-mod
// at 100k flows writes a line, not the whole document.
//
// The DB (config-db.ts) keeps each bridge's whole table as flow lines. A flow verb
// appends one record to DB.flows-journal — {"bridge", "remove": [lines], "add":
// [lines]}, fsynced — instead of rewriting the DB; loading the DB replays the journal
// over it. Every full write of the DB (saveDb) holds every flow and then deletes the
// journal; the controller writes the DB in full when the journal has grown past the
// size of the tables (so the journal costs O(1) amortized per changed flow, and a
// load reads at most about twice the flows).
//
// Crash safety. A record is one line written with one write() and fsynced before
// the verb answers: a crash mid-append leaves a last line without its newline, which
// was never acknowledged and is ignored. A crash between a full write's rename and
// its deletion of the journal leaves a journal whose records the DB already holds:
// replay is idempotent (a record's removes take a line out if present, its adds put
// a line in if absent; a line's presence is decided by the last record that names
// it, whatever the start), so replaying them again changes nothing.
//
// Order. The DB keeps a bridge's lines in dump-flows order (table, priority high to
// low, then age). A replay appends each added line (a modified flow's new line too)
// (a modified flow's new line takes its old line's place) and then sorts stably by
// table and priority, read from the canonical line: dump-flows order again.
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { DbError } from './config-db.js';

export interface FlowJournalRecord {
  bridge: string;
  remove: string[];
  add: string[];
}

export function journalPathOf(dbPath: string): string {
  return `${dbPath}.flows-journal`;
}

/** What changed from `before` to `after` (each a bridge's flow lines, no duplicates). */
export function diffFlowLines(before: readonly string[], after: readonly string[]): { remove: string[]; add: string[] } {
  const was = new Set(before);
  const is = new Set(after);
  return { remove: before.filter((l) => !is.has(l)), add: after.filter((l) => !was.has(l)) };
}

/** The records of a journal file; [] when there is none. A torn last line is dropped. */
export function readJournal(path: string): FlowJournalRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new DbError(path, `cannot read the flow journal: ${(err as Error).message}`);
  }
  const lines = text.split('\n');
  lines.pop(); // after the last newline: empty, or a record whose write did not finish
  return lines.map((line, i) => {
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch (err) {
      throw new DbError(path, `flow journal line ${i + 1} is not valid JSON: ${(err as Error).message}`);
    }
    const rec = r as Partial<FlowJournalRecord> | null;
    const lines = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
    if (typeof rec !== 'object' || rec === null || typeof rec.bridge !== 'string' || !lines(rec.remove) || !lines(rec.add)) {
      throw new DbError(path, `flow journal line ${i + 1} is not a record {"bridge", "remove": [...], "add": [...]}`);
    }
    return { bridge: rec.bridge, remove: rec.remove, add: rec.add };
  });
}

/**
 * Replays records over a parsed (not yet validated) DB document, in place: each
 * named bridge's `flows` (a bridge the DB no longer has is skipped: it was deleted
 * by a full write after the record).
 */
export function replayJournal(doc: unknown, records: FlowJournalRecord[]): void {
  if (!records.length) return;
  const bridges = (doc as { bridges?: unknown } | null)?.bridges;
  if (!Array.isArray(bridges)) return; // validation will say what is wrong
  const byName = new Map<string, { flows?: unknown }>();
  for (const b of bridges) if (typeof b === 'object' && b !== null) byName.set((b as { name?: string }).name ?? '', b as { flows?: unknown });
  // Per bridge: its lines by age (holes where lines went), and where each line is.
  const tables = new Map<string, { order: (string | undefined)[]; at: Map<string, number> }>();
  for (const r of records) {
    const b = byName.get(r.bridge);
    if (!b) continue;
    let t = tables.get(r.bridge);
    if (!t) {
      const order = Array.isArray(b.flows) ? [...(b.flows as string[])] : [];
      tables.set(r.bridge, (t = { order, at: new Map(order.map((l, i) => [l as string, i])) }));
    }
    // A modify removes a flow's line and adds its new one: the new line takes the
    // old one's place (same flow: only the cookie and the actions can differ).
    const freed = new Map<string, number>();
    for (const l of r.remove) {
      const i = t.at.get(l);
      if (i === undefined) continue;
      t.order[i] = undefined;
      t.at.delete(l);
      freed.set(flowIdentity(l), i);
    }
    for (const l of r.add) {
      if (t.at.has(l)) continue;
      const id = flowIdentity(l);
      const i = freed.get(id) ?? t.order.length;
      freed.delete(id);
      t.order[i] = l;
      t.at.set(l, i);
    }
  }
  for (const [name, t] of tables) byName.get(name)!.flows = dumpOrder(t.order.filter((l): l is string => l !== undefined));
}

/** A canonical line without its cookie and actions: what a modify keeps. */
function flowIdentity(line: string): string {
  const at = line.indexOf(' actions=');
  const head = at < 0 ? line : line.slice(0, at);
  return head.replace(/^cookie=[^,]*, /, '');
}

/** Table and priority of a canonical flow line (formatFlow: "cookie=…, table=N, …, priority=P,… actions=…"). */
function placeOf(line: string): [number, number] {
  const at = line.indexOf(' actions=');
  const head = at < 0 ? line : line.slice(0, at);
  const table = /(?:^|[ ,])table=(\d+)/.exec(head);
  const priority = /(?:^|[ ,])priority=(\d+)/.exec(head);
  return [table ? Number(table[1]) : 0, priority ? Number(priority[1]) : 32768];
}

/** Lines in age order → dump-flows order (stable: age breaks ties). */
function dumpOrder(lines: string[]): string[] {
  const placed = lines.map((line, i) => ({ line, i, at: placeOf(line) }));
  placed.sort((a, b) => a.at[0] - b.at[0] || b.at[1] - a.at[1] || a.i - b.i);
  return placed.map((p) => p.line);
}

/** The daemon's journal: appends records, and knows when a full write should replace it. */
export class FlowJournal {
  readonly path: string;
  /** Lines (removes + adds) appended since the last full write of the DB. */
  private lines = 0;
  // Per bridge, the lines last journaled (that very array) as a set, so that the
  // next diff looks each new line up instead of hashing 100k lines into a new set.
  private readonly known = new Map<string, { lines: readonly string[]; set: Set<string> }>();

  constructor(
    dbPath: string,
    /** Below this many lines the journal is always worth it. */
    private readonly minLines = 4096,
  ) {
    this.path = journalPathOf(dbPath);
    // A journal the DB was loaded with counts as well; a torn last record (a crash
    // mid-append) goes, so that the next record does not continue its line.
    try {
      const text = fs.readFileSync(this.path, 'utf8');
      if (!text.endsWith('\n')) fs.truncateSync(this.path, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
      this.lines = readJournal(this.path).reduce((n, r) => n + r.remove.length + r.add.length, 0);
    } catch {
      this.lines = 0;
    }
  }

  /**
   * What changed from `before` (the bridge's lines as the DB holds them) to `after`.
   * Cheap when only flows were added: one lookup per line of `after`.
   */
  diff(bridge: string, before: readonly string[], after: readonly string[]): { remove: string[]; add: string[] } {
    let k = this.known.get(bridge);
    if (!k || k.lines !== before) this.known.set(bridge, (k = { lines: before, set: new Set(before) }));
    const add = after.filter((l) => !k.set.has(l));
    // Every line of `before` is still there unless `after` is short of them.
    const remove = k.set.size + add.length === after.length ? [] : diffFlowLines(before, after).remove;
    return { remove, add };
  }

  /** `after` is what the DB now holds for `bridge` (the record of diff() was appended). */
  took(bridge: string, change: { remove: string[]; add: string[] }, after: readonly string[]): void {
    const k = this.known.get(bridge);
    if (!k) return;
    for (const l of change.remove) k.set.delete(l);
    for (const l of change.add) k.set.add(l);
    k.lines = after;
  }

  /** Whether a record of `n` lines should go to the journal, with `flows` flows in all the tables. */
  takes(n: number, flows: number): boolean {
    return this.lines + n <= Math.max(this.minLines, flows);
  }

  /** Appends one record, durably (fsync) before returning; throws when it cannot. */
  append(record: FlowJournalRecord): void {
    const line = JSON.stringify(record) + '\n';
    const created = !fs.existsSync(this.path);
    const fd = fs.openSync(this.path, 'a', 0o600);
    const size = fs.fstatSync(fd).size;
    try {
      const data = Buffer.from(line, 'utf8');
      let at = 0;
      while (at < data.length) at += fs.writeSync(fd, data, at);
      fs.fsyncSync(fd);
    } catch (err) {
      // Leave no part of the record for the next one to be appended to.
      try {
        fs.ftruncateSync(fd, size);
      } catch {
        // A torn last line is dropped at load anyway; only a later append could follow it.
      }
      throw err;
    } finally {
      fs.closeSync(fd);
    }
    if (created) fsyncDir(dirname(this.path));
    this.lines += record.remove.length + record.add.length;
  }

  /** A full write of the DB happened (and removed the journal). */
  reset(): void {
    this.lines = 0;
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // As saveDb: the data is written; the directory entry follows with the next sync.
  }
}
