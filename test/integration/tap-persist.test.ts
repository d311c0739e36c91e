// Switch-owned TAPs survive the daemon (issue 7, defect 15): a TAP handed to a
// namespace keeps working across a daemon restart (SIGTERM, and SIGKILL) with the
// same MAC, the namespace keeping its NIC and address; a TAP left in the root
// namespace is attached again, not made anew; one deleted meanwhile is made again
// with its MAC; del-port and del-br remove the device, wherever it is.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { run, waitFor } from '../lab/index.js';
import { startDaemon, stopDaemon } from './daemon-process.js';
import { useDaemon } from './daemon-fixture.js';
import { cliTests } from './helpers.js';


cliTests.describe('persistent TAPs across daemon restarts', () => {
  let br: string;
  let nsTap: string; // handed to h2
  let rootTap: string; // left in the root namespace
  let nsTapMac: string;
  const d = useDaemon('ns-tap', async ({ lab, ok }) => {
    br = lab.name('b');
    nsTap = lab.name('tn');
    rootTap = lab.name('tr');
    await lab.addHost('h1');
    await lab.addHost('h2');
    const veth = await lab.addVethHost('h1', '10.86.0.1/24');
    await ok('add-br', br);
    await ok('add-port', br, veth);
    await ok('add-port', br, nsTap, '--type', 'tap');
    await ok('add-port', br, rootTap, '--type', 'tap');
    await lab.moveIntoHost(nsTap, 'h2', '10.86.0.2/24');
    nsTapMac = await d.lab.mac('h2', nsTap);
  });

  const ok = (...args: string[]): Promise<string> => d.ok(...args);
  const rootLink = async (name: string): Promise<{ exists: boolean; ifindex?: number; mac?: string }> => {
    const r = await run(['ip', '-j', 'link', 'show', name], { check: false });
    if (r.code !== 0) return { exists: false };
    const [link] = JSON.parse(r.stdout) as { ifindex: number; address: string }[];
    return { exists: true, ifindex: link!.ifindex, mac: link!.address };
  };
  const inH2 = async (name: string): Promise<boolean> => (await d.lab.exec('h2', ['ip', 'link', 'show', name], { check: false })).code === 0;
  const dbPorts = (): { name: string; type: string; mac?: string }[] =>
    (JSON.parse(readFileSync(d.paths.db, 'utf8')) as { bridges: { name: string; ports: { name: string; type: string; mac?: string }[] }[] }).bridges.find(
      (b) => b.name === br,
    )!.ports;
  const pingH2 = async (): Promise<number> => (await d.lab.ping('h1', '10.86.0.2', { count: 3, timeout: 2 })).received;

  it('keeps every TAP\'s MAC in the DB', async () => {
    const ports = dbPorts();
    expect(ports.find((p) => p.name === nsTap)!.mac).toBe(nsTapMac);
    expect(ports.find((p) => p.name === rootTap)!.mac).toBe((await rootLink(rootTap)).mac);
    expect(await pingH2()).toBe(3);
  });

  for (const how of ['SIGTERM', 'SIGKILL'] as const) {
    it(`a TAP moved into a namespace survives a daemon ${how} and restart: same MAC, address, traffic`, async () => {
      const before = await rootLink(rootTap);
      if (how === 'SIGTERM') {
        expect((await stopDaemon(d.daemon!)).code).toBe(0);
      } else {
        d.daemon!.child.kill('SIGKILL');
        await d.daemon!.exited;
      }
      d.daemon = undefined;
      // While no daemon runs: the devices stay where they were.
      expect(await inH2(nsTap)).toBe(true);
      expect((await rootLink(rootTap)).exists).toBe(true);
      d.daemon = await startDaemon(d.paths.sock, d.paths.db);
      expect(d.daemon.stderr()).toMatch(new RegExp(`port ${nsTap} \\(tap, ofport 2\\) attached.*: its TAP device attached in another network namespace`));
      expect(d.daemon.stderr()).toMatch(new RegExp(`port ${rootTap} \\(tap, ofport 3\\) attached.*: its TAP device attached\\n`));
      expect(await d.lab.mac('h2', nsTap)).toBe(nsTapMac);
      expect((await d.lab.ip('h2', ['-4', 'addr', 'show', nsTap])).stdout).toContain('10.86.0.2/24');
      // The root one is the same device (not made anew): same ifindex and MAC.
      expect(await rootLink(rootTap)).toEqual(before);
      await waitFor(async () => (await pingH2()) === 3, { timeoutMs: 10_000, what: 'ping across the reattached TAP' });
    });
  }

  it('a TAP deleted while the daemon was down is made again, with its MAC', async () => {
    const { mac } = await rootLink(rootTap);
    expect((await stopDaemon(d.daemon!)).code).toBe(0);
    d.daemon = undefined;
    await run(['ip', 'link', 'del', rootTap]);
    d.daemon = await startDaemon(d.paths.sock, d.paths.db);
    expect(d.daemon.stderr()).toMatch(new RegExp(`port ${rootTap} .*: its TAP device made again`));
    expect((await rootLink(rootTap)).mac).toBe(mac);
  });

  it('del-port removes the TAP even inside a namespace; del-br removes its TAPs', async () => {
    await ok('del-port', br, nsTap);
    await waitFor(async () => !(await inH2(nsTap)), { timeoutMs: 5000, what: `${nsTap} gone from h2` });
    await ok('del-br', br);
    await waitFor(async () => !(await rootLink(rootTap)).exists, { timeoutMs: 5000, what: `${rootTap} gone` });
    expect(await ok('list-br')).toBe('br0\n');
  });
});
