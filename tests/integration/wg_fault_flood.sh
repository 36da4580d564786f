# A flood of random, truncated and forged-type UDP datagrams at tapwire-wg's
# port, from another host, during an iperf3 transfer through the tunnel
# (wireguard-go -> tapwire-wg): the transfer completes, the daemon lives, its
# RSS stays bounded (a second flood as long as the first adds nothing).
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
needs iperf3 jq

wg_pair "$WG_GO" "$WG_TW"
wg_wait_ping "$NSA" "$IN4_B" 10 || die "no tunnel"
ip -n "$NSA" addr add 198.51.100.5/24 dev ula
ip -n "$NSA" addr add fd00:1::5/64 dev ula nodad
wg_iperf_server "$NSB"

cat >"$TW_TMP/flood.py" <<'PY'
# flood.py SECONDS: random datagrams at the daemon from .5 and fd00:1::5
import os, random, socket, struct, sys, time
end = time.time() + float(sys.argv[1])
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s4.bind(("198.51.100.5", 0))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.bind(("fd00:1::5", 0))
dst4, dst6 = ("198.51.100.2", 51821), ("fd00:1::2", 51821)
sizes = {1: 148, 2: 92, 3: 64, 4: 32}
n = 0
rnd = random.Random(7)
while time.time() < end:
    for _ in range(200):
        kind = rnd.randrange(6)
        if kind == 0:      # pure garbage of any length
            b = os.urandom(rnd.randrange(0, 1500))
        elif kind == 1:    # a message type, truncated
            t = rnd.randrange(1, 5)
            b = struct.pack("<I", t) + os.urandom(rnd.randrange(0, sizes[t]))
        elif kind == 2:    # a message type at exactly its size, forged
            t = rnd.randrange(1, 5)
            b = struct.pack("<I", t) + os.urandom(sizes[t] - 4 + (rnd.randrange(0, 1400) if t == 4 else 0))
        elif kind == 3:    # data with a receiver index that may exist (small numbers)
            b = struct.pack("<II", 4, rnd.randrange(0, 64)) + os.urandom(8 + 16 + rnd.randrange(0, 1400))
        elif kind == 4:    # reserved bytes set
            b = struct.pack("<BBBB", rnd.randrange(1, 5), 1, 2, 3) + os.urandom(140)
        else:              # oversized
            b = os.urandom(rnd.choice([1501, 4000, 9000, 65000]))
        try:
            (s4 if n % 2 else s6).sendto(b, dst4 if n % 2 else dst6)
        except OSError:
            pass
        n += 1
print(n)
PY

rss() { wg_rss "$PIDB"; }
rss0=$(rss)
tx0=$(wg_tx "$NSA" "$IFA")
nsx "$NSA" timeout 30 iperf3 -c "$IN4_B" -p 5201 -t 6 -J >"$TW_TMP/tcp.json" 2>"$TW_TMP/tcp.err" &
iperf=$!
# the flood starts once the transfer does: a megabyte through the tunnel
check "the transfer is under way" wait_for 5 sh -c "[ \$(wg show $IFA transfer | cut -f3) -gt $((tx0 + 1000000)) ]"
n1=$(nsx "$NSA" "$PYTHON" "$TW_TMP/flood.py" 4)
rss1=$(rss)
wait "$iperf"
rc=$?
mbps=$(wg_iperf_tcp_mbps tcp)
log "flood 1: $n1 datagrams; iperf3 rc=$rc, $mbps Mbit/s; RSS $rss0 -> $rss1 KiB"
check_eq "iperf3 transfer completes under the flood" "$rc" 0
check "data moved under the flood ($mbps Mbit/s)" test "${mbps:-0}" -gt 5
check "tapwire-wg survives the flood" wg_alive "$PIDB"
# (wireguard-go's garbage collector lets it grow by tens of MiB here)
[ "$WG_TW" = "$WG_GO" ] ||
	check "RSS bounded during the flood ($rss0 -> $rss1 KiB)" test $((rss1 - rss0)) -lt 16384

n2=$(nsx "$NSA" "$PYTHON" "$TW_TMP/flood.py" 4)
rss2=$(rss)
log "flood 2: $n2 datagrams; RSS $rss1 -> $rss2 KiB"
[ "$WG_TW" = "$WG_GO" ] ||
	check "a second flood adds no memory ($rss1 -> $rss2 KiB)" test $((rss2 - rss1)) -lt 2048
check "tunnel works after the floods" wg_ping "$NSA" "$IN4_B" 3
check_eq "the flood moved no endpoint" "$(wg_field "$NSB" "$IFB" endpoints)" "$UL4_A:$WG_PORT_A"
finish
