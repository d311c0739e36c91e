/**
 * FEATURES_REPLY, GET_CONFIG / SET_CONFIG and the DESC multipart: what the switch
 * says about itself.
 */
import { readFileSync } from 'node:fs';
import { OFPC, OFPC_FRAG, type DescStats, type FeaturesReplyMsg, type SwitchConfigMsg } from '../wire/index.js';
import type { AgentContext, Session } from './index.js';
import { OfError } from './errors.js';

/** The tables a flow can go in: 0..254 (native/dp/flow_table.h kTables). */
export const N_TABLES = 255;

/**
 * What we really do: flow, table, port, group and queue statistics. No IP
 * reassembly, no STP port blocking.
 */
export const CAPABILITIES = OFPC.FLOW_STATS | OFPC.TABLE_STATS | OFPC.PORT_STATS | OFPC.GROUP_STATS | OFPC.QUEUE_STATS;

export function featuresReply(xid: number, ctx: AgentContext): FeaturesReplyMsg {
  return {
    type: 'features_reply',
    xid,
    datapathId: ctx.opts.datapathId,
    nBuffers: 0, // every packet-in carries its packet: no buffers
    nTables: N_TABLES,
    auxiliaryId: 0,
    capabilities: CAPABILITIES,
  };
}

export function getConfigReply(xid: number, session: Session): SwitchConfigMsg {
  return { type: 'get_config_reply', xid, flags: session.configFlags ?? OFPC_FRAG.NORMAL, missSendLen: session.missSendLen };
}

/**
 * SET_CONFIG: miss_send_len is the connection's (it cuts table-miss packet-ins).
 * Fragments are handled "normally" (passed through as they are) only: DROP and
 * REASM are refused with OFPSCFC_BAD_FLAGS, as OVS's userspace datapath refuses what
 * it cannot do. SET_CONFIG has no reply.
 */
export function setConfig(msg: SwitchConfigMsg, session: Session): void {
  if ((msg.flags & OFPC_FRAG.MASK) !== OFPC_FRAG.NORMAL || msg.flags & ~OFPC_FRAG.MASK) {
    throw new OfError('SWITCH_CONFIG_FAILED', 'BAD_FLAGS', `fragment handling ${msg.flags} is not supported (only normal, 0)`);
  }
  session.configFlags = msg.flags;
  session.missSendLen = msg.missSendLen;
}

let version: string | undefined;
/** package.json's version (src/openflow/agent under vitest, dist/src/openflow/agent built). */
function softwareVersion(): string {
  if (version !== undefined) return version;
  version = 'unknown';
  for (const rel of ['../../../package.json', '../../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'nodeswitch' && pkg.version) return (version = pkg.version);
    } catch {
      // not at this level
    }
  }
  return version;
}

export function describe(ctx: AgentContext): DescStats {
  return {
    mfrDesc: 'nodeswitch',
    hwDesc: 'nodeswitch userspace datapath',
    swDesc: softwareVersion(),
    serialNum: 'None',
    dpDesc: ctx.opts.dpDesc ?? ctx.bridge.name,
  };
}
