# tapwire-vxlan against the kernel's vxlan device, each in its own
# namespace (issue 30). Host B runs tapwire-vxlan on a TAP; hosts A and C
# run the kernel's `vxlan` (id 42, dstport 4789), A over one underlay link
# and C over another, all three one Ethernet segment 192.0.2.0/24.
#
# IPv4 underlay, tapwire-vxlan in its default (daemonising) mode, head-end
# replication to A and C: the daemon returns once up and sets the TAP's MTU
# to the underlay's less 50; ARP and ping cross both ways; the kernel
# learns B's MAC behind 198.51.100.2; iperf3 TCP both ways; tapwire-vxlan
# learns A's and C's MACs behind their addresses (`tapwire -j vxlan show`,
# from the daemon's namespace only), and then sends B->A
# unicast to A only (C sees nothing of it while the pings work, and all
# of it when restarted with --no-learning); a
# full-MTU ping with DF passes and one byte more is refused; frames of
# another VNI are dropped; SIGTERM stops it at once.
#
# IPv6 underlay, tapwire-vxlan with -f on a TAP it inherits (--fd 3, vnet
# headers), the kernel sending zero UDP checksums (udp6zerocsumtx): ND and
# ping6 across both ways, iperf3 TCP both ways, MTU less 70,
# a full-MTU ping with DF passes, one byte more is refused; its table
# (SIGUSR1) has A's MAC behind A's address.
#
# Multicast, IPv4 (239.1.1.77) and IPv6 (ff05::78) groups joined on the
# underlay link, no remote list: ND crosses through the group, ping6 both
# ways.
TW_TEST_TIMEOUT=180
. "$TW_TESTS/lib.sh"

needs iperf3 bridge ping ethtool
VX="$TW_BUILD/vxlan/tapwire-vxlan"
[ -x "$VX" ] || die "no $VX"

ns_new NA
ns_new NB
ns_new NC
TAPB="tvx$$"
TAP6="tvy$$"

# underlay: A-B 198.51.100.0/24 and fd00:a::/64, C-B 203.0.113.0/24
ip link add ua$$ netns "$NA" type veth peer name ub$$ netns "$NB"
ip link add uc$$ netns "$NC" type veth peer name ud$$ netns "$NB"
ip -n "$NA" addr add 198.51.100.1/24 dev ua$$
ip -n "$NA" addr add fd00:a::1/64 dev ua$$ nodad
ip -n "$NB" addr add 198.51.100.2/24 dev ub$$
ip -n "$NB" addr add fd00:a::2/64 dev ub$$ nodad
ip -n "$NC" addr add 203.0.113.3/24 dev uc$$
ip -n "$NB" addr add 203.0.113.2/24 dev ud$$
for l in "$NA ua$$" "$NB ub$$" "$NC uc$$" "$NB ud$$"; do set -- $l; ip -n "$1" link set "$2" up; done
link_up_wait "$NA" ua$$ && link_up_wait "$NB" ub$$ && link_up_wait "$NC" uc$$ ||
	die "underlay links not up"
# Over a veth the kernel leaves a VXLAN packet's inner checksum to the NIC's
# offload (there is none): a user-space receiver would get it unfinished.
# Between real hosts the sender's NIC or stack completes it; here the
# kernel peers compute it in software.
nsx "$NA" ethtool -K ua$$ tx off >/dev/null
nsx "$NC" ethtool -K uc$$ tx off >/dev/null

# the kernel's vxlan on A and C
ip -n "$NA" link add vx0 type vxlan id 42 dstport 4789 local 198.51.100.1 remote 198.51.100.2
ip -n "$NC" link add vx0 type vxlan id 42 dstport 4789 local 203.0.113.3 remote 203.0.113.2
ip -n "$NA" addr add 192.0.2.1/24 dev vx0
ip -n "$NC" addr add 192.0.2.3/24 dev vx0
ip -n "$NA" link set vx0 up
ip -n "$NC" link set vx0 up

# ---- IPv4 underlay, daemonising ----
out=$(nsx "$NB" "$VX" --dev "$TAPB" --vni 42 --remote 198.51.100.1 --remote 203.0.113.3 2>&1)
rc=$?
check_eq "tapwire-vxlan (daemonising) returns 0 once up" "$rc" 0 || log "$out"
pid=$(nsx "$NB" "$TAPWIRE" -d tuntap show "$TAPB" | sed -n 's/.*(\([0-9][0-9]*\)).*/\1/p' | head -1)
[ -n "$pid" ] || die "no process holds $TAPB"
_tw_pids+=("$pid")
check_eq "the TAP's MTU: the underlay's 1500 less 50" \
	"$(nsx "$NB" cat /sys/class/net/"$TAPB"/mtu)" 1450
ip -n "$NB" addr add 192.0.2.2/24 dev "$TAPB"
ip -n "$NB" link set "$TAPB" up
MACB=$(nsx "$NB" cat /sys/class/net/"$TAPB"/address)
MACA=$(nsx "$NA" cat /sys/class/net/vx0/address)
MACC=$(nsx "$NC" cat /sys/class/net/vx0/address)

check "B -> A: ARP and ping across" wait_for 10 nsx "$NB" ping -c1 -W1 192.0.2.1
check "A -> B: ping" nsx "$NA" ping -q -c3 -i0.2 -W2 192.0.2.2
check "B -> C: ping (the second remote)" wait_for 10 nsx "$NB" ping -c1 -W1 192.0.2.3
check "C -> B: ping" nsx "$NC" ping -q -c3 -i0.2 -W2 192.0.2.2
check "A's kernel learned B's MAC behind 198.51.100.2" \
	sh -c "bridge -n $NA fdb show dev vx0 | grep -q '^$MACB dst 198.51.100.2 '"

# iperf3 TCP both ways (-R: A sends); the server is ended by PID either way
iperf_bps() { # ARGS...: bits/s received, 0 on failure (the error in the log); A's address in $IPERF_A
	local srv j="$TW_TMP/iperf.json" a=${IPERF_A:-192.0.2.1}
	bg srv ip netns exec "$NA" iperf3 -s -1 -B "$a" -p 5201 >/dev/null 2>&1
	wait_for 5 sh -c "ip netns exec $NA ss -ltn | grep -qF '$a]:5201' || ip netns exec $NA ss -ltn | grep -qF '$a:5201'" ||
		die "iperf3 server"
	nsx "$NB" timeout 15 iperf3 -c "$a" -p 5201 -t 2 -J "$@" >"$j"
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
if "error" in d: print(d["error"], file=sys.stderr)
print(int(d.get("end", {}).get("sum_received", {}).get("bits_per_second", 0)))' "$j"
}
bps=$(iperf_bps)
check "iperf3 TCP B -> A moved data ($((bps / 1000000)) Mbit/s)" test "${bps:-0}" -gt 1000000
bps=$(iperf_bps -R)
check "iperf3 TCP A -> B moved data ($((bps / 1000000)) Mbit/s)" test "${bps:-0}" -gt 1000000

# a daemon is not our child: once it exits it may stay a zombie until init reaps it
gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# learning on tapwire-vxlan's side: unicast B -> A goes to A alone, C's
# vx0 receives nothing of it (its table itself is read in the -f run below)
LOGF="$TW_TMP/vx.log"
c0=$(nsx "$NC" cat /sys/class/net/vx0/statistics/rx_packets)
check "B -> A: 20 pings (the path is live)" nsx "$NB" ping -c20 -i0.05 -W2 -q 192.0.2.1
c1=$(nsx "$NC" cat /sys/class/net/vx0/statistics/rx_packets)
check "learned: none of B's 20 unicast frames to A reached C ($((c1 - c0)) frames)" \
	test $((c1 - c0)) -lt 10

# the table as `tapwire vxlan show` gives it (the daemon's control socket),
# read from the daemon's namespace (-n) and not from the test's own
SHOWJ="$TW_TMP/show.json"
nsx "$NB" "$TAPWIRE" -j vxlan show "$TAPB" >"$SHOWJ"
check "tapwire -j vxlan show: A's MAC behind 198.51.100.1, C's behind 203.0.113.3" \
	python3 -c "import json,sys
d = json.load(open(sys.argv[1]))[0]
fdb = {e['mac']: e['dst'] for e in d['fdb'] if not e['static']}
assert d['ifname'] == '$TAPB' and d['vni'] == 42 and d['port'] == 4789, d
assert fdb.get('$MACA') == '198.51.100.1' and fdb.get('$MACC') == '203.0.113.3', fdb
assert d['remotes'] == ['198.51.100.1', '203.0.113.3'] and d['stats']['rx_frames'] > 0, d" "$SHOWJ"
check "tapwire -n NS vxlan show: the same overlay, as text" \
	sh -c "'$TAPWIRE' -n '$NB' vxlan show | grep -q '^    fdb $MACA dst 198.51.100.1 learned'"
check "... and not in another namespace" \
	sh -c "! '$TAPWIRE' vxlan show | grep -q '^$TAPB:'"

# --no-learning: the same unicast is flooded to C too (what learning saves)
kill -TERM "$pid"
wait_for 1 gone "$pid" || die "the daemon did not stop"
out=$(nsx "$NB" "$VX" --dev "$TAPB" --vni 42 --remote 198.51.100.1 --remote 203.0.113.3 \
	--no-learning 2>&1) || die "--no-learning: $out"
pid=$(nsx "$NB" "$TAPWIRE" -d tuntap show "$TAPB" | sed -n 's/.*(\([0-9][0-9]*\)).*/\1/p' | head -1)
[ -n "$pid" ] || die "no process holds $TAPB"
_tw_pids+=("$pid")
ip -n "$NB" addr add 192.0.2.2/24 dev "$TAPB"
ip -n "$NB" link set "$TAPB" up
wait_for 10 nsx "$NB" ping -c1 -W1 192.0.2.1 || die "--no-learning: no path"
c0=$(nsx "$NC" cat /sys/class/net/vx0/statistics/rx_packets)
check "--no-learning: B -> A, 20 pings" nsx "$NB" ping -c20 -i0.05 -W2 -q 192.0.2.1
c1=$(nsx "$NC" cat /sys/class/net/vx0/statistics/rx_packets)
check "--no-learning: B's unicast to A flooded to C as well ($((c1 - c0)) frames)" \
	test $((c1 - c0)) -ge 20

# DF: a full-MTU ping passes, one byte more is refused
check "B -> A: 1422-byte ping with DF (a 1450-byte packet)" \
	nsx "$NB" ping -c1 -W2 -M do -s 1422 192.0.2.1
check "A -> B: 1422-byte ping with DF" nsx "$NA" ping -c1 -W2 -M do -s 1422 192.0.2.2
check_fails "B: one byte more is refused (DF, MTU 1450)" 1 \
	nsx "$NB" ping -c1 -W1 -M do -s 1423 192.0.2.1

# another VNI: dropped (A's vx1, id 43, to B; nothing answers)
ip -n "$NA" link add vx1 type vxlan id 43 dstport 4789 local 198.51.100.1 remote 198.51.100.2
ip -n "$NA" addr add 192.0.2.129/25 dev vx1
ip -n "$NA" link set vx1 up
check_fails "VNI 43: nothing crosses to B" 1 nsx "$NA" ping -c2 -i0.2 -W1 -I vx1 192.0.2.130
check "... while VNI 42 still does" nsx "$NA" ping -c1 -W2 192.0.2.2

# SIGTERM: gone within a second, and its TAP with it
kill -TERM "$pid"
check "SIGTERM: stopped within a second" wait_for 1 gone "$pid"
check "its TAP is gone with it" wait_for 2 sh -c "! ip -n $NB link show $TAPB"
check "its control socket is gone with it" test ! -e "/run/tapwire-vxlan/$TAPB.sock"

# ---- IPv6 underlay, -f, --fd, the kernel sending zero UDP checksums ----
ip -n "$NA" link add vx6 type vxlan id 60 dstport 4789 local fd00:a::1 remote fd00:a::2 \
	udp6zerocsumtx udp6zerocsumrx
ip -n "$NA" addr add fd00:b::1/64 dev vx6 nodad
ip -n "$NA" link set vx6 up
# on an inherited fd (--fd 3): a TAP the caller opened, with vnet headers
bg PID6 ip netns exec "$NB" python3 -c '
import fcntl, os, struct, sys
fd = os.open("/dev/net/tun", os.O_RDWR)
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR = 0x2, 0x1000, 0x4000
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", sys.argv[1].encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
os.dup2(fd, 3)
os.execv(sys.argv[2], [sys.argv[2]] + sys.argv[3:])' "$TAP6" "$VX" -f --fd 3 --vni 60 \
	--remote fd00:a::1 2>"$LOGF"
check "IPv6 underlay: its TAP appears" wait_for 5 ip -n "$NB" link show "$TAP6"
check_eq "the TAP's MTU: the underlay's 1500 less 70" \
	"$(nsx "$NB" cat /sys/class/net/"$TAP6"/mtu)" 1430
ip -n "$NB" addr add fd00:b::2/64 dev "$TAP6" nodad
ip -n "$NB" link set "$TAP6" up
check "B -> A over IPv6: ND and ping6 across" wait_for 10 nsx "$NB" ping -6 -c1 -W1 fd00:b::1
check "A -> B over IPv6: ping6" nsx "$NA" ping -6 -q -c3 -i0.2 -W2 fd00:b::2
bps=$(IPERF_A=fd00:b::1 iperf_bps)
check "IPv6 underlay, --fd: iperf3 TCP B -> A moved data ($((bps / 1000000)) Mbit/s)" test "${bps:-0}" -gt 1000000
bps=$(IPERF_A=fd00:b::1 iperf_bps -R)
check "IPv6 underlay: iperf3 TCP A -> B moved data ($((bps / 1000000)) Mbit/s)" test "${bps:-0}" -gt 1000000
check "IPv6: a full-MTU ping with DF (1430)" nsx "$NB" ping -6 -c1 -W2 -M do -s 1382 fd00:b::1
check_fails "IPv6: one byte more is refused" 1 nsx "$NB" ping -6 -c1 -W1 -M do -s 1383 fd00:b::1
# its table: A's MAC learned behind fd00:a::1
MAC6=$(nsx "$NA" cat /sys/class/net/vx6/address)
kill -USR1 "$PID6"
check "its table: A's MAC learned behind fd00:a::1" \
	wait_for 5 grep -q "^fdb $MAC6 dev $TAP6 dst fd00:a::1 learned" "$LOGF"
kill -TERM "$PID6"
check "-f: SIGTERM stops it" wait_for 2 sh -c "! kill -0 $PID6 2>/dev/null"

# ---- multicast: the kernel's group mode, IPv4 and IPv6 underlay ----
# no --remote: broadcast and unknown frames go to the group, which the
# kernel joined on A's underlay link; A answers B unicast, as learned
mcast() { # VNI GROUP LOCAL OVERLAY_A OVERLAY_B
	local vni=$1 group=$2 local=$3 oa=$4 ob=$5 tap mpid
	tap="tm$vni$$"
	ip -n "$NA" link add vm$vni type vxlan id "$vni" dstport 4789 local "$local" \
		group "$group" dev ua$$
	ip -n "$NA" addr add "$oa/64" dev vm$vni nodad
	ip -n "$NA" link set vm$vni up
	bg mpid ip netns exec "$NB" "$VX" -f --dev "$tap" --vni "$vni" --group "$group" \
		--group-dev ub$$ 2>>"$LOGF"
	wait_for 5 ip -n "$NB" link show "$tap" || { fail "group $group: no TAP"; return; }
	ip -n "$NB" addr add "$ob/64" dev "$tap" nodad
	ip -n "$NB" link set "$tap" up
	check "group $group: B -> A, ND through the group and ping6" \
		wait_for 10 nsx "$NB" ping -6 -c1 -W1 "$oa" || tail -5 "$LOGF" >&2
	check "group $group: A -> B ping6" nsx "$NA" ping -6 -q -c3 -i0.2 -W2 "$ob"
	kill -TERM "$mpid"
	wait_for 2 gone "$mpid" && wait "$mpid"
}
ip -n "$NA" link del vx6 # its zero-checksum flags would not share port 4789 with vm78
mcast 77 239.1.1.77 198.51.100.1 fd00:d::1 fd00:d::2
mcast 78 ff05::78 fd00:a::1 fd00:e::1 fd00:e::2

finish
