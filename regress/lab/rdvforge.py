#!/usr/bin/env python3
"""rdvforge.py: build (and open) clawd rendezvous messages for the
attack tests, independently of clawd's code.

A sealed message is enc (32 bytes) || ciphertext: HPKE (RFC 9180) in
Auth mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, info
"clawd rendezvous v2", the message's name as the associated data.  The HPKE
steps are written here from the RFC on top of python3-cryptography's
X25519, HMAC-SHA256 and AES-GCM, so a mistake shared with clawd's C is
unlikely; "selftest" checks them against RFC 9180 A.1.3.

usage:
  rdvforge.py selftest
  rdvforge.py name [offer|response]         a fresh message name
  rdvforge.py randpub                       a random X25519 public key
  rdvforge.py seal --key SKFILE --to PUB --name NAME [--kind K]
      [--conn HEX] [--ts T] [--expiry E] [--cand IP:PORT]...
      [--token HEX] [--mapping M] [--raw]   sealed message on stdout
  rdvforge.py open --key SKFILE --from PUB --name NAME   (it on stdin)
  rdvforge.py flip|truncate                 stdin, damaged, to stdout
  rdvforge.py mirror --key SKFILE --to PUB --conn HEX --listen IP:PORT
      --answer-from IP:PORT [--wait S]
      waits for a probe request of connection HEX at --listen, then
      answers it, MAC and all (the probe key is the connection's, from
      SKFILE and PUB), but from --answer-from: a response whose
      transaction id was made for another address

Keys are WireGuard's base64: SKFILE holds a private key, PUB is a
public key or a file holding one.  --ts and --expiry are unix seconds,
or relative to now with a sign (+300, -600); the default is now and
now + 300.  The connection id defaults to the one in NAME.  --raw
writes the plaintext message instead of sealing it.
"""

import argparse
import base64
import hashlib
import hmac
import ipaddress
import os
import struct
import sys
import time

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives import serialization

INFO = b"clawd rendezvous v2"
KIND = {"offer": 1, "response": 2}
PREFIX = {1: "offer", 2: "response"}
MODE_AUTH = 2
KEM_ID = 0x0020
KDF_ID = 0x0001
AEAD = {0x0001: 16, 0x0002: 32}     # AES-128-GCM, AES-256-GCM: Nk
RAW = serialization.Encoding.Raw


# --- RFC 9180 -------------------------------------------------------

def hkdf_extract(salt, ikm):
    return hmac.new(salt if salt else b"\0" * 32, ikm,
                    hashlib.sha256).digest()


def hkdf_expand(prk, info, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:n]


def labeled_extract(suite, salt, label, ikm):
    return hkdf_extract(salt, b"HPKE-v1" + suite + label + ikm)


def labeled_expand(suite, prk, label, info, n):
    return hkdf_expand(prk, struct.pack(">H", n) + b"HPKE-v1" + suite +
                       label + info, n)


def pub_bytes(k):
    return k.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)


def auth_encap(pk_r, sk_s, sk_e):
    """DHKEM(X25519, HKDF-SHA256) AuthEncap: (shared_secret, enc)."""
    suite = b"KEM" + struct.pack(">H", KEM_ID)
    dh = sk_e.exchange(pk_r) + sk_s.exchange(pk_r)
    enc = pub_bytes(sk_e)
    pkr = pk_r.public_bytes(RAW, serialization.PublicFormat.Raw)
    ctx = enc + pkr + pub_bytes(sk_s)
    prk = labeled_extract(suite, b"", b"eae_prk", dh)
    return labeled_expand(suite, prk, b"shared_secret", ctx, 32), enc


def auth_decap(enc, sk_r, pk_s):
    suite = b"KEM" + struct.pack(">H", KEM_ID)
    pk_e = X25519PublicKey.from_public_bytes(enc)
    dh = sk_r.exchange(pk_e) + sk_r.exchange(pk_s)
    pks = pk_s.public_bytes(RAW, serialization.PublicFormat.Raw)
    ctx = enc + pub_bytes(sk_r) + pks
    prk = labeled_extract(suite, b"", b"eae_prk", dh)
    return labeled_expand(suite, prk, b"shared_secret", ctx, 32)


def key_schedule(ss, info, aead_id):
    """Auth mode (no PSK): key, base_nonce, the intermediates."""
    suite = (b"HPKE" + struct.pack(">H", KEM_ID) +
             struct.pack(">H", KDF_ID) + struct.pack(">H", aead_id))
    psk_id_hash = labeled_extract(suite, b"", b"psk_id_hash", b"")
    info_hash = labeled_extract(suite, b"", b"info_hash", info)
    ksc = bytes([MODE_AUTH]) + psk_id_hash + info_hash
    secret = labeled_extract(suite, ss, b"secret", b"")
    key = labeled_expand(suite, secret, b"key", ksc, AEAD[aead_id])
    nonce = labeled_expand(suite, secret, b"base_nonce", ksc, 12)
    return key, nonce, ksc, secret


def seal(pk_r, sk_s, aad, pt, sk_e=None):
    if sk_e is None:
        sk_e = X25519PrivateKey.generate()
    ss, enc = auth_encap(pk_r, sk_s, sk_e)
    key, nonce, _, _ = key_schedule(ss, INFO, 0x0002)
    return enc + AESGCM(key).encrypt(nonce, pt, aad)


def open_(blob, sk_r, pk_s, aad):
    ss = auth_decap(blob[:32], sk_r, pk_s)
    key, nonce, _, _ = key_schedule(ss, INFO, 0x0002)
    return AESGCM(key).decrypt(nonce, blob[32:], aad)


def selftest():
    """RFC 9180 A.1.3: auth mode, the KEM and the key schedule."""
    h = bytes.fromhex
    sk_e = X25519PrivateKey.from_private_bytes(h(
        "ff4442ef24fbc3c1ff86375b0be1e77e88a0de1e79b30896d73411c5ff4c3518"))
    sk_r = X25519PrivateKey.from_private_bytes(h(
        "fdea67cf831f1ca98d8e27b1f6abeb5b7745e9d35348b80fa407ff6958f9137e"))
    sk_s = X25519PrivateKey.from_private_bytes(h(
        "dc4a146313cce60a278a5323d321f051c5707e9c45ba21a3479fecdf76fc69dd"))
    info = h("4f6465206f6e2061204772656369616e2055726e")
    pt = h("4265617574792069732074727574682c20747275746820626561757479")
    ss, enc = auth_encap(sk_r.public_key(), sk_s, sk_e)
    want = [
        (enc, "23fb952571a14a25e3d678140cd0e5eb47a0961bb18afcf85896e5453c"
              "312e76"),
        (ss, "2d6db4cf719dc7293fcbf3fa64690708e44e2bebc81f84608677958c0d"
             "4448a7"),
    ]
    key, nonce, ksc, secret = key_schedule(ss, info, 0x0001)
    want += [
        (ksc, "02725611c9d98c07c03f60095cd32d400d8347d45ed67097bbad50fc56"
              "da742d07cb6cffde367bb0565ba28bb02c90744a20f5ef37f305235261"
              "06f637abb05449"),
        (secret, "56c62333d9d9f7767f5b083fdfce0aa7e57e301b74029bb0cffa733"
                 "1385f1dda"),
        (key, "b062cb2c4dd4bca0ad7c7a12bbc341e6"),
        (nonce, "a1bc314c1942ade7051ffed0"),
        (AESGCM(key).encrypt(nonce, pt, b"Count-0"),
         "5fd92cc9d46dbf8943e72a07e42f363ed5f721212cd90bcfd072bfd9f44e06"
         "b80fd17824947496e21b680c141b"),
        (auth_decap(enc, sk_r, sk_s.public_key()), "2d6db4cf719dc7293fcbf"
         "3fa64690708e44e2bebc81f84608677958c0d4448a7"),
    ]
    bad = [i for i, (got, exp) in enumerate(want) if got.hex() != exp]
    # Our suite both ways, and the name really is bound.
    blob = seal(sk_r.public_key(), sk_s, b"n", pt)
    if open_(blob, sk_r, sk_s.public_key(), b"n") != pt:
        bad.append("roundtrip")
    try:
        open_(blob, sk_r, sk_s.public_key(), b"m")
        bad.append("aad")
    except Exception:
        pass
    if bad:
        print("selftest: mismatch in", bad)
        return 1
    print("selftest: RFC 9180 A.1.3 ok, AES-256-GCM round trip ok")
    return 0


# --- clawd's message ------------------------------------------------

def parse_cand(s, ctype):
    host, _, port = s.rpartition(":")
    a = ipaddress.ip_address(host.strip("[]"))
    c = bytearray(24)
    c[0] = ctype
    c[1] = 4 if a.version == 4 else 6
    c[2:4] = struct.pack(">H", int(port))
    # The priority clawd would give a host candidate (rdv_prio).
    c[4:8] = struct.pack(">I", 126 << 24 | (65535 if a.version == 4
                                            else 65000) << 8)
    c[8:8 + len(a.packed)] = a.packed
    return bytes(c)


def encode(kind, mapping, conn, ts, expiry, delta, token, cands):
    return (b"CLWD" + bytes([2, kind, mapping, len(cands)]) + conn +
            struct.pack(">qqh", ts, expiry, delta) +
            b"\0\0" +         # filtering unknown, zero
            token +
            b"".join(cands))


def decode(b):
    magic, ver, kind, mapping, n = struct.unpack(">4sBBBB", b[:8])
    ts, expiry, delta = struct.unpack(">qqh", b[24:42])
    out = ["magic=%r version=%d kind=%d mapping=%d ncand=%d" %
           (magic, ver, kind, mapping, n),
           "conn=%s ts=%d expiry=%d delta=%d filtering=%d" % (
               b[8:24].hex(), ts, expiry, delta, b[42]),
           "token=%s" % b[44:76].hex()]
    for i in range(n):
        c = b[76 + 24 * i:100 + 24 * i]
        port = struct.unpack(">H", c[2:4])[0]
        a = ipaddress.ip_address(c[8:12] if c[1] == 4 else c[8:24])
        out.append("cand type=%d %s:%d prio=%d" %
                   (c[0], a, port, struct.unpack(">I", c[4:8])[0]))
    return "\n".join(out)


def when(s, base):
    if s is None:
        return base
    if s[0] in "+-":
        return int(time.time()) + int(s)
    return int(s)


def load_priv(path):
    with open(path) as f:
        return X25519PrivateKey.from_private_bytes(
            base64.b64decode(f.read().strip()))


def load_pub(s):
    if os.path.exists(s):
        with open(s) as f:
            s = f.read()
    return X25519PublicKey.from_public_bytes(base64.b64decode(s.strip()))


def name_conn(name):
    stem = name.split("-", 1)[-1]
    try:
        c = bytes.fromhex(stem)
    except ValueError:
        c = b""
    return c if len(c) == 16 else os.urandom(16)


def probe_key(sk, pk, conn):
    """HKDF-SHA256(salt conn, DH || 32 zero bytes, "clawd probe v1")."""
    ikm = sk.exchange(pk) + bytes(32)
    return hkdf_expand(hkdf_extract(conn, ikm), b"clawd probe v1", 32)


def probe_mac(key, b48):
    return hashlib.blake2s(b48, key=key, digest_size=16).digest()


def hostport(s):
    h, p = s.rsplit(":", 1)
    return (h, int(p))


def mirror(a):
    import socket
    conn = bytes.fromhex(a.conn)
    key = probe_key(load_priv(a.key), load_pub(a.to), conn)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    lsock.bind(hostport(a.listen))
    asock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    asock.bind(hostport(a.answer_from))
    lsock.settimeout(a.wait)
    end = time.monotonic() + a.wait
    while time.monotonic() < end:
        try:
            pkt, src = lsock.recvfrom(2048)
        except OSError:
            break
        if (len(pkt) != 64 or pkt[0] != 0xc1 or pkt[1] != 1 or
                pkt[4:20] != conn or
                not hmac.compare_digest(probe_mac(key, pkt[:48]),
                                        pkt[48:])):
            continue
        seen = (bytes([4, 0]) + struct.pack("!H", src[1]) +
                ipaddress.IPv4Address(src[0]).packed + bytes(12))
        r = bytes([0xc1, 2, 0x11, 0]) + conn + pkt[20:28] + seen
        asock.sendto(r + probe_mac(key, r), src)
        print("mirrored txid %s of a request to %s from %s to %s:%d" %
              (pkt[20:28].hex(), a.listen, a.answer_from, src[0], src[1]))
        return 0
    print("mirror: no request of that connection at %s" % a.listen,
          file=sys.stderr)
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd")
    ap.add_argument("arg", nargs="?")
    ap.add_argument("--key")
    ap.add_argument("--to")
    ap.add_argument("--from", dest="frm")
    ap.add_argument("--name")
    ap.add_argument("--kind", default="offer", choices=list(KIND))
    ap.add_argument("--conn")
    ap.add_argument("--ts")
    ap.add_argument("--expiry")
    ap.add_argument("--cand", action="append", default=[])
    ap.add_argument("--token")
    ap.add_argument("--mapping", type=int, default=1)
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("--listen")
    ap.add_argument("--answer-from", dest="answer_from")
    ap.add_argument("--wait", type=float, default=20)
    a = ap.parse_args()
    out = sys.stdout.buffer

    if a.cmd == "selftest":
        return selftest()
    if a.cmd == "name":
        print("%s-%s" % (PREFIX[KIND[a.arg or "offer"]],
                         os.urandom(16).hex()))
        return 0
    if a.cmd == "randpub":
        k = X25519PrivateKey.generate()
        print(base64.b64encode(pub_bytes(k)).decode())
        return 0
    if a.cmd == "flip":
        b = bytearray(sys.stdin.buffer.read())
        b[len(b) // 2] ^= 0x01      # in the ciphertext, past enc
        out.write(bytes(b))
        return 0
    if a.cmd == "truncate":
        b = sys.stdin.buffer.read()
        out.write(b[:len(b) - 20])
        return 0
    if a.cmd == "seal":
        if not a.key or not a.to or not a.name:
            ap.error("seal needs --key, --to and --name")
        conn = bytes.fromhex(a.conn) if a.conn else name_conn(a.name)
        ts = when(a.ts, int(time.time()))
        expiry = when(a.expiry, ts + 300)
        token = bytes.fromhex(a.token) if a.token else bytes(32)
        cands = [parse_cand(c, 1) for c in a.cand]
        pt = encode(KIND[a.kind], a.mapping, conn, ts, expiry, 0, token,
                    cands)
        if a.raw:
            out.write(pt)
        else:
            out.write(seal(load_pub(a.to), load_priv(a.key),
                           a.name.encode(), pt))
        return 0
    if a.cmd == "open":
        if not a.key or not a.frm or not a.name:
            ap.error("open needs --key, --from and --name")
        blob = sys.stdin.buffer.read()
        try:
            pt = open_(blob, load_priv(a.key), load_pub(a.frm),
                       a.name.encode())
        except Exception:
            print("open: does not open", file=sys.stderr)
            return 1
        print(decode(pt))
        return 0
    if a.cmd == "mirror":
        if not (a.key and a.to and a.conn and a.listen and a.answer_from):
            ap.error("mirror needs --key, --to, --conn, --listen and "
                     "--answer-from")
        return mirror(a)
    ap.error("unknown command " + a.cmd)
    return 1


if __name__ == "__main__":
    sys.exit(main())
