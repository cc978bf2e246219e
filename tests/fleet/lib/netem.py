#!/usr/bin/python3
"""Link latency for the test fleet, without the kernel's netem qdisc.

Some kernels (this project's CI machine among them) are built without sch_netem, so
`tc qdisc ... netem delay` is not available. This daemon gives the same effect: an nftables
rule in a host's network namespace queues the packets the host sends to NFQUEUE, and this
program, running in that namespace, holds each packet for the delay (plus or minus a uniform
jitter) before letting it go. It talks to nfnetlink_queue over a raw netlink socket (no
Python packages needed) and asks only for packet metadata, never payloads.

Usage: netem.py --queue N --delay-ms D [--jitter-ms J] [--ready FILE]
On SIGTERM it releases every held packet, then exits.
"""
import argparse
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
SOL_NETLINK = 270
NETLINK_NO_ENOBUFS = 5
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQA_CFG_MASK = 4
NFQA_CFG_FLAGS = 5
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQA_CFG_F_FAIL_OPEN = 1
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NF_ACCEPT = 1
NLA_TYPE_MASK = 0x3FFF


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * (-length % 4)


class Queue:
    def __init__(self, num):
        self.num = num
        self.seq = 0
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
        self.sock.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)
        self.sock.bind((0, 0))

    def send(self, mtype, attrs, flags=NLM_F_REQUEST):
        self.seq += 1
        body = struct.pack("=BB", socket.AF_UNSPEC, 0) + struct.pack("!H", self.num) + b"".join(attrs)
        header = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | mtype, flags, self.seq, 0)
        self.sock.send(header + body)

    def bind(self):
        self.send(NFQNL_MSG_CONFIG, [attr(NFQA_CFG_CMD, struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0, 0))],
                  NLM_F_REQUEST | NLM_F_ACK)
        self.expect_ack()
        self.send(NFQNL_MSG_CONFIG, [
            attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META)),
            attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", 8192)),
            attr(NFQA_CFG_MASK, struct.pack("!I", NFQA_CFG_F_FAIL_OPEN)),
            attr(NFQA_CFG_FLAGS, struct.pack("!I", NFQA_CFG_F_FAIL_OPEN)),
        ], NLM_F_REQUEST | NLM_F_ACK)
        self.expect_ack()

    def expect_ack(self):
        data = self.sock.recv(65536)
        _, mtype, _, _, _ = struct.unpack_from("=IHHII", data, 0)
        if mtype == NLMSG_ERROR:
            (err,) = struct.unpack_from("=i", data, 16)
            if err != 0:
                raise OSError(-err, "nfqueue config: " + os.strerror(-err))

    def packet_ids(self, data):
        """The ids of the packets in one netlink datagram."""
        off = 0
        while off + 16 <= len(data):
            length, mtype, _, _, _ = struct.unpack_from("=IHHII", data, off)
            if length < 16:
                break
            if mtype == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                pos, end = off + 20, off + length
                while pos + 4 <= end:
                    alen, akind = struct.unpack_from("=HH", data, pos)
                    if alen < 4:
                        break
                    if akind & NLA_TYPE_MASK == NFQA_PACKET_HDR:
                        yield struct.unpack_from("!I", data, pos + 4)[0]
                    pos += (alen + 3) & ~3
            off += (length + 3) & ~3

    def accept(self, packet_id):
        self.send(NFQNL_MSG_VERDICT, [attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet_id))])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", type=int, default=0)
    parser.add_argument("--delay-ms", type=float, required=True)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    parser.add_argument("--ready", help="file written once the queue is bound")
    args = parser.parse_args()

    queue = Queue(args.queue)
    queue.bind()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("ready\n")

    held = []  # heap of (release time, arrival order, packet id)
    order = 0
    queue.sock.setblocking(False)
    while not stopping:
        now = time.monotonic()
        while held and held[0][0] <= now:
            queue.accept(heapq.heappop(held)[2])
        timeout = max(0.0, held[0][0] - now) if held else 1.0
        try:
            readable, _, _ = select.select([queue.sock], [], [], timeout)
        except InterruptedError:
            continue
        if not readable:
            continue
        while True:
            try:
                data = queue.sock.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                break
            arrived = time.monotonic()
            for packet_id in queue.packet_ids(data):
                delay = args.delay_ms + random.uniform(-args.jitter_ms, args.jitter_ms)
                heapq.heappush(held, (arrived + max(0.0, delay) / 1000.0, order, packet_id))
                order += 1
    for _, _, packet_id in held:
        queue.accept(packet_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
