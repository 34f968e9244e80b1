#!/usr/bin/env python3
#
# An independent WireGuard handshake (whitepaper section 5.4) for
# noise_xcheck.sh, from hashlib's BLAKE2s, hmac and the cryptography
# package's X25519 and ChaCha20-Poly1305; it shares nothing with
# crypto/noise.c or common/wgcrypto.c.  Same command line and output
# file as noise_driver:
#
#   noise_xcheck.py initiator|responder priv peer-pub psk|- seconds \
#       ephemeral|- outfile
#   noise_xcheck.py pubkey priv
#
# and, to reach a real WireGuard (wireguard-go) over UDP, which needs
# the mac1 that clawd leaves to netengine:
#
#   noise_xcheck.py wgrelay responder-pub host port
#       sends the initiation read from stdin with its mac1, writes the
#       response received to stdout
#   noise_xcheck.py wgping send recv receiver host port src dst
#       sends an ICMP echo request from src to dst through the tunnel
#       and waits for the reply

import hashlib
import hmac
import os
import socket
import struct
import sys

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import (
    Encoding, PublicFormat)

CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"
INIT_INDEX = 0x11223344
RESP_INDEX = 0x55667788


def HASH(*parts):
    return hashlib.blake2s(b"".join(parts)).digest()


def HMAC(key, data):
    return hmac.new(key, data, hashlib.blake2s).digest()


def KDF(n, key, data):
    t0 = HMAC(key, data)
    out, prev = [], b""
    for i in range(1, n + 1):
        prev = HMAC(t0, prev + bytes([i]))
        out.append(prev)
    return out


def nonce(counter):
    return b"\0" * 4 + struct.pack("<Q", counter)


def AEAD(key, counter, plain, auth):
    return ChaCha20Poly1305(key).encrypt(nonce(counter), plain, auth)


def AEAD_OPEN(key, counter, sealed, auth):
    return ChaCha20Poly1305(key).decrypt(nonce(counter), sealed, auth)


def PUB(priv):
    return X25519PrivateKey.from_private_bytes(priv).public_key() \
        .public_bytes(Encoding.Raw, PublicFormat.Raw)


def DH(priv, pub):
    # cryptography refuses an all-zero shared secret.
    return X25519PrivateKey.from_private_bytes(priv).exchange(
        X25519PublicKey.from_public_bytes(pub))


def TAI64N(sec, nsec=0):
    return struct.pack(">QI", (1 << 62) + 10 + sec, nsec)


def start(spub_r):
    c = HASH(CONSTRUCTION)
    h = HASH(c, IDENTIFIER)
    h = HASH(h, spub_r)
    return c, h


def initiator(spriv_i, spub_r, psk, sec, epriv_i, rd, wr, out):
    spub_i = PUB(spriv_i)
    c, h = start(spub_r)
    epub_i = PUB(epriv_i)
    c, = KDF(1, c, epub_i)
    h = HASH(h, epub_i)
    c, k = KDF(2, c, DH(epriv_i, spub_r))
    static = AEAD(k, 0, spub_i, h)
    h = HASH(h, static)
    c, k = KDF(2, c, DH(spriv_i, spub_r))
    ts = AEAD(k, 0, TAI64N(sec), h)
    h = HASH(h, ts)
    msg = struct.pack("<II", 1, INIT_INDEX) + epub_i + static + ts \
        + b"\0" * 32
    assert len(msg) == 148
    wr.write(msg.hex() + "\n")
    wr.flush()
    out.write("msg " + msg.hex() + "\n")

    resp = bytes.fromhex(rd.readline().strip())
    if len(resp) != 92:
        raise ValueError("response length")
    mtype, sender, receiver = struct.unpack("<III", resp[:12])
    epub_r, empty = resp[12:44], resp[44:60]
    if mtype != 2 or receiver != INIT_INDEX:
        raise ValueError("response header")
    c, = KDF(1, c, epub_r)
    h = HASH(h, epub_r)
    c, = KDF(1, c, DH(epriv_i, epub_r))
    c, = KDF(1, c, DH(spriv_i, epub_r))
    c, tau, k = KDF(3, c, psk)
    h = HASH(h, tau)
    AEAD_OPEN(k, 0, empty, h)
    h = HASH(h, empty)
    send, recv = KDF(2, c, b"")
    return send, recv, INIT_INDEX, sender


def responder(spriv_r, spub_i_expected, psk, sec, epriv_r, rd, wr, out):
    spub_r = PUB(spriv_r)
    msg = bytes.fromhex(rd.readline().strip())
    if len(msg) != 148:
        raise ValueError("initiation length")
    mtype, sender = struct.unpack("<II", msg[:8])
    epub_i, static, ts = msg[8:40], msg[40:88], msg[88:116]
    if mtype != 1:
        raise ValueError("initiation type")
    c, h = start(spub_r)
    c, = KDF(1, c, epub_i)
    h = HASH(h, epub_i)
    c, k = KDF(2, c, DH(spriv_r, epub_i))
    spub_i = AEAD_OPEN(k, 0, static, h)
    if spub_i != spub_i_expected:
        raise ValueError("unknown initiator")
    h = HASH(h, static)
    c, k = KDF(2, c, DH(spriv_r, spub_i))
    tai = AEAD_OPEN(k, 0, ts, h)
    if tai != TAI64N(sec):
        raise ValueError("timestamp")
    h = HASH(h, ts)

    epub_r = PUB(epriv_r)
    c, = KDF(1, c, epub_r)
    h = HASH(h, epub_r)
    c, = KDF(1, c, DH(epriv_r, epub_i))
    c, = KDF(1, c, DH(epriv_r, spub_i))
    c, tau, k = KDF(3, c, psk)
    h = HASH(h, tau)
    empty = AEAD(k, 0, b"", h)
    h = HASH(h, empty)
    resp = struct.pack("<III", 2, RESP_INDEX, sender) + epub_r + empty \
        + b"\0" * 32
    assert len(resp) == 92
    wr.write(resp.hex() + "\n")
    wr.flush()
    out.write("msg " + resp.hex() + "\n")
    out.write("ts " + tai.hex() + "\n")
    recv, send = KDF(2, c, b"")
    return send, recv, RESP_INDEX, sender


LABEL_MAC1 = b"mac1----"


def MAC(key, data):
    return hashlib.blake2s(data, key=key, digest_size=16).digest()


def wgrelay(spub_r, host, port):
    msg = bytearray(bytes.fromhex(sys.stdin.readline().strip()))
    if len(msg) != 148:
        raise ValueError("initiation length")
    msg[116:132] = MAC(HASH(LABEL_MAC1, spub_r), bytes(msg[:116]))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(bytes(msg), (host, port))
    while True:
        resp, _ = s.recvfrom(2048)
        if len(resp) == 92 and resp[0] == 2:
            break
    sys.stdout.write(resp.hex() + "\n")
    sys.stdout.flush()
    return 0


def cksum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff


def icmp_echo(src, dst, ident):
    body = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"clawd noise" * 3
    body = body[:2] + struct.pack("!H", cksum(body)) + body[4:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), ident, 0,
                      64, 1, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", cksum(hdr)) + hdr[12:]
    return hdr + body


def wgping(send, recv, receiver, host, port, src, dst):
    ident = os.getpid() & 0xffff
    pkt = icmp_echo(src, dst, ident)
    pkt += b"\0" * (-len(pkt) % 16)
    data = struct.pack("<IIQ", 4, receiver, 0) + AEAD(send, 0, pkt, b"")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(data, (host, port))
    while True:
        m, _ = s.recvfrom(2048)
        if len(m) < 32 or m[0] != 4:
            continue
        counter, = struct.unpack("<Q", m[8:16])
        p = AEAD_OPEN(recv, counter, m[16:], b"")
        if len(p) < 28:
            continue        # a keepalive
        if (p[9] == 1 and p[20] == 0 and
                struct.unpack("!H", p[24:26])[0] == ident and
                socket.inet_ntoa(p[12:16]) == dst):
            return 0


def key(s):
    b = bytes.fromhex(s)
    if len(b) != 32:
        raise ValueError("key length")
    return b


def main(argv):
    if len(argv) == 3 and argv[1] == "pubkey":
        print(PUB(key(argv[2])).hex())
        return 0
    if len(argv) == 5 and argv[1] == "wgrelay":
        return wgrelay(key(argv[2]), argv[3], int(argv[4]))
    if len(argv) == 9 and argv[1] == "wgping":
        return wgping(key(argv[2]), key(argv[3]), int(argv[4], 16),
                      argv[5], int(argv[6]), argv[7], argv[8])
    if len(argv) != 8 or argv[1] not in ("initiator", "responder"):
        sys.stderr.write("usage: noise_xcheck.py initiator|responder "
                         "priv peer-pub psk|- seconds ephemeral|- out\n")
        return 2
    priv, peer = key(argv[2]), key(argv[3])
    psk = b"\0" * 32 if argv[4] == "-" else key(argv[4])
    sec = int(argv[5])
    eph = os.urandom(32) if argv[6] == "-" else key(argv[6])
    role = initiator if argv[1] == "initiator" else responder
    with open(argv[7], "w") as out:
        send, recv, local, remote = role(priv, peer, psk, sec, eph,
                                         sys.stdin, sys.stdout, out)
        out.write("send " + send.hex() + "\n")
        out.write("recv " + recv.hex() + "\n")
        out.write("index %08x %08x\n" % (local, remote))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:  # any failure of the handshake is a failure
        sys.stderr.write("noise_xcheck.py: %s: %s\n" %
                         (type(e).__name__, e))
        sys.exit(1)
