#!/usr/bin/env bash
# The README's main job, scripts/sandbox.sh, runs to the end and leaves
# nothing behind — also when it fails half-way.
. "$TW_TESTS/lib.sh"
needs ip ping python3

# Namespaces the sandbox names after its own PID; removed here if it leaves any.
leftovers() { ip netns list | awk '{print $1}' | grep -E "^tw-sandbox-$1-" || true; }
sweep() { local ns; for ns in $(leftovers "$1"); do ip netns del "$ns"; done; }

bash "$TW_SRC/scripts/sandbox.sh" "$TW_BUILD" >"$TW_TMP/out" 2>&1 &
pid=$!
at_exit "sweep $pid"
wait "$pid"; rc=$?
out=$(cat "$TW_TMP/out")
check_eq "sandbox exits 0" "$rc" 0
# the end of the output is where a failure shows (logs get cut in the middle)
[ "$rc" = 0 ] || log "$(tail -n 60 <<<"$out")"
check "made the TUN with its owner" grep -q 'tun0: tun persist user 65534 group 65534' <<<"$out"
check "made the TAPs" grep -qE '^    tap0: tap vnet_hdr persist user 65534$' <<<"$out"
check "two queues attached" grep -q 'tapq0: tap multi_queue persist group 65534 queues 2 disabled 0' <<<"$out"
check "the holder is listed" grep -q 'Attached to processes: python3(' <<<"$out"
check "addresses shown" grep -q 'inet 203.0.113.1/25 brd 203.0.113.127 scope global tun0' <<<"$out"
check "routes shown" grep -q '203.0.113.0/24 via 198.51.100.1 dev veth-peer' <<<"$out"
check "JSON shown" grep -q '"num_queues": 2' <<<"$out"
check_eq "four pings answered (three direct, one through the VPN)" "$(grep -c ' 0% packet loss' <<<"$out")" 4
check "TCP crossed the VPN" grep -q "receiver" <<<"$out"
check "says it is done" grep -q 'Done: everything made here is gone.' <<<"$out"
check_eq "no namespace left" "$(leftovers "$pid")" ""

# A failure half-way (ping made to fail) still removes everything.
mkdir "$TW_TMP/bin"
printf '#!/bin/sh\necho "ping: sabotaged by the test" >&2\nexit 1\n' >"$TW_TMP/bin/ping"
chmod +x "$TW_TMP/bin/ping"
PATH="$TW_TMP/bin:$PATH" bash "$TW_SRC/scripts/sandbox.sh" "$TW_BUILD" >"$TW_TMP/out2" 2>&1 &
pid=$!
at_exit "sweep $pid"
wait "$pid"; rc=$?
check "failed sandbox exits non-zero ($rc)" [ "$rc" != 0 ]
check "says it failed" grep -q 'FAILED (exit' "$TW_TMP/out2"
check_eq "no namespace left after the failure" "$(leftovers "$pid")" ""
check "no holder process left" bash -c "! pgrep -f 'b.tap[q]0' >/dev/null"

finish
