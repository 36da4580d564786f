# Many peers and the firewall mark:
#  - 1000 peers (2 allowed IPs each) applied with `wg setconf` come back from
#    `wg show dump` exactly as wireguard-go gives them back, quickly;
#    traffic is routed to the right one of them; memory grows modestly per
#    peer and returns when they are all removed;
#  - `wg set fwmark` marks the daemon's UDP datagrams (seen by nftables).
TW_TEST_TIMEOUT=90
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
needs nft

wg_pair "$WG_TW" "$WG_GO"
wg_wait_ping "$NSA" "$IN4_B" 10 || die "no tunnel"
rss0=$(wg_rss "$PIDA")

# 1000 extra peers on tapwire-wg (A), the real one (B) among them
python3 - "$TW_TMP" "$(cat "$TW_TMP/a.key")" "$(wg_pub b)" <<'PY'
import base64, os, sys
d, priv, realpub = sys.argv[1:4]
out = ["[Interface]", "PrivateKey = " + priv, "ListenPort = 51820", ""]
for i in range(1000):
    k = base64.b64encode(bytes([9]) + os.urandom(31)).decode()
    out += ["[Peer]", "PublicKey = " + k,
            "AllowedIPs = 10.%d.%d.0/24, fd00:9:%x::/48" % (i // 250, i % 250, i), ""]
    if i == 500:
        out += ["[Peer]", "PublicKey = " + realpub,
                "AllowedIPs = 203.0.113.2/32, fd00:2::2/128",
                "Endpoint = 198.51.100.2:51821", ""]
open(d + "/many.conf", "w").write("\n".join(out))
PY
t0=$(date +%s%N)
nsx "$NSA" wg setconf "$IFA" "$TW_TMP/many.conf" || fail "setconf 1001 peers"
t1=$(date +%s%N)
nsx "$NSA" wg show "$IFA" dump >"$TW_TMP/dump.t"
t2=$(date +%s%N)
log "setconf of 1001 peers: $(((t1 - t0) / 1000000)) ms; wg show dump: $(((t2 - t1) / 1000000)) ms"
check "setconf of 1001 peers under 3 s" test $(((t1 - t0) / 1000000)) -lt 3000
check_eq "wg show dump lists them all" "$(($(wc -l <"$TW_TMP/dump.t") - 1))" 1001
# the same file on a wireguard-go in a namespace of its own gives the same dump
ns_new NSG
IFG=$(wg_ifname g)
wg_start PIDG "$NSG" "$IFG" "$WG_GO"
nsx "$NSG" wg setconf "$IFG" "$TW_TMP/many.conf"
nsx "$NSG" wg show "$IFG" dump >"$TW_TMP/dump.g"
check "dump equals wireguard-go's for the same file" diff <(wg_dump_canon "$TW_TMP/dump.g") <(wg_dump_canon "$TW_TMP/dump.t")
check "traffic finds the real peer among 1001" wg_wait_ping "$NSA" "$IN4_B" 10
check "IPv6 too" wg_ping "$NSA" "$IN6_B" 3
rss1=$(wg_rss "$PIDA")
log "RSS with 1001 peers: $rss0 -> $rss1 KiB"
# (wireguard-go spends ~20 KiB per peer on goroutines)
[ "$WG_TW" = "$WG_GO" ] ||
	check "memory per peer under 8 KiB ($(((rss1 - rss0) / 1000)) KiB)" test $(((rss1 - rss0) / 1000)) -lt 8
# all removed again
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" remove
nsx "$NSA" wg syncconf "$IFA" <(printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n' "$(cat "$TW_TMP/a.key")")
check_eq "syncconf to no peers removes them all" "$(nsx "$NSA" wg show "$IFA" peers | wc -l)" 0

# fwmark
nsx "$NSA" wg set "$IFA" fwmark 0x1234 peer "$(wg_pub b)" allowed-ips "$IN4_B/32,$IN6_B/128" \
	endpoint "$UL4_B:$WG_PORT_B"
nsx "$NSA" nft -f - <<NFT || die "nft"
table inet twmark {
	chain c {
		type filter hook output priority 0; policy accept;
		udp sport $WG_PORT_A meta mark 0x1234 counter
		udp sport $WG_PORT_A meta mark != 0x1234 counter
	}
}
NFT
wg_wait_ping "$NSA" "$IN4_B" 10
counts=$(nsx "$NSA" nft list table inet twmark | grep -o 'packets [0-9]*' | awk '{ print $2 }' | tr '\n' ' ')
log "datagrams marked / unmarked: $counts"
set -- $counts
check "the daemon's datagrams carry the mark ($1)" test "${1:-0}" -gt 0
check_eq "none leaves unmarked" "${2:-x}" 0
check "tapwire-wg alive" wg_alive "$PIDA"
finish
