#!/usr/bin/env bash
# `tapwire link set|show`: every setting round-trips (checked with `ip -j link
# show`), several settings go in one command, listings agree with ip, and the
# kernel's extended-ack text reaches the user.
. "$TW_TESTS/lib.sh"
needs ip jq

ns_new NS
ip -n "$NS" link add v0 type veth peer name v1
ip -n "$NS" link add br0 type bridge
ip -n "$NS" tuntap add tun0 mode tun
t() { tw -n "$NS" "$@"; }
ipj() { ip -n "$NS" -j link show "$1" | jq -r ".[0].$2 // \"none\""; }

# Each setting on its own.
check "mtu" t link set v0 mtu 1400
check_eq "mtu seen by ip" "$(ipj v0 mtu)" 1400
check "txqueuelen" t link set v0 txqueuelen 321
check_eq "txqlen seen by ip" "$(ipj v0 txqlen)" 321
check "address" t link set v0 address 02:00:5e:00:53:01
check_eq "address seen by ip" "$(ipj v0 address)" 02:00:5e:00:53:01
check "up" t link set v0 up
check_eq "UP flag seen by ip" "$(ip -n "$NS" -j link show v0 | jq '.[0].flags | index("UP") != null')" true
check "down" t link set dev v0 down
check_eq "UP flag gone" "$(ip -n "$NS" -j link show v0 | jq '.[0].flags | index("UP") != null')" false
check "master" t link set v0 master br0
check_eq "master seen by ip" "$(ipj v0 master)" br0
check "nomaster" t link set v0 nomaster
check_eq "no master seen by ip" "$(ipj v0 master)" none
check "name" t link set v0 name vx0
check_eq "renamed" "$(ip -n "$NS" -j link show vx0 | jq -r '.[0].ifname')" vx0
check_fails "old name gone" 1 ip -n "$NS" link show v0

# Several settings in one command, as with ip.
check "many at once" t link set vx0 name v0 mtu 1300 txqueuelen 99 address 02:00:5e:00:53:02 master br0 up
check_eq "all applied" "$(ip -n "$NS" -j link show v0 | jq -c '.[0] | [.mtu, .txqlen, .address, .master, (.flags|index("UP") != null)]')" \
	'[1300,99,"02:00:5e:00:53:02","br0",true]'

# The kernel's extended-ack message reaches the user; nothing changes.
before=$(snapshot "$NS")
out=$(t link set v0 mtu 10 2>&1); rc=$?
check_eq "mtu below minimum fails" "$rc" 1
check "kernel text shown: $out" grep -q "mtu less than device minimum" <<<"$out"
check_eq "nothing changed" "$(snapshot "$NS")" "$before"
out=$(t link set nosuch0 up 2>&1); rc=$?
check_eq "missing device fails" "$rc" 1
check_eq "missing device message" "$out" 'Error: cannot find device "nosuch0"'

# JSON listings agree with ip field by field, for every link.
ip -n "$NS" link set tun0 up
ip -n "$NS" link set br0 up
mine=$(t -j link show) || fail "link show -j"
theirs=$(ip -n "$NS" -j link show)
fields='[.[] | {ifindex, ifname, mtu, qdisc, operstate, txqlen, link_type, address, broadcast, master, link, flags: (.flags|sort)}] | sort_by(.ifindex)'
check_eq "link show -j equals ip -j link show" "$(jq -cS "$fields" <<<"$mine")" "$(jq -cS "$fields" <<<"$theirs")"
check_eq "one link by name" "$(t -j link show br0 | jq -r 'length, .[0].ifname, .[0].kind' | tr '\n' ' ')" "1 br0 bridge "
check_eq "TUN has no link-layer address" "$(t -j link show tun0 | jq -c '.[0] | [.link_type, has("address")]')" '["none",false]'
check "statistics with -d" bash -c "'$TAPWIRE' -n '$NS' -j -d link show v0 | jq -e '.[0].stats64.rx.packets >= 0 and .[0].stats64.tx.bytes >= 0'"

# Text output: like ip's, without the fields tapwire does not read (mode, group).
norm() { sed -E 's/ mode [A-Z]+//; s/ group [a-z0-9]+//; s/ +$//'; }
check_eq "text like ip link show" "$(t link show | norm)" "$(ip -n "$NS" link show | norm)"

finish
