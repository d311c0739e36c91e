// The CLI's output reaches a pipe whole, whatever its size (issue 7, defect 1): with
// 5,000 flows and a full MAC table, `dump-flows | wc -l`, `dump-flows --json | jq`
// and `fdb-show --json | jq` see every line. The readers start late on purpose
// (sleep first), so the pipe fills and the CLI has to wait for it to drain.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src/lab/index.js';
import { type CliPaths, runCli, runCliPiped } from './cli-process.js';
import { type DaemonProcess, startDaemon, stopDaemon } from './daemon-process.js';
import { canRun, requirePrerequisitesInCI } from './helpers.js';

requirePrerequisitesInCI();

const compiled = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const FLOWS = 5000;
const MACS = 8192; // the default mac-table-size: a full table

interface PcapTesting {
  pcapWrite(path: string, records: { data: Buffer; tsNs: bigint }[]): number;
}

/** A broadcast frame from a made-up station number `i`. */
function fromStation(i: number): Buffer {
  const f = Buffer.alloc(60);
  f.fill(0xff, 0, 6);
  Buffer.from([0x02, 0x5e, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, 0x01]).copy(f, 6);
  f.writeUInt16BE(0x88b5, 12);
  return f;
}

describe.skipIf(!canRun || !existsSync(compiled))('CLI output into a pipe', () => {
  let dir: string;
  let paths: CliPaths;
  let lab: Lab;
  let daemon: DaemonProcess | undefined;
  let br: string;

  const ok = async (...args: string[]): Promise<string> => {
    const r = await runCli(paths, args);
    expect(r, `nodeswitch ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
    return r.stdout;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ns-pipe-'));
    paths = { sock: join(dir, 'ns.sock'), db: join(dir, 'db.json') };
    lab = new Lab();
    br = lab.name('b');
    daemon = await startDaemon(paths.sock, paths.db);
    await ok('add-br', br);
    const tap = lab.name('t');
    await ok('add-port', br, tap, '--type', 'tap');
    const rules = Array.from({ length: FLOWS }, (_, i) => `priority=${100 + (i % 1000)},udp,tp_dst=${i + 1},actions=NORMAL`);
    writeFileSync(join(dir, 'rules.txt'), rules.join('\n') + '\n');
    await ok('add-flows', br, join(dir, 'rules.txt'));
    const { addon } = await import('../../src/native.js');
    const testing = (addon as unknown as { testing: PcapTesting }).testing;
    testing.pcapWrite(join(dir, 'stations.pcap'), Array.from({ length: MACS }, (_, i) => ({ data: fromStation(i), tsNs: 0n })));
    await ok('inject', br, tap, join(dir, 'stations.pcap'), '--topspeed');
  });

  afterAll(async () => {
    if (daemon) await stopDaemon(daemon);
    await lab?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('dump-flows | wc -l counts every flow', async () => {
    const r = await runCliPiped(paths, ['dump-flows', br], '(sleep 1; wc -l)');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Number(r.stdout.trim())).toBe(FLOWS + 1); // and the default NORMAL flow
  });

  it('dump-flows --json | jq length reads the whole document', async () => {
    const r = await runCliPiped(paths, ['dump-flows', br, '--json'], "(sleep 1; jq length)");
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Number(r.stdout.trim())).toBe(FLOWS + 1);
  });

  it('fdb-show of a full table, human and --json, through a pipe', async () => {
    const text = await runCliPiped(paths, ['fdb-show', br], '(sleep 1; wc -l)');
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(Number(text.stdout.trim())).toBe(MACS + 1); // and the header
    const json = await runCliPiped(paths, ['fdb-show', br, '--json'], "(sleep 1; jq '[.[].mac] | unique | length')");
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(Number(json.stdout.trim())).toBe(MACS);
  });

  it('a reader that stops early (| head -1) ends the CLI quietly', async () => {
    const r = await runCliPiped(paths, ['dump-flows', br], 'head -1');
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
