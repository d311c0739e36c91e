// nodeswitch capture BR PORT -w FILE [--count N] [--direction in|out|both]
//
// The daemon writes the file (src/daemon/capture.ts); FILE is resolved against our
// working directory before it is sent. The request/response socket cannot hold one
// answer open for as long as a capture runs, so, on one connection that lasts as
// long as the capture (the capture is a job of that connection: if this process dies,
// the daemon stops it):
//   capture         starts it; the daemon answers at once (bad port, busy port, bad
//                   path are refused here, and nothing is started)
//   capture-status  long poll, a few seconds at a time, until the capture ended (its
//                   count reached, its port deleted, …); each poll also renews the
//                   capture's lease, and shows within --timeout that the daemon
//                   stopped answering
//   capture-stop    on Ctrl-C / SIGINT / SIGTERM / SIGHUP, on a connection of its own
//                   (the poll in flight then answers at once, with the capture ended)
// Then "N packets captured" on stdout (as tcpdump says it), exit 0 — or exit 1 when the capture ended for
// another reason (port or bridge deleted, a write error), said on stderr.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { NodeswitchError } from '../errors.js';
import type { CaptureInfo, CaptureState } from '../daemon/capture.js';
import { COUNT } from '../limits.js';
import { parseInteger } from './args.js';
import { call, DaemonConnection } from './client.js';
import { addDaemonOptions, type DaemonFlags, daemonTarget } from './daemon-options.js';
import { STOP_SIGNALS } from './inject-command.js';

interface Io {
  out(text: string): void;
  err(text: string): void;
}

interface CaptureFlags extends DaemonFlags {
  write: string;
  count?: number;
  direction: 'in' | 'out' | 'both';
}

const POLL_WAIT_SECONDS = 5;
const LEASE_SECONDS = 30;

function parseDirection(value: string): 'in' | 'out' | 'both' {
  if (value !== 'in' && value !== 'out' && value !== 'both') {
    throw new NodeswitchError(`direction must be in, out or both, got "${value}"`, 'direction');
  }
  return value;
}

/** How a capture ended: by its count or by the user is a success. */
function endedWell(reason: string | undefined): boolean {
  return reason === 'count reached' || reason === 'stopped';
}

export function addCaptureCommand(
  program: Command,
  io: Io,
  env: NodeJS.ProcessEnv,
  option: <T>(parse: (v: string) => T) => (v: string) => T,
): void {
  const cmd = program
    .command('capture')
    .description('write what a port receives and/or sends to a pcap file, while the switch runs (Ctrl-C to stop)')
    .argument('<bridge>')
    .argument('<port>', 'the port: its name or its ofport')
    .requiredOption('-w, --write <file>', 'the pcap file to write (by the daemon)')
    .option('--count <N>', 'stop after N frames', option((v: string) => parseInteger(v, 'count', COUNT)))
    .option('--direction <dir>', 'in (received), out (sent) or both', option(parseDirection), 'both');
  addDaemonOptions(cmd).action(async (bridge: string, port: string, flags: CaptureFlags) => {
    const { sock, timeoutMs } = daemonTarget(flags, env);
    const file = resolve(flags.write);
    // Signals are watched from before the start, so none is lost in between.
    let onSignal!: () => void;
    const signalled = new Promise<'signal'>((r) => (onSignal = () => r('signal')));
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
    const conn = new DaemonConnection(sock, timeoutMs);
    try {
      const started = (await conn.request('capture', {
        bridge,
        port,
        file,
        direction: flags.direction,
        ...(flags.count !== undefined && { count: flags.count }),
        lease: LEASE_SECONDS,
      })) as CaptureInfo;
      const { id } = started;
      if (process.stderr.isTTY) {
        io.err(`capturing ${flags.direction === 'both' ? 'in and out' : flags.direction} on port ${port} of bridge ${bridge} to ${file}; Ctrl-C to stop\n`);
      }
      // A poll answers within its wait; --timeout is for a daemon that stopped answering.
      const pollDeadline = timeoutMs > 0 ? POLL_WAIT_SECONDS * 1000 + timeoutMs : 0;
      let final: CaptureState | undefined;
      while (!final) {
        const poll = conn.request('capture-status', { bridge, port, id, wait: POLL_WAIT_SECONDS }, pollDeadline) as Promise<CaptureState>;
        poll.catch(() => undefined); // may be left behind by a signal
        const next = await Promise.race([poll, signalled]);
        if (next === 'signal') final = (await call(sock, 'capture-stop', { bridge, port, id }, timeoutMs)) as CaptureState;
        else if (!next.running) final = next;
      }
      const n = final.packets ?? 0;
      io.out(`${n} packet${n === 1 ? '' : 's'} captured\n`);
      if (!endedWell(final.reason)) {
        throw new NodeswitchError(`the capture of port ${port} ended early: ${final.reason ?? 'unknown reason'}`, 'port');
      }
    } finally {
      conn.close();
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
    }
  });
}
