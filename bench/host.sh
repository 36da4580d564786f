#!/usr/bin/env bash
# tapwire-host against the kernel and the user-space networking peers, one
# run, same machine: a client namespace reaches an iperf3 server on the
# "real host" side (namespace twb-h, 127.0.0.1:5201) through
#   kernel       a veth pair straight to twb-h (the kernel's own stack: the
#                ceiling)
#   tapwire-host its TAP in the client namespace, tapwire-host (in twb-h, on
#                the TAP's fd) terminating TCP in lwIP and relaying to
#                127.0.0.1:5201 (--forward tcp:5201=127.0.0.1:5201)
#   slirp4netns  libslirp, the client connecting to 10.0.2.2 (the host's
#                loopback)
#   pasta        passt's namespace mode, the client connecting to the
#                gateway address (mapped to the host's loopback)
# Each: iperf3 TCP one stream, client to server and back (-R), DUR seconds,
# RUNS times; ping RTT (200 pings, 10 ms apart) to the address the client
# talks to; the daemon's CPU seconds per GB moved (utime + stime of its
# process over the run, over iperf3's bytes received). All four at MTU 1500,
# then each user-space peer at its own default MTU as users run it: pasta's
# 65520, slirp4netns with --mtu 65520 (as podman and rootlesskit pass it),
# tapwire-host's (TAPWIRE_MTU, 1500 today: no second row while it is the
# same). The medians go to report.txt and, with gnuplot, to host.png.
#   sudo bench/host.sh            DUR=10 RUNS=3 by default
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root (namespaces)" >&2; exit 1; }
[ "${TW_BENCH_DEPS:-1}" = 1 ] && TW_DEPS_BENCH=1 bash scripts/deps.sh >/dev/null
DUR=${DUR:-10}
RUNS=${RUNS:-3}
BUILD=${BUILD:-build}
HOSTBIN=$BUILD/host/tapwire-host
[ -x "$HOSTBIN" ] || { echo "no $HOSTBIN: build first" >&2; exit 1; }
OUT=${RESULTS_DIR:-$PWD/bench/results/host-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
H=twb-h$$ K=twb-k$$ T=twb-t$$ S=twb-s$$ P=twb-p$$ S2=twb-s2$$ P2=twb-p2$$
TAPWIRE_MTU=${TAPWIRE_MTU:-1500}
pids=()
declare -A PID_OF=() # the process whose CPU time a scenario costs

cleanup() {
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for ns in $H $K $T $S $P $S2 $P2; do
		for p in $(ip netns pids $ns 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del $ns 2>/dev/null
	done
}
trap cleanup EXIT
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
wait_for() { local t=$1 i; shift; for ((i = 0; i < t * 10; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

for ns in $H $K $T $S $P $S2 $P2; do ip netns add $ns; ip -n $ns link set lo up; done
# the real host's side: iperf3 on loopback (relays) and on the veth (kernel);
# a routed interface for pasta to copy
ip netns exec $H iperf3 -s -p 5201 -D -I "$OUT/iperf3.pid"
ip -n $H link add vk type veth peer name vk0 netns $K
ip -n $H addr add 198.51.100.1/24 dev vk
ip -n $H link set vk up
ip -n $K addr add 198.51.100.2/24 dev vk0
ip -n $K link set vk0 up
ip -n $H link add vp0 type veth peer name vp1
ip -n $H addr add 192.0.2.1/24 dev vp0
ip -n $H link set vp0 up
ip -n $H link set vp1 up
ip -n $H route add default via 192.0.2.254

# tapwire-host: the TAP lives in $T, the process (and its real sockets) in $H
ip netns exec $T build/cli/tapwire tuntap add tw-bench mode tap >/dev/null
ip -n $T addr add 203.0.113.1/24 dev tw-bench
ip -n $T link set tw-bench up
OPENER='import fcntl, os, struct, sys
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH14x", b"tw-bench", 0x0002 | 0x1000))
if fd != 3:
    os.dup2(fd, 3)
    os.close(fd)
os.set_inheritable(3, True)
os.execvp(sys.argv[1], sys.argv[1:])'
ip netns exec $T python3 -c "$OPENER" nsenter --net=/run/netns/$H "$HOSTBIN" -f --fd 3 \
	--addr 203.0.113.2/24 --forward tcp:5201=127.0.0.1:5201 >"$OUT/tapwire-host.log" 2>&1 &
pids+=($!)
PID_OF[tapwire-host]=$!
ip netns exec $H slirp4netns --configure --mtu=1500 --netns-type=path /run/netns/$S tap0 \
	>"$OUT/slirp4netns.log" 2>&1 &
pids+=($!)
PID_OF[slirp4netns]=$!
ip netns exec $H slirp4netns --configure --mtu=65520 --netns-type=path /run/netns/$S2 tap0 \
	>"$OUT/slirp4netns-65520.log" 2>&1 &
pids+=($!)
PID_OF[slirp4netns@65520]=$!
ip netns exec $H pasta --runas 0 -f --config-net --netns /run/netns/$P --netns-only \
	>"$OUT/pasta.log" 2>&1 &
pids+=($!)
PID_OF[pasta]=$!
ip netns exec $H pasta --runas 0 -f --config-net --netns /run/netns/$P2 --netns-only \
	>"$OUT/pasta-65520.log" 2>&1 &
pids+=($!)
PID_OF[pasta@65520]=$!
wait_for 10 ip netns exec $T ping -c 1 -W 1 203.0.113.2 || { log "tapwire-host not up"; exit 1; }
wait_for 10 sh -c "ip -n $S -4 addr show tap0 | grep -q 10.0.2.100" || { log "slirp4netns not up"; exit 1; }
wait_for 10 sh -c "ip -n $S2 -4 addr show tap0 | grep -q 10.0.2.100" || { log "slirp4netns (65520) not up"; exit 1; }
wait_for 10 sh -c "ip -n $P -4 addr | grep -q 192.0.2.1" || { log "pasta not up"; exit 1; }
wait_for 10 sh -c "ip -n $P2 -4 addr | grep -q 192.0.2.1" || { log "pasta (65520) not up"; exit 1; }
ip -n $P link set dev "$(ip -n $P -o link | awk -F': ' '$2 != "lo" {print $2; exit}')" mtu 1500

declare -A NS_OF=([kernel]=$K [tapwire-host]=$T [slirp4netns]=$S [pasta]=$P
	[slirp4netns@65520]=$S2 [pasta@65520]=$P2)
declare -A DST_OF=([kernel]=198.51.100.1 [tapwire-host]=203.0.113.2 [slirp4netns]=10.0.2.2
	[pasta]=192.0.2.254 [slirp4netns@65520]=10.0.2.2 [pasta@65520]=192.0.2.254)
order=(kernel tapwire-host slirp4netns pasta)
if [ "$TAPWIRE_MTU" != 1500 ]; then
	log "tapwire-host@$TAPWIRE_MTU: not measured (this script runs it at 1500; see bench/README.md)"
fi
order+=(slirp4netns@65520 pasta@65520)
# ticks of a process's user and system time
ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0; }
HZ=$(getconf CLK_TCK)
: >"$OUT/raw.txt"
for ((r = 1; r <= RUNS; r++)); do
	for s in "${order[@]}"; do
		for dir in up down; do
			rev=(); [ $dir = down ] && rev=(-R)
			pid=${PID_OF[$s]:-}
			c0=$([ -n "$pid" ] && ticks "$pid" || echo 0)
			ip netns exec ${NS_OF[$s]} timeout $((DUR + 20)) iperf3 -c ${DST_OF[$s]} -p 5201 -t "$DUR" -J "${rev[@]}" \
				>"$OUT/iperf.json" 2>/dev/null
			c1=$([ -n "$pid" ] && ticks "$pid" || echo 0)
			g=$(jq -r '.end.sum_received.bits_per_second / 1e9' "$OUT/iperf.json" 2>/dev/null || echo 0)
			gb=$(jq -r '.end.sum_received.bytes / 1e9' "$OUT/iperf.json" 2>/dev/null || echo 0)
			echo "$s tcp_$dir $r ${g:-0}" >>"$OUT/raw.txt"
			# CPU seconds per GB moved (the daemon's; the kernel's path has none to count)
			[ -n "$pid" ] && awk -v c=$((c1 - c0)) -v hz="$HZ" -v gb="${gb:-0}" -v s="$s" -v d="$dir" -v r="$r" \
				'BEGIN { if (gb > 0) printf "%s cpu_%s %s %.3f\n", s, d, r, c / hz / gb }' >>"$OUT/raw.txt"
			log "run $r $s $dir: ${g:0:5} Gbit/s"
		done
		rtt=$(ip netns exec ${NS_OF[$s]} ping -q -c 200 -i 0.01 -W 1 ${DST_OF[$s]} 2>/dev/null |
			sed -n 's|.* = [0-9.]*/\([0-9.]*\)/.*|\1|p' || true)
		[ -n "$rtt" ] && echo "$s rtt_ms $r $rtt" >>"$OUT/raw.txt"
	done
done
{
	printf '%-17s | %-22s | %-22s | %-10s | %-13s\n' scenario "TCP up Gbit/s (c->s)" \
		"TCP down Gbit/s (-R)" "ping RTT ms" "CPU s/GB up/down"
	for s in "${order[@]}"; do
		med() { awk -v s="$s" -v k="$1" '$1 == s && $2 == k {print $4}' "$OUT/raw.txt" | sort -g |
			awk -v only="${2:-}" '{v[NR] = $1} END {if (!NR) {print "-"; exit}
				if (only) printf "%.3g", v[int((NR + 1) / 2)]
				else printf "%.3g [%.3g-%.3g]", v[int((NR + 1) / 2)], v[1], v[NR]}'; }
		printf '%-17s | %-22s | %-22s | %-10s | %-13s\n' "$s" "$(med tcp_up)" "$(med tcp_down)" \
			"$(med rtt_ms)" "$(med cpu_up 1)/$(med cpu_down 1)"
		printf '%s %s %s\n' "$s" "$(med tcp_up 1)" "$(med tcp_down 1)" >>"$OUT/medians.dat"
	done
	echo "(median [min-max] of $RUNS runs, ${DUR} s each; one stream; MTU 1500 unless @MTU)"
} | tee "$OUT/report.txt"
# the plot: up and down medians side by side, per scenario
if command -v gnuplot >/dev/null; then
	gnuplot <<PLOT && log "plot: $OUT/host.png"
set terminal pngcairo size 900,480 noenhanced
set output "$OUT/host.png"
set title "TCP one stream, namespace to the host's loopback (median of $RUNS x ${DUR} s)"
set ylabel "Gbit/s"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -20
set key top right
set datafile missing "-"
set yrange [0:*]
plot "$OUT/medians.dat" using 2:xtic(1) title "up (client to server)", "" using 3 title "down (-R)"
PLOT
else
	log "no gnuplot: no plot (TW_DEPS_BENCH=1 scripts/deps.sh installs gnuplot-nox)"
fi
