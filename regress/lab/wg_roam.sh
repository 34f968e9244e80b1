#!/bin/bash
# wg_roam.sh: roaming between clawd and wireguard-go.  First the
# wireguard-go side's source address changes while it pings (no wg
# set): clawd's show peers endpoint must follow and the ping go on.
# This is done as a NAT rebinding (an SNAT rule in b to a new address
# and port), because wireguard-go 0.0.20220316 keeps sending from a
# deleted address ("network is unreachable") until its handshake timer
# clears the sticky source some 15 s later.  Then clawd's side changes
# its address while pinging: clawd's socket is bound to the wildcard
# address, so it sends from the new one, and wireguard-go's endpoint
# must follow.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/wg_lib.sh" || exit 99

NEW_A=198.18.0.11
NEW_B=198.18.0.12

wg_start_test nft conntrack
wg_pair
# Keep the new address when the old (primary) one is removed.
lab_exec a sysctl -qw net.ipv4.conf.v0.promote_secondaries=1

GO=$LAB_TMP/wggo-b
wg_keys "$GO"
wg_clawd_conf a "$WG_TA" "$WG_TA6" "$GO" "$WG_TB" "$WG_TB6" "$WG_B"
wg_clawd_start a
wg_go_start b "$WG_TB" "$WG_TB6"
wg_go_peer b "$LAB_TMP/clawd-a" "$WG_TA" "$WG_TA6" \
    endpoint "$WG_A:$WG_PORT"

wg_check_ping b "$WG_TA" "before roaming"
ep=$(wg_peer a endpoint)
[ "$ep" = "$WG_B:$WG_PORT" ] || lab_fail "clawd endpoint '$ep' at start"

# move NS DEV OLD NEW SRCNS DST WHAT: ping from SRCNS to DST (tunnel)
# for 8 s while NS's DEV changes address from OLD to NEW after 2 s;
# at most 5 of the 40 pings may be lost.
move()
{
	local ns=$1 dev=$2 old=$3 new=$4 sns=$5 dst=$6 what=$7 pid out
	local sent recv

	out=$LAB_TMP/ping.$ns
	lab_exec "$sns" ping -n -c 40 -i 0.2 -W 1 "$dst" >"$out" 2>&1 &
	pid=$!
	LAB_PIDS+=("$pid")
	sleep 2
	lab_exec "$ns" ip addr add "$new/24" dev "$dev"
	lab_exec "$ns" ip addr del "$old/24" dev "$dev"
	lab_exec "$ns" ip -4 addr show dev "$dev" | grep -q "$old/" &&
	    lab_fail "$what: $old still on $dev"
	wait "$pid"
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$out")
	recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$out")
	if [ "${sent:-0}" -eq 40 ] && [ $(( sent - ${recv:-0} )) -le 5 ]
	then
		lab_ok "$what: $recv of $sent pings answered while moving"
	else
		lab_fail "$what: ${recv:-?} of ${sent:-?} pings answered"
	fi
}

# rebind: after 2 s of pinging from b, b's packets to clawd leave
# with source NEW_B:NEW_PORT.
NEW_PORT=40000
rebind()
{
	local out=$LAB_TMP/ping.rebind pid sent recv

	lab_exec b ping -n -c 40 -i 0.2 -W 1 "$WG_TA" >"$out" 2>&1 &
	pid=$!
	LAB_PIDS+=("$pid")
	sleep 2
	lab_exec b ip addr add "$NEW_B/24" dev v1
	# As in a real rebinding the old mapping is gone: what clawd
	# still sends to it is dropped before conntrack sees it (priority
	# -300), so no entry made by such a packet can stand in the way.
	# The counters say, if this fails, which way packets stopped.
	lab_exec b nft -f - <<EOF || lab_fail "nft snat rule"
table ip roam {
	chain pre {
		type filter hook prerouting priority -300;
		ip saddr $WG_A ip daddr $WG_B udp dport $WG_PORT counter drop
		ip saddr $WG_A ip daddr $NEW_B udp dport $NEW_PORT counter
	}
	chain post {
		type nat hook postrouting priority 100;
		udp sport $WG_PORT ip daddr $WG_A counter \
		    snat to $NEW_B:$NEW_PORT
	}
}
EOF
	# The existing flow must not keep its untranslated entry.
	lab_exec b conntrack -F >/dev/null 2>&1
	wait "$pid"
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$out")
	recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$out")
	if [ "${sent:-0}" -eq 40 ] && [ $(( sent - ${recv:-0} )) -le 5 ]
	then
		lab_ok "rebinding: $recv of $sent pings answered"
	else
		lab_fail "rebinding: ${recv:-?} of ${sent:-?} pings answered"
		rebind_state
	fi
}

# What b's NAT did, for a failure: the rule counters (to the old
# mapping, to the new, out through the new) and the connections.
rebind_state()
{
	echo "--- b: nft list table ip roam"
	lab_exec b nft list table ip roam
	echo "--- b: conntrack -L"
	lab_exec b conntrack -L 2>&1
	echo "--- a: ip neigh"
	lab_exec a ip neigh
	echo "---"
}

echo "== wireguard-go's source moves from $WG_B:$WG_PORT to" \
    "$NEW_B:$NEW_PORT"
rebind
ep=$(wg_peer a endpoint)
if [ "$ep" = "$NEW_B:$NEW_PORT" ]; then
	lab_ok "clawd's endpoint for the peer is now $ep"
else
	lab_fail "clawd's endpoint is '$ep', want $NEW_B:$NEW_PORT"
fi
wg_check_ping a "$WG_TB" "clawd to the roamed peer" || rebind_state

# Undo the rebinding: b's own address again.
lab_exec b nft delete table ip roam
lab_exec b conntrack -F >/dev/null 2>&1
wg_check_ping b "$WG_TA" "rebinding undone"
ep=$(wg_peer a endpoint)
[ "$ep" = "$WG_B:$WG_PORT" ] ||
    lab_fail "clawd's endpoint is '$ep' after the rebinding is undone"

echo "== clawd moves from $WG_A to $NEW_A"
move a v0 "$WG_A" "$NEW_A" a "$WG_TB" "clawd roams"
ep=$(wg_go_endpoint b)
if [ "$ep" = "$NEW_A:$WG_PORT" ]; then
	lab_ok "wireguard-go's endpoint for clawd is now $ep"
else
	lab_fail "wireguard-go's endpoint is '$ep', want $NEW_A:$WG_PORT"
fi
wg_check_ping b "$WG_TA" "wireguard-go to the roamed clawd"
wg_check_alive a

exit "$LAB_FAILED"
