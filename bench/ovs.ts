// Open vSwitch's userspace datapath as a reference: our own ovsdb-server and
// ovs-vswitchd, started by PID with a private run/db/log directory in a temp dir (the
// system service, if any, is neither used nor touched), bridges with
// datapath_type=netdev, veths added as ordinary ("system") ports, which the netdev
// datapath drives through AF_PACKET sockets — the same job nodeswitch's afpacket ports do.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, sleep, type ExecResult } from '../test/lab/index.js';
import { findOvsSchema } from '../test/lab/requirements.js';
import { guardAlso, startBackground, type Background } from './proc.js';

export { ovsMissing } from '../test/lab/requirements.js';

export const OVS_INSTALL_HINT = 'apt-get install openvswitch-switch';

export class OvsUserspace {
  private constructor(
    private readonly dir: string,
    private readonly db: Background,
    private readonly vswitchd: Background,
  ) {}

  private static env(dir: string): NodeJS.ProcessEnv {
    return { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir };
  }

  static async start(): Promise<OvsUserspace> {
    const schema = findOvsSchema();
    if (schema === undefined) throw new Error('vswitch.ovsschema not found');
    const dir = mkdtempSync(join(tmpdir(), 'nodeswitch-bench-ovs-'));
    guardAlso(dir, [`rm -rf ${dir}`]);
    const env = OvsUserspace.env(dir);
    let db: Background | undefined;
    let vswitchd: Background | undefined;
    try {
      await run(['ovsdb-tool', 'create', join(dir, 'conf.db'), schema]);
      db = startBackground(
        [
          'ovsdb-server',
          join(dir, 'conf.db'),
          `--remote=punix:${join(dir, 'db.sock')}`,
          `--unixctl=${join(dir, 'ovsdb-server.ctl')}`,
          `--pidfile=${join(dir, 'ovsdb-server.pid')}`,
          `--log-file=${join(dir, 'ovsdb-server.log')}`,
          '--no-chdir',
          '-vconsole:off',
        ],
        { env, daemon: true },
      );
      await waitForPath(join(dir, 'db.sock'), db, 10_000);
      await vsctlIn(dir, ['--no-wait', 'init']);
      // Without it the netdev datapath reads veth frames without their virtio-net
      // header: checksum-offloaded TCP arrives with partial checksums that b drops, and
      // no TCP connection is ever made. nodeswitch's afpacket ports keep the header too.
      await vsctlIn(dir, ['--no-wait', 'set', 'Open_vSwitch', '.', 'other_config:userspace-tso-enable=true']);
      vswitchd = startBackground(
        [
          'ovs-vswitchd',
          `unix:${join(dir, 'db.sock')}`,
          `--unixctl=${join(dir, 'ovs-vswitchd.ctl')}`,
          `--pidfile=${join(dir, 'ovs-vswitchd.pid')}`,
          `--log-file=${join(dir, 'ovs-vswitchd.log')}`,
          '--no-chdir',
          '-vconsole:off',
        ],
        { env, daemon: true },
      );
      await waitForPath(join(dir, 'ovs-vswitchd.ctl'), vswitchd, 15_000);
      return new OvsUserspace(dir, db, vswitchd);
    } catch (err) {
      await vswitchd?.stop();
      await db?.stop();
      rmSync(dir, { recursive: true, force: true });
      guardAlso(dir, []);
      throw err;
    }
  }

  /** A netdev-datapath bridge over `ports`; returns once ovs-vswitchd has applied it. */
  async addBridge(name: string, ports: readonly string[]): Promise<void> {
    const args = ['--', 'add-br', name, '--', 'set', 'bridge', name, 'datapath_type=netdev'];
    for (const p of ports) args.push('--', 'add-port', name, p);
    await this.vsctl(args);
    // add-port succeeds in the DB even when the datapath could not open the netdev.
    for (const p of ports) {
      const r = await this.vsctl(['get', 'interface', p, 'ofport']);
      if (Number(r.stdout.trim()) <= 0) {
        const e = await this.vsctl(['get', 'interface', p, 'error']);
        throw new Error(`OVS could not add port ${p}: ${e.stdout.trim()}`);
      }
    }
  }

  /** VLAN settings on a port (Port tag / trunks; {} clears both); returns once applied. */
  async setPortVlan(port: string, vlan: { tag?: number; trunks?: number[] }): Promise<void> {
    await this.vsctl(['clear', 'port', port, 'tag', 'trunks']);
    const set = [...(vlan.tag !== undefined ? [`tag=${vlan.tag}`] : []), ...(vlan.trunks ? [`trunks=${vlan.trunks.join(',')}`] : [])];
    if (set.length) await this.vsctl(['set', 'port', port, ...set]);
  }

  /** An active-backup bond (no LACP) on `bridge` over `members`, `members[0]` its active member. */
  async addActiveBackupBond(bridge: string, bond: string, members: readonly string[]): Promise<void> {
    await this.vsctl(['add-bond', bridge, bond, ...members, 'bond_mode=active-backup', `other_config:bond-primary=${members[0]}`]);
  }

  async deleteBridge(name: string): Promise<void> {
    await this.vsctl(['--if-exists', 'del-br', name]);
  }

  /** Lines of ovs-vswitchd's log that are warnings or errors (for reports of odd results). */
  async logProblems(): Promise<string[]> {
    const r = await run(['grep', '-E', '\\|(WARN|ERR|EMER)\\|', join(this.dir, 'ovs-vswitchd.log')], { check: false });
    return r.stdout.split('\n').filter(Boolean);
  }

  async stop(): Promise<void> {
    await this.vswitchd.stop('SIGTERM');
    await this.db.stop('SIGTERM');
    this.removeDirSync();
  }

  /** For exit handlers: the temp dir (the processes are killed by proc.ts). */
  removeDirSync(): void {
    rmSync(this.dir, { recursive: true, force: true });
    guardAlso(this.dir, []);
  }

  private vsctl(args: readonly string[]): Promise<ExecResult> {
    return vsctlIn(this.dir, ['--timeout=20', ...args]);
  }
}

function vsctlIn(dir: string, args: readonly string[]): Promise<ExecResult> {
  return run(['ovs-vsctl', `--db=unix:${join(dir, 'db.sock')}`, ...args], { timeoutMs: 30_000 });
}

async function waitForPath(path: string, proc: Background, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(path)) return;
    if (!proc.running()) throw new Error(`${proc.name.split(' ')[0]} exited: ${proc.stderr().trim()}`);
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await sleep(50);
  }
}
