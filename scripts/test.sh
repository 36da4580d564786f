#!/usr/bin/env bash
# The whole test suite, from scratch: dependencies, a build with warnings as
# errors, every fuzz harness (ASan+UBSan) for a bounded time, every unit,
# ABI and integration test; then, built with ASan+UBSan, the unit tests and
# the integration tests that drive parsers (label "parser"). Ends with
# CTest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc)

build() { # dir cmake-args...
	local dir=$1; shift
	rm -rf "$dir"
	cmake -S . -B "$dir" -DTW_WERROR=ON "$@" >/dev/null
	cmake --build "$dir" -j "$jobs" 2>&1 | grep -Ev '^\[ *[0-9]+%\]|^-- ' || true
	[ "${PIPESTATUS[0]}" = 0 ]
}

echo "=== formatting (clang-format, .clang-format)"
if ! git ls-files -z '*.c' '*.h' | xargs -0 clang-format --dry-run --Werror 2>/tmp/tw-format.$$; then
	head -40 /tmp/tw-format.$$; rm -f /tmp/tw-format.$$
	echo "Error: the tree is not clang-formatted (run: git ls-files '*.[ch]' | xargs clang-format -i)" >&2
	exit 1
fi
rm -f /tmp/tw-format.$$

build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
build build-asan -DCMAKE_BUILD_TYPE=Debug -DTW_SANITIZE=ON

status=0
echo "=== fuzzing (libFuzzer, ASan+UBSan, bounded time per harness)"
bash scripts/fuzz.sh "${TW_FUZZ_SECONDS:-15}" || status=1
echo "=== test suite (release build)"
(cd build && ctest -j "$jobs" --output-on-failure --timeout 900) || status=1
echo "=== unit and parser tests (ASan+UBSan build)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest -j "$jobs" -L 'unit|parser' --output-on-failure --timeout 900) || status=1
exit $status
