// Counters: written only by the datapath thread, read by it too when a stats
// command asks; so they are plain integers, no atomics.
//
// Each struct is generated from one X-macro list, X(field, jsName): the field here,
// the key of the stats object the addon builds (addon/constants_js.cc and the stats
// commands), and the order TypeScript sees in addon.constants.counters. Adding a
// counter is one line in a list; test/native/constants.test.ts checks the TS view.
// Comments use /* */: a // comment would swallow the line continuation.
#pragma once

#include <cstdint>

namespace nodeswitch {

#define NS_PORT_COUNTERS(X)                                                                      \
  X(rx_packets, rxPackets)                                                                       \
  X(rx_bytes, rxBytes)                                                                           \
  X(rx_dropped, rxDropped) /* lost before the switch saw them: ring overruns, snapped records */ \
  X(rx_errors, rxErrors)   /* runts, unreadable or oversize frames */                            \
  X(tx_packets, txPackets)                                                                       \
  X(tx_bytes, txBytes)                                                                           \
  X(tx_dropped, txDropped) /* no room in the device, or the device is down */                    \
  X(tx_errors, txErrors)   /* failed sends and writes; super-frames that did not segment */      \
  X(rx_policed, rxPoliced) /* dropped by ingress policing, over the rate (stages/policer.h) */   \
  X(link_downs, linkDowns) /* times the netdev went down or away under the switch */

#define NS_BRIDGE_COUNTERS(X)                                                                                 \
  X(lookups, lookups)             /* destination lookups in the MAC table */                                  \
  X(hits, hits)                   /* ... that found a port */                                                 \
  X(learned, learned)             /* new (MAC, VLAN) entries */                                               \
  X(moved, moved)                 /* entries whose port changed (station move) */                             \
  X(flooded, flooded)             /* packets sent to every other port */                                      \
  X(evicted, evicted)             /* entries pushed out by the size limit */                                  \
  X(aged, aged)                   /* entries expired by mac-aging */                                          \
  X(drop_runt, dropRunt)          /* shorter than an Ethernet header (or a truncated tag) */                  \
  X(drop_bad_src, dropBadSrc)     /* multicast or all-zero source MAC */                                      \
  X(drop_same_port, dropSamePort) /* destination learned on the ingress port */                               \
  X(drop_port_down, dropPortDown) /* destination port is down */                                              \
  X(drop_no_port, dropNoPort)     /* output to a port number the bridge does not have (or LOCAL, none yet) */ \
  X(drop_vlan, dropVlan)          /* NORMAL: a VLAN the port does not carry (tag, trunks, vlan_mode) */       \
  X(parse_errors, parseErrors)    /* L3/L4 headers malformed (frame still switched at L2) */                  \
  X(table_miss, tableMiss)        /* the pipeline ended on a lookup no flow matched: dropped */               \
  X(invalid_ttl, invalidTtl)      /* dec_ttl on a TTL of 0 or 1: dropped */                                   \
  X(upcalls, upcalls)             /* packets queued for the controller */                                     \
  X(upcall_drops, upcallDrops)    /* ... and those refused: queue full or over the rate limit */              \
  X(poll_spins, pollSpins)        /* idle rounds the thread polled on instead of sleeping */                  \
  X(poll_sleeps, pollSleeps)      /* times it went to sleep for want of input (dp/poll_mode.h) */

// The caches in front of the OpenFlow tables (dp/pipeline.h); `megaflows` and
// `megaflow_masks` are gauges, filled in when the stats are read.
#define NS_CACHE_COUNTERS(X)                                                                            \
  X(exact_hits, cacheHits)       /* exact-match cache hits (and packets of the microflow before) */     \
  X(exact_misses, cacheMisses)   /* ... and the packets that went past it */                            \
  X(megaflow_hits, megaflowHits) /* packets a megaflow served */                                        \
  X(megaflow_misses, megaflowMisses)                                                                    \
  X(translations, translations) /* packets run through the OpenFlow tables */                           \
  X(megaflows_added, megaflowsAdded)                                                                    \
  X(megaflows_expired, megaflowsExpired)         /* idle for max-idle */                                \
  X(megaflows_revalidated, megaflowsRevalidated) /* dropped because a table change could affect them */ \
  X(megaflows_kept, megaflowsKept)               /* ... and those a change could not affect */          \
  X(megaflows, megaflows)                                                                               \
  X(megaflow_masks, megaflowMasks) /* distinct masks: the megaflow classifier's subtables */

#define NS_COUNTER_FIELD(field, js) uint64_t field = 0;

struct PortCounters {
  NS_PORT_COUNTERS(NS_COUNTER_FIELD)
};

struct BridgeCounters {
  NS_BRIDGE_COUNTERS(NS_COUNTER_FIELD)
};

struct CacheCounters {
  NS_CACHE_COUNTERS(NS_COUNTER_FIELD)
};

#undef NS_COUNTER_FIELD

}  // namespace nodeswitch
