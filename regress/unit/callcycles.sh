#!/bin/sh
#
# No call cycles between the files of a process: within each library
# of the build (one per process directory, and common/'s), the files
# must be layered so that a file never calls, directly or through
# others, a file that calls it.  A lower layer that has to tell a
# higher one something does it through a callback the higher one
# registered, not by a call up.
#
# Method: nm on the archive's members.  An object's defined globals
# are its T, D, B and R symbols (code and data), its calls and uses
# the U ones.  There is an edge A -> B between two members when A has
# an undefined symbol that B defines.  The strongly connected
# components of that graph with more than one file are the cycles;
# each is printed with its files and, for every edge inside it, one
# or two of the symbols that make it.
#
# Automake names the objects after the library when it has its own
# flags (netengine/libnetengine_a-rdv.o): the prefix is dropped and the
# source file's name printed (rdv.c).
#
# ALLOW below lists the cycles not yet removed, so that the check can
# land now and tighten later: a library passes if every one of its
# components has its files within one allowed set.  Shrink the sets as
# the cycles go; an allowed set that no longer matches anything is
# reported (as a comment) so that it can be deleted.

set -u

if [ -z "${top_srcdir:-}" ] || [ -z "${top_builddir:-}" ]; then
	echo "top_srcdir and top_builddir must be set (make check does)" >&2
	exit 1
fi
NM=${NM:-nm}
PYTHON=${PYTHON:-python3}
libs="libnetengine.a libsignaler.a libcryptoproc.a libparent.a libcommon.a"

# One line per allowed component, "library: file file ...", e.g.
# "libsignaler.a: drop.c mega.c megaq.c" (removed since).  Empty: no
# library may have a cycle.
ALLOW='
'

. "$top_srcdir/regress/unit/tap.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# The SCCs of one library's nm output (given as a file): prints
# "cycle" blocks, "stale" lines for allowed sets that match nothing,
# and exits 1 if a component is outside the allow-list.
cat >"$tmp/scc.py" <<'EOF'
import re, sys

lib, nmout, allowtext = sys.argv[1], sys.argv[2], sys.argv[3]
defs, undefs, order = {}, {}, []
cur = None
for line in open(nmout):
	line = line.rstrip("\n")
	m = re.match(r"^(.*\.o):$", line)
	if m:
		name = re.sub(r"^lib[A-Za-z0-9_]+_a-", "", m.group(1))
		cur = re.sub(r"\.o$", ".c", name)
		order.append(cur)
		defs.setdefault(cur, set())
		undefs.setdefault(cur, set())
		continue
	f = line.split()
	if cur is None or len(f) < 2:
		continue
	if f[0] == "U" and len(f) == 2:
		undefs[cur].add(f[1])
	elif len(f) == 3 and f[1] in "TDBRGS":
		defs[cur].add(f[2])

owner = {}
for o in order:
	for s in defs[o]:
		owner.setdefault(s, o)
edges = {o: {} for o in order}
for a in order:
	for s in sorted(undefs[a]):
		b = owner.get(s)
		if b is not None and b != a:
			edges[a].setdefault(b, []).append(s)

# Tarjan's algorithm, iterative (no recursion limit to mind).
index, low, onstack, stack, sccs = {}, {}, set(), [], []
counter = [0]
def strong(v):
	work = [(v, iter(sorted(edges[v])))]
	index[v] = low[v] = counter[0]; counter[0] += 1
	stack.append(v); onstack.add(v)
	while work:
		node, it = work[-1]
		for w in it:
			if w not in index:
				index[w] = low[w] = counter[0]; counter[0] += 1
				stack.append(w); onstack.add(w)
				work.append((w, iter(sorted(edges[w]))))
				break
			elif w in onstack:
				low[node] = min(low[node], index[w])
		else:
			work.pop()
			if work:
				up = work[-1][0]
				low[up] = min(low[up], low[node])
			if low[node] == index[node]:
				comp = []
				while True:
					w = stack.pop(); onstack.discard(w)
					comp.append(w)
					if w == node:
						break
				if len(comp) > 1:
					sccs.append(sorted(comp))
for v in order:
	if v not in index:
		strong(v)

allowed = []
for line in allowtext.splitlines():
	line = line.strip()
	if not line or line.startswith("#"):
		continue
	l, _, files = line.partition(":")
	if l.strip() == lib:
		allowed.append(set(files.split()))

bad = 0
used = set()
for comp in sccs:
	hit = [i for i, a in enumerate(allowed) if set(comp) <= a]
	used.update(hit)
	tag = "allowed" if hit else "CYCLE"
	if not hit:
		bad = 1
	print("# %s %s: %s" % (lib, tag, " ".join(comp)))
	for a in comp:
		for b in sorted(edges[a]):
			if b in comp:
				print("#   %s -> %s (%s)" % (a, b,
				    ", ".join(edges[a][b][:2])))
for i, a in enumerate(allowed):
	if i not in used:
		print("# %s: allowed set no longer a cycle, remove it: %s" %
		    (lib, " ".join(sorted(a))))
sys.exit(bad)
EOF

for lib in $libs; do
	a=$top_builddir/$lib
	if [ ! -f "$a" ]; then
		notok "$lib: not built"
		continue
	fi
	if ! "$NM" "$a" >"$tmp/nm" 2>"$tmp/err" || ! grep -q '\.o:$' "$tmp/nm"
	then
		cat "$tmp/err"
		notok "$lib: nm failed"
		continue
	fi
	if "$PYTHON" "$tmp/scc.py" "$lib" "$tmp/nm" "$ALLOW" >"$tmp/out"; then
		cat "$tmp/out"
		if grep -q ' allowed: ' "$tmp/out"; then
			ok "$lib: no call cycles outside the allow-list"
		else
			ok "$lib: no call cycles"
		fi
	else
		cat "$tmp/out"
		notok "$lib: call cycles between its files"
	fi
done

echo "1..$n"
[ "$fail" -eq 0 ]
