#!/usr/bin/env bash
# The CLI and `apply` under load and abuse, in a private namespace:
#  - thousands of interfaces: 2,000 made by one `tapwire -b` (1,500 TAPs,
#    500 bridges each with a TAP as port), listed, a few hundred removed by
#    another batch (the kernel takes ~30 ms to unregister each device, with
#    ip as with tapwire, so the rest go with the namespace); 250 declared in
#    one `apply` file, applied twice (the second run changes nothing) and
#    taken down;
#  - malformed batch and apply files (a directory, /dev/zero, NUL bytes,
#    binary junk, an endless line, an unterminated quote): a clear error
#    naming file and line, the right exit code, the namespace unchanged;
#  - 20 concurrent `tapwire` invocations on the same names (add, del, addif,
#    delif races): exactly one add and one del of a name win, every loser
#    says why (exit 1, "Error: ..."), none crashes, and afterwards tapwire's
#    view agrees with iproute2's.
TW_TEST_TIMEOUT=240
TW_SETTLE=1 # thousands of devices: wait for their teardown at exit (lib.sh)
. "$TW_TESTS/lib.sh"
needs ip jq

ns_new NS
twn() { tw -n "$NS" "$@"; }
ms() { date +%s%N | cut -c1-13; }
# only what this test can make: tun/tap devices and bridges (lo stays)
made() { ip -n "$NS" -o link show | grep -vc ': lo:'; }

# --- thousands of interfaces, batch mode --------------------------------
NT=1500 NB=500
{
	for ((i = 0; i < NT; i++)); do echo "tuntap add ld$i mode tap"; done
	for ((i = 0; i < NB; i++)); do echo "bridge add lb$i"; echo "bridge addif lb$i ld$i"; done
} >"$TW_TMP/add.tw"
ND=100 # bridges, and twice as many TAPs, removed by batch
{
	for ((i = 0; i < ND; i++)); do echo "bridge del lb$i"; done
	for ((i = 0; i < 2 * ND; i++)); do echo "tuntap del ld$i"; done
} >"$TW_TMP/del.tw"
t0=$(ms)
check "batch: $((NT + NB)) interfaces made" twn -b "$TW_TMP/add.tw" >/dev/null
t1=$(ms)
check_eq "tuntap show lists $NT TAPs" "$(twn -j tuntap show | jq length)" "$NT"
check_eq "bridge show lists $NB bridges" "$(twn -j bridge show | jq length)" "$NB"
check_eq "each bridge has its one port" \
	"$(twn -j bridge show | jq '[.[] | select(.ports == ["ld" + (.ifname | ltrimstr("lb"))])] | length')" "$NB"
check_eq "iproute2 sees the same masters" \
	"$(ip -n "$NS" -j link show | jq '[.[] | select(.master != null)] | length')" "$NB"
t2=$(ms)
check "batch: $((3 * ND)) removed" twn -b "$TW_TMP/del.tw" >/dev/null
t3=$(ms)
check_eq "exactly those gone" "$(made)" $((NT + NB - 3 * ND))
check_eq "a survivor is intact" "$(twn -j bridge show lb$((2 * ND)) | jq -c '.[0].ports')" \
	"[\"ld$((2 * ND))\"]"
log "batch: $((NT + NB)) interfaces made in $((t1 - t0)) ms, $((3 * ND)) removed in $((t3 - t2)) ms"
ns_new NS # a fresh one for the rest; the old goes at exit

# --- thousands of interfaces, apply --------------------------------------
AT=200 AB=50
{
	for ((i = 0; i < AB; i++)); do
		printf '[bridge ab%d]\naddress = 198.51.100.%d/32\n\n' "$i" "$((i + 1))"
	done
	for ((i = 0; i < AT; i++)); do printf '[tap at%d]\nmtu = 1400\n\n' "$i"; done
	for ((i = 0; i < AB; i++)); do printf '[port at%d]\nbridge = ab%d\n\n' "$i" "$i"; done
} >"$TW_TMP/big.conf"
t0=$(ms)
check "apply: $((AT + AB)) interfaces" twn apply "$TW_TMP/big.conf" >/dev/null
t1=$(ms)
check_eq "apply: all there" "$(made)" "$((AT + AB))"
check_eq "apply: ports enslaved" \
	"$(ip -n "$NS" -j link show | jq '[.[] | select(.master != null)] | length')" "$AB"
before=$(snapshot "$NS")
out=$(twn apply "$TW_TMP/big.conf" 2>&1)
check_eq "apply again: exit 0" "$?" 0
check_eq "apply again: changes nothing" "$(snapshot "$NS")" "$before"
case $out in
*"nothing to change"*) ok "apply again: says nothing to change" ;;
*) fail "apply again said [$out]" ;;
esac
t2=$(ms)
check "down: removes them" twn down "$TW_TMP/big.conf" >/dev/null
t3=$(ms)
check_eq "down: nothing left" "$(made)" 0
log "apply: $((AT + AB)) interfaces in $((t1 - t0)) ms, down in $((t3 - t2)) ms"

# --- malformed files ----------------------------------------------------
twn bridge add keep0 && twn tuntap add keep1 mode tap && twn bridge addif keep0 keep1 ||
	die "setup of the malformed-file checks"
before=$(snapshot "$NS")
mkdir "$TW_TMP/dir"
printf 'bridge add mb0\nlink show "mb0\n' >"$TW_TMP/quote.tw"
printf 'bridge add mb1\x00\nbridge add mb2\n' >"$TW_TMP/nul.tw"
head -c 4096 /dev/urandom | tr -d '\n' >"$TW_TMP/junk"
{ printf 'bridge add mb3 '; head -c 70000 /dev/zero | tr '\0' x; echo; } >"$TW_TMP/long.tw"
printf '[bridge mb4]\nstp = maybe\n' >"$TW_TMP/bad.conf"
printf '[bridge mb5]\n[tap mb5]\n' >"$TW_TMP/dup.conf"

# malformed WHAT WANT_RC WANT_TEXT ARGS...: `tapwire -n NS ARGS` gives the
# exit code, a message with the expected text, and the namespace as it was.
malformed() {
	local what=$1 want=$2 text=$3 err rc
	shift 3
	err=$(timeout 20 "$TAPWIRE" -n "$NS" "$@" 2>&1 >/dev/null)
	rc=$?
	check_eq "$what: exit code" "$rc" "$want"
	case $err in
	*"$text"*) ok "$what: says \"$text\"" ;;
	*) fail "$what: message [$err] lacks [$text]" ;;
	esac
	check_eq "$what: nothing changed" "$(snapshot "$NS")" "$before"
}
malformed "batch of a directory" 1 "Is a directory" -b "$TW_TMP/dir"
malformed "batch of /dev/zero" 2 "/dev/zero:1: Error: NUL byte" -b /dev/zero
malformed "batch of a missing file" 1 "cannot open batch file" -b "$TW_TMP/none"
malformed "batch of binary junk" 2 "junk:1: Error:" -b "$TW_TMP/junk"
malformed "batch line over 64 KiB" 2 "long.tw:1: Error: line longer than" -b "$TW_TMP/long.tw"
malformed "apply of a directory" 1 "Is a directory" apply "$TW_TMP/dir"
malformed "apply of /dev/zero" 2 "larger than" apply /dev/zero
malformed "apply of binary junk" 2 "junk:1:" apply "$TW_TMP/junk"
malformed "apply with a bad value" 2 "bad.conf:2:" apply "$TW_TMP/bad.conf"
malformed "apply with a name twice" 2 "dup.conf:2:" apply "$TW_TMP/dup.conf"
malformed "down of a malformed file" 2 "bad.conf:2:" down "$TW_TMP/bad.conf"
# Batch mode runs lines in order and stops at the first bad one: the line
# before a broken one has been run (and is undone here).
check_eq "batch: unterminated quote refused" "$(twn -b "$TW_TMP/quote.tw" 2>&1 >/dev/null)" \
	"$TW_TMP/quote.tw:2: Error: unterminated quote
Error: $TW_TMP/quote.tw: stopped at line 2; 1 command before it ran (-force goes on past errors)"
check_eq "batch: NUL byte stops before its line" "$(twn -b "$TW_TMP/nul.tw" 2>&1 >/dev/null)" \
	"$TW_TMP/nul.tw:1: Error: NUL byte in the line"
check "batch: the line before the quote ran" twn bridge del mb0 >/dev/null
check_eq "after the partial batches: as before" "$(snapshot "$NS")" "$before"
twn bridge del keep0 >/dev/null && twn tuntap del keep1 >/dev/null

# --- concurrent invocations on the same names ---------------------------
P=20
# race NAME CMD...: runs CMD in P processes at once; leaves their exit codes
# in $TW_TMP/NAME.rc.N and their stderr in $TW_TMP/NAME.err.N.
race() {
	local name=$1 i pids=()
	shift
	for ((i = 0; i < P; i++)); do
		("$@" >/dev/null 2>"$TW_TMP/$name.err.$i"; echo $? >"$TW_TMP/$name.rc.$i") &
		pids+=($!)
	done
	wait "${pids[@]}"
}
wins() { grep -lx 0 "$TW_TMP/$1".rc.* | wc -l; }
# every loser exited 1 with an Error: line; nobody crashed or took it for bad usage
losers_clear() {
	local f i bad=0
	for f in "$TW_TMP/$1".rc.*; do
		i=${f#"$TW_TMP/$1".rc.}
		[ "$(cat "$f")" = 0 ] && continue
		if [ "$(cat "$f")" != 1 ] || ! grep -Eq '^([^ ]*:[0-9]+: )?Error: ' "$TW_TMP/$1.err.$i"; then
			log "$1 #$i: exit $(cat "$f"): $(cat "$TW_TMP/$1.err.$i")"
			bad=1
		fi
	done
	return $bad
}

race add twn tuntap add rc0 mode tap
check_eq "$P parallel adds of one name: one wins" "$(wins add)" 1
check "add losers: exit 1 with a reason" losers_clear add
check_eq "one rc0, a TAP" "$(twn -j tuntap show rc0 | jq -r '.[].type')" tap

twn bridge add rbr >/dev/null || die "bridge add rbr"
race addif twn bridge addif rbr rc0
check "$P parallel addifs: at least one wins" test "$(wins addif)" -ge 1
check "addif losers: exit 1 with a reason" losers_clear addif
check_eq "rc0 is a port of rbr" "$(twn -j bridge show rbr | jq -c '.[0].ports')" '["rc0"]'

race delif twn bridge delif rbr rc0
check "$P parallel delifs: at least one wins" test "$(wins delif)" -ge 1
check "delif losers: exit 1 with a reason" losers_clear delif
check_eq "rbr has no port" "$(twn -j bridge show rbr | jq -c '.[0].ports')" '[]'

race del twn tuntap del rc0
check_eq "$P parallel dels of one name: one wins" "$(wins del)" 1
check "del losers: exit 1 with a reason" losers_clear del
check_eq "rc0 gone" "$(twn -j tuntap show | jq length)" 0

# A free-for-all: each worker runs random adds, dels, addifs, delifs and
# link changes on three TAP names and one bridge; a few batch files too.
chaos() { # worker
	local k n cmd
	RANDOM=$(($1 * 7919 + 1))
	for ((k = 0; k < 15; k++)); do
		n=cx$((RANDOM % 3))
		case $((RANDOM % 6)) in
		0) cmd=(tuntap add "$n" mode tap) ;;
		1) cmd=(tuntap del "$n") ;;
		2) cmd=(bridge addif rbr "$n") ;;
		3) cmd=(bridge delif rbr "$n") ;;
		4) cmd=(link set "$n" up mtu $((1280 + RANDOM % 200))) ;;
		5) printf 'tuntap add %s mode tap\nlink set %s up\ntuntap del %s\n' "$n" "$n" "$n" \
			>"$TW_TMP/chaos.$1.tw"
		   cmd=(-b "$TW_TMP/chaos.$1.tw") ;;
		esac
		twn "${cmd[@]}" >/dev/null 2>"$TW_TMP/chaos.err.$1.$k"
		echo $? >"$TW_TMP/chaos.rc.$1.$k"
	done
}
pids=()
for ((i = 0; i < P; i++)); do chaos "$i" & pids+=($!); done
wait "${pids[@]}"
check_eq "chaos: $((P * 15)) runs, all finished" "$(cat "$TW_TMP"/chaos.rc.* | wc -l)" $((P * 15))
check "chaos: every failure exit 1 with a reason" losers_clear chaos
log "chaos: $(wins chaos) of $((P * 15)) runs succeeded"
# tapwire's view and iproute2's agree on what survived
tw_taps=$(twn -j tuntap show | jq -r '.[].ifname' | sort | tr '\n' ' ')
ip_taps=$(ip -n "$NS" -d -j link show | jq -r '.[] | select(.linkinfo.info_kind == "tun") | .ifname' |
	sort | tr '\n' ' ')
check_eq "chaos: TAP list agrees with iproute2" "$tw_taps" "$ip_taps"
tw_ports=$(twn -j bridge show rbr | jq -r '.[0].ports[]' | sort | tr '\n' ' ')
ip_ports=$(ip -n "$NS" -j link show master rbr | jq -r '.[].ifname' | sort | tr '\n' ' ')
check_eq "chaos: port list agrees with iproute2" "$tw_ports" "$ip_ports"
for n in $tw_taps; do twn tuntap del "$n" >/dev/null || fail "cannot delete $n after the chaos"; done
twn bridge del rbr >/dev/null
check_eq "chaos: all removed" "$(made)" 0
finish
