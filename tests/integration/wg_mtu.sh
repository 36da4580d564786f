# MTU and padding: tapwire-wg's interface comes up with MTU 1420 like
# wireguard-go's; packets of exactly the MTU cross in both families with DF
# set (1392-byte ICMP payload in IPv4, 1372 in IPv6) and one byte more is
# refused locally; on the wire every data message is padded to a multiple of
# 16 bytes of plaintext (or to the MTU), so sizes leak little; a lower and a
# much higher MTU set later are honoured.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
needs tcpdump

wg_pair "$WG_TW" "$WG_GO"
mtu() { ip -n "$1" -j link show "$2" | jq '.[0].mtu'; }
check_eq "tapwire-wg's default MTU" "$(mtu "$NSA" "$IFA")" "$(mtu "$NSB" "$IFB")"
check_eq "... is 1420" "$(mtu "$NSA" "$IFA")" 1420
wg_wait_ping "$NSA" "$IN4_B" 10 || die "no tunnel"

capture dump "$NSA" "$TW_TMP/wire.txt" --immediate-mode -i ula -n -l -Q out udp src port $WG_PORT_A
check "IPv4: 1420-byte packets cross with DF" nsx "$NSA" ping -q -n -c 2 -W 2 -M do -s 1392 "$IN4_B"
check "IPv4: 1421 bytes are refused locally" sh -c "! ip netns exec $NSA ping -q -n -c 1 -W 1 -M do -s 1393 $IN4_B"
check "IPv6: 1420-byte packets cross" nsx "$NSA" ping -q -n -c 2 -W 2 -M do -s 1372 "$IN6_B"
check "IPv6: 1421 bytes are refused locally" sh -c "! ip netns exec $NSA ping -q -n -c 1 -W 1 -M do -s 1373 $IN6_B"
# every size from 0 to 100 bytes of ICMP payload, and a few larger ones
for s in $(seq 0 7 100) 500 1001 1371 1391; do
	nsx "$NSA" ping -q -n -c 1 -W 1 -s "$s" "$IN4_B" >/dev/null 2>&1
done
# a last ping of a size no other has (777 bytes: 805 padded to 816, + 32):
# once it shows, the capture holds everything before it
check "the capture is complete" capture_sync "$TW_TMP/wire.txt" "length 848$" \
	nsx "$NSA" ping -q -n -c 1 -W 1 -s 777 "$IN4_B"
# data messages: 16-byte header + padded plaintext + 16-byte tag
bad=$(awk '/UDP, length/ { l = $NF; if (l == 148 || l == 92 || l == 64) next;
	p = l - 32; if (p % 16 != 0 && p != 1420) print l }' "$TW_TMP/wire.txt" | sort -u | tr '\n' ' ')
n=$(grep -c "UDP, length" "$TW_TMP/wire.txt")
log "$n datagrams from tapwire-wg; unpadded sizes: ${bad:-none}"
check "data messages padded to 16 bytes (or the MTU)" test -z "$bad" -a "$n" -gt 20
# the MTU can be changed and is honoured
ip -n "$NSA" link set "$IFA" mtu 1280
check "after MTU 1280: 1280-byte packets cross" nsx "$NSA" ping -q -n -c 2 -W 2 -M do -s 1252 "$IN4_B"
# and raised far above the default: jumbo packets (fragmented on the
# 1500-byte underlay) cross whole, both ways
ip -n "$NSA" link set "$IFA" mtu 8920
ip -n "$NSB" link set "$IFB" mtu 8920
check "after MTU 8920: 8920-byte packets cross (A->B)" nsx "$NSA" ping -q -n -c 2 -W 2 -M do -s 8892 "$IN4_B"
check "after MTU 8920: 8920-byte packets cross (B->A)" nsx "$NSB" ping -q -n -c 2 -W 2 -M do -s 8892 "$IN4_A"
check "after MTU 8920: IPv6 too" nsx "$NSA" ping -q -n -c 2 -W 2 -M do -s 8872 "$IN6_B"
check "tapwire-wg alive" wg_alive "$PIDA"
finish
