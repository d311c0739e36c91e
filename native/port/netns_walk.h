// Visiting the other network namespaces of the host, for a persistent TAP that was
// moved out of ours (`ip link set TAP netns NS`) and has to be found again after a
// restart: tun(4) attaches an fd only to a device of the opening thread's namespace.
//
// Candidates: the named namespaces (/run/netns/*, what `ip netns add` makes), then
// those of running processes (/proc/PID/ns/net: containers, unnamed ones), each once
// (by inode), ours left out. The calling thread enters each in turn with setns(2) and
// is back in its own namespace when for_each_other_netns returns, whatever happens.
// Needs CAP_SYS_ADMIN (root); without it nothing is visited.
#pragma once

#include <functional>

namespace nodeswitch {

// Calls `visit` inside each other namespace until it returns true; returns whether one did.
bool for_each_other_netns(const std::function<bool()>& visit);

}  // namespace nodeswitch
