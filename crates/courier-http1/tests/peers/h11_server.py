"""An HTTP/1.1 server on Python's h11 (a strict sans-IO implementation), the peer for
courier-http1's client (tests/peers.rs). Prints its port, then serves connections one at a
time until killed:

- every response carries `x-served-on-connection: N` (the request's place on its connection);
- `/echo` answers with the request content and trailers (chunked, so trailers can go back),
  plus `x-request-trailers: name=value;...` as a header of what arrived;
- `/close` answers with `connection: close`;
- anything else: `hello from h11` with a Content-Length (no content for HEAD).

A request with `Expect: 100-continue` gets `100 Continue` when the server starts reading its
content. Anything h11 rejects ends the server with its error (the test then fails).
"""

import socket
import sys

import h11


def serve(sock):
    conn = h11.Connection(h11.SERVER)
    served = 0
    while True:
        request = None
        body = b""
        trailers = []
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                if conn.they_are_waiting_for_100_continue:
                    sock.sendall(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
                conn.receive_data(sock.recv(65536))
                continue
            if isinstance(event, h11.ConnectionClosed):
                sock.close()
                return
            if isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                trailers = list(event.headers)
                break
        served += 1
        target = request.target.decode()
        headers = [("x-served-on-connection", str(served))]
        if target == "/echo":
            seen = ";".join(f"{n.decode()}={v.decode()}" for n, v in trailers)
            headers.append(("x-request-trailers", seen or "-"))
            sock.sendall(conn.send(h11.Response(status_code=200, headers=headers)))
            if body:
                sock.sendall(conn.send(h11.Data(data=body)))
            sock.sendall(conn.send(h11.EndOfMessage(headers=trailers)))
        else:
            payload = b"hello from h11\n"
            headers.append(("content-length", str(len(payload))))
            if target == "/close":
                headers.append(("connection", "close"))
            sock.sendall(conn.send(h11.Response(status_code=200, headers=headers)))
            if request.method != b"HEAD":
                sock.sendall(conn.send(h11.Data(data=payload)))
            sock.sendall(conn.send(h11.EndOfMessage()))
        if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
            sock.close()
            return
        conn.start_next_cycle()


def main():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    print(listener.getsockname()[1], flush=True)
    while True:
        sock, _ = listener.accept()
        serve(sock)


if __name__ == "__main__":
    sys.exit(main())
