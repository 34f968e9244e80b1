#!/bin/bash
# matrix.sh: a small clawlab matrix (none, prc, sym: 9 ordered pairs).
# Until clawd establishes connections it checks STUN discovery: both
# clawds of every pair are mapped to their site's public address, one
# mapped port for both servers behind none and prc (EIM), two behind
# sym (APDM); the table, the CSV and (with gnuplot) the PNG are made.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh" || exit 99

lab_require_root
lab_require_tools ip nft turnserver conntrack python3
lab_find_clawd
lab_init

out=$LAB_TMP/matrix
"$LAB_DIR/clawlab" matrix -o "$out" none prc sym ||
    lab_fail "clawlab matrix exited $?"
[ -s "$out/matrix.txt" ] && lab_ok "table written" ||
    lab_fail "no matrix.txt"
if command -v gnuplot >/dev/null 2>&1; then
	[ -s "$out/matrix.png" ] && lab_ok "picture written" ||
	    lab_fail "no matrix.png"
fi
python3 - "$out/matrix.csv" <<'PY' || LAB_FAILED=1
import csv, sys

want = {"none": "EIM", "prc": "EIM", "sym": "APDM"}
rows = list(csv.DictReader(open(sys.argv[1])))
failed = len(rows) != 9
print(("ok:   " if not failed else "FAIL: ") + "%d pairs" % len(rows))
for r in rows:
    for s, p in (("a", r["profile_a"]), ("b", r["profile_b"])):
        what = "%s -> %s, side %s (%s)" % (r["profile_a"], r["profile_b"],
                                           s, p)
        pub = r[s + "_public"]
        good = (r[s + "_mapped"] == "yes" and
                r[s + "_mapped_1"].startswith(pub + ":") and
                r[s + "_mapped_2"].startswith(pub + ":") and
                r[s + "_kind"] == want[p])
        print("%s%s: %s %s %s" % ("ok:   " if good else "FAIL: ", what,
              r[s + "_kind"], r[s + "_mapped_1"], r[s + "_mapped_2"]))
        failed |= not good
    if not r["connected"].startswith("n/a"):
        print("FAIL: connected column: %s" % r["connected"])
        failed = True
sys.exit(1 if failed else 0)
PY
exit "$LAB_FAILED"
