#!/bin/sh
# Make a throw-away test CA and server certificates for the MEGA emulator.
#
# usage: mkca.sh DIR
#
# DIR/ca.pem          test CA certificate (give it to clients as trust root)
# DIR/server.pem/.key server certificate for 127.0.0.1, ::1 and localhost,
#                     signed by the test CA
# DIR/rogue.pem/.key  self-signed certificate for the same names, not signed
#                     by the test CA: clients must refuse it
set -eu

if [ $# -ne 1 ]; then
	echo "usage: mkca.sh DIR" >&2
	exit 2
fi
dir=$1
mkdir -p "$dir"
cd "$dir"
umask 077

san="subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -sha256 \
    -subj "/CN=clawd test CA" -keyout ca.key -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" \
    -keyout server.key -out server.csr 2>/dev/null
printf '%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    "$san" >server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
    -CAcreateserial -days 2 -sha256 -extfile server.ext \
    -out server.pem 2>/dev/null

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -sha256 \
    -subj "/CN=localhost" -keyout rogue.key -out rogue.pem \
    -addext "$san" 2>/dev/null

rm -f server.csr server.ext ca.srl
chmod 644 ca.pem server.pem rogue.pem
