// Writes a classic pcap file (LINKTYPE_ETHERNET): replay output, captures.
//
// Classic pcap rather than pcapng because every tool reads it (tcpdump, tshark,
// tcpreplay, scapy, old libpcap) and one fixed 16-byte record header is the cheapest
// thing to write. Microsecond timestamps (magic a1b2c3d4) by default for the same
// reason — some older readers refuse the nanosecond magic; ask for nanoseconds when
// the trace must keep them (libpcap ≥ 1.5, Wireshark and tcpdump read both).
// snaplen 262144 is libpcap's MAXIMUM_SNAPLEN, what tcpdump writes by default;
// a longer frame is snapped (caplen = snaplen, len = its real length).
//
// Records go into a 1 MiB userspace buffer and reach the file with one write()
// when it is full and at flush()/close(); write() copies and never allocates. A
// failed write() (disk full) is remembered, later records are dropped and counted,
// and close() throws the error — write() itself is noexcept so the datapath thread
// can call it.
//
// Thread-safety: none; one writer per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace nodeswitch {

class PcapWriter {
 public:
  enum class Resolution { kMicrosecond, kNanosecond };
  static constexpr uint32_t kDefaultSnaplen = 262144;
  static constexpr size_t kBufferSize = 1 << 20;

  // Creates (truncates) `path` and writes the file header. Throws
  // std::runtime_error "PATH: REASON".
  explicit PcapWriter(const std::string& path, Resolution res = Resolution::kMicrosecond, uint32_t snaplen = kDefaultSnaplen);
  ~PcapWriter();  // close(), with any error ignored
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // Appends one Ethernet frame; `len` is its full length, at most snaplen is kept.
  void write(const uint8_t* data, uint32_t len, uint64_t ts_ns) noexcept;
  // Writes out the buffer. False once a write has failed.
  bool flush() noexcept;
  // Flushes and closes the file; throws std::runtime_error if any write failed.
  // Idempotent.
  void close();

  uint64_t records() const { return records_; }  // written (or buffered)
  uint64_t dropped() const { return dropped_; }  // refused after a write error
  bool failed() const { return errno_ != 0; }
  std::string error() const;  // "" or "PATH: REASON"
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool nanosecond_;
  uint32_t snaplen_;
  std::unique_ptr<uint8_t[]> buf_;
  size_t used_ = 0;
  uint64_t records_ = 0;
  uint64_t dropped_ = 0;
  int errno_ = 0;  // first write error
};

}  // namespace nodeswitch
