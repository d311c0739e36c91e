// One controller batch (Bridge.apply): flow-mods and packet-outs in one command,
// run in order. The flow-mods are atomic: every step is checked first against the
// tables as the steps before it will leave them — ids there or not, packet-outs'
// frames and ingress ports — and only then does anything run, so a bad step throws
// with nothing changed. A packet-out sees the flow-mods before it (output:TABLE
// runs through them; the pipeline revalidates its caches first) and not those after.
//
// The flow-mods arrive already decided by TypeScript (src/ofproto/flow-mod-plan.ts):
// plain installs, removals and action replacements by flow id, as the single-verb
// commands take them.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dp/flow_table.h"
#include "dp/of_action.h"

namespace nodeswitch {

class Datapath;

struct ControllerStep {
  enum Kind : uint8_t { kInstall, kRemove, kSetActions, kPacketOut } kind;
  std::vector<std::unique_ptr<FlowEntry>> flows;  // kInstall, kSetActions
  std::vector<uint32_t> ids;                      // kRemove
  std::vector<uint8_t> frame;                     // kPacketOut
  uint32_t in_port = 0;                           // kPacketOut: an ofport or OFPP_CONTROLLER
  std::vector<OfAction> actions;                  // kPacketOut
};

// Datapath thread. Throws std::runtime_error, naming the step, before any change.
void apply_controller_batch(Datapath& dp, std::vector<ControllerStep>& steps);

}  // namespace nodeswitch
