/**
 * An error the user can act on: says which argument was wrong and why. The daemon
 * sends these to the CLI as they are; anything else is a bug and says so.
 */
export class NodeswitchError extends Error {
  constructor(
    message: string,
    /** The argument or setting that was wrong, e.g. "port", "ofport", "mac-aging". */
    readonly argument?: string,
  ) {
    super(message);
    this.name = 'NodeswitchError';
  }
}

/**
 * Why a file could not be used, in words, for the errors of every verb that reads or
 * writes one (add-flows, replay, the DB): "no such file", not "ENOENT" in one place and
 * "no such file" in another.
 */
export function fileProblem(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'read-only file system';
    default:
      return e?.message ?? String(err);
  }
}
