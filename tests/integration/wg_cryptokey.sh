# Cryptokey routing, receive side: a packet that decrypts fine but whose
# inner source is outside the sending peer's allowed IPs is dropped by
# tapwire-wg (never written to its TUN); the same traffic from an allowed
# source passes. IPv4 and IPv6. Also the send side: a destination covered by
# no peer's allowed IPs is not sent at all.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"

# A (wireguard-go) sends, B (tapwire-wg) receives and must filter.
wg_pair "$WG_GO" "$WG_TW"
wg_wait_ping "$NSA" "$IN4_B" 10 || die "no tunnel"
# A gets source addresses that B does not allow for it
ip -n "$NSA" addr add 203.0.113.99/32 dev "$IFA"
ip -n "$NSA" addr add fd00:2::99/128 dev "$IFA" nodad
tun_rx() { ip -n "$NSB" -j -s link show "$IFB" | jq '.[0].stats64.rx.packets'; }

for fam in 4 6; do
	if [ $fam = 4 ]; then bad=203.0.113.99 good=$IN4_A dst=$IN4_B; else bad=fd00:2::99 good=$IN6_A dst=$IN6_B; fi
	wg_ping "$NSA" "$dst" 1
	r0=$(wg_rx "$NSB" "$IFB") t0=$(tun_rx)
	nsx "$NSA" ping -q -n -c 5 -i 0.2 -W 1 -I "$bad" "$dst" >/dev/null 2>&1
	rc=$?
	r1=$(wg_rx "$NSB" "$IFB") t1=$(tun_rx)
	log "IPv$fam from $bad: ping rc=$rc, peer rx bytes $r0 -> $r1, TUN rx packets $t0 -> $t1"
	check "IPv$fam: ping from a disallowed source fails" test "$rc" != 0
	check "IPv$fam: the packets did reach and decrypt at tapwire-wg" test "$r1" -gt "$r0"
	check_eq "IPv$fam: none was written to tapwire-wg's TUN" "$t1" "$t0"
	check "IPv$fam: ping from the allowed source still works" \
		nsx "$NSA" ping -q -n -c 3 -i 0.2 -W 1 -I "$good" "$dst"
	check "IPv$fam: TUN rx counter moves for allowed packets" test "$(tun_rx)" -gt "$t1"
done

# allowing the extra address makes the same ping pass: the filter is the
# allowed-IPs table, nothing else
nsx "$NSB" wg set "$IFB" peer "$(wg_pub a)" allowed-ips "$IN4_A/32,$IN6_A/128,203.0.113.99/32"
check "after allowing it, the ping from 203.0.113.99 passes" \
	nsx "$NSA" ping -q -n -c 2 -i 0.2 -W 1 -I 203.0.113.99 "$IN4_B"

# send side: tapwire-wg has no peer for 203.0.113.50 (the /24 route points
# at the tunnel), so nothing leaves on the underlay
ip -n "$NSB" route add 203.0.113.50/32 dev "$IFB"
tx0=$(wg_tx "$NSB" "$IFB")
nsx "$NSB" ping -q -n -c 3 -i 0.2 -W 1 203.0.113.50 >/dev/null 2>&1
check "ping to an address no peer owns fails" test $? != 0
tx1=$(wg_tx "$NSB" "$IFB")
# the same path carries a ping to the peer's address right after
check "a ping to the peer's address passes" wg_ping "$NSB" "$IN4_A"
check "... and counts as sent" test "$(wg_tx "$NSB" "$IFB")" -gt "$tx1"
check_eq "nothing sent for it" "$tx1" "$tx0"
check "tapwire-wg alive" wg_alive "$PIDB"
finish
