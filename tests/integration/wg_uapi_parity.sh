# The raw UAPI protocol, request by request, against tapwire-wg and
# wireguard-go side by side: valid and invalid `set=1` requests (bad keys,
# bad values, keys out of place, update_only, replace_peers, remove,
# replace_allowed_ips, protocol_version) get the same errno= answers, and
# `get=1` then reports the same state (lines compared per section, so the
# order of keys within a peer does not matter).
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"

wg_twins

hex() { base64 -d <"$TW_TMP/$1" | od -An -tx1 -v | tr -d ' \n'; }
for k in s p1 p2 p3; do wg_keypair "$k"; done
S=$(hex s.key) P1=$(hex p1.pub) P2=$(hex p2.pub) P3=$(hex p3.pub)
Z=0000000000000000000000000000000000000000000000000000000000000000

# One python process sends every request (REQS: "what<TAB>request" lines,
# \n escaped) to both sockets and compares answers and get=1 states, the
# latter canonical: sections sorted, lines sorted within each.
cat >"$TW_TMP/parity.py" <<'PY'
import os, sys
sys.path.insert(0, os.environ["TW_TESTS"] + "/tools")
import twuapi
def uapi(path, req):
    out = twuapi.request(path, req.encode())
    return (out if out.endswith(b"\n\n") else out + b"<no complete answer in 5 s>").decode("latin-1")
def canon(text):
    secs, cur = [], []
    lines = text.split("\n")
    tail = [l for l in lines if l.startswith("errno=")]  # ends the reply, not a peer
    for l in lines:
        if not l or l.startswith("errno="):
            continue
        if l.startswith("public_key="):
            secs.append(sorted(cur)); cur = []
        cur.append(l)
    secs.append(sorted(cur))
    return "\n".join("\n".join(x) for x in [secs[0]] + sorted(secs[1:]) + [tail])
t, g = sys.argv[1], sys.argv[2]
for n, line in enumerate(open(sys.argv[3]), 1):
    what, req = line.rstrip("\n").split("\t")
    req = req.replace("\\n", "\n")
    at, ag = uapi(t, req), uapi(g, req)
    show = lambda x: x.strip().replace("\n", " ")
    if at == ag:
        print("ok\t%d %s: same answer (%s)" % (n, what, show(ag)))
    else:
        print("fail\t%d %s: tapwire-wg [%s] wireguard-go [%s]" % (n, what, show(at), show(ag)))
    st, sg = canon(uapi(t, "get=1\n\n")), canon(uapi(g, "get=1\n\n"))
    if st == sg:
        print("ok\t%d %s: same state" % (n, what))
    else:
        d = [l for l in st.split("\n") if l not in sg.split("\n")]
        e = [l for l in sg.split("\n") if l not in st.split("\n")]
        print("fail\t%d %s: state differs: tapwire-wg has %s, wireguard-go has %s" % (n, what, d, e))
PY
: >"$TW_TMP/reqs"
req() { printf '%s\t%s\n' "$1" "${2//$'\n'/\\n}" >>"$TW_TMP/reqs"; }

req "private key, port" $'set=1\nprivate_key='"$S"$'\nlisten_port=51820\n\n'
req "a peer" $'set=1\npublic_key='"$P1"$'\nallowed_ip=203.0.113.0/24\nallowed_ip=fd00:2::/64\nendpoint=198.51.100.7:51000\npersistent_keepalive_interval=0\n\n'
req "protocol_version=1" $'set=1\npublic_key='"$P1"$'\nprotocol_version=1\n\n'
req "protocol_version=2" $'set=1\npublic_key='"$P1"$'\nprotocol_version=2\n\n'
req "update_only on an unknown peer" $'set=1\npublic_key='"$P2"$'\nupdate_only=true\nallowed_ip=10.0.0.0/8\n\n'
req "update_only on a known peer" $'set=1\npublic_key='"$P1"$'\nupdate_only=true\nendpoint=[fd00:1::7]:51001\n\n'
req "replace_allowed_ips" $'set=1\npublic_key='"$P1"$'\nreplace_allowed_ips=true\nallowed_ip=192.0.2.0/24\n\n'
req "a second peer with a psk" $'set=1\npublic_key='"$P2"$'\npreshared_key='"$P3"$'\nallowed_ip=10.0.0.0/8\n\n'
req "psk cleared with zeros" $'set=1\npublic_key='"$P2"$'\npreshared_key='"$Z"$'\n\n'
req "remove a peer" $'set=1\npublic_key='"$P2"$'\nremove=true\n\n'
req "remove an unknown peer" $'set=1\npublic_key='"$P3"$'\nremove=true\n\n'
req "fwmark" $'set=1\nfwmark=4660\n\n'
req "fwmark 0" $'set=1\nfwmark=0\n\n'
req "unknown key" $'set=1\nbogus=1\n\n'
req "private key not hex" $'set=1\nprivate_key=zz\n\n'
req "private key too short" $'set=1\nprivate_key=abcd\n\n'
req "port too big" $'set=1\nlisten_port=70000\n\n'
req "port not a number" $'set=1\nlisten_port=abc\n\n'
req "peer key invalid" $'set=1\npublic_key=xyz\n\n'
req "allowed_ip without a peer" $'set=1\nallowed_ip=10.0.0.0/8\n\n'
req "bad allowed_ip" $'set=1\npublic_key='"$P1"$'\nallowed_ip=300.1.1.1/8\n\n'
req "bad prefix length" $'set=1\npublic_key='"$P1"$'\nallowed_ip=10.0.0.0/33\n\n'
req "bad endpoint" $'set=1\npublic_key='"$P1"$'\nendpoint=nowhere\n\n'
req "keepalive too big" $'set=1\npublic_key='"$P1"$'\npersistent_keepalive_interval=70000\n\n'
req "keepalive set" $'set=1\npublic_key='"$P1"$'\npersistent_keepalive_interval=25\n\n'
req "bool not true" $'set=1\npublic_key='"$P1"$'\nremove=yes\n\n'
req "line without =" $'set=1\nnonsense\n\n'
req "replace_peers" $'set=1\nreplace_peers=true\npublic_key='"$P3"$'\nallowed_ip=198.51.100.0/24\n\n'
req "private key zero (removes it)" $'set=1\nprivate_key='"$Z"$'\n\n'
req "own public key as a peer" $'set=1\nprivate_key='"$S"$'\npublic_key='"$(hex s.pub)"$'\n\n'
req "get after all that" $'get=1\n\n'
while IFS=$'\t' read -r verdict text; do
	case $verdict in ok) ok "$text" ;; log) log "$text" ;; *) fail "$text" ;; esac
done < <(python3 "$TW_TMP/parity.py" "$WG_RUN/$IFT.sock" "$WG_RUN/$IFG.sock" "$TW_TMP/reqs")
check "every request was compared" test "$_tw_checks" -ge 60
check "tapwire-wg alive" wg_alive "$PIDT"
check "wireguard-go alive" wg_alive "$PIDG"
finish
