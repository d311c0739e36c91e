// Traces for the live verbs' tests: numbered frames to one host, in a pcap file the
// daemon reads (inject) — written in TS (test/lab/pcap-files.ts), independent of
// the C++ reader under test.
import { writeFileSync } from 'node:fs';
import { ETH_EXPERIMENTAL, ethFrame } from '../native/packets.js';
import { pcapFile } from '../lab/pcap-files.js';

/** IEEE local experimental: the hosts' kernels count and drop it. */
export const ETH_TEST = ETH_EXPERIMENTAL;
const T0 = 1_700_000_000_000_000_000n;

/** A 64-byte frame to `dst` from a made-up source, numbered `i`. */
export function testFrame(dst: string, i: number): Buffer {
  const payload = Buffer.alloc(50);
  payload.writeUInt32BE(i, 0);
  return ethFrame(dst, '02:aa:00:00:00:01', { payload });
}

/** Writes `n` test frames to `dst`, `gapUs` apart, to `file`; returns the path. */
export function writeTestTrace(file: string, dst: string, n: number, gapUs = 1000): string {
  writeFileSync(file, pcapFile(Array.from({ length: n }, (_, i) => ({ data: testFrame(dst, i), tsNs: T0 + BigInt(i * gapUs) * 1000n }))));
  return file;
}
