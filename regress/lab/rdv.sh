#!/bin/bash
# rdv.sh: two hosts behind NATs find each other through the MEGA
# emulator: host1 (role offer) publishes a sealed offer, host2 (role
# answer) answers, both punch, and the tunnel carries ping both ways;
# show peers reports the path and the timeline.  Then the same behind a
# port-restricted cone and a symmetric NAT with random ports, where no
# single probe can find the other: the tunnel starts through host1's
# TURN relay and moves to the direct path the many-probe technique
# finds; and a pair in on-demand mode, where host2 asks for the offer.  Once
# connected, host2 stops following the drop and host1 does not.
#
#	rdv.sh [P1 P2 PATH]	one pair of profiles, the expected path
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/rdv_lib.sh" || exit 99

# rdv_pair P1 P2 PATH: one world, two clawds, the tunnel, the path.
rdv_pair()
{
	local n p

	rdv_world "$1" "$2"
	rdv_clawds
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
		fi
	done
	# Connected, the answering side stops following the drop (10 s
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

rdv_start_test
if [ $# -ge 2 ]; then
	rdv_pair "$1" "$2" "${3:-direct}"
else
	rdv_pair prc prc direct
	rdv_pair prc sym direct
	# On demand: host2 asks for the offer with a request file.
	RDV_ONDEMAND=1 rdv_pair rc prc direct
fi
exit "$LAB_FAILED"
