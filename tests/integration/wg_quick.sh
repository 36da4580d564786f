# wg-quick up/down with WG_QUICK_USERSPACE_IMPLEMENTATION=tapwire-wg, inside
# a namespace: wg-quick starts the daemon (which daemonises, as wireguard-go
# does), applies the file (keys, port, peer, addresses, MTU, routes for the
# allowed IPs) and the tunnel carries traffic to a wireguard-go peer;
# `wg-quick down` (which deletes the interface) makes the daemon exit and
# remove its socket; `wg-quick strip` and `wg showconf` agree.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
needs wg-quick

ns_new NSA
ns_new NSB
wg_underlay "$NSA" "$NSB"
wg_keypair a
wg_keypair b
IFB=$(wg_ifname b)
wg_start PIDB "$NSB" "$IFB" "$WG_GO"
nsx "$NSB" wg set "$IFB" private-key "$TW_TMP/b.key" listen-port $WG_PORT_B \
	peer "$(wg_pub a)" allowed-ips "$IN4_A/32,$IN6_A/128,198.18.0.0/24"
wg_inner "$NSB" "$IFB" 2
ip -n "$NSB" route add 192.0.2.0/24 dev "$IFB"

# the interface name comes from the file name
IFQ=$(wg_ifname q)
CONF=$TW_TMP/$IFQ.conf
cat >"$CONF" <<CONF
[Interface]
PrivateKey = $(cat "$TW_TMP/a.key")
ListenPort = $WG_PORT_A
Address = $IN4_A/32, $IN6_A/128
MTU = 1380

[Peer]
PublicKey = $(wg_pub b)
AllowedIPs = $IN4_B/32, $IN6_B/128, 192.0.2.0/24
Endpoint = $UL4_B:$WG_PORT_B
PersistentKeepalive = 25
CONF
chmod 600 "$CONF"
at_exit "rm -f $WG_RUN/$IFQ.sock"

quick() {
	ip netns exec "$NSA" env WG_QUICK_USERSPACE_IMPLEMENTATION="$WG_TW" LOG_LEVEL=verbose \
		wg-quick "$@" >>"$TW_TMP/wg-quick.log" 2>&1
}
_wg_logs+=("$TW_TMP/wg-quick.log")
check "wg-quick up" quick up "$CONF"
daemon=$(ip netns pids "$NSA" | head -n 1)
log "daemon pid in $NSA: ${daemon:-none}"
check "the daemon runs in the background" test -n "$daemon"
check "interface $IFQ exists" ip -n "$NSA" link show "$IFQ"
check_eq "MTU from the file" "$(ip -n "$NSA" -j link show "$IFQ" | jq '.[0].mtu')" 1380
check "address from the file" sh -c "ip -n $NSA addr show $IFQ | grep -q 'inet $IN4_A/32'"
check "IPv6 address from the file" sh -c "ip -n $NSA addr show $IFQ | grep -q 'inet6 $IN6_A/128'"
check "route for the allowed IPs" sh -c "ip -n $NSA route show 192.0.2.0/24 | grep -q 'dev $IFQ'"
check "ping v4 through it" wg_wait_ping "$NSA" "$IN4_B" 10
check "ping v6 through it" wg_ping "$NSA" "$IN6_B" 3
check "ping a routed allowed IP range" sh -c "ip netns exec $NSB ip addr add 192.0.2.1/32 dev lo && ip netns exec $NSA ping -q -c 2 -W 1 192.0.2.1 >/dev/null"
# what wg-quick applied is what the daemon reports
nsx "$NSA" wg-quick strip "$CONF" >"$TW_TMP/strip.conf" 2>/dev/null
nsx "$NSA" wg showconf "$IFQ" >"$TW_TMP/show.conf"
# (lines and the allowed IPs each sorted: their order is not significant)
canon() { sed 's/^AllowedIPs = //' "$1" | tr ',' '\n' | sed 's/^ *//' | grep -v '^$' | sort; }
check "wg showconf equals wg-quick strip" diff <(canon "$TW_TMP/strip.conf") <(canon "$TW_TMP/show.conf")
# wg-quick save writes the running config back
check "wg-quick save" quick save "$CONF"
check "saved file still has the peer" grep -q "$(wg_pub b)" "$CONF"

check "wg-quick down" quick down "$CONF"
check "interface gone" wait_for 5 sh -c "! ip -n $NSA link show $IFQ"
check "socket gone" test ! -e "$WG_RUN/$IFQ.sock"
check "daemon exited" wait_for 5 sh -c "[ -z \"\$(ip netns pids $NSA)\" ]"
check "UDP port released" sh -c "! ip netns exec $NSA ss -uln | grep -q ':$WG_PORT_A '"

# up again: nothing stale left behind by the first run
check "wg-quick up again" quick up "$CONF"
check "ping after the second up" wg_wait_ping "$NSA" "$IN4_B" 10
check "wg-quick down again" quick down "$CONF"
check "interface gone again" wait_for 5 sh -c "! ip -n $NSA link show $IFQ"
finish
