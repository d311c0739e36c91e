// A private Open vSwitch with the userspace (netdev) datapath, inside a network
// namespace of its own — the real peer for tests of what this kernel cannot be a
// peer for (it has no bonding, 8021q, geneve or gretap modules).
//
// Why a namespace: the netdev datapath makes one "ovs-netdev" device per namespace,
// so only one such ovs-vswitchd can run in each; other tests and the bench may run
// theirs at the same time. The caller makes the namespace (Lab.addHost) and moves
// the veth ends OVS should drive into it; OVS adds them as ordinary ("system")
// ports, which the netdev datapath reads through AF_PACKET.
//
//   const ovs = await OvsNetdev.start(lab.netns('ovs'));
//   await ovs.addBridge('br0', []);
//   await ovs.addBond('br0', 'bond0', ['v1', 'v2'], { lacp: 'active', mode: 'balance-tcp' });
//   ...
//   await ovs.stop();
//
// Both daemons are started (ip netns exec, no shell, no --detach) and killed by
// their PIDs; the run, db and log files live in a temp dir that stop() removes. The
// process's exit handlers kill them and remove the dir when a test dies half-way.
// The system's Open vSwitch service, if any, is neither used nor touched.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, sleep, type ExecResult } from './exec.js';
import { findOvsSchema, ovsMissing } from './requirements.js';

export interface OvsBondOptions {
  /** bond_mode (default active-backup, as in OVS). */
  mode?: 'active-backup' | 'balance-slb' | 'balance-tcp';
  /** lacp (default off, as in OVS). */
  lacp?: 'active' | 'passive' | 'off';
  /** other_config:lacp-time (default slow, as in OVS). */
  lacpTime?: 'fast' | 'slow';
}

// Every live instance, for the exit handler.
const live = new Set<OvsNetdev>();
let exitHandlerInstalled = false;

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const o of live) o.killSync();
  });
}

/** The WARN/ERR/EMER lines of the ovs-vswitchd.log in `dir` (none when there is no log yet). */
export function ovsLogProblems(dir: string): string[] {
  try {
    return readFileSync(join(dir, 'ovs-vswitchd.log'), 'utf8')
      .split('\n')
      .filter((l) => /\|(WARN|ERR|EMER)\|/.test(l));
  } catch {
    return [];
  }
}

export class OvsNetdev {
  private readonly procs: ChildProcess[] = [];

  private constructor(
    /** The network namespace both daemons run in. */
    readonly netns: string,
    /** The temp dir with the sockets, the database and the logs. */
    readonly dir: string,
  ) {}

  /** Starts ovsdb-server and ovs-vswitchd inside `netns`; throws (having cleaned up) when either fails. */
  static async start(netns: string): Promise<OvsNetdev> {
    const why = ovsMissing();
    if (why) throw new Error(why);
    const schema = findOvsSchema()!;
    const ovs = new OvsNetdev(netns, mkdtempSync(join(tmpdir(), 'nodeswitch-ovs-netdev-')));
    installExitHandler();
    live.add(ovs);
    try {
      await run(['ovsdb-tool', 'create', join(ovs.dir, 'conf.db'), schema]);
      const db = ovs.daemon('ovsdb-server', [
        join(ovs.dir, 'conf.db'),
        `--remote=punix:${ovs.dbSock}`,
        `--unixctl=${join(ovs.dir, 'ovsdb-server.ctl')}`,
        `--log-file=${join(ovs.dir, 'ovsdb-server.log')}`,
      ]);
      await ovs.waitForPath(ovs.dbSock, db, 10_000);
      await ovs.vsctl(['--no-wait', 'init']);
      // Keep the virtio-net header on the veths (as nodeswitch's afpacket ports do):
      // without it checksum-offloaded TCP arrives with partial checksums and is dropped.
      await ovs.vsctl(['--no-wait', 'set', 'Open_vSwitch', '.', 'other_config:userspace-tso-enable=true']);
      const vswitchd = ovs.daemon('ovs-vswitchd', [
        `unix:${ovs.dbSock}`,
        `--unixctl=${ovs.ctl}`,
        `--log-file=${join(ovs.dir, 'ovs-vswitchd.log')}`,
      ]);
      await ovs.waitForPath(ovs.ctl, vswitchd, 15_000);
      return ovs;
    } catch (err) {
      await ovs.stop();
      throw err;
    }
  }

  get dbSock(): string {
    return join(this.dir, 'db.sock');
  }

  /** ovs-vswitchd's unixctl socket (ovs-appctl -t). */
  get ctl(): string {
    return join(this.dir, 'ovs-vswitchd.ctl');
  }

  /** ovs-vswitchd's PID (its memory, /proc/PID/status), or undefined once stopped. */
  get vswitchdPid(): number | undefined {
    return this.procs.find((p) => p.spawnargs.includes('ovs-vswitchd') && running(p))?.pid;
  }

  /** A bridge's OpenFlow management socket (ovs-ofctl's target). */
  mgmt(bridge: string): string {
    return join(this.dir, `${bridge}.mgmt`);
  }

  /** ovs-vsctl against this instance's database. Throws on failure. */
  vsctl(args: readonly string[]): Promise<ExecResult> {
    return run(['ovs-vsctl', `--db=unix:${this.dbSock}`, '--timeout=20', ...args], { timeoutMs: 30_000 });
  }

  /** ovs-appctl to this ovs-vswitchd (e.g. ['lacp/show', 'bond0']). Throws on failure. */
  appctl(args: readonly string[]): Promise<ExecResult> {
    return run(['ovs-appctl', '-t', this.ctl, ...args], { timeoutMs: 30_000 });
  }

  /** ovs-ofctl on one of this instance's bridges: ofctl('br0', ['dump-flows']). */
  ofctl(bridge: string, args: readonly string[]): Promise<ExecResult> {
    const [verb, ...rest] = args;
    return run(['ovs-ofctl', verb!, this.mgmt(bridge), ...rest], { timeoutMs: 30_000 });
  }

  /** `cmd` inside the namespace (ip netns exec). */
  exec(cmd: readonly string[], opts: { check?: boolean; timeoutMs?: number } = {}): Promise<ExecResult> {
    return run(['ip', 'netns', 'exec', this.netns, ...cmd], opts);
  }

  /** A netdev-datapath bridge over `ports` (netdevs in the namespace); returns once they are open. */
  async addBridge(name: string, ports: readonly string[]): Promise<void> {
    const args = ['--', 'add-br', name, '--', 'set', 'bridge', name, 'datapath_type=netdev'];
    for (const p of ports) args.push('--', 'add-port', name, p);
    await this.vsctl(args);
    await this.checkOpened(ports);
  }

  /** Adds a port to an existing bridge. */
  async addPort(bridge: string, port: string): Promise<void> {
    await this.vsctl(['add-port', bridge, port]);
    await this.checkOpened([port]);
  }

  /** ovs-vsctl add-bond BRIDGE BOND MEMBERS… bond_mode=… lacp=… [other_config:lacp-time=…]. */
  async addBond(bridge: string, bond: string, members: readonly string[], opts: OvsBondOptions = {}): Promise<void> {
    const args = ['add-bond', bridge, bond, ...members, `bond_mode=${opts.mode ?? 'active-backup'}`, `lacp=${opts.lacp ?? 'off'}`];
    if (opts.lacpTime !== undefined) args.push(`other_config:lacp-time=${opts.lacpTime}`);
    await this.vsctl(args);
    await this.checkOpened(members);
  }

  async deleteBridge(name: string): Promise<void> {
    await this.vsctl(['--if-exists', 'del-br', name]);
  }

  /** Lines of ovs-vswitchd's log that are warnings or errors (for messages about odd results). */
  logProblems(): string[] {
    return ovsLogProblems(this.dir);
  }

  /** Stops both daemons (SIGTERM, then SIGKILL after 3 s) and removes the temp dir. Idempotent. */
  async stop(): Promise<void> {
    for (const p of [...this.procs].reverse()) {
      if (!running(p)) continue;
      const exited = new Promise<void>((r) => p.once('close', () => r()));
      p.kill('SIGTERM');
      if ((await Promise.race([exited.then(() => 'done'), sleep(3000).then(() => 'timeout')])) === 'timeout') {
        p.kill('SIGKILL');
        await exited;
      }
    }
    this.procs.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  /** stop() for exit handlers: SIGKILL by PID, remove the dir, synchronously. */
  killSync(): void {
    for (const p of this.procs) if (running(p)) p.kill('SIGKILL');
    this.procs.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  // `ip netns exec` execs the daemon itself, so the child's PID is the daemon's.
  private daemon(file: string, args: readonly string[]): ChildProcess {
    const env = { ...process.env, OVS_RUNDIR: this.dir, OVS_LOGDIR: this.dir, OVS_DBDIR: this.dir, OVS_SYSCONFDIR: this.dir };
    const child = spawn('ip', ['netns', 'exec', this.netns, file, ...args, '--no-chdir', '-vconsole:off'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
    Object.defineProperty(child, 'stderrTail', { get: () => err });
    this.procs.push(child);
    return child;
  }

  private async waitForPath(path: string, proc: ChildProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(path)) {
      if (!running(proc)) {
        const tail = (proc as ChildProcess & { stderrTail?: string }).stderrTail ?? '';
        throw new Error(`${proc.spawnargs[3]} exited (${proc.exitCode ?? proc.signalCode}): ${tail.trim()}`);
      }
      if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  // add-port succeeds in the database even when the datapath could not open the netdev.
  private async checkOpened(ports: readonly string[]): Promise<void> {
    for (const p of ports) {
      const r = await this.vsctl(['get', 'interface', p, 'ofport']);
      if (Number(r.stdout.trim()) <= 0) {
        const e = await this.vsctl(['get', 'interface', p, 'error']);
        throw new Error(`OVS could not add port ${p}: ${e.stdout.trim()}`);
      }
    }
  }
}

function running(p: ChildProcess): boolean {
  return p.exitCode === null && p.signalCode === null;
}
