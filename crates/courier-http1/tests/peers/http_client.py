"""Python's http.client (the standard library's HTTP/1.1 client) against courier-http1's
server (tests/peers.rs): keep-alive on one socket, content with a length and chunked, a
chunked response, HEAD, and HTTP/1.0. Prints one JSON object with what it saw."""

import http.client
import json
import socket
import sys

port = int(sys.argv[1])
out = {}
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
sockets = set()


def get(method, path, **kw):
    conn.request(method, path, **kw)
    resp = conn.getresponse()
    data = resp.read()
    sockets.add(id(conn.sock))
    return resp, data


for i in range(3):
    resp, data = get("GET", "/")
    out[f"get{i}"] = [resp.status, data.decode()]
payload = bytes(range(256)) * 400
resp, data = get("POST", "/", body=payload)
out["post_echo"] = data == payload


def chunks():
    yield b"abc"
    yield b"def" * 1000


resp, data = get("POST", "/", body=chunks())
out["chunked_echo"] = data == b"abc" + b"def" * 1000
resp, data = get("GET", "/stream")
out["stream"] = data.decode()
out["stream_te"] = resp.getheader("transfer-encoding")
resp, data = get("HEAD", "/")
out["head"] = [resp.status, resp.getheader("content-length"), data.decode()]
out["one_socket"] = len(sockets) == 1 and conn.sock is not None
conn.close()

# HTTP/1.0 by hand: the server closes after the response.
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
raw = b""
while True:
    part = s.recv(65536)
    if not part:
        break
    raw += part
out["http10"] = raw.decode(errors="replace")
print(json.dumps(out))
