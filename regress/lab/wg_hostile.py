#!/usr/bin/env python3
# wg_hostile.py: hostile WireGuard traffic against a clawd, for
# wg_hostile.sh.
#
#   wg_hostile.py attack HOST PORT PUBKEY [CAPTURE]
#	sends malformed and unauthenticated messages by category and
#	listens 1 s after each for any reply: every reply is a failure.
#	CAPTURE is a file of transport messages sniffed from the real
#	peer (one hex line each), replayed from here.
#   wg_hostile.py flood HOST PORT PUBKEY SECONDS [RATE]
#	initiations with a valid mac1 from unknown keys as fast as
#	possible, or RATE a second; counts the replies by type.  Only cookie replies
#	(type 3, 64 bytes) are allowed, and some must come.
#   wg_hostile.py sniff IFACE PORT OUTFILE SECONDS [TYPE]
#	records the payloads of outgoing UDP datagrams to PORT that are
#	WireGuard messages of TYPE (4, transport, by default; AF_PACKET,
#	needs root).
#   wg_hostile.py respond HOST PORT PUBKEY CAPTURE
#	forges a handshake response (valid mac1, junk inside) to the
#	last initiation in CAPTURE (sniffed with TYPE 1) and sends it
#	three times: what someone who saw the initiation can do.
#
# Exit 0 when every check passed, 1 otherwise.

import base64
import hashlib
import hmac
import os
import random
import select
import socket
import struct
import sys
import time

LABEL_MAC1 = b"mac1----"
CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"

failed = False


def check(cond, what):
    global failed
    print(("ok:   " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failed = True


def blake2s(data, key=b"", size=32):
    return hashlib.blake2s(data, key=key, digest_size=size).digest()


def mac1(pub, msg):
    return blake2s(msg, key=blake2s(LABEL_MAC1 + pub), size=16)


def with_mac1(pub, msg):
    """Fill in mac1 of an initiation or response; mac2 stays zero."""
    off = len(msg) - 32
    return msg[:off] + mac1(pub, msg[:off]) + bytes(16)


def rnd(n):
    return os.urandom(n)


def initiation_junk(pub, good_mac1=True):
    """An initiation of random bytes: decryption fails in crypto."""
    m = struct.pack("<II", 1, random.getrandbits(32)) + rnd(140)
    if good_mac1:
        return with_mac1(pub, m)
    return m[:116] + rnd(16) + bytes(16)


def hkdf(key, data, n):
    t0 = hmac.new(key, data, hashlib.blake2s).digest()
    out, t = [], b""
    for i in range(1, n + 1):
        t = hmac.new(t0, t + bytes([i]), hashlib.blake2s).digest()
        out.append(t)
    return out


def initiation_real(pub):
    """A well-formed initiation from a fresh static key we know: it
    decrypts, but the key is no configured peer's.  None without the
    python cryptography package."""
    try:
        from cryptography.hazmat.primitives.asymmetric.x25519 import (
            X25519PrivateKey, X25519PublicKey)
        from cryptography.hazmat.primitives.ciphers.aead import (
            ChaCha20Poly1305)
        from cryptography.hazmat.primitives.serialization import (
            Encoding, PublicFormat)
    except ImportError:
        return None

    def pubbytes(k):
        return k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def aead(k, pt, ad):
        return ChaCha20Poly1305(k).encrypt(bytes(12), pt, ad)

    srv = X25519PublicKey.from_public_bytes(pub)
    s, e = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    c = blake2s(CONSTRUCTION)
    h = blake2s(blake2s(c + IDENTIFIER) + pub)
    epub = pubbytes(e)
    c = hkdf(c, epub, 1)[0]
    h = blake2s(h + epub)
    c, k = hkdf(c, e.exchange(srv), 2)
    st = aead(k, pubbytes(s), h)
    h = blake2s(h + st)
    c, k = hkdf(c, s.exchange(srv), 2)
    now = time.time()
    tai = struct.pack(">QI", 0x400000000000000a + int(now),
                      int((now % 1) * 1e9))
    ts = aead(k, tai, h)
    m = struct.pack("<II", 1, random.getrandbits(32)) + epub + st + ts
    return with_mac1(pub, m + bytes(32))


def replies(sock, wait):
    """The datagrams that arrive within wait seconds."""
    got = []
    end = time.monotonic() + wait
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            break
        try:
            got.append(sock.recv(65536))
        except OSError as e:
            got.append(("error %s" % e).encode())
    return got


def category(sock, dst, what, msgs):
    sent = 0
    for m in msgs:
        try:
            sock.sendto(m, dst)
            sent += 1
        except OSError as e:
            print("      send %d bytes: %s" % (len(m), e))
    got = replies(sock, 1.0)
    check(not got, "%s: %d sent, %d replies%s" % (
        what, sent, len(got),
        "" if not got else " (first %d bytes, type %d)" % (
            len(got[0]), got[0][0] if got[0] else -1)))


def attack(host, port, pub, capture):
    dst = (host, port)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", 0))

    category(sock, dst, "short packets (0-3 bytes)",
             [b""] + [bytes([t]) + rnd(n) for t in range(6)
                      for n in range(3)])
    category(sock, dst, "type 1-4 header with junk, 4-31 bytes",
             [bytes([t, 0, 0, 0]) + rnd(n) for t in range(1, 5)
              for n in range(28)])
    category(sock, dst, "nonzero reserved bytes",
             [with_mac1(pub, bytes([1, 1, 0, 0]) + rnd(112) + bytes(32)),
              bytes([4, 0, 1, 0]) + rnd(60)])
    wrong = []
    for t, n in ((1, 148), (2, 92), (3, 64)):
        for ln in (n - 1, n + 1, n - 16, n + 16, 2 * n):
            m = bytearray(rnd(ln))
            m[0:4] = bytes([t, 0, 0, 0])
            if ln >= 32 and t != 3:
                m = with_mac1(pub, bytes(m))
            wrong.append(bytes(m))
    wrong += [bytes([4, 0, 0, 0]) + rnd(n) for n in (28, 29, 30, 31)]
    category(sock, dst, "each type with a wrong length", wrong)
    category(sock, dst, "too long packets (1500-65000 bytes)",
             [bytes([t, 0, 0, 0]) + rnd(n) for t in (1, 2, 4, 9)
              for n in (1500, 9000, 65000)])
    category(sock, dst, "random garbage (300 datagrams)",
             [rnd(random.randrange(1, 1400)) for _ in range(300)])
    category(sock, dst, "initiations with a wrong mac1",
             [initiation_junk(pub, False) for _ in range(50)])
    category(sock, dst, "initiations with a valid mac1, junk contents",
             [initiation_junk(pub) for _ in range(50)])
    real = initiation_real(pub)
    if real is None:
        print("skip: no python cryptography: no well-formed initiation "
              "from an unknown key")
    else:
        category(sock, dst, "well-formed initiations from unknown keys",
                 [initiation_real(pub) for _ in range(20)])
    category(sock, dst, "responses with a valid mac1, unknown receivers",
             [with_mac1(pub, struct.pack("<III", 2, random.getrandbits(32),
                                         random.getrandbits(32)) +
                        rnd(48) + bytes(32)) for _ in range(50)])
    category(sock, dst, "cookie replies to unknown receivers",
             [struct.pack("<II", 3, random.getrandbits(32)) + rnd(56)
              for _ in range(50)])
    category(sock, dst, "transport messages, unknown receivers",
             [struct.pack("<IIQ", 4, random.getrandbits(32), n) +
              rnd(16 + 16 * (n % 8)) for n in range(100)])
    if capture:
        with open(capture) as f:
            caught = [bytes.fromhex(x.strip()) for x in f if x.strip()]
        check(len(caught) > 0, "captured %d transport messages of the "
              "real peer" % len(caught))
        category(sock, dst, "replayed transport messages of the real "
                 "peer", caught + caught)


def flood(host, port, pub, seconds, rate):
    dst = (host, port)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", 0))
    sock.setblocking(False)
    pool = [initiation_junk(pub) for _ in range(256)]
    sent, types, bad = 0, {}, 0
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        while rate > 0 and sent > rate * (time.monotonic() - start):
            time.sleep(0.002)
        for m in pool[:64]:
            try:
                sock.sendto(m, dst)
                sent += 1
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:
                pass
        random.shuffle(pool)
        while True:
            try:
                r = sock.recv(65536)
            except BlockingIOError:
                break
            t = r[0] if r else -1
            types[t] = types.get(t, 0) + 1
            if t != 3 or len(r) != 64:
                bad += 1
    time.sleep(0.5)
    for r in replies(sock, 0.5):
        t = r[0] if r else -1
        types[t] = types.get(t, 0) + 1
        if t != 3 or len(r) != 64:
            bad += 1
    print("      flood: %d initiations in %d s (%d/s), replies by type: %s"
          % (sent, seconds, sent // max(seconds, 1), types))
    check(sent >= 5000, "at least 5000 initiations sent (%d)" % sent)
    check(types.get(3, 0) > 0, "cookie replies under load (%d)"
          % types.get(3, 0))
    check(bad == 0, "no reply other than a 64-byte cookie reply (%d)" % bad)


def respond(host, port, pub, capture):
    with open(capture) as f:
        lines = [l.strip() for l in f if l.strip()]
    if not lines:
        check(False, "no initiation captured to answer")
        return
    init = bytes.fromhex(lines[-1])
    msg = (struct.pack("<I", 2) + rnd(4) + init[4:8] + rnd(32) + rnd(16) +
           bytes(32))
    msg = with_mac1(pub, msg)
    check(len(msg) == 92, "a forged response of 92 bytes")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(3):
        s.sendto(msg, (host, port))
        time.sleep(0.05)
    print("      forged a response to initiation index %s" %
          init[4:8].hex())


def sniff(iface, port, out, seconds, mtype=4):
    # Outgoing packets only reach ETH_P_ALL taps.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                      socket.htons(3))
    s.bind((iface, 0))
    s.settimeout(0.2)
    end = time.monotonic() + seconds
    n = 0
    with open(out, "w") as f:
        while time.monotonic() < end:
            try:
                pkt, addr = s.recvfrom(65536)
            except socket.timeout:
                continue
            # addr[2] is the packet type: 4 is PACKET_OUTGOING.
            if (addr[1] != 0x0800 or addr[2] != 4 or len(pkt) < 28 or
                    pkt[9] != 17):
                continue
            ihl = (pkt[0] & 15) * 4
            dport = struct.unpack("!H", pkt[ihl + 2:ihl + 4])[0]
            data = pkt[ihl + 8:]
            if dport == port and len(data) >= 32 and data[0] == mtype:
                f.write(data.hex() + "\n")
                f.flush()
                n += 1
    print("      sniffed %d messages of type %d on %s" % (n, mtype, iface))


def main():
    a = sys.argv[1:]
    if len(a) >= 4 and a[0] == "attack":
        attack(a[1], int(a[2]), base64.b64decode(a[3]),
               a[4] if len(a) > 4 else None)
    elif len(a) in (5, 6) and a[0] == "flood":
        flood(a[1], int(a[2]), base64.b64decode(a[3]), int(a[4]),
              int(a[5]) if len(a) > 5 else 0)
    elif len(a) in (5, 6) and a[0] == "sniff":
        sniff(a[1], int(a[2]), a[3], float(a[4]),
              int(a[5]) if len(a) > 5 else 4)
    elif len(a) == 5 and a[0] == "respond":
        respond(a[1], int(a[2]), base64.b64decode(a[3]), a[4])
    else:
        sys.exit(__doc__ if __doc__ else "usage: see the comment")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
