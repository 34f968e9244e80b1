#!/bin/bash
# deps.sh: install the Debian 12 packages that clawd's build and tests
# need, the npm packages the tests pin (regress/npm.sh), and the system
# setup the daemon expects (the _clawd user and the empty chroot
# /var/empty).  Safe to run again: it installs only what is missing.
#
# Every tool a test looks for is in the list below; a test that skips
# on Debian 12 as root for want of a tool is a bug here (check.sh fails
# on such a skip).  Node.js: the machine's own when it has one (18 or
# newer), else Debian's nodejs and npm.
set -eu

PKGS="
	build-essential gcc libc6-dev binutils make autoconf automake libtool
	pkg-config bison
	libssl-dev libcurl4-openssl-dev libevent-dev libseccomp-dev
	libbsd-dev libjansson-dev
	mandoc
	coturn nftables iproute2 iputils-ping conntrack procps
	python3 python3-cryptography wireguard-tools wireguard-go libsodium-dev
	iperf3 gnuplot-nox jq curl openssl
	debhelper lintian dpkg-dev fakeroot debootstrap systemd systemd-container
	clang libclang-rt-14-dev
	ca-certificates
"

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: must run as root" >&2
	exit 1
fi

missing=
for p in $PKGS; do
	if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	# Recommends would pull in services and kernels the lab does not
	# want.
	apt-get install -y --no-install-recommends $missing </dev/null
else
	echo "all packages present"
fi

# The MEGA reference tools (megajs, mega-mock), hpke-js and the
# emulator need Node.js and npm; a machine that has them from elsewhere
# keeps them.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "installing: nodejs npm"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y --no-install-recommends nodejs npm </dev/null
fi
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
case $node_major in
''|*[!0-9]*)
	echo "deps.sh: node does not run" >&2
	exit 1 ;;
esac
if [ "$node_major" -lt 18 ]; then
	echo "deps.sh: Node.js $(node --version) is too old;" \
	    "18 (Debian 12's) or newer is needed" >&2
	exit 1
fi
echo "Node.js $(node --version), npm $(npm --version)"
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/regress/npm.sh" "$top/regress/mega" "$top/regress/unit/hpke-js"
echo "npm packages present"

if ! getent passwd _clawd >/dev/null; then
	useradd --system --no-create-home --home-dir /var/empty \
	    --shell /usr/sbin/nologin _clawd
	echo "created user _clawd"
fi
mkdir -p /var/empty
chown root:root /var/empty
chmod 755 /var/empty
echo "deps.sh: done"
