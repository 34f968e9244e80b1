#!/bin/bash
# rdv_attack.sh: the rendezvous through the drop under attack.  The
# folder is writable by anyone with the account, and the UDP port is
# open to anyone: host2 (role answer) runs alone first while the test,
# holding host1's private key, puts genuine, replayed, stale, damaged,
# misaddressed and foreign messages (and files) in the folder, floods
# it with junk and floods host2's port with probe lookalikes, and plays
# a probe response back from another address.  host2 must answer
# exactly the genuine offers, log each refusal at most once, never
# answer a probe it has no key for, stay alive within a memory bound;
# then host1 starts and the two connect as usual.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/rdv_lib.sh" || exit 99

FORGE="python3 $LAB_DIR/rdvforge.py"
FOLDER=/temp-share/clawchat-connections
# The first flood sets the signaler's high-water mark (libcurl, JSON of
# the sc replies, 400 nodes in its table): up to 16 MiB measured 12.
# The second must cost next to nothing more: that is the leak check.
RSS_GROWTH_KB=16384		# per process, over both floods
RSS_GROWTH2_KB=4096		# per process, over the second
NFLOOD=200

rdv_start_test
python3 -c 'import cryptography' 2>/dev/null ||
    lab_skip "python3-cryptography not installed"
$FORGE selftest >/dev/null || lab_die "rdvforge.py selftest"
rdv_world prc prc
rdv_keys
rdv_conf 1 2 offer
rdv_conf 2 1 answer
# A peer that answers does not follow the drop while it punches (the
# probes are the acknowledgement), but the attacks below are messages
# host2 must read while it punches toward a host1 that is not there.
# So host2 has a second peer, whose offer never comes: waiting for it,
# host2 follows the drop throughout.
lab_genkey "$LAB_TMP/bystander.key"
printf 'peer "bystander" {\n\tpublic-key "%s"\n\tallowed-ips %s\n\trole %s\n}\n' \
    "$("$CLAWCTL" pubkey <"$LAB_TMP/bystander.key")" 100.64.0.9/32 answer \
    >>"$LAB_TMP/clawd-host2/clawd.conf" || lab_die "bystander peer"

K1=$LAB_TMP/clawd-host1/key
P2=$LAB_TMP/clawd-host2/pub
LOG2=$LAB_TMP/clawd-host2/clawd.log
W=$LAB_TMP/attack
mkdir -p "$W"

# As lab_clawd_spawn, but -vv: messages that open with no key are
# logged at debug level only.
spawn_vv()
{
	local ns=$1 d=$LAB_TMP/clawd-$1

	ip netns exec "$(lab_ns "$ns")" "$CLAWD" -dvv -f "$d/clawd.conf" \
	    -s "$d/clawd.sock" >>"$d/clawd.log" 2>&1 &
	LAB_CLAWD_PIDS[$ns]=$!
	LAB_PIDS+=($!)
}

mj()
{
	lab_exec inet node "$LAB_TOP/regress/mega/megajs-tool.js" \
	    --gateway "$RDV_API" --email v1@test.invalid \
	    --password password-v1 "$@"
}

# A message NAME with the bytes of FILE, as any MEGA client can make.
put()
{
	mj putmsg "$FOLDER" "$1" <"$2" 2>>"$W/mj.log"
}

# A file NAME, uploaded.
putfile()
{
	mj put "$FOLDER" "$1" <"$2" 2>>"$W/mj.log"
}

# Run node code CODE with megajs logged in: s the Storage, d the drop
# folder, crypto required; further arguments from process.argv[2].
mjs()
{
	local code=$1

	shift
	lab_exec inet env NODE_PATH="$LAB_TOP/regress/mega/node_modules" \
	    node --require "$LAB_TOP/regress/mega/webcrypto.js" -e '
const { Storage } = require("megajs")
const crypto = require("crypto")
async function main () {
  const s = new Storage({ email: "v1@test.invalid",
    password: "password-v1", gateway: process.argv[1],
    keepalive: false, autologin: true })
  s.api.on("error", () => {})
  await s.ready
  let d = s.root
  for (const p of ["temp-share", "clawchat-connections"])
    d = d.children.find((c) => c.directory && c.name === p)
'"$code"'
}
main().then(() => process.exit(0),
  (e) => { console.error(e && e.message); process.exit(1) })
' "$RDV_API" "$@" 2>>"$W/mj.log"
}

# Lines of host2's log with a fixed string.
nlog()
{
	grep -cF -- "$1" "$LOG2"
}

has_log()
{
	grep -qF -- "$1" "$LOG2"
}

# Lines about NAME: refusals and "opens with no peer's key".
nverdict()
{
	grep -F -- "$1" "$LOG2" | grep -cE 'refused|opens with no|answered'
}

has_verdict()
{
	[ "$(nverdict "$1")" -gt 0 ]
}

# A fresh offer, sealed with host1's key to host2: forge NAME [opts]
forge()
{
	local n=$1

	shift
	$FORGE seal --key "$K1" --to "$P2" --name "$n" \
	    --cand 203.0.113.11:40000 "$@" >"$W/$n" ||
	    lab_die "rdvforge seal $n"
}

# Until host2 logs a verdict on NAME (or read it and a few seconds
# passed, for what is logged at debug level only).
settle()
{
	rdv_until 20 has_log "drop: reading $1" || return 1
	rdv_until 5 has_verdict "$1"
	sleep 1
	return 0
}

# All four processes of host NS (host2 unless given) are there.
alive()
{
	local n

	n=$(lab_ctl_at "${1:-host2}" -j show status 2>/dev/null | python3 -c '
import json, sys, os
p = json.load(sys.stdin)["processes"]
print(sum(1 for x in p if os.path.exists("/proc/%d" % x["pid"])))') ||
	    n=0
	[ "$n" -eq 4 ]
}

rss()
{
	lab_ctl_at host2 -j show status | python3 -c '
import json, sys
for x in json.load(sys.stdin)["processes"]:
    with open("/proc/%d/status" % x["pid"]) as f:
        kb = [l.split()[1] for l in f if l.startswith("VmRSS")][0]
    print(x["name"], kb)' | sort
}

counter()
{
	lab_ctl_at host2 -j show stats | python3 -c '
import json, sys
print(json.load(sys.stdin)["counters"].get(sys.argv[1], -1))' "$1"
}

hexof()
{
	printf '%s' "${1#*-}"
}

# --- host2 alone ----------------------------------------------------
spawn_vv host2
rdv_until 30 has_log "drop folder $FOLDER ready" || {
	tail -n 30 "$LOG2"
	lab_die "host2: the drop did not become ready"
}
RDV_PORT=$(sed -n 's/.*listening on udp port \([0-9]*\).*/\1/p' "$LOG2" |
    head -n 1)
[ -n "$RDV_PORT" ] || lab_die "host2: no udp port in the log"

# --- 1. genuine, then replayed -------------------------------------
G1=$($FORGE name)
forge "$G1"
put "$G1" "$W/$G1" || lab_die "megajs put $G1"
R1=response-$(hexof "$G1")
if rdv_until 20 has_log "answered offer $G1"; then
	lab_ok "genuine offer answered"
else
	lab_fail "genuine offer not answered"
fi
rdv_until 20 eval 'mj msgs "$FOLDER" | grep -q "^$R1 "' ||
    lab_fail "no $R1 in the folder"
# The interop check: a message clawd sealed opens here, and its token
# is the hash of our offer.
if mj getmsg "$FOLDER" "$R1" >"$W/$R1" 2>>"$W/mj.log" &&
    $FORGE open --key "$K1" --from "$P2" --name "$R1" <"$W/$R1" \
    >"$W/r1.txt"; then
	tok=$(sed -n 's/^token=//p' "$W/r1.txt")
	want=$(sha256sum "$W/$G1" | cut -d' ' -f1)
	if [ "$tok" = "$want" ] && grep -q '^cand ' "$W/r1.txt"; then
		lab_ok "clawd's response opens; token is the offer's hash"
	else
		lab_fail "response token $tok, want $want"
	fi
else
	lab_fail "clawd's response $R1 does not open here"
fi

mj rmmsg "$FOLDER" "$G1" 2>>"$W/mj.log"
sleep 1
put "$G1" "$W/$G1" || lab_die "megajs put $G1 again"
settle "$G1"
G1B=$($FORGE name)
put "$G1B" "$W/$G1" || lab_die "megajs put $G1B"
settle "$G1B"
n1=$(nlog "answered offer $G1")
nrep=$(grep -F -- "$G1" "$LOG2" | grep -c 'refused: replayed')
nb=$(nverdict "$G1B")
nput=$(nlog "drop: put response-")
if [ "$n1" -eq 1 ] && [ "$nrep" -eq 1 ] && [ "$nb" -eq 1 ] &&
    [ "$nput" -eq 1 ] && ! has_log "answered offer $G1B"; then
	lab_ok "replays not answered, one line each"
else
	lab_fail "replay: answered $n1, replayed lines $nrep," \
	    "renamed copy lines $nb, responses put $nput"
fi

# --- 2. stale, future, too long ------------------------------------
for c in "expired:--ts -1000 --expiry -700" \
    "future:--ts +600 --expiry +900" "long:--ts +0 --expiry +400"; do
	what=${c%%:*}
	n=$($FORGE name)
	# shellcheck disable=SC2086
	forge "$n" ${c#*:}
	put "$n" "$W/$n" || lab_die "megajs put $n"
	settle "$n"
	l=$(grep -F -- "$n" "$LOG2" | grep -c 'refused: stale or from')
	if [ "$l" -eq 1 ] && [ "$(nverdict "$n")" -eq 1 ]; then
		lab_ok "$what offer refused, logged once"
	else
		lab_fail "$what offer: $l refusals, $(nverdict "$n") lines"
	fi
done

# --- 3. damaged and misaddressed -----------------------------------
other=$W/other.key
lab_genkey "$other"
n=$($FORGE name); forge "$n"; $FORGE flip <"$W/$n" >"$W/t-flip"
B_FLIP=$n
n=$($FORGE name); forge "$n"; $FORGE truncate <"$W/$n" >"$W/t-trunc"
B_TRUNC=$n
n=$($FORGE name); forge "$n"; cp "$W/$n" "$W/t-renamed"
B_RENAMED=$($FORGE name)
n=$($FORGE name); B_ADDR=$n
$FORGE seal --key "$K1" --to "$($FORGE randpub)" --name "$n" \
    --cand 203.0.113.11:40000 >"$W/t-addr"
n=$($FORGE name); B_SENDER=$n
$FORGE seal --key "$other" --to "$P2" --name "$n" \
    --cand 203.0.113.11:40000 >"$W/t-sender"
for c in "tampered:$B_FLIP:flip" "truncated:$B_TRUNC:trunc" \
    "renamed:$B_RENAMED:renamed" "misaddressed:$B_ADDR:addr" \
    "unknown-sender:$B_SENDER:sender"; do
	IFS=: read -r what n f <<<"$c"
	put "$n" "$W/t-$f" || lab_die "megajs put $what"
	settle "$n"
	l=$(nverdict "$n")
	if ! has_log "answered offer $n" && [ "$l" -le 1 ]; then
		lab_ok "$what offer ignored ($l log line)"
	else
		lab_fail "$what offer: $l lines"
		grep -F -- "$n" "$LOG2"
	fi
done

# --- 4. foreign files and messages ---------------------------------
# Files, even with a rendezvous name, are not messages; messages too
# big for their attributes, not base64url, or with no bytes at all are
# listed (as foreign where the name is past reading) and left alone.
head -c 9000 /dev/urandom >"$W/huge"
: >"$W/empty"
head -c 100 /dev/urandom >"$W/small"
head -c 3000 /dev/urandom >"$W/bigmsg"
F_HUGE=$($FORGE name)
F_EMPTY=$($FORGE name)
F_RAND=notes-$RANDOM$RANDOM.txt
F_NAMES="$F_RAND offer-xyz offer-$(hexof "$F_HUGE").txt"
F_NAMES="$F_NAMES OFFER-$(hexof "$F_HUGE" | tr a-f A-F)"
putfile "$F_HUGE" "$W/huge" || lab_fail "megajs put huge"
putfile "$F_EMPTY" "$W/empty" || lab_log "megajs cannot put an empty file"
putfile "big-$RANDOM.dat" "$W/huge" || lab_fail "megajs put big"
for n in $F_NAMES; do
	putfile "$n" "$W/small" || lab_fail "megajs put $n"
done
M_BIG=$($FORGE name)
M_BAD=$($FORGE name)
M_NONE=$($FORGE name)
put "$M_BIG" "$W/bigmsg" || lab_fail "megajs putmsg big"
mjs '
  await d.mkdir({ name: process.argv[2], attributes: { cw: "!not*b64" } })
  await d.mkdir({ name: process.argv[3] })' "$M_BAD" "$M_NONE" ||
    lab_fail "megajs: bad messages not made"
listed()
{
	local d n

	d=$(lab_ctl_at host2 show drop 2>/dev/null) || return 1
	for n in "$F_HUGE" $F_NAMES "$M_BAD" "$M_NONE"; do
		grep -qF -- "$n" <<<"$d" || return 1
	done
	grep -q '^(foreign)' <<<"$d"
}
if rdv_until 20 listed; then
	lab_ok "foreign files and messages listed by show drop"
else
	lab_fail "foreign files and messages not all in show drop"
	lab_ctl_at host2 show drop
fi
sleep 2
l=0
for n in "$F_HUGE" "$F_EMPTY" $F_NAMES "$M_BIG" "$M_BAD" "$M_NONE"; do
	has_log "answered offer $n" && l=$((l + 1))
	has_log "drop: reading $n" && l=$((l + 1))
done
if [ "$l" -eq 0 ] && alive; then
	lab_ok "foreign files and messages ignored, host2 alive"
else
	lab_fail "foreign files and messages: $l read or answered, or" \
	    "host2 dead"
fi

# --- 5. a flood of junk --------------------------------------------
# NFLOOD messages with rendezvous names and others, random bytes, 10
# at a time from one megajs session.
flood()
{
	mjs '
  const n = +process.argv[2]
  for (let i = 0; i < n; i += 10) {
    const w = []
    for (let j = i; j < i + 10 && j < n; j++) {
      const id = crypto.randomBytes(16).toString("hex")
      const name = j % 2 ? "offer-" + id :
        j % 3 ? "response-" + id : "junk-" + id
      const data = crypto.randomBytes(1 + crypto.randomInt(600))
      w.push(d.mkdir({ name,
        attributes: { cw: data.toString("base64url") } }))
    }
    await Promise.all(w)
  }' "$NFLOOD"
}

# Two floods: the first may raise the heap's high-water mark, the
# second shows whether memory keeps growing with the files.
rss >"$W/rss0"
t0=$(date +%s)
flood || lab_fail "flood upload"
sleep 5
rss >"$W/rss1"
flood || lab_fail "second flood upload"
lab_log "two floods of $NFLOOD messages in $(( $(date +%s) - t0 )) s"
sleep 5
G2=$($FORGE name)
forge "$G2"
put "$G2" "$W/$G2" || lab_die "megajs put $G2"
if rdv_until 30 has_log "answered offer $G2"; then
	lab_ok "genuine offer answered after a flood of $NFLOOD messages"
else
	lab_fail "genuine offer not answered within 30 s of the flood"
fi
rss >"$W/rss2"
grow=$(join "$W/rss0" "$W/rss1" | join - "$W/rss2" | awk \
    -v max="$RSS_GROWTH_KB" -v max2="$RSS_GROWTH2_KB" '
	{ printf "%s %d->%d->%d kB; ", $1, $2, $3, $4 }
	$4 - $2 > max || $4 - $3 > max2 { bad = 1 }
	END { exit bad }') && ok=1 || ok=0
# ASan's quarantine holds freed memory: no bound there, only the
# numbers.
what="memory (bounds +$RSS_GROWTH_KB, +$RSS_GROWTH2_KB kB)"
if ldd "$CLAWD" 2>/dev/null | grep -q libasan; then
	what="memory (sanitizer build: not bounded)"
	ok=1
fi
if [ "$ok" = 1 ] && alive; then
	lab_ok "$what: $grow"
else
	lab_fail "memory or liveness after the floods: $grow"
fi

# --- 6. probes without keys ----------------------------------------
bad0=$(counter rdv.probes_bad)
out=$(lab_exec host2 python3 "$LAB_DIR/probeflood.py" 198.18.2.2 \
    "$RDV_PORT" -n 10000 --conn "$(hexof "$G2")" --wait 3) && r=0 || r=1
bad1=$(counter rdv.probes_bad)
if [ "$r" -eq 0 ] && [ "$bad1" -gt "$bad0" ] && alive; then
	lab_ok "probe flood: $out; probes_bad $bad0 -> $bad1"
else
	lab_fail "probe flood: $out; probes_bad $bad0 -> $bad1"
fi

# --- 7. a probe response made for another address ------------------
# A genuine offer whose two candidates are the test's, in inet: host2's
# request to the second is answered, MAC and all, from the first, as
# someone who recorded it could play it back.  Its transaction id was
# made for the second address: host2 must take no path to the first,
# and count it.
G7=$($FORGE name)
$FORGE seal --key "$K1" --to "$P2" --name "$G7" \
    --cand 203.0.113.3:41001 --cand 203.0.113.3:41002 >"$W/$G7" ||
    lab_die "rdvforge seal $G7"
um0=$(counter rdv.probes_unmatched)
lab_exec inet $FORGE mirror --key "$K1" --to "$P2" --conn "$(hexof "$G7")" \
    --listen 203.0.113.3:41002 --answer-from 203.0.113.3:41001 \
    --wait 40 >"$W/mirror.out" 2>&1 &
mpid=$!
LAB_PIDS+=("$mpid")
put "$G7" "$W/$G7" || lab_die "megajs put $G7"
if wait "$mpid"; then
	lab_ok "$(cat "$W/mirror.out")"
	sleep 2
	um1=$(counter rdv.probes_unmatched)
	if has_log "path to 203.0.113.3:41001"; then
		lab_fail "a response played back from elsewhere became the path"
	elif [ "$um1" -gt "$um0" ]; then
		lab_ok "no path to its source; probes_unmatched $um0 -> $um1"
	else
		lab_fail "the played-back response not counted" \
		    "(probes_unmatched $um0 -> $um1)"
	fi
else
	lab_fail "no probe request from host2 to answer: $(cat "$W/mirror.out")"
fi

# --- the real thing --------------------------------------------------
RDV_T0=$(date +%s.%N)
spawn_vv host1
if rdv_wait_ping 60; then
	lab_ok "host1 and host2 connect after the attacks (${RDV_SECS}s)"
else
	rdv_dump
	lab_fail "no tunnel within 60 s after the attacks"
fi
if alive host2 && alive host1; then
	lab_ok "both clawds alive"
else
	lab_fail "a clawd died"
fi
if grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' \
    "$LAB_TMP"/clawd-host[12]/clawd.log; then
	lab_fail "sanitizer reports in the logs"
	grep -hE -A5 'ERROR: [A-Za-z]+Sanitizer|runtime error:' \
	    "$LAB_TMP"/clawd-host[12]/clawd.log | head -n 40
fi
n=$(grep -c 'refused\|opens with no' "$LOG2")
lab_log "host2: $n refusal lines, $(counter rdv.rejected) rejected"
[ -n "${RDV_VERBOSE:-}" ] && { rdv_dump; cat "$W/mj.log"; }
exit "$LAB_FAILED"
