// The bridge the OpenFlow tests run on: an empty table set and mem ports m1..mN
// (ofports 1..N), so that only the flows a test installs decide where frames go.
import type { Bridge } from '../../src/bridge.js';
import { Switch } from '../../src/switch.js';

export const PORTS = 4;

let current: Switch | undefined;

/** Closes the switch memBridge made last: after each test, or between two bridges in one. */
export async function closeMemBridge(): Promise<void> {
  await current?.close();
  current = undefined;
}

export async function memBridge(name: string, flows: string[] = [], n = PORTS): Promise<Bridge> {
  await closeMemBridge();
  current = new Switch();
  const br = current.addBridge(name, { defaultFlows: false });
  for (let i = 1; i <= n; i++) await br.addPort(`m${i}`, { type: 'mem', ofport: i });
  for (const f of flows) await br.addFlow(f);
  return br;
}

/** Injects on ofport `inPort`; returns what left each port: out[1..n]. */
export async function sendFrames(br: Bridge, inPort: number, frames: Buffer | Buffer[], n = PORTS): Promise<Buffer[][]> {
  await br.inject(`m${inPort}`, Array.isArray(frames) ? frames : [frames]);
  const out: Buffer[][] = [[]];
  for (let i = 1; i <= n; i++) out.push(await br.drain(`m${i}`));
  return out;
}
