// A port's VLAN settings as Open vSwitch's Port table has them (ovs-vswitchd.conf.db(5):
// tag, trunks, vlan_mode), checked once here for the CLI, the daemon, the DB loader
// and the API, and resolved to what the datapath runs (native/dp/vlan.h has the rules
// NORMAL applies).
//
// Resolution follows OVS's bridge.c: no vlan_mode means access when a tag is given,
// trunk otherwise; a port with neither is a trunk of every VLAN (untagged = VLAN 0).
// Where OVS only warns and ignores (a tag on a trunk, trunks on an access port) we
// refuse, naming the setting, so that what the user wrote is what runs.
import { NodeswitchError } from './errors.js';
import { VLAN_ID, VLAN_MODES, VLAN_TAG } from './limits.js';
import { checkInteger } from './validate.js';

export type VlanMode = (typeof VLAN_MODES)[number];

/** What the user sets: any of the three; absent ones take OVS's defaults. */
export interface PortVlanOptions {
  /** access: the port's VLAN; native-tagged / native-untagged: the native VLAN (1–4094). */
  tag?: number;
  /** The VLANs a trunk carries (0–4095, no duplicates); none or empty: all of them. */
  trunks?: number[];
  vlanMode?: VlanMode;
}

/** What runs: the mode, its tag when it has one, the trunks (empty: all). */
export interface PortVlan {
  mode: VlanMode;
  tag?: number;
  trunks: number[];
}

export const PLAIN_VLAN: PortVlan = { mode: 'trunk', trunks: [] };

export function isPlainVlan(v: PortVlan): boolean {
  return v.mode === 'trunk' && v.trunks.length === 0;
}

export function checkVlanMode(v: unknown): VlanMode {
  if (typeof v !== 'string' || !(VLAN_MODES as readonly string[]).includes(v)) {
    throw new NodeswitchError(`vlan_mode must be one of ${VLAN_MODES.join(', ')}, got ${JSON.stringify(v)}`, 'vlan_mode');
  }
  return v as VlanMode;
}

export function checkTrunks(v: unknown): number[] {
  if (!Array.isArray(v)) throw new NodeswitchError(`trunks must be a list of VLAN ids, got ${JSON.stringify(v)}`, 'trunks');
  const seen = new Set<number>();
  for (const t of v as unknown[]) {
    const id = checkInteger(t, 'trunks', VLAN_ID);
    if (seen.has(id)) throw new NodeswitchError(`trunks lists VLAN ${id} twice`, 'trunks');
    seen.add(id);
  }
  return [...seen].sort((a, b) => a - b);
}

/** Checks the settings together and resolves them; throws naming the setting that is wrong. */
export function resolvePortVlan(o: PortVlanOptions): PortVlan {
  const tag = o.tag === undefined ? undefined : checkInteger(o.tag, 'tag', VLAN_TAG);
  const trunks = o.trunks === undefined ? [] : checkTrunks(o.trunks);
  const mode = o.vlanMode === undefined ? (tag === undefined ? 'trunk' : 'access') : checkVlanMode(o.vlanMode);
  if (mode === 'access' && trunks.length > 0) {
    throw new NodeswitchError(
      `trunks cannot be set on an access port (vlan_mode access${o.vlanMode === undefined ? ', implied by the tag' : ''}); ` +
        'use vlan_mode=native-tagged or native-untagged for a trunk with a native VLAN',
      'trunks',
    );
  }
  if (mode !== 'trunk' && tag === undefined) {
    throw new NodeswitchError(`vlan_mode ${mode} needs a tag (the ${mode === 'access' ? '' : 'native '}VLAN, 1–4094)`, 'tag');
  }
  if (mode === 'trunk' && tag !== undefined) {
    throw new NodeswitchError(
      'a trunk port takes no tag (its untagged frames are VLAN 0); use vlan_mode=native-tagged or native-untagged ' +
        'for a native VLAN, or tag=[] to clear the tag',
      'tag',
    );
  }
  return { mode, ...(tag !== undefined && { tag }), trunks };
}

/** Whether a port with settings `v` carries `vlan` (native/dp/vlan.h PortVlan::includes). */
export function portCarriesVlan(v: PortVlan, vlan: number): boolean {
  if (v.mode === 'access') return vlan === v.tag;
  return v.trunks.length === 0 || v.trunks.includes(vlan);
}

/** How show and list-ports say it: "access tag 10", "trunks 10,20", "native-untagged tag 10 trunks 20,30". */
export function formatPortVlan(v: PortVlan): string {
  if (isPlainVlan(v)) return '';
  const parts: string[] = [v.mode];
  if (v.tag !== undefined) parts.push(`tag ${v.tag}`);
  if (v.trunks.length) parts.push(`trunks ${v.trunks.join(',')}`);
  return parts.join(' ');
}
