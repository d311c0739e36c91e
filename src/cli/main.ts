// The nodeswitch command. Verbs that read or change a running switch are thin
// clients of the daemon's socket (client.ts); `daemon` runs the switch in this process.
//
// Exit codes: 0 success, 1 anything wrong (bad usage, bad argument, the daemon
// refused, the daemon is not running). Errors go to stderr as "nodeswitch: …".
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { NodeswitchError } from '../errors.js';
import { checkNetdevName } from '../validate.js';
import { resolvePaths } from '../daemon/paths.js';
import type { JobInfo } from '../daemon/jobs.js';
import { COUNT } from '../limits.js';
import type { DumpFlowsResult } from '../daemon/flows.js';
import type { Args, DumpPortRow, ShowResult, Verb } from '../daemon/protocol.js';
import type { DumpMegaflowsResult } from '../daemon/megaflows.js';
import type { TraceView } from '../daemon/trace.js';
import type { FdbEntry } from '../types.js';
import { parseBridgeSettings, parseHttpAddress, parseInteger, parseOfport, parsePortType, parseTag, parseTrunks } from './args.js';
import { call } from './client.js';
import { addReplayCommand } from './replay-command.js';
import { addInjectCommand } from './inject-command.js';
import { addCaptureCommand } from './capture-command.js';
import { addSetPortCommand, parseVlanModeOption } from './port-settings.js';
import { addMirrorCommands } from './mirror-command.js';
import { addBondCommands } from './bond-command.js';
import { addQosCommands } from './qos-commands.js';
import { addGroupCommands } from './group-commands.js';
import { addFlowsFileCommand } from './flows-command.js';
import { addShapingCommands } from './shaping-commands.js';
import { addOpenFlowCommands } from './openflow-commands.js';
import { addDaemonOptions, addPathOptions, type DaemonFlags, daemonTarget } from './daemon-options.js';
import { formatDumpFlows, formatDumpPorts, formatFdb, formatJobs, formatJson, formatList, formatShow } from './format.js';
import { formatTrace } from './trace-format.js';
import { packageVersion } from './version.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** The whole of standard input (add-flows BR -). */
  stdin?(): Promise<string>;
  /** Whether stderr is a terminal (progress lines go only there). */
  errIsTty?(): boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  stdin: readStdin,
  errIsTty: () => process.stderr.isTTY === true,
};

interface StrictFlags extends DaemonFlags {
  strict?: boolean;
}

interface ReadFlags extends DaemonFlags {
  json?: boolean;
}

/** Runs the CLI on `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[], io: Io = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, env, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    // Commander has already printed its own message (usage errors, help).
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof NodeswitchError) {
      io.err(`nodeswitch: ${err.message}\n`);
      return 1;
    }
    io.err(`nodeswitch: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

/** Adapts our parsers to commander, which reports InvalidArgumentError with the option's name. */
function option<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (err) {
      if (err instanceof NodeswitchError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };
}

function buildProgram(io: Io, env: NodeJS.ProcessEnv, setExitCode: (code: number) => void): Command {
  const program = new Command('nodeswitch');
  // Set before adding commands: subcommands inherit both.
  program
    .description('a userspace packet switch: run the daemon, or talk to it')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(`nodeswitch: ${s.replace(/^error: /, '')}`),
    })
    .showSuggestionAfterError(true)
    .version(`nodeswitch ${packageVersion()}`, '-V, --version', 'print the version and exit');

  const withPaths = addDaemonOptions;
  const send = (flags: DaemonFlags, verb: Verb, args: Args): Promise<unknown> => {
    const target = daemonTarget(flags, env);
    return call(target.sock, verb, args, target.timeoutMs);
  };
  /** A change verb: silent on success, like ovs-vsctl. */
  const change = async (flags: DaemonFlags, verb: Verb, args: Args): Promise<void> => {
    await send(flags, verb, args);
  };
  /** A read verb: JSON with --json, else the human rendering. */
  const read = async (flags: ReadFlags, verb: Verb, args: Args, human: (result: never) => string): Promise<void> => {
    const result = await send(flags, verb, args);
    io.out(flags.json ? formatJson(result) : human(result as never));
  };

  addPathOptions(program.command('daemon'))
    .description('run the switch in the foreground (needs root)')
    .option('--http <addr:port>', 'HTTP endpoint (not supported yet)', option(parseHttpAddress))
    .action(async (flags: DaemonFlags & { http?: string }) => {
      const paths = resolvePaths(flags, env);
      // Imported here: only the daemon needs the switch and, through it, the addon.
      const { runDaemon } = await import('../daemon/daemon.js');
      setExitCode(await runDaemon({ ...paths, http: flags.http }));
    });

  withPaths(program.command('add-br'))
    .description('add a bridge, with its LOCAL port (a TAP named like the bridge) unless --no-local')
    .argument('<bridge>')
    .option('--no-local', 'no LOCAL port')
    .action((bridge: string, flags: DaemonFlags & { local: boolean }) =>
      change(flags, 'add-br', { bridge: checkNetdevName(bridge, 'bridge'), ...(!flags.local && { local: false }) }),
    );

  withPaths(program.command('del-br'))
    .description('delete a bridge and its ports')
    .argument('<bridge>')
    .action((bridge: string, flags: DaemonFlags) => change(flags, 'del-br', { bridge }));

  withPaths(program.command('list-br'))
    .description('list the bridges')
    .option('--json', 'JSON output')
    .action((flags: ReadFlags) => read(flags, 'list-br', {}, formatList));

  withPaths(program.command('show'))
    .description('show the bridges and their ports')
    .option('--json', 'JSON output')
    .action((flags: ReadFlags) => read(flags, 'show', {}, (r: ShowResult) => formatShow(r)));

  withPaths(program.command('set-bridge'))
    .description('change bridge settings: mac-aging=SECONDS mac-table-size=N datapath-poll=MODE local=true|false')
    .argument('<bridge>')
    .argument('<settings...>', 'KEY=VALUE: mac-aging=SECONDS, mac-table-size=N')
    .action((bridge: string, settings: string[], flags: DaemonFlags) =>
      change(flags, 'set-bridge', { bridge, ...parseBridgeSettings(settings) }),
    );

  withPaths(program.command('add-port'))
    .description('add a port to a bridge')
    .argument('<bridge>')
    .argument('<port>', 'netdev name (afpacket: an existing device; tap: the device to create)')
    .option('--type <type>', 'afpacket | tap', option(parsePortType), 'afpacket')
    .option('--ofport <N>', 'OpenFlow port number (default: lowest free)', option(parseOfport))
    .option('--tag <vid>', 'VLAN: access port of VLAN VID (1-4094), or the native VLAN with --vlan-mode native-*', option(parseTag))
    .option('--trunks <vids>', 'VLAN: the VLANs a trunk carries, e.g. 10,20 (default: all)', option(parseTrunks))
    .option('--vlan-mode <mode>', 'access | trunk | native-tagged | native-untagged (default: access with --tag, else trunk)', option(parseVlanModeOption))
    .action(
      (
        bridge: string,
        port: string,
        flags: DaemonFlags & { type: string; ofport?: number; tag?: number; trunks?: number[]; vlanMode?: string },
      ) =>
        change(flags, 'add-port', {
          bridge,
          port: checkNetdevName(port, 'port'),
          type: flags.type,
          ...(flags.ofport !== undefined && { ofport: flags.ofport }),
          ...(flags.tag !== undefined && { tag: flags.tag }),
          ...(flags.trunks !== undefined && { trunks: flags.trunks }),
          ...(flags.vlanMode !== undefined && { vlanMode: flags.vlanMode }),
        }),
    );

  withPaths(program.command('del-port'))
    .description('remove a port from a bridge')
    .argument('<bridge>')
    .argument('<port>', 'the port: its name or its ofport')
    .action((bridge: string, port: string, flags: DaemonFlags) => change(flags, 'del-port', { bridge, port }));

  withPaths(program.command('list-ports'))
    .description("list a bridge's ports")
    .argument('<bridge>')
    .option('--json', 'JSON output')
    .action((bridge: string, flags: ReadFlags) => read(flags, 'list-ports', { bridge }, formatList));

  withPaths(program.command('dump-ports'))
    .description('port counters and link state')
    .argument('<bridge>')
    .argument('[port]', 'one port: its name or its ofport')
    .option('--json', 'JSON output')
    .action((bridge: string, port: string | undefined, flags: ReadFlags) =>
      read(flags, 'dump-ports', port === undefined ? { bridge } : { bridge, port }, (r: DumpPortRow[]) =>
        formatDumpPorts(bridge, r),
      ),
    );

  withPaths(program.command('fdb-show'))
    .description('the learned MAC table')
    .argument('<bridge>')
    .option('--json', 'JSON output')
    .action((bridge: string, flags: ReadFlags) => read(flags, 'fdb-show', { bridge }, (r: FdbEntry[]) => formatFdb(r)));

  withPaths(program.command('fdb-flush'))
    .description('forget every learned MAC')
    .argument('<bridge>')
    .action((bridge: string, flags: DaemonFlags) => change(flags, 'fdb-flush', { bridge }));

  withPaths(program.command('add-flow'))
    .description('add a flow (ovs-ofctl syntax, e.g. "priority=100,in_port=1,actions=output:2")')
    .argument('<bridge>')
    .argument('<flow>')
    .action((bridge: string, flow: string, flags: DaemonFlags) => change(flags, 'add-flow', { bridge, flow }));

  addFlowsFileCommand(program, io, env);

  withPaths(program.command('mod-flows'))
    .description('new actions for the flows the match selects')
    .argument('<bridge>')
    .argument('<flow>')
    .option('--strict', 'only the flow with exactly this match and priority')
    .action((bridge: string, flow: string, flags: StrictFlags) =>
      change(flags, 'mod-flows', { bridge, flow, strict: flags.strict === true }),
    );

  withPaths(program.command('del-flows'))
    .description('delete the flows the match selects (every flow without one)')
    .argument('<bridge>')
    .argument('[match]')
    .option('--strict', 'only the flow with exactly this match and priority')
    .action((bridge: string, match: string | undefined, flags: StrictFlags) =>
      change(flags, 'del-flows', { bridge, ...(match !== undefined && { match }), strict: flags.strict === true }),
    );

  withPaths(program.command('dump-flows'))
    .description('the flows (those the match selects), with counters, as ovs-ofctl dump-flows')
    .argument('<bridge>')
    .argument('[match]')
    .option('--json', 'JSON output')
    .action(async (bridge: string, match: string | undefined, flags: ReadFlags) => {
      const result = (await send(flags, 'dump-flows', { bridge, ...(match !== undefined && { match }) })) as DumpFlowsResult;
      io.out(flags.json ? formatJson(result.flows) : formatDumpFlows(result.text));
    });

  withPaths(program.command('dump-megaflows'))
    .description('the megaflow cache: cached translations, their masks and counters (as ovs-appctl dpctl/dump-flows)')
    .argument('<bridge>')
    .option('--json', 'JSON output')
    .action(async (bridge: string, flags: ReadFlags) => {
      const result = (await send(flags, 'dump-megaflows', { bridge })) as DumpMegaflowsResult;
      io.out(flags.json ? formatJson(result.megaflows) : result.text.map((l) => `${l}\n`).join(''));
    });

  withPaths(program.command('trace'))
    .description('which flows a packet would hit, and the actions (as ovs-appctl ofproto/trace)')
    .argument('<bridge>')
    .argument('<packet-fields>', 'ovs-ofctl match syntax, e.g. in_port=1,udp,nw_dst=10.0.0.2,tp_dst=53')
    .option('--json', 'JSON output')
    .action((bridge: string, fields: string, flags: ReadFlags) =>
      read(flags, 'trace', { bridge, fields }, (r: TraceView) => formatTrace(r)),
    );

  withPaths(program.command('list-jobs'))
    .description('the captures and injects running, with their ids')
    .option('--json', 'JSON output')
    .action((flags: ReadFlags) => read(flags, 'list-jobs', {}, (r: JobInfo[]) => formatJobs(r)));

  withPaths(program.command('stop-job'))
    .description('stop a running capture or inject (its id from list-jobs)')
    .argument('<id>')
    .action((id: string, flags: DaemonFlags) => change(flags, 'stop-job', { id: parseInteger(id, 'id', COUNT) }));

  addReplayCommand(program, io, option);
  addInjectCommand(program, io, env, option);
  addCaptureCommand(program, io, env, option);
  addSetPortCommand(program, withPaths, change);
  addMirrorCommands(program, io, env, option);
  addBondCommands(program, io, env, option);
  addQosCommands(program, { withPaths, change, send, out: (text) => io.out(text) });
  addShapingCommands(program, { withPaths, change, read });
  addOpenFlowCommands(program, { withPaths, change, option });
  addGroupCommands(program, { withPaths, change, send, out: (text) => io.out(text), ...(io.stdin && { stdin: () => io.stdin!() }) });

  return program;
}
