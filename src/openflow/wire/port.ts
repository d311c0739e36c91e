/** ofp_port (PORT_STATUS, PORT_DESC replies) and PORT_MOD. */
import type { Reader, Writer } from './buf.js';
import { OFPBRC } from './constants.js';
import type { OfPort, PortModMsg, PortReason, PortStatusMsg } from './messages.js';

export const OFP_PORT_LEN = 64;
export const OFP_MAX_PORT_NAME_LEN = 16;

export function readPort(r: Reader): OfPort {
  const portNo = r.u32();
  r.skip(4);
  const hwAddr = r.hex(6);
  r.skip(2);
  const name = r.str(OFP_MAX_PORT_NAME_LEN);
  const [config, state, curr, advertised, supported, peer, currSpeed, maxSpeed] = Array.from({ length: 8 }, () => r.u32());
  return { portNo, hwAddr, name, config: config!, state: state!, curr: curr!, advertised: advertised!, supported: supported!, peer: peer!, currSpeed: currSpeed!, maxSpeed: maxSpeed! };
}

export function writePort(w: Writer, p: OfPort): void {
  w.u32(p.portNo).zeros(4).hex(p.hwAddr, 6).zeros(2).str(p.name, OFP_MAX_PORT_NAME_LEN);
  for (const v of [p.config, p.state, p.curr, p.advertised, p.supported, p.peer, p.currSpeed, p.maxSpeed]) w.u32(v);
}

const REASONS: PortReason[] = ['add', 'delete', 'modify'];

export function readPortStatus(r: Reader, xid: number): PortStatusMsg {
  const n = r.u8();
  r.skip(7);
  const reason = REASONS[n];
  if (reason === undefined) r.fail(['BAD_REQUEST', OFPBRC.EPERM], `port status reason ${n}`);
  return { type: 'port_status', xid, reason, port: readPort(r) };
}

export function writePortStatus(w: Writer, m: PortStatusMsg): void {
  w.u8(REASONS.indexOf(m.reason)).zeros(7);
  writePort(w, m.port);
}

export function readPortMod(r: Reader, xid: number): PortModMsg {
  const portNo = r.u32();
  r.skip(4);
  const hwAddr = r.hex(6);
  r.skip(2);
  const config = r.u32();
  const mask = r.u32();
  const advertise = r.u32();
  r.skip(4);
  return { type: 'port_mod', xid, portNo, hwAddr, config, mask, advertise };
}

export function writePortMod(w: Writer, m: PortModMsg): void {
  w.u32(m.portNo).zeros(4).hex(m.hwAddr, 6).zeros(2).u32(m.config).u32(m.mask).u32(m.advertise).zeros(4);
}
