// Where the daemon's socket and config DB live. Shared by the daemon and the CLI so
// that both resolve --sock/--db and NODESWITCH_SOCK/NODESWITCH_DB the same way: the
// flag wins, then the environment, then the system default. Tests rely on this to
// run many switches side by side.
import { NodeswitchError } from '../errors.js';

export const DEFAULT_SOCK = '/run/nodeswitch/nodeswitch.sock';
export const DEFAULT_DB = '/var/lib/nodeswitch/db.json';

export interface Paths {
  sock: string;
  db: string;
}

export function resolvePaths(
  flags: { sock?: string; db?: string },
  env: NodeJS.ProcessEnv = process.env,
): Paths {
  return {
    sock: flags.sock || env.NODESWITCH_SOCK || DEFAULT_SOCK,
    db: flags.db || env.NODESWITCH_DB || DEFAULT_DB,
  };
}

/** sizeof(sockaddr_un.sun_path) - 1: the kernel takes no longer socket path (bytes, not characters). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Refuses a socket path the kernel would cut short (a daemon would listen on another path). */
export function checkSocketPath(path: string): string {
  const bytes = Buffer.byteLength(path, 'utf8');
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new NodeswitchError(
      `--sock ${path}: a unix socket path can be at most ${MAX_SOCKET_PATH_BYTES} bytes, this one is ${bytes}; choose a shorter one`,
      'sock',
    );
  }
  return path;
}
