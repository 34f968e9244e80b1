#!/bin/bash
# killclean.sh: "clawlab down RUN" after a kill -9 leaves the machine
# clean.  A clawlab matrix runs in its own session; once a clawd pair is
# up, the whole session gets SIGKILL, so no trap runs.  Then clawlab down
# must remove the run's namespaces, every process that lived in them and
# its temporary directory.  The same for a "clawlab up" left running.
# Only pids of this test's own runs are ever signalled.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh" || exit 99

lab_require_root
lab_require_tools ip nft turnserver conntrack python3 setsid
lab_find_clawd
lab_system_setup
lab_init

RUN=

# Namespaces of run $RUN.
run_netns()
{
	ip netns list | awk '{ print $1 }' | grep -E "^clab$RUN-"
}

# Every pid of the run: in its namespaces or in its session.
run_pids()
{
	local ns

	for ns in $(run_netns); do
		ip netns pids "$ns" 2>/dev/null
	done
	ps -e -o pid=,sid= | awk -v s="$RUN" '$2 == s { print $1 }'
}

# If the test itself fails half-way, still remove the run.
kc_cleanup()
{
	local rc=$?

	if [ -n "$RUN" ]; then
		kill -9 -- "-$RUN" 2>/dev/null
		"$LAB_DIR/clawlab" down "$RUN" >/dev/null 2>&1
		wait "$RUN" 2>/dev/null
	fi
	(exit "$rc")
	lab_cleanup
}
trap kc_cleanup EXIT

# check WHAT: the run left nothing behind; $1: pids seen while it ran.
check_clean()
{
	local what=$1 seen=$2 p left=

	[ -z "$(run_netns)" ] && lab_ok "$what: no clab$RUN- namespace" ||
	    lab_fail "$what: namespaces left: $(run_netns | tr '\n' ' ')"
	for p in $seen; do
		lab_pid_alive "$p" && left="$left $p"
	done
	[ -z "$left" ] &&
	    lab_ok "$what: none of the $(echo $seen | wc -w) processes left" ||
	    lab_fail "$what: processes left:$left"
	ls -d /tmp/clawlab-clab"$RUN"-* >/dev/null 2>&1 &&
	    lab_fail "$what: temporary directory left" ||
	    lab_ok "$what: no temporary directory"
}

# Is a clawd running in namespace $1?
clawd_in()
{
	local p

	for p in $(ip netns pids "$1" 2>/dev/null); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = clawd ] && return 0
	done
	return 1
}

count_procs()
{
	ls /proc | grep -c '^[0-9]*$'
}

echo "checking kill -9 of a running matrix, then clawlab down"
before=$(count_procs)
# setsid: the run is its own session and process group, and keeps its
# pid (it is not a group leader here), which names its namespaces.
setsid "$LAB_DIR/clawlab" matrix -o "$LAB_TMP/out" prc sym \
    >"$LAB_TMP/matrix.log" 2>&1 &
RUN=$!
# The first pair builds the internet (coturn, the MEGA emulator), both
# sites, then host1's clawd and, once host1 has its drop folder,
# host2's: seconds on an idle machine, more under make -j2 check.
end=$((SECONDS + 90))
while [ "$SECONDS" -lt "$end" ]; do
	clawd_in "clab$RUN-host2" && break
	lab_pid_alive "$RUN" || break
	sleep 0.1
done
clawd_in "clab$RUN-host2" || {
	cat "$LAB_TMP/matrix.log"
	lab_die "no clawd running in clab$RUN-host2 within 90 s"
}
seen=$(run_pids | sort -u)
lab_ok "run $RUN: $(run_netns | wc -l) namespaces, $(echo $seen | wc -w)" \
    "processes (clawd pair up)"
kill -9 -- "-$RUN"
wait "$RUN" 2>/dev/null
sleep 0.2
[ -n "$(run_netns)" ] && lab_ok "after kill -9: the namespaces are left" \
    "over ($(run_netns | wc -l)), as expected"
"$LAB_DIR/clawlab" down "$RUN"
check_clean "matrix" "$seen"
sleep 0.5
after=$(count_procs)
echo "processes on the machine: $before before, $after after"
RUN=

echo "checking clawlab up, kill -9 of its coturn, then clawlab down"
"$LAB_DIR/clawlab" up prc double >"$LAB_TMP/up.log" 2>&1 ||
    { cat "$LAB_TMP/up.log"; lab_die "clawlab up failed"; }
RUN=$(sed -n 's/^lab up, run \([0-9]*\):$/\1/p' "$LAB_TMP/up.log")
[ -n "$RUN" ] || lab_die "clawlab up did not say its run"
seen=$(run_pids | sort -u)
[ -n "$seen" ] && lab_ok "up: run $RUN, $(run_netns | wc -l) namespaces," \
    "processes $(echo $seen)" || lab_fail "up: no process in the lab"
for p in $(ip netns pids "clab$RUN-inet"); do
	kill -9 "$p"
done
"$LAB_DIR/clawlab" down "$RUN"
check_clean "up" "$seen"
RUN=

exit "$LAB_FAILED"
