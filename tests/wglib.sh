# shellcheck shell=bash
# Helpers for the VPN tests (tests/integration/wg_*.sh). Source after lib.sh:
#     . "$TW_TESTS/lib.sh"; . "$TW_TESTS/wglib.sh"
#
# Two namespaces joined by a veth pair (the "underlay"):
#     NSA: ula 198.51.100.1/24 fd00:1::1/64   <->   NSB: ulb 198.51.100.2/24 fd00:1::2/64
# and one WireGuard daemon in each, whose tunnel interfaces carry the "inner"
# addresses 203.0.113.1/24 fd00:2::1/64 (A) and 203.0.113.2/24 fd00:2::2/64 (B).
#
# The implementation under test is a parameter, so every test can first be
# proven with wireguard-go on both ends:
#     WG_IMPL_TW   the daemon tests call "tapwire-wg" (default: the one built here)
#     WG_IMPL_GO   the reference daemon (default: /usr/bin/wireguard-go)
# e.g. WG_IMPL_TW=/usr/bin/wireguard-go ctest -R int/wg_ proves the tests
# themselves against the reference. Checks where wireguard-go itself falls
# short are guarded by [ "$WG_TW" = "$WG_GO" ] and say so; wg_rekey_clock
# needs tapwire-wg's test clock (TW_TEST_CLOCK_RATE) and cannot pass with it.
#
# A UAPI socket lives in /var/run/wireguard of the mount namespace, which every
# network namespace shares; `wg` finds it by interface name. Interface names
# are therefore unique to the test run (tw<pid><tag>), and the sockets the
# test's daemons made are removed at exit.

WG_TW=${WG_IMPL_TW:-$TW_BUILD/wg/tapwire-wg}
# the same daemon built with the test clock (TW_TEST_CLOCK_RATE), which the
# installed one lacks: wg_rekey_clock and wg_retry_clock run it as WG_TW
WG_TW_CLOCK=${WG_IMPL_TW:-$TW_BUILD/wg/tapwire-wg-testclock}
WG_GO=${WG_IMPL_GO:-/usr/bin/wireguard-go}
WG_RUN=/var/run/wireguard
WG_PORT_A=51820
WG_PORT_B=51821
UL4_A=198.51.100.1 UL4_B=198.51.100.2
UL6_A=fd00:1::1 UL6_B=fd00:1::2
IN4_A=203.0.113.1 IN4_B=203.0.113.2
IN6_A=fd00:2::1 IN6_B=fd00:2::2

needs wg ip ping python3
# Debian's python3 (scripts/deps.sh) directly: a python3 found first on PATH
# may be a slow wrapper, and the tests start it often.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)
python3() { "$PYTHON" "$@"; }
[ -x "$WG_TW" ] || die "tapwire-wg not built: $WG_TW"
[ -x "$WG_GO" ] || needs wireguard-go

# A copy of stderr that survives the cleanup's redirections, so logs can be
# shown when a test fails.
exec {_wg_errfd}>&2
_wg_logs=()

_wg_show_logs() {
	local f
	[ "${rc:-0}" = 0 ] && [ "$_tw_failures" = 0 ] && return 0
	for f in "${_wg_logs[@]}"; do
		[ -s "$f" ] || continue
		printf '[%s] --- last lines of %s\n' "$TW_TEST_NAME" "${f##*/}" >&"$_wg_errfd"
		tail -n 25 "$f" >&"$_wg_errfd"
	done
}
at_exit _wg_show_logs

# wg_impl_name PATH: a short label for logs ("tapwire-wg", "wireguard-go").
wg_impl_name() {
	case $1 in
	"$WG_TW") echo "tapwire-wg($(basename "$1"))" ;;
	*) basename "$1" ;;
	esac
}

# wg_ifname TAG: an interface name unique to this run (<= 15 bytes).
wg_ifname() { printf 'tw%s%s' "$$" "$1"; }

# wg_keypair NAME: makes $TW_TMP/NAME.key (private) and NAME.pub.
wg_keypair() {
	(umask 077 && wg genkey >"$TW_TMP/$1.key") || die "wg genkey"
	wg pubkey <"$TW_TMP/$1.key" >"$TW_TMP/$1.pub" || die "wg pubkey"
}
wg_pub() { cat "$TW_TMP/$1.pub"; }

# wg_underlay NSA NSB: the veth pair ula (in NSA) <-> ulb (in NSB) with
# IPv4 and IPv6 addresses (no DAD, so they are usable at once).
wg_underlay() {
	ip link add ula netns "$1" type veth peer name ulb netns "$2" || die "veth"
	ip -n "$1" addr add "$UL4_A/24" dev ula
	ip -n "$1" addr add "$UL6_A/64" dev ula nodad
	ip -n "$2" addr add "$UL4_B/24" dev ulb
	ip -n "$2" addr add "$UL6_B/64" dev ulb nodad
	ip -n "$1" link set ula up
	ip -n "$2" link set ulb up
	link_up_wait "$1" ula && link_up_wait "$2" ulb || die "the underlay veth is not up after 30 s"
}

# wg_start VAR NS IFNAME IMPL [ENV=VALUE...]: starts IMPL in the foreground
# in NS for IFNAME, its PID in VAR, its output in $TW_TMP/IFNAME.log; waits
# for the UAPI socket and the interface.
wg_start() {
	local var=$1 ns=$2 ifn=$3 impl=$4 pid
	shift 4
	at_exit "rm -f $WG_RUN/$ifn.sock"
	_wg_logs+=("$TW_TMP/$ifn.log")
	bg pid env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=verbose "$@" \
		ip netns exec "$ns" "$impl" -f "$ifn" >"$TW_TMP/$ifn.log" 2>&1
	printf -v "$var" '%s' "$pid"
	wait_for 10 test -S "$WG_RUN/$ifn.sock" ||
		die "$(wg_impl_name "$impl") made no UAPI socket for $ifn"
	wait_for 5 ip -n "$ns" link show "$ifn" ||
		die "$(wg_impl_name "$impl") made no interface $ifn in $ns"
}

# wg_stop PID [SIGNAL]: signals a daemon and waits (5 s at most) for it;
# the exit status is returned.
wg_stop() {
	local pid=$1 i
	kill -"${2:-TERM}" "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
}

# wg_inner NS IFNAME N: inner addresses 203.0.113.N/24, fd00:2::N/64; up.
wg_inner() {
	ip -n "$1" addr add "203.0.113.$3/24" dev "$2" || die "addr on $2"
	ip -n "$1" addr add "fd00:2::$3/64" dev "$2" nodad || die "addr6 on $2"
	ip -n "$1" link set "$2" up || die "link up $2"
}

# wg_ep FAMILY SIDE: the underlay endpoint of side A or B for family 4|6.
wg_ep() {
	case $1$2 in
	4A) echo "$UL4_A:$WG_PORT_A" ;;
	4B) echo "$UL4_B:$WG_PORT_B" ;;
	6A) echo "[$UL6_A]:$WG_PORT_A" ;;
	6B) echo "[$UL6_B]:$WG_PORT_B" ;;
	esac
}

# wg_pair IMPL_A IMPL_B [OUTER_FAMILY]: the standard two-site setup.
# Namespaces NSA/NSB, daemons PIDA/PIDB on IFA/IFB, keys "a" and "b".
# A knows B's endpoint (over IPv4 or IPv6, default 4); B does not know A's,
# so A is the initiator and B the responder. Allowed IPs are the other
# side's inner /32 and /128.
wg_pair() {
	local fam=${3:-4}
	WG_IMPL_A=$1 WG_IMPL_B=$2
	ns_new NSA
	ns_new NSB
	wg_underlay "$NSA" "$NSB"
	IFA=$(wg_ifname "a$_wg_npair") IFB=$(wg_ifname "b$_wg_npair")
	_wg_npair=$((_wg_npair + 1))
	wg_keypair a
	wg_keypair b
	wg_start PIDA "$NSA" "$IFA" "$1" "${WG_ENV_A[@]}"
	wg_start PIDB "$NSB" "$IFB" "$2" "${WG_ENV_B[@]}"
	nsx "$NSA" wg set "$IFA" private-key "$TW_TMP/a.key" listen-port $WG_PORT_A \
		peer "$(wg_pub b)" allowed-ips "$IN4_B/32,$IN6_B/128" endpoint "$(wg_ep "$fam" B)" ||
		die "wg set $IFA"
	nsx "$NSB" wg set "$IFB" private-key "$TW_TMP/b.key" listen-port $WG_PORT_B \
		peer "$(wg_pub a)" allowed-ips "$IN4_A/32,$IN6_A/128" ||
		die "wg set $IFB"
	wg_inner "$NSA" "$IFA" 1
	wg_inner "$NSB" "$IFB" 2
	log "pair: A=$(wg_impl_name "$1") ($IFA in $NSA) -> B=$(wg_impl_name "$2") ($IFB in $NSB), outer IPv$fam"
}
WG_ENV_A=()
WG_ENV_B=()
_wg_npair=0

# wg_ping NS DST [COUNT]: true when DST answers (ping or ping -6 by syntax).
wg_ping() {
	nsx "$1" ping -q -n -c "${3:-1}" -W 1 -i 0.2 "$2" >/dev/null 2>&1
}

# wg_wait_ping NS DST [SECONDS]: polls until DST answers (bounded).
wg_wait_ping() {
	local t=${3:-10} i
	for ((i = 0; i < t; i++)); do
		nsx "$1" ping -q -n -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}

# wg_field NS IFNAME FIELD: one field of `wg show IF FIELD` for the first
# peer (latest-handshakes, transfer, endpoints, ...), without the key.
wg_field() {
	wg show "$2" "$3" | head -n 1 | cut -f 2- # (the socket is reachable from anywhere)
}

# wg_wait_endpoint NS IFNAME WANT [SECONDS]: polls (default 5 s) until the
# first peer's endpoint is WANT; true if it got there.
wg_wait_endpoint() { wait_for "${4:-5}" wg_endpoint_is "$1" "$2" "$3"; }
wg_endpoint_is() { [ "$(wg_field "$1" "$2" endpoints)" = "$3" ]; }

# wg_dump_canon FILE: a `wg show dump` minus the interface line, comparable
# across daemons: each peer's key, psk, endpoint and keepalive, then one line
# per allowed IP, all sorted.
wg_dump_canon() {
	tail -n +2 "$1" | awk -F'\t' '{ print $1, $2, $3, $8; n = split($4, a, ",");
		for (i = 1; i <= n; i++) print $1, a[i] }' | sort
}

# wg_rx NS IFNAME: bytes received from the first peer.
wg_rx() { wg_field "$1" "$2" transfer | cut -f 1; }
wg_tx() { wg_field "$1" "$2" transfer | cut -f 2; }

# wg_diag NS...: what the kernel saw in each namespace, for a failure's log:
# UDP sockets with their queues and drops, UDP/IPv6/ND counters, neighbours.
wg_diag() {
	local ns
	for ns in "$@"; do
		log "diag $ns: sockets: $(nsx "$ns" ss -Huanm | tr -s ' \n\t' ' ')"
		log "diag $ns: counters: $(nsx "$ns" nstat -saz Udp6InDatagrams Udp6NoPorts \
			Udp6RcvbufErrors Udp6InErrors Udp6OutDatagrams UdpInDatagrams UdpNoPorts \
			UdpRcvbufErrors UdpOutDatagrams Ip6InReceives Ip6OutRequests Ip6OutNoRoutes \
			Ip6InDiscards Icmp6InNeighborSolicits Icmp6InNeighborAdvertisements \
			Icmp6OutNeighborSolicits Icmp6OutNeighborAdvertisements 2>/dev/null |
			awk 'NR > 1 { printf "%s=%s ", $1, $2 }')"
		log "diag $ns: neighbours: $(nsx "$ns" ip neigh show | tr '\n' ';')"
	done
}

# wg_iperf_server NS: an iperf3 server in NS (port 5201), PID tracked.
wg_iperf_server() {
	local pid
	bg pid ip netns exec "$1" iperf3 -s -p 5201 >"$TW_TMP/iperf-server-$1.log" 2>&1
	wait_for 5 sh -c "ip netns exec $1 ss -ltn | grep -q ':5201 '" || die "iperf3 server"
	_wg_iperf_ns=$1
}

# The server takes one test at a time and, on a lossy path, may still be
# closing the last one when the next client comes ("the server is busy
# running a test", or a reset control connection): wait until it holds no
# connection (10 s at most).
_wg_iperf_idle() {
	[ -n "${_wg_iperf_ns:-}" ] || return 0
	! ip netns exec "$_wg_iperf_ns" ss -Htn state established '( sport = :5201 )' | grep -q .
}

# wg_iperf NAME NS DST ARGS...: a short iperf3 client run; JSON in
# $TW_TMP/NAME.json. Returns iperf3's status. A run the server refused
# before measuring anything (busy, control connection reset) is retried
# once the server is idle again, three times at most.
wg_iperf() {
	local name=$1 ns=$2 dst=$3 rc try
	shift 3
	for try in 1 2 3; do
		wait_for 10 _wg_iperf_idle
		nsx "$ns" timeout 30 iperf3 -c "$dst" -p 5201 --connect-timeout 3000 -J "$@" \
			>"$TW_TMP/$name.json" 2>"$TW_TMP/$name.err"
		rc=$?
		[ "$rc" = 0 ] && break
		jq -e '(.error // "") | test("busy|control message|reset by peer")' \
			"$TW_TMP/$name.json" >/dev/null 2>&1 || break
		log "iperf3 $name: the server refused ($(jq -r .error "$TW_TMP/$name.json")), try $((try + 1))"
	done
	return "$rc"
}

# wg_iperf_tcp_mbps NAME: the receiver's rate of a TCP run, Mbit/s (integer).
wg_iperf_tcp_mbps() {
	jq -r '.end.sum_received.bits_per_second // 0 | . / 1e6 | floor' "$TW_TMP/$1.json" 2>/dev/null || echo 0
}
# wg_iperf_udp NAME: "LOSTPERCENT PACKETS" of a UDP run (receiver's view).
wg_iperf_udp() {
	jq -r '.end.sum | "\(.lost_percent // 100 | floor) \(.packets // 0)"' "$TW_TMP/$1.json" 2>/dev/null || echo "100 0"
}

# pcap_has FILE PATTERN N: the capture FILE holds N packets matching PATTERN
# (as tcpdump -n prints them).
pcap_has() { [ "$(tcpdump -r "$1" -n 2>/dev/null | grep -c -- "$2")" -ge "$3" ]; }
# A 56-byte ping's data message on the wire: 84 bytes padded to 96, + 32.
PING_MSG="length 128$"

# wg_mark NS ADDR PORT: one 7-byte UDP datagram ("twmark") from NS to
# ADDR:PORT, a marker for capture_sync ("length 7$") where the tunnel's own
# traffic cannot be one.
wg_mark() { nsx "$1" bash -c "echo twmark >/dev/udp/$2/$3"; }

# wg_rss PID: resident set size in KiB.
wg_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# wg_alive PID: the daemon still runs.
wg_alive() { kill -0 "$1" 2>/dev/null; }

# wg_silence NS PORT: NS's host drops every UDP datagram to PORT (nft table
# twdrop) until wg_unsilence NS.
wg_silence() {
	nsx "$1" nft -f - <<NFT || die "nft"
table inet twdrop {
	chain c {
		type filter hook input priority 0; policy accept;
		udp dport $2 drop
	}
}
NFT
}
wg_unsilence() { nsx "$1" nft delete table inet twdrop; }

# wg_twins: one tapwire-wg (PIDT on IFT in NST) and one wireguard-go (PIDG on
# IFG in NSG), each alone in its namespace and not yet configured, so the
# same configuration can be given to both and their answers compared.
wg_twins() {
	ns_new NST
	ns_new NSG
	IFT=$(wg_ifname t) IFG=$(wg_ifname g)
	wg_start PIDT "$NST" "$IFT" "$WG_TW"
	wg_start PIDG "$NSG" "$IFG" "$WG_GO"
}
