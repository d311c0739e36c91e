// Egress shaping on the datapath (set-qos, dump-queues): the commands that give a
// port a shaper or take it away, and the wait loop's part — sending what shaped
// ports have due between bursts (stages/shaper.h says how a shaper paces).
#include <algorithm>

#include "core/clock.h"
#include "dp/datapath.h"

namespace nodeswitch {

void Datapath::set_qos(uint16_t ofport, const ShaperConfig* config) {
  uint16_t slot = ports_.require(ofport);
  PortSlot& port = ports_[slot];
  if (!config) {
    port.shaper.reset();  // what it held goes with it, as `tc qdisc del` drops a backlog
    shaped_.erase(std::remove(shaped_.begin(), shaped_.end(), slot), shaped_.end());
    return;
  }
  if (port.shaper) port.shaper->configure(*config, now_ns());
  else port.shaper = std::make_unique<Shaper>(*config, now_ns());
  if (std::find(shaped_.begin(), shaped_.end(), slot) == shaped_.end()) shaped_.push_back(slot);
}

std::vector<PortQueueSnapshot> Datapath::queue_stats() const {
  std::vector<PortQueueSnapshot> out;
  for (uint16_t s : ports_.active()) {
    const PortSlot& port = ports_[s];
    if (!port.shaper) continue;
    const uint64_t max_rate = port.shaper->max_rate();
    port.shaper->for_each_queue([&](const QueueSnapshot& q) { out.push_back({port.ofport, max_rate, q}); });
  }
  return out;
}

uint64_t Datapath::service_shapers() {
  const uint64_t now = now_ns();
  uint64_t next = ~0ull;
  for (size_t i = 0; i < shaped_.size();) {
    uint16_t slot = shaped_[i];
    if (!ports_.has(slot) || !ports_[slot].shaper) {
      // The port went (delete_port): its slot may be someone else's by now.
      shaped_[i] = shaped_.back();
      shaped_.pop_back();
      continue;
    }
    PortSlot& port = ports_[slot];
    i++;
    if (!port.usable()) continue;  // down: what it holds waits for the link
    if (port.shaper->next_departure_ns() <= now) loop_.service_shaper(port);
    next = std::min(next, port.shaper->next_departure_ns());
  }
  return next == ~0ull ? next : next > now ? next - now : 0;
}

}  // namespace nodeswitch
