// Live capture (nodeswitch capture): what one port receives and/or sends, written
// to a pcap file, for a count of frames or until stopped. Only a captured port pays
// for it: the burst loop tests one pointer per packet in (PortSlot::capture) and one
// per output flush, and reads the wall clock once per burst only while a capture
// runs (Captures::stamp_burst).
//
// A capture ends by count (an event says so, with the frames written), by
// stop_capture (the command returns the count), or when its port is deleted (an
// event). A write error (disk full) ends it too and is reported by whichever of
// those comes first; the file is closed either way.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/packet.h"
#include "pcap/pcap_writer.h"

namespace nodeswitch {

class Outbox;
class PortSet;
struct PortSlot;

struct PortCapture {
  std::unique_ptr<PcapWriter> writer;
  bool in = false, out = false;
  uint64_t remaining = 0;  // frames still to write; 0 = until stopped
};

class Captures {
 public:
  explicit Captures(Outbox& outbox) : outbox_(outbox) {}

  // Throws when the port is already captured or the file cannot be made.
  void start(PortSlot& port, const std::string& path, bool in, bool out, uint64_t count);
  // Stops and closes the port's capture; returns the frames written. Throws on a
  // write error (the capture has ended all the same).
  uint64_t stop(PortSlot& port);
  // Ends the port's capture and tells JS why (a captureDone event).
  void finish(PortSlot& port, const std::string& reason);

  // Burst loop: once per burst, the timestamp every frame of the burst gets.
  void stamp_burst() {
    if (running_) burst_realtime_ns_ = realtime_ns();
  }
  // Burst loop: writes one frame of `port`'s capture; ends it when its count is reached.
  void write(PortSlot& port, const Packet* p);
  // Housekeeping, once a second: a long capture's file grows every second.
  void flush_files(PortSet& ports);

 private:
  // Closes a capture; returns the frames written, and any write error in *error.
  uint64_t end(PortSlot& port, std::string* error);

  Outbox& outbox_;
  uint32_t running_ = 0;
  uint64_t burst_realtime_ns_ = 0;
};

}  // namespace nodeswitch
