/**
 * QUEUE_GET_CONFIG_REQUEST/REPLY (ovs-ofctl queue-get-config): a port's queues with
 * their min/max rates, in tenths of a percent of the port's speed (OpenFlow's unit).
 * Experimenter queue properties are skipped on decode.
 */
import { type Reader, type Writer } from './buf.js';
import { OFPBRC } from './constants.js';
import type { PacketQueue, QueueGetConfigReplyMsg, QueueGetConfigRequestMsg } from './messages.js';

export const OFPQT = { MIN_RATE: 1, MAX_RATE: 2, EXPERIMENTER: 0xffff } as const;
const PACKET_QUEUE_LEN = 16;
const RATE_PROP_LEN = 16;

export function readQueueGetConfigRequest(r: Reader, xid: number): QueueGetConfigRequestMsg {
  const port = r.u32();
  r.skip(4);
  return { type: 'queue_get_config_request', xid, port };
}

export function writeQueueGetConfigRequest(w: Writer, m: QueueGetConfigRequestMsg): void {
  w.u32(m.port).zeros(4);
}

function readQueue(r: Reader): PacketQueue {
  const queueId = r.u32();
  const port = r.u32();
  const len = r.u16();
  r.skip(6);
  if (len < PACKET_QUEUE_LEN) r.fail(['BAD_REQUEST', OFPBRC.BAD_LEN], `packet queue length ${len}`);
  const props = r.sub(len - PACKET_QUEUE_LEN, ['BAD_REQUEST', OFPBRC.BAD_LEN], 'queue properties');
  const q: PacketQueue = { queueId, port };
  while (props.remaining > 0) {
    const type = props.u16();
    const plen = props.u16();
    if (plen < 8 || plen % 8) props.fail(['BAD_REQUEST', OFPBRC.BAD_LEN], `queue property length ${plen}`);
    const body = props.sub(plen - 4, ['BAD_REQUEST', OFPBRC.BAD_LEN], 'queue property');
    body.skip(4);
    if (type === OFPQT.MIN_RATE || type === OFPQT.MAX_RATE) {
      if (plen !== RATE_PROP_LEN) body.fail(['BAD_REQUEST', OFPBRC.BAD_LEN], `rate property length ${plen}`);
      const rate = body.u16();
      body.skip(6);
      q[type === OFPQT.MIN_RATE ? 'minRate' : 'maxRate'] = rate;
    } else {
      body.rest();
    }
  }
  return q;
}

export function readQueueGetConfigReply(r: Reader, xid: number): QueueGetConfigReplyMsg {
  const port = r.u32();
  r.skip(4);
  const queues: PacketQueue[] = [];
  while (r.remaining > 0) queues.push(readQueue(r));
  return { type: 'queue_get_config_reply', xid, port, queues };
}

export function writeQueueGetConfigReply(w: Writer, m: QueueGetConfigReplyMsg): void {
  w.u32(m.port).zeros(4);
  for (const q of m.queues) {
    const rates = [
      [OFPQT.MIN_RATE, q.minRate],
      [OFPQT.MAX_RATE, q.maxRate],
    ].filter(([, v]) => v !== undefined) as [number, number][];
    w.u32(q.queueId).u32(q.port).u16(PACKET_QUEUE_LEN + RATE_PROP_LEN * rates.length).zeros(6);
    for (const [type, rate] of rates) w.u16(type).u16(RATE_PROP_LEN).zeros(4).u16(rate).zeros(6);
  }
}
