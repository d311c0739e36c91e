#include "dp/controller_batch.h"

#include <stdexcept>
#include <string>
#include <unordered_set>

#include "dp/datapath.h"

namespace nodeswitch {

namespace {

[[noreturn]] void refuse(size_t step, const std::string& why) {
  throw std::runtime_error("step " + std::to_string(step) + ": " + why);
}

// Every step against the tables as the earlier steps leave them.
void check(Datapath& dp, const std::vector<ControllerStep>& steps) {
  std::unordered_set<uint32_t> added, removed;
  auto exists = [&](uint32_t id) { return added.count(id) || (!removed.count(id) && dp.flows().find(id)); };
  for (size_t i = 0; i < steps.size(); i++) {
    const ControllerStep& s = steps[i];
    switch (s.kind) {
      case ControllerStep::kInstall:
        for (const auto& f : s.flows) {
          if (exists(f->id)) refuse(i, "a flow with id " + std::to_string(f->id) + " is installed already");
          added.insert(f->id);
        }
        break;
      case ControllerStep::kRemove:
        for (uint32_t id : s.ids) {
          if (!exists(id)) refuse(i, "no flow with id " + std::to_string(id));
          added.erase(id);
          removed.insert(id);
        }
        break;
      case ControllerStep::kSetActions:
        for (const auto& f : s.flows) {
          if (!exists(f->id)) refuse(i, "no flow with id " + std::to_string(f->id));
        }
        break;
      case ControllerStep::kPacketOuts:
        for (size_t k = 0; k < s.outs.size(); k++) {
          const uint32_t* r = s.outs.record(k);
          if (size_t(r[kOutOffset]) + r[kOutLength] > s.outs.frames.size())
            refuse(i, "a packet-out's frame is outside the step's bytes");
          if (r[kOutActions] >= s.outs.action_lists.size()) refuse(i, "a packet-out names an action list that is not there");
          try {
            dp.check_packet_out(s.outs.frames.data() + r[kOutOffset], r[kOutLength], r[kOutInPort]);
          } catch (const std::exception& e) {
            refuse(i, "packet-out " + std::to_string(k) + ": " + e.what());
          }
        }
        break;
    }
  }
}

}  // namespace

void apply_controller_batch(Datapath& dp, std::vector<ControllerStep>& steps) {
  check(dp, steps);
  for (ControllerStep& s : steps) {
    switch (s.kind) {
      case ControllerStep::kInstall:
        for (auto& f : s.flows) dp.flows().install(std::move(f));
        break;
      case ControllerStep::kRemove:
        for (uint32_t id : s.ids) dp.flows().remove(id);
        break;
      case ControllerStep::kSetActions:
        for (auto& f : s.flows) dp.flows().set_actions(f->id, std::move(*f));
        break;
      case ControllerStep::kPacketOuts:
        for (size_t k = 0; k < s.outs.size(); k++) {
          const uint32_t* r = s.outs.record(k);
          dp.packet_out(s.outs.frames.data() + r[kOutOffset], r[kOutLength], r[kOutInPort], s.outs.action_lists[r[kOutActions]]);
        }
        break;
    }
  }
}

}  // namespace nodeswitch
