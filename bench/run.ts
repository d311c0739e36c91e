// npm run bench — nodeswitch against Linux bridge and Open vSwitch (userspace) on the
// same two-host veth topology, in the same run.
//
//   node dist/bench/run.js [--runs N] [--only SCENARIO[,SCENARIO]] [--modes MODE[,MODE]]
//                          [--json FILE] [--verbose]
//
// Every round runs every scenario against every mode (the order of the modes rotates
// from round to round), so slow drift on a noisy machine spreads over all of them.
// Progress goes to stderr; the table, and the notes on what was skipped or failed, to
// stdout. Benchmarks print, never assert: the exit status is 0 whenever a table was
// printed. Everything made is torn down at the end, on error, and on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { addFlowsCli } from './add-flows-cli.js';
import { classifierLookup } from './classifier-lookup.js';
import { flowModRate } from './flow-mod-rate.js';
import { flowSetupRate } from './flow-setup-rate.js';
import { openflowCodec } from './openflow-codec.js';
import { forward } from './forward.js';
import { forward1500 } from './forward-1500.js';
import { forwardFlowMods } from './forward-flow-mods.js';
import { forwardTap } from './forward-tap.js';
import { forwardVlanAccess, forwardVlanTrunkPop } from './forward-vlan.js';
import { forwardMirror } from './forward-mirror.js';
import { forwardGroup } from './forward-group.js';
import { forwardBond } from './forward-bond.js';
import { memoryPerMac } from './memory-per-mac.js';
import { memoryPerRule } from './memory-per-rule.js';
import { replayCacheHit, replayClassifier, replayClassifierL3, replayManyFlows } from './replay.js';
import { guardAlso, killAllSync, killWorkloadsSync, startGuard } from './proc.js';
import { Results } from './report.js';
import { findTool } from '../test/lab/requirements.js';
import { rtt } from './rtt.js';
import type { Scenario } from './scenario.js';
import { tcp } from './tcp.js';
import { shaping } from './shaping.js';
import { forwardMetered, forwardPoliced, policingAccuracy } from './qos.js';
import { MODES, Topology, Unavailable, openFabric, type Fabric, type ModeName } from './topology.js';

const SCENARIOS: readonly Scenario[] = [
  forward, forward1500, forwardTap, forwardMirror, forwardGroup, forwardBond, tcp, rtt, memoryPerRule, flowModRate, addFlowsCli, forwardFlowMods, classifierLookup, flowSetupRate,
  replayCacheHit, replayManyFlows, replayClassifier, replayClassifierL3, memoryPerMac,
  forwardVlanAccess, forwardVlanTrunkPop, forwardPoliced, forwardMetered, policingAccuracy, shaping, openflowCodec,
];

const USAGE = `usage: node dist/bench/run.js [options]
  --runs N            rounds; each figure is the median of N runs (default 3)
  --only LIST         scenarios, comma separated: ${SCENARIOS.map((s) => s.name).join(', ')}
  --modes LIST        switches, comma separated: ${MODES.join(', ')} (default all)
  --json FILE         also write the rows as JSON
  --verbose           print each switch's own counters after every round
`;

interface Options {
  runs: number;
  scenarios: Scenario[];
  modes: ModeName[];
  json?: string;
  verbose: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' },
      only: { type: 'string' },
      modes: { type: 'string' },
      json: { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const runs = values.runs === undefined ? 3 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new Error(`--runs ${values.runs}: not a whole number from 1 to 100`);
  const list = (v: string | undefined): string[] | undefined => v?.split(',').map((x) => x.trim()).filter(Boolean);
  const only = list(values.only);
  const scenarios = only === undefined ? [...SCENARIOS] : only.map((name) => {
    const s = SCENARIOS.find((x) => x.name === name);
    if (!s) throw new Error(`--only ${name}: no such scenario (${SCENARIOS.map((x) => x.name).join(', ')})`);
    return s;
  });
  const modeNames = list(values.modes) ?? [...MODES];
  for (const m of modeNames) {
    if (!(MODES as readonly string[]).includes(m)) throw new Error(`--modes ${m}: no such mode (${MODES.join(', ')})`);
  }
  const modes = MODES.filter((m) => modeNames.includes(m)); // table order, not argument order
  return { runs, scenarios, modes, json: values.json, verbose: values.verbose === true };
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    say('the benchmarks build network namespaces and veths: run them as root (CAP_NET_ADMIN, CAP_SYS_ADMIN)');
    return 1;
  }
  if (opts.runs < 3) say(`note: --runs ${opts.runs}: medians of fewer than 3 runs say little`);

  const results = new Results(opts.scenarios, opts.modes, opts.runs);
  const scenarios: Scenario[] = [];
  for (const s of opts.scenarios) {
    const missing = s.tools.filter((t) => findTool(t.command) === undefined);
    if (missing.length === 0) {
      scenarios.push(s);
      continue;
    }
    const pkgs = missing.map((t) => t.pkg).join(' ');
    const why = `${missing.map((t) => t.command).join(', ')} not installed (apt-get install ${pkgs}, or bash scripts/system-deps.sh bench)`;
    say(`${s.name}: skipped — ${why}`);
    results.skipScenario(s.name, why);
  }

  startGuard();
  let topo: Topology | undefined;
  const fabrics: Fabric[] = [];
  let tornDown: Promise<void> | undefined;
  const teardown = (): Promise<void> =>
    (tornDown ??= (async () => {
      for (const f of fabrics.splice(0)) {
        await f.close().catch((err: unknown) => say(`${f.mode}: teardown: ${(err as Error).message}`));
      }
      // The guard's lines are dropped only once the topology is really gone: a signal that
      // arrives while it is being built leaves them for the guard to run at exit.
      if (topo !== undefined) {
        await topo
          .close()
          .then(() => guardAlso('lab', []))
          .catch((err: unknown) => say(`topology teardown: ${(err as Error).message}`));
      }
    })());

  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) {
      for (const f of fabrics) f.closeSync();
      killAllSync();
      process.exit(130);
    }
    interrupted = true;
    say(`\n${sig}: tearing down`);
    killWorkloadsSync();
    const hardStop = setTimeout(() => {
      say('teardown took too long; exiting');
      for (const f of fabrics) f.closeSync();
      process.exit(130);
    }, 20_000);
    void teardown().finally(() => {
      clearTimeout(hardStop);
      process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    topo = await Topology.build(({ prefix }) =>
      guardAlso('lab', [
        `for n in $(ip netns list | awk '{print $1}'); do case "$n" in ${prefix}*) ip netns del "$n";; esac; done`,
        `for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do case "$l" in ${prefix}*) ip link del "$l";; esac; done`,
      ]),
    );
    say(`topology: hosts ${topo.lab.netns('a')} (${topo.ipA}, ${topo.macA}) and ${topo.lab.netns('b')} (${topo.ipB}, ${topo.macB}); switch ports ${topo.ports.join(', ')}`);

    for (const mode of opts.modes) {
      try {
        fabrics.push(await openFabric(mode, topo.lab));
      } catch (err) {
        const why = err instanceof Unavailable ? `${err.message}; to include it: ${err.hint}` : `could not start: ${(err as Error).message}`;
        say(`${mode}: skipped — ${why}`);
        results.skipMode(mode, why);
      }
      if (interrupted) return 130;
    }

    for (let round = 1; round <= opts.runs && !interrupted; round++) {
      const order = fabrics.map((_, i) => fabrics[(i + round - 1) % fabrics.length]!);
      for (const fabric of order) {
        if (interrupted) break;
        await runRound(topo, fabric, scenarios, round, opts, results);
      }
    }
  } catch (err) {
    if (!interrupted) say(`bench stopped: ${(err as Error).stack ?? String(err)}`);
  } finally {
    if (!interrupted) await teardown();
  }
  if (interrupted) return 130;

  process.stdout.write(`\n${results.table()}\n`);
  const notes = results.notes();
  for (const s of scenarios) if (s.note !== undefined) notes.push(`${s.name}: ${s.note}`);
  if (notes.length > 0) process.stdout.write(`\n${notes.join('\n')}\n`);
  process.stdout.write(
    `\nmedian of ${opts.runs} run(s) [min–max]; ratio = nodeswitch / reference ` +
      `(above 1 is better for rates, worse for times and losses)\n`,
  );
  if (opts.json !== undefined) {
    results.writeJson(opts.json);
    process.stdout.write(`rows written to ${opts.json}\n`);
  }
  return 0;
}

async function runRound(
  topo: Topology,
  fabric: Fabric,
  scenarios: readonly Scenario[],
  round: number,
  opts: Options,
  results: Results,
): Promise<void> {
  const tag = `[${round}/${opts.runs}] ${fabric.mode}`;
  const failAll = (why: string): void => {
    for (const s of scenarios) results.fail(s.name, fabric.mode, round, why);
  };
  try {
    try {
      await fabric.attach(topo.ports);
    } catch (err) {
      say(`${tag}: attach failed: ${(err as Error).message}`);
      failAll(`attach: ${(err as Error).message}`);
      return;
    }
    try {
      await topo.waitConnected();
    } catch (err) {
      say(`${tag}: no connectivity: ${(err as Error).message}`);
      failAll(`no connectivity a → b: ${(err as Error).message}`);
      await describe(tag, fabric, true);
      return;
    }
    for (const s of scenarios) {
      const started = Date.now();
      try {
        const measured = await s.run(topo, (line) => opts.verbose && say(`${tag} ${s.name}: ${line}`));
        results.add(s, fabric.mode, measured);
        const shown = s.metrics.map((m) => `${m.name} ${measured[m.name]?.toFixed(m.digits) ?? '–'} ${m.unit}`).join(', ');
        say(`${tag} ${s.name}: ${shown} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (err) {
        const msg = (err as Error).message.split('\n')[0] ?? '';
        say(`${tag} ${s.name}: failed: ${msg}`);
        results.fail(s.name, fabric.mode, round, msg);
      }
    }
    if (opts.verbose) await describe(tag, fabric, false);
  } finally {
    await fabric.detach().catch((err: unknown) => say(`${tag}: detach failed: ${(err as Error).message}`));
  }
}

async function describe(tag: string, fabric: Fabric, always: boolean): Promise<void> {
  const text = await fabric.describe().catch((err: unknown) => `  (could not read: ${(err as Error).message})`);
  if (text || always) say(`${tag} switch state:\n${text || '  (nothing to show)'}`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`bench failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
