/**
 * The small fixed messages: HELLO (version bitmap), ERROR (experimenter errors too),
 * ECHO, EXPERIMENTER, FEATURES_REPLY, GET_CONFIG_REPLY/SET_CONFIG, ROLE_REQUEST/REPLY,
 * GET_ASYNC_REPLY/SET_ASYNC, and the header-only ones.
 */
import type { Reader, Writer } from './buf.js';
import { OFPET, type OfErrorType, OFPRRFC } from './constants.js';
import type {
  AsyncMsg,
  ControllerRole,
  EchoMsg,
  ErrorMsg,
  ExperimenterMsg,
  FeaturesReplyMsg,
  HelloMsg,
  RoleMsg,
  SwitchConfigMsg,
} from './messages.js';

export const OFPHET_VERSIONBITMAP = 1;

/**
 * HELLO of any version. The elements are read leniently, as OVS does: an unknown
 * element is skipped, a malformed one ends the list (the header's version stands).
 */
export function readHello(r: Reader, xid: number, version: number): HelloMsg {
  const msg: HelloMsg = { type: 'hello', xid, version };
  while (r.remaining >= 4) {
    const type = r.u16();
    const len = r.u16();
    if (len < 4 || len - 4 > r.remaining) break;
    const body = r.bytes(len - 4);
    r.skip(Math.min(r.remaining, (8 - (len % 8)) % 8));
    if (type !== OFPHET_VERSIONBITMAP || body.length % 4) continue;
    const versions: number[] = [];
    for (let i = 0; i < body.length / 4; i++) {
      const word = body.readUInt32BE(i * 4);
      for (let bit = 0; bit < 32; bit++) if (word & (1 << bit)) versions.push(i * 32 + bit);
    }
    msg.versions = versions;
  }
  r.rest();
  return msg;
}

export function writeHello(w: Writer, m: HelloMsg): void {
  if (!m.versions) return;
  const words = Math.max(1, Math.floor(Math.max(0, ...m.versions) / 32) + 1);
  const start = w.length;
  w.u16(OFPHET_VERSIONBITMAP).u16(4 + 4 * words);
  for (let i = 0; i < words; i++) {
    let word = 0;
    for (const v of m.versions) if (v >= i * 32 && v < i * 32 + 32) word |= 1 << (v - i * 32);
    w.u32(word >>> 0);
  }
  w.pad(start);
}

/** The highest version both sides speak, given the peer's hello (OpenFlow 1.3 §6.3.1), or undefined. */
export function negotiateVersion(peer: HelloMsg, ours: readonly number[]): number | undefined {
  const theirs = peer.versions ?? Array.from({ length: peer.version + 1 }, (_, i) => i);
  const common = ours.filter((v) => theirs.includes(v));
  return common.length ? Math.max(...common) : undefined;
}

const ERROR_NAMES = new Map<number, OfErrorType>(Object.entries(OFPET).map(([k, v]) => [v, k as OfErrorType]));

export function readError(r: Reader, xid: number): ErrorMsg {
  const t = r.u16('error type');
  const code = r.u16('error code');
  const errType = ERROR_NAMES.get(t) ?? t;
  if (errType === 'EXPERIMENTER') {
    const experimenter = r.u32('error experimenter');
    return { type: 'error', xid, errType, code, experimenter, data: Buffer.from(r.rest()) };
  }
  return { type: 'error', xid, errType, code, data: Buffer.from(r.rest()) };
}

export function writeError(w: Writer, m: ErrorMsg): void {
  w.u16(typeof m.errType === 'number' ? m.errType : OFPET[m.errType]).u16(m.code);
  if (m.errType === 'EXPERIMENTER') w.u32(m.experimenter ?? 0);
  w.bytes(m.data);
}

export function readEcho(r: Reader, xid: number, type: EchoMsg['type']): EchoMsg {
  return { type, xid, data: Buffer.from(r.rest()) };
}

export function readExperimenterMsg(r: Reader, xid: number): ExperimenterMsg {
  const experimenter = r.u32();
  const expType = r.u32();
  return { type: 'experimenter', xid, experimenter, expType, data: Buffer.from(r.rest()) };
}

export function writeExperimenterMsg(w: Writer, m: ExperimenterMsg): void {
  w.u32(m.experimenter).u32(m.expType).bytes(m.data);
}

export function readFeaturesReply(r: Reader, xid: number): FeaturesReplyMsg {
  const datapathId = r.u64();
  const nBuffers = r.u32();
  const nTables = r.u8();
  const auxiliaryId = r.u8();
  r.skip(2);
  const capabilities = r.u32();
  r.skip(4); // reserved
  return { type: 'features_reply', xid, datapathId, nBuffers, nTables, auxiliaryId, capabilities };
}

export function writeFeaturesReply(w: Writer, m: FeaturesReplyMsg): void {
  w.u64(m.datapathId).u32(m.nBuffers).u8(m.nTables).u8(m.auxiliaryId).zeros(2).u32(m.capabilities).zeros(4);
}

export function readSwitchConfig(r: Reader, xid: number, type: SwitchConfigMsg['type']): SwitchConfigMsg {
  const flags = r.u16();
  const missSendLen = r.u16();
  return { type, xid, flags, missSendLen };
}

export function writeSwitchConfig(w: Writer, m: SwitchConfigMsg): void {
  w.u16(m.flags).u16(m.missSendLen);
}

export const ROLES: ControllerRole[] = ['nochange', 'equal', 'master', 'slave'];

export function readRole(r: Reader, xid: number, type: RoleMsg['type']): RoleMsg {
  const n = r.u32();
  r.skip(4);
  const generationId = r.u64();
  const role = ROLES[n];
  if (role === undefined) r.fail(['ROLE_REQUEST_FAILED', OFPRRFC.BAD_ROLE], `role ${n}`);
  return { type, xid, role, generationId };
}

export function writeRole(w: Writer, m: RoleMsg): void {
  w.u32(ROLES.indexOf(m.role)).zeros(4).u64(m.generationId);
}

export function readAsync(r: Reader, xid: number, type: AsyncMsg['type']): AsyncMsg {
  const pair = (): [number, number] => [r.u32(), r.u32()];
  return { type, xid, packetInMask: pair(), portStatusMask: pair(), flowRemovedMask: pair() };
}

export function writeAsync(w: Writer, m: AsyncMsg): void {
  for (const [a, b] of [m.packetInMask, m.portStatusMask, m.flowRemovedMask]) w.u32(a).u32(b);
}
