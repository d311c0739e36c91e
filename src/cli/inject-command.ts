// nodeswitch inject BR PORT FILE [--pps N | --multiplier X | --topspeed] [--loop N] [--json]
//
// The daemon reads the trace and does the pacing (src/daemon/inject.ts): this sends
// one request with the file's absolute path (resolved against our working directory)
// and prints the summary the daemon answers with when the last frame went in.
// The inject is a job of our connection: if this process dies, the daemon stops it.
// Ctrl-C (SIGINT/SIGTERM/SIGHUP) sends inject-stop: the daemon stops between two
// batches and answers the inject with what it sent, which is printed, and the exit
// code is 1 (the trace was not sent whole), with the reason on stderr.
//
// The inject's answer comes only at the end, so while it runs the daemon is asked
// every few seconds whether it still answers (list-jobs): a daemon stopped or stuck
// is reported within --timeout, as for every other verb.
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { NodeswitchError } from '../errors.js';
import type { InjectSummary } from '../daemon/inject.js';
import { INJECT_LOOP, MAX_INJECT_RATE } from '../limits.js';
import { parseInteger } from './args.js';
import { call, DaemonConnection } from './client.js';
import { addDaemonOptions, type DaemonFlags, daemonTarget } from './daemon-options.js';
import { formatJson } from './format.js';

interface Io {
  out(text: string): void;
  err(text: string): void;
}

interface InjectFlags extends DaemonFlags {
  pps?: number;
  multiplier?: number;
  topspeed?: boolean;
  loop?: number;
  json?: boolean;
}

/** How often a running inject checks that the daemon still answers. */
const HEARTBEAT_MS = 5000;
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** A positive decimal like 200 or 2.5. */
export function parsePositive(value: string, argument: string): number {
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > MAX_INJECT_RATE) {
    throw new NodeswitchError(`${argument} must be a number greater than 0 and at most ${MAX_INJECT_RATE}, got "${value}"`, argument);
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
  const cmd = program
    .command('inject')
    .description("feed a pcap/pcapng trace into a running bridge as if it arrived on PORT, with the trace's timing")
    .argument('<bridge>')
    .argument('<port>', 'the port: its name or its ofport')
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
    .option('--loop <N>', 'send the trace N times', option((v: string) => parseInteger(v, 'loop', INJECT_LOOP)))
    .option('--json', 'JSON summary');
  addDaemonOptions(cmd).action(async (bridge: string, port: string, file: string, flags: InjectFlags) => {
    const { sock, timeoutMs } = daemonTarget(flags, env);
    const args = {
      bridge,
      port,
      file: resolve(file),
      ...(flags.pps !== undefined && { pps: flags.pps }),
      ...(flags.multiplier !== undefined && { multiplier: flags.multiplier }),
      ...(flags.topspeed && { topspeed: true }),
      ...(flags.loop !== undefined && { loop: flags.loop }),
    };
    let stoppedBy: string | undefined;
    const onSignal = (signal: string): void => {
      if (stoppedBy) return;
      stoppedBy = signal;
      // The inject's own answer (with stopped: true) is what gets printed.
      call(sock, 'inject-stop', { bridge, port }, timeoutMs).catch((err: Error) => io.err(`nodeswitch: cannot stop the inject: ${err.message}\n`));
    };
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
    const conn = new DaemonConnection(sock, timeoutMs);
    let heartbeat: NodeJS.Timeout | undefined;
    try {
      const injected = conn.request('inject', args, 0) as Promise<InjectSummary>;
      const alive = new Promise<never>((_, reject) => {
        if (timeoutMs <= 0) return;
        const check = (): void => {
          call(sock, 'list-jobs', {}, timeoutMs).then(() => (heartbeat = setTimeout(check, HEARTBEAT_MS)), reject);
        };
        heartbeat = setTimeout(check, HEARTBEAT_MS);
      });
      alive.catch(() => undefined); // settled by the race below or never
      const summary = await Promise.race([injected, alive]);
      io.out(flags.json ? formatJson(summary) : formatInject(bridge, port, summary));
      if (summary.stopped) {
        throw new NodeswitchError(
          `the inject into port ${port} on bridge ${bridge} was stopped${stoppedBy ? ` by ${stoppedBy}` : ''} before the end of the trace`,
          'port',
        );
      }
    } finally {
      clearTimeout(heartbeat);
      conn.close();
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
    }
  });
}
