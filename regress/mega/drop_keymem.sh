#!/bin/bash
# Where do the MEGA secrets live?  A v2 account with a fixed master key
# on the emulator; once clawd is ready, the memory of each clawd process
# is searched for the password (text) and the master key (raw 16 bytes
# and base64url).  crypto may hold them; parent, signaler and netengine
# must not.  Positive control: the emulator's node process, which made
# the account from that key, holds it, so the search can find things.
# The scanner is regress/lab/memscan.py, shared with lab/keymem.sh.
# Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/drop_lib.sh"
dl_init
command -v python3 >/dev/null 2>&1 || dl_skip "python3 not installed"

EMAIL=keymem@test.invalid
# Random per run, so no stale copy (in the page cache, another test's
# process) can make a find.
PASS=pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
MKHEX=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
MKB64=$(printf '%s' "$MKHEX" | xxd -r -p 2>/dev/null | base64 | tr '+/' '-_' |
    tr -d '=\n')
[ -n "$MKB64" ] || MKB64=$(python3 -c 'import base64, sys
print(base64.urlsafe_b64encode(bytes.fromhex(sys.argv[1])).decode().rstrip("="))' "$MKHEX")
printf '[{"email":"%s","password":"%s","version":2,"masterKey":"%s"}]\n' \
    "$EMAIL" "$PASS" "$MKB64" >"$LAB_TMP/accounts.json"

hex()
{
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}

NEEDLES=("password=$(hex "$PASS")" "mk-raw=$MKHEX"
    "mk-b64url=$(hex "$MKB64")")

lab_ns_add 1
NS=$(lab_ns 1)
dl_emu e "$NS" tls --accounts "$LAB_TMP/accounts.json"
dl_conf a "${DL_EURL[e]}" "$EMAIL" "$PASS"
dl_clawd a "$NS"
dl_wait_state a ready 60 || dl_bail "clawd not ready"
dl_ok "clawd ready with the fixed-key v2 account"
# Some work, so secrets had every chance to travel.
dl_randfile "$LAB_TMP/x" 100
dl_check "put" dl_put a k.bin "$LAB_TMP/x"
dl_get a k.bin >/dev/null 2>&1

procs=$(dl_ctl a -j show status | jq -r '.processes[] |
    "\(.name)=\(.pid)"') || dl_bail "show status"
dl_log "processes: $(echo $procs)"
for want in parent crypto signaler netengine; do
	echo "$procs" | grep -q "^$want=[0-9]" &&
	    dl_ok "process $want is known" ||
	    dl_notok "process $want is known"
done

for p in $procs; do
	name=${p%%=*}
	pid=${p#*=}
	out=$(python3 "$DL_DIR/../lab/memscan.py" "$pid" "${NEEDLES[@]}")
	rc=$?
	dl_log "$name ($pid): $(echo "$out" | tr '\n' ';')"
	if [ "$rc" -ne 0 ]; then
		dl_notok "$name: memory readable"
		continue
	fi
	if [ "$name" = crypto ]; then
		dl_ok "crypto: searched (secrets allowed there)"
		continue
	fi
	for w in password mk-raw mk-b64url; do
		echo "$out" | grep -q "^found $w " &&
		    dl_notok "$name: no $w ($(echo "$out" | grep "^found $w "))" ||
		    dl_ok "$name: no $w"
	done
done

# Positive control: the emulator holds the key it was given.
out=$(python3 "$DL_DIR/../lab/memscan.py" "${DL_EPID[e]}" "${NEEDLES[@]}")
dl_log "emulator: $(echo "$out" | tr '\n' ';')"
echo "$out" | grep -Eq '^found (mk-raw|mk-b64url) ' &&
    dl_ok "control: the search finds the master key in the emulator" ||
    dl_notok "control: the search finds the master key in the emulator"

dl_finish
