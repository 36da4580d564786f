#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The QEMU side of -netdev bridge, for tests: runs a bridge helper the way
QEMU does (a socketpair, the helper gets one end as --fd=N), receives the TAP
fd it sends with SCM_RIGHTS and reports what the fd is, as one JSON line.

    fake-qemu.py [--hold SECONDS] [--as-user USER] [--gone] HELPER ARGS...

ARGS may contain the word FD, replaced by the number of the helper's end.
Exit status: the helper's. The report goes to stdout; the helper's stderr
passes through unchanged. --gone closes our end before the helper starts,
like a QEMU that died: the helper's send must fail.
"""
import array
import fcntl
import json
import os
import pwd
import socket
import struct
import subprocess
import sys
import time

TUNGETIFF = 0x800454D2
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
IFF_VNET_HDR = 0x4000


def recv_fd(sock):
    fds = array.array("i")
    msg, anc, _flags, _addr = sock.recvmsg(16, socket.CMSG_SPACE(fds.itemsize))
    for level, ctype, data in anc:
        if level == socket.SOL_SOCKET and ctype == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    return msg, list(fds)


def describe(fd):
    ifr = fcntl.ioctl(fd, TUNGETIFF, b"\0" * 40)
    name = ifr[:16].split(b"\0", 1)[0].decode()
    flags = struct.unpack("H", ifr[16:18])[0]
    info = {"ifname": name, "tap": bool(flags & IFF_TAP), "no_pi": bool(flags & IFF_NO_PI),
            "vnet_hdr": bool(flags & IFF_VNET_HDR)}
    link = json.loads(subprocess.run(["ip", "-j", "-d", "link", "show", "dev", name],
                                     capture_output=True, check=True, text=True).stdout)[0]
    info.update(mtu=link.get("mtu"), master=link.get("master"), up="UP" in link.get("flags", []),
                address=link.get("address"))
    return info


def main():
    args = sys.argv[1:]
    hold, user, gone = 0.0, None, False
    while args and args[0].startswith("--"):
        if args[0] == "--gone":
            gone = True
            args = args[1:]
            continue
        if args[0] == "--hold":
            hold = float(args[1])
        elif args[0] == "--as-user":
            user = args[1]
        args = args[2:]
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    cmd = [a.replace("FD", str(child.fileno())) for a in args]
    pre = None
    if user:
        pw = pwd.getpwnam(user)

        def pre():
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
    if gone:
        parent.close()
    proc = subprocess.Popen(cmd, pass_fds=[child.fileno()], preexec_fn=pre)
    child.close()
    msg, fds = recv_fd(parent) if not gone else (b"", [])
    rc = proc.wait()
    report = {"rc": rc, "fds": len(fds), "msg": msg.hex()}
    if fds:
        report.update(describe(fds[0]))
    print(json.dumps(report), flush=True)
    if hold:
        time.sleep(hold)
    for fd in fds:
        os.close(fd)
    return rc


if __name__ == "__main__":
    sys.exit(main())
