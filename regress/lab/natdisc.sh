#!/bin/bash
# natdisc.sh: RFC 5780 NAT behaviour discovery on clawd's data socket.
# One site per profile (host N behind NAT box N), a clawd in each with
# the two lab STUN servers; show nat must report the mapping and the
# filtering the box was built with, as turnutils_natdiscovery does in
# clawlab selftest, and for the symmetric boxes how ports are chosen.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh" || exit 99

PROFILES=${NATDISC_PROFILES:-"fc rc prc sym seq none"}

lab_require_root
lab_require_tools ip nft turnserver conntrack python3
lab_find_clawd
lab_system_setup
lab_init

lab_inet
n=1
for p in $PROFILES; do
	lab_site "$n" "$p"
	lab_clawd_conf "$LAB_TMP/clawd-host$n"
	n=$((n + 1))
done

# natdisc_wait N JSON: until host N's clawd has a verdict (30 s).
natdisc_wait()
{
	local i

	for i in $(seq 300); do
		if lab_ctl_at "host$1" -j show nat >"$2" 2>/dev/null &&
		    python3 -c '
import json, sys
n = json.load(open(sys.argv[1])).get("nat") or {}
sys.exit(0 if n.get("state") in ("done", "unsupported", "failed")
    else 1)' "$2" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# natdisc_check JSON PROFILE: the verdict is the profile's.
natdisc_check()
{
	python3 - "$1" "$2" "$(lab_profile_expect "$2")" <<'PY'
import json, sys

path, profile, expect = sys.argv[1:4]
names = {
    "EIM": "endpoint-independent", "APDM": "address-and-port-dependent",
    "EIF": "endpoint-independent", "ADF": "address-dependent",
    "APDF": "address-and-port-dependent", "none": "none",
}
em, ef = (names[x] for x in expect.split())
step = {"sym": "random", "seq": 1}.get(profile)
try:
    nat = json.load(open(path))["nat"]
except (OSError, ValueError, KeyError) as e:
    print("FAIL: %s: no nat object in show nat: %s" % (profile, e))
    sys.exit(1)
got = (nat.get("state"), nat.get("mapping"), nat.get("filtering"),
       nat.get("port_step"))
want = ("done", em, ef, step)
ok = got == want and nat.get("server") == "203.0.113.1"
print("%s %s: state %s, mapping %s, filtering %s, port step %s, "
      "server %s" % ("ok:  " if ok else "FAIL:", profile, got[0], got[1],
                     got[2], got[3], nat.get("server")))
if not ok:
    print("      expected mapping %s, filtering %s, port step %s"
          % (em, ef, step))
sys.exit(0 if ok else 1)
PY
}

# Each verdict rests on answers arriving in time; a late one is read
# as a stricter NAT.  So one site at a time (six clawds starting at
# once on two cores, sanitized, delay answers by seconds), and a
# profile that misses still gets one more run on a fresh clawd (a new
# socket) behind a fresh NAT box.
n=1
for p in $PROFILES; do
	json=$LAB_TMP/nat-$p.json
	lab_clawd_spawn "host$n"
	natdisc_wait "$n" "$json"
	if ! natdisc_check "$json" "$p" >"$LAB_TMP/first" 2>&1; then
		echo "$p: first run: $(head -n 1 "$LAB_TMP/first"); again"
		lab_stop_pid "${LAB_CLAWD_PIDS[host$n]}"
		# A clean NAT box too: its filters remember whom it saw.
		[ "$p" = none ] || lab_nat_profile "$n" "$p"
		lab_clawd_spawn "host$n"
		sleep 0.5
		natdisc_wait "$n" "$json"
		natdisc_check "$json" "$p" || {
			LAB_FAILED=1
			cat "$json"
			grep -i 'natdisc\|stun' "$LAB_TMP/clawd-host$n/clawd.log"
		}
	else
		cat "$LAB_TMP/first"
	fi
	n=$((n + 1))
done

# The mapping verdict does not wait for the filtering tests (on their
# own socket, about 2 s behind a filtering NAT): behind an endpoint-
# dependent NAT the rendezvous takes discovery's mapping, filtering
# still unknown, before the run's verdict line.
n=1
for p in $PROFILES; do
	case $p in sym|seq) ;; *) n=$((n + 1)); continue ;; esac
	log=$LAB_TMP/clawd-host$n/clawd.log
	early=$(grep -n -m 1 'our NAT: mapping 2, filtering 0, .*from discovery$' \
	    "$log" | cut -d: -f1)
	verdict=$(grep -n -m 1 'natdisc 203.0.113.1: mapping' "$log" |
	    cut -d: -f1)
	if [ -n "$early" ] && [ -n "$verdict" ] && [ "$early" -lt "$verdict" ]
	then
		lab_ok "$p: the mapping verdict came before the filtering one"
	else
		lab_fail "$p: no mapping verdict before the filtering one" \
		    "(lines ${early:-none} and ${verdict:-none})"
		grep -n 'our NAT\|natdisc' "$log" | head -n 10
	fi
	n=$((n + 1))
done

# What discovery found is kept in the state directory, and a restart
# starts from it before its own discovery is done (its mapping tests
# take a few round trips, its filtering tests seconds: until then the
# filtering is the kept one); a file from another site (another public
# address) is not used.
# natmem_restart N [CMD...]: restart host N's clawd (in this shell, so
# that its pid stays known), running CMD while it is down; NM_GOT is
# its first idea of its NAT (the "rdv: our NAT" line of the new life,
# 15 s at most), NM_FROM the first line of the new life in its log.
natmem_restart()
{
	local n=$1 log=$LAB_TMP/clawd-host$1/clawd.log i

	shift
	lab_stop_pid "${LAB_CLAWD_PIDS[host$n]}"
	[ $# -eq 0 ] || "$@"
	NM_FROM=$(( $(wc -l <"$log") + 1 ))
	lab_clawd_spawn "host$n"
	for i in $(seq 150); do
		tail -n +"$NM_FROM" "$log" | grep -q 'rdv: our NAT:' && break
		sleep 0.1
	done
	NM_GOT=$(tail -n +"$NM_FROM" "$log" | grep -m 1 'rdv: our NAT:')
}

# On a NAT whose discovery takes seconds: seq if there is one (its step
# too is remembered), else the first profile.  With no NAT discovery
# is over at its first answer, before the memory could matter.
last=1 n=1
for p in $PROFILES; do
	[ "$p" = seq ] && last=$n
	n=$((n + 1))
done
file=$LAB_TMP/clawd-host$last/state/nat-behaviour
if [ -s "$file" ]; then
	natmem_restart "$last"
	case $NM_GOT in
	*"at the last start"*)
		lab_ok "restart: NAT behaviour from the state directory" ;;
	*)
		lab_fail "restart: not from the state directory:" \
		    "${NM_GOT:-none}" ;;
	esac
	other=$(( last == 1 ? 2 : 1 ))
	if [ "$other" -lt "$n" ]; then
		natmem_restart "$other" install -m 600 "$file" \
		    "$LAB_TMP/clawd-host$other/state/"
		case $NM_GOT in
		*"at the last start"*)
			lab_fail "another site's NAT behaviour used: $NM_GOT" ;;
		*)
			lab_ok "another site's NAT behaviour not used" ;;
		esac
	fi
	# A file that is not ours or not one is ignored, with the reason
	# in the log, and the daemon starts as if there were none.  Each
	# is made while the daemon is down (it writes its own).
	good=$LAB_TMP/nat-behaviour.good
	cp "$file" "$good"
	nm_short()
	{
		head -c 100 /dev/urandom >"$file"
		chmod 600 "$file"
	}
	nm_magic()
	{
		cp "$good" "$file"
		printf 'X' | dd of="$file" bs=1 seek=0 conv=notrunc 2>/dev/null
	}
	nm_mode()
	{
		cp "$good" "$file"
		chmod 644 "$file"
	}
	natmem_bad()
	{
		local what=$1 want=$2 log=$LAB_TMP/clawd-host$last/clawd.log

		natmem_restart "$last" "$3"
		if tail -n +"$NM_FROM" "$log" | grep -q "$want" &&
		    ! case $NM_GOT in *"at the last start"*) true ;;
		    *) false ;; esac &&
		    lab_pid_alive "${LAB_CLAWD_PIDS[host$last]}"; then
			lab_ok "$what: ignored ($want)"
		else
			lab_fail "$what: not ignored: ${NM_GOT:-no NAT line}"
			tail -n +"$NM_FROM" "$log" | head -n 20
		fi
	}
	natmem_bad "nat-behaviour of the wrong size" \
	    "not a nat behaviour file" nm_short
	natmem_bad "nat-behaviour with a bad magic" \
	    "not a nat behaviour file" nm_magic
	natmem_bad "nat-behaviour readable by others" "mode 0600" nm_mode
else
	lab_fail "no NAT behaviour kept in $file"
	ls -l "$LAB_TMP/clawd-host$last/state"
fi

# The text form has the summary line too.
if lab_ctl_at host1 show nat | grep -q '^nat: mapping '; then
	lab_ok "show nat: summary line"
else
	lab_fail "show nat: no summary line"
	lab_ctl_at host1 show nat
fi

lab_clawd_stop_all
exit $LAB_FAILED
