#include "dp/outbox.h"

#include <utility>

namespace nodeswitch {

void Outbox::finished(std::deque<std::unique_ptr<Command>>& cmds) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& cmd : cmds) done_.push_back(std::move(cmd));
  }
  notify_();
}

void Outbox::event(PortEvent ev) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(ev));
  }
  notify_();
}

uint32_t Outbox::upcalls(const UpcallBatch& batch, uint32_t max) {
  uint32_t n = batch.size(), taken;
  {
    std::lock_guard<std::mutex> lock(mu_);
    uint32_t room = upcalls_.size() < max ? max - upcalls_.size() : 0;
    taken = n < room ? n : room;
    upcalls_.append_from(batch, 0, taken);
  }
  notify_();
  return n - taken;
}

namespace {

template <typename T>
T take_all(std::mutex& mu, T& from) {
  std::lock_guard<std::mutex> lock(mu);
  T out;
  std::swap(out, from);
  return out;
}

}  // namespace

std::deque<std::unique_ptr<Command>> Outbox::take_done() { return take_all(mu_, done_); }
std::vector<PortEvent> Outbox::take_events() { return take_all(mu_, events_); }
UpcallBatch Outbox::take_upcalls() { return take_all(mu_, upcalls_); }

void Outbox::recycle_upcalls(UpcallBatch&& used) {
  used.clear();
  std::lock_guard<std::mutex> lock(mu_);
  if (upcalls_.empty() && used.bytes.capacity() > upcalls_.bytes.capacity()) std::swap(upcalls_, used);
}

}  // namespace nodeswitch
