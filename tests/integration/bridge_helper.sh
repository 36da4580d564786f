#!/usr/bin/env bash
# tapwire-bridge-helper driven the way QEMU drives it: fake-qemu.py makes a
# socketpair, runs the helper with --fd=N, receives the TAP fd over
# SCM_RIGHTS and reports what it is. Every refusal is checked for its exact
# message and for leaving the namespace exactly as it was (no TAP behind).
# The helper runs as root here, so TAPWIRE_BRIDGE_CONF may point it at the
# test's ACL files (bridge_helper_setuid.sh proves a setuid copy ignores it).
. "$TW_TESTS/lib.sh"
needs python3 jq
HELPER=$TW_BUILD/helper/tapwire-bridge-helper
FQ=$TW_TESTS/integration/fake-qemu.py
A=$TW_TMP/acl
mkdir -p "$A/sub" "$TW_TMP/cwd"

ns_new NS
nsx "$NS" ip link add br0 type bridge
nsx "$NS" ip link set br0 mtu 1400 up
nsx "$NS" ip link add br1 type bridge
nsx "$NS" ip link add ve0 type veth peer name ve1

# acl FILE TEXT: writes an ACL file (printf format) under $A.
acl() { printf "$2" >"$A/$1"; }

# helper CONF ARGS...: runs fake QEMU + helper in NS with CONF as ACL file;
# sets RC, OUT (the JSON report) and ERR (the helper's stderr). $FQ_OPTS
# go to fake-qemu.py.
FQ_OPTS=()
helper() {
	local conf=$1; shift
	OUT=$(cd "$TW_TMP/cwd" && TAPWIRE_BRIDGE_CONF=$conf nsx "$NS" python3 "$FQ" "${FQ_OPTS[@]}" "$HELPER" "$@" \
		2>"$TW_TMP/err")
	RC=$?
	ERR=$(cat "$TW_TMP/err")
}
# What a refusal must not change: the links, their masters and MTUs.
links() { ip -n "$NS" -j link show | jq -r '.[] | "\(.ifname) \(.master // "-") \(.mtu)"'; }
taps() { ip -n "$NS" -o -d link show | grep -c 'tun type tap'; }
field() { jq -r ".$1" <<<"$OUT"; }

# allowed ARGS...: expects a TAP with everything QEMU needs.
allowed() {
	local what=$1 vnet=$2; shift 2
	helper "$@"
	check_eq "$what: exit" "$RC" 0
	check_eq "$what: stderr" "$ERR" ""
	check_eq "$what: one fd and one zero byte" "$(field fds) $(field msg)" "1 00"
	check_eq "$what: TAP without PI" "$(field tap) $(field no_pi)" "true true"
	check_eq "$what: vnet_hdr" "$(field vnet_hdr)" "$vnet"
	check_eq "$what: bridge MTU, enslaved, up" "$(field mtu) $(field master) $(field up)" \
		"1400 br0 true"
	check "$what: MAC starts fe:" grep -q '^fe:' <<<"$(field address)"
	check_eq "$what: TAP gone once QEMU closed it" "$(taps)" 0
}

# refused WHAT WANT-STDERR CONF ARGS...: expects exit 1, that exact message,
# and the namespace unchanged.
refused() {
	local what=$1 want=$2 before; shift 2
	before=$(links)
	helper "$@"
	check_eq "$what: exit" "$RC" 1
	check_eq "$what: message" "$ERR" "$want"
	check_eq "$what: no fd sent" "$(field fds)" 0
	check_eq "$what: nothing left behind" "$(links)" "$before"
}

USAGE='Usage: tapwire-bridge-helper [--use-vnet] --br=bridge --fd=unixfd'

acl bridge.conf '# lab bridges\nallow br0\n'
allowed "allowed, --use-vnet" true "$A/bridge.conf" --use-vnet --br=br0 --fd=FD
allowed "allowed" false "$A/bridge.conf" --br=br0 --fd=FD

refused "denied: other bridge" "access denied by acl file" "$A/bridge.conf" --br=br1 --fd=FD
acl empty.conf ''
refused "default deny" "access denied by acl file" "$A/empty.conf" --br=br0 --fd=FD
acl denyafter.conf 'allow all\ninclude deny.conf\n'
acl deny.conf 'deny br0\n'
refused "deny in include wins" "access denied by acl file" "$A/denyafter.conf" --br=br0 --fd=FD
acl all.conf 'allow all\n'
allowed "allow all" false "$A/all.conf" --br=br0 --fd=FD

# include chain: relative to the including file, through a subdirectory
acl chain.conf 'include chain-a.conf\n'
acl chain-a.conf '\n  include sub/chain-b.conf\n'
acl sub/chain-b.conf 'include ../chain-c.conf\n'
acl chain-c.conf 'allow br0\n'
allowed "include chain" true "$A/chain.conf" --use-vnet --br=br0 --fd=FD

acl loop-a.conf 'allow br0\ninclude loop-b.conf\n'
acl loop-b.conf '# b\ninclude loop-a.conf\n'
refused "include loop" "$A/loop-b.conf:2: include loop: \`$A/loop-a.conf' is already being read
failed to parse default acl file \`$A/loop-a.conf'" "$A/loop-a.conf" --br=br0 --fd=FD

# A relative include never resolves from the caller's working directory.
acl bypass.conf 'include evil.conf\n'
printf 'allow all\n' >"$TW_TMP/cwd/evil.conf"
refused "relative include is not read from the cwd" "access denied by acl file" \
	"$A/bypass.conf" --br=br0 --fd=FD

refused "over-long --br (CVE-2019-13164)" "name \`br0xxxxxxxxxxxxx' too long: 16
$USAGE" "$A/all.conf" --br=br0xxxxxxxxxxxxx --fd=FD
acl long.conf 'allow br0xxxxxxxxxxxxxxxxxxxxx\n'
refused "over-long name in the ACL" "$A/long.conf:1: name \`br0xxxxxxxxxxxxxxxxxxxxx' too long: 24
failed to parse default acl file \`$A/long.conf'" "$A/long.conf" --br=br0 --fd=FD
refused "invalid --br" "invalid bridge name \`a/b'
$USAGE" "$A/all.conf" --br=a/b --fd=FD
refused "missing ACL file" "failed to open ACL file \`$A/nope.conf': No such file or directory
failed to parse default acl file \`$A/nope.conf'" "$A/nope.conf" --br=br0 --fd=FD
refused "non-bridge target" "failed to add interface to bridge \`ve0': not a bridge (veth)" \
	"$A/all.conf" --br=ve0 --fd=FD
refused "nonexistent bridge" "failed to get mtu of bridge \`nosuch': No such device" \
	"$A/all.conf" --br=nosuch --fd=FD
refused "fd is not a socket" "failed to write fd to unix socket: Socket operation on non-socket" \
	"$A/all.conf" --br=br0 --fd=0
# QEMU gone: the TAP is made, configured and enslaved, the send fails, and
# the TAP must vanish with the helper's fd.
FQ_OPTS=(--gone)
refused "QEMU gone before the fd is sent" "failed to write fd to unix socket: Broken pipe" \
	"$A/all.conf" --br=br0 --fd=FD
FQ_OPTS=()
refused "missing --fd" "--fd=unixfd missing
$USAGE" "$A/all.conf" --br=br0

# --help: usage on stdout, exit 0
out=$("$HELPER" --help); rc=$?
check_eq "--help exit" "$rc" 0
check_eq "--help first line" "$(head -1 <<<"$out")" "$USAGE"

finish
