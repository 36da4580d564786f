#!/usr/bin/env bash
# The VPN part of tapwire's demo: two network namespaces ("site A" and
# "site B") joined by a veth "internet", a tapwire-wg daemon in each, keys
# made and exchanged with `wg`, then a ping and a short TCP transfer through
# the tunnel, `wg show` on both ends, and everything removed again.
# Usage: scripts/demo-vpn.sh [BUILD_DIR]   (as root; namespaces only)
set -euo pipefail
build=${1:-build}
twwg=$(cd "$build" && pwd)/wg/tapwire-wg
[ -x "$twwg" ] || { echo "Error: $twwg not built" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "Error: run as root (network namespaces)" >&2; exit 1; }

a=twvpn-a$$ b=twvpn-b$$ ifa=twva$$ ifb=twvb$$
tmp=$(mktemp -d)
cleanup() {
	set +e
	for ns in "$a" "$b"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid"; done
	done
	sleep 0.5
	ip netns del "$a" 2>/dev/null
	ip netns del "$b" 2>/dev/null
	rm -f "/var/run/wireguard/$ifa.sock" "/var/run/wireguard/$ifb.sock"
	rm -rf "$tmp"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }

say "two sites and an underlay: $a 198.51.100.1 <-> $b 198.51.100.2"
ip netns add "$a"
ip netns add "$b"
ip link add twul0 netns "$a" type veth peer name twul1 netns "$b"
ip -n "$a" addr add 198.51.100.1/24 dev twul0
ip -n "$b" addr add 198.51.100.2/24 dev twul1
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set twul0 up
ip -n "$b" link set twul1 up

say "keys (wg genkey / wg pubkey)"
(umask 077 && wg genkey >"$tmp/a.key" && wg genkey >"$tmp/b.key")
wg pubkey <"$tmp/a.key" >"$tmp/a.pub"
wg pubkey <"$tmp/b.key" >"$tmp/b.pub"
echo "A: $(cat "$tmp/a.pub")"
echo "B: $(cat "$tmp/b.pub")"

say "tapwire-wg in each site, configured with wg"
ip netns exec "$a" "$twwg" "$ifa"
ip netns exec "$b" "$twwg" "$ifb"
ip netns exec "$a" wg set "$ifa" private-key "$tmp/a.key" listen-port 51820 \
	peer "$(cat "$tmp/b.pub")" allowed-ips 203.0.113.2/32 endpoint 198.51.100.2:51820
ip netns exec "$b" wg set "$ifb" private-key "$tmp/b.key" listen-port 51820 \
	peer "$(cat "$tmp/a.pub")" allowed-ips 203.0.113.1/32 endpoint 198.51.100.1:51820
ip -n "$a" addr add 203.0.113.1/24 dev "$ifa"
ip -n "$b" addr add 203.0.113.2/24 dev "$ifb"
ip -n "$a" link set "$ifa" up
ip -n "$b" link set "$ifb" up

say "ping through the tunnel: 203.0.113.1 -> 203.0.113.2"
# The first packet starts the handshake; on a busy machine it may take a
# second or two, so wait for the first answer (bounded) before the count.
for _ in 1 2 3 4 5 6 7 8 9 10; do
	ip netns exec "$a" ping -q -c 1 -W 1 203.0.113.2 >/dev/null 2>&1 && break
done
ip netns exec "$a" ping -c 3 -W 2 203.0.113.2

if command -v iperf3 >/dev/null; then
	say "TCP through the tunnel (iperf3, 3 s)"
	ip netns exec "$b" iperf3 -s -1 -D
	# -D returns before the daemon listens: wait for its socket (bounded)
	for _ in $(seq 50); do
		ip netns exec "$b" ss -Hltn 'sport = :5201' | grep -q . && break
		sleep 0.1
	done
	ip netns exec "$a" iperf3 -c 203.0.113.2 -t 3 | tail -4
fi

say "wg show, both sites"
ip netns exec "$a" wg show "$ifa"
ip netns exec "$b" wg show "$ifb"

say "stop: SIGTERM removes each interface and socket"
cleanup
trap - EXIT
echo "done"
