// The ranges the switch takes, defined once. The CLI checks them before it sends
// anything, the daemon again for the socket, the DB loader for a hand-edited file and
// bridge.ts for the API — all with these numbers, and all saying them the same way
// (validate.ts: "X must be an integer from MIN to MAX").
//
// No imports: loading this must never load the native addon.

/** OpenFlow reserves 0xff00 and up for special ports (OFPP_LOCAL, …); OVS allocates below. */
export const MAX_OFPORT = 0xfeff;
export const MAX_VLAN = 4095;
/** OpenFlow 1.3's OFPP_LOCAL, the bridge's own port (addon.constants.ofpp.local, checked equal by test/native/constants.test.ts). */
export const OFPP_LOCAL = 0xfffffffe;

export interface Range {
  min: number;
  max: number;
}

export const OFPORT: Range = { min: 1, max: MAX_OFPORT };
/** How a datapath thread waits (native/dp/poll_mode.h; addon.constants.datapathPoll, checked equal by test/native/constants.test.ts). */
export const DATAPATH_POLL_MODES = ['adaptive', 'busy', 'interrupt'] as const;
export const VLAN_ID: Range = { min: 0, max: MAX_VLAN };
/** A tag or a trunked VLAN: 0 is "untagged" and 4095 reserved, as ovs-vsctl refuses them. */
export const VLAN_TAG: Range = { min: 1, max: 4094 };
/** A port's vlan_mode (native/dp/vlan.h; addon.constants.vlanModes, checked equal by test/native/constants.test.ts). */
export const VLAN_MODES = ['trunk', 'access', 'native-tagged', 'native-untagged'] as const;
/** Seconds a learned MAC is kept without being seen (11.5 days at most). */
export const MAC_AGING: Range = { min: 1, max: 1_000_000 };
/** MAC table entries; the datapath allocates them all up front, so the bound is memory (~40 MB). */
export const MAC_TABLE_SIZE: Range = { min: 1, max: 1 << 20 };
/** Frame counts and the like: any positive integer a JSON number holds exactly. */
export const COUNT: Range = { min: 1, max: Number.MAX_SAFE_INTEGER };
/** inject --loop: passes over the trace. */
export const INJECT_LOOP: Range = { min: 1, max: 1_000_000 };
/** inject --pps / --multiplier at most (beyond this, --topspeed is what is meant). */
export const MAX_INJECT_RATE = 1e9;

// The megaflow cache's settings (Bridge.setCacheConfig; native/dp/pipeline.h).
export const MEGAFLOW_LIMIT: Range = { min: 0, max: 1 << 24 };
export const MEGAFLOW_MAX_IDLE_MS: Range = { min: 1, max: 86_400_000 };
export const MEGAFLOW_MAX_MASKS: Range = { min: 1, max: 4096 };
export const EXACT_INSERT_INV_PROB: Range = { min: 1, max: 1 << 20 };
export const PREFIX_GRANULARITY: Range = { min: 1, max: 32 };
/** Egress queues of a shaped port: ids 0..MAX_QUEUES-1 (native/dp/stages/shaper.h kMaxQueues; checked equal by test/native/constants.test.ts). */
export const MAX_QUEUES = 8;
export const QUEUE_ID: Range = { min: 0, max: MAX_QUEUES - 1 };
/** A shaping rate, bit/s: 1 bit/s to 100 Gbit/s. */
export const QOS_RATE: Range = { min: 1, max: 100_000_000_000 };
export const QUEUE_PRIORITY: Range = { min: 0, max: 0xffffffff };
