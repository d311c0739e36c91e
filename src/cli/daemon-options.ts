// The options every verb that talks to the daemon takes: where its socket and DB are,
// and how long to wait for its answers (--timeout SECS, as ovs-vsctl's: 0 waits for
// ever). Defined once here, for main.ts and the live verbs' own files alike.
import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_DB, DEFAULT_SOCK, resolvePaths } from '../daemon/paths.js';
import { NodeswitchError } from '../errors.js';
import { parseInteger } from './args.js';
import { DEFAULT_TIMEOUT_SECONDS } from './client.js';

export interface DaemonFlags {
  sock?: string;
  db?: string;
  timeout?: number;
}

/** setTimeout's longest wait, in whole seconds. */
const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

function parseTimeout(value: string): number {
  try {
    return parseInteger(value, 'timeout', { min: 0, max: MAX_TIMEOUT_SECONDS });
  } catch (err) {
    if (err instanceof NodeswitchError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

/** --sock and --db: what `daemon` itself takes. */
export function addPathOptions(cmd: Command): Command {
  return cmd
    .option('--sock <path>', `management socket (env NODESWITCH_SOCK, default ${DEFAULT_SOCK})`)
    .option('--db <file>', `config DB (env NODESWITCH_DB, default ${DEFAULT_DB})`);
}

/** --sock, --db and --timeout: every verb that talks to the daemon. */
export function addDaemonOptions(cmd: Command): Command {
  return addPathOptions(cmd).option(
    '--timeout <secs>', `wait at most SECS for each answer of the daemon (default ${DEFAULT_TIMEOUT_SECONDS}; 0: for ever)`,
    parseTimeout,
  );
}

export interface DaemonTarget {
  sock: string;
  /** Per answer; 0: for ever. */
  timeoutMs: number;
}

export function daemonTarget(flags: DaemonFlags, env: NodeJS.ProcessEnv): DaemonTarget {
  return { sock: resolvePaths(flags, env).sock, timeoutMs: (flags.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000 };
}
