# clawd benchmarks: shared functions, sourced by regress/bench/tunnel.
#
# Every run names its namespaces cbench<pid>-a and cbench<pid>-b and
# keeps its files in its own temporary directory, so a run never touches
# another run (or the lab's clab* namespaces).  Everything started is
# remembered by pid and stopped by pid on exit.

B_PREFIX=cbench$$-
B_TMP=
B_PIDS=()
B_NETNS=()
B_KEEP=${BENCH_KEEP:-0}
B_HZ=$(getconf CLK_TCK)

B_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
B_TOP=${top_srcdir:-$(cd "$B_DIR/../.." && pwd)}
. "$B_DIR/../pids.sh" || exit 99

# Progress goes to stderr, the results to stdout (and the -o file).
b_log()
{
	printf '%s\n' "$*" >&2
}

b_die()
{
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

b_require_tools()
{
	local t

	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || b_die "$t not found"
	done
}

b_is_exec()
{
	[ -f "$1" ] && [ -x "$1" ]
}

# CLAWD and CLAWCTL from the environment, else build/ under the source
# tree, else configure and build there.
b_find_clawd()
{
	local bd=${top_builddir:-$B_TOP/build}

	if [ -z "${CLAWD:-}" ]; then
		if ! b_is_exec "$bd/clawd"; then
			b_log "building clawd in $bd"
			mkdir -p "$bd" && (cd "$bd" &&
			    { [ -f Makefile ] || "$B_TOP/configure"; } &&
			    make -j2) >&2 || b_die "build failed in $bd"
		fi
		CLAWD=$bd/clawd
	fi
	b_is_exec "$CLAWD" || b_die "CLAWD=$CLAWD is not an executable"
	if [ -z "${CLAWCTL:-}" ]; then
		CLAWCTL=$(dirname "$CLAWD")/clawctl/clawctl
	fi
	b_is_exec "$CLAWCTL" || b_die "CLAWCTL=$CLAWCTL is not an executable"
	# The children drop to _clawd and chroot to /var/empty.
	if ! getent passwd _clawd >/dev/null; then
		useradd --system --no-create-home --home-dir /var/empty \
		    --shell /usr/sbin/nologin _clawd ||
		    b_die "cannot create user _clawd"
	fi
	mkdir -p /var/empty || b_die "cannot create /var/empty"
}

b_init()
{
	B_TMP=$(mktemp -d "/tmp/clawbench-${B_PREFIX}XXXXXX") ||
	    b_die "mktemp failed"
	chmod 700 "$B_TMP"
	trap b_cleanup EXIT
	trap 'exit 1' INT TERM HUP
}

b_ns()
{
	printf '%s%s' "$B_PREFIX" "$1"
}

b_exec()
{
	local ns

	ns=$(b_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}

b_ns_add()
{
	local ns

	ns=$(b_ns "$1")
	ip netns add "$ns" || b_die "ip netns add $ns"
	B_NETNS+=("$ns")
	ip -n "$ns" link set lo up
}

# A zombie is not alive, nor a pid that names another process by now
# (regress/pids.sh).
b_pid_alive()
{
	pid_alive "$1"
}

# Stop one pid: TERM, wait up to 3 s, then KILL.
b_stop_pid()
{
	local pid=$1 i

	if b_pid_alive "$pid"; then
		kill "$pid" 2>/dev/null
		for i in $(seq 30); do
			b_pid_alive "$pid" || break
			sleep 0.1
		done
		b_pid_alive "$pid" && kill -9 "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# Start a command in the background in namespace $1; its pid is in
# B_LASTPID (ip netns exec execs the command, so the pid is the
# command's own).  Output goes to the log file $2.
b_spawn()
{
	local ns log=$2

	ns=$(b_ns "$1")
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	B_LASTPID=$!
	B_PIDS+=("$B_LASTPID")
}

# Stop the pids given, and forget them.
b_stop()
{
	local p q keep=()

	for p in "$@"; do
		b_stop_pid "$p"
	done
	for q in "${B_PIDS[@]}"; do
		for p in "$@"; do
			[ "$p" = "$q" ] && continue 2
		done
		keep+=("$q")
	done
	B_PIDS=("${keep[@]}")
}

b_cleanup()
{
	local p ns i

	trap - EXIT INT TERM HUP
	for p in "${B_PIDS[@]}"; do
		b_stop_pid "$p"
	done
	for ns in "${B_NETNS[@]}"; do
		# Whatever is left in our namespaces, found by namespace.
		for i in 1 2 3; do
			p=$(ip netns pids "$ns" 2>/dev/null)
			[ -z "$p" ] && break
			kill $([ $i -eq 3 ] && echo -9) $p 2>/dev/null
			sleep 0.3
		done
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$B_TMP" ] && [ -d "$B_TMP" ]; then
		if [ "$B_KEEP" = 1 ]; then
			b_log "kept $B_TMP"
		else
			rm -rf "$B_TMP"
		fi
	fi
}

# Wait until $1 (namespace) can ping $2, at most $3 seconds.
b_wait_ping()
{
	local i

	for i in $(seq $((${3:-10} * 2))); do
		b_exec "$1" ping -n -c 1 -W 0.5 "$2" >/dev/null 2>&1 &&
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

	for p in $(ip netns pids "$(b_ns "$1")" 2>/dev/null); do
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
