// nodeswitch add-bond BR BOND PORT PORT… [--bond-mode M] [--lacp L] [--lacp-time T] [--ofport N]
// nodeswitch bond-show BR [--json]
//
// A bond is one port of the bridge over several member netdevs (src/bond.ts,
// native/dp/bond.h); del-port BR BOND removes it. Values are checked here as the
// daemon checks them (src/bond.ts), so a typo fails before anything is sent.
import type { Command } from 'commander';
import { BOND_MODES, formatBondShow, LACP_MODES, LACP_TIMES, resolveBond } from '../bond.js';
import type { NativeBond } from '../native.js';
import { checkNetdevName } from '../validate.js';
import { parseOfport, parseTag, parseTrunks } from './args.js';
import { call } from './client.js';
import { addDaemonOptions, type DaemonFlags, daemonTarget } from './daemon-options.js';
import { formatJson } from './format.js';

interface Io {
  out(text: string): void;
  err(text: string): void;
}

interface AddBondFlags extends DaemonFlags {
  bondMode?: string;
  lacp?: string;
  lacpTime?: string;
  ofport?: number;
  tag?: number;
  trunks?: number[];
}

export function addBondCommands(
  program: Command,
  io: Io,
  env: NodeJS.ProcessEnv,
  option: <T>(parse: (v: string) => T) => (v: string) => T,
): void {
  const add = program
    .command('add-bond')
    .description('add a bond: one port over several member netdevs (none of them a port already)')
    .argument('<bridge>')
    .argument('<bond>', 'the bond port’s name')
    .argument('<ports...>', 'the member netdevs (at least two)')
    .option('--bond-mode <mode>', BOND_MODES.join(' | ') + ' (default active-backup)')
    .option('--lacp <mode>', LACP_MODES.join(' | ') + ' (default off; balance-tcp needs active or passive)')
    .option('--lacp-time <time>', LACP_TIMES.join(' | ') + ': LACPDU rate asked of the partner (default slow)')
    .option('--ofport <N>', 'OpenFlow port number (default: lowest free)', option(parseOfport))
    .option('--tag <vid>', 'an access bond of that VLAN', option(parseTag))
    .option('--trunks <vids>', 'a trunk of those VLANs (default: every VLAN)', option(parseTrunks));
  addDaemonOptions(add).action(async (bridge: string, bond: string, ports: string[], flags: AddBondFlags) => {
    checkNetdevName(bridge, 'bridge');
    const b = resolveBond(bond, ports, {
      ...(flags.bondMode !== undefined && { mode: flags.bondMode as never }),
      ...(flags.lacp !== undefined && { lacp: flags.lacp as never }),
      ...(flags.lacpTime !== undefined && { lacpTime: flags.lacpTime as never }),
    });
    const target = daemonTarget(flags, env);
    await call(
      target.sock,
      'add-bond',
      {
        bridge,
        bond: b.name,
        members: b.members,
        mode: b.mode,
        lacp: b.lacp,
        lacpTime: b.lacpTime,
        ...(flags.ofport !== undefined && { ofport: flags.ofport }),
        ...(flags.tag !== undefined && { tag: flags.tag }),
        ...(flags.trunks !== undefined && { trunks: flags.trunks }),
      },
      target.timeoutMs,
    );
  });

  const show = program
    .command('bond-show')
    .description('the bonds: members, enabled, carrier, the active member, LACP actor and partner (as ovs-appctl bond/show, lacp/show)')
    .argument('<bridge>')
    .option('--json', 'JSON output');
  addDaemonOptions(show).action(async (bridge: string, flags: DaemonFlags & { json?: boolean }) => {
    const target = daemonTarget(flags, env);
    const bonds = (await call(target.sock, 'bond-show', { bridge }, target.timeoutMs)) as NativeBond[];
    io.out(flags.json ? formatJson(bonds) : formatBondShow(bonds));
  });
}
