// Ingress policing settings, with Open vSwitch's meanings (vswitch.xml, Interface
// table): ingress_policing_rate in kbit/s, 0 = no policing; ingress_policing_burst
// in kbit, 0 = the default, 8000 kbit (netdev-linux's, the tc police burst OVS
// installs). The datapath's token bucket is native/dp/stages/policer.h.
//
// No imports of the addon: the CLI and the DB loader check values with this too.
import type { Range } from '../limits.js';
import { checkInteger } from '../validate.js';

export interface IngressPolicing {
  /** kbit/s; 0: off. */
  rate: number;
  /** kbit; 0: DEFAULT_POLICING_BURST. */
  burst: number;
}

export const DEFAULT_POLICING_BURST = 8000;
/** Both settings are 32-bit in OVS's schema and in the datapath. */
export const POLICING_RATE: Range = { min: 0, max: 0xffffffff };
export const POLICING_BURST: Range = { min: 0, max: 0xffffffff };

/** The burst the datapath gets: the default when none is set. */
export function effectiveBurst(p: IngressPolicing): number {
  return p.rate === 0 ? 0 : p.burst || DEFAULT_POLICING_BURST;
}

/** Checks an API or socket value of either setting (a number, or a decimal string). */
export function checkPolicing(p: { rate?: unknown; burst?: unknown }): IngressPolicing {
  return {
    rate: p.rate === undefined ? 0 : checkPolicingValue(p.rate, 'ingress_policing_rate', POLICING_RATE),
    burst: p.burst === undefined ? 0 : checkPolicingValue(p.burst, 'ingress_policing_burst', POLICING_BURST),
  };
}

function checkPolicingValue(value: unknown, argument: string, range: Range): number {
  // "-5", "abc", 1.5: "ingress_policing_rate must be an integer from 0 to 4294967295, got "-5"".
  return checkInteger(value, argument, range);
}

/** How show prints a port's policing (only when it polices). */
export function formatPolicing(p: IngressPolicing): string[] {
  if (p.rate === 0) return [];
  return [`ingress_policing_rate: ${p.rate}`, `ingress_policing_burst: ${p.burst}`];
}
