# Jumbo MTUs, in the topology wireguard-go's own tests use: both daemons
# start in one namespace (NS0), whose loopback (MTU 65536) is the underlay,
# and their interfaces then move into NS1 and NS2. With the inner MTU at
# 34736 and at 65535, the largest a TUN takes, on both ends:
#  - TCP over IPv4 and IPv6 inside, each way, and UDP with 30000-byte
#    datagrams, and pings of 30000 bytes;
#  - over IPv4 and IPv6 outside, with tapwire-wg as initiator and responder
#    against wireguard-go.
# At 65535 a full-sized packet makes a data message larger than a UDP
# datagram can be (65507 bytes over IPv4): tapwire-wg answers such a packet
# with ICMP "fragmentation needed" / "packet too big" naming the MTU that
# works, so TCP from its side adapts. wireguard-go drops those packets
# without a word and TCP from its side stalls, also between two
# wireguard-go: that direction is logged, not checked.
# Run with TW_WG_OFFLOAD=0 too (int/wg_jumbo@nooffload).
TW_TEST_TIMEOUT=300
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
needs iperf3 jq

# jumbo_pair IMPL1 IMPL2 OUTER: NS0 with both daemons (IF1 port 1, IF2
# port 2, IMPL1 initiating), IF1 in NS1 as 192.0.2.1 fd00:3::1, IF2 in NS2
# as 192.0.2.2 fd00:3::2.
jumbo_pair() {
	local ep
	ns_new NS0
	ns_new NS1
	ns_new NS2
	IF1=$(wg_ifname "j1$_wg_npair") IF2=$(wg_ifname "j2$_wg_npair")
	_wg_npair=$((_wg_npair + 1))
	wg_keypair k1
	wg_keypair k2
	wg_start PID1 "$NS0" "$IF1" "$1"
	wg_start PID2 "$NS0" "$IF2" "$2"
	if [ "$3" = 4 ]; then ep=127.0.0.1; else ep='[::1]'; fi
	nsx "$NS0" wg set "$IF1" private-key "$TW_TMP/k1.key" listen-port 1 \
		peer "$(wg_pub k2)" allowed-ips 192.0.2.2/32,fd00:3::2/128 endpoint "$ep:2" ||
		die "wg set $IF1"
	nsx "$NS0" wg set "$IF2" private-key "$TW_TMP/k2.key" listen-port 2 \
		peer "$(wg_pub k1)" allowed-ips 192.0.2.1/32,fd00:3::1/128 || die "wg set $IF2"
	ip -n "$NS0" link set "$IF1" netns "$NS1" || die "move $IF1"
	ip -n "$NS0" link set "$IF2" netns "$NS2" || die "move $IF2"
	ip -n "$NS1" addr add 192.0.2.1/24 dev "$IF1"
	ip -n "$NS1" addr add fd00:3::1/64 dev "$IF1" nodad
	ip -n "$NS2" addr add 192.0.2.2/24 dev "$IF2"
	ip -n "$NS2" addr add fd00:3::2/64 dev "$IF2" nodad
	ip -n "$NS1" link set "$IF1" up
	ip -n "$NS2" link set "$IF2" up
}

jumbo_done() {
	wg_stop "$PID1"
	wg_stop "$PID2"
	local ns
	for ns in "$NS0" "$NS1" "$NS2"; do ip netns del "$ns"; done
}

set_mtu() {
	ip -n "$NS1" link set "$IF1" mtu "$1" && ip -n "$NS2" link set "$IF2" mtu "$1"
}

# tcp NAME FROM_NS TO_NS DST: Mbit/s of a 2-second TCP run (0 when it failed)
tcp() {
	local pid
	bg pid ip netns exec "$3" iperf3 -s -1 -p 5201 >/dev/null 2>&1
	wait_for 5 sh -c "ip netns exec $3 ss -ltn | grep -q ':5201 '" || return 1
	nsx "$2" timeout 20 iperf3 -c "$4" -p 5201 -t 2 --connect-timeout 3000 -J \
		>"$TW_TMP/$1.json" 2>/dev/null
	wait "$pid" 2>/dev/null
	wg_iperf_tcp_mbps "$1"
}

# udp NAME FROM_NS TO_NS DST: "LOSS% PACKETS" of 30000-byte datagrams at 200 Mbit/s
udp() {
	local pid
	bg pid ip netns exec "$3" iperf3 -s -1 -p 5201 >/dev/null 2>&1
	wait_for 5 sh -c "ip netns exec $3 ss -ltn | grep -q ':5201 '" || return 1
	nsx "$2" timeout 20 iperf3 -c "$4" -p 5201 -u -l 30000 -b 200M -t 2 --connect-timeout 3000 -J \
		>"$TW_TMP/$1.json" 2>/dev/null
	wait "$pid" 2>/dev/null
	wg_iperf_udp "$1"
}

MIN_MBPS=100 # far below what any healthy run does; a stall gives ~1

# sends FROM_IMPL: does the sending daemon answer too-big packets (tapwire-wg)?
answers_too_big() { [ "$1" = "$WG_TW" ] && [ "$WG_TW" != "$WG_GO" ]; }

for outer in 4 6; do
	for role in initiator responder; do
		if [ $role = initiator ]; then
			jumbo_pair "$WG_TW" "$WG_GO" $outer
			I1=$WG_TW I2=$WG_GO
		else
			jumbo_pair "$WG_GO" "$WG_TW" $outer
			I1=$WG_GO I2=$WG_TW
		fi
		tag="outer IPv$outer, tapwire-wg $role"
		check "$tag: tunnel up at MTU 1420" wg_wait_ping "$NS1" 192.0.2.2 10
		for mtu in 34736 65535; do
			set_mtu $mtu || die "MTU $mtu refused"
			t="$tag, MTU $mtu"
			check "$t: 30000-byte pings 1->2" nsx "$NS1" ping -q -n -c 2 -W 2 -s 30000 192.0.2.2
			check "$t: 30000-byte pings 2->1 (IPv6)" nsx "$NS2" ping -q -n -c 2 -W 2 -s 30000 fd00:3::1
			for dir in 12 21; do
				if [ $dir = 12 ]; then from=$NS1 to=$NS2 d4=192.0.2.2 d6=fd00:3::2 sender=$I1
				else from=$NS2 to=$NS1 d4=192.0.2.1 d6=fd00:3::1 sender=$I2; fi
				for inner in 4 6; do
					if [ $inner = 4 ]; then dst=$d4; else dst=$d6; fi
					m=$(tcp "tcp$outer$role$mtu$dir$inner" "$from" "$to" "$dst")
					what="$t: TCP over IPv$inner, $(wg_impl_name "$sender") sending: ${m:-0} Mbit/s"
					if [ $mtu = 65535 ] && ! answers_too_big "$sender"; then
						log "$what (wireguard-go stalls here itself: not checked)"
					else
						check "$what" test "${m:-0}" -ge $MIN_MBPS
					fi
				done
			done
			if [ $mtu = 65535 ] && answers_too_big "$I1"; then
				# the answer to a too-big packet is in the route's cache
				pmtu=$((outer == 4 ? 65472 : 65488))
				check "$t: the path MTU tapwire-wg named is cached ($pmtu)" \
					sh -c "ip -n $NS1 route get 192.0.2.2 | grep -q 'mtu $pmtu'"
			fi
			read -r loss pkts <<<"$(udp "udp$outer$role$mtu" "$NS1" "$NS2" 192.0.2.2)"
			check "$t: UDP, 30000-byte datagrams: ${loss:-100}% lost of ${pkts:-0}" \
				test "${pkts:-0}" -gt 100 -a "${loss:-100}" -le 10
		done
		check "$tag: daemons alive" sh -c "kill -0 $PID1 && kill -0 $PID2"
		jumbo_done
	done
done
finish
