# skips.sh: which skips regress/check.sh lets pass.  Source it from
# bash.
#
#	skip_allowed TEST REASON [FILE]
#		does FILE (regress/skips.allow) name TEST with a regular
#		expression that REASON matches?
#	skip_reference	is this the reference platform (Debian 12, as
#		root), where any other skip fails the suite?

skip_allowed()
{
	local test=$1 reason=$2 file=$3 t re

	[ -n "$file" ] || file=$(dirname "${BASH_SOURCE[0]}")/skips.allow

	while read -r t re; do
		case $t in ''|'#'*) continue ;; esac
		[ "$t" = "$test" ] || continue
		printf '%s\n' "$reason" | grep -Eq -- "$re" && return 0
	done <"$file"
	return 1
}

skip_reference()
{
	[ "$(id -u)" -eq 0 ] && [ -r /etc/os-release ] &&
	    (. /etc/os-release && [ "$ID" = debian ] &&
	    [ "${VERSION_ID%%.*}" = 12 ])
}
