#!/bin/bash
#
# regress/skips.sh, the rule by which check.sh lets a skip pass on the
# reference platform: a test named in the allow-list whose skip message
# matches the expression given there, and nothing else.  Checked on the
# real regress/skips.allow and on a list made here.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/regress/unit/tap.sh"
. "$top_srcdir/regress/skips.sh" || exit 1

tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT

# The real list: the systemd boot without the Debian archive only.
sb=regress/systemd_boot.sh
why="systemd_boot.sh: debootstrap failed (is http://deb.debian.org/debian"
why="$why reachable?); skipped"
skip_allowed "$sb" "$why" &&
    ok "systemd_boot.sh may skip without the archive" ||
    notok "systemd_boot.sh may skip without the archive"
skip_allowed "$sb" "systemd_boot.sh: needs root; skipped" &&
    notok "systemd_boot.sh may not skip for want of root" ||
    ok "systemd_boot.sh may not skip for want of root"
skip_allowed regress/mega/drop_mock.sh "1..0 # SKIP curl not installed" &&
    notok "a drop test may not skip" || ok "a drop test may not skip"

# A list made here: comments and blank lines are not entries, the
# name must be whole, the expression is extended.
printf '%s\n' '# regress/a.sh anything' '' 'regress/b.sh	no (tun|tap)$' \
    >"$tmp"
skip_allowed regress/a.sh "anything" "$tmp" &&
    notok "a comment allows nothing" || ok "a comment allows nothing"
skip_allowed regress/b.sh "SKIP: no tun" "$tmp" &&
    ok "an extended expression matches" ||
    notok "an extended expression matches"
skip_allowed regress/b.sh "SKIP: no tun device" "$tmp" &&
    notok "the expression is anchored where it says" ||
    ok "the expression is anchored where it says"
skip_allowed regress/b "SKIP: no tun" "$tmp" &&
    notok "a prefix of the name is not the name" ||
    ok "a prefix of the name is not the name"

echo "1..$n"
exit $fail
