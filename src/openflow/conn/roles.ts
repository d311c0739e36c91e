// Controller roles of one bridge (OpenFlow 1.3 §6.3.5): every connection starts
// equal; at most one is master — a connection that becomes master makes the old one
// slave. A master or slave request carries a generation id: the switch keeps the
// largest seen, and one older than it (by the signed 64-bit distance, so ids may wrap)
// is refused with OFPRRFC_STALE. Equal and nochange requests do not look at it.
//
// Asynchronous messages by role (OpenFlow 1.3 §7.3.10's defaults, as OVS): master and
// equal get packet-ins for no_match and action (not invalid_ttl), every port-status and
// every flow-removed; a slave gets port-status only. SET_ASYNC replaces the masks of a
// connection; index 0 serves master and equal, index 1 slave.
import type { AsyncConfig, ControllerRole } from '../wire/index.js';

export type Role = Exclude<ControllerRole, 'nochange'>;

export function defaultAsyncConfig(): AsyncConfig {
  return { packetInMask: [0b011, 0], portStatusMask: [0b111, 0b111], flowRemovedMask: [0b1111, 0] };
}

/** What the arbiter needs of a connection. */
export interface RoleHolder {
  role: Role;
}

export type RoleOutcome = { ok: true; role: Role; generationId: bigint } | { ok: false; code: 'STALE' | 'BAD_ROLE' };

const signed64 = (x: bigint): bigint => BigInt.asIntN(64, x);

export class RoleArbiter {
  private generationId: bigint | undefined;
  private master: RoleHolder | undefined;

  /** The role request of `who`; on success its role is set (and an old master made slave). */
  request(who: RoleHolder, role: ControllerRole, generationId: bigint): RoleOutcome {
    if (role === 'master' || role === 'slave') {
      if (this.generationId !== undefined && signed64(generationId - this.generationId) < 0n) return { ok: false, code: 'STALE' };
      this.generationId = generationId;
    }
    if (role !== 'nochange') {
      if (role === 'master' && this.master !== who) {
        if (this.master) this.master.role = 'slave';
        this.master = who;
      } else if (role !== 'master' && this.master === who) {
        this.master = undefined;
      }
      who.role = role;
    }
    return { ok: true, role: who.role, generationId: this.generationId ?? 0n };
  }

  /** A connection that closed is master no more. */
  forget(who: RoleHolder): void {
    if (this.master === who) this.master = undefined;
  }
}
