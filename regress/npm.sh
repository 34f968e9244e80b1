#!/bin/sh
# npm.sh DIR...: install the npm packages a test directory pins in its
# package-lock.json ("npm ci"), unless the same lock file is already
# installed there.  deps.sh runs it for every such directory; the tests
# run it again only when node_modules is missing or stale.  Each
# directory is locked while it is checked and installed (flock on the
# directory), so that tests started together by "make -j2 check" never
# install into the same node_modules at once: "npm ci" first deletes
# node_modules, and a test that was already running would lose its
# packages under it.
#
# A stamp (node_modules/.clawd-lock, a copy of package-lock.json) says
# what was installed.  Exit 0 when the packages are there, 1 with the
# reason on standard error when they cannot be installed.
set -u

if [ $# -eq 0 ]; then
	echo "usage: npm.sh DIR..." >&2
	exit 1
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1
then
	echo "npm.sh: node or npm not installed (run regress/deps.sh)" >&2
	exit 1
fi

for dir in "$@"; do
	if [ ! -f "$dir/package-lock.json" ]; then
		echo "npm.sh: no package-lock.json in $dir" >&2
		exit 1
	fi
	# The lock is held by the subshell's descriptor 9, released when
	# it exits; ten minutes at most for another installer to finish.
	(
		flock -w 600 9 || {
			echo "npm.sh: $dir stayed locked for 600 s" >&2
			exit 1
		}
		if cmp -s "$dir/package-lock.json" \
		    "$dir/node_modules/.clawd-lock"; then
			exit 0
		fi
		log=$(mktemp /tmp/clawd-npm.XXXXXX) || exit 1
		if ! (cd "$dir" && npm ci --no-audit --no-fund) >"$log" 2>&1
		then
			tail -n 20 "$log" >&2
			rm -f "$log"
			echo "npm.sh: npm ci failed in $dir (no registry?)" >&2
			exit 1
		fi
		rm -f "$log"
		cp "$dir/package-lock.json" "$dir/node_modules/.clawd-lock"
	) 9<"$dir" || exit 1
done
exit 0
