#!/usr/bin/env bash
# `tapwire tuntap`: every option round-trips (tapwire's JSON equals what
# iproute2 reads back, flag by flag, owner and group included), the text
# form matches `ip tuntap show`, and del needs no mode.
. "$TW_TESTS/lib.sh"
needs jq ip

ns_new NS

# Every add option, alone and combined; users and groups both by name and by
# number, with and without a passwd/group entry.
adds=(
	"t1 mode tun"
	"t2 mode tap"
	"t3 mode tun pi"
	"t4 mode tap vnet_hdr"
	"t5 mode tap multi_queue"
	"t6 mode tun user nobody"
	"t7 mode tap group users"
	"t8 mode tap user 1234 group 4321 pi vnet_hdr multi_queue one_queue"
	"name t9 mode tun user root group 0"
	"dev t10 mode tun one_queue"
	"mode tap t11 user 0"
)
for a in "${adds[@]}"; do
	# shellcheck disable=SC2086
	check "tuntap add $a" tw -n "$NS" tuntap add $a
done

# ip prints owner and group as names when it can: turn them back to numbers.
uid_of() { [[ $1 =~ ^[0-9]+$ ]] && echo "$1" || getent passwd "$1" | cut -d: -f3; }
gid_of() { [[ $1 =~ ^[0-9]+$ ]] && echo "$1" || getent group "$1" | cut -d: -f3; }

ip_view() { # name: iproute2's view, in tapwire's JSON keys
	local j u g
	j=$(nsx "$NS" ip -d -j link show "$1" | jq -c '.[0].linkinfo.info_data')
	u=$(jq -r '.user // empty' <<<"$j")
	g=$(jq -r '.group // empty' <<<"$j")
	[ -n "$u" ] && u=$(uid_of "$u") || u=null
	[ -n "$g" ] && g=$(gid_of "$g") || g=null
	jq -cS --argjson u "$u" --argjson g "$g" '{type, pi, vnet_hdr, multi_queue, persist,
		user: $u, group: $g, num_queues: .numqueues, num_disabled_queues: .numdisabled}' <<<"$j"
}
tw_view() { # name
	tw -n "$NS" -j tuntap show "$1" | jq -cS '.[0] | {type, pi, vnet_hdr, multi_queue,
		persist, user, group, num_queues, num_disabled_queues}'
}

names=(t1 t2 t3 t4 t5 t6 t7 t8 t9 t10 t11)
for name in "${names[@]}"; do
	check_eq "$name: tapwire JSON = ip -d -j link" "$(tw_view "$name")" "$(ip_view "$name")"
done
check_eq "t8 owner" "$(tw -n "$NS" -j tuntap show t8 | jq -c '.[0] | [.user, .group]')" "[1234,4321]"
check_eq "t6 owner by name" "$(tw -n "$NS" -j tuntap show t6 | jq '.[0].user')" "$(uid_of nobody)"
check_eq "t1 has no owner" "$(tw -n "$NS" -j tuntap show t1 | jq -c '.[0] | [.user, .group]')" "[null,null]"

# The full listing has exactly our devices, and the text form is iproute2's
# (which adds "filter" and "one_queue", flags netlink does not carry and the
# kernel ignores; tapwire adds queue counts).
check_eq "show lists all 11" "$(tw -n "$NS" -j tuntap show | jq length)" 11
want=$(nsx "$NS" ip tuntap show | sed "s/ filter//; s/ one_queue//" | sort)
got=$(tw -n "$NS" tuntap show | sed 's/ queues [0-9]* disabled [0-9]*//' | sort)
check_eq "text form = ip tuntap show" "$got" "$want"

# Stable JSON keys, all of them present for every device.
keys=$(tw -n "$NS" -j tuntap show | jq -c '[.[] | keys] | unique')
check_eq "JSON keys" "$keys" '[["group","ifindex","ifname","multi_queue","num_disabled_queues","num_queues","persist","pi","type","user","vnet_hdr"]]'
check_eq "ifindex = ip's" "$(tw -n "$NS" -j tuntap show t3 | jq '.[0].ifindex')" \
	"$(nsx "$NS" ip -j link show t3 | jq '.[0].ifindex')"

# Works where /sys is the host's: tapwire reads netlink only. Enter the
# namespace without remounting /sys (ip netns exec would remount it).
nsfile=/var/run/netns/$NS
got=$(nsenter --net="$nsfile" "$TAPWIRE" -j tuntap show | jq -r '.[].ifname' | sort | tr '\n' ' ')
check_eq "listing right without a /sys remount" "$got" "t1 t10 t11 t2 t3 t4 t5 t6 t7 t8 t9 "

# del needs no mode; with a mode given, it must match.
check_fails "del t3 mode tap refused (t3 is a tun)" 1 tw -n "$NS" tuntap del t3 mode tap
check "t3 still there" nsx "$NS" ip link show t3 >/dev/null
for n in t1 t2 t3 t4 t5 t6 t7 t8 t9 t10; do
	check "tuntap del $n" tw -n "$NS" tuntap del "$n"
done
check "tuntap del dev t11 mode tap" tw -n "$NS" tuntap del dev t11 mode tap
check_eq "all gone" "$(tw -n "$NS" -j tuntap show)" "[]"
check_eq "ip agrees" "$(nsx "$NS" ip -o link show type tun | wc -l)" 0

# A template name: the kernel picks, tapwire says which.
check_eq "template name" "$(tw -n "$NS" tuntap add 'tw%d' mode tap)" "tw0"
check "tw0 exists" nsx "$NS" ip link show tw0 >/dev/null

# help comes from the dispatch tables, at every level
help=$(tw tuntap help); rc=$?
check_eq "tuntap help exits 0" "$rc" 0
for w in "tuntap add" "tuntap del" "tuntap show" "mode tun|tap"; do
	check "tuntap help mentions '$w'" grep -qF "$w" <<<"$help"
done
check "tapwire help lists tuntap" bash -c "'$TAPWIRE' help | grep -q '^tapwire tuntap '"
check "tuntap add help" bash -c "'$TAPWIRE' tuntap add help | grep -q '^Usage: tapwire tuntap add '"
finish
