#!/bin/bash
# clawd's MEGA drop under the emulator's injected faults, one at a time
# while clawd is ready: each time a put and a get must succeed (perhaps
# late), no file may be lost or doubled, and clawd must not spin (the
# requests the emulator counts stay under a bound set by the back-off).
# Then the account-level failures: wrong password, blocked account,
# over quota.  Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/drop_lib.sh"
dl_init

lab_ns_add 1
NS=$(lab_ns 1)
dl_emu e "$NS" tls
URL=${DL_EURL[e]}

# A wrong password runs on its own emulator from the start, so its 20 s
# window overlaps the fault cases.
dl_emu w "$NS" tls
dl_conf bad "${DL_EURL[w]}" "$DL_V1_EMAIL" "not-the-password"
dl_clawd bad "$NS"
bad_t0=$SECONDS

# So does a blocked account, on a third emulator: clawd "blk" logs in,
# then the account is blocked.
dl_emu x "$NS" tls
dl_conf blk "${DL_EURL[x]}" "$DL_V2_EMAIL" "$DL_V2_PASS"
dl_clawd blk "$NS"

dl_conf a "$URL" "$DL_V1_EMAIL" "$DL_V1_PASS"
dl_clawd a "$NS"
dl_wait_state a ready 60 || dl_bail "clawd not ready without faults"
dl_ok "clawd ready"
dl_check "clawd blk ready" dl_wait_state blk ready 60
dl_emu_ctl x DELETE stats >/dev/null
dl_fault x "{\"block_account\":\"$DL_V2_EMAIL\"}"
blk_t0=$SECONDS
dl_randfile "$LAB_TMP/b" 100
dl_put blk blk.bin "$LAB_TMP/b" >/dev/null 2>&1
dl_check "blocked: put refused, state blocked (30 s)" \
    dl_wait_state blk blocked 30

KEEP=()			# files that must stay listed

# Requests the emulator counted since the last DELETE /stats.
requests()
{
	dl_emu_ctl e GET stats |
	    jq -r '[.endpoints.cs // 0, .endpoints.sc // 0,
	    .endpoints.wait // 0] | @tsv'
}

# Names listed more than once by show drop.
dups()
{
	dl_drop_field a '[.files[]?.name] | group_by(.) |
	    map(select(length > 1) | .[0]) | join(" ")'
}

# fault_case LABEL JSON [MAXCS]: arm JSON, put and get a file, disarm,
# check nothing was lost or doubled and the request count is bounded.
fault_case()
{
	local label=$1 json=$2 maxcs=${3:-40} f name t0 ms cs sc wt ok=1 k d

	name=f-$label.bin
	f=$LAB_TMP/$name
	dl_randfile "$f" 333
	dl_emu_ctl e DELETE stats >/dev/null
	dl_fault e "$json"
	t0=$(date +%s%N)
	if ! timeout 90 ip netns exec "$NS" "$CLAWCTL" -s "${DL_CSOCK[a]}" \
	    drop put "$name" "$f" 2>"$LAB_TMP/err"; then
		dl_notok "$json: put ($(head -c 200 "$LAB_TMP/err"))"
		ok=0
	fi
	if ! timeout 90 ip netns exec "$NS" "$CLAWCTL" -s "${DL_CSOCK[a]}" \
	    drop get "$name" >"$f.back" 2>"$LAB_TMP/err" ||
	    ! cmp -s "$f" "$f.back"; then
		dl_notok "$json: get, same bytes ($(head -c 200 \
		    "$LAB_TMP/err"))"
		ok=0
	fi
	ms=$((($(date +%s%N) - t0) / 1000000))
	read -r cs sc wt <<<"$(requests)"
	dl_faults_reset e
	[ "$ok" = 1 ] && dl_ok "$json: put and get succeed ($ms ms)"
	if [ "${cs:-999}" -lt "$maxcs" ]; then
		dl_ok "$json: no spin (cs $cs < $maxcs, sc $sc, wait $wt)"
	else
		dl_notok "$json: no spin (cs ${cs:-?} >= $maxcs, sc $sc, wait $wt)"
	fi
	dl_wait_state a ready 60 || dl_notok "$json: back to ready"
	KEEP+=("$name")
	for k in "${KEEP[@]}"; do
		dl_wait_file a "$k" 10 || {
			dl_notok "$json: $k still listed (no file lost)"
			ok=0
		}
	done
	d=$(dups)
	if [ -z "$d" ]; then
		dl_ok "$json: no duplicate names in show drop"
	else
		dl_notok "$json: no duplicate names in show drop ($d)"
	fi
}

# Duplicates as the server sees them (megajs lists the folder).
server_dups()
{
	local label=$1 list d

	list=$(dl_megajs "$NS" "$URL" "$DL_V1_EMAIL" "$DL_V1_PASS" list \
	    "$DL_FOLDER") || { dl_notok "$label: megajs list"; return; }
	d=$(echo "$list" | cut -d' ' -f1 | sort | uniq -d | tr '\n' ' ')
	if [ -z "$d" ]; then
		dl_ok "$label: no duplicate files on the server"
	else
		dl_notok "$label: no duplicate files on the server ($d)"
	fi
}

fault_case e3 '{"error":-3,"count":3}'
fault_case e4 '{"error":-4,"count":2}'
fault_case e18g '{"error":-18,"command":"g","count":2}'
fault_case h500 '{"http500":2}'
fault_case drop '{"drop":2}'
fault_case dropafter '{"drop_after":1}'
server_dups 'drop_after'
fault_case trunc '{"truncate":2}'
fault_case corrupt '{"corrupt":2}'
fault_case rate '{"rate_limit":{"per_sec":2}}' 60

# sc -6: clawd reloads the tree and still follows changes.
dl_emu_ctl e DELETE stats >/dev/null
dl_fault e '{"sc_reload":1}'
dl_randfile "$LAB_TMP/scr" 222
dl_megajs "$NS" "$URL" "$DL_V1_EMAIL" "$DL_V1_PASS" put "$DL_FOLDER" \
    scr.bin <"$LAB_TMP/scr" 2>/dev/null
dl_check '{"sc_reload":1}: a file put by megajs is seen (15 s)' \
    dl_wait_file a scr.bin 15 222
n=$(dl_stat e injected sc_reload)
dl_log "sc_reload injected $n time(s)"
dl_faults_reset e
fault_case screload '{"sc_reload":1}'
KEEP+=(scr.bin)

# Sessions expire: clawd logs in again.
fault_case expire '{"expire_sessions":true}'
us1=$(dl_stat e commands us)
dl_log "us commands since the last reset: $us1"
dl_check '{"expire_sessions":true}: clawd logged in again' [ "${us1:-0}" -ge 1 ]
dl_check 'expired: a new login only, not a storm (us <= 3)' \
    [ "${us1:-99}" -le 3 ]

# Requests that come while clawd logs in again wait for the drop rather
# than fail: the session expires, sc finds out (within its 5 s wait),
# and the first logins fail with -3 so that clawd stays logging in for
# seconds; a put and a get sent then must succeed once it is back.
dl_fault e '[{"expire_sessions":true},{"error":-3,"command":"us","count":3}]'
if dl_wait_state a login 20; then
	dl_randfile "$LAB_TMP/f-wait.bin" 444
	if timeout 90 ip netns exec "$NS" "$CLAWCTL" -s "${DL_CSOCK[a]}" \
	    drop put f-wait.bin "$LAB_TMP/f-wait.bin" 2>"$LAB_TMP/err" &&
	    timeout 90 ip netns exec "$NS" "$CLAWCTL" -s "${DL_CSOCK[a]}" \
	    drop get f-wait.bin >"$LAB_TMP/f-wait.back" 2>>"$LAB_TMP/err" &&
	    cmp -s "$LAB_TMP/f-wait.bin" "$LAB_TMP/f-wait.back"; then
		dl_ok "logging in again: a put and a get sent meanwhile wait" \
		    "and succeed"
		KEEP+=(f-wait.bin)
	else
		dl_notok "logging in again: put and get ($(head -c 200 \
		    "$LAB_TMP/err"))"
	fi
else
	dl_notok "logging in again: clawd never said login after the" \
	    "session expired"
fi
dl_faults_reset e
dl_wait_state a ready 60 || dl_notok "logging in again: back to ready"

# The login after an expired session must solve a proof of work first
# (HTTP 402 with X-Hashcash, docs/megaproto.md 2.4).
fault_case hashcash '[{"hashcash":255},{"expire_sessions":true}]'
hc=$(dl_stat e injected hashcash)
dl_check "hashcash: a challenge was issued and answered (injected ${hc:-0})" \
    [ "${hc:-0}" -ge 1 ]
dl_check 'hashcash: clawd says it solved a proof of work' \
    grep -q 'solving a proof of work' "${DL_CLOG[a]}"

fault_case latency '{"latency_ms":500}'
dl_fault e '{"latency_ms":0}'
server_dups 'after all faults'

# An outage: 500 on everything for 20 s.  With back-off doubling from
# about 1 s and capped, 20 s hold fewer than 15 attempts.
dl_wait_state a ready 30
dl_emu_ctl e DELETE stats >/dev/null
dl_fault e '{"http500":true}'
dl_randfile "$LAB_TMP/out" 100
timeout 60 ip netns exec "$NS" "$CLAWCTL" -s "${DL_CSOCK[a]}" \
    drop put out.bin "$LAB_TMP/out" >/dev/null 2>&1 &
putpid=$!
LAB_PIDS+=($putpid)
sleep 20
read -r cs sc wt <<<"$(requests)"
dl_fault e '{"http500":false}'
dl_faults_reset e
dl_check "outage 20 s: cs requests $cs < 15 (sc $sc, wait $wt)" \
    [ "${cs:-999}" -lt 15 ]
dl_check "outage 20 s: sc+wait requests $((sc + wt)) < 15" \
    [ $((sc + wt)) -lt 15 ]
wait "$putpid"
dl_log "put during the outage exited $?"
dl_check "after the outage: ready again (60 s)" dl_wait_state a ready 60
dl_check "after the outage: a put succeeds" dl_put a out2.bin "$LAB_TMP/out"

# Wrong password (clawd "bad", running since the start).
while [ $((SECONDS - bad_t0)) -lt 20 ]; do sleep 1; done
st=$(dl_drop_field bad .state)
dl_check "wrong password: state bad-credentials ($st)" \
    [ "$st" = bad-credentials ]
dl_check "wrong password: a clear log line" \
    dl_grep_log bad 'password|login'
us=$(dl_stat w commands us)
dl_check "wrong password: at most 3 us in $((SECONDS - bad_t0)) s ($us)" \
    [ "${us:-99}" -le 3 ]
dl_check "wrong password: clawd still running" \
    lab_pid_alive "${DL_CPID[bad]}"
dl_clawd_stop bad

# Over quota: a put fails with a clear error.
dl_fault e '{"over_quota":true}'
dl_randfile "$LAB_TMP/q" 100
dl_put a q.bin "$LAB_TMP/q" >"$LAB_TMP/qout" 2>&1
rc=$?
st=$(dl_drop_field a '.state + " " + (.last_error // "" | tostring)')
dl_log "over quota: put exit $rc: $(head -c 200 "$LAB_TMP/qout");" \
    "show drop: $st"
dl_check "over quota: put fails" [ "$rc" -ne 0 ]
if grep -qi quota "$LAB_TMP/qout" || echo "$st" | grep -qi quota; then
	dl_ok "over quota: the error mentions quota"
else
	dl_notok "over quota: the error mentions quota"
fi
dl_check "over quota: logged" dl_grep_log a quota
dl_fault e '{"over_quota":false}'
dl_faults_reset e
# Over quota is not a dead end: puts are still tried (MEGA may have
# room again at any time) and the first that succeeds clears it.
if dl_put a q.bin "$LAB_TMP/q" 2>/dev/null && dl_wait_state a ready 15; then
	dl_ok "quota back: the next put succeeds, ready again"
else
	dl_notok "quota back: the next put succeeds, ready again"
fi

# Blocked account (clawd "blk", blocked since the start): no storm.
read -r cs sc wt <<<"$(dl_emu_ctl x GET stats |
    jq -r '[.endpoints.cs // 0, .endpoints.sc // 0,
    .endpoints.wait // 0] | @tsv')"
dl_check "blocked: still blocked" dl_wait_state blk blocked 5
what="blocked: no retry storm in $((SECONDS - blk_t0)) s"
dl_check "$what (cs $cs < 15, sc+wait $((sc + wt)) < 15)" \
    [ "${cs:-999}" -lt 15 -a $((sc + wt)) -lt 15 ]
dl_check "blocked: logged" dl_grep_log blk blocked
dl_check "blocked: clawd still running" lab_pid_alive "${DL_CPID[blk]}"

dl_finish
