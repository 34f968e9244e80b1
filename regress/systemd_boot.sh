#!/bin/bash
# systemd_boot.sh: the Debian package under a live systemd.  Builds the
# package with package.sh, debootstraps a minimal Debian 12 root,
# installs the package there, configures one plain WireGuard peer as
# clawd.conf(5) and clawctl(8) say, boots the root with systemd-nspawn
# in a network namespace of its own, and checks inside it: the unit
# starts, all four processes run (the children as _clawd, sandboxed),
# the TUN interface has its address, reload works (and fails on a bad
# configuration), stop ends every process within TimeoutStopSec.  It
# prints the boot time, "clawctl show status" and "systemd-analyze
# security clawd.service".
#
# Not part of make check: it downloads about 45 MB from the Debian
# archive and takes a few minutes (half a minute with the cache below);
# regress/check.sh runs it after the package step.
# Run it as root.  Exit 0 on success, 1 on failure, 77 (skip) without
# root or a tool, or when the root cannot be made or booted for reasons
# that are not clawd's (saying why).
#
# SYSTEMD_BOOT_DEB=FILE installs that package instead of building one;
# SYSTEMD_BOOT_MIRROR=URL is the archive (default: the one this
# machine's apt uses); SYSTEMD_BOOT_CACHE=DIR keeps the debootstrapped
# root as a tarball in DIR between runs; KEEP=1 keeps the temporary
# directory (the root, the logs, the journal).
#
# The host's network is never touched: --private-network gives the
# container a namespace with only a loopback interface, and the peer's
# endpoint is a documentation address (RFC 5737) that nothing answers.

top=$(cd "$(dirname "$0")/.." && pwd)
suite=bookworm
machine=clawd-boot-$$
tmp=
nspawn_pid=
leader=
cgroups=

skip()
{
	echo "systemd_boot.sh: $*; skipped"
	exit 77
}

if [ "$(id -u)" -ne 0 ]; then
	skip "needs root"
fi
for t in debootstrap systemd-nspawn nsenter findmnt timeout; do
	command -v "$t" >/dev/null ||
	    skip "$t missing (debootstrap, systemd-container)"
done
[ -c /dev/net/tun ] || skip "no /dev/net/tun"

. "$top/regress/report.sh" || exit 1
. "$top/regress/debroot.sh" || exit 1

# The container stops by pid: SIGTERM makes systemd-nspawn power the
# container off; what is left after 30 s is killed.  Then the cgroups
# made for it and the temporary directory go.
cleanup()
{
	local cg

	trap - EXIT INT TERM
	if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
		kill -TERM "$nspawn_pid" 2>/dev/null
		for _ in $(seq 150); do
			kill -0 "$nspawn_pid" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$nspawn_pid" 2>/dev/null; then
			echo "systemd_boot.sh: container did not power off; killed"
			[ -n "$leader" ] && kill -KILL "$leader" 2>/dev/null
			kill -KILL "$nspawn_pid" 2>/dev/null
		fi
		wait "$nspawn_pid" 2>/dev/null
	fi
	for cg in $cgroups; do
		[ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + \
		    2>/dev/null
	done
	if [ -n "$tmp" ]; then
		if [ "${KEEP:-0}" = 1 ]; then
			echo "systemd_boot.sh: kept $tmp"
		else
			rm -rf "$tmp"
		fi
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

tmp=$(mktemp -d /tmp/clawd-boot.XXXXXX) || exit 1
root=$tmp/root

# systemd-nspawn as the host allows.  Without systemd as the host's
# init there is no machined and no bus: --register=no, and --keep-unit
# in a cgroup made here (nspawn splits it into payload and supervisor,
# and would otherwise do so at the root of the host's hierarchies).
# The container gets the unified hierarchy, as on a Debian 12 host, and
# bpf(2), which nspawn's filter denies by default and systemd needs to
# enforce DevicePolicy=.
nspawn_opts=(--register=no --private-network --machine="$machine"
    --bind=/dev/net/tun --system-call-filter=bpf -D "$root")
nspawn_env=()
if [ ! -d /run/systemd/system ]; then
	nspawn_opts+=(--keep-unit)
	c2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
	c1=$(findmnt -n -t cgroup -o TARGET,OPTIONS |
	    awk '$2 ~ /name=systemd/ { print $1; exit }')
	for cg in ${c2:+"$c2/$machine"} ${c1:+"$c1/$machine"}; do
		mkdir "$cg" || skip "cannot make cgroup $cg"
		cgroups="$cgroups $cg"
	done
	[ -n "$c2" ] && nspawn_env+=(SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1)
fi
# nspawn_exec args...: become systemd-nspawn; call it in a subshell (or
# with &, so that $! is the pid of systemd-nspawn itself).
nspawn_exec()
{
	for cg in $cgroups; do
		echo "$BASHPID" >"$cg/cgroup.procs" || exit 1
	done
	exec env "${nspawn_env[@]}" systemd-nspawn "${nspawn_opts[@]}" "$@"
}

# The package, as package.sh builds and checks it, or the one
# SYSTEMD_BOOT_DEB names (check.sh passes the one it built).
if [ -n "${SYSTEMD_BOOT_DEB:-}" ]; then
	[ -f "$SYSTEMD_BOOT_DEB" ] ||
	    { echo "FAIL: no package $SYSTEMD_BOOT_DEB"; exit 1; }
	cp "$SYSTEMD_BOOT_DEB" "$tmp/" || exit 1
else
	echo "=== package.sh"
	KEEP=0 PACKAGE_OUT=$tmp bash "$top/regress/package.sh" \
	    >"$tmp/package.log" 2>&1
	rc=$?
	if [ $rc -eq 77 ]; then
		tail -n 1 "$tmp/package.log"
		skip "package.sh skipped"
	elif [ $rc -ne 0 ]; then
		tail -n 40 "$tmp/package.log"
		echo "FAIL: package.sh"
		exit 1
	fi
fi
deb=$(ls "$tmp"/clawd_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { echo "FAIL: package.sh left no package"; exit 1; }
ok "package $(basename "$deb")"

# The root: minbase, systemd as init, and the package's dependencies as
# the built package states them (debian/control says ${shlibs:Depends}),
# so that installing it needs no network.
deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' |
    sed -e 's/|.*//' -e 's/(.*//' -e 's/[[:space:]]//g' | grep . | sort -u)
include=$(echo systemd systemd-sysv dbus iproute2 $deps | tr ' ' '\n' |
    sort -u | paste -sd, -)
url=${SYSTEMD_BOOT_MIRROR:-$(debroot_mirror "$suite")}
debroot_make "$root" "$suite" "$url" "$include" "${SYSTEMD_BOOT_CACHE:-}" \
    "$tmp/debootstrap.log" || skip "debootstrap failed (is $url reachable?)"
echo "$machine" >"$root/etc/hostname"

# Installed with apt in the container, not booted; /tmp is a fresh
# tmpfs in there, so the package waits in /root.
cp "$deb" "$root/root/" || exit 1
if (nspawn_exec -q --setenv=DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends \
    "/root/$(basename "$deb")") >"$tmp/install.log" 2>&1; then
	ok "apt-get install $(basename "$deb")"
else
	tail -n 20 "$tmp/install.log"
	if grep -q '^Setting up clawd' "$tmp/install.log" ||
	    grep -q '^E: ' "$tmp/install.log"; then
		echo "FAIL: apt-get install"
		exit 1
	fi
	skip "systemd-nspawn cannot run a command in the root"
fi

# inside cmd...: run cmd in the booted container, in all its namespaces,
# with a clean environment; 60 s at most.
inside()
{
	timeout 60 nsenter -t "$leader" -m -u -i -n -p -C -r -w \
	    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb LANG=C.UTF-8 \
	    "$@"
}

echo "=== systemd-nspawn --boot"
t0=$(date +%s%N)
nspawn_exec --boot --console=read-only >"$tmp/console.log" 2>&1 &
nspawn_pid=$!
for _ in $(seq 300); do
	kill -0 "$nspawn_pid" 2>/dev/null || break
	leader=$(grep -l "^PPid:[[:space:]]*$nspawn_pid\$" \
	    /proc/[0-9]*/status 2>/dev/null | head -n 1)
	leader=${leader#/proc/}
	leader=${leader%/status}
	if [ -n "$leader" ] && [ -S "/proc/$leader/root/run/systemd/private" ]
	then
		break
	fi
	sleep 0.1
done
if ! kill -0 "$nspawn_pid" 2>/dev/null || [ -z "$leader" ]; then
	tail -n 20 "$tmp/console.log"
	skip "the container did not boot"
fi
state=$(inside systemctl is-system-running --wait 2>&1)
t1=$(date +%s%N)
case $state in
running)
	ok "booted: $state in $(((t1 - t0) / 1000000)) ms" ;;
degraded)
	ok "booted: $state in $(((t1 - t0) / 1000000)) ms"
	inside systemctl --failed --no-legend --no-pager ;;
*)
	tail -n 20 "$tmp/console.log"
	skip "the container did not boot (system state: $state)" ;;
esac
inside systemd-analyze time | sed 's/^/    /'
echo "    $(inside systemctl --version | head -n 1)"

# DevicePolicy= is only a promise where systemd cannot enforce it:
# a transient unit with the unit's policy opens a device it must not.
inside mknod -m 0666 /dev/clawd-test-fuse c 10 229
opentest()
{
	inside systemd-run -P -q --wait "$@" sh -c ': <>/dev/clawd-test-fuse' \
	    2>/dev/null
}
if ! opentest; then
	echo "note: cannot check DevicePolicy= (no /dev/fuse)"
elif opentest -p DevicePolicy=closed -p 'DeviceAllow=/dev/net/tun rw'; then
	echo "note: DevicePolicy= is not enforced in this container"
else
	ok "DevicePolicy= is enforced in this container"
fi
inside rm -f /dev/clawd-test-fuse

# A peer as the manual pages describe it: clawctl(8) genkey and pubkey
# for the keys (the second key stands for the peer's), clawd.conf(5) for
# the file, its FILE PERMISSIONS for the umask.
echo "=== configuring one peer"
inside sh -ec '
	umask 077
	clawctl genkey >/etc/clawd/private.key
	peer=$(clawctl genkey | clawctl pubkey)
	cat >/etc/clawd/clawd.conf <<EOF
private-key "/etc/clawd/private.key"
listen-port 51820

interface "claw0" {
	address 100.64.0.1/24
	address fd00:c1a3::1/64
}

peer "office" {
	public-key "$peer"
	allowed-ips 100.64.0.2/32
	endpoint "192.0.2.20" port 51820
}
EOF
	clawd -n' >"$tmp/config.log" 2>&1
if [ $? -eq 0 ]; then
	ok "clawd -n: $(tail -n 1 "$tmp/config.log")"
else
	cat "$tmp/config.log"
	fail "clawd -n on the configuration"
fi

echo "=== systemctl enable --now clawd"
if inside systemctl enable --now clawd >"$tmp/enable.log" 2>&1; then
	ok "systemctl enable --now clawd"
else
	cat "$tmp/enable.log"
	fail "systemctl enable --now clawd"
fi
for _ in $(seq 50); do
	inside clawctl show status >"$tmp/status" 2>&1 &&
	    [ "$(grep -c -e '^parent ' -e '^crypto ' -e '^signaler ' \
	    -e '^netengine ' "$tmp/status")" -eq 4 ] && break
	sleep 0.2
done
state=$(inside systemctl is-active clawd)
if [ "$state" = active ]; then
	ok "is-active: $state"
else
	fail "is-active: $state"
fi
sed 's/^/    /' "$tmp/status"
if awk '
	$1 == "parent" && $3 == "root" { n++ }
	$1 ~ /^(crypto|signaler|netengine)$/ && $3 == "_clawd" &&
	    $5 ~ /chroot/ && $5 ~ /nnp/ && $5 ~ /seccomp/ && $5 ~ /nocaps/ { n++ }
	END { exit n != 4 }' "$tmp/status"; then
	ok "show status: parent as root, three children as _clawd, sandboxed"
else
	fail "show status"
fi

# The same from the unit's cgroup: four processes, the parent root's and
# three of _clawd's ("count x uid").
cg=$(inside systemctl show -P ControlGroup clawd)
uid=$(inside id -u _clawd)
users=$(inside sh -c 'for p in $(cat "/sys/fs/cgroup$1/cgroup.procs" \
    2>/dev/null || cat "/sys/fs/cgroup/systemd$1/cgroup.procs"); do
	awk "/^Uid:/ { print \$2 }" /proc/$p/status
done' sh "$cg" | sort -n | uniq -c | awk '{ print $1 "x" $2 }' |
    paste -sd ' ' -)
if [ "$users" = "1x0 3x$uid" ]; then
	ok "cgroup $cg: one process as root, three as _clawd ($uid)"
else
	fail "cgroup $cg: count x uid: $users (_clawd is $uid)"
fi
clawds()
{
	inside sh -c 'grep -lx clawd /proc/[0-9]*/comm' 2>/dev/null | wc -l
}
n=$(clawds)
if [ "$n" -eq 4 ]; then
	ok "4 processes named clawd"
else
	fail "$n processes named clawd"
fi

addr=$(inside ip -br addr show claw0 2>&1)
echo "    $addr"
has()
{
	case " $addr " in
	*" $1 "*)
		return 0 ;;
	esac
	return 1
}
if has 100.64.0.1/24 && has fd00:c1a3::1/64; then
	ok "claw0 has 100.64.0.1/24 and fd00:c1a3::1/64"
else
	fail "claw0 with 100.64.0.1/24 and fd00:c1a3::1/64"
fi

# Reload: the same main process, the new file read; a file with an
# error fails the reload and leaves clawd running.
reloads()
{
	inside journalctl -u clawd -o cat | grep -c 'configuration reloaded'
}
pid=$(inside systemctl show -P MainPID clawd)
n=$(reloads)
inside systemctl reload clawd >"$tmp/reload.log" 2>&1
rc=$?
for _ in $(seq 20); do
	[ "$(reloads)" -gt "$n" ] && break
	sleep 0.1
done
if [ $rc -eq 0 ] && [ "$(reloads)" -gt "$n" ] &&
    [ "$(inside systemctl show -P MainPID clawd)" = "$pid" ]; then
	ok "systemctl reload clawd (main pid $pid, configuration reloaded)"
else
	cat "$tmp/reload.log"
	fail "systemctl reload clawd"
fi
inside sh -c 'cp /etc/clawd/clawd.conf /root/good.conf &&
    echo "no-such-keyword" >>/etc/clawd/clawd.conf'
if inside systemctl reload clawd >"$tmp/reload.log" 2>&1; then
	fail "systemctl reload clawd accepts a bad configuration"
elif [ "$(inside systemctl is-active clawd)" = active ] &&
    [ "$(inside systemctl show -P MainPID clawd)" = "$pid" ]; then
	ok "systemctl reload clawd fails on a bad configuration, clawd runs on"
else
	fail "clawd after a reload with a bad configuration"
fi
inside cp /root/good.conf /etc/clawd/clawd.conf

# A child that dies takes the daemon down (clawd.8); Restart=on-failure
# brings it back after RestartSec.
pid=$(inside systemctl show -P MainPID clawd)
child=$(inside clawctl show status | awk '$1 == "netengine" { print $2 }')
inside sh -c 'kill -KILL "$1"' sh "$child"
for _ in $(seq 100); do
	[ "$(inside systemctl show -P NRestarts clawd)" = 1 ] &&
	    [ "$(inside systemctl is-active clawd)" = active ] &&
	    [ "$(clawds)" -eq 4 ] && break
	sleep 0.2
done
npid=$(inside systemctl show -P MainPID clawd)
if [ "$(inside systemctl show -P NRestarts clawd)" = 1 ] &&
    [ "$(clawds)" -eq 4 ] && [ "$npid" != "$pid" ]; then
	ok "SIGKILL to netengine: restarted (main pid $pid, now $npid)"
else
	fail "no restart after SIGKILL to netengine"
fi

inside systemd-analyze security --no-pager clawd.service \
    >"$tmp/security.log" 2>&1
score=$(grep 'Overall exposure level' "$tmp/security.log")
if [ -n "$score" ]; then
	ok "systemd-analyze security: ${score#*→ }"
	echo "    highest exposures:"
	awk '$1 == "✗" { print $NF, $2 }' "$tmp/security.log" |
	    sort -rn | head -n 8 | sed 's/^/      /'
else
	cat "$tmp/security.log"
	fail "systemd-analyze security clawd.service"
fi

limit=$(inside systemctl show -P TimeoutStopUSec clawd)
t0=$(date +%s%N)
inside systemctl stop clawd >"$tmp/stop.log" 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
result=$(inside systemctl show -P Result clawd)
left=$(clawds)
if [ $rc -eq 0 ] && [ "$result" = success ] && [ "$left" -eq 0 ]; then
	ok "systemctl stop clawd in $ms ms (limit $limit), result $result"
else
	cat "$tmp/stop.log"
	fail "systemctl stop clawd: rc $rc in $ms ms, result $result," \
	    "$left processes left"
fi
if inside ip link show claw0 >/dev/null 2>&1; then
	fail "claw0 still there after stop"
else
	ok "claw0 gone after stop"
fi

inside journalctl -b --no-pager -u clawd >"$tmp/journal.log" 2>&1
if [ "$failures" -ne 0 ]; then
	echo "=== journalctl -u clawd"
	cat "$tmp/journal.log"
	echo "systemd_boot.sh: $failures failures"
	exit 1
fi
echo "systemd_boot.sh: all checks passed"
exit 0
