#!/usr/bin/env bash
# Prints the dpkg-gensymbols file of a library from its version script:
#     scripts/debian-symbols.sh MAP SONAME PACKAGE DEV-PACKAGE
# Every symbol of node NAME_X.Y gets minimal version X.Y (the release
# that added the node; "0.2" sorts before the 0.2.0 package, so dropping it
# counts as a change even in the release that added it). debian/*.symbols
# are this script's output, kept in
# the tree on purpose: dh_makeshlibs runs dpkg-gensymbols with -c4, so a
# library that exports anything else than the file lists fails the package
# build, and abi/symbols (CTest) fails when the map and the file part.
set -euo pipefail
map=$1 soname=$2 pkg=$3 dev=$4
printf '%s %s #MINVER#\n' "$soname" "$pkg"
printf '* Build-Depends-Package: %s\n' "$dev"
# strip comments, then walk "NODE {" ... "} [PARENT];" blocks
sed -e 's|/\*.*\*/||g' -e '/\/\*/,/\*\//d' "$map" | awk '
	/^[A-Z][A-Z0-9_]*_[0-9]+\.[0-9]+[[:space:]]*\{/ {
		node = $1; ver = node; sub(/.*_/, "", ver)
		lines[n++] = sprintf(" %s@%s %s", node, node, ver); next
	}
	/^[[:space:]]*(global|local):/ { next }
	/^[[:space:]]*[a-z_][a-z0-9_]*;[[:space:]]*$/ && node {
		s = $1; sub(/;$/, "", s)
		lines[n++] = sprintf(" %s@%s %s", s, node, ver)
	}
	END { for (i = 0; i < n; i++) print lines[i] | "LC_ALL=C sort"; }'
