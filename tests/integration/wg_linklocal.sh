# An IPv6 link-local endpoint, zone included, as wg(8) gives it
# ([fe80::b%ula]:port): tapwire-wg takes it, `wg show` in its namespace
# shows it back the same way, traffic goes over it, and tapwire-wg learns
# the other side's link-local address with its zone from the packets;
# against wireguard-go too, both ways (wireguard-go shows no zone, so only
# the traffic is checked on its side).
TW_TEST_TIMEOUT=90
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"

# endpoint_in NS IFNAME: the first peer's endpoint, as wg(8) shows it in NS.
endpoint_in() { nsx "$1" wg show "$2" endpoints | head -n 1 | cut -f 2; }

# link_local IMPL_A IMPL_B: A is given B's link-local endpoint.
link_local() {
	local a b
	wg_pair "$1" "$2"
	a=$(wg_impl_name "$1") b=$(wg_impl_name "$2")
	ip -n "$NSA" addr add fe80::a/64 dev ula nodad
	ip -n "$NSB" addr add fe80::b/64 dev ulb nodad
	check "$a takes endpoint [fe80::b%ula]" nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" \
		endpoint "[fe80::b%ula]:$WG_PORT_B"
	[ "$1" = "$WG_TW" ] && check_eq "$a shows it with its zone" "$(endpoint_in "$NSA" "$IFA")" \
		"[fe80::b%ula]:$WG_PORT_B"
	check "$a -> $b over the link-local underlay" wg_wait_ping "$NSA" "$IN4_B" 10
	[ "$2" = "$WG_TW" ] && check_eq "$b learned [fe80::a%ulb] from the packets" \
		"$(endpoint_in "$NSB" "$IFB")" "[fe80::a%ulb]:$WG_PORT_A"
	check "$b -> $a back over it" wg_ping "$NSB" "$IN6_A" 3
}

link_local "$WG_TW" "$WG_TW"
link_local "$WG_TW" "$WG_GO"
link_local "$WG_GO" "$WG_TW"
finish
