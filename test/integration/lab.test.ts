// The topology fixture itself, checked against a Linux bridge (no addon needed).
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { Lab, parsePing } from '../lab/index.js';
import { needs, ROOT } from '../needs.js';

function rootLinks(): string[] {
  return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\d+: ([^:@\s]+)/.exec(l)?.[1] ?? '')
    .filter(Boolean);
}

function netnsList(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
}

describe('parsePing', () => {
  it('reads counts and every rtt', () => {
    const out = [
      'PING 10.77.0.2 (10.77.0.2) 56(84) bytes of data.',
      '64 bytes from 10.77.0.2: icmp_seq=1 ttl=64 time=0.045 ms',
      '64 bytes from 10.77.0.2: icmp_seq=3 ttl=64 time=1.50 ms',
      '',
      '--- 10.77.0.2 ping statistics ---',
      '3 packets transmitted, 2 received, 33.3333% packet loss, time 2003ms',
      'rtt min/avg/max/mdev = 0.045/0.772/1.500/0.727 ms',
    ].join('\n');
    const r = parsePing(out, 1);
    expect(r).toMatchObject({ transmitted: 3, received: 2, loss: 33.3333, rtts: [0.045, 1.5], min: 0.045, avg: 0.772, max: 1.5 });
  });

  it('copes with no replies', () => {
    const r = parsePing('3 packets transmitted, 0 received, 100% packet loss, time 2040ms\n', 1);
    expect(r.received).toBe(0);
    expect(r.rtts).toEqual([]);
    expect(r.min).toBeNaN();
  });
});

needs(ROOT).describe('Lab', () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it('builds hosts on a Linux bridge, pings, counts and cleans up', async () => {
    expect(lab.prefix).toMatch(/^ns[0-9a-f]{4}$/);
    await lab.addHost('h1');
    await lab.addHost('h2');
    const p1 = await lab.addVethHost('h1', '10.77.1.1/24');
    const p2 = await lab.addVethHost('h2', '10.77.1.2/24', { mac: '02:77:00:00:00:02' });
    expect(p1).toBe(`${lab.prefix}h1`);
    await lab.linuxBridge(lab.name('br'), [p1, p2]);

    expect(await lab.mac('h2')).toBe('02:77:00:00:00:02');
    const before = await lab.counters('h1', 'eth0');
    const r = await lab.ping('h1', '10.77.1.2', { count: 3, interval: 0.05 });
    expect(r.received).toBe(3);
    expect(r.rtts).toHaveLength(3);
    const after = await lab.counters('h1', 'eth0');
    expect(after.txPackets - before.txPackets).toBeGreaterThanOrEqual(3);
    const rootSide = await lab.counters(null, p1);
    expect(rootSide.rxPackets).toBeGreaterThanOrEqual(3);

    const tcp = await lab.iperf3('h2', 'h1', '10.77.1.2', { time: 1 });
    expect(tcp.bytesReceived).toBeGreaterThan(1e6);

    const sleeper = lab.spawn('h1', ['sleep', '60']);
    expect(sleeper.pid).toBeGreaterThan(0);

    await lab.cleanup();
    await lab.cleanup(); // idempotent
    expect((await sleeper.exited).signal).toBe('SIGTERM');
    expect(rootLinks().filter((l) => l.startsWith(lab.prefix))).toEqual([]);
    expect(netnsList().filter((n) => n.startsWith(lab.prefix))).toEqual([]);
  });

  it('cleans up a half-built lab', async () => {
    const half = new Lab();
    await half.addHost('a');
    await expect(half.addVethHost('nosuchhost', '10.77.2.1/24')).rejects.toThrow(/no host/);
    await expect(half.addVethHost('a', '10.77.2.1/99')).rejects.toThrow();
    await half.cleanup();
    expect(rootLinks().filter((l) => l.startsWith(half.prefix))).toEqual([]);
    expect(netnsList().filter((n) => n.startsWith(half.prefix))).toEqual([]);
  });

  it('rejects names longer than a netdev allows', () => {
    expect(() => lab.name('0123456789')).toThrow(/longer than 15/);
  });
});
