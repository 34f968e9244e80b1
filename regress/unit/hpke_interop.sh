#!/bin/sh
#
# Cross-check of crypto/hpke.c (through hpke_driver) with hpke-js
# (@hpke/core and @hpke/dhkem-x25519, pinned in hpke-js/package.json):
# clawd's suite, mode_auth with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256
# and AES-256-GCM, sealed by one and opened by the other in both
# directions; see hpke_interop.mjs.  Installs the npm packages with
# regress/npm.sh when they are missing; skips (77) without node, npm or the
# registry.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
DRIVER=${HPKE_DRIVER:-${top_builddir:-.}/regress/unit/hpke_driver}
here=$top_srcdir/regress/unit
jsdir=$here/hpke-js

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1
then
	echo "skip: node or npm not installed"
	exit 77
fi
if [ ! -x "$DRIVER" ]; then
	echo "hpke_driver not found at $DRIVER" >&2
	exit 1
fi

tmp=
trap '[ -n "$tmp" ] && rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# A read-only source tree (make distcheck's, which has no node_modules)
# installs into a copy.
if [ ! -w "$jsdir" ]; then
	tmp=$(mktemp -d /tmp/hpke-interop.XXXXXX) || exit 1
	cp "$jsdir/package.json" "$jsdir/package-lock.json" "$tmp/" || exit 1
	jsdir=$tmp
fi
if ! sh "$top_srcdir/regress/npm.sh" "$jsdir"; then
	echo "skip: the npm packages of hpke-js cannot be installed"
	exit 77
fi

HPKE_JS_DIR=$jsdir node "$here/hpke_interop.mjs" "$DRIVER"
