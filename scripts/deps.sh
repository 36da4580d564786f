#!/usr/bin/env bash
# Installs what tapwire needs to build, test and benchmark on Debian 12.
# --no-install-recommends matters: without it wireguard-tools pulls in a
# kernel image and openvpn a smart-card stack.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "Error: run as root (apt-get, network namespaces)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
pkgs=(
	# build
	build-essential cmake pkg-config clang clang-format libclang-rt-14-dev
	libmnl-dev libsodium-dev libb2-dev libssl-dev libcap-ng-dev libcap-ng-utils
	libcmocka-dev libjson-c-dev valgrind abigail-tools python3-cryptography-vectors
	liblwip-dev libseccomp-dev
	# the real things the tests drive
	iproute2 procps psmisc kmod iptables nftables tcpdump jq python3 iputils-ping
	wireguard-go wireguard-tools iperf3
	qemu-system-x86 ipxe-qemu dnsmasq-base curl
	bridge-utils uml-utilities nmap bash-completion libcap2-bin ethtool
	# the Debian packages: built, linted and installed by int/pkg_debian
	debhelper lintian man-db
	# the CNI plugin's runtime side: Debian's libcni (built with Debian's Go)
	# and the reference plugins it chains with (host-local, tuning)
	golang-go golang-github-appc-cni-dev containernetworking-plugins
	# a real container runtime on the plugin (int/cni_podman)
	podman runc busybox-static
)
if [ "${TW_DEPS_BENCH:-0}" = 1 ]; then
	pkgs+=(fastd openvpn tinc linux-perf slirp4netns passt gnuplot-nox)
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
