// nodeswitch add-mirror BR NAME [--select-all] [--select-src-port P,…] [--select-dst-port P,…]
//                   [--select-vlan V,…] (--output-port P | --output-vlan V)
// nodeswitch del-mirror BR NAME | list-mirrors BR [--json]
//
// Port mirrors as Open vSwitch's Mirror table has them (src/mirror.ts). The CLI
// checks the syntax (lists, VLAN ranges, one output); the daemon checks the ports.
import type { Command } from 'commander';
import { NodeswitchError } from '../errors.js';
import { MIRROR_VLAN, type MirrorInfo, type MirrorSpec } from '../mirror.js';
import { parseInteger } from './args.js';
import type { Verb } from '../daemon/protocol.js';
import { call } from './client.js';
import { addDaemonOptions, type DaemonFlags, daemonTarget } from './daemon-options.js';
import { formatJson } from './format.js';

interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** commander's options of add-mirror: the MirrorSpec's own fields. */
interface AddMirrorFlags extends DaemonFlags, MirrorSpec {}

/** "vnet0,vnet1" → ["vnet0", "vnet1"]: ports by name or ofport. */
function portList(argument: string): (value: string) => string[] {
  return (value) => {
    const parts = value.split(',').map((p) => p.trim());
    if (value === '' || parts.some((p) => p === '')) {
      throw new NodeswitchError(`${argument} must be a comma-separated list of ports (e.g. vnet0,vnet1), got "${value}"`, argument);
    }
    return parts;
  };
}

/** "10,20" → [10, 20]: VLAN ids 1–4094. */
function vlanList(value: string): number[] {
  const parts = value.split(',');
  if (value === '' || parts.some((p) => p.trim() === '')) {
    throw new NodeswitchError(`select-vlan must be a comma-separated list of VLAN ids (e.g. 10,20), got "${value}"`, 'select-vlan');
  }
  return parts.map((p) => parseInteger(p.trim(), 'select-vlan', MIRROR_VLAN));
}

export function addMirrorCommands(
  program: Command,
  io: Io,
  env: NodeJS.ProcessEnv,
  option: <T>(parse: (v: string) => T) => (v: string) => T,
): void {
  const send = (flags: DaemonFlags, verb: Verb, args: Record<string, unknown>): Promise<unknown> => {
    const { sock, timeoutMs } = daemonTarget(flags, env);
    return call(sock, verb, args, timeoutMs);
  };

  addDaemonOptions(
    program
      .command('add-mirror')
      .description('mirror the selected traffic to a port (SPAN) or, tagged, to a VLAN (RSPAN)')
      .argument('<bridge>')
      .argument('<name>', 'the mirror')
      .option('--select-all', 'every packet in or out of any port')
      .option('--select-src-port <ports>', 'packets received on these ports (names or ofports, comma-separated)', option(portList('select-src-port')))
      .option('--select-dst-port <ports>', 'packets sent out of these ports', option(portList('select-dst-port')))
      .option('--select-vlan <vids>', 'only packets on these VLANs, e.g. 10,20', option(vlanList))
      .option('--output-port <port>', 'SPAN: send the copies out of this port')
      .option('--output-vlan <vid>', 'RSPAN: tag the copies with this VLAN, to every port carrying it', option((v: string) => parseInteger(v, 'output-vlan', MIRROR_VLAN))),
  ).action(async (bridge: string, name: string, flags: AddMirrorFlags) => {
    if ((flags.outputPort === undefined) === (flags.outputVlan === undefined)) {
      throw new NodeswitchError(
        `add-mirror needs exactly one output: --output-port P or --output-vlan V${flags.outputPort !== undefined ? ', not both' : ''}`,
        flags.outputPort !== undefined ? 'output-vlan' : 'output-port',
      );
    }
    await send(flags, 'add-mirror', {
      bridge,
      name,
      ...(flags.selectAll && { selectAll: true }),
      ...(flags.selectSrcPort && { selectSrcPort: flags.selectSrcPort }),
      ...(flags.selectDstPort && { selectDstPort: flags.selectDstPort }),
      ...(flags.selectVlan && { selectVlan: flags.selectVlan }),
      ...(flags.outputPort !== undefined && { outputPort: flags.outputPort }),
      ...(flags.outputVlan !== undefined && { outputVlan: flags.outputVlan }),
    });
  });

  addDaemonOptions(program.command('del-mirror').description('delete a mirror').argument('<bridge>').argument('<name>')).action(
    async (bridge: string, name: string, flags: DaemonFlags) => {
      await send(flags, 'del-mirror', { bridge, name });
    },
  );

  addDaemonOptions(
    program.command('list-mirrors').description("a bridge's mirrors, with the packets and bytes each sent").argument('<bridge>').option('--json', 'JSON output'),
  ).action(async (bridge: string, flags: DaemonFlags & { json?: boolean }) => {
    const result = (await send(flags, 'list-mirrors', { bridge })) as MirrorInfo[];
    io.out(flags.json ? formatJson(result) : formatMirrors(result));
  });
}

/** Like ovs-vsctl list Mirror, one block per mirror, in the order added. */
export function formatMirrors(mirrors: MirrorInfo[]): string {
  const lines: string[] = [];
  for (const m of mirrors) {
    lines.push(`Mirror ${m.name}`);
    lines.push(`    select-all: ${m.selectAll === true}`);
    if (m.selectSrcPort) lines.push(`    select-src-port: ${m.selectSrcPort.join(', ')}`);
    if (m.selectDstPort) lines.push(`    select-dst-port: ${m.selectDstPort.join(', ')}`);
    if (m.selectVlan) lines.push(`    select-vlan: ${m.selectVlan.join(', ')}`);
    if (m.outputPort !== undefined) lines.push(`    output-port: ${m.outputPort}`);
    if (m.outputVlan !== undefined) lines.push(`    output-vlan: ${m.outputVlan}`);
    lines.push(`    packets: ${m.packets}`);
    lines.push(`    bytes: ${m.bytes}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}
