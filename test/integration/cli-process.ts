// The nodeswitch command as a separate process (bin/nodeswitch.js → dist/), the
// way a script runs it, against a daemon's socket and DB. Every child is killed
// after `timeoutMs` whatever happens, so a hung CLI fails its test instead of the run.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { bin } from './daemon-process.js';

export interface CliPaths {
  sock: string;
  db: string;
}

export interface CliResult {
  /** The exit code; 128 + N when a signal N ended it. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to standard input, then closed (default: nothing, closed at once). */
  input?: string;
  timeoutMs?: number;
  /** The CLI's working directory (relative file arguments). */
  cwd?: string;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Starts `nodeswitch ARGS --sock S --db D`; `done` resolves when it exits. */
export function startCli(paths: CliPaths, args: string[], opts: CliOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [bin, ...args, '--sock', paths.sock, '--db', paths.db], { stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.cwd });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.on('error', () => undefined); // a CLI that exits before reading its input
  child.stdin!.end(opts.input ?? '');
  const done = new Promise<CliResult>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (SIGNALS[signal ?? ''] ?? 0), stdout, stderr });
    });
  });
  return { child, done };
}

export function runCli(paths: CliPaths, args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return startCli(paths, args, opts).done;
}

/**
 * `nodeswitch ARGS` refused as every refusal must be: exit 1, "nodeswitch: …" matching
 * `message` on stderr, nothing on stdout, and the DB file byte-identical afterwards.
 * Returns the result for a test's own further checks.
 */
export async function expectRefused(paths: CliPaths, args: string[], message: RegExp, opts: CliOptions = {}): Promise<CliResult> {
  const before = readFileSync(paths.db);
  const r = await runCli(paths, args, opts);
  expect(r.code, `nodeswitch ${args.join(' ')}: ${r.stderr}`).toBe(1);
  expect(r.stderr).toMatch(/^nodeswitch: /);
  expect(r.stderr).toMatch(message);
  expect(r.stdout).toBe('');
  expect(readFileSync(paths.db).equals(before), 'DB unchanged').toBe(true);
  return r;
}

/** A shell pipeline `nodeswitch ARGS --sock S --db D | READER`: the CLI writing into a real pipe. */
export function runCliPiped(paths: CliPaths, args: string[], reader: string, timeoutMs = 60_000): Promise<CliResult> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = [process.execPath, bin, ...args, '--sock', paths.sock, '--db', paths.db].map(quote).join(' ');
  return new Promise((resolve) => {
    // pipefail: the CLI's own exit code counts, not only the reader's.
    const child = spawn('bash', ['-o', 'pipefail', '-c', `${cmd} | ${reader}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 99, stdout, stderr });
    });
  });
}
