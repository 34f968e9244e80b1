#!/bin/bash
# check.sh: build clawd from the source tree and run every test: a
# -Werror build in build/, the manual page lint, a sanitizer build in
# build-san/, the Debian package and its unit under systemd
# (regress/package.sh, regress/systemd_boot.sh), a short fuzz run when
# regress/fuzz/run.sh exists.  Ends
# with one line "N passed, N failed, N skipped" over all test suites and
# exits non-zero if a test or any build step failed.  Run it as root to
# include the namespace tests (they skip otherwise).
#
# Every skipped test is listed by name, with its reason, above the last
# line.  On the reference platform (Debian 12, run as root) a skip is a
# failure unless regress/skips.allow names the test and its reason: the
# suite must not pass with part of it unrun.  Such a skip counts as
# failed, not as skipped; elsewhere skips are only listed.

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

failed_steps=()
jobs=-j2
# Skips seen outside make check: "TEST<tab>reason" lines.
step_skips=()

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

# script_step NAME TEST command...: a test script run outside make
# check; exit 77 is a skip of TEST (its last line of output the reason),
# any other failure a failed step.
script_step()
{
	local name=$1 test=$2 out rc

	shift 2
	echo "=== $name"
	out=$(mktemp /tmp/clawd-check-step.XXXXXX) || exit 1
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 77 ]; then
		step_skips+=("$(printf '%s\t%s' "$test" \
		    "$(grep . "$out" | tail -n 1)")")
	elif [ "$rc" -ne 0 ]; then
		echo "=== FAILED: $name"
		failed_steps+=("$name")
	fi
	rm -f "$out"
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
	script_step package regress/package.sh \
	    env PACKAGE_OUT="$pkgout" bash regress/package.sh
	deb=$(ls "$pkgout"/clawd_*.deb 2>/dev/null | head -n 1)
	if [ -n "$deb" ]; then
		script_step systemd_boot regress/systemd_boot.sh \
		    env SYSTEMD_BOOT_DEB="$deb" bash regress/systemd_boot.sh
	else
		step_skips+=("$(printf 'regress/systemd_boot.sh\t%s' \
		    "no package was built")")
	fi
	rm -rf "$pkgout"
	script_step fuzz regress/fuzz/run.sh \
	    env top_srcdir="$top" top_builddir="$top/build" \
	    FUZZ_SECONDS="${FUZZ_SECONDS:-10}" sh regress/fuzz/run.sh
fi

# Totals over every test suite, and the logs of the failed ones.
pass=0 fail=0 skip=0
for log in build/test-suite.log build-san/test-suite.log; do
	[ -f "$log" ] || continue
	eval "$(awk '
		/^# PASS:/  { p += $3 } /^# XFAIL:/ { p += $3 }
		/^# FAIL:/  { f += $3 } /^# XPASS:/ { f += $3 }
		/^# ERROR:/ { f += $3 }
		END { printf "p=%d f=%d\n", p, f }' "$log")"
	pass=$((pass + p)) fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		echo "=== $log"
		cat "$log"
	fi
done

# Every skip as "TEST<tab>reason": the tests of both builds (the reason
# is the last line their log has), then the scripts run outside them.
skips()
{
	local dir trs t

	for dir in build build-san; do
		[ -d "$dir" ] || continue
		grep -rl --include='*.trs' '^:test-result: SKIP' "$dir" |
		    sort | while read -r trs; do
			t=${trs#"$dir"/}
			t=${t%.trs}
			printf '%s\t%s\n' "$t" \
			    "$(grep . "${trs%.trs}.log" 2>/dev/null |
			    tail -n 1)"
		done
	done
	[ ${#step_skips[@]} -eq 0 ] || printf '%s\n' "${step_skips[@]}"
}

. regress/skips.sh || exit 1
reference=0
skip_reference && reference=1
refused=()
while IFS=$'\t' read -r t reason; do
	[ -n "$t" ] || continue
	if [ $reference -eq 1 ] && ! skip_allowed "$t" "$reason"; then
		refused+=("$t: $reason")
		fail=$((fail + 1))
	else
		echo "skipped: $t: $reason"
		skip=$((skip + 1))
	fi
done < <(skips)
if [ ${#refused[@]} -ne 0 ]; then
	echo "skipped on the reference platform (Debian 12, root)," \
	    "not in regress/skips.allow, counted as failed:"
	printf '  %s\n' "${refused[@]}"
fi

if [ ${#failed_steps[@]} -ne 0 ]; then
	echo "failed steps:"
	printf '  %s\n' "${failed_steps[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ ${#failed_steps[@]} -eq 0 ]
