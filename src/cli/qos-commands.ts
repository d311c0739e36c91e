// The OpenFlow meter verbs (set-port's ingress policing keys are in port-settings.ts), shaped as
// ovs-ofctl's: add-meter / mod-meter BR METER, del-meters BR [METER], dump-meters BR
// [METER], meter-stats BR [METER]. The CLI checks the syntax it can (KEY=VALUE form,
// the meter text) so a typo is said before anything is sent; the daemon checks again.
import type { Command } from 'commander';
import type { Args, Verb } from '../daemon/protocol.js';
import { parseMeter, parseMeterSelector } from '../qos/meter-syntax.js';
import type { DaemonFlags } from './daemon-options.js';
import { formatJson } from './format.js';

interface ReadFlags extends DaemonFlags {
  json?: boolean;
}

export interface QosCommandHelpers {
  withPaths: (cmd: Command) => Command;
  change: (flags: DaemonFlags, verb: Verb, args: Args) => Promise<void>;
  send: (flags: DaemonFlags, verb: Verb, args: Args) => Promise<unknown>;
  out: (text: string) => void;
}

const lines = (text: string[]): string => text.map((l) => `${l}\n`).join('');

export function addQosCommands(program: Command, h: QosCommandHelpers): void {
  for (const verb of ['add-meter', 'mod-meter'] as const) {
    h.withPaths(program.command(verb))
      .description(`${verb === 'add-meter' ? 'add' : 'change'} an OpenFlow meter (ovs-ofctl syntax, e.g. "meter=1,kbps,burst,bands=type=drop,rate=10000,burst_size=1000")`)
      .argument('<bridge>')
      .argument('<meter>')
      .action((bridge: string, meter: string, flags: DaemonFlags) => {
        parseMeter(meter);
        return h.change(flags, verb, { bridge, meter });
      });
  }

  h.withPaths(program.command('del-meters'))
    .description('delete a meter (meter=N) or every meter, and the flows that use them')
    .argument('<bridge>')
    .argument('[meter]', 'meter=N or meter=all (default: all)')
    .action((bridge: string, meter: string | undefined, flags: DaemonFlags) => {
      parseMeterSelector(meter);
      return h.change(flags, 'del-meters', { bridge, ...(meter !== undefined && { meter }) });
    });

  for (const verb of ['dump-meters', 'meter-stats'] as const) {
    h.withPaths(program.command(verb))
      .description(verb === 'dump-meters' ? 'the meters and their bands, as ovs-ofctl dump-meters' : "the meters' counters, as ovs-ofctl meter-stats")
      .argument('<bridge>')
      .argument('[meter]', 'meter=N or meter=all (default: all)')
      .option('--json', 'JSON output')
      .action(async (bridge: string, meter: string | undefined, flags: ReadFlags) => {
        parseMeterSelector(meter);
        const result = (await h.send(flags, verb, { bridge, ...(meter !== undefined && { meter }) })) as { text: string[]; meters?: unknown; stats?: unknown };
        h.out(flags.json ? formatJson(verb === 'dump-meters' ? result.meters : result.stats) : lines(result.text));
      });
  }
}
