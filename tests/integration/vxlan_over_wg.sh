# tapwire-vxlan over a tapwire-wg tunnel: the overlay encrypted (issue 30).
# Two namespaces joined by a veth underlay, tapwire-wg in each (tests/
# wglib.sh: tunnel addresses 203.0.113.1 and .2), and tapwire-vxlan in each
# with the other's tunnel address as its remote: the two TAPs are one
# Ethernet segment (192.0.2.0/24) whose frames travel only inside the
# WireGuard tunnel. Checks: each TAP's MTU is the tunnel's (1420) less 50;
# ARP and ping cross both ways; a full-MTU ping with DF passes and one byte
# more is refused; iperf3 TCP moves data; and on the veth underlay, in the
# same window as a ping that crosses, tcpdump sees WireGuard's datagrams
# and no VXLAN (UDP port 4789) at all.
TW_TEST_TIMEOUT=120
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"

needs iperf3 tcpdump ping
VX="$TW_BUILD/vxlan/tapwire-vxlan"
[ -x "$VX" ] || die "no $VX"

wg_pair "$WG_TW" "$WG_TW"
check "the WireGuard tunnel is up" wg_wait_ping "$NSA" "$IN4_B" 10 || die "no tunnel"

TA="ova$$" TB="ovb$$"
bg VXA ip netns exec "$NSA" "$VX" -f --dev "$TA" --vni 9 --remote "$IN4_B" 2>"$TW_TMP/vxa.log"
bg VXB ip netns exec "$NSB" "$VX" -f --dev "$TB" --vni 9 --remote "$IN4_A" 2>"$TW_TMP/vxb.log"
wait_for 5 ip -n "$NSA" link show "$TA" && wait_for 5 ip -n "$NSB" link show "$TB" ||
	die "no TAPs"
check_eq "A's TAP MTU: the tunnel's 1420 less 50" "$(nsx "$NSA" cat /sys/class/net/"$TA"/mtu)" 1370
check_eq "B's TAP MTU" "$(nsx "$NSB" cat /sys/class/net/"$TB"/mtu)" 1370
ip -n "$NSA" addr add 192.0.2.1/24 dev "$TA"
ip -n "$NSB" addr add 192.0.2.2/24 dev "$TB"
ip -n "$NSA" link set "$TA" up
ip -n "$NSB" link set "$TB" up

check "A -> B through the overlay: ARP and ping" wait_for 10 nsx "$NSA" ping -c1 -W1 192.0.2.2
check "B -> A: ping" nsx "$NSB" ping -q -c3 -i0.2 -W2 192.0.2.1
check "a full-MTU ping with DF (1370)" nsx "$NSA" ping -c1 -W2 -M do -s 1342 192.0.2.2
check_fails "one byte more is refused" 1 nsx "$NSA" ping -c1 -W1 -M do -s 1343 192.0.2.2

bg SRV ip netns exec "$NSB" iperf3 -s -1 -B 192.0.2.2 -p 5201 >/dev/null 2>&1
wait_for 5 sh -c "ip netns exec $NSB ss -ltn | grep -q 192.0.2.2:5201" || die "iperf3 server"
bps=$(nsx "$NSA" timeout 15 iperf3 -c 192.0.2.2 -p 5201 -t 2 -J | python3 -c 'import json,sys
d = json.load(sys.stdin)
print(int(d.get("end", {}).get("sum_received", {}).get("bits_per_second", 0)))')
kill "$SRV" 2>/dev/null
check "iperf3 TCP through the overlay in the tunnel ($((bps / 1000000)) Mbit/s)" test "${bps:-0}" -gt 1000000

# the underlay carries WireGuard only: no VXLAN in the clear
capture CAP "$NSA" "$TW_TMP/underlay.txt" -n -l -i ula udp # wglib's underlay veth
check "a ping crosses while the underlay is watched" nsx "$NSA" ping -q -c5 -i0.2 -W2 192.0.2.2
capture_end "$CAP"
check "the underlay saw WireGuard's datagrams" grep -q 'UDP' "$TW_TMP/underlay.txt"
check "... and no VXLAN (port 4789) in the clear" sh -c "! grep -q '\.4789[ :]' $TW_TMP/underlay.txt"

kill -TERM "$VXA" "$VXB"
finish
