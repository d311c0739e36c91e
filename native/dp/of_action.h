// OpenFlow actions as the datapath stores and runs them.
//
// A rule's actions arrive from TypeScript already parsed and checked (src/ofproto);
// here each is one fixed-size POD, so a rule's list is one contiguous array and the
// compiled program of a microflow (pipeline.h) is a slice of a flat array of them.
//
// The op codes, the reserved port numbers and the packet-in reasons are X-macro
// lists, so the enum and the names the addon exports to TypeScript at load
// (addon/constants_js.cc) come from one place; test/native/constants.test.ts checks
// the TS view. Comments in the lists use /* */ (a // would swallow the continuation).
#pragma once

#include <cstdint>

namespace nodeswitch {

// X(enumerator, jsName)
#define NS_OP_CODES(X)                                                                               \
  /* Outputs. */                                                                                     \
  X(kOutput, output)         /* port: an OpenFlow port number */                                     \
  X(kInPort, inPort)         /* back out of the ingress port */                                      \
  X(kNormal, normal)         /* L2 learning switch */                                                \
  X(kFlood, flood)           /* every port but the ingress */                                        \
  X(kAll, all)               /* every port but the ingress (no STP here, so as flood) */             \
  X(kLocal, local)           /* the bridge's LOCAL port (none yet: counted as dropped) */            \
  X(kController, controller) /* max_len; the pipeline fills the packet-in fields */                  \
  /* Header rewrites (set_field and its OpenFlow 1.0 spellings). */                                  \
  X(kSetEthSrc, setEthSrc) /* bytes[0..6] */                                                         \
  X(kSetEthDst, setEthDst)                                                                           \
  X(kSetVlanVid, setVlanVid) /* u32: VID (12 bits) */                                                \
  X(kSetVlanPcp, setVlanPcp) /* u32: PCP */                                                          \
  X(kPushVlan, pushVlan)     /* u32: TPID */                                                         \
  X(kPopVlan, popVlan)                                                                               \
  X(kSetIpv4Src, setIpv4Src) /* u32: address, host order */                                          \
  X(kSetIpv4Dst, setIpv4Dst)                                                                         \
  X(kSetIpv6Src, setIpv6Src) /* bytes[0..16] */                                                      \
  X(kSetIpv6Dst, setIpv6Dst)                                                                         \
  X(kSetIpDscp, setIpDscp) /* u32: DSCP (6 bits) */                                                  \
  X(kSetIpEcn, setIpEcn)   /* u32: ECN (2 bits) */                                                   \
  X(kSetIpTtl, setIpTtl)   /* u32: TTL */                                                            \
  X(kDecTtl, decTtl)                                                                                 \
  X(kSetTpSrc, setTpSrc) /* u32: port (TCP, UDP); port: the IP protocol set_field named, 0 any */    \
  X(kSetTpDst, setTpDst)                                                                             \
  /* QoS. */                                                                                         \
  X(kMeter, meter)       /* u32: meter id; port: its slot in the meter table, set by the pipeline */ \
  X(kSetQueue, setQueue) /* u32: the egress queue of later outputs (stages/shaper.h) */              \
  /* Pipeline state. */                                                                              \
  X(kSetInPort, setInPort)     /* u32: port number the rest of the pipeline sees as in_port */       \
  X(kSetMetadata, setMetadata) /* u64: value, u64b: mask */                                          \
  X(kGroup, group)             /* u32: group id (group_table.h); translation inlines its buckets */  \
  X(kResubmit, resubmit)       /* port (OFPP_IN_PORT: the current in_port), u32: table (kResubmitCurrentTable) */

#define NS_ENUMERATOR(name, js) name,
enum class OpCode : uint8_t {
  kNone = 0,  // never stored: codes start at 1, so a zeroed action is invalid
  NS_OP_CODES(NS_ENUMERATOR) kEnd_,
};
#undef NS_ENUMERATOR

constexpr uint32_t kOpCodeCount = uint32_t(OpCode::kEnd_);

// Reserved OpenFlow 1.3 port numbers (as 32-bit values, OFPP_*). X(constant, jsName, value)
#define NS_OFPP(X)                           \
  X(kOfppMax, max, 0xffffff00)               \
  X(kOfppInPort, inPort, 0xfffffff8)         \
  X(kOfppTable, table, 0xfffffff9)           \
  X(kOfppNormal, normal, 0xfffffffa)         \
  X(kOfppFlood, flood, 0xfffffffb)           \
  X(kOfppAll, all, 0xfffffffc)               \
  X(kOfppController, controller, 0xfffffffd) \
  X(kOfppLocal, local, 0xfffffffe)           \
  X(kOfppAny, any, 0xffffffff)

#define NS_OFPP_CONSTANT(name, js, value) constexpr uint32_t name = value;
NS_OFPP(NS_OFPP_CONSTANT)
#undef NS_OFPP_CONSTANT

// The highest ofport a switch port may have: OpenFlow 1.0 reserves 0xff00 and up
// (OFPP_LOCAL & co.), and ovs-ofctl takes nothing above 0xfeff for a port.
constexpr uint16_t kMaxOfport = 0xfeff;
// The bridge's LOCAL port inside the datapath, where ofports are 16 bits (the port
// table, snapshots): OpenFlow 1.0's OFPP_LOCAL. The key, the rules and TypeScript
// see OpenFlow 1.3's kOfppLocal; port_slot.h and the addon convert.
constexpr uint16_t kLocalOfport = 0xfffe;

// kResubmit's u32 for "the table this resubmit runs in".
constexpr uint32_t kResubmitCurrentTable = 255;

// Why a packet goes to the controller, as OpenFlow 1.3 numbers them (OFPR_*).
// X(constant, value, name): the names are ovs-ofctl's.
#define NS_PACKET_IN_REASONS(X)  \
  X(kReasonNoMatch, 0, no_match) \
  X(kReasonAction, 1, action)    \
  X(kReasonInvalidTtl, 2, invalid_ttl)

#define NS_REASON_CONSTANT(name, value, js) constexpr uint8_t name = value;
NS_PACKET_IN_REASONS(NS_REASON_CONSTANT)
#undef NS_REASON_CONSTANT

struct OfAction {
  OpCode code;
  // kController: the packet-in's reason and the table whose flow sent the packet,
  // filled by the pipeline when it compiles the op.
  uint8_t reason = 0;
  uint8_t table = 0;
  uint8_t pad_ = 0;
  uint32_t port = 0;  // kOutput, kResubmit
  union {
    uint32_t u32 = 0;
    uint32_t max_len;  // kController: bytes of the frame sent up
  };
  union {
    uint64_t u64 = 0;
    uint64_t cookie;  // kController: the sending flow's cookie, filled by the pipeline
  };
  uint64_t u64b = 0;
  uint8_t bytes[16] = {};
};
static_assert(sizeof(OfAction) == 48, "a program's ops are a flat array of these");

}  // namespace nodeswitch
