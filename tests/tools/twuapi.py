# The UAPI socket's request/reply, for the integration tests' Python parts:
#   sys.path.insert(0, os.environ["TW_TESTS"] + "/tools"); import twuapi
import socket


def connect(path, timeout=5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def exchange(s, req):
    """Sends REQ (bytes) on S, returns the reply up to its empty line (bytes),
    or what came before the peer closed or went quiet."""
    out = b""
    try:
        s.sendall(req)
        while not out.endswith(b"\n\n"):
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    return out


def request(path, req, timeout=5):
    with connect(path, timeout) as s:
        return exchange(s, req)
