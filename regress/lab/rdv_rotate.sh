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
# Each side met the other again on its new ports: WireGuard followed.
for n in 1 2; do
	e=$(grep -c 'peer host[12]: endpoint now' \
	    "$LAB_TMP/clawd-host$n/clawd.log")
	[ "$e" -ge 2 ] && lab_ok "host$n: the peer's endpoint moved $((e - 1))" \
	    "times" || lab_fail "host$n: the peer's endpoint never moved"
done
# Every move is met within 10 s: host1 (offers) gets host2's response
# to its new offer, host2 (answers) gets and answers the offer its
# request asked for, even though it had stopped following the drop in
# between (moves the log ends too soon after are not counted).
moves_met()
{
	awk -v met="$2" '
	function t(s) {
		split(s, a, ":")
		return a[1] * 3600 + a[2] * 60 + a[3]
	}
	{ last = t($1) }
	/moving to the new port/ { mv[++n] = last }
	$0 ~ met { ans[++m] = last }
	END {
		for (i = 1; i <= n; i++) {
			if (last - mv[i] < 10)
				continue
			c++
			for (j = 1; j <= m; j++)
				if (ans[j] >= mv[i] && ans[j] - mv[i] < 10) {
					ok++
					break
				}
		}
		printf "%d %d\n", ok, c
	}' "$1"
}
for n in 1 2; do
	if [ "$n" = 1 ]; then
		met='rdv: peer 0: response '
	else
		met='rdv: peer 0: answered offer '
	fi
	read -r ok all < <(moves_met "$LAB_TMP/clawd-host$n/clawd.log" "$met")
	if [ "$all" -gt 0 ] && [ "$ok" = "$all" ]; then
		lab_ok "host$n: $ok of $all moves met within 10 s"
	elif [ "$all" -eq 0 ]; then
		lab_ok "host$n: no move to check"
	else
		lab_fail "host$n: only $ok of $all moves met within 10 s"
	fi
done
rdv_wait_ping 30 && lab_ok "tunnel still up after the rotations" ||
    lab_fail "no tunnel after the rotations"
[ -n "${RDV_VERBOSE:-}" ] && rdv_dump
exit "$LAB_FAILED"
