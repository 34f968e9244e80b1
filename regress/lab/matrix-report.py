#!/usr/bin/env python3
"""matrix-report.py: the connection matrix as gnuplot data.

    matrix-report.py CSV    from rdv_matrix.sh's rdv-matrix.csv, write
                            matrix.dat and matrix-tics.gp beside it for
                            matrix-plot.gp

A cell of matrix.dat: x = B's profile, y = A's, the seconds until both
directions pinged (-1: not connected both ways), and a label: the
path on each side (D direct, R relayed) and the time, or what failed.
"""

import csv
import os
import sys

KIND = {"direct": "D", "relayed": "R"}


def label(r):
    paths = "%s/%s" % (KIND.get(r["path_a"], "-"), KIND.get(r["path_b"], "-"))
    if r["connected"] != "yes":
        return "%s\\n%s" % (paths, r["connected"])
    t = max(float(r["ping_ab_s"]), float(r["ping_ba_s"]))
    mark = "" if r["match"] == "yes" else " (%s)" % r["match"]
    return "%s\\n%.1fs%s" % (paths, t, mark)


def seconds(r):
    if r["connected"] != "yes":
        return -1.0
    return max(float(r["ping_ab_s"]), float(r["ping_ba_s"]))


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    path = sys.argv[1]
    outdir = os.path.dirname(path) or "."
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    names = []
    for r in rows:
        for p in (r["profile_a"], r["profile_b"]):
            if p not in names:
                names.append(p)
    with open(os.path.join(outdir, "matrix.dat"), "w") as f:
        for r in rows:
            f.write('%d %d %.2f "%s"\n' % (
                names.index(r["profile_b"]), names.index(r["profile_a"]),
                seconds(r), label(r)))
    tics = ", ".join('"%s" %d' % (n, i) for i, n in enumerate(names))
    with open(os.path.join(outdir, "matrix-tics.gp"), "w") as f:
        f.write("set xtics (%s) rotate by 30 right\n" % tics)
        f.write("set ytics (%s)\n" % tics)
        f.write("set xrange [-0.5:%g]\nset yrange [%g:-0.5]\n" %
                (len(names) - 0.5, len(names) - 0.5))
    return 0


if __name__ == "__main__":
    sys.exit(main())
