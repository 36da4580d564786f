#!/usr/bin/env bash
# tapwire-wg under a handshake flood from a host that knows its public key
# (so every initiation carries a valid mac1 and costs real work): the
# daemon notices the backlog, answers with cookie replies instead of doing
# the Diffie-Hellman work, and a legitimate peer (wireguard-go) still
# completes its handshake, proving its address with mac2 from the cookie.
TW_TEST_TIMEOUT=90
. "$TW_TESTS/lib.sh"
needs wg wireguard-go tcpdump python3 ping

TWWG="$TW_BUILD/wg/tapwire-wg"
IFA="tw$$ca" IFB="tw$$cb"
ns_new NSA
ns_new NSB
at_exit "rm -f /var/run/wireguard/$IFA.sock /var/run/wireguard/$IFB.sock"
ip link add ula netns "$NSA" type veth peer name ulb netns "$NSB"
ip -n "$NSA" addr add 198.51.100.1/24 dev ula
ip -n "$NSB" addr add 198.51.100.2/24 dev ulb
ip -n "$NSB" addr add 198.51.100.3/24 dev ulb
ip -n "$NSA" link set ula up
ip -n "$NSB" link set ulb up
for k in a b; do (umask 077 && wg genkey >"$TW_TMP/$k.key"); wg pubkey <"$TW_TMP/$k.key" >"$TW_TMP/$k.pub"; done

bg PIDA env LOG_LEVEL=verbose ip netns exec "$NSA" "$TWWG" -f "$IFA" 2>"$TW_TMP/a.log"
bg PIDB ip netns exec "$NSB" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$IFB" 2>"$TW_TMP/b.log"
wait_for 5 test -S "/var/run/wireguard/$IFA.sock" || die "tapwire-wg did not start"
wait_for 5 test -S "/var/run/wireguard/$IFB.sock" || die "wireguard-go did not start"
nsx "$NSA" wg set "$IFA" private-key "$TW_TMP/a.key" listen-port 51820 \
	peer "$(cat "$TW_TMP/b.pub")" allowed-ips 203.0.113.2/32
ip -n "$NSA" addr add 203.0.113.1/24 dev "$IFA"
ip -n "$NSB" addr add 203.0.113.2/24 dev "$IFB"
ip -n "$NSA" link set "$IFA" up
ip -n "$NSB" link set "$IFB" up

# cookie replies (64-byte UDP payloads) leaving tapwire-wg
bg DUMP ip netns exec "$NSA" tcpdump -i ula -n -l -Q out "udp src port 51820 and udp[4:2] = 72" \
	>"$TW_TMP/cookies.txt" 2>/dev/null

# The flood: initiations with a valid mac1 for tapwire-wg's key, from
# 198.51.100.3 (the legitimate peer uses 198.51.100.2).
cat >"$TW_TMP/flood.py" <<'PY'
import base64, hashlib, os, socket, struct, sys, time
pub = base64.b64decode(open(sys.argv[1]).read().strip())
key = hashlib.blake2s(b"mac1----" + pub).digest()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.3", 0))
s.setblocking(False)
msgs = []
for _ in range(512):
    body = struct.pack("<I", 1) + os.urandom(112)
    mac1 = hashlib.blake2s(body, digest_size=16, key=key).digest()
    msgs.append(body + mac1 + bytes(16))
end = time.time() + float(sys.argv[2])
n = 0
while time.time() < end:
    for m in msgs:
        try:
            s.sendto(m, ("198.51.100.1", 51820))
            n += 1
        except BlockingIOError:
            time.sleep(0.0005)
print(n, "initiations sent")
PY
bg FLOOD ip netns exec "$NSB" python3 "$TW_TMP/flood.py" "$TW_TMP/a.pub" 45
sleep 2
twpid=$(pgrep -f -- "-f $IFA" | head -1)
# the legitimate peer starts its handshake in the middle of the flood
nsx "$NSB" wg set "$IFB" private-key "$TW_TMP/b.key" listen-port 51821 \
	peer "$(cat "$TW_TMP/a.pub")" allowed-ips 203.0.113.1/32 endpoint 198.51.100.1:51820
# (wireguard-go retries every 5 s; its first try only earns it a cookie)
t0=$SECONDS
through() {
	while [ $((SECONDS - t0)) -lt 40 ]; do
		nsx "$NSB" ping -c 1 -W 1 203.0.113.1 >/dev/null 2>&1 && return 0
	done
	return 1
}
check "legitimate peer gets through during the flood" through
log "handshake done after $((SECONDS - t0)) s of flood"
kill -0 "$FLOOD" 2>/dev/null && flood_on=1 || flood_on=0
check_eq "the flood was still on when it did" "$flood_on" 1
check "tapwire-wg survived" kill -0 "$twpid"
kill "$DUMP"; wait "$DUMP" 2>/dev/null
n=$(wc -l <"$TW_TMP/cookies.txt")
log "$n cookie replies seen"
check "cookie replies were sent under load ($n)" test "$n" -gt 0
# without load, no cookie: a new handshake after the flood gets a plain response
kill "$FLOOD" 2>/dev/null; wait "$FLOOD" 2>/dev/null
finish
