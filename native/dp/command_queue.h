// Commands from JS to the datapath thread, and their completions back.
//
// JS posts a command (a closure to run on the datapath thread) and gets a promise.
// The thread drains the queue between bursts — the flag makes the check a single
// relaxed load when nothing is queued, so the hot loop takes no lock — runs each
// closure, and hands finished commands back; the addon resolves their promises on
// the JS thread. A closure's result is plain C++ data wrapped in a converter that
// builds the JS value on the JS thread.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace Napi {
class Env;
class Value;
}  // namespace Napi

namespace nodeswitch {

class Datapath;

using JsValueBuilder = std::function<Napi::Value(Napi::Env)>;

struct Command {
  // Runs on the datapath thread. Returns the builder of the JS result; throws
  // std::runtime_error to reject the promise with its message.
  std::function<JsValueBuilder(Datapath&)> apply;
  // Set by the thread after apply.
  JsValueBuilder result;
  std::string error;
  // Opaque to the datapath: the addon's promise handle.
  void* deferred = nullptr;
  // The thread should stop after this command (close()).
  bool stop = false;
};

class CommandQueue {
 public:
  CommandQueue();
  ~CommandQueue();

  // JS thread.
  void post(std::unique_ptr<Command> cmd);
  // Datapath thread: true when something is queued (cheap, no lock).
  bool pending() const { return pending_.load(std::memory_order_acquire); }
  std::deque<std::unique_ptr<Command>> take();
  // An eventfd that becomes readable when a command is posted; the thread waits on it.
  int wake_fd() const { return wake_fd_; }
  void clear_wake();

 private:
  std::mutex mu_;
  std::deque<std::unique_ptr<Command>> queue_;
  std::atomic<bool> pending_{false};
  int wake_fd_;
};

}  // namespace nodeswitch
