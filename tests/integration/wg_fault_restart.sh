# Daemons killed with SIGKILL and restarted:
#  1. tapwire-wg itself: its stale UAPI socket does not stop the new daemon,
#     the configuration saved with `wg showconf` is applied again and traffic
#     resumes at once (tapwire-wg initiates).
#  2. the peer (wireguard-go, which only responds): tapwire-wg keeps sending
#     on its dead session, notices no answer and handshakes again within the
#     protocol's retry time (KEEPALIVE_TIMEOUT + REKEY_TIMEOUT = 15 s, plus
#     jitter); traffic resumes.
TW_TEST_TIMEOUT=75
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"

wg_pair "$WG_TW" "$WG_GO"
wg_wait_ping "$NSA" "$IN4_B" 10 || die "no tunnel"
nsx "$NSA" wg showconf "$IFA" >"$TW_TMP/a.conf"

# 1. tapwire-wg killed
wg_stop "$PIDA" KILL
check "killed tapwire-wg leaves its socket behind (the case under test)" test -S "$WG_RUN/$IFA.sock"
wg_start PIDA "$NSA" "$IFA" "$WG_TW"
check "restarted over the stale socket: wg talks to it" sh -c "ip netns exec $NSA wg show $IFA >/dev/null"
nsx "$NSA" wg setconf "$IFA" "$TW_TMP/a.conf" || fail "setconf after restart"
wg_inner "$NSA" "$IFA" 1
t0=$SECONDS
check "traffic resumes after tapwire-wg's restart" wg_wait_ping "$NSA" "$IN4_B" 10
log "resumed $((SECONDS - t0)) s after reconfiguring"

# 2. the peer killed and restarted, tapwire-wg pinging all along
nsx "$NSB" wg showconf "$IFB" >"$TW_TMP/b.conf"
nsx "$NSA" ping -n -i 0.5 -W 1 -c 90 "$IN4_B" >"$TW_TMP/ping.txt" 2>&1 &
pinger=$!
at_exit "kill $pinger"
check "the pinger gets answers" wait_for 5 grep -q 'bytes from' "$TW_TMP/ping.txt"
wg_stop "$PIDB" KILL
rm -f "$WG_RUN/$IFB.sock"
wg_start PIDB "$NSB" "$IFB" "$WG_GO"
nsx "$NSB" wg setconf "$IFB" "$TW_TMP/b.conf"
wg_inner "$NSB" "$IFB" 2
t0=$SECONDS
n0=$(grep -c 'bytes from' "$TW_TMP/ping.txt")
if wait_for 25 sh -c "[ \$(grep -c 'bytes from' $TW_TMP/ping.txt) -gt $n0 ]"; then
	ok "traffic resumes after the peer's restart, within $((SECONDS - t0)) s"
else
	fail "no traffic 25 s after the peer's restart"
fi
check "the peer saw a new handshake" test "$(wg_field "$NSB" "$IFB" latest-handshakes)" != 0
kill "$pinger" 2>/dev/null
check "tapwire-wg alive" wg_alive "$PIDA"
finish
