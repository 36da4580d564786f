#!/usr/bin/env bash
# tapwire-bridge-helper installed as it is in real life, run by an
# unprivileged user (nobody): a setuid-root copy and a cap_net_admin+ep
# copy. While the helper runs we read its /proc/PID/status: it must hold
# CAP_NET_ADMIN and nothing else, as the caller's uid. The trick that lets
# us look: the ACL file is a FIFO, so the helper waits in open() — which also
# proves privileges are dropped before any ACL file is read. A privileged
# helper must ignore TAPWIRE_BRIDGE_CONF, so /etc/qemu/bridge.conf is given
# to it through an overlay on /etc in a private mount namespace (the host's
# /etc is never written).
. "$TW_TESTS/lib.sh"
needs python3 jq unshare filecap mkfifo
FQ=$TW_TESTS/integration/fake-qemu.py
chmod 755 "$TW_TMP" # nobody must reach the copies
mkdir -p "$TW_TMP/bin" "$TW_TMP/up" "$TW_TMP/work"
SUID=$TW_TMP/bin/helper-suid
FCAP=$TW_TMP/bin/helper-fcap
install -m 4755 -o root "$TW_BUILD/helper/tapwire-bridge-helper" "$SUID"
install -m 0755 -o root "$TW_BUILD/helper/tapwire-bridge-helper" "$FCAP"
filecap "$FCAP" net_admin || die "filecap failed"
printf 'allow all\n' >"$TW_TMP/allow-all.conf"
chmod 644 "$TW_TMP/allow-all.conf"

tun_open_up # the helper opens /dev/net/tun as nobody
ns_new NS
nsx "$NS" ip link add br0 type bridge
nsx "$NS" ip link set br0 mtu 1280 up

# The scenario runs inside one private mount namespace; it prints KEY=VALUE
# lines that the checks below read.
cat >"$TW_TMP/inner.sh" <<INNER
set -u
mount -t overlay overlay -o lowerdir=/etc,upperdir=$TW_TMP/up,workdir=$TW_TMP/work /etc || exit 9
mkdir -p /etc/qemu
# sample NAME HELPER: runs HELPER as nobody on a FIFO ACL, reads its status
# while it waits, then lets it go on with "allow br0".
sample() {
	rm -f /etc/qemu/bridge.conf
	mkfifo -m 644 /etc/qemu/bridge.conf
	TAPWIRE_BRIDGE_CONF=$TW_TMP/allow-all.conf python3 $FQ --as-user nobody "\$2" --use-vnet --br=br0 --fd=FD >$TW_TMP/\$1.json 2>$TW_TMP/\$1.err &
	local py=\$! hp= i
	for i in \$(seq 100); do
		hp=\$(pgrep -P \$py) && [ -r /proc/\$hp/status ] && grep -qE 'fifo|partner' /proc/\$hp/wchan 2>/dev/null && break
		sleep 0.05
	done
	echo "\$1_waiting=\$(cat /proc/\$hp/wchan 2>/dev/null)"
	awk -v n=\$1 '/^(Uid|Gid|CapInh|CapPrm|CapEff|CapBnd|CapAmb):/ {k=\$1; sub(":", "", k); \$1=""; sub(/^ /, ""); print n "_" k "=" \$0}' /proc/\$hp/status
	# bounded: a helper that never opened the FIFO must not hang the test
	timeout 5 sh -c "printf 'allow br0\\n' >/etc/qemu/bridge.conf"
	wait \$py
	echo "\$1_rc=\$?"
}
sample suid $SUID
sample fcap $FCAP
# The environment must not choose the ACL of a privileged helper.
rm -f /etc/qemu/bridge.conf
printf 'deny all\n' >/etc/qemu/bridge.conf
for h in suid fcap; do
	f=$SUID; [ \$h = fcap ] && f=$FCAP
	TAPWIRE_BRIDGE_CONF=$TW_TMP/allow-all.conf python3 $FQ --as-user nobody \$f --br=br0 --fd=FD >/dev/null 2>$TW_TMP/env-\$h.err
	echo "env_\${h}_rc=\$?"
done
INNER
nsx "$NS" unshare -m --propagation private bash "$TW_TMP/inner.sh" >"$TW_TMP/inner.out" 2>&1
log "inner: $(tr '\n' ' ' <"$TW_TMP/inner.out")"
v() { sed -n "s/^$1=//p" "$TW_TMP/inner.out"; }
NOBODY=$(id -u nobody)

for h in suid fcap; do
	check "$h: helper waits on the FIFO ACL (reads it after dropping)" grep -qE 'fifo|partner' <<<"$(v ${h}_waiting)"
	check_eq "$h: runs as the caller (real, effective, saved, fs uid)" "$(v ${h}_Uid)" \
		"$NOBODY $NOBODY $NOBODY $NOBODY"
	check_eq "$h: CapEff is CAP_NET_ADMIN only" "$(v ${h}_CapEff)" 0000000000001000
	check_eq "$h: CapPrm is CAP_NET_ADMIN only" "$(v ${h}_CapPrm)" 0000000000001000
	check_eq "$h: no inheritable or ambient caps" "$(v ${h}_CapInh) $(v ${h}_CapAmb)" \
		"0000000000000000 0000000000000000"
	check_eq "$h: exit" "$(v ${h}_rc)" 0
	check_eq "$h: stderr" "$(cat "$TW_TMP/$h.err")" ""
	OUT=$(cat "$TW_TMP/$h.json")
	check_eq "$h: fd is a vnet TAP on br0, bridge MTU, up" \
		"$(jq -r '"\(.fds) \(.tap) \(.vnet_hdr) \(.master) \(.mtu) \(.up)"' <<<"$OUT")" \
		"1 true true br0 1280 true"
	check_eq "$h: TAP removed after" "$(ip -n "$NS" -o -d link show | grep -c 'tun type')" 0
	check_eq "$h: TAPWIRE_BRIDGE_CONF ignored when privileged" "$(v env_${h}_rc) $(cat "$TW_TMP/env-$h.err")" \
		"1 access denied by acl file"
done
# setuid root could clear the bounding set; file capabilities cannot (no CAP_SETPCAP)
check_eq "suid: bounding set cleared" "$(v suid_CapBnd)" 0000000000000000

finish
