// The one place that loads the C++ addon and types its surface. Everything else
// imports from here; this is the only loosely typed file.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type NativePortType = 'afpacket' | 'tap' | 'mem';

export interface NativePortSpec {
  name: string;
  type: NativePortType;
  ofport: number;
  /** afpacket: a netdev that does not exist yet is added down and attached when it appears. */
  allowMissing?: boolean;
}

export interface NativePortStats {
  ofport: number;
  up: boolean;
  ifindex: number;
  rxPackets: number;
  rxBytes: number;
  rxDropped: number;
  rxErrors: number;
  txPackets: number;
  txBytes: number;
  txDropped: number;
  txErrors: number;
  linkDowns: number;
}

export interface NativeBridgeStats {
  lookups: number;
  hits: number;
  learned: number;
  moved: number;
  flooded: number;
  evicted: number;
  aged: number;
  macEntries: number;
  dropRunt: number;
  dropBadSrc: number;
  dropSamePort: number;
  dropPortDown: number;
  parseErrors: number;
}

export interface NativeFdbEntry {
  mac: string;
  vlan: number;
  ofport: number;
  age: number;
}

export interface NativePortEvent {
  type: 'portDown' | 'portUp';
  ofport: number;
  reason: string;
}

/** The virtio-net offload state a frame can arrive with (gsoType: 1 TCPv4, 4 TCPv6, 5 UDP). */
export interface NativeOffload {
  gsoType: number;
  gsoSize: number;
  csumStart: number;
  /** Non-zero: the checksum at csumStart + csumOffset is left to finish. */
  csumOffset: number;
}

export interface NativeBridgeConfig {
  macAging: number;
  macTableSize: number;
}

/** The flow key of one frame, as the datapath's parser sees it (tests, trace). */
export type NativeFlowKey = Record<string, number | string | boolean>;

export interface NativeDatapath {
  addPort(spec: NativePortSpec): Promise<{ ifindex: number }>;
  deletePort(ofport: number): Promise<void>;
  configure(config: NativeBridgeConfig): Promise<void>;
  fdb(): Promise<NativeFdbEntry[]>;
  fdbFlush(): Promise<void>;
  portStats(): Promise<NativePortStats[]>;
  stats(): Promise<NativeBridgeStats>;
  /**
   * mem ports only: frames that arrive on `ofport`, in bursts of 32, all carrying
   * `offload` (a partial checksum, a GSO super-frame) when given, as from a TAP.
   */
  inject(ofport: number, frames: Buffer[], offload?: NativeOffload): Promise<void>;
  /** mem ports only: the frames the switch sent out of `ofport` since the last drain. */
  drain(ofport: number): Promise<Buffer[]>;
  close(): Promise<void>;
}

interface NativeAddon {
  Datapath: new (
    name: string,
    config: NativeBridgeConfig,
    onEvents: (events: NativePortEvent[]) => void,
  ) => NativeDatapath;
  parseFrame(frame: Buffer): NativeFlowKey | null;
  constants: Record<string, number>;
}

function locateAddon(): string {
  // Works from src/ (vitest) and from dist/src/ (compiled).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'build', 'Release', 'nodeswitch.node');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('nodeswitch native addon not built: run `npm run build` (build/Release/nodeswitch.node is missing)');
}

const require = createRequire(import.meta.url);
export const addon: NativeAddon = require(locateAddon()) as NativeAddon;
