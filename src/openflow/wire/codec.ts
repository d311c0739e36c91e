/**
 * The message table: for every OfMessage type its OFPT number, decoder and encoder,
 * and the header around them (version, type, length, xid).
 */
import { Reader, Writer } from './buf.js';
import * as basic from './basic.js';
import { OFP_HEADER_LEN, OFP_MAX_MSG_LEN, OFP_VERSION_1_3, OFPBRC, OFPT } from './constants.js';
import { OfDecodeError } from './errors.js';
import { readFlowMod, writeFlowMod } from './flow-mod.js';
import type { OfMessage, OfMessageOf, OfMessageType } from './messages.js';
import { readGroupMod, readMeterMod, readTableMod, writeGroupMod, writeMeterMod, writeTableMod } from './mods.js';
import { readMultipartReply, writeMultipartReply } from './multipart-reply.js';
import { readMultipartRequest, writeMultipartRequest } from './multipart-request.js';
import { readFlowRemoved, readPacketIn, readPacketOut, writeFlowRemoved, writePacketIn, writePacketOut } from './packet.js';
import { readPortMod, readPortStatus, writePortMod, writePortStatus } from './port.js';
import {
  readQueueGetConfigReply,
  readQueueGetConfigRequest,
  writeQueueGetConfigReply,
  writeQueueGetConfigRequest,
} from './queue-config.js';

interface Entry<T extends OfMessageType> {
  ofpt: number;
  read(r: Reader, xid: number, version: number): OfMessageOf<T>;
  write(w: Writer, m: OfMessageOf<T>): void;
}

const empty = <T extends OfMessageType>(type: T, ofpt: number): Entry<T> => ({
  ofpt,
  read: (_r, xid) => ({ type, xid }) as OfMessageOf<T>,
  write: () => {},
});

const MESSAGES: { [T in OfMessageType]: Entry<T> } = {
  hello: { ofpt: OFPT.HELLO, read: basic.readHello, write: basic.writeHello },
  error: { ofpt: OFPT.ERROR, read: basic.readError, write: basic.writeError },
  echo_request: {
    ofpt: OFPT.ECHO_REQUEST,
    read: (r, xid) => basic.readEcho(r, xid, 'echo_request'),
    write: (w, m) => void w.bytes(m.data),
  },
  echo_reply: {
    ofpt: OFPT.ECHO_REPLY,
    read: (r, xid) => basic.readEcho(r, xid, 'echo_reply'),
    write: (w, m) => void w.bytes(m.data),
  },
  experimenter: { ofpt: OFPT.EXPERIMENTER, read: basic.readExperimenterMsg, write: basic.writeExperimenterMsg },
  features_request: empty('features_request', OFPT.FEATURES_REQUEST),
  features_reply: { ofpt: OFPT.FEATURES_REPLY, read: basic.readFeaturesReply, write: basic.writeFeaturesReply },
  get_config_request: empty('get_config_request', OFPT.GET_CONFIG_REQUEST),
  get_config_reply: {
    ofpt: OFPT.GET_CONFIG_REPLY,
    read: (r, xid) => basic.readSwitchConfig(r, xid, 'get_config_reply'),
    write: basic.writeSwitchConfig,
  },
  set_config: {
    ofpt: OFPT.SET_CONFIG,
    read: (r, xid) => basic.readSwitchConfig(r, xid, 'set_config'),
    write: basic.writeSwitchConfig,
  },
  packet_in: { ofpt: OFPT.PACKET_IN, read: readPacketIn, write: writePacketIn },
  flow_removed: { ofpt: OFPT.FLOW_REMOVED, read: readFlowRemoved, write: writeFlowRemoved },
  port_status: { ofpt: OFPT.PORT_STATUS, read: readPortStatus, write: writePortStatus },
  packet_out: { ofpt: OFPT.PACKET_OUT, read: readPacketOut, write: writePacketOut },
  flow_mod: { ofpt: OFPT.FLOW_MOD, read: readFlowMod, write: writeFlowMod },
  group_mod: { ofpt: OFPT.GROUP_MOD, read: readGroupMod, write: writeGroupMod },
  port_mod: { ofpt: OFPT.PORT_MOD, read: readPortMod, write: writePortMod },
  table_mod: { ofpt: OFPT.TABLE_MOD, read: readTableMod, write: writeTableMod },
  multipart_request: { ofpt: OFPT.MULTIPART_REQUEST, read: readMultipartRequest, write: writeMultipartRequest },
  multipart_reply: { ofpt: OFPT.MULTIPART_REPLY, read: readMultipartReply, write: writeMultipartReply },
  barrier_request: empty('barrier_request', OFPT.BARRIER_REQUEST),
  barrier_reply: empty('barrier_reply', OFPT.BARRIER_REPLY),
  role_request: {
    ofpt: OFPT.ROLE_REQUEST,
    read: (r, xid) => basic.readRole(r, xid, 'role_request'),
    write: basic.writeRole,
  },
  role_reply: { ofpt: OFPT.ROLE_REPLY, read: (r, xid) => basic.readRole(r, xid, 'role_reply'), write: basic.writeRole },
  get_async_request: empty('get_async_request', OFPT.GET_ASYNC_REQUEST),
  get_async_reply: {
    ofpt: OFPT.GET_ASYNC_REPLY,
    read: (r, xid) => basic.readAsync(r, xid, 'get_async_reply'),
    write: basic.writeAsync,
  },
  set_async: { ofpt: OFPT.SET_ASYNC, read: (r, xid) => basic.readAsync(r, xid, 'set_async'), write: basic.writeAsync },
  meter_mod: { ofpt: OFPT.METER_MOD, read: readMeterMod, write: writeMeterMod },
  queue_get_config_request: {
    ofpt: OFPT.QUEUE_GET_CONFIG_REQUEST,
    read: readQueueGetConfigRequest,
    write: writeQueueGetConfigRequest,
  },
  queue_get_config_reply: { ofpt: OFPT.QUEUE_GET_CONFIG_REPLY, read: readQueueGetConfigReply, write: writeQueueGetConfigReply },
};

const BY_OFPT = new Map<number, Entry<OfMessageType>>(
  Object.values(MESSAGES).map((e) => [e.ofpt, e as unknown as Entry<OfMessageType>]),
);
const OFPT_NAMES = new Map<number, string>(Object.entries(OFPT).map(([k, v]) => [v, k]));

const BAD_LEN = ['BAD_REQUEST', OFPBRC.BAD_LEN] as const;

function decodeInner(buf: Buffer): OfMessage {
  const r = new Reader(buf, [...BAD_LEN]);
  if (buf.length < OFP_HEADER_LEN) r.fail([...BAD_LEN], `${buf.length} bytes is shorter than the header`);
  const version = r.u8();
  const type = r.u8();
  const length = r.u16();
  const xid = r.u32();
  if (length !== buf.length) {
    throw new OfDecodeError(...BAD_LEN, `header length ${length}, message ${buf.length} bytes`, xid, buf);
  }
  if (version !== OFP_VERSION_1_3 && type !== OFPT.HELLO) {
    throw new OfDecodeError('BAD_REQUEST', OFPBRC.BAD_VERSION, `version 0x${version.toString(16)} (we speak 0x04 only)`, xid, buf);
  }
  const entry = BY_OFPT.get(type);
  if (!entry) throw new OfDecodeError('BAD_REQUEST', OFPBRC.BAD_TYPE, `message type ${type}`, xid, buf);
  const msg = entry.read(r, xid, version);
  if (r.remaining) r.fail([...BAD_LEN], `${r.remaining} bytes after the ${OFPT_NAMES.get(type)} body`);
  return msg;
}

/** Decodes one whole message; throws OfDecodeError (only) when it is malformed. */
export function decodeMessage(buf: Buffer): OfMessage {
  try {
    return decodeInner(buf);
  } catch (e) {
    const xid = buf.length >= 8 ? buf.readUInt32BE(4) : 0;
    if (e instanceof OfDecodeError) {
      e.xid = xid;
      e.data = buf.subarray(0, 64);
      throw e;
    }
    // A decoder bug must not take the connection down: answer as for a bad request.
    const err = new OfDecodeError('BAD_REQUEST', OFPBRC.EPERM, `internal decode error: ${String(e)}`, xid, buf);
    err.internal = true;
    throw err;
  }
}

/** Encodes one message (the exact inverse of decodeMessage). Throws RangeError when it exceeds 64 KiB. */
export function encodeMessage(msg: OfMessage): Buffer {
  const entry = MESSAGES[msg.type] as unknown as Entry<OfMessageType>;
  const w = new Writer();
  w.u8(msg.type === 'hello' ? msg.version : OFP_VERSION_1_3).u8(entry.ofpt).u16(0).u32(msg.xid);
  entry.write(w, msg);
  if (w.length > OFP_MAX_MSG_LEN) throw new RangeError(`${msg.type} of ${w.length} bytes exceeds OpenFlow's 65535`);
  w.patch16(2, w.length);
  return w.finish();
}
