# debroot.sh: minimal Debian roots for the tests that need a machine of
# their own (systemd_boot.sh, fresh.sh).  Source it from bash.
#
#	debroot_mirror SUITE	the archive this machine's apt uses for
#				SUITE (deb822 sources first, then
#				sources.list; deb.debian.org if none)
#	debroot_make DIR SUITE MIRROR INCLUDE CACHE LOG
#				debootstrap --variant=minbase into DIR
#				(INCLUDE: comma-separated extra
#				packages, or empty), or unpack the
#				tarball CACHE keeps for the same
#				arguments; CACHE empty: no cache.
#				The debootstrap output goes to LOG.
#				Returns 1 if debootstrap failed.

debroot_mirror()
{
	local suite=$1 m

	m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v s="$suite" '
		function flush() {
			if (!done && deb && suite && uri != "") {
				print uri
				done = 1
			}
			uri = ""; deb = suite = 0
		}
		/^[ \t]*$/ { flush(); next }
		$1 == "Types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
		$1 == "URIs:" { uri = $2 }
		$1 == "Suites:" { for (i = 2; i <= NF; i++) if ($i == s) suite = 1 }
		END { flush() }')
	if [ -z "$m" ]; then
		m=$(awk -v s="$suite" '$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) while ($i !~ /\]$/) i++
			if ($i ~ /^\[/) i++
			if ($(i + 1) == s) { print $i; exit }
		}' /etc/apt/sources.list 2>/dev/null)
	fi
	echo "${m:-http://deb.debian.org/debian}"
}

debroot_make()
{
	local dir=$1 suite=$2 url=$3 include=$4 cache=$5 log=$6
	local key tarball t0

	key=$(echo "$suite $url $include" | sha256sum | cut -c 1-12)
	tarball=${cache:+$cache/$suite-minbase-$key.tar}
	mkdir -p "$dir" || return 1
	if [ -n "$tarball" ] && [ -f "$tarball" ]; then
		tar -C "$dir" --numeric-owner --xattrs --xattrs-include='*' \
		    -xpf "$tarball" || return 1
		echo "ok: root from $tarball"
		return 0
	fi
	echo "=== debootstrap --variant=minbase $suite ($url)"
	[ -n "$include" ] && echo "    --include=$include"
	t0=$(date +%s)
	if ! debootstrap --variant=minbase ${include:+--include="$include"} \
	    "$suite" "$dir" "$url" >"$log" 2>&1; then
		tail -n 20 "$log"
		return 1
	fi
	echo "ok: debootstrap in $(($(date +%s) - t0)) s"
	if [ -n "$tarball" ]; then
		mkdir -p "$cache" &&
		    tar -C "$dir" --numeric-owner --xattrs \
		    --xattrs-include='*' -cf "$tarball.tmp" . &&
		    mv "$tarball.tmp" "$tarball" && echo "ok: cached as $tarball"
	fi
	return 0
}
