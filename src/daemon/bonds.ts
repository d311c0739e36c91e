// The daemon's side of bonds: add-bond's arguments, attaching a bond port of the
// config to a bridge (add-bond, restore, the undo of del-port and del-br), and
// bond-show. A bond lives in the config DB as a port of type "bond" with its
// members and settings (config-db.ts DbPort.bond), so every port verb that names
// it (del-port, dump-ports, show, flows by port name) works on it unchanged.
import { type BondOptions, resolveBond } from '../bond.js';
import { dbPortVlan } from './port-vlan.js';
import { NodeswitchError } from '../errors.js';
import type { NativeBond } from '../native.js';
import type { AddedPort, PortOptions } from '../types.js';
import type { DbBond, DbPort } from './config-db.js';
import { type Args, optionalString, requireString } from './protocol.js';
import type { BridgeApi } from './switch-api.js';
import { portOptions } from './tap-ports.js';

export interface AddBondRequest {
  bridge: string;
  bond: string;
  settings: DbBond;
}

/** add-bond's arguments {bridge, bond, members: [...], mode?, lacp?, lacpTime?}, checked. */
export function parseAddBondArgs(args: Args): AddBondRequest {
  const bridge = requireString(args, 'bridge');
  const members = args.members;
  if (!Array.isArray(members)) throw new NodeswitchError(`members must be a list of port names, got ${JSON.stringify(members)}`, 'port');
  const opts: BondOptions = {};
  const mode = optionalString(args, 'mode');
  const lacp = optionalString(args, 'lacp');
  const lacpTime = optionalString(args, 'lacpTime');
  if (mode !== undefined) opts.mode = mode as BondOptions['mode'];
  if (lacp !== undefined) opts.lacp = lacp as BondOptions['lacp'];
  if (lacpTime !== undefined) opts.lacpTime = lacpTime as BondOptions['lacpTime'];
  const b = resolveBond(requireString(args, 'bond'), members as unknown[], opts);
  return { bridge, bond: b.name, settings: { members: b.members, mode: b.mode, lacp: b.lacp, lacpTime: b.lacpTime } };
}

/** Adds a port of the config to a live bridge: a bond with its members, or any other port. */
export async function attachPort(bridge: BridgeApi, p: DbPort, extra: Pick<PortOptions, 'allowMissing'> = {}): Promise<AddedPort> {
  if (p.type !== 'bond') return bridge.addPort(p.name, portOptions(p, extra));
  if (!bridge.addBond || !p.bond) throw new NodeswitchError('this switch has no bonds', 'port');
  const { members, ...settings } = p.bond;
  const added = await bridge.addBond(p.name, members, { ...settings, ofport: p.ofport, ...extra });
  // A bond's VLAN settings are its port's, as in OVS (the bond's slot carries them).
  const vlan = dbPortVlan(p);
  if (vlan) {
    try {
      await bridge.setPortVlan(p.name, vlan);
    } catch (err) {
      await bridge.deletePort(p.name);
      throw err;
    }
  }
  return added;
}

/** bond-show: every bond of the bridge, as the datapath runs it now. */
export async function bondShow(bridge: BridgeApi): Promise<NativeBond[]> {
  if (!bridge.bonds) throw new NodeswitchError('this switch has no bonds', 'bridge');
  return bridge.bonds();
}
