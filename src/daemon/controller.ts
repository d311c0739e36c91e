// Verbs → switch changes + config DB updates.
//
// Every verb runs through one promise queue, so concurrent clients cannot interleave
// a change with another change (or a read with a half-made change). A change verb is
// applied to the switch first; only when that worked is the new document written; if
// the write fails, the switch change is undone and the client told — so the running
// switch and the file never disagree about what was asked. Flow verbs save the
// bridge's whole table after the change (flows.ts), and undo by putting the table
// as it was before back.
//
// The live verbs (inject, capture) change no configuration. inject is checked and
// its trace read in the queue, then paced beside it (inject.ts), so a trace that
// takes minutes does not hold up other verbs; capture-status waits beside it too
// (capture.ts), and list-jobs answers beside it. Both are jobs of the client that
// started them (jobs.ts). Flows that time out are saved too (saveExpired), through
// the queue. A port argument is a port's name or its ofport (docPort).
import { NodeswitchError } from '../errors.js';
import type { PortStats } from '../types.js';
import { MAC_AGING, MAC_TABLE_SIZE, MAX_OFPORT, OFPORT, OFPP_LOCAL, type Range } from '../limits.js';
import { checkInteger, checkNetdevName, checkPollMode, compareNames } from '../validate.js';
import { type ConfigDoc, type DbBridge, type DbPort, type DbPortType, dbOptions, saveDb } from './config-db.js';
import { attachPort, bondShow, parseAddBondArgs } from './bonds.js';
import { Captures, parseCaptureArgs } from './capture.js';
import { currentSpecs, dumpFlows, installSaved, parseSavedFlows, replaceFlows, savedFlows } from './flows.js';
import type { FlowJournal } from './flow-journal.js';
import {
  type Args,
  type ShowBridge,
  type ShowResult,
  type Verb,
  dumpPortRow,
  optionalBoolean,
  optionalNumber,
  optionalString,
  requireString,
} from './protocol.js';
import { installSavedMeters, meterVerb, savedMeters } from './meters.js';
import { groupVerb, installSavedGroups, savedGroups } from './groups.js';
import { setPort } from './port-settings.js';
import { type InjectSummary, InjectSchedule, pace, parseInjectArgs, readTrace, summarize, usableRecords } from './inject.js';
import { Jobs } from './jobs.js';
import { portKey } from './restore.js';
import { netdevMac, portOptions } from './tap-ports.js';
import { dbPortVlan, setDbPortVlan, vlanFromArgs } from './port-vlan.js';
import { attachLocalPort } from './local-port.js';
import { checkNotMirrorOutput, forgetMirrorPort, isMirrorVerb, type MirrorContext, mirrorVerb, recreateMirrors } from './mirrors.js';
import type { Client, ProgressSink } from './server.js';
import { type BridgeApi, type Log, type SwitchApi, watchBridge } from './switch-api.js';
import { formatQos } from '../qos/qos.js';
import { dumpQueuesVerb, type QosVerbContext, restoreQos, setQosVerb, withQueues } from './qos-verbs.js';
import { isOpenFlowVerb, type OpenFlowService, type OpenFlowVerbContext, openflowVerb, setDatapathId, showOpenFlow } from './openflow-verbs.js';

/** How long the wire's table changes wait to be saved together (they are in the switch at once). */
const WIRE_SAVE_DELAY_MS = 200;

export class Controller {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly captures: Captures;
  private readonly jobs = new Jobs();
  /** Injects running, by bridge/port: what inject-stop aborts. */
  private readonly injects = new Map<string, AbortController>();
  /** Bridges whose wire changes wait to be saved (saveWireChange), with the timer that will queue the save. */
  private readonly wireSaves = new Map<string, NodeJS.Timeout>();
  private readonly qosContext: QosVerbContext = {
    config: () => this.config(),
    commit: (next, undo) => this.commit(next, undo),
    bridge: (name) => this.liveBridge(name),
    log: (line) => this.log(line),
  };

  constructor(
    private readonly sw: SwitchApi,
    private doc: ConfigDoc,
    /** Ports in the config that are not attached to the datapath, with the reason. */
    private readonly missing: Map<string, string>,
    private readonly dbPath: string,
    private readonly log: Log,
    private readonly save: (path: string, doc: ConfigDoc) => void = saveDb,
    /** Where flow changes go instead of a full write (the daemon's); none: every change writes the DB whole. */
    private readonly journal?: FlowJournal,
    /** OpenFlow on the wire (openflow-verbs.ts); none: the OpenFlow verbs are refused. */
    private readonly openflow?: OpenFlowService,
  ) {
    this.captures = new Captures(log, (name) => this.sw.bridge(name), this.jobs);
    // Saved a moment after the first change, once: a burst of flow-mods (ovs-ofctl add-flows) writes once, not once per flow.
    if (openflow) {
      openflow.onWireChange = (name) => {
        if (!this.wireSaves.has(name)) this.wireSaves.set(name, setTimeout(() => this.queueWireSave(name), WIRE_SAVE_DELAY_MS));
      };
    }
    for (const b of doc.bridges) {
      const live = sw.bridge(b.name);
      if (live) this.watchExpiry(live);
    }
  }

  /** Flows that time out leave the DB too, so that a restart does not bring them back. */
  private watchExpiry(bridge: BridgeApi): void {
    bridge.on('flowsExpired', () => {
      this.enqueue(async () => this.saveExpired(bridge)).catch(() => undefined);
    });
  }

  private saveExpired(bridge: BridgeApi, why = 'timed out'): void {
    // A bridge deleted (or deleted and made again) since: its own events count.
    if (this.sw.bridge(bridge.name) !== bridge) return;
    const flows = savedFlows(bridge);
    const current = this.findBridge(bridge.name);
    if (!current || sameLines(current.flows, flows)) return;
    const expired = (current.flows?.length ?? 0) - flows.length;
    try {
      if (!this.journalFlows(current, flows)) {
        const next = this.config();
        next.bridges.find((b) => b.name === bridge.name)!.flows = flows;
        this.save(this.dbPath, next);
        this.journal?.reset();
        this.doc = next;
      }
      this.log(
        why === 'timed out'
          ? `bridge ${bridge.name}: ${expired} flow${expired === 1 ? '' : 's'} timed out, ${flows.length} in the table`
          : `bridge ${bridge.name}: flows ${why}, ${flows.length} in the table`,
      );
    } catch (err) {
      // Nothing to undo (the flows are gone from the switch); the next change or expiry writes again.
      this.log(`error: cannot write the config DB ${this.dbPath} after flows timed out: ${(err as Error).message}`);
    }
  }

  /** The wire changed a bridge's flows, meters or groups: resolves once saved (saveWireChange, through the queue). */
  wireChanged(name: string, what?: 'flows' | 'meters' | 'groups'): Promise<void> {
    void what; // saveWireChange saves whatever differs from the DB
    return this.enqueue(async () => this.saveWireChange(name));
  }

  /**
   * The wire (src/openflow) changed a bridge's flows or meters: saved like an expiry,
   * through the queue, coalesced (a change that finds the DB current writes nothing).
   */
  private saveWireChange(name: string): void {
    const bridge = this.sw.bridge(name);
    const current = this.findBridge(name);
    if (!bridge || !current) return;
    const meters = bridge.dumpMeters ? savedMeters(bridge) : undefined;
    const groups = savedGroups(bridge);
    if ((meters && !sameLines(current.meters ?? [], meters)) || !sameLines(current.groups ?? [], groups)) {
      const next = this.config();
      const b = next.bridges.find((x) => x.name === name)!;
      b.flows = savedFlows(bridge);
      if (meters?.length) b.meters = meters;
      else delete b.meters;
      if (groups.length) b.groups = groups;
      else delete b.groups;
      try {
        this.save(this.dbPath, next);
        this.journal?.reset();
        this.doc = next;
      } catch (err) {
        this.log(`error: cannot write the config DB ${this.dbPath} after an OpenFlow change: ${(err as Error).message}`);
      }
      return;
    }
    this.saveExpired(bridge, 'changed over OpenFlow');
  }

  /** The configuration as last written. */
  config(): ConfigDoc {
    return structuredClone(this.doc);
  }

  /** Resolves when no verb is running or queued (the wire's changes waiting to be saved are saved first). */
  async idle(): Promise<void> {
    for (const name of [...this.wireSaves.keys()]) this.queueWireSave(name);
    await this.queue;
  }

  private queueWireSave(name: string): void {
    clearTimeout(this.wireSaves.get(name));
    this.wireSaves.delete(name);
    this.enqueue(async () => this.saveWireChange(name)).catch(() => undefined);
  }

  /** Runs one verb for `client` (the connection it came on; none from the API or tests). */
  async handle(verb: Verb, args: Args, client?: Client, progress?: ProgressSink): Promise<unknown> {
    // Long verbs, and list-jobs (the CLI's check that the daemon answers): beside the queue, not in it.
    if (verb === 'inject') return this.inject(args, client);
    if (verb === 'list-jobs') return this.jobs.list();
    if (verb === 'capture-status') {
      const bridge = requireString(args, 'bridge');
      const port = this.docPort(bridge, requireString(args, 'port')).name;
      return this.captures.status(bridge, port, optionalNumber(args, 'id'), optionalNumber(args, 'wait') ?? 0);
    }
    return this.enqueue(() => this.dispatch(verb, args, client, optionalBoolean(args, 'progress') ? progress : undefined));
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async dispatch(verb: Verb, args: Args, client: Client | undefined, progress: ProgressSink | undefined): Promise<unknown> {
    if (isMirrorVerb(verb)) return mirrorVerb(verb, args, this.mirrorContext());
    if (isOpenFlowVerb(verb)) return openflowVerb(verb, args, this.openflowContext());
    switch (verb) {
      case 'add-br':
        return this.addBridge(requireString(args, 'bridge'), args.local !== false);
      case 'del-br':
        return this.deleteBridge(requireString(args, 'bridge'));
      case 'list-br':
        return this.doc.bridges.map((b) => b.name).sort(compareNames);
      case 'show':
        return this.show();
      case 'set-bridge':
        return this.setBridge(requireString(args, 'bridge'), args);
      case 'add-port':
        return this.addPort(requireString(args, 'bridge'), requireString(args, 'port'), args);
      case 'del-port': {
        const bridge = requireString(args, 'bridge');
        const entry = this.docPort(bridge, requireString(args, 'port'));
        if (entry.ofport === OFPP_LOCAL) {
          throw new NodeswitchError(`${entry.name} is the LOCAL port of bridge ${bridge}: set-bridge ${bridge} local=false removes it`, 'port');
        }
        return this.deletePort(bridge, entry.name);
      }
      case 'add-bond':
        return this.addBond(args);
      case 'bond-show':
        return bondShow(this.liveBridge(requireString(args, 'bridge')));
      case 'list-ports':
        return this.docBridge(requireString(args, 'bridge')).ports.map((p) => p.name).sort(compareNames);
      case 'dump-ports':
        return this.dumpPorts(requireString(args, 'bridge'), optionalString(args, 'port'));
      case 'fdb-show':
        return this.liveBridge(requireString(args, 'bridge')).fdb();
      case 'fdb-flush':
        await this.liveBridge(requireString(args, 'bridge')).fdbFlush();
        return {};
      case 'add-flow':
        return this.changeFlows(args, async (b) => (await b.addFlow(requireString(args, 'flow')), { count: 1 }));
      case 'add-flows':
        return this.changeFlows(args, async (b) => ({
          count: await b.addFlows(requireText(args, 'flows'), progress && { onProgress: (phase, done, total) => progress({ phase, done, total }) }),
        }));
      case 'mod-flows': {
        const strict = optionalBoolean(args, 'strict');
        return this.changeFlows(args, async (b) => ({ count: await b.modFlows(requireString(args, 'flow'), { strict }) }));
      }
      case 'del-flows': {
        const strict = optionalBoolean(args, 'strict');
        return this.changeFlows(args, async (b) => ({ count: await b.delFlows(optionalString(args, 'match') ?? '', { strict }) }));
      }
      case 'dump-flows':
        return dumpFlows(this.liveBridge(requireString(args, 'bridge')), optionalString(args, 'match') ?? '');
      case 'dump-megaflows': {
        const { dumpMegaflows } = await import('./megaflows.js');
        return dumpMegaflows(this.liveBridge(requireString(args, 'bridge')));
      }
      case 'trace': {
        const bridge = this.liveBridge(requireString(args, 'bridge'));
        const { traceFields } = await import('./trace.js');
        return traceFields(bridge, requireString(args, 'fields'));
      }
      case 'inject-stop': {
        const brName = requireString(args, 'bridge');
        const port = this.docPort(brName, requireString(args, 'port')).name;
        const running = this.injects.get(portKey(brName, port));
        if (!running) throw new NodeswitchError(`no inject is running into port ${port} on bridge ${brName}`, 'port');
        running.abort();
        return {};
      }
      case 'capture': {
        const req = parseCaptureArgs(args);
        const entry = this.docPort(req.bridge, req.port);
        req.port = entry.name;
        const bridge = this.attachedPort(req.bridge, req.port);
        return this.captures.start(req, bridge, entry.ofport, client);
      }
      case 'capture-stop': {
        const bridge = requireString(args, 'bridge');
        return this.captures.stop(bridge, this.docPort(bridge, requireString(args, 'port')).name, optionalNumber(args, 'id'));
      }
      case 'set-qos':
      case 'clear-qos':
        return setQosVerb(this.qosContext, args, verb === 'clear-qos');
      case 'dump-queues':
        return dumpQueuesVerb(this.qosContext, requireString(args, 'bridge'));
      case 'stop-job': {
        const id = optionalNumber(args, 'id');
        if (id === undefined) throw new NodeswitchError('missing argument id', 'id');
        return this.jobs.stop(id);
      }
      case 'set-port':
        return setPort(args, {
          config: () => this.config(),
          attached: (b, p) => (this.missing.has(portKey(b, p)) ? undefined : this.liveBridge(b)),
          commit: (next, undo) => this.commit(next, undo),
          log: this.log,
        });
      case 'add-meter':
      case 'mod-meter':
      case 'del-meters':
      case 'dump-meters':
      case 'meter-stats':
        return meterVerb(verb, args, { config: () => this.config(), bridge: (n) => this.liveBridge(n), commit: (next, undo) => this.commit(next, undo), log: this.log });
      case 'add-group':
      case 'add-groups':
      case 'mod-group':
      case 'del-groups':
      case 'dump-groups':
      case 'dump-group-stats':
      case 'dump-group-features':
        return groupVerb(verb, args, { config: () => this.config(), bridge: (n) => this.liveBridge(n), commit: (next, undo) => this.commit(next, undo), log: this.log });
      case 'inject':
      case 'capture-status':
      case 'list-jobs':
        throw new Error(`${verb} is not a queued verb`);
    }
  }

  private openflowContext(): OpenFlowVerbContext {
    return { config: () => this.config(), commit: (next, undo) => this.commit(next, undo), service: this.openflow, log: this.log };
  }

  private mirrorContext(): MirrorContext {
    return {
      config: () => this.config(),
      docBridge: (name) => this.docBridge(name),
      docPort: (bridge, port) => this.docPort(bridge, port),
      liveBridge: (name) => this.liveBridge(name),
      commit: (next, undo) => this.commit(next, undo),
      missing: this.missing,
      log: this.log,
    };
  }

  /** inject: checked and read in the queue, paced beside it; answers with the summary when done. */
  private async inject(args: Args, client: Client | undefined): Promise<InjectSummary> {
    const req = parseInjectArgs(args);
    const refuseIfBusy = (): void => {
      if (this.injects.has(portKey(req.bridge, req.port))) {
        throw new NodeswitchError(`an inject into port ${req.port} on bridge ${req.bridge} is already running`, 'port');
      }
    };
    const { bridge, frames, tsNs, skipped, ofport } = await this.enqueue(async () => {
      const entry = this.docPort(req.bridge, req.port);
      req.port = entry.name;
      const bridge = this.attachedPort(req.bridge, req.port);
      if (!bridge.ingest) throw new NodeswitchError('this switch cannot inject frames', 'port');
      refuseIfBusy();
      return { bridge, ofport: entry.ofport, ...usableRecords(await readTrace(req.file)) };
    });
    // Checked again: another inject may have started while the trace was read.
    refuseIfBusy();
    const k = portKey(req.bridge, req.port);
    const abort = new AbortController();
    this.injects.set(k, abort);
    const id = this.jobs.reserveId();
    this.jobs.add(
      { id, kind: 'inject', bridge: req.bridge, port: req.port, ofport, file: req.file },
      async (why) => {
        this.log(`bridge ${req.bridge}: inject ${id} into port ${req.port}: ${why}, stopping it`);
        abort.abort();
        return { id, stopped: true };
      },
      client,
    );
    let failure: Error | undefined;
    let sent = 0;
    try {
      const schedule = new InjectSchedule(tsNs, req.mode, req.loop);
      const result = await pace(
        frames,
        schedule,
        async (batch) => {
          try {
            await bridge.ingest!(req.port, batch);
            sent += batch.length;
          } catch (err) {
            // The port or the bridge went away under the inject.
            failure = err as Error;
            abort.abort();
          }
        },
        undefined,
        abort.signal,
      );
      if (failure) {
        throw new NodeswitchError(`inject into port ${req.port} on bridge ${req.bridge} stopped after ${sent} packets: ${failure.message}`, 'port');
      }
      const summary = summarize(result, skipped, abort.signal.aborted);
      this.log(
        `bridge ${req.bridge}: injected ${summary.packets} packets from ${req.file} into port ${req.port} in ${summary.seconds} s${summary.stopped ? ' (stopped)' : ''}`,
      );
      return summary;
    } finally {
      this.injects.delete(k);
      this.jobs.done(id);
    }
  }

  /** The live bridge of a port that is in the config and attached to the datapath. */
  private attachedPort(brName: string, port: string): BridgeApi {
    this.docPort(brName, port);
    const reason = this.missing.get(portKey(brName, port));
    if (reason !== undefined) throw new NodeswitchError(`port ${port} is in the config but not attached (${reason})`, 'port');
    return this.liveBridge(brName);
  }

  /** A flow verb: applied to the bridge, then its whole table saved; undone if the save fails. */
  private async changeFlows(args: Args, apply: (bridge: BridgeApi) => Promise<{ count: number }>): Promise<{ count: number }> {
    const name = requireString(args, 'bridge');
    const bridge = this.liveBridge(name);
    const before = currentSpecs(bridge);
    const result = await apply(bridge);
    const flows = savedFlows(bridge);
    const current = this.findBridge(name)!;
    if (sameLines(current.flows, flows)) return result;
    let journaled: boolean;
    try {
      journaled = this.journalFlows(current, flows);
    } catch (err) {
      await this.undoAfterWriteError(err, () => replaceFlows(bridge, before));
      throw err; // not reached: undoAfterWriteError throws
    }
    if (!journaled) {
      const next = this.config();
      next.bridges.find((b) => b.name === name)!.flows = flows;
      await this.commit(next, () => replaceFlows(bridge, before));
    }
    this.log(`bridge ${name}: ${result.count} flow${result.count === 1 ? '' : 's'} changed, ${flows.length} in the table`);
    return result;
  }

  private async addBridge(name: string, withLocal: boolean): Promise<unknown> {
    checkNetdevName(name, 'bridge');
    if (this.findBridge(name)) throw new NodeswitchError(`bridge ${name} already exists`, 'bridge');
    if (withLocal) this.checkLocalName(name);
    const bridge = this.sw.addBridge(name);
    let local: DbBridge['local'];
    try {
      if (withLocal) local = await attachLocalPort(bridge, { name }, this.log);
    } catch (err) {
      await this.sw.deleteBridge(name);
      throw new NodeswitchError(`cannot make the LOCAL port of bridge ${name} (a TAP named ${name}): ${(err as Error).message}; use --no-local for a bridge without one`, 'bridge');
    }
    watchBridge(bridge, this.log);
    this.watchExpiry(bridge);
    const next = this.config();
    next.bridges.push({ name, ...dbOptions(bridge.options), ...(local && { local }), ports: [], flows: savedFlows(bridge) });
    await this.commit(next, async () => {
      if (local) await bridge.deletePort(name);
      await this.sw.deleteBridge(name);
    });
    await this.openflow?.attach(this.docBridge(name));
    this.log(`bridge ${name}: added`);
    return {};
  }

  private async deleteBridge(name: string): Promise<unknown> {
    const old = this.docBridge(name);
    // Its TAPs go with it: deleted one by one (closing the bridge would keep them, persistent).
    const live = this.liveBridge(name);
    if (old.mirrors?.length) await live.setMirrors?.([]); // a mirror's output port cannot be deleted
    for (const p of old.ports) {
      if (p.type === 'tap' && !this.missing.has(portKey(name, p.name))) await live.deletePort(p.name);
    }
    if (old.local && live.ports().some((p) => p.name === name)) await live.deletePort(name);
    await this.openflow?.detach(name);
    await this.sw.deleteBridge(name);
    const next = this.config();
    next.bridges = next.bridges.filter((b) => b.name !== name);
    await this.commit(next, () => this.recreate(old));
    for (const p of old.ports) this.missing.delete(portKey(name, p.name));
    this.log(`bridge ${name}: deleted`);
    return {};
  }

  /** Undo of del-br: the bridge with its settings, flows and the ports that were attached. */
  private async recreate(old: DbBridge): Promise<void> {
    const bridge = this.sw.addBridge(old.name, {
      macAging: old.macAging,
      macTableSize: old.macTableSize,
      ...(old.datapathPoll && { datapathPoll: old.datapathPoll }),
      defaultFlows: old.flows === undefined,
    });
    watchBridge(bridge, this.log);
    this.watchExpiry(bridge);
    if (old.meters) await installSavedMeters(bridge, old.meters);
    if (old.groups) await installSavedGroups(bridge, old.groups);
    if (old.flows) await installSaved(bridge, parseSavedFlows(old.flows, old.ports));
    if (old.local) await attachLocalPort(bridge, old, this.log);
    for (const p of old.ports) {
      if (this.missing.has(portKey(old.name, p.name))) continue;
      await attachPort(bridge, p);
      if (p.qos) await restoreQos(bridge, p.name, p.qos, this.log);
    }
    await recreateMirrors(bridge, old, this.missing);
    await this.openflow?.attach(old);
  }

  private async setBridge(name: string, args: Args): Promise<unknown> {
    this.docBridge(name);
    const bridge = this.liveBridge(name);
    // Checked here, with the limits the CLI and the DB loader state, before the switch sees them.
    const macAging = optionalInteger(args, 'macAging', 'mac-aging', MAC_AGING);
    const macTableSize = optionalInteger(args, 'macTableSize', 'mac-table-size', MAC_TABLE_SIZE);
    const poll = optionalString(args, 'datapathPoll');
    const datapathPoll = poll === undefined ? undefined : checkPollMode(poll);
    const datapathId = optionalString(args, 'datapathId');
    if (datapathId !== undefined) {
      if (macAging !== undefined || macTableSize !== undefined || datapathPoll !== undefined || args.local !== undefined) {
        throw new NodeswitchError('set-bridge datapath-id=… goes alone; change the other settings in another call', 'datapath-id');
      }
      return setDatapathId(this.openflowContext(), name, datapathId);
    }
    if (args.local !== undefined && typeof args.local !== 'boolean') {
      throw new NodeswitchError(`local must be true or false, got ${JSON.stringify(args.local)}`, 'local');
    }
    if (macAging === undefined && macTableSize === undefined && datapathPoll === undefined) {
      if (typeof args.local === 'boolean') return this.setLocal(name, args.local);
      throw new NodeswitchError('set-bridge needs at least one of mac-aging=SECONDS, mac-table-size=N, datapath-poll=MODE, local=true|false, datapath-id=HEX16', 'settings');
    }
    if (typeof args.local === 'boolean' && args.local !== (this.docBridge(name).local !== undefined)) {
      throw new NodeswitchError('set-bridge local=… goes alone (it adds or removes a device); change the other settings in another call', 'local');
    }
    const old = bridge.options;
    await bridge.configure({ macAging, macTableSize, datapathPoll });
    const next = this.config();
    const saved = next.bridges.find((b) => b.name === name)!;
    delete saved.datapathPoll;
    Object.assign(saved, dbOptions(bridge.options));
    await this.commit(next, () => bridge.configure(old));
    const now = bridge.options;
    this.log(`bridge ${name}: mac-aging ${now.macAging}, mac-table-size ${now.macTableSize}, datapath-poll ${now.datapathPoll}`);
    return now;
  }

  /** set-bridge BR local=true|false: makes or removes the bridge's LOCAL TAP. */
  private async setLocal(name: string, on: boolean): Promise<unknown> {
    const doc = this.docBridge(name);
    const bridge = this.liveBridge(name);
    if (on === (doc.local !== undefined)) return { local: on };
    const next = this.config();
    const saved = next.bridges.find((b) => b.name === name)!;
    if (on) {
      this.checkLocalName(name);
      saved.local = await attachLocalPort(bridge, { name }, this.log);
      await this.commit(next, () => bridge.deletePort(name));
    } else {
      if (bridge.ports().some((p) => p.name === name)) await bridge.deletePort(name);
      delete saved.local;
      await this.commit(next, async () => void (await attachLocalPort(bridge, doc, this.log)));
      this.log(`bridge ${name}: LOCAL port removed`);
    }
    await this.openflow?.apply(this.docBridge(name)); // a derived datapath id follows the LOCAL port's MAC
    return { local: on };
  }

  /** The LOCAL port's name (the bridge's) must not be a port already. */
  private checkLocalName(name: string): void {
    const owner = this.doc.bridges.find((b) => b.ports.some((p) => p.name === name));
    if (owner) throw new NodeswitchError(`port ${name} of bridge ${owner.name} has the name the LOCAL port of bridge ${name} needs; use --no-local`, 'bridge');
  }

  private async addPort(brName: string, port: string, args: Args): Promise<unknown> {
    const doc = this.docBridge(brName);
    const bridge = this.liveBridge(brName);
    checkNetdevName(port, 'port');
    const type = optionalString(args, 'type') ?? 'afpacket';
    if (type !== 'afpacket' && type !== 'tap') {
      throw new NodeswitchError(`port type "${type}" is not one of afpacket, tap`, 'type');
    }
    this.checkUnused(port, 'port');
    const ofport = this.chooseOfport(doc, optionalNumber(args, 'ofport'));
    const entry: DbPort = { name: port, type: type as DbPortType, ofport };
    setDbPortVlan(entry, vlanFromArgs(args));
    let info;
    try {
      info = await bridge.addPort(port, portOptions(entry));
    } catch (err) {
      if (err instanceof NodeswitchError) throw err;
      // The datapath's own errors (no such netdev, cannot create the tap, …).
      throw new NodeswitchError(`cannot add ${type} port ${port} to bridge ${brName}: ${(err as Error).message}`, 'port');
    }
    if (type === 'tap') {
      const mac = netdevMac(port);
      if (mac !== undefined) entry.mac = mac;
    }
    const next = this.config();
    next.bridges.find((b) => b.name === brName)!.ports.push(entry);
    await this.commit(next, () => bridge.deletePort(port));
    this.log(`bridge ${brName}: port ${port} (${type}, ofport ${info.ofport}) added`);
    return { ...entry };
  }

  /** A netdev name no bridge of the config has as a port or as a bond's member. */
  private checkUnused(name: string, argument: string): void {
    const owner = this.doc.bridges.find((b) => b.ports.some((p) => p.name === name || p.bond?.members.includes(name)));
    if (owner) throw new NodeswitchError(`port ${name} is already on bridge ${owner.name}`, argument);
    if (this.doc.bridges.some((b) => b.local && b.name === name)) throw new NodeswitchError(`${name} is the LOCAL port of bridge ${name}`, argument);
  }

  private async addBond(args: Args): Promise<unknown> {
    const req = parseAddBondArgs(args);
    const doc = this.docBridge(req.bridge);
    const bridge = this.liveBridge(req.bridge);
    this.checkUnused(req.bond, 'bond');
    for (const m of req.settings.members) this.checkUnused(m, 'port');
    const entry: DbPort = { name: req.bond, type: 'bond', ofport: this.chooseOfport(doc, optionalNumber(args, 'ofport')), bond: req.settings };
    setDbPortVlan(entry, vlanFromArgs(args)); // --tag / --trunks, checked together before anything is added
    try {
      await attachPort(bridge, entry);
    } catch (err) {
      if (err instanceof NodeswitchError) throw err;
      throw new NodeswitchError(`cannot add bond ${req.bond} to bridge ${req.bridge}: ${(err as Error).message}`, 'port');
    }
    const next = this.config();
    next.bridges.find((b) => b.name === req.bridge)!.ports.push(entry);
    await this.commit(next, () => bridge.deletePort(req.bond));
    const s = req.settings;
    this.log(`bridge ${req.bridge}: bond ${req.bond} (${s.members.join(', ')}; ${s.mode}, lacp ${s.lacp}, ofport ${entry.ofport}) added`);
    return { ...entry };
  }

  /** The ofport asked for, if free, else the lowest free one — counting missing ports too. */
  private chooseOfport(doc: DbBridge, wanted: number | undefined): number {
    const taken = new Map(doc.ports.map((p) => [p.ofport, p.name]));
    if (wanted !== undefined) {
      checkInteger(wanted, 'ofport', OFPORT);
      const holder = taken.get(wanted);
      if (holder !== undefined) {
        throw new NodeswitchError(`ofport ${wanted} is already taken by port ${holder} on bridge ${doc.name}`, 'ofport');
      }
      return wanted;
    }
    for (let n = 1; n <= MAX_OFPORT; n++) if (!taken.has(n)) return n;
    throw new NodeswitchError(`bridge ${doc.name} has no free ofport left`, 'ofport');
  }

  private async deletePort(brName: string, port: string): Promise<unknown> {
    const entry = this.docPort(brName, port);
    const key = portKey(brName, port);
    const attached = !this.missing.has(key);
    const bridge = this.liveBridge(brName);
    checkNotMirrorOutput(this.docBridge(brName), port);
    if (attached) await bridge.deletePort(port);
    const next = this.config();
    const b = next.bridges.find((x) => x.name === brName)!;
    b.ports = b.ports.filter((p) => p.name !== port);
    forgetMirrorPort(b, port);
    await this.commit(next, async () => {
      if (attached) await attachPort(bridge, entry);
      if (attached && entry.qos) await restoreQos(bridge, port, entry.qos, this.log);
      await recreateMirrors(bridge, this.docBridge(brName), this.missing);
    });
    this.missing.delete(key);
    this.log(`bridge ${brName}: port ${port} deleted`);
    return {};
  }

  private async show(): Promise<ShowResult> {
    const bridges: ShowBridge[] = [];
    for (const b of [...this.doc.bridges].sort((x, y) => compareNames(x.name, y.name))) {
      const live = this.sw.bridge(b.name);
      let stats: PortStats[] | undefined;
      try {
        stats = live ? await live.portStats() : [];
      } catch (err) {
        this.log(`warning: bridge ${b.name}: cannot read port state: ${(err as Error).message}`);
      }
      const opts = live?.options ?? { macAging: b.macAging ?? 0, macTableSize: b.macTableSize ?? 0, datapathPoll: b.datapathPoll ?? 'adaptive' };
      bridges.push({
        name: b.name,
        macAging: opts.macAging,
        macTableSize: opts.macTableSize,
        datapathPoll: opts.datapathPoll,
        ...(this.openflow && { openflow: showOpenFlow(this.openflow, b) }),
        ports: [...b.ports, ...(b.local ? [{ ...dbPortVlan(b.local), name: b.name, type: 'internal' as DbPortType, ofport: OFPP_LOCAL }] : [])]
          .sort((x, y) => x.ofport - y.ofport)
          .map((p) => {
            const reason = this.missing.get(portKey(b.name, p.name));
            const st = stats?.find((s) => s.name === p.name);
            const state = reason !== undefined ? 'missing' : st ? (st.up ? 'up' : 'down') : 'unknown';
            return {
              name: p.name,
              type: p.type,
              ofport: p.ofport,
              state,
              ...(reason !== undefined && { reason }),
              ...(p.tag !== undefined && { tag: p.tag }),
              ...(p.trunks !== undefined && { trunks: p.trunks }),
              ...(p.vlanMode !== undefined && { vlanMode: p.vlanMode }),
              ...(p.bond && { members: p.bond.members }),
              ...(p.ingressPolicingRate !== undefined && { ingressPolicingRate: p.ingressPolicingRate }),
              ...(p.ingressPolicingBurst !== undefined && { ingressPolicingBurst: p.ingressPolicingBurst }),
              ...(p.qos !== undefined && { qos: formatQos(p.qos) }),
            };
          }),
      });
    }
    return { bridges };
  }

  private async dumpPorts(brName: string, port: string | undefined): Promise<unknown> {
    this.docBridge(brName);
    if (port !== undefined) {
      port = this.docPort(brName, port).name;
      const reason = this.missing.get(portKey(brName, port));
      if (reason !== undefined) {
        throw new NodeswitchError(`port ${port} is in the config but not attached (${reason}), so it has no counters`, 'port');
      }
    }
    const bridge = this.liveBridge(brName);
    return withQueues((await bridge.portStats(port)).map(dumpPortRow), bridge);
  }

  /** Applies the new document, or undoes the switch change when it cannot be written. */
  /**
   * A bridge's new flow lines as one journal record, when the journal takes it (the
   * DB was not rewritten); false: write the DB whole instead. Throws when the append
   * fails. On success the in-memory document holds the new lines.
   */
  private journalFlows(current: DbBridge, flows: string[]): boolean {
    if (!this.journal || current.flows === undefined) return false;
    const change = this.journal.diff(current.name, current.flows, flows);
    const total = this.doc.bridges.reduce((n, b) => n + (b.flows?.length ?? 0), 0);
    if (!this.journal.takes(change.remove.length + change.add.length, total)) return false;
    this.journal.append({ bridge: current.name, ...change });
    this.journal.took(current.name, change, flows);
    current.flows = flows;
    return true;
  }

  private async commit(next: ConfigDoc, undo: () => Promise<void>): Promise<void> {
    try {
      this.save(this.dbPath, next);
      this.journal?.reset();
    } catch (err) {
      await this.undoAfterWriteError(err, undo);
    }
    this.doc = next;
  }

  /** After a failed write: undo the switch change, log, and throw the user's error. */
  private async undoAfterWriteError(err: unknown, undo: () => Promise<void>): Promise<never> {
    const why = (err as Error).message;
    this.log(`error: cannot write the config DB ${this.dbPath}: ${why}; undoing the change`);
    try {
      await undo();
    } catch (undoErr) {
      this.log(`error: undoing the change failed too, the switch and the DB now differ: ${(undoErr as Error).message}`);
    }
    throw new NodeswitchError(`cannot write the config DB ${this.dbPath}: ${why} (the change was undone)`, 'db');
  }

  private findBridge(name: string): DbBridge | undefined {
    return this.doc.bridges.find((b) => b.name === name);
  }

  private docBridge(name: string): DbBridge {
    const b = this.findBridge(name);
    if (!b) throw new NodeswitchError(`no bridge named ${name}`, 'bridge');
    return b;
  }

  /**
   * The port a verb names: by its name or, as ovs-ofctl takes it, by its ofport
   * number. A name wins: a netdev may be called "3".
   */
  private docPort(brName: string, port: string): DbPort {
    const b = this.docBridge(brName);
    // The LOCAL port, by the bridge's name or as ovs-ofctl names it.
    if (b.local && (port === brName || port === 'LOCAL')) return { name: brName, type: 'tap', ofport: OFPP_LOCAL };
    const ports = b.ports;
    const p = ports.find((x) => x.name === port) ?? (/^\d+$/.test(port) ? ports.find((x) => x.ofport === Number(port)) : undefined);
    if (!p) throw new NodeswitchError(`bridge ${brName} has no port ${port}${/^\d+$/.test(port) ? ' (no port of that name or ofport)' : ''}`, 'port');
    return p;
  }

  private liveBridge(name: string): BridgeApi {
    this.docBridge(name);
    const b = this.sw.bridge(name);
    // Every bridge in the DB is created at start or by add-br; absence is a bug.
    if (!b) throw new Error(`bridge ${name} is in the config but not in the switch`);
    return b;
  }
}

/** Whether the saved flow lines are `flows` already. */
function sameLines(saved: string[] | undefined, flows: string[]): boolean {
  return saved !== undefined && saved.length === flows.length && saved.every((f, i) => f === flows[i]);
}

/** A string argument that may be empty (an add-flows file with no flows). */
function requireText(args: Args, key: string): string {
  const v = args[key];
  if (v === undefined || v === null) throw new NodeswitchError(`missing argument ${key}`, key);
  if (typeof v !== 'string') throw new NodeswitchError(`${key} must be a string, got ${JSON.stringify(v)}`, key);
  return v;
}

/** args[key], absent or an integer in `range`; errors name the setting as the CLI spells it. */
function optionalInteger(args: Args, key: string, argument: string, range: Range): number | undefined {
  const v = args[key];
  return v === undefined || v === null ? undefined : checkInteger(v, argument, range);
}

