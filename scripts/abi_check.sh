#!/usr/bin/env bash
# Compares a built shared library (libtapwire or libtapwire-host) with the
# ABI of its last release (abi/<name>.abi) and fails on a change nobody
# announced:
#  - any change abidiff reports besides added functions (a struct that grew
#    or changed, a removed or changed function) unless the SOVERSION was
#    bumped and the dump regenerated with it (scripts/abi_dump.sh);
#  - an added function in a version node the last release already had
#    (new symbols go into a new node: lib/libtapwire.map,
#    host/libtapwire-host.map).
# Usage: scripts/abi_check.sh LIB.so   Exit 0 ok, 1 a break, 77 no abidiff.
set -uo pipefail
cd "$(dirname "$0")/.."
so=${1:?usage: abi_check.sh path/to/libtapwire.so}
name=$(basename "$so")
name=${name%%.so*}
ref=abi/$name.abi
command -v abidiff >/dev/null || { echo "abidiff not found (Debian: abigail-tools): skipped"; exit 77; }
[ -f "$ref" ] || { echo "Error: no $ref (scripts/abi_dump.sh makes it)" >&2; exit 1; }
so=$(readlink -f "$so")

want=$(grep -o "soname='[^']*'" "$ref" | head -1 | cut -d"'" -f2)
have=$(objdump -p "$so" | awk '$1 == "SONAME" {print $2}')
if [ "$want" != "$have" ]; then
	echo "FAIL: the build is $have but $ref records $want: a SOVERSION bump needs its dump (scripts/abi_dump.sh)"
	exit 1
fi

report=$(mktemp)
trap 'rm -f "$report"' EXIT
abidiff --no-added-syms --headers-dir2 include/tapwire "$ref" "$so" >"$report" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	cat "$report"
	if [ $((rc & 3)) -ne 0 ]; then
		echo "FAIL: abidiff could not compare (exit $rc)"
	else
		echo "FAIL: $name's ABI changed against $ref without a SOVERSION bump (exit $rc; abi/README.md)"
	fi
	exit 1
fi

# Added functions: each must be in a version node the last release did not have.
old_nodes=$(grep -o "<elf-symbol name='[^']*' version='[^']*'" "$ref" | cut -d"'" -f4 | sort -u)
old_syms=$(grep -o "<elf-symbol name='[^']*'" "$ref" | cut -d"'" -f2 | sort -u)
bad=0
while read -r sym node; do
	grep -qxF "$sym" <<<"$old_syms" && continue
	if grep -qxF "$node" <<<"$old_nodes"; then
		echo "FAIL: $sym was added to $node, a node of the last release: give it a new node"
		bad=1
	else
		echo "added: $sym@$node"
	fi
done < <(nm -D --defined-only --with-symbol-versions "$so" | awk '$3 ~ /^tw_/ {split($3, a, "@@"); print a[1], a[2]}')
[ $bad = 0 ] || exit 1
echo "$name ABI: $have matches $ref ($(wc -l <<<"$old_syms") symbols)"
