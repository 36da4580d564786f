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
capture dump "$NSB" /dev/null --immediate-mode -i ulb -n -U -w "$TW_TMP/lost.pcap" udp dst port $WG_PORT_B
wg_silence "$NSB" $WG_PORT_B
nsx "$NSA" ping -q -n -c 20 -i 0.05 -W 0.2 "$IN4_B" >/dev/null 2>&1
check "the 20 lost pings are captured" wait_for 5 pcap_has "$TW_TMP/lost.pcap" "$PING_MSG" 20
capture_end "$dump"
wg_unsilence "$NSB"
t0=$(tun_rx)
n=$(nsx "$NSA" "$PYTHON" "$TW_TMP/replay.py" "$TW_TMP/lost.pcap" 4 reverse)
check "lost data messages were captured ($n)" test "${n:-0}" -ge 10
check "late and out of order, inside the window: all delivered" \
	wait_for 5 test "$(tun_rx)" -ge $((t0 + n))
t1=$(tun_rx)
log "late, reversed: $n data messages sent, TUN rx $t0 -> $t1"
check_eq "... each once" "$((t1 - t0))" "$n"

# After replays, one fresh ping through the tunnel: once its request reached
# the TUN, the replays sent before it were handled too, and only the ping
# may have been delivered.
ping_through() { wg_ping "$NSA" "$IN4_B" && wait_for 5 test "$(tun_rx)" -ge $(($1 + 1)); }

# 2. the same again: all replays
n2=$(nsx "$NSA" "$PYTHON" "$TW_TMP/replay.py" "$TW_TMP/lost.pcap" 4)
check "the path is live after the replays" ping_through "$t1"
t2=$(tun_rx)
log "replayed: $n2 data messages sent, TUN rx $t1 -> $t2"
check_eq "replayed: none delivered (only the ping)" "$t2" "$((t1 + 1))"

# 3. packets it did deliver, replayed
capture dump2 "$NSB" /dev/null --immediate-mode -i ulb -n -U -w "$TW_TMP/seen.pcap" udp dst port $WG_PORT_B
check "tunnel still works" wg_ping "$NSA" "$IN4_B" 10
check "the 10 delivered pings are captured" wait_for 5 pcap_has "$TW_TMP/seen.pcap" "$PING_MSG" 10
capture_end "$dump2"
t3=$(tun_rx)
n3=$(nsx "$NSA" "$PYTHON" "$TW_TMP/replay.py" "$TW_TMP/seen.pcap" 4)
check "the path is live after the replays" ping_through "$t3"
t4=$(tun_rx)
log "delivered then replayed: $n3 data messages sent, TUN rx $t3 -> $t4"
check "delivered messages were captured ($n3)" test "${n3:-0}" -ge 5
check_eq "delivered then replayed: none delivered again (only the ping)" "$t4" "$((t3 + 1))"
check_eq "the peer's endpoint did not move" "$(wg_field "$NSB" "$IFB" endpoints)" "$UL4_A:$WG_PORT_A"
# 4. a handshake initiation replayed (TAI64N protection): tapwire-wg must not
# answer it, and the session it has goes on
capture dump3 "$NSB" /dev/null --immediate-mode -i ulb -n -U -w "$TW_TMP/hs.pcap" udp dst port $WG_PORT_B
# protocol time, not readiness: wireguard-go's next initiation must carry a
# newer TAI64N timestamp than its last, and its clock is coarse
sleep 1.1
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" remove
nsx "$NSA" wg set "$IFA" peer "$(wg_pub b)" allowed-ips "$IN4_B/32,$IN6_B/128" endpoint "$UL4_B:$WG_PORT_B"
check "a fresh handshake" wg_wait_ping "$NSA" "$IN4_B" 10
check "the initiation is captured" wait_for 5 pcap_has "$TW_TMP/hs.pcap" "length 148$" 1
capture_end "$dump3"
capture dump4 "$NSB" "$TW_TMP/answers.txt" --immediate-mode -i ulb -n -l -Q out udp src port $WG_PORT_B
n4=$(nsx "$NSA" "$PYTHON" "$TW_TMP/replay.py" "$TW_TMP/hs.pcap" 1)
# tapwire-wg's answer to a ping, after the replay, proves the capture saw
# whatever it sent before
check "the path is live after the replay" capture_sync "$TW_TMP/answers.txt" "$PING_MSG" \
	wg_ping "$NSA" "$IN4_B"
answers=$(grep -c "length 92$" "$TW_TMP/answers.txt")
log "replayed $n4 handshake initiation(s); handshake responses sent: $answers"
check "an initiation was captured ($n4)" test "${n4:-0}" -ge 1
check_eq "a replayed initiation gets no response" "$answers" 0
check "the session goes on after it" wg_ping "$NSA" "$IN4_B" 3
check "tapwire-wg alive" wg_alive "$PIDB"
finish
