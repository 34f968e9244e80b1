#!/bin/bash
# rdv_lib.sh: two hosts behind NATs meet through the MEGA emulator.
# Sourced by the rendezvous tests, the matrix and the demo.
#
#	rdv_start_test			root, tools, the lab
#	rdv_world P1 P2			internet (coturn, emulator), sites
#	rdv_clawds			configure and start clawd on both
#	rdv_wait_ping SECS		until each tunnel address pings
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 99

RDV_API=http://203.0.113.3:8080/
RDV_TA=100.64.0.1
RDV_TB=100.64.0.2
RDV_EMU_CTL=127.0.0.1:8081	# in the inet namespace only

rdv_start_test()
{
	lab_require_root
	lab_require_tools ip nft turnserver conntrack python3 ping node
	[ -c /dev/net/tun ] || lab_skip "no /dev/net/tun"
	sh "$LAB_TOP/regress/npm.sh" "$LAB_TOP/regress/mega" ||
	    lab_skip "the npm packages of regress/mega cannot be installed"
	lab_find_clawd
	lab_system_setup
	lab_init
}

# The emulator on the simulated internet, plain HTTP (its test CA
# names only 127.0.0.1); EXTRA are more emulator options.  Node can
# take seconds to start on a machine busy with other tests: 20 s, and
# two more tries.  RDV_EMU is the pid of the subshell that runs it.
RDV_EMU=

rdv_emulator_try()
{
	local log=$LAB_TMP/mega.log i

	for i in 1 2 3; do
		lab_exec inet node "$LAB_TOP/regress/mega/emulator.js" \
		    --listen 203.0.113.3:8080 --control-port 8081 \
		    --wait-ms 20000 "$@" >"$log" 2>&1 &
		RDV_EMU=$!
		LAB_PIDS+=("$RDV_EMU")
		lab_wait 30 grep -q '^listening on' "$log" && return 0
		echo "the MEGA emulator did not start in 30 s (try $i);" \
		    "its log:" >&2
		cat "$log" >&2
		lab_proc_why "$RDV_EMU" >&2
		rdv_emulator_stop
	done
	return 1
}

rdv_emulator()
{
	rdv_emulator_try "$@" || lab_die "the MEGA emulator did not start"
}

# node is the subshell's child: stopped first, by its own pid.
rdv_emulator_stop()
{
	local c

	[ -n "$RDV_EMU" ] || return 0
	for c in $(cat /proc/"$RDV_EMU"/task/*/children 2>/dev/null); do
		lab_stop_pid "$c"
	done
	lab_stop_pid "$RDV_EMU"
	RDV_EMU=
}

rdv_world()
{
	lab_inet
	lab_site 1 "$1"
	lab_site 2 "$2"
	shift 2
	rdv_emulator "$@"
}

# The head of a clawd.conf in DIR (key, STUN, TURN, the emulator's
# account), printed; the credentials and TURN secret files written.
rdv_conf_head()
{
	local d=$1

	printf 'email v1@test.invalid\npassword password-v1\n' >"$d/cred"
	printf '%s\n' "$LAB_TURN_SECRET" >"$d/turn.secret"
	chmod 600 "$d/cred" "$d/turn.secret"
	printf 'private-key "%s"\n' "$d/key"
	printf 'listen-port random\n'
	[ -n "${RDV_ROTATE:-}" ] &&
	    printf 'port-rotation %s\n' "$RDV_ROTATE"
	printf 'state-directory "%s/state"\n' "$d"
	printf 'stun-server "203.0.113.1" port 3478\n'
	printf 'stun-server "203.0.113.2" port 3478\n'
	[ -z "${RDV_NO_TURN:-}" ] &&
	    printf 'turn-server "203.0.113.1" port 3478 secret "%s"\n' \
	    "$d/turn.secret"
	printf 'mega {\n\tcredentials "%s"\n' "$d/cred"
	printf '\tapi-url "%s"\n\tallow-plain-http yes\n}\n' "$RDV_API"
}

# clawd.conf for host N, role ROLE toward host M.
rdv_conf()
{
	local n=$1 m=$2 role=$3 d=$LAB_TMP/clawd-host$1 t

	mkdir -p "$d"
	[ -f "$d/key" ] || lab_genkey "$d/key"
	[ -f "$d/pub" ] || "$CLAWCTL" pubkey <"$d/key" >"$d/pub" ||
	    lab_die "clawctl pubkey"
	t=100.64.0.$m
	{
		rdv_conf_head "$d"
		printf 'interface "claw0" {\n\taddress 100.64.0.%s/24\n}\n' "$n"
		printf 'peer "host%s" {\n' "$m"
		printf '\tpublic-key "%s"\n' "$(cat "$LAB_TMP/clawd-host$m/pub")"
		printf '\tallowed-ips %s/32\n' "$t"
		# RDV_ONDEMAND=answer: the answering side only.
		printf '\trole %s%s\n}\n' "$role" \
		    "$(case ${RDV_ONDEMAND:-}:$role in
		    :*|answer:offer) ;; *) echo ' on-demand' ;; esac)"
	} >"$d/clawd.conf"
	chmod 600 "$d/clawd.conf"
}

rdv_keys()
{
	local n d

	for n in 1 2; do
		d=$LAB_TMP/clawd-host$n
		mkdir -p "$d"
		[ -f "$d/key" ] || lab_genkey "$d/key"
		"$CLAWCTL" pubkey <"$d/key" >"$d/pub" ||
		    lab_die "clawctl pubkey"
	done
}

# Host 1 offers (the server), host 2 answers (the client).
rdv_clawds()
{
	rdv_keys
	rdv_conf 1 2 offer
	rdv_conf 2 1 answer
	RDV_T0=$(date +%s.%N)
	lab_clawd_spawn host1
	lab_clawd_spawn host2
}

rdv_ping()
{
	lab_exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1
}

# rdv_until SECS command...: true once the command is, false at the
# deadline (each try may take its own time, unlike lab_wait's count).
rdv_until()
{
	local end=$(( $(date +%s) + $1 ))

	shift
	while [ "$(date +%s)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

# Both ways, within SECS; sets RDV_SECS to the time from start.
rdv_wait_ping()
{
	local secs=$1

	if rdv_until "$secs" rdv_ping host2 "$RDV_TA" &&
	    rdv_until 15 rdv_ping host1 "$RDV_TB"; then
		RDV_SECS=$(awk -v a="$RDV_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		return 0
	fi
	return 1
}

rdv_dump()
{
	local n

	for n in 1 2; do
		echo "--- host$n log"
		tail -n 40 "$LAB_TMP/clawd-host$n/clawd.log"
		lab_ctl_at "host$n" show peers 2>&1
	done
}

# Tear the world down to build another in the same run.
rdv_teardown()
{
	local p ns

	lab_clawd_stop_all
	for p in "${LAB_PIDS[@]}"; do
		lab_stop_pid "$p"
	done
	LAB_PIDS=()
	for ns in "${LAB_NETNS[@]}"; do
		lab_ns_del "$ns"
	done
	LAB_NETNS=()
	rm -rf "$LAB_TMP"/clawd-host* "$LAB_TMP"/coturn "$LAB_TMP"/mega.log
}

# A TCP transfer from host2 to host1 through the tunnel, 24 MB paced
# over about 60 s so that events can fall in the middle; the receiver
# counts and hashes what arrives.
rdv_xfer_start()
{
	cat >"$LAB_TMP/xfer.py" <<'PY'
import hashlib, socket, sys, time
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "recv":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(1)
    c, _ = s.accept()
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        h.update(b); n += len(b)
    print(n, h.hexdigest())
else:
    s = socket.create_connection((addr, port), timeout=600)
    h, block = hashlib.sha256(), bytes(range(256)) * 256
    for i in range(384):
        s.sendall(block); h.update(block)
        time.sleep(0.15)
    s.close()
    print(384 * len(block), h.hexdigest())
PY
	lab_exec host1 timeout 400 python3 "$LAB_TMP/xfer.py" recv "$RDV_TA" \
	    5001 >"$LAB_TMP/recv.out" 2>&1 &
	RDV_XFER_RECV=$!
	LAB_PIDS+=($!)
	sleep 0.5
	lab_exec host2 timeout 400 python3 "$LAB_TMP/xfer.py" send "$RDV_TA" \
	    5001 >"$LAB_TMP/send.out" 2>&1 &
	RDV_XFER_SEND=$!
	LAB_PIDS+=($!)
}

# Within SECS: true if both ends saw the same bytes; RDV_XFER says.
rdv_xfer_wait()
{
	local rc sent got

	if rdv_until "$1" sh -c "! kill -0 $RDV_XFER_SEND 2>/dev/null"; then
		wait "$RDV_XFER_SEND"
		rc=$?
	else
		rc=timeout
		lab_stop_pid "$RDV_XFER_SEND"
	fi
	rdv_until 10 sh -c "! kill -0 $RDV_XFER_RECV 2>/dev/null" ||
	    lab_stop_pid "$RDV_XFER_RECV"
	sent=$(cat "$LAB_TMP/send.out")
	got=$(cat "$LAB_TMP/recv.out")
	if [ "$rc" = 0 ] && [ -n "$sent" ] && [ "$sent" = "$got" ]; then
		RDV_XFER=$got
		return 0
	fi
	RDV_XFER="sender $rc '$sent', receiver '$got'"
	return 1
}

# The path kind clawctl shows for the (only) peer of host N.
rdv_path()
{
	lab_ctl_at "$1" -j show peers 2>/dev/null | python3 -c '
import json, sys
print(json.load(sys.stdin)["peers"][0].get("path", "-"))' 2>/dev/null ||
	    echo error
}

rdv_path_is()
{
	[ "$(rdv_path "$1")" = "$2" ]
}

# Whether HOST's signaler follows the drop: true, false or error.
rdv_following()
{
	lab_ctl_at "$1" -j show drop 2>/dev/null | python3 -c '
import json, sys
print(str(json.load(sys.stdin)["following"]).lower())' 2>/dev/null ||
	    echo error
}

rdv_following_is()
{
	[ "$(rdv_following "$1")" = "$2" ]
}
