#!/usr/bin/env bash
# podman 4.3 (Debian 12) with its CNI backend starts a container on a
# conflist that uses the plugin "tapwire" with host-local IPAM: the
# container's eth0 is a TAP (its tun_flags say so) holding the leased
# address, and when the container goes (--rm) podman's CNI DEL removes it
# and gives the lease back. The container is a busybox-static root file
# system made here (no image is pulled); podman's storage, run and temporary
# directories are this test's own. runc, not crun: crun refuses a machine
# whose cgroups are in hybrid mode, as this one's are.
TW_TEST_TIMEOUT=120
. "$TW_TESTS/lib.sh"
needs podman runc jq
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && "$BUSYBOX" --list | grep -qx ip || die "busybox-static is not installed"
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' || log "note: $BUSYBOX is not static"

R=$TW_TMP/rootfs
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/etc" "$TW_TMP/net.d" "$TW_TMP/ipam" "$TW_TMP/tmp"
cp "$BUSYBOX" "$R/bin/busybox"
for c in sh ip cat ls; do ln -s busybox "$R/bin/$c"; done
cat >"$TW_TMP/net.d/twpod.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "twpod",
 "plugins": [{"type": "tapwire", "multiQueue": true, "queues": 2, "mtu": 1400,
              "ipam": {"type": "host-local", "dataDir": "$TW_TMP/ipam",
                       "ranges": [[{"subnet": "198.51.100.0/24", "gateway": "198.51.100.1"}]]}}]}
EOF
cat >"$TW_TMP/containers.conf" <<EOF
[network]
network_backend = "cni"
cni_plugin_dirs = ["$TW_BUILD/cni", "/usr/lib/cni"]
network_config_dir = "$TW_TMP/net.d"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
pm() {
	CONTAINERS_CONF=$TW_TMP/containers.conf timeout 60 podman --root "$TW_TMP/storage" \
		--runroot "$TW_TMP/run" --tmpdir "$TW_TMP/tmp" --storage-driver vfs --runtime runc "$@"
}
leases() { find "$TW_TMP/ipam" -type f -name '198.51.100.*' | wc -l; }
# podman's own namespaces (cni-*): other tests' come and go meanwhile
podman_netns() { ip netns list | awk '$1 ~ /^cni-/ { print $1 }' | sort; }
netns_before=$(podman_netns)

check "podman sees the network" grep -qx twpod <<<"$(pm network ls --format '{{.Name}}')"
out=$(pm run --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network twpod --rootfs "$R" \
	/bin/sh -c 'cat /sys/class/net/eth0/tun_flags; ip -o addr show eth0; cat /sys/class/net/eth0/mtu' 2>&1)
rc=$?
check_eq "podman run --network twpod exits 0" "$rc" 0 || log "podman said: $out"
flags=$(sed -n '1p' <<<"$out")
check "the container's eth0 is a TAP (tun_flags $flags: IFF_TAP set, IFF_TUN not)" \
	test $((flags & 0x2)) = 2 -a $((flags & 0x1)) = 0
check "... multi-queue and vnet_hdr (0x100, 0x4000)" test $((flags & 0x4100)) = $((0x4100))
check "... with the leased address: $(sed -n '2p' <<<"$out")" grep -q 'inet 198\.51\.100\.[0-9]*/24' <<<"$out"
check_eq "... and the MTU asked" "$(sed -n '3p' <<<"$out")" 1400
check_eq "--rm: podman's CNI DEL gave the lease back" "$(leases)" 0
check_eq "... and removed its namespace" "$(podman_netns)" "$netns_before"
finish
