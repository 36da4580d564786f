#!/usr/bin/env bash
# examples/host_hello (libtapwire-host, the shared library, from its own
# poll() loop) answers a TCP connection from the kernel's side of its TAP
# with a line naming the peer; nm shows the library exports only tw_host_*.
. "$TW_TESTS/lib.sh"
needs nm
BIN="$TW_BUILD/examples/host_hello"

ns_new NS
nsx "$NS" ip link add br0 type bridge
nsx "$NS" ip addr add 198.51.100.1/24 dev br0
nsx "$NS" ip link set br0 up
tw -n "$NS" tuntap add tap-hh mode tap || die "tuntap add"
nsx "$NS" ip link set tap-hh master br0 up
out=$TW_TMP/hello.out
bg PID sh -c 'exec ip netns exec "$1" "$2" tap-hh 198.51.100.10/24 >"$3" 2>&1' sh "$NS" "$BIN" "$out"
check "host_hello started" wait_for 10 grep -q "host_hello: 198.51.100.10/24 on tap-hh, port 7" "$out"
check_eq "TCP port 7 answered with the peer's address" \
	"$(nsx "$NS" timeout 5 bash -c 'exec 3<>/dev/tcp/198.51.100.10/7; cat <&3')" "hello 198.51.100.1, this is libtapwire-host"
check "ping answered by the library's stack" nsx "$NS" ping -c 2 -i 0.2 -W 2 198.51.100.10
check_eq "libtapwire-host exports tw_host_* only" \
	"$(nm -D --defined-only "$TW_BUILD/host/libtapwire-host.so" | awk '$2 == "T" {print $3}' | grep -vc '^tw_host_')" 0
kill "$PID"; wait "$PID" 2>/dev/null
check_fails "no answer once host_hello is gone" 1 nsx "$NS" ping -c 1 -W 1 198.51.100.10
finish
