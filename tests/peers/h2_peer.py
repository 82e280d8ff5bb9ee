"""A Python h2 (hyper-h2) endpoint speaking HTTP/2 over stdin/stdout, for courier-h2 interop.

Usage: h2_peer.py server | client

server: answers GET with 200 and the body "hello from python h2", and POST by echoing the
        request body, with a trailer x-echo-len.
client: sends GET /, POST /echo (100,000 octets) and 10 more GETs concurrently, then closes the
        connection and prints one JSON object per stream to stderr.

Large bodies are sent as flow control allows, resuming on WINDOW_UPDATE.
"""
import json
import os
import sys

import h2.config
import h2.connection
import h2.events

OUT = sys.stdout.buffer


def flush(conn):
    data = conn.data_to_send()
    if data:
        OUT.write(data)
        OUT.flush()


class Sender:
    """Body bytes waiting for flow-control window, per stream."""

    def __init__(self, conn):
        self.conn = conn
        self.pending = {}  # stream_id -> [bytes, end_stream, trailers]

    def send(self, stream_id, body, trailers=None):
        self.pending[stream_id] = [body, trailers]
        self.pump()

    def pump(self):
        for stream_id in list(self.pending):
            body, trailers = self.pending[stream_id]
            while body:
                window = min(self.conn.local_flow_control_window(stream_id),
                             self.conn.max_outbound_frame_size)
                if window <= 0:
                    break
                chunk, body = body[:window], body[window:]
                self.conn.send_data(stream_id, chunk, end_stream=(not body and trailers is None))
            self.pending[stream_id][0] = body
            if not body:
                if trailers is not None:
                    self.conn.send_headers(stream_id, trailers, end_stream=True)
                del self.pending[stream_id]


def serve():
    conn = h2.connection.H2Connection(
        config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
    conn.initiate_connection()
    flush(conn)
    sender = Sender(conn)
    requests = {}
    while True:
        data = os.read(0, 65536)
        if not data:
            return
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.RequestReceived):
                requests[ev.stream_id] = {"headers": dict(ev.headers), "body": b""}
            elif isinstance(ev, h2.events.DataReceived):
                requests[ev.stream_id]["body"] += ev.data
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                req = requests.pop(ev.stream_id)
                if req["headers"][":method"] == "POST":
                    body = req["body"]
                    conn.send_headers(ev.stream_id, [(":status", "200")])
                    sender.send(ev.stream_id, body, [("x-echo-len", str(len(body)))])
                else:
                    body = b"hello from python h2"
                    conn.send_headers(ev.stream_id, [(":status", "200"),
                                                     ("content-length", str(len(body)))])
                    sender.send(ev.stream_id, body)
            elif isinstance(ev, h2.events.WindowUpdated):
                sender.pump()
            elif isinstance(ev, h2.events.ConnectionTerminated):
                flush(conn)
                return
        flush(conn)


def client():
    conn = h2.connection.H2Connection(
        config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    sender = Sender(conn)
    results = {}

    def request(method, path, body=None):
        sid = conn.get_next_available_stream_id()
        headers = [(":method", method), (":scheme", "http"), (":authority", "localhost"),
                   (":path", path)]
        conn.send_headers(sid, headers, end_stream=body is None)
        if body is not None:
            sender.send(sid, body)
        results[sid] = {"path": path, "status": None, "body_len": 0, "body_head": "",
                        "trailers": {}, "ended": False}

    request("GET", "/")
    request("POST", "/echo", bytes(i % 251 for i in range(100_000)))
    for i in range(10):
        request("GET", "/n/%d" % i)
    flush(conn)
    bodies = {sid: b"" for sid in results}
    while not all(r["ended"] for r in results.values()):
        data = os.read(0, 65536)
        if not data:
            break
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.ResponseReceived):
                results[ev.stream_id]["status"] = dict(ev.headers)[":status"]
            elif isinstance(ev, h2.events.DataReceived):
                bodies[ev.stream_id] += ev.data
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.TrailersReceived):
                results[ev.stream_id]["trailers"] = dict(ev.headers)
            elif isinstance(ev, h2.events.StreamEnded):
                results[ev.stream_id]["ended"] = True
            elif isinstance(ev, h2.events.WindowUpdated):
                sender.pump()
        flush(conn)
    for sid, body in bodies.items():
        results[sid]["body_len"] = len(body)
        results[sid]["body_head"] = body[:32].decode("latin-1")
        results[sid]["body_ok"] = body == (bytes(i % 251 for i in range(100_000))
                                           if results[sid]["path"] == "/echo" else body)
    conn.close_connection()
    flush(conn)
    sys.stderr.write(json.dumps({str(k): v for k, v in results.items()}) + "\n")


if __name__ == "__main__":
    {"server": serve, "client": client}[sys.argv[1]]()
