#!/usr/bin/env bash
# The real thing: QEMU from Debian boots its iPXE ROM (no disk, -boot n,
# TCG) on a bridge where a dnsmasq started here hands out a lease from
# 203.0.113.0/24 and serves a boot file over TFTP. Twice:
#  (a) -netdev tap on a persistent TAP made by `tapwire tuntap add ... user
#      nobody`, QEMU running as nobody (no privileges at all);
#  (b) -netdev bridge with tapwire-bridge-helper installed setuid root, as a
#      distribution would, QEMU again running as nobody; the helper reads
#      /etc/qemu/bridge.conf, given to it by an overlay on /etc in QEMU's
#      private mount namespace (the host's /etc is never written).
#  (c) -netdev tap on the TAP the CNI plugin "tapwire" made in a pod
#      namespace, joined to br0 of the "host" namespace (hostBridge: the
#      VM-in-pod layout; owner nobody, vnet_hdr), QEMU as nobody in the pod
#      with vnet_hdr=on, getting its lease and boot file from the host's
#      dnsmasq through the pod's bridge and veth; then CNI DEL.
# Each boot passes when dnsmasq logs DHCPACK for the guest's MAC and then
# the TFTP transfer of the boot file to the leased address.
: "${TW_TEST_TIMEOUT:=230}"
. "$TW_TESTS/lib.sh"
needs qemu-system-x86_64 dnsmasq setpriv unshare jq
[ -e /usr/lib/ipxe/qemu/efi-e1000.rom ] || die "no iPXE ROM for e1000 (package ipxe-qemu)"
U=nobody
UID_U=$(id -u $U)
GID_U=$(id -g $U)
BOOT_TIMEOUT=60

chmod 755 "$TW_TMP" # QEMU runs as $U and reads and writes below it
mkdir -p "$TW_TMP/tftp" "$TW_TMP/bin" "$TW_TMP/etc-up/qemu" "$TW_TMP/etc-work" "$TW_TMP/run"
chown "$U" "$TW_TMP/run"
printf '#!ipxe\necho tapwire: booted over TFTP\n' >"$TW_TMP/tftp/tw-boot.ipxe"
chmod -R a+rX "$TW_TMP/tftp"
SUID=$TW_TMP/bin/tapwire-bridge-helper
install -m 4755 -o root "$TW_BUILD/helper/tapwire-bridge-helper" "$SUID"
printf '# tapwire qemu_vm test\nallow br0\n' >"$TW_TMP/etc-up/qemu/bridge.conf"
chmod 644 "$TW_TMP/etc-up/qemu/bridge.conf"

tun_open_up # QEMU (a) and the helper (b) open /dev/net/tun as $U
ns_new NS
nsx "$NS" ip link add br0 type bridge
nsx "$NS" ip link set br0 mtu 1450
nsx "$NS" ip addr add 203.0.113.1/24 dev br0
nsx "$NS" ip link set br0 up
nsx "$NS" ip link add br1 type bridge
nsx "$NS" ip link set br1 up

LOG=$TW_TMP/dnsmasq.log
bg DNSMASQ nsx "$NS" dnsmasq --no-daemon --conf-file=/dev/null --port=0 \
	--interface=br0 --bind-interfaces --user=root --group=root \
	--pid-file="$TW_TMP/dnsmasq.pid" --dhcp-leasefile="$TW_TMP/leases" \
	--dhcp-range=203.0.113.100,203.0.113.150,255.255.255.0,10m \
	--enable-tftp --tftp-root="$TW_TMP/tftp" --dhcp-boot=tw-boot.ipxe \
	--log-dhcp --log-facility="$LOG" >"$TW_TMP/dnsmasq.out" 2>&1
wait_for 10 grep -q 'TFTP root is' "$LOG" || die "dnsmasq did not start: $(cat "$LOG" 2>&1)"

QEMU_ARGS=(-accel tcg -m 96 -nodefaults -display none -vga std -boot n -no-reboot)

# leased MAC: the guest's address once dnsmasq has acknowledged it
leased() { sed -n "s/.*DHCPACK(br0) \(203\.0\.113\.[0-9]*\) $1.*/\1/p" "$LOG" | tail -1; }
tftp_sent() { grep -q "sent $TW_TMP/tftp/tw-boot.ipxe to $1\$" "$LOG"; }
got_boot() { local ip; ip=$(leased "$1") && [ -n "$ip" ] && tftp_sent "$ip"; }

# boot_check CASE MAC: waits for the guest's lease and TFTP, and checks that
# QEMU (its -pidfile) runs as $U.
boot_check() {
	local what=$1 mac=$2 t0=$SECONDS ip pid
	if wait_for "$BOOT_TIMEOUT" got_boot "$mac"; then
		ip=$(leased "$mac")
		ok "$what: DHCPACK $ip to $mac and TFTP sent it the boot file ($((SECONDS - t0)) s)"
	else
		fail "$what: no DHCP lease + TFTP within ${BOOT_TIMEOUT}s; qemu: $(cat "$TW_TMP/run/$what.err")"
	fi
	pid=$(cat "$TW_TMP/run/$what.pid" 2>/dev/null)
	check_eq "$what: QEMU runs as $U" "$(awk '/^Uid:/ {print $2, $3}' /proc/"$pid"/status 2>&1)" \
		"$UID_U $UID_U"
}
# stop CASE: ends that QEMU (by the PID it wrote) and waits for it to go.
stop() {
	local pid
	pid=$(cat "$TW_TMP/run/$1.pid") || return
	kill "$pid" 2>/dev/null; for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}

# (a) a TAP owned by $U, made by tapwire; QEMU opens it without privileges
# mktap ARGS...: tapwire tuntap ARGS, in the namespace
mktap() { nsx "$NS" "$TAPWIRE" tuntap "$@"; }
check "a: tapwire tuntap add tw-vm-a mode tap user $U" mktap add tw-vm-a mode tap user $U
check_eq "a: TAP owner" "$(ip -n "$NS" -j -d link show tw-vm-a | jq -r '.[0].linkinfo.info_data.user')" "$U"
nsx "$NS" ip link set tw-vm-a mtu 1450 master br0 up
bg QA nsx "$NS" setpriv --reuid "$UID_U" --regid "$GID_U" --clear-groups \
	qemu-system-x86_64 "${QEMU_ARGS[@]}" -serial file:"$TW_TMP/run/a.serial" -pidfile "$TW_TMP/run/a.pid" \
	-device e1000,netdev=n0,mac=52:54:00:03:71:0a \
	-netdev tap,id=n0,ifname=tw-vm-a,script=no,downscript=no 2>"$TW_TMP/run/a.err"
boot_check a 52:54:00:03:71:0a
stop a

# ... and the owner is what lets it: a TAP owned by root is refused to $U.
check "a: tapwire tuntap add tw-vm-x mode tap user root" mktap add tw-vm-x mode tap user root
nsx "$NS" setpriv --reuid "$UID_U" --regid "$GID_U" --clear-groups timeout 20 \
	qemu-system-x86_64 "${QEMU_ARGS[@]}" -device e1000,netdev=n0 \
	-netdev tap,id=n0,ifname=tw-vm-x,script=no,downscript=no >/dev/null 2>"$TW_TMP/run/x.err"
check "a: QEMU as $U refused a TAP $U does not own" grep -q 'could not configure /dev/net/tun (tw-vm-x): Operation not permitted' "$TW_TMP/run/x.err"

# (b) -netdev bridge: QEMU as $U runs the setuid helper, which makes the TAP
run_bridge() { # NAME BRIDGE MAC [TIMEOUT]: QEMU in a private mount namespace with the test's /etc/qemu
	local pre=()
	[ -n "${4:-}" ] && pre=(timeout "$4")
	nsx "$NS" unshare -m --propagation private sh -c '
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc || exit 97
		shift 2; exec "$@"' sh "$TW_TMP/etc-up" "$TW_TMP/etc-work" \
		"${pre[@]}" setpriv --reuid "$UID_U" --regid "$GID_U" --clear-groups \
		qemu-system-x86_64 "${QEMU_ARGS[@]}" -serial file:"$TW_TMP/run/$1.serial" -pidfile "$TW_TMP/run/$1.pid" \
		-device e1000,netdev=n0,mac="$3" -netdev bridge,id=n0,br="$2",helper="$SUID" \
		2>"$TW_TMP/run/$1.err"
}
# the ACL says only br0: br1 must be refused, with the helper's message
run_bridge deny br1 52:54:00:03:71:0c 20
check "b: br1 refused by the ACL" grep -q '^access denied by acl file' "$TW_TMP/run/deny.err"
check "b: QEMU says the helper failed" grep -q 'bridge helper failed' "$TW_TMP/run/deny.err"
check_eq "b: no TAP left by the refusal" "$(ip -n "$NS" -o link show master br1 | wc -l)" 0

bg QB run_bridge b br0 52:54:00:03:71:0b
boot_check b 52:54:00:03:71:0b
check_eq "b: helper's TAP on br0 with the bridge's MTU, up" \
	"$(ip -n "$NS" -j link show master br0 | jq -r '.[] | select(.ifname != "tw-vm-a") | "\(.mtu) \(.operstate != "DOWN")"')" \
	"1450 true"
stop b
# (the kernel removes the TAP when QEMU's last descriptor of it closes)
helper_taps() { ip -n "$NS" -o link show master br0 | grep -vc tw-vm-a; }
no_helper_taps() { [ "$(helper_taps)" = 0 ]; }
wait_for 5 no_helper_taps
check_eq "b: the helper's TAP went away with QEMU" "$(helper_taps)" 0

# (c) the CNI plugin's TAP, in a pod namespace, on the "host" bridge br0 of
# NS (where dnsmasq runs): the plugin runs in NS as a runtime would, with
# hostBridge, and QEMU runs in the pod
ns_new POD
cni() { # COMMAND: the plugin, as a CNI runtime in NS runs it, for tw-vm-c in POD
	nsx "$NS" env CNI_COMMAND="$1" CNI_CONTAINERID=qemu-c CNI_NETNS="/var/run/netns/$POD" \
		CNI_IFNAME=tw-vm-c CNI_PATH="$TW_BUILD/cni" "$TW_BUILD/cni/tapwire" \
		<<<'{"cniVersion":"1.0.0","name":"vmnet","type":"tapwire","owner":'"$UID_U"',"mtu":1450,"hostBridge":"br0","mac":"02:00:5e:00:53:0c"}'
}
out=$(cni ADD)
check "c: CNI ADD made tw-vm-c in the pod, on br0 outside: $out" \
	jq -e '.interfaces[0].name == "tw-vm-c" and (.interfaces[1].name | startswith("tw"))' <<<"$out"
bg QC nsx "$POD" setpriv --reuid "$UID_U" --regid "$GID_U" --clear-groups \
	qemu-system-x86_64 "${QEMU_ARGS[@]}" -serial file:"$TW_TMP/run/c.serial" -pidfile "$TW_TMP/run/c.pid" \
	-device e1000,netdev=n0,mac=52:54:00:03:71:0d \
	-netdev tap,id=n0,ifname=tw-vm-c,script=no,downscript=no,vnet_hdr=on 2>"$TW_TMP/run/c.err"
boot_check c 52:54:00:03:71:0d
stop c
check "c: CNI DEL" cni DEL
check "c: tw-vm-c gone, and the pod's veth and bridge" sh -c "[ \$(ip -n $POD -o link show | wc -l) = 1 ]"
check "c: the host end left br0" sh -c "[ \$(ip -n $NS -o link show master br0 | grep -c ' tw[0-9a-f]*h@') = 0 ]"

check "a: tapwire tuntap del tw-vm-a (no mode needed)" mktap del tw-vm-a
check "a: tw-vm-a gone" bash -c "! ip -n $NS link show tw-vm-a 2>/dev/null"
finish
