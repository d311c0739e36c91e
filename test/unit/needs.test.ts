// needs(): a test whose tool is missing is skipped, with the reason, except under CI,
// where it fails and names the tool and the package. Runs a fixture in a vitest of
// its own, once as CI and once not.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));

function runFixture(ci: string | undefined): { status: number | null; out: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  delete env.CI;
  if (ci !== undefined) env.CI = ci;
  const r = spawnSync(process.execPath, [vitest, 'run', '--config', 'test/unit/fixtures/vitest.config.ts', '--reporter', 'verbose'], {
    cwd: repo,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('needs', () => {
  it('skips, saying why, when a tool is missing outside CI', () => {
    const r = runFixture(undefined);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/Tests\s+1 passed \| 2 skipped/);
    expect(r.out).toContain('skipped (needs nodeswitch-no-such-tool (apt-get install nodeswitch-no-such-package');
  });

  it('fails, naming the tool and its package, when a tool is missing under CI', () => {
    for (const ci of ['true', '1']) {
      const r = runFixture(ci);
      expect(r.status, r.out).toBe(1);
      expect(r.out).toMatch(/Tests\s+2 failed \| 1 passed/);
      expect(r.out).not.toMatch(/Tests .*skipped/);
      expect(r.out).toContain('needs nodeswitch-no-such-tool (apt-get install nodeswitch-no-such-package');
      expect(r.out).toContain('under CI a test must run, not be skipped');
    }
  });

  it('takes CI=false and CI=0 for not CI', () => {
    for (const ci of ['false', '0', '']) expect(runFixture(ci).status).toBe(0);
  });
});
