// Tests that need something of the machine — a tool, root, the built addon — say so
// here, and only here: `needs(tool('tcpdump', 'tcpdump')).it(...)`. Where everything
// is present the tests run. Where something is missing they are skipped with the
// reason, except under CI, where each would-be skip is a failing test that names
// what is missing and how to get it, so a silent skip cannot hide a regression.
import { describe, it, type TestFunction } from 'vitest';
import { type Requirement, unmet } from './lab/requirements.js';

export { ADDON, COMPILED, OVS, ROOT, tool } from './lab/requirements.js';

/** CI=true (or any value but "", "0" and "false"), as CI systems set it. */
export const inCI = !['', '0', 'false'].includes(process.env.CI ?? '');

export interface Needs {
  /** What is missing and how to get it; undefined when everything is there. */
  readonly missing: string | undefined;
  describe(name: string, body: () => void): void;
  it(name: string, fn: TestFunction, timeoutMs?: number): void;
}

const warned = new Set<string>();

export function needs(...reqs: (Requirement | readonly Requirement[])[]): Needs {
  const missing = unmet(reqs.flat());
  const why = `needs ${missing ?? 'nothing'}`;
  const fail = (): never => {
    throw new Error(`${why}: under CI a test must run, not be skipped`);
  };
  const note = (name: string): void => {
    if (warned.has(why)) return;
    warned.add(why);
    console.warn(`skipped (${why}): ${name}, and any other test that needs the same`);
  };
  return {
    missing,
    describe(name, body) {
      if (missing === undefined) describe(name, body);
      else if (inCI) describe(name, () => it(why, fail));
      else {
        note(name);
        describe.skip(name, body);
      }
    },
    it(name, fn, timeoutMs) {
      if (missing === undefined) it(name, fn, timeoutMs);
      else if (inCI) it(`${name}: ${why}`, fail);
      else {
        note(name);
        it.skip(name, fn, timeoutMs);
      }
    },
  };
}
