#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan+UBSan) and runs each for a
# bounded time on a copy of its committed seed corpus. Fails on any crash.
#   bash scripts/fuzz.sh [SECONDS_PER_HARNESS] [HARNESS...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
shift || true
dir=build-fuzz
CC=clang cmake -S . -B "$dir" -DTW_FUZZ=ON -DBUILD_TESTING=OFF -DTW_WERROR=ON \
	-DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$dir" -j "$(nproc)" 2>&1 | grep -Ev '^\[ *[0-9]+%\]' || true
[ "${PIPESTATUS[0]}" = 0 ]
names=("$@")
if [ ${#names[@]} = 0 ]; then
	for f in fuzz/fuzz_*.c; do n=$(basename "$f" .c); names+=("${n#fuzz_}"); done
fi
# UBSan reports are failures too, not just messages.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
work=$(mktemp -d /tmp/tw-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0
for n in "${names[@]}"; do
	mkdir -p "$work/$n"
	[ -d "fuzz/corpus/$n" ] && cp -r "fuzz/corpus/$n/." "$work/$n/"
	echo "=== fuzz $n (${secs}s)"
	if ! (cd "$work" && "$OLDPWD/$dir/fuzz/fuzz_$n" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 "$work/$n" >"$work/$n.log" 2>&1); then
		echo "fuzz $n: FAILED"; tail -50 "$work/$n.log"; status=1
	else
		grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$work/$n.log" | tail -2
	fi
done
exit $status
