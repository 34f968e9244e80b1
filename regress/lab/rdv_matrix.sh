#!/bin/bash
# rdv_matrix.sh: the connection matrix.  For every ordered pair of NAT
# profiles (host1 behind A offers, host2 behind B answers) build the
# lab world, start both clawds, wait for the tunnel, record what
# happened and compare it with what RFC 4787 says should happen.
#
#	rdv_matrix.sh [-o DIR] [-t SECS] [PROFILE...]
#
# Default: the eight base profiles, 64 pairs; DIR ./rdv-matrix, SECS
# 40.  Writes DIR/rdv-matrix.csv, DIR/rdv-matrix.txt (also printed),
# DIR/rdv-matrix.png (with gnuplot) and DIR/logs/A-B.host{1,2}.log.
# Exit 1 if a pair that theory says connects directly did not, if a
# relay-only pair did not connect through a relay, or if a side claims
# a direct path that carries nothing; 0 otherwise.  "clawlab matrix"
# runs this script.
#
# RDV_MATRIX_TOGETHER=1 starts both clawds at once (see rdvm_clawds).
# RDV_MATRIX_NO_TUNNEL_UDP=1 drops UDP sent into claw0 in both hosts
# (a lab workaround, see docs/matrix.md: clawd offers its own tunnel
# address as a host candidate and the probe then "succeeds" through
# the tunnel itself).
#
# Each pair lives in its own subshell with its own lab_init: its EXIT
# trap stops the pair's processes by pid and deletes its namespaces,
# so nothing of one pair is left when the next starts (checked).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "${BASH_SOURCE[0]}")/rdv_lib.sh" || exit 99

RDVM_WAIT=40
RDVM_OUT=
RDVM_NOTUN=${RDV_MATRIX_NO_TUNNEL_UDP:-0}

# What theory allows between site profiles A and B: "direct" or
# "relay".  RFC 4787 terms: mapping EIM or APDM (random or sequential
# ports), filtering EIF, ADF or APDF.  Both sides learn the other's
# server-reflexive address through the drop and probe it at the same
# time; a packet from a mapping the peer did not know is answered to
# its source (peer-reflexive), so one inbound packet that gets through
# is enough.
#
#   none, fc	EIM + EIF (or no NAT): anything the peer sends from
#		any port gets in: direct with every profile.
#   rc		EIM + ADF: once rc has probed the peer's public address,
#		any port of that address gets in, so even a random
#		symmetric peer's new mapping does: direct with all.
#   prc, double	EIM + APDF: direct with every EIM profile (both
#		holes are at the advertised ports), with seq (the
#		peer's next ports are predicted from its two STUN
#		mappings and probed) and with sym and double-sym by the
#		many-probe technique (netengine/spray.c: the random side
#		opens 256 ports toward our mapping, we probe 2048 of its
#		ports; all miss with a probability under 0.03 %).
#   seq		APDM sequential + APDF: direct with open, rc and EIM
#		APDF peers (above); relay with seq (each probe to a
#		guessed port makes another mapping on both sides, so the
#		guesses chase each other) and with sym, double-sym.
#   sym,	APDM random + APDF: direct with none, fc, rc, and prc
#   double-sym	and double by many probes; relay with the rest.
rdvm_class()
{
	case ${1%%+*} in
	none|fc)		echo open ;;
	rc)			echo adf ;;
	prc|double)		echo apdf ;;
	seq)			echo seq ;;
	sym|double-sym)		echo rand ;;
	*)			echo unknown ;;
	esac
}

rdvm_expect()
{
	local a b

	a=$(rdvm_class "$1") b=$(rdvm_class "$2")
	case "$a $b" in
	open\ *|*\ open|adf\ *|*\ adf)	echo direct ;;
	"apdf apdf"|"apdf seq"|"seq apdf")	echo direct ;;
	"apdf rand"|"rand apdf")	echo direct ;;
	*)				echo relay ;;
	esac
}

# Seconds since RDV_T0, one decimal.
rdvm_elapsed()
{
	awk -v a="$RDV_T0" -v b="$(date +%s.%N)" \
	    'BEGIN { printf "%.1f", b - a }'
}

# Ping FROM-ns ADDR until it answers or the deadline; print the time.
rdvm_ping_loop()
{
	local ns=$1 addr=$2 end=$3

	while [ "$(date +%s)" -lt "$end" ]; do
		if rdv_ping "$ns" "$addr"; then
			rdvm_elapsed
			return 0
		fi
		sleep 0.2
	done
	echo -
}

# The JSON field FIELD of "clawctl -j show WHAT" at host N, or "-".
rdvm_ctl_field()
{
	lab_ctl_at "host$1" -j show "$2" 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
    if sys.argv[1] == "path":
        v = d["peers"][0].get("path", "-")
    else:
        v = d.get(sys.argv[1], "-")
except Exception:
    v = "-"
print(v if v not in (None, "") else "-")' "$3" || echo -
}

# The candidate type of the last "rdv: peer P: path to A (TYPE)" line:
# the path the side settled on (a later line means a better one).
rdvm_cand()
{
	local t

	t=$(sed -n 's/.*rdv: peer .*: path to .* (\(.*\))$/\1/p' "$1" \
	    2>/dev/null | tail -n 1)
	case $t in
	server-reflexive)	echo srflx ;;
	peer-reflexive)		echo prflx ;;
	"")			echo - ;;
	*)			echo "$t" ;;
	esac
}

# Known reasons for a pair that did not connect, from its two logs
# (PREFIX.host1.log, PREFIX.host2.log), for the note column.
rdvm_why()
{
	local l1=$1.host1.log l2=$1.host2.log

	# Both created the drop folder: two folders, neither sees the
	# other's file.
	if grep -q 'made folder temp-share' "$l1" &&
	    grep -q 'made folder temp-share' "$l2"; then
		printf '; drop race: two folders'
	fi
	if ! grep -q 'rdv: peer .*: \(answered offer\|response\)' \
	    "$l1" "$l2"; then
		printf '; no offer/response exchanged'
	fi
}

# Both clawds (host1 offers, host2 answers); RDV_T0 is host1's start.
# Unless RDV_MATRIX_TOGETHER=1, host2 starts once host1 has its drop
# folder: two daemons that log in at the same instant may each create
# the folder and then never see each other's files (a drop bug, see
# docs/matrix.md), which would hide what the NATs do.
rdvm_clawds()
{
	local log=$LAB_TMP/clawd-host1/clawd.log

	rdv_keys
	rdv_conf 1 2 offer
	rdv_conf 2 1 answer
	RDV_T0=$(date +%s.%N)
	lab_clawd_spawn host1
	[ "${RDV_MATRIX_TOGETHER:-0}" = 1 ] ||
	    lab_wait 10 grep -q 'drop folder .* ready' "$log"
	lab_clawd_spawn host2
}

# One pair, in a subshell of its own: its row on stdout's last line.
rdvm_pair()
{
	local a=$1 b=$2 ex logs=$3 end f1 f2 ab ba conn p1 p2 c1 c2 m1 m2
	local match note

	LAB_PIDS=() LAB_NETNS=() LAB_TMP= LAB_CLAWD_PIDS=()
	lab_init
	ex=$(rdvm_expect "$a" "$b")
	rdv_world "$a" "$b"
	if [ "$RDVM_NOTUN" = 1 ]; then
		for n in 1 2; do
			printf '%s\n' 'table inet rdvm {' \
			    ' chain out {' \
			    '  type filter hook output priority 0;' \
			    '  oifname "claw0" meta l4proto udp drop' \
			    ' }' '}' |
			    lab_exec "host$n" nft -f - ||
			    lab_die "nft in host$n"
		done
	fi
	rdvm_clawds
	end=$(( $(date +%s) + RDVM_WAIT ))
	f1=$LAB_TMP/ping-ab f2=$LAB_TMP/ping-ba
	rdvm_ping_loop host1 "$RDV_TB" "$end" >"$f1" &
	LAB_PIDS+=($!)
	rdvm_ping_loop host2 "$RDV_TA" "$end" >"$f2" &
	LAB_PIDS+=($!)
	wait "${LAB_PIDS[-2]}" "${LAB_PIDS[-1]}"
	ab=$(cat "$f1") ba=$(cat "$f2")
	if [ "$ab" != - ] && [ "$ba" != - ]; then
		conn=yes
	elif [ "$ab" != - ] || [ "$ba" != - ]; then
		conn=oneway
	else
		conn=no
	fi
	# A relayed start moves to a direct pair when one answers: give
	# it the seconds that takes (many probes: up to 25) before reading
	# the path.
	if [ "$conn" = yes ] && [ "$ex" = direct ]; then
		rdv_until 25 rdv_path_is host1 direct
		rdv_until 5 rdv_path_is host2 direct
	fi
	p1=$(rdvm_ctl_field 1 peers path)
	p2=$(rdvm_ctl_field 2 peers path)
	m1=$(rdvm_ctl_field 1 drop requests)
	m2=$(rdvm_ctl_field 2 drop requests)
	c1=$(rdvm_cand "$LAB_TMP/clawd-host1/clawd.log")
	c2=$(rdvm_cand "$LAB_TMP/clawd-host2/clawd.log")
	cp "$LAB_TMP/clawd-host1/clawd.log" "$logs/$a-$b.host1.log"
	cp "$LAB_TMP/clawd-host2/clawd.log" "$logs/$a-$b.host2.log"
	note=
	if [ "$ex" = direct ]; then
		if [ "$conn" = yes ] && [ "$p1" = direct ] &&
		    [ "$p2" = direct ]; then
			match=yes
		else
			match=no
		fi
	elif [ "$conn" = yes ] && [ "$p1" = direct ] &&
	    [ "$p2" = direct ]; then
		match=better
	elif [ "$conn" = yes ] &&
	    { [ "$p1" = relayed ] || [ "$p2" = relayed ]; }; then
		# Through host1's relay, or host2's (the other side may
		# send straight to the relayed address: "direct" to it).
		match=yes
	else
		match=no
	fi
	# A path called direct that carries no ping is a false claim.
	if [ "$conn" != yes ] &&
	    { [ "$p1" = direct ] || [ "$p2" = direct ]; }; then
		match=no note="false direct"
	fi
	[ "$conn" = yes ] || note=$note$(rdvm_why "$logs/$a-$b")
	# A probe answered through the tunnel itself (connected or not).
	grep -q 'path to 100\.64\.' "$logs/$a-$b.host1.log" \
	    "$logs/$a-$b.host2.log" &&
	    note="$note; tunnel address as host candidate"
	note=$(printf '%s' "$note" | sed 's/^[ ;]*//')
	printf 'ROW %s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' \
	    "$a" "$b" "$ex" "$conn" "$ab" "$ba" "$p1" "$p2" "$c1" "$c2" \
	    "$m1" "$m2" "$match" "$note"
	exit 0
}

# Nothing of this run may be left between pairs.
rdvm_leftovers()
{
	ip netns list | awk '{ print $1 }' | grep "^$LAB_PREFIX"
}

rdvm_table()
{
	awk -F, '
	NR == 1 {
		printf "%-10s %-10s %-6s %-6s %6s %6s %-13s %-15s %-9s %s\n",
		    "A(offer)", "B(answer)", "expect", "conn", "a->b", "b->a",
		    "path a/b", "cand a/b", "mega a/b", "match"
		next
	}
	{
		printf "%-10s %-10s %-6s %-6s %6s %6s %-13s %-15s %-9s %s%s\n",
		    $1, $2, $3, $4, $5, $6, $7 "/" $8, $9 "/" $10,
		    $11 "/" $12, $13, ($14 == "" ? "" : " (" $14 ")")
	}' "$1"
}

# The run: tools, the lab, DIR and the CSV header (in RDVM_CSV).
rdvm_setup()
{
	rdv_start_test
	trap rdvm_exit EXIT
	# The CI subset keeps its output with the run's files.
	[ -z "$RDVM_OUT" ] && [ "${RDVM_OUT_TMP:-0}" = 1 ] &&
	    RDVM_OUT=$LAB_TMP/rdv-matrix
	RDVM_OUT=${RDVM_OUT:-$PWD/rdv-matrix}
	RDVM_LOGS=$RDVM_OUT/logs
	mkdir -p "$RDVM_LOGS" || lab_die "cannot make $RDVM_LOGS"
	RDVM_CSV=$RDVM_OUT/rdv-matrix.csv
	echo "profile_a,profile_b,expected,connected,ping_ab_s,ping_ba_s," \
	    "path_a,path_b,cand_a,cand_b,mega_requests_a,mega_requests_b," \
	    "match,note" | tr -d ' ' >"$RDVM_CSV"
	RDVM_START=$SECONDS
}

# Killed in the middle of a pair: stop it (its own trap cleans up),
# then remove whatever of this run is still there.
rdvm_exit()
{
	local rc=$?

	if [ -n "${RDVM_CUR:-}" ]; then
		lab_pid_alive "$RDVM_CUR" && kill "$RDVM_CUR" 2>/dev/null
		wait "$RDVM_CUR" 2>/dev/null
	fi
	[ -n "$(rdvm_leftovers)" ] && lab_down_all "$LAB_PREFIX" >/dev/null
	(exit "$rc")
	lab_cleanup
}

rdvm_main()
{
	local opt profiles a b bad=0

	while getopts o:t: opt; do
		case $opt in
		o)	RDVM_OUT=$OPTARG ;;
		t)	RDVM_WAIT=$OPTARG ;;
		*)	echo "usage: rdv_matrix.sh [-o dir] [-t secs]" \
			    "[profile ...]" >&2
			exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	profiles=("$@")
	[ ${#profiles[@]} -gt 0 ] || read -ra profiles <<<"$LAB_PROFILES_ALL"
	for a in "${profiles[@]}"; do
		lab_profile_parse "$a" >/dev/null ||
		    { echo "unknown profile $a" >&2; exit 2; }
	done
	rdvm_setup
	for a in "${profiles[@]}"; do
		for b in "${profiles[@]}"; do
			rdvm_run_one "$a" "$b" || bad=1
		done
	done
	rdvm_report "$bad"
}

# One pair: run it, add its row, check the cleanup.
rdvm_run_one()
{
	local a=$1 b=$2 csv=$RDVM_CSV t0 out row

	t0=$SECONDS
	out=$LAB_TMP/pair.out
	rdvm_pair "$a" "$b" "$RDVM_LOGS" >"$out" 2>&1 &
	RDVM_CUR=$!
	wait "$RDVM_CUR"
	RDVM_CUR=
	row=$(sed -n 's/^ROW //p' "$out" | tail -n 1)
	if [ -z "$row" ]; then
		tail -n 20 "$out" >&2
		row="$a,$b,$(rdvm_expect "$a" "$b"),error,-,-,-,-,-,-,-,-,no,"
		row="${row}lab error"
	fi
	echo "$row" >>"$csv"
	echo "pair $a -> $b: $(echo "$row" | cut -d, -f3-4,13)" \
	    "($((SECONDS - t0)) s)"
	if [ -n "$(rdvm_leftovers)" ]; then
		echo "FAIL: namespaces left after $a -> $b:" \
		    $(rdvm_leftovers) >&2
		lab_down_all "$LAB_PREFIX" >/dev/null
		return 1
	fi
	[ "$(echo "$row" | cut -d, -f13)" != no ]
}

rdvm_report()
{
	local csv=$RDVM_CSV start=$RDVM_START bad=$1 txt

	txt=${csv%.csv}.txt
	{
		rdvm_table "$csv"
		echo
		awk -F, 'NR > 1 { n++; m[$13]++; c[$4]++ }
		END {
			printf "%d pairs: %d connected, %d match theory, " \
			    "%d better, %d mismatch\n", n, c["yes"],
			    m["yes"], m["better"], m["no"]
		}' "$csv"
		[ "$RDVM_NOTUN" = 1 ] &&
		    echo "(UDP into claw0 dropped in the hosts: workaround)"
		echo "matrix done in $((SECONDS - start)) s"
	} >"$txt"
	cat "$txt"
	echo "csv: $csv"
	rdvm_picture "$csv" || bad=1
	[ "$bad" = 0 ]
}

# The matrix as a PNG beside the CSV, when gnuplot is there.
rdvm_picture()
{
	local dir

	dir=$(dirname "$1")
	if ! command -v gnuplot >/dev/null 2>&1; then
		echo "gnuplot not found: no picture (apt-get install" \
		    "gnuplot-nox)"
		return 0
	fi
	python3 "$LAB_DIR/matrix-report.py" "$1" &&
	    (cd "$dir" && gnuplot "$LAB_DIR/matrix-plot.gp") &&
	    echo "picture: $dir/rdv-matrix.png" && return 0
	echo "FAIL: no picture of the matrix" >&2
	return 1
}

# Sourced by rdv_matrix_ci.sh: only the functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	rdvm_main "$@"
	exit $?
fi
