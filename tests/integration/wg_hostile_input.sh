#!/usr/bin/env bash
# tapwire-wg under hostile input, with a live tunnel to wireguard-go:
#  - garbage, truncated, oversized and well-typed-but-forged datagrams on its
#    UDP port, and every real packet of the tunnel replayed from another
#    source port: nothing crashes, memory stays put, the replays move no
#    endpoint (they fail the replay window before roaming), traffic goes on;
#  - malformed UAPI requests get errno= answers, a megabyte line without a
#    newline and more clients than the daemon serves at once are survived,
#    and `wg` works afterwards.
TW_TEST_TIMEOUT=90
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
needs tcpdump

# B (tapwire-wg, the target) answers A (wireguard-go, the initiator)
wg_pair "$WG_GO" "$WG_TW"

# record the tunnel's real packets towards tapwire-wg, for replaying
capture DUMP "$NSB" /dev/null -i ulb -n -U -w "$TW_TMP/real.pcap" udp dst port $WG_PORT_B
check "tunnel up" wg_wait_ping "$NSA" "$IN4_B" 10
nsx "$NSA" ping -c 5 -i 0.2 -W 1 "$IN4_B" >/dev/null
check "the pings are captured" wait_for 5 pcap_has "$TW_TMP/real.pcap" "$PING_MSG" 5
capture_end "$DUMP"

endpoint() { nsx "$NSB" wg show "$IFB" endpoints | cut -f 2; }
twpid=$PIDB
ep0=$(endpoint)
rss0=$(wg_rss "$twpid")
check_eq "endpoint is wireguard-go's port" "$ep0" "$UL4_A:$WG_PORT_A"

cat >"$TW_TMP/hostile.py" <<'PY'
import os, random, socket, struct, sys
dst = (sys.argv[2], int(sys.argv[3]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
rnd = random.Random(7)
def send(b):
    try:
        s.sendto(b, dst)
    except OSError:
        pass
for _ in range(3000):                       # random bytes, random sizes
    send(os.urandom(rnd.randrange(0, 1500)))
for t, good in ((1, 148), (2, 92), (3, 64), (4, 32)):
    for n in list(range(0, good + 8)) + [good * 10]:   # truncated, exact, long
        send(struct.pack("<I", t) + os.urandom(max(0, n - 4)))
    for _ in range(300):                    # right size and type, forged content
        send(struct.pack("<I", t) + os.urandom(good - 4))
for n in (9000, 9300, 20000, 65000):        # oversized
    send(struct.pack("<I", 4) + os.urandom(n - 4))
# replay every real packet (handshakes and data) from another port
data = open(sys.argv[1], "rb").read()
off, snap = 24, None
link = struct.unpack("<I", data[20:24])[0]
while off + 16 <= len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    l2 = 14 if link == 1 else 16
    ip = pkt[l2:]
    if len(ip) < 28 or ip[0] >> 4 != 4:
        continue
    ihl = (ip[0] & 15) * 4
    payload = ip[ihl + 8:]
    for _ in range(3):
        send(payload)
print("sent")
PY
# twice: the first round may touch receive buffers for the first time, the
# second must not grow anything
# (a ping through the tunnel after each round: once it is answered, the
# datagrams sent before it were handled)
check "hostile datagrams sent" nsx "$NSA" python3 "$TW_TMP/hostile.py" "$TW_TMP/real.pcap" "$UL4_B" $WG_PORT_B
check "tunnel works after one round" wg_wait_ping "$NSA" "$IN4_B" 5
rssh=$(wg_rss "$twpid")
check "hostile datagrams sent again" nsx "$NSA" python3 "$TW_TMP/hostile.py" "$TW_TMP/real.pcap" "$UL4_B" $WG_PORT_B
check "tunnel works after two rounds" wg_wait_ping "$NSA" "$IN4_B" 5
check "tapwire-wg survives the datagrams" kill -0 "$twpid"
check_eq "replayed packets moved no endpoint" "$(endpoint)" "$ep0"
check "tunnel still works" wg_ping "$NSA" "$IN4_B" 2
rss1=$(wg_rss "$twpid")
log "RSS at start ${rss0} KiB, after one round ${rssh} KiB, after two ${rss1} KiB"
check "memory did not grow in the second round (${rssh} -> ${rss1} KiB)" test $((rss1 - rssh)) -lt 1024
check "memory stays small (${rss1} KiB)" test "$rss1" -lt 32768

cat >"$TW_TMP/uapi.py" <<'PY'
import socket, sys
path = sys.argv[1]
def conn():
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    c.settimeout(3)
    return c
def ask(req):
    c = conn()
    c.sendall(req)
    out = b""
    while not out.endswith(b"\n\n"):
        b = c.recv(4096)
        if not b:
            break
        out += b
    c.close()
    return out.decode()
assert ask(b"hello=1\n\n") == "errno=-71\n\n", "unknown operation"
assert ask(b"set=1\nlisten_port=99999\n\n") == "errno=-22\n\n", "bad port"
assert ask(b"set=1\npublic_key=zz\n\n") == "errno=-22\n\n", "bad key"
assert ask(b"set=1\nprivate_key\n\n") == "errno=-71\n\n", "no ="
assert ask(b"set=1\nfoo=" + b"x" * (1 << 20) + b"\n\n") == "errno=-22\n\n", "long line"
# a megabyte without a newline, then hang up
c = conn(); c.sendall(b"set=1\n" + b"y" * (1 << 20)); c.close()
# more idle clients than served at once
idle = [conn() for _ in range(40)]
for c in idle:
    c.close()
print("ok")
PY
check "malformed UAPI requests answered" python3 "$TW_TMP/uapi.py" "$WG_RUN/$IFB.sock"
check "wg show works afterwards" wait_for 5 nsx "$NSB" wg show "$IFB" endpoints
check "tapwire-wg survives the UAPI abuse" kill -0 "$twpid"
rss2=$(wg_rss "$twpid")
check "memory did not grow after UAPI abuse (${rss1} -> ${rss2} KiB)" test $((rss2 - rss1)) -lt 4096
check "tunnel still works at the end" wg_ping "$NSA" "$IN4_B" 2
finish
