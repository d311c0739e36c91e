// What the datapath thread hands to JavaScript: finished commands (with their
// results), port events (link up/down, captures that ended) and upcalls (packets
// for the controller). The thread appends under a mutex — between bursts, or once
// per burst for upcalls — and calls `notify`, which schedules the addon's one
// thread-safe function; on the JS thread the addon takes everything in one go.
// The only lock the datapath shares with JS, and the hot loop never takes it per
// packet.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dp/command_queue.h"
#include "dp/upcall_batch.h"

namespace nodeswitch {

struct PortEvent {
  bool up;
  uint16_t ofport;
  std::string reason;
  // A capture that ended (its count reached, its port deleted, a write error in
  // `reason`) rather than a link change.
  bool capture_done = false;
  uint64_t captured = 0;
};

class Outbox {
 public:
  // `notify` runs on the datapath thread whenever something waits to be taken; it
  // must only schedule work on the JS thread.
  explicit Outbox(std::function<void()> notify) : notify_(std::move(notify)) {}

  // Datapath thread.
  void finished(std::deque<std::unique_ptr<Command>>& cmds);
  void event(PortEvent ev);
  // Appends what fits under `max` queued upcalls; returns how many did not fit.
  uint32_t upcalls(const UpcallBatch& batch, uint32_t max);

  // JS thread.
  std::deque<std::unique_ptr<Command>> take_done();
  std::vector<PortEvent> take_events();
  // Every packet-in waiting, as one batch (upcall_batch.h).
  UpcallBatch take_upcalls();
  // Hands a taken batch's storage back, so the next ones reuse it.
  void recycle_upcalls(UpcallBatch&& used);

 private:
  std::function<void()> notify_;
  std::mutex mu_;  // guards the three below, shared with the JS thread
  std::deque<std::unique_ptr<Command>> done_;
  std::vector<PortEvent> events_;
  UpcallBatch upcalls_;
};

}  // namespace nodeswitch
