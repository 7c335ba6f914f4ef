#!/usr/bin/env python3
"""An independent fan-out and whisper check for IRC servers, sharing no code with natter-bench.

Fan-out: N connections register (NICK/USER) and join one channel; M of them
send PRIVMSGs to it as fast as the server takes them; every member counts the
measured lines it receives. Whispers (--pairs P): 2P connections register,
and in each pair one sends PRIVMSGs to the other's nick. It prints deliveries/s (first write to last
delivery) and, given the server's PID, the server's CPU-seconds per million
deliveries (utime + stime from /proc/PID/stat), so natter-bench's numbers for
the same scenario can be checked against a second, differently built tool.

Everything runs in one thread on non-blocking sockets (selectors), counting
complete lines with bytes.count, so it needs one core of its own to keep up
with a fast server: pin it (taskset -c 1) and the server elsewhere.

Usage: scripts/crosscheck.py --server 127.0.0.1:6667 --server-pid PID
           [--receivers 100] [--senders 1] [--messages 30000] [--size 100]
           [--pairs P] [--batch 64] [--read-size 1048576] [--label NAME] [--stall-limit 10]
Exit status: 0 when every delivery arrived, 1 when some did not (the line
says how many), 2 on bad arguments or a failed setup.
"""

import argparse
import os
import random
import selectors
import socket
import sys
import time

CHANNEL = "#xcheck"
# Every measured line ends in this text, and only measured lines contain it.
MARK = b" :xcheck "


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="127.0.0.1:6667")
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--receivers", type=int, default=100, help="members of the channel")
    parser.add_argument("--senders", type=int, default=1, help="members that send")
    parser.add_argument("--pairs", type=int, default=0,
                        help="whisper pairs instead of a fan-out")
    parser.add_argument("--messages", type=int, default=30000, help="messages in all")
    parser.add_argument("--size", type=int, default=100, help="bytes of text per message")
    parser.add_argument("--batch", type=int, default=64,
                        help="most lines per send call (natter-bench writes 64)")
    parser.add_argument("--read-size", type=int, default=1 << 20,
                        help="bytes per recv call (natter-bench reads 64 KiB)")
    parser.add_argument("--label", default="server")
    parser.add_argument("--stall-limit", type=float, default=10.0,
                        help="give up after this many seconds without a delivery")
    args = parser.parse_args()
    if not 0 < args.senders <= args.receivers or args.messages <= 0 or args.pairs < 0:
        parser.error("need 0 < senders <= receivers, messages > 0, pairs >= 0")
    return args


def cpu_seconds(pid):
    """The process's user + system CPU time, from /proc."""
    if pid is None:
        return None
    with open(f"/proc/{pid}/stat", "rb") as stat:
        fields = stat.read().rsplit(b")", 1)[1].split()
    # Fields 14 and 15 of stat(5), counted after the ")" that ends the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# Connections registering at once: few enough for a listen backlog of 10
# (ngIRCd's), enough that a server slow to answer each is not waited for
# one by one.
PARALLEL = 8


def register_all(host, port, nicks, join):
    """Registers a connection per nick, PARALLEL at a time (and joins
    CHANNEL when `join`); returns the sockets, non-blocking, in order."""
    socks = []
    for start in range(0, len(nicks), PARALLEL):
        chunk = nicks[start:start + PARALLEL]
        opened = [connect(host, port, nick) for nick in chunk]
        socks += [finish_registration(sock, nick, join) for sock, nick in zip(opened, chunk)]
    return socks


def connect(host, port, nick):
    """Opens a connection and sends its registration."""
    sock = socket.create_connection((host, port), timeout=60)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(f"NICK {nick}\r\nUSER {nick} 0 * :crosscheck\r\n".encode())
    return sock


def finish_registration(sock, nick, join):
    """Reads until welcomed (or until NAMES ended, after joining when
    `join`), answering PINGs; returns the socket, non-blocking."""
    pending = b""
    joined = False
    while True:
        data = sock.recv(65536)
        if not data:
            raise RuntimeError(f"{nick}: the server closed the connection while joining")
        pending += data
        *lines, pending = pending.split(b"\n")
        for line in lines:
            words = line.rstrip(b"\r").split(b" ")
            if words[0] == b"PING":
                sock.sendall(b"PONG " + b" ".join(words[1:]) + b"\r\n")
                continue
            command = words[1] if words[0].startswith(b":") and len(words) > 1 else words[0]
            if command == b"001" and not join:
                sock.setblocking(False)
                return sock
            if command == b"001" and not joined:
                sock.sendall(f"JOIN {CHANNEL}\r\n".encode())
                joined = True
            elif command == b"366":
                sock.setblocking(False)
                return sock
            elif command in (b"432", b"433", b"465", b"ERROR", b"471", b"473", b"474"):
                raise RuntimeError(f"{nick}: {line.decode(errors='replace')}")


class Member:
    """One connection: what it still has to send, and its unfinished line."""

    def __init__(self, sock, to_send, line, batch):
        self.sock = sock
        self.line_len = len(line)
        self.to_send = to_send * len(line)  # bytes
        self.batch = batch * len(line)  # most bytes per send
        self.block = memoryview(line * (batch + 1))
        self.offset = 0  # into block
        self.tail = b""
        self.received = 0


def share(messages, senders, index):
    """Sender `index`'s part of `messages` shared by `senders`."""
    return messages // senders + (1 if index < messages % senders else 0)


def connect_all(args):
    """Registers every connection; returns them, the deliveries owed, and
    the scenario in words."""
    host, port = args.server.rsplit(":", 1)
    port = int(port)
    tag = "".join(random.choice("abcdefghij") for _ in range(2))
    text = (MARK[2:] + b"x" * args.size)[: max(args.size, len(MARK) - 2)]

    def line(target):
        return b"PRIVMSG " + target.encode() + b" :" + text + b"\r\n"

    members = []
    if args.pairs:
        nicks = [f"x{tag}{index}" for index in range(2 * args.pairs)]
        for index, sock in enumerate(register_all(host, port, nicks, join=False)):
            sending = share(args.messages, args.pairs, index // 2) if index % 2 == 0 else 0
            members.append(Member(sock, sending, line(f"x{tag}{index + 1}"), args.batch))
        return members, args.messages, f"whisper {args.pairs}"
    nicks = [f"x{tag}{index}" for index in range(args.receivers)]
    for index, sock in enumerate(register_all(host, port, nicks, join=True)):
        sending = share(args.messages, args.senders, index) if index < args.senders else 0
        members.append(Member(sock, sending, line(CHANNEL), args.batch))
    expected = args.messages * (args.receivers - 1)
    return members, expected, f"fanout {args.receivers}x{args.senders}"


def run(args):
    members, expected, scenario = connect_all(args)
    selector = selectors.DefaultSelector()
    for member in members:
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if member.to_send else 0)
        selector.register(member.sock, events, member)
    cpu_before = cpu_seconds(args.server_pid)
    start = time.monotonic()
    last_delivery = start
    received = 0
    buffer = bytearray(args.read_size)
    view = memoryview(buffer)
    while received < expected and time.monotonic() - last_delivery < args.stall_limit:
        for key, events in selector.select(timeout=0.5):
            member = key.data
            if events & selectors.EVENT_READ:
                count = member.sock.recv_into(buffer)
                if count == 0:
                    raise RuntimeError("the server closed a connection during the run")
                chunk = member.tail + view[:count].tobytes()
                cut = chunk.rfind(b"\n") + 1
                found = chunk.count(MARK, 0, cut)
                member.tail = chunk[cut:]
                if found:
                    member.received += found
                    received += found
                    last_delivery = time.monotonic()
            if events & selectors.EVENT_WRITE and member.to_send:
                end = member.offset + min(member.batch, member.to_send)
                try:
                    sent = member.sock.send(member.block[member.offset:end])
                except BlockingIOError:
                    sent = 0
                member.to_send -= sent
                member.offset = (member.offset + sent) % member.line_len
                if member.to_send == 0:
                    selector.modify(member.sock, selectors.EVENT_READ, member)
    cpu_after = cpu_seconds(args.server_pid)
    for member in members:
        member.sock.close()
    elapsed = last_delivery - start
    rate = received / elapsed if elapsed > 0 else 0.0
    result = (f"crosscheck {scenario} against {args.server} "
              f"({args.label}): {rate:.0f} deliveries/s, {received} of {expected} deliveries "
              f"in {elapsed:.3f} s")
    if cpu_before is not None:
        cpu = cpu_after - cpu_before
        per_million = cpu * 1e6 / received if received else float("nan")
        result += f", server {cpu:.2f} CPU-s = {per_million:.3f} CPU-s per M deliveries"
    print(result)
    return 0 if received >= expected else 1


def main():
    args = parse_args()
    try:
        return run(args)
    except (OSError, RuntimeError) as error:
        print(f"crosscheck: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
