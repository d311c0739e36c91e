// set-qos / clear-qos / dump-queues against a real daemon: what is set is shown,
// saved and restored after a restart; set_queue and enqueue in flows; every bad
// input refused (exit 1, the argument named, the DB byte-identical afterwards).
import { existsSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { startDaemon, stopDaemon } from './daemon-process.js';
import { useDaemon } from './daemon-fixture.js';
import { cliTests } from './helpers.js';

cliTests.describe('nodeswitch set-qos ↔ daemon', () => {
  let br: string;
  let t1: string;
  let t2: string;
  const d = useDaemon('ns-qos', async ({ lab, ok }) => {
    br = lab.name('b');
    t1 = lab.name('q1');
    t2 = lab.name('q2');
    await ok('add-br', br);
    await ok('add-port', br, t1, '--type', 'tap', '--ofport', '1');
    await ok('add-port', br, t2, '--type', 'tap', '--ofport', '2');
  });
  const { ok } = d;

  const refused = (args: string[], message: RegExp) => d.refused(args, message);

  const savedPort = (name: string): Record<string, unknown> =>
    (JSON.parse(readFileSync(d.paths.db, 'utf8')) as { bridges: { name: string; ports: { name: string }[] }[] }).bridges
      .find((b) => b.name === br)!
      .ports.find((p) => p.name === name)! as Record<string, unknown>;

  const QOS = ['type=htb', 'max-rate=10000000', '--queue', '0:min-rate=3000000', '--queue', '1:min-rate=7000000,priority=1'];

  it('set-qos: shown, saved, its queues in dump-queues and dump-ports', async () => {
    await ok('set-qos', t2, ...QOS);
    expect(savedPort(t2).qos).toEqual({
      type: 'htb',
      maxRate: 10_000_000,
      queues: { '0': { minRate: 3_000_000 }, '1': { minRate: 7_000_000, priority: 1 } },
    });
    expect(await ok('show')).toContain(
      `    Port ${t2}\n        ofport: 2\n        type: tap\n        qos: type=htb max-rate=10000000 --queue 0:min-rate=3000000 --queue 1:min-rate=7000000,priority=1\n`,
    );
    // The host's own frames (IPv6 router solicitations, flooded by NORMAL) may have gone through queue 0 already.
    expect(await ok('dump-queues', br)).toMatch(
      new RegExp(
        `^bridge ${br}: 2 queues\n` +
          `  port 2 \\(${t2}\\) queue 0: tx pkts=\\d+, bytes=\\d+, drop=0, backlog=\\d+ \\(min-rate=3000000, max-rate=10000000, priority=0\\)\n` +
          `  port 2 \\(${t2}\\) queue 1: tx pkts=0, bytes=0, drop=0, backlog=0 \\(min-rate=7000000, max-rate=10000000, priority=1\\)\n$`,
      ),
    );
    const queues = JSON.parse(await ok('dump-queues', br, '--json')) as { port: string; queue: number }[];
    expect(queues.map((q) => [q.port, q.queue])).toEqual([
      [t2, 0],
      [t2, 1],
    ]);
    expect(await ok('dump-ports', br, t2)).toContain('queue 1: tx pkts=0, bytes=0, drop=0, backlog=0\n');
  });

  it('set_queue and enqueue in flows, printed as OpenFlow 1.3 has them', async () => {
    await ok('add-flow', br, 'priority=10,in_port=1,udp,actions=set_queue:1,output:2');
    await ok('add-flow', br, 'priority=10,in_port=1,tcp,actions=enqueue:2:0');
    const flows = await ok('dump-flows', br);
    expect(flows).toContain('udp,in_port=1 actions=set_queue:1,output:2');
    expect(flows).toContain('tcp,in_port=1 actions=set_queue:0,output:2,pop_queue');
    expect(await ok('trace', br, 'in_port=1,udp,nw_src=10.0.0.1,nw_dst=10.0.0.2')).toMatch(/set_queue:1/);
  });

  it('refuses bad rates, queue ids outside the table and contradictions, with nothing applied', async () => {
    await refused(['set-qos', t1, 'type=htb', 'max-rate=0'], /max-rate must be an integer from 1 to 100000000000, got "0"/);
    await refused(['set-qos', t1, 'type=htb', 'max-rate=-5'], /max-rate must be an integer from 1 .*got "-5"/);
    await refused(['set-qos', t1, 'type=htb', 'max-rate=fast'], /max-rate must be an integer .*got "fast"/);
    await refused(['set-qos', t1, 'type=htb'], /set-qos needs max-rate=BPS/);
    await refused(['set-qos', t1, 'max-rate=1000'], /set-qos needs type=htb/);
    await refused(['set-qos', t1, 'type=hfsc', 'max-rate=1000'], /type must be htb/);
    await refused(['set-qos', t1, 'type=htb', 'max-rate=1000', 'burst=5'], /unknown QoS setting "burst"/);
    await refused(['set-qos', t1, 'type=htb', 'max-rate=1000', '--queue', '8:min-rate=10'], /--queue "8" is outside the queue table \(queue ids are 0 to 7\)/);
    await refused(['set-qos', t1, 'type=htb', 'max-rate=1000', '--queue', 'x:min-rate=10'], /--queue "x" is outside the queue table/);
    await refused(['set-qos', t1, 'type=htb', 'max-rate=1000', '--queue', '1:min-rate=0'], /queue 1 min-rate must be an integer from 1/);
    await refused(['set-qos', t1, 'type=htb', 'max-rate=1000', '--queue', '1:max-rate=2000'], /queue 1 max-rate 2000 exceeds the port's max-rate 1000/);
    await refused(['set-qos', t1, 'type=htb', 'max-rate=1000', '--queue', '1:min-rate=600', '--queue', '2:min-rate=600'], /min-rates add up to 1200/);
    await refused(['set-qos', t1, 'type=htb', 'max-rate=1000', '--queue', '1:weight=3'], /unknown queue setting "weight"/);
    await refused(['set-qos', d.lab.name('zz'), 'type=htb', 'max-rate=1000'], /no bridge has a port named/);
    await refused(['add-flow', br, 'in_port=1,actions=set_queue:8,output:2'], /queue 8 is outside the queue table/);
    await refused(['add-flow', br, 'in_port=1,actions=enqueue:2:9'], /queue 9 is outside the queue table/);
    await refused(['add-flow', br, 'in_port=1,actions=set_queue:x,output:2'], /set_queue:x/);
    // The shaped port kept its setting; the other has none.
    expect(savedPort(t1).qos).toBeUndefined();
    expect((await ok('dump-queues', br)).split('\n')[0]).toBe(`bridge ${br}: 2 queues`);
  });

  it('restart restores the shaping; clear-qos takes it away', async () => {
    const { code, log } = await stopDaemon(d.daemon!);
    d.daemon = undefined;
    expect(code, log).toBe(0);
    expect(existsSync(d.paths.sock)).toBe(false);
    d.daemon = await startDaemon(d.paths.sock, d.paths.db);
    expect(await ok('dump-queues', br)).toContain(`  port 2 (${t2}) queue 1: tx pkts=0, bytes=0, drop=0, backlog=0 (min-rate=7000000, max-rate=10000000, priority=1)\n`);
    expect(await ok('show')).toContain('qos: type=htb max-rate=10000000 --queue 0:min-rate=3000000 --queue 1:min-rate=7000000,priority=1');
    expect(await ok('dump-flows', br)).toContain('actions=set_queue:1,output:2');
    await ok('clear-qos', t2);
    expect(savedPort(t2).qos).toBeUndefined();
    expect(await ok('dump-queues', br)).toBe(`bridge ${br}: 0 queues\n`);
    await refused(['clear-qos', d.lab.name('zz')], /no bridge has a port named/);
  });
});
