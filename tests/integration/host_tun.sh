#!/usr/bin/env bash
# tapwire-host on a TUN (IP packets, no link layer) with static addresses:
# first opening the device itself (--dev), then on a descriptor it
# inherits, opened by another process that then drops to nobody before
# exec'ing it (--fd, as QEMU takes a tap fd). Each time: ping v4 and v6 from
# the namespace, HTTP over v4 and v6, 100 MiB downloaded and 100 MiB
# through echo, checked by SHA-256.
: "${TW_TEST_TIMEOUT:=200}"
. "$TW_TESTS/lib.sh"
needs curl setpriv python3 sha256sum
HOSTBIN="$TW_BUILD/host/tapwire-host"
NET="$TW_TESTS/tools/hostnet.py"
U=nobody
IP=203.0.113.2
V6=fd00:5::2

chmod 755 "$TW_TMP"
mkdir -p "$TW_TMP/www"
echo "hello over a TUN" >"$TW_TMP/www/hello.txt"
head -c $((100 * 1024 * 1024)) /dev/urandom >"$TW_TMP/www/big.bin"
chmod -R a+rX "$TW_TMP/www"
BIG_SUM=$(sha256sum <"$TW_TMP/www/big.bin" | cut -d' ' -f1)

ns_new NS
check "tapwire tuntap add tun-h0 mode tun" nsx "$NS" "$TAPWIRE" tuntap add tun-h0 mode tun
nsx "$NS" ip addr add 203.0.113.1/24 dev tun-h0
nsx "$NS" ip addr add fd00:5::1/64 dev tun-h0 nodad
nsx "$NS" ip link set tun-h0 up

HOST_ARGS=(--addr $IP/24 --gw 203.0.113.1 --addr6 $V6/64 --echo --http "$TW_TMP/www")

exercise() { # what
	local what=$1
	check "$what: ping $IP" wait_for 10 nsx "$NS" ping -c 1 -W 1 $IP
	check "$what: ping 3 more" nsx "$NS" ping -c 3 -i 0.2 -W 2 $IP
	check "$what: ping -6 $V6" wait_for 10 nsx "$NS" ping -6 -c 1 -W 1 $V6
	check_eq "$what: HTTP v4" "$(nsx "$NS" curl -sS "http://$IP/hello.txt")" "hello over a TUN"
	check_eq "$what: HTTP v6" "$(nsx "$NS" curl -sS "http://[$V6]/hello.txt")" "hello over a TUN"
	check_eq "$what: 100 MiB downloaded intact (SHA-256)" \
		"$(nsx "$NS" curl -sS "http://$IP/big.bin" | sha256sum | cut -d' ' -f1)" "$BIG_SUM"
	nsx "$NS" python3 "$NET" stream "$IP" 7 100 77 >"$TW_TMP/stream.out" 2>&1
	log "$what: echo: $(cat "$TW_TMP/stream.out")"
	check "$what: echo: 100 MiB each way, same SHA-256" \
		awk '/^sent/ {s=$2" "$3} /^back/ {b=$2" "$3} END {exit !(s != "" && s == b && s ~ /^104857600 /)}' "$TW_TMP/stream.out"
}

# (1) the device opened by name as root, then --user nobody
bg HOST nsx "$NS" "$HOSTBIN" -f --dev tun-h0 --tun --user $U "${HOST_ARGS[@]}" >"$TW_TMP/host1.log" 2>&1
check "dev: up" wait_for 10 grep -q "tun-h0: up (tun" "$TW_TMP/host1.log"
HPID=$(pgrep -P "$HOST" -f tapwire-host) # bg's subshell runs it
check_eq "dev: --user $U: runs as $U, no capabilities, no_new_privs" \
	"$(awk '/^Uid:/ {print $2} /^CapEff:/ {print $2} /^NoNewPrivs:/ {print $2}' /proc/"$HPID"/status | tr '\n' ' ')" \
	"$(id -u $U) 0000000000000000 1 "
exercise dev
kill "$HPID"
check "dev: SIGTERM ends it, with a message" wait_for 10 grep -q "signal 15, stopping" "$TW_TMP/host1.log"
wait "$HOST" 2>/dev/null

# (1b) daemonised, --dev on the existing TUN without --tun: its kind is the kernel's
out=$(nsx "$NS" "$HOSTBIN" --dev tun-h0 --addr $IP/24 --http-status 2>&1)
check "daemonised, no --tun: the existing TUN recognised" grep -q "tun-h0: up (tun" <<<"$out"
DPID=$(sed -n 's/.*up (tun, pid \([0-9]*\)).*/\1/p' <<<"$out")
if [ -n "$DPID" ]; then
	at_exit "kill -KILL $DPID"
	check "daemonised on a TUN: it answers ping" wait_for 10 nsx "$NS" ping -c 1 -W 1 $IP
	kill -TERM "$DPID"
	check "daemonised on a TUN: SIGTERM ends it" \
		wait_for 10 sh -c "! kill -0 $DPID 2>/dev/null || grep -q '^State:[[:space:]]*Z' /proc/$DPID/status"
fi

# (2) an inherited fd: opened here (TUNSETIFF, IFF_TUN|IFF_NO_PI), then nobody
OPENER='import fcntl, os, struct, sys
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH14x", b"tun-h0", 0x0001 | 0x1000))
if fd != 3:
    os.dup2(fd, 3)
    os.close(fd)
os.set_inheritable(3, True)
os.execvp(sys.argv[1], sys.argv[1:])'
bg HOST2 nsx "$NS" python3 -c "$OPENER" setpriv --reuid $U --regid "$(id -g $U)" --clear-groups \
	"$HOSTBIN" -f --fd 3 --no-seccomp "${HOST_ARGS[@]}" >"$TW_TMP/host2.log" 2>&1
check "fd: up on the inherited fd, the TUN recognised" wait_for 10 grep -q "tun-h0: up (tun" "$TW_TMP/host2.log"
HPID=$(pgrep -P "$HOST2" -f tapwire-host)
check_eq "fd: runs as $U, --no-seccomp: no filter" \
	"$(awk '/^Uid:/ {print $2} /^Seccomp:/ {print $2}' /proc/"$HPID"/status | tr '\n' ' ')" "$(id -u $U) 0 "
exercise fd

# an fd that is no TUN/TAP, and a TAP option on a TUN, are refused clearly
out=$("$HOSTBIN" -f --fd 0 --addr $IP/24 2>&1 </dev/null)
check "--fd on /dev/null: not a TUN/TAP fd" grep -q "not a TUN/TAP fd" <<<"$out"
check_fails "--mac with --tun" 2 "$HOSTBIN" -f --dev tw-x --tun --mac 02:00:00:00:00:01 --addr $IP/24
finish
