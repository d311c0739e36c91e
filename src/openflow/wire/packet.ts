/**
 * PACKET_IN, FLOW_REMOVED, PACKET_OUT.
 *
 * PACKET_IN: we never buffer (buffer_id OFP_NO_BUFFER): `data` holds the packet, cut
 * to max_len/miss_send_len by the sender; the match carries in_port (and metadata
 * when set), OXM as the spec wants.
 */
import { type Reader, type Writer } from './buf.js';
import { OFPBRC } from './constants.js';
import type { FlowRemovedMsg, FlowRemovedReason, PacketInMsg, PacketInReason, PacketOutMsg } from './messages.js';
import { readMatch, writeMatch } from './oxm.js';
import { readActions, writeActions } from './actions.js';

const PACKET_IN_REASONS: PacketInReason[] = ['no_match', 'action', 'invalid_ttl'];
const FLOW_REMOVED_REASONS: FlowRemovedReason[] = ['idle_timeout', 'hard_timeout', 'delete', 'group_delete'];

function reason<T>(r: Reader, table: T[], n: number, what: string): T {
  const v = table[n];
  if (v === undefined) r.fail(['BAD_REQUEST', OFPBRC.EPERM], `${what} reason ${n}`);
  return v;
}

export function readPacketIn(r: Reader, xid: number): PacketInMsg {
  const bufferId = r.u32();
  const totalLen = r.u16();
  const why = reason(r, PACKET_IN_REASONS, r.u8(), 'packet-in');
  const tableId = r.u8();
  const cookie = r.u64();
  const match = readMatch(r);
  r.skip(2);
  return { type: 'packet_in', xid, bufferId, totalLen, reason: why, tableId, cookie, match, data: Buffer.from(r.rest()) };
}

export function writePacketIn(w: Writer, m: PacketInMsg): void {
  w.u32(m.bufferId).u16(m.totalLen).u8(PACKET_IN_REASONS.indexOf(m.reason)).u8(m.tableId).u64(m.cookie);
  writeMatch(w, m.match);
  w.zeros(2).bytes(m.data);
}

export function readFlowRemoved(r: Reader, xid: number): FlowRemovedMsg {
  const cookie = r.u64();
  const priority = r.u16();
  const why = reason(r, FLOW_REMOVED_REASONS, r.u8(), 'flow-removed');
  const tableId = r.u8();
  const durationSec = r.u32();
  const durationNsec = r.u32();
  const idleTimeout = r.u16();
  const hardTimeout = r.u16();
  const packetCount = r.u64();
  const byteCount = r.u64();
  const match = readMatch(r);
  return {
    type: 'flow_removed', xid, cookie, priority, reason: why, tableId, durationSec, durationNsec,
    idleTimeout, hardTimeout, packetCount, byteCount, match,
  };
}

export function writeFlowRemoved(w: Writer, m: FlowRemovedMsg): void {
  w.u64(m.cookie).u16(m.priority).u8(FLOW_REMOVED_REASONS.indexOf(m.reason)).u8(m.tableId);
  w.u32(m.durationSec).u32(m.durationNsec).u16(m.idleTimeout).u16(m.hardTimeout).u64(m.packetCount).u64(m.byteCount);
  writeMatch(w, m.match);
}

export function readPacketOut(r: Reader, xid: number): PacketOutMsg {
  const bufferId = r.u32();
  const inPort = r.u32();
  const actionsLen = r.u16();
  r.skip(6);
  const actions = readActions(r.sub(actionsLen, ['BAD_REQUEST', OFPBRC.BAD_LEN], 'packet-out actions'));
  return { type: 'packet_out', xid, bufferId, inPort, actions, data: Buffer.from(r.rest()) };
}

export function writePacketOut(w: Writer, m: PacketOutMsg): void {
  w.u32(m.bufferId).u32(m.inPort);
  const at = w.length;
  w.u16(0).zeros(6);
  writeActions(w, m.actions);
  w.patch16(at, w.length - at - 8);
  w.bytes(m.data);
}
