// Live jobs against a real daemon (issue 7): a capture or inject whose CLI is killed
// with SIGKILL ends at once (defect 5); list-jobs / stop-job see and stop them;
// ports are named by their ofport too (defect 12); a daemon stopped with SIGSTOP is
// reported within --timeout, by plain verbs and by a running inject (defect 8).
//
// Two hosts on veths, one bridge in a daemon child process; the CLI as separate
// processes. Needs root.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { sleep, waitFor } from '../lab/index.js';
import type { JobInfo } from '../../src/daemon/jobs.js';
import { type CliResult, runCli, startCli } from './cli-process.js';
import { useDaemon } from './daemon-fixture.js';
import { cliTests } from './helpers.js';
import { ETH_TEST, writeTestTrace } from './test-traces.js';


cliTests.describe('live jobs ↔ daemon', () => {
  let br: string;
  let p1: string;
  let p2: string;
  let h2mac: string;
  const d = useDaemon('ns-jobs', async ({ lab, ok }) => {
    br = lab.name('b');
    await lab.addHost('h1');
    await lab.addHost('h2');
    p1 = await lab.addVethHost('h1', '10.83.0.1/24');
    p2 = await lab.addVethHost('h2', '10.83.0.2/24');
    h2mac = await lab.mac('h2');
    await ok('add-br', br);
    await ok('add-port', br, p1);
    await ok('add-port', br, p2);
    await ok('add-flow', br, `priority=100,dl_type=0x${ETH_TEST.toString(16)},actions=NORMAL`);
  });

  const cli = (...args: string[]): Promise<CliResult> => runCli(d.paths, args);
  const ok = (...args: string[]): Promise<string> => d.ok(...args);
  const jobs = async (): Promise<JobInfo[]> => JSON.parse(await ok('list-jobs', '--json')) as JobInfo[];
  /** Test frames (and only those: the hosts' own ND or ARP does not count) the bridge switched so far. */
  const testFrames = async (): Promise<number> =>
    (JSON.parse(await ok('dump-flows', br, `dl_type=0x${ETH_TEST.toString(16)}`, '--json')) as { nPackets: number }[])[0]!.nPackets;
  /** `n` frames to h2, `gapUs` apart. */
  const trace = (name: string, n: number, gapUs = 0): string => writeTestTrace(join(d.dir, name), h2mac, n, gapUs);

  it('a capture whose CLI is killed with SIGKILL ends at once: the file stops growing, the port takes a new capture', async () => {
    const file = join(d.dir, 'orphan.pcap');
    const cap = startCli(d.paths, ['capture', br, p1, '-w', file]);
    await waitFor(async () => (await jobs()).some((j) => j.kind === 'capture' && j.port === p1), { timeoutMs: 5000, what: 'capture job' });
    const [job] = await jobs();
    expect(job).toMatchObject({ kind: 'capture', bridge: br, port: p1, ofport: 1, file });
    cap.child.kill('SIGKILL');
    await cap.done;
    // Far sooner than the 30 s lease: the connection closing ends it.
    await waitFor(async () => (await jobs()).length === 0, { timeoutMs: 3000, what: 'capture ended with its client' });
    expect(d.daemon!.stderr()).toMatch(new RegExp(`capture ${job!.id} of port ${p1} ended \\(client gone\\)`));
    const size = statSync(file).size;
    await d.lab.ping('h1', '10.83.0.2', { count: 3 });
    expect(statSync(file).size).toBe(size);
    const again = startCli(d.paths, ['capture', br, p1, '-w', join(d.dir, 'again.pcap'), '--count', '1']);
    await waitFor(async () => (await jobs()).length === 1, { timeoutMs: 5000, what: 'second capture' });
    await d.lab.ping('h1', '10.83.0.2', { count: 1 });
    expect(await again.done).toMatchObject({ code: 0, stdout: '1 packet captured\n' });
  });

  it('an inject whose CLI is killed with SIGKILL stops feeding the port', async () => {
    const file = trace('slow.pcap', 200, 0);
    const before = await testFrames();
    const inj = startCli(d.paths, ['inject', br, p1, file, '--pps', '20']); // 10 s
    await waitFor(async () => (await jobs()).some((j) => j.kind === 'inject'), { timeoutMs: 5000, what: 'inject job' });
    await sleep(500);
    inj.child.kill('SIGKILL');
    await inj.done;
    await waitFor(async () => (await jobs()).length === 0, { timeoutMs: 3000, what: 'inject ended with its client' });
    const sent = (await testFrames()) - before;
    await sleep(1000);
    expect((await testFrames()) - before).toBe(sent);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(200);
  });

  it('list-jobs shows both kinds; stop-job ID stops either; an unknown id is refused', async () => {
    expect(await ok('list-jobs')).toBe('no jobs running\n');
    const capFile = join(d.dir, 'listed.pcap');
    const cap = startCli(d.paths, ['capture', br, p2, '-w', capFile]);
    const inj = startCli(d.paths, ['inject', br, p1, trace('long.pcap', 100, 0), '--pps', '10', '--json']);
    await waitFor(async () => (await jobs()).length === 2, { timeoutMs: 5000, what: 'two jobs' });
    const listed = await jobs();
    expect(listed.map((j) => [j.kind, j.port]).sort()).toEqual([['capture', p2], ['inject', p1]]);
    const text = await ok('list-jobs');
    expect(text.split('\n')[0]).toMatch(/^ID +KIND +BRIDGE +PORT +OFPORT +STARTED +FILE$/);
    for (const j of listed) expect(text).toMatch(new RegExp(`^${j.id} +${j.kind} +${br} +${j.port} +${j.ofport} `, 'm'));

    for (const j of listed) await ok('stop-job', String(j.id));
    expect(await cap.done).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+ packets? captured\n$/) });
    const injected = await inj.done;
    expect(injected.code).toBe(1);
    expect(injected.stderr).toMatch(/was stopped before the end of the trace/);
    expect(JSON.parse(injected.stdout)).toMatchObject({ stopped: true, passes: 1 });
    expect(await jobs()).toEqual([]);

    const r = await cli('stop-job', '9999');
    expect([r.code, r.stderr]).toEqual([1, 'nodeswitch: no job 9999 is running (none is running; see list-jobs)\n']);
    expect((await cli('stop-job', 'x')).stderr).toMatch(/id must be an integer from 1/);
  });

  it('ports are named by their ofport too: dump-ports, capture, inject, del-port', async () => {
    const byNumber = JSON.parse(await ok('dump-ports', br, '2', '--json')) as { name: string; ofport: number; state: string }[];
    expect(byNumber).toEqual([expect.objectContaining({ name: p2, ofport: 2, state: 'up' })]);
    expect(await ok('dump-ports', br, '2')).toMatch(new RegExp(`name=${p2}, type=afpacket`));
    const r = await cli('dump-ports', br, '7');
    expect([r.code, r.stderr]).toEqual([1, `nodeswitch: bridge ${br} has no port 7 (no port of that name or ofport)\n`]);

    const cap = startCli(d.paths, ['capture', br, '2', '-w', join(d.dir, 'by-number.pcap'), '--count', '3', '--direction', 'out']);
    await waitFor(async () => (await jobs()).length === 1, { timeoutMs: 5000, what: 'capture by ofport' });
    expect((await jobs())[0]).toMatchObject({ port: p2, ofport: 2 });
    expect(await ok('inject', br, '1', trace('three.pcap', 3), '--topspeed')).toMatch(new RegExp(`^injected 3 packets .* into port 1 on bridge ${br}`));
    expect(await cap.done).toMatchObject({ code: 0, stdout: '3 packets captured\n' });

    const extra = await d.lab.addVethHost('h1', null, { ifname: 'eth1' });
    await ok('add-port', br, extra, '--ofport', '9');
    await ok('del-port', br, '9');
    expect(JSON.parse(await ok('list-ports', br, '--json'))).toEqual([p1, p2].sort());
  });

  it('a daemon stopped with SIGSTOP: a verb says so within --timeout, and so does a running inject', async () => {
    const inj = startCli(d.paths, ['inject', br, p1, trace('paused.pcap', 100, 0), '--pps', '5', '--timeout', '2']);
    await waitFor(async () => (await jobs()).length === 1, { timeoutMs: 5000, what: 'inject running' });
    d.daemon!.child.kill('SIGSTOP');
    try {
      const t0 = Date.now();
      const r = await cli('list-br', '--timeout', '2');
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`nodeswitch: the daemon at ${d.paths.sock} did not answer within 2 s (--timeout 2): it may be stopped, stuck or overloaded\n`);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
      // The inject checks every 5 s; its check then waits 2 s.
      const stuck = await inj.done;
      expect(stuck.code).toBe(1);
      expect(stuck.stderr).toMatch(/did not answer within 2 s/);
    } finally {
      d.daemon!.child.kill('SIGCONT');
    }
    // Its client gone, the daemon ends the inject once it runs again.
    await waitFor(async () => (await jobs()).length === 0, { timeoutMs: 5000, what: 'inject ended after SIGCONT' });
  });
});
