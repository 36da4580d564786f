#!/usr/bin/env bash
# Records the ABI of the shared libraries as released: abi/libtapwire.abi and
# abi/libtapwire-host.abi (abidw's XML of each, public headers only). Run at
# a release, or with the SOVERSION bump that announces an incompatible
# change (abi/README.md).
# Usage: scripts/abi_dump.sh [BUILD_DIR [NAME...]]
#   (default: build, RelWithDebInfo; both libraries)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(libtapwire libtapwire-host)
for name in "${names[@]}"; do
	case $name in
	libtapwire) so=$build/lib/libtapwire.so ;;
	libtapwire-host) so=$build/host/libtapwire-host.so ;;
	*) echo "Error: no library $name (libtapwire, libtapwire-host)" >&2; exit 2 ;;
	esac
	[ -f "$so" ] || { echo "Error: no $so: build first" >&2; exit 1; }
	abidw --headers-dir include/tapwire --no-corpus-path --out-file "abi/$name.abi" "$(readlink -f "$so")"
	echo "abi/$name.abi: $(grep -o "soname='[^']*'" "abi/$name.abi"), $(grep -c '<elf-symbol ' "abi/$name.abi") symbols"
done
