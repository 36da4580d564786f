# WireGuard handshake initiations with a valid mac1 for a responder's public
# key (so each one costs the responder real work), from 198.51.100.3, at a
# steady rate; prints how many were sent. Used by the wg_cookie_load and
# wg_flood_cpu integration tests.
#   python3 wg_flood.py PUBKEY_FILE SECONDS DST_IP DST_PORT RATE
import base64, hashlib, os, socket, struct, sys, time

pub = base64.b64decode(open(sys.argv[1]).read().strip())
key = hashlib.blake2s(b"mac1----" + pub).digest()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.3", 0))
s.setblocking(False)
msgs = []
for _ in range(512):
    body = struct.pack("<I", 1) + os.urandom(112)
    mac1 = hashlib.blake2s(body, digest_size=16, key=key).digest()
    msgs.append(body + mac1 + bytes(16))
start = time.time()
end = start + float(sys.argv[2])
dst = (sys.argv[3], int(sys.argv[4]))
rate = int(sys.argv[5])
n = 0
while time.time() < end:
    for m in msgs:
        try:
            s.sendto(m, dst)
            n += 1
        except BlockingIOError:
            pass
    ahead = n / rate - (time.time() - start)
    if ahead > 0:
        time.sleep(ahead)
print(n)
