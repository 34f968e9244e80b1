#!/bin/bash
# clawd's MEGA drop against mega-mock (an independent server) over plain
# HTTP with allow-plain-http: mega-mock has no sc, so clawd must poll
# (show drop: sc_live false).  Login, folder creation, put, list, get,
# a message megajs made (found by polling), delete.  Exit 0 pass, 1
# fail, 77 skip.
set -u
. "$(dirname "$0")/drop_lib.sh"
dl_init

lab_ns_add 1
NS=$(lab_ns 1)
log=$LAB_TMP/mock.log
ip netns exec "$NS" node "$DL_DIR/mock-server.js" 0 >"$log" 2>&1 &
LAB_PIDS+=($!)
mockpid=$!
URL=
for i in $(seq 300); do
	URL=$(sed -n 's/^listening on \([^ ]*\).*/\1/p' "$log")
	[ -n "$URL" ] && break
	lab_pid_alive "$mockpid" || break
	sleep 0.1
done
[ -n "$URL" ] || { cat "$log"; dl_bail "mega-mock did not start"; }
dl_log "mega-mock: $URL"
EMAIL=mock@test
PASS=mock

dl_conf a "$URL" "$EMAIL" "$PASS" "allow-plain-http yes"
dl_clawd a "$NS"
dl_check "clawd logs in to mega-mock (ready)" dl_wait_state a ready 60
list=$(dl_megajs "$NS" "$URL" "$EMAIL" "$PASS" list "$DL_FOLDER")
dl_check "drop folder created (megajs lists it)" [ $? -eq 0 ]
[ "$(dl_drop_field a .sc_live)" = false ] &&
    dl_ok "show drop: sc_live false (polling)" ||
    dl_notok "show drop: sc_live false (polling)"

for s in 1 16 8192; do
	dl_randfile "$LAB_TMP/f$s" "$s"
	dl_check "put $s bytes" dl_put a "f$s.bin" "$LAB_TMP/f$s"
done
for s in 1 16 8192; do
	dl_check "show drop lists f$s.bin, size $s" \
	    dl_wait_file a "f$s.bin" 10 "$s"
	dl_get a "f$s.bin" >"$LAB_TMP/f$s.back" 2>/dev/null
	dl_check "get f$s.bin: same bytes" cmp -s "$LAB_TMP/f$s" \
	    "$LAB_TMP/f$s.back"
done
list=$(dl_megajs "$NS" "$URL" "$EMAIL" "$PASS" list "$DL_FOLDER")
echo "$list" | grep -q "^f16.bin 16 " && dl_ok "megajs lists f16.bin" ||
    dl_notok "megajs lists f16.bin"
dl_megajs "$NS" "$URL" "$EMAIL" "$PASS" get "$DL_FOLDER" f16.bin \
    >"$LAB_TMP/f16.mj" 2>/dev/null
dl_check "megajs downloads f16.bin (MAC valid)" cmp -s "$LAB_TMP/f16" \
    "$LAB_TMP/f16.mj"

# A change made by another client is found by polling f.
dl_randfile "$LAB_TMP/m" 100
dl_megajs "$NS" "$URL" "$EMAIL" "$PASS" put "$DL_FOLDER" other.bin \
    <"$LAB_TMP/m" 2>/dev/null
dl_check "a file megajs put is found by polling (60 s)" \
    dl_wait_file a other.bin 60 100

dl_randfile "$LAB_TMP/msg" 300
dl_megajs "$NS" "$URL" "$EMAIL" "$PASS" putmsg "$DL_FOLDER" m300 \
    <"$LAB_TMP/msg" 2>/dev/null
dl_check "a message megajs made is found by polling (60 s)" \
    dl_wait_file a m300 60 300
dl_get a m300 >"$LAB_TMP/msg.back" 2>/dev/null
dl_check "get message m300: same bytes" cmp -s "$LAB_TMP/msg" \
    "$LAB_TMP/msg.back"
dl_check "rm f1.bin" dl_rm a f1.bin
dl_check "f1.bin gone from show drop" dl_wait_nofile a f1.bin 10
list=$(dl_megajs "$NS" "$URL" "$EMAIL" "$PASS" list "$DL_FOLDER")
echo "$list" | grep -q "^f1.bin " && dl_notok "f1.bin gone on the server" ||
    dl_ok "f1.bin gone on the server"
[ "$(dl_drop_field a .sc_live)" = false ] &&
    dl_ok "still sc_live false" || dl_notok "still sc_live false"
dl_check "clawd still running" lab_pid_alive "${DL_CPID[a]}"

dl_finish
