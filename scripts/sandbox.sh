#!/usr/bin/env bash
# tapwire's main job, shown in a sandbox: two network namespaces joined by a
# veth "cable"; TUN and TAP devices with owners, groups and queues made by
# `tapwire tuntap`; addresses and routes set by `tapwire addr` / `route`;
# everything shown as text and JSON; a ping across; then all of it removed.
#
#     bash scripts/sandbox.sh BUILD_DIR      (as root; scripts/demo.sh calls it)
#
# Only network namespaces made here are touched, with unique names, and only
# TEST-NET addresses are used. The EXIT trap removes everything, even after a
# failure or Ctrl-C.
set -euo pipefail

build=${1:-build}
TAPWIRE=$(cd "$build" && pwd)/cli/tapwire
[ -x "$TAPWIRE" ] || { echo "Error: $TAPWIRE not found: build first (see README)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "Error: run as root (network namespaces)" >&2; exit 1; }

# Unique per run, so two sandboxes (or a test and a demo) never collide.
HOSTNS="tw-sandbox-$$-host"
PEERNS="tw-sandbox-$$-peer"
OWNER=nobody
GROUP=$(id -gn nobody 2>/dev/null || echo nogroup)

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
# run NS ARGS...: prints the tapwire command as a user would type it, then runs it.
run() {
	local ns=$1; shift
	printf '  $ tapwire -n %s %s\n' "$ns" "$*"
	"$TAPWIRE" -n "$ns" "$@" | sed 's/^/    /'
}

holder=
cleanup() {
	local rc=$?
	set +e
	say "Cleaning up"
	[ -n "$holder" ] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
	if ip netns list | grep -qw "$HOSTNS"; then
		for dev in tun0 tap0 tapq0; do
			"$TAPWIRE" -n "$HOSTNS" tuntap del "$dev" 2>/dev/null &&
				echo "  removed $dev"
		done
	fi
	for ns in "$HOSTNS" "$PEERNS"; do
		ip netns del "$ns" 2>/dev/null && echo "  removed namespace $ns"
	done
	[ "$rc" = 0 ] && say "Done: everything made here is gone." ||
		say "FAILED (exit $rc); everything made here is gone."
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Two network namespaces, $HOSTNS and $PEERNS, joined by a veth pair"
ip netns add "$HOSTNS"
ip netns add "$PEERNS"
for ns in "$HOSTNS" "$PEERNS"; do
	# no duplicate address detection: IPv6 is usable at once
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
done
ip link add veth-host netns "$HOSTNS" type veth peer name veth-peer netns "$PEERNS"
run "$HOSTNS" link set lo up
run "$PEERNS" link set lo up
run "$HOSTNS" link set veth-host up mtu 1500 txqueuelen 1000
run "$PEERNS" link set veth-peer up

say "TUN and TAP devices, persistent, owned by $OWNER:$GROUP"
run "$HOSTNS" tuntap add tun0 mode tun user "$OWNER" group "$GROUP"
run "$HOSTNS" tuntap add tap0 mode tap user "$OWNER" vnet_hdr
run "$HOSTNS" tuntap add tapq0 mode tap group "$GROUP" multi_queue
run "$HOSTNS" link set tun0 up mtu 1400
run "$HOSTNS" link set tap0 up address 02:00:5e:00:53:01
run "$HOSTNS" link set tapq0 up txqueuelen 500

say "A program holds two queues of the multi-queue TAP (as QEMU with queues=2 would)"
# TUNSETIFF with IFF_TAP|IFF_NO_PI|IFF_MULTI_QUEUE on two fds of /dev/net/tun.
ip netns exec "$HOSTNS" python3 -c '
import fcntl, os, signal, struct, sys
fds = [os.open("/dev/net/tun", os.O_RDWR) for _ in range(2)]
for fd in fds:
    fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", b"tapq0", 0x0002 | 0x1000 | 0x0100))
print("  queues attached by pid %d" % os.getpid(), flush=True)
signal.pause()
' &
holder=$!
for _ in $(seq 50); do
	"$TAPWIRE" -n "$HOSTNS" -j tuntap show tapq0 | grep -q '"num_queues":2' && break
	sleep 0.1
done
run "$HOSTNS" -d tuntap show tapq0

say "Addresses (TEST-NET) and routes"
run "$HOSTNS" addr add 198.51.100.1/24 dev veth-host
run "$HOSTNS" addr add fd00:198::1/64 dev veth-host
run "$PEERNS" addr add 198.51.100.2/24 dev veth-peer
run "$PEERNS" addr add fd00:198::2/64 dev veth-peer
run "$HOSTNS" addr add 203.0.113.1/25 dev tun0
run "$HOSTNS" addr add fd00:203::1/64 dev tun0
run "$HOSTNS" addr add 203.0.113.129/25 dev tap0
# the peer reaches the TUN and TAP networks through the host namespace
run "$PEERNS" route add 203.0.113.0/24 via 198.51.100.1 dev veth-peer
run "$PEERNS" route add fd00:203::/64 via fd00:198::1
run "$HOSTNS" route add default via 198.51.100.2

say "What tapwire sees (text)"
run "$HOSTNS" tuntap show
run "$HOSTNS" link show
run "$HOSTNS" addr show dev tun0
run "$HOSTNS" route show
run "$PEERNS" route show

say "The same as JSON (-j -p), for programs"
run "$HOSTNS" -j -p tuntap show tapq0
run "$HOSTNS" -j -p addr show dev tun0
run "$PEERNS" -j route show

say "Traffic: the peer pings the TUN's and the TAP's addresses across the veth"
# The veth's carrier (and IPv6 on it) is switched on by the kernel's link
# watch, which can lag on a busy machine: wait for it, 30 s at most.
for _ in $(seq 300); do
	ip -n "$HOSTNS" -o link show dev veth-host | grep -q 'state UP' &&
		ip -n "$PEERNS" -o link show dev veth-peer | grep -q 'state UP' && break
	sleep 0.1
done
for dst in 203.0.113.1 203.0.113.129 fd00:203::1; do
	printf '  $ ping -c 1 %s   (in %s)\n' "$dst" "$PEERNS"
	ip netns exec "$PEERNS" ping -c 1 -W 2 "$dst" | sed -n 's/^/    /; /bytes from/p; /packet loss/p'
done

say "A VPN over TUN: tapwire-wg between two more namespaces (scripts/demo-vpn.sh)"
bash "$(dirname "$0")/demo-vpn.sh" "$build" 2>&1 | sed 's/^/  | /'

say "Removing the devices with tapwire (the namespaces go in the cleanup)"
run "$HOSTNS" route del default via 198.51.100.2
run "$HOSTNS" addr del 203.0.113.1/25 dev tun0
run "$HOSTNS" tuntap del tun0
run "$HOSTNS" tuntap del tap0
kill "$holder" && wait "$holder" 2>/dev/null || true
holder=
run "$HOSTNS" tuntap del tapq0
run "$HOSTNS" tuntap show
