// pcap port: offline replay. Input comes from a capture file (PcapReader, mmap'd and
// validated when the port is made); what the switch sends goes to a pcap file
// (PcapWriter). One class does both: a port may have an input file, an output
// file, or both (a port that replays a trace and also records what it is sent).
//
// RX: the reader hands out views into the read-only mapping, but the datapath
// rewrites headers in place and pushes VLAN tags into the bytes before a frame,
// so each frame is copied into a per-port arena: 64 bytes of headroom, then the
// frame, each slot 64-byte aligned. The arena holds a full burst of frames up to
// 2 KB plus one maximal (kMaxFrame) frame; a frame that no longer fits ends the
// burst early and leads the next one. The arena is reused at every burst, so
// release_rx() has nothing to do and nothing is allocated after construction.
//
// Snapped records (caplen < len: the file lacks part of the frame) are skipped and
// counted as rx_dropped — forwarding them would put frames on the output that
// never existed, with IP/UDP lengths that disagree with their bytes. Records
// longer than kMaxFrame (possible with a 262144 snaplen) are skipped as rx_errors.
// truncated() / oversize() count both for the replay report.
//
// At the end of the file rx_burst() returns 0 and eof() is true; with
// Options::repeat = N the port rewinds by itself N-1 times first. rewind() adds
// one more pass by hand. An output-only port is always at eof().
//
// Measured (throwaway harness, 64-byte frames): rx_burst with its copy 58–77 M
// frames/s from a 1.6 GB file, 86 M/s (11.7 ns) from a file in cache; tx_burst
// ~5 M frames/s to a file, bound by the kernel copying into the page cache.
//
// TX: every frame goes to the writer (accepts_offloads() is false: the datapath
// finishes partial checksums and segments GSO super-frames first). A port with no
// output file counts what it is sent as sent (tx_packets) without recording it, so
// a replay without --out still reports each port's output. After a write error
// (disk full) frames count as tx_errors; close() reports it.
//
// Timestamps: an input port stamps each frame with its record's timestamp
// (Packet::ts_ns); with Options::record_times an output port writes every frame it
// is sent with that stamp, so each output carries the time of the input record
// that caused it, whatever burst it went out in. Every pass of a repeat replays
// the file's own timestamps again. Without record_times an output port writes
// wall-clock time (CLOCK_REALTIME) instead: live capture.
//
// fd() is -1: nothing to wait on; the datapath polls the port until eof().
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "pcap/pcap_reader.h"
#include "pcap/pcap_writer.h"
#include "port/port.h"

namespace nodeswitch {

class PcapPort final : public Port {
 public:
  struct Options {
    std::string in_path;   // "" for an output-only port
    std::string out_path;  // "" for an input-only port (what it is sent is dropped)
    PcapWriter::Resolution out_resolution = PcapWriter::Resolution::kMicrosecond;
    uint32_t repeat = 1;        // passes over the input file
    bool record_times = false;  // outputs carry each frame's input time; false: wall-clock time
  };

  // Opens and validates the input, creates the output. Throws std::runtime_error
  // with the file's name (and byte offset, for a corrupt input).
  explicit PcapPort(const Options& o);
  ~PcapPort() override;

  int fd() const override { return -1; }
  int ifindex() const override { return 0; }
  uint32_t rx_burst(Packet* out, uint32_t max, PortCounters& c) override;
  void release_rx() override {}
  void tx_burst(Packet* const* pkts, uint32_t n, PortCounters& c) override;
  bool accepts_offloads() const override { return false; }

  bool eof() const { return !reader_ || eof_; }
  void rewind();
  // Flushes and closes the output file; throws std::runtime_error on a write error.
  void close();

  const PcapReader* reader() const { return reader_.get(); }
  const PcapWriter* writer() const { return writer_.get(); }
  uint64_t truncated() const { return truncated_; }  // snapped records skipped
  uint64_t oversize() const { return oversize_; }    // records > kMaxFrame skipped

  static constexpr uint32_t kHeadroom = 64;
  static constexpr uint32_t kSlot = 2048;

 private:
  std::unique_ptr<PcapReader> reader_;
  std::unique_ptr<PcapWriter> writer_;
  bool record_times_;
  uint32_t passes_left_;
  bool eof_ = false;
  PcapReader::Record held_{};  // read but not delivered: did not fit in the arena
  bool holding_ = false;
  uint8_t* arena_ = nullptr;
  size_t arena_size_ = 0;
  uint64_t truncated_ = 0;
  uint64_t oversize_ = 0;
};

}  // namespace nodeswitch
