// The packet-in rate limit of one connection, as Open vSwitch's controller_rate_limit
// and controller_burst_limit: a token bucket of `burst` packet-ins refilled at `rate`
// a second. A packet-in that finds the bucket empty is not sent and is counted
// (show prints the count). OVS's pinsched queues a little per port before dropping;
// here the datapath's upcall queue is that buffer, and the bucket only decides.

/** OVS's pinsched default burst: a quarter of the rate, at least 1 (the DB's minimum is 25). */
export function defaultBurst(rate: number): number {
  return Math.max(1, Math.floor(rate / 4));
}

export class PacketInLimiter {
  private tokens: number;
  private last: number;
  /** Packet-ins refused for want of a token. */
  dropped = 0;

  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes a token if there is one. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.rate) / 1000);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.dropped++;
    return false;
  }
}
