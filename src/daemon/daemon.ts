// The daemon's lifecycle: check privileges, load the config DB, build the switch
// from it, serve the management socket, and on SIGINT/SIGTERM close the switch,
// remove the socket and return 0.
//
// Order matters: everything that can refuse (privileges, a corrupt DB, another daemon
// on the socket or on the DB) is checked before the switch exists, so a refused start
// changes nothing — no TAP device made, no port attached, no file written.
import { NodeswitchError } from '../errors.js';
import { requireNetAdmin } from './capabilities.js';
import { type ConfigDoc, defaultDoc, loadDb, saveDb } from './config-db.js';
import { FlowJournal } from './flow-journal.js';
import { Controller } from './controller.js';
import { DbLock } from './db-lock.js';
import { checkSocketPath } from './paths.js';
import { restoreSwitch } from './restore.js';
import { ManagementServer, probeSocket } from './server.js';
import { OpenFlowService } from './openflow-verbs.js';
import type { Log, SwitchApi } from './switch-api.js';

export interface DaemonOptions {
  db: string;
  sock: string;
  http?: string;
}

export const stderrLog: Log = (line) => process.stderr.write(`${new Date().toISOString()} nodeswitch: ${line}\n`);

/** Runs until SIGINT/SIGTERM; returns the exit code. Throws when it refuses to start. */
export async function runDaemon(opts: DaemonOptions, log: Log = stderrLog): Promise<number> {
  if (opts.http !== undefined) {
    throw new NodeswitchError(`--http ${opts.http}: the HTTP endpoint is not supported yet`, 'http');
  }
  checkSocketPath(opts.sock);
  requireNetAdmin();
  const loaded = loadDb(opts.db);
  const doc: ConfigDoc = loaded ?? defaultDoc();
  if (!loaded) log(`no config DB at ${opts.db}: starting with the default configuration (bridge br0)`);
  let socketState;
  try {
    socketState = await probeSocket(opts.sock);
  } catch (err) {
    if (err instanceof NodeswitchError) throw err;
    throw new NodeswitchError(`cannot use the socket path ${opts.sock}: ${(err as Error).message}`, 'sock');
  }
  if (socketState === 'live') {
    throw new NodeswitchError(`another daemon is already listening on ${opts.sock}`, 'sock');
  }
  // Before the switch exists: a second daemon on this DB attaches nothing.
  const lock = await DbLock.acquire(opts.db, opts.sock);

  // Loaded here, not at the top: the addon is only needed once the start is accepted,
  // so a bad DB or a busy socket is reported even where the addon is not built.
  let Switch: typeof import('../switch.js').Switch;
  let agent: typeof import('../openflow/agent/index.js');
  let ports: typeof import('../openflow/agent/ports.js');
  try {
    ({ Switch } = await import('../switch.js'));
    agent = await import('../openflow/agent/index.js');
    ports = await import('../openflow/agent/ports.js');
  } catch (err) {
    await lock.release();
    throw new NodeswitchError(`cannot load the datapath: ${(err as Error).message}`);
  }
  const real = new Switch();
  const sw: SwitchApi = real;
  // Every bridge's OpenFlow side (BR.mgmt, controllers, listeners), beside the management socket.
  const openflow = new OpenFlowService(opts.sock, log, (name) => real.bridge(name), {
    createAgent: (bridge, datapathId, changed) => new agent.OpenFlowAgent(bridge, { datapathId, onChange: (what) => changed(what), log }),
    describePorts: (bridge) => ports.describePorts(bridge),
  });
  let server: ManagementServer;
  let controller: Controller;
  try {
    const restored = await restoreSwitch(sw, doc, opts.db, log);
    if (!loaded || restored.filled) {
      try {
        saveDb(opts.db, restored.doc);
      } catch (err) {
        throw new NodeswitchError(`cannot write the config DB ${opts.db}: ${(err as Error).message}`, 'db');
      }
    }
    controller = new Controller(sw, restored.doc, restored.missing, opts.db, log, saveDb, new FlowJournal(opts.db), openflow);
    for (const b of restored.doc.bridges) await openflow.attach(b);
    server = new ManagementServer((verb, args, client, progress) => controller.handle(verb, args, client, progress), log);
    try {
      await server.listen(opts.sock);
    } catch (err) {
      if (err instanceof NodeswitchError) throw err;
      throw new NodeswitchError(`cannot listen on ${opts.sock}: ${(err as Error).message}`, 'sock');
    }
  } catch (err) {
    await openflow.close();
    await sw.close();
    await lock.release();
    throw err;
  }
  log(`listening on ${opts.sock} (config DB ${opts.db}, pid ${process.pid})`);

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log(`${signal}: shutting down`);
  // Stop taking requests, let the change in flight finish, then close the datapath.
  await server.close(opts.sock);
  await controller.idle();
  await openflow.close();
  await sw.close();
  await lock.release();
  log('stopped');
  return 0;
}
