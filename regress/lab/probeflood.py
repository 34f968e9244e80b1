#!/usr/bin/env python3
"""probeflood.py: send datagrams that look like clawd's hole punching
probes (or nothing at all) at a UDP address from one socket, and count
what comes back on it.  An address without the connection's probe key
must never get an answer.

usage: probeflood.py ADDR PORT [-n COUNT] [--conn HEX]... [--wait SECS]

The datagrams cycle through: random bytes of random length (1..200),
64 random bytes behind 0xc1, and well-formed 64-byte requests and
responses (0xc1, kind 1 or 2, zero, connection id, transaction id,
address, MAC) whose MAC is random; their connection ids are random or,
with --conn, the given ones (a live connection's id reaches the MAC
check).  Prints "sent N replies R"; exit 0 if R is 0, 1 otherwise.
"""

import argparse
import os
import random
import select
import socket
import struct
import sys
import time


def probe_like(kind, conn):
    p = bytearray(64)
    p[0] = 0xc1
    p[1] = kind
    p[4:20] = conn
    p[20:28] = os.urandom(8)
    if kind == 2:
        p[28] = 4
        p[30:32] = struct.pack(">H", random.randrange(1, 65536))
        p[32:36] = os.urandom(4)
    p[48:64] = os.urandom(16)
    return bytes(p)


def datagram(i, conns):
    k = i % 4
    if k == 0:
        return os.urandom(random.randrange(1, 201))
    if k == 1:
        return b"\xc1" + os.urandom(63)
    conn = random.choice(conns) if conns and i % 8 >= 4 else os.urandom(16)
    return probe_like(1 if k == 2 else 2, conn)


def drain(s, replies, deadline):
    while True:
        t = deadline - time.monotonic()
        if t <= 0:
            return
        r, _, _ = select.select([s], [], [], t)
        if not r:
            return
        data, src = s.recvfrom(2048)
        replies.append((src, data[:8].hex(), len(data)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("--conn", action="append", default=[])
    ap.add_argument("--wait", type=float, default=2.0)
    a = ap.parse_args()
    conns = [bytes.fromhex(c) for c in a.conn]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    dst = (a.addr, a.port)
    replies = []
    for i in range(a.n):
        try:
            s.sendto(datagram(i, conns), dst)
        except OSError:
            pass    # ENOBUFS and the like: a flood, not a census
        if i % 200 == 199:
            # Catch replies as they come, and let the receiver breathe.
            drain(s, replies, time.monotonic() + 0.005)
    drain(s, replies, time.monotonic() + a.wait)
    print("sent %d replies %d" % (a.n, len(replies)))
    for r in replies[:5]:
        print("reply from %s: %s... (%d bytes)" % r)
    return 0 if not replies else 1


if __name__ == "__main__":
    sys.exit(main())
