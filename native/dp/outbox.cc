#include "dp/outbox.h"

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

uint32_t Outbox::upcalls(std::vector<Upcall>& batch, uint32_t max) {
  uint32_t refused = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Upcall& u : batch) {
      if (upcalls_.size() >= max) {
        refused++;
        continue;
      }
      upcalls_.push_back(std::move(u));
    }
  }
  notify_();
  return refused;
}

namespace {

template <typename T>
T take_all(std::mutex& mu, T& from) {
  std::lock_guard<std::mutex> lock(mu);
  T out;
  out.swap(from);
  return out;
}

}  // namespace

std::deque<std::unique_ptr<Command>> Outbox::take_done() { return take_all(mu_, done_); }
std::vector<PortEvent> Outbox::take_events() { return take_all(mu_, events_); }
std::vector<Upcall> Outbox::take_upcalls() { return take_all(mu_, upcalls_); }

}  // namespace nodeswitch
