#!/bin/bash
# Run the MEGA emulator tests: megajs against the emulator (HTTP and
# HTTPS, faults) and against mega-mock.  Exit 0 pass, 1 fail, 77 skip.
set -u

here=$(cd "$(dirname "$0")" && pwd)
cd "$here" || exit 1

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1
then
	echo "skip: node or npm not installed"
	exit 77
fi
if ! sh ../npm.sh "$here"; then
	echo "skip: the npm packages of regress/mega cannot be installed"
	exit 77
fi

tmp=$(mktemp -d /tmp/mega-regress.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! ./mkca.sh "$tmp/ca"; then
	echo "not ok 1 - mkca.sh"
	echo "0 passed, 1 failed"
	exit 1
fi

NODE_EXTRA_CA_CERTS="$tmp/ca/ca.pem" node test-megajs.js "$tmp/ca"
