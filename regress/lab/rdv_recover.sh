#!/bin/bash
# rdv_recover.sh: a connection made through the drop survives its NAT:
# a TCP transfer over the tunnel goes on while host2's NAT first loses
# its state (conntrack flushed) and then its public address changes
# (the peers notice the silence, probe again, and meet through the
# drop anew); the transfer completes with every byte.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/rdv_lib.sh" || exit 99

rdv_start_test
rdv_world prc prc
rdv_clawds
rdv_wait_ping 60 || { rdv_dump; lab_die "no tunnel to start with"; }
lab_ok "tunnel up in ${RDV_SECS}s"

rdv_xfer_start

sleep 8
lab_exec nat2 conntrack -F >/dev/null 2>&1
lab_log "nat2: conntrack flushed"
sleep 8
# Connected for more than 10 s: host2 (answer) no longer follows the
# drop; to meet anew it has to follow it again.
if rdv_following_is host2 false; then
	lab_ok "host2 paused following the drop while connected"
else
	lab_fail "host2 follows the drop: $(rdv_following host2)"
fi
# A new public address for site 2: the old mappings are gone for good.
lab_exec nat2 ip addr del "$(lab_nat_wanip 2)/24" dev wan
lab_exec nat2 ip addr add 203.0.113.22/24 dev wan
lab_exec nat2 conntrack -F >/dev/null 2>&1
lab_log "nat2: public address now 203.0.113.22"
t0=$(date +%s)

if rdv_xfer_wait 200; then
	lab_ok "transfer complete ($RDV_XFER), $(( $(date +%s) - t0 ))s after the address change"
else
	rdv_dump
	lab_fail "transfer: $RDV_XFER"
fi
if grep -q 'following the drop again' "$LAB_TMP/clawd-host2/clawd.log"
then
	lab_ok "host2 followed the drop again"
else
	lab_fail "host2 never followed the drop again"
fi
if grep -q 'probing again' "$LAB_TMP/clawd-host2/clawd.log"; then
	lab_ok "host2 noticed the silence and probed again"
else
	lab_fail "host2 never probed again"
fi
[ -n "${RDV_VERBOSE:-}" ] && rdv_dump
exit "$LAB_FAILED"
