#!/usr/bin/env bash
# The link/addr/route CLI as a whole: -n NETNS, -b batch files (mixed
# commands, FILE:LINE on failure, stop there), JSON that parses and has the
# documented keys, and hostile input that is refused without changing anything.
. "$TW_TESTS/lib.sh"
needs ip jq

ns_new NS
# no duplicate address detection: a link-local address leaving "tentative"
# mid-test would look like a change in the snapshots
nsx "$NS" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
ip -n "$NS" link add v0 type veth peer name v1
ip -n "$NS" link add br0 type bridge
t() { tw -n "$NS" "$@"; }

# -n NETNS: the same as running inside the namespace.
check_eq "-n NS equals ip netns exec" "$(t link show)" "$(nsx "$NS" "$TAPWIRE" link show)"
out=$(tw -n "tw-no-such-ns-$$" link show 2>&1); rc=$?
check_eq "-n unknown namespace fails" "$rc" 1
check "message names it: $out" grep -q "cannot open network namespace \"tw-no-such-ns-$$\"" <<<"$out"
out=$(tw -n ../etc link show 2>&1); rc=$?
check_eq "-n with a slash is a usage error" "$rc" 2
check "message names it: $out" grep -q '"../etc"' <<<"$out"

# Batch: mixed objects in one process, comments and blank lines allowed.
cat >"$TW_TMP/ok.batch" <<'B'
# bring up a small network
link set v0 up mtu 1400
link set v1 up

addr add 198.51.100.1/24 dev v0
addr add fd00:7::1/64 dev v0 nodad
route add 203.0.113.0/24 via 198.51.100.2 dev v0
route show
B
out=$(t -b "$TW_TMP/ok.batch"); rc=$?
check_eq "batch runs" "$rc" 0
check "batch output has the route" grep -q "^203.0.113.0/24 via 198.51.100.2 dev v0" <<<"$out"
check_eq "batch applied" "$(ip -n "$NS" -j addr show dev v0 | jq -c '[.[0].mtu, ([.[0].addr_info[] | select(.scope=="global") | .local] | sort)]')" \
	'[1400,["198.51.100.1","fd00:7::1"]]'

# A failing line reports FILE:LINE and stops the batch there.
cat >"$TW_TMP/bad.batch" <<'B'
link set v1 mtu 1300
addr add 198.51.100.9/24 dev v1
addr add 198.51.100.300/24 dev v1
link set v1 mtu 1200
B
out=$(t -b "$TW_TMP/bad.batch" 2>&1); rc=$?
# exit 2 means "nothing was done": after two lines ran, a bad third is exit 1
check_eq "bad batch exit" "$rc" 1
check_eq "bad batch message" "$out" \
	"$TW_TMP/bad.batch:3: Error: argument \"198.51.100.300/24\" is wrong: \"198.51.100.300\" is not an IPv4 address
Error: $TW_TMP/bad.batch: stopped at line 3; 2 commands before it ran (-force goes on past errors)"
check_eq "lines before ran, the line after did not" "$(ip -n "$NS" -j link show v1 | jq '.[0].mtu')" 1300
cat >"$TW_TMP/fail.batch" <<'B'
link set v1 mtu 1250
link set nosuch0 up
link set v1 mtu 1200
B
out=$(t -b "$TW_TMP/fail.batch" 2>&1); rc=$?
check_eq "failing batch exit" "$rc" 1
check_eq "failing batch message" "$out" "$TW_TMP/fail.batch:2: Error: cannot find device \"nosuch0\"
Error: $TW_TMP/fail.batch: stopped at line 2; 1 command before it ran (-force goes on past errors)"
check_eq "stopped at the failure" "$(ip -n "$NS" -j link show v1 | jq '.[0].mtu')" 1250
# a bad first line: nothing was done, exit 2, no summary
printf 'link set v1 mtu 99999999999\nlink set v1 mtu 1240\n' >"$TW_TMP/first.batch"
out=$(t -b "$TW_TMP/first.batch" 2>&1); rc=$?
check_eq "a batch refused at its first line: exit 2" "$rc" 2
check_eq "... one message" "$(wc -l <<<"$out")" 1
# -force (ip's): every line runs, the failures are counted, exit 1
cat >"$TW_TMP/force.batch" <<'B'
link set v1 mtu 1230
link set nosuch0 up
addr add 198.51.100.300/24 dev v1
link set v1 mtu 1220
B
out=$(t -force -b "$TW_TMP/force.batch" 2>&1); rc=$?
check_eq "-force batch exit" "$rc" 1
check_eq "-force batch messages" "$out" "$TW_TMP/force.batch:2: Error: cannot find device \"nosuch0\"
$TW_TMP/force.batch:3: Error: argument \"198.51.100.300/24\" is wrong: \"198.51.100.300\" is not an IPv4 address
Error: $TW_TMP/force.batch: 2 commands failed, the first at line 2; 2 ran"
check_eq "-force ran the lines after the failures" "$(ip -n "$NS" -j link show v1 | jq '.[0].mtu')" 1220
# standard input, for -b and for apply
out=$(printf 'link set v1 mtu 1250\n' | t -b - 2>&1); rc=$?
check_eq "-b - reads standard input" "$rc:$(ip -n "$NS" -j link show v1 | jq '.[0].mtu')" 0:1250
out=$(printf 'link set v1 mtu 1260\nlink set nosuch0 up\n' | t -b - 2>&1)
check "... and names it <stdin> in messages: $out" grep -q '^<stdin>:2: Error: cannot find device "nosuch0"' <<<"$out"

# JSON: parses, and has the documented keys.
t link set v0 master br0
keys() { jq -c "[.[] | select($1)][0] | keys_unsorted"; }
check_eq "link show keys" "$(t -j link show | keys '.ifname=="v0"')" \
	'["ifindex","ifname","link","flags","mtu","qdisc","master","operstate","txqlen","link_type","address","broadcast","kind"]'
check_eq "link show -d adds stats64" "$(t -j -d link show v0 | jq -c '.[0].stats64 | [keys_unsorted, (.rx|keys_unsorted), (.tx|keys_unsorted)]')" \
	'[["rx","tx"],["bytes","packets","errors","dropped","multicast"],["bytes","packets","errors","dropped","collisions"]]'
check_eq "addr show keys" "$(t -j addr show dev v0 | jq -c '.[0] | keys_unsorted')" \
	'["ifindex","ifname","link","flags","mtu","qdisc","master","operstate","addr_info"]'
check_eq "addr_info keys (IPv4)" "$(t -j addr show dev v0 | jq -c '.[0].addr_info[] | select(.family=="inet") | keys_unsorted')" \
	'["family","local","prefixlen","broadcast","scope","flags","label","valid_life_time","preferred_life_time"]'
check_eq "addr_info keys (IPv6)" "$(t -j addr show dev v0 | jq -c '[.[0].addr_info[] | select(.family=="inet6" and .scope=="global")][0] | keys_unsorted')" \
	'["family","local","prefixlen","scope","flags","valid_life_time","preferred_life_time"]'
check_eq "route keys (via)" "$(t -j route show | keys '.gateway')" \
	'["type","dst","family","gateway","dev","protocol","scope","metric","flags"]'
check_eq "route keys (kernel, with prefsrc)" "$(t -j route show | keys '.prefsrc')" \
	'["type","dst","family","dev","protocol","scope","prefsrc","metric","flags"]'
check "pretty JSON parses too" bash -c "'$TAPWIRE' -n '$NS' -j -p addr show | jq -e 'length >= 3' >/dev/null"

# help at every level comes from the tables, and exits 0.
for words in "link help" "addr help" "route help" "link set help" "addr add help" "route show help"; do
	# shellcheck disable=SC2086
	check "help: $words" bash -c "'$TAPWIRE' $words | grep -q '^\(Usage: \)\?tapwire ${words%% *}'"
done

# Hostile input: each is refused with exit 2 (usage) or 1 (the system said
# no), names the bad word, and leaves the namespace exactly as it was.
before=$(snapshot "$NS")
reject() { # rc word args...
	local want=$1 word=$2 out rc; shift 2
	out=$(t "$@" 2>&1); rc=$?
	if [ "$rc" = "$want" ] && [[ "$out" == Error:* ]] && grep -qF -- "$word" <<<"$out"; then
		ok "refused ($rc): $*"
	else
		fail "tapwire $*: exit $rc (want $want), said: $out"
	fi
}
reject 2 1234567890123456 link set 1234567890123456 up
reject 2 a/b link set a/b up
reject 2 '""' link set "" up
reject 2 'a b' link set "a b" up
reject 2 .. link set .. up
reject 2 nothing link set v0
reject 2 mtu link set v0 mtu
reject 2 abc link set v0 mtu abc
reject 2 0 link set v0 mtu 0
reject 2 99999999999 link set v0 mtu 99999999999
reject 2 down link set v0 up down
reject 2 Up link set v0 Up
reject 2 mt link set v0 mt 1400
reject 2 zz link set v0 up address zz
reject 2 1234567890123456 link set v0 name 1234567890123456
reject 2 x/y link set v0 master x/y
reject 2 bogus link set v0 mtu 1300 bogus
reject 2 198.51.100.300/24 addr add 198.51.100.300/24 dev v0
reject 2 198.51.100.1/33 addr add 198.51.100.1/33 dev v0
reject 2 fd00::/129 addr add fd00::/129 dev v0
reject 2 garbage addr add garbage dev v0
reject 2 198.51.100.1 addr add 198.51.100.1 dev v0
reject 2 dev addr add 198.51.100.1/24
reject 2 dev addr add 198.51.100.1/24 dev
reject 2 v1 addr add 198.51.100.1/24 dev v0 dev v1
reject 2 brd addr add 198.51.100.1/24 dev v0 brd
reject 2 198.51.100.300/24 addr del 198.51.100.300/24 dev v0
reject 2 x addr show dev v0 x
reject 2 203.0.113.1/24 route add 203.0.113.1/24 dev v0
reject 2 default route add default
reject 2 198.51.100.256 route add 203.0.113.0/24 via 198.51.100.256
reject 2 203.0.113.0/24 route add 203.0.113.0/24 via fd00::1
reject 2 table route add 203.0.113.0/24 dev v0 table 5
reject 2 0 route add 203.0.113.0/24 dev v0 metric 0
reject 2 foo route show foo
reject 2 frobnicate link frobnicate
reject 2 sh link sh
reject 2 --bogus --bogus link show
# well-formed, but the system refuses: exit 1
reject 1 nosuch0 link set nosuch0 up
reject 1 nosuch0 link show nosuch0
reject 1 nosuch0 link set v0 master nosuch0
reject 1 "mtu less than device minimum" link set v0 mtu 10
reject 1 "invalid address length 5 for \"v0\": it takes 6 bytes" link set v0 address 02:00:5e:00:53
reject 1 nosuch0 addr add 198.51.100.1/24 dev nosuch0
reject 1 198.51.100.1/24 addr add 198.51.100.1/24 dev v0
reject 1 198.51.100.77/24 addr del 198.51.100.77/24 dev v0
reject 1 nosuch0 addr show dev nosuch0
reject 1 "Nexthop has invalid gateway" route add 203.0.113.128/25 via 192.0.2.1 dev v0
reject 1 203.0.113.0/24 route add 203.0.113.0/24 via 198.51.100.2 dev v0
reject 1 192.0.2.0/24 route del 192.0.2.0/24
reject 1 nosuch0 route show dev nosuch0
check_eq "namespace unchanged by every refusal" "$(snapshot "$NS")" "$before"

finish
