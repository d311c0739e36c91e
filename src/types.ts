import type { PortVlan, PortVlanOptions } from './vlan.js';
// Public shapes of the switch's API (import { Switch } from 'nodeswitch').
import type { NativeDatapathPollMode, NativePacketInReason, NativePortCounterName, NativePortType } from './native.js';

export type PortType = NativePortType;

/**
 * How a bridge's datapath thread waits for input. adaptive (the default): keep
 * polling for a short window after traffic, longer while request/response traffic
 * is seen, sleep when idle. busy: never sleep (lowest latency, a core's worth of
 * CPU). interrupt: sleep as soon as there is nothing to do (least CPU, a wakeup per
 * arrival).
 */
export type DatapathPollMode = NativeDatapathPollMode;

export interface BridgeOptions {
  /** Seconds a learned MAC stays without being seen again (default 300). */
  macAging?: number;
  /** Most MAC entries kept; the oldest is evicted when full (default 8192). */
  macTableSize?: number;
  /**
   * How the datapath thread waits for input (default 'adaptive': polls a while after
   * traffic, longer while request/response traffic keeps it busy; 'busy' never
   * sleeps, a core for the lowest latency; 'interrupt' sleeps at once).
   */
  datapathPoll?: DatapathPollMode;
}

export interface BridgeCreateOptions extends BridgeOptions {
  /** Install `priority=0,actions=NORMAL` (default true), so the bridge starts as a learning switch. */
  defaultFlows?: boolean;
}

/** A packet the pipeline sent to the controller (OpenFlow packet-in). */
export interface PacketIn {
  /** OpenFlow port it came in on. */
  inPort: number;
  reason: NativePacketInReason;
  tableId: number;
  cookie: bigint;
  /** The frame's full length; `data` may be cut to the action's max_len. */
  totalLen: number;
  data: Buffer;
}

export interface PortOptions {
  /** afpacket: an existing netdev; tap: a TAP device the switch creates; mem: in-memory (tests). */
  type?: PortType;
  /** OpenFlow port number; allocated from 1 when not given. */
  ofport?: number;
  /**
   * afpacket: when the netdev does not exist yet (a VM not started), add the port
   * down and attach it when the netdev appears, instead of failing. The daemon uses
   * this to restore its configuration.
   */
  allowMissing?: boolean;
  /** VLAN: access tag, trunks, vlan_mode, as Open vSwitch's Port table (src/vlan.ts); none: a trunk of every VLAN. */
  vlan?: PortVlanOptions;
  /** pcap ports (offline replay): the trace replayed on this port and/or the file recording what it sends. */
  pcap?: { in?: string; out?: string; repeat?: number };
  /**
   * tap ports. persist: the device outlives the switch (TUNSETPERSIST) and is
   * attached again next time, in whatever namespace it was moved to (with
   * searchNamespaces, found there by name and `mac`); deletePort removes it, close()
   * leaves it. mac: the address a device made anew gets. leaveDown: not brought up
   * (a new device stays down until the host sets it up: the LOCAL port).
   */
  tap?: { persist?: boolean; mac?: string; searchNamespaces?: boolean; leaveDown?: boolean };
  /** Ingress policing from the start (Bridge.setIngressPolicing): kbit/s, kbit. */
  ingressPolicing?: { rate: number; burst: number };
}

export interface PortInfo {
  name: string;
  type: PortType;
  ofport: number;
  /** What NORMAL does with the port's VLANs (src/vlan.ts); PLAIN_VLAN when not set. */
  vlan: PortVlan;
  /** Set by Bridge.setIngressPolicing (or PortOptions.ingressPolicing); absent: none. */
  ingressPolicing?: { rate: number; burst: number };
}

/** What addPort says about the port it added. */
export interface AddedPort extends PortInfo {
  /** tap ports: whether the device was made now or found (see PortOptions.tap). */
  tapOrigin?: 'created' | 'attached' | 'attached in another network namespace';
}

/**
 * A port and its counters: rxPackets, rxBytes, rxDropped, rxErrors, txPackets,
 * txBytes, txDropped, txErrors and linkDowns (times the port's netdev went down or
 * away under the switch) — native/core/counters.h has what each one counts.
 */
export interface PortStats extends Record<NativePortCounterName, number> {
  name: string;
  ofport: number;
  type: PortType;
  up: boolean;
  ifindex: number;
}

export interface FdbEntry {
  port: string;
  ofport: number;
  vlan: number;
  mac: string;
  /** Seconds since the MAC was last seen. */
  age: number;
}

export interface BridgeStats {
  lookups: number;
  hits: number;
  learned: number;
  moved: number;
  flooded: number;
  evicted: number;
  aged: number;
  macEntries: number;
  dropped: {
    runt: number;
    badSource: number;
    samePort: number;
    portDown: number;
    /** Sent to a port number the bridge does not have (output:7 with no port 7), or to LOCAL (none yet). */
    noPort: number;
    /** NORMAL: a frame in a VLAN its input port does not carry (tag, trunks, vlan_mode). */
    vlan: number;
  };
  parseErrors: number;
  /** Packets the pipeline dropped because no flow matched. */
  tableMiss: number;
  invalidTtl: number;
  upcalls: number;
  upcallDrops: number;
  /** Exact-match cache (whole key) hits and misses. */
  cacheHits: number;
  cacheMisses: number;
  /** Packets that missed the exact-match cache and hit a megaflow, or missed both. */
  megaflowHits: number;
  megaflowMisses: number;
  /** Packets run through the OpenFlow tables (megaflow misses, and past the megaflow limit). */
  translations: number;
  megaflows: number;
  /** Distinct megaflow masks (the megaflow classifier's subtables). */
  megaflowMasks: number;
  megaflowsAdded: number;
  megaflowsExpired: number;
  /** Megaflows dropped because a table change could affect them, and those a change left. */
  megaflowsRevalidated: number;
  megaflowsKept: number;
  /** How the datapath thread waited: idle rounds it polled on, and times it went to sleep. */
  poll: { spins: number; sleeps: number };
}
