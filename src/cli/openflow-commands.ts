// nodeswitch set-controller BR TARGET… [--inactivity-probe MS] [--rate-limit PPS] [--burst-limit N]
//            del-controller BR
//            set-fail-mode BR standalone|secure
//            set-listen BR [TARGET…]          (no target: no listeners)
// OpenFlow on the wire (src/openflow/conn). Targets are checked here, so that a typo
// is refused before anything is sent, and again by the daemon; show's OpenFlow lines
// are formatted here too.
import type { Command } from 'commander';
import { BURST_LIMIT, checkFailMode, checkInactivityProbe, normalizeTargets, RATE_LIMIT } from '../openflow/conn/targets.js';
import type { ShowOpenFlow } from '../daemon/openflow-verbs.js';
import type { Args, Verb } from '../daemon/protocol.js';
import { checkNetdevName } from '../validate.js';
import { parseInteger } from './args.js';
import type { DaemonFlags } from './daemon-options.js';

export interface OpenFlowCommandDeps {
  withPaths: (cmd: Command) => Command;
  change: (flags: DaemonFlags, verb: Verb, args: Args) => Promise<void>;
  option: <T>(parse: (value: string) => T) => (value: string) => T;
}

interface ControllerFlags extends DaemonFlags {
  inactivityProbe?: number;
  rateLimit?: number;
  burstLimit?: number;
}

const probe = (v: string): number => checkInactivityProbe(parseInteger(v, 'inactivity-probe', { min: 0, max: Number.MAX_SAFE_INTEGER }));

export function addOpenFlowCommands(program: Command, { withPaths, change, option }: OpenFlowCommandDeps): void {
  withPaths(program.command('set-controller'))
    .description('the bridge connects to these OpenFlow controllers (replacing the ones it had): tcp:IP[:PORT] or unix:PATH')
    .argument('<bridge>')
    .argument('<targets...>', 'tcp:IP[:PORT] (PORT 6653 by default) or unix:PATH')
    .option('--inactivity-probe <ms>', 'echo after this long without a message, drop after as long again (default 5000; 0: off)', option(probe))
    .option('--rate-limit <pps>', 'packet-ins per second per connection (default: no limit)', option((v) => parseInteger(v, 'rate-limit', RATE_LIMIT)))
    .option('--burst-limit <n>', 'packet-ins a connection may get at once above the rate (default: rate/4)', option((v) => parseInteger(v, 'burst-limit', BURST_LIMIT)))
    .action((bridge: string, targets: string[], flags: ControllerFlags) =>
      change(flags, 'set-controller', {
        bridge: checkNetdevName(bridge, 'bridge'),
        targets: normalizeTargets(targets, false),
        ...(flags.inactivityProbe !== undefined && { inactivityProbe: flags.inactivityProbe }),
        ...(flags.rateLimit !== undefined && { rateLimit: flags.rateLimit }),
        ...(flags.burstLimit !== undefined && { burstLimit: flags.burstLimit }),
      }),
    );

  withPaths(program.command('del-controller'))
    .description("remove the bridge's controllers")
    .argument('<bridge>')
    .action((bridge: string, flags: DaemonFlags) => change(flags, 'del-controller', { bridge }));

  withPaths(program.command('set-fail-mode'))
    .description('without a controller: standalone (the default) forwards as a learning switch, secure keeps the tables as they are')
    .argument('<bridge>')
    .argument('<mode>', 'standalone | secure')
    .action((bridge: string, mode: string, flags: DaemonFlags) => change(flags, 'set-fail-mode', { bridge, mode: checkFailMode(mode) }));

  withPaths(program.command('set-listen'))
    .description('the bridge accepts OpenFlow clients on these (replacing the ones it had; none: no listeners): ptcp:PORT[:IP] or punix:PATH')
    .argument('<bridge>')
    .argument('[targets...]', 'ptcp:PORT[:IP] (IP 127.0.0.1 by default) or punix:PATH')
    .action((bridge: string, targets: string[], flags: DaemonFlags) =>
      change(flags, 'set-listen', { bridge: checkNetdevName(bridge, 'bridge'), targets: normalizeTargets(targets, true) }),
    );
}

/** show's lines for a bridge's OpenFlow side, in ovs-vsctl show's style. */
export function formatOpenFlowShow(of: ShowOpenFlow): string[] {
  const lines = [`    datapath-id: ${of.datapathId}`, `    fail-mode: ${of.failMode}${of.failOpen ? ' (failing open: forwarding as a learning switch)' : ''}`];
  if (of.inactivityProbe !== undefined) lines.push(`    inactivity-probe: ${of.inactivityProbe} ms`);
  if (of.rateLimit !== undefined) lines.push(`    controller-rate-limit: ${of.rateLimit} packet-ins/s, burst ${of.burstLimit ?? 'rate/4'}`);
  for (const c of of.controllers) {
    lines.push(`    Controller "${c.target}"`);
    const state = c.state === 'backoff' ? `backoff ${c.backoffSec ?? 0} s` : c.state;
    lines.push(`        state: ${state}${c.lastError && c.state !== 'connected' ? ` (${c.lastError})` : ''}`);
    if (c.role !== undefined) lines.push(`        role: ${c.role}`);
    lines.push(`        packet-ins: ${c.packetIns} sent, ${c.packetInsLimited} dropped by the rate limit`);
  }
  for (const l of of.listeners) {
    lines.push(`    Listener "${l.target}"`);
    lines.push(`        connections: ${l.connections}${l.error ? ` (not listening: ${l.error})` : ''}`);
  }
  if (of.mgmt !== undefined) lines.push(`    Listener "punix:${of.mgmt}" (management)`);
  return lines;
}
