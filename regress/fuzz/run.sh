#!/bin/sh
#
# Build the fuzz targets and run each for a while.
# Usage: run.sh [seconds [outdir]]; seconds defaults to 20.
# Exits 77 (skipped) when clang with libFuzzer is not available, 1 if
# any target crashed (the input is kept in outdir as crash-*).

set -u

secs=${1:-${FUZZ_SECONDS:-20}}
out=${2:-${top_builddir:-/tmp}/fuzz-out}
here=$(cd "$(dirname "$0")" && pwd)
src=${top_srcdir:-$(cd "$here/../.." && pwd)}
CC=${CC:-clang}

# libFuzzer comes with libclang-rt-NN-dev on Debian: try it first.
probe=$(mktemp -d) || exit 1
trap 'rm -rf "$probe"' EXIT
printf '%s\n' '#include <stdint.h>' '#include <stddef.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t s);' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t s)' \
    '{ (void)d; (void)s; return 0; }' >"$probe/t.c"
if ! command -v "$CC" >/dev/null 2>&1 ||
    ! "$CC" -fsanitize=fuzzer,address -o "$probe/t" "$probe/t.c" \
    >/dev/null 2>&1; then
	echo "SKIP: $CC with libFuzzer not available" \
	    "(Debian: clang libclang-rt-14-dev)"
	exit 77
fi

CC=$CC "$here/build.sh" "$src" "$out" || exit 1

# Seeds, so that short runs start from real messages: RFC 5769 2.2
# and 2.3, and a coturn-like response with the RFC 5780 attributes.
hex2bin() {
	h=$1
	while [ -n "$h" ]; do
		b=${h%"${h#??}"}
		h=${h#??}
		# shellcheck disable=SC2059
		printf "\\$(printf %o "0x$b")"
	done
}
seed() {
	mkdir -p "$out/corpus/$1"
	hex2bin "$3" >"$out/corpus/$1/seed-$2"
}
seed fuzz_stun rfc5769-v4 \
0101003c2112a442b7e7a701bc34d686fa87dfae8022000b74657374\
20766563746f7220002000080001a147e112a643000800142b91f599\
fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96
seed fuzz_stun rfc5769-v6 \
010100482112a442b7e7a701bc34d686fa87dfae8022000b74657374\
20766563746f7220002000140002a1470113a9faa5d3f179bc25f4b5\
bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed41\
80280004c8fb0b4c
seed fuzz_stun rfc5780 \
010100442112a442000102030405060708090a0b0009000a00000414\
4261640a787900000001000800010d96c6336407802c000800010d97\
cb007102802b000800010d96cb007101000300040000000680280004\
8663ea41
# A file as clawd writes it: seq NAT, step 1, IPv4 addresses, 1000 s
# before the time the target decodes at.
seed fuzz_natfile seq \
636c6177646e61740100000010010000020301000000000018ce496b\
0000000002000000cb00710c00000000000000000000000000000000\
00000000000000000000000000000000000000000000000000000000\
00000000000000000000000000000000000000000000000000000000\
00000000000000000000000000000000000000000000000000000000\
000000000000000000000000000000000000000002000000c6120202\
00000000000000000000000000000000000000000000000000000000\
00000000000000000000000000000000000000000000000000000000\
00000000000000000000000000000000000000000000000000000000\
00000000000000000000000000000000000000000000000000000000\
0000000000000000

rc=0
for bin in "$out"/fuzz_*; do
	[ -x "$bin" ] || continue
	t=$(basename "$bin")
	mkdir -p "$out/corpus/$t"
	echo "running $t for $secs s"
	if ! "$bin" -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix="$out/" "$out/corpus/$t" \
	    >"$out/$t.log" 2>&1; then
		echo "FAIL: $t, see $out/$t.log"
		tail -n 30 "$out/$t.log"
		rc=1
	else
		grep -E '^stat::number_of_executed_units|cov:' \
		    "$out/$t.log" | tail -n 2
	fi
done
exit $rc
