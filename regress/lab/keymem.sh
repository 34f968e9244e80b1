#!/bin/bash
# keymem.sh: key isolation.  clawd runs with a known private key and a
# pre-shared key, completes a handshake with wireguard-go, then
# keymem.py searches the memory of every clawd process: the raw keys
# must be in crypto and nowhere else (neither raw nor as base64 text)
# in the parent, signaler or netengine.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/wg_lib.sh" || exit 99

wg_start_test
wg_pair

GO=$LAB_TMP/wggo-b
wg_keys "$GO"
wg_psk "$LAB_TMP/psk"
wg_clawd_conf a "$WG_TA" "$WG_TA6" "$GO" "$WG_TB" "$WG_TB6" "$WG_B" \
    "preshared-key \"$LAB_TMP/psk\""
wg_clawd_start a
wg_go_start b "$WG_TB" "$WG_TB6"
wg_go_peer b "$LAB_TMP/clawd-a" "$WG_TA" "$WG_TA6" \
    endpoint "$WG_A:$WG_PORT" preshared-key "$LAB_TMP/psk"

wg_check_ping b "$WG_TA" "handshake with psk"
wg_check_ping a "$WG_TB" "handshake with psk"
[ "$(wg_peer a latest_handshake)" != null ] ||
    lab_fail "clawd reports no handshake"

procs=$(wg_ctl a -j show status | python3 -c '
import json, sys
for p in json.load(sys.stdin)["processes"]:
    print("%s=%d" % (p["name"], p["pid"]))') ||
    lab_die "show status failed"
echo "processes:" $procs
# shellcheck disable=SC2086
python3 "$LAB_DIR/keymem.py" "$LAB_TMP/clawd-a/key" "$LAB_TMP/psk" \
    $procs || LAB_FAILED=1
wg_check_alive a

exit "$LAB_FAILED"
