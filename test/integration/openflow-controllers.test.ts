// Real OpenFlow controllers running a real bridge: two namespace hosts on veths, no
// flows but what the controller installs (fail-mode secure), a controller process on
// loopback started and killed by PID.
//   - ovs-testcontroller (Open vSwitch's learning switch): the hosts ping through the
//     FLOW_MODs and PACKET_OUTs it sends; killed, secure keeps the tables as they are
//     and nothing new is learnt; standalone fails open after 3 probe intervals (the
//     hosts ping with no flow of the controller's, and dump-flows does not show the
//     fail-open flow); started again, the bridge reconnects (backoff) and fail-open ends.
//   - os-ken (the OpenStack fork of Ryu) running fixtures/learning_switch_13.py:
//     the hosts ping, dump-flows through our CLI shows the flows it installed, the
//     app reads flow and port stats that move; a daemon restart reconnects to it.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, expect, it } from 'vitest';
import { sleep, waitFor } from '../lab/index.js';
import { ADDON, COMPILED, needs, ROOT, tool } from '../needs.js';
import { useDaemon } from './daemon-fixture.js';

const controllerTests = needs(ROOT, ADDON, COMPILED, tool('ovs-testcontroller', 'openvswitch-testcontroller'), tool('osken-manager', 'python3-os-ken'));
/** The learning switch written for these tests (Debian's os-ken ships no example apps). */
const OSKEN_APP = fileURLToPath(new URL('./fixtures/learning_switch_13.py', import.meta.url));
const PORT = 21000 + ((process.pid * 13) % 8000);

/** A controller in the root namespace (the daemon's loopback), by PID. */
class ControllerProcess {
  readonly child: ChildProcess;
  private out = '';
  readonly exited: Promise<void>;
  constructor(cmd: string, args: string[]) {
    this.child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    running.add(this);
  }
  log(): string {
    return this.out;
  }
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await Promise.race([this.exited, sleep(3000)]);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
    running.delete(this);
  }
}
const running = new Set<ControllerProcess>();

controllerTests.describe('real OpenFlow controllers', () => {
  let br: string;
  let p1: string;
  let p2: string;
  const d = useDaemon('ns-ofctl', async ({ lab, ok }) => {
    br = lab.name('c');
    await lab.addHost('h1');
    await lab.addHost('h2');
    p1 = await lab.addVethHost('h1', '10.79.0.1/24');
    p2 = await lab.addVethHost('h2', '10.79.0.2/24');
    await ok('add-br', br, '--no-local');
    await ok('add-port', br, p1);
    await ok('add-port', br, p2);
  });
  afterEach(async () => {
    for (const c of [...running]) await c.kill();
  });
  afterAll(async () => {
    for (const c of [...running]) await c.kill();
  });

  const show = async (): Promise<string> => d.ok('show');
  const connected = (): Promise<unknown> =>
    waitFor(async () => /Controller "tcp:[^"]+"\n {8}state: connected\n/.test(await show()), { timeoutMs: 20_000, what: 'the controller connected' });
  const ping = async (count = 3): Promise<number> => (await d.lab.ping('h1', '10.79.0.2', { count, interval: 0.2, timeout: 1 })).received;
  const flows = async (): Promise<string> => d.ok('dump-flows', br);

  it('ovs-testcontroller: the hosts ping through what it installs; secure keeps the tables, standalone fails open', async () => {
    await d.ok('del-flows', br);
    await d.ok('set-fail-mode', br, 'secure');
    expect(await ping(1)).toBe(0); // nothing in the tables
    const testController = (): ControllerProcess =>
      new ControllerProcess('ovs-testcontroller', [`ptcp:${PORT}:127.0.0.1`, '-O', 'OpenFlow13', `--unixctl=${join(d.dir, 'tc.ctl')}`]);
    let ctl = testController();
    await d.ok('set-controller', br, `tcp:127.0.0.1:${PORT}`, '--inactivity-probe', '1000');
    await connected();
    await waitFor(async () => (await ping(2)) === 2, { timeoutMs: 20_000, what: `h1 → h2 through ovs-testcontroller (${ctl.log()})` });
    const installed = await flows();
    expect(installed, installed).toMatch(/actions=output:/); // its learnt flows, through our CLI
    expect(await show()).toMatch(/packet-ins: [1-9]\d* sent/);

    // Killed: secure leaves the tables as they are; without its flows nothing passes.
    await ctl.kill();
    await waitFor(async () => /state: (backoff|connecting)/.test(await show()), { timeoutMs: 10_000, what: 'the controller seen gone' });
    await d.ok('del-flows', br);
    await sleep(3500); // > 3 probe intervals: secure never fails open
    expect(await show()).toMatch(/fail-mode: secure\n/);
    expect(await ping(2)).toBe(0);

    // standalone: a learning switch within 3 probe intervals, its flow hidden.
    await d.ok('set-fail-mode', br, 'standalone');
    await waitFor(async () => /fail-mode: standalone \(failing open/.test(await show()), { timeoutMs: 10_000, what: 'fail-open' });
    expect(await ping(3)).toBe(3);
    expect(await flows()).toBe('');

    // The controller back: the bridge reconnects by itself (backoff ≤ 8 s) and stops failing open.
    await d.ok('del-flows', br);
    ctl = testController();
    await connected();
    await waitFor(async () => /fail-mode: standalone\n/.test(await show()), { timeoutMs: 5000, what: 'fail-open ended' });
    await waitFor(async () => (await ping(2)) === 2, { timeoutMs: 20_000, what: 'h1 → h2 through the controller again' });
    await ctl.kill();
    await d.ok('del-controller', br);
  }, 120_000);

  it('os-ken (a learning-switch app): the hosts ping, dump-flows shows its flows; a daemon restart reconnects', async () => {
    await d.ok('del-flows', br);
    await d.ok('set-fail-mode', br, 'secure');
    const ctl = new ControllerProcess('osken-manager', ['--ofp-listen-host', '127.0.0.1', '--ofp-tcp-listen-port', String(PORT + 1), OSKEN_APP]);
    await d.ok('set-controller', br, `tcp:127.0.0.1:${PORT + 1}`);
    await connected();
    await waitFor(async () => /priority=0 actions=CONTROLLER:65535/.test(await flows()), { timeoutMs: 20_000, what: `the table-miss flow of os-ken (${ctl.log()})` });
    await waitFor(async () => (await ping(2)) === 2, { timeoutMs: 20_000, what: `h1 → h2 through os-ken (${ctl.log()})` });
    const mac2 = await d.lab.mac('h2');
    expect(await flows()).toMatch(new RegExp(`idle_timeout=30, .*priority=1,in_port=\\d+,dl_src=[0-9a-f:]+,dl_dst=${mac2} actions=output:\\d+`));
    // The app's own reading of the stats: its flows' counters and the ports' move.
    expect(await ping(3)).toBe(3);
    await waitFor(async () => /FLOWSTATS flows=[3-9] learnt_packets=[1-9]/.test(ctl.log()), { timeoutMs: 10_000, what: `flow stats with learnt packets (${ctl.log().slice(-600)})` });
    expect(ctl.log()).toMatch(/PORTSTATS port1=[1-9]\d*\/[1-9]\d* port2=[1-9]\d*\/[1-9]\d*/);

    await d.restart();
    await connected();
    expect(await show()).toMatch(/fail-mode: secure\n/);
    await waitFor(async () => (await ping(2)) === 2, { timeoutMs: 20_000, what: 'h1 → h2 after the restart' });
    await ctl.kill();
    await d.ok('del-controller', br);
  }, 120_000);
});
