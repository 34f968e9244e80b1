#!/bin/bash
# chat.sh: examples/chat.py over a clawd tunnel made through the MEGA
# emulator.  The server listens on host1's tunnel address; a client on
# host2 (through the tunnel) and one on host1 (local) exchange lines
# both ways.  Clients that send a 10000-byte line or invalid UTF-8 are
# told why and disconnected, and the server goes on serving, a client
# already connected included.  The documented exit codes for a refused
# connection and a timeout are checked too.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/rdv_lib.sh" || exit 99

CHAT=$LAB_TOP/examples/chat.py
PORT=7000

[ -f "$CHAT" ] || lab_skip "$CHAT not found"
rdv_start_test
rdv_world prc prc
# Both at once on an empty account: both may make the drop folder, and
# must settle on one (mega/drop_twins.sh tries ten).
rdv_clawds
if rdv_wait_ping 60; then
	lab_ok "tunnel up through the drop in ${RDV_SECS}s"
else
	rdv_dump
	lab_die "no tunnel within 60 s"
fi

lab_exec host1 python3 "$CHAT" server --listen "$RDV_TA" --port "$PORT" \
    >"$LAB_TMP/server.log" 2>&1 &
CHAT_SERVER=$!
LAB_PIDS+=("$CHAT_SERVER")
lab_wait 10 grep -q '^listening on' "$LAB_TMP/server.log" || {
	cat "$LAB_TMP/server.log"
	lab_die "chat server did not start"
}
lab_ok "chat server: $(head -n 1 "$LAB_TMP/server.log")"

# chat_client NS NICK OUT args...: a client in the background, its pid
# in CHAT_PID.
chat_client()
{
	local ns=$1 nick=$2 out=$3

	shift 3
	lab_exec "$ns" python3 "$CHAT" client --server "$RDV_TA" \
	    --port "$PORT" --nick "$nick" --timeout 20 "$@" \
	    >"$out" 2>&1 &
	CHAT_PID=$!
	LAB_PIDS+=("$CHAT_PID")
}

# chat_check NAME PID OUT LINE: the client exited 0 and printed LINE.
chat_check()
{
	local name=$1 pid=$2 out=$3 line=$4 rc

	wait "$pid"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -qxF -- "$line" "$out"; then
		lab_ok "$name got '$line'"
	else
		lab_fail "$name: exit $rc, expected '$line'"
		sed 's/^/    /' "$out"
	fi
}

# Round 1: each client waits for the other, sends one line and expects
# the other's.
chat_client host1 local1 "$LAB_TMP/local1" --wait-for remote1 \
    --send "hi from host1" --expect 1
p1=$CHAT_PID
chat_client host2 remote1 "$LAB_TMP/remote1" --wait-for local1 \
    --send "hi from host2, through the tunnel" --expect 1
p2=$CHAT_PID
chat_check "host1 (local)" "$p1" "$LAB_TMP/local1" \
    "remote1: hi from host2, through the tunnel"
chat_check "host2 (tunnel)" "$p2" "$LAB_TMP/remote1" \
    "local1: hi from host1"

# A client that stays connected while the bad ones come and go.
chat_client host1 local2 "$LAB_TMP/local2" --wait-for remote2 \
    --send "still here" --expect 1
p1=$CHAT_PID
lab_wait 10 grep -q '^local2 joined' "$LAB_TMP/server.log" ||
    lab_fail "local2 did not join"

# Malformed clients, from host2 through the tunnel: each must get its
# ERR line and then end of file, nothing else.
if lab_exec host2 python3 - "$RDV_TA" "$PORT" \
    >"$LAB_TMP/bad" 2>&1 <<'EOF'
import socket, sys

def bad(nick, payload, want):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])),
                                 timeout=10)
    s.sendall(b"NICK " + nick + b"\n")
    f = s.makefile("rb")
    if f.readline() != b"OK\n":
        print(nick.decode(), "not accepted")
        return False
    s.sendall(payload)
    last = None
    while True:
        line = f.readline()
        if not line:
            break
        last = line
    s.close()
    print("%s: last line %r, then end of file" % (nick.decode(), last))
    return last == want

ok = bad(b"long", b"x" * 10000 + b"\n",
         b"ERR line too long (max 4096 bytes)\n")
ok = bad(b"utf8", b"caf\xc3 \xff\xfe\n", b"ERR invalid UTF-8\n") and ok
sys.exit(0 if ok else 1)
EOF
then
	while read -r l; do lab_ok "malformed client $l"; done <"$LAB_TMP/bad"
else
	lab_fail "malformed clients:"
	sed 's/^/    /' "$LAB_TMP/bad"
fi
for n in long utf8; do
	if grep -q "^$n: closed: " "$LAB_TMP/server.log"; then
		lab_ok "server: $(grep "^$n: closed: " "$LAB_TMP/server.log")"
	else
		lab_fail "server did not log closing $n"
	fi
done
lab_pid_alive "$CHAT_SERVER" && lab_ok "server still running" ||
    lab_fail "server died"

# Round 2: the server still relays, to a client that was there before.
chat_client host2 remote2 "$LAB_TMP/remote2" --wait-for local2 \
    --send "hello again" --expect 1
p2=$CHAT_PID
chat_check "host1 (connected throughout)" "$p1" "$LAB_TMP/local2" \
    "remote2: hello again"
chat_check "host2 (tunnel, round 2)" "$p2" "$LAB_TMP/remote2" \
    "local2: still here"

# Exit codes (examples/README): 1 refused, 4 timeout.
lab_exec host2 python3 "$CHAT" client --server "$RDV_TA" \
    --port $((PORT + 1)) --nick x --expect 1 >"$LAB_TMP/refused" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'connection refused' "$LAB_TMP/refused"; then
	lab_ok "no server on port $((PORT + 1)): exit 1, $(cat \
	    "$LAB_TMP/refused")"
else
	lab_fail "no server: exit $rc: $(cat "$LAB_TMP/refused")"
fi
lab_exec host2 python3 "$CHAT" client --server "$RDV_TA" --port "$PORT" \
    --nick lonely --expect 1 --timeout 2 >"$LAB_TMP/lonely" 2>&1
rc=$?
if [ "$rc" -eq 4 ]; then
	lab_ok "nobody talks: exit 4 after 2 s"
else
	lab_fail "nobody talks: exit $rc: $(cat "$LAB_TMP/lonely")"
fi

lab_stop_pid "$CHAT_SERVER"
[ -n "${CHAT_VERBOSE:-}" ] && cat "$LAB_TMP/server.log"
exit "$LAB_FAILED"
