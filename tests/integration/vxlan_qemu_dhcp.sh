# Two QEMU VMs (Debian's QEMU booting its iPXE ROM, no disk, TCG, running as
# nobody on TAPs nobody owns), each on a bridge in its own namespace, the
# two bridges joined by nothing but tapwire-vxlan over an underlay veth
# (issue 30). One dnsmasq, on host A's bridge, gives both their lease and
# boot file: VM 1 beside it, VM 2 across the overlay. A passes when dnsmasq
# logs DHCPACK for each guest's MAC and the TFTP transfer to its address.
: "${TW_TEST_TIMEOUT:=200}"
. "$TW_TESTS/lib.sh"
needs qemu-system-x86_64 dnsmasq setpriv
[ -e /usr/lib/ipxe/qemu/efi-e1000.rom ] || die "no iPXE ROM for e1000 (package ipxe-qemu)"
VX="$TW_BUILD/vxlan/tapwire-vxlan"
U=nobody
UID_U=$(id -u $U)
GID_U=$(id -g $U)
BOOT_TIMEOUT=60

chmod 755 "$TW_TMP" # QEMU runs as $U and writes its pid and serial below it
mkdir -p "$TW_TMP/tftp" "$TW_TMP/run"
chown "$U" "$TW_TMP/run"
printf '#!ipxe\necho tapwire: booted over TFTP\n' >"$TW_TMP/tftp/tw-boot.ipxe"
chmod -R a+rX "$TW_TMP/tftp"
tun_open_up # QEMU opens /dev/net/tun as $U

ns_new NA
ns_new NB
ip link add ua$$ netns "$NA" type veth peer name ub$$ netns "$NB"
ip -n "$NA" addr add 198.51.100.1/24 dev ua$$
ip -n "$NB" addr add 198.51.100.2/24 dev ub$$
ip -n "$NA" link set ua$$ up
ip -n "$NB" link set ub$$ up
link_up_wait "$NA" ua$$ && link_up_wait "$NB" ub$$ || die "underlay not up"

# each host: a bridge, the overlay's TAP (daemonising, the default) on it
for h in "A $NA 198.51.100.2" "B $NB 198.51.100.1"; do
	set -- $h
	ip -n "$2" link add br0 type bridge
	ip -n "$2" link set br0 up
	out=$(nsx "$2" "$VX" --dev tvq$1$$ --vni 4242 --remote "$3" 2>&1) ||
		die "tapwire-vxlan on $1: $out"
	pid=$(nsx "$2" "$TAPWIRE" -d tuntap show tvq$1$$ | sed -n 's/.*(\([0-9][0-9]*\)).*/\1/p' | head -1)
	[ -n "$pid" ] && _tw_pids+=("$pid")
	ip -n "$2" link set tvq$1$$ master br0 up
done
ip -n "$NA" addr add 203.0.113.1/24 dev br0

LOG=$TW_TMP/dnsmasq.log
bg DNSMASQ nsx "$NA" dnsmasq --no-daemon --conf-file=/dev/null --port=0 \
	--interface=br0 --bind-interfaces --user=root --group=root \
	--pid-file="$TW_TMP/dnsmasq.pid" --dhcp-leasefile="$TW_TMP/leases" \
	--dhcp-range=203.0.113.100,203.0.113.150,255.255.255.0,10m \
	--enable-tftp --tftp-root="$TW_TMP/tftp" --dhcp-boot=tw-boot.ipxe \
	--log-dhcp --log-facility="$LOG" >"$TW_TMP/dnsmasq.out" 2>&1
wait_for 10 grep -q 'TFTP root is' "$LOG" || die "dnsmasq did not start: $(cat "$LOG" 2>&1)"

leased() { sed -n "s/.*DHCPACK(br0) \(203\.0\.113\.[0-9]*\) $1.*/\1/p" "$LOG" | tail -1; }
tftp_sent() { grep -q "sent $TW_TMP/tftp/tw-boot.ipxe to $1\$" "$LOG"; }
got_boot() { local ip; ip=$(leased "$1") && [ -n "$ip" ] && tftp_sent "$ip"; }

# vm N NS MAC: a TAP for nobody on the namespace's bridge, QEMU as nobody on it
vm() {
	local n=$1 ns=$2 mac=$3
	nsx "$ns" "$TAPWIRE" tuntap add tw-vm$n mode tap user $U >/dev/null || die "tuntap add"
	ip -n "$ns" link set tw-vm$n master br0 up
	bg _ nsx "$ns" setpriv --reuid "$UID_U" --regid "$GID_U" --clear-groups \
		qemu-system-x86_64 -accel tcg -m 96 -nodefaults -display none -vga std -boot n \
		-no-reboot -pidfile "$TW_TMP/run/vm$n.pid" \
		-device e1000,netdev=n0,mac="$mac" \
		-netdev tap,id=n0,ifname=tw-vm$n,script=no,downscript=no 2>"$TW_TMP/run/vm$n.err"
}
vm 1 "$NA" 52:54:00:03:72:01
vm 2 "$NB" 52:54:00:03:72:02
for v in "1 52:54:00:03:72:01 beside dnsmasq" "2 52:54:00:03:72:02 across the overlay"; do
	set -- $v
	if wait_for "$BOOT_TIMEOUT" got_boot "$2"; then
		ok "VM $1 ($3): DHCPACK $(leased "$2") and the boot file over TFTP"
	else
		fail "VM $1 ($3): no lease and boot file in ${BOOT_TIMEOUT}s: $(cat "$TW_TMP/run/vm$1.err")"
	fi
done
check "VM 2's frames crossed tapwire-vxlan (its MAC learned behind B)" \
	sh -c "'$TAPWIRE' -n '$NA' vxlan show tvqA$$ | grep -q 'fdb 52:54:00:03:72:02 dst 198.51.100.2'"
for n in 1 2; do
	pid=$(cat "$TW_TMP/run/vm$n.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
done
finish
