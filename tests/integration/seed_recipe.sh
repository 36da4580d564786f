# The recipe of seeds/000 (bridge-utils + uml-utilities for a QEMU TAP):
# its brctl and tunctl lines are taken from the seed text and run unchanged,
# once with tapwire's personalities first on PATH and once with Debian's
# real /usr/sbin/brctl and /usr/bin/tunctl, each in its own namespace where
# a veth called eth0 stands in for the physical NIC. Its ifconfig lines
# become their `ip` equivalents; dhclient is skipped. Every step must print
# the same and exit the same, and both namespaces must end in the same state.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
needs jq
[ -x /usr/sbin/brctl ] && [ -x /usr/bin/tunctl ] || needs bridge-utils-and-uml-utilities

# The recipe's lines are kept in tests/golden (the seed text itself is not
# part of the repository); where the seeds are at hand, the copy must match.
golden="$TW_TESTS/golden/seed_000_recipe.txt"
seed=$(ls "$TW_SRC"/../shared/seeds/000_*.txt "$TW_SRC"/../../shared/seeds/000_*.txt 2>/dev/null | head -1)
recipe_lines() { grep -E '^(ifconfig|brctl|tunctl|dhclient) ' "$1"; }
if [ -n "$seed" ]; then
	check_eq "golden copy matches the seed" "$(recipe_lines "$seed")" "$(cat "$golden")"
fi

# The command lines, in order, without the trailing "# ..." comment;
# <你的网卡名称> ("your NIC") is eth0.
mapfile -t recipe < <(recipe_lines "$golden" | sed -E 's/[[:space:]]+#.*$//; s/<[^>]*>/eth0/g')
check "the recipe has its brctl and tunctl lines" test "${#recipe[@]}" -ge 14
check "the recipe creates tap0 with tunctl" grep -qx 'tunctl -t tap0 -u root' <(printf '%s\n' "${recipe[@]}")

mkdir -p "$TW_TMP/ours" "$TW_TMP/real"
ln -s "$TAPWIRE" "$TW_TMP/ours/brctl"
ln -s "$TAPWIRE" "$TW_TMP/ours/tunctl"
ln -s /usr/sbin/brctl "$TW_TMP/real/brctl"
ln -s /usr/bin/tunctl "$TW_TMP/real/tunctl"

# ifconfig → ip, for the lines of the recipe that use it
ifconfig_as_ip() { # IF [0.0.0.0] [promisc] up|down
	local dev=$1 w
	shift
	for w in "$@"; do
		case $w in
		0.0.0.0) ip addr flush dev "$dev" ;;
		promisc) ip link set "$dev" promisc on ;;
		up) ip link set "$dev" up ;;
		down) ip link set "$dev" down ;;
		*) echo "unexpected ifconfig word $w" >&2; return 1 ;;
		esac
	done
}

# play NS DIR: runs the recipe in NS with DIR first on PATH; prints a transcript
play() {
	local ns=$1 dir=$2 line rc
	for line in "${recipe[@]}"; do
		echo "\$ $line"
		case $line in
		ifconfig*) nsx "$ns" bash -c "$(declare -f ifconfig_as_ip); ifconfig_as_ip ${line#ifconfig }" 2>&1 ;;
		dhclient*) echo "(skipped)" ;;
		*) nsx "$ns" env PATH="$dir:$PATH" bash -c "$line" 2>&1 ;;
		esac
		rc=$?
		echo "rc=$rc"
	done | sed -E '/timer/ s/\t *[0-9]+\.[0-9]{2}(\t|$)/\tT\1/g'
}

ns_new NO
ns_new NR
for ns in "$NO" "$NR"; do
	nsx "$ns" ip link add eth0 address 02:00:00:00:00:01 type veth peer name wire \
		address 02:00:00:00:00:02
done
ours=$(play "$NO" "$TW_TMP/ours")
real=$(play "$NR" "$TW_TMP/real")
echo "$ours" >"$TW_TMP/ours.txt"
echo "$real" >"$TW_TMP/real.txt"
if [ "$ours" == "$real" ]; then ok "same transcript, step by step"; else
	fail "transcripts differ"; diff "$TW_TMP/real.txt" "$TW_TMP/ours.txt" | head -40 >&2; fi
check "the transcript shows the bridge" grep -q $'^br0\t\t8000.020000000001\tno\t\teth0' "$TW_TMP/ours.txt"
check "every step succeeded" bash -c "! grep -v '^rc=0$' <(grep '^rc=' '$TW_TMP/ours.txt')"

# The same state: links, bridge options, ports; tap0's random MAC aside.
state() {
	nsx "$1" ip -d -j link show | jq -S -c '[.[] | {ifname, master, flags, promiscuity, mtu,
		address: (if .ifname == "tap0" then "random" else .address end),
		kind: .linkinfo.info_kind,
		data: (.linkinfo.info_data // {} | with_entries(select(.key | test("timer") | not))),
		sdata: (.linkinfo.info_slave_data // {} | with_entries(select(.key | test("timer") | not)))}]'
	nsx "$1" /usr/sbin/brctl showstp br0 | sed -E '/timer/ s/\t *[0-9]+\.[0-9]{2}(\t|$)/\tT\1/g'
}
check_eq "same final state" "$(state "$NO")" "$(state "$NR")"
check_eq "tap0 is persistent, a tap, owned by root" \
	"$(nsx "$NO" ip -d -j link show tap0 | jq -c '.[0].linkinfo.info_data | [.type, .persist, .user]')" \
	'["tap",true,"root"]'
check_eq "bridge options from the recipe" \
	"$(nsx "$NO" ip -d -j link show br0 | jq -c '.[0].linkinfo.info_data | [.stp_state, .forward_delay, .hello_time]')" \
	"[0,100,100]"
finish
