#!/usr/bin/env bash
# npm run demo: two network namespaces stand in for VMs — vm1 plugged in through a
# veth the switch opens with AF_PACKET, vm2 through a TAP the switch creates — and a
# nodeswitch daemon (with its own temporary db and socket) switches between them.
# Everything the demo makes is removed on exit, however it exits.
set -euo pipefail

cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: needs root (it creates network namespaces, a veth and a TAP device); try: sudo npm run demo" >&2
  exit 1
fi

tmp="$(mktemp -d /tmp/nodeswitch-demo.XXXXXX)"
export NODESWITCH_DB="$tmp/db.json"
export NODESWITCH_SOCK="$tmp/nodeswitch.sock"
prefix="nd$(printf '%04x' $((RANDOM % 65536)))"
vm1="${prefix}vm1"    # namespace behind the veth (afpacket port)
vm2="${prefix}vm2"    # namespace behind the TAP (tap port)
veth="${prefix}v1"    # the veth's end in the root namespace: the switch port
tap="${prefix}t2"     # the TAP the switch makes, then moved into vm2
ip1=10.77.100.1
ip2=10.77.100.2
daemon_pid=""

step() { printf '\n== %s\n' "$*"; }

nodeswitch() {
  node bin/nodeswitch.js "$@" --db "$NODESWITCH_DB" --sock "$NODESWITCH_SOCK"
}

cleanup() {
  local rc=$?
  set +e
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" 2>/dev/null
  fi
  ip link del "$veth" 2>/dev/null
  ip link del "$tap" 2>/dev/null
  ip netns del "$vm1" 2>/dev/null
  ip netns del "$vm2" 2>/dev/null
  if [ "$rc" -ne 0 ] && [ -s "$tmp/daemon.log" ]; then
    echo "--- daemon log ($tmp/daemon.log) ---" >&2
    tail -n 40 "$tmp/daemon.log" >&2
  fi
  rm -rf "$tmp"
  echo
  echo "demo: cleaned up (namespaces $vm1 $vm2, links $veth $tap, daemon${daemon_pid:+ pid $daemon_pid})"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "starting the daemon (db $NODESWITCH_DB, socket $NODESWITCH_SOCK)"
node bin/nodeswitch.js daemon --db "$NODESWITCH_DB" --sock "$NODESWITCH_SOCK" >"$tmp/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 100); do
  [ -S "$NODESWITCH_SOCK" ] && break
  if ! kill -0 "$daemon_pid" 2>/dev/null; then
    echo "demo: the daemon exited before opening its socket" >&2
    exit 1
  fi
  sleep 0.1
done
[ -S "$NODESWITCH_SOCK" ] || { echo "demo: the daemon did not open $NODESWITCH_SOCK within 10 s" >&2; exit 1; }
echo "daemon pid $daemon_pid"

step "two namespaces standing in for VMs: $vm1 (veth) and $vm2 (TAP)"
for ns in "$vm1" "$vm2"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  # No IPv6 chatter (router solicitations, DAD): the counters below show just the pings.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add "$veth" type veth peer name eth0 netns "$vm1"
echo 1 >"/proc/sys/net/ipv6/conf/$veth/disable_ipv6" 2>/dev/null || true
ip link set "$veth" up
ip -n "$vm1" addr add "$ip1/24" dev eth0
ip -n "$vm1" link set eth0 up

step "bridge demo0 with an afpacket port ($veth) and a tap port ($tap)"
nodeswitch add-br demo0
nodeswitch add-port demo0 "$veth"
nodeswitch add-port demo0 "$tap" --type tap
for _ in $(seq 1 50); do ip link show "$tap" >/dev/null 2>&1 && break; sleep 0.1; done
ip link set "$tap" netns "$vm2"
ip -n "$vm2" addr add "$ip2/24" dev "$tap"
ip -n "$vm2" link set "$tap" up
nodeswitch show

step "ping $vm1 ($ip1) -> $vm2 ($ip2)"
ip netns exec "$vm1" ping -n -c 3 -i 0.2 -W 1 "$ip2"
step "ping $vm2 ($ip2) -> $vm1 ($ip1)"
ip netns exec "$vm2" ping -n -c 3 -i 0.2 -W 1 "$ip1"

step "fdb-show demo0"
nodeswitch fdb-show demo0
step "dump-ports demo0"
nodeswitch dump-ports demo0
