// The daemon's verb logic against a fake switch: DB-after-switch ordering, undo when
// the DB cannot be written, missing ports, serialization, and every refusal.
import { describe, expect, it } from 'vitest';
import type { ConfigDoc } from '../../src/daemon/config-db.js';
import { DbError } from '../../src/daemon/config-db.js';
import { hasNetAdmin } from '../../src/daemon/capabilities.js';
import type { PortInfo } from '../../src/types.js';
import { controllerOnFakeSwitch, refused } from './controller-fixture.js';

describe('Controller', () => {
  it('applies changes to the switch and writes the DB after each', async () => {
    const { sw, c, saved } = await controllerOnFakeSwitch();
    await c.handle('add-br', { bridge: 'br1' });
    expect(await c.handle('add-port', { bridge: 'br1', port: 'tap9', type: 'tap' })).toEqual({ name: 'tap9', type: 'tap', ofport: 1 });
    await c.handle('add-port', { bridge: 'br1', port: 'vnet0', ofport: 7 });
    await c.handle('set-bridge', { bridge: 'br1', macAging: 30 });
    expect(saved.at(-1)!.bridges[1]).toEqual({
      name: 'br1',
      macAging: 30,
      macTableSize: 8192,
      local: {},
      ports: [
        { name: 'tap9', type: 'tap', ofport: 1 },
        { name: 'vnet0', type: 'afpacket', ofport: 7 },
      ],
      flows: ['priority=0 actions=NORMAL'],
    });
    expect([...sw.map.get('br1')!.portMap.keys()]).toEqual(['br1', 'tap9', 'vnet0']);  // br1: its LOCAL port
    expect(await c.handle('list-br', {})).toEqual(['br0', 'br1']);
    expect(await c.handle('list-ports', { bridge: 'br1' })).toEqual(['tap9', 'vnet0']);
    await c.handle('del-port', { bridge: 'br1', port: 'tap9' });
    await c.handle('del-br', { bridge: 'br1' });
    expect(saved.at(-1)).toEqual({ version: 1, bridges: [{ name: 'br0', macAging: 300, macTableSize: 8192, ports: [], flows: ['priority=0 actions=NORMAL'] }] });
    expect(sw.map.has('br1')).toBe(false);
  });

  it('refuses bad input without changing the switch or the DB', async () => {
    const { sw, c, saved } = await controllerOnFakeSwitch();
    await c.handle('add-port', { bridge: 'br0', port: 'vnet0' });
    const n = saved.length;
    await refused(c.handle('add-br', { bridge: 'br0' }), /bridge br0 already exists/, 'bridge');
    await refused(c.handle('add-br', { bridge: 'a b' }), /not a valid interface name/, 'bridge');
    await refused(c.handle('del-br', { bridge: 'nope' }), /no bridge named nope/, 'bridge');
    await refused(c.handle('add-port', { bridge: 'nope', port: 'vnet1' }), /no bridge named nope/, 'bridge');
    await refused(c.handle('add-port', { bridge: 'br0', port: 'vnet0' }), /port vnet0 is already on bridge br0/, 'port');
    await refused(c.handle('add-port', { bridge: 'br0', port: 'vnet1', ofport: 1 }), /ofport 1 is already taken by port vnet0 on bridge br0/, 'ofport');
    await refused(c.handle('add-port', { bridge: 'br0', port: 'vnet1', ofport: 70000 }), /from 1 to 65279/, 'ofport');
    await refused(c.handle('add-port', { bridge: 'br0', port: 'vnet1', type: 'mem' }), /not one of afpacket, tap/, 'type');
    await refused(c.handle('add-port', { bridge: 'br0', port: 'ghost0' }), /cannot add afpacket port ghost0 to bridge br0: no network device named ghost0/, 'port');
    await refused(c.handle('add-port', { bridge: 'br0', port: 'vnet1', tag: 5000 }), /1 to 4094/, 'tag');
    await refused(c.handle('add-port', { bridge: 'br0', port: 'vnet1', tag: 0 }), /1 to 4094/, 'tag');
    await refused(c.handle('add-port', { bridge: 'br0', port: 'vnet1', trunks: [10, 20, 10] }), /lists VLAN 10 twice/, 'trunks');
    await refused(c.handle('add-port', { bridge: 'br0', port: 'vnet1', trunks: [10, 4096] }), /0 to 4095/, 'trunks');
    await refused(c.handle('add-port', { bridge: 'br0', port: 'vnet1', tag: 10, vlanMode: 'access', trunks: [20] }), /access port/, 'trunks');
    await refused(c.handle('add-port', { bridge: 'br0', port: 'vnet1', vlanMode: 'native-untagged' }), /needs a tag/, 'tag');
    await refused(c.handle('add-port', { bridge: 'br0', port: 'vnet1', vlanMode: 'dot1q-tunnel' }), /must be one of/, 'vlan_mode');
    await refused(c.handle('set-port', { port: 'vnet0', settings: { tag: 4095 } }), /1 to 4094/, 'tag');
    await refused(c.handle('set-port', { port: 'vnet0', settings: { trunks: [5, 5] } }), /twice/, 'trunks');
    await refused(c.handle('set-port', { port: 'vnet0', settings: { vlan_mode: 'access' } }), /needs a tag/, 'tag');
    await refused(c.handle('set-port', { port: 'vnet9', settings: { tag: 10 } }), /no bridge has a port named vnet9/, 'port');
    await refused(c.handle('set-port', { port: 'vnet0', settings: {} }), /at least one KEY=VALUE setting/, 'settings');
    await refused(c.handle('del-port', { bridge: 'br0', port: 'vnet9' }), /bridge br0 has no port vnet9/, 'port');
    await refused(c.handle('set-bridge', { bridge: 'br0' }), /at least one of/, 'settings');
    await refused(c.handle('set-bridge', { bridge: 'br0', macAging: 'x' }), /^mac-aging must be an integer from 1 to 1000000, got "x"$/, 'mac-aging');
    await refused(c.handle('set-bridge', { bridge: 'br0', macAging: 2_000_000 }), /1 to 1000000/, 'mac-aging');
    await refused(c.handle('dump-ports', { bridge: 'br0', port: 'vnet9' }), /has no port vnet9/, 'port');
    await refused(c.handle('fdb-show', {}), /missing argument bridge/, 'bridge');
    expect(saved.length).toBe(n);
    expect([...sw.map.get('br0')!.portMap.keys()]).toEqual(['vnet0']);
    expect(sw.map.get('br0')!.options.macAging).toBe(300);
  });

  it('add-port and set-port take VLAN settings, merge set-port into what is there, and save them', async () => {
    const { sw, c, saved, log } = await controllerOnFakeSwitch();
    await c.handle('add-port', { bridge: 'br0', port: 'vnet0', tag: 10 });
    await c.handle('add-port', { bridge: 'br0', port: 'vnet1', trunks: [20, 10] });
    const ports = sw.map.get('br0')!.portMap;
    expect(ports.get('vnet0')!.vlan).toEqual({ mode: 'access', tag: 10, trunks: [] });
    expect(ports.get('vnet1')!.vlan).toEqual({ mode: 'trunk', trunks: [10, 20] });
    expect(saved.at(-1)!.bridges[0]!.ports).toEqual([
      { name: 'vnet0', type: 'afpacket', ofport: 1, tag: 10 },
      { name: 'vnet1', type: 'afpacket', ofport: 2, trunks: [10, 20] },
    ]);
    // A trunk with a native VLAN: the trunks stay, mode and tag are added.
    await c.handle('set-port', { port: 'vnet1', settings: { vlan_mode: 'native-untagged', tag: 30 } });
    expect(ports.get('vnet1')!.vlan).toEqual({ mode: 'native-untagged', tag: 30, trunks: [10, 20] });
    expect(log.at(-1)).toMatch(/port vnet1: vlan_mode=native-untagged tag=30/);
    // Clearing: [] from the CLI arrives as null.
    await c.handle('set-port', { port: 'vnet1', settings: { vlan_mode: null, tag: null, trunks: null } });
    expect(ports.get('vnet1')!.vlan).toEqual({ mode: 'trunk', trunks: [] });
    expect(saved.at(-1)!.bridges[0]!.ports[1]).toEqual({ name: 'vnet1', type: 'afpacket', ofport: 2 });
    await c.handle('set-port', { port: 'vnet0', settings: { tag: 20 } });
    expect(saved.at(-1)!.bridges[0]!.ports[0]).toEqual({ name: 'vnet0', type: 'afpacket', ofport: 1, tag: 20 });
    const show = (await c.handle('show', {})) as { bridges: { ports: object[] }[] };
    expect(show.bridges[0]!.ports[0]).toMatchObject({ name: 'vnet0', tag: 20 });
  });

  it('undoes the switch change when the DB cannot be written', async () => {
    const { sw, c, saved, failWrites, log } = await controllerOnFakeSwitch();
    await c.handle('add-port', { bridge: 'br0', port: 'vnet0' });
    const n = saved.length;
    failWrites(true);
    await refused(c.handle('add-br', { bridge: 'br1' }), /cannot write the config DB \/db.json: ENOSPC.*undone/, 'db');
    expect(sw.map.has('br1')).toBe(false);
    await refused(c.handle('add-port', { bridge: 'br0', port: 'vnet1' }), /ENOSPC/, 'db');
    expect(sw.map.get('br0')!.portMap.has('vnet1')).toBe(false);
    await refused(c.handle('del-port', { bridge: 'br0', port: 'vnet0' }), /ENOSPC/, 'db');
    expect(sw.map.get('br0')!.portMap.get('vnet0')).toEqual({ name: 'vnet0', type: 'afpacket', ofport: 1, vlan: { mode: 'trunk', trunks: [] } });
    await refused(c.handle('set-port', { port: 'vnet0', settings: { tag: 10 } }), /ENOSPC/, 'db');
    expect(sw.map.get('br0')!.portMap.get('vnet0')!.vlan).toEqual({ mode: 'trunk', trunks: [] });
    await refused(c.handle('set-bridge', { bridge: 'br0', macAging: 5 }), /ENOSPC/, 'db');
    expect(sw.map.get('br0')!.options.macAging).toBe(300);
    await refused(c.handle('del-br', { bridge: 'br0' }), /ENOSPC/, 'db');
    expect(sw.map.get('br0')!.portMap.has('vnet0')).toBe(true);
    expect(saved.length).toBe(n);
    expect(log.filter((l) => l.includes('undoing'))).toHaveLength(6);
    // And the in-memory config did not move either.
    failWrites(false);
    expect(await c.handle('list-ports', { bridge: 'br0' })).toEqual(['vnet0']);
  });

  it('serializes verbs: concurrent adds cannot take the same ofport', async () => {
    const { sw, c } = await controllerOnFakeSwitch();
    sw.map.get('br0')!.delayMs = 20;
    const results = await Promise.all(['vnet0', 'vnet1', 'vnet2'].map((port) => c.handle('add-port', { bridge: 'br0', port })));
    expect(results.map((r) => (r as PortInfo).ofport)).toEqual([1, 2, 3]);
    // A failing verb does not stall the ones queued behind it.
    const [bad, good] = await Promise.allSettled([
      c.handle('add-port', { bridge: 'br0', port: 'vnet0' }),
      c.handle('add-port', { bridge: 'br0', port: 'vnet3' }),
    ]);
    expect(bad.status).toBe('rejected');
    expect(good.status).toBe('fulfilled');
  });

  it('restore keeps missing ports in the config, reports them, and reserves their ofport', async () => {
    const doc: ConfigDoc = {
      version: 1,
      bridges: [
        {
          name: 'br0',
          macAging: 60,
          ports: [
            { name: 'vnet0', type: 'afpacket', ofport: 1 },
            { name: 'gone0', type: 'afpacket', ofport: 2 },
            { name: 'vlan0', type: 'tap', ofport: 3, tag: 10 },
          ],
        },
      ],
    };
    const { sw, c, log, saved } = await controllerOnFakeSwitch(doc);
    expect([...sw.map.get('br0')!.portMap.keys()]).toEqual(['vnet0', 'vlan0']);
    expect(sw.map.get('br0')!.portMap.get('vlan0')!.vlan).toEqual({ mode: 'access', tag: 10, trunks: [] });
    expect(log.some((l) => /warning: bridge br0: port gone0 .* not attached: no network device named gone0/.test(l))).toBe(true);
    const show = (await c.handle('show', {})) as { bridges: { ports: { name: string; state: string; reason?: string }[] }[] };
    expect(show.bridges[0]!.ports.map((p) => [p.name, p.state])).toEqual([
      ['vnet0', 'up'],
      ['gone0', 'missing'],
      ['vlan0', 'up'],
    ]);
    expect(show.bridges[0]).toMatchObject({ macAging: 60, macTableSize: 8192 });
    await refused(c.handle('add-port', { bridge: 'br0', port: 'vnet1', ofport: 2 }), /taken by port gone0/, 'ofport');
    await refused(c.handle('add-port', { bridge: 'br0', port: 'gone0', type: 'tap' }), /already on bridge br0/, 'port');
    await refused(c.handle('dump-ports', { bridge: 'br0', port: 'gone0' }), /not attached/, 'port');
    expect(await c.handle('add-port', { bridge: 'br0', port: 'vnet1' })).toMatchObject({ ofport: 4 });
    // A change elsewhere keeps the missing ports in the written DB.
    expect(saved.at(-1)!.bridges[0]!.ports.map((p) => p.name)).toEqual(['vnet0', 'gone0', 'vlan0', 'vnet1']);
    await c.handle('del-port', { bridge: 'br0', port: 'gone0' });
    expect(saved.at(-1)!.bridges[0]!.ports.map((p) => p.name)).toEqual(['vnet0', 'vlan0', 'vnet1']);
  });

  it('restore refuses a bridge setting the datapath refuses, naming the DB field', async () => {
    const doc: ConfigDoc = { version: 1, bridges: [{ name: 'br0', macAging: 5_000_000, ports: [] }] };
    const err = await controllerOnFakeSwitch(doc).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DbError);
    expect((err as DbError).message).toMatch(/config DB \/db.json: bridges\[0\].macAging: mac-aging must be/);
  });
});

describe('hasNetAdmin', () => {
  it('reads bit 12 of CapEff', () => {
    expect(hasNetAdmin('Name:\tnode\nCapEff:\t000001ffffffffff\n')).toBe(true);
    expect(hasNetAdmin('CapEff:\t0000000000001000\n')).toBe(true);
    expect(hasNetAdmin('CapEff:\t0000000000000fff\n')).toBe(false);
    expect(hasNetAdmin('CapEff:\t0000000000000000\n')).toBe(false);
    expect(hasNetAdmin('no such line')).toBe(false);
  });
});
