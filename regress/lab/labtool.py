#!/usr/bin/env python3
"""labtool.py: small UDP probes for the clawd NAT lab (clawlab
selftest).  Standard library only; every command ends on its own within a
few seconds.

    labtool.py map SERVER...            mapped address per STUN server,
                                        all from one socket
    labtool.py hairpin SERVER           does a packet to our own mapping
                                        come back (and from where)?
    labtool.py echo ADDR:PORT           reply to "delay N ID" after N s
    labtool.py ping ADDR:PORT DELAY     one "delay" probe: reply or none
    labtool.py loss ADDR:PORT COUNT     echo probes answered of COUNT

SERVER and ADDR are IPv4 address:port.
"""

import os
import select
import socket
import struct
import sys
import threading
import time

MAGIC = 0x2112A442


def addr(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


def stun_request():
    tid = os.urandom(12)
    return tid, struct.pack("!HHI", 0x0001, 0, MAGIC) + tid


def stun_mapped(data):
    """(tid, "ip:port") of a Binding success response, or None."""
    if len(data) < 20:
        return None
    mtype, mlen, magic = struct.unpack("!HHI", data[:8])
    if mtype != 0x0101 or magic != MAGIC or 20 + mlen > len(data):
        return None
    tid = data[8:20]
    off, end, plain = 20, 20 + mlen, None
    while off + 4 <= end:
        atype, alen = struct.unpack("!HH", data[off:off + 4])
        val = data[off + 4:off + 4 + alen]
        if atype in (0x0020, 0x0001) and alen >= 8 and val[1] == 1:
            port = struct.unpack("!H", val[2:4])[0]
            ip = bytearray(val[4:8])
            if atype == 0x0020:
                port ^= MAGIC >> 16
                for i, b in enumerate(struct.pack("!I", MAGIC)):
                    ip[i] ^= b
            found = "%s:%d" % (socket.inet_ntoa(bytes(ip)), port)
            if atype == 0x0020:
                return tid, found
            plain = found
        off += 4 + ((alen + 3) & ~3)
    return (tid, plain) if plain else None


def udp_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    return s


def stun_map(sock, server, tries=3, wait=0.5):
    """Mapped address seen by one server, retransmitting; or None."""
    tid, req = stun_request()
    for _ in range(tries):
        sock.sendto(req, addr(server))
        end = time.monotonic() + wait
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                break
            data, _ = sock.recvfrom(2048)
            r = stun_mapped(data)
            if r and r[0] == tid:
                return r[1]
    return None


def cmd_map(args):
    s = udp_socket()
    rc = 0
    for server in args:
        m = stun_map(s, server)
        print("%s %s" % (server, m or "none"))
        if m is None:
            rc = 1
    return rc


def cmd_hairpin(args):
    """A socket learns its mapping; a second socket sends to it."""
    s1, s2 = udp_socket(), udp_socket()
    m = stun_map(s1, args[0])
    if m is None:
        print("hairpin unknown (no mapping)")
        return 2
    for _ in range(3):
        s2.sendto(b"hairpin-probe", addr(m))
        if select.select([s1], [], [], 0.5)[0]:
            data, src = s1.recvfrom(2048)
            if data == b"hairpin-probe":
                print("hairpin yes mapped %s from %s:%d" %
                      (m, src[0], src[1]))
                return 0
    print("hairpin no mapped %s" % m)
    return 1


def cmd_echo(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(addr(args[0]))
    print("echo on %s" % args[0], flush=True)

    def reply(data, src):
        s.sendto(b"reply " + data, src)

    while True:
        data, src = s.recvfrom(2048)
        f = data.split()
        try:
            delay = float(f[1]) if len(f) > 1 and f[0] == b"delay" else 0
        except ValueError:
            delay = 0
        if delay > 0:
            threading.Timer(min(delay, 60), reply, (data, src)).start()
        else:
            reply(data, src)


def cmd_ping(args):
    s = udp_socket()
    delay = float(args[1])
    s.sendto(b"delay %g %s" % (delay, os.urandom(4).hex().encode()),
             addr(args[0]))
    if select.select([s], [], [], delay + 1.5)[0]:
        print("reply after %gs" % delay)
        return 0
    print("none after %gs" % delay)
    return 1


def cmd_loss(args):
    """COUNT probes to an echo server (coturn answers at most 256 of a
    burst from one client, so it cannot measure loss)."""
    s = udp_socket()
    count = int(args[1])
    got = set()

    # Read while sending: a full receive buffer would look like loss.
    def drain(wait):
        end = time.monotonic() + wait
        while True:
            left = end - time.monotonic()
            if not select.select([s], [], [], max(left, 0))[0]:
                if left <= 0:
                    return
                continue
            f = s.recvfrom(2048)[0].split()
            if len(f) == 4 and f[0] == b"reply":
                got.add(f[3])

    for i in range(count):
        s.sendto(b"delay 0 %d" % i, addr(args[0]))
        drain(0.002)
    drain(1.0)
    print("%d of %d answered" % (len(got), count))
    return 0


COMMANDS = {
    "map": (cmd_map, 1),
    "hairpin": (cmd_hairpin, 1),
    "echo": (cmd_echo, 1),
    "ping": (cmd_ping, 2),
    "loss": (cmd_loss, 2),
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS or \
            len(sys.argv) - 2 < COMMANDS[sys.argv[1]][1]:
        sys.stderr.write(__doc__)
        return 2
    return COMMANDS[sys.argv[1]][0](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
