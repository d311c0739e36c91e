// The part of Switch/Bridge the daemon uses, as interfaces: the daemon is written
// against these so that its logic can be unit-tested with a fake switch, and so that
// loading the daemon's modules does not load the native addon (only daemon.ts does,
// when it builds the real Switch).
import type { BridgeOptions, FdbEntry, PortInfo, PortOptions, PortStats } from '../types.js';

export interface PortEvent {
  port: string;
  ofport: number;
  reason: string;
}

export interface BridgeApi {
  readonly name: string;
  readonly options: Required<BridgeOptions>;
  configure(opts: BridgeOptions): Promise<void>;
  ports(): PortInfo[];
  addPort(name: string, opts: PortOptions): Promise<PortInfo>;
  deletePort(name: string): Promise<void>;
  fdb(): Promise<FdbEntry[]>;
  fdbFlush(): Promise<void>;
  portStats(name?: string): Promise<PortStats[]>;
  on(event: 'portDown' | 'portUp', listener: (e: PortEvent) => void): unknown;
}

export interface SwitchApi {
  addBridge(name: string, opts?: BridgeOptions): BridgeApi;
  deleteBridge(name: string): Promise<void>;
  bridge(name: string): BridgeApi | undefined;
  close(): Promise<void>;
}

export type Log = (line: string) => void;

/** Port link events go to the daemon's log, one line each. */
export function watchBridge(bridge: BridgeApi, log: Log): void {
  bridge.on('portDown', (e) => log(`bridge ${bridge.name}: port ${e.port} (ofport ${e.ofport}) down: ${e.reason}`));
  bridge.on('portUp', (e) => log(`bridge ${bridge.name}: port ${e.port} (ofport ${e.ofport}) up: ${e.reason}`));
}
