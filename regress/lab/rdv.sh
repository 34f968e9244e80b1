#!/bin/bash
# rdv.sh: two hosts behind NATs find each other through the MEGA
# emulator: host1 (role offer) publishes a sealed offer, host2 (role
# answer) answers, both punch, and the tunnel carries ping both ways;
# show peers reports the path and the timeline.  Then the same behind a
# port-restricted cone and a symmetric NAT with random ports, where no
# single probe can find the other: the tunnel starts through host1's
# TURN relay and moves to the direct path the many-probe technique
# finds; two random symmetric NATs, where only the relay can carry it;
# and a pair in on-demand mode, where host2 stays idle (no MEGA
# request, not following the drop) until a packet wants host1, then
# asks for the offer, with a drop slow enough that host1 starts on
# host2's probes, and delivers that first packet; and on demand on
# host2's side only, where host1 keeps a standing offer that host2
# holds and answers when the packet comes, never asking for one.  Once
# connected, host2 stops following the drop and host1 does not.
#
#	rdv.sh [P1 P2 PATH [MS]]	one pair, the expected path, MEGA latency
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/rdv_lib.sh" || exit 99

# rdv_pair P1 P2 PATH [LATENCY]: one world, two clawds, the tunnel,
# the path.  With LATENCY (ms per MEGA request) the response reaches
# host1 after host2's probes do: host1 must start on the probes.
rdv_pair()
{
	local n p

	rdv_world "$1" "$2" ${4:+--latency-ms "$4"}
	rdv_clawds
	[ -n "${RDV_ONDEMAND:-}" ] && rdv_idle "$1 to $2"
	if rdv_wait_ping 60; then
		lab_ok "$1 to $2: tunnel up through the drop in ${RDV_SECS}s"
	else
		rdv_dump
		lab_fail "$1 to $2: no tunnel within 60 s"
	fi
	for n in 1 2; do
		# A relayed start moves to a direct path when one answers
		# (many probes take up to 25 s).
		rdv_until 30 rdv_path_is "host$n" "$3"
		p=$(rdv_path "host$n")
		if [ "$p" = "$3" ]; then
			lab_ok "$1 to $2: host$n: path $p"
		else
			lab_fail "$1 to $2: host$n: path '$p', not $3"
			lab_ctl_at "host$n" show peers
			rdv_dump
		fi
	done
	# A standing offer: answered when the packet came, never asked for.
	if [ "${RDV_ONDEMAND:-}" = answer ]; then
		if grep -q 'put request-' "$LAB_TMP/clawd-host2/clawd.log" ||
		    grep -q 'asked for an offer' \
		    "$LAB_TMP/clawd-host1/clawd.log"; then
			lab_fail "$1 to $2: host2 asked for an offer"
		else
			lab_ok "$1 to $2: host2 answered the standing offer"
		fi
	fi
	if [ -n "${4:-}" ]; then
		if grep -q 'probed before its response' \
		    "$LAB_TMP/clawd-host1/clawd.log"; then
			lab_ok "$1 to $2: host1 punched on host2's probes"
		else
			lab_fail "$1 to $2: host1 waited for the response"
		fi
	fi
	# Connected, the answering side stops following the drop (2 s
	# after), the offering side never does.
	if rdv_until 25 rdv_following_is host2 false; then
		lab_ok "$1 to $2: host2 (answer) stops following the drop"
	else
		lab_fail "$1 to $2: host2 follows: $(rdv_following host2)"
	fi
	if rdv_following_is host1 true; then
		lab_ok "$1 to $2: host1 (offer) still follows the drop"
	else
		lab_fail "$1 to $2: host1 follows: $(rdv_following host1)"
	fi
	[ -n "${RDV_VERBOSE:-}" ] && rdv_dump
	rdv_teardown
}

# host2's MEGA requests so far (show drop).
rdv_requests()
{
	lab_ctl_at host2 -j show drop 2>/dev/null | python3 -c '
import json, sys
print(json.load(sys.stdin).get("requests", -1))' 2>/dev/null || echo -1
}

# What host2's show peers says of its peer's rendezvous.
rdv_timeline()
{
	lab_ctl_at host2 -j show peers 2>/dev/null | python3 -c '
import json, sys
print(json.load(sys.stdin)["peers"][0].get("timeline", "-"))' 2>/dev/null ||
	    echo error
}

# On demand, before any packet: host2's peer is idle and costs nothing
# (no request, the drop not followed, its request count still), then
# the first packet (one ping, 20 s to answer) is delivered.
rdv_idle()
{
	local what=$1 r0 r1 tl

	rdv_until 30 grep -q 'drop folder .* ready' \
	    "$LAB_TMP/clawd-host2/clawd.log" ||
	    lab_fail "$what: host2's drop not ready"
	sleep 2
	r0=$(rdv_requests)
	sleep 5
	r1=$(rdv_requests)
	tl=$(rdv_timeline)
	if [ "$tl" = idle ] && rdv_following_is host2 false &&
	    [ "$r0" -ge 0 ] && [ "$r0" = "$r1" ] &&
	    ! grep -q 'rdv: peer .*: wanted' "$LAB_TMP/clawd-host2/clawd.log"
	then
		lab_ok "$what: host2 idle before a packet ($r0 requests," \
		    "none in 5 s, drop not followed)"
	else
		lab_fail "$what: host2 before a packet: '$tl', following" \
		    "$(rdv_following host2), requests $r0 -> $r1"
	fi
	RDV_T0=$(date +%s.%N)
	if lab_exec host2 ping -n -c 1 -W 20 "$RDV_TA" >/dev/null 2>&1; then
		lab_ok "$what: the first packet is delivered once up" \
		    "($(awk -v a="$RDV_T0" -v b="$(date +%s.%N)" \
		    'BEGIN { printf "%.1f", b - a }')s)"
	else
		lab_fail "$what: the first packet got no answer in 20 s"
	fi
}

rdv_start_test
if [ $# -ge 2 ]; then
	rdv_pair "$1" "$2" "${3:-direct}" "${4:-}"
else
	rdv_pair prc prc direct
	rdv_pair prc sym direct
	rdv_pair sym sym relayed
	# On demand: host2 asks for the offer with a request file; the
	# drop slow (300 ms a request), so that the probes come first
	# (host1 behind a full cone: they get in before it probes).
	RDV_ONDEMAND=1 rdv_pair fc prc direct 300
	# On demand on the answering side only: host1 keeps a standing
	# offer, host2 holds it and answers it when the packet comes.
	RDV_ONDEMAND=answer rdv_pair prc prc direct
fi
exit "$LAB_FAILED"
