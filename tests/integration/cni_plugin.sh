#!/usr/bin/env bash
# The CNI plugin "tapwire" driven by a real runtime library: Debian's libcni
# (golang-github-appc-cni-dev, built here offline with Debian's Go into
# tests/tools/cniclient) runs ADD -> CHECK -> DEL -> DEL on a conflist that
# chains tapwire with Debian's host-local IPAM and tuning plugin, for every
# spec version that libcni knows (0.3.0 to 1.0.0). After ADD the TAP in the
# pod namespace is checked against the configuration and the result (kind,
# owner, group, queues, vnet_hdr, MAC, address, master bridge, tuning's
# promisc); after DEL it is gone with its lease, and DEL again (also with
# no namespace) succeeds. Version 1.1.0 (STATUS, GC; newer than this libcni)
# is driven directly. Bad input gets the specification's error codes and
# leaves nothing behind: malformed JSON, an unknown cniVersion, no
# CNI_NETNS on ADD, an existing interface name, a failing IPAM.
TW_TEST_TIMEOUT=180
. "$TW_TESTS/lib.sh"
needs ip jq go
CNI_DIR=/usr/lib/cni
for p in host-local tuning; do
	[ -x "$CNI_DIR/$p" ] || die "$CNI_DIR/$p missing (containernetworking-plugins)"
done
PLUGIN=$TW_BUILD/cni/tapwire
CNI_PATH="$(dirname "$PLUGIN"):$CNI_DIR"

# the runtime: Debian's libcni, built offline (GOPATH mode, Debian's sources)
CLIENT=$TW_TMP/cniclient
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$TW_TMP/gocache GOFLAGS= \
	go build -o "$CLIENT" "$TW_SRC/tests/tools/cniclient/main.go" 2>"$TW_TMP/go.log" ||
	{ cat "$TW_TMP/go.log" >&2; die "cannot build the libcni client"; }

ns_new POD
ip -n "$POD" link add br0 type bridge
IPAM_DIR=$TW_TMP/ipam
# conflist VERSION MAC: tapwire (with host-local) then tuning
conflist() {
	cat >"$TW_TMP/net.conflist" <<EOF
{
  "cniVersion": "$1", "name": "twnet",
  "plugins": [
    {"type": "tapwire", "multiQueue": true, "Queues": 2, "owner": 65534, "group": 65534,
     "MTU": 1400, "mac": "$2", "bridge": "br0", "vnetHdr": true,
     "ipam": {"type": "host-local", "dataDir": "$IPAM_DIR",
              "ranges": [[{"subnet": "198.51.100.0/24", "gateway": "198.51.100.1"}]],
              "routes": [{"dst": "203.0.113.0/24"}]}},
    {"type": "tuning", "promisc": true}
  ]
}
EOF
}
cni() { "$CLIENT" "$CNI_PATH" "$TW_TMP/net.conflist" "$1" tap0 "$2" "$3"; }
leases() { find "$IPAM_DIR" -type f -name '198.51.100.*' 2>/dev/null | wc -l; }

n=0
for v in 0.3.0 0.3.1 0.4.0 1.0.0; do
	n=$((n + 1))
	mac=02:00:5e:00:53:0$n
	id=ctr-$v
	conflist "$v" "$mac"
	res=$(cni "/var/run/netns/$POD" "$id" add 2>"$TW_TMP/err") ||
		{ fail "$v: ADD: $(cat "$TW_TMP/err")"; continue; }
	check_eq "$v: ADD answers in $v" "$(jq -r .cniVersion <<<"$res")" "$v"
	addr=$(jq -r '.ips[0].address' <<<"$res")
	check_eq "$v: the result's interface is tap0 in the pod, with the MAC asked" \
		"$(jq -r '.interfaces[0] | [.name, .mac, .sandbox] | join(" ")' <<<"$res")" \
		"tap0 $mac /var/run/netns/$POD"
	if [ "$v" = 1.0.0 ]; then
		check_eq "$v: no ips[].version" "$(jq -r '.ips[0].version // "none"' <<<"$res")" none
	else
		check_eq "$v: ips[].version" "$(jq -r '.ips[0].version' <<<"$res")" 4
	fi
	d=$(ip -n "$POD" -j -d link show tap0)
	check_eq "$v: a TAP, multi-queue, vnet_hdr, owned by 65534:65534" \
		"$(jq -r '.[0].linkinfo | [.info_kind, .info_data.type, .info_data.multi_queue, .info_data.vnet_hdr, .info_data.user, .info_data.group] | map(tostring) | join(" ")' <<<"$d")" \
		"tun tap true true nobody nogroup"
	check_eq "$v: MAC, MTU, master and promisc (tuning)" \
		"$(jq -r '.[0] | [.address, .mtu, .master, (.flags | index("PROMISC") != null)] | map(tostring) | join(" ")' <<<"$d")" \
		"$mac 1400 br0 true"
	check "$v: the result's address is on the TAP ($addr)" \
		sh -c "ip -n $POD -o addr show tap0 | grep -q ' ${addr%/*}/24 '"
	check "$v: IPAM's route is there" sh -c "ip -n $POD route show 203.0.113.0/24 | grep -q 'via 198.51.100.1 dev tap0'"
	# two queues can be attached, as a two-queue VM will
	check "$v: the TAP takes 2 queues" nsx "$POD" python3 -c '
import fcntl, os, struct
# TUNSETIFF with IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE | IFF_VNET_HDR
fds = [os.open("/dev/net/tun", os.O_RDWR) for _ in range(2)]
for fd in fds:
    fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", b"tap0", 0x0002 | 0x1000 | 0x0100 | 0x4000))
'
	if [ "$v" = 0.3.0 ] || [ "$v" = 0.3.1 ]; then
		check "$v: CHECK is refused below 0.4.0 (by libcni)" sh -c "! '$CLIENT' '$CNI_PATH' '$TW_TMP/net.conflist' /var/run/netns/$POD tap0 $id check 2>/dev/null"
	else
		check "$v: CHECK passes" cni "/var/run/netns/$POD" "$id" check
		ip -n "$POD" link set tap0 address 02:00:5e:00:53:99
		check "$v: CHECK fails once the MAC differs" sh -c "! '$CLIENT' '$CNI_PATH' '$TW_TMP/net.conflist' /var/run/netns/$POD tap0 $id check 2>/dev/null"
		ip -n "$POD" link set tap0 address "$mac"
	fi
	check_eq "$v: one lease held" "$(leases)" 1
	check "$v: DEL" cni "/var/run/netns/$POD" "$id" del
	check "$v: the TAP is gone" sh -c "! ip -n $POD link show tap0 2>/dev/null"
	check_eq "$v: the lease is released" "$(leases)" 0
	check "$v: DEL again succeeds" cni "/var/run/netns/$POD" "$id" del
	check "$v: DEL without a namespace succeeds" cni "" "$id" del
done
# the README's conflist, as written (its IPAM state kept in this test's directory)
awk '/^```json$/ { p = 1; next } /^```/ { p = 0 } p' "$TW_SRC/README.md" |
	jq --arg d "$IPAM_DIR" '.plugins[0].ipam.dataDir = $d' >"$TW_TMP/readme.conflist"
check "the README has a conflist" jq -e '.plugins[0].type == "tapwire"' "$TW_TMP/readme.conflist"
readme() { "$CLIENT" "$CNI_PATH" "$TW_TMP/readme.conflist" "/var/run/netns/$POD" vm0 readme "$1"; }
check "the README's conflist: ADD" readme add
check "... a 4-queue TAP owned by 107 on br0" sh -c "ip -n $POD -j -d link show vm0 | jq -e '.[0] | .master == \"br0\" and .linkinfo.info_data.multi_queue and (.linkinfo.info_data.user | tostring) == \"107\"' >/dev/null"
out=$(readme check 2>&1); check "... CHECK: $out" test -z "$out"
check "... DEL" readme del
check_eq "VERSION through libcni" "$(cni "/var/run/netns/$POD" x version)" "0.3.0 0.3.1 0.4.0 1.0.0 1.1.0"

# ---- 1.1.0, directly: ADD, CHECK, STATUS, GC, DEL (no IPAM: Debian's
# host-local stops at 1.0.0)
run() { # COMMAND CONFIG [ENV...]: the plugin as a runtime runs it
	local cmd=$1 conf=$2; shift 2
	env CNI_COMMAND="$cmd" CNI_CONTAINERID=ctr11 CNI_NETNS="/var/run/netns/$POD" CNI_IFNAME=tap1 \
		CNI_PATH="$CNI_PATH" "$@" "$PLUGIN" <<<"$conf"
}
c11='{"cniVersion":"1.1.0","name":"twnet","type":"tapwire","mtu":9000}'
res=$(run ADD "$c11")
check_eq "1.1.0: ADD, with the interface's mtu in the result" "$(jq -r '[.cniVersion, .interfaces[0].mtu] | join(" ")' <<<"$res")" "1.1.0 9000"
prev=$(jq -c --argjson r "$res" '. + {prevResult: $r}' <<<"$c11")
check "1.1.0: CHECK" run CHECK "$prev"
check "1.1.0: STATUS" run STATUS "$c11"
check "1.1.0: GC" run GC "$(jq -c '. + {"cni.dev/valid-attachments": [{"containerID": "ctr11", "ifname": "tap1"}]}' <<<"$c11")"
check "1.1.0: DEL" run DEL "$c11"
check "1.1.0: tap1 is gone" sh -c "! ip -n $POD link show tap1 2>/dev/null"
check_eq "1.1.0: STATUS is refused for 1.0.0 (code 1)" \
	"$(run STATUS '{"cniVersion":"1.0.0","name":"n","type":"tapwire"}' | jq -r .code)" 1

# ---- hostBridge: the TAP in the pod on a bridge of the runtime's namespace,
# through a veth and a bridge in the pod (the VM-in-pod layout). The runtime
# here is a namespace of its own (HOSTNS) with bridge hbr0; a user-space host
# (examples/host_hello, lwIP) on the pod's TAP answers pings sent on hbr0.
ns_new HOSTNS
ns_new POD2
ip -n "$HOSTNS" link add hbr0 type bridge
ip -n "$HOSTNS" addr add 198.51.100.1/24 dev hbr0
ip -n "$HOSTNS" link set hbr0 up
hb='{"cniVersion":"1.1.0","name":"twnet","type":"tapwire","hostBridge":"hbr0","vnetHdr":false}'
hrun() { nsx "$HOSTNS" env CNI_COMMAND="$1" CNI_CONTAINERID=ctr-hb CNI_NETNS="/var/run/netns/$POD2" \
	CNI_IFNAME=tap0 CNI_PATH="$CNI_PATH" "$PLUGIN" <<<"$2"; }
res=$(hrun ADD "$hb")
veth=$(jq -r '.interfaces[1].name // empty' <<<"$res")
check "hostBridge: ADD names the host end: $res" test -n "$veth"
check_eq "hostBridge: the host end is on hbr0, up" \
	"$(ip -n "$HOSTNS" -j link show "$veth" | jq -r '.[0] | [.master, .operstate != "DOWN"] | map(tostring) | join(" ")')" "hbr0 true"
check "hostBridge: the TAP is on a bridge in the pod with the veth's other end" \
	sh -c "ip -n $POD2 -j link show tap0 | jq -e '.[0].master != null' >/dev/null && [ \$(ip -n $POD2 -o link show master \$(ip -n $POD2 -j link show tap0 | jq -r '.[0].master') | wc -l) = 2 ]"
bg HH ip netns exec "$POD2" "$TW_BUILD/examples/host_hello" tap0 198.51.100.50/24
check "hostBridge: a host on the pod's TAP answers pings from hbr0" \
	wait_for 10 nsx "$HOSTNS" ping -c 1 -W 1 198.51.100.50
kill "$HH" 2>/dev/null; wait "$HH" 2>/dev/null
check "hostBridge: CHECK" hrun CHECK "$(jq -c --argjson r "$res" '. + {prevResult: $r}' <<<"$hb")"
check "hostBridge: DEL" hrun DEL "$hb"
check "hostBridge: the host end is gone" sh -c "! ip -n $HOSTNS link show $veth 2>/dev/null"
check_eq "hostBridge: the pod has only lo left" "$(ip -n "$POD2" -o link show | wc -l)" 1
check "hostBridge: DEL again" hrun DEL "$hb"
out=$(hrun ADD '{"cniVersion":"1.1.0","name":"twnet","type":"tapwire","hostBridge":"nobr"}')
check_eq "hostBridge: no such bridge: code 7" "$(jq -r .code <<<"$out")" 7
check_eq "... and nothing made in the pod" "$(ip -n "$POD2" -o link show | wc -l)" 1

# ---- wireguard: the attachment is a tapwire-wg interface, to a wireguard-go
# peer in another namespace (underlay 203.0.113.0/24 on a veth, tunnel
# 192.0.2.0/24, the pod's address from host-local)
ns_new WGPOD
ns_new WGPEER
ip link add twcw$$a netns "$WGPOD" type veth peer name twcw$$b netns "$WGPEER"
ip -n "$WGPOD" addr add 203.0.113.1/24 dev twcw$$a
ip -n "$WGPEER" addr add 203.0.113.2/24 dev twcw$$b
ip -n "$WGPOD" link set twcw$$a up
ip -n "$WGPEER" link set twcw$$b up
k_pod=$(wg genkey)
k_peer=$(wg genkey)
at_exit "rm -f /var/run/wireguard/twcp$$.sock; rmdir /run/tapwire-cni 2>/dev/null"
bg WGP env WG_PROCESS_FOREGROUND=1 ip netns exec "$WGPEER" /usr/bin/wireguard-go -f twcp$$ >"$TW_TMP/wgp.log" 2>&1
wait_for 10 test -S /var/run/wireguard/twcp$$.sock || die "wireguard-go did not start"
printf '%s' "$k_peer" >"$TW_TMP/k_peer"
nsx "$WGPEER" wg set twcp$$ private-key "$TW_TMP/k_peer" listen-port 51820 \
	peer "$(wg pubkey <<<"$k_pod")" allowed-ips 192.0.2.1/32
ip -n "$WGPEER" addr add 192.0.2.2/24 dev twcp$$
ip -n "$WGPEER" link set twcp$$ up
wgc=$(jq -nc --arg k "$k_pod" --arg p "$(wg pubkey <<<"$k_peer")" --arg exe "$TW_BUILD/wg/tapwire-wg" --arg d "$IPAM_DIR" '
	{cniVersion: "1.0.0", name: "twwg", type: "tapwire", tapwireWg: $exe, mtu: 1420,
	 wireguard: {privateKey: $k, peers: [{publicKey: $p, endpoint: "203.0.113.2:51820",
		allowedIPs: ["192.0.2.2/32"], persistentKeepalive: 25}]},
	 ipam: {type: "host-local", dataDir: $d,
		ranges: [[{subnet: "192.0.2.0/24", gateway: "192.0.2.254", rangeStart: "192.0.2.1", rangeEnd: "192.0.2.1"}]]}}')
wrun() { env CNI_COMMAND="$1" CNI_CONTAINERID=ctr-wg CNI_NETNS="/var/run/netns/$WGPOD" CNI_IFNAME=wg0 \
	CNI_PATH="$CNI_PATH" "$PLUGIN" <<<"$2"; }
res=$(wrun ADD "$wgc")
check_eq "wireguard: ADD gives wg0 (no MAC) with the leased 192.0.2.1/24: $res" \
	"$(jq -r '[.interfaces[0].name, (.interfaces[0].mac // "none"), .ips[0].address] | join(" ")' <<<"$res")" "wg0 none 192.0.2.1/24"
check "wireguard: the pod pings the wireguard-go peer through wg0" wait_for 10 nsx "$WGPOD" ping -c 1 -W 1 192.0.2.2
check "wireguard: ... and the peer pings back" nsx "$WGPEER" ping -c 1 -W 2 192.0.2.1
check "wireguard: tapwire-wg serves it" sh -c "ip netns pids $WGPOD | xargs -r ps -o comm= -p | grep -qx tapwire-wg"
check "wireguard: no socket under the shared /var/run/wireguard" test ! -e /var/run/wireguard/wg0.sock
check "wireguard: CHECK" wrun CHECK "$(jq -c --argjson r "$res" '. + {prevResult: $r}' <<<"$wgc")"
check "wireguard: DEL" wrun DEL "$wgc"
check "wireguard: wg0 is gone" sh -c "! ip -n $WGPOD link show wg0 2>/dev/null"
check "wireguard: the daemon ended with it" wait_for 5 sh -c "[ -z \"\$(ip netns pids $WGPOD)\" ]"
check "wireguard: its socket directory is gone" sh -c "[ -z \"\$(ls /run/tapwire-cni 2>/dev/null)\" ]"
check_eq "wireguard: the lease is released" "$(find "$IPAM_DIR" -name '192.0.2.*' | wc -l)" 0
out=$(wrun ADD "$(jq -c '.wireguard.privateKey = "short"' <<<"$wgc")")
check_eq "wireguard: a bad key: code 7" "$(jq -r .code <<<"$out")" 7
check_eq "... nothing left in the pod" "$(ip -n "$WGPOD" -o link show | wc -l)" 2
check_eq "... and the lease given back" "$(find "$IPAM_DIR" -name '192.0.2.*' | wc -l)" 0
check "... and no socket directory" sh -c "[ -z \"\$(ls /run/tapwire-cni 2>/dev/null)\" ]"

# ---- bad input: the spec's codes, nothing left behind -----------------------
ip -n "$POD" link add tapx type veth peer name tapy
before=$(snapshot "$POD")
code() { jq -r .code 2>/dev/null; }
ipam_conf='{"cniVersion":"1.0.0","name":"twnet","type":"tapwire","ipam":{"type":"host-local","dataDir":"'$IPAM_DIR'","ranges":[[{"subnet":"198.51.100.0/24"}]]}}'
check_eq "malformed JSON: code 6" "$(run ADD '{"cniVersion": ' | code)" 6
check_eq "unknown cniVersion: code 1" "$(run ADD '{"cniVersion":"9.9.9","name":"n","type":"tapwire"}' | code)" 1
check_eq "no CNI_NETNS on ADD: code 4" "$(run ADD "$ipam_conf" CNI_NETNS= | code)" 4
check_eq "a namespace that does not exist: code 3" "$(run ADD "$ipam_conf" CNI_NETNS=/var/run/netns/tw-none-$$ | code)" 3
check_eq "a bad option: code 7" "$(run ADD '{"cniVersion":"1.0.0","name":"n","type":"tapwire","mtu":"big"}' | code)" 7
out=$(run ADD "$ipam_conf" CNI_IFNAME=tapx)
check_eq "an existing interface name: refused (code 999)" "$(code <<<"$out")" 999
check "... saying so: $out" grep -q 'exists' <<<"$out"
check_eq "... and its lease was given back" "$(leases)" 0
out=$(run ADD '{"cniVersion":"1.0.0","name":"twnet","type":"tapwire","ipam":{"type":"host-local","ranges":[[{"subnet":"not-a-subnet"}]]}}')
check "a failing IPAM: its error passed on: $out" test "$(code <<<"$out")" -gt 0
out=$(run ADD '{"cniVersion":"1.0.0","name":"twnet","type":"tapwire","ipam":{"type":"tw-no-such-ipam"}}')
check_eq "an IPAM plugin not in CNI_PATH: code 7" "$(code <<<"$out")" 7
# IPAM succeeded, then the TAP fails (a bridge that is not there): undone
out=$(run ADD "$(jq -c '. + {bridge: "nobr0"}' <<<"$ipam_conf")")
check_eq "a failure after IPAM: code 7 (no such bridge)" "$(code <<<"$out")" 7
check_eq "... the lease was given back" "$(leases)" 0
check_eq "the pod namespace is as it was after every refusal" "$(snapshot "$POD")" "$before"
check "no TAP left in the runtime's namespace" sh -c "! ip link show tap1 2>/dev/null && ! ip link show tap0 2>/dev/null"
finish
