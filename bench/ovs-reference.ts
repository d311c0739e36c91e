// The OVS reference of the OpenFlow scenarios: a bridge of their own in the ovs
// round's private ovs-vswitchd (bench/ovs.ts), driven with ovs-vsctl and ovs-ofctl.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../test/lab/index.js';
import { ovsMissing } from './ovs.js';
import type { Topology } from './topology.js';

function procRss(pid: string): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

export class OvsRef {
  private constructor(
    readonly dir: string,
    readonly bridge: string,
  ) {}

  /**
   * A bridge of its own in the ovs round's ovs-vswitchd (bench/ovs.ts's private
   * daemons). A second ovs-vswitchd cannot run beside it: the netdev datapath's
   * "ovs-netdev" device is one per network namespace. OvsFabric keeps its run
   * directory to itself, so it is found by the fabric bridge's management socket.
   */
  static async open(topo: Topology, bridge: string): Promise<OvsRef> {
    const fabricBridge = topo.lab.name('ovs');
    const dir = readdirSync(tmpdir())
      .filter((d) => d.startsWith('nodeswitch-bench-ovs-'))
      .map((d) => join(tmpdir(), d))
      .find((d) => existsSync(join(d, `${fabricBridge}.mgmt`)));
    if (dir === undefined) throw new Error(`cannot find the run directory of the ovs round's ovs-vswitchd (bridge ${fabricBridge})`);
    const ref = new OvsRef(dir, bridge);
    await ref.vsctl(['--', '--if-exists', 'del-br', bridge, '--', 'add-br', bridge, '--', 'set', 'bridge', bridge, 'datapath_type=netdev']);
    try {
      await ref.ofctl(['del-flows']); // the NORMAL flow a new bridge gets
    } catch (err) {
      await ref.close();
      throw err;
    }
    return ref;
  }

  private vsctl(args: readonly string[]): Promise<unknown> {
    return run(['ovs-vsctl', `--db=unix:${join(this.dir, 'db.sock')}`, '--timeout=20', ...args], { timeoutMs: 30_000 });
  }

  ofctl(args: readonly string[], timeoutMs = 30_000): Promise<{ stdout: string }> {
    const [cmd, ...rest] = args;
    return run(['ovs-ofctl', '-O', 'OpenFlow13', cmd!, `unix:${join(this.dir, `${this.bridge}.mgmt`)}`, ...rest], { timeoutMs });
  }

  async flowCount(): Promise<number> {
    const r = await this.ofctl(['dump-aggregate']);
    const m = /flow_count=(\d+)/.exec(r.stdout);
    if (!m) throw new Error(`dump-aggregate printed "${r.stdout.trim()}"`);
    return Number(m[1]);
  }

  rss(): number {
    return procRss(readFileSync(join(this.dir, 'ovs-vswitchd.pid'), 'utf8').trim());
  }

  async close(): Promise<void> {
    await this.vsctl(['--if-exists', 'del-br', this.bridge]);
  }
}

/**
 * `fn` with a fresh reference bridge named `bridge` and `text` in a file of its run
 * directory, for ovs-ofctl to read; the file and the bridge go afterwards.
 */
export async function withOvsFlowsFile<T>(topo: Topology, bridge: string, text: string, fn: (ovs: OvsRef, file: string) => Promise<T>): Promise<T> {
  const ovs = await OvsRef.open(topo, bridge);
  const file = join(ovs.dir, 'nodeswitch-flows.txt');
  try {
    writeFileSync(file, text);
    return await fn(ovs, file);
  } finally {
    rmSync(file, { force: true });
    await ovs.close();
  }
}

/** The ovs round's reference, or nothing when OVS cannot run here. */
export async function maybeOvs(fn: () => Promise<Record<string, number>>, log: (l: string) => void): Promise<Record<string, number>> {
  const missing = ovsMissing();
  if (missing !== undefined) {
    log(`no OVS reference: ${missing}`);
    return {};
  }
  return fn();
}
