#!/bin/bash
# flood.sh: a child that floods the root parent with requests and never
# reads the answers (CLAWD_REGRESS_FLOOD=netengine, as a compromised
# netengine could) must not make the parent grow: the parent stops
# reading it once 1024 answers wait (common/proc.c), says so in the
# log, stays up with its other children, and its resident memory stays
# within a few megabytes while the flood goes on.  Also: the parent
# answers at most 10 reloads a minute through the control socket.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh" || exit 99

lab_require_root
lab_require_tools ip python3
lab_find_clawd
lab_system_setup
lab_init

# Growth allowed between the two looks, in kB: the answers to one
# read's worth of requests (a few hundred kB) and noise.
FLOOD_GROWTH_KB=${FLOOD_GROWTH_KB:-8192}

rss_kb()
{
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" \
	    2>/dev/null
}

lab_ns_add fl
d=$LAB_TMP/clawd-fl
lab_clawd_conf "$d"
log=$d/clawd.log
ip netns exec "$(lab_ns fl)" env CLAWD_REGRESS_FLOOD=netengine \
    "$CLAWD" -dv -f "$d/clawd.conf" -s "$d/clawd.sock" >"$log" 2>&1 &
pid=$!
LAB_PIDS+=("$pid")

held=0
for i in $(seq 200); do
	if grep -q "netengine is not reading its messages" "$log"; then
		held=1
		break
	fi
	lab_pid_alive "$pid" || break
	sleep 0.1
done
if [ "$held" -eq 1 ]; then
	lab_ok "parent: $(grep -m 1 'is not reading its messages' "$log" |
	    sed 's/^[0-9:.]* //')"
else
	lab_fail "the parent never stopped reading the flooding netengine" \
	    "within 20 s"
	echo "--- $log"; tail -n 20 "$log"; echo "---"
fi

sleep 2
r0=$(rss_kb "$pid")
sleep 10
r1=$(rss_kb "$pid")
if [ -z "$r0" ] || [ -z "$r1" ]; then
	lab_fail "parent gone during the flood"
	echo "--- $log"; tail -n 20 "$log"; echo "---"
elif [ $(( r1 - r0 )) -le "$FLOOD_GROWTH_KB" ]; then
	lab_ok "parent resident ${r0} kB, 10 s later ${r1} kB" \
	    "(at most +$FLOOD_GROWTH_KB)"
else
	lab_fail "parent grew from ${r0} kB to ${r1} kB in 10 s of flood"
fi
if grep -q "regress: flooding the parent" "$log"; then
	lab_ok "netengine flooded (its log line is there)"
else
	lab_fail "netengine never started the flood"
fi
n=$(cat /proc/"$pid"/task/*/children 2>/dev/null | wc -w)
if lab_pid_alive "$pid" && [ "$n" -eq 3 ]; then
	lab_ok "parent and its 3 children alive"
else
	lab_fail "parent alive: $(lab_pid_alive "$pid" && echo yes ||
	    echo no), children: $n"
fi
# The parent closes the channels: the flood's write fails, netengine
# exits; nothing stays behind.
lab_stop_pid "$pid"
left=$(ip netns pids "$(lab_ns fl)")
if [ -z "$left" ]; then
	lab_ok "stopped, no process left"
else
	lab_fail "processes left behind: $left"
fi

echo "== reloads through the control socket"
lab_ns_add rl
d=$LAB_TMP/clawd-rl
lab_clawd_conf "$d"
ip netns exec "$(lab_ns rl)" "$CLAWD" -dv -f "$d/clawd.conf" \
    -s "$d/clawd.sock" >"$d/clawd.log" 2>&1 &
pid=$!
LAB_PIDS+=("$pid")
ok=0
for i in $(seq 100); do
	"$CLAWCTL" -s "$d/clawd.sock" show status >/dev/null 2>&1 &&
	    { ok=1; break; }
	sleep 0.1
done
[ "$ok" -eq 1 ] || lab_fail "clawd for the reload check did not answer"
good=0 refused=0 out=$LAB_TMP/reload.out
for i in $(seq 12); do
	if "$CLAWCTL" -s "$d/clawd.sock" reload >"$out" 2>&1; then
		good=$((good + 1))
	elif grep -q "reloads in a minute" "$out"; then
		refused=$((refused + 1))
	else
		lab_fail "reload $i: $(cat "$out")"
	fi
done
if [ "$good" -eq 10 ] && [ "$refused" -eq 2 ]; then
	lab_ok "12 reloads at once: 10 done, 2 refused ($(cat "$out"))"
else
	lab_fail "12 reloads at once: $good done, $refused refused"
fi
n=$(grep -c "reloads in a minute" "$d/clawd.log")
if [ "$n" -eq 1 ]; then
	lab_ok "one log line for the refusals"
else
	lab_fail "$n log lines for 2 refused reloads"
fi
lab_stop_pid "$pid"

exit "$LAB_FAILED"
