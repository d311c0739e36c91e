// The daemon's view of a port's VLAN settings: how the DB keeps them (DbPort's tag,
// trunks and vlanMode, as the user gave them — OVS's defaults are applied when the
// port is configured, not written down), how add-port and set-port take them off
// the socket, and how set-port merges a change into what is there.
import { NodeswitchError } from '../errors.js';
import type { PortVlanOptions } from '../vlan.js';
import { checkTrunks, checkVlanMode, resolvePortVlan } from '../vlan.js';
import type { DbPort } from './config-db.js';
import type { Args } from './protocol.js';

/** The VLAN settings a DB port holds; undefined when it has none (a plain port). */
export function dbPortVlan(p: Pick<DbPort, 'tag' | 'trunks' | 'vlanMode'>): PortVlanOptions | undefined {
  if (p.tag === undefined && p.trunks === undefined && p.vlanMode === undefined) return undefined;
  return { ...(p.tag !== undefined && { tag: p.tag }), ...(p.trunks !== undefined && { trunks: p.trunks }), ...(p.vlanMode && { vlanMode: p.vlanMode }) };
}

/** add-port's tag, trunks and vlanMode, checked together (nothing is added when they do not fit). */
export function vlanFromArgs(args: Args): PortVlanOptions | undefined {
  const o: PortVlanOptions = {};
  if (args.tag !== undefined && args.tag !== null) o.tag = args.tag as number;
  if (args.trunks !== undefined && args.trunks !== null) o.trunks = checkTrunks(args.trunks);
  if (args.vlanMode !== undefined && args.vlanMode !== null) o.vlanMode = checkVlanMode(args.vlanMode);
  if (Object.keys(o).length === 0) return undefined;
  resolvePortVlan(o);
  return o;
}

const SET_PORT_KEYS = ['tag', 'trunks', 'vlanMode'] as const;

/**
 * set-port: `args` holds the keys to change (null: clear one, back to OVS's default);
 * the others stay. Returns the port's new settings, checked as a whole.
 */
export function mergeVlan(p: Pick<DbPort, 'tag' | 'trunks' | 'vlanMode'>, args: Args): PortVlanOptions {
  const given = SET_PORT_KEYS.filter((k) => k in args);
  if (given.length === 0) throw new NodeswitchError('set-port needs at least one of tag=, trunks=, vlan_mode=', 'settings');
  const next: PortVlanOptions = { ...dbPortVlan(p) };
  for (const k of given) {
    const v = args[k];
    if (v === null) delete next[k];
    else if (k === 'tag') next.tag = v as number;
    else if (k === 'trunks') next.trunks = checkTrunks(v);
    else next.vlanMode = checkVlanMode(v);
  }
  if (next.trunks?.length === 0) delete next.trunks;
  resolvePortVlan(next);
  return next;
}

/** Writes `v` into a DB port, removing the keys it does not have. */
export function setDbPortVlan(p: Pick<DbPort, 'tag' | 'trunks' | 'vlanMode'>, v: PortVlanOptions | undefined): void {
  delete p.tag;
  delete p.trunks;
  delete p.vlanMode;
  if (v?.tag !== undefined) p.tag = v.tag;
  if (v?.trunks !== undefined && v.trunks.length) p.trunks = v.trunks;
  if (v?.vlanMode !== undefined) p.vlanMode = v.vlanMode;
}
