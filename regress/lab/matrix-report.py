#!/usr/bin/env python3
"""matrix-report.py: the output of clawlab matrix.

    matrix-report.py row            one result (JSON on stdin): a line
    matrix-report.py report DIR     all results (JSON lines on stdin):
                                    the table on stdout and in
                                    DIR/matrix.txt, DIR/matrix.csv, and
                                    DIR/matrix.dat + DIR/matrix-tics.gp
                                    for matrix-plot.gp

A result: {"a": profile, "b": profile, "pub_a": ip, "pub_b": ip,
"r": labtool pairwait output or null}.
"""

import csv
import json
import os
import sys

NOT_YET = "n/a (no connection establishment yet)"


def sides(res):
    r = res.get("r") or {}
    s = r.get("sides") or [{}, {}]
    return s[0], s[1]


def kind(side):
    """EIM or APDM as clawd saw it (same port at both servers or not)."""
    if not side.get("mapped"):
        return "-"
    return {True: "EIM", False: "APDM"}.get(side.get("same_port"), "?")


def cell(side):
    if not side.get("mapped"):
        return "not mapped"
    addrs = side.get("addresses") or []
    ip = addrs[0].rpartition(":")[0] if addrs else "?"
    ports = []
    for a in addrs:
        p = a.rpartition(":")[2]
        if p not in ports:
            ports.append(p)
    return "%s %s:%s" % (kind(side), ip, ",".join(ports))


def seconds(res):
    t = (res.get("r") or {}).get("seconds")
    return "%.2f" % t if t is not None else "-"


def row_line(res):
    a, b = sides(res)
    return "%-13s %-13s %-30s %-30s %7s  %s" % (
        res["a"], res["b"], cell(a), cell(b), seconds(res), NOT_YET)


HEADER = "%-13s %-13s %-30s %-30s %7s  %s" % (
    "A (host1)", "B (host2)", "A: STUN mapping", "B: STUN mapping",
    "both s", "connected")


def report(outdir, results):
    names = []
    for res in results:
        for p in (res["a"], res["b"]):
            if p not in names:
                names.append(p)
    lines = [
        "clawlab matrix: STUN discovery only; connected, path kind, time",
        "to the first tunnel packet and MEGA requests are n/a until clawd",
        "establishes connections.  EIM: both STUN servers saw one mapped",
        "port; APDM: each saw another.  both s: seconds from starting the",
        "two clawds until both had both servers' mappings.",
        "",
        HEADER,
        "-" * len(HEADER),
    ]
    lines += [row_line(res) for res in results]
    ok = sum(1 for res in results
             if all(s.get("mapped") for s in sides(res)))
    lines += ["", "%d of %d pairs: both sides mapped" % (ok, len(results))]
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(outdir, "matrix.txt"), "w") as f:
        f.write(text)

    with open(os.path.join(outdir, "matrix.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["profile_a", "profile_b", "connected", "path",
                    "first_packet_s", "mega_requests",
                    "a_mapped", "a_public", "a_mapped_1", "a_mapped_2",
                    "a_same_port", "a_kind",
                    "b_mapped", "b_public", "b_mapped_1", "b_mapped_2",
                    "b_same_port", "b_kind", "both_mapped_s"])
        for res in results:
            row = [res["a"], res["b"], NOT_YET, "n/a", "n/a", "n/a"]
            for s, pub in zip(sides(res), (res["pub_a"], res["pub_b"])):
                addrs = (s.get("addresses") or []) + ["", ""]
                row += ["yes" if s.get("mapped") else "no", pub,
                        addrs[0], addrs[1],
                        {True: "yes", False: "no"}.get(s.get("same_port"),
                                                       ""),
                        kind(s)]
            row.append(seconds(res).replace("-", ""))
            w.writerow(row)

    # For gnuplot: x = B, y = A, value = seconds (-1: not mapped).
    with open(os.path.join(outdir, "matrix.dat"), "w") as f:
        for res in results:
            a, b = sides(res)
            t = (res.get("r") or {}).get("seconds")
            label = "%s/%s\\n%s" % (kind(a), kind(b),
                                    "%.2fs" % t if t is not None
                                    else "FAIL")
            f.write('%d %d %s "%s"\n' % (
                names.index(res["b"]), names.index(res["a"]),
                "%.3f" % t if t is not None else "-1", label))
    tics = ", ".join('"%s" %d' % (n, i) for i, n in enumerate(names))
    with open(os.path.join(outdir, "matrix-tics.gp"), "w") as f:
        f.write("set xtics (%s) rotate by 30 right\n" % tics)
        f.write("set ytics (%s)\n" % tics)
        f.write("set xrange [-0.5:%g]\nset yrange [%g:-0.5]\n" %
                (len(names) - 0.5, len(names) - 0.5))
    print("table: %s/matrix.txt, CSV: %s/matrix.csv" % (outdir, outdir))
    return 0


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "row":
        print(row_line(json.loads(sys.stdin.read())), flush=True)
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "report":
        return report(sys.argv[2],
                      [json.loads(l) for l in sys.stdin if l.strip()])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
