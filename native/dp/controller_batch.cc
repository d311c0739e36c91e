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
      case ControllerStep::kPacketOut:
        try {
          dp.check_packet_out(s.frame, s.in_port);
        } catch (const std::exception& e) {
          refuse(i, e.what());
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
      case ControllerStep::kPacketOut:
        dp.packet_out(s.frame, s.in_port, s.actions);
        break;
    }
  }
}

}  // namespace nodeswitch
