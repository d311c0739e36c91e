// Ports coming and going under traffic: deleting ports while a flood runs, netdevs
// vanishing under the switch and coming back. Needs root and the built addon.
import { afterEach, expect, it } from 'vitest';
import { parsePing, run, sleep, waitFor } from '../lab/index.js';
import {
  buildTopo,
  portStatsByName,
  switchTests,
  teardown,
  waitForEvent,
  type Topo,
  type TopoHost,
} from './helpers.js';

type Three = Record<'h1' | 'h2' | 'h3', TopoHost>;

switchTests.describe('port lifecycle', () => {
  let topo: Partial<Topo> = {};
  afterEach(async () => {
    await teardown(topo);
    topo = {};
  });

  for (const victim of ['afpacket', 'tap'] as const) {
    it(`keeps forwarding for the other ports when ${victim === 'tap' ? 'a' : 'an'} ${victim} port is deleted under a ping flood`, async () => {
      const t = await buildTopo(
        [
          { host: 'h1', attach: 'afpacket' },
          { host: 'h2', attach: 'afpacket' },
          { host: 'h3', attach: victim },
        ],
        {},
        topo,
      );
      const { h2, h3 } = t.hosts as Three;
      for (const h of [h2, h3]) expect((await t.lab.ping('h1', h.ip, { count: 1 })).received).toBe(1);

      const h3Ofport = t.br.port(h3.port)!.ofport;
      // Two floods from h1, one to the survivor and one to the port about to go.
      const toH2 = t.lab.spawn('h1', ['ping', '-n', '-q', '-f', '-w', '3', h2.ip]);
      const toH3 = t.lab.spawn('h1', ['ping', '-n', '-q', '-f', '-w', '3', h3.ip]);
      await sleep(1000);
      await t.br.deletePort(h3.port);
      const mid = await portStatsByName(t.br);
      expect(Object.keys(mid)).not.toContain(h3.port);
      await sleep(500);
      const later = await portStatsByName(t.br);
      expect(later[h2.port]!.txPackets, 'h2 still gets frames after the delete').toBeGreaterThan(mid[h2.port]!.txPackets);

      const r2 = await toH2.exited;
      const r3 = await toH3.exited;
      const flood2 = parsePing(r2.stdout, r2.code);
      const flood3 = parsePing(r3.stdout, r3.code);
      expect(flood2.received, r2.stdout + r2.stderr).toBeGreaterThan(100);
      expect(flood3.received, 'h3 answered until its port went').toBeGreaterThan(0);

      // After the flood: the survivor answers every ping, the deleted port's host none.
      expect((await t.lab.ping('h1', h2.ip, { count: 5, interval: 0.05 })).received).toBe(5);
      expect((await t.lab.ping('h1', h3.ip, { count: 2, interval: 0.05, timeout: 0.5 })).received).toBe(0);
      expect((await t.br.fdb()).filter((e) => e.port === h3.port || e.ofport === h3Ofport)).toEqual([]);

      if (victim === 'tap') {
        // The switch made the TAP; deleting the port takes the netdev away too.
        await waitFor(async () => (await t.lab.ip('h3', ['link', 'show', h3.ifname], { check: false })).code !== 0, {
          timeoutMs: 3000,
          what: `TAP ${h3.ifname} to disappear`,
        });
      } else {
        // An afpacket port only borrowed the veth: it stays, and can be added again.
        await t.lab.ip('h3', ['link', 'show', h3.ifname]);
        await t.br.addPort(h3.port);
        expect((await t.lab.ping('h1', h3.ip, { count: 3, interval: 0.05 })).received).toBe(3);
      }
    });
  }

  it('marks a port down when its veth is deleted, and up again when it comes back', async () => {
    const t = await buildTopo(
      [
        { host: 'h1', attach: 'afpacket' },
        { host: 'h2', attach: 'tap' },
        { host: 'h3', attach: 'afpacket' },
      ],
      {},
      topo,
    );
    const { h1, h2, h3 } = t.hosts as Three;
    for (const h of [h2, h3]) expect((await t.lab.ping('h1', h.ip, { count: 1 })).received).toBe(1);

    await t.lab.deleteLink(h3.port); // takes h3's eth0 with it
    await waitForEvent(t, 'portDown', h3.port);
    const down = await portStatsByName(t.br);
    expect(down[h3.port]).toMatchObject({ up: false });
    expect(down[h3.port]!.linkDowns).toBeGreaterThanOrEqual(1);
    expect(down[h1.port]).toMatchObject({ up: true });
    expect(down[h2.port]).toMatchObject({ up: true });
    expect(t.br.ports().map((p) => p.name)).toContain(h3.port);

    // The others keep forwarding, flooding included (the dead port is skipped, not fatal).
    expect((await t.lab.ping('h1', h2.ip, { count: 5, interval: 0.05 })).received).toBe(5);
    await t.lab.ip('h1', ['neigh', 'flush', 'dev', h1.ifname]);
    expect((await t.lab.ping('h2', h1.ip, { count: 3, interval: 0.05 })).received).toBe(3);

    // The "VM" comes back: a veth of the same name, same MAC inside.
    await t.lab.addVethHost('h3', `${h3.ip}/24`, { rootName: h3.port, mac: h3.mac });
    await waitForEvent(t, 'portUp', h3.port);
    await waitFor(async () => (await portStatsByName(t.br))[h3.port]?.up, { timeoutMs: 3000, what: `${h3.port} up in portStats` });
    const r = await t.lab.ping('h1', h3.ip, { count: 5, interval: 0.05 });
    expect(r.received, r.output).toBe(5);
    const back = await portStatsByName(t.br);
    expect(back[h3.port]!.rxPackets).toBeGreaterThan(down[h3.port]!.rxPackets);
    expect(back[h3.port]!.txPackets).toBeGreaterThan(down[h3.port]!.txPackets);
    const order = t.events.filter((e) => e.port === h3.port).map((e) => e.type);
    expect(order.slice(0, 2)).toEqual(['portDown', 'portUp']);
    // The untouched ports never blinked.
    expect(t.events.filter((e) => e.port !== h3.port)).toEqual([]);
  });

  it('reports a veth port down while its link is down, and up again after', async () => {
    // DESIGN.md: "Port state (link up/down, gone) is watched". Here the host side of the
    // veth goes down, so the switch's end loses carrier (NO-CARRIER, LOWERLAYERDOWN).
    const t = await buildTopo(
      [
        { host: 'h1', attach: 'afpacket' },
        { host: 'h2', attach: 'afpacket' },
      ],
      {},
      topo,
    );
    const { h1, h2 } = t.hosts as Record<'h1' | 'h2', TopoHost>;
    expect((await t.lab.ping('h1', h2.ip, { count: 1 })).received).toBe(1);
    await t.lab.ip('h2', ['link', 'set', h2.ifname, 'down']);
    await waitForEvent(t, 'portDown', h2.port);
    expect((await portStatsByName(t.br))[h2.port]).toMatchObject({ up: false });
    expect((await portStatsByName(t.br))[h1.port]).toMatchObject({ up: true });
    await t.lab.ip('h2', ['link', 'set', h2.ifname, 'up']);
    await waitForEvent(t, 'portUp', h2.port);
    expect((await portStatsByName(t.br))[h2.port]).toMatchObject({ up: true });
    expect((await t.lab.ping('h1', h2.ip, { count: 3, interval: 0.05 })).received).toBe(3);
  });

  it('delivers the first frames after a veth comes back from admin down', async () => {
    const t = await buildTopo(
      [
        { host: 'h1', attach: 'afpacket' },
        { host: 'h2', attach: 'afpacket' },
      ],
      {},
      topo,
    );
    const { h2 } = t.hosts as Record<'h1' | 'h2', TopoHost>;
    expect((await t.lab.ping('h1', h2.ip, { count: 1 })).received).toBe(1);
    await run(['ip', 'link', 'set', h2.port, 'down']);
    expect((await t.lab.ping('h1', h2.ip, { count: 2, interval: 0.05, timeout: 0.5 })).received).toBe(0);
    await run(['ip', 'link', 'set', h2.port, 'up']);
    await waitFor(async () => (await portStatsByName(t.br))[h2.port]?.up, { timeoutMs: 3000, what: `${h2.port} up` });
    await sleep(500);
    const before = (await portStatsByName(t.br))[h2.port]!;
    const r = await t.lab.ping('h1', h2.ip, { count: 3, interval: 0.05 });
    const after = (await portStatsByName(t.br))[h2.port]!;
    // A packet socket keeps the ENETDOWN of the down transition as a pending error,
    // which the next send returns: the datapath must not lose a frame to it.
    expect.soft(after.txErrors - before.txErrors, 'tx errors on the port after it came back').toBe(0);
    expect.soft(r.received, r.output).toBe(3);
  });

  it('drops output to a TAP whose host set it down, and forwards again when it is up', async () => {
    const t = await buildTopo(
      [
        { host: 'h1', attach: 'afpacket' },
        { host: 'h2', attach: 'tap' },
      ],
      {},
      topo,
    );
    const { h2 } = t.hosts as Record<'h1' | 'h2', TopoHost>;
    expect((await t.lab.ping('h1', h2.ip, { count: 1 })).received).toBe(1);
    await t.lab.ip('h2', ['link', 'set', h2.ifname, 'down']);
    const before = (await portStatsByName(t.br))[h2.port]!;
    expect((await t.lab.ping('h1', h2.ip, { count: 3, interval: 0.05, timeout: 0.5 })).received).toBe(0);
    const during = (await portStatsByName(t.br))[h2.port]!;
    expect(during.txDropped - before.txDropped + (during.txErrors - before.txErrors)).toBeGreaterThanOrEqual(3);
    await t.lab.ip('h2', ['link', 'set', h2.ifname, 'up']);
    expect((await t.lab.ping('h1', h2.ip, { count: 3, interval: 0.05 })).received).toBe(3);
  });

  it('keeps a TAP port up while it is moved into a namespace and renamed', async () => {
    const t = await buildTopo([{ host: 'h1', attach: 'afpacket' }], {}, topo);
    await t.lab.addHost('h2');
    const tap = t.lab.name('h2t');
    await t.br.addPort(tap, { type: 'tap' });
    await t.lab.moveIntoHost(tap, 'h2', '10.77.0.2/24', { ifname: 'eth0' });
    await sleep(300);
    expect((await portStatsByName(t.br))[tap]).toMatchObject({ up: true });
    expect((await t.lab.ping('h1', '10.77.0.2', { count: 3, interval: 0.05 })).received).toBe(3);
    expect(t.events).toEqual([]);
  });

  it('close() releases every port: TAPs vanish, veths stay', async () => {
    const t = await buildTopo(
      [
        { host: 'h1', attach: 'afpacket' },
        { host: 'h2', attach: 'tap' },
      ],
      {},
      topo,
    );
    const { h1, h2 } = t.hosts as Record<'h1' | 'h2', TopoHost>;
    await t.sw.close();
    await waitFor(async () => (await t.lab.ip('h2', ['link', 'show', h2.ifname], { check: false })).code !== 0, {
      timeoutMs: 3000,
      what: 'the TAP to disappear on close',
    });
    await t.lab.ip('h1', ['link', 'show', h1.ifname]);
    await t.sw.close(); // twice is fine
  });
});
