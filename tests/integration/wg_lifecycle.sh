# tapwire-wg's life and death: SIGTERM and SIGINT remove the interface and
# the UAPI socket and exit 0; the TUN deleted under a running daemon (as
# wg-quick down does) makes it exit 0 too, saying why only in the verbose log,
# and remove its socket; a second daemon for a
# name already served is refused and harms nothing.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"

ns_new NS
n=0
# start_one: a daemon on a fresh interface, configured, with an address.
start_one() {
	IF=$(wg_ifname "l$n")
	n=$((n + 1))
	wg_start PID "$NS" "$IF" "$WG_TW"
	wg_keypair "k$n"
	nsx "$NS" wg set "$IF" private-key "$TW_TMP/k$n.key" listen-port 51820 || fail "wg set $IF"
	ip -n "$NS" addr add 203.0.113.1/24 dev "$IF"
	ip -n "$NS" link set "$IF" up
}
gone() { # both the interface and the socket are gone
	! ip -n "$NS" link show "$IF" >/dev/null 2>&1 && [ ! -e "$WG_RUN/$IF.sock" ]
}
exited() { ! kill -0 "$1" 2>/dev/null; }
serves() { nsx "$NS" wg show "$IF" >/dev/null 2>&1; }
port_free() { ! ip netns exec "$NS" ss -uln | grep -q ':51820 '; }

for sig in TERM INT; do
	start_one
	check "SIG$sig: daemon serves $IF" serves
	wg_stop "$PID" "$sig"
	rc=$?
	check "SIG$sig: daemon exited" exited "$PID"
	check_eq "SIG$sig: exit code" "$rc" 0
	check "SIG$sig: interface and socket removed" gone
	check "SIG$sig: UDP port released" port_free
done

# The TUN deleted underneath.
start_one
ip -n "$NS" link del "$IF"
if wait_for 5 exited "$PID"; then
	ok "TUN deleted: daemon exited"
else
	fail "TUN deleted: daemon still runs"
fi
wait "$PID" 2>/dev/null
check_eq "TUN deleted (wg-quick down's way): exit code 0, as wireguard-go's" "$?" 0
check "TUN deleted: nothing logged as an error" sh -c "! grep -q '^ERROR' '$TW_TMP/$IF.log'"
check "TUN deleted: socket removed" test ! -e "$WG_RUN/$IF.sock"
check "TUN deleted: port released" port_free
log "TUN deleted: daemon said: $(tail -n 3 "$TW_TMP/$IF.log" | tr '\n' '|')"
# (wireguard-go only says "Device closing"; tapwire-wg must say why)
[ "$WG_TW" = "$WG_GO" ] ||
	check "TUN deleted: the log says why" grep -Eiq \
		"(tun|interface|link|$IF).*(gone|remov|delet|vanish|disappear|lost|closed)" "$TW_TMP/$IF.log"

# A second daemon for a name already served must not steal or break it.
start_one
first=$PID
bg second env WG_PROCESS_FOREGROUND=1 ip netns exec "$NS" "$WG_TW" -f "$IF" >"$TW_TMP/second.log" 2>&1
wait_for 5 exited "$second"
wait "$second" 2>/dev/null
rc=$?
check "second daemon for $IF refused (exit $rc)" test "$rc" != 0
check "first daemon still alive" wg_alive "$first"
check "first daemon still answers wg show" serves
wg_stop "$first"
check "first daemon removed everything" gone

finish
