/**
 * PACKET_OUT: the frame runs through its actions as if it came in on in_port
 * (a port, LOCAL, or CONTROLLER), through Bridge.apply — the controller batch path
 * (output:TABLE runs it through the tables). We buffer nothing, so buffer_id must be
 * NO_BUFFER and the frame must be in the message.
 */
import { OFPP } from '../../ofproto/values.js';
import { OFP_NO_BUFFER, type PacketOutMsg } from '../wire/index.js';
import { OfError, toOfError } from './errors.js';
import { checkAction } from './flow-mod.js';
import type { AgentContext } from './index.js';

export async function packetOut(msg: PacketOutMsg, ctx: AgentContext): Promise<void> {
  if (msg.bufferId !== OFP_NO_BUFFER) {
    throw new OfError('BAD_REQUEST', 'BUFFER_UNKNOWN', `buffer ${msg.bufferId} does not exist: the switch buffers no packets`);
  }
  if (msg.data.length < 14) throw new OfError('BAD_REQUEST', 'BAD_PACKET', `a packet-out needs a whole Ethernet frame, got ${msg.data.length} bytes`);
  // OFPP_ANY ("none", as OVS reads it) is the controller's own packet.
  const inPort = msg.inPort === OFPP.ANY ? OFPP.CONTROLLER : msg.inPort;
  if (inPort !== OFPP.CONTROLLER && !ctx.bridge.ports().some((p) => p.ofport === inPort)) {
    throw new OfError('BAD_REQUEST', 'BAD_PORT', `in_port ${inPort} is not a port of bridge ${ctx.bridge.name}`);
  }
  for (const a of msg.actions) checkAction(a, ctx, 'a packet-out');
  try {
    await ctx.bridge.apply([{ op: 'packetOut', data: msg.data, actions: msg.actions, inPort }]);
  } catch (err) {
    throw toOfError(err, 'packet_out');
  }
}
