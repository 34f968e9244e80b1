#!/bin/bash
# Ten clawds started at once on an empty account (the emulator, 50 ms
# per request, so that their reads of the tree and their folder
# creations overlap) must settle on one drop folder: each may make the
# folder path, but in the end every one sees the files all the others
# put.  A split drop shows as a clawd that misses some of them.
# Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/drop_lib.sh"
dl_init

N=10
lab_ns_add 1
NS=$(lab_ns 1)
dl_emu e "$NS" plain --latency-ms 50
URL=${DL_EURL[e]}

for i in $(seq "$N"); do
	dl_conf "c$i" "$URL" "$DL_V1_EMAIL" "$DL_V1_PASS" \
	    "allow-plain-http yes"
done
# All at once: dl_clawd waits for each to answer, so start them here.
for i in $(seq "$N"); do
	d=${DL_CDIR[c$i]}
	DL_CNS[c$i]=$NS
	DL_CSOCK[c$i]=$d/clawd.sock
	DL_CLOG[c$i]=$d/clawd.log
	ip netns exec "$NS" "$CLAWD" -dv -f "$d/clawd.conf" \
	    -s "$d/clawd.sock" >>"$d/clawd.log" 2>&1 &
	DL_CPID[c$i]=$!
	LAB_PIDS+=($!)
done
dl_log "$N clawds started"
ready=0
for i in $(seq "$N"); do
	dl_wait_state "c$i" ready 90 && ready=$((ready + 1))
done
dl_check "all $N clawds ready ($ready)" [ "$ready" -eq "$N" ] || {
	dl_dump_logs
	dl_finish
}
made=$(cat "${DL_CLOG[@]}" | grep -c 'mega: made folder')
dl_log "folders made: $made"

for i in $(seq "$N"); do
	dl_randfile "$LAB_TMP/t$i" 32
	dl_check "c$i puts t$i.bin" dl_put "c$i" "t$i.bin" "$LAB_TMP/t$i"
done

# Every clawd lists every file: one folder for all.
sees_all()
{
	local c=$1 i

	for i in $(seq "$N"); do
		[ "$(dl_count "$c" "t$i.bin")" = 1 ] || return 1
	done
}
for i in $(seq "$N"); do
	end=$((SECONDS + 30))
	until sees_all "c$i" || [ "$SECONDS" -ge "$end" ]; do
		sleep 0.5
	done
	if sees_all "c$i"; then
		dl_ok "c$i sees the files of all $N"
	else
		dl_notok "c$i sees the files of all $N:" \
		    "$(dl_drop_field "c$i" '[.files[]?.name] | join(" ")')"
	fi
done
dl_finish
