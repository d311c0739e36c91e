// add-bond, bond-show and del-port of a bond through the nodeswitch command against a
// real daemon: the bad input the issue names (a bond with one member, a member
// already on a bridge, an unknown mode) refused with exit 1, the argument named and
// the DB untouched; the bond persisted, shown, restored by a restart, and removed.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { NativeBond } from '../../src/native.js';
import type { ShowResult } from '../../src/daemon/protocol.js';
import { waitFor } from '../lab/index.js';
import { useDaemon } from './daemon-fixture.js';
import { cliTests } from './helpers.js';

cliTests.describe('add-bond / bond-show / del-port BOND', () => {
  let br: string;
  let other: string;
  const m: string[] = [];
  const d = useDaemon('ns-bond', async ({ lab, ok }) => {
    br = lab.name('b');
    other = lab.name('o');
    await lab.addHost('p');
    for (const i of [1, 2, 3]) m.push(await lab.addVethHost('p', null, { ifname: `e${i}`, rootName: lab.name(`m${i}`) }));
    await ok('add-br', br);
    await ok('add-br', other);
    await ok('add-port', other, m[2]!);
  });

  const refused = (args: string[], message: RegExp) => d.refused(args, message);

  it('refuses a bond with one member, a member on a bridge, unknown modes and balance-tcp without LACP, applying nothing', async () => {
    await refused(['add-bond', br, 'bond0', m[0]!], /bond bond0 needs at least two member ports, got 1/);
    await refused(['add-bond', br, 'bond0', m[0]!, m[2]!], new RegExp(`port ${m[2]} is already on bridge ${other}`));
    await refused(['add-bond', br, 'bond0', m[0]!, m[0]!], new RegExp(`names member ${m[0]} twice`));
    await refused(['add-bond', br, 'bond0', m[0]!, m[1]!, '--bond-mode', 'balance-xor'], /bond-mode must be one of active-backup, balance-slb, balance-tcp, got "balance-xor"/);
    await refused(['add-bond', br, 'bond0', m[0]!, m[1]!, '--lacp', 'on'], /lacp must be one of active, passive, off, got "on"/);
    await refused(['add-bond', br, 'bond0', m[0]!, m[1]!, '--bond-mode', 'balance-tcp'], /balance-tcp needs LACP/);
    await refused(['add-bond', br, 'bond0', m[0]!, m[1]!, '--tag', '4095'], /tag must be an integer from 1 to 4094, got "4095"/);
    await refused(['add-bond', br, 'bond0', m[0]!, m[1]!, '--trunks', '10,10'], /trunks lists VLAN 10 twice/);
    await refused(['add-bond', br, m[2]!, m[0]!, m[1]!], new RegExp(`port ${m[2]} is already on bridge ${other}`));
    expect(JSON.parse(await d.ok('bond-show', br, '--json'))).toEqual([]);
    // Nothing was taken: the would-be members are free for add-port.
    await d.ok('add-port', br, m[0]!);
    await d.ok('del-port', br, m[0]!);
  });

  it('takes --tag and --trunks as a port does: saved with the bond, in the datapath, restored', async () => {
    await d.ok('add-bond', br, 'bond0', m[0]!, m[1]!, '--tag', '10');
    const saved = (): unknown[] => (JSON.parse(readFileSync(d.paths.db, 'utf8')) as { bridges: { name: string; ports: unknown[] }[] }).bridges.find((b) => b.name === br)!.ports;
    expect(saved()).toContainEqual(expect.objectContaining({ name: 'bond0', type: 'bond', tag: 10 }));
    const tagOf = async (): Promise<unknown> =>
      (JSON.parse(await d.ok('show', '--json')) as ShowResult).bridges.find((b) => b.name === br)!.ports.find((p) => p.name === 'bond0');
    expect(await tagOf()).toMatchObject({ tag: 10 });
    await d.restart();
    expect(await tagOf()).toMatchObject({ tag: 10 });
    await d.ok('set-port', 'bond0', 'tag=[]', 'trunks=20,30');
    expect(saved()).toContainEqual(expect.objectContaining({ name: 'bond0', trunks: [20, 30] }));
    await d.ok('del-port', br, 'bond0');
  });

  it('adds a bond that is persisted, shown, restored after a restart, and removed by del-port', async () => {
    await d.ok('add-bond', br, 'bond0', m[0]!, m[1]!, '--bond-mode', 'balance-slb', '--lacp', 'active', '--lacp-time', 'fast', '--ofport', '7');
    const check = async (): Promise<void> => {
      // As in OVS, an active LACP member starts "expired" and falls back to "defaulted"
      // when no partner has spoken for 3 s (fast).
      const bond = await waitFor(
        async () => {
          const [b] = JSON.parse(await d.ok('bond-show', br, '--json')) as NativeBond[];
          return b?.members.every((x) => x.lacp?.status === 'defaulted') ? b : undefined;
        },
        { timeoutMs: 8000, what: 'both members defaulted' },
      );
      expect(bond).toMatchObject({ name: 'bond0', ofport: 7, mode: 'balance-slb', lacp: 'active', lacpTime: 'fast', negotiated: false });
      expect(bond.members.map((x) => x.name)).toEqual([m[0], m[1]]);
      // No partner speaks LACP on these veths: the members carry nothing, but send LACPDUs.
      for (const x of bond.members) expect(x).toMatchObject({ carrier: true, enabled: false, lacp: { status: 'defaulted', attached: false } });
      const show = JSON.parse(await d.ok('show', '--json')) as ShowResult;
      const port = show.bridges.find((b) => b.name === br)!.ports.find((p) => p.name === 'bond0');
      expect(port).toMatchObject({ type: 'bond', ofport: 7, members: [m[0], m[1]] });
      const saved = (JSON.parse(readFileSync(d.paths.db, 'utf8')) as { bridges: { name: string; ports: unknown[] }[] }).bridges.find((b) => b.name === br)!;
      expect(saved.ports).toContainEqual({ name: 'bond0', type: 'bond', ofport: 7, bond: { members: [m[0], m[1]], mode: 'balance-slb', lacp: 'active', lacpTime: 'fast' } });
    };
    await check();
    const text = await d.ok('bond-show', br);
    expect(text).toMatch(/^---- bond0 ----\nbond_mode: balance-slb\n/);
    expect(text).toMatch(new RegExp(`member ${m[0]}: disabled\\n  carrier: up`));
    expect(text).toMatch(/actor state: activity timeout aggregation collecting distributing defaulted/);
    await refused(['add-port', br, m[0]!], new RegExp(`port ${m[0]} is already on bridge ${br}`));
    await refused(['add-bond', other, 'bond1', m[1]!, m[0]!], new RegExp(`port ${m[1]} is already on bridge ${br}`));
    expect(await d.ok('list-ports', br)).toContain('bond0');
    const [row] = JSON.parse(await d.ok('dump-ports', br, 'bond0', '--json')) as { name: string; type: string; ofport: number; state: string }[];
    expect(row).toMatchObject({ name: 'bond0', type: 'bond', ofport: 7, state: 'down' }); // no member enabled

    await d.restart();
    await check();
    const [restored] = JSON.parse(await d.ok('bond-show', br, '--json')) as NativeBond[];
    expect(restored!.members.every((x) => x.lacp!.txPdus > 0), 'LACPDUs sent after the restart').toBe(true);

    await d.ok('del-port', br, 'bond0');
    expect(JSON.parse(await d.ok('bond-show', br, '--json'))).toEqual([]);
    await d.ok('add-port', br, m[0]!);
    await d.ok('del-port', br, m[0]!);
  });
});
