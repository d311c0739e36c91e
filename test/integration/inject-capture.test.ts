// The live verbs against a real daemon: capture records what a ping sent (counted,
// and until Ctrl-C), inject feeds generated traces into a port at --pps / original /
// --multiplier timing, --topspeed and --loop, Ctrl-C stops an inject, and bad input is
// refused with exit 1 and nothing changed.
//
// Two hosts in namespaces on veths, one bridge (NORMAL) in a daemon child process;
// the CLI is run as separate processes (bin/nodeswitch.js → dist/). Traces are
// written with the test-only addon's pcap writer and captures read back with the
// addon's reader. Needs root.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Lab, waitFor } from '../lab/index.js';
import { type DaemonProcess, startDaemon as startDaemonProcess, stopDaemon as stopDaemonProcess } from './daemon-process.js';
import { type CliResult, expectRefused, startCli } from './cli-process.js';
import { cliTests } from './helpers.js';
import { ETH_TEST, writeTestTrace } from './test-traces.js';


interface TimedResult extends CliResult {
  ms: number;
}

// Loaded when a test runs: the production pcap reader.
const readPcap = async (path: string) => (await import('../../src/native.js')).addon.readPcap(path);

const ethertype = (f: Buffer): number => f.readUInt16BE(12);
const ipProto = (f: Buffer): number => f[23]!;
const icmpType = (f: Buffer): number => f[34]!;
const ipSrc = (f: Buffer): string => [...f.subarray(26, 30)].join('.');

cliTests.describe('nodeswitch inject / capture ↔ daemon', () => {
  let dir: string;
  let db: string;
  let sock: string;
  let lab: Lab;
  let daemon: DaemonProcess | undefined;
  let br: string;
  let p1: string;
  let p2: string;
  let h2mac: string;
  const children = new Set<ChildProcess>();

  /** Starts the CLI; `done` resolves when it exits, with how long it ran. */
  function start(args: string[], cwd?: string): { child: ChildProcess; done: Promise<TimedResult> } {
    const t0 = Date.now();
    const cli = startCli({ sock, db }, args, { cwd, timeoutMs: 60_000 });
    children.add(cli.child);
    const done = cli.done.then((r) => {
      children.delete(cli.child);
      return { ...r, ms: Date.now() - t0 };
    });
    return { child: cli.child, done };
  }

  const cli = (args: string[], cwd?: string): Promise<TimedResult> => start(args, cwd).done;

  async function ok(...args: string[]): Promise<string> {
    const r = await cli(args);
    expect(r, `nodeswitch ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
    return r.stdout;
  }

  /** Refused with exit 1 and the message on stderr; the DB unchanged, no file made. */
  async function refused(args: string[], message: RegExp, noFile?: string): Promise<void> {
    await expectRefused({ sock, db }, args, message);
    if (noFile) expect(existsSync(noFile), `${noFile} not created`).toBe(false);
  }

  /** The summary line of inject. */
  function summary(stdout: string): { packets: number; passes: number; seconds: number; pps: number; stopped: boolean } {
    const m = /^injected (\d+) packets? \(\d+ bytes, (\d+) pass(?:es)?\) into port \S+ on bridge \S+ in ([\d.]+) s: ([\d.]+) pps( \(stopped before the end\))?\n/.exec(
      stdout,
    );
    expect(m, stdout).not.toBeNull();
    return { packets: Number(m![1]), passes: Number(m![2]), seconds: Number(m![3]), pps: Number(m![4]), stopped: m![5] !== undefined };
  }

  /** Writes a trace of `n` test frames to h2, `gapMs` apart; returns its path. */
  async function trace(name: string, n: number, gapMs = 1): Promise<string> {
    return writeTestTrace(join(dir, name), h2mac, n, gapMs * 1000);
  }

  /** Test frames h2's eth0 received so far. */
  const h2rx = async (): Promise<number> => (await lab.counters('h2', 'eth0')).rxPackets;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ns-live-'));
    db = join(dir, 'db.json');
    sock = join(dir, 'ns.sock');
    lab = new Lab();
    br = lab.name('lv');
    await lab.addHost('h1');
    await lab.addHost('h2');
    p1 = await lab.addVethHost('h1', '10.81.0.1/24');
    p2 = await lab.addVethHost('h2', '10.81.0.2/24');
    h2mac = await lab.mac('h2');
    daemon = await startDaemonProcess(sock, db);
    await ok('add-br', br);
    await ok('add-port', br, p1, '--ofport', '1');
    await ok('add-port', br, p2, '--ofport', '2');
    // ARP resolved both ways before anything is counted.
    expect((await lab.ping('h1', '10.81.0.2', { count: 1 })).received).toBe(1);
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    if (daemon) {
      const { code, log } = await stopDaemonProcess(daemon);
      expect(code, log).toBe(0);
    }
    await lab?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('capture --count records what a ping sent, then exits 0 saying how many', async () => {
    const file = join(dir, 'ping-in.pcap');
    const cap = start(['capture', br, p1, '-w', file, '--count', '3', '--direction', 'in']);
    // The capture is running once the daemon answered "capture": poll until frames arrive.
    await waitFor(async () => existsSync(file), { timeoutMs: 5000, what: 'capture file' });
    const ping = lab.ping('h1', '10.81.0.2', { count: 6, interval: 0.2 });
    const r = await cap.done;
    await ping;
    expect(r).toMatchObject({ code: 0, stdout: '3 packets captured\n', stderr: '' });
    const records = (await readPcap(file)).records;
    expect(records.length).toBe(3);
    for (const rec of records) {
      expect(ethertype(rec.data)).toBe(0x0800);
      expect(ipProto(rec.data)).toBe(1);
      expect(icmpType(rec.data)).toBe(8); // echo request, as h1 sent it
      expect(ipSrc(rec.data)).toBe('10.81.0.1');
    }
    // tcpdump reads it too.
    const td = await lab.exec('h1', ['tcpdump', '-nr', file]);
    expect(td.stdout.split('\n').filter((l) => /ICMP echo request/.test(l)).length).toBe(3);
  });

  it('capture --direction both on the other port sees requests and replies; Ctrl-C stops it, exit 0', async () => {
    const file = join(dir, 'ping-both.pcap');
    const cap = start(['capture', br, p2, '-w', file]);
    await waitFor(async () => existsSync(file), { timeoutMs: 5000, what: 'capture file' });
    expect((await lab.ping('h1', '10.81.0.2', { count: 4, interval: 0.2 })).received).toBe(4);
    cap.child.kill('SIGINT');
    const r = await cap.done;
    expect(r.code, r.stderr).toBe(0);
    const n = Number(/^(\d+) packets? captured\n$/.exec(r.stdout)?.[1]);
    const records = (await readPcap(file)).records;
    expect(records.length).toBe(n);
    const icmp = records.filter((x) => ethertype(x.data) === 0x0800 && ipProto(x.data) === 1);
    expect(icmp.filter((x) => icmpType(x.data) === 8).length).toBe(4);
    expect(icmp.filter((x) => icmpType(x.data) === 0).length).toBe(4);
    // The port is free again.
    await refused(['capture', br, p2, '-w', join(dir, 'x.pcap'), '--count', 'x'], /count must be an integer/);
  });

  it('inject --pps 200 keeps the rate (loosely) and every frame arrives', async () => {
    const file = await trace('pps.pcap', 100);
    const capFile = join(dir, 'pps-out.pcap');
    const cap = start(['capture', br, p2, '-w', capFile, '--direction', 'out', '--count', '100']);
    await waitFor(async () => existsSync(capFile), { timeoutMs: 5000, what: 'capture file' });
    const rx0 = await h2rx();
    const r = await cli(['inject', br, p1, file, '--pps', '200']);
    expect(r.code, r.stderr).toBe(0);
    const s = summary(r.stdout);
    expect(s).toMatchObject({ packets: 100, passes: 1, stopped: false });
    // 99 gaps of 5 ms: 0.495 s. Loose: timers and a loaded CI machine.
    expect(s.seconds).toBeGreaterThan(0.45);
    expect(s.seconds).toBeLessThan(2);
    expect(s.pps).toBeGreaterThan(50);
    expect(s.pps).toBeLessThan(230);
    const c = await cap.done;
    expect(c).toMatchObject({ code: 0, stdout: '100 packets captured\n' });
    const got = (await readPcap(capFile)).records.filter((x) => ethertype(x.data) === ETH_TEST);
    expect(got.map((x) => x.data.readUInt32BE(14))).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await waitFor(async () => (await h2rx()) - rx0 >= 100, { timeoutMs: 3000, what: 'frames at h2' });
  });

  it("default timing follows the trace's gaps; --multiplier speeds it up", async () => {
    const file = await trace('gaps.pcap', 6, 100); // 0.5 s of trace
    const plain = summary(await ok('inject', br, p1, file));
    expect(plain.packets).toBe(6);
    expect(plain.seconds).toBeGreaterThan(0.45);
    expect(plain.seconds).toBeLessThan(2);
    const fast = summary(await ok('inject', br, p1, file, '--multiplier', '5'));
    expect(fast.seconds).toBeGreaterThan(0.08);
    expect(fast.seconds).toBeLessThan(0.45);
  });

  it('--topspeed --loop 3 sends every pass as fast as it goes', async () => {
    const file = await trace('gaps-long.pcap', 200, 1000); // 199 s of trace if it were timed
    const rx0 = await h2rx();
    const r = await cli(['inject', br, p1, file, '--topspeed', '--loop', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(summary(r.stdout)).toMatchObject({ packets: 600, passes: 3, stopped: false });
    expect(r.ms).toBeLessThan(10_000);
    await waitFor(async () => (await h2rx()) - rx0 >= 600, { timeoutMs: 3000, what: 'frames at h2' });
  });

  it('a relative FILE is resolved against the CLI working directory', async () => {
    await trace('rel.pcap', 3);
    const r = await cli(['inject', br, p1, 'rel.pcap', '--topspeed'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(summary(r.stdout).packets).toBe(3);
    const cap = start(['capture', br, p1, '-w', 'rel-cap.pcap', '--count', '1'], dir);
    await waitFor(async () => existsSync(join(dir, 'rel-cap.pcap')), { timeoutMs: 5000, what: 'capture file' });
    await lab.ping('h1', '10.81.0.2', { count: 1 });
    expect(await cap.done).toMatchObject({ code: 0, stdout: '1 packet captured\n' });
  });

  it('Ctrl-C stops an inject between frames and prints what went in, exit 1 (the trace was not sent whole)', async () => {
    const file = await trace('slow.pcap', 3, 20_000); // 40 s at the trace's timing
    const inj = start(['inject', br, p1, file]);
    // Running (and so watching for Ctrl-C) once the daemon lists it.
    await waitFor(async () => (JSON.parse((await cli(['list-jobs', '--json'])).stdout) as unknown[]).length > 0, { timeoutMs: 10_000, what: 'inject running' });
    inj.child.kill('SIGINT');
    const r = await inj.done;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe(`nodeswitch: the inject into port ${p1} on bridge ${br} was stopped by SIGINT before the end of the trace\n`);
    expect(summary(r.stdout)).toMatchObject({ packets: 1, stopped: true });
    expect(r.ms).toBeLessThan(10_000);
  });

  it('bad input: clear messages, exit 1, nothing changed', async () => {
    const good = await trace('good.pcap', 2);
    const corrupt = join(dir, 'corrupt.pcap');
    writeFileSync(corrupt, Buffer.concat([readFileSync(good), Buffer.from([1, 2, 3, 4, 5])]));
    await refused(['inject', 'nosuchbr', p1, good], /no bridge named nosuchbr/);
    await refused(['inject', br, 'nosuchport', good], /has no port nosuchport/);
    await refused(['inject', br, p1, join(dir, 'missing.pcap')], /cannot read the trace .*missing\.pcap/);
    const r = await cli(['inject', br, p1, corrupt]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nodeswitch: cannot read the trace .*corrupt\.pcap: .*\b(offset|byte)\b/i);
    await refused(['inject', br, p1, good, '--pps', '10', '--multiplier', '2'], /--pps.*cannot be used with.*--multiplier/);
    await refused(['inject', br, p1, good, '--multiplier', '2', '--topspeed'], /cannot be used with/);
    await refused(['inject', br, p1, good, '--pps', '0'], /pps must be a number greater than 0/);
    await refused(['inject', br, p1, good, '--pps', 'fast'], /pps must be a number/);
    await refused(['inject', br, p1, good, '--loop', '0'], /loop must be an integer from 1/);

    const capFile = join(dir, 'never.pcap');
    await refused(['capture', 'nosuchbr', p1, '-w', capFile], /no bridge named nosuchbr/, capFile);
    await refused(['capture', br, 'nosuchport', '-w', capFile], /has no port nosuchport/, capFile);
    await refused(['capture', br, p1, '-w', join(dir, 'no', 'such', 'dir.pcap')], /cannot capture port .* to .*dir\.pcap/);
    await refused(['capture', br, p1, '-w', capFile, '--direction', 'sideways'], /direction must be in, out or both/, capFile);
    await refused(['capture', br, p1, '-w', capFile, '--count', '0'], /count must be an integer from 1/, capFile);
    await refused(['capture', br, p1], /required option '-w, --write <file>'/);

    // A port already being captured.
    const first = join(dir, 'busy.pcap');
    const cap = start(['capture', br, p1, '-w', first]);
    await waitFor(async () => existsSync(first), { timeoutMs: 5000, what: 'capture file' });
    await refused(['capture', br, p1, '-w', capFile], /already being captured/, capFile);
    cap.child.kill('SIGTERM');
    expect(await cap.done).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+ packets captured\n$/) });
  });

  it('a capture whose port is deleted ends, and says so', async () => {
    const extra = await lab.addVethHost('h1', null, { ifname: 'eth1' });
    await ok('add-port', br, extra);
    const file = join(dir, 'deleted.pcap');
    const cap = start(['capture', br, extra, '-w', file]);
    await waitFor(async () => existsSync(file), { timeoutMs: 5000, what: 'capture file' });
    await ok('del-port', br, extra);
    const r = await cap.done;
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^\d+ packets captured\n$/);
    expect(r.stderr).toMatch(/capture of port .* ended early: port deleted/);
  });
});
