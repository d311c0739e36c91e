// Test topologies out of network namespaces, veth pairs and Linux bridges — the
// fixture behind the integration tests and the benchmarks.
//
// A Lab owns every kernel object and process it makes. All names start with a
// per-lab prefix (`ns` + 4 hex digits, checked unused at construction), so labs of
// parallel runs never collide, and cleanup() can also sweep up anything left
// half-made by a failed step. cleanup() is idempotent and also runs, synchronously,
// when the process exits or is interrupted.
//
//   const lab = new Lab();
//   await lab.addHost('h1');
//   const p1 = await lab.addVethHost('h1', '10.77.0.1/24');   // → 'ns3fa2h1' in the root ns
//   ...
//   await lab.cleanup();
//
// Every command runs through execFile/spawn with an argument array; nothing goes
// through a shell. Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN for `ip netns`).
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { LabError, run, safeSync, sleep, waitFor, type ExecOptions, type ExecResult } from './exec.js';
import { parseIperf, type IperfOptions, type IperfResult } from './iperf.js';
import { parsePing, type PingOptions, type PingResult } from './ping.js';

/** Linux netdev names are at most 15 bytes (IFNAMSIZ - 1). */
export const MAX_NETDEV_NAME = 15;

export interface Counters {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  rxDropped: number;
  txDropped: number;
  rxErrors: number;
  txErrors: number;
}

const COUNTER_FILES: ReadonlyArray<[keyof Counters, string]> = [
  ['rxPackets', 'rx_packets'],
  ['txPackets', 'tx_packets'],
  ['rxBytes', 'rx_bytes'],
  ['txBytes', 'tx_bytes'],
  ['rxDropped', 'rx_dropped'],
  ['txDropped', 'tx_dropped'],
  ['rxErrors', 'rx_errors'],
  ['txErrors', 'tx_errors'],
];

export interface VethOptions {
  /** Name of the end inside the namespace (default eth0). */
  ifname?: string;
  /** Name of the end left in the root namespace (default prefix+host, then prefix+host+N). */
  rootName?: string;
  /** MAC address of the end inside the namespace. */
  mac?: string;
  mtu?: number;
}

export interface MoveOptions {
  /** Rename the netdev inside the namespace (default: keep its name). */
  ifname?: string;
  mac?: string;
  mtu?: number;
}

/** A process a Lab started; killed on cleanup if still running. */
export interface LabProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout and stderr collected so far. */
  stdout(): string;
  stderr(): string;
  /** Settles when the process exits. */
  readonly exited: Promise<ExecResult & { signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

// Every live lab, for the exit / signal handlers.
const liveLabs = new Set<Lab>();
let handlersInstalled = false;

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const lab of liveLabs) lab.cleanupSync();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      for (const lab of liveLabs) lab.cleanupSync();
      process.removeListener(sig, onSignal);
      // Only re-raise when nobody else handles it, so that the default action (exit) happens.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

function existingNames(): { netns: string[]; links: string[] } {
  const netns = safeSync(['ip', 'netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
  const links = safeSync(['ip', '-o', 'link', 'show'])
    .split('\n')
    .map((l) => /^\d+: ([^:@\s]+)/.exec(l)?.[1] ?? '')
    .filter(Boolean);
  return { netns, links };
}

function pickPrefix(): string {
  const { netns, links } = existingNames();
  const taken = [...netns, ...links];
  for (let i = 0; i < 64; i++) {
    const prefix = `ns${randomBytes(2).toString('hex')}`;
    if (!taken.some((n) => n.startsWith(prefix))) return prefix;
  }
  throw new LabError('could not find an unused lab prefix');
}

let iperfPortSeq = 0;

export class Lab {
  /** Every name this lab makes starts with this (6 characters: `ns` + 4 hex). */
  readonly prefix: string;
  private readonly hosts = new Map<string, string>(); // host → netns name
  private readonly rootLinks = new Set<string>(); // links made in the root namespace
  private readonly processes = new Set<LabProcess>();
  private readonly vethCount = new Map<string, number>();
  private readonly iperfPort = 5201 + (process.pid % 500) * 4 + (iperfPortSeq++ % 4);

  constructor(opts: { prefix?: string } = {}) {
    this.prefix = opts.prefix ?? pickPrefix();
    liveLabs.add(this);
    installExitHandlers();
  }

  /** prefix + suffix, checked to fit a netdev name. */
  name(suffix: string): string {
    const n = `${this.prefix}${suffix}`;
    if (n.length > MAX_NETDEV_NAME) {
      throw new LabError(`name ${n} is longer than ${MAX_NETDEV_NAME} characters; use a shorter suffix than "${suffix}"`);
    }
    return n;
  }

  /** The network namespace behind a host. */
  netns(host: string): string {
    const ns = this.hosts.get(host);
    if (ns === undefined) throw new LabError(`lab ${this.prefix} has no host ${host}`);
    return ns;
  }

  hostNames(): string[] {
    return [...this.hosts.keys()];
  }

  /** Creates a namespace for `host`, with lo up and IPv6 off (so no RS/DAD/MLD noise in counters). */
  async addHost(host: string, opts: { ipv6?: boolean } = {}): Promise<string> {
    if (this.hosts.has(host)) throw new LabError(`host ${host} already exists in lab ${this.prefix}`);
    const ns = this.name(host);
    this.hosts.set(host, ns); // before creating, so that a failure half-way is still cleaned up
    await run(['ip', 'netns', 'add', ns]);
    await this.exec(host, ['ip', 'link', 'set', 'lo', 'up']);
    if (opts.ipv6 !== true) {
      await this.exec(host, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    }
    return ns;
  }

  /**
   * A veth pair for `host`: one end moved into its namespace (eth0 by default, up,
   * addressed with `cidr` unless it is null), the other left in the root namespace,
   * up, with IPv6 off. Returns the root end's name — the netdev to give the switch.
   */
  async addVethHost(host: string, cidr: string | null, opts: VethOptions = {}): Promise<string> {
    const ns = this.netns(host);
    const ifname = opts.ifname ?? 'eth0';
    let rootName = opts.rootName;
    if (rootName === undefined) {
      const n = (this.vethCount.get(host) ?? 0) + 1;
      this.vethCount.set(host, n);
      rootName = this.name(n === 1 ? host : `${host}${n}`);
    }
    this.rootLinks.add(rootName);
    const add = ['ip', 'link', 'add', rootName];
    if (opts.mtu !== undefined) add.push('mtu', String(opts.mtu));
    add.push('type', 'veth', 'peer', 'name', ifname, 'netns', ns);
    if (opts.mtu !== undefined) add.push('mtu', String(opts.mtu));
    await run(add);
    disableIpv6Root(rootName);
    await run(['ip', 'link', 'set', rootName, 'up']);
    await this.setUpInHost(host, ifname, cidr, opts.mac);
    return rootName;
  }

  /** Moves an existing root-namespace netdev (e.g. a switch-made TAP) into `host`, up and addressed. */
  async moveIntoHost(netdev: string, host: string, cidr: string | null, opts: MoveOptions = {}): Promise<string> {
    const ns = this.netns(host);
    await run(['ip', 'link', 'set', netdev, 'netns', ns]);
    let name = netdev;
    if (opts.ifname !== undefined && opts.ifname !== netdev) {
      await this.exec(host, ['ip', 'link', 'set', netdev, 'name', opts.ifname]);
      name = opts.ifname;
    }
    if (opts.mtu !== undefined) await this.exec(host, ['ip', 'link', 'set', name, 'mtu', String(opts.mtu)]);
    await this.setUpInHost(host, name, cidr, opts.mac);
    return name;
  }

  /** Deletes a root-namespace link (a veth deletes its peer too); missing links are fine. */
  async deleteLink(name: string): Promise<void> {
    await run(['ip', 'link', 'del', name], { check: false });
  }

  /** A reference Linux bridge in the root namespace over `ports` (STP off, forwarding at once). */
  async linuxBridge(name: string, ports: readonly string[], opts: { ageingTime?: number } = {}): Promise<string> {
    this.rootLinks.add(name);
    const add = ['ip', 'link', 'add', 'name', name, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0'];
    if (opts.ageingTime !== undefined) add.push('ageing_time', String(Math.round(opts.ageingTime * 100)));
    await run(add);
    disableIpv6Root(name);
    for (const p of ports) await run(['ip', 'link', 'set', p, 'master', name]);
    await run(['ip', 'link', 'set', name, 'up']);
    return name;
  }

  /** Runs `cmd` inside the host's namespace (ip netns exec). Throws on non-zero exit unless check: false. */
  exec(host: string, cmd: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return run(['ip', 'netns', 'exec', this.netns(host), ...cmd], opts);
  }

  /** Starts `cmd` inside the host's namespace in the background; killed on cleanup. */
  spawn(host: string, cmd: readonly string[]): LabProcess {
    const child = spawnChild('ip', ['netns', 'exec', this.netns(host), ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<ExecResult & { signal: NodeJS.Signals | null }>((resolve) => {
      child.once('error', (e) => {
        err += String(e);
        resolve({ code: 127, signal: null, stdout: out, stderr: err });
      });
      child.once('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout: out, stderr: err }));
    });
    const proc: LabProcess = {
      child,
      pid: child.pid ?? -1,
      stdout: () => out,
      stderr: () => err,
      exited,
      kill: (signal: NodeJS.Signals = 'SIGTERM') => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
    };
    this.processes.add(proc);
    void exited.then(() => this.processes.delete(proc));
    return proc;
  }

  /** Pings `dst` from `host`; never throws for lost replies — look at `received`. */
  async ping(host: string, dst: string, opts: PingOptions = {}): Promise<PingResult> {
    const count = opts.count ?? 3;
    const interval = opts.interval ?? 0.2;
    const timeout = opts.timeout ?? 1;
    // -w is only passed when asked for: with it, ping keeps sending past `count` until
    // that many replies came back, which is not what a count of lost pings wants.
    const limit = opts.deadline ?? Math.ceil(count * interval + timeout + 1);
    const cmd = ['ping', '-n', '-c', String(count), '-i', String(interval), '-W', String(timeout)];
    if (opts.deadline !== undefined) cmd.push('-w', String(opts.deadline));
    if (opts.size !== undefined) cmd.push('-s', String(opts.size));
    if (opts.iface !== undefined) cmd.push('-I', opts.iface);
    if (opts.pattern !== undefined) cmd.push('-p', opts.pattern);
    if (opts.tos !== undefined) cmd.push('-Q', String(opts.tos));
    cmd.push(dst);
    const r = await this.exec(host, cmd, { check: false, timeoutMs: (limit + 5) * 1000 });
    if (r.code > 1) throw new LabError(`ping from ${host} to ${dst} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`, r);
    return parsePing(r.stdout, r.code);
  }

  /** /sys/class/net/DEV/statistics of a netdev inside `host` (or in the root namespace when host is null). */
  async counters(host: string | null, dev: string): Promise<Counters> {
    const files = COUNTER_FILES.map(([, f]) => `/sys/class/net/${dev}/statistics/${f}`);
    let text: string;
    if (host === null) text = files.map((f) => readFileSync(f, 'utf8')).join('');
    else text = (await this.exec(host, ['cat', ...files])).stdout;
    const values = text.trim().split(/\s+/).map(Number);
    const c = {} as Counters;
    COUNTER_FILES.forEach(([key], i) => (c[key] = values[i] ?? NaN));
    return c;
  }

  /** The MAC address of a netdev inside `host` (lower case, colon separated). */
  async mac(host: string, dev = 'eth0'): Promise<string> {
    return (await this.exec(host, ['cat', `/sys/class/net/${dev}/address`])).stdout.trim().toLowerCase();
  }

  /** `ip ARGS` inside the host. */
  ip(host: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(host, ['ip', ...args], opts);
  }

  /**
   * iperf3 from `client` to a one-off server in `server` listening on `serverIp`.
   * Returns the client's view; throws when iperf3 fails.
   */
  async iperf3(server: string, client: string, serverIp: string, opts: IperfOptions = {}): Promise<IperfResult> {
    const time = opts.time ?? 2;
    const port = String(opts.port ?? this.iperfPort);
    const timeoutMs = opts.timeoutMs ?? (time + 15) * 1000;
    const srv = this.spawn(server, ['iperf3', '-s', '-1', '--forceflush', '-B', serverIp, '-p', port]);
    try {
      await waitFor(() => /listening/i.test(srv.stdout()) || srv.child.exitCode !== null, {
        timeoutMs: 5000,
        what: `iperf3 server in ${server}`,
      });
      if (srv.child.exitCode !== null) throw new LabError(`iperf3 server in ${server} exited: ${srv.stderr() || srv.stdout()}`);
      const cmd = ['iperf3', '-c', serverIp, '-p', port, '-t', String(time), '--json', '--connect-timeout', '3000'];
      if (opts.udp) cmd.push('-u', '-b', opts.bitrate ?? '1M');
      else if (opts.bitrate !== undefined) cmd.push('-b', opts.bitrate);
      if (opts.reverse) cmd.push('-R');
      const r = await this.exec(client, cmd, { check: false, timeoutMs });
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(r.stdout) as Record<string, unknown>;
      } catch {
        throw new LabError(`iperf3 client in ${client} gave no JSON (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`, r);
      }
      if (typeof json.error === 'string' || r.code !== 0) {
        throw new LabError(`iperf3 ${client} → ${server} failed (exit ${r.code}): ${typeof json.error === 'string' ? json.error : r.stderr}`, r);
      }
      return parseIperf(json, opts.udp === true);
    } finally {
      srv.kill('SIGKILL');
      await Promise.race([srv.exited, sleep(2000)]);
    }
  }

  /**
   * Removes everything this lab made: its processes, root-namespace links, namespaces
   * (which takes the veth ends and TAPs inside them along), plus anything else left
   * with its prefix. Safe to call more than once and on a half-built lab.
   */
  async cleanup(): Promise<void> {
    const procs = [...this.processes];
    for (const p of procs) p.kill('SIGTERM');
    await Promise.race([Promise.all(procs.map((p) => p.exited)), sleep(1000)]);
    for (const p of procs) p.kill('SIGKILL');
    await Promise.race([Promise.all(procs.map((p) => p.exited)), sleep(1000)]);
    this.processes.clear();
    const { links, netns } = this.leftovers();
    for (const l of links) await run(['ip', 'link', 'del', l], { check: false, timeoutMs: 10_000 }).catch(() => undefined);
    for (const ns of netns) await run(['ip', 'netns', 'del', ns], { check: false, timeoutMs: 10_000 }).catch(() => undefined);
    this.forget();
  }

  /** cleanup() for exit handlers: synchronous, best effort. */
  cleanupSync(): void {
    for (const p of this.processes) {
      try {
        p.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    this.processes.clear();
    const { links, netns } = this.leftovers();
    for (const l of links) safeSync(['ip', 'link', 'del', l]);
    for (const ns of netns) safeSync(['ip', 'netns', 'del', ns]);
    this.forget();
  }

  private leftovers(): { links: string[]; netns: string[] } {
    const existing = existingNames();
    const links = new Set([...this.rootLinks].filter((l) => existing.links.includes(l)));
    for (const l of existing.links) if (l.startsWith(this.prefix)) links.add(l);
    const netns = new Set([...this.hosts.values()].filter((n) => existing.netns.includes(n)));
    for (const n of existing.netns) if (n.startsWith(this.prefix)) netns.add(n);
    return { links: [...links], netns: [...netns] };
  }

  private forget(): void {
    this.hosts.clear();
    this.rootLinks.clear();
    this.vethCount.clear();
    liveLabs.delete(this);
  }

  private async setUpInHost(host: string, ifname: string, cidr: string | null, mac?: string): Promise<void> {
    if (mac !== undefined) await this.ip(host, ['link', 'set', ifname, 'address', mac]);
    if (cidr !== null) await this.ip(host, ['addr', 'add', cidr, 'dev', ifname]);
    await this.ip(host, ['link', 'set', ifname, 'up']);
  }
}

function disableIpv6Root(netdev: string): void {
  try {
    writeFileSync(`/proc/sys/net/ipv6/conf/${netdev}/disable_ipv6`, '1');
  } catch {
    // IPv6 compiled out or the file is not there yet: only noise in counters is at stake.
  }
}
