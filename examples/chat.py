#!/usr/bin/env python3
"""chat.py: a small line chat, the way ClawChat runs over a clawd tunnel.

    chat.py server [--listen ADDR] [--port 7000]
    chat.py client --server ADDR [--port 7000] --nick NAME
                   [--wait-for NICK]... [--send TEXT]... [--reply TEXT]...
                   [--expect N] [--timeout SECS]

Nothing here knows about clawd: the tunnel is an ordinary interface, so
an ordinary TCP program works over it unchanged.  Standard library only.
The protocol and the exit codes are in examples/README.
"""

import argparse
import asyncio
import os
import re
import selectors
import signal
import socket
import sys
import time

DEFAULT_PORT = 7000
MAX_LINE = 4096                 # bytes, without the newline
NICK_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
NICK_TIMEOUT = 30               # seconds for a new client to say NICK
MAX_CLIENTS = 64
# A client that does not read its lines is dropped rather than let its
# queue grow without bound or hold everyone else back.
MAX_QUEUED = 256 * 1024

EXIT_OK = 0
EXIT_CONNECT = 1                # cannot connect, or cannot listen
EXIT_USAGE = 2                  # bad arguments (argparse's own code)
EXIT_REFUSED = 3                # ERR from the server, or it hung up
EXIT_TIMEOUT = 4                # --timeout passed first


class LineError(Exception):
    """A client broke the line protocol; the text goes back as ERR."""


def split_lines(buf, limit=MAX_LINE):
    """Take the complete lines out of BUF (a bytearray, changed in
    place) and return them decoded, without their newline.  Raise
    LineError for a line over LIMIT bytes or one that is not UTF-8:
    the one place where bytes from the network become text."""
    lines = []
    while True:
        i = buf.find(b"\n")
        if i < 0:
            if len(buf) > limit:
                raise LineError("line too long (max %d bytes)" % limit)
            return lines
        if i > limit:
            raise LineError("line too long (max %d bytes)" % limit)
        raw = bytes(buf[:i])
        del buf[:i + 1]
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise LineError("invalid UTF-8") from None


def encode_line(text):
    return (text + "\n").encode("utf-8")


def log(*args):
    print(*args, flush=True)


# --- server ----------------------------------------------------------------


class Server:
    def __init__(self):
        self.clients = {}       # nick -> writer, joined clients only
        self.nconn = 0

    def send(self, nick, writer, text):
        if writer.is_closing():
            return
        writer.write(encode_line(text))
        if writer.transport.get_write_buffer_size() > MAX_QUEUED:
            log("%s: dropped, not reading" % nick)
            writer.transport.abort()

    def broadcast(self, sender, text):
        for nick, w in list(self.clients.items()):
            if nick != sender:
                self.send(nick, w, text)

    async def refuse(self, writer, reason, reader=None):
        """ERR, then close: the client learns why before it is cut.
        Closing with its unread bytes still queued would send a reset
        that can destroy the ERR line on its way, so we half-close and
        read (and discard) what is still coming, for a little while."""
        try:
            writer.write(encode_line("ERR " + reason))
            await asyncio.wait_for(writer.drain(), 5)
            if reader is not None and writer.can_write_eof():
                writer.write_eof()
                await asyncio.wait_for(self.discard(reader), 2)
        except (OSError, asyncio.TimeoutError):
            pass
        writer.close()

    async def discard(self, reader):
        n = 0
        while n < 1024 * 1024:
            data = await reader.read(65536)
            if not data:
                return
            n += len(data)

    async def read_lines(self, reader, buf):
        data = await reader.read(65536)
        if not data:
            return None
        buf += data
        return split_lines(buf)

    async def handle(self, reader, writer):
        peer = writer.get_extra_info("peername")
        where = "%s:%d" % (peer[0], peer[1]) if peer else "?"
        buf = bytearray()
        nick = None
        self.nconn += 1
        try:
            if self.nconn > MAX_CLIENTS:
                log("%s: refused, too many clients" % where)
                await self.refuse(writer, "too many clients")
                return
            try:
                lines = []
                deadline = time.monotonic() + NICK_TIMEOUT
                while not lines:
                    left = deadline - time.monotonic()
                    lines = await asyncio.wait_for(
                        self.read_lines(reader, buf), max(left, 0))
                    if lines is None:
                        return
            except asyncio.TimeoutError:
                await self.refuse(writer, "no NICK within %d s" %
                                  NICK_TIMEOUT)
                return
            except LineError as e:
                log("%s: closed: %s" % (where, e))
                await self.refuse(writer, str(e), reader)
                return
            words = lines[0].split(" ")
            if len(words) != 2 or words[0] != "NICK":
                await self.refuse(writer, "expected NICK name", reader)
                return
            if not NICK_RE.fullmatch(words[1]):
                await self.refuse(writer, "bad nick (1 to 32 of "
                                  "A-Z a-z 0-9 _ -)")
                return
            if words[1] in self.clients:
                await self.refuse(writer, "nick in use")
                return
            nick = words[1]
            present = sorted(self.clients)
            self.clients[nick] = writer
            self.send(nick, writer, "OK")
            self.send(nick, writer, "* present:" +
                      "".join(" " + n for n in present))
            self.broadcast(nick, "* %s joined" % nick)
            log("%s joined from %s" % (nick, where))
            # Lines that came with the NICK line.
            pending = lines[1:]
            while True:
                for text in pending:
                    if text:
                        self.broadcast(nick, "%s: %s" % (nick, text))
                try:
                    pending = await self.read_lines(reader, buf)
                except LineError as e:
                    log("%s: closed: %s" % (nick, e))
                    await self.refuse(writer, str(e), reader)
                    return
                if pending is None:
                    return
        except OSError as e:
            log("%s: %s" % (nick or where, e.strerror or e))
        finally:
            self.nconn -= 1
            if nick is not None and self.clients.get(nick) is writer:
                del self.clients[nick]
                self.broadcast(nick, "* %s left" % nick)
                log("%s left" % nick)
            writer.close()


async def serve(addr, port):
    srv = Server()
    try:
        server = await asyncio.start_server(srv.handle, addr, port,
                                            reuse_address=True)
    except OSError as e:
        print("chat: cannot listen on %s:%d: %s" %
              (addr, port, e.strerror or e), file=sys.stderr)
        return EXIT_CONNECT
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(s, stop.set)
    names = ", ".join("%s:%d" % sock.getsockname()[:2]
                      for sock in server.sockets)
    log("listening on %s" % names)
    async with server:
        await stop.wait()
    log("shutting down")
    return EXIT_OK


def server_main(args):
    return asyncio.run(serve(args.listen, args.port))


# --- client ----------------------------------------------------------------


class Client:
    """Blocking socket plus selectors: one loop for the socket and,
    interactively, standard input."""

    def __init__(self, args):
        self.args = args
        self.deadline = time.monotonic() + args.timeout
        self.sock = None
        self.buf = bytearray()
        self.present = set()
        self.received = 0       # lines from others
        self.replies = list(args.reply or [])

    def fail(self, code, msg):
        print("chat: " + msg, file=sys.stderr)
        return code

    def connect(self):
        a = self.args
        try:
            self.sock = socket.create_connection(
                (a.server, a.port), timeout=max(a.timeout, 0.1))
        except socket.timeout:
            return self.fail(EXIT_TIMEOUT, "connecting to %s:%d: timed out"
                             % (a.server, a.port))
        except ConnectionRefusedError:
            return self.fail(EXIT_CONNECT, "cannot connect to %s:%d: "
                             "connection refused (is the server running?)"
                             % (a.server, a.port))
        except socket.gaierror as e:
            return self.fail(EXIT_CONNECT, "%s: %s" % (a.server, e.strerror))
        except OSError as e:
            return self.fail(EXIT_CONNECT, "cannot connect to %s:%d: %s"
                             % (a.server, a.port, e.strerror or e))
        self.sock.setblocking(False)
        return None

    def send_line(self, text):
        # Lines are short and the socket's buffer large: a plain
        # blocking send is simplest and cannot stall for long.
        self.sock.setblocking(True)
        self.sock.settimeout(max(self.deadline - time.monotonic(), 0.1))
        try:
            self.sock.sendall(encode_line(text))
        finally:
            self.sock.setblocking(False)

    def read_lines(self):
        """Lines from the server, [] if none complete yet, None at EOF."""
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return []
        if not data:
            return None
        self.buf += data
        # The server prefixes a relayed line with "nick: ".
        return split_lines(self.buf, MAX_LINE + 64)

    def wait_lines(self, sel):
        """Wait for the next readable event; return (key, lines)."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        for key, _ in sel.select(left):
            if key.fileobj is self.sock:
                return key, self.read_lines()
            return key, []
        raise TimeoutError

    def note(self, text):
        """Keep track of who is here, for --wait-for."""
        if text.startswith("* present:"):
            self.present.update(text[len("* present:"):].split())
        elif text.startswith("* ") and text.endswith(" joined"):
            self.present.add(text[2:-len(" joined")])
        elif text.startswith("* ") and text.endswith(" left"):
            self.present.discard(text[2:-len(" left")])

    def login(self, sel):
        self.send_line("NICK " + self.args.nick)
        while True:
            _, lines = self.wait_lines(sel)
            if lines is None:
                raise ConnectionError("server closed the connection")
            if lines:
                break
        first, rest = lines[0], lines[1:]
        if first.startswith("ERR"):
            raise PermissionError(first[3:].strip() or "refused")
        if first != "OK":
            raise ConnectionError("unexpected answer %r" % first[:80])
        return rest

    def run(self):
        rc = self.connect()
        if rc is not None:
            return rc
        a = self.args
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        batch = bool(a.send or a.expect or a.reply or a.wait_for)
        try:
            lines = self.login(sel)
            if batch:
                return self.batch(sel, lines)
            return self.interactive(sel, lines)
        except TimeoutError:
            return self.fail(EXIT_TIMEOUT, "timed out after %g s (%d of %d "
                             "lines received)" % (a.timeout, self.received,
                                                  self.needed()))
        except PermissionError as e:
            return self.fail(EXIT_REFUSED, "server refused: %s" % e)
        except LineError as e:
            return self.fail(EXIT_REFUSED, "bad line from server: %s" % e)
        except ConnectionError as e:
            return self.fail(EXIT_REFUSED, str(e))
        except OSError as e:
            return self.fail(EXIT_REFUSED, e.strerror or str(e))
        finally:
            sel.close()
            self.sock.close()

    def needed(self):
        return max(self.args.expect, len(self.args.reply or []))

    def show(self, text):
        if self.args.timestamps:
            t = time.time()
            text = "%s.%06d %s" % (time.strftime("%H:%M:%S",
                                   time.localtime(t)),
                                   int(t * 1000000) % 1000000, text)
        print(text, flush=True)

    def handle(self, lines):
        """Print and count server lines; a line from another may be
        answered with the next --reply."""
        for text in lines:
            if text.startswith("ERR"):
                raise ConnectionError("server: " + text)
            self.show(text)
            self.note(text)
            if text.startswith("* "):
                continue
            self.received += 1
            if self.replies:
                r = self.replies.pop(0)
                self.show("> " + r)
                self.send_line(r)

    def batch(self, sel, lines):
        a = self.args
        self.handle(lines)
        waiting = set(a.wait_for or [])
        while not waiting <= self.present:
            _, lines = self.wait_lines(sel)
            if lines is None:
                raise ConnectionError("server closed the connection")
            self.handle(lines)
        for text in a.send or []:
            self.show("> " + text)
            self.send_line(text)
        while self.received < self.needed():
            _, lines = self.wait_lines(sel)
            if lines is None:
                raise ConnectionError("server closed the connection "
                                      "(%d of %d lines received)" %
                                      (self.received, self.needed()))
            self.handle(lines)
        # Say goodbye properly, so that our last line is not lost.
        self.sock.shutdown(socket.SHUT_WR)
        return EXIT_OK

    def interactive(self, sel, lines):
        for text in lines:
            print(text, flush=True)
        stdin = sys.stdin.fileno()
        sel.register(stdin, selectors.EVENT_READ)
        inbuf = bytearray()
        while True:
            for key, _ in sel.select():
                if key.fileobj is self.sock:
                    lines = self.read_lines()
                    if lines is None:
                        raise ConnectionError("server closed the "
                                              "connection")
                    for text in lines:
                        print(text, flush=True)
                    continue
                data = os.read(stdin, 4096)
                if not data:
                    self.sock.shutdown(socket.SHUT_WR)
                    return EXIT_OK
                inbuf += data
                # Our own lines get the server's limits too.
                try:
                    out = split_lines(inbuf)
                except LineError as e:
                    print("chat: not sent: %s" % e, file=sys.stderr)
                    inbuf.clear()
                    continue
                for text in out:
                    if text:
                        self.send_line(text)


def client_main(args):
    if not NICK_RE.fullmatch(args.nick):
        print("chat: bad nick %r (1 to 32 of A-Z a-z 0-9 _ -)" % args.nick,
              file=sys.stderr)
        return EXIT_USAGE
    for t in (args.send or []) + (args.reply or []):
        if "\n" in t or len(t.encode("utf-8")) > MAX_LINE:
            print("chat: a line must be one line of at most %d bytes" %
                  MAX_LINE, file=sys.stderr)
            return EXIT_USAGE
    if args.expect < 0 or args.timeout <= 0:
        print("chat: --expect must be >= 0 and --timeout > 0",
              file=sys.stderr)
        return EXIT_USAGE
    return Client(args).run()


def main():
    p = argparse.ArgumentParser(prog="chat.py",
                                description="line chat over a clawd tunnel")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("server", help="relay lines between clients")
    s.add_argument("--listen", default="0.0.0.0", metavar="ADDR")
    s.add_argument("--port", type=int, default=DEFAULT_PORT)
    c = sub.add_parser("client", help="join a server")
    c.add_argument("--server", required=True, metavar="ADDR")
    c.add_argument("--port", type=int, default=DEFAULT_PORT)
    c.add_argument("--nick", required=True, metavar="NAME")
    c.add_argument("--wait-for", action="append", metavar="NICK",
                   help="before sending, wait until NICK is here")
    c.add_argument("--send", action="append", metavar="TEXT",
                   help="send a line (repeatable), then leave")
    c.add_argument("--reply", action="append", metavar="TEXT",
                   help="answer the next line from others with TEXT")
    c.add_argument("--expect", type=int, default=0, metavar="N",
                   help="leave after N lines from others")
    c.add_argument("--timeout", type=float, default=20, metavar="SECS",
                   help="give up after SECS (default 20)")
    c.add_argument("--timestamps", action="store_true",
                   help="prefix printed lines with the time")
    args = p.parse_args()
    try:
        if args.cmd == "server":
            return server_main(args)
        return client_main(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
