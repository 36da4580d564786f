#!/usr/bin/env bash
# tapwire-host as a user starts it: in the background (no -f), from a
# directory, with a relative --http. Checks: `out=$(tapwire-host ...)`
# returns once it is up; the HTTP directory is the one it was started in and
# nothing above it (no /etc/hostname, no parent, no dotfiles, a FIFO refused
# without stopping the loop, /sub redirected to /sub/); it survives its TAP
# going down and up; a TAP it created itself waits, down, until someone
# brings it up; SIGTERM stops it within a second. Then the same with -f and a
# relative path.
: "${TW_TEST_TIMEOUT:=120}"
. "$TW_TESTS/lib.sh"
needs curl python3 prlimit ss
NET="$TW_TESTS/tools/hostnet.py"
HOSTBIN="$TW_BUILD/host/tapwire-host"
IP=198.51.100.10
IP2=198.51.100.11

mkdir -p "$TW_TMP/top/site/sub"
echo "above the site" >"$TW_TMP/top/secret.txt"
echo "hello from the site" >"$TW_TMP/top/site/hello.txt"
echo "in sub" >"$TW_TMP/top/site/sub/file.txt"
echo "hidden" >"$TW_TMP/top/site/.env"
mkfifo "$TW_TMP/top/site/fifo"
ln -s ../secret.txt "$TW_TMP/top/site/link.txt" # a symbolic link out of the site

ns_new NS
nsx "$NS" ip link add br0 type bridge
nsx "$NS" ip addr add 198.51.100.1/24 dev br0
nsx "$NS" ip link set br0 up
nsx "$NS" "$TAPWIRE" tuntap add tap-d0 mode tap || die "tuntap add"
nsx "$NS" ip link set tap-d0 master br0 up

# 1. daemonised, relative --http: the command substitution (its standard
# output, a pipe) returns; standard error, a file, is kept as its log
HLOG1=$TW_TMP/host1.log
t0=$(date +%s%N)
# in a subshell of its own, so that a daemon that kept the pipe (as one did)
# fails the check in bounded time instead of hanging the test
bg SUBST sh -c "out=\$(cd '$TW_TMP/top/site' && ip netns exec $NS '$HOSTBIN' --dev tap-d0 \
	--addr $IP/24 --http . --http-status --echo 2>'$HLOG1'); echo \$? >'$TW_TMP/subst.rc'"
wait_for 20 test -s "$TW_TMP/subst.rc"
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "daemonised: \$(tapwire-host ...) returns 0 once up (${ms} ms)" "$(cat "$TW_TMP/subst.rc" 2>/dev/null)" 0
HPID=$(sed -n 's/.*tap-d0: up (tap, pid \([0-9]*\)).*/\1/p' "$HLOG1")
[ -n "$HPID" ] && kill -0 "$HPID" 2>/dev/null || die "no daemon after start: $(cat "$HLOG1")"
log "daemon pid $HPID"
check "run as root without --user: said on standard error" grep -q "warning: running as root" "$HLOG1"
at_exit "kill -KILL $HPID"
wait_for 10 nsx "$NS" ping -c 1 -W 1 $IP || die "the daemon does not answer ping"

# ended: no such process, or a zombie its new parent has yet to reap
ended() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
not_in() { ! grep -qF -- "$1" <<<"$2"; }
code() { nsx "$NS" curl -s --path-as-is -m 5 -o /dev/null -w '%{http_code}' "http://$IP$1"; }
check_eq "relative --http .: a file of the start directory" \
	"$(nsx "$NS" curl -sS -m 5 "http://$IP/hello.txt")" "hello from the site"
listing=$(nsx "$NS" curl -sS -m 5 "http://$IP/")
check "relative --http .: / lists the start directory" grep -q 'href="hello.txt"' <<<"$listing"
check "relative --http .: / is not the root file system" not_in 'href="etc/"' "$listing"
check_eq "/etc/hostname is not served" "$(code /etc/hostname)" 404
check "the parent's file is refused" not_in "above the site" "$(nsx "$NS" curl -s --path-as-is -m 5 "http://$IP/../secret.txt")"
check_eq "the parent's file, percent-encoded: refused" "$(code /%2e%2e/secret.txt)" 403
check_eq "a dotfile is not served" "$(code /.env)" 404
check_eq "a FIFO is refused" "$(code /fifo)" 403
check_eq "a symbolic link (out of the site) is refused" "$(code /link.txt)" 403
check_eq "the loop still serves after the FIFO" "$(nsx "$NS" curl -sS -m 5 "http://$IP/sub/file.txt")" "in sub"
check_eq "/sub redirects to /sub/" \
	"$(nsx "$NS" curl -s -m 5 -o /dev/null -w '%{http_code} %{redirect_url}' "http://$IP/sub")" \
	"301 http://$IP/sub/"
# a request target with a terminal escape is logged escaped
nsx "$NS" python3 -c '
import socket
s = socket.create_connection(("'"$IP"'", 80), timeout=5)
s.send(b"GET /\x1b[31mred HTTP/1.0\r\n\r\n")
while s.recv(4096):
    pass'
wait_for 5 grep -q "red 404" "$HLOG1"
check "a request target's escape bytes are logged as \\x1b" grep -qF '/\x1b[31mred' "$HLOG1"
check "no raw escape byte in the log" sh -c "! grep -q \$'\\x1b' '$HLOG1'"
# UDP echo answers a client port, never a service port (echo ping-pong)
udp_from() { # SPORT: one datagram to echo from that port; prints the answer or nothing
	nsx "$NS" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.1", int(sys.argv[1])))
s.settimeout(1)
s.sendto(b"ping", ("'"$IP"'", 7))
try:
    print(s.recv(100).decode())
except OSError:
    pass' "$1"
}
check_eq "UDP echo answers a client port (40000)" "$(udp_from 40000)" ping
check_eq "UDP echo does not answer a service port (9, discard)" "$(udp_from 9)" ""
check "the status page" sh -c "ip netns exec $NS curl -sS -m 5 http://$IP/.tapwire-status | grep -q '^inet $IP/24'"

# 1b. refusals said before anything is opened
out=$("$HOSTBIN" --version)
check "--version" grep -q "^tapwire-host [0-9]" <<<"$out"
out=$(nsx "$NS" "$HOSTBIN" -f --dev tap-nouser --addr $IP2/24 --user tw-no-such-user 2>&1); rc=$?
check_eq "--user with no such user: exit 2" "$rc" 2
one_line_and_hint() { grep -q "$1" <<<"$2" && [ "$(wc -l <<<"$2")" -le 2 ]; }
check "--user with no such user: said, one line and a hint" one_line_and_hint "no such user" "$out"
check "--user with no such user: no device was made" sh -c "! ip -n $NS link show tap-nouser >/dev/null 2>&1"
out=$(nsx "$NS" "$HOSTBIN" -f --dev tap-nodns --addr $IP2/24 --forward tcp:80=tw-no-such-name.invalid:80 2>&1); rc=$?
check_eq "--forward to a name that does not resolve: exit 1 (not a usage error)" "$rc" 1
check "--forward to a name that does not resolve: said, no usage dump" one_line_and_hint "tw-no-such-name.invalid" "$out"

# 1c. the stub resolver: an answer from another address than the server
# asked is ignored; the same answer from the server is taken
nsx "$NS" ip addr add 198.51.100.66/24 dev br0
nsx "$NS" "$TAPWIRE" tuntap add tap-dns mode tap || die "tuntap add tap-dns"
nsx "$NS" ip link set tap-dns master br0 up
bg SPOOF ip netns exec "$NS" python3 "$NET" dns-server 198.51.100.1 198.51.100.66 198.51.100.99
wait_for 10 sh -c "ss -N $NS -uln | grep -q '198.51.100.1:53 '" || die "no spoofing DNS server"
HLOG4=$TW_TMP/host4.log
nsx "$NS" "$HOSTBIN" --dev tap-dns --addr $IP2/24 --dns 198.51.100.1 --lookup tw.example \
	>"$HLOG4" 2>&1 </dev/null || die "resolver daemon: $(cat "$HLOG4")"
HPID4=$(sed -n 's/.*tap-dns: up (tap, pid \([0-9]*\)).*/\1/p' "$HLOG4")
at_exit "kill -KILL $HPID4"
check "a DNS answer from another address (a spoofer) is not taken: the lookup times out" \
	wait_for 20 grep -q "lookup tw.example: Connection timed out" "$HLOG4"
check "... and nothing was resolved" sh -c "! grep -q 'lookup tw.example: 198.51.100.99' '$HLOG4'"
kill "$HPID4" "$SPOOF"
wait_for 5 ended "$HPID4"
wait "$SPOOF" 2>/dev/null
bg REAL ip netns exec "$NS" python3 "$NET" dns-server 198.51.100.1 198.51.100.1 198.51.100.98
wait_for 10 sh -c "ss -N $NS -uln | grep -q '198.51.100.1:53 '" || die "no DNS server"
nsx "$NS" "$HOSTBIN" --dev tap-dns --addr $IP2/24 --dns 198.51.100.1 --lookup tw.example \
	>"$HLOG4" 2>&1 </dev/null || die "resolver daemon: $(cat "$HLOG4")"
HPID4=$(sed -n 's/.*tap-dns: up (tap, pid \([0-9]*\)).*/\1/p' "$HLOG4")
at_exit "kill -KILL $HPID4"
check "the same answer from the server asked is taken" \
	wait_for 20 grep -q "lookup tw.example: 198.51.100.98" "$HLOG4"
kill "$HPID4" "$REAL"
wait_for 5 ended "$HPID4"

# 1d. the descriptor limit: --max-conns is lowered to fit, and said
HLOG5=$TW_TMP/host5.log
nsx "$NS" prlimit --nofile=512:512 "$HOSTBIN" --dev tap-fd --addr $IP2/24 --echo \
	--reverse tcp:127.0.0.1:2299=198.51.100.1:9 >"$HLOG5" 2>&1 ||
	die "daemon under prlimit: $(cat "$HLOG5")"
HPID5=$(sed -n 's/.*tap-fd: up (tap, pid \([0-9]*\)).*/\1/p' "$HLOG5")
at_exit "kill -KILL $HPID5"
check "512 descriptors: --max-conns 1024 lowered to 192, said" grep -q "max-conns 1024 lowered to 192" "$HLOG5"
# out of descriptors altogether (its soft limit lowered, from outside, to
# its lowest free descriptor number): a pending connection on the --reverse
# listener cannot be accepted; the listener must sleep, not spin on EMFILE
free=0
while [ -e "/proc/$HPID5/fd/$free" ]; do free=$((free + 1)); done
prlimit --pid "$HPID5" --nofile="$free:512"
bg EMCLIENT ip netns exec "$NS" python3 -c '
import socket, time
s = socket.create_connection(("127.0.0.1", 2299), timeout=5)
print("connected", flush=True)
time.sleep(4)'
check "out of descriptors: the listener pauses, said" \
	wait_for 5 grep -q "reverse tcp:127.0.0.1:2299=198.51.100.1:9: Too many open files: not accepting for a second" "$HLOG5"
c0=$(awk '{print $14 + $15}' "/proc/$HPID5/stat")
sleep 2 # a measurement window, not a wait for readiness
c1=$(awk '{print $14 + $15}' "/proc/$HPID5/stat")
ms=$(((c1 - c0) * 1000 / $(getconf CLK_TCK)))
check "out of descriptors: ${ms} ms of CPU in 2 s < 200 ms (no spin on EMFILE)" test "$ms" -lt 200
kill "$EMCLIENT" 2>/dev/null
kill "$HPID5"

# 2. its TAP goes down while it sends (a slow download), and comes back
head -c $((32 * 1024 * 1024)) /dev/zero >"$TW_TMP/top/site/big.bin"
bg SLOW nsx "$NS" curl -sS -m 60 --limit-rate 2M -o "$TW_TMP/slow.out" "http://$IP/big.bin" \
	2>"$TW_TMP/slow.err"
wait_for 10 test -s "$TW_TMP/slow.out" ||
	die "the slow download did not start: curl: $(cat "$TW_TMP/slow.err"); daemon $HPID $(kill -0 "$HPID" 2>/dev/null && echo alive || echo gone): $(tail -5 "$HLOG1")"
nsx "$NS" ip link set tap-d0 down
check "TAP down: the daemon's frames are dropped (said in its log)" \
	wait_for 10 grep -q "tap-d0: device down or transmit queue full" "$HLOG1"
check "TAP down: the daemon lives on" sh -c "kill -0 $HPID"
kill "$SLOW" 2>/dev/null
nsx "$NS" ip link set tap-d0 up
check "TAP up again: it answers ping" wait_for 10 nsx "$NS" ping -c 1 -W 1 $IP
check_eq "TAP up again: it serves" "$(nsx "$NS" curl -sS -m 5 "http://$IP/hello.txt")" "hello from the site"

# 3. SIGTERM stops the daemonised process within a second
kill -TERM "$HPID"
check "SIGTERM: the daemon ends within a second" wait_for 1 ended "$HPID"

# 4. a TAP it creates itself stays down until someone brings it up; the
# daemon writes to it meanwhile (IPv6 duplicate address detection and router
# solicitations), which fail: it must wait, not end. Its log goes to a file,
# which a daemon keeps.
HLOG=$TW_TMP/host2.log
(cd "$TW_TMP/top/site" && ip netns exec "$NS" "$HOSTBIN" --dev tap-d1 --addr $IP2/24 \
	--addr6 fd00:5::11/64 --http . >"$HLOG" 2>&1) || die "second daemon: $(cat "$HLOG")"
HPID2=$(sed -n 's/.*tap-d1: up (tap, pid \([0-9]*\)).*/\1/p' "$HLOG")
[ -n "$HPID2" ] || die "second daemon: no pid in $(cat "$HLOG")"
at_exit "kill -KILL $HPID2"
check "a TAP it created: frames to the down device are dropped (said in the log)" \
	wait_for 10 grep -q "tap-d1: device down or transmit queue full" "$HLOG"
check "a TAP it created, still down: the daemon waits" sh -c "kill -0 $HPID2"
nsx "$NS" ip link set tap-d1 master br0 up
check "brought up later: it answers ping" wait_for 10 nsx "$NS" ping -c 1 -W 1 $IP2
check_eq "brought up later: it serves" "$(nsx "$NS" curl -sS -m 5 "http://$IP2/hello.txt")" "hello from the site"
kill -INT "$HPID2"
check "SIGINT: the daemon ends within a second" wait_for 1 ended "$HPID2"

# 5. -f with a relative path: the same directory
(cd "$TW_TMP/top" && exec ip netns exec "$NS" "$HOSTBIN" -f --dev tap-d0 --addr $IP/24 \
	--http site >"$TW_TMP/host3.log" 2>&1) &
_tw_pids+=("$!")
FG=$!
check_eq "-f, --http site (relative): a file" \
	"$(wait_for 10 nsx "$NS" curl -sf -m 2 -o /dev/null "http://$IP/hello.txt"; nsx "$NS" curl -sS -m 5 "http://$IP/hello.txt")" \
	"hello from the site"
check "-f: the parent is not reachable" not_in "above the site" "$(nsx "$NS" curl -s --path-as-is -m 5 "http://$IP/../secret.txt")"
kill -TERM "$FG"
check "-f: SIGTERM ends it within a second" wait_for 1 ended "$FG"
finish
