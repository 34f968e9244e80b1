#!/bin/bash
# fresh.sh: the README's two commands on a fresh Debian 12 machine.
# Makes a minimal Debian 12 root (debootstrap --variant=minbase
# bookworm), clones this repository into it (the committed HEAD, as CI
# clones main), enters it with a mount namespace of its own and
# pivot_root, and runs there, as root, the commands the README's first
# lines give: the demo, the whole suite, or both in that order.  What
# the root has is only what minbase and regress/deps.sh install, so a
# tool or a package that the tests need and deps.sh forgets fails here
# (check.sh fails on a skip that is not on regress/skips.allow).
#
# usage: regress/fresh.sh [demo | check | all]	(default all)
#
# Not part of make check; .ci/run runs it.  Needs root, debootstrap,
# git and unshare(1).  The root shares the host's network namespace (the
# lab builds its own namespaces inside, as on any machine) and its
# kernel; /proc, /sys and /dev are the kernel's, /run a fresh tmpfs.
# The host's DNS configuration, proxy variables and local CA
# certificates (/usr/local/share/ca-certificates) are copied in, so the
# root reaches the Debian archive and the npm registry the way this
# machine does; nothing else of the host is visible inside.
#
# FRESH_CACHE=DIR keeps the debootstrapped root as a tarball and the
# .deb files apt downloads (default /var/cache/clawd-fresh; empty: no
# cache); neither changes what is installed.  FRESH_MIRROR=URL is the
# archive (default: the one this machine's apt uses).  FRESH_REV=REV
# clones REV instead of HEAD.  KEEP=1 keeps the root.
#
# Exit 0 when every command succeeded, 1 otherwise.  The last line is
# the suite's own summary ("N passed, N failed, N skipped") when the
# suite ran.

top=$(cd "$(dirname "$0")/.." && pwd)
suite=bookworm
work=
inner_pid=

. "$top/regress/debroot.sh" || exit 1

die()
{
	echo "fresh.sh: $*" >&2
	exit 1
}

mode=${1:-all}
case $mode in
demo|check|all) ;;
*)	echo "usage: fresh.sh [demo | check | all]" >&2; exit 1 ;;
esac

[ "$(id -u)" -eq 0 ] || die "needs root"
for t in debootstrap git unshare pivot_root findmnt; do
	command -v "$t" >/dev/null || die "$t missing (run regress/deps.sh)"
done

# The README's commands: the indented lines of its first block that
# start with regress/deps.sh, in order (the demo, then the suite).
mapfile -t cmds < <(awk '
	/^    regress\/deps\.sh && / {
		sub(/^    /, ""); sub(/[ \t]+#.*$/, ""); print; n++
	}
	n == 2 { exit }' "$top/README.md")
[ ${#cmds[@]} -eq 2 ] || die "README.md does not start with the two commands"
case $mode in
demo)	run=("${cmds[0]}") ;;
check)	run=("${cmds[1]}") ;;
all)	run=("${cmds[@]}") ;;
esac

# Nothing in the root is mounted from the host's point of view (the
# mounts live in the inner namespace, private), so the tree can go with
# rm; --one-file-system guards against a mount left by mistake.
cleanup()
{
	trap - EXIT INT TERM
	if [ -n "$inner_pid" ] && kill -0 "$inner_pid" 2>/dev/null; then
		kill -TERM -- "-$inner_pid" 2>/dev/null
		wait "$inner_pid" 2>/dev/null
	fi
	[ -n "$work" ] || return
	if [ "${KEEP:-0}" = 1 ]; then
		echo "fresh.sh: kept $work"
	elif findmnt -rn -o TARGET | grep -q "^$work/"; then
		echo "fresh.sh: mounts left under $work; not removed" >&2
	else
		rm -rf --one-file-system "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

t_start=$(date +%s)
work=$(mktemp -d /var/tmp/clawd-fresh.XXXXXX) || exit 1
root=$work/root
cache=${FRESH_CACHE-/var/cache/clawd-fresh}
url=${FRESH_MIRROR:-$(debroot_mirror "$suite")}

debroot_make "$root" "$suite" "$url" "" "$cache" "$work/debootstrap.log" ||
    die "debootstrap failed (is $url reachable?)"

# The archive as a Debian 12 installation has it: the release, its
# updates and the security archive (beside the release, on the same
# host, as deb.debian.org has it, unless FRESH_SECURITY says where).
security=${FRESH_SECURITY:-${url%/debian}/debian-security}
cat >"$root/etc/apt/sources.list" <<EOF2
deb $url $suite main
deb $url $suite-updates main
deb $security $suite-security main
EOF2
cat /etc/resolv.conf >"$root/etc/resolv.conf" || exit 1
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
	mkdir -p "$root/usr/local/share/ca-certificates" &&
	    cp /usr/local/share/ca-certificates/*.crt \
	    "$root/usr/local/share/ca-certificates/" || exit 1
fi
echo "fresh-$$" >"$root/etc/hostname"

rev=$(git -C "$top" rev-parse --verify "${FRESH_REV:-HEAD}^{commit}") ||
    die "no commit ${FRESH_REV:-HEAD}"
git clone -q --no-hardlinks "$top" "$root/root/clawd" &&
    git -C "$root/root/clawd" checkout -q "$rev" ||
    die "cannot clone $top into the root"
echo "ok: $(git -C "$top" log -1 --format='%h %s' "$rev" | cut -c 1-72)"

# The variables the root keeps from the host: the proxy settings and
# Node's extra CA file (its path names the same file inside, once
# deps.sh has installed ca-certificates with the local certificates).
envs=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    HOME=/root LANG=C.UTF-8 TERM=dumb)
for v in CI http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY \
    NO_PROXY NODE_EXTRA_CA_CERTS; do
	[ -n "${!v:-}" ] && envs+=("$v=${!v}")
done
archives=
if [ -n "$cache" ]; then
	archives=$cache/archives
	mkdir -p "$archives/partial" || exit 1
fi

# inner: in the new mount namespace, the kernel's file systems under
# the root, the apt cache, then pivot_root and the old root detached;
# each command of the README in /root/clawd, the next only if the one
# before succeeded.
inner()
{
	set -e
	mount --bind "$root" "$root"
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --make-rslave "$root/sys"
	mount --rbind /dev "$root/dev"
	mount --make-rslave "$root/dev"
	mount -t tmpfs -o mode=755 tmpfs "$root/run"
	[ -z "$archives" ] ||
	    mount --bind "$archives" "$root/var/cache/apt/archives"
	cd "$root"
	mkdir -p .old-root
	pivot_root . .old-root
	cd /
	umount -l /.old-root
	rmdir /.old-root
	set +e
	exec /usr/bin/env -i "${envs[@]}" /bin/bash -c '
		cd /root/clawd || exit 1
		for c in "$@"; do
			echo "=== fresh root: $c"
			t0=$(date +%s)
			bash -c "$c" </dev/null
			rc=$?
			echo "=== fresh root: exit $rc after" \
			    "$(($(date +%s) - t0)) s: $c"
			[ $rc -eq 0 ] || exit $rc
		done' bash "$@"
}

echo "=== fresh root $root ($(($(date +%s) - t_start)) s to make)"
export -f inner
log=$work/run.log
# In a session of its own, so that an interrupt stops every process of
# the run (cleanup signals the group).
root=$root archives=$archives setsid unshare --mount --propagation private \
    bash -c "$(declare -p envs); inner \"\$@\"" bash "${run[@]}" \
    > >(tee "$log") 2>&1 </dev/null &
inner_pid=$!
wait "$inner_pid"
rc=$?
inner_pid=
wait

echo "=== fresh.sh: $mode in $(($(date +%s) - t_start)) s," \
    "$([ $rc -eq 0 ] && echo passed || echo FAILED)"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
[ -n "$summary" ] && echo "$summary"
exit $rc
