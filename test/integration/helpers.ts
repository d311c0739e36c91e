// Shared fixture for the netns integration tests: hosts in namespaces, attached to an
// in-process Switch through veths (afpacket ports) or switch-made TAPs (tap ports).
import type { Bridge } from '../../src/bridge.js';
import type { Switch } from '../../src/switch.js';
import { Lab, waitFor } from '../lab/index.js';
import type { BridgeOptions, PortStats } from '../../src/types.js';
import { ADDON, COMPILED, needs, ROOT } from '../needs.js';

/** Root and the built addon: what every switch integration test needs. */
export const switchTests = needs(ROOT, ADDON);
/** …and the compiled CLI, for the tests that run nodeswitch as a user does. */
export const cliTests = needs(ROOT, ADDON, COMPILED);

export type AttachType = 'afpacket' | 'tap';

export interface HostSpec {
  host: string;
  attach: AttachType;
}

export interface TopoHost {
  host: string;
  attach: AttachType;
  /** The switch port's name (the root end of the veth, or the TAP). */
  port: string;
  /** The host's NIC name inside its namespace. */
  ifname: string;
  ip: string;
  mac: string;
}

export interface Topo {
  lab: Lab;
  sw: Switch;
  br: Bridge;
  hosts: Record<string, TopoHost>;
  events: Array<{ type: 'portDown' | 'portUp'; port: string; ofport: number; reason: string }>;
}

/** 10.77.0.N/24 for the Nth host. */
export function hostIp(index: number): string {
  return `10.77.0.${index + 1}`;
}

/**
 * Builds one bridge with a host per spec. The Lab and the Switch exist before anything
 * can fail, so teardown(topo) always has something to clean; pass `holder` to receive
 * them even when the build throws half-way.
 */
export async function buildTopo(specs: HostSpec[], brOpts: BridgeOptions = {}, holder: Partial<Topo> = {}): Promise<Topo> {
  const { Switch } = await import('../../src/switch.js');
  const lab = new Lab();
  const sw = new Switch();
  holder.lab = lab;
  holder.sw = sw;
  const br = sw.addBridge(lab.name('br'), brOpts);
  const events: Topo['events'] = [];
  br.on('portDown', (e: { port: string; ofport: number; reason: string }) => events.push({ type: 'portDown', ...e }));
  br.on('portUp', (e: { port: string; ofport: number; reason: string }) => events.push({ type: 'portUp', ...e }));
  const hosts: Record<string, TopoHost> = {};
  for (const [i, spec] of specs.entries()) {
    const ip = hostIp(i);
    await lab.addHost(spec.host);
    let port: string;
    let ifname: string;
    if (spec.attach === 'afpacket') {
      port = await lab.addVethHost(spec.host, `${ip}/24`);
      ifname = 'eth0';
      await br.addPort(port);
    } else {
      port = lab.name(`${spec.host}t`);
      await br.addPort(port, { type: 'tap' });
      ifname = await lab.moveIntoHost(port, spec.host, `${ip}/24`);
    }
    hosts[spec.host] = { host: spec.host, attach: spec.attach, port, ifname, ip, mac: await lab.mac(spec.host, ifname) };
  }
  return Object.assign(holder, { lab, sw, br, hosts, events });
}

/** Closes the switch, then removes the lab's namespaces and links. Never throws. */
export async function teardown(topo: Partial<Topo> | undefined): Promise<void> {
  if (!topo) return;
  try {
    await topo.sw?.close();
  } finally {
    await topo.lab?.cleanup();
  }
}

export async function portStatsByName(br: Bridge): Promise<Record<string, PortStats>> {
  return Object.fromEntries((await br.portStats()).map((s) => [s.name, s]));
}

/** Waits until the bridge has emitted `type` for `port`. */
export function waitForEvent(topo: Topo, type: 'portDown' | 'portUp', port: string, timeoutMs = 5000): Promise<unknown> {
  return waitFor(() => topo.events.find((e) => e.type === type && e.port === port), { timeoutMs, what: `${type} event for ${port}` });
}
