#!/bin/bash
# wg_rekey.sh: a session between clawd and wireguard-go survives a
# rekey.  clawd initiates, then a ping a second runs for 135 s: after
# REKEY_AFTER_TIME (120 s) the initiator makes a new handshake, which
# wireguard-go and clawctl show peers both report as recent, and at
# most 2 pings are lost across it.
# SLOW: this test takes about 140 seconds.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/wg_lib.sh" || exit 99

DURATION=${WG_REKEY_SECONDS:-135}

wg_start_test
wg_pair

GO=$LAB_TMP/wggo-b
wg_keys "$GO"
wg_clawd_conf a "$WG_TA" "$WG_TA6" "$GO" "$WG_TB" "$WG_TB6" "$WG_B"
wg_clawd_start a
wg_go_start b "$WG_TB" "$WG_TB6"
wg_go_peer b "$LAB_TMP/clawd-a" "$WG_TA" "$WG_TA6"

wg_ping_up a "$WG_TB" 10 || lab_die "tunnel does not come up"
t0=$(date +%s)
lab_ok "tunnel up, clawd initiated"

echo "pinging once a second for $DURATION s (slow test)"
out=$LAB_TMP/ping.out
lab_exec a ping -n -c "$DURATION" -i 1 -W 2 "$WG_TB" >"$out" 2>&1
tail -n 3 "$out"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$out")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$out")
lost=$(( ${sent:-0} - ${recv:-0} ))
if [ -n "$sent" ] && [ "$sent" -eq "$DURATION" ] && [ "$lost" -le 2 ]; then
	lab_ok "$lost of $sent pings lost across the rekey"
else
	lab_fail "${sent:-?} pings sent, ${recv:-?} received"
fi

elapsed=$(( $(date +%s) - t0 ))
ga=$(wg_go_hs_age b)
ca=$(wg_peer a latest_handshake)
lab_log "after ${elapsed}s: wireguard-go handshake ${ga}s ago," \
    "clawd ${ca}s ago"
if [ "$ga" != never ] && [ "$ga" -lt $(( elapsed - 5 )) ]; then
	lab_ok "wireguard-go saw a second handshake"
else
	lab_fail "wireguard-go: latest handshake ${ga}s ago after ${elapsed}s"
fi
if [ "$ca" != null ] && [ "$ca" != error ] &&
    [ "$ca" -lt $(( elapsed - 5 )) ]; then
	lab_ok "clawd saw a second handshake"
else
	lab_fail "clawd: latest handshake ${ca}s ago after ${elapsed}s"
fi
wg_check_ping b "$WG_TA" "after rekey"
wg_check_alive a

exit "$LAB_FAILED"
