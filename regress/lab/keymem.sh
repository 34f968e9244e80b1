#!/bin/bash
# keymem.sh: key isolation.  clawd runs with a known private key and a
# pre-shared key, completes a handshake with wireguard-go, then
# memscan.py searches the memory of every clawd process: the raw keys
# must be in crypto and nowhere else (neither raw nor as base64 text)
# in the parent, signaler or netengine.  Positive control: crypto must
# hold both raw keys, so the search can find things.
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
for want in parent crypto signaler netengine; do
	case " $(echo $procs) " in
	*" $want="[0-9]*) lab_ok "process $want is known" ;;
	*) lab_fail "process $want is known" ;;
	esac
done

# The needles in hex: each key raw (32 bytes) and as its base64 text.
hex()
{
	od -An -tx1 | tr -d ' \n'
}
kraw=$(base64 -d <"$LAB_TMP/clawd-a/key" | hex)
ktext=$(tr -d ' \n' <"$LAB_TMP/clawd-a/key" | hex)
praw=$(base64 -d <"$LAB_TMP/psk" | hex)
ptext=$(tr -d ' \n' <"$LAB_TMP/psk" | hex)
[ ${#kraw} -eq 64 ] && [ ${#praw} -eq 64 ] ||
    lab_die "the private key or the psk is not 32 bytes"
NEEDLES=("key-raw=$kraw" "key-b64=$ktext" "psk-raw=$praw" "psk-b64=$ptext")

for p in $procs; do
	name=${p%%=*}
	pid=${p#*=}
	out=$(python3 "$LAB_DIR/memscan.py" "$pid" "${NEEDLES[@]}")
	rc=$?
	w="$name (pid $pid)"
	echo "$out" | grep -v '^found ' | sed "s/^/info: $w: /"
	if [ "$rc" -ne 0 ]; then
		lab_fail "$w: memory readable"
		continue
	fi
	lab_ok "$w: memory readable"
	if [ "$name" = crypto ]; then
		for n in key-raw psk-raw; do
			echo "$out" | grep -q "^found $n " &&
			    lab_ok "$w: holds $n" ||
			    lab_fail "$w: holds $n"
		done
		for n in key-b64 psk-b64; do
			f=$(echo "$out" | grep "^found $n ")
			echo "info: $w: $n ${f:-not found}"
		done
		continue
	fi
	for n in key-raw key-b64 psk-raw psk-b64; do
		f=$(echo "$out" | grep "^found $n ")
		[ -z "$f" ] && lab_ok "$w: no $n" ||
		    lab_fail "$w: no $n ($f)"
	done
done
wg_check_alive a

exit "$LAB_FAILED"
