"""grpc.testing.TestService interop client on grpcio (Courier's Python interop peer).

Usage: python interop_client.py --server_host=HOST --server_port=PORT --test_case=CASE

Runs one test case of the gRPC interop test descriptions and exits 0 when every assertion holds,
1 (with the reason on stderr) when one fails. `--test_case=list` prints the supported cases.

grpcio cannot show a client the per-message compressed flag, so the server_compressed_* cases
check the payloads only, and it compresses whole calls, not single messages: in
client_compressed_streaming the second message (expect_compressed=false) is compressed too,
which the test allows (the server checks only messages that expect compression).
"""

import queue
import sys
import threading

import grpc

import interop_common as common

empty_pb2, messages_pb2, test_pb2, test_pb2_grpc = common.load_stubs()

CASES = {}


def case(f):
    CASES[f.__name__] = f
    return f


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def payload(size):
    return messages_pb2.Payload(body=b"\0" * size)


def zeros(p, size, what):
    check(len(p.body) == size, f"{what}: payload body is {len(p.body)} bytes, expected {size}")
    check(p.body == b"\0" * size, f"{what}: payload body is not all zeros")


def expect_code(err_or_call, code, what):
    got = err_or_call.code()
    check(got == code, f"{what}: status {got}, expected {code} ({err_or_call.details()!r})")


class Pipe:
    """A request iterator fed by the test, closed explicitly (half-close)."""

    def __init__(self):
        self._q = queue.Queue()

    def add(self, item):
        self._q.put(item)

    def close(self):
        self._q.put(None)

    def __iter__(self):
        return self

    def __next__(self):
        item = self._q.get()
        if item is None:
            raise StopIteration
        return item


def large_request(**kw):
    return messages_pb2.SimpleRequest(
        response_size=common.LARGE_RESP, payload=payload(common.LARGE_REQ), **kw
    )


@case
def empty_unary(stub):
    resp = stub.EmptyCall(empty_pb2.Empty())
    check(resp == empty_pb2.Empty(), "empty_unary: response is not empty")


@case
def large_unary(stub):
    resp = stub.UnaryCall(large_request())
    zeros(resp.payload, common.LARGE_RESP, "large_unary")


@case
def client_compressed_unary(stub):
    probe = large_request(expect_compressed=messages_pb2.BoolValue(value=True))
    try:
        stub.UnaryCall(probe)
        raise Failure("client_compressed_unary: the uncompressed probe succeeded")
    except grpc.RpcError as e:
        expect_code(e, grpc.StatusCode.INVALID_ARGUMENT, "client_compressed_unary probe")
    resp = stub.UnaryCall(probe, compression=grpc.Compression.Gzip)
    zeros(resp.payload, common.LARGE_RESP, "client_compressed_unary compressed")
    plain = large_request(expect_compressed=messages_pb2.BoolValue(value=False))
    resp = stub.UnaryCall(plain)
    zeros(resp.payload, common.LARGE_RESP, "client_compressed_unary uncompressed")


@case
def server_compressed_unary(stub):
    for compressed in (True, False):
        req = large_request(response_compressed=messages_pb2.BoolValue(value=compressed))
        resp = stub.UnaryCall(req)
        zeros(resp.payload, common.LARGE_RESP, f"server_compressed_unary({compressed})")


@case
def client_streaming(stub):
    reqs = [messages_pb2.StreamingInputCallRequest(payload=payload(n)) for n in common.INPUT_SIZES]
    resp = stub.StreamingInputCall(iter(reqs))
    check(resp.aggregated_payload_size == 74922,
          f"client_streaming: aggregated size {resp.aggregated_payload_size}, expected 74922")


@case
def client_compressed_streaming(stub):
    yes = messages_pb2.BoolValue(value=True)
    probe = messages_pb2.StreamingInputCallRequest(payload=payload(27182), expect_compressed=yes)
    try:
        stub.StreamingInputCall(iter([probe]))
        raise Failure("client_compressed_streaming: the uncompressed probe succeeded")
    except grpc.RpcError as e:
        expect_code(e, grpc.StatusCode.INVALID_ARGUMENT, "client_compressed_streaming probe")
    second = messages_pb2.StreamingInputCallRequest(
        payload=payload(45904), expect_compressed=messages_pb2.BoolValue(value=False)
    )
    resp = stub.StreamingInputCall(iter([probe, second]), compression=grpc.Compression.Gzip)
    check(resp.aggregated_payload_size == 73086,
          f"client_compressed_streaming: aggregated {resp.aggregated_payload_size}, expected 73086")


@case
def server_streaming(stub):
    req = messages_pb2.StreamingOutputCallRequest(
        response_parameters=[messages_pb2.ResponseParameters(size=n) for n in common.OUTPUT_SIZES]
    )
    got = list(stub.StreamingOutputCall(req))
    check(len(got) == 4, f"server_streaming: {len(got)} responses, expected 4")
    for resp, n in zip(got, common.OUTPUT_SIZES):
        zeros(resp.payload, n, "server_streaming")


@case
def server_compressed_streaming(stub):
    req = messages_pb2.StreamingOutputCallRequest(
        response_parameters=[
            messages_pb2.ResponseParameters(size=31415, compressed=messages_pb2.BoolValue(value=True)),
            messages_pb2.ResponseParameters(size=92653, compressed=messages_pb2.BoolValue(value=False)),
        ]
    )
    got = list(stub.StreamingOutputCall(req))
    check(len(got) == 2, f"server_compressed_streaming: {len(got)} responses, expected 2")
    zeros(got[0].payload, 31415, "server_compressed_streaming")
    zeros(got[1].payload, 92653, "server_compressed_streaming")


@case
def ping_pong(stub):
    pipe = Pipe()
    responses = stub.FullDuplexCall(pipe)
    for req_size, resp_size in zip(common.OUTPUT_SIZES, common.INPUT_SIZES):
        pipe.add(messages_pb2.StreamingOutputCallRequest(
            response_parameters=[messages_pb2.ResponseParameters(size=resp_size)],
            payload=payload(req_size),
        ))
        resp = next(responses)
        zeros(resp.payload, resp_size, "ping_pong")
    pipe.close()
    rest = list(responses)
    check(not rest, f"ping_pong: {len(rest)} responses after half-close")


@case
def empty_stream(stub):
    got = list(stub.FullDuplexCall(iter([])))
    check(not got, f"empty_stream: {len(got)} responses, expected none")


@case
def custom_metadata(stub):
    md = ((common.ECHO_INITIAL, "test_initial_metadata_value"),
          (common.ECHO_TRAILING, b"\xab\xab\xab"))

    def check_md(call, what):
        initial = dict(call.initial_metadata())
        trailing = dict(call.trailing_metadata())
        check(initial.get(common.ECHO_INITIAL) == "test_initial_metadata_value",
              f"custom_metadata {what}: initial metadata {initial}")
        check(trailing.get(common.ECHO_TRAILING) == b"\xab\xab\xab",
              f"custom_metadata {what}: trailing metadata {trailing}")

    resp, call = stub.UnaryCall.with_call(large_request(), metadata=md)
    zeros(resp.payload, common.LARGE_RESP, "custom_metadata unary")
    check_md(call, "unary")
    req = messages_pb2.StreamingOutputCallRequest(
        response_parameters=[messages_pb2.ResponseParameters(size=common.LARGE_RESP)],
        payload=payload(common.LARGE_REQ),
    )
    call = stub.FullDuplexCall(iter([req]), metadata=md)
    got = list(call)
    check(len(got) == 1, f"custom_metadata full duplex: {len(got)} responses")
    zeros(got[0].payload, common.LARGE_RESP, "custom_metadata full duplex")
    check_md(call, "full duplex")


def _status_case(stub, message, what, duplex):
    status = messages_pb2.EchoStatus(code=2, message=message)
    try:
        stub.UnaryCall(messages_pb2.SimpleRequest(response_status=status))
        raise Failure(f"{what} unary: the call succeeded")
    except grpc.RpcError as e:
        expect_code(e, grpc.StatusCode.UNKNOWN, f"{what} unary")
        check(e.details() == message, f"{what} unary: message {e.details()!r}")
    if duplex:
        req = messages_pb2.StreamingOutputCallRequest(response_status=status)
        try:
            list(stub.FullDuplexCall(iter([req])))
            raise Failure(f"{what} full duplex: the call succeeded")
        except grpc.RpcError as e:
            expect_code(e, grpc.StatusCode.UNKNOWN, f"{what} full duplex")
            check(e.details() == message, f"{what} full duplex: message {e.details()!r}")


@case
def status_code_and_message(stub):
    _status_case(stub, "test status message", "status_code_and_message", True)


@case
def special_status_message(stub):
    _status_case(stub, common.SPECIAL_MESSAGE, "special_status_message", False)


@case
def unimplemented_method(stub):
    try:
        stub.UnimplementedCall(empty_pb2.Empty())
        raise Failure("unimplemented_method: the call succeeded")
    except grpc.RpcError as e:
        expect_code(e, grpc.StatusCode.UNIMPLEMENTED, "unimplemented_method")


@case
def unimplemented_service(stub):
    other = test_pb2_grpc.UnimplementedServiceStub(stub._courier_channel)
    try:
        other.UnimplementedCall(empty_pb2.Empty())
        raise Failure("unimplemented_service: the call succeeded")
    except grpc.RpcError as e:
        expect_code(e, grpc.StatusCode.UNIMPLEMENTED, "unimplemented_service")


@case
def cancel_after_begin(stub):
    pipe = Pipe()
    future = stub.StreamingInputCall.future(pipe)
    future.cancel()
    check(future.cancelled(), "cancel_after_begin: the call is not cancelled")
    expect_code(future, grpc.StatusCode.CANCELLED, "cancel_after_begin")
    pipe.close()


@case
def cancel_after_first_response(stub):
    pipe = Pipe()
    responses = stub.FullDuplexCall(pipe)
    pipe.add(messages_pb2.StreamingOutputCallRequest(
        response_parameters=[messages_pb2.ResponseParameters(size=31415)],
        payload=payload(27182),
    ))
    zeros(next(responses).payload, 31415, "cancel_after_first_response")
    responses.cancel()
    try:
        next(responses)
        raise Failure("cancel_after_first_response: a response after cancel")
    except grpc.RpcError as e:
        expect_code(e, grpc.StatusCode.CANCELLED, "cancel_after_first_response")
    pipe.close()


@case
def timeout_on_sleeping_server(stub):
    pipe = Pipe()
    responses = stub.FullDuplexCall(pipe, timeout=0.001)
    pipe.add(messages_pb2.StreamingOutputCallRequest(payload=payload(27182)))
    try:
        next(responses)
        raise Failure("timeout_on_sleeping_server: a response arrived")
    except grpc.RpcError as e:
        expect_code(e, grpc.StatusCode.DEADLINE_EXCEEDED, "timeout_on_sleeping_server")
    pipe.close()


@case
def concurrent_large_unary(stub):
    calls = int(common.flag(sys.argv[1:], "num_calls", "1000"))
    req = large_request()
    futures = [stub.UnaryCall.future(req) for _ in range(calls)]
    for f in futures:
        zeros(f.result().payload, common.LARGE_RESP, "concurrent_large_unary")


def main():
    argv = sys.argv[1:]
    name = common.flag(argv, "test_case", "")
    if name == "list":
        print("\n".join(CASES))
        return 0
    if name not in CASES:
        print(f"interop_client.py: unknown --test_case {name!r}", file=sys.stderr)
        return 2
    host = common.flag(argv, "server_host", "127.0.0.1")
    port = common.flag(argv, "server_port")
    options = [("grpc.max_receive_message_length", 16 << 20)]
    creds, tls_options = common.tls_client(argv)
    if creds is None:
        channel = grpc.insecure_channel(f"{host}:{port}", options=options)
    else:
        channel = grpc.secure_channel(f"{host}:{port}", creds, options=options + tls_options)
    with channel:
        stub = test_pb2_grpc.TestServiceStub(channel)
        stub._courier_channel = channel
        try:
            CASES[name](stub)
        except Failure as e:
            print(f"FAIL {e}", file=sys.stderr)
            return 1
        except grpc.RpcError as e:
            print(f"FAIL {name}: unexpected status {e.code()} {e.details()!r}", file=sys.stderr)
            return 1
    print(f"PASS {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
