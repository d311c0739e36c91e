// What the OpenFlow scenarios share: they drive nodeswitch bridges of their own over
// mem ports (no kernel devices), in this process, next to whatever switch the round
// has attached to the topology's veths.
//
// The table has one column per mode and the run calls every scenario once per mode,
// so a scenario finds out which switch the round attached (a Linux bridge or an OVS
// bridge named by the lab) and measures nodeswitch in the nodeswitch round and its
// reference, where it has one, in the ovs round; elsewhere it measures nothing.
import type { Bridge } from '../src/bridge.js';
import { attachedMode as topologyMode, type ModeName, type Topology } from './topology.js';

type SwitchModule = typeof import('../src/switch.js');
export type BenchSwitch = InstanceType<SwitchModule['Switch']>;

/** Frames per inject call. */
export const INJECT_CHUNK = 10_000;

/** The mode the round attached (topology.ts records it); 'nodeswitch-bare' has no OpenFlow to measure. */
export function attachedMode(topo: Topology): ModeName | 'skip' {
  const mode = topologyMode(topo);
  return mode === undefined || mode === 'nodeswitch-bare' ? 'skip' : mode;
}

let switchModule: SwitchModule | undefined;
export async function newSwitch(): Promise<BenchSwitch> {
  switchModule ??= await import('../src/switch.js');
  return new switchModule.Switch();
}

/** A bridge with no flows but `flows` (an add-flows text, if any) and mem ports m1 and m2. */
export async function memBridge(sw: BenchSwitch, name: string, flows?: string): Promise<Bridge> {
  const br = sw.addBridge(name, { defaultFlows: false });
  await br.addPort('m1', { type: 'mem' });
  await br.addPort('m2', { type: 'mem' });
  if (flows !== undefined) await br.addFlows(flows);
  return br;
}

/** Nanoseconds for `frames` through `port`, injected INJECT_CHUNK at a time. */
export async function injectTimed(bridge: Bridge, port: string, frames: readonly Buffer[]): Promise<number> {
  let ns = 0n;
  for (let i = 0; i < frames.length; i += INJECT_CHUNK) {
    const chunk = frames.slice(i, i + INJECT_CHUNK);
    const t0 = process.hrtime.bigint();
    await bridge.inject(port, chunk);
    ns += process.hrtime.bigint() - t0;
  }
  return Number(ns);
}
