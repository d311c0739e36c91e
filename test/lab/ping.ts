// ping for the lab: the options Lab.ping passes, and a parser for iputils ping output.

export interface PingOptions {
  /** Echo requests to send (default 3). */
  count?: number;
  /** Seconds between requests (default 0.2; below 0.2 needs root). */
  interval?: number;
  /** Seconds to wait for each reply (ping -W, default 1). */
  timeout?: number;
  /**
   * Seconds before ping gives up altogether (ping -w; note that with it ping sends
   * past `count` until `count` replies came). Not passed by default.
   */
  deadline?: number;
  /** ICMP payload bytes (ping -s). */
  size?: number;
  /** Source interface or address (ping -I). */
  iface?: string;
  /** Payload fill pattern, up to 16 hex bytes (ping -p); ping checks replies against it. */
  pattern?: string;
  /** The IP TOS byte of the requests (ping -Q), e.g. 0x28 for AF11. */
  tos?: number;
}

export interface PingResult {
  transmitted: number;
  received: number;
  /** Percent, as ping reports it. */
  loss: number;
  /** Round-trip times in ms, one per reply, in order. */
  rtts: number[];
  min: number;
  avg: number;
  max: number;
  /** Replies whose payload differed from what was sent ("wrong data byte"). */
  corrupted: number;
  code: number;
  output: string;
}

/** Parses iputils ping output. Missing summary values are NaN / 0. */
export function parsePing(output: string, code = 0): PingResult {
  const rtts = [...output.matchAll(/time[=<]([\d.]+) ms/g)].map((m) => Number(m[1]));
  const summary = /(\d+) packets transmitted, (\d+) (?:packets )?received.*?([\d.]+)% packet loss/.exec(output);
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/[\d.]+ ms/.exec(output);
  return {
    transmitted: summary ? Number(summary[1]) : 0,
    received: summary ? Number(summary[2]) : rtts.length,
    loss: summary ? Number(summary[3]) : 100,
    rtts,
    min: rtt ? Number(rtt[1]) : NaN,
    avg: rtt ? Number(rtt[2]) : NaN,
    max: rtt ? Number(rtt[3]) : NaN,
    corrupted: (output.match(/wrong data byte/g) ?? []).length,
    code,
    output,
  };
}
