/**
 * The OpenFlow 1.3 request handlers (seam 3 of issue 12): one decoded request in,
 * its replies out, every change made through the same Bridge API the CLI and the
 * TypeScript API use — so each sees what the other did. The connection layer
 * (src/openflow/conn) owns HELLO, ECHO, roles, async config and the framing, refuses
 * a slave's changes, and calls `handle` for everything else, one request at a time
 * per connection: a BARRIER_REPLY therefore follows every earlier request's replies
 * and effects (each handler resolves only once the datapath has applied its change).
 *
 * One file per concern: features.ts (FEATURES, GET/SET_CONFIG, DESC), flow-mod.ts,
 * packet-out.ts, mods.ts (METER_MOD, PORT_MOD, TABLE_MOD), group-mod.ts,
 * multipart-flows.ts (FLOW, AGGREGATE, TABLE), multipart-ports.ts (PORT_STATS,
 * PORT_DESC, QUEUE), multipart-qos.ts (METER*, GROUP*), table-features.ts; errors.ts
 * maps the Bridge's refusals onto OFPT_ERROR types and codes.
 */
import type { Bridge } from '../../bridge.js';
import { encodeMessage, type MultipartReplyBody, type OfMessage } from '../wire/index.js';
import { errorReply, OfError } from './errors.js';
import { describe, featuresReply, getConfigReply, setConfig } from './features.js';
import { flowMod } from './flow-mod.js';
import { groupMod } from './group-mod.js';
import { meterMod, portMod, tableMod } from './mods.js';
import { multipart } from './multipart.js';
import { packetOut } from './packet-out.js';

export { OfError } from './errors.js';

/** What the agent keeps per connection; the connection layer owns the object. */
export interface Session {
  role: 'equal' | 'master' | 'slave';
  /** SET_CONFIG's miss_send_len: the connection applies it to table-miss packet-ins (default 128). */
  missSendLen: number;
  /** SET_CONFIG's flags (OFPC_FRAG_*; only NORMAL is supported, as in OVS's userspace datapath). */
  configFlags?: number;
}

/** What the agent has changed, for an owner that saves the bridge's state (the daemon). */
export type AgentChange = 'flows' | 'meters' | 'groups';

export interface AgentOptions {
  datapathId: bigint;
  /** dp_desc of the DESC reply (default: the bridge's name). */
  dpDesc?: string;
  /**
   * Told what the wire changed, so that an owner can save it (the daemon's config DB).
   * Coalesced: a burst of flow-mods (ovs-ofctl add-flows) is one call per kind of
   * change, CHANGE_DELAY_MS after the first of them (flush() tells it at once). A
   * rejection only logs.
   */
  onChange?: (what: AgentChange) => Promise<void> | void;
  /** Where a failed onChange is reported (default: nowhere). */
  log?: (line: string) => void;
}

/** What every handler gets. */
export interface AgentContext {
  bridge: Bridge;
  opts: AgentOptions;
  session: Session;
  /** Tell the owner what changed (coalesced: see AgentOptions.onChange). */
  changed(what: AgentChange): Promise<void>;
}

/** How long the agent gathers changes before telling its owner (see AgentOptions.onChange). */
export const CHANGE_DELAY_MS = 50;

export class OpenFlowAgent {
  // What changed since the owner was last told, and the timer that will tell it.
  private readonly pending = new Set<AgentChange>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    readonly bridge: Bridge,
    readonly opts: AgentOptions,
  ) {}

  /**
   * One request in, its replies out: several multipart replies for a long one, []
   * for a request that has none (a flow-mod that worked). Errors come back as
   * OFPT_ERROR messages carrying `raw`'s first 64 bytes (the request as received;
   * re-encoded from `msg` when not given), never as a throw.
   */
  async handle(msg: OfMessage, session: Session, raw?: Buffer): Promise<OfMessage[]> {
    const ctx: AgentContext = { bridge: this.bridge, opts: this.opts, session, changed: (what) => this.changed(what) };
    try {
      return await this.dispatch(msg, ctx);
    } catch (err) {
      const e = err instanceof OfError ? err : new OfError('BAD_REQUEST', 'EPERM', (err as Error)?.message ?? String(err));
      if (!(err instanceof OfError)) this.opts.log?.(`openflow: ${msg.type} failed: ${e.message}`);
      return [errorReply(e, msg.xid, raw ?? safeEncode(msg))];
    }
  }

  private async dispatch(msg: OfMessage, ctx: AgentContext): Promise<OfMessage[]> {
    switch (msg.type) {
      case 'features_request':
        return [featuresReply(msg.xid, ctx)];
      case 'get_config_request':
        return [getConfigReply(msg.xid, ctx.session)];
      case 'set_config':
        setConfig(msg, ctx.session);
        return [];
      case 'barrier_request':
        // Every earlier request has been handled and applied: handle() resolves after the
        // datapath did. (Saving is not waited for: ovs-ofctl add-flows sends a barrier
        // after every flow-mod, and a save per flow would make it fsync-bound.)
        return [{ type: 'barrier_reply', xid: msg.xid }];
      case 'flow_mod':
        await flowMod(msg, ctx);
        return [];
      case 'packet_out':
        await packetOut(msg, ctx);
        return [];
      case 'group_mod':
        await groupMod(msg, ctx);
        return [];
      case 'meter_mod':
        await meterMod(msg, ctx);
        return [];
      case 'port_mod':
        await portMod(msg, ctx);
        return [];
      case 'table_mod':
        tableMod(msg);
        return [];
      case 'multipart_request':
        return (await multipart(msg, ctx, describe)).map((body: { flags: number; body: MultipartReplyBody }) => ({
          type: 'multipart_reply' as const,
          xid: msg.xid,
          flags: body.flags,
          body: body.body,
        }));
      case 'experimenter':
        throw new OfError('BAD_REQUEST', 'BAD_EXPERIMENTER', `experimenter 0x${msg.experimenter.toString(16)} is not supported`);
      default:
        // Replies and asynchronous messages are the switch's to send, not a controller's.
        throw new OfError('BAD_REQUEST', 'BAD_TYPE', `a switch does not take ${msg.type}`);
    }
  }

  private changed(what: AgentChange): Promise<void> {
    if (!this.opts.onChange) return Promise.resolve();
    this.pending.add(what);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), CHANGE_DELAY_MS);
      this.timer.unref();
    }
    return Promise.resolve();
  }

  /** Tells the owner now what changed since it was last told; resolves when it has taken it. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const whats = [...this.pending];
    this.pending.clear();
    this.flushing = this.flushing.then(async () => {
      for (const what of whats) {
        try {
          await this.opts.onChange?.(what);
        } catch (err) {
          this.opts.log?.(`openflow: saving the ${what} of bridge ${this.bridge.name} failed: ${(err as Error).message}`);
        }
      }
    });
    return this.flushing;
  }
}

function safeEncode(msg: OfMessage): Buffer {
  try {
    return encodeMessage(msg);
  } catch {
    return Buffer.alloc(0);
  }
}
