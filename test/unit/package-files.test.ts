// What `npm pack` would publish: the CLI, the compiled control plane, the native
// sources and binding.gyp that `npm install` builds — and no test, bench or example
// code (package.json "files").
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { COMPILED, needs } from '../needs.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

function packed(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path).sort();
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(repo, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(repo, join(e.parentPath, e.name)));
}

describe('the published package', () => {
  needs(COMPILED).it('holds the CLI, the compiled control plane and what npm install builds, and no test or bench code', () => {
    const files = packed();
    expect(files).toEqual(expect.arrayContaining(['bin/nodeswitch.js', 'binding.gyp', 'binding.cjs', 'dist/src/index.js', 'dist/src/index.d.ts', 'package.json']));
    expect(files).toEqual(expect.arrayContaining(filesUnder('native')));
    expect(files.filter((f) => !/^(bin|dist\/src|native)\/|^(binding\.gyp|binding\.cjs|package\.json|README\.md)$/.test(f))).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|bench|examples|lab)\//.test(f))).toEqual([]);
  });
});
