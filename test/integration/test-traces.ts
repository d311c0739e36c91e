// Traces for the live verbs' tests: numbered frames to one host, in a pcap file the
// daemon reads (inject) — written in TS (test/native/pcap-files.ts), independent of
// the C++ reader under test.
import { writeFileSync } from 'node:fs';
import { macBytes } from '../native/packets.js';
import { pcapFile } from '../native/pcap-files.js';

/** IEEE local experimental: the hosts' kernels count and drop it. */
export const ETH_TEST = 0x88b5;
const T0 = 1_700_000_000_000_000_000n;

/** A 64-byte frame to `dst` from a made-up source, numbered `i`. */
export function testFrame(dst: string, i: number): Buffer {
  const f = Buffer.alloc(64);
  macBytes(dst).copy(f, 0);
  macBytes('02:aa:00:00:00:01').copy(f, 6);
  f.writeUInt16BE(ETH_TEST, 12);
  f.writeUInt32BE(i, 14);
  return f;
}

/** Writes `n` test frames to `dst`, `gapUs` apart, to `file`; returns the path. */
export function writeTestTrace(file: string, dst: string, n: number, gapUs = 1000): string {
  writeFileSync(file, pcapFile(Array.from({ length: n }, (_, i) => ({ data: testFrame(dst, i), tsNs: T0 + BigInt(i * gapUs) * 1000n }))));
  return file;
}
