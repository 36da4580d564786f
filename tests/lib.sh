# shellcheck shell=bash
# Common helpers for tapwire's integration tests. Source it first thing:
#     . "$TW_TESTS/lib.sh"
#
# Rules every test follows (and this file enforces where it can):
#  - all network work happens in namespaces made with ns_new, whose names are
#    unique to this run (tw-<test>-<pid>-<n>);
#  - addresses come from TEST-NET (198.51.100.0/24, 203.0.113.0/24, fd00::/8);
#  - everything made is removed by the EXIT trap, even on failure;
#  - processes are started with bg and ended by PID;
#  - the whole test is bounded by TW_TEST_TIMEOUT seconds (default 300).
set -u
set -o pipefail

: "${TW_BUILD:?run through ctest (TW_BUILD unset)}"
: "${TW_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${TW_TESTS:=$TW_SRC/tests}"
TAPWIRE="$TW_BUILD/cli/tapwire"
TW_TEST_NAME=$(basename "${0%.sh}")
TW_TMP=$(mktemp -d "/tmp/tw-$TW_TEST_NAME.XXXXXX")
_tw_ns=()
_tw_pids=()
_tw_cleanups=()
_tw_nsn=0
_tw_failures=0
_tw_checks=0

log() { printf '[%s] %s\n' "$TW_TEST_NAME" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# Registers a command to run at exit (last registered runs first).
at_exit() { _tw_cleanups+=("$*"); }

_tw_cleanup() {
	local rc=$? i pid ns
	set +e
	for (( i=${#_tw_cleanups[@]}-1; i>=0; i-- )); do eval "${_tw_cleanups[$i]}" >/dev/null 2>&1; done
	for pid in "${_tw_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${_tw_pids[@]}"; do
		for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ns in "${_tw_ns[@]}"; do
		# processes we did not start but that live in our namespace (e.g. daemons
		# that forked) are ours too: the namespace is unique to this test
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "${TW_SETTLE:-}" ] && _tw_settle
	rm -rf "$TW_TMP"
	[ "$rc" = 0 ] && [ "$_tw_failures" != 0 ] && rc=1
	exit "$rc"
}
# A namespace with thousands of devices is torn down by the kernel after
# `ip netns del` returns, holding the RTNL lock for seconds: every other
# test's netlink request, and the link watch that brings a veth's carrier up,
# waits meanwhile. A test that makes such a namespace sets TW_SETTLE=1 (and
# runs alone, RUN_SERIAL): its exit then waits until two netlink requests in
# a row are answered at once (600 probes at most, 0.1 s apart).
_tw_settle() {
	local probe="tw-settle-$$" fast=0 i t0 t1
	sleep 0.2
	ip netns add "$probe" 2>/dev/null || return 0
	for ((i = 0; i < 600 && fast < 2; i++)); do
		t0=$(date +%s%N)
		ip -n "$probe" link show dev lo >/dev/null 2>&1
		t1=$(date +%s%N)
		if ((t1 - t0 < 100000000)); then fast=$((fast + 1)); else fast=0; fi
		sleep 0.1
	done
	ip netns del "$probe" 2>/dev/null
}
trap _tw_cleanup EXIT
trap 'exit 130' INT TERM

# Bound the whole test.
# (The sleep is killed with its subshell: an orphaned sleep would keep the
# test's output pipe open and make CTest wait for it.)
(
	trap 'kill "$_tw_sleep" 2>/dev/null; exit 0' TERM
	sleep "${TW_TEST_TIMEOUT:-300}" &
	_tw_sleep=$!
	wait "$_tw_sleep"
	log "timeout after ${TW_TEST_TIMEOUT:-300}s"; kill -TERM $$
) 2>/dev/null &
_tw_watchdog=$!
at_exit "kill $_tw_watchdog"

# ns_new VAR: makes a fresh namespace with lo up; its name goes in VAR.
ns_new() {
	local name="tw${TW_TEST_NAME:0:6}$$n$_tw_nsn"
	_tw_nsn=$((_tw_nsn + 1))
	ip netns add "$name" || die "cannot create namespace $name"
	_tw_ns+=("$name")
	ip -n "$name" link set lo up
	printf -v "$1" '%s' "$name"
}

# link_up_wait NS DEV [SECONDS]: waits (default 30 s) until DEV in NS is
# operationally up. A veth's carrier, and with it IPv6 on the link (neighbour
# discovery answers nothing before), comes through the kernel's link watch,
# which waits for the RTNL lock: while another test's namespace with
# thousands of devices is torn down, that can take seconds.
link_up_wait() { wait_for "${3:-30}" link_is_up "$1" "$2"; }
link_is_up() { ip -n "$1" -o link show dev "$2" | grep -q 'state UP'; }

# nsx NS CMD...: runs CMD in NS.
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# tw [-n NS] ARGS...: runs the tapwire CLI built here.
tw() { "$TAPWIRE" "$@"; }

# bg VAR CMD...: starts CMD in the background, records its PID in VAR.
bg() {
	local var=$1; shift
	"$@" &
	_tw_pids+=("$!")
	printf -v "$var" '%s' "$!"
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_for() {
	local t=$1 i; shift
	for (( i=0; i<t*10; i++ )); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}

# capture VAR NS OUT TCPDUMP_ARGS...: starts tcpdump in NS, its output in
# OUT, its PID in VAR; returns once tcpdump says "listening on" (its filter
# is in place: every packet sent from then on is seen), 10 s at most.
capture() {
	local var=$1 ns=$2 out=$3 err="$TW_TMP/capture.$_tw_ncap.err"
	shift 3
	_tw_ncap=$((_tw_ncap + 1))
	bg "$var" ip netns exec "$ns" tcpdump "$@" >"$out" 2>"$err"
	wait_for 10 grep -q 'listening on' "$err" || die "tcpdump in $ns is not listening after 10 s"
}
_tw_ncap=0

# capture_sync OUT PATTERN CMD...: runs CMD (traffic the capture sees last)
# and waits until one more line matching PATTERN shows in OUT than before:
# a capture prints in order, so all that came before is in OUT too. 10 s at
# most; false if it never shows.
capture_sync() {
	local out=$1 pat=$2 n
	shift 2
	n=$(grep -c -- "$pat" "$out")
	"$@" >/dev/null 2>&1
	wait_for 10 _tw_more_lines "$out" "$pat" "$n"
}
_tw_more_lines() { [ "$(grep -c -- "$2" "$1")" -gt "$3" ]; }

# capture_end PID: stops a capture; its file is complete when this returns.
capture_end() { kill -INT "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# Assertions: they count, log, and keep going; the test fails at exit.
ok() { _tw_checks=$((_tw_checks+1)); log "ok: $*"; }
fail() { _tw_checks=$((_tw_checks+1)); _tw_failures=$((_tw_failures+1)); log "NOT OK: $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; return 1; fi; }
check_eq() { # what got want
	if [ "$2" == "$3" ]; then ok "$1"; else fail "$1: got [$2] want [$3]"; return 1; fi
}
check_fails() { # what expected_rc cmd...
	local what=$1 want=$2 rc; shift 2
	"$@" >/dev/null 2>&1; rc=$?
	if [ "$rc" = "$want" ]; then ok "$what (exit $rc)"; else fail "$what: exit $rc, want $want"; fi
}
# snapshot NS: a normalised listing of the namespace's links, addresses and
# routes, to prove a rejected command changed nothing. IPv6 link-local
# addresses and their routes come and go with the kernel's duplicate address
# detection on its own schedule, so they are left out.
snapshot() {
	{
		ip -n "$1" -o link show | sed 's/^[0-9]*: //'
		ip -n "$1" -o addr show | grep -v ' fe80::'
		ip -n "$1" route show table all | grep -v 'fe80::'
	} 2>&1
}
# finish: prints the plain summary line; call last.
finish() {
	log "$((_tw_checks-_tw_failures)) passed, $_tw_failures failed"
	[ "$_tw_failures" = 0 ]
}

# needs CMD...: skips the test (exit 77) if a command is missing.
# In CI a missing tool is a failure, never a skip.
needs() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null && continue
		[ "${CI:-}" = true ] && die "$c missing"
		log "SKIP: $c missing"; exit 77
	done
}

# tun_open_up: makes /dev/net/tun usable by unprivileged users (mode 0666)
# until the test exits, then restores its mode. Every test that does this
# holds the same lock for its whole run, so two tests never save each other's
# temporary mode (which would leave the host's device open).
tun_open_up() {
	local mode
	exec {_tw_tun_lock}>/tmp/tapwire-dev-net-tun.lock
	flock -w 240 "$_tw_tun_lock" || die "waited too long for /dev/net/tun's lock"
	mode=$(stat -c %a /dev/net/tun) || die "no /dev/net/tun"
	at_exit "chmod $mode /dev/net/tun"
	chmod 0666 /dev/net/tun
}
