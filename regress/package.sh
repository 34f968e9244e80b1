#!/bin/bash
# package.sh: build the Debian package from the source tree, lint it,
# unpack it into a throw-away root and check what it installs: the
# files, the conffile, the unit, and that the installed clawd accepts
# the installed example configuration ("clawd -n") once its secret
# files exist.  The build runs on a copy of the tree, so the tree itself
# is left alone.
#
# Exit 0 on success, 1 on failure, 77 (skip) when dpkg-buildpackage,
# debhelper, lintian or systemd-analyze is missing.  PACKAGE_CHECK=1 also runs the package's own
# tests (unit and configuration tests) during the build; KEEP=1 keeps
# the temporary directory; PACKAGE_OUT=DIR copies the built package
# into DIR (regress/systemd_boot.sh installs it from there).

top=$(cd "$(dirname "$0")/.." && pwd)

for t in dpkg-buildpackage dh lintian systemd-analyze; do
	if ! command -v "$t" >/dev/null; then
		echo "package.sh: $t missing (dpkg-dev, debhelper, lintian," \
		    "systemd); skipped"
		exit 77
	fi
done

tmp=$(mktemp -d /tmp/clawd-pkg.XXXXXX) || exit 1
cleanup()
{
	if [ "${KEEP:-0}" = 1 ]; then
		echo "package.sh: kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

. "$top/regress/report.sh" || exit 1

# The tree's sources, without build directories or generated files:
# what git knows (tracked and new), or everything but the usual
# build products when this is not a git checkout.
src=$tmp/src/clawd
mkdir -p "$src" || exit 1
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z -co --exclude-standard |
	    xargs -0 tar cf - --no-recursion --ignore-failed-read) |
	    tar xf - -C "$src" || exit 1
else
	tar cf - -C "$top" --exclude=./build --exclude='./build-*' \
	    --exclude=autom4te.cache --exclude=.git . |
	    tar xf - -C "$src" || exit 1
fi

opts="parallel=$(nproc 2>/dev/null || echo 2)"
[ "${PACKAGE_CHECK:-0}" = 1 ] || opts="$opts nocheck"
echo "=== dpkg-buildpackage -us -uc -b ($opts)"
if ! (cd "$src" && DEB_BUILD_OPTIONS=$opts dpkg-buildpackage -us -uc -b) \
    >"$tmp/build.log" 2>&1; then
	tail -n 40 "$tmp/build.log"
	echo "FAIL: dpkg-buildpackage"
	exit 1
fi
deb=$(ls "$tmp"/src/clawd_*.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
	echo "FAIL: no package built"
	exit 1
fi
ok "built $(basename "$deb")"
if [ -n "${PACKAGE_OUT:-}" ]; then
	cp "$deb" "$PACKAGE_OUT/" || exit 1
fi

# Lintian: errors fail, warnings and the rest are shown.
lintian --info --display-info "$deb" >"$tmp/lintian.log" 2>&1
cat "$tmp/lintian.log"
if grep -q '^E: ' "$tmp/lintian.log"; then
	fail "lintian errors"
else
	ok "lintian: no errors"
fi

root=$tmp/root
dpkg -x "$deb" "$root" || exit 1
for f in usr/sbin/clawd usr/sbin/clawctl etc/clawd/clawd.conf \
    lib/systemd/system/clawd.service usr/lib/sysusers.d/clawd.conf \
    usr/lib/tmpfiles.d/clawd.conf usr/share/man/man8/clawd.8.gz \
    usr/share/man/man8/clawctl.8.gz usr/share/man/man5/clawd.conf.5.gz \
    usr/share/doc/clawd/SECURITY.md.gz usr/share/doc/clawd/copyright; do
	if [ -e "$root/$f" ]; then
		ok "installs /$f"
	else
		fail "does not install /$f"
	fi
done

dpkg-deb -e "$deb" "$tmp/control" || exit 1
if grep -qx /etc/clawd/clawd.conf "$tmp/control/conffiles" 2>/dev/null; then
	ok "/etc/clawd/clawd.conf is a conffile"
else
	fail "/etc/clawd/clawd.conf is not a conffile"
fi
if grep -q '^u _clawd ' "$root/usr/lib/sysusers.d/clawd.conf" &&
    grep -q '^d /var/lib/clawd/empty 0755 root root' \
    "$root/usr/lib/tmpfiles.d/clawd.conf"; then
	ok "sysusers and tmpfiles entries"
else
	fail "sysusers or tmpfiles entries"
fi
# The user is created on installation; the service is neither enabled
# nor started, since the example names keys that do not exist yet.
pi=$tmp/control/postinst
if grep -q 'systemd-sysusers.*clawd\.conf' "$pi" 2>/dev/null; then
	ok "postinst creates the user"
else
	fail "postinst does not create the user"
fi
if grep -q -e 'was-enabled defaults to true' -e 'deb-systemd-invoke start' \
    "$pi" 2>/dev/null; then
	fail "postinst enables or starts clawd.service"
else
	ok "postinst neither enables nor starts clawd.service"
fi

# Unit syntax only: the binaries and pages live in the unpacked root,
# not where the unit points.
if systemd-analyze verify "$root/lib/systemd/system/clawd.service" 2>&1 |
    grep -v -e 'is not executable' -e "Command 'man " | grep . ; then
	fail "systemd-analyze verify clawd.service"
else
	ok "systemd-analyze verify clawd.service"
fi

# clawd -n on the installed example, moved into the throw-away root:
# every secret file it names exists there, mode 0600.
etc=$root/etc/clawd
sed "s|\"/etc/clawd/|\"$etc/|g" "$etc/clawd.conf" >"$etc/test.conf" ||
    exit 1
(
	umask 077
	"$root/usr/sbin/clawctl" genkey >"$etc/private.key" &&
	    "$root/usr/sbin/clawctl" genkey >"$etc/psk.phone" &&
	    echo "turn-secret-for-the-package-test" >"$etc/turn.secret" &&
	    printf 'user@example.invalid\npassword\n' >"$etc/mega.cred"
) || exit 1
if out=$("$root/usr/sbin/clawd" -n -f "$etc/test.conf" 2>&1); then
	ok "installed clawd -n accepts the installed example ($out)"
else
	echo "$out"
	fail "installed clawd -n on the installed example"
fi
# ... and refuses it when a secret file is readable by others.
chmod 0644 "$etc/turn.secret"
if "$root/usr/sbin/clawd" -n -f "$etc/test.conf" >/dev/null 2>&1; then
	fail "installed clawd -n accepts a world-readable secret"
else
	ok "installed clawd -n refuses a world-readable secret"
fi

if [ "$failures" -ne 0 ]; then
	echo "package.sh: $failures failures"
	exit 1
fi
echo "package.sh: all checks passed"
exit 0
