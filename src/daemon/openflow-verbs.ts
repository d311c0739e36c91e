// OpenFlow on the wire, as the daemon runs it: one OpenFlowHub per bridge
// (src/openflow/conn/hub.ts) with the bridge's BR.mgmt socket beside the management
// socket (root-only, as OVS's br0.mgmt; removed at del-br and daemon stop), and the
// verbs that configure them — set-controller, del-controller, set-fail-mode,
// set-listen, set-bridge BR datapath-id=… — applied to the hub first (a listener
// that cannot listen refuses the verb with nothing changed), then saved
// (DbBridge.openflow, openflow-db.ts) and undone if the save fails. At start the
// saved settings are applied leniently: a listener whose port is taken is logged and
// shown, never dropped from the config.
import { dirname, join } from 'node:path';
import type { Bridge } from '../bridge.js';
import { NodeswitchError } from '../errors.js';
import { chooseDatapathId } from '../openflow/conn/datapath-id.js';
import type { RequestHandler } from '../openflow/conn/connection.js';
import { type HubConfig, type HubStatus, OpenFlowHub } from '../openflow/conn/hub.js';
import { defaultBurst } from '../openflow/conn/rate-limit.js';
import {
  BURST_LIMIT,
  checkDatapathId,
  checkFailMode,
  checkInactivityProbe,
  DEFAULT_INACTIVITY_PROBE_MS,
  normalizeTargets,
  RATE_LIMIT,
} from '../openflow/conn/targets.js';
import type { OfPort } from '../openflow/wire/index.js';
import { checkInteger } from '../validate.js';
import type { ConfigDoc, DbBridge } from './config-db.js';
import type { DbOpenFlow } from './openflow-db.js';
import { MAX_SOCKET_PATH_BYTES } from './paths.js';
import { type Args, optionalNumber, requireString } from './protocol.js';
import type { Log } from './switch-api.js';

export const OPENFLOW_VERBS = ['set-controller', 'del-controller', 'set-fail-mode', 'set-listen'] as const;
export type OpenFlowVerb = (typeof OPENFLOW_VERBS)[number];

export function isOpenFlowVerb(verb: string): verb is OpenFlowVerb {
  return (OPENFLOW_VERBS as readonly string[]).includes(verb);
}

/** What show prints of a bridge's OpenFlow side. */
export type ShowOpenFlow = HubStatus & Pick<DbOpenFlow, 'inactivityProbe' | 'rateLimit' | 'burstLimit'>;

export interface OpenFlowDeps {
  /** The agent for a bridge (src/openflow/agent); `changed` tells the daemon the wire changed its tables. */
  createAgent(bridge: Bridge, datapathId: bigint, changed: (what: string) => void): RequestHandler;
  describePorts?: (bridge: Bridge) => Promise<OfPort[]>;
}

/** The hubs of every bridge of the daemon. */
export class OpenFlowService {
  private readonly hubs = new Map<string, OpenFlowHub>();
  /** Set by the controller: the wire changed a bridge's flows, meters or groups (to be saved). */
  onWireChange: (bridge: string, what: string) => void = () => undefined;

  constructor(
    private readonly sockPath: string,
    private readonly log: Log,
    private readonly bridgeOf: (name: string) => Bridge | undefined,
    private readonly deps: OpenFlowDeps,
  ) {}

  /** BR.mgmt, in the management socket's directory. */
  mgmtPath(bridge: string): string {
    return join(dirname(this.sockPath), `${bridge}.mgmt`);
  }

  /** Starts a bridge's hub (add-br, restore): BR.mgmt, then its saved settings, leniently. */
  async attach(b: DbBridge): Promise<void> {
    const bridge = this.bridgeOf(b.name);
    if (!bridge || this.hubs.has(b.name)) return;
    const mgmt = this.mgmtPath(b.name);
    const mgmtOk = Buffer.byteLength(mgmt, 'utf8') <= MAX_SOCKET_PATH_BYTES;
    if (!mgmtOk) this.log(`warning: bridge ${b.name}: no ${mgmt}: a unix socket path can be at most ${MAX_SOCKET_PATH_BYTES} bytes`);
    const hub = new OpenFlowHub(bridge, {
      ...(mgmtOk && { mgmtPath: mgmt }),
      log: this.log,
      createAgent: (br, dpid) => this.deps.createAgent(br, dpid, (what) => this.onWireChange(b.name, what)),
      ...(this.deps.describePorts && { describePorts: this.deps.describePorts }),
    });
    this.hubs.set(b.name, hub);
    try {
      await hub.start();
    } catch (err) {
      this.log(`warning: bridge ${b.name}: ${(err as Error).message}`);
    }
    await hub.configure(hubConfig(b), { lenient: true });
  }

  /** Applies `b`'s settings to its running hub; throws (nothing changed) when a listener cannot listen. */
  async apply(b: DbBridge): Promise<void> {
    await this.hubs.get(b.name)?.configure(hubConfig(b));
  }

  /** del-br, daemon stop: the hub goes, with BR.mgmt's file. */
  async detach(name: string): Promise<void> {
    const hub = this.hubs.get(name);
    this.hubs.delete(name);
    await hub?.close();
  }

  status(name: string): HubStatus | undefined {
    return this.hubs.get(name)?.status();
  }

  async close(): Promise<void> {
    await Promise.all([...this.hubs.keys()].map((n) => this.detach(n)));
  }
}

/** A bridge's hub configuration from its DB entry. */
export function hubConfig(b: DbBridge): HubConfig {
  const of = b.openflow ?? {};
  return {
    controllers: of.controllers ?? [],
    listeners: of.listeners ?? [],
    failMode: of.failMode ?? 'standalone',
    datapathId: chooseDatapathId(b.name, of.datapathId, b.local?.mac),
    inactivityProbeMs: of.inactivityProbe ?? DEFAULT_INACTIVITY_PROBE_MS,
    ...(of.rateLimit !== undefined && { rateLimit: { rate: of.rateLimit, burst: of.burstLimit ?? Math.max(BURST_LIMIT.min, defaultBurst(of.rateLimit)) } }),
  };
}

export interface OpenFlowVerbContext {
  config(): ConfigDoc;
  commit(next: ConfigDoc, undo: () => Promise<void>): Promise<void>;
  service: OpenFlowService | undefined;
  log: Log;
}

function targetList(args: Args): unknown[] {
  const v = args.targets;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new NodeswitchError(`targets must be a list of targets, got ${JSON.stringify(v)}`, 'targets');
  return v;
}

/** A DbOpenFlow without its empty parts; undefined when nothing is left. */
function tidy(of: DbOpenFlow): DbOpenFlow | undefined {
  const out: DbOpenFlow = {};
  for (const [k, v] of Object.entries(of) as [keyof DbOpenFlow, unknown][]) {
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    (out as Record<string, unknown>)[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** set-controller, del-controller, set-fail-mode, set-listen. */
export async function openflowVerb(verb: OpenFlowVerb, args: Args, ctx: OpenFlowVerbContext): Promise<unknown> {
  const name = requireString(args, 'bridge');
  return changeOpenFlow(ctx, name, (of) => {
    switch (verb) {
      case 'set-controller': {
        const targets = targetList(args);
        if (!targets.length) throw new NodeswitchError('set-controller needs at least one target (tcp:IP[:PORT] or unix:PATH); del-controller removes them', 'targets');
        of.controllers = normalizeTargets(targets, false);
        const probe = optionalNumber(args, 'inactivityProbe');
        const rate = optionalNumber(args, 'rateLimit');
        const burst = optionalNumber(args, 'burstLimit');
        if (probe !== undefined) of.inactivityProbe = checkInactivityProbe(probe);
        if (rate !== undefined) of.rateLimit = checkInteger(rate, 'rate-limit', RATE_LIMIT);
        if (burst !== undefined) {
          if (of.rateLimit === undefined) throw new NodeswitchError('--burst-limit needs a rate limit (--rate-limit PPS)', 'burst-limit');
          of.burstLimit = checkInteger(burst, 'burst-limit', BURST_LIMIT);
        }
        return `controllers ${of.controllers.join(', ')}`;
      }
      case 'del-controller':
        delete of.controllers;
        return 'controllers removed';
      case 'set-fail-mode':
        of.failMode = checkFailMode(requireString(args, 'mode'));
        return `fail-mode ${of.failMode}`;
      case 'set-listen': {
        of.listeners = normalizeTargets(targetList(args), true);
        return of.listeners.length ? `listening on ${of.listeners.join(', ')}` : 'no listeners';
      }
    }
  });
}

/** set-bridge BR datapath-id=HEX16 (or datapath-id= : derived again). */
export async function setDatapathId(ctx: OpenFlowVerbContext, name: string, value: string): Promise<unknown> {
  return changeOpenFlow(ctx, name, (of) => {
    if (value === '') delete of.datapathId;
    else of.datapathId = checkDatapathId(value);
    return `datapath-id ${of.datapathId ?? '(derived)'}`;
  });
}

async function changeOpenFlow(ctx: OpenFlowVerbContext, name: string, change: (of: DbOpenFlow) => string): Promise<unknown> {
  if (!ctx.service) throw new NodeswitchError('this switch does not speak OpenFlow on the wire', 'bridge');
  const service = ctx.service;
  const next = ctx.config();
  const b = next.bridges.find((x) => x.name === name);
  if (!b) throw new NodeswitchError(`no bridge named ${name}`, 'bridge');
  const before = structuredClone(b);
  const of: DbOpenFlow = structuredClone(b.openflow ?? {});
  const what = change(of);
  const tidied = tidy(of);
  if (tidied) b.openflow = tidied;
  else delete b.openflow;
  await service.apply(b);
  await ctx.commit(next, () => service.apply(before));
  ctx.log(`bridge ${name}: ${what}`);
  return {};
}

/** show's OpenFlow part of a bridge. */
export function showOpenFlow(service: OpenFlowService | undefined, b: DbBridge): ShowOpenFlow | undefined {
  const status = service?.status(b.name);
  if (!status) return undefined;
  const of = b.openflow ?? {};
  return {
    ...status,
    ...(of.inactivityProbe !== undefined && { inactivityProbe: of.inactivityProbe }),
    ...(of.rateLimit !== undefined && { rateLimit: of.rateLimit }),
    ...(of.burstLimit !== undefined && { burstLimit: of.burstLimit }),
  };
}
