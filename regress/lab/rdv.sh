#!/bin/bash
# rdv.sh: two hosts behind NATs find each other through the MEGA
# emulator: host1 (role offer) publishes a sealed offer, host2 (role
# answer) answers, both punch, and the tunnel carries ping both ways;
# show peers reports the path and the timeline.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/rdv_lib.sh" || exit 99

rdv_start_test
rdv_world "${1:-prc}" "${2:-prc}"
rdv_clawds

if rdv_wait_ping 60; then
	lab_ok "tunnel up through the drop in ${RDV_SECS}s"
else
	rdv_dump
	lab_fail "no tunnel within 60 s"
fi
for n in 1 2; do
	p=$(lab_ctl_at "host$n" -j show peers | python3 -c '
import json, sys
p = json.load(sys.stdin)["peers"][0]
print(p.get("path", "-"))') || p=error
	if [ "$p" = direct ]; then
		lab_ok "host$n: path direct"
	else
		lab_fail "host$n: path '$p'"
	fi
done
[ -n "${RDV_VERBOSE:-}" ] && rdv_dump
exit "$LAB_FAILED"
