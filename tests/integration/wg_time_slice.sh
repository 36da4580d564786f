# tapwire-wg asks the scheduler for a 10 ms time slice (tapwire-wg(8),
# TW_WG_SLICE_US; Linux 6.12+ lets a SCHED_OTHER thread choose its own):
#  - by default every thread of the daemon has it, the crypto threads too;
#  - TW_WG_SLICE_US=3000 gives 3 ms, 0 keeps the kernel's default;
#  - a value out of range or not a number is refused with a message naming it,
#    the kernel's default is kept and the daemon runs on;
#  - started under SCHED_BATCH and nice 5 (chrt -b, nice) it keeps both and
#    takes the slice; under SCHED_FIFO (chrt -f) it leaves the thread alone.
# On a kernel without custom slices the daemon says it keeps the default, and
# every thread has it.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"

ns_new NS
# the kernel's default slice: this awk's own
default=$(awk '/^se\.slice/ { print $3 }' /proc/self/sched)
[ -n "$default" ] || die "no se.slice in /proc/self/sched (not an EEVDF kernel?)"
IFS=. read -r kmaj kmin _ <<<"$(uname -r)"
custom=0
[ $((kmaj * 1000 + kmin)) -ge 6012 ] && custom=1
log "kernel $(uname -r): default slice $default ns, custom slices: $custom"

# field PID NAME: the distinct values of a /proc/PID/task/*/sched field
field() {
	local t
	for t in /proc/"$1"/task/*; do
		awk -v f="$2" '$1 == f { print $3 }' "$t/sched"
	done | sort -u | tr '\n' ' ' | sed 's/ $//'
}
slices() { field "$1" se.slice; }
threads() { ls /proc/"$1"/task | wc -l; }

n=0
# case LABEL WANT_NS LOG_PATTERN [VAR=VALUE...] [WRAPPER...]: a daemon started
# as env VAR=VALUE... WRAPPER... ip netns exec ... tapwire-wg; its threads
# should have slice WANT_NS, policy $POLICY (0) and priority $PRIO (120)
case_() {
	local label=$1 want=$2 pattern=$3 dpid ifn
	shift 3
	n=$((n + 1))
	ifn=$(wg_ifname "s$n")
	wg_start dpid "$NS" "$ifn" "$WG_TW" TW_WG_WORKERS=2 "$@"
	wait_for 5 grep -q "Device started" "$TW_TMP/$ifn.log"
	[ $custom = 1 ] || [ -z "$want" ] || want=$default
	check "$label: $(threads "$dpid") threads" test "$(threads "$dpid")" -ge 3
	check_eq "$label: every thread's slice" "$(slices "$dpid")" "$want"
	check_eq "$label: every thread's policy" "$(field "$dpid" policy)" "${POLICY:-0}"
	check_eq "$label: every thread's priority" "$(field "$dpid" prio)" "${PRIO:-120}"
	check "$label: the log says \"$pattern\"" grep -q -- "$pattern" "$TW_TMP/$ifn.log"
	check "$label: the daemon runs" wg_alive "$dpid"
	wg_stop "$dpid"
}

# what the daemon logs when it asks for the default 10 ms
set_log="Time slice: 10000 us"
[ $custom = 1 ] || set_log="Time slice: kernel default"
case_ "default" 10000000 "$set_log"
[ $custom = 0 ] || case_ "TW_WG_SLICE_US=3000" 3000000 "Time slice: 3000 us" TW_WG_SLICE_US=3000
case_ "TW_WG_SLICE_US=0" "$default" "Device started" TW_WG_SLICE_US=0
check "TW_WG_SLICE_US=0: no time slice is logged" sh -c "! grep -q 'Time slice' $TW_TMP/$(wg_ifname s$n).log"
case_ "TW_WG_SLICE_US=50" "$default" \
	"TW_WG_SLICE_US=50: not 0 or 100-100000 microseconds; keeping the kernel's time slice" \
	TW_WG_SLICE_US=50
case_ "TW_WG_SLICE_US=1e4" "$default" "TW_WG_SLICE_US=1e4: not 0 or 100-100000" \
	TW_WG_SLICE_US=1e4
POLICY=3 PRIO=125 case_ "chrt -b, nice 5" 10000000 "$set_log" chrt -b 0 nice -n 5
POLICY=1 PRIO=98 case_ "chrt -f 1 (no fair-class slice)" "" "Time slice: left to the real-time policy 1" \
	chrt -f 1
finish
