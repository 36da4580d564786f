# 5% random loss on the underlay, both directions (nftables numgen), from
# before the first handshake: tapwire-wg handshakes anyway (retries) and a
# TCP transfer through the tunnel completes, in both directions.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
needs iperf3 jq nft

for dir in tw-initiates go-initiates; do
	if [ $dir = tw-initiates ]; then wg_pair "$WG_TW" "$WG_GO"; else wg_pair "$WG_GO" "$WG_TW"; fi
	nsx "$NSB" nft -f - <<NFT || die "nft"
table inet twloss {
	chain in {
		type filter hook input priority 0; policy accept;
		udp dport $WG_PORT_B numgen random mod 100 < 5 counter drop
	}
	chain out {
		type filter hook output priority 0; policy accept;
		udp sport $WG_PORT_B numgen random mod 100 < 5 counter drop
	}
}
NFT
	check "$dir: handshake through 5% loss" wg_wait_ping "$NSA" "$IN4_B" 15
	wg_iperf_server "$NSB"
	wg_iperf "loss-$dir" "$NSA" "$IN4_B" -t 3
	rc=$?
	wg_iperf "loss-$dir-r" "$NSA" "$IN6_B" -t 3 -R
	rc2=$?
	retr=$(jq '.end.sum_sent.retransmits // 0' "$TW_TMP/loss-$dir.json")
	drops=$(nsx "$NSB" nft list table inet twloss | grep -o 'packets [0-9]*' | awk '{ s += $2 } END { print s + 0 }')
	log "$dir: $(wg_iperf_tcp_mbps "loss-$dir") Mbit/s ($retr retransmits), reverse $(wg_iperf_tcp_mbps "loss-$dir-r") Mbit/s; $drops datagrams dropped"
	check_eq "$dir: TCP v4 completes under 5% loss" "$rc" 0
	check_eq "$dir: reverse TCP v6 completes under 5% loss" "$rc2" 0
	check "$dir: the loss was real ($drops dropped)" test "$drops" -gt 50
	check "$dir: data moved" test "$(wg_iperf_tcp_mbps "loss-$dir")" -gt 1
	wg_stop "$PIDA"
	wg_stop "$PIDB"
done
finish
