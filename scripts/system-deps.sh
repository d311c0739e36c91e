#!/usr/bin/env bash
# Installs the Debian packages a nodeswitch command needs, and only those missing.
#
#   scripts/system-deps.sh run     the switch itself
#   scripts/system-deps.sh test    + what the tests and `npm run lint` use
#   scripts/system-deps.sh bench   + what the benchmarks use
#
# Each package is listed below with the commands it is checked by and why it is
# wanted. A machine that has everything is left alone (apt is not touched): one line
# says so. Otherwise it prints one line per missing package, with the reason; as
# root it installs them (apt's own output goes to a log, printed if apt fails);
# as another user it prints the command to run and exits non-zero.
set -euo pipefail

mode="${1:-}"

# package | commands that show it is installed | why it is wanted
RUN=(
  "iproute2|ip|ip link / ip netns: the switch's ports, and the tests' namespaces and veths"
)
TEST=(
  "iputils-ping|ping|ping across the switch (integration tests)"
  "iperf3|iperf3|TCP through the switch (integration tests)"
  "tcpdump|tcpdump|reading the pcap files that replay and capture write (pcap, replay tests)"
  "procps|sysctl|turning IPv6 off in the tests' namespaces (no stray router solicitations in the counters)"
  "openvswitch-common|ovs-ofctl ovsdb-tool ovsdb-server|ovs-ofctl parse-flow agreement tests; the OVS differential's private ovsdb-server"
  "openvswitch-switch|ovs-vswitchd ovs-vsctl|the OVS differential tests (test/interop): a private ovs-vswitchd as the reference datapath"
  "python3-os-ken|osken-manager|the OpenFlow codec tests: os-ken's ofproto_v1_3_parser decodes what we encode (test/unit/openflow-osken.test.ts); os-ken as a real controller of a bridge (test/integration/openflow-controllers.test.ts)"
  "openvswitch-testcontroller|ovs-testcontroller|Open vSwitch's learning-switch controller as the controller of a bridge (test/integration/openflow-controllers.test.ts)"
  "python3|python3|UDP from many source ports in a namespace (groups-cli: a select group's spread)"
  "clang-format|clang-format|npm run lint: checks native/ against .clang-format"
)
BENCH=(
  "netsniff-ng|trafgen|the benchmarks' packet generator"
)

case "$mode" in
  run) wanted=("${RUN[@]}") ;;
  test) wanted=("${RUN[@]}" "${TEST[@]}") ;;
  bench) wanted=("${RUN[@]}" "${TEST[@]}" "${BENCH[@]}") ;;
  *)
    echo "usage: $0 run|test|bench" >&2
    exit 2
    ;;
esac

say() { echo "system-deps ($mode): $*" >&2; }

# A package counts as present when all its commands are on the PATH (or in sbin,
# which not every user's PATH has), or when dpkg says it is installed.
present() {
  local pkg="$1" cmd
  local all=1
  for cmd in $2; do
    PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null 2>&1 || all=0
  done
  [ "$all" -eq 1 ] && return 0
  command -v dpkg-query >/dev/null 2>&1 &&
    [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ]
}

missing=()
names=()
for entry in "${wanted[@]}"; do
  IFS='|' read -r pkg cmds why <<<"$entry"
  names+=("$pkg")
  if ! present "$pkg" "$cmds"; then
    missing+=("$pkg")
    say "missing $pkg ($cmds): $why"
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  say "all present: ${names[*]}"
  exit 0
fi

install_cmd=(apt-get install -y -q --no-install-recommends "${missing[@]}")

if [ "$(id -u)" -ne 0 ]; then
  say "not root: install them with"
  echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive ${install_cmd[*]}" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  say "this system has no apt-get; install ${missing[*]} with its package manager"
  exit 1
fi

log="$(mktemp /tmp/nodeswitch-system-deps.XXXXXX.log)"
export DEBIAN_FRONTEND=noninteractive
say "installing ${missing[*]} (apt-get update && ${install_cmd[*]}; log: $log)"
if ! { apt-get update -q && "${install_cmd[@]}"; } </dev/null >"$log" 2>&1; then
  say "apt-get failed; the end of its log:"
  tail -n 30 "$log" >&2
  exit 1
fi

still=()
for entry in "${wanted[@]}"; do
  IFS='|' read -r pkg cmds _ <<<"$entry"
  present "$pkg" "$cmds" || still+=("$pkg")
done
if [ "${#still[@]}" -ne 0 ]; then
  say "still missing after the install: ${still[*]} (log: $log)"
  exit 1
fi
rm -f "$log"
say "installed ${missing[*]}"
