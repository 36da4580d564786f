# tapwire-wg's interface moved into another network namespace after start
# (`ip link set IF netns NS`) keeps working, while its UDP socket stays in
# the namespace where the daemon started (the WireGuard "birthplace"
# namespace): the underlay is reachable only from there.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"

for role in initiator responder; do
	if [ $role = initiator ]; then
		wg_pair "$WG_TW" "$WG_GO"
		TIF=$IFA TNS=$NSA TPID=$PIDA OIF=$IFB ONS=$NSB tin=1 oin=2
	else
		wg_pair "$WG_GO" "$WG_TW"
		TIF=$IFB TNS=$NSB TPID=$PIDB OIF=$IFA ONS=$NSA tin=2 oin=1
	fi
	ns_new NSC # the container: no underlay at all
	ip -n "$TNS" link set "$TIF" netns "$NSC" || die "cannot move $TIF"
	# a move takes addresses and state away: configure it in its new home
	wg_inner "$NSC" "$TIF" $tin
	check "$role: $TIF now lives in the new namespace" ip -n "$NSC" link show "$TIF"
	check "$role: UDP socket stays in the birth namespace" \
		sh -c "ip netns exec $TNS ss -uln | grep -q ':5182[01] '"
	check "$role: no UDP socket in the new namespace" \
		sh -c "! ip netns exec $NSC ss -uln | grep -q ':5182[01] '"
	check "$role: wg still manages it by name" sh -c "ip netns exec $NSC wg show $TIF >/dev/null"
	if [ $role = initiator ]; then
		check "$role: ping v4 from the new namespace" wg_wait_ping "$NSC" "203.0.113.$oin" 10
		check "$role: ping v6 from the new namespace" wg_wait_ping "$NSC" "fd00:2::$oin" 5
	else
		check "$role: peer reaches the moved interface (v4)" wg_wait_ping "$ONS" "203.0.113.$tin" 10
		check "$role: peer reaches the moved interface (v6)" wg_wait_ping "$ONS" "fd00:2::$tin" 5
		check "$role: ping from the new namespace" wg_ping "$NSC" "203.0.113.$oin" 3
	fi
	# and once more: back again into the birth namespace
	ip -n "$NSC" link set "$TIF" netns "$TNS"
	wg_inner "$TNS" "$TIF" $tin
	check "$role: works after moving back" wg_wait_ping "$ONS" "203.0.113.$tin" 5
	check "$role: daemon alive" wg_alive "$TPID"
	wg_stop "$PIDA"
	wg_stop "$PIDB"
done
finish
