# Deleting tapwire-wg's UAPI socket stops it, as it stops wireguard-go
# (which watches its socket file): the daemon exits and its interface goes.
TW_TEST_TIMEOUT=30
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"

ns_new NS
IF=$(wg_ifname d)
wg_start PID "$NS" "$IF" "$WG_TW"
ip -n "$NS" link set "$IF" up
rm -f "$WG_RUN/$IF.sock"
if wait_for 5 sh -c "! kill -0 $PID 2>/dev/null"; then
	ok "socket deleted: daemon exited"
else
	fail "socket deleted: daemon still runs"
fi
check "socket deleted: interface removed" wait_for 3 sh -c "! ip -n $NS link show $IF"
finish
