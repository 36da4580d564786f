#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Clients and servers the tapwire-host tests drive.

  hostnet.py stream HOST PORT MBYTES SEED   sends MBYTES of seeded bytes to an
      echo service while reading the echo back; prints the SHA-256 of what was
      sent and of what came back, and the rate
  hostnet.py udp HOST PORT TEXT             sends one datagram, prints the reply
  hostnet.py udp-echo-server ADDR PORT      echoes datagrams, "ready" when bound
  hostnet.py send HOST PORT BYTES           sends BYTES zeros, closes its side,
                                            reads to the end; prints both counts
  hostnet.py flood IFACE DSTMAC DSTIP SECONDS SEED [DSTIP6]
                                            raw frames on IFACE to DSTMAC for
                                            SECONDS: SYNs and UDP from random
                                            sources of DSTIP's /24, pings, and
                                            malformed frames; prints the count
  hostnet.py tcp-sink HOST PORT             reads a TCP stream to its end,
                                            prints the byte count and SHA-256
  hostnet.py hold HOST PORT N MODE SRC...   opens N connections from the
                                            source addresses SRC in turn and
                                            holds them until stdin closes:
                                            MODE idle sends nothing, stall
                                            asks for / into a tiny receive
                                            buffer and never reads, halfclose
                                            does that and shuts its side, drain
                                            reads it all but never closes;
                                            prints "held N" when all are made
  hostnet.py dns-server ADDR FROM ANSWER     answers every A question on ADDR:53
                                            with ANSWER, sending the reply from
                                            FROM:53 (an address of its own: a
                                            spoofer when FROM is not ADDR)
  hostnet.py udp-spoof IFACE DSTMAC DSTIP PORT COUNT SEED
                                            COUNT UDP datagrams to DSTIP:PORT,
                                            each from another random source
                                            of DSTIP's /24 (raw frames)
  hostnet.py ooseq IFACE DSTMAC SRCMAC SRCIP DSTIP PORT COUNT
                                            a handshake of its own on IFACE,
                                            then COUNT one-byte segments after
                                            a hole; prints what it sent
"""
import hashlib
import random
import select
import socket
import sys
import time


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def stream(host, port, mbytes, seed):
    total = mbytes * 1024 * 1024
    rng = random.Random(seed)
    block = rng.randbytes(1 << 16)
    sent_h, back_h = hashlib.sha256(), hashlib.sha256()
    s = socket.create_connection((host, port), timeout=30)
    s.setblocking(False)
    sent = back = 0
    t0 = time.monotonic()
    last = t0
    while back < total:
        want_w = sent < total
        r, w, _ = select.select([s], [s] if want_w else [], [], 30)
        if not r and not w:
            sys.exit(f"stream: stalled at {sent} sent, {back} back")
        if w:
            off = sent % len(block)
            chunk = block[off:off + min(len(block) - off, total - sent)]
            try:
                n = s.send(chunk)
            except BlockingIOError:
                n = 0
            sent_h.update(chunk[:n])
            sent += n
            if sent == total:
                s.shutdown(socket.SHUT_WR)
        if r:
            data = s.recv(1 << 16)
            if not data:
                break
            back_h.update(data)
            back += len(data)
        now = time.monotonic()
        if now - last > 60:
            sys.exit("stream: over 60 s without finishing a check")
    dt = time.monotonic() - t0
    print(f"sent {sent} {sent_h.hexdigest()}")
    print(f"back {back} {back_h.hexdigest()}")
    print(f"rate {back * 8 / dt / 1e6:.0f} Mbit/s each way")


def udp(host, port, text):
    s = socket.socket(family_of(host), socket.SOCK_DGRAM)
    s.settimeout(2)
    for _ in range(5):
        s.sendto(text.encode(), (host, port))
        try:
            data, _ = s.recvfrom(65536)
            print(data.decode(errors="replace"))
            return
        except socket.timeout:
            continue
    sys.exit("udp: no reply")


def udp_echo_server(addr, port):
    s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
    s.bind((addr, port))
    print("ready", flush=True)
    while True:
        data, peer = s.recvfrom(65536)
        s.sendto(b"echo:" + data, peer)


def send(host, port, nbytes):
    s = socket.create_connection((host, port), timeout=30)
    block = bytes(1 << 16)
    left = nbytes
    while left:
        left -= s.send(block[:min(left, len(block))])
    s.shutdown(socket.SHUT_WR)
    got = 0
    while True:
        data = s.recv(1 << 16)
        if not data:
            break
        got += len(data)
    print(f"sent {nbytes}, got {got}")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def flood(iface, dstmac, dstip, seconds, seed, dstip6=None):
    """Frames to dstip (and, given dstip6, as many to it from its /64)."""
    import struct
    rng = random.Random(seed)
    print(f"flood seed {seed}", flush=True)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    dmac = bytes.fromhex(dstmac.replace(":", ""))
    dst4 = socket.inet_aton(dstip)
    dst6 = socket.inet_pton(socket.AF_INET6, dstip6) if dstip6 else None
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        v6 = dst6 is not None and rng.random() < 0.5
        if v6:
            dst = dst6
            src = dst6[:8] + rng.randbytes(8)
        else:
            dst = dst4
            src = dst4[:3] + bytes([rng.randrange(2, 250)])
        if src == dst:
            continue
        smac = bytes([2, rng.randrange(256), rng.randrange(256), rng.randrange(256),
                      rng.randrange(256), rng.randrange(256)])
        kind = rng.random()
        if kind < 0.15:  # malformed: anything after an IPv4 or IPv6 type
            frame = dmac + smac + rng.choice([b"\x08\x00", b"\x86\xdd", b"\x08\x06"]) + \
                rng.randbytes(rng.randrange(0, 200))
        else:
            if kind < 0.6:  # SYN to a port, open or not
                proto = 6
                l4 = struct.pack("!HHIIBBHHH", rng.randrange(1024, 65535),
                                 rng.choice([80, 7, 9, 22, rng.randrange(1, 65535)]),
                                 rng.getrandbits(32), 0, 0x50, 0x02, 65535, 0, 0)
            elif kind < 0.9:  # UDP to echo, discard or a closed port
                proto = 17
                payload = rng.randbytes(rng.randrange(0, 1200))
                l4 = struct.pack("!HHHH", rng.randrange(1024, 65535),
                                 rng.choice([7, 9, rng.randrange(1, 65535)]),
                                 8 + len(payload), 0) + payload
            else:  # ping (ICMP or ICMPv6 echo request)
                proto = 58 if v6 else 1
                l4 = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, rng.randrange(65536), 1) + \
                    rng.randbytes(56)
            l4 = bytearray(l4)
            if v6:
                pseudo = src + dst + len(l4).to_bytes(4, "big") + bytes([0, 0, 0, proto])
                ip = struct.pack("!IHBB16s16s", 0x60000000, len(l4), proto, 64, src, dst)
            else:
                pseudo = src + dst + bytes([0, proto]) + len(l4).to_bytes(2, "big")
                ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4),
                                           rng.randrange(65536), 0, 64, proto, 0, src, dst))
                ip[10:12] = csum(bytes(ip)).to_bytes(2, "big")
            if proto == 6:
                l4[16:18] = csum(pseudo + bytes(l4)).to_bytes(2, "big")
            elif proto == 17:
                l4[6:8] = (csum(pseudo + bytes(l4)) or 0xFFFF).to_bytes(2, "big")
            elif proto == 58:
                l4[2:4] = csum(pseudo + bytes(l4)).to_bytes(2, "big")
            else:
                l4[2:4] = csum(bytes(l4)).to_bytes(2, "big")
            frame = dmac + smac + (b"\x86\xdd" if v6 else b"\x08\x00") + bytes(ip) + bytes(l4)
        try:
            s.send(frame)
            n += 1
        except OSError:
            pass
    print(f"sent {n} frames", flush=True)


def tcp_sink(host, port):
    s = socket.create_connection((host, port), timeout=30)
    h, n = hashlib.sha256(), 0
    while True:
        data = s.recv(1 << 16)
        if not data:
            break
        h.update(data)
        n += len(data)
    print(n, h.hexdigest())


def hold(host, port, n, mode, srcs):
    socks, failed = [], 0
    for i in range(n):
        s = socket.socket(family_of(host), socket.SOCK_STREAM)
        if mode in ("stall", "halfclose"):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
        s.bind((srcs[i % len(srcs)], 0))
        s.settimeout(5)
        try:
            s.connect((host, port))
            if mode != "idle":
                s.send(b"GET /page.bin HTTP/1.0\r\n\r\n")
            if mode == "halfclose":
                s.shutdown(socket.SHUT_WR)
            if mode == "drain":  # read to the server's FIN, then keep the socket open
                while s.recv(1 << 16):
                    pass
        except OSError:
            failed += 1
            s.close()
            continue
        socks.append(s)
    print(f"held {len(socks)}, failed {failed}", flush=True)
    sys.stdin.read()


def dns_server(addr, frm, answer):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    out = s
    if frm != addr:
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        out.bind((frm, 53))
    print("ready", flush=True)
    while True:
        q, peer = s.recvfrom(512)
        end = 12
        while q[end]:
            end += 1 + q[end]
        end += 5  # the name's last byte, type and class
        reply = q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01\x00\x00\x00\x00" + q[12:end] + \
            b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + socket.inet_aton(answer)
        out.sendto(reply, peer)


def udp_spoof(iface, dstmac, dstip, port, count, seed):
    import struct
    rng = random.Random(seed)
    print(f"udp-spoof seed {seed}", flush=True)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    dmac = bytes.fromhex(dstmac.replace(":", ""))
    dst = socket.inet_aton(dstip)
    for i in range(count):
        src = dst[:3] + bytes([rng.randrange(2, 250)])
        if src == dst:
            continue
        smac = bytes([2, 0x5e, 0x44, rng.randrange(256), rng.randrange(256), rng.randrange(256)])
        payload = b"spoofed"
        udp = bytearray(struct.pack("!HHHH", rng.randrange(1024, 65535), port, 8 + len(payload), 0)
                        + payload)
        pseudo = src + dst + bytes([0, 17]) + len(udp).to_bytes(2, "big")
        udp[6:8] = (csum(pseudo + bytes(udp)) or 0xFFFF).to_bytes(2, "big")
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17,
                                   0, src, dst))
        ip[10:12] = csum(bytes(ip)).to_bytes(2, "big")
        s.send(dmac + smac + b"\x08\x00" + bytes(ip) + bytes(udp))
    print(f"sent {count}", flush=True)


def ooseq(iface, dstmac, srcmac, srcip, dstip, port, count):
    """Frames of one TCP connection of our own: SYN, the SYN-ACK awaited,
    ACK, then COUNT one-byte segments each one byte apart, after a hole."""
    import struct
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((iface, 0))
    s.settimeout(5)
    dmac = bytes.fromhex(dstmac.replace(":", ""))
    smac = bytes.fromhex(srcmac.replace(":", ""))
    src, dst = socket.inet_aton(srcip), socket.inet_aton(dstip)
    sport = 40000 + (count % 20000)

    def frame(seq, ack, flags, payload=b""):
        tcp = bytearray(struct.pack("!HHIIBBHHH", sport, port, seq, ack, 0x50, flags,
                                    65535, 0, 0) + payload)
        pseudo = src + dst + bytes([0, 6]) + len(tcp).to_bytes(2, "big")
        tcp[16:18] = csum(pseudo + bytes(tcp)).to_bytes(2, "big")
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64,
                                   6, 0, src, dst))
        ip[10:12] = csum(bytes(ip)).to_bytes(2, "big")
        return dmac + smac + b"\x08\x00" + bytes(ip) + bytes(tcp)

    iss = 1000
    s.send(frame(iss, 0, 0x02))
    deadline = time.monotonic() + 5
    while True:
        if time.monotonic() > deadline:
            sys.exit("no SYN-ACK")
        f = s.recv(2048)
        if f[12:14] != b"\x08\x00" or f[23] != 6 or f[26:30] != dst or f[30:34] != src:
            continue
        ihl = (f[14] & 15) * 4
        tcp = f[14 + ihl:]
        sp, dp, seq, ack, _, flags = struct.unpack("!HHIIBB", tcp[:14])
        if sp == port and dp == sport and flags & 0x12 == 0x12:
            break
    rcv = (seq + 1) & 0xFFFFFFFF
    s.send(frame(iss + 1, rcv, 0x10))
    # made first, then sent as fast as the socket takes them: the flood
    # arrives in bursts, as a real one would
    frames = [frame(iss + 2 + i, rcv, 0x10, b"x") for i in range(count)]  # byte 0: the hole
    for f in frames:
        s.send(f)
    print(f"sent {count} segments after a hole", flush=True)


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "stream" and len(sys.argv) == 6:
        stream(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif cmd == "udp" and len(sys.argv) == 5:
        udp(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "udp-echo-server" and len(sys.argv) == 4:
        udp_echo_server(sys.argv[2], int(sys.argv[3]))
    elif cmd == "send" and len(sys.argv) == 5:
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "flood" and len(sys.argv) in (7, 8):
        flood(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), int(sys.argv[6]),
              sys.argv[7] if len(sys.argv) == 8 else None)
    elif cmd == "hold" and len(sys.argv) >= 7:
        hold(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6:])
    elif cmd == "dns-server" and len(sys.argv) == 5:
        dns_server(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "udp-spoof" and len(sys.argv) == 8:
        udp_spoof(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]),
                  int(sys.argv[7]))
    elif cmd == "ooseq" and len(sys.argv) == 9:
        ooseq(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], int(sys.argv[7]),
              int(sys.argv[8]))
    elif cmd == "tcp-sink" and len(sys.argv) == 4:
        tcp_sink(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
