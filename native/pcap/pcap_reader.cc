#include "pcap/pcap_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace nodeswitch {

namespace {

constexpr uint32_t kPcapMagicUs = 0xa1b2c3d4;
constexpr uint32_t kPcapMagicNs = 0xa1b23c4d;
constexpr size_t kPcapHeader = 24;
constexpr size_t kPcapRecordHeader = 16;
constexpr uint32_t kLinktypeEthernet = 1;

constexpr uint32_t kShb = 0x0a0d0d0a;  // a palindrome: reads the same in both byte orders
constexpr uint32_t kIdb = 1;
constexpr uint32_t kPb = 2;  // obsolete Packet Block
constexpr uint32_t kSpb = 3;
constexpr uint32_t kEpb = 6;
constexpr uint32_t kByteOrderMagic = 0x1a2b3c4d;

constexpr uint16_t kOptEnd = 0;
constexpr uint16_t kOptTsresol = 9;
constexpr uint16_t kOptFcslen = 13;
constexpr uint16_t kOptTsoffset = 14;

inline uint16_t rd16(const uint8_t* p, bool sw) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return sw ? __builtin_bswap16(v) : v;
}
inline uint32_t rd32(const uint8_t* p, bool sw) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return sw ? __builtin_bswap32(v) : v;
}
inline uint64_t rd64(const uint8_t* p, bool sw) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return sw ? __builtin_bswap64(v) : v;
}
// Bytes in file order, for messages.
inline uint32_t be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }
inline uint64_t pad4(uint64_t n) { return (n + 3) & ~uint64_t(3); }

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

// The link types a trace is most likely to have when it is not Ethernet.
const char* linktype_name(uint32_t t) {
  switch (t) {
    case 0: return "BSD loopback";
    case 1: return "Ethernet";
    case 12:
    case 14:
    case 101: return "raw IP";
    case 105: return "IEEE 802.11";
    case 113: return "Linux cooked";
    case 119: return "802.11 Prism";
    case 127: return "802.11 radiotap";
    case 192: return "PPI";
    case 220: return "USB Linux mmapped";
    case 228: return "raw IPv4";
    case 229: return "raw IPv6";
    case 276: return "Linux cooked v2";
    default: return "unknown";
  }
}

uint64_t pow10(uint32_t e) {
  uint64_t v = 1;
  while (e--) v *= 10;
  return v;
}

}  // namespace

PcapReader::PcapReader(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(path + ": " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    throw std::runtime_error(path + ": " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error(path + ": not a regular file");
  }
  size_ = size_t(st.st_size);
  if (size_ > 0) {
    void* m = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    int err = errno;
    ::close(fd);
    if (m == MAP_FAILED) throw std::runtime_error(path + ": mmap: " + std::strerror(err));
    base_ = static_cast<const uint8_t*>(m);
    madvise(m, size_, MADV_SEQUENTIAL);
  } else {
    ::close(fd);
  }
  try {
    if (size_ >= 4 && rd32(base_, false) == kShb) {
      format_ = Format::kPcapng;
      validate_pcapng();
    } else {
      validate_pcap();
    }
  } catch (...) {
    if (base_) munmap(const_cast<uint8_t*>(base_), size_);
    throw;
  }
  rewind();
}

PcapReader::~PcapReader() {
  if (base_) munmap(const_cast<uint8_t*>(base_), size_);
}

void PcapReader::fail(size_t off, const std::string& why) const {
  throw std::runtime_error(path_ + ": byte " + std::to_string(off) + ": " + why);
}

void PcapReader::rewind() noexcept {
  if (format_ == Format::kPcap) {
    pos_ = kPcapHeader;
  } else {
    pos_ = 0;  // the first SHB sets the byte order again
    section_base_ = 0;
    ifaces_seen_ = 0;
  }
}

// ---- classic pcap ---------------------------------------------------------------

void PcapReader::validate_pcap() {
  if (size_ < 4) fail(0, fmt("file is %zu bytes, too short for a capture file header", size_));
  uint32_t magic = rd32(base_, false);
  if (magic == kPcapMagicUs || magic == kPcapMagicNs) {
    swapped_ = false;
  } else if (__builtin_bswap32(magic) == kPcapMagicUs || __builtin_bswap32(magic) == kPcapMagicNs) {
    swapped_ = true;
    magic = __builtin_bswap32(magic);
  } else {
    fail(0, fmt("bad magic 0x%08x: not a pcap or pcapng file", be32(base_)));
  }
  nanosecond_ = magic == kPcapMagicNs;
  if (size_ < kPcapHeader) fail(0, fmt("file header truncated: 24 bytes needed, %zu present", size_));
  uint16_t major = rd16(base_ + 4, swapped_), minor = rd16(base_ + 6, swapped_);
  if (major != 2) fail(4, fmt("pcap version %u.%u is not supported", major, minor));
  uint32_t snaplen = rd32(base_ + 16, swapped_);
  uint32_t linktype = rd32(base_ + 20, swapped_);
  if ((linktype & 0xffff) != kLinktypeEthernet) {
    fail(20, fmt("link type %u (%s) is not Ethernet", linktype & 0xffff, linktype_name(linktype & 0xffff)));
  }
  if (linktype != kLinktypeEthernet) fail(20, fmt("link type 0x%08x: Ethernet with an FCS or flags is not supported", linktype));

  size_t off = kPcapHeader;
  while (off < size_) {
    const uint8_t* p = base_ + off;
    size_t left = size_ - off;
    if (left < kPcapRecordHeader) fail(off, fmt("record header truncated: 16 bytes needed, %zu present", left));
    uint32_t caplen = rd32(p + 8, swapped_), len = rd32(p + 12, swapped_);
    if (snaplen != 0 && caplen > snaplen) fail(off, fmt("record length %u exceeds snaplen %u", caplen, snaplen));
    if (caplen > len) fail(off, fmt("captured length %u exceeds original length %u", caplen, len));
    if (left - kPcapRecordHeader < caplen) {
      fail(off, fmt("record data truncated: %u bytes needed, %zu present", caplen, left - kPcapRecordHeader));
    }
    count_++;
    if (caplen < len) truncated_++;
    off += kPcapRecordHeader + caplen;
  }
}

bool PcapReader::next_pcap(Record* r) noexcept {
  if (pos_ >= size_) return false;
  const uint8_t* p = base_ + pos_;
  uint64_t sec = rd32(p, swapped_), frac = rd32(p + 4, swapped_);
  r->caplen = rd32(p + 8, swapped_);
  r->len = rd32(p + 12, swapped_);
  r->data = p + kPcapRecordHeader;
  r->ts_ns = sec * 1000000000ull + (nanosecond_ ? frac : frac * 1000);
  r->interface = 0;
  pos_ += kPcapRecordHeader + r->caplen;
  return true;
}

// ---- pcapng ---------------------------------------------------------------------

void PcapReader::validate_pcapng() {
  size_t off = 0;
  bool sw = false;
  uint32_t section_base = 0, section_ifaces = 0;
  while (off < size_) {
    const uint8_t* p = base_ + off;
    size_t left = size_ - off;
    if (left < 12) fail(off, fmt("block header truncated: 12 bytes needed, %zu present", left));
    uint32_t type = rd32(p, sw);
    if (type == kShb) {
      if (left < 28) fail(off, fmt("section header block truncated: 28 bytes needed, %zu present", left));
      uint32_t bom = rd32(p + 8, false);
      if (bom == kByteOrderMagic) {
        sw = false;
      } else if (bom == __builtin_bswap32(kByteOrderMagic)) {
        sw = true;
      } else {
        fail(off + 8, fmt("bad byte-order magic 0x%08x in section header block", be32(p + 8)));
      }
      uint16_t major = rd16(p + 12, sw), minor = rd16(p + 14, sw);
      if (major != 1) fail(off, fmt("pcapng version %u.%u is not supported", major, minor));
      section_base = uint32_t(ifaces_.size());
      section_ifaces = 0;
    }
    uint32_t total = rd32(p + 4, sw);
    uint32_t min = type == kShb ? 28 : type == kIdb ? 20 : type == kEpb || type == kPb ? 32 : type == kSpb ? 16 : 12;
    if (total < min) fail(off, fmt("block length %u is too short for block type 0x%x (%u bytes minimum)", total, type, min));
    if (total % 4 != 0) fail(off, fmt("block length %u is not a multiple of 4", total));
    if (total > left) fail(off, fmt("block length %u runs past the end of the file (%zu bytes left)", total, left));
    uint32_t trailer = rd32(p + total - 4, sw);
    if (trailer != total) fail(off, fmt("block length %u at the start does not match %u at the end", total, trailer));
    const uint8_t* body = p + 8;
    uint32_t body_len = total - 12;

    if (type == kIdb) {
      validate_idb(off, body, body_len, sw);
      section_ifaces++;
    } else if (type == kEpb || type == kPb) {
      uint32_t iface = type == kEpb ? rd32(body, sw) : rd16(body, sw);
      uint32_t caplen = rd32(body + 12, sw), len = rd32(body + 16, sw);
      if (iface >= section_ifaces) {
        fail(off, fmt("packet on interface %u, but its section defines %u interface%s", iface, section_ifaces,
                      section_ifaces == 1 ? "" : "s"));
      }
      uint32_t snaplen = ifaces_[section_base + iface].snaplen;
      if (snaplen != 0 && caplen > snaplen) fail(off, fmt("record length %u exceeds snaplen %u", caplen, snaplen));
      if (caplen > len) fail(off, fmt("captured length %u exceeds original length %u", caplen, len));
      if (pad4(caplen) > body_len - 20) {
        fail(off, fmt("captured length %u runs past the end of the block (%u bytes of data)", caplen, body_len - 20));
      }
      count_++;
      if (caplen < len) truncated_++;
    } else if (type == kSpb) {
      if (section_ifaces == 0) fail(off, "simple packet block before any interface description block");
      uint32_t len = rd32(body, sw);
      uint32_t snaplen = ifaces_[section_base].snaplen;
      uint32_t caplen = snaplen != 0 && snaplen < len ? snaplen : len;
      if (caplen > body_len - 4) {
        fail(off, fmt("simple packet of %u bytes runs past the end of the block (%u bytes of data)", caplen, body_len - 4));
      }
      count_++;
      if (caplen < len) truncated_++;
    }
    // Every other block type (NRB, ISB, DSB, custom, ...) is skipped.
    off += total;
  }
}

void PcapReader::validate_idb(size_t off, const uint8_t* body, size_t body_len, bool sw) {
  uint16_t linktype = rd16(body, sw);
  if (linktype != kLinktypeEthernet) fail(off, fmt("link type %u (%s) is not Ethernet", linktype, linktype_name(linktype)));
  Iface f{rd32(body + 4, sw), kMul, 1000, 0};  // default resolution: microseconds
  size_t o = 8;
  while (o < body_len) {
    size_t opt_off = off + 8 + o;
    if (body_len - o < 4) fail(opt_off, "option header runs past the end of the block");
    uint16_t code = rd16(body + o, sw), olen = rd16(body + o + 2, sw);
    if (code == kOptEnd) break;
    if (pad4(olen) > body_len - o - 4) fail(opt_off, fmt("option %u of length %u runs past the end of the block", code, olen));
    const uint8_t* v = body + o + 4;
    if (code == kOptTsresol) {
      if (olen != 1) fail(opt_off, fmt("if_tsresol has length %u, not 1", olen));
      uint32_t e = v[0] & 0x7f;
      if (v[0] & 0x80) {
        if (e > 63) fail(opt_off, fmt("if_tsresol 0x%02x is not supported", v[0]));
        f.kind = kPow2;
        f.factor = e;
      } else {
        if (e > 19) fail(opt_off, fmt("if_tsresol 0x%02x is not supported", v[0]));
        f.kind = e <= 9 ? kMul : kDiv;
        f.factor = e <= 9 ? pow10(9 - e) : pow10(e - 9);
      }
    } else if (code == kOptTsoffset) {
      if (olen != 8) fail(opt_off, fmt("if_tsoffset has length %u, not 8", olen));
      f.offset_ns = rd64(v, sw) * 1000000000u;  // signed seconds; two's complement wraps right
    } else if (code == kOptFcslen) {
      if (olen == 1 && v[0] != 0) fail(opt_off, fmt("if_fcslen %u: frames with an FCS are not supported", v[0]));
    }
    o += 4 + pad4(olen);
  }
  ifaces_.push_back(f);
}

uint64_t PcapReader::iface_ns(const Iface& f, uint64_t units) noexcept {
  uint64_t ns;
  if (f.kind == kMul) {
    ns = units * f.factor;
  } else if (f.kind == kDiv) {
    ns = units / f.factor;
  } else {
    ns = uint64_t((unsigned __int128)units * 1000000000u >> f.factor);
  }
  return ns + f.offset_ns;
}

bool PcapReader::next_pcapng(Record* r) noexcept {
  while (pos_ < size_) {
    const uint8_t* p = base_ + pos_;
    uint32_t type = rd32(p, swapped_);
    if (type == kShb) {
      swapped_ = rd32(p + 8, false) != kByteOrderMagic;
      section_base_ = ifaces_seen_;
    }
    pos_ += rd32(p + 4, swapped_);
    if (type == kEpb || type == kPb) {
      uint32_t iface = type == kEpb ? rd32(p + 8, swapped_) : rd16(p + 8, swapped_);
      uint64_t units = (uint64_t(rd32(p + 12, swapped_)) << 32) | rd32(p + 16, swapped_);
      r->caplen = rd32(p + 20, swapped_);
      r->len = rd32(p + 24, swapped_);
      r->data = p + 28;
      r->interface = section_base_ + iface;
      r->ts_ns = iface_ns(ifaces_[r->interface], units);
      return true;
    }
    if (type == kSpb) {
      uint32_t len = rd32(p + 8, swapped_);
      uint32_t snaplen = ifaces_[section_base_].snaplen;
      r->caplen = snaplen != 0 && snaplen < len ? snaplen : len;
      r->len = len;
      r->data = p + 12;
      r->interface = section_base_;
      r->ts_ns = 0;
      return true;
    }
    if (type == kIdb) ifaces_seen_++;
  }
  return false;
}

}  // namespace nodeswitch
