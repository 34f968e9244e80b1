#!/bin/bash
# wg_interop.sh: clawd and wireguard-go talk WireGuard to each other.
# (a) wireguard-go initiates, (b) clawd initiates, on traffic and with
# keepalive by itself, (c) with a pre-shared key, and a psk mismatch
# must not connect.  Ping both ways (IPv4 and IPv6 in the tunnel) and a
# 20 MB TCP transfer each way, compared by sha256.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/wg_lib.sh" || exit 99

wg_start_test
wg_pair

GO=$LAB_TMP/wggo-b
wg_keys "$GO"
wg_psk "$LAB_TMP/psk1"
wg_psk "$LAB_TMP/psk2"

# up KEEPALIVE CLAWD-PSK GO-PSK GO-HAS-ENDPOINT [CLAWD-ENDPOINT]:
# (re)start both sides; a clawd endpoint of - makes clawd's peer one
# that only calls in.
up()
{
	local ka=$1 cpsk=$2 gpsk=$3 gep=$4 cep=${5:-$WG_B} extra=() gargs=()

	[ -n "$WG_GO_PID" ] && lab_stop_pid "$WG_GO_PID"
	WG_GO_PID=
	lab_clawd_stop
	lab_wait 3 sh -c "! ip -n $(lab_ns a) link show claw0" ||
	    lab_die "claw0 still there after clawd stopped"
	extra=("keepalive $ka")
	[ "$cpsk" = - ] || extra+=("preshared-key \"$cpsk\"")
	wg_clawd_conf a "$WG_TA" "$WG_TA6" "$GO" "$WG_TB" "$WG_TB6" \
	    "$cep" "${extra[@]}"
	wg_clawd_start a
	wg_go_start b "$WG_TB" "$WG_TB6"
	[ "$gpsk" = - ] || gargs+=(preshared-key "$gpsk")
	[ "$gep" = yes ] && gargs+=(endpoint "$WG_A:$WG_PORT")
	wg_go_peer b "$LAB_TMP/clawd-a" "$WG_TA" "$WG_TA6" "${gargs[@]}"
}

go_has_handshake()
{
	[ "$(wg_go_hs_age b)" != never ]
}

# The full set of checks once the tunnel is expected up.
checks()
{
	local what=$1

	wg_check_ping b "$WG_TA" "$what"
	wg_check_ping a "$WG_TB" "$what"
	wg_check_ping a "$WG_TB6" "$what (IPv6)"
	wg_check_ping b "$WG_TA6" "$what (IPv6)"
	wg_check_xfer a "$WG_TA" b "$what"
	wg_check_xfer b "$WG_TB" a "$what"
	if [ "$(wg_go_hs_age b)" != never ] &&
	    [ "$(wg_peer a latest_handshake)" != null ]; then
		lab_ok "$what: both sides report a handshake"
	else
		lab_fail "$what: handshake missing (wg: $(wg_go_hs_age b)," \
		    "clawd: $(wg_peer a latest_handshake))"
	fi
	wg_check_alive a
}

echo "== (a) wireguard-go initiates, clawd has no keepalive"
up 0 - - yes
wg_check_ping b "$WG_TA" "(a) first packet from wireguard-go"
checks "(a)"

echo "== (a2) clawd's peer has no endpoint: it learns it from wireguard-go"
up 0 - - yes -
ep=$(wg_peer a endpoint)
if [ "$ep" = null ] || [ "$ep" = "" ]; then
	lab_ok "(a2) no endpoint before wireguard-go calls"
else
	lab_fail "(a2) endpoint '$ep' before wireguard-go called"
fi
wg_check_ping b "$WG_TA" "(a2) first packet from wireguard-go"
case "$(wg_peer a endpoint)" in
"$WG_B:$WG_PORT")	lab_ok "(a2) endpoint learnt: $WG_B:$WG_PORT" ;;
*)	lab_fail "(a2) endpoint $(wg_peer a endpoint), want $WG_B:$WG_PORT" ;;
esac
checks "(a2)"

echo "== (b) clawd initiates (wireguard-go has no endpoint)"
up 0 - - no
if [ "$(wg_go_hs_age b)" = never ]; then
	lab_ok "(b) no handshake before clawd sends"
else
	lab_fail "(b) handshake before any traffic"
fi
wg_check_ping a "$WG_TB" "(b) first packet from clawd"
checks "(b)"

echo "== (b') clawd with keepalive 25 comes up by itself"
up 25 - - no
if lab_wait 10 go_has_handshake; then
	lab_ok "(b') handshake without traffic within 10 s"
else
	lab_fail "(b') no handshake without traffic within 10 s"
fi
ep=$(wg_go_endpoint b)
if [ "$ep" = "$WG_A:$WG_PORT" ]; then
	lab_ok "(b') wireguard-go learnt clawd's endpoint $ep"
else
	lab_fail "(b') wireguard-go endpoint '$ep', want $WG_A:$WG_PORT"
fi
wg_check_ping b "$WG_TA" "(b') wireguard-go to clawd"

echo "== (c) pre-shared key on both sides"
up 0 "$LAB_TMP/psk1" "$LAB_TMP/psk1" yes
checks "(c)"

echo "== (c') pre-shared key mismatch must not connect"
up 0 "$LAB_TMP/psk1" "$LAB_TMP/psk2" yes
if lab_exec b ping -q -c 4 -i 0.5 -W 1 "$WG_TA" >/dev/null 2>&1 ||
    lab_exec a ping -q -c 4 -i 0.5 -W 1 "$WG_TB" >/dev/null 2>&1; then
	lab_fail "(c') ping works with mismatched psks"
else
	lab_ok "(c') no ping with mismatched psks"
fi
if [ "$(wg_go_hs_age b)" = never ]; then
	lab_ok "(c') wireguard-go reports no handshake"
else
	lab_fail "(c') wireguard-go reports a handshake"
fi
if [ "$(wg_peer a latest_handshake)" = null ]; then
	lab_ok "(c') clawd reports no handshake"
else
	lab_fail "(c') clawd reports a handshake"
fi
wg_check_alive a

exit "$LAB_FAILED"
