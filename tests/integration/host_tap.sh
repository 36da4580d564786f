#!/usr/bin/env bash
# tapwire-host on a TAP, as an unprivileged user: a namespace with a kernel
# bridge and a dnsmasq (DHCPv4, router advertisements for SLAAC, DNS) is the
# network; a TAP made by `tapwire tuntap add ... user nobody` is on the
# bridge; tapwire-host runs as nobody on it. Checks: the DHCP lease and the
# SLAAC address; ping v4 and v6 from the namespace; HTTP with curl over v4
# and v6 (a file, the status page, a directory listing, paths outside the
# directory refused); 100 MiB downloaded and 100 MiB through the echo
# service, both checked by SHA-256; discard; UDP echo; TCP and UDP relays in
# both directions; the stub resolver; bad options refused with clear words;
# a deleted device ends the daemon with a message.
: "${TW_TEST_TIMEOUT:=240}"
. "$TW_TESTS/lib.sh"
needs dnsmasq curl setpriv python3 sha256sum
HOSTBIN="$TW_BUILD/host/tapwire-host"
NET="$TW_TESTS/tools/hostnet.py"
U=nobody
MAC=02:00:5e:10:71:01
V6=fd00:4::5eff:fe10:7101 # SLAAC from $MAC (EUI-64)

tun_open_up
chmod 755 "$TW_TMP"
mkdir -p "$TW_TMP/www/sub"
echo "hello from tapwire-host" >"$TW_TMP/www/hello.txt"
echo "in a directory" >"$TW_TMP/www/sub/index.html"
head -c $((100 * 1024 * 1024)) /dev/urandom >"$TW_TMP/www/big.bin"
chmod -R a+rX "$TW_TMP/www"
BIG_SUM=$(sha256sum <"$TW_TMP/www/big.bin" | cut -d' ' -f1)

ns_new NS
nsx "$NS" ip link add br0 type bridge
nsx "$NS" ip addr add 198.51.100.1/24 dev br0
nsx "$NS" ip addr add fd00:4::1/64 dev br0 nodad
nsx "$NS" ip link set br0 up
check "tapwire tuntap add tap-h0 mode tap user $U" nsx "$NS" "$TAPWIRE" tuntap add tap-h0 mode tap user $U
nsx "$NS" ip link set tap-h0 master br0 up

LOG=$TW_TMP/dnsmasq.log
bg DNSMASQ nsx "$NS" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
	--interface=br0 --bind-interfaces --user=root --group=root --port=53 \
	--pid-file="$TW_TMP/dnsmasq.pid" --dhcp-leasefile="$TW_TMP/leases" \
	--dhcp-range=198.51.100.100,198.51.100.150,255.255.255.0,10m \
	--dhcp-option=option:dns-server,198.51.100.1 \
	--enable-ra --dhcp-range=fd00:4::,ra-only,64,10m \
	--address=/tw-test.example/198.51.100.77 \
	--log-dhcp --log-facility="$LOG" >"$TW_TMP/dnsmasq.out" 2>&1
wait_for 10 grep -q 'DHCP, IP range' "$LOG" || die "dnsmasq did not start: $(cat "$LOG" "$TW_TMP/dnsmasq.out" 2>&1)"

# the real host's side of the relays: servers in the namespace
bg PYHTTP nsx "$NS" python3 -m http.server -d "$TW_TMP/www" -b 127.0.0.1 18081
bg PYHTTP2 nsx "$NS" python3 -m http.server -d "$TW_TMP/www" -b 198.51.100.1 18000
bg UDPE nsx "$NS" python3 "$NET" udp-echo-server 127.0.0.1 15354
bg UDPE2 nsx "$NS" python3 "$NET" udp-echo-server 198.51.100.1 15355
wait_for 10 nsx "$NS" curl -sf -o /dev/null http://127.0.0.1:18081/hello.txt || die "no python http.server"
wait_for 10 nsx "$NS" curl -sf -o /dev/null http://198.51.100.1:18000/hello.txt || die "no python http.server on br0"

HLOG=$TW_TMP/host.log
bg HOST nsx "$NS" setpriv --reuid $U --regid "$(id -g $U)" --clear-groups \
	"$HOSTBIN" -f --dev tap-h0 --mac $MAC --dhcp --echo --discard \
	--http "$TW_TMP/www" --http-status --lookup tw-test.example \
	--forward tcp:8080=127.0.0.1:18081 --forward udp:5353=127.0.0.1:15354 \
	--forward tcp:8081=127.0.0.1:1 \
	--reverse tcp:2222=198.51.100.1:18000 --reverse udp:127.0.0.1:5356=198.51.100.1:15355 \
	>"$HLOG" 2>&1
lease() { sed -n "s/.*DHCPACK(br0) \(198\.51\.100\.[0-9]*\) $MAC.*/\1/p" "$LOG" | tail -1; }
host_has_v4() { grep -q "inet $1/24 gateway 198.51.100.1 (DHCP)" "$HLOG"; }
lease_ok() { local ip; ip=$(lease); [ -n "$ip" ] && host_has_v4 "$ip"; }
check "DHCP: dnsmasq acknowledged a lease to $MAC and tapwire-host took it" wait_for 30 lease_ok
IP=$(lease)
log "lease: $IP; $(grep -c . "$HLOG") log lines"
check "SLAAC: $V6 from dnsmasq's router advertisement" wait_for 30 grep -q "inet6 $V6/64" "$HLOG"
# bg runs nsx in a subshell, whose child is (ip netns exec, then setpriv,
# exec'd into) tapwire-host
HPID=$(pgrep -P "$HOST" -f tapwire-host)
check_eq "tapwire-host runs as $U, no capabilities" \
	"$(awk '/^Uid:/ {print $2} /^CapEff:/ {print $2}' /proc/"$HPID"/status | tr '\n' ' ')" "$(id -u $U) 0000000000000000 "
if grep -q "no seccomp filter in a sanitizer build" "$HLOG"; then
	log "a sanitizer build: no seccomp filter to check"
else
	check_eq "tapwire-host runs under its seccomp filter (Seccomp: 2)" \
		"$(awk '/^Seccomp:/ {print $2}' /proc/"$HPID"/status)" 2
fi

check "ping $IP" nsx "$NS" ping -c 3 -i 0.2 -W 2 "$IP"
check "ping -6 $V6" wait_for 10 nsx "$NS" ping -6 -c 1 -W 1 "$V6"
check "ping -6 $V6 (3 more)" nsx "$NS" ping -6 -c 3 -i 0.2 -W 2 "$V6"

check_eq "HTTP v4: a file" "$(nsx "$NS" curl -sS "http://$IP/hello.txt")" "hello from tapwire-host"
check_eq "HTTP v6: a file" "$(nsx "$NS" curl -sS "http://[$V6]/hello.txt")" "hello from tapwire-host"
check_eq "HTTP: a directory's index.html" "$(nsx "$NS" curl -sS "http://$IP/sub/")" "in a directory"
check "HTTP: a listing of /" sh -c "ip netns exec $NS curl -sS http://$IP/ | grep -q 'href=\"big.bin\"'"
check "HTTP: the status page" sh -c "ip netns exec $NS curl -sS http://$IP/.tapwire-status | grep -q '^inet $IP/24 gateway 198.51.100.1'"
check_eq "HTTP: a missing file is 404" "$(nsx "$NS" curl -s -o /dev/null -w '%{http_code}' "http://$IP/nothing")" 404
check_eq "HTTP: ../ is refused (403)" "$(nsx "$NS" curl -s --path-as-is -o /dev/null -w '%{http_code}' "http://$IP/../../etc/passwd")" 403
check_eq "HTTP: %2e%2e/ is refused (403)" "$(nsx "$NS" curl -s --path-as-is -o /dev/null -w '%{http_code}' "http://$IP/%2e%2e/%2e%2e/etc/passwd")" 403
check_eq "HTTP: POST is 405" "$(nsx "$NS" curl -s -o /dev/null -w '%{http_code}' -d x "http://$IP/hello.txt")" 405

t0=$(date +%s%N)
check_eq "HTTP: 100 MiB downloaded intact (SHA-256)" \
	"$(nsx "$NS" curl -sS "http://$IP/big.bin" | sha256sum | cut -d' ' -f1)" "$BIG_SUM"
log "100 MiB over HTTP in $((($(date +%s%N) - t0) / 1000000)) ms"
nsx "$NS" python3 "$NET" stream "$IP" 7 100 4242 >"$TW_TMP/stream.out" 2>&1
log "echo: $(cat "$TW_TMP/stream.out")"
check "echo: 100 MiB sent and 100 MiB back, same SHA-256" \
	awk '/^sent/ {s=$2" "$3} /^back/ {b=$2" "$3} END {exit !(s != "" && s == b && s ~ /^104857600 /)}' "$TW_TMP/stream.out"
queued_small() { # the send budget's count came back down once the transfers ended
	local q
	q=$(ip netns exec "$NS" curl -sS -m 5 "http://$IP/.tapwire-status" |
		sed -n 's/.*, \([0-9]*\) of [0-9]* bytes queued$/\1/p')
	[ -n "$q" ] && [ "$q" -lt 1048576 ]
}
check "after 300 MiB through closed connections, the bytes counted as queued are back under 1 MiB" \
	wait_for 10 queued_small
check_eq "discard: 10 MiB taken, then the service closed too" "$(nsx "$NS" python3 "$NET" send "$IP" 9 10485760)" "sent 10485760, got 0"
check_eq "UDP echo (port 7)" "$(nsx "$NS" python3 "$NET" udp "$IP" 7 ping-udp)" ping-udp
check_eq "UDP echo over IPv6" "$(nsx "$NS" python3 "$NET" udp "$V6" 7 ping-udp6)" ping-udp6

check_eq "forward tcp:8080 -> 127.0.0.1:18081" "$(nsx "$NS" curl -sS "http://$IP:8080/hello.txt")" "hello from tapwire-host"
check_eq "forward tcp: 100 MiB intact" \
	"$(nsx "$NS" curl -sS "http://$IP:8080/big.bin" | sha256sum | cut -d' ' -f1)" "$BIG_SUM"
check_eq "reverse tcp 127.0.0.1:2222 -> 198.51.100.1:18000 (through the virtual host)" \
	"$(nsx "$NS" curl -sS "http://127.0.0.1:2222/hello.txt")" "hello from tapwire-host"
check_eq "reverse tcp: 100 MiB intact" \
	"$(nsx "$NS" curl -sS "http://127.0.0.1:2222/big.bin" | sha256sum | cut -d' ' -f1)" "$BIG_SUM"
check_eq "forward udp:5353 -> 127.0.0.1:15354" "$(nsx "$NS" python3 "$NET" udp "$IP" 5353 via-forward)" echo:via-forward
check_eq "reverse udp 127.0.0.1:5356 -> 198.51.100.1:15355" "$(nsx "$NS" python3 "$NET" udp 127.0.0.1 5356 via-reverse)" echo:via-reverse
nsx "$NS" curl -sS -m 5 "http://$IP:8081/" -o /dev/null 2>/dev/null; rc=$?
# the reset reaches curl while it connects (7), sends (55) or waits (52, 56)
case $rc in
7 | 52 | 55 | 56) ok "forward to a closed port: the client's connection is reset (curl $rc)" ;;
*) fail "forward to a closed port: curl exit $rc, want 7, 52, 55 or 56" ;;
esac

check "DNS client: tw-test.example resolved through dnsmasq on the virtual network" \
	wait_for 10 grep -q "lookup tw-test.example: 198.51.100.77" "$HLOG"

# clear words for bad input; nothing is started
bad() { # what want-pattern args...
	local what=$1 want=$2 out
	shift 2
	out=$("$HOSTBIN" -f "$@" 2>&1); rc=$?
	if [ "$rc" = 2 ] && grep -q -- "$want" <<<"$out"; then ok "refused: $what"; else fail "refused: $what: exit $rc: $out"; fi
}
bad "--addr without a length" "not an IPv4 ADDR/PLEN" --dev tw-none --addr 198.51.100.9
bad "--addr6 /48" "must be /64" --dev tw-none --addr6 fd00:4::9/48
bad "--mac multicast" "not a unicast MAC" --dev tw-none --dhcp --mac 01:00:5e:00:00:01
bad "--forward without =" "not PROTO:PORT=HOST:PORT" --dev tw-none --dhcp --forward tcp:80
bad "--forward sctp:" "begin with tcp: or udp:" --dev tw-none --dhcp --forward sctp:1=127.0.0.1:1
bad "--forward port 0" "not a number from 1 to 65535" --dev tw-none --dhcp --forward tcp:0=127.0.0.1:80
bad "--dhcp with --tun" "needs a TAP" --dev tw-none --tun --dhcp
bad "no address" "no address" --dev tw-none
bad "--dev and --fd" "one of --dev NAME and --fd N" --dev a --fd 3 --dhcp
out=$(nsx "$NS" setpriv --reuid $U --regid "$(id -g $U)" --clear-groups "$HOSTBIN" -f --dev tw-none0 --dhcp 2>&1)
check "as $U, a device it may not make: the message says how to make one" \
	grep -q "tapwire tuntap add tw-none0 mode tap user NAME" <<<"$out"
out=$(nsx "$NS" "$HOSTBIN" -f --dev br0 --dhcp 2>&1)
check "a device that is not a TAP (br0): said so" grep -q "cannot open br0: Invalid argument (is it a TAP?)" <<<"$out"

# the device deleted underneath: the daemon says so and ends
nsx "$NS" ip link del tap-h0
if wait_for 10 grep -q "tap-h0: the device is gone" "$HLOG"; then
	ok "deleted TAP: tapwire-host says the device is gone"
else
	fail "deleted TAP: no message; log: $(tail -3 "$HLOG")"
fi
check "deleted TAP: tapwire-host ended" wait_for 10 sh -c "! kill -0 $HPID 2>/dev/null"
finish
