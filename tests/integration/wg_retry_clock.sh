# Handshake retries against a silent peer, with tapwire-wg's protocol clock
# sped up 20 times (test-only TW_TEST_CLOCK_RATE): one packet to send starts
# a handshake; initiations repeat every REKEY_TIMEOUT (5 s, 0.25 s here) plus
# jitter, and stop after REKEY_ATTEMPT_TIME (90 s, 4.5 s here): about 18
# retries in all. When the peer answers again, new traffic handshakes at
# once.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
# the daemon with the test clock (see wg_rekey_clock)
WG_TW=$WG_TW_CLOCK
needs tcpdump nft
RATE=20

WG_ENV_A=(TW_TEST_CLOCK_RATE=$RATE)
wg_pair "$WG_TW" "$WG_GO"
wg_silence "$NSB" $WG_PORT_B
capture dump "$NSA" "$TW_TMP/out.txt" --immediate-mode -i ula -n -l -tt -Q out udp dst port $WG_PORT_B
t0=$(date +%s.%N)
nsx "$NSA" ping -q -n -c 1 -W 1 "$IN4_B" >/dev/null 2>&1
sleep 8 # the window retries are counted in
check "the capture is complete" capture_sync "$TW_TMP/out.txt" "length 7$" \
	wg_mark "$NSA" "$UL4_B" $WG_PORT_B
awk -v t0="$t0" '/length 148$/ && $1 > t0 { print $1 - t0 }' "$TW_TMP/out.txt" >"$TW_TMP/inits.txt"
n=$(wc -l <"$TW_TMP/inits.txt")
last=$(tail -n 1 "$TW_TMP/inits.txt")
gap=$(awk 'NR > 1 { printf "%.3f\n", $1 - p } { p = $1 }' "$TW_TMP/inits.txt" | sort -n |
	awk '{ g[NR] = $1 } END { print g[int((NR + 1) / 2)] }')
log "initiations: $n, the last at ${last:-?} s, median gap ${gap} s"
check "about 18 retries before giving up ($n initiations)" test "$n" -ge 15 -a "$n" -le 21
check "retries every REKEY_TIMEOUT: median gap $gap s (0.25 s + jitter)" \
	awk -v g="$gap" 'BEGIN { exit !(g >= 0.22 && g <= 0.35) }'
check "gives up after REKEY_ATTEMPT_TIME (~4.5 s; last at ${last:-?} s)" \
	awk -v l="${last:-99}" 'BEGIN { exit !(l >= 3.8 && l <= 6) }'

wg_unsilence "$NSB"
check "peer answers again: new traffic handshakes at once" wg_wait_ping "$NSA" "$IN4_B" 3
check "tapwire-wg alive" wg_alive "$PIDA"
finish
