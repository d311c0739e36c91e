// A port's VLAN configuration and Open vSwitch's rules for it (the Port table's
// tag, trunks and vlan_mode in ovs-vswitchd.conf.db(5); ofproto-dpif-xlate.c's
// input_vid_is_valid, input_vid_to_vlan, xbundle_includes_vlan and
// output_vlan_to_vid, which the methods below follow one for one).
//
// Where it applies. As in OVS, VLANs are NORMAL's business: OpenFlow rules see the
// frame as it came in (dl_vlan / vlan_tci as received), and only the NORMAL action
// maps the frame's VID to a VLAN (at translation: Pipeline::emit_output, which
// reads the VID into the megaflow mask), learns and looks up per VLAN, floods only
// to the ports that carry it, and tags or untags per output port (at run time:
// BurstLoop::output_normal with VlanRetag, vlan_retag.h).
//
// Modes. A plain port is a trunk of every VLAN, untagged frames being VLAN 0: what
// a bridge without VLAN configuration does. access: untagged (or priority-tagged,
// VID 0) frames only, in VLAN `tag`; output untagged. trunk: tagged frames of the
// listed VLANs (all when none are listed); output as tagged. native-tagged and
// native-untagged: a trunk whose untagged frames are VLAN `tag`; output in that VLAN
// is tagged or untagged respectively. 802.1ad: like OVS with its default
// other_config:vlan-limit=1, only the outer tag counts — 0x8100 or 0x88a8 — and an
// inner tag is payload; a tag NORMAL pushes is 0x8100.
#pragma once

#include <bitset>
#include <cstdint>

#include "core/enum_names.h"

namespace nodeswitch {

// X(enumerator, name as the CLI and the DB spell it): NS_NAMED_ENUM gives the enum
// and kVlanModeNames, which the addon parses and exports (addon.constants.vlanModes).
// clang-format off
#define NS_VLAN_MODES(X)           \
  X(kTrunk, trunk)                 \
  X(kAccess, access)               \
  X(kNativeTagged, native-tagged)  \
  X(kNativeUntagged, native-untagged)
// clang-format on
NS_NAMED_ENUM(VlanMode, NS_VLAN_MODES, kVlanModeNames);

constexpr uint16_t kVlanCount = 4096;
// NORMAL's VLAN when input_valid said no: the op is kept so that the drop is counted
// per packet (BridgeCounters::drop_vlan) and trace can say why.
constexpr uint32_t kVlanInvalid = 0xffffffff;

struct PortVlan {
  VlanMode mode = VlanMode::kTrunk;
  uint16_t tag = 0;        // access: the VLAN; native-*: the native VLAN
  bool all_trunks = true;  // trunk modes with no list: every VLAN
  std::bitset<kVlanCount> trunks;

  bool plain() const { return mode == VlanMode::kTrunk && all_trunks; }
  bool trunks_vlan(uint16_t vlan) const { return mode != VlanMode::kAccess && (all_trunks || trunks.test(vlan & 0xfff)); }
  // The port carries `vlan` (flooding and learned destinations).
  bool includes(uint16_t vlan) const { return mode == VlanMode::kAccess ? vlan == tag : trunks_vlan(vlan); }
  // A frame with outer VID `vid` (0: untagged or priority-tagged) may come in here.
  bool input_valid(uint16_t vid) const {
    switch (mode) {
      case VlanMode::kAccess: return vid == 0;
      case VlanMode::kNativeTagged:
      case VlanMode::kNativeUntagged:
        if (vid == 0) return true;
        return trunks_vlan(vid);
      case VlanMode::kTrunk: return trunks_vlan(vid);
    }
    return false;
  }
  // The VLAN such a frame is in.
  uint16_t input_vlan(uint16_t vid) const {
    switch (mode) {
      case VlanMode::kAccess: return tag;
      case VlanMode::kTrunk: return vid;
      case VlanMode::kNativeTagged:
      case VlanMode::kNativeUntagged: return vid ? vid : tag;
    }
    return vid;
  }
  // The VID a frame of `vlan` leaves this port with; 0: untagged.
  uint16_t output_vid(uint16_t vlan) const {
    switch (mode) {
      case VlanMode::kAccess: return 0;
      case VlanMode::kTrunk:
      case VlanMode::kNativeTagged: return vlan;
      case VlanMode::kNativeUntagged: return vlan == tag ? 0 : vlan;
    }
    return vlan;
  }
};

}  // namespace nodeswitch
