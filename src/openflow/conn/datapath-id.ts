// The datapath id a bridge reports in FEATURES_REPLY and `show` prints, chosen as
// Open vSwitch's bridge_pick_datapath_id does: the bridge's datapath-id setting if it
// has one; else its LOCAL port's MAC as the low 48 bits; else (no LOCAL port) a
// stable value from the bridge's name — the first 6 bytes of its SHA-1, marked as a
// locally administered unicast MAC (OVS's dpid_from_hash). The same bridge keeps the
// same id across restarts: the LOCAL TAP's MAC is kept in the config DB.
import { createHash } from 'node:crypto';

export function macToDatapathId(mac: string): bigint {
  return BigInt(`0x${mac.replace(/:/g, '')}`);
}

export function datapathIdFromName(name: string): bigint {
  const bytes = createHash('sha1').update(name, 'utf8').digest().subarray(0, 6);
  bytes[0] = (bytes[0]! & ~0x01) | 0x02;
  return BigInt(`0x${bytes.toString('hex')}`);
}

export function chooseDatapathId(bridge: string, setting: string | undefined, localMac: string | undefined): bigint {
  if (setting !== undefined) return BigInt(`0x${setting}`);
  if (localMac !== undefined) return macToDatapathId(localMac);
  return datapathIdFromName(bridge);
}

/** 16 hex digits, as ovs-ofctl show prints "dpid:…". */
export function formatDatapathId(id: bigint): string {
  return id.toString(16).padStart(16, '0');
}
