#!/usr/bin/env bash
# examples/tun_ping answers pings sent into its TUN device by the kernel,
# IPv4 and IPv6; once it stops, nothing answers (the replies were its own).
. "$TW_TESTS/lib.sh"
needs ping ip

ns_new NS
# A persistent device, so it (and its addresses) outlive tun_ping.
tw -n "$NS" tuntap add ping0 mode tun || die "tuntap add"
out="$TW_TMP/tun_ping.out"
bg PID sh -c 'exec ip netns exec "$1" "$2" ping0 >"$3"' sh "$NS" "$TW_BUILD/examples/tun_ping" "$out"
wait_for 10 grep -q "ready ping0" "$out" || die "tun_ping did not start"
ip -n "$NS" addr add 198.51.100.1/24 dev ping0
ip -n "$NS" addr add fd00:7e57::1/64 dev ping0 nodad
ip -n "$NS" link set ping0 up

check "IPv4 echo answered" nsx "$NS" ping -c 3 -i 0.2 -W 2 198.51.100.2
check "IPv4 large echo answered" nsx "$NS" ping -c 2 -i 0.2 -W 2 -s 1400 198.51.100.77
check "IPv6 echo answered" nsx "$NS" ping -6 -c 3 -i 0.2 -W 2 fd00:7e57::2
check_eq "the device is listed as held by tun_ping" \
	"$(tw -n "$NS" -d -j tuntap show ping0 | jq -r '.[0].processes[0].pid')" "$PID"

kill "$PID"; wait "$PID" 2>/dev/null
check_fails "no answer once tun_ping is gone" 1 \
	nsx "$NS" ping -c 1 -W 1 198.51.100.2
finish
