#!/bin/sh
#
# clawctl show drop and drop put|get|rm against fakectl.py, a fake
# control socket that checks each request and answers with canned
# messages: text and JSON output, the payload of a put (name and the
# exact bytes), a binary get, error results (exit 1, the message on
# stderr), and files refused before connecting (too large, empty) and
# bad names.  To a terminal (a pty), a get writes text only; a peer's
# timeline with a control character is refused like any reply string.  No daemon and no network: the socket is in a temporary
# directory.  Skips (77) without python3 or a built clawctl.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
CLAWCTL=${CLAWCTL:-$top_srcdir/build/clawctl/clawctl}
FAKE=$top_srcdir/regress/unit/fakectl.py

if ! command -v python3 >/dev/null 2>&1; then
	echo "skip: python3 not installed"
	exit 77
fi
if [ ! -x "$CLAWCTL" ]; then
	echo "skip: clawctl not built at $CLAWCTL (set CLAWCTL)"
	exit 77
fi

tmp=$(mktemp -d /tmp/clawctl_drop.XXXXXX) || exit 99
fakepid=
cleanup()
{
	if [ -n "$fakepid" ]; then
		kill "$fakepid" 2>/dev/null
		wait "$fakepid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

sock=$tmp/sock
out=$tmp/out
err=$tmp/err
rec=$tmp/rec
fails=0
n=0

ok()
{
	n=$((n + 1))
	echo "ok $n - $1"
}

fail()
{
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	[ -s "$out" ] && sed 's/^/# out: /' "$out" | head -20
	[ -s "$err" ] && sed 's/^/# err: /' "$err"
}

# fake EXPECTED SCENARIO [fakectl options]: start the fake server and
# wait until its socket is there.
fake()
{
	local i=0 expect=$1 scenario=$2

	shift 2
	rm -f "$sock" "$rec"
	python3 "$FAKE" -s "$sock" -t "$top_srcdir" -e "$expect" \
	    -r "$scenario" -o "$rec" "$@" &
	fakepid=$!
	while [ ! -S "$sock" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$fakepid" 2>/dev/null; then
			echo "fakectl did not start" >&2
			return 1
		fi
		sleep 0.05
	done
}

# fakewait: the fake server's verdict on the request it got.
fakewait()
{
	local rc

	wait "$fakepid"
	rc=$?
	fakepid=
	return $rc
}

ctl()
{
	"$CLAWCTL" -s "$sock" "$@" >"$out" 2>"$err"
}

# name payload: the drop name in a ctl_drop_name, as the fake got it.
recname()
{
	head -c 128 "$rec" | tr -d '\0'
}

# --- show drop, text ---------------------------------------------------
fake CTL_SHOW_DROP state || exit 99
ctl show drop; rc=$?
if fakewait && [ $rc -eq 0 ] &&
    grep -qx 'drop: ready (sc live)' "$out" &&
    grep -qx 'account: v1@test.invalid' "$out" &&
    grep -qx 'folder: /temp-share/clawchat-connections' "$out" &&
    grep -qx 'requests 42, errors 1, retries 1, logins 1, puts 3, gets 2,'\
' deletes 1' "$out" &&
    grep -qx 'back-off: none' "$out" &&
    ! grep -q 'last error' "$out" &&
    grep -qE '^NAME +SIZE +AGE +MINE$' "$out" &&
    grep -qE '^pending-abc\.bin +512 +12s +yes$' "$out" &&
    grep -qE '^answer-xyz\.bin +8192 +2h +no$' "$out"; then
	ok "show drop, text"
else
	fail "show drop, text (rc $rc)"
fi

# show_both SCENARIO LINE PYCOND WHAT: -j and text from the same state;
# the text has LINE, the JSON object d satisfies PYCOND.
show_both()
{
	local rc rc2

	fake CTL_SHOW_DROP "$1" || exit 99
	ctl -j show drop; rc=$?
	fakewait || rc=fake
	cp "$out" "$out.j"
	fake CTL_SHOW_DROP "$1" || exit 99
	ctl show drop; rc2=$?
	if fakewait && [ "$rc" = 0 ] && [ $rc2 -eq 0 ] &&
	    grep -qx "$2" "$out" &&
	    python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if $3 else 1)" "$out.j"; then
		ok "show drop, $4, text and json"
	else
		fail "show drop, $4 (rc $rc $rc2)"
	fi
}

show_both state-paused 'drop: ready (paused)' \
    'd["following"] is False and d["sc_live"] is True' paused
show_both state-paced 'drop: ready (sc live, paced)' \
    'd["following"] is True and d["pace_ms"] == 4000' paced

fake CTL_SHOW_DROP state-backoff || exit 99
ctl sh dr; rc=$?
if fakewait && [ $rc -eq 0 ] &&
    grep -qx 'drop: backoff (polling)' "$out" &&
    grep -qx 'back-off: 4.2 s' "$out" &&
    grep -qx 'last error: -3 (EAGAIN) try again' "$out"; then
	ok "show drop, text, back-off and last error, prefixes"
else
	fail "show drop, text, back-off (rc $rc)"
fi

# --- show drop, JSON ---------------------------------------------------
fake CTL_SHOW_DROP state || exit 99
ctl -j show drop; rc=$?
if fakewait && [ $rc -eq 0 ] && python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["state"] == "ready" and j["sc_live"] is True
assert j["account"] == "v1@test.invalid"
assert j["folder"] == "/temp-share/clawchat-connections"
assert j["backoff_ms"] == 0 and j["last_error"] is None
assert (j["requests"], j["errors"], j["retries"], j["logins"],
    j["puts"], j["gets"], j["deletes"]) == (42, 1, 1, 1, 3, 2, 1)
f = j["files"]
assert len(f) == 2
assert f[0] == {"name": "pending-abc.bin", "handle": "AbCdEfGh",
    "size": 512, "age": 12, "mine": True}, f[0]
assert f[1]["name"] == "answer-xyz.bin" and f[1]["mine"] is False
assert f[1]["size"] == 8192 and f[1]["age"] == 7300
' "$out"; then
	ok "show drop, JSON"
else
	fail "show drop, JSON (rc $rc)"
fi

# --- show drop, error --------------------------------------------------
fake CTL_SHOW_DROP error -m "MEGA is not configured" || exit 99
ctl show drop; rc=$?
if fakewait && [ $rc -eq 1 ] &&
    grep -q 'MEGA is not configured' "$err"; then
	ok "show drop, error result"
else
	fail "show drop, error result (rc $rc)"
fi

fake CTL_SHOW_DROP error -m "MEGA is not configured" || exit 99
ctl -j show drop; rc=$?
if fakewait && [ $rc -eq 1 ] && python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j == {"result": "error", "message": "MEGA is not configured"}
' "$out"; then
	ok "show drop, JSON error result"
else
	fail "show drop, JSON error result (rc $rc)"
fi

fake CTL_SHOW_DROP bad-order || exit 99
ctl show drop; rc=$?
if fakewait && [ $rc -eq 1 ] && [ -s "$err" ]; then
	ok "show drop, a file before the state is refused"
else
	fail "show drop, a file before the state (rc $rc)"
fi

# --- drop put ----------------------------------------------------------
# Binary, with NULs and no final newline.
printf 'blob\000with\000nuls\n\377\001end' >"$tmp/small"
fake CTL_DROP_PUT ok || exit 99
ctl drop put pending-abc.bin "$tmp/small"; rc=$?
printf 'pending-abc.bin' >"$tmp/want_name"
if fakewait && [ $rc -eq 0 ] && [ ! -s "$out" ] &&
    [ "$(recname)" = "pending-abc.bin" ] &&
    [ "$(wc -c <"$rec")" -eq $((128 + $(wc -c <"$tmp/small"))) ] &&
    tail -c +129 "$rec" | cmp -s - "$tmp/small"; then
	ok "drop put: name and the exact bytes"
else
	fail "drop put (rc $rc)"
fi

# Exactly the largest file, from standard input.
head -c 8192 /dev/urandom >"$tmp/max"
fake CTL_DROP_PUT ok || exit 99
ctl drop put x_Y-9.z - <"$tmp/max"; rc=$?
if fakewait && [ $rc -eq 0 ] && [ "$(recname)" = "x_Y-9.z" ] &&
    tail -c +129 "$rec" | cmp -s - "$tmp/max"; then
	ok "drop put: 8192 bytes from standard input"
else
	fail "drop put from standard input (rc $rc)"
fi

fake CTL_DROP_PUT error -m "drop is full" || exit 99
ctl drop put a "$tmp/small"; rc=$?
if fakewait && [ $rc -eq 1 ] && grep -q 'drop is full' "$err"; then
	ok "drop put: error result"
else
	fail "drop put: error result (rc $rc)"
fi

fake CTL_DROP_PUT ok || exit 99
ctl -j drop put a "$tmp/small"; rc=$?
if fakewait && [ $rc -eq 0 ] && python3 -c '
import json, sys
assert json.load(open(sys.argv[1])) == {"result": "ok"}
' "$out"; then
	ok "drop put: JSON"
else
	fail "drop put: JSON (rc $rc)"
fi

# Refused before connecting: no server is listening for these.
rm -f "$sock"
head -c 8193 /dev/zero >"$tmp/big"
: >"$tmp/empty"
ctl drop put a "$tmp/big"; rc=$?
if [ $rc -eq 1 ] && grep -q 'larger than 8192' "$err"; then
	ok "drop put: an oversize file is refused"
else
	fail "drop put: oversize file (rc $rc)"
fi
head -c 100000 /dev/zero | ctl drop put a -; rc=$?
if [ $rc -eq 1 ] && grep -q 'larger than 8192' "$err"; then
	ok "drop put: oversize standard input is refused"
else
	fail "drop put: oversize standard input (rc $rc)"
fi
ctl drop put a "$tmp/empty"; rc=$?
if [ $rc -eq 1 ] && grep -q 'empty' "$err"; then
	ok "drop put: an empty file is refused"
else
	fail "drop put: empty file (rc $rc)"
fi
ctl drop put a "$tmp/nonexistent"; rc=$?
if [ $rc -eq 1 ] && grep -q 'nonexistent' "$err"; then
	ok "drop put: a missing file is refused"
else
	fail "drop put: missing file (rc $rc)"
fi
long=$(printf '%0128d' 0)
for bad in 'a/b' '' '..x y' 'é' "$long" 'a:b'; do
	ctl drop put "$bad" "$tmp/small"; rc=$?
	if [ $rc -eq 1 ] && grep -q 'invalid drop name' "$err"; then
		ok "drop put: name \"$(printf %.20s "$bad")\" is refused"
	else
		fail "drop put: name \"$bad\" (rc $rc)"
	fi
done
ctl drop put a; rc=$?
if [ $rc -eq 1 ] && grep -q 'missing argument' "$err"; then
	ok "drop put: missing file argument"
else
	fail "drop put: missing file argument (rc $rc)"
fi
ctl drop get a b; rc=$?
if [ $rc -eq 1 ] && grep -q 'unexpected argument' "$err"; then
	ok "drop get: extra argument"
else
	fail "drop get: extra argument (rc $rc)"
fi

# --- drop get ----------------------------------------------------------
fake CTL_DROP_GET data -d "$tmp/small" || exit 99
ctl drop get pending-abc.bin; rc=$?
if fakewait && [ $rc -eq 0 ] && cmp -s "$out" "$tmp/small" &&
    [ "$(recname)" = "pending-abc.bin" ] &&
    [ "$(wc -c <"$rec")" -eq 128 ]; then
	ok "drop get: the exact bytes"
else
	fail "drop get (rc $rc)"
fi

fake CTL_DROP_GET data -d "$tmp/max" || exit 99
ctl -j drop get big; rc=$?
if fakewait && [ $rc -eq 0 ] && cmp -s "$out" "$tmp/max"; then
	ok "drop get: 8192 bytes, raw even with -j"
else
	fail "drop get: 8192 bytes (rc $rc)"
fi

# To a terminal (a pty here): text goes through, anything a terminal
# would act on is refused, nothing written.
ctl_tty()
{
	python3 -c '
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.dup2(os.open(sys.argv[2], os.O_WRONLY | os.O_TRUNC), 2)
    os.execv(sys.argv[1], sys.argv[1:2] + sys.argv[3:])
data = b""
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
    data += b
open(sys.argv[2] + ".tty", "wb").write(data)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
' "$CLAWCTL" "$err" -s "$sock" "$@"
}
printf 'hello\tworld\n\303\251t\303\251\n' >"$tmp/text"
fake CTL_DROP_GET data -d "$tmp/text" || exit 99
ctl_tty drop get note.txt; rc=$?
if fakewait && [ $rc -eq 0 ] && grep -q "hello" "$err.tty"; then
	ok "drop get: UTF-8 text with tab and newline to a terminal"
else
	fail "drop get: text to a terminal (rc $rc)"
fi
for esc in '\033]0;owned\007' '\302\233' '\377'; do
	printf "x$esc" >"$tmp/esc"
	fake CTL_DROP_GET data -d "$tmp/esc" || exit 99
	ctl_tty drop get esc.bin; rc=$?
	if fakewait && [ $rc -eq 1 ] && ! grep -q "owned" "$err.tty" &&
	    grep -q "not written to a terminal" "$err"; then
		ok "drop get: '$esc' refused to a terminal: $(cat "$err")"
	else
		fail "drop get: '$esc' to a terminal (rc $rc)"
	fi
done

# A peer's timeline is checked like every other string of a reply.
fake CTL_SHOW_PEERS peer -m "up: drop 0.4s, punch 0.1s" || exit 99
ctl show peers; rc=$?
if fakewait && [ $rc -eq 0 ] && grep -q "up: drop 0.4s" "$out"; then
	ok "show peers: the timeline line"
else
	fail "show peers: the timeline line (rc $rc)"
fi
fake CTL_SHOW_PEERS peer -m "$(printf 'up\033[2J')" || exit 99
ctl show peers; rc=$?
if fakewait && [ $rc -eq 1 ] &&
    grep -q "control character in timeline" "$err"; then
	ok "show peers: a timeline with an escape refused"
else
	fail "show peers: a timeline with an escape (rc $rc)"
fi

fake CTL_DROP_GET error -m "no such file" || exit 99
ctl drop get nothere; rc=$?
if fakewait && [ $rc -eq 1 ] && [ ! -s "$out" ] &&
    grep -q 'no such file' "$err"; then
	ok "drop get: error result"
else
	fail "drop get: error result (rc $rc)"
fi

# --- drop rm -----------------------------------------------------------
fake CTL_DROP_RM ok || exit 99
ctl drop rm pending-abc.bin; rc=$?
if fakewait && [ $rc -eq 0 ] && [ "$(recname)" = "pending-abc.bin" ] &&
    [ "$(wc -c <"$rec")" -eq 128 ]; then
	ok "drop rm"
else
	fail "drop rm (rc $rc)"
fi

# The longest name, and one that looks like an option.
name127=$(printf '%0127d' 0)
fake CTL_DROP_RM ok || exit 99
ctl drop rm "$name127"; rc=$?
if fakewait && [ $rc -eq 0 ] && [ "$(recname)" = "$name127" ]; then
	ok "drop rm: a 127-character name"
else
	fail "drop rm: a 127-character name (rc $rc)"
fi
fake CTL_DROP_RM ok || exit 99
ctl drop rm -x; rc=$?
if fakewait && [ $rc -eq 0 ] && [ "$(recname)" = "-x" ]; then
	ok "drop rm: a name starting with -"
else
	fail "drop rm: a name starting with - (rc $rc)"
fi

fake CTL_DROP_RM error -m "no such file" || exit 99
ctl drop rm x; rc=$?
if fakewait && [ $rc -eq 1 ] && grep -q 'drop rm failed: no such file' \
    "$err"; then
	ok "drop rm: error result"
else
	fail "drop rm: error result (rc $rc)"
fi

echo "1..$n"
[ $fails -eq 0 ]
