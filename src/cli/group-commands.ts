// The OpenFlow group verbs, shaped as ovs-ofctl -O OpenFlow13's: add-group / mod-group
// BR GROUP, add-groups BR FILE|-, del-groups BR [GROUP], dump-groups BR [GROUP],
// dump-group-stats BR [GROUP], dump-group-features BR. GROUP selectors are "N",
// "group_id=N" or "all". The CLI checks the syntax it can (the group text) so a typo
// is said before anything is sent; the daemon checks again, against the bridge.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { fileProblem, NodeswitchError } from '../errors.js';
import type { Args, Verb } from '../daemon/protocol.js';
import { groupLines } from '../daemon/groups.js';
import { parseGroup, parseGroupSelector } from '../ofproto/group.js';
import type { DaemonFlags } from './daemon-options.js';
import { formatJson } from './format.js';

interface ReadFlags extends DaemonFlags {
  json?: boolean;
}

export interface GroupCommandHelpers {
  withPaths: (cmd: Command) => Command;
  change: (flags: DaemonFlags, verb: Verb, args: Args) => Promise<void>;
  send: (flags: DaemonFlags, verb: Verb, args: Args) => Promise<unknown>;
  out: (text: string) => void;
  stdin?: () => Promise<string>;
}

/** The syntax alone: port names are the daemon's bridge's to resolve. */
const SYNTAX_ONLY = { resolvePort: (): number => 1 };

const lines = (text: string[]): string => text.map((l) => `${l}\n`).join('');

async function readGroupsFile(file: string, h: GroupCommandHelpers): Promise<string> {
  if (file === '-') {
    if (!h.stdin) throw new NodeswitchError('add-groups -: no standard input to read', 'file');
    return h.stdin();
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new NodeswitchError(`cannot read the groups file ${file}: ${fileProblem(err)}`, 'file');
  }
}

export function addGroupCommands(program: Command, h: GroupCommandHelpers): void {
  for (const verb of ['add-group', 'mod-group'] as const) {
    h.withPaths(program.command(verb))
      .description(`${verb === 'add-group' ? 'add' : 'change'} an OpenFlow group (ovs-ofctl syntax, e.g. "group_id=1,type=select,bucket=weight:10,actions=output:1,bucket=actions=output:2")`)
      .argument('<bridge>')
      .argument('<group>')
      .action((bridge: string, group: string, flags: DaemonFlags) => {
        parseGroup(group, SYNTAX_ONLY);
        return h.change(flags, verb, { bridge, group });
      });
  }

  h.withPaths(program.command('add-groups'))
    .description('add the groups of a file, one per line ("-": standard input); all of them or none')
    .argument('<bridge>')
    .argument('<file>', 'groups file, or - for standard input')
    .action(async (bridge: string, file: string, flags: DaemonFlags) => {
      const text = await readGroupsFile(file, h);
      const source = file === '-' ? 'standard input' : file;
      for (const l of groupLines(text)) {
        try {
          parseGroup(l.text, SYNTAX_ONLY);
        } catch (err) {
          throw new NodeswitchError(`${source}: line ${l.line}: ${(err as Error).message}`, 'group');
        }
      }
      return h.change(flags, 'add-groups', { bridge, groups: text });
    });

  h.withPaths(program.command('del-groups'))
    .description('delete a group (group_id=N) or every group, and the flows that use them')
    .argument('<bridge>')
    .argument('[group]', 'group_id=N, N or all (default: all)')
    .action((bridge: string, group: string | undefined, flags: DaemonFlags) => {
      parseGroupSelector(group);
      return h.change(flags, 'del-groups', { bridge, ...(group !== undefined && { group }) });
    });

  for (const verb of ['dump-groups', 'dump-group-stats'] as const) {
    h.withPaths(program.command(verb))
      .description(verb === 'dump-groups' ? 'the groups and their buckets, as ovs-ofctl dump-groups' : "the groups' and buckets' counters, as ovs-ofctl dump-group-stats")
      .argument('<bridge>')
      .argument('[group]', 'group_id=N, N or all (default: all)')
      .option('--json', 'JSON output')
      .action(async (bridge: string, group: string | undefined, flags: ReadFlags) => {
        parseGroupSelector(group);
        const result = (await h.send(flags, verb, { bridge, ...(group !== undefined && { group }) })) as { text: string[]; groups?: unknown; stats?: unknown };
        h.out(flags.json ? formatJson(verb === 'dump-groups' ? result.groups : result.stats) : lines(result.text));
      });
  }

  h.withPaths(program.command('dump-group-features'))
    .description('the group types, capabilities and actions, as ovs-ofctl dump-group-features')
    .argument('<bridge>')
    .option('--json', 'JSON output')
    .action(async (bridge: string, flags: ReadFlags) => {
      const result = (await h.send(flags, 'dump-group-features', { bridge })) as { text: string[]; features: unknown };
      h.out(flags.json ? formatJson(result.features) : lines(result.text));
    });
}
