// `nodeswitch --version`: the package's own version, read from its package.json, so
// that the number printed is the one installed (src/cli under vitest, dist/src/cli
// when compiled: the file is found by walking up).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'nodeswitch' && pkg.version) return pkg.version;
  }
  return 'unknown';
}
