#include "dp/capture.h"

#include <stdexcept>

#include "dp/outbox.h"
#include "dp/port_set.h"

namespace nodeswitch {

void Captures::start(PortSlot& port, const std::string& path, bool in, bool out, uint64_t count) {
  if (port.capture) throw std::runtime_error("port " + port.name + " is already being captured");
  auto c = std::make_unique<PortCapture>();
  c->writer = std::make_unique<PcapWriter>(path, PcapWriter::Resolution::kMicrosecond);
  c->in = in;
  c->out = out;
  c->remaining = count;
  port.capture = std::move(c);
  running_++;
}

uint64_t Captures::stop(PortSlot& port) {
  if (!port.capture) throw std::runtime_error("port " + port.name + " is not being captured");
  std::string error;
  uint64_t written = end(port, &error);  // the capture ends either way
  if (!error.empty()) throw std::runtime_error(error);
  return written;
}

void Captures::finish(PortSlot& port, const std::string& reason) {
  std::string error;
  uint64_t written = end(port, &error);
  PortEvent ev{false, port.ofport, error.empty() ? reason : error};
  ev.capture_done = true;
  ev.captured = written;
  outbox_.event(std::move(ev));
}

void Captures::write(PortSlot& port, const Packet* p) {
  PortCapture& c = *port.capture;
  c.writer->write(p->data, p->len, burst_realtime_ns_);
  if (c.remaining && --c.remaining == 0) finish(port, "");
}

void Captures::flush_files(PortSet& ports) {
  if (!running_) return;
  for (uint16_t s : ports.active()) {
    if (ports[s].capture) ports[s].capture->writer->flush();
  }
}

uint64_t Captures::end(PortSlot& port, std::string* error) {
  uint64_t written = port.capture->writer->records();
  try {
    port.capture->writer->close();
  } catch (const std::exception& e) {
    *error = e.what();
  }
  port.capture.reset();
  running_--;
  return written;
}

}  // namespace nodeswitch
