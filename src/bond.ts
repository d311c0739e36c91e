// Bonds: one bridge port over several member links (native/dp/bond.h has the
// datapath side: member choice, admissibility, LACP). This file is the TypeScript
// side's vocabulary — the settings, their checks and defaults (Open vSwitch's), and
// bond-show's rendering — shared by the API (Bridge.addBond), the daemon and the CLI.
import { NodeswitchError } from './errors.js';
import type { NativeBond } from './native.js';
import { checkNetdevName } from './validate.js';

/** native/dp/bond.h kBondModeNames, in order (test/native/constants.test.ts holds them equal). */
export const BOND_MODES = ['active-backup', 'balance-slb', 'balance-tcp'] as const;
/** native/dp/bond.h kLacpModeNames. */
export const LACP_MODES = ['active', 'passive', 'off'] as const;
/** native/dp/bond.h kLacpTimeNames: LACPDUs every 30 s (slow) or every second (fast) asked of the partner. */
export const LACP_TIMES = ['slow', 'fast'] as const;

export type BondMode = (typeof BOND_MODES)[number];
export type LacpMode = (typeof LACP_MODES)[number];
export type LacpTime = (typeof LACP_TIMES)[number];

/** A bond holds at most this many members (the datapath's limit). */
export const MAX_BOND_MEMBERS = 32;

export interface BondOptions {
  /** How output is spread over the members (default active-backup, as in OVS). */
  mode?: BondMode;
  /** 802.3ad LACP (default off, as in OVS; balance-tcp requires active or passive). */
  lacp?: LacpMode;
  /** The LACPDU rate asked of the partner (default slow, as OVS's lacp-time). */
  lacpTime?: LacpTime;
  /** The bond's OpenFlow port number; allocated from 1 when not given. */
  ofport?: number;
  /** Members whose netdev does not exist yet are added down (the daemon's restore). */
  allowMissing?: boolean;
}

export interface BondSettings {
  mode: BondMode;
  lacp: LacpMode;
  lacpTime: LacpTime;
}

function oneOf<T extends string>(list: readonly T[], value: unknown, argument: string): T {
  const found = list.find((m) => m === value);
  if (found === undefined) {
    throw new NodeswitchError(`${argument} must be one of ${list.join(', ')}, got ${JSON.stringify(value)}`, argument);
  }
  return found;
}

/**
 * Checks a bond's name, members and settings and fills in the defaults. Errors name
 * the argument as the CLI spells it: bond, port (a member), bond-mode, lacp, lacp-time.
 */
export function resolveBond(name: unknown, members: readonly unknown[], opts: BondOptions): BondSettings & { name: string; members: string[] } {
  const bond = checkNetdevName(name, 'bond');
  const names = members.map((m) => checkNetdevName(m, 'port'));
  if (names.length < 2) {
    throw new NodeswitchError(`bond ${bond} needs at least two member ports, got ${names.length}${names.length ? ` (${names[0]})` : ''}`, 'port');
  }
  if (names.length > MAX_BOND_MEMBERS) throw new NodeswitchError(`bond ${bond} may have at most ${MAX_BOND_MEMBERS} members, got ${names.length}`, 'port');
  const twice = names.find((m, i) => names.indexOf(m) !== i);
  if (twice !== undefined) throw new NodeswitchError(`bond ${bond} names member ${twice} twice`, 'port');
  if (names.includes(bond)) throw new NodeswitchError(`bond ${bond} cannot be one of its own members`, 'port');
  const mode = opts.mode === undefined ? 'active-backup' : oneOf(BOND_MODES, opts.mode, 'bond-mode');
  const lacp = opts.lacp === undefined ? 'off' : oneOf(LACP_MODES, opts.lacp, 'lacp');
  const lacpTime = opts.lacpTime === undefined ? 'slow' : oneOf(LACP_TIMES, opts.lacpTime, 'lacp-time');
  // As in Open vSwitch: balance-tcp hashes flows over an aggregate only a partner
  // that speaks LACP knows is one.
  if (mode === 'balance-tcp' && lacp === 'off') {
    throw new NodeswitchError('bond-mode balance-tcp needs LACP: add --lacp active (or passive)', 'lacp');
  }
  return { name: bond, members: names, mode, lacp, lacpTime };
}

// ---- bond-show -----------------------------------------------------------------------

const STATE_BITS: ReadonlyArray<[number, string]> = [
  [0x01, 'activity'],
  [0x02, 'timeout'],
  [0x04, 'aggregation'],
  [0x08, 'synchronized'],
  [0x10, 'collecting'],
  [0x20, 'distributing'],
  [0x40, 'defaulted'],
  [0x80, 'expired'],
];

/** An LACP state byte in ovs-appctl lacp/show's words. */
export function lacpStateText(state: number): string {
  return STATE_BITS.filter(([bit]) => state & bit)
    .map(([, word]) => word)
    .join(' ');
}

/** bond-show for people: per bond, bond/show's summary, then per member lacp/show's detail. */
export function formatBondShow(bonds: readonly NativeBond[]): string {
  const out: string[] = [];
  for (const b of bonds) {
    out.push(`---- ${b.name} ----`);
    out.push(`bond_mode: ${b.mode}`);
    out.push(`ofport: ${b.ofport}`);
    out.push(`lacp_status: ${b.lacp === 'off' ? 'off' : b.negotiated ? 'negotiated' : 'configured'}`);
    if (b.lacp !== 'off') {
      out.push(`lacp: ${b.lacp}`, `lacp_time: ${b.lacpTime}`, `sys_id: ${b.sysId}`, `sys_priority: ${b.sysPriority}`, `aggregation key: ${b.key}`);
    }
    const active = b.members.find((m) => m.active);
    out.push(`active member: ${active ? active.name : '<none>'}`);
    for (const m of b.members) {
      out.push('');
      out.push(`member ${m.name}: ${m.enabled ? 'enabled' : 'disabled'}${m.active ? ' (active)' : ''}`);
      out.push(`  carrier: ${m.carrier ? 'up' : 'down'}`);
      out.push(`  packets: ${m.rxPackets} received, ${m.txPackets} sent`);
      if (b.mode !== 'active-backup') out.push(`  hash buckets: ${m.buckets}`);
      if (m.lacp) {
        const l = m.lacp;
        out.push(`  lacp: ${l.status} ${l.attached ? 'attached' : 'detached'}, may_enable: ${l.mayEnable}`);
        out.push(`  lacpdus: ${l.rxPdus} received (${l.rxBad} bad), ${l.txPdus} sent`);
        out.push(`  actor sys_id: ${l.actor.sysId}, port_id: ${l.actor.portId}, key: ${l.actor.key}`);
        out.push(`  actor state: ${lacpStateText(l.actor.state)}`);
        out.push(`  partner sys_id: ${l.partner.sysId}, port_id: ${l.partner.portId}, key: ${l.partner.key}`);
        out.push(`  partner state: ${lacpStateText(l.partner.state)}`);
      }
    }
    out.push('');
  }
  return out.join('\n');
}
