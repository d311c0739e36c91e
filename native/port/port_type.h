// The kinds of port a bridge can have, one driver (native/port/*_port.*) each.
// One X-macro list, X(enumerator, name), gives the enum, the names the addon takes
// in addPort and exports to TypeScript (addon.constants.portTypes), and the parse
// from a name; test/native/constants.test.ts checks the TS view. A new port type
// (a tunnel) is one line here, a driver file, and a case in dp/port_set.cc's open_port.
#pragma once

#include <cstdint>
#include <string>

namespace nodeswitch {

#define NS_PORT_TYPES(X) \
  X(kAfPacket, afpacket) \
  X(kTap, tap)           \
  X(kMem, mem)           \
  X(kPcap, pcap)

#define NS_ENUMERATOR(name, text) name,
enum class PortType : uint8_t { NS_PORT_TYPES(NS_ENUMERATOR) };
#undef NS_ENUMERATOR

inline const char* port_type_name(PortType t) {
#define NS_NAME_CASE(name, text) \
  case PortType::name: return #text;
  switch (t) { NS_PORT_TYPES(NS_NAME_CASE) }
#undef NS_NAME_CASE
  return "?";
}

// False when `text` names no port type.
inline bool port_type_from_name(const std::string& text, PortType* out) {
#define NS_NAME_TEST(name, str)   \
  if (text == #str) {             \
    *out = PortType::name;        \
    return true;                  \
  }
  NS_PORT_TYPES(NS_NAME_TEST)
#undef NS_NAME_TEST
  return false;
}

}  // namespace nodeswitch
