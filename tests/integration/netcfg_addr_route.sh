#!/usr/bin/env bash
# `tapwire addr` and `tapwire route`, IPv4 and IPv6: add, show, del, checked
# against `ip -j addr` / `ip -j route`, and traffic that flows over them.
. "$TW_TESTS/lib.sh"
needs ip jq ping

ns_new A
ns_new B
ip link add v0 netns "$A" type veth peer name v1 netns "$B"
ta() { tw -n "$A" "$@"; }
tb() { tw -n "$B" "$@"; }
ta link set v0 up
tb link set v1 up
link_up_wait "$A" v0 && link_up_wait "$B" v1 || die "veth not up after 30 s"

# Addresses.
check "A v4 address" ta addr add 198.51.100.1/24 dev v0
check "B v4 address" tb addr add 198.51.100.2/24 dev v1
check "A v6 address" ta addr add fd00:1::1/64 dev v0 nodad
check "B v6 address" tb addr add fd00:1::2/64 dev v1 nodad
check "A second v4 address" ta addr add 203.0.113.10/32 dev v0
check_eq "ip sees A's addresses" \
	"$(ip -n "$A" -j addr show dev v0 | jq -c '[.[0].addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen)"] | sort')" \
	'["198.51.100.1/24","203.0.113.10/32","fd00:1::1/64"]'
check_eq "ip sees the broadcast address" \
	"$(ip -n "$A" -j addr show dev v0 | jq -r '.[0].addr_info[] | select(.local == "198.51.100.1") | .broadcast')" 198.51.100.255
check_eq "ip sees nodad" \
	"$(ip -n "$A" -j addr show dev v0 | jq -r '.[0].addr_info[] | select(.local == "fd00:1::1") | .nodad')" true

# addr show agrees with ip, address by address (scope, prefix, label, lifetimes).
fields='[.[] | {ifindex, ifname, mtu, operstate, a: [.addr_info[] | {family, local, prefixlen, scope, broadcast, valid_life_time, preferred_life_time}] | sort_by(.local)}] | sort_by(.ifindex)'
check_eq "addr show -j equals ip -j addr show" \
	"$(ta -j addr show | jq -cS "$fields")" "$(ip -n "$A" -j addr show | jq -cS "$fields")"
check_eq "addr show dev: one link" "$(ta -j addr show dev v0 | jq -r 'length, .[0].ifname' | tr '\n' ' ')" "1 v0 "
norm() { sed -E 's/ mode [A-Z]+//; s/ group [a-z0-9]+//; s/ qlen [0-9]+//; s/ +$//' | grep -v '^    link/'; }
check_eq "addr show text like ip addr show" "$(ta addr show | norm)" "$(ip -n "$A" addr show | norm)"

# Duplicate address: the kernel says so, exit 1.
out=$(ta addr add 198.51.100.1/24 dev v0 2>&1); rc=$?
check_eq "duplicate address fails" "$rc" 1
check "duplicate address message: $out" grep -q 'cannot add address "198.51.100.1/24": File exists' <<<"$out"

# Routes: B reaches 203.0.113.10 (on A) through A; A reaches fd00:2::/64 through B.
check "v4 route via" tb route add 203.0.113.0/24 dev v1 via 198.51.100.1
check "v6 route via" ta route add fd00:2::/64 via fd00:1::2
check "v6 default route" tb route add default via fd00:1::1 dev v1 metric 77
check "v4 host route" ta route add 203.0.113.99 dev v0
check "B has fd00:2::5" tb addr add fd00:2::5/128 dev lo
rjq='[.[] | {dst, gateway, dev, metric: (.metric // 0)}] | sort_by(.dst)'
both_ip() { { ip -n "$1" -j route show; ip -n "$1" -6 -j route show; } | jq -s 'add'; }
check_eq "route show -j equals ip -j route (v4+v6) in A" \
	"$(ta -j route show | jq -cS "$rjq")" "$(both_ip "$A" | jq -cS "$rjq")"
check_eq "route show -j equals ip -j route (v4+v6) in B" \
	"$(tb -j route show | jq -cS "$rjq")" "$(both_ip "$B" | jq -cS "$rjq")"
check_eq "default v6 route seen by ip" \
	"$(ip -n "$B" -6 -j route show default | jq -c '.[0] | [.gateway, .dev, .metric]')" '["fd00:1::1","v1",77]'
check_eq "host route seen by ip" "$(ip -n "$A" -j route show 203.0.113.99 | jq -c '.[0] | [.dst, .scope]')" '["203.0.113.99","link"]'
check_eq "route show text" "$(ta route show | grep 203.0.113.99)" "203.0.113.99 dev v0 scope link"

# Traffic uses them.
check "B pings 203.0.113.10 via the route" nsx "$B" ping -q -c 1 -W 2 203.0.113.10
check "A pings fd00:2::5 via the route" nsx "$A" ping -q -6 -c 1 -W 2 fd00:2::5

# Deleting.
check "del v4 route" tb route del 203.0.113.0/24 via 198.51.100.1
check_eq "v4 route gone" "$(ip -n "$B" -j route show 203.0.113.0/24)" "[]"
check_fails "B no longer reaches 203.0.113.10 (unreachable)" 2 nsx "$B" ping -c 1 -W 1 203.0.113.10
check "del v6 default" tb route del default via fd00:1::1
check_eq "v6 default gone" "$(ip -n "$B" -6 -j route show default)" "[]"
check "del v6 route" ta route del fd00:2::/64
check "del host route" ta route del 203.0.113.99 dev v0
out=$(ta route del 203.0.113.99 dev v0 2>&1); rc=$?
check_eq "deleting a missing route fails" "$rc" 1
check_eq "missing route message" "$out" "Error: no such route: 203.0.113.99/32"
check "del v4 address" ta addr del 198.51.100.1/24 dev v0
check "del v6 address" ta addr del fd00:1::1/64 dev v0
check_eq "addresses gone" "$(ip -n "$A" -j addr show dev v0 | jq -c '[.[0].addr_info[] | select(.scope == "global") | .local]')" '["203.0.113.10"]'
out=$(ta addr del 198.51.100.1/24 dev v0 2>&1); rc=$?
check_eq "deleting a missing address fails" "$rc" 1
check_eq "missing address message" "$out" 'Error: address 198.51.100.1/24 is not on "v0"'

# The kernel's extended-ack text for a route: an unreachable gateway.
out=$(ta route add 203.0.113.128/25 via 192.0.2.1 dev v0 2>&1); rc=$?
check_eq "unreachable gateway fails" "$rc" 1
check "kernel text for the route: $out" grep -q "Nexthop has invalid gateway" <<<"$out"

finish
