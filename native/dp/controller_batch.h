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

// A packet-out record's u32 fields, in order: X(field, jsName). Exported to
// TypeScript as constants.packetOutFields (src/controller-steps.ts writes them).
#define NS_PACKET_OUT_FIELDS(X)                                            \
  X(kOutInPort, inPort)   /* an ofport, or OFPP_CONTROLLER */              \
  X(kOutOffset, offset)   /* where its frame starts in the step's bytes */ \
  X(kOutLength, length)   /* the frame's length */                         \
  X(kOutActions, actions) /* its action list: an index into action_lists */

#define NS_PACKET_OUT_FIELD_ENUM(name, js) name,
enum PacketOutField : uint32_t { NS_PACKET_OUT_FIELDS(NS_PACKET_OUT_FIELD_ENUM) kPacketOutFields };
#undef NS_PACKET_OUT_FIELD_ENUM

// Consecutive packet-outs, packed: every frame in one buffer, a record each, and the
// distinct action lists they use.
struct PacketOutBatch {
  std::vector<uint8_t> frames;
  std::vector<uint32_t> records;  // kPacketOutFields u32s per packet-out
  std::vector<std::vector<OfAction>> action_lists;

  size_t size() const { return records.size() / kPacketOutFields; }
  const uint32_t* record(size_t i) const { return records.data() + i * kPacketOutFields; }
};

struct ControllerStep {
  enum Kind : uint8_t { kInstall, kRemove, kSetActions, kPacketOuts } kind;
  std::vector<std::unique_ptr<FlowEntry>> flows;  // kInstall, kSetActions
  std::vector<uint32_t> ids;                      // kRemove
  PacketOutBatch outs;                            // kPacketOuts
};

// Datapath thread. Throws std::runtime_error, naming the step, before any change.
void apply_controller_batch(Datapath& dp, std::vector<ControllerStep>& steps);

}  // namespace nodeswitch
