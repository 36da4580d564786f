#!/usr/bin/env bash
# Batch mode: 1,000 TAP devices created and deleted by one `tapwire -b`,
# timed against `ip -batch` doing the same (figures logged, never judged).
. "$TW_TESTS/lib.sh"
needs ip

N=1000
ns_new NS
ns_new NS_IP
for ((i = 0; i < N; i++)); do echo "tuntap add bt$i mode tap user 0"; done >"$TW_TMP/add.tw"
for ((i = 0; i < N; i++)); do echo "tuntap del bt$i"; done >"$TW_TMP/del.tw"
for ((i = 0; i < N; i++)); do echo "tuntap add dev bt$i mode tap user 0"; done >"$TW_TMP/add.ip"
for ((i = 0; i < N; i++)); do echo "tuntap del dev bt$i mode tap"; done >"$TW_TMP/del.ip"

ms() { date +%s%N | cut -c1-13; }
count() { tw -n "$1" -j tuntap show | jq length; }

t0=$(ms); tw -n "$NS" -b "$TW_TMP/add.tw"; rc=$?; t1=$(ms)
check_eq "tapwire -b: $N adds succeed" "$rc" 0
check_eq "$N TAPs listed" "$(count "$NS")" "$N"
check_eq "owner set on the last" "$(tw -n "$NS" -j tuntap show bt$((N - 1)) | jq '.[0].user')" 0
t2=$(ms); tw -n "$NS" -b "$TW_TMP/del.tw"; rc=$?; t3=$(ms)
check_eq "tapwire -b: $N dels succeed" "$rc" 0
check_eq "all gone" "$(count "$NS")" 0

t4=$(ms); nsx "$NS_IP" ip -batch "$TW_TMP/add.ip"; t5=$(ms)
check_eq "ip -batch made $N too" "$(count "$NS_IP")" "$N"
t6=$(ms); nsx "$NS_IP" ip -batch "$TW_TMP/del.ip"; t7=$(ms)
check_eq "ip -batch removed them" "$(count "$NS_IP")" 0

log "timing, $N TAPs: tapwire -b add $((t1 - t0)) ms, del $((t3 - t2)) ms;" \
	"ip -batch add $((t5 - t4)) ms, del $((t7 - t6)) ms"
finish
