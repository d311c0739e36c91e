// The flow journal (src/daemon/flow-journal.ts) under the real controller and the
// real DB writer: a flow verb on a big table appends one record and leaves the DB
// file alone; loading replays the journal; the journal is folded into a full write
// once it outgrows the tables; a torn last record is dropped; replay is idempotent;
// an append that fails undoes the change.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ConfigDoc, loadDb, saveDb } from '../../src/daemon/config-db.js';
import { Controller } from '../../src/daemon/controller.js';
import { FlowJournal, journalPathOf, readJournal, replayJournal } from '../../src/daemon/flow-journal.js';
import { savedFlows } from '../../src/daemon/flows.js';
import { restoreSwitch } from '../../src/daemon/restore.js';
import { FakeSwitch } from './fake-switch.js';

let dir: string;
let db: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ns-fj-'));
  db = join(dir, 'db.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rules = (n: number, from = 0): string =>
  Array.from({ length: n }, (_, i) => `priority=${10 + ((from + i) % 7)},udp,tp_dst=${from + i + 1},actions=output:1`).join('\n');

async function daemon(minLines = 4096) {
  const sw = new FakeSwitch();
  const doc: ConfigDoc = loadDb(db) ?? { version: 1, bridges: [{ name: 'br0', ports: [] }] };
  const restored = await restoreSwitch(sw, doc, db, () => {});
  saveDb(db, restored.doc);
  const c = new Controller(sw, restored.doc, restored.missing, db, () => {}, saveDb, new FlowJournal(db, minLines));
  const live = () => savedFlows(sw.map.get('br0')!);
  return { c, live };
}

describe('flow journal', () => {
  it('one flow-mod at a big table appends a record and leaves the DB file as it was; a load replays it', async () => {
    const { c, live } = await daemon();
    await c.handle('add-flows', { bridge: 'br0', flows: rules(10_000) }); // big: a full write
    expect(existsSync(journalPathOf(db))).toBe(false);
    const written = readFileSync(db, 'utf8');
    const mtime = statSync(db).mtimeMs;
    await c.handle('add-flow', { bridge: 'br0', flow: 'priority=99,tcp,actions=drop' });
    await c.handle('mod-flows', { bridge: 'br0', flow: 'udp,tp_dst=5,actions=drop', strict: false });
    await c.handle('del-flows', { bridge: 'br0', match: 'udp,tp_dst=6' });
    expect(readFileSync(db, 'utf8')).toBe(written);
    expect(statSync(db).mtimeMs).toBe(mtime);
    const records = readJournal(journalPathOf(db));
    expect(records.map((r) => [r.remove.length, r.add.length])).toEqual([[0, 1], [1, 1], [1, 0]]);
    // In dump-flows order, as a full write has them.
    expect(loadDb(db)!.bridges[0]!.flows).toEqual(live());
  });

  it('is folded into a full write when it outgrows the tables, and removed', async () => {
    const { c, live } = await daemon(10);
    await c.handle('add-flows', { bridge: 'br0', flows: rules(20) });
    for (let i = 0; i < 25; i++) await c.handle('add-flow', { bridge: 'br0', flow: `priority=50,udp,tp_dst=${1000 + i},actions=drop` });
    // At most about as many journal lines as flows (here 46), then a full write starts afresh.
    const lines = readJournal(journalPathOf(db)).reduce((n, r) => n + r.add.length + r.remove.length, 0);
    expect(lines).toBeLessThanOrEqual(live().length);
    expect(new Set(loadDb(db)!.bridges[0]!.flows)).toEqual(new Set(live()));
    await c.handle('add-br', { bridge: 'br1' }); // any full write takes the journal in
    expect(existsSync(journalPathOf(db))).toBe(false);
    expect(new Set(loadDb(db)!.bridges[0]!.flows)).toEqual(new Set(live()));
  });

  it('drops a torn last record, and a restart appends after the last whole one', async () => {
    const d = await daemon();
    await d.c.handle('add-flows', { bridge: 'br0', flows: rules(5000) });
    await d.c.handle('add-flow', { bridge: 'br0', flow: 'priority=99,tcp,actions=drop' });
    const before = new Set(d.live());
    appendFileSync(journalPathOf(db), '{"bridge":"br0","remove":[],"add":["priority=1,ip act'); // the crash
    expect(new Set(loadDb(db)!.bridges[0]!.flows)).toEqual(before);
    // The restarted daemon's next record starts on a line of its own.
    const sw = new FakeSwitch();
    const restored = await restoreSwitch(sw, loadDb(db)!, db, () => {});
    const c = new Controller(sw, restored.doc, restored.missing, db, () => {}, saveDb, new FlowJournal(db));
    await c.handle('add-flow', { bridge: 'br0', flow: 'priority=98,tcp,actions=drop' });
    expect(new Set(loadDb(db)!.bridges[0]!.flows)).toEqual(new Set(savedFlows(sw.map.get('br0')!)));
  });

  it('replays idempotently: records the DB already holds change nothing', () => {
    const records = [
      { bridge: 'br0', remove: [], add: ['a', 'b', 'c'] },
      { bridge: 'br0', remove: ['b'], add: ['d'] },
      { bridge: 'br0', remove: ['d'], add: ['b'] },
      { bridge: 'gone', remove: [], add: ['x'] },
    ];
    const once = { bridges: [{ name: 'br0', flows: ['z'] }] };
    replayJournal(once, records);
    expect(once.bridges[0]!.flows).toEqual(['z', 'a', 'c', 'b']); // all of table 0, priority 32768: age order
    const twice = structuredClone(once);
    replayJournal(twice, records);
    expect(new Set(twice.bridges[0]!.flows)).toEqual(new Set(once.bridges[0]!.flows));
  });

  it('an append that fails undoes the change and says so', async () => {
    const { c, live } = await daemon();
    await c.handle('add-flows', { bridge: 'br0', flows: rules(5000) });
    const before = live();
    mkdirSync(journalPathOf(db)); // appending to a directory fails (EISDIR)
    await expect(c.handle('add-flow', { bridge: 'br0', flow: 'priority=99,tcp,actions=drop' })).rejects.toThrow(
      /cannot write the config DB .*the change was undone/,
    );
    expect(live()).toEqual(before);
  });
});
