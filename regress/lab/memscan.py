#!/usr/bin/env python3
# memscan.py: which secrets does a process hold?  The one memory
# scanner of the key isolation tests (regress/lab/keymem.sh,
# regress/mega/drop_keymem.sh).
#
#   memscan.py PID LABEL=HEX...
#
# Reads every readable mapping of PID through /proc/PID/mem (root, or
# ptrace rights) and searches it for each needle, given in hex so that
# no secret is on a command line as itself (the scanner must not find
# its own arguments, nor put the bytes into another process).  Prints
#
#   found LABEL in MAPPING[, MAPPING...]	per needle seen (at most 4
#						mappings; anonymous ones
#						as anon@ADDRESS)
#   skipped MAPPING (N MB)			mappings over 1 GB
#   read N bytes				last
#
# Exit 0 when memory could be read (N > 0), 2 when it could not, 1 on
# bad usage.  The caller decides which finds are failures, and should
# have a positive control (a process that must hold a needle) so that
# a scan that finds nothing is known to be able to find something.

import sys

CHUNK = 1 << 20
# Larger mappings are sanitizer shadow memory or V8 reservations that
# are mostly unbacked; they hold no program data worth the time.
HUGE = 1 << 30


def mappings(pid):
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.split()
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            name = parts[5] if len(parts) > 5 else "anon@%x" % lo
            if parts[1][0] != "r" or name in ("[vvar]", "[vsyscall]"):
                continue
            yield lo, hi, name


def usage(why):
    print("memscan.py: %s" % why, file=sys.stderr)
    print("usage: memscan.py PID LABEL=HEX...", file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) < 3:
        usage("too few arguments")
    try:
        pid = int(sys.argv[1])
    except ValueError:
        usage("not a pid: %s" % sys.argv[1])
    needles = {}
    for a in sys.argv[2:]:
        label, sep, hexed = a.partition("=")
        try:
            needles[label] = bytes.fromhex(hexed)
        except ValueError:
            needles[label] = b""
        if not sep or not label or not needles[label]:
            usage("not LABEL=HEX with a non-empty HEX: %s" % a)
    # Overlap chunks so a needle across a chunk boundary is seen.
    keep = max(len(n) for n in needles.values()) - 1
    found = {}
    total = 0
    try:
        mem = open("/proc/%d/mem" % pid, "rb", 0)
        maps = list(mappings(pid))
    except OSError as e:
        print("cannot read pid %d: %s" % (pid, e))
        sys.exit(2)
    with mem:
        for lo, hi, name in maps:
            if hi - lo > HUGE:
                print("skipped %s (%d MB)" % (name, (hi - lo) >> 20))
                continue
            tail = b""
            for off in range(lo, hi, CHUNK):
                try:
                    mem.seek(off)
                    data = mem.read(min(CHUNK, hi - off))
                except (OSError, ValueError, OverflowError):
                    tail = b""
                    continue
                total += len(data)
                data = tail + data
                tail = data[-keep:] if keep > 0 else b""
                for label, n in needles.items():
                    if n in data:
                        found.setdefault(label, set()).add(name)
    for label in sorted(found):
        print("found %s in %s" % (label, ", ".join(sorted(found[label])[:4])))
    print("read %d bytes" % total)
    sys.exit(0 if total > 0 else 2)


if __name__ == "__main__":
    main()
