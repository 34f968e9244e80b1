#!/bin/bash
# sandbox.sh: a child that breaks its seccomp allow-list is killed with
# SIGSYS, the parent logs it by name and the whole daemon exits
# non-zero within 10 s, leaving no process behind.  No process of the
# daemon may leave a core file, and it refuses a chroot directory that
# anyone but root could change.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh" || exit 99

lab_require_root
lab_require_tools ip python3
lab_find_clawd
lab_system_setup
lab_init

# Children of a pid, from /proc (threads included).
children()
{
	cat /proc/"$1"/task/*/children 2>/dev/null
}

for name in crypto signaler netengine; do
	echo "checking a seccomp violation in $name"
	lab_ns_add "sb-$name"
	d=$LAB_TMP/clawd-sb-$name
	lab_clawd_conf "$d"
	log=$d/clawd.log
	ip netns exec "$(lab_ns "sb-$name")" env \
	    CLAWD_REGRESS_SANDBOX="$name" "$CLAWD" -dv -f "$d/clawd.conf" \
	    -s "$d/clawd.sock" >"$log" 2>&1 &
	pid=$!
	LAB_PIDS+=("$pid")
	seen=""
	exited=0
	for i in $(seq 100); do
		for c in $(children "$pid"); do
			case " $seen " in
			*" $c "*) ;;
			*) seen="$seen $c" ;;
			esac
		done
		if ! lab_pid_alive "$pid"; then
			exited=1
			break
		fi
		sleep 0.1
	done
	if [ "$exited" -eq 0 ]; then
		lab_fail "$name: clawd still running after 10 s"
		lab_stop_pid "$pid"
		echo "--- $log"; cat "$log"; echo "---"
		continue
	fi
	wait "$pid"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		lab_fail "$name: clawd exited with status 0"
	else
		lab_ok "$name: clawd exited with status $rc"
	fi
	if grep "$name" "$log" | grep -q SIGSYS; then
		lab_ok "$name: log: $(grep "$name" "$log" | grep SIGSYS |
		    head -n 1)"
	else
		lab_fail "$name: no log line names $name and SIGSYS"
		echo "--- $log"; cat "$log"; echo "---"
	fi
	# Children seen during the run must be gone, and nothing may be
	# left in the namespace.
	sleep 0.2
	left=""
	for c in $seen; do
		lab_pid_alive "$c" && left="$left $c"
	done
	left=$( (echo $left; ip netns pids "$(lab_ns "sb-$name")") |
	    tr ' ' '\n' | sort -un | tr '\n' ' ')
	if [ -n "${left// /}" ]; then
		lab_fail "$name: processes left behind: $left"
	else
		lab_ok "$name: no process left (children seen:${seen:- none})"
	fi
done

echo "== no core files, and a chroot only root can change"
lab_ns_add sb-core
d=$LAB_TMP/clawd-sb-core
lab_clawd_conf "$d"
ip netns exec "$(lab_ns sb-core)" "$CLAWD" -dv -f "$d/clawd.conf" \
    -s "$d/clawd.sock" >"$d/clawd.log" 2>&1 &
pid=$!
LAB_PIDS+=("$pid")
for i in $(seq 100); do
	grep -q "all processes up" "$d/clawd.log" && break
	sleep 0.1
done
n=0
for p in "$pid" $(children "$pid"); do
	lim=$(awk '/^Max core file size/ { print $5 "/" $6 }' \
	    "/proc/$p/limits" 2>/dev/null)
	n=$((n + 1))
	if [ "$lim" = "0/0" ]; then
		lab_ok "pid $p ($(cat "/proc/$p/comm")): core size limit 0"
	else
		lab_fail "pid $p: core size limit '$lim', want 0/0"
	fi
done
[ "$n" -eq 4 ] || lab_fail "$n processes seen, want 4"
lab_stop_pid "$pid"

# The chroot seen through a mount namespace of our own: the host's
# /var/empty is never touched.
bad=$LAB_TMP/badroot
mkdir -p "$bad"
for how in "mode 1777" "owner nobody"; do
	case $how in
	"mode 1777")	chmod 1777 "$bad"; chown 0:0 "$bad" ;;
	"owner nobody")	chmod 755 "$bad"; chown nobody "$bad" ;;
	esac
	out=$(timeout 20 unshare -m --propagation private sh -c \
	    'mount --bind "$1" /var/empty && exec "$2" -d -f "$3" -s "$4"' \
	    sh "$bad" "$CLAWD" "$d/clawd.conf" "$d/other.sock" 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && printf '%s' "$out" | grep -q "chroot"; then
		lab_ok "chroot with $how refused: $out"
	else
		lab_fail "chroot with $how: exit $rc: $out"
	fi
done

exit "$LAB_FAILED"
