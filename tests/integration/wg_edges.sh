# Protocol edges a demanding user meets, each against wireguard-go:
#  1. cryptokey routing: a more specific allowed IP on another peer takes
#     the traffic, and falls back to the wider one when removed;
#  2. NAT between the peers: tapwire-wg behind a masquerading router whose
#     UDP mappings expire after 3 s of silence; without persistent
#     keepalive the peer outside cannot reach it after an idle spell, with
#     it (1 s) it can;
#  3. roaming of tapwire-wg's own listen port: the peer follows;
#  4. 40 peers x 52 allowed IPs, and 131072 allowed IPs, each in one
#     `wg setconf`: `wg show dump` equals wireguard-go's for the same file;
#  5. `wg showconf` round trip: a fresh daemon given tapwire-wg's showconf
#     shows the same configuration.
TW_TEST_TIMEOUT=240
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
needs nft jq

# ---- 1. a more specific allowed IP on another peer ----------------------
# A (tapwire-wg) with peers B (wireguard-go, 203.0.113.0/24) and C
# (wireguard-go, 203.0.113.3/32, over a second underlay 192.0.2.0/24).
wg_pair "$WG_TW" "$WG_GO"
ns_new NSC
ip link add ulc netns "$NSA" type veth peer name ulc netns "$NSC" || die "veth to C"
ip -n "$NSA" addr add 192.0.2.1/24 dev ulc
ip -n "$NSC" addr add 192.0.2.3/24 dev ulc
ip -n "$NSA" link set ulc up
ip -n "$NSC" link set ulc up
link_up_wait "$NSA" ulc && link_up_wait "$NSC" ulc || die "veth to C not up"
IFC=$(wg_ifname c)
wg_keypair c
wg_start PIDC "$NSC" "$IFC" "$WG_GO"
nsx "$NSC" wg set "$IFC" private-key "$TW_TMP/c.key" listen-port 51823 \
	peer "$(wg_pub a)" allowed-ips "$IN4_A/32" endpoint "192.0.2.1:$WG_PORT_A" || die "wg set C"
ip -n "$NSC" addr add 203.0.113.3/24 dev "$IFC"
ip -n "$NSC" link set "$IFC" up
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" allowed-ips "203.0.113.0/24,$IN6_B/128" \
	peer "$(wg_pub c)" allowed-ips 203.0.113.3/32 endpoint "192.0.2.3:51823" || die "wg set A"
check "1: the wider prefix reaches B" wg_wait_ping "$NSA" "$IN4_B" 10
c0=$(nsx "$NSC" wg show "$IFC" transfer | cut -f2)
check "1: 203.0.113.3 (a /32 on C) is answered by C" wg_wait_ping "$NSA" 203.0.113.3 10
check "1: ... through C's tunnel" test "$(nsx "$NSC" wg show "$IFC" transfer | cut -f2)" -gt "$c0"
nsx "$NSA" wg set "$IFA" peer "$(wg_pub c)" allowed-ips ""
b0=$(wg_field "$NSB" "$IFB" transfer | cut -f1)
nsx "$NSA" ping -q -n -c 2 -W 1 203.0.113.3 >/dev/null 2>&1
check "1: without C's /32, 203.0.113.3 goes to B (the /24)" \
	test "$(wg_field "$NSB" "$IFB" transfer | cut -f1)" -gt "$b0"
check "1: B still answers" wg_ping "$NSA" "$IN4_B"

# ---- 5. showconf round trip, on the same daemon's configuration --------
nsx "$NSA" wg set "$IFA" peer "$(wg_pub c)" allowed-ips 203.0.113.3/32,fd00:2::3/128 \
	persistent-keepalive 25 preshared-key "$TW_TMP/c.key"
nsx "$NSA" wg showconf "$IFA" >"$TW_TMP/round.conf"
ns_new NSR
IFR=$(wg_ifname r)
wg_start PIDR "$NSR" "$IFR" "$WG_TW"
check "5: a fresh tapwire-wg takes the showconf" nsx "$NSR" wg setconf "$IFR" "$TW_TMP/round.conf"
check "5: and shows the same configuration" diff <(nsx "$NSA" wg showconf "$IFA") \
	<(nsx "$NSR" wg showconf "$IFR")
wg_stop "$PIDR"

# ---- 3. tapwire-wg moves to another listen port -------------------------
nsx "$NSA" wg set "$IFA" listen-port 51830
check "3: traffic after tapwire-wg's port change" wg_wait_ping "$NSA" "$IN4_B" 5
check "3: the peer follows it to the new port" wg_wait_endpoint "$NSB" "$IFB" "$UL4_A:51830"
check "3: the peer can start traffic to it" wg_ping "$NSB" "$IN4_A" 3
wg_stop "$PIDA"
wg_stop "$PIDB"
wg_stop "$PIDC"

# ---- 2. NAT with persistent keepalive -----------------------------------
# NSN (tapwire-wg, 198.51.100.1) -- NSR2 (router: masquerade out of 192.0.2.0/24)
# -- NSO (wireguard-go, 192.0.2.2); the router forgets a UDP mapping after 3 s.
ns_new NSN
ns_new NSR2
ns_new NSO
ip link add inn netns "$NSN" type veth peer name rin netns "$NSR2" || die "veth"
ip link add rout netns "$NSR2" type veth peer name out netns "$NSO" || die "veth"
ip -n "$NSN" addr add 198.51.100.1/24 dev inn
ip -n "$NSR2" addr add 198.51.100.254/24 dev rin
ip -n "$NSR2" addr add 192.0.2.254/24 dev rout
ip -n "$NSO" addr add 192.0.2.2/24 dev out
for l in "$NSN inn" "$NSR2 rin" "$NSR2 rout" "$NSO out"; do
	ip -n "${l% *}" link set "${l#* }" up
done
for l in "$NSN inn" "$NSR2 rin" "$NSR2 rout" "$NSO out"; do
	link_up_wait "${l% *}" "${l#* }" || die "${l#* } not up"
done
ip -n "$NSN" route add default via 198.51.100.254
nsx "$NSR2" sysctl -qw net.ipv4.ip_forward=1
nsx "$NSR2" nft -f - <<'NFT' || die "nft masquerade"
table ip twnat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "rout" masquerade
	}
}
NFT
nsx "$NSR2" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3 \
	net.netfilter.nf_conntrack_udp_timeout_stream=3 || die "conntrack timeouts"
IFN=$(wg_ifname n) IFO=$(wg_ifname o)
wg_keypair n
wg_keypair o
wg_start PIDN "$NSN" "$IFN" "$WG_TW"
wg_start PIDO "$NSO" "$IFO" "$WG_GO"
nsx "$NSN" wg set "$IFN" private-key "$TW_TMP/n.key" listen-port 51840 \
	peer "$(wg_pub o)" allowed-ips 203.0.113.2/32 endpoint 192.0.2.2:51841 || die "wg set N"
nsx "$NSO" wg set "$IFO" private-key "$TW_TMP/o.key" listen-port 51841 \
	peer "$(wg_pub n)" allowed-ips 203.0.113.1/32 || die "wg set O"
wg_inner "$NSN" "$IFN" 1
wg_inner "$NSO" "$IFO" 2
check "2: through the NAT" wg_wait_ping "$NSN" 203.0.113.2 10
check "2: the outside peer sees the NAT's address" \
	sh -c "wg show $IFO endpoints | grep -q '192.0.2.254:'"
check "2: the outside peer reaches in while the mapping lives" wg_ping "$NSO" 203.0.113.1
# without keepalive: an idle spell longer than the mapping's life
# (the router's conntrack table says when its mapping is gone)
mapped() { nsx "$NSR2" grep -q 'udp.*dport=51841' /proc/net/nf_conntrack; }
check "2: the router forgets the idle mapping" wait_for 10 sh -c "! ip netns exec $NSR2 grep -q 'udp.*dport=51841' /proc/net/nf_conntrack"
check "2: no keepalive: once the mapping is gone the outside peer cannot reach in" \
	sh -c "! ip netns exec $NSO ping -q -n -c 2 -W 1 203.0.113.1"
check "2: ... while the inside can reach out (the path is live)" wg_ping "$NSN" 203.0.113.2
# with persistent keepalive 1 s the mapping stays
nsx "$NSN" wg set "$IFN" peer "$(wg_pub o)" persistent-keepalive 1
check "2: keepalive on: a keepalive reaches the peer" \
	wait_for 5 sh -c "wg show $IFN transfer | awk '{ exit !(\$3 > 0) }'"
sleep 5 # the window: longer than a mapping lives, no traffic but keepalives
check "2: the mapping lived through it" mapped
check "2: keepalive 1 s: after 5 s idle the outside peer still reaches in" wg_ping "$NSO" 203.0.113.1 2
wg_stop "$PIDN"
wg_stop "$PIDO"

# ---- 4. many allowed IPs in one setconf, against wireguard-go -----------
wg_twins
python3 - "$TW_TMP" "$(cat "$TW_TMP/a.key")" <<'PY'
import base64, sys
d, priv = sys.argv[1:3]
def key(i):
    return base64.b64encode(i.to_bytes(4, "big") + bytes(28)).decode()
# 40 peers, 52 allowed IPs each (IPv4 /32s and IPv6 /128s mixed)
out = ["[Interface]", "PrivateKey = " + priv, "ListenPort = 51850", ""]
for p in range(40):
    ips = ["10.%d.%d.%d/32" % (p, i // 200, i % 200) for i in range(26)]
    ips += ["fd00:5:%x::%x/128" % (p, i) for i in range(26)]
    out += ["[Peer]", "PublicKey = " + key(p + 1), "AllowedIPs = " + ", ".join(ips), ""]
open(d + "/p40.conf", "w").write("\n".join(out))
# 131072 allowed IPs over 4 peers
out = ["[Interface]", "PrivateKey = " + priv, "ListenPort = 51850", ""]
for p in range(4):
    ns = [p * 32768 + i for i in range(32768)]  # distinct /24s from 10.0.0.0 on
    ips = ["%d.%d.%d.0/24" % (10 + (n >> 16), (n >> 8) & 255, n & 255) for n in ns]
    out += ["[Peer]", "PublicKey = " + key(p + 100), "AllowedIPs = " + ", ".join(ips), ""]
open(d + "/aip128k.conf", "w").write("\n".join(out))
PY
for f in p40 aip128k; do
	t0=$(date +%s%N)
	check "4: $f: tapwire-wg takes it" nsx "$NST" wg setconf "$IFT" "$TW_TMP/$f.conf"
	t1=$(date +%s%N)
	check "4: $f: wireguard-go takes it" nsx "$NSG" wg setconf "$IFG" "$TW_TMP/$f.conf"
	t2=$(date +%s%N)
	log "4: $f: setconf took $(((t1 - t0) / 1000000)) ms on tapwire-wg, $(((t2 - t1) / 1000000)) ms on wireguard-go"
	nsx "$NST" wg show "$IFT" dump >"$TW_TMP/$f.t"
	nsx "$NSG" wg show "$IFG" dump >"$TW_TMP/$f.g"
	check "4: $f: wg show dump equals wireguard-go's" diff -q <(wg_dump_canon "$TW_TMP/$f.g") \
		<(wg_dump_canon "$TW_TMP/$f.t")
done
n=$(nsx "$NST" wg show "$IFT" allowed-ips | tr '\t ' '\n\n' | grep -c /)
check_eq "4: all 131072 allowed IPs are there" "$n" 131072
check "4: tapwire-wg alive" wg_alive "$PIDT"
finish
