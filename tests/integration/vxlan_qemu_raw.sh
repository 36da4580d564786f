# tapwire-vxlan's raw mode (an Ethernet frame is the whole UDP payload)
# against QEMU's -netdev dgram, the other program that speaks it (issue 30).
# QEMU runs with no guest, as a bridge between a TAP and a dgram socket (a
# hub joining the two netdevs) in namespace A; tapwire-vxlan --raw in B
# listens on 4789 and sends to QEMU's port 6000. The two TAPs are one
# segment: ND and ping6 cross both ways, iperf3 TCP both ways, and the
# MTU is the underlay's less 42 (outer IPv4, UDP and the inner Ethernet).
TW_TEST_TIMEOUT=120
. "$TW_TESTS/lib.sh"

needs qemu-system-x86_64 iperf3 ping
VX="$TW_BUILD/vxlan/tapwire-vxlan"
[ -x "$VX" ] || die "no $VX"

ns_new NA
ns_new NB
TAPQ="tq$$"
TAPB="tr$$"
ip link add ua$$ netns "$NA" type veth peer name ub$$ netns "$NB"
ip -n "$NA" addr add 198.51.100.1/24 dev ua$$
ip -n "$NB" addr add 198.51.100.2/24 dev ub$$
ip -n "$NA" link set ua$$ up
ip -n "$NB" link set ub$$ up
link_up_wait "$NA" ua$$ && link_up_wait "$NB" ub$$ || die "underlay links not up"

bg QEMU ip netns exec "$NA" qemu-system-x86_64 -machine none -nodefaults -display none \
	-netdev tap,id=t0,ifname="$TAPQ",script=no,downscript=no \
	-netdev dgram,id=d0,local.type=inet,local.host=198.51.100.1,local.port=6000,remote.type=inet,remote.host=198.51.100.2,remote.port=4789 \
	-netdev hubport,id=h0,hubid=0,netdev=t0 -netdev hubport,id=h1,hubid=0,netdev=d0 \
	>"$TW_TMP/qemu.log" 2>&1
check "QEMU's TAP appears" wait_for 10 ip -n "$NA" link show "$TAPQ" || die "no QEMU"

out=$(ip netns exec "$NB" "$VX" --raw --dev "$TAPB" --remote 198.51.100.1 --remote-port 6000 2>&1)
check_eq "tapwire-vxlan --raw (daemonising) returns 0 once up" "$?" 0 || log "$out"
pid=$(nsx "$NB" "$TAPWIRE" -d tuntap show "$TAPB" | sed -n 's/.*(\([0-9][0-9]*\)).*/\1/p' | head -1)
[ -n "$pid" ] || die "no process holds $TAPB"
_tw_pids+=("$pid")
check_eq "raw: the MTU is the underlay's less 42" "$(nsx "$NB" cat /sys/class/net/"$TAPB"/mtu)" 1458
ip -n "$NA" link set "$TAPQ" mtu 1458
ip -n "$NA" addr add fd00:c::1/64 dev "$TAPQ" nodad
ip -n "$NB" addr add fd00:c::2/64 dev "$TAPB" nodad
ip -n "$NA" link set "$TAPQ" up
ip -n "$NB" link set "$TAPB" up

check "tapwire-vxlan -> QEMU: ND and ping6" wait_for 10 nsx "$NB" ping -6 -c1 -W1 fd00:c::1
check "QEMU -> tapwire-vxlan: ping6" nsx "$NA" ping -6 -q -c3 -i0.2 -W2 fd00:c::2

iperf_bps() { # ARGS...: bits/s received by iperf3 (client in B, server in A)
	local srv j="$TW_TMP/iperf.json"
	bg srv ip netns exec "$NA" iperf3 -s -1 -B fd00:c::1 -p 5201 >/dev/null 2>&1
	wait_for 5 sh -c "ip netns exec $NA ss -ltn | grep -q 'fd00:c::1\]:5201'" || die "iperf3 server"
	nsx "$NB" timeout 15 iperf3 -c fd00:c::1 -p 5201 -t 2 -J "$@" >"$j"
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
if "error" in d: print(d["error"], file=sys.stderr)
print(int(d.get("end", {}).get("sum_received", {}).get("bits_per_second", 0)))' "$j"
}
bps=$(iperf_bps)
check "iperf3 TCP tapwire-vxlan -> QEMU ($((bps / 1000000)) Mbit/s)" test "${bps:-0}" -gt 1000000
bps=$(iperf_bps -R)
check "iperf3 TCP QEMU -> tapwire-vxlan ($((bps / 1000000)) Mbit/s)" test "${bps:-0}" -gt 1000000

kill -TERM "$pid"
gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
check "SIGTERM: stopped within a second" wait_for 1 gone "$pid"
kill "$QEMU"
finish
