#!/bin/bash
# wg_clawd.sh: two clawds talk WireGuard to each other: ping both ways
# (IPv4 and IPv6 in the tunnel), a 20 MB TCP transfer each way compared
# by sha256, and clawctl show peers on both sides reports a recent
# handshake and rx/tx byte counters that grew.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/wg_lib.sh" || exit 99

wg_start_test
wg_pair

wg_keys "$LAB_TMP/clawd-a"
wg_keys "$LAB_TMP/clawd-b"
wg_clawd_conf a "$WG_TA" "$WG_TA6" "$LAB_TMP/clawd-b" "$WG_TB" "$WG_TB6" \
    "$WG_B"
wg_clawd_conf b "$WG_TB" "$WG_TB6" "$LAB_TMP/clawd-a" "$WG_TA" "$WG_TA6" \
    "$WG_A"
wg_clawd_start a
wg_clawd_start b

for ns in a b; do
	if [ "$(wg_peer "$ns" latest_handshake)" = null ]; then
		lab_ok "$ns: no handshake before traffic"
	else
		lab_fail "$ns: handshake before traffic"
	fi
done

wg_check_ping a "$WG_TB" "clawd-clawd"
wg_check_ping b "$WG_TA" "clawd-clawd"
wg_check_ping a "$WG_TB6" "clawd-clawd (IPv6)"
wg_check_ping b "$WG_TA6" "clawd-clawd (IPv6)"

declare -A rx0 tx0
for ns in a b; do
	rx0[$ns]=$(wg_peer "$ns" rx_bytes)
	tx0[$ns]=$(wg_peer "$ns" tx_bytes)
done

wg_check_xfer a "$WG_TA" b "clawd-clawd"
wg_check_xfer b "$WG_TB" a "clawd-clawd"

for ns in a b; do
	wg_ctl "$ns" show peers
	hs=$(wg_peer "$ns" latest_handshake)
	rx=$(wg_peer "$ns" rx_bytes)
	tx=$(wg_peer "$ns" tx_bytes)
	ep=$(wg_peer "$ns" endpoint)
	if [ "$hs" != null ] && [ "$hs" != error ] && [ "$hs" -le 120 ]; then
		lab_ok "$ns: show peers: latest handshake ${hs}s ago"
	else
		lab_fail "$ns: show peers: latest handshake '$hs'"
	fi
	# Each side sent and received 20 MB after the first reading.
	if [ "$rx" != error ] && [ "${rx0[$ns]}" != error ] &&
	    [ $(( rx - rx0[$ns] )) -ge $(( 20 << 20 )) ] &&
	    [ $(( tx - tx0[$ns] )) -ge $(( 20 << 20 )) ]; then
		lab_ok "$ns: rx ${rx0[$ns]} -> $rx, tx ${tx0[$ns]} -> $tx"
	else
		lab_fail "$ns: rx ${rx0[$ns]} -> $rx, tx ${tx0[$ns]} -> $tx"
	fi
	case $ns in a) want=$WG_B ;; b) want=$WG_A ;; esac
	case $ep in
	"$want:$WG_PORT"|"$want")
		lab_ok "$ns: endpoint $ep" ;;
	*)	lab_fail "$ns: endpoint '$ep', want $want:$WG_PORT" ;;
	esac
	wg_check_alive "$ns"
done

# A reload that puts a new peer first moves every peer id: the running
# session must survive it and the new peer must appear.
conf=$LAB_TMP/clawd-a/clawd.conf
wg_keys "$LAB_TMP/newpeer"
{
	sed -n '/^peer /,$!p' "$conf"
	printf 'peer "newpeer" {\n\tpublic-key "%s"\n' \
	    "$(wg_pub "$LAB_TMP/newpeer")"
	printf '\tallowed-ips 100.64.9.9/32\n'
	printf '\tendpoint "198.18.9.9" port %s\n}\n' "$WG_PORT"
	sed -n '/^peer /,$p' "$conf"
} >"$conf.new"
mv "$conf.new" "$conf"
chmod 600 "$conf"
if wg_ctl a reload; then
	lab_ok "reload with a peer added in front"
else
	lab_fail "reload with a peer added in front"
fi
n=$(wg_ctl a -j show peers | python3 -c 'import json, sys
print(len(json.load(sys.stdin)["peers"]))')
if [ "$n" = 2 ]; then
	lab_ok "two peers after the reload"
else
	lab_fail "$n peers after the reload, want 2"
fi
wg_check_alive a
wg_check_ping a "$WG_TB" "after the reload"
wg_check_ping b "$WG_TA" "after the reload"

exit "$LAB_FAILED"
