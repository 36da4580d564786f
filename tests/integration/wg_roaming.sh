# Endpoint roaming and sticky source addresses, tapwire-wg against
# wireguard-go.
#  1. The peer (wireguard-go, initiator) changes its underlay address in the
#     middle of a TCP transfer; tapwire-wg follows it and the transfer goes on.
#  2. tapwire-wg has two underlay addresses; the peer reaches it on the
#     secondary one, and tapwire-wg's replies leave from that address (seen on
#     the wire and in the peer's `wg show endpoints`); when the peer moves to
#     the primary address and the secondary one is deleted, replies follow.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
needs iperf3 jq tcpdump

# ---- 1. the peer roams mid-transfer
wg_pair "$WG_GO" "$WG_TW"
wg_wait_ping "$NSA" "$IN4_B" 10 || die "no tunnel"
check_eq "tapwire-wg sees the peer at its first address" \
	"$(wg_field "$NSB" "$IFB" endpoints)" "$UL4_A:$WG_PORT_A"
wg_iperf_server "$NSB"
tx0=$(wg_tx "$NSA" "$IFA")
nsx "$NSA" timeout 30 iperf3 -c "$IN4_B" -p 5201 -t 6 -i 1 -J >"$TW_TMP/roam.json" 2>"$TW_TMP/roam.err" &
iperf=$!
# the peer roams once the transfer is under way: a megabyte through the tunnel
check "the transfer is under way" wait_for 5 sh -c "[ \$(wg show $IFA transfer | cut -f3) -gt $((tx0 + 1000000)) ]"
# the old primary goes, the new address is promoted (not deleted with it)
nsx "$NSA" sysctl -qw net.ipv4.conf.ula.promote_secondaries=1
ip -n "$NSA" addr add 198.51.100.11/24 dev ula
ip -n "$NSA" addr del "$UL4_A/24" dev ula
# wireguard-go keeps sending from the deleted address (its cached source)
# until its endpoint is set again; a client that re-resolves does this
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" endpoint "$UL4_B:$WG_PORT_B"
log "peer moved from $UL4_A to 198.51.100.11 at t=2s"
wait "$iperf"
rc=$?
check_eq "TCP transfer across the move completes" "$rc" 0
# every second after the move carried data
late=$(jq '[.intervals[3:][] | .sum.bytes] | min // 0' "$TW_TMP/roam.json" 2>/dev/null)
log "bytes per second after the move (min): ${late:-?}; all: $(jq -c "[.intervals[] | .sum.bytes]" "$TW_TMP/roam.json" 2>/dev/null)"
check "data flowed in every second after the move" test "${late:-0}" -gt 100000
check_eq "tapwire-wg follows the peer to its new address" \
	"$(wg_field "$NSB" "$IFB" endpoints)" "198.51.100.11:$WG_PORT_A"
check "ping after the move" wg_ping "$NSA" "$IN4_B" 3

# IPv6 outer: the peer moves from fd00:1::1 to fd00:1::11
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" endpoint "[$UL6_B]:$WG_PORT_B"
# (the first datagrams over IPv6 wait for neighbour discovery; on a busy
# machine that can outlast a ping or two: poll, bounded)
wg_wait_ping "$NSA" "$IN6_B" 5
wg_wait_endpoint "$NSB" "$IFB" "[$UL6_A]:$WG_PORT_A"
check_eq "tapwire-wg sees the peer over IPv6" \
	"$(wg_field "$NSB" "$IFB" endpoints)" "[$UL6_A]:$WG_PORT_A" || wg_diag "$NSA" "$NSB"
ip -n "$NSA" addr add fd00:1::11/64 dev ula nodad
ip -n "$NSA" addr del "$UL6_A/64" dev ula
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" endpoint "[$UL6_B]:$WG_PORT_B"
check "ping over IPv6 outer after the move" wg_wait_ping "$NSA" "$IN6_B" 5
wg_wait_endpoint "$NSB" "$IFB" "[fd00:1::11]:$WG_PORT_A"
check_eq "tapwire-wg follows the peer to its new IPv6 address" \
	"$(wg_field "$NSB" "$IFB" endpoints)" "[fd00:1::11]:$WG_PORT_A"
# NAT rebinding: the peer's port changes, mid-ping
nsx "$NSA" ping -n -c 30 -i 0.1 "$IN6_B" >"$TW_TMP/rebind.txt" 2>&1 &
pinger=$!
check "pings answered before the port change" wait_for 5 grep -q 'bytes from' "$TW_TMP/rebind.txt"
nsx "$NSA" wg set "$IFA" listen-port 51830
wait "$pinger"
log "pings across the port change: $(grep -o '[0-9]* received' "$TW_TMP/rebind.txt")"
check "pings across the port change mostly answered" \
	test "$(grep -o '[0-9]* received' "$TW_TMP/rebind.txt" | cut -d' ' -f1)" -ge 25
# (on a busy machine the change may land after the last ping: one more, then poll)
wg_wait_ping "$NSA" "$IN6_B" 5
wg_wait_endpoint "$NSB" "$IFB" "[fd00:1::11]:51830"
check_eq "tapwire-wg follows the peer to its new port" \
	"$(wg_field "$NSB" "$IFB" endpoints)" "[fd00:1::11]:51830"
wg_stop "$PIDA"
wg_stop "$PIDB"

# ---- 2. sticky source address: tapwire-wg is A (it answers), wireguard-go
# is B and initiates towards A's secondary address.
ns_new NSA
ns_new NSB
wg_underlay "$NSA" "$NSB"
IFA=$(wg_ifname s) IFB=$(wg_ifname r)
wg_start PIDA "$NSA" "$IFA" "$WG_TW"
wg_start PIDB "$NSB" "$IFB" "$WG_GO"
ip -n "$NSA" addr add 198.51.100.3/24 dev ula # secondary: primary stays .1
nsx "$NSA" wg set "$IFA" private-key "$TW_TMP/a.key" listen-port $WG_PORT_A \
	peer "$(wg_pub b)" allowed-ips "$IN4_B/32,$IN6_B/128"
nsx "$NSB" wg set "$IFB" private-key "$TW_TMP/b.key" listen-port $WG_PORT_B \
	peer "$(wg_pub a)" allowed-ips "$IN4_A/32,$IN6_A/128" endpoint "198.51.100.3:$WG_PORT_A"
wg_inner "$NSA" "$IFA" 1
wg_inner "$NSB" "$IFB" 2
capture dump "$NSB" "$TW_TMP/sticky.txt" --immediate-mode -i ulb -n -l -Q in udp and src port $WG_PORT_A
wg_wait_ping "$NSB" "$IN4_A" 10 || fail "no tunnel towards the secondary address"
# tapwire-wg also starts traffic of its own (it sends, not only answers)
check "ping from tapwire-wg's side" wg_ping "$NSA" "$IN4_B" 5
check "ping from the peer" wg_ping "$NSB" "$IN4_A" 5
check "the capture is complete" capture_sync "$TW_TMP/sticky.txt" "$PING_MSG" wg_ping "$NSA" "$IN4_B"
from3=$(grep -c "IP 198.51.100.3.$WG_PORT_A >" "$TW_TMP/sticky.txt")
from1=$(grep -c "IP $UL4_A.$WG_PORT_A >" "$TW_TMP/sticky.txt")
log "datagrams from tapwire-wg: $from3 from 198.51.100.3, $from1 from $UL4_A"
check "tapwire-wg replies from the address it was reached on ($from3 datagrams)" test "$from3" -gt 5
check_eq "no datagram from the primary address" "$from1" 0
check_eq "the peer still sees tapwire-wg at 198.51.100.3" \
	"$(wg_field "$NSB" "$IFB" endpoints)" "198.51.100.3:$WG_PORT_A"

# our local address changes: the peer now reaches us on .1, .3 disappears
nsx "$NSB" wg set "$IFB" peer "$(wg_pub a)" endpoint "$UL4_A:$WG_PORT_A"
wg_ping "$NSB" "$IN4_A" 2
ip -n "$NSA" addr del 198.51.100.3/24 dev ula
: >"$TW_TMP/sticky.txt"
check "ping from tapwire-wg's side after its address changed" wg_wait_ping "$NSA" "$IN4_B" 5
check "ping from the peer after the change" wg_ping "$NSB" "$IN4_A" 3
check_eq "the peer sees tapwire-wg at its remaining address" \
	"$(wg_field "$NSB" "$IFB" endpoints)" "$UL4_A:$WG_PORT_A"
finish
