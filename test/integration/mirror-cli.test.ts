// Port mirroring on real traffic, through the CLI and a real daemon: three
// namespace hosts on veths, h1 pinging h2, a monitor host on the mirror's output
// port. tcpdump on the monitor sees exactly the selected frames, each once — SPAN
// byte for byte as h2 got them, RSPAN tagged with the output VLAN (tcpdump -e) —
// and nothing else (NORMAL floods nothing to a mirror output). The mirrors survive
// a daemon restart; bad mirrors are refused with exit 1 and the DB untouched.
//
// The kernel here has no 8021q module, so the monitor reads the RSPAN tag off its
// plain veth with tcpdump -e rather than through a VLAN sub-interface.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { type LabProcess, run, sleep, waitFor } from '../lab/index.js';
import { needs, tool } from '../needs.js';
import { runCli } from './cli-process.js';
import { useDaemon } from './daemon-fixture.js';
import { ADDON, COMPILED, ROOT } from '../needs.js';

const mirrorTests = needs(ROOT, ADDON, COMPILED, tool('tcpdump', 'tcpdump'));

/** The frames of a pcap file (microsecond or nanosecond, either byte order). */
function pcapFrames(file: string): Buffer[] {
  const b = readFileSync(file);
  const le = b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32LE(0) === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const out: Buffer[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const len = u32(o + 8);
    out.push(Buffer.from(b.subarray(o + 16, o + 16 + len)));
    o += 16 + len;
  }
  return out;
}

const isEchoRequest = (f: Buffer, ofs = 14): boolean => f.readUInt16BE(ofs - 2) === 0x0800 && f[ofs + 9] === 1 && f[ofs + 20] === 8;
const untag = (f: Buffer): Buffer => Buffer.concat([f.subarray(0, 12), f.subarray(16)]);

mirrorTests.describe('port mirroring (SPAN, RSPAN) on real traffic', () => {
  let br: string;
  const ports: Record<'h1' | 'h2' | 'mon', string> = { h1: '', h2: '', mon: '' };
  const d = useDaemon('ns-mirror', async ({ lab, ok }) => {
    br = lab.name('b');
    await ok('add-br', br);
    for (const [h, cidr] of [['h1', '10.79.0.1/24'], ['h2', '10.79.0.2/24'], ['mon', null]] as const) {
      await lab.addHost(h);
      ports[h] = await lab.addVethHost(h, cidr);
      await ok('add-port', br, ports[h]);
    }
  });

  // Each test starts with no mirror on the bridge, whatever the one before left.
  afterEach(async () => {
    if (!d.daemon) return;
    for (const m of await mirrorStats()) await d.ok('del-mirror', br, m.name);
  });

  /** tcpdump writing everything eth0 of `host` gets to a file; stop() ends it and returns the frames. */
  async function capture(host: string, name: string): Promise<{ stop: () => Promise<Buffer[]>; file: string }> {
    const file = join(d.dir, `${name}.pcap`);
    const td: LabProcess = d.lab.spawn(host, ['tcpdump', '--immediate-mode', '-U', '-nn', '-i', 'eth0', '-w', file]);
    await waitFor(() => (/listening on/.test(td.stderr()) ? true : undefined), { timeoutMs: 5000, what: `tcpdump on ${host}` });
    return {
      file,
      stop: async () => {
        await sleep(300); // the last copies in flight
        td.kill('SIGINT');
        await td.exited;
        return pcapFrames(file);
      },
    };
  }

  async function mirrorStats(): Promise<{ name: string; packets: number; bytes: number }[]> {
    return JSON.parse(await d.ok('list-mirrors', br, '--json')) as { name: string; packets: number; bytes: number }[];
  }

  /** Pings h1 → h2 with the monitor and h2 captured; the frames each saw. */
  async function pingWatched(tag: string): Promise<{ mon: Buffer[]; h2: Buffer[]; tcpdumpText: string; monFile: string }> {
    const mon = await capture('mon', `mon-${tag}`);
    const h2 = await capture('h2', `h2-${tag}`);
    const ping = await d.lab.ping('h1', '10.79.0.2', { count: 5, interval: 0.05 });
    expect(ping.received, ping.output).toBe(5);
    const monFrames = await mon.stop();
    const h2Frames = await h2.stop();
    const text = (await d.lab.exec('mon', ['tcpdump', '-e', '-nn', '-r', mon.file])).stdout;
    return { mon: monFrames, h2: h2Frames, tcpdumpText: text, monFile: mon.file };
  }

  it('SPAN: the monitor gets exactly what h1 sent, each frame once and unmodified, and no other traffic', async () => {
    await d.ok('add-mirror', br, 'span', '--select-src-port', ports.h1, '--output-port', ports.mon);
    const before = (await mirrorStats())[0]!;
    const { mon, h2 } = await pingWatched('span');
    const mac1 = await d.lab.mac('h1');
    const macOf = (f: Buffer): string => [...f.subarray(6, 12)].map((x) => x.toString(16).padStart(2, '0')).join(':');
    // Only h1's frames (not h2's replies, nor anything flooded), each once.
    expect(mon.length).toBeGreaterThanOrEqual(5);
    expect(mon.map(macOf).every((m) => m === mac1), 'every frame on the monitor is one h1 sent').toBe(true);
    const requests = mon.filter((f) => isEchoRequest(f));
    expect(requests).toHaveLength(5);
    // Byte for byte the echo requests h2 received.
    expect(requests).toEqual(h2.filter((f) => macOf(f) === mac1 && isEchoRequest(f)));
    const after = (await mirrorStats())[0]!;
    expect(after.packets - before.packets).toBe(mon.length);
    expect(after.bytes - before.bytes).toBe(mon.reduce((s, f) => s + f.length, 0));
    const text = await d.ok('list-mirrors', br);
    expect(text).toContain(`Mirror span\n    select-all: false\n    select-src-port: ${ports.h1}\n    output-port: ${ports.mon}\n    packets: ${after.packets}\n`);
  });

  it('a mirror survives a daemon restart, and mirrors again', async () => {
    await d.ok('add-mirror', br, 'span', '--select-src-port', ports.h1, '--output-port', ports.mon);
    await pingWatched('before-restart');
    const before = (await mirrorStats())[0]!;
    await d.restart();
    const [m] = await mirrorStats();
    expect(m).toMatchObject({ name: 'span', selectSrcPort: [ports.h1], outputPort: ports.mon });
    // Counters start again (h1 may have sent an ARP probe since).
    expect(m!.packets).toBeLessThan(before.packets);
    const { mon } = await pingWatched('restart');
    expect(mon.filter((f) => isEchoRequest(f))).toHaveLength(5);
    await d.ok('del-mirror', br, 'span');
    expect(await mirrorStats()).toEqual([]);
    await d.restart();
    expect(await mirrorStats()).toEqual([]);  // the deletion was saved too
  });

  it('RSPAN: the copies reach the monitor tagged with the output VLAN (tcpdump -e), the frames unchanged under the tag', async () => {
    await d.ok('add-mirror', br, 'rspan', '--select-src-port', ports.h1, '--output-vlan', '99');
    const { mon, h2, tcpdumpText } = await pingWatched('rspan');
    const mac1 = await d.lab.mac('h1');
    // The monitor's port is an ordinary port here (a trunk of every VLAN): it also gets
    // NORMAL's floods, untagged. The copies are the tagged frames.
    const isCopy = (f: Buffer): boolean => f.readUInt16BE(12) === 0x8100 && (f.readUInt16BE(14) & 0xfff) === 99;
    const copies = mon.filter(isCopy);
    expect(copies.length).toBeGreaterThanOrEqual(5);
    expect(mon.filter((f) => f.readUInt16BE(12) === 0x8100).length, 'no other tag').toBe(copies.length);
    const tagged = tcpdumpText.trim().split('\n').filter((l) => /vlan 99, p 0/.test(l));
    expect(tagged).toHaveLength(copies.length);
    expect(tagged.every((l) => l.includes(`${mac1} >`)), tcpdumpText).toBe(true);
    const requests = copies.filter((f) => isEchoRequest(f, 18)).map(untag);
    expect(requests).toHaveLength(5);
    expect(requests).toEqual(h2.filter((f) => f.readUInt16BE(12) === 0x0800 && isEchoRequest(f)));
    // h2 carries VLAN 99 too (every port is a trunk of all VLANs here): it got the copies as well.
    expect(h2.filter(isCopy).length).toBe(copies.length);
    const [m] = await mirrorStats();
    expect(m!.packets).toBeGreaterThanOrEqual(copies.length);
  });

  it('refuses bad mirrors with exit 1, naming the argument, and changes nothing', async () => {
    await d.ok('add-mirror', br, 'keep', '--select-dst-port', ports.h2, '--output-port', ports.mon);
    const refusals: [string[], RegExp][] = [
      [['add-mirror', br, 'm', '--select-src-port', `${ports.h1},${ports.mon}`, '--output-port', ports.mon], /output-port .* is one of the mirror's sources/],
      [['add-mirror', br, 'm', '--select-src-port', 'nosuchport', '--output-port', ports.mon], /select-src-port: bridge .* has no port nosuchport/],
      [['add-mirror', br, 'm', '--select-all', '--output-port', 'nosuchport'], /output-port: bridge .* has no port nosuchport/],
      [['add-mirror', br, 'm', '--select-all', '--output-port', ports.mon, '--output-vlan', '5'], /exactly one output/],
      [['add-mirror', br, 'm', '--select-all'], /exactly one output/],
      [['add-mirror', br, 'm', '--output-port', ports.mon], /must select something/],
      [['add-mirror', br, 'm', '--select-all', '--output-vlan', '4095'], /output-vlan must be an integer from 1 to 4094/],
      [['add-mirror', br, 'm', '--select-all', '--select-vlan', '10,x', '--output-port', ports.mon], /select-vlan/],
      [['add-mirror', br, 'keep', '--select-all', '--output-port', ports.h1], /already has a mirror keep/],
      [['add-mirror', 'nosuchbr', 'm', '--select-all', '--output-port', ports.mon], /no bridge named nosuchbr/],
      [['del-mirror', br, 'nope'], /has no mirror nope/],
      [['del-port', br, ports.mon], /is the output of mirror keep/],
    ];
    for (const [args, message] of refusals) {
      const db = readFileSync(d.paths.db);
      const r = await runCli(d.paths, args);
      expect(r.code, `nodeswitch ${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/^nodeswitch: /);
      expect(r.stderr).toMatch(message);
      expect(readFileSync(d.paths.db).equals(db), `${args.join(' ')}: DB unchanged`).toBe(true);
    }
    expect((await mirrorStats()).map((m) => m.name)).toEqual(['keep']);
    await d.ok('del-mirror', br, 'keep');
  });

  it('del-br takes a bridge whose TAP port is a mirror output, mirrors and all', async () => {
    const b2 = d.lab.name('b2');
    const tap = d.lab.name('mt');
    await d.ok('add-br', b2);
    await d.ok('add-port', b2, tap, '--type', 'tap');
    await d.ok('add-mirror', b2, 'all', '--select-all', '--output-port', tap);
    await d.ok('del-br', b2);
    expect(await d.ok('list-br')).not.toContain(b2);
    expect((await run(['ip', 'link', 'show', tap], { check: false })).code, 'the TAP went with its bridge').not.toBe(0);
  });
});
