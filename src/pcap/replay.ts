/**
 * Offline replay: pcap traces through the real pipeline (the same C++ datapath,
 * classifier, cache, NORMAL and actions as the live switch), as fast as it goes.
 *
 * Every port of the bridge is a pcap port: a port named by --in replays its trace
 * (the native reader validates the whole file first, and refuses a corrupt one
 * with the byte offset); with --out, every port records what it is sent to
 * DIR/port-P.pcap and the controller's packets go to DIR/controller.pcap. Files are
 * written into a staging directory beside DIR and moved into place only when the
 * replay succeeded, so a refused replay writes nothing to DIR; files of ports that
 * sent nothing are not kept.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileProblem, NodeswitchError } from '../errors.js';
import { COUNT, OFPORT } from '../limits.js';
import { rangeText, unreadableFile } from '../validate.js';
import { type Action, type FlowSpec, parseFlowsFile } from '../ofproto/flow-syntax.js';
import { Switch } from '../switch.js';

export interface ReplayInput {
  port: number;
  file: string;
}

export interface ReplayOptions {
  inputs: ReplayInput[];
  /** The bridge's ports; default: the input ports plus 1–4. */
  ports?: number[];
  /** An ovs-ofctl flows file: the whole table set (no default NORMAL flow). */
  flowsFile?: string;
  outDir?: string;
  repeat?: number;
  /** Called about 4 times a second while the replay runs. */
  onProgress?: (done: number, total: number, elapsedSec: number) => void;
}

export interface ReplayPortSummary {
  ofport: number;
  rxPackets: number;
  txPackets: number;
  txBytes: number;
  txDropped: number;
  txErrors: number;
  file?: string;
}

export interface ReplaySummary {
  packetsRead: number;
  truncated: number;
  oversize: number;
  ports: ReplayPortSummary[];
  /** noPort: sent to a port number that is not one of the replay's ports (output:7 with ports 1–4). */
  drops: { tableMiss: number; runt: number; badSource: number; samePort: number; invalidTtl: number; noPort: number };
  /** Ports the --flows rules output to that the replay does not have (their packets are in drops.noPort). */
  undeclaredPorts: number[];
  upcalls: number;
  controllerFile?: string;
  wallSeconds: number;
  mpps: number;
}

function checkReadable(file: string, what: string): void {
  const problem = unreadableFile(file);
  if (problem !== undefined) throw new NodeswitchError(`--${what} ${file}: cannot read it: ${problem}`, what);
}

function checkPort(port: number, argument: string, what: string): void {
  if (!Number.isInteger(port) || port < OFPORT.min || port > OFPORT.max) {
    throw new NodeswitchError(`${what} must be ${rangeText(OFPORT)}, got ${port}`, argument);
  }
}

/** Checks every argument before anything is created; returns the bridge's ports. */
function plan(opts: ReplayOptions): number[] {
  if (opts.inputs.length === 0) throw new NodeswitchError('replay needs at least one --in PORT=FILE', 'in');
  const seen = new Set<number>();
  for (const i of opts.inputs) {
    checkPort(i.port, 'in', '--in port');
    if (seen.has(i.port)) throw new NodeswitchError(`--in names port ${i.port} twice`, 'in');
    seen.add(i.port);
    checkReadable(i.file, 'in');
  }
  const ports = opts.ports ?? [...new Set([...opts.inputs.map((i) => i.port), 1, 2, 3, 4])];
  for (const p of ports) {
    checkPort(p, 'ports', '--ports: a port');
  }
  for (const i of opts.inputs) {
    if (!ports.includes(i.port)) throw new NodeswitchError(`--in port ${i.port} is not one of --ports ${ports.join(',')}`, 'in');
  }
  if (opts.repeat !== undefined && (!Number.isInteger(opts.repeat) || opts.repeat < 1)) {
    throw new NodeswitchError(`--repeat must be ${rangeText(COUNT)}, got ${opts.repeat}`, 'repeat');
  }
  return [...new Set(ports)].sort((a, b) => a - b);
}

/** The switch ports the rules output to (not reserved ports like NORMAL or IN_PORT), ascending. */
function outputPorts(specs: FlowSpec[]): number[] {
  const found = new Set<number>();
  const visit = (actions: Action[] | undefined): void => {
    for (const a of actions ?? []) if (a.type === 'output' && a.port <= OFPORT.max) found.add(a.port);
  };
  for (const s of specs) {
    visit(s.actions);
    visit(s.instructions.writeActions);
  }
  return [...found].sort((a, b) => a - b);
}

export async function replay(opts: ReplayOptions): Promise<ReplaySummary> {
  const ports = plan(opts);
  let flowsText: string | undefined;
  let undeclaredPorts: number[] = [];
  if (opts.flowsFile !== undefined) {
    checkReadable(opts.flowsFile, 'flows');
    flowsText = readFileSync(opts.flowsFile, 'utf8');
    // Checked here, before any file is made: one bad line refuses the whole replay.
    try {
      undeclaredPorts = outputPorts(parseFlowsFile(flowsText, { context: 'add' })).filter((p) => !ports.includes(p));
    } catch (err) {
      if (!(err instanceof NodeswitchError)) throw err;
      throw new NodeswitchError(`--flows ${opts.flowsFile}: ${err.message}`, 'flows');
    }
  }
  const outDir = opts.outDir === undefined ? undefined : resolve(opts.outDir);
  let staging: string | undefined;
  // The first directory made for DIR's parent: removed again if the replay is refused.
  let madeParent: string | undefined;
  let succeeded = false;
  if (outDir) {
    try {
      if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new Error('it is a file, not a directory');
      madeParent = mkdirSync(dirname(outDir), { recursive: true });
      staging = mkdtempSync(join(dirname(outDir), `.${basename(outDir)}.replay-`));
    } catch (err) {
      if (madeParent) rmSync(madeParent, { recursive: true, force: true });
      throw new NodeswitchError(`--out ${opts.outDir}: cannot write there: ${fileProblem(err)}`, 'out');
    }
  }
  const sw = new Switch();
  try {
    const br = sw.addBridge('replay', { defaultFlows: flowsText === undefined });
    if (flowsText !== undefined) {
      try {
        await br.addFlows(flowsText);
      } catch (err) {
        if (!(err instanceof NodeswitchError)) throw err;
        throw new NodeswitchError(`--flows ${opts.flowsFile}: ${err.message}`, 'flows');
      }
    }
    const inputs = new Map(opts.inputs.map((i) => [i.port, i.file]));
    for (const p of ports) {
      const pcap: { in?: string; out?: string; repeat?: number } = { repeat: opts.repeat ?? 1 };
      if (inputs.has(p)) pcap.in = inputs.get(p);
      if (staging) pcap.out = join(staging, `port-${p}.pcap`);
      try {
        await br.addPort(`p${p}`, { type: 'pcap', ofport: p, pcap });
      } catch (err) {
        // The native reader's refusals (bad magic, link type, corrupt record at byte N)
        // are the user's input, not a bug: say which --in it was.
        if (err instanceof NodeswitchError) throw err;
        const what = pcap.in !== undefined ? `--in ${p}` : `--out port ${p}`;
        throw new NodeswitchError(`${what}: ${(err as Error).message}`, pcap.in !== undefined ? 'in' : 'out');
      }
    }
    const started = Date.now();
    const timer = opts.onProgress
      ? setInterval(() => {
          const { done, total } = br.replayProgress();
          opts.onProgress!(done, total, (Date.now() - started) / 1000);
        }, 250)
      : undefined;
    let result;
    try {
      result = await br.replay(staging ? join(staging, 'controller.pcap') : undefined);
    } finally {
      if (timer) clearInterval(timer);
    }
    const [stats, bstats] = await Promise.all([br.portStats(), br.stats()]);
    await sw.close();
    // Records read = frames that reached the pipeline + records skipped. Not
    // result.packets: the datapath counts a runt in both rx_packets and rx_errors,
    // so that sum reads a runt twice.
    const packetsRead = stats.reduce((n, s) => n + s.rxPackets, 0) + result.truncated + result.oversize;
    const summary: ReplaySummary = {
      packetsRead,
      truncated: result.truncated,
      oversize: result.oversize,
      ports: stats.map((s) => ({
        ofport: s.ofport,
        rxPackets: s.rxPackets,
        txPackets: s.txPackets,
        txBytes: s.txBytes,
        txDropped: s.txDropped,
        txErrors: s.txErrors,
      })),
      drops: {
        tableMiss: bstats.tableMiss,
        runt: bstats.dropped.runt,
        badSource: bstats.dropped.badSource,
        samePort: bstats.dropped.samePort,
        invalidTtl: bstats.invalidTtl,
        noPort: bstats.dropped.noPort,
      },
      undeclaredPorts,
      upcalls: bstats.upcalls,
      wallSeconds: result.elapsedNs / 1e9,
      mpps: result.elapsedNs > 0 ? packetsRead / (result.elapsedNs / 1e3) : 0,
    };
    if (outDir && staging) {
      mkdirSync(outDir, { recursive: true });
      // A reused DIR keeps no file of an earlier run for a port that sent nothing now.
      for (const p of summary.ports) {
        const file = join(outDir, `port-${p.ofport}.pcap`);
        if (p.txPackets === 0) {
          rmSync(file, { force: true });
          continue;
        }
        p.file = file;
        renameSync(join(staging, `port-${p.ofport}.pcap`), p.file);
      }
      if (summary.upcalls > 0) {
        summary.controllerFile = join(outDir, 'controller.pcap');
        renameSync(join(staging, 'controller.pcap'), summary.controllerFile);
      } else {
        rmSync(join(outDir, 'controller.pcap'), { force: true });
      }
    }
    succeeded = true;
    return summary;
  } finally {
    await sw.close();
    if (staging) rmSync(staging, { recursive: true, force: true });
    if (!succeeded && madeParent) rmSync(madeParent, { recursive: true, force: true });
  }
}
