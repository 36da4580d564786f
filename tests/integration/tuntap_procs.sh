#!/usr/bin/env bash
# Processes attached to TUN/TAP devices (-d), multi-queue devices with several
# queues, persistent devices outliving their creator, non-persistent ones
# vanishing with it, and a same-named device in another namespace kept apart.
. "$TW_TESTS/lib.sh"
needs jq ip

HOLD="$TW_BUILD/tests/helpers/tw-tun-hold"
ns_new NS
ns_new NS2

hold() { # var ns args...: starts the helper, waits for "ready"
	local var=$1 ns=$2 out="$TW_TMP/hold.$RANDOM"; shift 2
	# exec all the way down (sh, ip netns exec): the PID bg records is the helper's
	bg "$var" sh -c 'out=$1; shift; exec ip netns exec "$@" >"$out"' sh "$out" "$ns" "$HOLD" "$@"
	wait_for 10 grep -q ready "$out" || die "helper $* did not start"
	log "helper ${!var}: $(cat "$out")"
}
procs() { # ns name: "pid:name" of each attached process
	tw -n "$1" -d -j tuntap show "$2" | jq -r '.[0].processes[] | "\(.pid):\(.name)"' | sort
}
gone() { ! ip -n "$1" link show "$2" >/dev/null 2>&1; }

# A persistent TAP, a process holding a queue: listed with pid and name.
tw -n "$NS" tuntap add pt0 mode tap || die "add pt0"
hold H1 "$NS" pt0 tap
check_eq "holder listed (-d -j)" "$(procs "$NS" pt0)" "$H1:tw-tun-hold"
check "holder listed in text" bash -c "'$TAPWIRE' -n '$NS' -d tuntap show pt0 |
	grep -qxF \$'pt0: tap persist\n\tAttached to processes: tw-tun-hold($H1)' ||
	'$TAPWIRE' -n '$NS' -d tuntap show pt0 | tr '\n' '|' | grep -qF 'pt0: tap persist|	Attached to processes: tw-tun-hold($H1)|'"
check_eq "no processes key without -d" "$(tw -n "$NS" -j tuntap show pt0 | jq '.[0] | has("processes")')" false

# The same name in another namespace, held by another process: not ours.
hold H2 "$NS2" pt0 tap
check_eq "other namespace's holder not listed" "$(procs "$NS" pt0)" "$H1:tw-tun-hold"
check_eq "and listed in its own namespace" "$(procs "$NS2" pt0)" "$H2:tw-tun-hold"

# The holder goes, the persistent device stays.
kill "$H1"; wait "$H1" 2>/dev/null
check_eq "holder gone from the list" "$(procs "$NS" pt0)" ""
check "persistent pt0 outlives its holder" nsx "$NS" ip link show pt0 >/dev/null
check_eq "persist reported" "$(tw -n "$NS" -j tuntap show pt0 | jq '.[0].persist')" true

# Non-persistent: made by the helper, gone with it.
hold H3 "$NS" np0 tun
check_eq "np0 listed, not persistent" \
	"$(tw -n "$NS" -j tuntap show np0 | jq -c '.[0] | [.type, .persist]')" '["tun",false]'
kill "$H3"; wait "$H3" 2>/dev/null
check "non-persistent np0 vanished with its process" wait_for 5 gone "$NS" np0

# Multi-queue: four queues from one process, two from another.
tw -n "$NS" tuntap add mq0 mode tap multi_queue vnet_hdr || die "add mq0"
hold H4 "$NS" -m -v -q 4 mq0 tap
hold H5 "$NS" -m -v -q 2 mq0 tap
check_eq "6 queues attached" "$(tw -n "$NS" -j tuntap show mq0 | jq -c '.[0] | [.num_queues, .num_disabled_queues]')" "[6,0]"
check_eq "ip agrees" "$(nsx "$NS" ip -d -j link show mq0 | jq '.[0].linkinfo.info_data.numqueues')" 6
check_eq "each process listed once" "$(procs "$NS" mq0)" "$(printf '%s\n' "$H4:tw-tun-hold" "$H5:tw-tun-hold" | sort)"
kill "$H4"; wait "$H4" 2>/dev/null
check "2 queues left" wait_for 5 bash -c "[ \"\$('$TAPWIRE' -n '$NS' -j tuntap show mq0 | jq '.[0].num_queues')\" = 2 ]"

# A device deleted while a process holds it: the process keeps a dead fd.
check "del while held" tw -n "$NS" tuntap del mq0
check "mq0 gone" gone "$NS" mq0
check "holder still alive" kill -0 "$H5"
finish
