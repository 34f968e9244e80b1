#!/usr/bin/env python3
"""
fakectl.py: a stand-in for netengine's control socket, for clawctl's
tests.  It listens on a UNIX socket, takes one connection, reads one
request, checks its type, records its payload and answers with canned
messages for the chosen scenario, then exits (0 if the request was
the one expected).

The wire format is clawd's imsg (common/imsg.c): a header of four
uint32_t in host byte order (type, len including the header with bit
31 marking a descriptor, peerid, pid) and the payload.  Message type
numbers are read from the enum in common/clawd_imsg.h, so that they
follow the catalogue.

usage: fakectl.py -s SOCKET -t top_srcdir -e EXPECTED_TYPE -r SCENARIO
           [-o RECORD] [-d DATAFILE] [-m MESSAGE]
"""

import argparse
import os
import re
import socket
import struct
import sys

HDR = struct.Struct("=IIII")
FD_MARK = 0x80000000

# Payloads as the C structs lay them out (native alignment).
DROP_STATE = struct.Struct("@32s255s1024s128sIIIqq7Q")
DROP_FILE = struct.Struct("@128s9sB6sqq")
RESULT = struct.Struct("@i256s")
PEER = struct.Struct("@64s32s128s16s96sqQQII")


def imsg_types(top):
    """enum imsg_type in order: name -> number."""
    text = open(os.path.join(top, "common", "clawd_imsg.h")).read()
    body = re.search(r"enum imsg_type \{(.*?)\};", text, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    types = {}
    n = 0
    for item in body.split(","):
        item = item.strip()
        if not item:
            continue
        m = re.match(r"(\w+)\s*(?:=\s*(\d+))?$", item)
        if m is None:
            sys.exit("fakectl: cannot parse enum item %r" % item)
        if m.group(2) is not None:
            n = int(m.group(2))
        types[m.group(1)] = n
        n += 1
    return types


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def send(conn, mtype, payload=b""):
    # clawctl may hang up first when it refuses a reply: not our error.
    try:
        conn.sendall(HDR.pack(mtype, HDR.size + len(payload), 0, 0) +
                     payload)
    except (BrokenPipeError, ConnectionResetError):
        pass


def cstr(s, size):
    b = s.encode()
    assert len(b) < size
    return b + b"\0" * (size - len(b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", required=True, dest="sock")
    ap.add_argument("-t", required=True, dest="top")
    ap.add_argument("-e", required=True, dest="expect")
    ap.add_argument("-r", required=True, dest="scenario")
    ap.add_argument("-o", dest="record")
    ap.add_argument("-d", dest="datafile")
    ap.add_argument("-m", dest="message", default="fake failure")
    args = ap.parse_args()
    T = imsg_types(args.top)

    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(args.sock + ".tmp")
    srv.listen(1)
    # Appear under the real name only once listening.
    os.rename(args.sock + ".tmp", args.sock)
    srv.settimeout(30)
    conn, _ = srv.accept()
    conn.settimeout(30)

    hdr = recv_exact(conn, HDR.size)
    if hdr is None:
        sys.exit("fakectl: no request")
    mtype, mlen, _, _ = HDR.unpack(hdr)
    if mlen & FD_MARK:
        sys.exit("fakectl: request with a descriptor")
    payload = recv_exact(conn, mlen - HDR.size)
    if payload is None:
        sys.exit("fakectl: short request")
    if args.record:
        with open(args.record, "wb") as f:
            f.write(payload)
    ok = mtype == T["IMSG_" + args.expect]

    sc = args.scenario
    if not ok or sc == "error":
        send(conn, T["IMSG_CTL_RESULT"],
             RESULT.pack(5, cstr(args.message, 256)))
    elif sc == "ok":
        send(conn, T["IMSG_CTL_RESULT"], RESULT.pack(0, b"\0" * 256))
    elif sc in ("state", "state-backoff", "state-paused", "state-paced"):
        backoff = 4200 if sc == "state-backoff" else 0
        # DROP_LISTEN_PAUSE, _EAGER, _PACED
        following = {"state-paused": 0, "state-paced": 2}.get(sc, 1)
        pace = 4000 if sc == "state-paced" else 0
        lasterr = "-3 (EAGAIN) try again" if backoff else ""
        send(conn, T["IMSG_CTL_DROP_STATE"], DROP_STATE.pack(
            cstr("ready" if not backoff else "backoff", 32),
            cstr("v1@test.invalid", 255),
            cstr("/temp-share/clawchat-connections", 1024),
            cstr(lasterr, 128), 0 if backoff else 1, following, 2, backoff,
            pace,
            42, 1, 1, 1, 3, 2, 1))
        send(conn, T["IMSG_CTL_DROP_FILE"], DROP_FILE.pack(
            cstr("pending-abc.bin", 128), cstr("AbCdEfGh", 9), 1,
            b"\0" * 6, 512, 12))
        send(conn, T["IMSG_CTL_DROP_FILE"], DROP_FILE.pack(
            cstr("answer-xyz.bin", 128), cstr("ZyXwVuTs", 9), 0,
            b"\0" * 6, 8192, 7300))
        send(conn, T["IMSG_CTL_END"])
    elif sc == "data":
        with open(args.datafile, "rb") as f:
            send(conn, T["IMSG_CTL_DROP_DATA"], f.read())
        send(conn, T["IMSG_CTL_END"])
    elif sc == "peer":
        # One peer whose timeline is -m's text, bytes as given.
        send(conn, T["IMSG_CTL_PEER"], PEER.pack(
            cstr("p1", 64), b"\1" * 32, b"\0" * 128, cstr("direct", 16),
            args.message.encode("utf-8", "surrogateescape")[:95] +
            b"\0", 5, 1, 2, 25, 0))
        send(conn, T["IMSG_CTL_END"])
    elif sc == "bad-order":
        # A file before the state: clawctl must refuse it.
        send(conn, T["IMSG_CTL_DROP_FILE"], DROP_FILE.pack(
            cstr("x", 128), cstr("h", 9), 0, b"\0" * 6, 1, 1))
        send(conn, T["IMSG_CTL_END"])
    else:
        sys.exit("fakectl: unknown scenario %s" % sc)

    # Let clawctl read everything and hang up first.
    try:
        conn.shutdown(socket.SHUT_WR)
        while conn.recv(4096):
            pass
    except OSError:
        pass
    conn.close()
    srv.close()
    os.unlink(args.sock)
    if not ok:
        sys.exit("fakectl: got type %d, expected %s" % (mtype, args.expect))
    return 0


if __name__ == "__main__":
    sys.exit(main())
