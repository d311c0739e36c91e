// The benchmark topology: two hosts (network namespaces a and b), each with an eth0
// whose veth peer sits in the root namespace, and between the two root-side veths one
// of three switches:
//
//   nodeswitch     the veths are afpacket ports of a nodeswitch bridge, run in this
//                  process through the TS API (the datapath has its own thread)
//   nodeswitch-bare  the same bridge with setBareForward(true): every frame goes to
//                  the other port with no parse and no lookup — our own I/O ceiling,
//                  the reference the pipeline's cost is read against
//   linux-bridge   the veths are enslaved to a Linux bridge (STP off)
//   ovs            the veths are system ports of an Open vSwitch bridge with the
//                  userspace datapath (datapath_type=netdev), from our own daemons
//
//   [a: eth0 10.78.0.1] ── veth ── <switch> ── veth ── [b: eth0 10.78.0.2]
//
// The hosts are built once per bench run; each (round, mode) attaches its switch to
// the same two veths and detaches it afterwards, so every mode sees the same netdevs
// and the modes can be interleaved round by round against a noisy machine's drift.
import { Lab, run, waitFor } from '../test/lab/index.js';
import { OVS_INSTALL_HINT, OvsUserspace, ovsMissing } from './ovs.js';
import { runTracked, startBackground, type Background, type Finished } from './proc.js';

export const MODES = ['nodeswitch', 'nodeswitch-bare', 'linux-bridge', 'ovs'] as const;
export type ModeName = (typeof MODES)[number];
/** The modes nodeswitch is compared against. */
export const REFERENCE_MODES: readonly ModeName[] = ['nodeswitch-bare', 'linux-bridge', 'ovs'];

// Which mode is attached to a lab's veths right now (set by attach, cleared by
// detach), for scenarios that measure something of their own in some rounds only.
const attachedModes = new WeakMap<Lab, ModeName>();
// The nodeswitch fabric's bridge while attached, for scenarios that change it under traffic.
const attachedBridges = new WeakMap<Lab, SwitchBridge>();

/** The bridge between the veths while the nodeswitch fabric is attached. */
export function nodeswitchBridge(topo: Topology): SwitchBridge | undefined {
  return attachedBridges.get(topo.lab);
}

// The Open vSwitch behind the ovs mode while it is attached: scenarios that build a
// topology of their own (forward-bond-64) add their bridges to the same ovs-vswitchd
// (one netdev datapath per namespace).
const attachedOvsInstances = new WeakMap<Lab, OvsUserspace>();

/** The running Open vSwitch of the ovs mode, while that mode is attached. */
export function attachedOvs(topo: Topology): OvsUserspace | undefined {
  return attachedOvsInstances.get(topo.lab);
}

/** The mode whose switch the current round attached, if any. */
export function attachedMode(topo: Topology): ModeName | undefined {
  return attachedModes.get(topo.lab);
}

/** A port's VLAN settings on the attached switch, in Open vSwitch's terms ({}: none). */
export type PortVlanSetter = (port: string, vlan: { tag?: number; trunks?: number[] }) => Promise<void>;
const vlanSetters = new WeakMap<Lab, PortVlanSetter>();

/** How to set VLANs on the switch attached now (nodeswitch and ovs; a Linux bridge here has no vlan_filtering). */
export function attachedVlanSetter(topo: Topology): PortVlanSetter | undefined {
  return attachedMode(topo) === undefined ? undefined : vlanSetters.get(topo.lab);
}

/** A mode that cannot run on this machine; `hint` says what to do about it. */
export class Unavailable extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'Unavailable';
  }
}

/** One switch that can be put between the two root-side veths and taken away again. */
export interface Fabric {
  readonly mode: ModeName;
  attach(ports: readonly string[]): Promise<void>;
  detach(): Promise<void>;
  /** The switch's own view after a round (counters, warnings), for --verbose and odd results. */
  describe(): Promise<string>;
  /** Frees what the fabric holds across rounds (daemons). */
  close(): Promise<void>;
  /** For exit paths: synchronous best effort. */
  closeSync(): void;
}

export class Topology {
  readonly hostA = 'a';
  readonly hostB = 'b';
  readonly ipA = '10.78.0.1';
  readonly ipB = '10.78.0.2';

  private constructor(
    readonly lab: Lab,
    /** Root-namespace veth ends, a's then b's: the switch ports. */
    readonly ports: readonly [string, string],
    readonly macA: string,
    readonly macB: string,
  ) {}

  /** onLab runs once the lab's prefix is chosen, before anything exists, so a crash guard can cover every name. */
  static async build(onLab: (lab: Lab) => void = () => {}): Promise<Topology> {
    const lab = new Lab();
    onLab(lab);
    try {
      await lab.addHost('a');
      await lab.addHost('b');
      const pa = await lab.addVethHost('a', '10.78.0.1/24');
      const pb = await lab.addVethHost('b', '10.78.0.2/24');
      return new Topology(lab, [pa, pb], await lab.mac('a'), await lab.mac('b'));
    } catch (err) {
      await lab.cleanup();
      throw err;
    }
  }

  /**
   * Runs `cmd` inside `host` to the end, killed after timeoutMs. Measurement tools run
   * through here rather than Lab.exec so that an interrupted bench can kill them: a
   * tool left running keeps a deleted namespace alive.
   */
  exec(host: string, cmd: readonly string[], timeoutMs: number): Promise<Finished> {
    return runTracked(['ip', 'netns', 'exec', this.lab.netns(host), ...cmd], timeoutMs);
  }

  /** Starts `cmd` inside `host` in the background (its own process group). */
  spawn(host: string, cmd: readonly string[]): Background {
    return startBackground(['ip', 'netns', 'exec', this.lab.netns(host), ...cmd]);
  }

  /** Waits until a can ping b (ARP resolved, the switch has learned both MACs). */
  async waitConnected(timeoutMs = 10_000): Promise<void> {
    await waitFor(async () => (await this.exec(this.hostA, ['ping', '-n', '-c', '1', '-W', '1', this.ipB], 5000)).code === 0, {
      timeoutMs,
      intervalMs: 200,
      what: `ping ${this.hostA} → ${this.ipB}`,
    });
  }

  async close(): Promise<void> {
    await this.lab.cleanup();
  }
}

/** Opens the fabric of `mode`, or throws Unavailable with a reason and a hint. */
export async function openFabric(mode: ModeName, lab: Lab): Promise<Fabric> {
  switch (mode) {
    case 'nodeswitch':
    case 'nodeswitch-bare':
      return NodeswitchFabric.open(lab, mode === 'nodeswitch-bare');
    case 'linux-bridge':
      return new LinuxBridgeFabric(lab);
    case 'ovs':
      return OvsFabric.open(lab);
  }
}

type SwitchModule = typeof import('../src/switch.js');
type SwitchInstance = InstanceType<SwitchModule['Switch']>;
type SwitchBridge = ReturnType<SwitchInstance['addBridge']>;

class NodeswitchFabric implements Fabric {
  readonly mode: 'nodeswitch' | 'nodeswitch-bare';
  private sw: SwitchInstance | undefined;
  private readonly bridgeName: string;

  private constructor(
    private readonly mod: SwitchModule,
    private readonly lab: Lab,
    private readonly bare: boolean,
  ) {
    this.mode = bare ? 'nodeswitch-bare' : 'nodeswitch';
    this.bridgeName = lab.name(bare ? 'nsb' : 'nsw');
  }

  static async open(lab: Lab, bare = false): Promise<NodeswitchFabric> {
    try {
      return new NodeswitchFabric(await import('../src/switch.js'), lab, bare);
    } catch (err) {
      throw new Unavailable(`the native addon does not load: ${(err as Error).message}`, 'rebuild it with `npm run build`');
    }
  }

  async attach(ports: readonly string[]): Promise<void> {
    const sw = new this.mod.Switch();
    this.sw = sw;
    const br = sw.addBridge(this.bridgeName);
    for (const p of ports) await br.addPort(p, { type: 'afpacket' });
    if (this.bare) await br.setBareForward(true);
    attachedModes.set(this.lab, this.mode);
    vlanSetters.set(this.lab, async (port, vlan) => void (await br.setPortVlan(port, vlan)));
    attachedBridges.set(this.lab, br);
  }

  async detach(): Promise<void> {
    const sw = this.sw;
    this.sw = undefined;
    if (attachedModes.get(this.lab) === this.mode) attachedModes.delete(this.lab);
    vlanSetters.delete(this.lab);
    attachedBridges.delete(this.lab);
    await sw?.close();
  }

  async describe(): Promise<string> {
    const br = this.sw?.bridge(this.bridgeName);
    if (!br) return '';
    const ports = await br.portStats();
    const s = await br.stats();
    const lines = ports.map(
      (p) =>
        `  ${p.name} (ofport ${p.ofport}${p.up ? '' : ', DOWN'}): in ${p.rxPackets} pkts (dropped ${p.rxDropped}, errors ${p.rxErrors}), ` +
        `out ${p.txPackets} pkts (dropped ${p.txDropped}, errors ${p.txErrors})`,
    );
    lines.push(
      `  bridge: lookups ${s.lookups}, hits ${s.hits}, flooded ${s.flooded}, learned ${s.learned}, macs ${s.macEntries}, ` +
        `drops runt ${s.dropped.runt} bad-src ${s.dropped.badSource} same-port ${s.dropped.samePort} port-down ${s.dropped.portDown}, ` +
        `parse errors ${s.parseErrors}`,
    );
    return lines.join('\n');
  }

  async close(): Promise<void> {
    await this.detach();
  }

  closeSync(): void {
    // The datapath thread dies with the process; nothing outlives it.
  }
}

class LinuxBridgeFabric implements Fabric {
  readonly mode = 'linux-bridge';
  private readonly name: string;
  private attached = false;

  constructor(private readonly lab: Lab) {
    this.name = lab.name('lbr');
  }

  async attach(ports: readonly string[]): Promise<void> {
    this.attached = true;
    attachedModes.set(this.lab, this.mode);
    await this.lab.linuxBridge(this.name, ports);
  }

  async detach(): Promise<void> {
    if (!this.attached) return;
    this.attached = false;
    attachedModes.delete(this.lab);
    await this.lab.deleteLink(this.name); // releases the veths, which stay up
  }

  async describe(): Promise<string> {
    if (!this.attached) return '';
    const r = await run(['ip', '-s', 'link', 'show', this.name], { check: false });
    return r.stdout.trimEnd().replace(/^/gm, '  ');
  }

  async close(): Promise<void> {
    await this.detach();
  }

  closeSync(): void {
    // The Lab deletes the bridge with everything else that carries its prefix.
  }
}

class OvsFabric implements Fabric {
  readonly mode = 'ovs';
  private readonly name: string;
  private attached = false;

  private constructor(
    private readonly ovs: OvsUserspace,
    private readonly lab: Lab,
  ) {
    this.name = lab.name('ovs');
  }

  static async open(lab: Lab): Promise<OvsFabric> {
    const missing = ovsMissing();
    if (missing !== undefined) throw new Unavailable(`Open vSwitch is not installed (${missing})`, OVS_INSTALL_HINT);
    const ovs = await OvsUserspace.start();
    liveOvs.add(ovs);
    return new OvsFabric(ovs, lab);
  }

  async attach(ports: readonly string[]): Promise<void> {
    this.attached = true;
    attachedModes.set(this.lab, this.mode);
    attachedOvsInstances.set(this.lab, this.ovs);
    await this.ovs.addBridge(this.name, ports);
    vlanSetters.set(this.lab, (port, vlan) => this.ovs.setPortVlan(port, vlan));
  }

  async detach(): Promise<void> {
    if (!this.attached) return;
    this.attached = false;
    attachedModes.delete(this.lab);
    vlanSetters.delete(this.lab);
    attachedOvsInstances.delete(this.lab);
    await this.ovs.deleteBridge(this.name);
  }

  async describe(): Promise<string> {
    const problems = await this.ovs.logProblems();
    return problems.length === 0 ? '' : problems.slice(-10).map((l) => `  ${l}`).join('\n');
  }

  async close(): Promise<void> {
    await this.detach().catch(() => undefined);
    await this.ovs.stop();
    liveOvs.delete(this.ovs);
  }

  closeSync(): void {
    // proc.ts kills the daemons on exit; their temp dir goes here.
    this.ovs.removeDirSync();
    liveOvs.delete(this.ovs);
  }
}

const liveOvs = new Set<OvsUserspace>();
process.on('exit', () => {
  for (const o of liveOvs) o.removeDirSync();
});

