#!/bin/bash
# secretfile.sh: clawd refuses a private key file that group or others
# may read or write, at start-up and with -n; it accepts 0600 and 0400,
# and names a missing key file clearly.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh" || exit 99

lab_find_clawd
[ "$(id -u)" -eq 0 ] && lab_system_setup
lab_init

d=$LAB_TMP/secret
lab_clawd_conf "$d"
key=$d/key
conf=$d/clawd.conf

# check_mode MODE WANT: WANT is "refuse" or "accept".
check_mode()
{
	local mode=$1 want=$2 out rc

	chmod "$mode" "$key"
	out=$("$CLAWD" -n -f "$conf" 2>&1)
	rc=$?
	if [ "$want" = accept ]; then
		if [ "$rc" -eq 0 ]; then
			lab_ok "key mode $mode accepted"
		else
			lab_fail "key mode $mode: exit $rc, want 0: $out"
		fi
		return
	fi
	if [ "$rc" -ne 1 ]; then
		lab_fail "key mode $mode: exit $rc, want 1: $out"
	elif ! grep -F -- "$key" <<<"$out" |
	    grep -q "group- or world-accessible"; then
		lab_fail "key mode $mode: message lacks the file name or" \
		    "\"group- or world-accessible\": $out"
	else
		lab_ok "key mode $mode refused: $out"
	fi
}

echo "checking the permissions of the private key file with clawd -n"
for m in 0640 0604 0660 0644 0620 0602; do
	check_mode "$m" refuse
done
for m in 0600 0400; do
	check_mode "$m" accept
done

echo "checking a missing private key file"
rm -f "$key"
out=$("$CLAWD" -n -f "$conf" 2>&1)
rc=$?
if [ "$rc" -eq 0 ]; then
	lab_fail "missing key file accepted"
elif ! grep -qF -- "$key" <<<"$out"; then
	lab_fail "missing key file: message does not name $key: $out"
else
	lab_ok "missing key file refused (exit $rc): $out"
fi

exit "$LAB_FAILED"
