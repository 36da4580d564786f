#!/usr/bin/env bash
# Records libtapwire's ABI as released: abi/libtapwire.abi (abidw's XML of
# the shared library, public headers only). Run at a release, or with the
# SOVERSION bump that announces an incompatible change (abi/README.md).
# Usage: scripts/abi_dump.sh [BUILD_DIR]   (default: build; RelWithDebInfo)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
lib=$(readlink -f "$build/lib/libtapwire.so")
[ -f "$lib" ] || { echo "Error: no $build/lib/libtapwire.so: build first" >&2; exit 1; }
abidw --headers-dir include/tapwire --no-corpus-path --out-file abi/libtapwire.abi "$lib"
echo "abi/libtapwire.abi: $(grep -o "soname='[^']*'" abi/libtapwire.abi), $(grep -c '<elf-symbol ' abi/libtapwire.abi) symbols"
