// Counters: written only by the datapath thread, read by it too when a stats
// command asks; so they are plain integers, no atomics.
#pragma once

#include <cstdint>

namespace nodeswitch {

struct PortCounters {
  uint64_t rx_packets = 0, rx_bytes = 0, rx_dropped = 0, rx_errors = 0;
  uint64_t tx_packets = 0, tx_bytes = 0, tx_dropped = 0, tx_errors = 0;
  uint64_t link_downs = 0;
};

struct BridgeCounters {
  uint64_t lookups = 0;   // destination lookups in the MAC table
  uint64_t hits = 0;      // ... that found a port
  uint64_t learned = 0;   // new (MAC, VLAN) entries
  uint64_t moved = 0;     // entries whose port changed (station move)
  uint64_t flooded = 0;   // packets sent to every other port
  uint64_t evicted = 0;   // entries pushed out by the size limit
  uint64_t aged = 0;      // entries expired by mac-aging
  uint64_t drop_runt = 0;       // shorter than an Ethernet header (or a truncated tag)
  uint64_t drop_bad_src = 0;    // multicast or all-zero source MAC
  uint64_t drop_same_port = 0;  // destination learned on the ingress port
  uint64_t drop_port_down = 0;  // destination port is down
  uint64_t drop_no_port = 0;    // output to a port number the bridge does not have (or LOCAL, none yet)
  uint64_t parse_errors = 0;    // L3/L4 headers malformed (frame still switched at L2)
  uint64_t table_miss = 0;      // the pipeline ended on a lookup no flow matched: dropped
  uint64_t invalid_ttl = 0;     // dec_ttl on a TTL of 0 or 1: dropped
  uint64_t upcalls = 0;         // packets queued for the controller
  uint64_t upcall_drops = 0;    // ... and those refused: queue full or over the rate limit
};

}  // namespace nodeswitch
