#!/usr/bin/env bash
# libtapwire's GSO splitter and GRO coalescer against the real kernel: a TUN
# with IFF_VNET_HDR and TSO/USO offloads in a private namespace; the kernel's
# TSO and USO super-packets are split into valid segments carrying the exact
# stream, and coalesced super-packets we write are accepted and delivered
# intact to local TCP and UDP sockets, also for interleaved flows mixed with
# packets carrying IP options. IPv4 and IPv6.
. "$TW_TESTS/lib.sh"
needs ip

probe="$TW_BUILD/tests/vnet_probe"
[ -x "$probe" ] || die "$probe not built"

ns_new NS
nsx "$NS" ip tuntap add dev tv0 mode tun
nsx "$NS" ip link set tv0 up mtu 1500
nsx "$NS" ip addr add 198.51.100.1/24 dev tv0
nsx "$NS" ip -6 addr add fd00:1::1/64 dev tv0 nodad
nsx "$NS" ip route add 203.0.113.0/24 dev tv0
nsx "$NS" ip -6 route add fd00:2::/64 dev tv0

for fam in 4 6; do
	for mode in tcp-split udp-split tcp-gro udp-gro mixed-gro; do
		out=$(nsx "$NS" timeout 20 "$probe" tv0 "$mode" "$fam" 2>&1)
		check "$mode over IPv$fam: $out" [ $? = 0 ]
	done
done
finish
