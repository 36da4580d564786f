# tapwire-wg's UAPI socket with every connection slot held by clients that
# connect and send nothing: a new client is refused while they are fresh,
# and once they have been silent for a second it takes the place of the one
# idle longest, which is closed; wg(8) keeps working throughout.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
. "$TW_TESTS/wglib.sh"

ns_new NST
IFT=$(wg_ifname t)
wg_start PIDT "$NST" "$IFT" "$WG_TW"

cat >"$TW_TMP/idle.py" <<'PY'
import os, socket, sys, time
sys.path.insert(0, os.environ["TW_TESTS"] + "/tools")
import twuapi
path, slots = sys.argv[1], int(sys.argv[2])
conn = lambda: twuapi.connect(path, 3)
get = lambda s: twuapi.exchange(s, b"get=1\n\n")
def closed(s):
    s.settimeout(0.5)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True
silent = [conn() for _ in range(slots)]
t0 = time.time()
late = get(conn())
fresh = time.time() - t0 < 0.9
print("ok" if not late or not fresh else "fail",
      "a client beyond %d fresh silent ones is refused (%d bytes)" % (slots, len(late)))
time.sleep(1.5)
ans = get(conn())
print("ok" if ans.endswith(b"errno=0\n\n") else "fail",
      "after a second of silence a new client is answered (%r)" % ans[-12:])
gone = [i for i, s in enumerate(silent) if closed(s)]
print("ok" if len(gone) == 1 else "fail", "exactly one silent client was closed for it (%s)" % gone)
PY

while IFS= read -r line; do
	case $line in
	ok\ *) ok "${line#ok }" ;;
	*) fail "${line#fail }" ;;
	esac
done < <(python3 "$TW_TMP/idle.py" "$WG_RUN/$IFT.sock" 16)
check "wg show works afterwards" wg show "$IFT"
check "tapwire-wg is alive" kill -0 "$PIDT"
finish
