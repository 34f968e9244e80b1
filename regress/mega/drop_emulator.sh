#!/bin/bash
# clawd's MEGA drop against the emulator over HTTPS with the test CA, v1
# and v2 accounts: login, folder creation, put/get/list/rm of binary
# files at the size edges, refusals, session resumption across a
# restart, the sweep of files over ten minutes old, a second clawd on
# the same account following changes through sc, the put rate limit.  Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/drop_lib.sh"
dl_init

lab_ns_add 1
NS=$(lab_ns 1)
dl_emu e "$NS" tls
URL=${DL_EURL[e]}

# One account version: put/get/list/rm through clawd NAME.
exercise()
{
	local c=$1 email=$2 pass=$3 v=$4 s f list names

	dl_check "$v: clawd reaches ready" dl_wait_state "$c" ready 60 ||
	    return 1
	list=$(dl_megajs "$NS" "$URL" "$email" "$pass" list "$DL_FOLDER")
	dl_check "$v: drop folder exists (megajs lists it)" [ $? -eq 0 ]
	[ "$(dl_drop_field "$c" .folder)" = "$DL_FOLDER" ] &&
	    dl_ok "$v: show drop names the folder" ||
	    dl_notok "$v: show drop names the folder"

	names=
	for s in 1 15 16 17 4096 8192; do
		f=$LAB_TMP/$v-$s.bin
		dl_randfile "$f" "$s"
		if dl_put "$c" "$v-$s.bin" "$f"; then
			dl_ok "$v: put $s bytes"
		else
			dl_notok "$v: put $s bytes"
			continue
		fi
		names="$names $v-$s.bin"
	done
	f=$LAB_TMP/$v-all.bin
	dl_allbytes "$f"
	dl_check "$v: put the 256 byte values (NULs)" \
	    dl_put "$c" "$v-all.bin" "$f"
	for s in 1 15 16 17 4096 8192 all; do
		f=$LAB_TMP/$v-$s.bin
		dl_get "$c" "$v-$s.bin" >"$f.back" 2>"$LAB_TMP/err"
		if cmp -s "$f" "$f.back"; then
			dl_ok "$v: get $s: same bytes"
		else
			dl_notok "$v: get $s: same bytes ($(head -c 200 \
			    "$LAB_TMP/err"))"
		fi
	done
	for s in 1 15 16 17 4096 8192 512; do
		n=$v-$s.bin
		[ "$s" = 512 ] && n=$v-all.bin
		dl_check "$v: show drop lists $n with size $s" \
		    dl_wait_file "$c" "$n" 10 "$s"
	done
	[ "$(dl_drop_field "$c" \
	    '[.files[]? | select(.name == "'"$v"'-16.bin")][0].mine')" = \
	    true ] && dl_ok "$v: show drop marks the file as mine" ||
	    dl_notok "$v: show drop marks the file as mine"
	list=$(dl_megajs "$NS" "$URL" "$email" "$pass" list "$DL_FOLDER")
	echo "$list" | grep -q "^$v-4096.bin 4096 " &&
	    dl_ok "$v: megajs lists the file clawd put" ||
	    dl_notok "$v: megajs lists the file clawd put"

	dl_check "$v: rm" dl_rm "$c" "$v-17.bin"
	dl_check "$v: rm'd file gone from show drop" \
	    dl_wait_nofile "$c" "$v-17.bin" 10
	list=$(dl_megajs "$NS" "$URL" "$email" "$pass" list "$DL_FOLDER")
	echo "$list" | grep -q "^$v-17.bin " &&
	    dl_notok "$v: rm'd file gone from megajs list" ||
	    dl_ok "$v: rm'd file gone from megajs list"
	dl_get "$c" "$v-17.bin" >/dev/null 2>&1
	dl_check "$v: get of a rm'd file fails" [ $? -ne 0 ]

	dl_randfile "$LAB_TMP/big" 8193
	dl_put "$c" "$v-big.bin" "$LAB_TMP/big" 2>/dev/null
	dl_check "$v: 8193-byte put refused (exit 1)" [ $? -eq 1 ]
	dl_put "$c" "bad/name" "$LAB_TMP/$v-1.bin" 2>/dev/null
	dl_check "$v: bad name refused (exit 1)" [ $? -eq 1 ]
	dl_put "$c" "$(printf 'x%.0s' $(seq 128))" "$LAB_TMP/$v-1.bin" \
	    2>/dev/null
	dl_check "$v: 128-character name refused (exit 1)" [ $? -eq 1 ]
	return 0
}

# v1 account.
dl_conf a "$URL" "$DL_V1_EMAIL" "$DL_V1_PASS"
dl_clawd a "$NS"
exercise a "$DL_V1_EMAIL" "$DL_V1_PASS" v1

# Restart: the session in state/mega-session is resumed, no new us.
sess=${DL_CDIR[a]}/state/mega-session
dl_check "session file exists" [ -f "$sess" ]
dl_check "session file mode 0600" [ "$(stat -c %a "$sess" 2>/dev/null)" = 600 ]
dl_clawd_stop a
# While clawd is down, megajs puts a file with the server's clock
# 700 s slow: it is over ten minutes old, and clawd's first sweep
# (a second after start) must delete it and nothing younger.
dl_fault e '{"clock_s":-700}'
printf 'stale\n' >"$LAB_TMP/old.bin"
dl_megajs "$NS" "$URL" "$DL_V1_EMAIL" "$DL_V1_PASS" put "$DL_FOLDER" \
    old.bin <"$LAB_TMP/old.bin" >/dev/null
dl_check "megajs puts an 11-minute-old file" [ $? -eq 0 ]
dl_fault e '{"clock_s":0}'
us0=$(dl_stat e commands us)
dl_clawd a "$NS"
dl_check "v1: ready again after restart" dl_wait_state a ready 60
us1=$(dl_stat e commands us)
dl_check "restart resumes the session (us count $us0 -> $us1)" \
    [ "$us0" = "$us1" ]
dl_check "files still listed after restart" \
    dl_wait_file a v1-8192.bin 10 8192
dl_check "the old file is swept within 15 s" dl_wait_nofile a old.bin 15
# The sweep's deletions are lazy: they leave with the next request or
# after MQ_LAZY_MS (3 s).
swept()
{
	list=$(dl_megajs "$NS" "$URL" "$DL_V1_EMAIL" "$DL_V1_PASS" list \
	    "$DL_FOLDER") && ! grep -q '^old\.bin' <<<"$list" &&
	    grep -q '^v1-8192\.bin' <<<"$list"
}
for i in 1 2 3 4 5; do
	swept && break
	sleep 2
done
if swept; then
	dl_ok "megajs: old.bin gone from the server, young files kept"
else
	dl_notok "megajs: old.bin gone from the server, young files kept:" \
	    "$list"
fi
dl_check "the sweep is logged" \
    dl_grep_log a "deleting 1 file older than 10 minutes"

# A second clawd on the same account follows through sc.
lab_ns_add 2
dl_conf b "$URL" "$DL_V1_EMAIL" "$DL_V1_PASS"
dl_clawd b "$NS"
dl_check "second clawd ready" dl_wait_state b ready 60
dl_check "second clawd lists the first's files" \
    dl_wait_file b v1-4096.bin 10 4096
dl_randfile "$LAB_TMP/sc.bin" 300
t0=$(date +%s%N)
dl_check "first clawd puts sc.bin" dl_put a sc.bin "$LAB_TMP/sc.bin"
if dl_wait_file b sc.bin 5 300; then
	t1=$(date +%s%N)
	dl_ok "second clawd sees it within 5 s ($(((t1 - t0) / 1000000)) ms)"
else
	dl_notok "second clawd sees it within 5 s"
fi
[ "$(dl_drop_field b .sc_live)" = true ] && dl_ok "show drop: sc live" ||
    dl_notok "show drop: sc live"
[ "$(dl_drop_field b \
    '[.files[]? | select(.name == "sc.bin")][0].mine')" = false ] &&
    dl_ok "second clawd: sc.bin is not mine" ||
    dl_notok "second clawd: sc.bin is not mine"
dl_get b sc.bin >"$LAB_TMP/sc.back" 2>/dev/null
dl_check "second clawd gets the same bytes" cmp -s "$LAB_TMP/sc.bin" \
    "$LAB_TMP/sc.back"

# The put rate limit: 30 files a minute per clawd (b has put none).
printf 'r\n' >"$LAB_TMP/r.bin"
n=0
for i in $(seq 30); do
	dl_put b "r$i.bin" "$LAB_TMP/r.bin" 2>/dev/null && n=$((n + 1))
done
dl_check "30 puts in a row accepted ($n)" [ "$n" = 30 ]
err=$(dl_put b r31.bin "$LAB_TMP/r.bin" 2>&1)
dl_check "the 31st in the minute refused (exit 1)" [ $? -eq 1 ]
dl_check "with a rate-limit message" grep -q "rate limit" <<<"$err"
for i in $(seq 30); do
	dl_rm b "r$i.bin" 2>/dev/null
done
dl_check "first clawd rm sc.bin" dl_rm a sc.bin
dl_check "second clawd sees the delete within 5 s" \
    dl_wait_nofile b sc.bin 5
dl_ctl a show drop >"$LAB_TMP/show.txt" 2>&1
dl_check "show drop (text) mentions a file" grep -q v1-4096.bin \
    "$LAB_TMP/show.txt"
dl_clawd_stop b
dl_clawd_stop a

# v2 account.
dl_conf c "$URL" "$DL_V2_EMAIL" "$DL_V2_PASS"
dl_clawd c "$NS"
exercise c "$DL_V2_EMAIL" "$DL_V2_PASS" v2
dl_check "v2: clawd still running" lab_pid_alive "${DL_CPID[c]}"

dl_finish
