#!/bin/bash
# check.sh: build clawd from the source tree and run every test: a
# -Werror build in build/, the manual page lint, a sanitizer build in
# build-san/, the Debian package and its unit under systemd
# (regress/package.sh, regress/systemd_boot.sh), a short fuzz run when
# regress/fuzz/run.sh exists.  Ends
# with one line "N passed, N failed, N skipped" over all test suites and
# exits non-zero if a test or any build step failed.  Run it as root to
# include the namespace tests (they skip otherwise).

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

failed_steps=()
jobs=-j2

# step NAME command...: run it, remember a failure.
step()
{
	local name=$1

	shift
	echo "=== $name"
	if "$@"; then
		return 0
	fi
	echo "=== FAILED: $name"
	failed_steps+=("$name")
	return 1
}

# build DIR configure-args...: configure, build and test out of tree.
build()
{
	local dir=$1

	shift
	mkdir -p "$dir" || return 1
	rm -f "$dir/test-suite.log"
	step "$dir: configure" \
	    sh -c 'cd "$1" && shift && ../configure "$@"' sh "$dir" "$@" ||
	    return 1
	step "$dir: make" make -C "$dir" $jobs || return 1
	step "$dir: make check" make -C "$dir" $jobs check \
	    ${CHECK_TESTS:+"TESTS=$CHECK_TESTS"}
}

step "autoreconf" autoreconf -fi
if [ ${#failed_steps[@]} -eq 0 ]; then
	build build --enable-werror &&
	    step "build: make manlint" make -C build manlint &&
	    step "build: make distcheck" make -C build distcheck \
	    TESTS='$(UNIT_TESTS) regress/config/run.sh'
	# The slow lab tests once, in the build above.
	CHECK_TESTS='$(FAST_TESTS)' build build-san --enable-werror \
	    --enable-sanitizers
	# The Debian package, built and installed into a throw-away root,
	# then booted with its unit under systemd (skips when the Debian
	# archive or systemd-nspawn is out of reach).
	pkgout=$(mktemp -d /tmp/clawd-check-deb.XXXXXX) || exit 1
	PACKAGE_OUT=$pkgout bash regress/package.sh
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 77 ] || failed_steps+=("package")
	deb=$(ls "$pkgout"/clawd_*.deb 2>/dev/null | head -n 1)
	if [ -n "$deb" ]; then
		echo "=== systemd_boot.sh"
		SYSTEMD_BOOT_DEB=$deb bash regress/systemd_boot.sh
		rc=$?
		[ $rc -eq 0 ] || [ $rc -eq 77 ] ||
		    failed_steps+=("systemd_boot")
	fi
	rm -rf "$pkgout"
	if [ -x regress/fuzz/run.sh ]; then
		step "fuzz" env top_srcdir="$top" \
		    top_builddir="$top/build" FUZZ_SECONDS=${FUZZ_SECONDS:-10} \
		    regress/fuzz/run.sh
	fi
fi

# Totals over every test suite, and the logs of the failed ones.
pass=0 fail=0 skip=0
for log in build/test-suite.log build-san/test-suite.log; do
	[ -f "$log" ] || continue
	eval "$(awk '
		/^# PASS:/  { p += $3 } /^# XFAIL:/ { p += $3 }
		/^# FAIL:/  { f += $3 } /^# XPASS:/ { f += $3 }
		/^# ERROR:/ { f += $3 } /^# SKIP:/  { s += $3 }
		END { printf "p=%d f=%d s=%d\n", p, f, s }' "$log")"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	if [ "$f" -ne 0 ]; then
		echo "=== $log"
		cat "$log"
	fi
done

if [ ${#failed_steps[@]} -ne 0 ]; then
	echo "failed steps:"
	printf '  %s\n' "${failed_steps[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ ${#failed_steps[@]} -eq 0 ]
