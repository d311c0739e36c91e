// Checks shared by the CLI, the daemon, the DB loader and the API, so that one
// mistake gets one message wherever it is made.
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileProblem, NodeswitchError } from './errors.js';
import { DATAPATH_POLL_MODES, type Range } from './limits.js';

/** IFNAMSIZ - 1: the kernel counts bytes, and cuts a longer UTF-8 name mid-character. */
export const MAX_NETDEV_NAME_BYTES = 15;
// Besides the length: no '/', ':' or whitespace (the kernel's dev_valid_name), not "." or "..".
const NETDEV_NAME = /^[^\s/:]+$/u;

export function checkNetdevName(name: unknown, argument: string): string {
  if (
    typeof name !== 'string' ||
    !NETDEV_NAME.test(name) ||
    Buffer.byteLength(name, 'utf8') > MAX_NETDEV_NAME_BYTES ||
    name === '.' ||
    name === '..' ||
    name.startsWith('-')
  ) {
    throw new NodeswitchError(
      `${argument} "${String(name)}" is not a valid interface name ` +
        `(1–${MAX_NETDEV_NAME_BYTES} bytes, not starting with '-', no spaces, '/' or ':')`,
      argument,
    );
  }
  return name;
}

/** The one way a range is said: "mac-aging must be an integer from 1 to 1000000". */
export function rangeText(range: Range): string {
  return `an integer from ${range.min} to ${range.max}`;
}

export function rangeError(argument: string, range: Range, got: unknown): NodeswitchError {
  const shown = typeof got === 'string' ? `"${got}"` : JSON.stringify(got) ?? String(got);
  return new NodeswitchError(`${argument} must be ${rangeText(range)}, got ${shown}`, argument);
}

/** An integer in `range`, from a JSON number or a decimal string (the socket takes both). */
export function checkInteger(value: unknown, argument: string, range: Range): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < range.min || n > range.max) throw rangeError(argument, range, value);
  return n;
}

/** Why `file` cannot be read as a regular file, in fileProblem's words; undefined when it can. */
export function unreadableFile(file: string): string | undefined {
  try {
    accessSync(file, fsConstants.R_OK);
    const st = statSync(file);
    if (st.isDirectory()) return fileProblem(Object.assign(new Error(), { code: 'EISDIR' }));
    if (!st.isFile()) return 'not a regular file';
    return undefined;
  } catch (err) {
    return fileProblem(err);
  }
}

/** Why a new file cannot be made at `file` (its directory is missing, is a file, …); undefined when it can. */
export function unwritableFile(file: string): string | undefined {
  try {
    if (!statSync(dirname(file)).isDirectory()) return fileProblem(Object.assign(new Error(), { code: 'ENOTDIR' }));
    if (existsSync(file) && statSync(file).isDirectory()) return fileProblem(Object.assign(new Error(), { code: 'EISDIR' }));
    return undefined;
  } catch (err) {
    const problem = fileProblem(err);
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? `no such directory ${dirname(file)}` : problem;
  }
}

/** The one order names are listed in (list-br, show, list-ports, the API): byte order, as ovs-vsctl's strcmp. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A datapath poll mode, as set-bridge and the socket take it. */
export function checkPollMode(value: unknown): (typeof DATAPATH_POLL_MODES)[number] {
  const mode = DATAPATH_POLL_MODES.find((m) => m === value);
  if (!mode) throw new NodeswitchError(`datapath-poll must be one of ${DATAPATH_POLL_MODES.join(', ')}, got ${JSON.stringify(value)}`, 'datapath-poll');
  return mode;
}
