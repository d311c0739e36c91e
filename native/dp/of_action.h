// OpenFlow actions as the datapath stores and runs them.
//
// A rule's actions arrive from TypeScript already parsed and checked (src/ofproto);
// here each is one fixed-size POD, so a rule's list is one contiguous array and the
// compiled program of a microflow (pipeline.h) is a slice of a flat array of them.
// The op codes are exported to TypeScript at load (addon constants), and a test
// checks the TS view matches.
#pragma once

#include <cstdint>

namespace nodeswitch {

enum class OpCode : uint8_t {
  // Outputs.
  kOutput = 1,     // port: an OpenFlow port number
  kInPort,         // back out of the ingress port
  kNormal,         // L2 learning switch
  kFlood,          // every port but the ingress
  kAll,            // every port but the ingress (no STP here, so as flood)
  kLocal,          // the bridge's LOCAL port (none yet: counted as dropped)
  kController,     // u32: max_len
  // Header rewrites (set_field and its OpenFlow 1.0 spellings).
  kSetEthSrc,      // bytes[0..6]
  kSetEthDst,
  kSetVlanVid,     // u32: VID (12 bits)
  kSetVlanPcp,     // u32: PCP
  kPushVlan,       // u32: TPID
  kPopVlan,
  kSetIpv4Src,     // u32: address, host order
  kSetIpv4Dst,
  kSetIpv6Src,     // bytes[0..16]
  kSetIpv6Dst,
  kSetIpDscp,      // u32: DSCP (6 bits)
  kSetIpEcn,       // u32: ECN (2 bits)
  kSetIpTtl,       // u32: TTL
  kDecTtl,
  kSetTpSrc,       // u32: port (TCP, UDP)
  kSetTpDst,
  // Pipeline state.
  kSetInPort,      // u32: port number the rest of the pipeline sees as in_port
  kSetMetadata,    // u64: value, u64b: mask
  kResubmit,       // port (0xffff: the current in_port), u32: table (255: the current one)
};

constexpr uint32_t kOpCodeCount = uint32_t(OpCode::kResubmit) + 1;

// Reserved OpenFlow 1.3 port numbers (as 32-bit values, OFPP_*).
constexpr uint32_t kOfppMax = 0xffffff00;
constexpr uint32_t kOfppInPort = 0xfffffff8;
constexpr uint32_t kOfppTable = 0xfffffff9;
constexpr uint32_t kOfppNormal = 0xfffffffa;
constexpr uint32_t kOfppFlood = 0xfffffffb;
constexpr uint32_t kOfppAll = 0xfffffffc;
constexpr uint32_t kOfppController = 0xfffffffd;
constexpr uint32_t kOfppLocal = 0xfffffffe;
constexpr uint32_t kOfppAny = 0xffffffff;

struct OfAction {
  OpCode code;
  uint8_t pad_[3] = {0, 0, 0};
  uint32_t port = 0;   // kOutput, kResubmit
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  uint64_t u64b = 0;
  uint8_t bytes[16] = {};
};

}  // namespace nodeswitch
