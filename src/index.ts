export { Switch } from './switch.js';
export { Bridge } from './bridge.js';
export { NodeswitchError } from './errors.js';
export type * from './types.js';
export { OFPP_LOCAL } from './limits.js';
export type { PortVlan, PortVlanOptions, VlanMode } from './vlan.js';
export { PacketInBatch } from './packet-in-batch.js';
export type { PacketInStream, PacketInStreamOptions } from './packet-in-stream.js';
export type { ApplyResult, ControllerOp } from './controller-ops.js';
