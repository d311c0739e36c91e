/**
 * A reactive learning-switch controller in a few lines, like ovs-testcontroller:
 * the bridge starts with no flows but a table-miss rule that sends every packet up;
 * the controller learns source MAC → in_port from each packet-in, and when it knows
 * where the destination lives it installs an exact-match flow (so the next packets
 * of that conversation never leave the datapath) and sends the packet there;
 * otherwise it floods the packet.
 *
 * Library use (tests do this):
 *   const br = sw.addBridge('br0', { defaultFlows: false });
 *   const ctl = await startLearningController(br);
 *
 * Command line (see examples/README.md):
 *   node dist/examples/learning-controller.js veth0 veth1 [more ports…]
 */
import { pathToFileURL } from 'node:url';
import { type Bridge, Switch } from '../src/index.js';
import type { PacketIn } from '../src/index.js';

export interface LearningControllerOptions {
  /** idle_timeout of the flows it installs, in seconds (default 60). */
  idleTimeout?: number;
  /** Priority of the flows it installs (default 10; the table-miss rule is 0). */
  priority?: number;
}

export interface LearningController {
  /** What it has learned: MAC → ofport. */
  readonly macs: ReadonlyMap<string, number>;
  /** Flows installed so far. */
  readonly installed: number;
  /** Stops handling packet-ins (the flows stay). */
  stop(): void;
}

const macAt = (b: Buffer, at: number): string => [...b.subarray(at, at + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');

export async function startLearningController(bridge: Bridge, opts: LearningControllerOptions = {}): Promise<LearningController> {
  const idle = opts.idleTimeout ?? 60;
  const priority = opts.priority ?? 10;
  const macs = new Map<string, number>();
  let installed = 0;

  async function onPacketIn(p: PacketIn): Promise<void> {
    if (p.data.length < 14) return;
    const dst = macAt(p.data, 0);
    const src = macAt(p.data, 6);
    if (!(p.data[6]! & 1)) macs.set(src, p.inPort); // never learn a multicast source
    const out = p.data[0]! & 1 ? undefined : macs.get(dst);
    if (out === undefined) return bridge.packetOut(p.data, 'flood', p.inPort);
    if (out === p.inPort) return; // it is where it came from: drop, as a learning switch does
    await bridge.addFlow(`priority=${priority},idle_timeout=${idle},in_port=${p.inPort},dl_src=${src},dl_dst=${dst},actions=output:${out}`);
    installed++;
    await bridge.packetOut(p.data, `output:${out}`, p.inPort);
  }

  const listener = (p: PacketIn): void => {
    onPacketIn(p).catch((err: unknown) => bridge.emit('error', err));
  };
  bridge.on('packetIn', listener);
  await bridge.addFlow('priority=0,actions=controller');
  return {
    macs,
    get installed() {
      return installed;
    },
    stop: () => void bridge.off('packetIn', listener),
  };
}

async function main(ports: string[]): Promise<void> {
  if (ports.length < 2) {
    console.error('usage: learning-controller PORT PORT [PORT…]   (existing netdevs: veths, taps, NICs)');
    process.exitCode = 2;
    return;
  }
  const sw = new Switch();
  const br = sw.addBridge('lc0', { defaultFlows: false });
  for (const p of ports) await br.addPort(p);
  const ctl = await startLearningController(br);
  console.log(`learning controller on ${ports.join(', ')}; Ctrl-C to stop`);
  const timer = setInterval(() => {
    void br.dumpFlowsText().then((lines) => console.log(`--- ${ctl.macs.size} MACs learned\n${lines.join('\n')}`));
  }, 5000);
  const stop = (): void => {
    clearInterval(timer);
    void sw.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
