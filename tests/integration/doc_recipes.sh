#!/usr/bin/env bash
# Every recipe of the documentation runs as written: each ```sh block of
# README.md and each .nf block of a man page's EXAMPLES is extracted and run
# with bash -e (every command must succeed) in a namespace of its own, in a
# mount namespace of its own with a private /run/wireguard. A block this
# test has no rule for fails, so a new recipe cannot go untested.
#
# What a namespace cannot hold is substituted, and only this (sed on the
# block's text; the rule of each block says which it uses):
#  - the user alice is nobody, the group kvm is nogroup where there is none,
#    ~ is a fresh home directory;
#  - files outside the test's directory are inside it: /usr/libexec/,
#    /usr/local/sbin/, /etc/qemu/, /etc/tapwire/;
#  - prompts ("# ", "$ ") and man escapes (\-, \e) are dropped;
#  - qemu-system lines (their "..." stands for a VM's disks) become ":"
#    lines: int/qemu_vm boots Debian's QEMU both ways they show;
#  - scripts/demo.sh and scripts/test.sh are checked with bash -n: the first
#    installs packages and builds (its sandbox runs in int/netcfg_sandbox),
#    the second is CI itself;
#  - systemctl (no systemd as PID 1 here) runs the unit's own ExecStart line
#    from the built tapwire@.service;
#  - building and installing the Debian packages is only parsed (set -n):
#    int/pkg_debian does it, from a clean copy of the tree.
# Each rule may prepare what the recipe takes as given (a bridge br0, an
# eth0, key files, a wg-quick file) and check what it promises after.
TW_TEST_TIMEOUT=240
. "$TW_TESTS/lib.sh"
needs ip wg wg-quick setcap

kvm=kvm
getent group kvm >/dev/null || kvm=nogroup
mkdir -p /run/wireguard

# blocks FILE: prints each recipe block as "@@ FILE:LINE" then its lines.
blocks() {
	case $1 in
	*.md) awk -v f="$(basename "$1")" '
		/^```sh$/ { print "@@ " f ":" NR; p = 1; next }
		/^```/ { p = 0 }
		p' "$1" ;;
	*) awk -v f="$(basename "$1")" '
		/^\.SH EXAMPLES/ { ex = 1; next }
		/^\.SH/ { ex = 0 }
		ex && /^\.nf/ { print "@@ " f ":" NR; p = 1; next }
		ex && /^\.fi/ { p = 0 }
		ex && p' "$1" |
		sed -E 's/\\-/-/g; s/\\e/\\/g; s/^[[:space:]]*[#$] //' ;;
	esac
}

# rule KEY FIRST_LINE: sets SETUP, SED, CWD and AFTER for a block, or fails.
rule() {
	SETUP=: SED= CWD=$WORK AFTER=:
	case "$2" in
	"bash scripts/demo.sh"*)
		SED='s#^bash scripts/(demo|test)\.sh#bash -n scripts/\1.sh#' CWD=$TW_SRC ;;
	"apt-get install -y --no-install-recommends debhelper && dpkg-buildpackage"*)
		SED='1i set -n' ;; # read, not run: int/pkg_debian builds and installs them
	"tapwire tuntap add tap0 mode tap user alice group kvm vnet_hdr"*)
		AFTER='ip link show tun0 >/dev/null && ! ip link show tap0 2>/dev/null' ;;
	"tapwire link set tap0 up mtu 1400 txqueuelen 500 master br0"*)
		SETUP='tapwire tuntap add tap0 mode tap; tapwire bridge add br0; echo "link show" >commands.txt'
		SED="s/NETNS/$CUR_NS/"
		AFTER='ip route show 203.0.113.0/24 | grep "via 198.51.100.2 dev vm0" && ip -6 route show default | grep "via fd00::2 dev vm0"' ;;
	"tapwire bridge add br0 stp off forward_delay 1 hello_time 1"*)
		SETUP='ip link add eth0 type veth peer name eth1'
		AFTER='test -L "$TMPD/bin/brctl" && ip link show br1 >/dev/null' ;;
	"tapwire-wg wg0"*)
		SETUP='wg genkey >key; wg genkey >private; PEER_PUBLIC_KEY=$(wg genkey | wg pubkey); wg_quick_file'
		SED='s/ABC\.\.\.=/"$PEER_PUBLIC_KEY"/'
		AFTER='test -S /run/wireguard/wg0.sock && wg show wg0 allowed-ips | grep 192.0.2.2/32' ;;
	"WG_QUICK_USERSPACE_IMPLEMENTATION=tapwire-wg wg-quick up ./wg1.conf"*)
		SETUP='wg_quick_file'
		AFTER='test -S /run/wireguard/wg1.sock && ip addr show wg1 | grep 203.0.113.1/24' ;;
	"tapwire apply examples/tapwire-lab.conf"*)
		SETUP='ip link add veth0 type veth peer name veth1; lab_conf'
		AFTER='ip link show vm1 >/dev/null && ip addr show br0 | grep 198.51.100.1/24' ;;
	"# a TAP the VM's user may open, no privileges needed by QEMU:"*)
		SETUP='ip link add br0 type bridge' CWD=$TW_BUILD/helper
		AFTER='test -u "$TMPD/libexec/tapwire-bridge-helper" && grep -qx "allow br0" "$TMPD/etc/qemu/bridge.conf"' ;;
	"install -m 4755 tapwire-bridge-helper /usr/libexec/"*)
		SETUP='ip link add br0 type bridge' CWD=$TW_BUILD/helper
		AFTER='test -u "$TMPD/libexec/tapwire-bridge-helper"' ;;
	"setcap cap_net_admin+ep /usr/libexec/tapwire-bridge-helper"*)
		SETUP='install -m 755 "$TW_BUILD/helper/tapwire-bridge-helper" "$TMPD/libexec/"'
		AFTER='getcap "$TMPD/libexec/tapwire-bridge-helper" | grep cap_net_admin' ;;
	"# root, once: a TAP alice may use, on a bridge"* | "tapwire tuntap add tap-h0 mode tap user alice"*)
		SETUP='ip link add br0 type bridge; mkdir -p "$HOME/www"'
		AFTER='pgrep -x tapwire-host >/dev/null' ;;
	"tapwire-host --dev tap-h0 --addr 198.51.100.10/24 --gw 198.51.100.1"*)
		AFTER='ip link show tap-h0 >/dev/null && pgrep -x tapwire-host >/dev/null' ;;
	"tapwire tuntap add tap0 mode tap user 1000 vnet_hdr"*)
		SETUP='ip link add eth0 type veth peer name eth1; ip link add veth0 type veth peer name veth1; lab_conf'
		AFTER='ip link show vm0 >/dev/null && ! ip link show tap0 2>/dev/null' ;;
	"ip link add vx0 type vxlan id 42 dstport 4789 remote 192.0.2.20 local 192.0.2.10"*)
		SETUP='ip link add br0 type bridge'
		AFTER='ip -d link show vx0 | grep -q "dstport 4789" && ip link show vx0 | grep -q "master br0"' ;;
	"tapwire-vxlan --dev tvx0 --vni 42 --remote 192.0.2.10"*)
		AFTER='ip link show tvx0 | grep -q ",UP" && tapwire -d tuntap show tvx0 | grep -q tapwire-vxlan' ;;
	"tapwire-vxlan --dev tvx1 --vni 43 --remote 203.0.113.2"*)
		AFTER='tapwire -d tuntap show tvx1 | grep -q tapwire-vxlan' ;;
	"qemu-system-x86_64 ... -netdev dgram"*)
		AFTER='tapwire -d tuntap show tvr0 | grep -q tapwire-vxlan' ;;
	*) return 1 ;;
	esac
}

# What every block's shell has (exported into it as functions).
prelude() {
	cat <<'EOF'
set -e -o pipefail
mount -t tmpfs tw-wireguard /run/wireguard
wg_quick_file() {
	printf '[Interface]\nPrivateKey = %s\nAddress = 203.0.113.1/24\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 203.0.113.2/32\nEndpoint = 198.51.100.2:51820\n' \
		"$(wg genkey)" "$(wg genkey | wg pubkey)" >wg1.conf
	chmod 600 wg1.conf
}
lab_conf() { cp "$TW_SRC/examples/tapwire-lab.conf" "$TMPD/etc/tapwire/lab.conf"; }
systemctl() { # systemctl enable --now UNIT@INSTANCE: the unit's ExecStart
	local unit=${!#} line
	line=$(sed -n 's/^ExecStart=//p' "$TW_BUILD/systemd/${unit%@*}@.service")
	line=${line//%i/${unit#*@}}
	line=${line//\/etc\/tapwire\//$TMPD/etc/tapwire/}
	set -- $line # the installed program is the one built here
	"$(basename "$1")" "${@:2}"
}
EOF
}

WORK=$TW_TMP/work
sources=("$TW_SRC/README.md" "$TW_SRC"/docs/*.8 "$TW_SRC"/docs/*.5)
n=0 ran=0
for src in "${sources[@]}"; do
	blocks "$src" >"$TW_TMP/blocks"
	# split into one file per block
	rm -f "$TW_TMP"/b.*
	awk -v d="$TW_TMP" '/^@@ / { n++; f = sprintf("%s/b.%03d", d, n); print substr($0, 4) > f; next } { print >> f }' "$TW_TMP/blocks"
	for b in "$TW_TMP"/b.*; do
		[ -e "$b" ] || continue
		n=$((n + 1))
		where=$(head -n 1 "$b")
		tail -n +2 "$b" >"$TW_TMP/text"
		first=$(grep -m 1 -v '^[[:space:]]*$' "$TW_TMP/text")
		ns_new CUR_NS
		TMPD=$TW_TMP/d$n
		rm -rf "$WORK"
		mkdir -p "$WORK" "$TMPD/bin" "$TMPD/libexec" "$TMPD/etc/qemu" "$TMPD/etc/tapwire" "$TMPD/home"
		ln -s "$TW_SRC/examples" "$WORK/examples"
		if ! rule "$where" "$first"; then
			fail "$where: a recipe with no rule in this test (\"$first\"): add one"
			continue
		fi
		# the substitutions every block gets, then the block's own
		sed -E "s/\\balice\\b/nobody/g; s/\\bgroup kvm\\b/group $kvm/g; s|~/|\$HOME/|g
			s|/usr/libexec/|\$TMPD/libexec/|g; s|/usr/local/sbin/|\$TMPD/bin/|g
			s|/etc/qemu/|\$TMPD/etc/qemu/|g; s|/etc/tapwire/|\$TMPD/etc/tapwire/|g
			s|^([[:space:]]*)qemu-system-x86_64|\\1: qemu-system-x86_64|
			${SED}" "$TW_TMP/text" >"$TW_TMP/run" || die "$where: the substitutions do not parse"
		check "$where: the substitutions leave the recipe's commands" test -s "$TW_TMP/run"
		{
			prelude
			printf 'cd %q\n' "$CWD"
			printf '%s\n' "$SETUP"
			cat "$TW_TMP/run"
			printf '\n%s\n' "$AFTER"
		} >"$TW_TMP/script.$n"
		if ip netns exec "$CUR_NS" env TW_SRC="$TW_SRC" TW_BUILD="$TW_BUILD" TMPD="$TMPD" \
			HOME="$TMPD/home" LOG_LEVEL=verbose \
			PATH="$TMPD/bin:$TW_BUILD/cli:$TW_BUILD/wg:$TW_BUILD/host:$TW_BUILD/helper:$TW_BUILD/vxlan:$PATH" \
			timeout 60 unshare -m --propagation private bash -x "$TW_TMP/script.$n" \
			>"$TW_TMP/out.$n" 2>&1 </dev/null; then
			ok "$where runs as written ($first)"
			ran=$((ran + 1))
		else
			fail "$where: the recipe fails ($first); its run:"
			tail -n 25 "$TW_TMP/out.$n" >&2
		fi
		# its daemons live in its namespace: they go with it
		for pid in $(ip netns pids "$CUR_NS"); do kill -TERM "$pid" 2>/dev/null; done
	done
done
log "$ran of $n recipes ran"

# The pages the build makes carry the programs' version (from project()).
version=$("$TAPWIRE" --version | awk '{ print $2 }')
for page in "$TW_SRC"/docs/*.[58]; do
	built=$TW_BUILD/man/$(basename "$page")
	check_eq "$(basename "$page"): footer of the built page" \
		"$(sed -n '/^\.TH/{s/.*"tapwire \([^"]*\)".*/\1/p;q}' "$built")" "$version"
done
check "the documentation has recipes" test "$n" -ge 12

finish
