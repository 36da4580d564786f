# `wg show`, `wg showconf`, `wg setconf`, `wg syncconf` and `wg set` give
# the same results against tapwire-wg as against wireguard-go: the same
# configuration is applied to one daemon of each kind (in two namespaces, so
# even the listen ports are equal) and every output is compared after
# normalising what may legitimately differ (interface name, peer order,
# allowed-IP order, a random port).
TW_TEST_TIMEOUT=120
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"

wg_twins
for k in if if2 p1 p2 p3 p4 psk; do wg_keypair "$k"; done
wg genpsk >"$TW_TMP/psk"

# norm: canonical form of wg output on stdin. Interface name -> IF; blocks
# (separated by blank lines, or [Peer] sections) sorted after the first;
# comma-separated allowed IPs sorted; in dump output peer lines sorted and
# their allowed-IPs field sorted.
norm() {
	python3 -c '
import sys, re
ifname, mode = sys.argv[1], sys.argv[2]
text = sys.stdin.read().replace(ifname, "IF")
def sort_ips(line):
    m = re.match(r"^(\s*(?:allowed ips|AllowedIPs)\s*[:=]\s*)(.*)$", line)
    if not m or m.group(2) == "(none)":
        return line
    return m.group(1) + ", ".join(sorted(x.strip() for x in m.group(2).split(",")))
if mode == "dump":
    lines = text.rstrip("\n").split("\n")
    out = [lines[0]]
    for l in sorted(lines[1:]):
        f = l.split("\t")
        if len(f) > 3:
            f[3] = ",".join(sorted(f[3].split(",")))
        out.append("\t".join(f))
    print("\n".join(out))
else:
    lines = [sort_ips(l) for l in text.rstrip("\n").split("\n")]
    blocks, cur = [], []
    for l in lines:
        if (mode == "conf" and l == "[Peer]") or (mode == "show" and l.startswith("peer: ")):
            blocks.append(cur); cur = []
        cur.append(l)
    blocks.append(cur)
    strip = lambda b: [l for l in b if l.strip()]
    print("\n".join("\n".join(strip(b)) for b in [blocks[0]] + sorted(blocks[1:], key=strip)))
' "$1" "$2"
}

# view NS IF VIEW: one view of a daemon's state, normalised. (`wg` reaches a
# userspace daemon through its socket from any namespace: no `ip netns exec`
# needed, which keeps this quick on a loaded machine.)
view() {
	local ns=$1 ifn=$2 f
	case $3 in
	showconf) wg showconf "$ifn" 2>&1 | norm "$ifn" conf ;;
	show) wg show "$ifn" 2>&1 | norm "$ifn" show ;;
	dump) wg show "$ifn" dump 2>&1 | norm "$ifn" dump ;;
	fields) for f in public-key private-key listen-port fwmark peers preshared-keys \
			endpoints allowed-ips persistent-keepalive; do
			wg show "$ifn" "$f" 2>&1 | sort
		done | norm "$ifn" dump ;;
	esac
}

# compare STAGE: all views of both daemons agree.
compare() {
	local v t g
	for v in showconf show dump fields; do
		t=$(view "$NST" "$IFT" $v)
		g=$(view "$NSG" "$IFG" $v)
		if [ "$t" == "$g" ]; then
			ok "$1: wg $v agrees"
		else
			fail "$1: wg $v differs"
			diff <(echo "$g") <(echo "$t") | sed 's/^/    /' >&2
		fi
	done
}

# both CMD...: runs `wg CMD...` against both (IF replaced by each name);
# their exit codes must agree.
both() {
	local rt rg
	nsx "$NST" wg "${@//@IF@/$IFT}" >"$TW_TMP/out.t" 2>&1; rt=$?
	nsx "$NSG" wg "${@//@IF@/$IFG}" >"$TW_TMP/out.g" 2>&1; rg=$?
	check_eq "wg $1 exit code" "$rt" "$rg"
	[ "$rt" = 0 ] || log "wg $* -> $rt: $(sed "s/$IFT/IF/g" "$TW_TMP/out.t")"
}

key() { cat "$TW_TMP/$1.key"; }
pub() { cat "$TW_TMP/$1.pub"; }

# Endpoints point into nowhere (these namespaces have no routes), so no
# handshake ever completes and nothing but configuration shows.
cat >"$TW_TMP/c1.conf" <<EOF
[Interface]
PrivateKey = $(key if)
ListenPort = 51820
FwMark = 0x1234

[Peer]
PublicKey = $(pub p1)
PresharedKey = $(cat "$TW_TMP/psk")
AllowedIPs = 203.0.113.0/26, 203.0.113.64/27, fd00:2::/64, fd00:2:0:1::1/128
Endpoint = 198.51.100.7:51000

[Peer]
PublicKey = $(pub p2)
AllowedIPs = 10.0.0.0/8, 10.1.0.0/16, 10.1.2.3/32
Endpoint = [fd00:1::7]:51001

[Peer]
PublicKey = $(pub p3)
AllowedIPs = 0.0.0.0/0, ::/0
EOF
both setconf @IF@ "$TW_TMP/c1.conf"
compare setconf

# syncconf: p3 disappears, p2 changes its allowed IPs, p4 arrives, port
# and fwmark change.
cat >"$TW_TMP/c2.conf" <<EOF
[Interface]
PrivateKey = $(key if)
ListenPort = 51830

[Peer]
PublicKey = $(pub p1)
PresharedKey = $(cat "$TW_TMP/psk")
AllowedIPs = 203.0.113.0/26, 203.0.113.64/27, fd00:2::/64, fd00:2:0:1::1/128
Endpoint = 198.51.100.7:51000

[Peer]
PublicKey = $(pub p2)
AllowedIPs = 10.1.0.0/16, 192.0.2.0/24
Endpoint = [fd00:1::7]:51001

[Peer]
PublicKey = $(pub p4)
AllowedIPs = fd00:3::/48
EOF
both syncconf @IF@ "$TW_TMP/c2.conf"
compare syncconf

# wg set: one change at a time.
both set @IF@ peer "$(pub p1)" allowed-ips ""
compare "set allowed-ips empty"
both set @IF@ peer "$(pub p2)" allowed-ips 10.1.0.0/16,192.0.2.0/24,198.51.100.128/25 endpoint 198.51.100.9:4242
compare "set allowed-ips+endpoint"
both set @IF@ peer "$(pub p4)" remove
compare "set peer remove"
both set @IF@ peer "$(pub p2)" preshared-key /dev/null
compare "set psk cleared"
both set @IF@ private-key "$TW_TMP/if2.key" fwmark 0x10
compare "set private-key+fwmark"
both set @IF@ fwmark off peer "$(pub p3)" allowed-ips 203.0.113.200/32
compare "set fwmark off, new peer"
# an allowed IP moves from one peer to another
both set @IF@ peer "$(pub p1)" allowed-ips 203.0.113.200/32
compare "allowed IP moves between peers"
# a peer whose allowed IPs overlap another's
both set @IF@ peer "$(pub p2)" allowed-ips 203.0.113.0/24,10.0.0.0/8
compare "overlapping allowed IPs"

# setconf replaces everything
cat >"$TW_TMP/c3.conf" <<EOF
[Interface]
PrivateKey = $(key if)
ListenPort = 51840

[Peer]
PublicKey = $(pub p4)
AllowedIPs = 198.51.100.0/24
EOF
both setconf @IF@ "$TW_TMP/c3.conf"
compare "setconf replaces"

# listen-port 0: a random port on each side; equal after masking
both set @IF@ listen-port 0
t=$(nsx "$NST" wg show "$IFT" listen-port)
g=$(nsx "$NSG" wg show "$IFG" listen-port)
check "listen-port 0 gives a port (tapwire-wg $t, wireguard-go $g)" test "${t:-0}" -gt 0 -a "${g:-0}" -gt 0
check "the random port is really bound" sh -c "ip netns exec $NST ss -uln | grep -q ':$t '"

# errors: a port another socket holds
nsx "$NST" "$PYTHON" -c 'import socket,time,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 51999)); time.sleep(10)' &
hold_t=$!
nsx "$NSG" "$PYTHON" -c 'import socket,time,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 51999)); time.sleep(10)' &
hold_g=$!
at_exit "kill $hold_t $hold_g"
wait_for 5 sh -c "ip netns exec $NST ss -uln | grep -q ':51999 '" || fail "port holder did not start"
wait_for 5 sh -c "ip netns exec $NSG ss -uln | grep -q ':51999 '" || fail "port holder did not start"
both set @IF@ listen-port 51999
check "a port in use is refused" grep -q "Address already in use" "$TW_TMP/out.t"
kill "$hold_t" "$hold_g" 2>/dev/null
# (what the daemon then reports as its port is not compared: wireguard-go
# keeps the refused number, which is no behaviour to copy)
both set @IF@ listen-port 51850
compare "fixed port again"

# an empty configuration
printf '[Interface]\nListenPort = 51860\n' >"$TW_TMP/empty.conf"
both setconf @IF@ "$TW_TMP/empty.conf"
compare "empty setconf"

check "tapwire-wg alive" wg_alive "$PIDT"
check "wireguard-go alive" wg_alive "$PIDG"
finish
