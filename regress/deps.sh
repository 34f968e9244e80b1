#!/bin/bash
# deps.sh: install the Debian 12 packages that clawd's build and tests
# need, and the system setup the daemon expects (the _clawd user and the
# empty chroot /var/empty).  Safe to run again: it installs only what is
# missing.
set -eu

PKGS="
	gcc libc6-dev make autoconf automake libtool pkg-config bison
	libssl-dev libcurl4-openssl-dev libevent-dev libseccomp-dev
	libbsd-dev libjansson-dev
	mandoc
	coturn nftables iproute2 iputils-ping conntrack procps
	python3 python3-cryptography wireguard-tools wireguard-go libsodium-dev
	iperf3 gnuplot-nox jq
	debhelper lintian dpkg-dev fakeroot debootstrap systemd-container
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

# The MEGA reference tools (megajs, mega-mock) and the emulator need
# Node.js and npm; a machine that has them from elsewhere keeps them.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "installing: nodejs npm"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y --no-install-recommends nodejs npm </dev/null
fi

if ! getent passwd _clawd >/dev/null; then
	useradd --system --no-create-home --home-dir /var/empty \
	    --shell /usr/sbin/nologin _clawd
	echo "created user _clawd"
fi
mkdir -p /var/empty
chown root:root /var/empty
chmod 755 /var/empty
echo "deps.sh: done"
