#!/usr/bin/env bash
# Installs the Debian packages a nodeswitch command needs, and only those missing.
#
#   scripts/system-deps.sh run     the switch itself: iproute2
#   scripts/system-deps.sh test    + ping, iperf3, tcpdump, ethtool, procps (integration tests)
#   scripts/system-deps.sh bench   + netsniff-ng (trafgen)
#
# A machine that has everything is left alone (apt is not touched). As root, missing
# packages are installed; otherwise the script prints what is missing and the command
# to run, and exits non-zero.
set -euo pipefail

mode="${1:-}"
case "$mode" in
  run) wanted=(iproute2) ;;
  test) wanted=(iproute2 iputils-ping iperf3 tcpdump ethtool procps) ;;
  bench) wanted=(iproute2 iputils-ping iperf3 tcpdump ethtool procps netsniff-ng) ;;
  *)
    echo "usage: $0 run|test|bench" >&2
    exit 2
    ;;
esac

# The command each package is wanted for.
command_of() {
  case "$1" in
    iproute2) echo ip ;;
    iputils-ping) echo ping ;;
    iperf3) echo iperf3 ;;
    tcpdump) echo tcpdump ;;
    ethtool) echo ethtool ;;
    procps) echo sysctl ;;
    netsniff-ng) echo trafgen ;;
    *) echo "$1" ;;
  esac
}

present() {
  local pkg="$1" cmd
  cmd="$(command_of "$pkg")"
  # sbin is not on every user's PATH; the tool is there all the same.
  if PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null 2>&1; then return 0; fi
  if command -v dpkg-query >/dev/null 2>&1 &&
    [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ]; then
    return 0
  fi
  return 1
}

missing=()
for pkg in "${wanted[@]}"; do
  present "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

install_cmd=(apt-get install -y --no-install-recommends "${missing[@]}")

if [ "$(id -u)" -ne 0 ]; then
  echo "nodeswitch ($mode) needs these Debian packages, which are missing: ${missing[*]}" >&2
  echo "install them with:" >&2
  echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive ${install_cmd[*]}" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "nodeswitch ($mode) needs: ${missing[*]} — and this system has no apt-get; install them with its package manager" >&2
  exit 1
fi

echo "installing missing packages for '$mode': ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update
"${install_cmd[@]}"

still=()
for pkg in "${missing[@]}"; do
  present "$pkg" || still+=("$pkg")
done
if [ "${#still[@]}" -ne 0 ]; then
  echo "still missing after install: ${still[*]}" >&2
  exit 1
fi
