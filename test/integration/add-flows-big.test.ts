// add-flows of files far over the socket's 1 MiB line cap, through the CLI and a real
// daemon: 200k rules from a file and 30k from standard input, counted with
// dump-flows | wc -l; a bad last line of a big file applies nothing and names its
// line; progress shows on a terminal (script(1) gives the CLI one) and never on a
// pipe; a restart restores every flow from the config DB.
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { needs, tool } from '../needs.js';
import { runCli, runCliPiped } from './cli-process.js';
import { bin } from './daemon-process.js';
import { useDaemon } from './daemon-fixture.js';
import { cliTests } from './helpers.js';

const BIG = 200_000;
const STDIN_RULES = 30_000;
const LONG = 180_000;

/** n distinct 5-field TCP rules, one per line (as the flow-mod bench's file). */
function rules(n: number, table = 0): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      `table=${table},priority=${100 + (i % 100)},tcp,nw_src=10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255},` +
        `nw_dst=192.168.${(i >>> 8) & 255}.${i & 255},tp_dst=${1024 + (i % 50_000)},actions=output:2`,
    );
  }
  return lines.join('\n') + '\n';
}

cliTests.describe('add-flows of big files', () => {
  let br: string;
  let bigFile: string;
  const d = useDaemon('ns-big', async ({ lab, dir, ok }) => {
    br = lab.name('b');
    await ok('add-br', br);
    bigFile = join(dir, 'big.txt');
    writeFileSync(bigFile, rules(BIG));
  });

  const count = async (): Promise<number> => {
    const r = await runCliPiped(d.paths, ['dump-flows', br, '--timeout', '120'], 'wc -l', LONG);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    return Number(r.stdout.trim());
  };

  it(`a ${BIG}-rule file (${'>'}1 MiB) goes in whole; nothing on stderr to a pipe`, { timeout: LONG }, async () => {
    expect(statSync(bigFile).size).toBeGreaterThan(1 << 20);
    const r = await runCli(d.paths, ['add-flows', br, bigFile, '--timeout', '120'], { timeoutMs: LONG });
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await count()).toBe(BIG + 1); // and the default NORMAL flow
  });

  it('standard input over 1 MiB', { timeout: LONG }, async () => {
    const text = rules(STDIN_RULES, 3);
    expect(Buffer.byteLength(text)).toBeGreaterThan(1 << 20);
    const r = await runCli(d.paths, ['add-flows', br, '-', '--timeout', '120'], { input: text, timeoutMs: LONG });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(await count()).toBe(BIG + STDIN_RULES + 1);
  });

  it('a bad last line of a big file applies nothing and names its line', { timeout: LONG }, async () => {
    const bad = join(d.dir, 'bad.txt');
    writeFileSync(bad, rules(BIG, 7));
    appendFileSync(bad, 'table=7,priority=5,udp,tp_dst=99999,actions=drop\n');
    const r = await runCli(d.paths, ['add-flows', br, bad, '--timeout', '120'], { timeoutMs: LONG });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^nodeswitch: ${bad}: line ${BIG + 1}: tp_dst=99999: `));
    expect(await count()).toBe(BIG + STDIN_RULES + 1);
    expect(await runCli(d.paths, ['dump-flows', br, 'table=7'])).toMatchObject({ code: 0, stdout: '' });
  });

  needs(tool('script', 'util-linux')).it('progress lines on a terminal only', async () => {
    const file = join(d.dir, 'tty.txt');
    writeFileSync(file, rules(60_000, 9));
    const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
    const cmd = [process.execPath, bin, 'add-flows', br, file, '--sock', d.paths.sock, '--timeout', '120'].map(quote).join(' ');
    // script(1) runs the CLI on a pseudo-terminal and copies what it wrote (stdout and stderr) to ours.
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (text += s));
      child.once('close', (code) => resolve({ code, text }));
    });
    expect(out.code).toBe(0);
    expect(out.text).toMatch(/add-flows: parsed \d+ of 60000 lines/);
    expect(out.text).toMatch(/add-flows: installed 60000 of 60000 flows/);
    expect(await count()).toBe(BIG + STDIN_RULES + 60_000 + 1);
  }, LONG);

  it('one add-flow at 290k flows appends to the flow journal and leaves the DB file alone', { timeout: LONG }, async () => {
    const db = readFileSync(d.paths.db);
    const records = (): number => readFileSync(`${d.paths.db}.flows-journal`, 'utf8').split('\n').filter(Boolean).length;
    const before = records(); // the add-flows after the first went there too
    await d.ok('add-flow', br, 'table=11,priority=9,udp,tp_dst=4789,actions=drop');
    await d.ok('del-flows', br, 'table=9,tcp,nw_src=10.0.0.1');
    expect(readFileSync(d.paths.db).equals(db)).toBe(true);
    expect(records()).toBe(before + 2);
  });

  it('a restart restores every flow from the DB and its journal', { timeout: LONG }, async () => {
    const before = await count();
    expect(before).toBe(BIG + STDIN_RULES + 60_000 + 1);
    await d.restart(LONG);
    expect(await count()).toBe(before);
    expect(await d.ok('dump-flows', br, 'table=11')).toMatch(/priority=9,udp,tp_dst=4789 actions=drop/);
  });
});
