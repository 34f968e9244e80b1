#!/usr/bin/env python3
# keymem.py: where do the secrets live in memory?  For keymem.sh.
#
#   keymem.py KEYFILE PSKFILE name=pid...
#
# Reads every readable mapping of each process through /proc/PID/mem
# and searches it for the 32 raw bytes of the private key, its base64
# text, and the pre-shared key raw and in base64.  The crypto process
# must hold the raw private key and psk (which proves the search
# works); no other process may hold any of the four.  Exit 0 if so.

import base64
import sys

failed = False


def check(cond, what):
    global failed
    print(("ok:   " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failed = True


def regions(pid):
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.split()
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            name = parts[5] if len(parts) > 5 else ""
            if parts[1][0] != "r" or name in ("[vvar]", "[vsyscall]"):
                continue
            yield lo, hi, name


CHUNK = 1 << 20
# Larger mappings are sanitizer shadow memory (terabytes, unbacked):
# metadata, not program data.
HUGE = 1 << 30


def search(pid, needles):
    """The names of the needles found, with where; the bytes read."""
    found, total = {}, 0
    keep = max(len(n) for n in needles.values()) - 1
    with open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for lo, hi, name in regions(pid):
            if hi - lo > HUGE:
                print("info: pid %d: skipped %d MB mapping at %#x"
                      % (pid, (hi - lo) >> 20, lo))
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
                tail = data[-keep:]
                for what, needle in needles.items():
                    if needle in data:
                        found.setdefault(what, []).append(
                            name or hex(lo))
    return found, total


def readkey(path):
    with open(path) as f:
        text = f.read().strip()
    raw = base64.b64decode(text)
    if len(raw) != 32:
        sys.exit("%s: not a 32-byte key" % path)
    return text.encode(), raw


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: keymem.py KEYFILE PSKFILE name=pid...")
    ktext, kraw = readkey(sys.argv[1])
    ptext, praw = readkey(sys.argv[2])
    needles = {"private key (raw)": kraw, "private key (base64)": ktext,
               "psk (raw)": praw, "psk (base64)": ptext}
    procs = dict(a.split("=", 1) for a in sys.argv[3:])
    for name in ("parent", "crypto", "signaler", "netengine"):
        check(name in procs, "process %s is known" % name)
    for name, pid in sorted(procs.items()):
        try:
            found, total = search(int(pid), needles)
        except OSError as e:
            check(False, "%s (pid %s): cannot read memory: %s"
                  % (name, pid, e))
            continue
        w = "%s (pid %s, %d bytes read): " % (name, pid, total)
        check(total > 0, w + "memory readable")
        if name == "crypto":
            check("private key (raw)" in found, w + "holds the private key")
            check("psk (raw)" in found, w + "holds the psk")
            for what in ("private key (base64)", "psk (base64)"):
                print("info: %s%s %s" % (w, what, "found in %s"
                      % found[what] if what in found else "not found"))
        else:
            for what in needles:
                check(what not in found, w + "no %s%s" % (what, (
                    " (found in %s)" % ", ".join(found[what][:4]))
                    if what in found else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
