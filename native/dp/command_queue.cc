#include "dp/command_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <stdexcept>

namespace nodeswitch {

CommandQueue::CommandQueue() {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::runtime_error("eventfd failed");
}

CommandQueue::~CommandQueue() { close(wake_fd_); }

void CommandQueue::post(std::unique_ptr<Command> cmd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(cmd));
    pending_.store(true, std::memory_order_release);
  }
  uint64_t one = 1;
  ssize_t r = write(wake_fd_, &one, sizeof one);
  (void)r;
}

std::deque<std::unique_ptr<Command>> CommandQueue::take() {
  std::lock_guard<std::mutex> lock(mu_);
  std::deque<std::unique_ptr<Command>> out;
  out.swap(queue_);
  pending_.store(false, std::memory_order_release);
  return out;
}

void CommandQueue::clear_wake() {
  uint64_t v;
  ssize_t r = read(wake_fd_, &v, sizeof v);
  (void)r;
}

}  // namespace nodeswitch
