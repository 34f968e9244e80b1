#!/bin/bash
# rdv_rotate.sh: listen-port rotation without dropping the tunnel: both
# clawds replace their UDP socket every 20 s; a TCP transfer over the
# tunnel that lasts about a minute outlives several rotations on each
# side and arrives intact.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/rdv_lib.sh" || exit 99

rdv_start_test
rdv_world prc prc
RDV_ROTATE=20 rdv_clawds
rdv_wait_ping 60 || { rdv_dump; lab_die "no tunnel to start with"; }
lab_ok "tunnel up in ${RDV_SECS}s"
rdv_xfer_start
if rdv_xfer_wait 200; then
	lab_ok "transfer complete across rotations ($RDV_XFER)"
else
	rdv_dump
	lab_fail "transfer: $RDV_XFER"
fi
for n in 1 2; do
	r=$(grep -c 'port rotation: udp port' \
	    "$LAB_TMP/clawd-host$n/clawd.log")
	m=$(grep -c 'moving to the new port' \
	    "$LAB_TMP/clawd-host$n/clawd.log")
	if [ "$r" -ge 2 ]; then
		lab_ok "host$n: $r rotations, $m moves"
	else
		lab_fail "host$n: only $r rotations"
	fi
done
rdv_wait_ping 30 && lab_ok "tunnel still up after the rotations" ||
    lab_fail "no tunnel after the rotations"
[ -n "${RDV_VERBOSE:-}" ] && rdv_dump
exit "$LAB_FAILED"
