#!/usr/bin/env python3
# memsearch.py: which secrets does a process hold?  For drop_keymem.sh.
#
#   memsearch.py PID LABEL=HEX...
#
# Reads every readable mapping of PID through /proc/PID/mem (root, or
# ptrace rights) and prints "found LABEL in MAPPING" for each needle
# seen, then "read N bytes".  Exit 0 when the memory could be read, 2
# when it could not; the caller decides which finds are failures.

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


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: memsearch.py PID LABEL=HEX...")
    pid = int(sys.argv[1])
    needles = {}
    for a in sys.argv[2:]:
        label, hexed = a.split("=", 1)
        needles[label] = bytes.fromhex(hexed)
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
