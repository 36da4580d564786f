#!/usr/bin/env bash
# The Debian packages, as a Debian user meets them: dpkg-buildpackage -b
# from a clean copy of the tree builds every package; lintian --pedantic
# finds no error, warning or pedantic tag; the packages install with dpkg
# and what they promise works from the installed files (the programs, the
# tunctl/brctl personalities, pkg-config, the examples built against the
# -dev packages and run, man pages, completions, units); the integration
# tests named in TW_PKG_TESTS run against them (debian/tests/installed, the
# autopkgtest); purging them leaves nothing behind; and a deliberate ABI
# change (a symbol dropped from lib/libtapwire.map) fails the package build.
# The machine's package state is restored even on failure.
TW_TEST_TIMEOUT=600
. "$TW_TESTS/lib.sh"
needs dpkg-buildpackage lintian dh pkg-config cc ping man
PKGS=(libtapwire1 libtapwire-dev libtapwire-host0 libtapwire-host-dev tapwire tapwire-wg
	tapwire-host tapwire-vxlan tapwire-bridge-helper tapwire-cni)
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" &&
		die "$p is installed already: this test installs and purges it"
done

# a clean copy of the tree (what git tracks, or would)
SRC=$TW_TMP/src/tapwire
mkdir -p "$SRC"
if git -C "$TW_SRC" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$TW_SRC" && git ls-files -z --cached --others --exclude-standard) |
		(cd "$TW_SRC" && xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$SRC"
else
	tar -C "$TW_SRC" --exclude='./build*' --exclude=./obj-* -cf - . | tar -xf - -C "$SRC"
fi
cp -a "$SRC" "$TW_TMP/src-abi"

check "dpkg-buildpackage -us -uc -b builds" sh -c "cd '$SRC' && dpkg-buildpackage -us -uc -b >'$TW_TMP/build.log' 2>&1" ||
	{ tail -n 30 "$TW_TMP/build.log" >&2; finish; }
debs=()
for p in "${PKGS[@]}"; do
	f=$(ls "$TW_TMP/src/${p}_"*.deb 2>/dev/null)
	check "package $p built" test -n "$f" && debs+=("$f")
done
check "dh_missing: every installed file is in a package" sh -c "! grep -q 'dh_missing: warning' '$TW_TMP/build.log'"
lintian --pedantic --fail-on error,warning,pedantic --tag-display-limit 0 \
	"$TW_TMP/src/"tapwire_*_"$(dpkg --print-architecture)".changes >"$TW_TMP/lintian.log" 2>&1
rc=$?
check "lintian --pedantic: nothing (exit $rc): $(grep -E '^[EWP]:' "$TW_TMP/lintian.log" | tr '\n' '|')" test "$rc" = 0

# install, restoring the machine's package state whatever happens
snap() { find /usr /lib /etc /var/lib/dpkg/info -xdev \( -type f -o -type l \) 2>/dev/null | grep -v -E '^/usr/lib/python3|^/etc/ld.so.cache$|\.pyc$' | LC_ALL=C sort; }
snap >"$TW_TMP/before"
at_exit "dpkg --purge ${PKGS[*]} >/dev/null 2>&1"
check "dpkg -i installs them" sh -c "dpkg -i ${debs[*]} >'$TW_TMP/install.log' 2>&1" ||
	tail -n 20 "$TW_TMP/install.log" >&2

v=$(sed -n '1s/.*(\([^)]*\)).*/\1/p' "$SRC/debian/changelog")
check_eq "tapwire --version (installed)" "$(/usr/sbin/tapwire --version)" "tapwire $v"
check "tapwire-wg --version (installed)" sh -c "/usr/bin/tapwire-wg --version | grep -q 'v$v'"
check "tapwire-host --help (installed)" sh -c "/usr/bin/tapwire-host --help | grep -q -- --dev"
check "tapwire-vxlan --version (installed)" sh -c "/usr/bin/tapwire-vxlan --version | grep -q '$v'"
check "man tapwire-vxlan" sh -c "man -w tapwire-vxlan | grep -q '^/usr/share/man/man8/tapwire-vxlan.8'"
check "tapwire-bridge-helper installed 0755, not setuid" \
	test "$(stat -c %a /usr/libexec/tapwire-bridge-helper)" = 755
check_eq "pkg-config --cflags tapwire" "$(pkg-config --cflags tapwire)" ""
check_eq "pkg-config --libs tapwire-host" "$(pkg-config --libs tapwire-host | xargs)" "-ltapwire-host"
check_eq "pkg-config --modversion tapwire-host" "$(pkg-config --modversion tapwire-host)" "$v"
check "man tapwire finds the installed page" sh -c "man -w tapwire | grep -q '^/usr/share/man/man8/tapwire.8'"
check "man tapwire-wg" sh -c "man -w tapwire-wg >/dev/null && man -w 5 tapwire.conf >/dev/null"
check "completions installed" test -f /usr/share/bash-completion/completions/tapwire -a \
	-f /usr/share/bash-completion/completions/tapwire-wg -a -f /usr/share/bash-completion/completions/tapwire-host \
	-a -f /usr/share/bash-completion/completions/tapwire-vxlan
check "the CNI plugin answers VERSION from /usr/lib/cni/tapwire" \
	sh -c "echo '{\"cniVersion\":\"1.0.0\"}' | CNI_COMMAND=VERSION /usr/lib/cni/tapwire | grep -q supportedVersions"
check "units installed" test -f /lib/systemd/system/tapwire@.service -a -f /lib/systemd/system/tapwire-wg@.service
check "tapwire@.service runs the installed tapwire" grep -q '^ExecStart=/usr/sbin/tapwire apply' /lib/systemd/system/tapwire@.service

ns_new NS
check "brctl personality (/usr/libexec/tapwire/brctl)" sh -c "ip netns exec $NS /usr/libexec/tapwire/brctl addbr pb0 && ip netns exec $NS /usr/libexec/tapwire/brctl show | grep -q '^pb0'"
check "tunctl personality" sh -c "ip netns exec $NS /usr/libexec/tapwire/tunctl -t pt0 | grep -q pt0"

# the examples, built against the installed -dev packages, shared library
cc -o "$TW_TMP/tun_ping" "$SRC/examples/tun_ping.c" $(pkg-config --cflags --libs tapwire) &&
	cc -o "$TW_TMP/host_hello" "$SRC/examples/host_hello.c" $(pkg-config --cflags --libs tapwire-host tapwire)
check "examples build against the -dev packages" test -x "$TW_TMP/tun_ping" -a -x "$TW_TMP/host_hello"
check "... linked to the installed libtapwire.so.1" sh -c "ldd '$TW_TMP/tun_ping' | grep -q 'libtapwire.so.1 => /[a-z/0-9_-]*/libtapwire.so.1 '"
/usr/sbin/tapwire -n "$NS" tuntap add pping0 mode tun >/dev/null
bg PID sh -c 'exec ip netns exec "$1" "$2" pping0 >"$3"' sh "$NS" "$TW_TMP/tun_ping" "$TW_TMP/ping.out"
wait_for 10 grep -q "ready pping0" "$TW_TMP/ping.out" || fail "tun_ping (installed) did not start"
ip -n "$NS" addr add 198.51.100.1/24 dev pping0
ip -n "$NS" link set pping0 up
check "tun_ping, built on the installed library, answers" nsx "$NS" ping -c 2 -i 0.2 -W 2 198.51.100.2
kill "$PID"

# the autopkgtest's runner, on a few tests (all of them run in CI already
# against the build tree; TW_PKG_TESTS=. runs every one)
check "debian/tests/installed (${TW_PKG_TESTS:=netcfg_cli|wg_invocation|host_daemon|cni_plugin})" \
	sh -c "cd '$SRC' && AUTOPKGTEST_TMP='$TW_TMP/apt' TW_PKG_TESTS='$TW_PKG_TESTS' debian/tests/installed >'$TW_TMP/autopkgtest.log' 2>&1" ||
	tail -n 30 "$TW_TMP/autopkgtest.log" >&2

check "dpkg --purge removes them" sh -c "dpkg --purge ${PKGS[*]} >'$TW_TMP/purge.log' 2>&1"
snap >"$TW_TMP/after"
check "nothing left behind: $(comm -13 "$TW_TMP/before" "$TW_TMP/after" | head -n 5 | tr '\n' ' ')" \
	test -z "$(comm -13 "$TW_TMP/before" "$TW_TMP/after")"

# ABI drift: one symbol less in the version script fails the build
sed -i '0,/^\t\ttw_bridge_id_format;$/{/^\t\ttw_bridge_id_format;$/d}' "$TW_TMP/src-abi/lib/libtapwire.map"
check "the drift is made" sh -c "! grep -q tw_bridge_id_format '$TW_TMP/src-abi/lib/libtapwire.map'"
(cd "$TW_TMP/src-abi" && dpkg-buildpackage -us -uc -b >"$TW_TMP/abi.log" 2>&1)
check "a symbol dropped from the ABI fails the package build (exit $?)" test "$?" != 0
check "... in dpkg-gensymbols, naming it" sh -c "grep -q 'dpkg-gensymbols' '$TW_TMP/abi.log' && grep -q 'tw_bridge_id_format' '$TW_TMP/abi.log'"
finish
