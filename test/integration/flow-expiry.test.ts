// Flows that time out leave the config DB too (issue 7, defect 4): a hard_timeout
// and an idle_timeout flow expire, dump-flows and the DB both lose them, and a
// restart does not bring them back; a timed flow still there at the restart comes
// back with its whole timeout (README: the time it had left is not kept).
import { loadDb } from '../../src/daemon/config-db.js';
import { expect, it } from 'vitest';
import { waitFor } from '../lab/index.js';
import { useDaemon } from './daemon-fixture.js';
import { cliTests } from './helpers.js';


cliTests.describe('flow timeouts and the config DB', () => {
  let br: string;
  const d = useDaemon('ns-expiry', async ({ lab, ok }) => {
    br = lab.name('b');
    await ok('add-br', br);
  });
  // The DB as a restart reads it: the file with its flow journal replayed.
  const savedFlows = (): string[] => loadDb(d.paths.db)!.bridges.find((b) => b.name === br)!.flows!;

  it('hard_timeout and idle_timeout flows leave dump-flows and the DB, and a restart does not bring them back', async () => {
    await d.ok('add-flow', br, 'priority=60,hard_timeout=2,icmp,actions=drop');
    await d.ok('add-flow', br, 'priority=61,idle_timeout=2,udp,actions=drop');
    await d.ok('add-flow', br, 'priority=62,hard_timeout=600,tcp,actions=drop');
    const long = 'hard_timeout=600, priority=62,tcp actions=drop';
    expect(savedFlows()).toEqual([long, 'idle_timeout=2, priority=61,udp actions=drop', 'hard_timeout=2, priority=60,icmp actions=drop', 'priority=0 actions=NORMAL']);
    await waitFor(async () => !/priority=6[01],/.test(await d.ok('dump-flows', br)) && savedFlows().length === 2, {
      timeoutMs: 8000,
      what: 'both short flows expired, in the switch and in the DB',
    });
    expect(savedFlows()).toEqual([long, 'priority=0 actions=NORMAL']);
    expect(d.daemon!.stderr()).toMatch(new RegExp(`bridge ${br}: \\d flows? timed out, \\d in the table`));
    await d.restart();
    const rows = JSON.parse(await d.ok('dump-flows', br, '--json')) as { flow: string; hardTimeout: number; duration: number }[];
    expect(rows.map((r) => r.flow)).toEqual([long, 'priority=0 actions=NORMAL']);
    // The flow that was still there: back with its whole timeout, its clock started again.
    expect(rows[0]!.hardTimeout).toBe(600);
    expect(rows[0]!.duration).toBeLessThan(30);
  });
});
