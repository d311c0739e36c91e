// nodeswitch set-qos PORT type=htb max-rate=BPS [--queue Q:min-rate=…,max-rate=…,priority=…]…
//            clear-qos PORT
//            dump-queues BR [--json]
// Egress shaping with OVS's linux-htb meanings (src/qos/qos.ts). The settings are
// checked here, so that a typo is refused before anything is sent, and again by the
// daemon.
import type { Command } from 'commander';
import type { QueueStats } from '../qos/qos.js';
import { parseQosArgs } from '../qos/qos.js';
import type { Args, Verb } from '../daemon/protocol.js';
import { checkNetdevName } from '../validate.js';
import type { DaemonFlags } from './daemon-options.js';

interface ReadFlags extends DaemonFlags {
  json?: boolean;
}

export interface ShapingCommandDeps {
  withPaths: (cmd: Command) => Command;
  change: (flags: DaemonFlags, verb: Verb, args: Args) => Promise<void>;
  read: (flags: ReadFlags, verb: Verb, args: Args, human: (result: never) => string) => Promise<void>;
}

/** Like ovs-ofctl queue-stats: one line per queue, with its settings beside. */
export function formatQueues(bridge: string, queues: QueueStats[]): string {
  const lines = [`bridge ${bridge}: ${queues.length} queue${queues.length === 1 ? '' : 's'}`];
  for (const q of queues) {
    lines.push(
      `  port ${q.ofport} (${q.port}) queue ${q.queue}: tx pkts=${q.txPackets}, bytes=${q.txBytes}, drop=${q.txDropped}, ` +
        `backlog=${q.backlogPackets} (min-rate=${q.minRate}, max-rate=${q.maxRate}, priority=${q.priority})`,
    );
  }
  return lines.map((l) => `${l}\n`).join('');
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addShapingCommands(program: Command, { withPaths, change, read }: ShapingCommandDeps): void {
  withPaths(program.command('set-qos'))
    .description("shape a port's output (Open vSwitch's linux-htb QoS; rates in bit/s)")
    .argument('<port>')
    .argument('<settings...>', 'type=htb max-rate=BPS (the port\'s rate, shared by its queues)')
    .option(
      '--queue <Q:settings>',
      'queue Q (0..7): min-rate=BPS (guaranteed), max-rate=BPS (borrowing limit), priority=N (lower borrows first); repeatable',
      collect,
    )
    .action((port: string, settings: string[], flags: DaemonFlags & { queue?: string[] }) =>
      change(flags, 'set-qos', { port: checkNetdevName(port, 'port'), qos: parseQosArgs(settings, flags.queue ?? []) }),
    );

  withPaths(program.command('clear-qos'))
    .description("stop shaping a port's output (what its queues hold is dropped)")
    .argument('<port>')
    .action((port: string, flags: DaemonFlags) => change(flags, 'clear-qos', { port: checkNetdevName(port, 'port') }));

  withPaths(program.command('dump-queues'))
    .description("every shaped port's queues: tx packets, bytes, drops (queue full), backlog")
    .argument('<bridge>')
    .option('--json', 'JSON output')
    .action((bridge: string, flags: ReadFlags) =>
      read(flags, 'dump-queues', { bridge }, (r: QueueStats[]) => formatQueues(bridge, r)),
    );
}
