# tapwire-wg's offloaded data path is really the one in use: between two
# tapwire-wg daemons the TUN shows `vnet_hdr on`, and during an iperf3 TCP run
# the sender splits TSO super-packets read from its TUN and the receiver writes
# coalesced (GRO) super-packets to its TUN, as the counters each daemon logs at
# exit (LOG_LEVEL=verbose) show; the stream arrives intact both ways.
# With TW_WG_OFFLOAD=0 in the environment (the int/wg_offload@nooffload
# variant) it checks the opposite: no vnet header, nothing split or coalesced,
# and the same traffic still crosses.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
needs iperf3 jq

if [ "${TW_WG_OFFLOAD:-1}" = 0 ]; then want=off; else want=on; fi
log "expecting offloads $want (TW_WG_OFFLOAD=${TW_WG_OFFLOAD:-unset})"

wg_pair "$WG_TW" "$WG_TW"
wg_wait_ping "$NSA" "$IN4_B" 10 || die "no handshake"
for side in "$NSA $IFA" "$NSB $IFB"; do
	set -- $side
	check_eq "$2: TUN vnet_hdr $want" \
		"$(ip -n "$1" -d link show "$2" | grep -o 'vnet_hdr [a-z]*')" "vnet_hdr $want"
done

wg_iperf_server "$NSB"
for dst in "$IN4_B" "$IN6_B"; do
	if wg_iperf "tcp-$dst" "$NSA" "$dst" -t 2; then
		mbps=$(wg_iperf_tcp_mbps "tcp-$dst")
		check "TCP A->$dst moves data ($mbps Mbit/s)" test "$mbps" -gt 10
	else
		fail "iperf3 TCP to $dst: $(head -c 300 "$TW_TMP/tcp-$dst.err")"
	fi
done
if wg_iperf "tcp-rev" "$NSA" "$IN4_B" -t 2 -R; then
	mbps=$(wg_iperf_tcp_mbps "tcp-rev")
	check "TCP B->A moves data ($mbps Mbit/s)" test "$mbps" -gt 10
else
	fail "iperf3 TCP B->A: $(head -c 300 "$TW_TMP/tcp-rev.err")"
fi
check "A alive" wg_alive "$PIDA"
check "B alive" wg_alive "$PIDB"
wg_stop "$PIDA"
wg_stop "$PIDB"

# "Offloads: N TUN super-packets split into M packets, W coalesced TUN writes of P packets"
counters() { grep -o 'Offloads: .*' "$TW_TMP/$1.log" | tr -dc '0-9 ' | awk '{print $1, $2, $3, $4}'; }
for side in "$IFA" "$IFB"; do
	read -r reads segs writes pkts < <(counters "$side")
	log "$side: ${reads:-no} super-packets split into ${segs:-0}, ${writes:-no} coalesced writes of ${pkts:-0}"
	if [ $want = on ]; then
		check "$side: super-packets read from the TUN were split" \
			test "${reads:-0}" -gt 0 -a "${segs:-0}" -gt "${reads:-0}"
		check "$side: coalesced super-packets were written to the TUN" \
			test "${writes:-0}" -gt 0 -a "${pkts:-0}" -gt "${writes:-0}"
	else
		check_eq "$side: no offload counters without vnet_hdr" "${reads:-none}" none
	fi
done
finish
