#!/usr/bin/env bash
# The tunctl personality against Debian's uml-utilities tunctl: the same
# sequence of calls, each implementation in a namespace of its own, must give
# byte-identical stdout and stderr, the same exit codes and the same devices.
. "$TW_TESTS/lib.sh"
needs /usr/bin/tunctl jq

ns_new NS_DEB
ns_new NS_TW
mkdir -p "$TW_TMP/deb" "$TW_TMP/tw"
# Both are found through PATH under the name "tunctl", so argv[0] (which the
# usage text and getopt's messages print) is the same for both.
ln -s /usr/bin/tunctl "$TW_TMP/deb/tunctl"
ln -s "$TW_BUILD/cli/tunctl" "$TW_TMP/tw/tunctl"

# One call per line. Debian's tunctl has no -n/-p, so those lines check that
# both refuse them identically... except that tapwire accepts them: they are
# exercised separately below.
calls=(
	""
	"-t tap9"
	"-b"
	"-b -t brief0"
	"-t own0 -u 1000"
	"-t own1 -u nobody"
	"-t grp0 -g 100"
	"-t grp1 -g users"
	"-t both0 -u 1000 -g 100"
	"-t neg0 -u -1"
	"-t neg1 -u -1 -g 5"
	"-t hex0 -u 0x10"
	"-b -u 7 -t brief1"
	"-t first0 -t second0"
	"-t 12345678901234567890"
	"-d tap9"
	"-d tap9"
	"-d own0 -b"
	"-d first0 -t grp0"
	"-d lo"
	"-t bad/name"
	"-t 'a b'"
	"-u nosuchuser -t x1"
	"-g nosuchgroup -t x2"
	"-f /dev/null -t x3"
	"-f $TW_TMP/nonexistent -t x4"
	"-t x5 extra"
	"-u"
	"-t"
	"-d"
	"-x"
	"-h"
	"-t tap9 -- more"
)

run_all() { # dir ns outdir
	local dir=$1 ns=$2 out=$3 i=0 c
	mkdir -p "$out"
	for c in "${calls[@]}"; do
		eval "set -- $c"
		PATH="$dir:$PATH" nsx "$ns" tunctl "$@" >"$out/$i.out" 2>"$out/$i.err"
		echo $? >"$out/$i.rc"
		i=$((i + 1))
	done
	# The devices left behind, without what differs by nature (MAC, ifindex).
	nsx "$ns" ip -d -j link show | jq -c '[.[] | {ifname, link_type, flags,
		info: .linkinfo.info_data}] | sort_by(.ifname)' >"$out/links"
}

run_all "$TW_TMP/deb" "$NS_DEB" "$TW_TMP/out-deb"
run_all "$TW_TMP/tw" "$NS_TW" "$TW_TMP/out-tw"

for ((i = 0; i < ${#calls[@]}; i++)); do
	for f in out err rc; do
		if cmp -s "$TW_TMP/out-deb/$i.$f" "$TW_TMP/out-tw/$i.$f"; then
			ok "tunctl ${calls[$i]}: same $f"
		else
			fail "tunctl ${calls[$i]}: $f differs"
			diff "$TW_TMP/out-deb/$i.$f" "$TW_TMP/out-tw/$i.$f" >&2
		fi
	done
done
check "same devices left behind" cmp -s "$TW_TMP/out-deb/links" "$TW_TMP/out-tw/links"
check "devices were made at all" grep -q '"both0"' "$TW_TMP/out-tw/links"

# tapwire's extensions: -n makes a TUN, -p a TAP, and -d still needs the mode.
check_eq "-n creates a TUN" "$(PATH="$TW_TMP/tw:$PATH" nsx "$NS_TW" tunctl -n -t tn0)" \
	"Set 'tn0' persistent and owned by uid 0"
check_eq "tn0 is a tun" "$(nsx "$NS_TW" ip -d -j link show tn0 | jq -r '.[0].linkinfo.info_data.type')" tun
check_eq "-p creates a TAP" "$(PATH="$TW_TMP/tw:$PATH" nsx "$NS_TW" tunctl -b -p -t tp0)" tp0
check_eq "tp0 is a tap" "$(nsx "$NS_TW" ip -d -j link show tp0 | jq -r '.[0].linkinfo.info_data.type')" tap
check_eq "-n -d deletes a TUN" "$(PATH="$TW_TMP/tw:$PATH" nsx "$NS_TW" tunctl -n -d tn0)" \
	"Set 'tn0' nonpersistent"
check "tn0 gone" bash -c "! ip -n $NS_TW link show tn0 >/dev/null 2>&1"
finish
