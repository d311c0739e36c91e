// The CLI in process (src/cli/main.ts) with its output collected: for the unit
// tests that need no daemon, or a stand-in server.
import { main } from '../../src/cli/main.js';

export interface MainResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `nodeswitch ARGV` with an empty environment (no NODESWITCH_SOCK from the caller's). */
export async function runMain(...argv: string[]): Promise<MainResult> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) }, {});
  return { code, out, err };
}
