#!/usr/bin/env bash
# A real VM boots from tapwire-host: QEMU from Debian (TCG, its iPXE ROM,
# running as nobody on a TAP nobody owns) and tapwire-host (as nobody on its
# own TAP, static address) share a kernel bridge with a dnsmasq that gives
# the VM a lease whose boot file is a URL on tapwire-host. Passes when
# tapwire-host served the boot script to the VM's address and then the file
# the script chains to: iPXE ran what it fetched over HTTP.
: "${TW_TEST_TIMEOUT:=170}"
. "$TW_TESTS/lib.sh"
needs qemu-system-x86_64 dnsmasq setpriv
[ -e /usr/lib/ipxe/qemu/efi-e1000.rom ] || die "no iPXE ROM for e1000 (package ipxe-qemu)"
HOSTBIN="$TW_BUILD/host/tapwire-host"
U=nobody
UID_U=$(id -u $U)
GID_U=$(id -g $U)
HIP=203.0.113.10
VMMAC=52:54:00:03:71:1a
BOOT_TIMEOUT=90

tun_open_up
chmod 755 "$TW_TMP"
mkdir -p "$TW_TMP/www" "$TW_TMP/run"
chown $U "$TW_TMP/run"
printf '#!ipxe\necho tapwire-host: boot script over HTTP\nchain http://%s/second.ipxe\n' $HIP \
	>"$TW_TMP/www/boot.ipxe"
printf '#!ipxe\necho tapwire-host: second script\nsleep 60\n' >"$TW_TMP/www/second.ipxe"
chmod -R a+rX "$TW_TMP/www"

ns_new NS
nsx "$NS" ip link add br0 type bridge
nsx "$NS" ip addr add 203.0.113.1/24 dev br0
nsx "$NS" ip link set br0 up
for t in tw-vm tw-h; do
	check "tapwire tuntap add $t mode tap user $U" nsx "$NS" "$TAPWIRE" tuntap add $t mode tap user $U
	nsx "$NS" ip link set $t master br0 up
done

LOG=$TW_TMP/dnsmasq.log
bg DNSMASQ nsx "$NS" dnsmasq --no-daemon --conf-file=/dev/null --port=0 \
	--interface=br0 --bind-interfaces --user=root --group=root \
	--pid-file="$TW_TMP/dnsmasq.pid" --dhcp-leasefile="$TW_TMP/leases" \
	--dhcp-range=203.0.113.100,203.0.113.150,255.255.255.0,10m \
	--dhcp-boot="http://$HIP/boot.ipxe" \
	--log-dhcp --log-facility="$LOG" >"$TW_TMP/dnsmasq.out" 2>&1
wait_for 10 grep -q 'DHCP, IP range' "$LOG" || die "dnsmasq did not start: $(cat "$LOG" 2>&1)"

HLOG=$TW_TMP/host.log
bg HOST nsx "$NS" setpriv --reuid $UID_U --regid $GID_U --clear-groups \
	"$HOSTBIN" -f --dev tw-h --addr $HIP/24 --http "$TW_TMP/www" >"$HLOG" 2>&1
check "tapwire-host up as $U" wait_for 10 grep -q "inet $HIP/24" "$HLOG"

bg QEMU nsx "$NS" setpriv --reuid $UID_U --regid $GID_U --clear-groups \
	qemu-system-x86_64 -accel tcg -m 96 -nodefaults -display none -vga std -boot n -no-reboot \
	-serial file:"$TW_TMP/run/serial" -pidfile "$TW_TMP/run/qemu.pid" \
	-device e1000,netdev=n0,mac=$VMMAC -netdev tap,id=n0,ifname=tw-vm,script=no,downscript=no \
	2>"$TW_TMP/run/qemu.err"

leased() { sed -n "s/.*DHCPACK(br0) \(203\.0\.113\.[0-9]*\) $VMMAC.*/\1/p" "$LOG" | tail -1; }
served() { local ip; ip=$(leased); [ -n "$ip" ] && grep -q "GET /$1 200 [0-9]* bytes to $ip:" "$HLOG"; }
t0=$SECONDS
if wait_for $BOOT_TIMEOUT served second.ipxe; then
	ok "the VM ($(leased)) fetched boot.ipxe from tapwire-host over HTTP and ran it: it chained to second.ipxe ($((SECONDS - t0)) s)"
else
	fail "no boot over HTTP within ${BOOT_TIMEOUT}s; dnsmasq: $(grep -c DHCPACK "$LOG") ACKs; tapwire-host: $(tail -3 "$HLOG"); qemu: $(cat "$TW_TMP/run/qemu.err")"
fi
check "boot.ipxe went to the VM first" served boot.ipxe
finish
