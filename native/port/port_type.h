// The kinds of port a bridge can have, one driver (native/port/*_port.*) each.
// One X-macro list, X(enumerator, name), gives the enum and the table of names the
// addon parses addPort's type with and exports to TypeScript
// (addon.constants.portTypes); test/native/constants.test.ts checks the TS view.
// A new port type (a tunnel) is one line here, a driver file, and a case in
// port/open_port.cc.
#pragma once

#include "core/enum_names.h"

namespace nodeswitch {

#define NS_PORT_TYPES(X) \
  X(kAfPacket, afpacket) \
  X(kTap, tap)           \
  X(kMem, mem)           \
  X(kPcap, pcap)         \
  X(kBond, bond) /* a bond's own slot: its members do the I/O (dp/bond.h) */

NS_NAMED_ENUM(PortType, NS_PORT_TYPES, kPortTypeNames);

}  // namespace nodeswitch
