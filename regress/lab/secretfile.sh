#!/bin/bash
# secretfile.sh: clawd refuses a private key file that group or others
# may read or write, at start-up and with -n; it accepts 0600 and 0400,
# and names a missing key file clearly.  The same for the MEGA
# credentials, the TURN secret and a preshared key.
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

# The other secret files: check_other WHAT FILE CONFIG-LINE...: FILE
# at 0644 is refused with a message naming it, at 0600 accepted.
check_other()
{
	local what=$1 f=$2 out rc

	shift 2
	lab_clawd_conf "$d" "$@"
	chmod 600 "$key"
	chmod 644 "$f"
	out=$("$CLAWD" -n -f "$conf" 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && grep -F -- "$f" <<<"$out" |
	    grep -q "group- or world-accessible"; then
		lab_ok "$what mode 0644 refused: $out"
	else
		lab_fail "$what mode 0644: exit $rc, want 1 naming $f: $out"
	fi
	chmod 600 "$f"
	out=$("$CLAWD" -n -f "$conf" 2>&1)
	rc=$?
	[ "$rc" -eq 0 ] && lab_ok "$what mode 0600 accepted" ||
	    lab_fail "$what mode 0600: exit $rc, want 0: $out"
}

echo "checking the other secret files"
lab_genkey "$key"
printf 'email v1@test.invalid\npassword password-v1\n' >"$d/cred"
check_other "MEGA credentials" "$d/cred" \
    "mega {" "credentials \"$d/cred\"" "}"
printf 'clawlab-turn-secret\n' >"$d/turn.secret"
check_other "TURN secret" "$d/turn.secret" \
    "turn-server \"203.0.113.1\" port 3478 secret \"$d/turn.secret\""
lab_genkey "$d/psk"
check_other "preshared key" "$d/psk" \
    "peer \"p\" {" \
    "public-key \"PdMSvRUyHW7VYpErZHRRDG4cagkKB5i1k5WkyJ2XGEg=\"" \
    "preshared-key \"$d/psk\"" "allowed-ips 100.64.0.2/32" \
    "endpoint \"198.51.100.20\" port 51820" "}"

exit "$LAB_FAILED"
