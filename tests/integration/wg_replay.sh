# The replay window of tapwire-wg, seen from outside with real packets of a
# wireguard-go peer, re-sent from the peer's own address and port (so only
# the counter can tell them apart):
#  - data messages tapwire-wg never saw (the underlay dropped them) are all
#    accepted when they arrive late and in reverse order (inside the window);
#  - sent again, every one of them is a replay and none reaches the TUN;
#  - messages it already delivered, replayed, are dropped too;
#  - a handshake initiation replayed gets no response (its TAI64N timestamp
#    is not newer than the last one) and the session goes on.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"
needs tcpdump nft

wg_pair "$WG_GO" "$WG_TW"
wg_wait_ping "$NSA" "$IN4_B" 10 || die "no tunnel"
tun_rx() { ip -n "$NSB" -j -s link show "$IFB" | jq '.[0].stats64.rx.packets'; }

cat >"$TW_TMP/replay.py" <<'PY'
# replay.py PCAP TYPE [reverse]: re-sends the WireGuard messages of TYPE (4:
# data, not keepalives; 1: handshake initiations) of PCAP from their
# original source, through a raw socket; prints how many.
import socket, struct, sys
data = open(sys.argv[1], "rb").read()
linktype = struct.unpack("<I", data[20:24])[0]
off, msgs = 24, []
while off + 16 <= len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    frame = data[off + 16:off + 16 + incl]
    off += 16 + incl
    ip = frame[14:] if linktype == 1 else frame[16:]  # Ethernet or Linux cooked
    if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
        continue
    ihl = (ip[0] & 15) * 4
    src, dst = ip[12:16], ip[16:20]
    sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
    payload = ip[ihl + 8:]
    if len(payload) > 32 and payload[0] == int(sys.argv[2]):
        msgs.append((src, dst, sport, dport, payload))
if len(sys.argv) > 3:
    msgs.reverse()
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for src, dst, sport, dport, p in msgs:
    udp = struct.pack("!HHHH", sport, dport, 8 + len(p), 0) + p
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, src, dst)
    s.sendto(hdr + udp, (socket.inet_ntoa(dst), 0))
print(len(msgs))
PY

# 1. packets tapwire-wg never saw: capture them while the underlay drops them
bg dump ip netns exec "$NSB" tcpdump --immediate-mode -i ulb -n -U -w "$TW_TMP/lost.pcap" udp dst port $WG_PORT_B 2>/dev/null
sleep 1
wg_silence "$NSB" $WG_PORT_B
nsx "$NSA" ping -q -n -c 20 -i 0.05 -W 0.2 "$IN4_B" >/dev/null 2>&1
sleep 0.5
kill -INT "$dump"
wait "$dump" 2>/dev/null
wg_unsilence "$NSB"
t0=$(tun_rx)
n=$(nsx "$NSA" "$PYTHON" "$TW_TMP/replay.py" "$TW_TMP/lost.pcap" 4 reverse)
sleep 0.5
t1=$(tun_rx)
log "late, reversed: $n data messages sent, TUN rx $t0 -> $t1"
check "lost data messages were captured ($n)" test "${n:-0}" -ge 10
check_eq "late and out of order, inside the window: all delivered" "$((t1 - t0))" "$n"

# 2. the same again: all replays
n2=$(nsx "$NSA" "$PYTHON" "$TW_TMP/replay.py" "$TW_TMP/lost.pcap" 4)
sleep 0.5
t2=$(tun_rx)
log "replayed: $n2 data messages sent, TUN rx $t1 -> $t2"
check_eq "replayed: none delivered" "$t2" "$t1"

# 3. packets it did deliver, replayed
bg dump2 ip netns exec "$NSB" tcpdump --immediate-mode -i ulb -n -U -w "$TW_TMP/seen.pcap" udp dst port $WG_PORT_B 2>/dev/null
sleep 1
check "tunnel still works" wg_ping "$NSA" "$IN4_B" 10
sleep 0.3
kill -INT "$dump2"
wait "$dump2" 2>/dev/null
t3=$(tun_rx)
n3=$(nsx "$NSA" "$PYTHON" "$TW_TMP/replay.py" "$TW_TMP/seen.pcap" 4)
sleep 0.5
t4=$(tun_rx)
log "delivered then replayed: $n3 data messages sent, TUN rx $t3 -> $t4"
check "delivered messages were captured ($n3)" test "${n3:-0}" -ge 5
check_eq "delivered then replayed: none delivered again" "$t4" "$t3"
check_eq "the peer's endpoint did not move" "$(wg_field "$NSB" "$IFB" endpoints)" "$UL4_A:$WG_PORT_A"
# 4. a handshake initiation replayed (TAI64N protection): tapwire-wg must not
# answer it, and the session it has goes on
bg dump3 ip netns exec "$NSB" tcpdump --immediate-mode -i ulb -n -U -w "$TW_TMP/hs.pcap" udp dst port $WG_PORT_B 2>/dev/null
sleep 1
sleep 1.1 # a new initiation needs a newer timestamp than the last one
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" remove
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" allowed-ips "$IN4_B/32,$IN6_B/128" endpoint "$UL4_B:$WG_PORT_B"
check "a fresh handshake" wg_wait_ping "$NSA" "$IN4_B" 10
sleep 0.3
kill -INT "$dump3"
wait "$dump3" 2>/dev/null
bg dump4 ip netns exec "$NSB" tcpdump --immediate-mode -i ulb -n -l -Q out udp src port $WG_PORT_B >"$TW_TMP/answers.txt" 2>/dev/null
sleep 1
n4=$(nsx "$NSA" "$PYTHON" "$TW_TMP/replay.py" "$TW_TMP/hs.pcap" 1)
sleep 1
answers=$(grep -c "length 92$" "$TW_TMP/answers.txt")
log "replayed $n4 handshake initiation(s); handshake responses sent: $answers"
check "an initiation was captured ($n4)" test "${n4:-0}" -ge 1
check_eq "a replayed initiation gets no response" "$answers" 0
check "the session goes on after it" wg_ping "$NSA" "$IN4_B" 3
check "tapwire-wg alive" wg_alive "$PIDB"
finish
