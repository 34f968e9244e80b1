#!/bin/bash
# rdv_matrix_ci.sh: the CI subset of the connection matrix (about
# 2 min): six ordered pairs (host1 offers, host2 answers)
#
#	prc -> prc	cone to cone, both holes at the advertised ports
#	fc -> sym	full cone against random symmetric (peer-reflexive)
#	prc -> seq	sequential symmetric found by port prediction
#	rc -> sym	address-restricted cone lets the new random port in
#	sym -> prc	random symmetric against port-restricted: the
#			many-probe technique (netengine/spray.c)
#	sym -> sym	random symmetric on both sides: the TURN relay
#
# Fails if a pair that theory says connects directly does not, or if
# the relay-only pair does not connect through the relay, or if the
# table, CSV or picture is missing.  The rule is in rdv_matrix.sh; the
# output goes to $LAB_TMP/rdv-matrix (LAB_KEEP=1 keeps it) or to
# RDV_MATRIX_OUT.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/rdv_matrix.sh" || exit 99
lab_require_tools gnuplot

RDVM_OUT=${RDV_MATRIX_OUT:-}
RDVM_OUT_TMP=1
rdvm_setup
for pair in prc:prc fc:sym prc:seq rc:sym sym:prc sym:sym; do
	a=${pair%%:*} b=${pair#*:}
	rdvm_run_one "$a" "$b"
	row=$(grep "^$a,$b," "$RDVM_CSV" | tail -n 1)
	ex=$(echo "$row" | cut -d, -f3)
	m=$(echo "$row" | cut -d, -f13)
	conn=$(echo "$row" | cut -d, -f4)
	if [ "$m" = yes ]; then
		if [ "$ex" = relay ]; then
			lab_ok "$a -> $b: relayed as expected ($conn)"
		else
			lab_ok "$a -> $b: direct as expected"
		fi
	else
		lab_fail "$a -> $b: expected $ex, got $conn" \
		    "($(echo "$row" | cut -d, -f4-14))"
		echo "--- $a -> $b host1"
		grep -v 'endpoint now' "$RDVM_LOGS/$a-$b.host1.log" | tail -n 15
		echo "--- $a -> $b host2"
		grep -v 'endpoint now' "$RDVM_LOGS/$a-$b.host2.log" | tail -n 15
	fi
done
rdvm_report 0 >/dev/null || lab_fail "the matrix report failed"
cat "${RDVM_CSV%.csv}.txt"
# What "clawlab matrix" leaves: the table, the CSV, the picture.
[ "$(grep -c . "$RDVM_CSV")" = 7 ] && lab_ok "CSV: a header and 6 rows" ||
    lab_fail "CSV: $(grep -c . "$RDVM_CSV") lines, want 7"
[ -s "${RDVM_CSV%.csv}.png" ] && lab_ok "picture written" ||
    lab_fail "no ${RDVM_CSV%.csv}.png"
[ -n "$(rdvm_leftovers)" ] && lab_fail "namespaces left: $(rdvm_leftovers)"
exit "$LAB_FAILED"
