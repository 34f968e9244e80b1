# clawd namespace lab: shared functions for the lab tests and clawlab(1).
#
# Source this file from bash.  Every run gets its own name prefix
# (clab<pid>-), its own namespaces, bridge and temporary directory, so
# tests that make check runs in parallel never share anything: addresses
# may repeat across runs because each run lives in its own namespaces.
#
# Topology (see README for the picture):
#
#   hostN 198.18.N.2 -- lan [natN] wan 203.0.113.(10+N) -- inet br0
#   inet: 203.0.113.1 and .2 (coturn, RFC 5780, TURN), .3 (MEGA)
#
# Site N is host N behind NAT box N of a profile (natprofiles.sh); a
# double NAT puts natN's wan (198.51.100.(10+N)) behind carrier box
# cgnN (lan 198.51.100.1, wan 203.0.113.(10+N)); profile none puts
# host N on the internet at 203.0.113.(10+N).
#
# The benchmarks (regress/bench/lib.sh) and the MEGA drop tests
# (regress/mega/drop_lib.sh) source this file too, for clawd, the
# tools, the temporary directory, namespaces, pids and cleanup.  After
# sourcing, such a harness sets LAB_PREFIX to a prefix of its own
# (never one LAB_NS_RE matches: "clawlab down" removes those), and may
# set LAB_KEEP, LAB_MSG_FD and LAB_STOP_SECS and redefine lab_log,
# lab_skip and lab_die, through which every function here reports.

LAB_NS_RE='^clab[0-9]+-'
LAB_PREFIX=${LAB_PREFIX:-clab$$-}
LAB_TMP=
LAB_PIDS=()
LAB_NETNS=()
LAB_KEEP=${LAB_KEEP:-0}
# Where lab_log, lab_ok, lab_fail, lab_skip and lab_die write.
LAB_MSG_FD=1
# How long lab_stop_pid waits after TERM before KILL.
LAB_STOP_SECS=3
LAB_CLAWD_PID=
LAB_CLAWD_SOCK=
LAB_CLAWD_LOG=
LAB_CLAWD_CONF=
LAB_FAILED=0

# Directory of the lab scripts and the top of the source tree.
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_TOP=${top_srcdir:-$(cd "$LAB_DIR/../.." && pwd)}
LAB_BUILD=${top_builddir:-$LAB_TOP/build}
. "$LAB_DIR/../pids.sh" || exit 99

lab_log()
{
	printf '%s\n' "$*" >&"$LAB_MSG_FD"
}

lab_ok()
{
	printf 'ok:   %s\n' "$*" >&"$LAB_MSG_FD"
}

# A failed check is remembered; the test decides when to stop.
lab_fail()
{
	printf 'FAIL: %s\n' "$*" >&"$LAB_MSG_FD"
	LAB_FAILED=1
}

lab_skip()
{
	printf 'SKIP: %s\n' "$*" >&"$LAB_MSG_FD"
	exit 77
}

# Exit 1 at once (cleanup runs from the EXIT trap).
lab_die()
{
	printf 'FAIL: %s\n' "$*" >&"$LAB_MSG_FD"
	exit 1
}

lab_require_root()
{
	[ "$(id -u)" -eq 0 ] || lab_skip "needs root"
}

lab_require_tools()
{
	local t

	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || lab_skip "$t not found"
	done
}

# Is $1 an executable file (not a directory)?
lab_is_exec()
{
	[ -f "$1" ] && [ -x "$1" ]
}

# Locate clawd and clawctl.  make check sets CLAWD and CLAWCTL: if they
# are set but missing, that is a failure (the build should have made
# them); if unset and not found in build/, the test is skipped.
lab_find_clawd()
{
	local bd=$LAB_BUILD c

	if [ -n "${CLAWD:-}" ]; then
		lab_is_exec "$CLAWD" ||
		    lab_die "CLAWD=$CLAWD is not an executable"
	elif lab_is_exec "$bd/clawd"; then
		CLAWD=$bd/clawd
	else
		lab_skip "clawd not built (set CLAWD or build in $bd)"
	fi
	if [ -n "${CLAWCTL:-}" ]; then
		lab_is_exec "$CLAWCTL" ||
		    lab_die "CLAWCTL=$CLAWCTL is not an executable"
	else
		bd=$(dirname "$CLAWD")
		for c in "$bd/clawctl/clawctl" "$bd/clawctl"; do
			lab_is_exec "$c" && { CLAWCTL=$c; break; }
		done
		[ -n "${CLAWCTL:-}" ] ||
		    lab_skip "clawctl not built (set CLAWCTL)"
	fi
	export CLAWD CLAWCTL
}

# The children run as _clawd chrooted to /var/empty: system setup that
# stays in place after the tests.
lab_system_setup()
{
	if ! getent passwd _clawd >/dev/null; then
		useradd --system --no-create-home --home-dir /var/empty \
		    --shell /usr/sbin/nologin _clawd ||
		    lab_die "cannot create user _clawd"
	fi
	mkdir -p /var/empty && chmod 755 /var/empty ||
	    lab_die "cannot create /var/empty"
}

# Start the run: temporary directory and cleanup traps.
lab_init()
{
	LAB_TMP=$(mktemp -d "/tmp/clawlab-${LAB_PREFIX}XXXXXX") ||
	    lab_die "mktemp failed"
	chmod 700 "$LAB_TMP"
	trap lab_cleanup EXIT
	trap 'exit 1' INT TERM HUP
}

lab_ns()
{
	printf '%s%s' "$LAB_PREFIX" "$1"
}

# Run a command in one of this run's namespaces: lab_exec inet ip addr
lab_exec()
{
	local ns

	ns=$(lab_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}

lab_ns_add()
{
	local ns

	ns=$(lab_ns "$1")
	ip netns add "$ns" || lab_die "ip netns add $ns"
	LAB_NETNS+=("$ns")
	ip -n "$ns" link set lo up
}

# Stop one pid: TERM, wait up to LAB_STOP_SECS, then KILL.
lab_stop_pid()
{
	local pid=$1 i

	lab_pid_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	kill "$pid" 2>/dev/null
	for i in $(seq $((LAB_STOP_SECS * 10))); do
		lab_pid_alive "$pid" || break
		sleep 0.1
	done
	if lab_pid_alive "$pid"; then
		kill -9 "$pid" 2>/dev/null
		sleep 0.1
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# A zombie is not alive, nor a pid that names another test's process
# by now (regress/pids.sh).
lab_pid_alive()
{
	pid_alive "$1"
}

# lab_proc_why PID: what a process of ours that should have said
# something is doing (for a failure's message): gone, or its state,
# where it sleeps in the kernel, its command and its children's.
lab_proc_why()
{
	local pid=$1 c

	if ! lab_pid_alive "$pid"; then
		wait "$pid" 2>/dev/null
		echo "pid $pid: gone (exit status $?)"
		return
	fi
	echo "pid $pid: $(grep '^State:' "/proc/$pid/status" 2>/dev/null)," \
	    "in $(cat "/proc/$pid/wchan" 2>/dev/null || echo '?'):" \
	    "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
		echo "  child $c: $(grep '^State:' "/proc/$c/status" \
		    2>/dev/null), in $(cat "/proc/$c/wchan" 2>/dev/null):" \
		    "$(tr '\0' ' ' <"/proc/$c/cmdline" 2>/dev/null)"
	done
}

lab_ns_empty()
{
	[ -z "$(ip netns pids "$1" 2>/dev/null)" ]
}

# Kill whatever still lives in a namespace (found by namespace, not by
# name), then delete it.
lab_ns_del()
{
	local ns=$1 pids p

	pids=$(ip netns pids "$ns" 2>/dev/null)
	if [ -n "$pids" ]; then
		for p in $pids; do kill "$p" 2>/dev/null; done
		lab_wait 2 lab_ns_empty "$ns"
		pids=$(ip netns pids "$ns" 2>/dev/null)
		for p in $pids; do kill -9 "$p" 2>/dev/null; done
		lab_wait 2 lab_ns_empty "$ns"
	fi
	ip netns del "$ns" 2>/dev/null
	return 0
}

lab_cleanup()
{
	local rc=$? p ns

	trap - EXIT INT TERM HUP
	if [ "$rc" -ne 0 ] && [ -n "$LAB_CLAWD_LOG" ] &&
	    [ -s "$LAB_CLAWD_LOG" ]; then
		echo "--- last lines of $LAB_CLAWD_LOG"
		tail -n 40 "$LAB_CLAWD_LOG"
		echo "---"
	fi
	for p in "${LAB_PIDS[@]}"; do
		lab_stop_pid "$p"
	done
	for ns in "${LAB_NETNS[@]}"; do
		lab_ns_del "$ns"
	done
	if [ -n "$LAB_TMP" ] && [ -d "$LAB_TMP" ]; then
		if [ "$LAB_KEEP" = 1 ]; then
			lab_log "kept $LAB_TMP"
		else
			rm -rf "$LAB_TMP"
		fi
	fi
	exit "$rc"
}

# Remove every lab of every run (or only run RUN: its pid or prefix):
# namespaces matching the lab pattern, the processes inside them, and
# their temporary directories.  For leftovers of a killed run too.
lab_down_all()
{
	local run=${1:-} re=$LAB_NS_RE ns

	case $run in
	"")		;;
	clab[0-9]*-)	re="^$run" ;;
	clab[0-9]*)	re="^$run-" ;;
	*[!0-9]*)	echo "clawlab: bad run '$run'" >&2; return 1 ;;
	*)		re="^clab$run-" ;;
	esac
	for ns in $(ip netns list | awk '{ print $1 }' | grep -E "$re"); do
		echo "removing $ns"
		lab_ns_del "$ns"
	done
	if [ -z "$run" ]; then
		rm -rf /tmp/clawlab-clab[0-9]*-*
	else
		run=${re#^}
		rm -rf "/tmp/clawlab-${run%-}-"*
	fi
	return 0
}

# Wait until a command succeeds: lab_wait SECONDS cmd args...
lab_wait()
{
	local n=$(( $1 * 10 )) i

	shift
	for i in $(seq "$n"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# Is UDP port $3 bound on address $2 in namespace $1?
lab_udp_bound()
{
	lab_exec "$1" ss -Hnlu "src $2:$3" | grep -q .
}

# The "internet": a bridge; coturn on 203.0.113.1 and .2 port 3478
# (STUN with RFC 5780, TURN with the REST shared secret); 203.0.113.3
# for the MEGA emulator.  Nothing else lives there.
LAB_TURN_SECRET=clawlab-turn-secret
LAB_TURN_REALM=clawlab.test
LAB_COTURN_PID=

lab_inet()
{
	local d=$LAB_TMP/coturn

	lab_ns_add inet
	lab_exec inet ip link add br0 type bridge
	lab_exec inet ip addr add 203.0.113.1/24 dev br0
	lab_exec inet ip addr add 203.0.113.2/24 dev br0
	lab_exec inet ip addr add 203.0.113.3/24 dev br0
	lab_exec inet ip link set br0 up
	mkdir -p "$d"
	ip netns exec "$(lab_ns inet)" \
	    turnserver -n --no-cli --no-tls --no-dtls \
	    --listening-ip 203.0.113.1 --listening-ip 203.0.113.2 \
	    --listening-port 3478 --db "$d/turndb" \
	    --use-auth-secret --static-auth-secret="$LAB_TURN_SECRET" \
	    --realm="$LAB_TURN_REALM" --allow-loopback-peers \
	    --pidfile "$d/turnserver.pid" --log-file stdout --simple-log \
	    >"$d/turnserver.log" 2>&1 &
	LAB_COTURN_PID=$!
	LAB_PIDS+=($!)
	if ! lab_wait 10 lab_udp_bound inet 203.0.113.1 3478 ||
	    ! lab_wait 5 lab_udp_bound inet 203.0.113.2 3478; then
		cat "$d/turnserver.log"
		lab_die "coturn did not start"
	fi
}

# A TURN REST credential valid for an hour: "user password".
lab_turn_cred()
{
	python3 -c 'import base64, hashlib, hmac, sys, time
u = "%d:clawlab" % (time.time() + 3600)
k = hmac.new(sys.argv[1].encode(), u.encode(), hashlib.sha1).digest()
print(u, base64.b64encode(k).decode())' "$LAB_TURN_SECRET"
}

. "$LAB_DIR/natprofiles.sh" || exit 99

# The profile of each site (host N behind its NAT box or boxes).
declare -A LAB_SITE_PROFILE

# The ruleset of NAT box N for a profile (the home box of a double NAT).
lab_nat_rules()
{
	local profile wan lannet hp loss tmo beh

	profile=$(lab_profile_parse "$1") ||
	    lab_die "unknown NAT profile $1"
	wan=${2:-203.0.113.11} lannet=${3:-198.18.1.0/24}
	beh=${profile%%+*}
	case $beh in
	double|double-sym)	beh=prc ;;
	none)	lab_die "profile none has no NAT box" ;;
	esac
	hp=$(lab_profile_mod "$profile" hairpin)
	loss=$(lab_profile_mod "$profile" loss)
	tmo=$(lab_profile_mod "$profile" timeout)
	lab_nat_ruleset "$beh" "$wan" "$lannet" "$hp" "$loss" "$tmo"
}

# The public address of site N (its NAT's wan, or the host itself).
lab_nat_wanip()
{
	printf '203.0.113.%d' $(( 10 + $1 ))
}

# The host's own address.
lab_host_ip()
{
	if [ "${LAB_SITE_PROFILE[$1]:-}" = none ]; then
		lab_nat_wanip "$1"
	else
		printf '198.18.%d.2' "$1"
	fi
}

# The home box's wan address: public, or in carrier space.
lab_home_wanip()
{
	case ${LAB_SITE_PROFILE[$1]%%+*} in
	double|double-sym)	printf '198.51.100.%d' $(( 10 + $1 )) ;;
	*)			lab_nat_wanip "$1" ;;
	esac
}

# A veth from namespace NS (device DEV, address ADDR/24) to the
# internet bridge (port PORT).
lab_inet_link()
{
	local ns=$1 dev=$2 a=$3 port=$4 inet

	inet=$(lab_ns inet)
	ip -n "$ns" link add "$dev" type veth peer name "$port" \
	    netns "$inet" || lab_die "veth $port"
	ip -n "$inet" link set "$port" master br0 up
	ip -n "$ns" addr add "$a/24" dev "$dev"
	ip -n "$ns" link set "$dev" up
}

# Conntrack UDP timeouts of a box: default or T seconds.
lab_nat_timeouts()
{
	local n=$1 t=${2:-}

	lab_exec "$n" sysctl -qw \
	    net.netfilter.nf_conntrack_udp_timeout="${t:-30}" \
	    net.netfilter.nf_conntrack_udp_timeout_stream="${t:-120}"
}

# NAT box N for a profile (and the carrier box of a double NAT), its
# wan on the internet bridge.  lab_nat N PROFILE
lab_nat()
{
	local n=$1 profile ns cgn

	profile=$(lab_profile_parse "${2:-prc}") ||
	    lab_die "unknown NAT profile ${2:-}"
	LAB_SITE_PROFILE[$n]=$profile
	[ "$profile" = none ] && return 0
	ns=$(lab_ns "nat$n")
	lab_ns_add "nat$n"
	case $profile in
	double*)
		# The carrier: lan in 198.51.100.0/24, wan public.
		cgn=$(lab_ns "cgn$n")
		lab_ns_add "cgn$n"
		lab_inet_link "$cgn" wan "$(lab_nat_wanip "$n")" "site$n"
		ip -n "$cgn" link add lan type veth peer name wan \
		    netns "$ns" || lab_die "veth cgn$n"
		ip -n "$cgn" addr add 198.51.100.1/24 dev lan
		ip -n "$cgn" link set lan up
		ip -n "$ns" addr add "$(lab_home_wanip "$n")/24" dev wan
		ip -n "$ns" link set wan up
		ip -n "$ns" route add default via 198.51.100.1
		lab_exec "cgn$n" sysctl -qw net.ipv4.ip_forward=1
		lab_nat_ruleset "$([ "${profile%%+*}" = double ] &&
		    echo prc || echo sym)" "$(lab_nat_wanip "$n")" \
		    198.51.100.0/24 | lab_exec "cgn$n" nft -f - ||
		    lab_die "nft rules for cgn$n"
		;;
	*)
		lab_inet_link "$ns" wan "$(lab_nat_wanip "$n")" "site$n"
		;;
	esac
	lab_exec "nat$n" sysctl -qw net.ipv4.ip_forward=1
	lab_nat_profile "$n" "$profile"
}

# Change the profile of NAT box N within its kind (one box or two);
# existing mappings are flushed.
lab_nat_profile()
{
	local n=$1 profile

	profile=$(lab_profile_parse "$2") ||
	    lab_die "unknown NAT profile $2"
	LAB_SITE_PROFILE[$n]=$profile
	lab_nat_rules "$profile" "$(lab_home_wanip "$n")" "198.18.$n.0/24" |
	    lab_exec "nat$n" nft -f - || lab_die "nft rules for nat$n"
	lab_nat_timeouts "nat$n" "$(lab_profile_mod "$profile" timeout)" ||
	    lab_die "conntrack timeouts for nat$n"
	lab_exec "nat$n" conntrack -F >/dev/null 2>&1
	return 0
}

# Host N on the LAN side of NAT box N (or on the internet for none).
lab_host()
{
	local n=$1 ns nat

	ns=$(lab_ns "host$n")
	lab_ns_add "host$n"
	if [ "${LAB_SITE_PROFILE[$n]:-}" = none ]; then
		lab_inet_link "$ns" eth0 "$(lab_nat_wanip "$n")" "site$n"
		return 0
	fi
	nat=$(lab_ns "nat$n")
	ip -n "$nat" link add lan type veth peer name eth0 netns "$ns" ||
	    lab_die "veth host$n"
	ip -n "$nat" addr add "198.18.$n.1/24" dev lan
	ip -n "$nat" link set lan up
	ip -n "$ns" addr add "$(lab_host_ip "$n")/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "198.18.$n.1"
}

# Site N: host N behind NAT box N of a profile.
lab_site()
{
	lab_nat "$1" "$2"
	lab_host "$1"
}

# Remove site N (its processes must be stopped already).
lab_site_del()
{
	local n=$1 s

	for s in host cgn nat; do
		ip netns list | grep -q "^$(lab_ns "$s$n")\( \|$\)" &&
		    lab_ns_del "$(lab_ns "$s$n")"
	done
	# The kernel destroys a namespace's devices later: the wan's
	# peer in the internet namespace must be gone before a new
	# site N makes one of that name.
	lab_wait 5 lab_no_link inet "site$n"
	unset "LAB_SITE_PROFILE[$n]"
	return 0
}

# No device DEV in namespace NS (of this lab).
lab_no_link()
{
	! ip -n "$(lab_ns "$1")" link show "$2" >/dev/null 2>&1
}

# The basic topology: internet + site 1 (profile).
lab_basic()
{
	lab_inet
	lab_site 1 "${1:-prc}"
}

# A private key in the format of wg genkey, mode 0600.
lab_genkey()
{
	local f=$1

	(umask 077
	if command -v wg >/dev/null 2>&1; then
		wg genkey >"$f"
	else
		python3 -c 'import base64, os
k = bytearray(os.urandom(32))
k[0] &= 248; k[31] = (k[31] & 127) | 64
print(base64.b64encode(bytes(k)).decode())' >"$f"
	fi)
	chmod 600 "$f"
}

# Write a clawd.conf for host N: lab_clawd_conf DIR [extra lines...]
lab_clawd_conf()
{
	local d=$1 l

	shift
	mkdir -p "$d"
	[ -f "$d/key" ] || lab_genkey "$d/key"
	{
		printf 'private-key "%s"\n' "$d/key"
		printf 'listen-port random\n'
		printf 'state-directory "%s/state"\n' "$d"
		printf 'stun-server "203.0.113.1" port 3478\n'
		printf 'stun-server "203.0.113.2" port 3478\n'
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$d/clawd.conf"
	chmod 600 "$d/clawd.conf"
}

# Ask the running clawd: lab_ctl [-j] show status
lab_ctl()
{
	"$CLAWCTL" -s "$LAB_CLAWD_SOCK" "$@"
}

# Start clawd in namespace NS (short name, e.g. host1) in the
# background, with config and socket in $LAB_TMP/clawd-NS, log to a
# file; wait (10 s) until show status answers.  Extra environment
# variables may be given as NAME=value after NS.
lab_clawd_start()
{
	local ns=$1 d i

	shift
	d=$LAB_TMP/clawd-$ns
	[ -f "$d/clawd.conf" ] || lab_clawd_conf "$d"
	LAB_CLAWD_CONF=$d/clawd.conf
	LAB_CLAWD_SOCK=$d/clawd.sock
	LAB_CLAWD_LOG=$d/clawd.log
	ip netns exec "$(lab_ns "$ns")" env "$@" \
	    "$CLAWD" -dv -f "$LAB_CLAWD_CONF" -s "$LAB_CLAWD_SOCK" \
	    >>"$LAB_CLAWD_LOG" 2>&1 &
	LAB_CLAWD_PID=$!
	LAB_PIDS+=("$LAB_CLAWD_PID")
	for i in $(seq 100); do
		if lab_ctl show status >/dev/null 2>&1; then
			lab_log "clawd started in $ns, pid $LAB_CLAWD_PID"
			return 0
		fi
		lab_pid_alive "$LAB_CLAWD_PID" || break
		sleep 0.1
	done
	echo "--- $LAB_CLAWD_LOG"
	cat "$LAB_CLAWD_LOG"
	echo "---"
	LAB_CLAWD_LOG=
	lab_pid_alive "$LAB_CLAWD_PID" ||
	    lab_die "clawd in $ns exited before answering show status"
	lab_die "clawd in $ns did not answer show status within 10 s"
}

# Start clawd in NS without waiting: its pid in LAB_CLAWD_PIDS[NS],
# socket $LAB_TMP/clawd-NS/clawd.sock (see lab_ctl_at).
declare -A LAB_CLAWD_PIDS

lab_clawd_spawn()
{
	local ns=$1 d

	shift
	d=$LAB_TMP/clawd-$ns
	[ -f "$d/clawd.conf" ] || lab_clawd_conf "$d"
	ip netns exec "$(lab_ns "$ns")" env "$@" \
	    "$CLAWD" -dv -f "$d/clawd.conf" -s "$d/clawd.sock" \
	    >>"$d/clawd.log" 2>&1 &
	LAB_CLAWD_PIDS[$ns]=$!
	LAB_PIDS+=($!)
}

lab_ctl_at()
{
	local ns=$1

	shift
	"$CLAWCTL" -s "$LAB_TMP/clawd-$ns/clawd.sock" "$@"
}

# Stop the clawds started with lab_clawd_spawn, all at once.
lab_clawd_stop_all()
{
	local ns

	for ns in "${!LAB_CLAWD_PIDS[@]}"; do
		lab_pid_alive "${LAB_CLAWD_PIDS[$ns]}" &&
		    kill "${LAB_CLAWD_PIDS[$ns]}" 2>/dev/null
	done
	for ns in "${!LAB_CLAWD_PIDS[@]}"; do
		lab_stop_pid "${LAB_CLAWD_PIDS[$ns]}"
		unset "LAB_CLAWD_PIDS[$ns]"
	done
}

lab_clawd_stop()
{
	[ -n "$LAB_CLAWD_PID" ] && lab_stop_pid "$LAB_CLAWD_PID"
	LAB_CLAWD_PID=
}

# Mapped address seen by coturn's own STUN client from namespace NS.
lab_stunclient()
{
	local ns=$1 server=${2:-203.0.113.1}

	# It goes on with RFC 5780 tests that a filtering NAT never
	# answers: the first mapped address is all we want.
	lab_exec "$ns" timeout 2 turnutils_stunclient -p 3478 "$server" 2>&1 |
	    sed -n 's/.*UDP reflexive addr: *\([0-9.:]*\).*/\1/p' | head -n 1
}
