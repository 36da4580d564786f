# Rekey and key expiry without waiting minutes: tapwire-wg's protocol clock
# runs 20 times faster under the test-only TW_TEST_CLOCK_RATE knob, so
# REKEY_AFTER_TIME (120 s) passes in 6 real seconds and REJECT_AFTER_TIME
# (180 s) in 9. The real state machine runs; only time is scaled.
#  1. tapwire-wg (fast clock) initiates to wireguard-go: under steady traffic
#     it re-handshakes about every 6 s and no traffic is lost doing so.
#  2. tapwire-wg on both ends, both fast: same.
#  3. the peer goes silent (its underlay drops everything): tapwire-wg keeps
#     sending data with the old keys until REJECT_AFTER_TIME, then only
#     handshake initiations.
TW_TEST_TIMEOUT=90
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
# the daemon with the test clock: the installed one ignores TW_TEST_CLOCK_RATE
check "the installed tapwire-wg has no test clock" sh -c "! grep -q TW_TEST_CLOCK_RATE $WG_TW"
WG_TW=$WG_TW_CLOCK
needs tcpdump nft
RATE=20

hs() { wg_field "$1" "$2" latest-handshakes; }
silence_b() { wg_silence "$NSB" $WG_PORT_B; } # B's host drops every datagram for the daemon

# rekeys WHAT: 15 s of pings at 5/s; collects A's handshake times.
rekeys() {
	local what=$1 seen=() h i lost
	nsx "$NSA" ping -q -n -i 0.2 -c 75 -W 1 "$IN4_B" >"$TW_TMP/ping.txt" 2>&1 &
	local pinger=$!
	for ((i = 0; i < 16; i++)); do
		h=$(hs "$NSA" "$IFA")
		[[ " ${seen[*]} " == *" $h "* ]] || seen+=("$h")
		sleep 1 # sampling, once a second
	done
	wait "$pinger"
	lost=$(grep -o '[0-9]*% packet loss' "$TW_TMP/ping.txt" | cut -d% -f1)
	log "$what: handshake times seen: ${seen[*]}; ping loss ${lost}%"
	check "$what: at least 2 rekeys in 16 s (${#seen[@]} handshakes)" test "${#seen[@]}" -ge 3
	check "$what: rekeys do not lose traffic (${lost}% loss)" test "${lost:-100}" -le 3
}

WG_ENV_A=(TW_TEST_CLOCK_RATE=$RATE)
wg_pair "$WG_TW" "$WG_GO"
wg_wait_ping "$NSA" "$IN4_B" 10 || die "no tunnel"
rekeys "tapwire-wg x$RATE -> wireguard-go"
wg_stop "$PIDA"
wg_stop "$PIDB"

WG_ENV_B=(TW_TEST_CLOCK_RATE=$RATE)
wg_pair "$WG_TW" "$WG_TW"
wg_wait_ping "$NSA" "$IN4_B" 10 || die "no tunnel"
rekeys "tapwire-wg x$RATE -> tapwire-wg x$RATE"

# 3. expiry: B's underlay drops everything from now on
capture dump "$NSA" "$TW_TMP/out.txt" --immediate-mode -i ula -n -l -tt -Q out udp dst port $WG_PORT_B
wg_ping "$NSA" "$IN4_B" 1
silence_b
# a fresh handshake starts the 180 s (9 s) clock now
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" remove peer "$(wg_pub b)" \
	allowed-ips "$IN4_B/32,$IN6_B/128" endpoint "$UL4_B:$WG_PORT_B"
wg_unsilence "$NSB"
wg_wait_ping "$NSA" "$IN4_B" 5 || fail "no fresh handshake"
silence_b
t0=$(date +%s.%N)
nsx "$NSA" ping -q -n -i 0.2 -c 70 -W 1 "$IN4_B" >/dev/null 2>&1
check "the capture is complete" capture_sync "$TW_TMP/out.txt" "length 7$" \
	wg_mark "$NSA" "$UL4_B" $WG_PORT_B
# data packets carry the 84-byte echo padded to 96 (+32): length 128;
# initiations are 148
last_data=$(awk -v t0="$t0" '/length 128$/ && $1 > t0 { l = $1 } END { printf "%.1f", l - t0 }' "$TW_TMP/out.txt")
inits=$(awk -v t0="$t0" '/length 148$/ && $1 > t0 + 10 { n++ } END { print n + 0 }' "$TW_TMP/out.txt")
log "silent peer: last data packet ${last_data} s after the handshake; $inits initiations after 10 s"
check "data goes out while the keys are young (until ~9 s = 180 s x$RATE), last at ${last_data}s" \
	awk -v l="$last_data" 'BEGIN { exit !(l >= 7 && l <= 10.5) }'
check "after REJECT_AFTER_TIME only handshake initiations leave ($inits)" test "$inits" -ge 1
check "tapwire-wg A alive" wg_alive "$PIDA"
check "tapwire-wg B alive" wg_alive "$PIDB"
finish
