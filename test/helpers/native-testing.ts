// The test-only addon (test/addon, nodeswitch_testing.node): entry points into the
// native pieces that the production addon does not carry — the classifier and the
// microflow cache to check against a naive model, the pcap writer and the pcap
// port, the datapath's poll policy on a test clock. `npm test` builds it (pretest: scripts/build-testing-addon.sh); this file is
// the one place that loads it and types its surface.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface RuleSpec {
  priority: number;
  key: Buffer;
  mask: Buffer;
}

export interface CacheStats {
  hits: number;
  misses: number;
  inserts: number;
  evictions: number;
}

/** A classifier with a microflow cache in front; rule ids are the insertion order. */
export interface TestClassifier {
  /** Throws on a duplicate (same match and priority). */
  insert(priority: number, key: Buffer, mask: Buffer): number;
  remove(id: number): void;
  /** Rule id per raw key, -1 for no match. */
  lookup(keys: Buffer[], opts?: { cache?: boolean }): number[];
  /** The rule (or -1) and the key bits the answer depends on: what a megaflow made from this lookup would be keyed on. */
  lookupWildcards(key: Buffer): { id: number; wc: Buffer };
  findExact(key: Buffer, mask: Buffer, priority: number): number;
  ids(): number[];
  size(): number;
  subtableCount(): number;
  cacheStats(): CacheStats;
  invalidate(): void;
}

export interface PcapWriteRecord {
  data: Buffer;
  tsNs: bigint | number;
}

/** What pcapReplay counted: `in` read burst by burst through a PcapPort, sent to a second one writing `out`. */
export interface PcapReplayCounts {
  bursts: number;
  rxPackets: number;
  rxDropped: number;
  rxErrors: number;
  txPackets: number;
  txBytes: number;
  txDropped: number;
  truncated: number;
  oversize: number;
  eof: boolean;
}

/** The datapath's PollPolicy (native/dp/poll_mode.h) on clocks each call sets. */
export interface TestPollPolicy {
  /**
   * -1: poll again at once; 0: keep polling; sleepMs: sleep. `cpuNs` is the thread's
   * CPU time (default: nowNs, a thread that had its core to itself).
   */
  nextWait(received: boolean, sleepMs: number, nowNs: number, cpuNs?: number): number;
  afterWait(timeoutMs: number, input: boolean, timedOut: boolean, nowNs: number): void;
  windowNs(): number;
}

export interface NativeTesting {
  /** Index in `rules` of the rule each frame's key hits, or -1 (a fresh classifier per call). */
  classify(rules: RuleSpec[], frames: Buffer[], opts?: { cache?: boolean; inPorts?: number[] }): number[];
  /** The raw FlowKey the parser makes of `frame` (in_port set to `inPort`, default 0). */
  flowKeyBytes(frame: Buffer, inPort?: number): Buffer;
  overlaps(k1: Buffer, m1: Buffer, k2: Buffer, m2: Buffer): boolean;
  /** Whether the match (key, mask) selects every packet the rule (ruleKey, ruleMask) matches. */
  matchCovers(key: Buffer, mask: Buffer, ruleKey: Buffer, ruleMask: Buffer): boolean;
  Classifier: new (opts?: { cacheEntries?: number }) => TestClassifier;
  /** Writes a classic pcap file with the native writer; returns the records written. */
  pcapWrite(path: string, records: PcapWriteRecord[], opts?: { nanosecond?: boolean; snaplen?: number }): number;
  /** `pushVlan`: an 802.1Q tag (VID 42) pushed into each frame's headroom on the way, as push_vlan does. */
  pcapReplay(opts: { in: string; out?: string; repeat?: number; pushVlan?: boolean }): PcapReplayCounts;
  PollPolicy: new (mode: 'adaptive' | 'busy' | 'interrupt', spinNs: number) => TestPollPolicy;
}

function load(): NativeTesting {
  const dir = fileURLToPath(new URL('../addon/', import.meta.url));
  const require = createRequire(import.meta.url);
  try {
    return (require('node-gyp-build') as (dir: string) => NativeTesting)(dir);
  } catch (err) {
    throw new Error(`the test-only addon is not built: run \`npm run build:testing\` (${(err as Error).message.trim()})`, { cause: err });
  }
}

export const testing: NativeTesting = load();
