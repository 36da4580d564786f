# Peers and keys changing under a live tunnel (tapwire-wg against
# wireguard-go): removing a peer stops its traffic on either side and adding
# it back restores it; a new private key on one side (and the new public key
# given to the other) re-handshakes and traffic resumes.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"

hs() { wg_field "$1" "$2" latest-handshakes; }

wg_pair "$WG_TW" "$WG_GO"
check "tunnel up" wg_wait_ping "$NSA" "$IN4_B" 10

# tapwire-wg removes its peer: nothing goes out any more
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" remove
check_eq "peer gone from wg show" "$(nsx "$NSA" wg show "$IFA" peers)" ""
check "tapwire-wg side: ping fails once the peer is removed" sh -c "! ip netns exec $NSA ping -q -c 2 -W 1 $IN4_B"
check "peer side: ping fails too" sh -c "! ip netns exec $NSB ping -q -c 2 -W 1 $IN4_A"
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" allowed-ips "$IN4_B/32,$IN6_B/128" endpoint "$UL4_B:$WG_PORT_B"
check "peer added back: traffic resumes" wg_wait_ping "$NSA" "$IN4_B" 10

# the other side removes tapwire-wg: tapwire-wg's packets are dropped there
nsx "$NSB" wg set "$IFB" peer "$(wg_pub a)" remove
check "removed at the far end: ping fails" sh -c "! ip netns exec $NSA ping -q -c 2 -W 1 $IN4_B"
nsx "$NSB" wg set "$IFB" peer "$(wg_pub a)" allowed-ips "$IN4_A/32,$IN6_A/128"
# tapwire-wg must notice that its session is dead and handshake again
check "re-added at the far end: traffic resumes within the retry time" wg_wait_ping "$NSA" "$IN4_B" 20

# tapwire-wg gets a new private key; the peer learns the new public key
wg_keypair a2
# protocol time, not readiness: handshake times have one-second resolution,
# and the new handshake must be told from the last
sleep 1.1
h0=$(hs "$NSB" "$IFB")
nsx "$NSA" wg set "$IFA" private-key "$TW_TMP/a2.key"
check_eq "tapwire-wg reports its new public key" "$(nsx "$NSA" wg show "$IFA" public-key)" "$(wg_pub a2)"
nsx "$NSB" wg set "$IFB" peer "$(wg_pub a)" remove \
	peer "$(wg_pub a2)" allowed-ips "$IN4_A/32,$IN6_A/128"
check "new tapwire-wg key: traffic resumes" wg_wait_ping "$NSA" "$IN4_B" 15
check "new tapwire-wg key: a new handshake happened" test "$(hs "$NSB" "$IFB")" != "$h0"
check "new tapwire-wg key: IPv6 too" wg_ping "$NSA" "$IN6_B" 3

# the peer gets a new private key; tapwire-wg learns it
wg_keypair b2
sleep 1.1 # (the same)
h0=$(hs "$NSA" "$IFA")
nsx "$NSB" wg set "$IFB" private-key "$TW_TMP/b2.key"
check "the underlay still carries pings" nsx "$NSB" ping -q -n -c 1 -W 1 "$UL4_A"
check "old key at tapwire-wg: the tunnel no longer works" \
	sh -c "! ip netns exec $NSB ping -q -c 2 -W 1 $IN4_A"
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" remove \
	peer "$(wg_pub b2)" allowed-ips "$IN4_B/32,$IN6_B/128" endpoint "$UL4_B:$WG_PORT_B"
check "new peer key: traffic resumes" wg_wait_ping "$NSA" "$IN4_B" 15
check "new peer key: a new handshake happened" test "$(hs "$NSA" "$IFA")" != "$h0"

# a preshared key on one side only breaks the handshake; on both it works
wg genpsk >"$TW_TMP/psk"
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b2)" preshared-key "$TW_TMP/psk"
nsx "$NSB" wg set "$IFB" peer "$(wg_pub a2)" preshared-key "$TW_TMP/psk"
# force a fresh handshake: re-adding the peer on tapwire-wg drops its session
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b2)" remove
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b2)" preshared-key "$TW_TMP/psk" \
	allowed-ips "$IN4_B/32,$IN6_B/128" endpoint "$UL4_B:$WG_PORT_B"
check "preshared key on both sides: traffic" wg_wait_ping "$NSA" "$IN4_B" 15
check "tapwire-wg alive" wg_alive "$PIDA"
finish
