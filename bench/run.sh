#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tapwire-wg against the user-space tunnels a user might run instead, in one
# invocation, on this machine: the same iperf3 tests (TCP 1 stream, TCP 4
# streams, 64-byte UDP) through plain veth, tapwire-wg, wireguard-go, fastd
# (null and salsa2012+umac) and OpenVPN, median of RUNS runs with the spread,
# tapwire-wg's ratio to each peer, daemon CPU per Gbit/s and tapwire-wg's
# peak RSS. Not part of the test suite (minutes long, needs quiet cores).
#
#   sudo bench/run.sh [-n RUNS] [scenario...]        see bench/README.md
#
# The namespaces, daemons and iperf3 runs are the project's shared peer
# harness (shared/bench/peers, a sibling of the repository); this script only
# drives it, samples tapwire-wg's memory and computes the comparison.
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
SCENARIOS=${*:-veth tapwire wg-go fastd-null fastd-salsa ovpn-chacha}

find_peers() {
	local d
	for d in "${TW_BENCH_PEERS:-}" "$REPO/../shared/bench/peers" "$REPO/../../shared/bench/peers"; do
		[ -n "$d" ] && [ -x "$d/run.sh" ] && [ -f "$d/lib.sh" ] && {
			(cd "$d" && pwd)
			return 0
		}
	done
	return 1
}
PEERS=$(find_peers) || {
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
export TAPWIRE_WG=${TAPWIRE_WG:-$BUILD/wg/tapwire-wg}
case " $SCENARIOS " in
*" tapwire "*)
	[ -x "$TAPWIRE_WG" ] || {
		echo "Error: $TAPWIRE_WG missing: build first (cmake --build build) or set TAPWIRE_WG" >&2
		exit 2
	}
	;;
esac

OUT=${RESULTS_DIR:-$REPO/bench/results}/$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$OUT"

# ------------------------------------------------------------ memory sampler
# Every 0.5 s: VmHWM/VmRSS of each tapwire-wg inside the harness's namespaces
# (each daemon has exactly one peer there). VmHWM is the kernel's own peak, so
# a short spike between samples is still seen. Cheap on purpose (one pgrep and
# one sleep a round, the rest bash builtins): a sampler that forks and scans
# /proc several times a second steals CPU from, and wakes up next to, the very
# daemons and iperf3 runs it watches.
sample_rss() {
	local pid k v h r
	while :; do
		for pid in $(pgrep -x tapwire-wg); do
			[[ /proc/$pid/ns/net -ef /run/netns/pb-a || /proc/$pid/ns/net -ef /run/netns/pb-b ]] ||
				continue
			h='' r=''
			while read -r k v _; do
				case $k in
				VmHWM:) h=$v ;;
				VmRSS:) r=$v ;;
				esac
			done 2>/dev/null <"/proc/$pid/status"
			[ -n "$h" ] && echo "$pid $h $r"
		done
		sleep 0.5
	done
}
sample_rss >"$OUT/rss.samples" &
SAMPLER=$!
trap 'kill "$SAMPLER" 2>/dev/null' EXIT
trap 'exit 130' INT TERM HUP

{
	echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "tapwire-wg: $TAPWIRE_WG ($(git -C "$REPO" describe --always --dirty 2>/dev/null))"
	echo "env: TW_WG_OFFLOAD=${TW_WG_OFFLOAD:-} TW_WG_WORKERS=${TW_WG_WORKERS:-} PIN=${PIN:-0}"
} | tee "$OUT/conditions.txt" >&2

RESULTS_DIR="$OUT" "$PEERS/run.sh" -n "$RUNS" $SCENARIOS >"$OUT/peers-summary.txt"
rc=$?
kill "$SAMPLER" 2>/dev/null
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/conditions.txt" >&2
[ $rc = 0 ] || echo "warning: the peer harness exited with $rc" >&2

# the harness makes one timestamped directory below $OUT
TSV=$(ls "$OUT"/*/run*.tsv 2>/dev/null)
[ -n "$TSV" ] || {
	echo "Error: no results (see $OUT)" >&2
	exit 1
}
awk -F'\t' -v rssfile="$OUT/rss.samples" -v runs="$RUNS" -f "$REPO/bench/report.awk" $TSV | tee "$OUT/report.txt"
echo "results: $OUT" >&2
