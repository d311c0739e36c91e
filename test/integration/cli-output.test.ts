// The CLI's output reaches a pipe whole, whatever its size (issue 7, defect 1): with
// 5,000 flows and a full MAC table, `dump-flows | wc -l`, `dump-flows --json | jq`
// and `fdb-show --json | jq` see every line. The readers start late on purpose
// (sleep first), so the pipe fills and the CLI has to wait for it to drain.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { pcapFile } from '../lab/pcap-files.js';
import { runCliPiped } from './cli-process.js';
import { useDaemon } from './daemon-fixture.js';
import { cliTests } from './helpers.js';
import { ETH_TEST } from './test-traces.js';


const FLOWS = 5000;
const MACS = 8192; // the default mac-table-size: a full table

/** A broadcast frame from a made-up station number `i`. */
function fromStation(i: number): Buffer {
  const f = Buffer.alloc(60);
  f.fill(0xff, 0, 6);
  Buffer.from([0x02, 0x5e, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, 0x01]).copy(f, 6);
  f.writeUInt16BE(ETH_TEST, 12);
  return f;
}

cliTests.describe('CLI output into a pipe', () => {
  let br: string;
  const d = useDaemon('ns-pipe', async ({ lab, dir, ok }) => {
    br = lab.name('b');
    await ok('add-br', br);
    const tap = lab.name('t');
    await ok('add-port', br, tap, '--type', 'tap');
    const rules = Array.from({ length: FLOWS }, (_, i) => `priority=${100 + (i % 1000)},udp,tp_dst=${i + 1},actions=NORMAL`);
    writeFileSync(join(dir, 'rules.txt'), rules.join('\n') + '\n');
    await ok('add-flows', br, join(dir, 'rules.txt'));
    writeFileSync(join(dir, 'stations.pcap'), pcapFile(Array.from({ length: MACS }, (_, i) => ({ data: fromStation(i), tsNs: 0n }))));
    await ok('inject', br, tap, join(dir, 'stations.pcap'), '--topspeed');
  });

  it('dump-flows | wc -l counts every flow', async () => {
    const r = await runCliPiped(d.paths, ['dump-flows', br], '(sleep 1; wc -l)');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Number(r.stdout.trim())).toBe(FLOWS + 1); // and the default NORMAL flow
  });

  it('dump-flows --json | jq length reads the whole document', async () => {
    const r = await runCliPiped(d.paths, ['dump-flows', br, '--json'], '(sleep 1; jq length)');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Number(r.stdout.trim())).toBe(FLOWS + 1);
  });

  it('fdb-show of a full table, human and --json, through a pipe', async () => {
    const text = await runCliPiped(d.paths, ['fdb-show', br], '(sleep 1; wc -l)');
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(Number(text.stdout.trim())).toBe(MACS + 1); // and the header
    const json = await runCliPiped(d.paths, ['fdb-show', br, '--json'], "(sleep 1; jq '[.[].mac] | unique | length')");
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(Number(json.stdout.trim())).toBe(MACS);
  });

  it('a reader that stops early (| head -1) ends the CLI quietly', async () => {
    const r = await runCliPiped(d.paths, ['dump-flows', br], 'head -1');
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
