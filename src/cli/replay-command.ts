// The offline `replay` verb: runs in this process (no daemon), through the same
// datapath as the live switch. Human summary by default, JSON with --json; a
// progress line on stderr while it runs, when stderr is a terminal.
import type { Command } from 'commander';
import { NodeswitchError } from '../errors.js';
import { COUNT, OFPORT } from '../limits.js';
import { parseInteger } from './args.js';
import type { ReplayInput, ReplaySummary } from '../pcap/replay.js';

interface Io {
  out(text: string): void;
  err(text: string): void;
}

interface ReplayFlags {
  in: ReplayInput[];
  ports?: number[];
  flows?: string;
  out?: string;
  json?: boolean;
  repeat?: number;
}

function parseIn(value: string, previous: ReplayInput[] = []): ReplayInput[] {
  const m = /^(\d+)=(.+)$/.exec(value);
  if (!m) throw new NodeswitchError(`--in ${value}: expected PORT=FILE, e.g. 1=trace.pcap`, 'in');
  return [...previous, { port: Number(m[1]), file: m[2]! }];
}

function parsePorts(value: string): number[] {
  const ports = value.split(',').map((p) => p.trim());
  if (ports.some((p) => !/^\d+$/.test(p))) throw new NodeswitchError(`--ports ${value}: expected port numbers like 1,2,3,4`, 'ports');
  return ports.map((p) => parseInteger(p, 'ports', OFPORT));
}

function parseRepeat(value: string): number {
  return parseInteger(value, 'repeat', COUNT);
}

function progressLine(done: number, total: number, elapsed: number): string {
  const rate = elapsed > 0 ? done / elapsed : 0;
  const pct = total > 0 ? Math.min(100, (100 * done) / total) : 0;
  const width = 24;
  const bar = '#'.repeat(Math.round((pct / 100) * width)).padEnd(width, '.');
  const eta = rate > 0 && total > done ? `${Math.ceil((total - done) / rate)} s` : '-';
  return `\r[${bar}] ${pct.toFixed(0).padStart(3)}%  ${done} pkts  ${(rate / 1e6).toFixed(2)} Mpps  ETA ${eta} `;
}

export function formatReplay(s: ReplaySummary): string {
  const lines = [
    `read ${s.packetsRead} packets in ${s.wallSeconds.toFixed(3)} s: ${s.mpps.toFixed(2)} Mpps`,
    ...(s.truncated || s.oversize ? [`skipped ${s.truncated} truncated and ${s.oversize} oversized records`] : []),
    ' port       rx pkts      tx pkts       tx bytes   file',
    ...s.ports.map(
      (p) =>
        `${String(p.ofport).padStart(5)}  ${String(p.rxPackets).padStart(12)} ${String(p.txPackets).padStart(12)} ${String(p.txBytes).padStart(14)}   ${p.file ?? '-'}`,
    ),
    `controller: ${s.upcalls} packets${s.controllerFile ? ` (${s.controllerFile})` : ''}`,
    `dropped: table miss ${s.drops.tableMiss}, runt ${s.drops.runt}, bad source ${s.drops.badSource}, ` +
      `same port ${s.drops.samePort}, TTL expired ${s.drops.invalidTtl}, no such port ${s.drops.noPort}`,
    ...(s.undeclaredPorts.length
      ? [
          `the flows output to port${s.undeclaredPorts.length === 1 ? '' : 's'} ${s.undeclaredPorts.join(',')}, not one of the replay's ports: ` +
            `what went there is counted as "no such port" (declare ${s.undeclaredPorts.length === 1 ? 'it' : 'them'} with --ports)`,
        ]
      : []),
  ];
  return lines.join('\n') + '\n';
}

export function addReplayCommand(program: Command, io: Io, option: <T>(parse: (v: string) => T) => (v: string) => T): void {
  program
    .command('replay')
    .description('run pcap traces through the real pipeline, offline, as fast as it goes')
    .requiredOption('--in <port=file>', 'a trace entering on PORT (repeatable)', (v: string, prev: ReplayInput[] | undefined) =>
      option((x: string) => parseIn(x, prev))(v),
    )
    .option('--ports <list>', "the bridge's ports (default: the --in ports and 1-4)", option(parsePorts))
    .option('--flows <file>', 'ovs-ofctl flows file: the whole table set (default: NORMAL)')
    .option('--out <dir>', 'write DIR/port-P.pcap for every port that transmits, DIR/controller.pcap')
    .option('--json', 'JSON summary')
    .option('--repeat <n>', 'replay the traces N times', option(parseRepeat))
    .action(async (flags: ReplayFlags) => {
      const { replay } = await import('../pcap/replay.js');
      const tty = process.stderr.isTTY === true;
      const summary = await replay({
        inputs: flags.in,
        ...(flags.ports ? { ports: flags.ports } : {}),
        ...(flags.flows !== undefined ? { flowsFile: flags.flows } : {}),
        ...(flags.out !== undefined ? { outDir: flags.out } : {}),
        ...(flags.repeat !== undefined ? { repeat: flags.repeat } : {}),
        ...(tty ? { onProgress: (d: number, t: number, e: number) => io.err(progressLine(d, t, e)) } : {}),
      });
      if (tty) io.err('\r\x1b[K');
      io.out(flags.json ? JSON.stringify(summary, null, 2) + '\n' : formatReplay(summary));
    });
}
