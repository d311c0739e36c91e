// The daemon's switch-owned TAPs outlive it. Each is made persistent (TUNSETPERSIST),
// so that stopping or restarting the daemon — even killing it — leaves the device
// where it is: in the root namespace, or in the namespace it was handed to
// (`ip link set TAP netns NS`), with its MAC, addresses and routes. At start the
// daemon attaches to it again, looking for it by name and MAC in the other
// namespaces when it is not in its own; only a TAP that is gone (deleted, or its
// namespace deleted) is made anew, in the daemon's namespace, with the MAC the DB
// keeps — so a TAP's MAC never changes across restarts. del-port and del-br remove
// the device; the daemon stopping does not.
import { dbPortVlan } from './port-vlan.js';
import { readFileSync } from 'node:fs';
import type { PortOptions } from '../types.js';
import type { DbPort } from './config-db.js';
import { policingOptions } from './port-settings.js';

/** How the daemon adds a port of its config. */
export function portOptions(p: DbPort, extra: Pick<PortOptions, 'allowMissing'> = {}): PortOptions {
  const tap = p.type === 'tap' ? { tap: { persist: true, searchNamespaces: true, ...(p.mac !== undefined && { mac: p.mac }) } } : {};
  const vlan = dbPortVlan(p);
  return { type: p.type, ofport: p.ofport, ...extra, ...tap, ...(vlan && { vlan }), ...policingOptions(p) };
}

/** The MAC of a netdev of the daemon's namespace, as the DB keeps it; undefined when it cannot be read. */
export function netdevMac(name: string): string | undefined {
  try {
    const mac = readFileSync(`/sys/class/net/${name}/address`, 'utf8').trim().toLowerCase();
    return /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac) ? mac : undefined;
  } catch {
    return undefined;
  }
}
