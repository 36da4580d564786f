#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tapwire-vxlan beside the kernel's vxlan device and OpenVPN's `dev tap`, in
# one invocation, on this machine: two namespaces joined by a veth (the
# underlay, 198.51.100.0/24, MTU 1500), one Ethernet segment over it
# (203.0.113.0/24), the same iperf3 tests through each:
#   kernel    `ip link add ... type vxlan id 42 dstport 4789` on both sides
#             (the ceiling: no copy to user space)
#   tapwire   tapwire-vxlan on a TAP on both sides (VNI 42, port 4789)
#   ovpn-tap  OpenVPN 2.6 `--dev-type tap`, p2p TLS with pinned self-signed
#             certificates, AES-256-GCM (OpenVPN has no unencrypted data
#             channel: it pays for its cipher, the others carry none)
# Each: TCP one stream and four streams for DUR seconds, 64-byte UDP for
# UDPDUR seconds, median of RUNS runs; daemon CPU and tapwire's ratio to each
# peer. Not part of the test suite (minutes long, needs quiet cores).
#
#   sudo bench/vxlan.sh [-n RUNS] [scenario...]       see bench/README.md
#
# Namespaces, iperf3 and the CPU accounting come from the project's shared
# peer harness (shared/bench/peers/lib.sh, a sibling of the repository).
set -u -o pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=3
if [ "${1:-}" = "-n" ]; then
	RUNS=${2:-}
	shift 2 || true
fi
case $RUNS in
'' | *[!0-9]* | 0)
	echo "Error: -n needs a positive number of runs" >&2
	exit 2
	;;
esac
SCENARIOS=${*:-kernel tapwire ovpn-tap}

PEERS=
for d in "${TW_BENCH_PEERS:-}" "$REPO/../shared/bench/peers"; do
	[ -n "$d" ] && [ -f "$d/lib.sh" ] && PEERS=$(cd "$d" && pwd) && break
done
[ -n "$PEERS" ] || {
	echo "Error: shared peer harness not found: expected $REPO/../shared/bench/peers (or set TW_BENCH_PEERS)" >&2
	exit 2
}
[ "$(id -u)" = 0 ] || {
	echo "Error: needs root (network namespaces)" >&2
	exit 1
}
if [ "${TW_BENCH_DEPS:-1}" = 1 ]; then
	TW_DEPS_BENCH=1 bash "$REPO/scripts/deps.sh" >&2 || {
		echo "Error: installing the benchmark's dependencies failed" >&2
		exit 1
	}
fi
BUILD=${BUILD:-$REPO/build}
VX=${TAPWIRE_VXLAN:-$BUILD/vxlan/tapwire-vxlan}
TW=$BUILD/cli/tapwire
for s in $SCENARIOS; do
	case $s in
	kernel | ovpn-tap) ;;
	tapwire)
		[ -x "$VX" ] && [ -x "$TW" ] || {
			echo "Error: $VX or $TW missing: build first" >&2
			exit 2
		}
		;;
	*)
		echo "Error: unknown scenario $s (kernel tapwire ovpn-tap)" >&2
		exit 2
		;;
	esac
done

# shellcheck source=/dev/null
. "$PEERS/lib.sh"
OUT=${RESULTS_DIR:-$REPO/bench/results}/vxlan-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'ns_destroy; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM HUP

sc_kernel() {
	nsx "$NS_A" ip link add pb-xa type vxlan id 42 dstport 4789 local "$UL_A" remote "$UL_B" dev pb-va &&
		nsx "$NS_B" ip link add pb-xb type vxlan id 42 dstport 4789 local "$UL_B" remote "$UL_A" dev pb-vb &&
		tun_addr "$NS_A" pb-xa "$TN_A" && tun_addr "$NS_B" pb-xb "$TN_B" || return 1
	DAEMON_PIDS=""
}

sc_tapwire() {
	local n ns me peer pids=""
	for n in a b; do
		if [ $n = a ]; then ns=$NS_A me=$UL_A peer=$UL_B; else ns=$NS_B me=$UL_B peer=$UL_A; fi
		nsx "$ns" "$TW" tuntap add pb-x$n mode tap >/dev/null || return 1
		# -f so that the PID is the daemon's (for its CPU time)
		ip netns exec "$ns" "$VX" -f -q --dev pb-x$n --vni 42 --local "$me" --remote "$peer" \
			>"$WORK/vx$n.log" 2>&1 &
		pids+=" $!"
		wait_for_mtu "$ns" pb-x$n || return 1
	done
	tun_addr "$NS_A" pb-xa "$TN_A" && tun_addr "$NS_B" pb-xb "$TN_B" || return 1
	DAEMON_PIDS=$pids
}

# the daemon sets the TAP's MTU once it is up
wait_for_mtu() {
	local i
	for i in $(seq 100); do
		[ "$(nsx "$1" cat "/sys/class/net/$2/mtu" 2>/dev/null)" = 1450 ] && return 0
		sleep 0.1
	done
	log "tapwire-vxlan on $2 did not come up: $(cat "$WORK"/vx*.log)"
	return 1
}

sc_ovpn-tap() {
	local n fa fb pida pidb t0
	for n in a b; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
			-subj "/CN=pb-$n" -keyout "$WORK/$n.key" -out "$WORK/$n.crt" >/dev/null 2>&1 || return 1
	done
	fa=$(openssl x509 -in "$WORK/a.crt" -noout -fingerprint -sha256 | cut -d= -f2)
	fb=$(openssl x509 -in "$WORK/b.crt" -noout -fingerprint -sha256 | cut -d= -f2)
	local common=(--dev-type tap --proto udp --lport 1194 --data-ciphers AES-256-GCM
		--disable-dco --verb 3)
	ip netns exec "$NS_B" openvpn "${common[@]}" --dev pb-xb --local "$UL_B" --remote "$UL_A" 1194 \
		--ifconfig "$TN_B" 255.255.255.0 --tls-server --dh none --cert "$WORK/b.crt" \
		--key "$WORK/b.key" --peer-fingerprint "$fa" >"$WORK/ovb.log" 2>&1 &
	pidb=$!
	ip netns exec "$NS_A" openvpn "${common[@]}" --dev pb-xa --local "$UL_A" --remote "$UL_B" 1194 \
		--ifconfig "$TN_A" 255.255.255.0 --tls-client --cert "$WORK/a.crt" --key "$WORK/a.key" \
		--peer-fingerprint "$fb" >"$WORK/ova.log" 2>&1 &
	pida=$!
	DAEMON_PIDS="$pida $pidb"
	t0=$SECONDS
	until grep -q "Initialization Sequence Completed" "$WORK/ova.log"; do
		((SECONDS - t0 > READY_TIMEOUT)) && {
			log "openvpn did not come up"
			tail -5 "$WORK/ova.log" >&2
			return 1
		}
		sleep 0.2
	done
}

HDR="scenario\ttcp1_gbps\ttcp4_gbps\tudp${UDPLEN}_kpps\ttcp1_daemon_cpu\tudp_daemon_cpu\tmtu"
{
	echo "date: $(date -Is)"
	echo "kernel: $(uname -r)"
	echo "cpus: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
	echo "tapwire-vxlan: $VX ($(git -C "$REPO" describe --always --dirty 2>/dev/null))"
	echo "openvpn: $(openvpn --version 2>&1 | head -1)"
	echo "iperf3: $(iperf3 --version 2>&1 | head -1)"
	echo "DUR=$DUR UDPDUR=$UDPDUR UDPLEN=$UDPLEN RUNS=$RUNS"
	echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/versions.txt" >&2
printf '%b\n' "$HDR" >"$OUT/runs.tsv"

for run in $(seq "$RUNS"); do
	for sc in $SCENARIOS; do
		rm -rf "${WORK:?}"/*
		ns_create || exit 1
		log "run $run: $sc"
		TARGET=$TN_B DAEMON_PIDS=""
		if ! "sc_$sc" || ! wait_reach "$TARGET" || ! start_iperf_server "$TARGET"; then
			log "$sc: setup failed"
			printf '%s\tNA\tNA\tNA\t-\t-\t-\n' "$sc" >>"$OUT/runs.tsv"
			ns_destroy
			continue
		fi
		run_test tcp1 -t "$DUR" -P 1
		run_test tcp4 -t "$DUR" -P 4
		run_test udp -u -l "$UDPLEN" -b 0 -t "$UDPDUR"
		read -r c1 _ <"$WORK/tcp1.cpu"
		read -r cu _ <"$WORK/udp.cpu"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sc" "$(tcp_gbps "$WORK/tcp1.json")" \
			"$(tcp_gbps "$WORK/tcp4.json")" "$(udp_kpps "$WORK/udp.json")" "$c1" "$cu" \
			"$(nsx "$NS_A" cat /sys/class/net/pb-xa/mtu)" | tee -a "$OUT/runs.tsv" >&2
		mkdir -p "$OUT/$sc-$run"
		cp "$WORK"/*.json "$WORK"/*.log "$OUT/$sc-$run/" 2>/dev/null
		ns_destroy
	done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/versions.txt" >&2

# medians (with min-max) per scenario, and tapwire's ratio to each peer
awk -F'\t' '
NR == 1 { next }
{ sc[$1] = 1; for (c = 2; c <= 4; c++) if ($c != "NA" && $c != "") v[$1, c, ++n[$1, c]] = $c; cpu[$1] = $5 }
function med(s, c,   k, i, j, t, a) {
	k = n[s, c]; if (!k) return "NA"
	for (i = 1; i <= k; i++) a[i] = v[s, c, i]
	for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
END {
	name[2] = "TCP 1 stream Gbit/s"; name[3] = "TCP 4 streams Gbit/s"; name[4] = "UDP 64 B kpps"
	printf "%-10s %20s %20s %20s\n", "scenario", name[2], name[3], name[4]
	for (s in sc) {
		printf "%-10s", s
		for (c = 2; c <= 4; c++) printf " %20s", med(s, c)
		printf "\n"
	}
	if (!("tapwire" in sc)) exit
	for (s in sc) if (s != "tapwire") {
		printf "tapwire / %-8s", s
		for (c = 2; c <= 4; c++) {
			a = med("tapwire", c); b = med(s, c)
			printf " %19sx", (a != "NA" && b != "NA" && b > 0) ? sprintf("%.2f", a / b) : "NA"
		}
		printf "\n"
	}
}' "$OUT/runs.tsv" | tee "$OUT/report.txt"
echo "results: $OUT" >&2
