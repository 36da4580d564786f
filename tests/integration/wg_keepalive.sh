# Persistent keepalive, seen on the wire: with persistent-keepalive 1 and no
# traffic at all, tapwire-wg handshakes by itself and then sends a 32-byte
# keepalive (type 4, empty payload) about every second; with it off, the
# wire stays silent.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
needs tcpdump

wg_pair "$WG_TW" "$WG_GO"
capture dump "$NSB" "$TW_TMP/wire.txt" --immediate-mode -i ulb -n -l -Q in udp dst port $WG_PORT_B
check_eq "no handshake before any traffic" "$(wg_field "$NSB" "$IFB" latest-handshakes)" 0
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" persistent-keepalive 1
check "a handshake without any traffic" \
	wait_for 6 sh -c "[ \"\$(ip netns exec $NSB wg show $IFB latest-handshakes | cut -f2)\" != 0 ]"
rx0=$(wg_rx "$NSB" "$IFB")
: >"$TW_TMP/wire.txt"
sleep 5.5 # the window keepalives are counted in
n=$(grep -c "UDP, length 32$" "$TW_TMP/wire.txt")
rx1=$(wg_rx "$NSB" "$IFB")
log "keepalives in 5.5 s: $n; peer's rx $rx0 -> $rx1"
check "keepalives about every second ($n in 5.5 s)" test "$n" -ge 3 -a "$n" -le 8
check "the peer's rx counter moves with no traffic" test "$rx1" -gt "$rx0"
check "the keepalive interval is reported" \
	sh -c "ip netns exec $NSA wg show $IFA persistent-keepalive | grep -q '	1$'"

nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" persistent-keepalive 3
# the timer armed at interval 1 may fire once more: count from the first
# keepalive after the change, then every one is 3 s after the last
: >"$TW_TMP/wire.txt"
check "a keepalive after the change" wait_for 5 grep -q "UDP, length 32$" "$TW_TMP/wire.txt"
: >"$TW_TMP/wire.txt"
sleep 6.2 # the window keepalives are counted in
n=$(grep -c "UDP, length 32$" "$TW_TMP/wire.txt")
log "keepalives in 6.2 s at interval 3: $n"
check "interval 3: 2 or 3 keepalives in 6.2 s ($n)" test "$n" -ge 2 -a "$n" -le 3

nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" persistent-keepalive off
# what was sent before the change is on the wire once a ping's data message
# (84 bytes padded to 96, + 32) shows after it
check "the path is live before the silent window" capture_sync "$TW_TMP/wire.txt" \
	"length 128$" wg_ping "$NSA" "$IN4_B"
: >"$TW_TMP/wire.txt"
sleep 4 # the window that must stay silent
n=$(grep -c "UDP" "$TW_TMP/wire.txt")
# ... and the capture still sees the tunnel's packets at its end
check "the path is live after the silent window" capture_sync "$TW_TMP/wire.txt" \
	"length 128$" wg_ping "$NSA" "$IN4_B"
check_eq "keepalive off: the wire is silent" "$n" 0
check "daemon alive" wg_alive "$PIDA"
finish
