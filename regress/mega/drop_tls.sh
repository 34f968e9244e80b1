#!/bin/bash
# TLS checks of clawd's MEGA client: an emulator serving a certificate
# not signed by the configured CA is never logged in to (no cs request
# completes, a certificate error is logged), and an http:// api-url
# without allow-plain-http is a configuration error.
# Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/drop_lib.sh"
dl_init

lab_ns_add 1
NS=$(lab_ns 1)
dl_emu r "$NS" rogue
URL=${DL_EURL[r]}

dl_conf a "$URL" "$DL_V1_EMAIL" "$DL_V1_PASS"
dl_clawd a "$NS"
# Long enough for a few attempts with back-off.
ready=0
end=$((SECONDS + 12))
while [ "$SECONDS" -lt "$end" ]; do
	[ "$(dl_drop_field a .state)" = ready ] && { ready=1; break; }
	sleep 0.5
done
dl_check "rogue certificate: never ready" [ "$ready" = 0 ]
st=$(dl_drop_field a .state)
dl_log "state $st, last_error $(dl_drop_field a .last_error)"
case $st in
ready|"")	dl_notok "show drop state is an error/backoff state ($st)" ;;
*)		dl_ok "show drop state is $st" ;;
esac
dl_check "a TLS/certificate error is logged" \
    dl_grep_log a 'certificate|tls|ssl|verify'
cs=$(dl_stat r endpoints cs)
dl_check "emulator saw no cs request (cs=$cs)" [ "$cs" = 0 ]
dl_check "clawd still running" lab_pid_alive "${DL_CPID[a]}"
dl_clawd_stop a

# The same emulator's URL with the right CA works (the test is sound):
# a second emulator with the CA-signed certificate.
dl_emu g "$NS" tls
dl_conf b "${DL_EURL[g]}" "$DL_V1_EMAIL" "$DL_V1_PASS"
dl_clawd b "$NS"
dl_check "control: CA-signed certificate reaches ready" \
    dl_wait_state b ready 60
dl_clawd_stop b

# http:// without allow-plain-http: a configuration error.
dl_conf c "http://127.0.0.1:1/" "$DL_V1_EMAIL" "$DL_V1_PASS"
out=$("$CLAWD" -n -f "${DL_CDIR[c]}/clawd.conf" 2>&1)
rc=$?
dl_check "http:// without allow-plain-http: clawd -n fails" [ "$rc" -ne 0 ]
echo "$out" | grep -Eiq 'http' && dl_ok "with a message: $out" ||
    dl_notok "with a message ($out)"
dl_conf d "http://127.0.0.1:1/" "$DL_V1_EMAIL" "$DL_V1_PASS" \
    "allow-plain-http yes"
"$CLAWD" -n -f "${DL_CDIR[d]}/clawd.conf" >/dev/null 2>&1
dl_check "http:// with allow-plain-http yes: clawd -n accepts it" [ $? -eq 0 ]

dl_finish
