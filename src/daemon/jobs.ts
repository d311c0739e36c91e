// The live jobs the daemon runs for its clients — captures and injects — under one
// id space, so that `nodeswitch list-jobs` shows them all and `stop-job ID` stops any.
//
// A job belongs to the connection that started it: when that client closes its
// sending side or goes away (a CLI killed with SIGKILL), its jobs are stopped at once
// (reason "client gone"), so nothing keeps writing a file or feeding a port for a
// client that can no longer stop it. A job started without a client (the API) lives
// until stopped or done.
import { NodeswitchError } from '../errors.js';
import type { Client } from './server.js';

export type JobKind = 'capture' | 'inject';

/** One running job, as list-jobs shows it. */
export interface JobInfo {
  id: number;
  kind: JobKind;
  bridge: string;
  port: string;
  ofport: number;
  /** The pcap file written (capture) or read (inject). */
  file: string;
  /** ISO 8601, when it started. */
  started: string;
  /** The connection that owns it, if any. */
  client?: number;
}

/** Why a job was stopped because its client went away. */
export const CLIENT_GONE = 'client gone';

interface Job {
  info: JobInfo;
  stop(reason: string): Promise<unknown>;
  unwatch(): void;
}

export class Jobs {
  private nextId = 1;
  private readonly running = new Map<number, Job>();

  /** The id the next job gets (a capture names its session with it before it starts). */
  reserveId(): number {
    return this.nextId++;
  }

  /**
   * Registers a running job; `stop(reason)` ends it (and must call done(id) itself,
   * directly or when the job's end is noticed). With a client, the job stops when
   * the client goes.
   */
  add(info: Omit<JobInfo, 'started' | 'client'> & { started?: Date }, stop: (reason: string) => Promise<unknown>, client?: Client): JobInfo {
    const full: JobInfo = {
      id: info.id,
      kind: info.kind,
      bridge: info.bridge,
      port: info.port,
      ofport: info.ofport,
      file: info.file,
      started: (info.started ?? new Date()).toISOString(),
      ...(client && { client: client.id }),
    };
    const onGone = (): void => {
      stop(CLIENT_GONE).catch(() => undefined);
    };
    const job: Job = { info: full, stop, unwatch: () => client?.signal.removeEventListener('abort', onGone) };
    this.running.set(full.id, job);
    if (client) {
      if (client.signal.aborted) queueMicrotask(onGone);
      else client.signal.addEventListener('abort', onGone, { once: true });
    }
    return full;
  }

  /** The job ended (done, stopped, failed): it leaves the list. */
  done(id: number): void {
    const job = this.running.get(id);
    if (!job) return;
    job.unwatch();
    this.running.delete(id);
  }

  list(): JobInfo[] {
    return [...this.running.values()].map((j) => ({ ...j.info })).sort((a, b) => a.id - b.id);
  }

  /** stop-job ID: ends a running job; resolves with what the job says about its end. */
  async stop(id: number): Promise<unknown> {
    const job = this.running.get(id);
    if (!job) {
      const known = this.list().map((j) => j.id);
      throw new NodeswitchError(
        `no job ${id} is running (${known.length ? `running: ${known.join(', ')}` : 'none is running'}; see list-jobs)`,
        'id',
      );
    }
    return job.stop('stopped');
  }
}
