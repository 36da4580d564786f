#!/usr/bin/env bash
# tapwire-wg under a handshake flood from a host that knows its public key
# (so every initiation carries a valid mac1 and costs real work): the
# daemon notices the backlog, answers with cookie replies instead of doing
# the Diffie-Hellman work, and a legitimate peer (wireguard-go) still
# completes its handshake, proving its address with mac2 from the cookie.
TW_TEST_TIMEOUT=90
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
needs tcpdump

# A (wireguard-go) will initiate to B (tapwire-wg), but only once pinged
wg_pair "$WG_GO" "$WG_TW"
ip -n "$NSA" addr add 198.51.100.3/24 dev ula

# cookie replies (64-byte UDP payloads) leaving tapwire-wg
# (the first 200 are proof enough; more would only cost CPU)
capture DUMP "$NSB" "$TW_TMP/cookies.txt" -c 200 -i ulb -n -l -Q out \
	"udp src port $WG_PORT_B and udp[4:2] = 72"

# The flood: initiations with a valid mac1 for tapwire-wg's key, from
# 198.51.100.3 (the legitimate peer uses 198.51.100.1), 40000 a second:
# well beyond what full handshakes can keep up with.
bg FLOOD ip netns exec "$NSA" python3 "$TW_TESTS/tools/wg_flood.py" "$TW_TMP/b.pub" 45 "$UL4_B" $WG_PORT_B 40000
# under load once it answers with cookies
check "the flood puts tapwire-wg under load" wait_for 10 test -s "$TW_TMP/cookies.txt"
twpid=$PIDB
# the legitimate peer starts its handshake in the middle of the flood
# (wireguard-go retries every 5 s; its first try only earns it a cookie)
t0=$SECONDS
through() {
	while [ $((SECONDS - t0)) -lt 40 ]; do
		wg_ping "$NSA" "$IN4_B" && return 0
	done
	return 1
}
check "legitimate peer gets through during the flood" through
log "handshake done after $((SECONDS - t0)) s of flood"
kill -0 "$FLOOD" 2>/dev/null && flood_on=1 || flood_on=0
check_eq "the flood was still on when it did" "$flood_on" 1
check "tapwire-wg survived" kill -0 "$twpid"
capture_end "$DUMP"
n=$(wc -l <"$TW_TMP/cookies.txt")
log "$n cookie replies seen"
check "cookie replies were sent under load ($n)" test "$n" -gt 0
kill "$FLOOD" 2>/dev/null; wait "$FLOOD" 2>/dev/null
finish
