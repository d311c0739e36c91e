// nodeswitch set-port PORT key=value…   (tag= trunks= vlan_mode= ingress_policing_rate=
// ingress_policing_burst=, as ovs-vsctl set port / set interface) and add-port's
// --tag / --trunks / --vlan-mode. Port names are unique across bridges,
// so set-port names no bridge. A key set to [] (or nothing: tag=) goes back to its
// default, as `ovs-vsctl clear port P tag` does. What the settings mean together is
// checked by the daemon (src/daemon/port-settings.ts); here only each value's form.
import type { Command } from 'commander';
import { NodeswitchError } from '../errors.js';
import type { Args, Verb } from '../daemon/protocol.js';
import { VLAN_MODES, VLAN_TAG } from '../limits.js';
import { checkVlanMode } from '../vlan.js';
import { parseInteger, parseTrunks } from './args.js';
import type { DaemonFlags } from './daemon-options.js';

/** What the daemon's set-port takes as `settings`: each key (as the CLI spells it) a value, or null to clear it. */
export type PortSettings = Record<string, number | number[] | string | null>;

const KEYS: Record<string, (v: string) => number | number[] | string> = {
  tag: (v) => parseInteger(v, 'tag', VLAN_TAG),
  trunks: (v) => parseTrunks(v),
  vlan_mode: (v) => checkVlanMode(v),
  ingress_policing_rate: (v) => v, // checked by the daemon (src/qos/policing.ts)
  ingress_policing_burst: (v) => v,
};

export function parsePortSettings(items: string[]): PortSettings {
  const help = `tag=VID, trunks=V,V…, vlan_mode=${VLAN_MODES.join('|')}, ingress_policing_rate=KBPS, ingress_policing_burst=KB`;
  if (items.length === 0) throw new NodeswitchError(`set-port needs at least one of ${help}`, 'settings');
  const out: PortSettings = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const parse = KEYS[key];
    if (!parse) throw new NodeswitchError(`unknown port setting "${key}" (known: ${Object.keys(KEYS).join(', ')})`, key);
    if (eq < 0) throw new NodeswitchError(`${key} needs a value: ${help} ([] clears it)`, key);
    if (key in out) throw new NodeswitchError(`${key} is given twice`, key);
    const value = item.slice(eq + 1).trim();
    out[key] = value === '' || value === '[]' ? null : parse(value);
  }
  return out;
}

export function parseVlanModeOption(value: string): string {
  return checkVlanMode(value);
}

export function addSetPortCommand(
  program: Command,
  withPaths: (c: Command) => Command,
  change: (flags: DaemonFlags, verb: Verb, args: Args) => Promise<void>,
): void {
  withPaths(program.command('set-port'))
    .description(`change a port's settings: tag=VID trunks=V,V… vlan_mode=${VLAN_MODES.join('|')} ingress_policing_rate=KBPS ingress_policing_burst=KB ([] clears one)`)
    .argument('<port>', 'the port (names are unique across bridges)')
    .argument('<settings...>', 'KEY=VALUE: tag=VID, trunks=V,V…, vlan_mode=MODE, ingress_policing_rate=KBPS, ingress_policing_burst=KB')
    .action((port: string, settings: string[], flags: DaemonFlags) =>
      change(flags, 'set-port', { port, settings: parsePortSettings(settings) }),
    );
}
