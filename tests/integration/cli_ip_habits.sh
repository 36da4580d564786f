#!/usr/bin/env bash
# The CLI as iproute2, wg and bridge-utils users type it:
#  - help at every level of every program, as "help", "--help" and "-h", the
#    same text each way, exit 0, compared with tests/golden/help.txt;
#  - a bare object lists (as `ip link`), list/lst/ls are show, delete is del,
#    `addr show NAME` works; what is listed is what `ip` lists;
#  - each message a user meets for a bad prefix, a name template, brd, a
#    batch that stops part-way or runs with -force, apply on standard input,
#    compared with tests/golden/cli_messages.txt (exit codes included);
#  - bridge stp and forward_delay, every order of the words, on add and set:
#    what was asked, or a refusal before any change.
# TW_GOLDEN_UPDATE=1 rewrites the golden files from this build.
. "$TW_TESTS/lib.sh"
needs ip jq

WG=$TW_BUILD/wg/tapwire-wg
HOST=$TW_BUILD/host/tapwire-host
HELPER=$TW_BUILD/helper/tapwire-bridge-helper

# golden NAME GOT: compares GOT with tests/golden/NAME (or rewrites it).
golden() {
	local file="$TW_TESTS/golden/$1"
	if [ -n "${TW_GOLDEN_UPDATE:-}" ]; then
		printf '%s\n' "$2" >"$file"
		ok "$1 rewritten"
		return
	fi
	if diff -u "$file" <(printf '%s\n' "$2") >"$TW_TMP/diff"; then
		ok "$1 matches"
	else
		fail "$1 differs:"
		cat "$TW_TMP/diff" >&2
	fi
}

# ---- help at every level ---------------------------------------------
# same_help WORDS...: "help", "--help" and "-h" after WORDS give one text,
# on standard output, with exit 0; prints it under a "$ tapwire WORDS --help"
# header for the golden file.
same_help() {
	local h rc first="" out
	for h in help --help -h; do
		out=$("$TAPWIRE" "$@" "$h" 2>&1)
		rc=$?
		[ "$rc" = 0 ] || fail "tapwire $* $h: exit $rc"
		if [ -z "$first" ]; then
			first=$out
		elif [ "$out" != "$first" ]; then
			fail "tapwire $* $h differs from tapwire $* help"
		fi
	done
	[ -n "$first" ] || fail "tapwire $* help: no output"
	printf '$ %s --help\n%s\n' "tapwire${*:+ $*}" "$first"
}
objects=$("$TAPWIRE" help | awk '$1 == "tapwire" && $2 ~ /^[a-z]+$/ && NF > 2 { print $2 }')
check "tapwire help lists the objects" test -n "$objects"
help_all=$(
	same_help
	for o in $objects; do
		same_help "$o"
		# commands: the object's help lines "tapwire OBJ CMD ..."
		for cmd in $("$TAPWIRE" "$o" help | awk -v o="$o" '$1 == "tapwire" && $2 == o { print $3 }' | sort -u); do
			[ "$cmd" = help ] && continue
			if "$TAPWIRE" "$o" "$cmd" help | grep -q "^Usage: tapwire $o $cmd"; then
				same_help "$o" "$cmd"
			else # a nested object (bridge port)
				same_help "$o" "$cmd"
				for sub in $("$TAPWIRE" "$o" "$cmd" help | awk -v o="$o" -v c="$cmd" '$1 == "tapwire" && $2 == o && $3 == c { print $4 }' | sort -u); do
					same_help "$o" "$cmd" "$sub"
				done
			fi
		done
	done
	# and after a whole command line, as ip users add it
	same_help tuntap add tap0 mode tap
	same_help link set dev tap0 up
	for p in "$WG" "$HOST" "$HELPER"; do
		name=$(basename "$p")
		for h in --help -h; do
			out=$("$p" "$h" 2>&1)
			rc=$?
			[ "$rc" = 0 ] || fail "$name $h: exit $rc"
			[ "$h" = --help ] && printf '$ %s --help\n%s\n' "$name" "${out//$p/$name}"
			[ "$h" = -h ] && [ "$out" != "$(cat "$TW_TMP/$name.help" 2>/dev/null)" ] &&
				fail "$name -h differs from --help"
			printf '%s' "$out" >"$TW_TMP/$name.help"
		done
	done
)
golden help.txt "$help_all"
check "every object has help" bash -c "[ $(grep -c '^\$ tapwire [a-z]* --help$' <<<"$help_all") -ge 7 ]"

# ---- listings, as ip lists -----------------------------------------------
ns_new NS
ip -n "$NS" link add v0 type veth peer name v1
ip -n "$NS" link add br0 type bridge
ip -n "$NS" addr add 198.51.100.1/24 dev v0
ip -n "$NS" link set v0 up
t() { "$TAPWIRE" -n "$NS" "$@"; }
names() { grep -oE '^[0-9]+: [^:@]+' | awk '{ print $2 }'; }
for o in link addr route tuntap bridge; do
	check_eq "bare \"tapwire $o\" is \"tapwire $o show\"" "$(t "$o" 2>&1; echo "rc=$?")" "$(t "$o" show 2>&1; echo "rc=$?")"
	for alias in list lst ls; do
		check_eq "tapwire $o $alias is show" "$(t "$o" "$alias" 2>&1; echo "rc=$?")" "$(t "$o" show 2>&1; echo "rc=$?")"
	done
done
check_eq "tapwire link lists what ip link lists" "$(t link | names)" "$(ip -n "$NS" link | names)"
check_eq "tapwire addr lists the links ip addr lists" "$(t addr | names)" "$(ip -n "$NS" addr | names)"
check_eq "addr show NAME = addr show dev NAME" "$(t addr show v0)" "$(t addr show dev v0)"
check_eq "addr show NAME: as ip's, the link's addresses" \
	"$(t -j addr show v0 | jq -c '[.[0].ifname, [.[0].addr_info[] | select(.family == "inet") | .local]]')" \
	"$(ip -n "$NS" -j addr show v0 | jq -c '[.[0].ifname, [.[0].addr_info[] | select(.family == "inet") | .local]]')"
# brd +: what ip gives, tapwire gives (ip on v0, tapwire on v1)
ip -n "$NS" addr add 203.0.113.65/26 brd + dev v0
t addr add 203.0.113.129/26 brd + dev v1
check_eq "brd + gives ip's broadcast" \
	"$(t -j addr show v1 | jq -r '.[0].addr_info[] | select(.local == "203.0.113.129") | .broadcast')" "203.0.113.191"
check_eq "... as ip's own brd + does" \
	"$(ip -n "$NS" -j addr show v0 | jq -r '.[0].addr_info[] | select(.local == "203.0.113.65") | .broadcast')" "203.0.113.127"
t tuntap add tdel0 mode tap >/dev/null
check "tuntap delete (ip's word) deletes" t tuntap delete tdel0
check "... it is gone" sh -c "! ip -n $NS link show tdel0 2>/dev/null"

# ---- messages -------------------------------------------------------------
printf 'link set v1 mtu 1300\naddr add 198.51.100.9/24 dev v1\naddr add 198.51.100.300/24 dev v1\n' >"$TW_TMP/stop.batch"
printf 'link set v1 mtu 1290\nlink set nosuch0 up\naddr add 198.51.100.1/33 dev v1\nlink set v1 mtu 1280\n' >"$TW_TMP/force.batch"
printf '[tap ta0]\nvnet_hdr = on\n' >"$TW_TMP/ta0.conf"
# (paths are shown as BATCH/ in the golden file)
msgs=$(
	cd "$TW_TMP" || exit 1
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		printf '$ tapwire %s\n' "$line"
		eval "\"\$TAPWIRE\" -n \"\$NS\" $line" 2>&1
		printf '[exit %d]\n' "$?"
	done <<'CMDS'
addr add 198.51.100.300/24 dev v0
addr add 198.51.100.1/33 dev v0
addr add fd00::1/129 dev v0
addr add 198.51.100.1/ dev v0
addr add 198.51.100.1/x dev v0
addr add fd00::g/64 dev v0
route add 203.0.113.0/40 dev v0
route add 203.0.113.1/24 dev v0
addr add 198.51.100.2/24 dev v0 brd +
addr add 198.51.100.3/24 broadcast 198.51.100.255 dev v0
addr add 198.51.100.4/24 dev v0 brd 198.51.100.0
addr add fd00::4/64 dev v0 brd +
addr add 198.51.100.5/24 dev v0 brd
tuntap add 'x%d%d' mode tap
tuntap add 'x%s' mode tap
tuntap add x% mode tun
tuntap --help add
link set --help
apply --help
-b stop.batch
-force -b force.batch
-b - <stop.batch
apply - <ta0.conf
apply ta0.conf
tuntap del ta0
tuntap add ta0 mode tap
apply ta0.conf
tuntap add ta1 mode tun
tuntap add ta1 mode tap
CMDS
)
golden cli_messages.txt "$msgs"

# ---- bridge stp and forward_delay, every order ------------------------------
# (add) stp on with a forward_delay under 2 s is refused in either order and
# makes nothing; stp on with 3 s gives 3 s, either order; stp off with 1 s
# gives 1 s.
fd() { ip -n "$NS" -j -d link show "$1" | jq -r '.[0].linkinfo.info_data.forward_delay'; }
stp() { ip -n "$NS" -j -d link show "$1" | jq -r '.[0].linkinfo.info_data.stp_state'; }
n=0
for words in "stp on forward_delay 1" "forward_delay 1 stp on"; do
	n=$((n + 1))
	out=$(t bridge add "bs$n" $words 2>&1)
	rc=$?
	check_eq "bridge add bs$n $words: refused" "$rc" 2
	check "... saying why: $out" grep -q 'must be from 2 to 30 seconds when stp is on' <<<"$out"
	check "... and made nothing" sh -c "! ip -n $NS link show bs$n 2>/dev/null"
done
for words in "stp on forward_delay 3" "forward_delay 3 stp on" "stp off forward_delay 1" "forward_delay 1 stp off"; do
	n=$((n + 1))
	t bridge add "bs$n" $words
	want_fd=$(awk '{ for (i = 1; i < NF; i++) if ($i == "forward_delay") print $(i + 1) * 100 }' <<<"$words")
	want_stp=$(grep -q 'stp on' <<<"$words" && echo 1 || echo 0)
	check_eq "bridge add bs$n $words: what was asked" "$(stp "bs$n"):$(fd "bs$n")" "$want_stp:$want_fd"
done
# (set) from STP on at 3 s: off with 1 s in either order works (STP goes
# off first); on again keeps a valid value; a short one with STP on is
# refused, the bridge unchanged; turning STP on where forward_delay is
# under 2 s without giving one is refused rather than silently clamped.
for words in "stp off forward_delay 1" "forward_delay 1 stp off"; do
	t bridge set bs3 stp on forward_delay 3
	check "bridge set bs3 $words (from stp on)" t bridge set bs3 $words
	check_eq "... gives stp off, forward_delay 1 s" "$(stp bs3):$(fd bs3)" "0:100"
done
check "bridge set bs3 forward_delay 4 stp on" t bridge set bs3 forward_delay 4 stp on
check_eq "... gives stp on, 4 s" "$(stp bs3):$(fd bs3)" "1:400"
for words in "forward_delay 1" "stp on forward_delay 1" "forward_delay 1 stp on" "forward_delay 31"; do
	out=$(t bridge set bs3 $words 2>&1)
	check_eq "bridge set bs3 $words (stp on): refused" "$?" 2
	check_eq "... bridge unchanged" "$(stp bs3):$(fd bs3)" "1:400"
done
t bridge set bs3 stp off forward_delay 0.5
out=$(t bridge set bs3 stp on 2>&1)
check_eq "stp on over forward_delay 0.5 s: refused, not clamped" "$?" 2
check "... saying what to give: $out" grep -q 'give forward_delay too' <<<"$out"
check_eq "... bridge unchanged" "$(stp bs3):$(fd bs3)" "0:50"

finish
