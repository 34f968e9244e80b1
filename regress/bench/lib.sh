# clawd benchmarks: shared functions, sourced by regress/bench/tunnel.
#
# Built on regress/lab/lib.sh: clawd, the tools, the temporary
# directory, namespaces, pids and their cleanup on exit are the lab's
# (lab_*).  Every run names its namespaces cbench<pid>-a and
# cbench<pid>-b, so a run never touches another run (or the lab's clab*
# namespaces, which "clawlab down" removes).  Everything started is
# remembered by pid and stopped by pid on exit.  Progress and errors go
# to stderr, the results to stdout (and the -o file).

. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lab" && pwd)/lib.sh" || exit 99
LAB_PREFIX=cbench$$-
LAB_KEEP=${BENCH_KEEP:-$LAB_KEEP}
LAB_MSG_FD=2
B_HZ=$(getconf CLK_TCK)

# CLAWD and CLAWCTL as lab_find_clawd finds them; with CLAWD unset and
# no clawd in the build directory, configure and build there first.
# Then the user and directory clawd's children drop to.
b_find_clawd()
{
	if [ -z "${CLAWD:-}" ] && ! lab_is_exec "$LAB_BUILD/clawd"; then
		lab_log "building clawd in $LAB_BUILD"
		mkdir -p "$LAB_BUILD" && (cd "$LAB_BUILD" &&
		    { [ -f Makefile ] || "$LAB_TOP/configure"; } &&
		    make -j2) >&2 || lab_die "build failed in $LAB_BUILD"
	fi
	lab_find_clawd
	lab_system_setup
}

# Start a command in the background in namespace $1; its pid is in
# B_LASTPID (ip netns exec execs the command, so the pid is the
# command's own).  Output goes to the log file $2.
b_spawn()
{
	local ns log=$2

	ns=$(lab_ns "$1")
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	B_LASTPID=$!
	LAB_PIDS+=("$B_LASTPID")
}

# Wait until $1 (namespace) can ping $2, at most $3 seconds.
b_wait_ping()
{
	local i

	for i in $(seq $((${3:-10} * 2))); do
		lab_exec "$1" ping -n -c 1 -W 0.5 "$2" >/dev/null 2>&1 &&
		    return 0
		sleep 0.5
	done
	return 1
}

# utime + stime (clock ticks) of a process, all threads included.
b_ticks()
{
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null |
	    awk '{ print $12 + $13 }'
}

# A label for a tunnel process: clawd's children set their title to
# "clawd: <name>".
b_proc_label()
{
	local c

	c=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)
	case "$c" in
	"clawd: "*)
		c=${c#clawd: }
		printf 'clawd-%s' "${c%% *}"
		;;
	*clawd*)
		printf 'clawd-parent'
		;;
	*wireguard-go*)
		printf 'wireguard-go'
		;;
	*)
		printf '%s' "$(cat "/proc/$1/comm" 2>/dev/null)"
		;;
	esac
}

# The tunnel processes (clawd, wireguard-go) in namespace $1.
b_tunnel_pids()
{
	local p c

	for p in $(ip netns pids "$(lab_ns "$1")" 2>/dev/null); do
		c=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)
		case "$c" in
		*clawd*|*wireguard-go*)
			printf '%s\n' "$p"
			;;
		esac
	done
}

# "n mean min max" of the numbers on stdin (one per line).
b_stats()
{
	awk 'NF { v = $1 + 0; s += v; n++
		if (n == 1 || v < lo) lo = v
		if (n == 1 || v > hi) hi = v }
	    END { if (n == 0) print "0 - - -"
		else printf "%d %.6g %.6g %.6g\n", n, s / n, lo, hi }'
}
