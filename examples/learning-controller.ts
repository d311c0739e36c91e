/**
 * A reactive learning-switch controller, like ovs-testcontroller, over the Bridge
 * API instead of an OpenFlow connection, and built on batches:
 *
 *   - the bridge starts with no flows but a table-miss rule that sends every packet up;
 *   - packet-ins arrive a burst at a time (`for await (const batch of bridge.packetIns())`);
 *   - for each packet the controller learns source MAC → in_port; when it knows where
 *     the destination lives it adds an exact-match flow (so the next packets of that
 *     conversation never leave the datapath) and sends the packet there, otherwise it
 *     floods the packet;
 *   - everything one batch decided goes down in ONE Bridge.apply call: the flow-mods
 *     and packet-outs, in order, in one datapath command.
 *
 * `match: 'l2'` (the default) installs in_port,dl_src,dl_dst flows; `match: '5-tuple'`
 * adds the ethertype and, for IPv4, the addresses, protocol and ports — a flow per
 * TCP/UDP conversation, as ovs-testcontroller's exact-match flows are.
 *
 * Library use (tests and bench/flow-setup-rate.ts do this):
 *   const br = sw.addBridge('br0', { defaultFlows: false });
 *   const ctl = await startLearningController(br);
 *
 * Command line (see examples/README.md):
 *   node dist/examples/learning-controller.js [--5-tuple] veth0 veth1 [more ports…]
 */
import { pathToFileURL } from 'node:url';
import { type Bridge, type ControllerOp, type PacketInBatch, Switch } from '../src/index.js';
import type { Action } from '../src/ofproto/actions.js';
import type { Match } from '../src/ofproto/fields.js';
import type { FlowSpec } from '../src/ofproto/flow.js';
import { OFPP } from '../src/ofproto/values.js';

export interface LearningControllerOptions {
  /** idle_timeout of the flows it installs, in seconds (default 60). */
  idleTimeout?: number;
  /** Priority of the flows it installs (default 10; the table-miss rule is 0). */
  priority?: number;
  /** What its flows match: 'l2' (in_port, MACs; the default) or '5-tuple' (and IPv4 addresses, protocol, ports). */
  match?: 'l2' | '5-tuple';
}

export interface LearningController {
  /** What it has learned: MAC → ofport. */
  readonly macs: ReadonlyMap<string, number>;
  /** Flows installed so far. */
  readonly installed: number;
  /** Packet-ins handled, and the Bridge.apply calls they took. */
  readonly packetIns: number;
  readonly batches: number;
  /** Stops handling packet-ins (the flows stay); resolves when the last batch is applied. */
  stop(): Promise<void>;
}

const FLOOD: Action[] = [{ type: 'output', port: OFPP.FLOOD }];
const EXACT_MAC = 'ffffffffffff';
const exact = (value: number, bits: number): { value: number; mask: number } => ({ value, mask: bits === 32 ? 0xffffffff : (1 << bits) - 1 });

/** The match of a packet, and a string that names it (to install each flow once per batch). */
function matchOf(d: Buffer, inPort: number, mode: 'l2' | '5-tuple'): { match: Match; id: string } {
  const match: Match = {
    in_port: exact(inPort, 32),
    dl_src: { value: d.toString('hex', 6, 12), mask: EXACT_MAC },
    dl_dst: { value: d.toString('hex', 0, 6), mask: EXACT_MAC },
  };
  const l2 = `${inPort}/${d.toString('latin1', 0, 12)}`;
  if (mode === 'l2') return { match, id: l2 };
  const type = d.readUInt16BE(12);
  if (type !== 0x0800 || d.length < 34) {
    // Not IPv4: still only this ethertype (an ARP flow must not carry the IPv4
    // conversations between the same MACs); tagged frames stay L2.
    if (type === 0x8100 || type === 0x88a8) return { match, id: l2 };
    match.dl_type = exact(type, 16);
    return { match, id: `${l2}${d.toString('latin1', 12, 14)}` };
  }
  const ihl = (d[14]! & 0x0f) * 4;
  const proto = d[23]!;
  match.dl_type = exact(0x0800, 16);
  match.nw_proto = exact(proto, 8);
  match.nw_src = exact(d.readUInt32BE(26), 32);
  match.nw_dst = exact(d.readUInt32BE(30), 32);
  const fragment = (d.readUInt16BE(20) & 0x3fff) !== 0;
  const l4 = 14 + ihl;
  if ((proto === 6 || proto === 17) && !fragment && d.length >= l4 + 4) {
    match.tp_src = exact(d.readUInt16BE(l4), 16);
    match.tp_dst = exact(d.readUInt16BE(l4 + 2), 16);
    return { match, id: `${l2}${d.toString('latin1', 23, 24)}${d.toString('latin1', 26, 34)}${d.toString('latin1', l4, l4 + 4)}` };
  }
  return { match, id: `${l2}${d.toString('latin1', 23, 24)}${d.toString('latin1', 26, 34)}` };
}

const macText = (b: Buffer, at: number): string => b.toString('hex', at, at + 6).replace(/(..)(?!$)/g, '$1:');

export async function startLearningController(bridge: Bridge, opts: LearningControllerOptions = {}): Promise<LearningController> {
  const idleTimeout = opts.idleTimeout ?? 60;
  const priority = opts.priority ?? 10;
  const mode = opts.match ?? 'l2';
  const macs = new Map<string, number>(); // "aa:bb:…" → ofport, what the caller reads
  const learned = new Map<string, number>(); // the same by the 6 raw bytes (latin1): cheap per packet
  let installed = 0;
  let packetIns = 0;
  let batches = 0;
  // One action list per output port, reused: apply compiles each list object once a call.
  const outputs = new Map<number, Action[]>();
  const outputTo = (port: number): Action[] => {
    let list = outputs.get(port);
    if (!list) outputs.set(port, (list = [{ type: 'output', port }]));
    return list;
  };

  /** One batch's decisions, as the ops of one apply call. */
  function decide(batch: PacketInBatch): { ops: ControllerOp[]; adds: number } {
    const ops: ControllerOp[] = [];
    const adding = new Set<string>();
    for (let i = 0; i < batch.length; i++) {
      const data = batch.frame(i);
      if (data.length < 14) continue;
      const inPort = batch.inPort(i);
      if (!(data[6]! & 1)) {
        // Never learn a multicast source.
        const src = data.toString('latin1', 6, 12);
        if (learned.get(src) !== inPort) {
          learned.set(src, inPort);
          macs.set(macText(data, 6), inPort);
        }
      }
      const out = data[0]! & 1 ? undefined : learned.get(data.toString('latin1', 0, 6));
      if (out === undefined) {
        ops.push({ op: 'packetOut', data, actions: FLOOD, inPort });
        continue;
      }
      if (out === inPort) continue; // it is where it came from: drop, as a learning switch does
      const actions = outputTo(out);
      const { match, id } = matchOf(data, inPort, mode);
      if (!adding.has(id)) {
        adding.add(id);
        const flow: FlowSpec = {
          table: 0,
          priority,
          cookie: 0n,
          idleTimeout,
          hardTimeout: 0,
          flags: { sendFlowRem: false, checkOverlap: false },
          match,
          actions,
          instructions: {},
        };
        ops.push({ op: 'add', flow });
      }
      ops.push({ op: 'packetOut', data, actions, inPort });
    }
    return { ops, adds: adding.size };
  }

  const stream = bridge.packetIns();
  let closed = false;
  bridge.once('closed', () => (closed = true));
  const loop = (async () => {
    for await (const batch of stream) {
      packetIns += batch.length;
      const { ops, adds } = decide(batch);
      if (!ops.length) continue;
      batches++;
      try {
        await bridge.apply(ops);
        installed += adds;
      } catch (err) {
        if (!closed) bridge.emit('error', err); // a batch caught by close() is no error
      }
    }
  })();
  await bridge.addFlow('priority=0,actions=controller');
  return {
    macs,
    get installed() {
      return installed;
    },
    get packetIns() {
      return packetIns;
    },
    get batches() {
      return batches;
    },
    stop: async () => {
      await stream.return();
      await loop;
    },
  };
}

async function main(args: string[]): Promise<void> {
  const fiveTuple = args.includes('--5-tuple');
  const ports = args.filter((a) => a !== '--5-tuple');
  if (ports.length < 2) {
    console.error('usage: learning-controller [--5-tuple] PORT PORT [PORT…]   (existing netdevs: veths, taps, NICs)');
    process.exitCode = 2;
    return;
  }
  const sw = new Switch();
  const br = sw.addBridge('lc0', { defaultFlows: false });
  for (const p of ports) await br.addPort(p);
  const ctl = await startLearningController(br, { match: fiveTuple ? '5-tuple' : 'l2' });
  console.log(`learning controller on ${ports.join(', ')}; Ctrl-C to stop`);
  const timer = setInterval(() => {
    void br.dumpFlowsText().then((lines) =>
      console.log(`--- ${ctl.macs.size} MACs learned, ${ctl.packetIns} packet-ins in ${ctl.batches} batches\n${lines.join('\n')}`),
    );
  }, 5000);
  const stop = (): void => {
    clearInterval(timer);
    void ctl
      .stop()
      .then(() => sw.close())
      .then(() => process.exit(0));
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
