// One daemon per config DB. Two daemons on one DB attach the same ports (every frame
// seen twice) and overwrite each other's changes, so the second one refuses to start
// and says who holds the DB.
//
// The lock is a listening unix socket in the abstract namespace, named after the
// DB's canonical path (its directory's realpath, so symlinks and relative paths meet):
// bind() succeeds for one process only, and the kernel releases the name when that
// process dies, however it dies — a daemon killed with SIGKILL leaves no stale lock
// behind, as with flock(2). (A lock on the DB file itself would not do: every save
// renames a new file over it.) Whoever holds the lock answers a connection with who
// it is ({pid, sock, db}); that is what the refusal says.
//
// Scope: abstract socket names are per network namespace; daemons in different
// network namespaces do not see each other's locks.
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { type Server, connect, createServer } from 'node:net';
import { basename, dirname, resolve } from 'node:path';
import { NodeswitchError } from '../errors.js';

/** How long the holder is given to say who it is. */
const QUERY_MS = 1000;

export interface DbHolder {
  pid: number;
  sock: string;
  db: string;
}

/** The abstract socket name that stands for `db`. */
export function lockName(db: string): string {
  const abs = resolve(db);
  let dir = dirname(abs);
  try {
    dir = realpathSync(dir);
  } catch {
    // Not made yet (the first start makes it): its path as given is all there is.
  }
  const digest = createHash('sha256').update(`${dir}/${basename(abs)}`).digest('hex').slice(0, 40);
  return `\0nodeswitch-db-${digest}`;
}

export class DbLock {
  private constructor(private readonly server: Server) {}

  /** Takes the lock for `db`, or refuses naming the daemon that has it. */
  static async acquire(db: string, sock: string): Promise<DbLock> {
    const name = lockName(db);
    const me: DbHolder = { pid: process.pid, sock: resolve(sock), db: resolve(db) };
    const server = createServer((c) => {
      c.on('error', () => undefined);
      c.end(JSON.stringify(me) + '\n');
    });
    try {
      await new Promise<void>((ok, fail) => {
        server.once('error', fail);
        server.listen(name, () => {
          server.off('error', fail);
          ok();
        });
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        throw new NodeswitchError(`cannot lock the config DB ${db}: ${(err as Error).message}`, 'db');
      }
      const holder = await queryHolder(name);
      const who = holder ? `the daemon with pid ${holder.pid} (socket ${holder.sock})` : 'another daemon (it does not say which: stopped?)';
      throw new NodeswitchError(`config DB ${db} is in use by ${who}: stop that daemon first, or give this one another --db`, 'db');
    }
    server.on('error', () => undefined);
    return new DbLock(server);
  }

  /** Lets the DB go (after the switch is closed, so the next daemon finds the ports free). */
  release(): Promise<void> {
    return new Promise((ok) => this.server.close(() => ok()));
  }
}

/** Asks the lock's holder who it is; undefined when it does not answer in time. */
export function queryHolder(name: string): Promise<DbHolder | undefined> {
  return new Promise((ok) => {
    const s = connect(name);
    let text = '';
    const done = (h: DbHolder | undefined): void => {
      clearTimeout(timer);
      s.destroy();
      ok(h);
    };
    const timer = setTimeout(() => done(undefined), QUERY_MS);
    s.setEncoding('utf8');
    s.on('data', (d: string) => (text += d));
    s.on('end', () => {
      try {
        done(JSON.parse(text) as DbHolder);
      } catch {
        done(undefined);
      }
    });
    s.on('error', () => done(undefined));
  });
}
