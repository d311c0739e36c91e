// What the wire changes is saved as the CLI's changes are: the daemon's Controller
// gives the agent its onChange hook (wireChanged), flows go to the journal or the DB,
// meters to the DB, and a daemon started again from that DB has them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import { type ConfigDoc, loadDb, saveDb } from '../../src/daemon/config-db.js';
import { Controller } from '../../src/daemon/controller.js';
import { FlowJournal } from '../../src/daemon/flow-journal.js';
import { restoreSwitch } from '../../src/daemon/restore.js';
import { parseFlow } from '../../src/ofproto/flow.js';
import { OFPG_ANY, parseGroup } from '../../src/ofproto/group.js';
import { OFPP } from '../../src/ofproto/values.js';
import { parseMeter } from '../../src/qos/meter-syntax.js';
import { OpenFlowAgent } from '../../src/openflow/agent/index.js';
import { OFP_NO_BUFFER } from '../../src/openflow/wire/index.js';
import { Switch } from '../../src/switch.js';

let dir: string | undefined;
const switches: Switch[] = [];
afterEach(async () => {
  for (const sw of switches.splice(0)) await sw.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function daemon(doc: ConfigDoc, db: string): Promise<{ c: Controller; br: Bridge; agent: OpenFlowAgent }> {
  const sw = new Switch();
  switches.push(sw);
  const log = (): void => undefined;
  const restored = await restoreSwitch(sw, doc, db, log);
  const c = new Controller(sw, restored.doc, restored.missing, db, log, saveDb, new FlowJournal(db));
  const br = sw.bridge('ofsave')!;
  const agent = new OpenFlowAgent(br, { datapathId: 1n, onChange: (what) => c.wireChanged('ofsave', what) });
  return { c, br, agent };
}

const add = (text: string, xid: number) => ({
  type: 'flow_mod' as const,
  xid,
  command: 'add' as const,
  spec: parseFlow(text),
  bufferId: OFP_NO_BUFFER,
  outPort: OFPP.ANY,
  outGroup: OFPG_ANY,
  flags: { sendFlowRem: false, checkOverlap: false, resetCounts: false, noPktCounts: false, noBytCounts: false },
});

describe('the wire’s changes in the config DB', () => {
  it('flows, meters and groups added over the wire are saved and come back after a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ofagent-db-'));
    const db = join(dir, 'db.json');
    const doc: ConfigDoc = { version: 1, bridges: [{ name: 'ofsave', ports: [], flows: [] }] };
    saveDb(db, doc);
    const first = await daemon(doc, db);
    const session = { role: 'equal' as const, missSendLen: 128 };
    expect(await first.agent.handle({ type: 'meter_mod', xid: 1, command: 'add', spec: parseMeter('meter=3,kbps,bands=type=drop,rate=500') }, session)).toEqual([]);
    expect(await first.agent.handle(add('priority=100,ip,actions=meter:3,output:LOCAL', 2), session)).toEqual([]);
    expect(await first.agent.handle(add('table=1,priority=5,udp,actions=drop', 3), session)).toEqual([]);
    expect(await first.agent.handle({ type: 'group_mod', xid: 4, command: 'add', spec: parseGroup('group_id=2,type=all,bucket=actions=drop') }, session)).toEqual([]);
    expect(await first.agent.handle(add('table=1,priority=6,tcp,actions=group:2', 5), session)).toEqual([]);
    await first.agent.flush();
    await first.c.idle();
    const saved = loadDb(db)!;
    expect(saved.bridges[0]!.meters).toEqual(['meter=3,kbps,bands=type=drop,rate=500']);
    expect(saved.bridges[0]!.groups).toHaveLength(1);
    expect(saved.bridges[0]!.flows).toEqual(['priority=100,ip actions=meter:3,LOCAL', 'table=1, priority=6,tcp actions=group:2', 'table=1, priority=5,udp actions=drop']);
    for (const sw of switches.splice(0)) await sw.close();

    const second = await daemon(saved, db);
    expect((await second.br.dumpFlowsText()).map((l) => l.replace(/duration=[0-9.]+s, /, ''))).toEqual([
      'cookie=0x0, table=0, n_packets=0, n_bytes=0, idle_age=0, priority=100,ip actions=meter:3,LOCAL',
      'cookie=0x0, table=1, n_packets=0, n_bytes=0, idle_age=0, priority=6,tcp actions=group:2',
      'cookie=0x0, table=1, n_packets=0, n_bytes=0, idle_age=0, priority=5,udp actions=drop',
    ]);
    expect(second.br.dumpMeters().map((m) => m.id)).toEqual([3]);
    expect(second.br.dumpGroups().map((g) => g.groupId)).toEqual([2]);
  });
});
