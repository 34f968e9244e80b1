#!/bin/sh
#
# Build every regress/fuzz/fuzz_*.c as a libFuzzer binary with ASan and
# UBSan.  Usage: build.sh srcdir outdir
#
# The sources each target links besides its own file are listed in
# sources() below: a target links only what it fuzzes.

set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 srcdir outdir" >&2
	exit 2
fi
src=$1
out=$2
CC=${CC:-clang}

# target -> the tree's sources it needs, and extra libraries
sources() {
	case $1 in
	fuzz_stun)	echo "netengine/stun.c" ;;
	fuzz_cookie)	echo "netengine/cookie.c common/wgcrypto.c" ;;
	fuzz_noise)	echo "crypto/noise.c common/wgcrypto.c" ;;
	fuzz_offload)	echo "netengine/offload.c" ;;
	fuzz_megaattr)	echo "crypto/megacrypto.c common/b64url.c" ;;
	fuzz_megaapi)	echo "signaler/megaapi.c common/b64url.c" ;;
	fuzz_hpke)	echo "crypto/hpke.c crypto/hkdf.c common/key.c" ;;
	fuzz_rdv)	echo "common/rdv_msg.c netengine/probe.c" \
			    "common/wgcrypto.c" ;;
	fuzz_imsg)	echo "common/imsg.c common/imsg-buffer.c" \
			    "common/catalogue.c" ;;
	fuzz_natfile)	echo "parent/natfile.c" ;;
	*)		echo "" ;;
	esac
}
libs() {
	case $1 in
	fuzz_cookie|fuzz_noise|fuzz_megaattr|fuzz_hpke|fuzz_rdv)
			echo "-lcrypto" ;;
	fuzz_megaapi)	echo "-ljansson" ;;
	*)		echo "" ;;
	esac
}

CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -Wall -Wextra -Werror \
    -I$src/common -I$src/netengine -I$src/crypto -I$src/signaler \
    -I$src/parent"
BSD_CFLAGS=$(pkg-config --cflags libbsd-overlay)
BSD_LIBS=$(pkg-config --libs libbsd-overlay)

mkdir -p "$out"
for f in "$src"/regress/fuzz/fuzz_*.c; do
	[ -e "$f" ] || continue
	t=$(basename "$f" .c)
	srcs=""
	for s in $(sources "$t"); do
		srcs="$srcs $src/$s"
	done
	echo "building $out/$t"
	# shellcheck disable=SC2046,SC2086
	$CC $CFLAGS $BSD_CFLAGS -o "$out/$t" "$f" $srcs \
	    $(libs "$t") $BSD_LIBS
done
