// The datapath thread's poll modes (Bridge.setDatapathPoll) on a real thread, with
// pings between two namespaces over veths: every mode forwards, and the thread's
// own counters show how it waited — busy never sleeps, interrupt never polls while
// idle, adaptive polls after traffic and sleeps when idle. No timings are asserted:
// only what each mode can and cannot do. Needs root and the built addon.
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../lab/index.js';
import type { BridgeStats } from '../../src/types.js';
import { buildTopo, switchTests, teardown, type Topo } from './helpers.js';


const PINGS = 10;

switchTests.describe('datapath poll modes', () => {
  let topo: Partial<Topo> = {};
  afterEach(async () => {
    await teardown(topo);
    topo = {};
  });

  async function twoHosts(): Promise<Topo> {
    return buildTopo(
      [
        { host: 'h1', attach: 'afpacket' },
        { host: 'h2', attach: 'afpacket' },
      ],
      {},
      topo,
    );
  }

  async function pingAcross(t: Topo): Promise<void> {
    const r = await t.lab.ping('h1', t.hosts.h2!.ip, { count: PINGS, interval: 0.02 });
    expect(r.received, r.output).toBe(PINGS);
  }

  const delta = (a: BridgeStats, b: BridgeStats) => ({ spins: b.poll.spins - a.poll.spins, sleeps: b.poll.sleeps - a.poll.sleeps });

  it('adaptive (the default) polls after traffic and sleeps when idle', async () => {
    const t = await twoHosts();
    expect(t.br.datapathPoll).toBe('adaptive');
    const s0 = await t.br.stats();
    await pingAcross(t);
    const s1 = await t.br.stats();
    expect(delta(s0, s1).spins).toBeGreaterThan(0); // it polled on after forwarding
    await waitFor(async () => delta(s1, await t.br.stats()).sleeps > 0, { what: 'the idle thread to sleep' });
  });

  it('busy never sleeps, and forwards all the same', async () => {
    const t = await twoHosts();
    await t.br.setDatapathPoll('busy');
    try {
      const s0 = await t.br.stats();
      await pingAcross(t);
      const s1 = await t.br.stats();
      expect(delta(s0, s1).sleeps).toBe(0);
      expect(delta(s0, s1).spins).toBeGreaterThan(0);
    } finally {
      await t.br.setDatapathPoll('adaptive'); // not a core burnt for the rest of the file
    }
  });

  it('interrupt never polls while idle, and forwards all the same', async () => {
    const t = await twoHosts();
    await t.br.setDatapathPoll('interrupt');
    expect(t.br.datapathPoll).toBe('interrupt');
    const s0 = await t.br.stats();
    await pingAcross(t);
    const s1 = await t.br.stats();
    expect(delta(s0, s1).spins).toBe(0);
    expect(delta(s0, s1).sleeps).toBeGreaterThan(0);
  });

  it('refuses an unknown mode, naming the setting, and keeps the one it had', async () => {
    const t = await twoHosts();
    await t.br.setDatapathPoll('interrupt');
    await expect(t.br.setDatapathPoll('fast' as never)).rejects.toMatchObject({
      argument: 'datapath-poll',
      message: 'datapath-poll must be one of adaptive, busy, interrupt, got "fast"',
    });
    expect(t.br.datapathPoll).toBe('interrupt');
    const s0 = await t.br.stats();
    await pingAcross(t);
    expect(delta(s0, await t.br.stats()).spins).toBe(0); // still interrupt in the datapath too
  });
});
