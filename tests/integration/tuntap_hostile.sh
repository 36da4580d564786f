#!/usr/bin/env bash
# Hostile input to `tapwire tuntap`: every rejection names the bad word,
# exits 2 for bad words (1 for refusals by the system) and leaves the
# namespace exactly as it was.
. "$TW_TESTS/lib.sh"
needs ip

ns_new NS
tw -n "$NS" tuntap add keep0 mode tap user 0 || die "setup"
tw -n "$NS" tuntap add keep1 mode tun || die "setup"
ip -n "$NS" link add dummy0 type veth peer name dummy1 || die "setup"
before=$(snapshot "$NS"; tw -n "$NS" -j tuntap show)

reject() { # rc bad-word args...: must fail with rc, name the word, change nothing
	local want=$1 word=$2 err rc after; shift 2
	err=$("$TAPWIRE" -n "$NS" "$@" 2>&1 >/dev/null); rc=$?
	after=$(snapshot "$NS"; tw -n "$NS" -j tuntap show)
	if [ "$rc" != "$want" ]; then
		fail "tapwire $*: exit $rc, want $want ($err)"
	elif [[ $err != Error:* || $err != *"$word"* ]]; then
		fail "tapwire $*: message [$err] does not name [$word]"
	elif [ "$after" != "$before" ]; then
		fail "tapwire $*: namespace changed"
	else
		ok "tapwire $* -> $rc: $err"
	fi
}

long=1234567890123456
reject 2 "$long" tuntap add "$long" mode tap
reject 2 "a/b" tuntap add a/b mode tap
reject 2 "a b" tuntap add "a b" mode tap
reject 2 $'a\tb' tuntap add $'a\tb' mode tap
reject 2 '""' tuntap add "" mode tap
reject 2 '".."' tuntap add .. mode tap
reject 2 '"."' tuntap add . mode tun
reject 2 "a:b" tuntap add a:b mode tap
reject 2 "tip" tuntap add n0 mode tip
reject 2 "TAP" tuntap add n0 mode TAP
reject 2 "mode" tuntap add n0
reject 2 "mode" tuntap add n0 mode
reject 2 "mode" tuntap add n0 mode tap mode tap
reject 2 "pi" tuntap add n0 mode tap pi pi
reject 2 "multi_queue" tuntap add n0 mode tap multi_queue multi_queue
reject 2 "user" tuntap add n0 mode tap user 0 user 0
reject 2 "group" tuntap add n0 mode tap group 0 group 0
reject 2 "no-such-user-tw" tuntap add n0 mode tap user no-such-user-tw
reject 2 "no-such-group-tw" tuntap add n0 mode tap group no-such-group-tw
reject 2 "-1" tuntap add n0 mode tap user -1
reject 2 "4294967295" tuntap add n0 mode tap user 4294967295
reject 2 "n1" tuntap add n0 n1 mode tap
reject 2 "n1" tuntap add n0 name n1 mode tap
reject 2 "multiqueue" tuntap add n0 mode tap multiqueue
reject 2 "sh" tuntap sh
reject 2 "ad" tuntap ad n0 mode tap
reject 2 "name" tuntap add
reject 2 "$long" tuntap del "$long"
reject 2 "a/b" tuntap del a/b
reject 2 "keep1" tuntap del keep0 keep1
reject 2 "x" tuntap del keep0 mode x
reject 2 "$long" tuntap show "$long"
reject 2 "keep1" tuntap show keep0 keep1
# refused by the system, or not a TUN/TAP: exit 1, still nothing changed
reject 1 "keep0" tuntap add keep0 mode tap
reject 1 "keep0" tuntap add keep0 mode tun
reject 1 "nosuch0" tuntap del nosuch0
reject 1 "lo" tuntap del lo
reject 1 "dummy0" tuntap del dummy0
reject 1 "keep1" tuntap del keep1 mode tap
reject 1 "dummy0" tuntap show dummy0
reject 1 "nosuch0" tuntap show nosuch0

# Batch mode stops at the first bad line, says where, and the lines before
# it did their work (like ip -batch): here the bad line comes first.
printf 'tuntap add b0 mode tap user nobody-tw\ntuntap add b1 mode tap\n' >"$TW_TMP/bad.batch"
err=$("$TAPWIRE" -n "$NS" -b "$TW_TMP/bad.batch" 2>&1); rc=$?
check_eq "batch: exit 2" "$rc" 2
check "batch: file:line in the message" grep -q "bad.batch:1: Error: .*nobody-tw" <<<"$err"
check_eq "batch: nothing changed" "$(snapshot "$NS"; tw -n "$NS" -j tuntap show)" "$before"
finish
