#include "pcap/pcap_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace nodeswitch {

namespace {

// Written in host byte order, as libpcap does; readers detect it from the magic.
struct FileHeader {
  uint32_t magic;
  uint16_t version_major, version_minor;
  int32_t thiszone;
  uint32_t sigfigs, snaplen, linktype;
};
struct RecordHeader {
  uint32_t sec, frac, caplen, len;
};
static_assert(sizeof(FileHeader) == 24 && sizeof(RecordHeader) == 16, "pcap headers");

}  // namespace

PcapWriter::PcapWriter(const std::string& path, Resolution res, uint32_t snaplen)
    : path_(path), nanosecond_(res == Resolution::kNanosecond), snaplen_(snaplen) {
  if (snaplen == 0 || snaplen > kBufferSize - sizeof(RecordHeader)) {
    throw std::runtime_error(path + ": snaplen " + std::to_string(snaplen) + " out of range");
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(path + ": " + std::strerror(errno));
  buf_.reset(new uint8_t[kBufferSize]);
  FileHeader h{nanosecond_ ? 0xa1b23c4du : 0xa1b2c3d4u, 2, 4, 0, 0, snaplen_, 1};
  std::memcpy(buf_.get(), &h, sizeof h);
  used_ = sizeof h;
}

PcapWriter::~PcapWriter() {
  try {
    close();
  } catch (...) {
  }
}

void PcapWriter::write(const uint8_t* data, uint32_t len, uint64_t ts_ns) noexcept {
  if (errno_ != 0 || fd_ < 0) {
    dropped_++;
    return;
  }
  uint32_t caplen = len < snaplen_ ? len : snaplen_;
  if (used_ + sizeof(RecordHeader) + caplen > kBufferSize && !flush()) {
    dropped_++;
    return;
  }
  uint64_t sec = ts_ns / 1000000000u, ns = ts_ns % 1000000000u;
  RecordHeader h{uint32_t(sec), uint32_t(nanosecond_ ? ns : ns / 1000), caplen, len};
  std::memcpy(buf_.get() + used_, &h, sizeof h);
  std::memcpy(buf_.get() + used_ + sizeof h, data, caplen);
  used_ += sizeof h + caplen;
  records_++;
}

bool PcapWriter::flush() noexcept {
  if (errno_ != 0) return false;
  if (fd_ < 0) return true;
  size_t off = 0;
  while (off < used_) {
    ssize_t n = ::write(fd_, buf_.get() + off, used_ - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      errno_ = n < 0 ? errno : EIO;
      used_ = 0;
      return false;
    }
    off += size_t(n);
  }
  used_ = 0;
  return true;
}

void PcapWriter::close() {
  if (fd_ < 0) return;
  flush();
  if (::close(fd_) != 0 && errno_ == 0) errno_ = errno;
  fd_ = -1;
  if (errno_ != 0) throw std::runtime_error(error());
}

std::string PcapWriter::error() const { return errno_ == 0 ? std::string() : path_ + ": " + std::strerror(errno_); }

}  // namespace nodeswitch
