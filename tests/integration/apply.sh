#!/usr/bin/env bash
# `tapwire apply` / `tapwire down` in a private namespace: a whole topology
# created, a second run changes nothing, an edited file converges, a run whose
# late step fails leaves the namespace exactly as it found it, malformed files
# and impossible declarations change nothing, and down removes only what the
# file declares.
. "$TW_TESTS/lib.sh"
needs ip bridge jq

ns_new NS
F=$TW_TMP
# Things the file does not own (veth pairs: this kernel may lack dummy): vA,
# enslaved by the file (vB never named); dum0, given an address and a route by
# the file; keep0, never mentioned.
ip -n "$NS" link add vA type veth peer name vB
ip -n "$NS" link add dum0 type veth peer name dum1
ip -n "$NS" link add keep0 type veth peer name keep1
ip -n "$NS" addr add 203.0.113.77/32 dev keep0
ip -n "$NS" link set keep0 up

cat >"$F/lab.conf" <<'CONF'
# the lab
[bridge br0]
stp = on
forward_delay = 4
hello_time = 1
max_age = 12
ageing_time = 100
priority = 4096
address = 198.51.100.1/24
address = fd00:51::1/64
route = 203.0.113.0/25 via 198.51.100.254

[tap tap0]
user = nobody
vnet_hdr = on
mtu = 1400

[tap tap1]
multi_queue = on

[tun tun0]
pi = on
address = 198.51.100.200/32
route = fd00:2::/48

[port tap0]
bridge = br0
cost = 10
priority = 5
hairpin = on

[link vA]
mtu = 1450

[port vA]
bridge = br0

[link dum0]
state = up
address = 203.0.113.129/25
route = fd00:3::/48
CONF

link_j() { ip -n "$NS" -d -j link show "$1" | jq -c ".[0]$2"; }
has_addr() { ip -n "$NS" -j addr show dev "$1" | jq -e --arg a "${2%/*}" --argjson l "${2#*/}" \
	'[.[0].addr_info[] | select(.local == $a and .prefixlen == $l)] | length == 1' >/dev/null; }
# A snapshot that also covers TUN/TAP flags and owners, bridge and port
# options (timers and STP port states left out: they move on their own).
# Carrier and what the kernel derives from it are left out too: changing the
# owner of an existing TAP attaches to it for a moment, and the carrier blip
# moves its IPv6 link-local address through DAD again.
full_snapshot() {
	snapshot "$NS" | grep -vE 'fe80:|ff00::/8' |
		sed -E 's/NO-CARRIER,//; s/,LOWER_UP//; s/ state (UP|DOWN|UNKNOWN)//; s/ (linkdown|tentative)//g'
	ip -n "$NS" -d -j link show | jq -c '.[] | [.ifname, .mtu, .master, .linkinfo.info_kind,
		(.linkinfo.info_data // {} | if .type then . else
			{stp_state, forward_delay, hello_time, max_age, ageing_time, priority} end),
		(.linkinfo.info_slave_data // {} | {cost, priority, hairpin})]'
}

# --- apply creates everything -------------------------------------------------
out=$(tw -n "$NS" apply "$F/lab.conf" 2>"$F/err"); rc=$?
check_eq "first apply exits 0" "$rc" 0
check_eq "first apply: no error" "$(cat "$F/err")" ""
printf '%s\n' "$out" >"$F/out1"
for line in "created bridge br0" "created tap tap0" "created tap tap1" "created tun tun0" \
	"set br0 stp on" "set br0 forward_delay 4" "set br0 priority 4096" "set tap0 mtu 1400" \
	"set vA mtu 1450" "set tap0 master br0" "set vA master br0" "set tap0 cost 10" \
	"set tap0 hairpin on" "set br0 up" "set dum0 up" "added address 198.51.100.1/24 to br0" \
	"added route 203.0.113.0/25 via 198.51.100.254 dev br0" "added route fd00:3::/48 dev dum0"; do
	check "apply says \"$line\"" grep -qxF "$line" "$F/out1"
done
check_eq "tap0 is a persistent vnet_hdr tap owned by nobody" \
	"$(link_j tap0 '.linkinfo.info_data | [.type, .pi, .vnet_hdr, .multi_queue, .persist, .user]')" \
	'["tap",false,true,false,true,"nobody"]'
check_eq "tap1 is multi_queue" "$(link_j tap1 '.linkinfo.info_data | [.type, .multi_queue]')" \
	'["tap",true]'
check_eq "tun0 is a tun with pi" "$(link_j tun0 '.linkinfo.info_data | [.type, .pi]')" '["tun",true]'
check_eq "tap0: mtu, master, up" "$(link_j tap0 '| [.mtu, .master, (.flags | index("UP") != null)]')" \
	'[1400,"br0",true]'
check_eq "br0 options (centiseconds)" \
	"$(link_j br0 '.linkinfo.info_data | [.stp_state, .forward_delay, .hello_time, .max_age, .ageing_time, .priority]')" \
	'[1,400,100,1200,10000,4096]'
check_eq "tap0 port options" \
	"$(bridge -n "$NS" -d -j link show dev tap0 | jq -c '.[0] | [.master, .cost, .priority, .hairpin]')" \
	'["br0",10,5,true]'
check_eq "vA enslaved with mtu 1450" "$(link_j vA '| [.master, .mtu]')" '["br0",1450]'
check "br0 has 198.51.100.1/24" has_addr br0 198.51.100.1/24
check "br0 has fd00:51::1/64" has_addr br0 fd00:51::1/64
check "tun0 has 198.51.100.200/32" has_addr tun0 198.51.100.200/32
check "dum0 has 203.0.113.129/25" has_addr dum0 203.0.113.129/25
check_eq "route via the gateway on br0" \
	"$(ip -n "$NS" -j route show 203.0.113.0/25 | jq -c '.[0] | [.gateway, .dev]')" \
	'["198.51.100.254","br0"]'
check_eq "IPv6 route on tun0" "$(ip -n "$NS" -j -6 route show fd00:2::/48 | jq -r '.[0].dev')" tun0
check_eq "vB untouched" "$(link_j vB '| [.master, .mtu]')" '[null,1500]'

# --- a second apply changes nothing and says so --------------------------------
before=$(full_snapshot)
check_eq "second apply says nothing to change" "$(tw -n "$NS" apply "$F/lab.conf")" "nothing to change"
check_eq "second apply changed nothing" "$(full_snapshot)" "$before"

# --- an edited file converges ----------------------------------------------------
sed -e 's/^mtu = 1400/mtu = 1500/' -e 's/^user = nobody/user = 0/' -e 's/^forward_delay = 4/forward_delay = 5/' \
	-e 's|^address = 198.51.100.1/24|&\naddress = 198.51.100.3/24|' "$F/lab.conf" >"$F/edit.conf"
check_eq "edited file: exactly the four changes" "$(tw -n "$NS" apply "$F/edit.conf")" \
"set tap0 user 0
set br0 forward_delay 5
set tap0 mtu 1500
added address 198.51.100.3/24 to br0"
check_eq "edited: tap0 mtu" "$(link_j tap0 .mtu)" 1500
check_eq "edited: tap0 owner" "$(link_j tap0 .linkinfo.info_data.user)" '"root"'
check_eq "edited: forward_delay" "$(link_j br0 .linkinfo.info_data.forward_delay)" 500
check "edited: new address" has_addr br0 198.51.100.3/24
check_eq "edited file applied again: nothing to change" "$(tw -n "$NS" apply "$F/edit.conf")" \
	"nothing to change"

# --- a late failure rolls everything back ------------------------------------------
# New devices, changed options, MTU, a port moved, addresses: then a route via a
# gateway no interface reaches, which only the kernel can refuse.
sed -e 's/^mtu = 1500/mtu = 1300/' -e 's/^user = 0/user = nobody/' -e 's/^forward_delay = 5/forward_delay = 7/' \
	-e 's/^cost = 10/cost = 20/' -e 's/^mtu = 1450/mtu = 1480/' "$F/edit.conf" >"$F/fail.conf"
cat >>"$F/fail.conf" <<'CONF'
[bridge br9]
[tap tap9]
address = 198.51.100.99/32
[port tap9]
bridge = br9
[link keep0]
address = 203.0.113.78/32
route = 203.0.113.200/29 via 192.0.2.1
CONF
before=$(full_snapshot)
out=$(tw -n "$NS" apply "$F/fail.conf" 2>"$F/err"); rc=$?
check_eq "failing apply exits 1" "$rc" 1
failline=$(grep -n 'via 192.0.2.1' "$F/fail.conf" | cut -d: -f1)
check "the error names file:line and the kernel's reason" \
	grep -q "^Error: $F/fail.conf:$failline: cannot add route 203.0.113.200/29 via 192.0.2.1 dev keep0: " "$F/err"
check "it made changes before failing" grep -qx "created tap tap9" <<<"$out"
check "and undid them" grep -qx "undone: deleted bridge br9" <<<"$out"
check_eq "nothing half-made is left" "$(full_snapshot)" "$before"

# --- malformed files and impossible declarations change nothing ------------------------
before=$(full_snapshot)
printf '[bridge br7]\n[tap tap7]\nmtu = 9x\n' >"$F/bad.conf"
check_fails "malformed file: exit 2" 2 tw -n "$NS" apply "$F/bad.conf"
check "malformed file: file:line in the error" \
	grep -qF "Error: $F/bad.conf:3: \"mtu\" must be an integer from 68 to 65535, not \"9x\"" \
	<(tw -n "$NS" apply "$F/bad.conf" 2>&1)
check_fails "malformed file: down exits 2 too" 2 tw -n "$NS" down "$F/bad.conf"
printf '[tap tap7]\n[link nosuch0]\nmtu = 1400\n' >"$F/nolink.conf"
check_fails "a [link] that does not exist: exit 1" 1 tw -n "$NS" apply "$F/nolink.conf"
check "it names the line" grep -qF "Error: $F/nolink.conf:2: \"nosuch0\" does not exist" \
	<(tw -n "$NS" apply "$F/nolink.conf" 2>&1)
printf '[tap tap0]\nmulti_queue = on\n' >"$F/flags.conf"
check "flags of an existing tap cannot change" grep -qF "flags are fixed at creation" \
	<(tw -n "$NS" apply "$F/flags.conf" 2>&1)
printf '[tun vA]\n' >"$F/kind.conf"
check "a veth is not a tun" grep -qF "\"vA\" exists and is a veth, not a tun device" \
	<(tw -n "$NS" apply "$F/kind.conf" 2>&1)
check_fails "no file: exit 2" 2 tw -n "$NS" apply
check_fails "missing file: exit 1" 1 tw -n "$NS" apply "$F/none.conf"
check_eq "none of these changed anything" "$(full_snapshot)" "$before"

# --- down removes exactly what the file declares --------------------------------------
out=$(tw -n "$NS" down "$F/edit.conf" 2>"$F/err"); rc=$?
check_eq "down exits 0" "$rc" 0
check_eq "down: no error" "$(cat "$F/err")" ""
for line in "deleted tap tap0" "deleted tap tap1" "deleted tun tun0" "deleted bridge br0" \
	"released vA from br0" "removed address 203.0.113.129/25 from dum0" \
	"removed route fd00:3::/48 dev dum0"; do
	check "down says \"$line\"" grep -qxF "$line" <<<"$out"
done
check_eq "only the unowned interfaces are left" \
	"$(ip -n "$NS" -j link show | jq -r '[.[].ifname] | sort | join(" ")')" "dum0 dum1 keep0 keep1 lo vA vB"
check_eq "vA released, its MTU left alone" "$(link_j vA '| [.master, .mtu]')" '[null,1450]'
check_eq "dum0 has no address left" "$(ip -n "$NS" -j -4 addr show dev dum0 | jq '.[0].addr_info | length')" 0
check "keep0 keeps its address" has_addr keep0 203.0.113.77/32
check_eq "down again: nothing to remove" "$(tw -n "$NS" down "$F/edit.conf")" "nothing to remove"

# --- the boot unit ------------------------------------------------------------------
unit=$TW_BUILD/systemd/tapwire@.service
check "unit: oneshot that stays active" grep -qx "Type=oneshot" "$unit"
check "unit: RemainAfterExit" grep -qx "RemainAfterExit=yes" "$unit"
check "unit: applies /etc/tapwire/%i.conf" grep -qE '^ExecStart=/.*/tapwire apply /etc/tapwire/%i.conf$' "$unit"
check "unit: takes it down on stop" grep -qE '^ExecStop=/.*/tapwire down /etc/tapwire/%i.conf$' "$unit"
if command -v systemd-analyze >/dev/null; then
	sed "s|^\(Exec[A-Za-z]*=\)[^ ]*|\1$TAPWIRE|" "$unit" >"$F/tapwire@lab.service"
	check "unit: systemd-analyze verify" systemd-analyze verify --man=no "$F/tapwire@lab.service"
fi

finish
