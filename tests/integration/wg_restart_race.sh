# Restart right after delete, as scripts and wg-quick do it: `ip link del`
# of tapwire-wg's interface, and a new tapwire-wg for the same name started
# within 10 ms, 50 times in a row. Each time the new daemon must get the
# UAPI socket (the old one removes it as it stops, and the new one waits for
# that instead of failing with "Address already in use"), take `wg setconf`
# and carry a ping to its wireguard-go peer. In 5 more rounds the old daemon
# is slow to notice (stopped with SIGSTOP across the delete, until the new
# one has waited 0.2 s): the new one must wait for it. A socket a live
# daemon still serves is refused with a message naming that daemon.
# The 10 ms is the rig's own promise, not the daemon's: a loaded CI machine
# may take longer to fork now and then, so nine rounds in ten must make it
# (the race is still run dozens of times) rather than every one.
TW_TEST_TIMEOUT=240
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"

ROUNDS=${TW_RESTART_ROUNDS:-50}
MAX_GAP_MS=10

wg_pair "$WG_TW" "$WG_GO"
check "tunnel up" wg_wait_ping "$NSA" "$IN4_B" 10
nsx "$NSA" wg showconf "$IFA" >"$TW_TMP/a.conf" || die "showconf"

# start_now VAR: a new tapwire-wg for IFA in NSA, its PID in VAR
start_now() {
	bg "$1" env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=verbose \
		ip netns exec "$NSA" "$WG_TW" -f "$IFA" >>"$TW_TMP/restarts.log" 2>&1
}
serves() { nsx "$NSA" wg show "$IFA" >/dev/null 2>&1; }

old=$PIDA fails=0 max_gap=0 quick=0 SLOW=5
for ((r = 1; r <= ROUNDS + SLOW; r++)); do
	slow=$((r > ROUNDS))
	((slow)) && kill -STOP "$old"
	ip -n "$NSA" link del "$IFA" || { fail "round $r: link del"; break; }
	t0=$(date +%s%N)
	start_now new
	gap=$((($(date +%s%N) - t0) / 1000000))
	((gap > max_gap)) && max_gap=$gap
	((gap <= MAX_GAP_MS)) && quick=$((quick + 1))
	why=
	if ((slow)); then
		# the old daemon wakes once the new one has waited 0.2 s for it (a
		# new daemon that gives up at once has exited by then)
		for ((i = 0; i < 20; i++)); do kill -0 "$new" 2>/dev/null || break; sleep 0.01; done
		kill -CONT "$old"
	fi
	if ! wait_for 10 test -S "$WG_RUN/$IFA.sock" || ! wait_for 5 serves; then
		why="no UAPI socket"
	elif ! kill -0 "$new" 2>/dev/null; then
		why="the new daemon exited"
	elif ! nsx "$NSA" wg setconf "$IFA" "$TW_TMP/a.conf" 2>"$TW_TMP/setconf.err"; then
		why="wg setconf: $(cat "$TW_TMP/setconf.err")"
	else
		wg_inner "$NSA" "$IFA" 1
		wg_wait_ping "$NSA" "$IN4_B" 10 || why="no ping through the new daemon"
	fi
	if ! wait_for 5 sh -c "! kill -0 $old 2>/dev/null"; then
		why="${why:+$why; }the old daemon (pid $old) did not exit"
	fi
	wait "$old" 2>/dev/null
	if [ -n "$why" ]; then
		fails=$((fails + 1))
		log "round $r: $why"
		[ $fails -ge 3 ] && break
	fi
	old=$new
done
log "$((r - 1)) rounds ($SLOW with a slow old daemon); longest gap between link del and the new daemon's start: $max_gap ms"
check_eq "every restart within $MAX_GAP_MS ms of the delete works" "$fails" 0
check "nine new daemons in ten started within $MAX_GAP_MS ms ($quick of $((r - 1)))" \
	test $((quick * 10)) -ge $(((r - 1) * 9))

# A live daemon's socket is not taken: a second daemon of the same name in
# another namespace is refused, with the holder named, and harms nothing.
ns_new NSX
bg other env WG_PROCESS_FOREGROUND=1 ip netns exec "$NSX" "$WG_TW" -f "$IFA" >"$TW_TMP/other.log" 2>&1
check "a second daemon for a served name is refused" wait_for 10 sh -c "! kill -0 $other 2>/dev/null"
wait "$other" 2>/dev/null
check "... saying which process serves it" grep -q "process $old still serves $IFA" "$TW_TMP/other.log"
check "the first daemon still serves" serves
check "... and carries traffic" wg_ping "$NSA" "$IN4_B" 2
finish
