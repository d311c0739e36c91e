// The shared Open vSwitch peer (test/lab/ovs-netdev.ts): it runs inside its own
// namespace, forwards between two hosts there, and leaves no process or file behind.
import { existsSync } from 'node:fs';
import { afterEach, expect } from 'vitest';
import { Lab } from '../lab/index.js';
import { OvsNetdev } from '../lab/ovs-netdev.js';
import { needs, OVS, ROOT } from '../needs.js';

const ovsTests = needs(ROOT, OVS);

ovsTests.describe('OvsNetdev (test/lab/ovs-netdev.ts)', () => {
  let lab: Lab | undefined;
  let ovs: OvsNetdev | undefined;
  afterEach(async () => {
    await ovs?.stop();
    await lab?.cleanup();
    ovs = lab = undefined;
  });

  ovsTests.it('bridges two hosts inside its namespace and stops by PID, removing its files', async () => {
    lab = new Lab();
    const ns = await lab.addHost('ovs');
    for (const [i, h] of ['h1', 'h2'].entries()) {
      await lab.addHost(h);
      const root = await lab.addVethHost(h, `10.79.0.${i + 1}/24`);
      await lab.moveIntoHost(root, 'ovs', null);
    }
    ovs = await OvsNetdev.start(ns);
    await ovs.addBridge('br0', [lab.name('h1'), lab.name('h2')]);
    const r = await lab.ping('h1', '10.79.0.2', { count: 3, interval: 0.2, deadline: 10 });
    expect(r.received, r.output).toBeGreaterThanOrEqual(2);
    const show = await ovs.vsctl(['show']);
    expect(show.stdout).toContain(lab.name('h1'));
    const dir = ovs.dir;
    await ovs.stop();
    ovs = undefined;
    expect(existsSync(dir)).toBe(false);
  }, 60_000);
});
