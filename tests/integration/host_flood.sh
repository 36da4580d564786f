#!/usr/bin/env bash
# tapwire-host under hostile traffic from the bridge: raw frames for 12 s —
# SYNs to open and closed ports and UDP to echo, discard and closed ports,
# all from random sources of its /24 and its /64 and random MACs, pings, and
# malformed IPv4/IPv6/ARP frames (seeded; the seed is printed). While the
# flood runs it must keep answering (pings, new HTTP connections over IPv4
# and IPv6, the flood still running after them); afterwards its peak memory
# stays bounded, the half-open backlog is seen to have dropped SYNs, and it
# still serves.
: "${TW_TEST_TIMEOUT:=120}"
. "$TW_TESTS/lib.sh"
needs curl python3
HOSTBIN="$TW_BUILD/host/tapwire-host"
NET="$TW_TESTS/tools/hostnet.py"
MAC=02:00:5e:10:72:01
IP=198.51.100.10
IP6=fd00:7::10
SEED=${TW_TEST_SEED:-$(date +%s)}
MAX_RSS_KB=$((64 * 1024))

mkdir -p "$TW_TMP/www"
echo "still here" >"$TW_TMP/www/alive.txt"
ns_new NS
nsx "$NS" ip link add br0 type bridge
nsx "$NS" ip addr add 198.51.100.1/24 dev br0
nsx "$NS" ip addr add fd00:7::1/64 dev br0 nodad
nsx "$NS" ip link set br0 up
nsx "$NS" "$TAPWIRE" tuntap add tap-f0 mode tap || die "tuntap add"
nsx "$NS" ip link set tap-f0 master br0 up
# the flood enters the bridge through a veth of its own
nsx "$NS" ip link add fl0 type veth peer name fl1
nsx "$NS" ip link set fl1 master br0 up
nsx "$NS" ip link set fl0 up

HLOG=$TW_TMP/host.log
bg HOST nsx "$NS" "$HOSTBIN" -f --dev tap-f0 --mac $MAC --addr $IP/24 --addr6 $IP6/64 --echo --discard \
	--http "$TW_TMP/www" --http-status >"$HLOG" 2>&1
wait_for 10 nsx "$NS" ping -c 1 -W 1 $IP || die "tapwire-host does not answer"
wait_for 10 nsx "$NS" ping -6 -c 1 -W 1 $IP6 || die "tapwire-host does not answer over IPv6"
HPID=$(pgrep -P "$HOST" -f tapwire-host)

log "flood seed $SEED (TW_TEST_SEED=$SEED repeats it)"
bg FLOOD nsx "$NS" python3 "$NET" flood fl0 $MAC $IP 12 "$SEED" $IP6
flood_seen() { # the host has seen thousands of frames: the flood is on
	local rx
	rx=$(nsx "$NS" curl -s -m 2 "http://$IP/.tapwire-status" | awk '/^rx/ {print $2}')
	[ "${rx:-0}" -gt 3000 ]
}
wait_for 5 flood_seen || log "the flood is slow to start"
check "during the flood: ping answered" nsx "$NS" ping -c 3 -i 0.2 -W 3 $IP
check "the flood was running meanwhile" kill -0 "$FLOOD"
# New TCP connections during the flood: each SYN-ACK goes to the MAC its
# SYN came from (tapwire-host's own neighbour table). Through lwIP's ARP
# table alone (10 entries in Debian's build) the SYN-ACK to the real client
# waited for an entry the flood's SYN-ACKs to random sources kept pushing out.
http_ok=0 http6_ok=0
for i in 1 2 3 4 5; do
	if nsx "$NS" curl -sS -m 3 -o /dev/null "http://$IP/alive.txt"; then
		http_ok=$((http_ok + 1))
	fi
	if nsx "$NS" curl -sS -m 3 -g -o /dev/null "http://[$IP6]/alive.txt"; then
		http6_ok=$((http6_ok + 1))
	fi
done
check "the flood was still running" kill -0 "$FLOOD"
check_eq "during the flood: 5 new HTTP connections answered within 3 s each" "$http_ok" 5
check_eq "during the flood: 5 new HTTP connections over IPv6 answered within 3 s each" "$http6_ok" 5
wait "$FLOOD"
check "tapwire-host survived the flood" kill -0 "$HPID"
hwm=$(awk '/^VmHWM:/ {print $2}' /proc/"$HPID"/status)
log "peak RSS ${hwm} kB"
check "peak memory bounded (VmHWM ${hwm} kB <= $MAX_RSS_KB kB)" test "${hwm:-999999999}" -le $MAX_RSS_KB
status=$(nsx "$NS" curl -sS -m 10 "http://$IP/.tapwire-status")
dropped=$(sed -n 's/.*refused (limit), \([0-9]*\) half-open dropped.*/\1/p' <<<"$status")
check "the half-open backlog held (${dropped:-?} half-open connections dropped for newer SYNs)" test "${dropped:-0}" -gt 0
check_eq "after the flood: HTTP" "$(nsx "$NS" curl -sS -m 10 "http://$IP/alive.txt")" "still here"
check_eq "after the flood: UDP echo" "$(nsx "$NS" python3 "$NET" udp $IP 7 after-flood)" after-flood
finish
