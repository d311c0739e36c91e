/**
 * A bridge port as OpenFlow's ofp_port describes it: name, hardware address,
 * config (PORT_DOWN: the netdev is administratively down), state (LINK_DOWN, LIVE)
 * and speed, read from the netdev in /sys/class/net where the port has one (afpacket,
 * tap); mem, pcap and bond ports have none: a stable locally administered address
 * made from the name, and 10 Gbit/s as OVS reports for devices without a speed.
 * PORT_DOWN is OVS's: the netdev is brought down (IFF_UP cleared), so the kernel,
 * the datapath's link monitor and `ip link` all agree.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Bridge } from '../../bridge.js';
import type { PortInfo } from '../../types.js';
import { OFPPC, OFPPF, OFPPS, type OfPort } from '../wire/index.js';

const IFF_UP = 0x1;

/** Port types that are a netdev of this namespace. */
export function hasNetdev(p: PortInfo): boolean {
  return p.type === 'afpacket' || p.type === 'tap';
}

function sysfs(name: string, file: string): string | undefined {
  try {
    return readFileSync(`/sys/class/net/${name}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function hwAddr(p: PortInfo): string {
  const mac = hasNetdev(p) ? sysfs(p.name, 'address') : undefined;
  if (mac && /^[0-9a-f:]{17}$/i.test(mac)) return mac.replace(/:/g, '').toLowerCase();
  const bytes = createHash('sha1').update(`nodeswitch port ${p.name}`).digest().subarray(0, 6);
  bytes[0] = (bytes[0]! & ~0x01) | 0x02; // unicast, locally administered
  return bytes.toString('hex');
}

/** The netdev's IFF_* flags, if it has one here. */
function netdevFlags(p: PortInfo): number | undefined {
  const f = hasNetdev(p) ? sysfs(p.name, 'flags') : undefined;
  return f === undefined ? undefined : Number(f);
}

/** Brings the port's netdev up or down (OFPPC_PORT_DOWN); false when it has none here. */
export function setAdminDown(p: PortInfo, down: boolean): boolean {
  const flags = netdevFlags(p);
  if (flags === undefined) return false;
  const next = down ? flags & ~IFF_UP : flags | IFF_UP;
  if (next !== flags) writeFileSync(`/sys/class/net/${p.name}/flags`, `0x${next.toString(16)}`);
  return true;
}

export function adminDown(p: PortInfo): boolean {
  const flags = netdevFlags(p);
  return flags !== undefined && (flags & IFF_UP) === 0;
}

/** OFPPF_* for a speed in Mbit/s (what /sys/class/net/X/speed says). */
function speedFeatures(mbps: number): number {
  if (mbps >= 1_000_000) return OFPPF['1TB_FD'];
  if (mbps >= 100_000) return OFPPF['100GB_FD'];
  if (mbps >= 40_000) return OFPPF['40GB_FD'];
  if (mbps >= 10_000) return OFPPF['10GB_FD'];
  if (mbps >= 1_000) return OFPPF['1GB_FD'];
  if (mbps >= 100) return OFPPF['100MB_FD'];
  return OFPPF['10MB_FD'];
}

/** Every port as ofp_port (LOCAL included), by ofport; `up` from the datapath's port stats. */
export async function describePorts(bridge: Bridge): Promise<OfPort[]> {
  const up = new Map((await bridge.portStats()).map((s) => [s.ofport, s.up]));
  return bridge.ports().map((p) => describePort(p, up.get(p.ofport) ?? false));
}

export function describePort(p: PortInfo, up: boolean): OfPort {
  const down = adminDown(p);
  const speed = Number(hasNetdev(p) ? sysfs(p.name, 'speed') : undefined);
  // Devices without a speed (-1, unreadable while down): 10 Gbit/s, as OVS reports a veth.
  const mbps = Number.isFinite(speed) && speed > 0 ? speed : 10_000;
  const curr = speedFeatures(mbps) | OFPPF.COPPER;
  const live = up && !down;
  return {
    portNo: p.ofport,
    hwAddr: hwAddr(p),
    name: p.name.slice(0, 15),
    config: down ? OFPPC.PORT_DOWN : 0,
    state: live ? OFPPS.LIVE : OFPPS.LINK_DOWN,
    curr,
    advertised: 0,
    supported: 0,
    peer: 0,
    currSpeed: mbps * 1000,
    maxSpeed: 0,
  };
}
