// What a test or a benchmark needs from the machine — a command, root, a file — and
// what to do when it is missing. The tests turn these into "run, skip or fail"
// (test/needs.ts); the benchmarks into a mode or scenario that cannot run.
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Requirement {
  /** What is needed, e.g. "ovs-vswitchd". */
  what: string;
  /** The Debian package that has it, if one does. */
  pkg?: string;
  /** How to get it otherwise, e.g. "npm run build". */
  fix?: string;
  present(): boolean;
}

/** The path of an executable on PATH (or in the sbin directories, which not every user's PATH has). */
export function findTool(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/local/sbin']);
  return dirs.map((d) => join(d, name)).find((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A command from a Debian package (scripts/system-deps.sh test installs the ones the tests use). */
export function tool(command: string, pkg: string): Requirement {
  return { what: command, pkg, present: () => findTool(command) !== undefined };
}

export const ROOT: Requirement = {
  what: 'root',
  fix: 'run as root (namespaces, veths and TAPs need CAP_NET_ADMIN and CAP_SYS_ADMIN)',
  present: () => process.getuid?.() === 0,
};

const repo = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** A file the build makes, relative to the repository (from test/lab/ and dist/test/lab/ alike). */
function built(path: string, fix: string): Requirement {
  const candidates = [repo(path), repo(`../${path}`)];
  return { what: path, fix, present: () => candidates.some((p) => existsSync(p)) };
}

/** The native addon (npm install, or npm run build). */
export const ADDON = built('build/Release/nodeswitch.node', 'npm run build');
/** The compiled control plane, for tests that run the CLI or the daemon as a process. */
export const COMPILED = built('dist/src/cli/main.js', 'npm run build');

const OVS_SCHEMAS = ['/usr/share/openvswitch/vswitch.ovsschema', '/usr/local/share/openvswitch/vswitch.ovsschema'];

/** Open vSwitch's database schema, if installed. */
export function findOvsSchema(): string | undefined {
  return OVS_SCHEMAS.find((p) => existsSync(p));
}

/** A private Open vSwitch: its daemons, its command-line tools and its database schema. */
export const OVS: readonly Requirement[] = [
  tool('ovsdb-tool', 'openvswitch-common'),
  tool('ovsdb-server', 'openvswitch-common'),
  tool('ovs-ofctl', 'openvswitch-common'),
  tool('ovs-vswitchd', 'openvswitch-switch'),
  tool('ovs-vsctl', 'openvswitch-switch'),
  { what: 'vswitch.ovsschema', pkg: 'openvswitch-switch', present: () => findOvsSchema() !== undefined },
];

/**
 * What of `reqs` is missing and how to get it, in one phrase — "ovs-ofctl, ovs-vsctl
 * (apt-get install openvswitch-common openvswitch-switch, or bash scripts/system-deps.sh
 * test)" — or undefined when everything is there.
 */
export function unmet(reqs: readonly Requirement[]): string | undefined {
  const missing = reqs.filter((r) => !r.present());
  if (missing.length === 0) return undefined;
  const pkgs = [...new Set(missing.flatMap((r) => (r.pkg ? [r.pkg] : [])))];
  const fixes = [...new Set(missing.flatMap((r) => (r.fix ? [r.fix] : [])))];
  if (pkgs.length > 0) fixes.unshift(`apt-get install ${pkgs.join(' ')}, or bash scripts/system-deps.sh test`);
  return `${[...new Set(missing.map((r) => r.what))].join(', ')} (${fixes.join('; ')})`;
}

/** Why a private Open vSwitch cannot run here (a sentence), or undefined when it can. */
export function ovsMissing(): string | undefined {
  const missing = unmet(OVS);
  return missing === undefined ? undefined : `not installed: ${missing}`;
}
