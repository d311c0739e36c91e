/**
 * FLOW_MOD ↔ { command, spec: FlowSpec, bufferId, outPort, outGroup, flags }, and the
 * flow entries of FLOW multipart replies (same fields, plus counters).
 *
 * The FlowSpec is what the Bridge takes (src/ofproto/flow.ts): an add's cookie is the
 * flow's cookie; a modify/delete with a cookie_mask selects flows by cookie
 * (spec.cookieMask); OpenFlow 1.3's modify never rewrites the cookie, so cookieGiven is
 * never set. A delete's out_port other than ANY is spec.outPort. spec.flags mirrors
 * the SEND_FLOW_REM/CHECK_OVERLAP bits; the encoder writes the message's `flags`.
 *
 * Refused: an unknown command (OFPFMFC_BAD_COMMAND), unknown flag bits (BAD_FLAGS), an
 * add or modify in table 255 (BAD_TABLE_ID); matches, instructions and actions as oxm.ts,
 * instructions.ts and actions.ts say.
 */
import type { FlowSpec } from '../../ofproto/flow.js';
import { OFPP } from '../../ofproto/values.js';
import { type Reader, type Writer } from './buf.js';
import { OFPFF, OFPFMFC, OFPTT_ALL } from './constants.js';
import { readInstructions, writeInstructions } from './instructions.js';
import type { FlowModCommand, FlowModFlags, FlowModMsg, FlowStatsEntry } from './messages.js';
import { readMatch, writeMatch } from './oxm.js';

export const FLOW_MOD_COMMANDS: FlowModCommand[] = ['add', 'modify', 'modify_strict', 'delete', 'delete_strict'];
const FLAG_BITS: [keyof FlowModFlags, number][] = [
  ['sendFlowRem', OFPFF.SEND_FLOW_REM],
  ['checkOverlap', OFPFF.CHECK_OVERLAP],
  ['resetCounts', OFPFF.RESET_COUNTS],
  ['noPktCounts', OFPFF.NO_PKT_COUNTS],
  ['noBytCounts', OFPFF.NO_BYT_COUNTS],
];
const ALL_FLAGS = FLAG_BITS.reduce((a, [, b]) => a | b, 0);

export function flagsFromBits(bits: number): FlowModFlags {
  return {
    sendFlowRem: (bits & OFPFF.SEND_FLOW_REM) !== 0,
    checkOverlap: (bits & OFPFF.CHECK_OVERLAP) !== 0,
    resetCounts: (bits & OFPFF.RESET_COUNTS) !== 0,
    noPktCounts: (bits & OFPFF.NO_PKT_COUNTS) !== 0,
    noBytCounts: (bits & OFPFF.NO_BYT_COUNTS) !== 0,
  };
}
export function flagsToBits(f: FlowModFlags): number {
  return FLAG_BITS.reduce((a, [k, b]) => (f[k] ? a | b : a), 0);
}

export function readFlowMod(r: Reader, xid: number): FlowModMsg {
  const cookie = r.u64();
  const cookieMask = r.u64();
  const table = r.u8();
  const cmd = r.u8();
  const idleTimeout = r.u16();
  const hardTimeout = r.u16();
  const priority = r.u16();
  const bufferId = r.u32();
  const outPort = r.u32();
  const outGroup = r.u32();
  const bits = r.u16();
  r.skip(2);
  const command = FLOW_MOD_COMMANDS[cmd];
  if (command === undefined) r.fail(['FLOW_MOD_FAILED', OFPFMFC.BAD_COMMAND], `flow_mod command ${cmd}`);
  if (bits & ~ALL_FLAGS) r.fail(['FLOW_MOD_FAILED', OFPFMFC.BAD_FLAGS], `flow_mod flags 0x${bits.toString(16)}`);
  const isDelete = command === 'delete' || command === 'delete_strict';
  // OFPTT_ALL is for deletes only (OpenFlow 1.3 §7.3.4.1; OVS refuses it for add and modify alike).
  if (!isDelete && table === OFPTT_ALL) r.fail(['FLOW_MOD_FAILED', OFPFMFC.BAD_TABLE_ID], `${command} in table 255 (OFPTT_ALL)`);
  const match = readMatch(r);
  const { actions, instructions } = readInstructions(r, isDelete ? undefined : match, table);
  const flags = flagsFromBits(bits);
  const spec: FlowSpec = {
    table,
    priority,
    cookie: command !== 'add' && cookieMask !== 0n ? cookie & cookieMask : cookie,
    idleTimeout,
    hardTimeout,
    flags: { sendFlowRem: flags.sendFlowRem, checkOverlap: flags.checkOverlap },
    match,
    actions,
    instructions,
  };
  if (command !== 'add' && cookieMask !== 0n) spec.cookieMask = cookieMask;
  if (isDelete && outPort !== OFPP.ANY) spec.outPort = outPort;
  return { type: 'flow_mod', xid, command, spec, bufferId, outPort, outGroup, flags };
}

export function writeFlowMod(w: Writer, m: FlowModMsg): void {
  const s = m.spec;
  w.u64(s.cookie).u64(s.cookieMask ?? 0n).u8(s.table).u8(FLOW_MOD_COMMANDS.indexOf(m.command));
  w.u16(s.idleTimeout).u16(s.hardTimeout).u16(s.priority).u32(m.bufferId).u32(m.outPort).u32(m.outGroup);
  w.u16(flagsToBits(m.flags)).zeros(2);
  writeMatch(w, s.match);
  writeInstructions(w, s.actions, s.instructions);
}

/** One ofp_flow_stats (the reader holds exactly its bytes after the length). */
export function readFlowStats(r: Reader): FlowStatsEntry {
  const table = r.u8();
  r.skip(1);
  const durationSec = r.u32();
  const durationNsec = r.u32();
  const priority = r.u16();
  const idleTimeout = r.u16();
  const hardTimeout = r.u16();
  const bits = r.u16();
  r.skip(4);
  const cookie = r.u64();
  const packetCount = r.u64();
  const byteCount = r.u64();
  const match = readMatch(r);
  const { actions, instructions } = readInstructions(r);
  const flags = flagsFromBits(bits);
  const spec: FlowSpec = {
    table,
    priority,
    cookie,
    idleTimeout,
    hardTimeout,
    flags: { sendFlowRem: flags.sendFlowRem, checkOverlap: flags.checkOverlap },
    match,
    actions,
    instructions,
  };
  return { spec, flags, durationSec, durationNsec, packetCount, byteCount };
}

export function writeFlowStats(w: Writer, e: FlowStatsEntry): void {
  const s = e.spec;
  const start = w.length;
  w.u16(0).u8(s.table).zeros(1).u32(e.durationSec).u32(e.durationNsec);
  w.u16(s.priority).u16(s.idleTimeout).u16(s.hardTimeout).u16(flagsToBits(e.flags)).zeros(4);
  w.u64(s.cookie).u64(e.packetCount).u64(e.byteCount);
  writeMatch(w, s.match);
  writeInstructions(w, s.actions, s.instructions);
  w.patch16(start, w.length - start);
}
