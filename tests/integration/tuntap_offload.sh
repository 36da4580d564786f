#!/usr/bin/env bash
# tw_tun_get_features() and tw_tun_probe_offload() against the running kernel:
# offloads it refuses are dropped bit by bit, dependencies kept (nothing
# without CSUM, USO4 and USO6 only as a pair), unknown bits dropped.
. "$TW_TESTS/lib.sh"

ns_new NS
# CSUM 0x1, TSO4 0x2, TSO6 0x4, TSO_ECN 0x8, UFO 0x10, USO4 0x20, USO6 0x40
out=$(nsx "$NS" "$TW_BUILD/tests/helpers/tw-tun-offload" 7 6 f 1 61 21 8007 8 0) || die "helper failed"
log "$(tr '\n' ';' <<<"$out")"
features=$(sed -n 's/^features //p' <<<"$out")
check "features include IFF_TUN|IFF_TAP|IFF_NO_PI|IFF_VNET_HDR|IFF_MULTI_QUEUE" \
	test $((features & 0x5103)) = $((0x5103))
got() { sed -n "s/^0x$1 -> //p" <<<"$out"; }
check_eq "CSUM+TSO4+TSO6 all taken" "$(got 7)" 0x7
check_eq "TSO without CSUM: nothing" "$(got 6)" 0x0
check_eq "with TSO_ECN" "$(got f)" 0xf
check_eq "CSUM alone" "$(got 1)" 0x1
check_eq "USO pair with CSUM (Linux >= 6.2)" "$(got 61)" 0x61
check_eq "USO4 alone refused, CSUM kept" "$(got 21)" 0x1
check_eq "unknown bit 0x8000 dropped" "$(got 8007)" 0x7
check_eq "TSO_ECN alone: nothing" "$(got 8)" 0x0
check_eq "nothing wanted, nothing set" "$(got 0)" 0x0
check_eq "the probe's devices went with their fds" "$(tw -n "$NS" -j tuntap show)" "[]"
finish
