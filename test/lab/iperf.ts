// iperf3 for the lab: the options Lab.iperf3 passes, and what it reads from the
// client's --json document.

export interface IperfOptions {
  /** Seconds of traffic (default 2). */
  time?: number;
  udp?: boolean;
  /** Target bitrate, iperf3 -b syntax (e.g. '100M'); UDP defaults to 1M otherwise. */
  bitrate?: string;
  /** TCP port (default 5201 + a per-lab offset). */
  port?: number;
  /** Client sends in reverse (server → client). */
  reverse?: boolean;
  /** Hard limit for the whole run (default time + 15 s). */
  timeoutMs?: number;
}

export interface IperfResult {
  /** Bytes the receiving side counted. */
  bytesReceived: number;
  /** Bytes the sending side counted. */
  bytesSent: number;
  bitsPerSecond: number;
  /** UDP only: datagrams lost / sent, as the receiver saw them. */
  lostPackets: number;
  packets: number;
  /** The client's --json document. */
  json: Record<string, unknown>;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

/** The numbers that matter from an iperf3 client's --json document. */
export function parseIperf(json: Record<string, unknown>, udp: boolean): IperfResult {
  const end = obj(json.end);
  if (udp) {
    const sum = obj(end.sum);
    const received = obj(end.sum_received);
    const sent = obj(end.sum_sent);
    const bytesSent = num(sent.bytes) || num(sum.bytes);
    const packets = num(sum.packets);
    const lost = num(sum.lost_packets);
    return {
      bytesSent,
      bytesReceived: num(received.bytes) || Math.max(0, bytesSent - (packets > 0 ? (bytesSent * lost) / packets : 0)),
      bitsPerSecond: num(received.bits_per_second) || num(sum.bits_per_second),
      lostPackets: lost,
      packets,
      json,
    };
  }
  const sent = obj(end.sum_sent);
  const received = obj(end.sum_received);
  return {
    bytesSent: num(sent.bytes),
    bytesReceived: num(received.bytes),
    bitsPerSecond: num(received.bits_per_second),
    lostPackets: 0,
    packets: 0,
    json,
  };
}
