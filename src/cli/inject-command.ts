// nodeswitch inject BR PORT FILE [--pps N | --multiplier X | --topspeed] [--loop N]
//
// The daemon reads the trace and does the pacing (src/daemon/inject.ts): this sends
// one request with the file's absolute path (resolved against our working directory)
// and prints the summary the daemon answers with when the last frame went in.
// Ctrl-C (SIGINT/SIGTERM/SIGHUP) sends inject-stop: the daemon stops between two
// batches and answers the inject with what it sent, which is printed; exit 0.
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { NodeswitchError } from '../errors.js';
import { DEFAULT_DB, DEFAULT_SOCK, resolvePaths } from '../daemon/paths.js';
import type { InjectSummary } from '../daemon/inject.js';
import { parseInteger } from './args.js';
import { call } from './client.js';

interface Io {
  out(text: string): void;
  err(text: string): void;
}

interface InjectFlags {
  sock?: string;
  db?: string;
  pps?: number;
  multiplier?: number;
  topspeed?: boolean;
  loop?: number;
}

// The inject request lasts as long as the trace does: no client-side deadline short of
// setTimeout's largest (24.8 days). A daemon that dies closes the connection.
const NO_DEADLINE_MS = 2 ** 31 - 1;
const MAX_RATE = 1e9; // as src/daemon/inject.ts
const MAX_LOOP = 1_000_000;
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** A positive decimal like 200 or 2.5. */
export function parsePositive(value: string, argument: string): number {
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > MAX_RATE) {
    throw new NodeswitchError(`${argument} must be a number greater than 0 and at most ${MAX_RATE}, got "${value}"`, argument);
  }
  return n;
}

export function formatInject(bridge: string, port: string, s: InjectSummary): string {
  const lines = [
    `injected ${s.packets} packet${s.packets === 1 ? '' : 's'} (${s.bytes} bytes, ${s.passes} pass${s.passes === 1 ? '' : 'es'}) into port ${port} on bridge ${bridge} ` +
      `in ${s.seconds.toFixed(3)} s: ${s.pps} pps${s.stopped ? ' (stopped before the end)' : ''}`,
    ...(s.skipped ? [`skipped ${s.skipped} records the capture had cut short (caplen < len)`] : []),
  ];
  return lines.join('\n') + '\n';
}

export function addInjectCommand(
  program: Command,
  io: Io,
  env: NodeJS.ProcessEnv,
  option: <T>(parse: (v: string) => T) => (v: string) => T,
): void {
  program
    .command('inject')
    .description("feed a pcap/pcapng trace into a running bridge as if it arrived on PORT, with the trace's timing")
    .argument('<bridge>')
    .argument('<port>')
    .argument('<file>', 'pcap or pcapng trace (read by the daemon)')
    .addOption(
      new Option('--pps <N>', 'a fixed rate of N packets per second')
        .argParser(option((v: string) => parsePositive(v, 'pps')))
        .conflicts(['multiplier', 'topspeed']),
    )
    .addOption(
      new Option('--multiplier <X>', "the trace's timing, X times faster")
        .argParser(option((v: string) => parsePositive(v, 'multiplier')))
        .conflicts(['topspeed']),
    )
    .option('--topspeed', 'as fast as possible')
    .option('--loop <N>', 'send the trace N times', option((v: string) => parseInteger(v, 'loop', 1, MAX_LOOP)))
    .option('--sock <path>', `management socket (env NODESWITCH_SOCK, default ${DEFAULT_SOCK})`)
    .option('--db <file>', `config DB (env NODESWITCH_DB, default ${DEFAULT_DB})`)
    .action(async (bridge: string, port: string, file: string, flags: InjectFlags) => {
      const sock = resolvePaths(flags, env).sock;
      const args = {
        bridge,
        port,
        file: resolve(file),
        ...(flags.pps !== undefined && { pps: flags.pps }),
        ...(flags.multiplier !== undefined && { multiplier: flags.multiplier }),
        ...(flags.topspeed && { topspeed: true }),
        ...(flags.loop !== undefined && { loop: flags.loop }),
      };
      let stopping = false;
      const onSignal = (): void => {
        if (stopping) return;
        stopping = true;
        // The inject's own answer (with stopped: true) is what gets printed.
        call(sock, 'inject-stop', { bridge, port }).catch((err: Error) => io.err(`nodeswitch: cannot stop the inject: ${err.message}\n`));
      };
      for (const s of STOP_SIGNALS) process.on(s, onSignal);
      try {
        const summary = (await call(sock, 'inject', args, NO_DEADLINE_MS)) as InjectSummary;
        io.out(formatInject(bridge, port, summary));
      } finally {
        for (const s of STOP_SIGNALS) process.off(s, onSignal);
      }
    });
}
