// Where the daemon's socket and config DB live. Shared by the daemon and the CLI so
// that both resolve --sock/--db and NODESWITCH_SOCK/NODESWITCH_DB the same way: the
// flag wins, then the environment, then the system default. Tests rely on this to
// run many switches side by side.

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
