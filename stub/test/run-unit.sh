#!/bin/sh
# Builds and runs the stub's native unit tests (stub/test/unit.c) against its pure logic,
# with AddressSanitizer and UndefinedBehaviorSanitizer; any sanitizer report fails the run.
#
#   sh stub/test/run-unit.sh        CC=clang sh stub/test/run-unit.sh
#
# The last line is `N passed, M failed`; the exit status is non-zero on any failure.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../src"
cc=${CC:-}
if [ -z "$cc" ]; then
  if command -v cc > /dev/null 2>&1; then cc=cc; else cc=clang; fi
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$cc -std=c11 -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer \
  -fsanitize=address,undefined -fno-sanitize-recover=all -I"$src" -o "$tmp/unit" \
  "$here/unit.c" "$src/payload.c" "$src/cmdline.c" "$src/fdblock.c" "$src/wbuf.c"

# halt_on_error: a sanitizer report is a failure even where a check would have passed.
ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
  "$tmp/unit"
