// The daemon's flow verbs against a fake switch with real flow tables: the DB holds
// the bridge's whole table after every change, an unwritable DB puts the table back,
// refusals change nothing, and restore rebuilds exactly the saved flows.
import { describe, expect, it } from 'vitest';
import { type ConfigDoc, DbError } from '../../src/daemon/config-db.js';
import type { DumpFlowsResult } from '../../src/daemon/flows.js';
import { formatFlow } from '../../src/ofproto/flow-syntax.js';
import { controllerOnFakeSwitch, refused } from './controller-fixture.js';

const NORMAL = 'priority=0 actions=NORMAL';

async function setup(doc: ConfigDoc = { version: 1, bridges: [{ name: 'br0', ports: [{ name: 'vnet0', type: 'afpacket', ofport: 1 }] }] }) {
  const f = await controllerOnFakeSwitch(doc);
  /** The live table as save would write it. */
  const table = (br = 'br0') =>
    f.sw.map
      .get(br)!
      .flows.list()
      .sort((a, b) => a.table - b.table || b.spec.priority - a.spec.priority || a.id - b.id)
      .map((e) => formatFlow(e.spec));
  const lastFlows = (i = 0) => f.saved.at(-1)!.bridges[i]!.flows;
  return { ...f, table, lastFlows };
}

describe('flow verbs', () => {
  it('a bridge restored from a DB without flows has the default flow, and says so in the DB it writes', async () => {
    const { c, table, lastFlows } = await setup();
    expect(table()).toEqual([NORMAL]);
    await c.handle('add-flow', { bridge: 'br0', flow: 'priority=100,in_port=vnet0,actions=output:2' });
    expect(lastFlows()).toEqual(['priority=100,in_port=1 actions=output:2', NORMAL]);
  });

  it('add-flow, add-flows, mod-flows, del-flows: each saves the whole table in dump order', async () => {
    const { c, table, lastFlows, saved } = await setup();
    expect(await c.handle('add-flows', { bridge: 'br0', flows: '# web\ntable=1,priority=5,tcp,tp_dst=80,actions=drop\n\npriority=200,ip,actions=resubmit(,1)\n' })).toEqual({ count: 2 });
    expect(lastFlows()).toEqual(['priority=200,ip actions=resubmit(,1)', NORMAL, 'table=1, priority=5,tcp,tp_dst=80 actions=drop']);
    // Not strict: every flow the match covers, in every table unless table= says which.
    expect(await c.handle('mod-flows', { bridge: 'br0', flow: 'table=0,ip,actions=output:3' })).toEqual({ count: 1 });
    expect(lastFlows()![0]).toBe('priority=200,ip actions=output:3');
    // Strict: only the exact match and priority.
    expect(await c.handle('mod-flows', { bridge: 'br0', flow: 'priority=1,ip,actions=drop', strict: true })).toEqual({ count: 0 });
    expect(await c.handle('mod-flows', { bridge: 'br0', flow: 'priority=200,ip,actions=drop', strict: true })).toEqual({ count: 1 });
    expect(await c.handle('del-flows', { bridge: 'br0', match: 'priority=5,tcp', strict: true })).toEqual({ count: 0 });
    expect(await c.handle('del-flows', { bridge: 'br0', match: 'table=1,priority=5,tcp,tp_dst=80', strict: true })).toEqual({ count: 1 });
    expect(lastFlows()).toEqual(['priority=200,ip actions=drop', NORMAL]);
    expect(table()).toEqual(lastFlows());
    // A change that changes nothing writes nothing.
    const n = saved.length;
    expect(await c.handle('del-flows', { bridge: 'br0', match: 'udp' })).toEqual({ count: 0 });
    expect(saved.length).toBe(n);
    // Without a match, del-flows empties the table; the DB then says "no flows", not "default".
    expect(await c.handle('del-flows', { bridge: 'br0' })).toEqual({ count: 2 });
    expect(lastFlows()).toEqual([]);
  });

  it('refuses bad flows naming the token (and line), changing neither the table nor the DB', async () => {
    const { c, table, saved } = await setup();
    await c.handle('add-flow', { bridge: 'br0', flow: 'priority=9,actions=drop' });
    const n = saved.length;
    const before = table();
    await refused(c.handle('add-flow', { bridge: 'br0', flow: 'tcp,tp_dst=99999,actions=drop' }), /^tp_dst=99999: /, 'tp_dst=99999');
    await refused(c.handle('add-flow', { bridge: 'br0', flow: 'in_port=vnet9,actions=drop' }), /in_port=vnet9: unknown port name "vnet9"/);
    await refused(c.handle('add-flow', { bridge: 'br0', flow: 'ip' }), /must specify actions/);
    await refused(c.handle('add-flow', { bridge: 'nope', flow: 'actions=drop' }), /no bridge named nope/, 'bridge');
    await refused(c.handle('add-flows', { bridge: 'br0', flows: 'priority=1,actions=drop\nip,actions=output:2\nudp,tp_dst=x,actions=drop\n' }), /^line 3: tp_dst=x: /);
    await refused(c.handle('mod-flows', { bridge: 'br0', flow: 'ip' }), /must specify actions/);
    await refused(c.handle('del-flows', { bridge: 'br0', match: 'ip,actions=drop' }), /del-flows takes a match, not actions/);
    await refused(c.handle('del-flows', { bridge: 'br0', match: 'ip', strict: 'yes' }), /strict must be true or false/, 'strict');
    await refused(c.handle('dump-flows', { bridge: 'br0', match: 'tcp,tp_dst=y' }), /tp_dst=y/);
    await refused(c.handle('add-flow', { bridge: 'br0' }), /missing argument flow/, 'flow');
    expect(table()).toEqual(before);
    expect(saved.length).toBe(n);
  });

  it('puts the table back when the DB cannot be written', async () => {
    const { c, table, failWrites, saved, log } = await setup();
    await c.handle('add-flows', { bridge: 'br0', flows: 'priority=10,ip,actions=drop\ntable=2,arp,actions=NORMAL' });
    const before = table();
    const n = saved.length;
    failWrites(true);
    await refused(c.handle('add-flow', { bridge: 'br0', flow: 'priority=20,udp,actions=drop' }), /ENOSPC.*undone/, 'db');
    expect(table()).toEqual(before);
    await refused(c.handle('mod-flows', { bridge: 'br0', flow: 'ip,actions=output:4' }), /ENOSPC/);
    expect(table()).toEqual(before);
    await refused(c.handle('del-flows', { bridge: 'br0' }), /ENOSPC/);
    expect(table()).toEqual(before);
    expect(saved.length).toBe(n);
    expect(log.filter((l) => l.includes('undoing'))).toHaveLength(3);
  });

  it('dump-flows: ovs-ofctl lines and JSON rows from one read', async () => {
    const { c } = await setup();
    await c.handle('add-flow', { bridge: 'br0', flow: 'cookie=0xabc,table=3,idle_timeout=30,priority=7,udp,nw_dst=10.0.0.0/8,actions=dec_ttl,output:1' });
    const all = (await c.handle('dump-flows', { bridge: 'br0' })) as DumpFlowsResult;
    expect(all.text).toHaveLength(2);
    expect(all.text[0]).toMatch(/^cookie=0x0, duration=\d+(\.\d+)?s, table=0, n_packets=0, n_bytes=0, idle_age=\d+, priority=0 actions=NORMAL$/);
    const some = (await c.handle('dump-flows', { bridge: 'br0', match: 'table=3' })) as DumpFlowsResult;
    expect(some.flows).toEqual([
      {
        table: 3,
        priority: 7,
        cookie: '0xabc',
        match: 'udp,nw_dst=10.0.0.0/8',
        actions: 'dec_ttl,output:1',
        flow: 'cookie=0xabc, table=3, idle_timeout=30, priority=7,udp,nw_dst=10.0.0.0/8 actions=dec_ttl,output:1',
        idleTimeout: 30,
        hardTimeout: 0,
        nPackets: 0,
        nBytes: 0,
        duration: expect.any(Number),
        idleAge: expect.any(Number),
      },
    ]);
    expect(JSON.parse(JSON.stringify(some))).toEqual(some);
  });

  it('del-br undone keeps the bridge flows; add-br saves the default flow', async () => {
    const { c, table, failWrites, lastFlows } = await setup();
    await c.handle('add-br', { bridge: 'br1' });
    expect(lastFlows(1)).toEqual([NORMAL]);
    await c.handle('add-flow', { bridge: 'br1', flow: 'priority=3,arp,actions=drop' });
    await c.handle('del-flows', { bridge: 'br1', match: 'priority=0', strict: true });
    expect(lastFlows(1)).toEqual(['priority=3,arp actions=drop']);
    failWrites(true);
    await refused(c.handle('del-br', { bridge: 'br1' }), /ENOSPC/);
    expect(table('br1')).toEqual(['priority=3,arp actions=drop']);
  });
});

describe('restore', () => {
  it('installs exactly the saved flows (no default flow), before the ports', async () => {
    const flows = ['table=1, priority=5,tcp actions=drop', 'priority=100,in_port=vnet0 actions=resubmit(,1)'];
    const { table, c, lastFlows, log } = await setup({
      version: 1,
      bridges: [{ name: 'br0', ports: [{ name: 'vnet0', type: 'afpacket', ofport: 1 }], flows }],
    });
    expect(table()).toEqual(['priority=100,in_port=1 actions=resubmit(,1)', 'table=1, priority=5,tcp actions=drop']);
    expect(log.some((l) => /bridge br0: restored .*2 flows/.test(l))).toBe(true);
    await c.handle('add-flow', { bridge: 'br0', flow: 'priority=1,actions=drop' });
    expect(lastFlows()).toHaveLength(3);
  });

  it('an empty flow list means an empty table', async () => {
    const { table } = await setup({ version: 1, bridges: [{ name: 'br0', ports: [], flows: [] }] });
    expect(table()).toEqual([]);
  });

  it('refuses to start on a saved flow the datapath will not take, naming bridges[i].flows[j]', async () => {
    const doc: ConfigDoc = {
      version: 1,
      bridges: [
        { name: 'br0', ports: [] },
        { name: 'br1', ports: [], flows: [NORMAL, 'arp actions=set_field:2->arp_op'] },
      ],
    };
    const err = await setup(doc).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DbError);
    expect((err as DbError).field).toBe('bridges[1].flows[1]');
    expect((err as DbError).message).toMatch(/config DB \/db.json: bridges\[1\]\.flows\[1\]: set_field to arp_op is not supported/);
  });
});
