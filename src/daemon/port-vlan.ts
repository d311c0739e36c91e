// The daemon's view of a port's VLAN settings: how the DB keeps them (DbPort's tag,
// trunks and vlanMode, as the user gave them — OVS's defaults are applied when the
// port is configured, not written down), how add-port and set-port take them off
// the socket, and how set-port merges a change into what is there.
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

/**
 * set-port: `values` holds the keys to change, as the CLI spells them (tag, trunks,
 * vlan_mode; null: clear one, back to OVS's default); the others stay. Returns the
 * port's new settings, checked as a whole.
 */
export function mergeVlan(p: Pick<DbPort, 'tag' | 'trunks' | 'vlanMode'>, values: Record<string, unknown>): PortVlanOptions {
  const next: PortVlanOptions = { ...dbPortVlan(p) };
  if ('tag' in values) {
    if (values.tag === null) delete next.tag;
    else next.tag = values.tag as number;
  }
  if ('trunks' in values) {
    if (values.trunks === null) delete next.trunks;
    else next.trunks = checkTrunks(values.trunks);
  }
  if ('vlan_mode' in values) {
    if (values.vlan_mode === null) delete next.vlanMode;
    else next.vlanMode = checkVlanMode(values.vlan_mode);
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
