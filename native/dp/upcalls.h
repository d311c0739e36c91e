// Upcalls: packets a CONTROLLER action sends up to TypeScript (OpenFlow
// packet-in), through a bounded queue with a rate limit. The burst loop gathers a
// burst's upcalls here without a lock (send), then publishes them to the Outbox
// in one locked append after the burst (publish); what does not fit under the
// queue bound or the per-second budget is dropped and counted (upcall_drops),
// never buffered without bound.
//
// Offline replay sends them to a pcap file instead (to_file): nothing is
// rate-limited or dropped there, and the frames keep their input records' times.
#pragma once

#include <cstdint>

#include "core/counters.h"
#include "core/packet.h"
#include "dp/of_action.h"
#include "dp/outbox.h"
#include "parse/flow_key.h"
#include "pcap/pcap_writer.h"

namespace nodeswitch {

class Upcalls {
 public:
  Upcalls(Outbox& outbox, BridgeCounters& counters) : outbox_(outbox), counters_(counters) {}

  // Burst loop: `p` goes up as the controller op `op` (max_len, reason, table,
  // cookie) says, if the limits allow. `key` is the packet's key (its in_port).
  void send(const Packet* p, const FlowKey& key, const OfAction& op);
  // Burst loop, after each burst: hands what the burst gathered to JS.
  void publish() {
    if (!burst_.empty()) publish_burst();
  }
  // Once a second: a new budget.
  void refill() { tokens_ = rate_; }
  void set_limits(uint32_t queue, uint32_t rate_per_second);
  // Replay: the controller is `file` (null: back to JS); each frame is stamped
  // with its input record's time.
  void to_file(PcapWriter* file) { file_ = file; }

 private:
  void publish_burst();

  Outbox& outbox_;
  BridgeCounters& counters_;
  UpcallBatch burst_;  // this burst's, gathered without a lock (capacity kept)
  uint32_t queue_max_ = 1024;
  uint32_t rate_ = 10000;    // per second
  uint32_t tokens_ = 10000;  // refilled each second
  PcapWriter* file_ = nullptr;
};

}  // namespace nodeswitch
