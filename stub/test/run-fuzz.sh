#!/bin/sh
# Fuzzes the stub's pure logic (payload decoder, fd-block walker, command-line code) with the
# libFuzzer target stub/test/fuzz.c under AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   sh stub/test/run-fuzz.sh                  (npm run fuzz)
#   FUZZ_SECONDS=600 sh stub/test/run-fuzz.sh
#
# Steps: build the target with clang -fsanitize=fuzzer,address,undefined; build fuzz.c again
# with -DBOUNCE_FUZZ_SEEDS as the seed generator and write the seeds; run the target for
# FUZZ_SECONDS (default 60) over the seeds. Prints the number of executions. Exits non-zero if
# the target crashed, failed an invariant, leaked, hung or ran out of memory; the input that did
# it is kept in build/fuzz/ (replay: build/fuzz/fuzz-target FILE) with the full log.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../src"
root=$(cd "$here/../.." && pwd)
seconds=${FUZZ_SECONDS:-60}
cc=${CC:-clang}
out="$root/build/fuzz"
case $seconds in
  '' | *[!0-9]*) echo "run-fuzz.sh: FUZZ_SECONDS must be a whole number of seconds, not '$seconds'" >&2; exit 2 ;;
esac

mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sources="$src/payload.c $src/cmdline.c $src/fdblock.c $src/wbuf.c"
# -Wno-unused-function: support.h defines static helpers that only the seed generator uses.
flags="-std=c11 -Wall -Wextra -Werror -Wno-unused-function -g -O1 -fno-omit-frame-pointer -I$src"

# shellcheck disable=SC2086 # $flags and $sources are word lists
$cc $flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -o "$out/fuzz-target" "$here/fuzz.c" $sources
# shellcheck disable=SC2086
$cc $flags -fsanitize=address,undefined -fno-sanitize-recover=all -DBOUNCE_FUZZ_SEEDS \
  -o "$tmp/seeds" "$here/fuzz.c" $sources

mkdir "$tmp/corpus"
"$tmp/seeds" "$tmp/corpus"
echo "run-fuzz.sh: $(ls "$tmp/corpus" | wc -l) seeds; fuzzing for $seconds s (log: $out/fuzz.log)"

status=0
ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
  "$out/fuzz-target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$out/" "$tmp/corpus" > "$out/fuzz.log" 2>&1 || status=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log" | tail -n 1)
if [ "$status" -ne 0 ]; then
  tail -n 60 "$out/fuzz.log" >&2
  echo "run-fuzz.sh: FAILED (libFuzzer exit status $status) after ${execs:-an unknown number of} executions;" \
    "reproducer: $(ls -t "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* 2> /dev/null | head -n 1)" >&2
  exit 1
fi
if [ -z "$execs" ]; then
  echo "run-fuzz.sh: libFuzzer printed no final statistics (see $out/fuzz.log)" >&2
  exit 1
fi
echo "run-fuzz.sh: ok, $execs executions in $seconds s, no crash ($(grep -c '	NEW' "$out/fuzz.log" || true) new coverage inputs)"
