/**
 * METER_MOD, PORT_MOD and TABLE_MOD onto the Bridge.
 */
import { formatMeter, METER_ID_MAX, parseMeter } from '../../qos/meter-syntax.js';
import { type MeterModMsg, OFPM_ALL, OFPPC, type PortModMsg, OFPTC_DEPRECATED_MASK, type TableModMsg } from '../wire/index.js';
import { OfError, toOfError } from './errors.js';
import type { AgentContext } from './index.js';
import { adminDown, hasNetdev, hwAddr, setAdminDown } from './ports.js';

/**
 * METER_MOD: the spec goes through add-meter's own parser (formatMeter → parseMeter),
 * so the wire and the CLI take exactly the same meters; its errors map to OFPMMFC_*.
 * Deleting a meter deletes its flows (Bridge.delMeters); deleting one that does not
 * exist is no error, as in OVS.
 */
export async function meterMod(msg: MeterModMsg, ctx: AgentContext): Promise<void> {
  const id = msg.spec.id;
  if (msg.command === 'delete') {
    if (id !== OFPM_ALL && (id < 1 || id > METER_ID_MAX)) throw new OfError('METER_MOD_FAILED', 'INVALID_METER', `meter ${id} is not a meter id`);
    try {
      const gone = await ctx.bridge.delMeters(id === OFPM_ALL ? '' : `meter=${id}`);
      if (gone.meters) await ctx.changed('meters');
      if (gone.flows) await ctx.changed('flows');
    } catch (err) {
      throw toOfError(err, 'meter_mod');
    }
    return;
  }
  if (id < 1 || id > METER_ID_MAX) throw new OfError('METER_MOD_FAILED', 'INVALID_METER', `meter ${id} is not a meter id (1..${METER_ID_MAX})`);
  try {
    const spec = parseMeter(formatMeter(msg.spec));
    if (msg.command === 'add') await ctx.bridge.addMeter(spec);
    else await ctx.bridge.modMeter(spec);
  } catch (err) {
    throw toOfError(err, 'meter_mod');
  }
  await ctx.changed('meters');
}

/** The config bits a port may change here: PORT_DOWN only (NO_RECV, NO_FWD, NO_PACKET_IN are not in the datapath). */
const SUPPORTED_CONFIG = OFPPC.PORT_DOWN;

/**
 * PORT_MOD: the port must exist and hw_addr must be its address (OFPPMFC_BAD_PORT,
 * BAD_HW_ADDR). PORT_DOWN brings its netdev down or up, as OVS does; a port without
 * a netdev (mem, pcap, bond) cannot go down: BAD_CONFIG, as for the config bits the
 * datapath does not have. advertise must be 0 ("unchanged"): no device here
 * negotiates (BAD_ADVERTISE).
 */
export async function portMod(msg: PortModMsg, ctx: AgentContext): Promise<void> {
  const port = ctx.bridge.ports().find((p) => p.ofport === msg.portNo);
  if (!port) throw new OfError('PORT_MOD_FAILED', 'BAD_PORT', `bridge ${ctx.bridge.name} has no port ${msg.portNo}`);
  if (msg.hwAddr.toLowerCase() !== hwAddr(port)) {
    throw new OfError('PORT_MOD_FAILED', 'BAD_HW_ADDR', `port ${port.name}'s address is ${hwAddr(port)}, not ${msg.hwAddr}`);
  }
  // Bits asked to become 1 that we cannot set (clearing what is never set is fine).
  const unsupported = msg.mask & msg.config & ~SUPPORTED_CONFIG;
  if (unsupported) throw new OfError('PORT_MOD_FAILED', 'BAD_CONFIG', `port config 0x${unsupported.toString(16)} is not supported (only PORT_DOWN)`);
  if (msg.advertise !== 0) throw new OfError('PORT_MOD_FAILED', 'BAD_ADVERTISE', `port ${port.name} advertises nothing: advertise must be 0`);
  if (!(msg.mask & OFPPC.PORT_DOWN)) return;
  const down = (msg.config & OFPPC.PORT_DOWN) !== 0;
  if (down === adminDown(port)) return;
  if (!hasNetdev(port)) throw new OfError('PORT_MOD_FAILED', 'BAD_CONFIG', `port ${port.name} is a ${port.type} port: it has no netdev to bring down`);
  try {
    if (!setAdminDown(port, down)) throw new Error(`netdev ${port.name} is not in this network namespace`);
  } catch (err) {
    throw new OfError('PORT_MOD_FAILED', 'EPERM', `cannot bring ${port.name} ${down ? 'down' : 'up'}: ${(err as Error).message}`);
  }
  // The datapath hears of it through its link monitor; wait until it has, so that what
  // follows (a barrier, port stats) sees the port as it now is.
  for (let i = 0; i < 100; i++) {
    const s = (await ctx.bridge.portStats(port.name))[0];
    if (!s || s.up !== down || port.type !== 'afpacket') break;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** TABLE_MOD: OpenFlow 1.3 deprecates the table config; 0 and the deprecated bits are accepted, as OVS does. */
export function tableMod(msg: TableModMsg): void {
  if (msg.config & ~OFPTC_DEPRECATED_MASK) {
    throw new OfError('TABLE_MOD_FAILED', 'BAD_CONFIG', `table config 0x${msg.config.toString(16)} has bits OpenFlow 1.3 does not define`);
  }
}
