// The bridge's LOCAL port as the daemon runs it: like Open vSwitch's internal port
// (and a Linux bridge's own netdev), a TAP named like the bridge at OFPP_LOCAL, so
// that the host itself can be on the switch (ip addr add … dev BR). add-br makes it
// unless --no-local; set-bridge BR local=false|true removes or adds it. Like a tap
// port's device it is persistent: it outlives a daemon restart (the host's
// addresses on it stay) and is removed by del-br or local=false. The DB keeps its
// MAC (DbBridge.local.mac), so that a TAP made again gets the same one.
import { OFPP_LOCAL } from '../limits.js';
import type { PortOptions } from '../types.js';
import type { DbBridge } from './config-db.js';
import type { BridgeApi, Log } from './switch-api.js';
import { netdevMac } from './tap-ports.js';
import { dbPortVlan } from './port-vlan.js';

export function localPortOptions(b: Pick<DbBridge, 'local'>): PortOptions {
  const vlan = b.local && dbPortVlan(b.local);
  return { type: 'tap', ofport: OFPP_LOCAL, tap: { persist: true, leaveDown: true, ...(b.local?.mac !== undefined && { mac: b.local.mac }) }, ...(vlan && { vlan }) };
}

/** Attaches (or makes) the LOCAL TAP of `b`; returns what the DB keeps of it. Throws the datapath's reason. */
export async function attachLocalPort(bridge: BridgeApi, b: Pick<DbBridge, 'name' | 'local'>, log: Log): Promise<{ mac?: string }> {
  const added = await bridge.addPort(b.name, localPortOptions(b));
  const mac = b.local?.mac ?? netdevMac(b.name);
  log(`bridge ${b.name}: LOCAL port ${b.name} (tap) ${added.tapOrigin === 'attached' ? 'attached' : 'created'}`);
  return { ...b.local, ...(mac !== undefined && { mac }) };
}
