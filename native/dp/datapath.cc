// The datapath thread: its wait loop, the commands it applies between bursts, and
// its once-a-second housekeeping. Forwarding itself is the burst loop's.
#include "dp/datapath.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <stdexcept>

#include "core/clock.h"

namespace nodeswitch {

namespace {

// epoll user data for the two non-port fds; ports use their slot (below 0xfff0).
constexpr uint32_t kWakeTag = 0xffff0001;
constexpr uint32_t kMonitorTag = 0xffff0002;

// Upper bound on idle sleep: aging and counter polling run at least this often.
constexpr int kIdleWaitMs = 1000;
// ... and with a bond on the bridge: LACP's 1 s transmit timer keeps to within this.
constexpr int kBondWaitMs = 50;

int make_epoll() {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("epoll_create1: ") + strerror(errno));
  return fd;
}

}  // namespace

Datapath::Datapath(std::string name, uint32_t mac_aging, uint32_t mac_table_size, std::function<void()> notify)
    : name_(std::move(name)),
      mac_aging_(mac_aging),
      macs_(mac_table_size),
      epoll_fd_(make_epoll()),
      outbox_(std::move(notify)),
      ports_(name_, epoll_fd_, outbox_, [this](uint16_t slot) { forget_slot(slot); }) {
  pipeline_.set_vlan_of([this](uint32_t ofport) -> const PortVlan* {
    uint16_t s = ports_.slot_of(ofport);
    return s == kNoSlot || ports_[s].vlan.plain() ? nullptr : &ports_[s].vlan;
  });
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = kWakeTag;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, commands_.wake_fd(), &ev);
  ev.data.u32 = kMonitorTag;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, ports_.monitor_fd(), &ev);
  now_ = last_housekeeping_ = now_seconds();
  loop_.set_now(now_);
  loop_.set_mirrors(&mirrors_);
  pipeline_.set_meters(&meters_);
  loop_.set_meters(&meters_);
  groups_.set_port_live([this](uint32_t ofport) {
    uint16_t s = ports_.slot_of(ofport);
    return s != kNoSlot && ports_[s].usable();
  });
  pipeline_.set_groups(&groups_);
  thread_ = std::thread([this] { run(); });
}

Datapath::~Datapath() {
  stop_now();
  close(epoll_fd_);
}

void Datapath::stop_now() {
  if (!thread_.joinable()) return;
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    dp.close_all_ports();
    return nullptr;
  };
  cmd->stop = true;
  post(std::move(cmd));
  thread_.join();
}

void Datapath::join() {
  if (thread_.joinable()) thread_.join();
}

// ---- the loop ---------------------------------------------------------------

void Datapath::run() {
  while (!stopping_) {
    uint32_t received = 0;
    if (!bond_slots_.empty()) run_bonds();
    const std::vector<uint16_t>& active = ports_.active();
    for (size_t i = 0; i < active.size(); i++) {
      uint16_t slot = active[i];
      if (ports_[slot].ready) received += loop_.poll(slot);
    }
    if (commands_.pending()) apply_commands();
    if (stopping_) break;
    // Fast failover: a watched port's state is a look per port, every round.
    if (groups_.watches_ports()) pipeline_.check_liveness();
    now_ = now_seconds();
    loop_.set_now(now_);
    if (now_ != last_housekeeping_) housekeeping();
    // Shaped ports never make the thread wait: their next departure bounds the sleep.
    uint64_t shaper_wait = shaped_.empty() ? ~0ull : service_shapers();
    // LACP's timers want a look more often than once a second.
    int timeout = poll_.next_wait(received != 0, bond_slots_.empty() ? kIdleWaitMs : kBondWaitMs);
    if (timeout == PollPolicy::kNoWait || shaper_wait == 0) continue;
    if (timeout == 0) counters_.poll_spins++;
    else counters_.poll_sleeps++;
    bool timed_out;
    bool input = wait_for_input(timeout, shaper_wait, &timed_out);
    poll_.after_wait(timeout, input, timed_out);
  }
}

bool Datapath::wait_for_input(int timeout_ms, uint64_t limit_ns, bool* timed_out) {
  epoll_event evs[64];
  int n;
  if (timeout_ms > 0 && limit_ns < uint64_t(timeout_ms) * 1'000'000) {
    timespec ts{time_t(limit_ns / 1'000'000'000), long(limit_ns % 1'000'000'000)};
    n = epoll_pwait2(epoll_fd_, evs, 64, &ts, nullptr);
    // Before Linux 5.11: the next millisecond instead (the buckets absorb the lateness).
    if (n < 0 && errno == ENOSYS) n = epoll_wait(epoll_fd_, evs, 64, int(limit_ns / 1'000'000) + 1);
  } else {
    n = epoll_wait(epoll_fd_, evs, 64, timeout_ms);
  }
  *timed_out = n == 0;
  bool input = false;
  for (int i = 0; i < n; i++) {
    uint32_t tag = evs[i].data.u32;
    if (tag == kWakeTag) {
      commands_.clear_wake();
    } else if (tag == kMonitorTag) {
      ports_.handle_link_events();
    } else {
      ports_.mark_ready(uint16_t(tag), evs[i].events);
      input = true;
    }
  }
  return input;
}

// ---- between bursts -----------------------------------------------------------

void Datapath::apply_commands() {
  auto cmds = commands_.take();
  for (auto& cmd : cmds) {
    try {
      cmd->result = cmd->apply(*this);
    } catch (const std::exception& e) {
      cmd->error = e.what();
    }
    if (cmd->stop) stopping_ = true;
  }
  // Flow-mods take effect on the caches now, once for the whole batch.
  pipeline_.revalidate();
  outbox_.finished(cmds);
}

void Datapath::housekeeping() {
  last_housekeeping_ = now_;
  upcalls_.refill();
  captures_.flush_files(ports_);
  counters_.aged += macs_.expire(now_, mac_aging_);
  pipeline_.expire(now_ms());
  ports_.poll_counters();
}

}  // namespace nodeswitch
