# tapwire-wg is invoked like wireguard-go:
#  - without -f it daemonises: the command returns 0 once the interface and
#    UAPI socket exist, and the daemon carries on in the background;
#  - WG_TUN_FD / WG_UAPI_FD hand it an already open TUN queue (with or without
#    packet-information headers) and an already listening UAPI socket (as
#    wireguard-go's own re-exec does), and it serves a working tunnel with them;
#  - LOG_LEVEL=silent prints nothing, verbose prints;
#  - usage errors (no name, a name over 15 bytes) exit non-zero with a message.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"

ns_new NS
# ---- daemonising
IFD=$(wg_ifname d)
at_exit "rm -f $WG_RUN/$IFD.sock"
_wg_logs+=("$TW_TMP/daemon.log")
t0=$SECONDS
nsx "$NS" env -u WG_PROCESS_FOREGROUND LOG_LEVEL=verbose timeout 10 "$WG_TW" "$IFD" >"$TW_TMP/daemon.log" 2>&1
rc=$?
check_eq "without -f the command returns 0" "$rc" 0
check "... promptly ($((SECONDS - t0)) s)" test $((SECONDS - t0)) -le 5
check "the socket exists when it returns" test -S "$WG_RUN/$IFD.sock"
check "the interface exists when it returns" ip -n "$NS" link show "$IFD"
pid=$(ip netns pids "$NS" | head -n 1)
check "a daemon runs in the background" test -n "$pid"
check "it answers wg" sh -c "ip netns exec $NS wg show $IFD >/dev/null"
if [ -n "$pid" ]; then
	# (wireguard-go's child stays in the caller's session; tapwire-wg detaches)
	[ "$WG_TW" = "$WG_GO" ] || check "the daemon is in a session of its own" \
		test "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid"
	# A second daemon for the name names the background daemon, not the
	# parent that has exited (the daemon itself listens on the socket):
	# in the same namespace it is the TUN that is busy, in another one
	# the socket path, which every namespace shares.
	if [ "$WG_TW" != "$WG_GO" ]; then
		out=$(nsx "$NS" env -u WG_PROCESS_FOREGROUND timeout 10 "$WG_TW" "$IFD" 2>&1)
		check "a second daemon in the namespace is refused (exit $?)" test -n "$out"
		check "... naming the daemon by pid: $out" grep -q "$IFD is in use: held by process $pid (tapwire-wg)" <<<"$out"
		ns_new NS2
		out=$(nsx "$NS2" env -u WG_PROCESS_FOREGROUND timeout 10 "$WG_TW" "$IFD" 2>&1)
		check "a second daemon in another namespace is refused: $out" \
			grep -q "process $pid still serves $IFD there (in another network namespace)" <<<"$out"
		check "... and made no interface there" sh -c "! ip -n $NS2 link show $IFD 2>/dev/null"
	fi
	kill -TERM "$pid"
	check "SIGTERM ends the background daemon" wait_for 5 sh -c "! kill -0 $pid 2>/dev/null"
	check "and it removed its interface and socket" \
		sh -c "! ip -n $NS link show $IFD 2>/dev/null && [ ! -e $WG_RUN/$IFD.sock ]"
fi

# ---- WG_TUN_FD and WG_UAPI_FD, against a wireguard-go peer, with a TUN
# made with IFF_NO_PI and one made without it (as wireguard-go makes its own
# and hands it on to its daemonised child)
ns_new NSB
wg_underlay "$NS" "$NSB"
wg_keypair a
wg_keypair b
IFB=$(wg_ifname b)
wg_start PIDB "$NSB" "$IFB" "$WG_GO"
nsx "$NSB" wg set "$IFB" private-key "$TW_TMP/b.key" listen-port $WG_PORT_B \
	peer "$(wg_pub a)" allowed-ips "$IN4_A/32,$IN6_A/128"
wg_inner "$NSB" "$IFB" 2
cat >"$TW_TMP/launch.py" <<'PY'
# launch.py IFNAME SOCKPATH FLAGS PROGRAM...: opens the TUN queue (with the
# TUNSETIFF flags given) and the listening UAPI socket, then execs PROGRAM
# with them as fds 3 and 4.
import fcntl, os, socket, struct, sys
ifname, path, flags, argv = sys.argv[1], sys.argv[2], int(sys.argv[3], 0), sys.argv[4:]
TUNSETIFF = 0x400454CA
tun = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH22x", ifname.encode(), flags))
os.makedirs(os.path.dirname(path), exist_ok=True)
u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
u.bind(path)
u.listen(16)
os.dup2(tun, 3)
os.dup2(u.fileno(), 4)
os.set_inheritable(3, True)  # dup2 onto itself keeps close-on-exec
os.set_inheritable(4, True)
os.environ.update(WG_TUN_FD="3", WG_UAPI_FD="4", WG_PROCESS_FOREGROUND="1", LOG_LEVEL="verbose")
os.execvp(argv[0], argv)
PY
for kind in no_pi pi; do
	# IFF_TUN, with or without IFF_NO_PI
	if [ $kind = no_pi ]; then flags=0x1001; else flags=0x0001; fi
	IFA=$(wg_ifname "f$kind")
	at_exit "rm -f $WG_RUN/$IFA.sock"
	_wg_logs+=("$TW_TMP/fds-$kind.log")
	bg PIDA ip netns exec "$NS" "$PYTHON" "$TW_TMP/launch.py" "$IFA" "$WG_RUN/$IFA.sock" $flags \
		"$WG_TW" -f "$IFA" >"$TW_TMP/fds-$kind.log" 2>&1
	check "inherited fds ($kind): wg talks to it" \
		wait_for 5 sh -c "ip netns exec $NS wg show $IFA >/dev/null 2>&1"
	nsx "$NS" wg set "$IFA" private-key "$TW_TMP/a.key" listen-port $WG_PORT_A \
		peer "$(wg_pub b)" allowed-ips "$IN4_B/32,$IN6_B/128" endpoint "$UL4_B:$WG_PORT_B"
	wg_inner "$NS" "$IFA" 1
	# (Debian's wireguard-go 0.0.20220316 reads any inherited TUN as if it had
	# packet-information headers, so the no_pi case holds for tapwire-wg only)
	if [ "$WG_TW" != "$WG_GO" ] || [ $kind = pi ]; then
		check "inherited fds ($kind): the tunnel works (v4)" wg_wait_ping "$NS" "$IN4_B" 10
		check "inherited fds ($kind): the tunnel works (v6)" wg_ping "$NS" "$IN6_B" 3
		check "inherited fds ($kind): and from the peer" wg_ping "$NSB" "$IN4_A" 3
	fi
	check "inherited fds ($kind): only one TUN of that name" \
		test "$(ip -n "$NS" -o link show | grep -c ": $IFA:")" = 1
	wg_stop "$PIDA"
	check "inherited fds ($kind): SIGTERM removes the socket" test ! -e "$WG_RUN/$IFA.sock"
	ip -n "$NS" link del "$IFA" 2>/dev/null
done

# ---- LOG_LEVEL
for level in silent verbose; do
	IFL=$(wg_ifname "$level")
	IFL=${IFL:0:15}
	wg_start P "$NS" "$IFL" "$WG_TW" LOG_LEVEL=$level
	nsx "$NS" wg set "$IFL" private-key "$TW_TMP/a.key" listen-port 51900 \
		peer "$(wg_pub b)" allowed-ips 192.0.2.0/24 endpoint "$UL4_B:$WG_PORT_B"
	ip -n "$NS" link set "$IFL" up
	ip -n "$NS" route add 192.0.2.0/24 dev "$IFL"
	nsx "$NS" ping -c 1 -W 1 192.0.2.1 >/dev/null 2>&1
	wg_stop "$P"
	lines=$(grep -v "Running wireguard-go is not required" "$TW_TMP/$IFL.log" | grep -c '[a-z]')
	if [ $level = silent ]; then
		check_eq "LOG_LEVEL=silent prints nothing" "$lines" 0
	else
		check "LOG_LEVEL=verbose prints ($lines lines)" test "$lines" -gt 0
	fi
done

# ---- usage errors
for args in "" "0123456789abcdefg"; do
	# (wireguard-go prints its usage and exits 0 when given no name)
	[ "$WG_TW" = "$WG_GO" ] && [ -z "$args" ] && continue
	nsx "$NS" env WG_PROCESS_FOREGROUND=1 timeout 5 "$WG_TW" $args >"$TW_TMP/usage.txt" 2>&1
	rc=$?
	check "'tapwire-wg $args' fails (exit $rc)" test "$rc" != 0 -a "$rc" != 124
	check "'tapwire-wg $args' says why" test -s "$TW_TMP/usage.txt"
done
check "no interface left by the usage errors" \
	test "$(ip -n "$NS" -o link show | grep -vc -e ': lo:' -e ': ula@')" = 0
finish
