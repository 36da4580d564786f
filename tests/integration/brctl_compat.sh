# The brctl personality against Debian's bridge-utils 1.7.1, byte for byte:
# the same command sequence (successes and every kind of error) runs with
# the real brctl in one namespace and with tapwire-as-brctl in an identical
# one; stdout, stderr and exit code must match at every step (live timer
# values masked), and the two namespaces must end in the same state. Then
# both tools read the same bridges, with learned and static fdb entries.
TW_TEST_TIMEOUT=90
. "$TW_TESTS/lib.sh"
needs jq bridge
[ -x /usr/sbin/brctl ] || needs brctl-from-bridge-utils

mkdir -p "$TW_TMP/real" "$TW_TMP/ours"
ln -s /usr/sbin/brctl "$TW_TMP/real/brctl"
ln -s "$TAPWIRE" "$TW_TMP/ours/brctl"

ns_new NR
ns_new NO
for ns in "$NR" "$NO"; do
	for i in 0 1 2; do
		nsx "$ns" ip link add "e$i" address "02:00:00:00:00:0$((i + 1))" type veth peer name "p$i" \
			address "02:00:00:00:01:0$((i + 1))"
	done
done

# Timers tick: mask values on lines that name a timer, and showmacs' last column.
mask() { sed -E '/timer/ s/\t *[0-9]+\.[0-9]{2}(\t|$)/\tT\1/g; s/\t *[0-9]+\.[0-9]{2}$/\tT/'; }
# run NS DIR ARGS...: one brctl call, as "rc / stdout / stderr"
run() {
	local ns=$1 dir=$2 rc; shift 2
	nsx "$ns" env PATH="$dir:$PATH" brctl "$@" >"$TW_TMP/out" 2>"$TW_TMP/err"
	rc=$?
	printf 'rc=%s\n' "$rc"; mask <"$TW_TMP/out"; echo "--- stderr"; cat "$TW_TMP/err"
}
# both ARGS...: the same call in both namespaces, compared
both() {
	local r o
	r=$(run "$NR" "$TW_TMP/real" "$@")
	o=$(run "$NO" "$TW_TMP/ours" "$@")
	if [ "$r" == "$o" ]; then
		ok "brctl $*"
	else
		fail "brctl $*"
		diff <(echo "$r") <(echo "$o") | head -20 >&2
	fi
}
ipboth() { nsx "$NR" ip "$@"; nsx "$NO" ip "$@"; }

both
both -h
both --help
both -x
both foo
both addbr
both addbr br0
both addbr br0
both addbr br1
both addbr 'a b'
both addbr ''
both addbr toolongname123456
both show
both delbr toolongname123456
both addif br0 e0
both addif br0 e1
both addif br0 nope
both addif nope e0
both addif br1 e0
both addif br0 br1
both addif br0 lo
both addif e2 p2
both delif br0 nope
both delif nope e1
both delif br1 e1
both delif e2 p2
both stp br0 on
both stp br0 maybe
both stp nope on
both stp e2 on
both setfd br0 4
both setfd br0 abc
both setfd br0 100
both setfd br0 -1
both setfd br0
both setfd nope 4
both setfd e2 4
both sethello br0 1.5
both sethello br0 0.5
both sethello br0 x
both setmaxage br0 12
both setmaxage br0 x
both setmaxage br0 1
both setageing br0 45.2
both setageing br0 x
both setbridgeprio br0 4096
both setbridgeprio br0 x
both setbridgeprio br1 12abc
both setbridgeprio nope 1
both setpathcost br0 e0 77
both setpathcost br0 e0 0
both setpathcost br0 e0 99999999999
both setpathcost br0 e0 x
both setpathcost br0 nope 3
both setpathcost br0 e2 3
both setportprio br0 e0 12
both setportprio br0 e0 64
both setportprio br0 e0 x
both setportprio br0 e2 1
both hairpin br0 e1 on
both hairpin br0 e1 maybe
both hairpin br0 e2 on
both hairpin nope e1 on
both hairpin br0 nope on
both hairpin e2 p2 on
both show
both show br0
both show nope
both show e2
both show br1 nope br0
both showstp br0
both showstp br1
both showstp nope
both showstp e2
both showmacs br0
both showmacs nope
both showmacs e2
ipboth link set br1 up
both delbr br1
ipboth link set br1 down
both delbr br1
both delbr nope
both delbr e2
both delif br0 e0
both show

# the two namespaces hold the same bridges, options and ports
state() {
	nsx "$1" ip -d -j link show | jq -c '[.[] | {ifname, address, master, flags,
		kind: .linkinfo.info_kind, slave: .linkinfo.info_slave_kind,
		data: (.linkinfo.info_data // {} | with_entries(select(.key | test("timer") | not))),
		sdata: (.linkinfo.info_slave_data // {} | with_entries(select(.key | test("timer|^id$|^no$") | not)))}]'
}
check_eq "same final state (ip -d -j link)" "$(state "$NO")" "$(state "$NR")"

# both tools read the same live bridge: learned, static and local entries, hairpin, STP on
ns_new PEER
nsx "$NO" ip link set p0 netns "$PEER"
nsx "$NO" ip link set e0 up
nsx "$NO" ip link set e1 up
nsx "$NO" ip link set br0 up
nsx "$NO" ip addr add 198.51.100.1/24 dev br0
nsx "$NO" brctl addif br0 e0 2>/dev/null || nsx "$NO" ip link set e0 master br0
nsx "$NO" bridge fdb add 02:00:00:00:0e:01 dev e1 master static
nsx "$PEER" ip link set p0 up
nsx "$PEER" ip addr add 198.51.100.2/24 dev p0
wait_for 40 nsx "$PEER" ping -c1 -W1 198.51.100.1 || log "peer never answered (STP forward delay)"
same() {
	local r o
	r=$(run "$NO" "$TW_TMP/real" "$@")
	o=$(run "$NO" "$TW_TMP/ours" "$@")
	if [ "$r" == "$o" ]; then ok "same bridge: brctl $*"; else
		fail "same bridge: brctl $*"; diff <(echo "$r") <(echo "$o") | head -20 >&2; fi
}
same show
same showstp br0
same showmacs br0
check "a learned entry is listed" grep -q '02:00:00:00:01:01' <(run "$NO" "$TW_TMP/ours" showmacs br0)
finish
