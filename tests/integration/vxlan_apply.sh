# `tapwire apply` declaring an overlay (issue 30): a [vxlan NAME] section
# makes the TAP and runs tapwire-vxlan on it, as a bridge port, against the
# kernel's vxlan in another namespace. Applied again: nothing to change;
# with another VNI: the daemon is restarted with it (and pings follow);
# `tapwire down` stops it and removes the TAP and its control socket. A
# later failing line rolls the started daemon back. Bad sections are
# refused before anything is done (exit 2, the line named).
TW_TEST_TIMEOUT=90
. "$TW_TESTS/lib.sh"
needs ping ethtool
export TAPWIRE_VXLAN="$TW_BUILD/vxlan/tapwire-vxlan"

ns_new NA
ns_new NB
VXB="tva$$"
ip link add ua$$ netns "$NA" type veth peer name ub$$ netns "$NB"
ip -n "$NA" addr add 198.51.100.1/24 dev ua$$
ip -n "$NB" addr add 198.51.100.2/24 dev ub$$
ip -n "$NA" link set ua$$ up
ip -n "$NB" link set ub$$ up
link_up_wait "$NA" ua$$ && link_up_wait "$NB" ub$$ || die "underlay not up"
nsx "$NA" ethtool -K ua$$ tx off >/dev/null
for id in 42 43; do
	ip -n "$NA" link add vx$id type vxlan id $id dstport 4789 local 198.51.100.1 remote 198.51.100.2
	ip -n "$NA" link set vx$id up
done
ip -n "$NA" addr add 192.0.2.1/25 dev vx42
ip -n "$NA" addr add 192.0.2.129/25 dev vx43

F="$TW_TMP/overlay.conf"
write() { # VNI ADDRESS
	cat >"$F" <<CONF
[bridge br$$]
address = $2

[vxlan $VXB]
vni = $1
remote = 198.51.100.1
learning = on

[port $VXB]
bridge = br$$
CONF
}
write 42 192.0.2.2/25
out=$(nsx "$NB" "$TAPWIRE" apply "$F" 2>&1)
check_eq "apply: exit 0" "$?" 0 || log "$out"
check "apply said it started the daemon" grep -q "^started tapwire-vxlan on $VXB\$" <<<"$out"
check "B -> A across the declared overlay" wait_for 10 nsx "$NB" ping -c1 -W1 192.0.2.1
pid=$(nsx "$NB" "$TAPWIRE" -j vxlan show "$VXB" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["pid"])')
[ -n "$pid" ] && _tw_pids+=("$pid")
check_eq "applied again: nothing to change" "$(nsx "$NB" "$TAPWIRE" apply "$F" 2>&1)" "nothing to change"
pid2=$(nsx "$NB" "$TAPWIRE" -j vxlan show "$VXB" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["pid"])')
check_eq "... the same daemon" "$pid2" "$pid"

write 43 192.0.2.130/25
out=$(nsx "$NB" "$TAPWIRE" apply "$F" 2>&1)
check "another VNI: the daemon restarted" grep -q "^restarted tapwire-vxlan on $VXB\$" <<<"$out"
pid3=$(nsx "$NB" "$TAPWIRE" -j vxlan show "$VXB" | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(d["pid"], d["vni"])')
_tw_pids+=("${pid3% *}")
check_eq "... a new daemon, VNI 43" "${pid3#* }" 43
check "B -> A over VNI 43" wait_for 10 nsx "$NB" ping -c1 -W1 192.0.2.129

out=$(nsx "$NB" "$TAPWIRE" down "$F" 2>&1)
check_eq "down: exit 0" "$?" 0 || log "$out"
check "down stopped the daemon" grep -q "^stopped tapwire-vxlan on $VXB\$" <<<"$out"
check "its TAP is gone" sh -c "! ip -n $NB link show $VXB 2>/dev/null"
check "its control socket is gone" test ! -e "/run/tapwire-vxlan/$VXB.sock"

# rollback: a route through a gateway no address reaches fails after the daemon started
write 42 192.0.2.2/25
printf '\n[link lo]\nroute = 203.0.113.0/24 via 198.51.99.1\n' >>"$F"
out=$(nsx "$NB" "$TAPWIRE" apply "$F" 2>&1)
check_eq "a failing route: exit 1" "$?" 1
check "... the started daemon is rolled back" grep -q "^undone: stopped tapwire-vxlan on $VXB\$" <<<"$out"
check "... and nothing is left" sh -c "! ip -n $NB link show $VXB 2>/dev/null && test ! -e /run/tapwire-vxlan/$VXB.sock"

# bad sections: refused whole, the line named
bad() { # WHAT EXPECTED_MESSAGE TEXT
	printf '%b' "$3" >"$F"
	out=$(nsx "$NB" "$TAPWIRE" apply "$F" 2>&1)
	check_eq "$1: exit 2" "$?" 2
	check "$1: \"$2\"" grep -qF "$2" <<<"$out"
}
bad "no vni" ":1: [vxlan $VXB] needs \"vni = N\"" "[vxlan $VXB]\nremote = 198.51.100.1\n"
bad "nowhere to send" "sends nowhere" "[vxlan $VXB]\nvni = 1\n"
bad "a multicast remote" ":3: \"remote\" must be a unicast address" "[vxlan $VXB]\nvni = 1\nremote = 239.1.1.1\n"
bad "a VNI too large" "from 0 to 16777215" "[vxlan $VXB]\nvni = 16777216\nremote = 198.51.100.1\n"
bad "a group without its device" "group = 239.1.1.1 eth0" "[vxlan $VXB]\nvni = 1\ngroup = 239.1.1.1\n"
check "nothing was made by the refused files" sh -c "! ip -n $NB link show $VXB 2>/dev/null"
finish
