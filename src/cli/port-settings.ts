// nodeswitch set-port PORT key=value…   (tag= trunks= vlan_mode=, as ovs-vsctl set port)
// and add-port's --tag / --trunks / --vlan-mode. Port names are unique across bridges,
// so set-port names no bridge. A key set to [] (or nothing: tag=) goes back to its
// default, as `ovs-vsctl clear port P tag` does. What the settings mean together is
// checked by the daemon (src/vlan.ts); here only each value's form.
import type { Command } from 'commander';
import { NodeswitchError } from '../errors.js';
import type { Args, Verb } from '../daemon/protocol.js';
import { VLAN_MODES, VLAN_TAG } from '../limits.js';
import { checkVlanMode } from '../vlan.js';
import { parseInteger, parseTrunks } from './args.js';
import type { DaemonFlags } from './daemon-options.js';

/** What the daemon's set-port takes: each key a value, or null to clear it. */
export interface PortSettings {
  tag?: number | null;
  trunks?: number[] | null;
  vlanMode?: string | null;
}

const KEYS: Record<string, { field: keyof PortSettings; parse: (v: string) => number | number[] | string }> = {
  tag: { field: 'tag', parse: (v) => parseInteger(v, 'tag', VLAN_TAG) },
  trunks: { field: 'trunks', parse: (v) => parseTrunks(v) },
  vlan_mode: { field: 'vlanMode', parse: (v) => checkVlanMode(v) },
};
// Part of the contract (DESIGN.md), not built yet: refused by name rather than as unknown.
const NOT_YET = ['ingress_policing_rate', 'ingress_policing_burst'];

export function parsePortSettings(items: string[]): PortSettings {
  const help = `tag=VID, trunks=V,V…, vlan_mode=${VLAN_MODES.join('|')}`;
  if (items.length === 0) throw new NodeswitchError(`set-port needs at least one of ${help}`, 'settings');
  const out: PortSettings = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (NOT_YET.includes(key)) throw new NodeswitchError(`${key} is not supported yet; nothing was changed`, key);
    const k = KEYS[key];
    if (!k) throw new NodeswitchError(`unknown port setting "${key}" (known: ${Object.keys(KEYS).join(', ')})`, key);
    if (eq < 0) throw new NodeswitchError(`${key} needs a value: ${help} ([] clears it)`, key);
    if (out[k.field] !== undefined) throw new NodeswitchError(`${key} is given twice`, key);
    const value = item.slice(eq + 1).trim();
    (out as Record<string, unknown>)[k.field] = value === '' || value === '[]' ? null : k.parse(value);
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
    .description(`change a port's VLAN settings: tag=VID trunks=V,V… vlan_mode=${VLAN_MODES.join('|')} ([] clears one)`)
    .argument('<port>', 'the port (names are unique across bridges)')
    .argument('<settings...>', 'KEY=VALUE: tag=VID, trunks=V,V…, vlan_mode=MODE')
    .action((port: string, settings: string[], flags: DaemonFlags) =>
      change(flags, 'set-port', { port, ...(parsePortSettings(settings) as Args) }),
    );
}
