// The datapath's QoS commands: ingress policing per port and the meter table. Like
// every command, on the datapath thread between bursts; each checks first and
// throws before it changes anything.
#include <stdexcept>

#include "core/clock.h"
#include "dp/datapath.h"
#include "dp/stages/bare_forward.h"
#include "dp/stages/policer.h"

namespace nodeswitch {

// The policer goes first on the port's list — after the bench's bare-forward
// stage, which takes whole bursts — so that nothing runs for what it drops.
void Datapath::set_ingress_policing(uint16_t ofport, uint32_t rate_kbps, uint32_t burst_kbits) {
  PortSlot& port = require_port(ofport);
  if (rate_kbps && !burst_kbits) throw std::runtime_error("ingress policing needs a burst above 0");
  auto& ingress = port.ingress;
  auto it = ingress.begin();
  for (; it != ingress.end(); ++it) {
    if (dynamic_cast<Policer*>(it->get())) break;
  }
  if (rate_kbps == 0) {
    if (it != ingress.end()) ingress.erase(it);
    return;
  }
  if (it != ingress.end()) {
    static_cast<Policer*>(it->get())->reconfigure(rate_kbps, burst_kbits);
    return;
  }
  auto at = ingress.begin();
  if (at != ingress.end() && dynamic_cast<BareForward*>(at->get())) ++at;
  ingress.insert(at, std::make_unique<Policer>(rate_kbps, burst_kbits, now_ns()));
}

void Datapath::set_meter(const MeterConfig& config) {
  // A new meter takes a slot cached programs may resolve differently: drop them.
  if (meters_.set(config, now_ns())) pipeline_.flush_megaflows();
}

void Datapath::delete_meters(const std::vector<uint32_t>& ids) {
  bool changed = false;
  if (ids.empty()) {
    for (const MeterStats& m : meters_.stats()) changed |= meters_.remove(m.id);
  } else {
    for (uint32_t id : ids) changed |= meters_.remove(id);
  }
  if (changed) pipeline_.flush_megaflows();
}

}  // namespace nodeswitch
