// The daemon's verb logic (Controller) over a FakeSwitch restored from a document, with
// a DB writer that records every document written and can be made to fail (ENOSPC), so
// a test can check the switch-then-DB ordering and the undo. One setup for the verb tests.
import { expect } from 'vitest';
import type { ConfigDoc } from '../../src/daemon/config-db.js';
import { Controller } from '../../src/daemon/controller.js';
import { restoreSwitch } from '../../src/daemon/restore.js';
import { NodeswitchError } from '../../src/errors.js';
import { FakeSwitch } from './fake-switch.js';

export const ONE_EMPTY_BRIDGE: ConfigDoc = { version: 1, bridges: [{ name: 'br0', ports: [] }] };

export async function controllerOnFakeSwitch(doc: ConfigDoc = ONE_EMPTY_BRIDGE) {
  const sw = new FakeSwitch();
  const log: string[] = [];
  const restored = await restoreSwitch(sw, doc, '/db.json', (l) => log.push(l));
  const saved: ConfigDoc[] = [];
  let failWrites = false;
  const save = (_p: string, d: ConfigDoc) => {
    if (failWrites) throw new Error('ENOSPC: no space left on device');
    saved.push(structuredClone(d));
  };
  const c = new Controller(sw, restored.doc, restored.missing, '/db.json', (l) => log.push(l), save);
  return { sw, c, log, saved, failWrites: (v: boolean) => (failWrites = v) };
}

/** The promise is refused with a NodeswitchError whose message matches, naming `argument` when given. */
export async function refused(p: Promise<unknown>, message: RegExp, argument?: string): Promise<NodeswitchError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(NodeswitchError);
  expect((err as NodeswitchError).message).toMatch(message);
  if (argument !== undefined) expect((err as NodeswitchError).argument).toBe(argument);
  return err as NodeswitchError;
}
