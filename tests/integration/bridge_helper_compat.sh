#!/usr/bin/env bash
# tapwire-bridge-helper next to Debian's qemu-bridge-helper, in the same
# namespace, on the same ACL files (/etc/qemu/bridge.conf through an overlay
# on /etc in a private mount namespace: the host's /etc is never written).
# What QEMU sees must be the same: exit status, the message on stderr, the
# fd and its one zero byte, and a TAP with the same flags, MTU, master, state
# and MAC prefix. Where tapwire says more (file:line, usage) the qemu line
# must still be there, unchanged.
. "$TW_TESTS/lib.sh"
needs python3 jq unshare
QBH=/usr/lib/qemu/qemu-bridge-helper
[ -x "$QBH" ] || die "no $QBH (package qemu-system-common)"
TWH=$TW_BUILD/helper/tapwire-bridge-helper
FQ=$TW_TESTS/integration/fake-qemu.py
mkdir -p "$TW_TMP/up/qemu" "$TW_TMP/work" "$TW_TMP/out"

ns_new NS
nsx "$NS" ip link add br0 type bridge
nsx "$NS" ip link set br0 mtu 1300 up

# case NAME ACL-TEXT ARGS...: one line of the inner script per helper
cases=()
case_() { cases+=("$(printf '%q ' "$@")"); }
case_ allow-vnet 'allow br0\n' --use-vnet --br=br0 --fd=FD
case_ allow-all '# all\nallow all\n' --br=br0 --fd=FD
case_ deny-wins 'allow all\ndeny br0\n' --br=br0 --fd=FD
case_ default-deny '' --br=br0 --fd=FD
case_ other-bridge 'allow br1\n' --br=br0 --fd=FD
case_ nonexistent 'allow all\n' --br=nosuch --fd=FD
case_ too-long 'allow all\n' --br=br0xxxxxxxxxxxxx --fd=FD
case_ bad-fd 'allow all\n' --br=br0 --fd=99
case_ unknown-command 'permit br0\n' --br=br0 --fd=FD

{
	echo 'set -u'
	echo "mount -t overlay overlay -o lowerdir=/etc,upperdir=$TW_TMP/up,workdir=$TW_TMP/work /etc || exit 9"
	echo 'run() { local name=$1 acl=$2 impl h; shift 2
		for impl in qemu tapwire; do
			h='"$QBH"'; [ $impl = tapwire ] && h='"$TWH"'
			printf "$acl" >/etc/qemu/bridge.conf
			python3 '"$FQ"' "$h" "$@" >'"$TW_TMP"'/out/$name.$impl.json 2>'"$TW_TMP"'/out/$name.$impl.err
		done; }'
	for c in "${cases[@]}"; do echo "run $c"; done
} >"$TW_TMP/inner.sh"
nsx "$NS" unshare -m --propagation private bash "$TW_TMP/inner.sh"
[ $? != 9 ] || die "cannot mount an overlay on /etc"

# what QEMU can observe, minus the random part of the MAC
view() { jq -c '{rc, fds, msg, tap, no_pi, vnet_hdr, mtu, master, up, mac: ((.address // "") | .[0:3])}' \
	"$TW_TMP/out/$1.json"; }
for c in "${cases[@]}"; do
	name=${c%% *}
	check_eq "$name: what QEMU gets" "$(view "$name.tapwire")" "$(view "$name.qemu")"
	qerr=$(cat "$TW_TMP/out/$name.qemu.err")
	terr=$(cat "$TW_TMP/out/$name.tapwire.err")
	if [ "$terr" == "$qerr" ]; then
		ok "$name: same message: ${qerr:-(none)}"
	else
		# qemu's last line must be one of ours (we may add a file:line or usage line)
		check "$name: qemu's message kept [${qerr##*$'\n'}] in [${terr//$'\n'/ | }]" \
			grep -qxF -- "${qerr##*$'\n'}" <<<"$terr"
	fi
done
check_eq "allow-vnet: a TAP was really made" "$(view allow-vnet.tapwire | jq -c '[.fds, .master, .mtu]')" '[1,"br0",1300]'
check_eq "no TAP left by either" "$(ip -n "$NS" -o -d link show | grep -c 'tun type')" 0

finish
