# tapwire-vxlan run as nobody on a TAP owned by nobody, fed bad input by a
# hostile underlay peer (issue 30). Host A runs the kernel's vxlan (id 42,
# dstport 4789); host B a TAP made by root for nobody and tapwire-vxlan as
# nobody (no capability), its control socket in a directory of nobody's.
#
# Unprivileged: the daemon's uid is nobody's, it says it could not set the
# MTU, and ping crosses both ways. Bad datagrams from A's underlay address
# (truncated, without the I flag, another VNI, a frame larger than the
# TAP's MTU) are each dropped and counted in `tapwire -j vxlan show`, the
# good frames counted apart; a flood of 3000 frames from random source MACs
# (seeded) leaves the table at its --fdb-max of 64 and the daemon's memory
# as it was (within 1 MiB); after all of it the overlay still carries pings.
TW_TEST_TIMEOUT=120
. "$TW_TESTS/lib.sh"

needs ping python3 setpriv ethtool
VX="$TW_BUILD/vxlan/tapwire-vxlan"
[ -x "$VX" ] || die "no $VX"
id nobody >/dev/null 2>&1 || die "no user nobody"
tun_open_up # as on Debian: /dev/net/tun 0666, the TAP's owner decides

ns_new NA
ns_new NB
TAP="tvh$$"
ip link add ua$$ netns "$NA" type veth peer name ub$$ netns "$NB"
ip -n "$NA" addr add 198.51.100.1/24 dev ua$$
ip -n "$NB" addr add 198.51.100.2/24 dev ub$$
ip -n "$NA" link set ua$$ up
ip -n "$NB" link set ub$$ up
link_up_wait "$NA" ua$$ && link_up_wait "$NB" ub$$ || die "underlay not up"
nsx "$NA" ethtool -K ua$$ tx off >/dev/null
ip -n "$NA" link add vx0 type vxlan id 42 dstport 4789 local 198.51.100.1 remote 198.51.100.2
ip -n "$NA" link set vx0 mtu 1400
ip -n "$NA" addr add 192.0.2.1/24 dev vx0
ip -n "$NA" link set vx0 up

# root makes the TAP for nobody (and its MTU, which nobody may not set)
nsx "$NB" "$TAPWIRE" tuntap add "$TAP" mode tap user nobody >/dev/null || die "tuntap add"
ip -n "$NB" link set "$TAP" mtu 1400
CTLDIR=$(mktemp -d /tmp/tw-vxh.XXXXXX)
at_exit "rm -rf '$CTLDIR'"
chown nobody "$CTLDIR"
CTL="$CTLDIR/ctl.sock"

bg VXPID ip netns exec "$NB" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	--inh-caps=-all "$VX" -f --dev "$TAP" --vni 42 --remote 198.51.100.1 --fdb-max 64 \
	--control "$CTL" >"$TW_TMP/vx.log" 2>&1
wait_for 10 test -S "$CTL" || die "no control socket: $(cat "$TW_TMP/vx.log")"
check_eq "the daemon runs as nobody" "$(awk '/^Uid:/ {print $2}' /proc/"$VXPID"/status)" \
	"$(id -u nobody)"
check "it says the MTU was not its to set" grep -q "could not set its MTU" "$TW_TMP/vx.log"
ip -n "$NB" addr add 192.0.2.2/24 dev "$TAP"
ip -n "$NB" link set "$TAP" up
check "B -> A: ping across (unprivileged)" wait_for 10 nsx "$NB" ping -c1 -W1 192.0.2.1
check "A -> B: ping" nsx "$NA" ping -q -c3 -i0.2 -W2 192.0.2.2

stat_of() { # KEY: a counter from tapwire -j vxlan show
	nsx "$NB" "$TAPWIRE" -j vxlan show control "$CTL" |
		python3 -c "import json,sys; print(json.load(sys.stdin)[0]['stats']['$1'])"
}
before=$(stat_of rx_frames)

# bad datagrams, from A's underlay address to B's VXLAN port
SEED=${TW_SEED:-$RANDOM}
log "seed $SEED (TW_SEED=$SEED repeats it)"
nsx "$NA" python3 - "$SEED" <<'PY' || fail "sending bad input"
import random, socket, struct, sys
random.seed(int(sys.argv[1]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.1", 0))
to = ("198.51.100.2", 4789)
def hdr(flags=0x08, vni=42): return struct.pack("!B3xI", flags, vni << 8)
def frame(src, size=60):
    return bytes.fromhex("ffffffffffff") + src + b"\x88\xb5" + bytes(size - 14)
src = bytes.fromhex("020000000099")
for _ in range(5): s.sendto(hdr()[:5], to)                   # truncated header
for _ in range(4): s.sendto(hdr() + frame(src)[:10], to)     # no whole Ethernet header
for _ in range(3): s.sendto(hdr(flags=0) + frame(src), to)   # no I flag
for _ in range(2): s.sendto(hdr(vni=43) + frame(src), to)    # another VNI
s.sendto(hdr() + frame(src, 1400 + 14 + 4 + 1), to)          # larger than the TAP's MTU
s.sendto(hdr(flags=0xff) + frame(src), to)                   # reserved bits set: taken
for i in range(3000):                                        # random source MACs
    mac = bytes([random.randrange(256) & 0xfe | 0x02]) + random.randbytes(5)
    s.sendto(hdr() + frame(mac), to)
PY
# the flood is counted once it is all in (the last datagrams may still be queued)
wait_for 10 test "$(stat_of rx_frames)" -ge $((before + 3001)) || fail "the good frames were not all counted"
check_eq "truncated datagrams counted" "$(stat_of rx_truncated)" 9
check_eq "datagrams without the I flag counted" "$(stat_of rx_bad_flags)" 3
check_eq "datagrams of another VNI counted" "$(stat_of rx_other_vni)" 2
check_eq "a frame above the TAP's MTU counted" "$(stat_of rx_too_big)" 1
n=$(nsx "$NB" "$TAPWIRE" -j vxlan show control "$CTL" |
	python3 -c "import json,sys; print(len(json.load(sys.stdin)[0]['fdb']))")
check "the table stays at its bound ($n entries, --fdb-max 64)" test "$n" -le 64 -a "$n" -gt 32
rss0=$(awk '/^VmRSS:/ {print $2}' /proc/"$VXPID"/status)
nsx "$NA" python3 - "$SEED" <<'PY'
import random, socket, struct, sys
random.seed(int(sys.argv[1]) + 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.1", 0))
for i in range(3000):
    mac = bytes([random.randrange(256) & 0xfe | 0x02]) + random.randbytes(5)
    s.sendto(struct.pack("!B3xI", 8, 42 << 8) + b"\xff" * 6 + mac + b"\x88\xb5" + bytes(46),
             ("198.51.100.2", 4789))
PY
wait_for 10 test "$(stat_of rx_frames)" -ge $((before + 6001)) || fail "the second flood was not all counted"
rss1=$(awk '/^VmRSS:/ {print $2}' /proc/"$VXPID"/status)
check "memory after a second flood: ${rss0} -> ${rss1} KiB" test $((rss1 - rss0)) -lt 1024
check "the daemon is still there" kill -0 "$VXPID"
check "B -> A: ping after the bad input" nsx "$NB" ping -q -c3 -i0.2 -W2 192.0.2.1
kill -TERM "$VXPID"
wait "$VXPID"
check_eq "SIGTERM: it exits 0" "$?" 0
check "its control socket is gone" test ! -e "$CTL"
finish
