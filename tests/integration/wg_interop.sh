# tapwire-wg <-> wireguard-go: tapwire-wg as initiator and as responder,
# IPv4 and IPv6 inner traffic over IPv4 and IPv6 outer, ping both ways, TCP
# and UDP through iperf3.
TW_TEST_TIMEOUT=90
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
needs iperf3 jq

# one_case INITIATOR RESPONDER OUTER TCP_INNER UDP_INNER
one_case() {
	local ini=$1 res=$2 fam=$3 tcp_dst=$4 udp_dst=$5 what mbps loss pkts
	wg_pair "$ini" "$res" "$fam"
	what="$(wg_impl_name "$ini")->$(wg_impl_name "$res") outer v$fam"
	if ! wg_wait_ping "$NSA" "$IN4_B" 10; then
		fail "$what: no handshake (ping $IN4_B)"
		wg_diag "$NSA" "$NSB"
		return
	fi
	check "$what: ping inner v4 A->B" wg_ping "$NSA" "$IN4_B" 3
	check "$what: ping inner v6 A->B" wg_ping "$NSA" "$IN6_B" 3
	check "$what: ping inner v4 B->A" wg_ping "$NSB" "$IN4_A" 3
	check "$what: ping inner v6 B->A" wg_ping "$NSB" "$IN6_A" 3
	case $fam in
	4) check_eq "$what: responder learnt initiator's endpoint" \
		"$(wg_field "$NSB" "$IFB" endpoints)" "$UL4_A:$WG_PORT_A" ;;
	6) check_eq "$what: responder learnt initiator's endpoint" \
		"$(wg_field "$NSB" "$IFB" endpoints)" "[$UL6_A]:$WG_PORT_A" ;;
	esac

	wg_iperf_server "$NSB"
	if wg_iperf "tcp$fam-$tcp_dst" "$NSA" "$tcp_dst" -t 2; then
		mbps=$(wg_iperf_tcp_mbps "tcp$fam-$tcp_dst")
		log "$what: TCP to $tcp_dst: $mbps Mbit/s"
		check "$what: TCP to $tcp_dst moves data ($mbps Mbit/s)" test "$mbps" -gt 10
	else
		fail "$what: iperf3 TCP to $tcp_dst: $(head -c 300 "$TW_TMP/tcp$fam-$tcp_dst.err")"
	fi
	if wg_iperf "udp$fam-$udp_dst" "$NSA" "$udp_dst" -u -b 20M -l 1200 -t 2; then
		read -r loss pkts < <(wg_iperf_udp "udp$fam-$udp_dst")
		log "$what: UDP to $udp_dst: $pkts packets, $loss% lost"
		# A correctness check, not a benchmark: with both cores busy (ctest -j2,
		# ASan) a user-space receiver drops a few percent of a 20 Mbit/s burst.
		if ! check "$what: UDP to $udp_dst, loss $loss% <= 20%" test "$loss" -le 20 -a "$pkts" -gt 1000; then
			log "client's stderr: $(head -c 300 "$TW_TMP/udp$fam-$udp_dst.err")"
			log "client's JSON, the end: $(tail -c 700 "$TW_TMP/udp$fam-$udp_dst.json" | tr -d '\n\t')"
			log "server: $(tail -n 8 "$TW_TMP/iperf-server-$NSB.log" | tr '\n' '|')"
			log "A transfer: $(wg_field "$NSA" "$IFA" transfer); B transfer: $(wg_field "$NSB" "$IFB" transfer)"
			wg_diag "$NSA" "$NSB"
		fi
	else
		fail "$what: iperf3 UDP to $udp_dst: $(head -c 300 "$TW_TMP/udp$fam-$udp_dst.err")"
	fi
	check "$what: initiator alive" wg_alive "$PIDA"
	check "$what: responder alive" wg_alive "$PIDB"
	wg_stop "$PIDA"
	wg_stop "$PIDB"
}

# Every (inner, outer) combination carries TCP in one role and UDP in the other.
one_case "$WG_TW" "$WG_GO" 4 "$IN4_B" "$IN6_B"
one_case "$WG_GO" "$WG_TW" 4 "$IN6_B" "$IN4_B"
one_case "$WG_TW" "$WG_GO" 6 "$IN6_B" "$IN4_B"
one_case "$WG_GO" "$WG_TW" 6 "$IN4_B" "$IN6_B"
finish
