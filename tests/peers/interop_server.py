"""grpc.testing.TestService interop server on grpcio (Courier's Python interop peer).

Usage: python interop_server.py --port=PORT

Implements the server features of the gRPC interop test descriptions that need no credentials:
EmptyCall, UnaryCall, StreamingInputCall, StreamingOutputCall, FullDuplexCall, CompressedResponse,
Echo Status, Echo Metadata. UnimplementedCall is left unimplemented (grpcio
answers UNIMPLEMENTED) and UnimplementedService is not registered. Prints `listening PORT` once
it serves, then runs until killed.

Not implemented: CompressedRequest. grpcio shows a server neither the per-message compressed flag
nor the call's `grpc-encoding` header, so it cannot tell a compressed request from a plain one;
the harness (crates/xtask/src/interop.rs) skips client_compressed_* against this server.
"""

import sys
import time
from concurrent import futures

import grpc

import interop_common as common

empty_pb2, messages_pb2, test_pb2, test_pb2_grpc = common.load_stubs()


def payload(size):
    return messages_pb2.Payload(body=b"\0" * size)


def echo_metadata(context):
    """Echo Metadata: the initial key back as initial metadata, the trailing key as trailers."""
    initial, trailing = [], []
    for key, value in context.invocation_metadata():
        if key == common.ECHO_INITIAL:
            initial.append((key, value))
        elif key == common.ECHO_TRAILING:
            trailing.append((key, value))
    if initial:
        context.send_initial_metadata(initial)
    if trailing:
        context.set_trailing_metadata(trailing)


def echo_status(request, context):
    """Echo Status: end the call with the requested code and message."""
    if request.HasField("response_status") and request.response_status.code != 0:
        context.abort(grpc.StatusCode(_code(request.response_status.code)),
                      request.response_status.message)


def _code(number):
    for code in grpc.StatusCode:
        if code.value[0] == number:
            return code.value
    return grpc.StatusCode.UNKNOWN.value


class TestService(test_pb2_grpc.TestServiceServicer):
    def EmptyCall(self, request, context):
        echo_metadata(context)
        return empty_pb2.Empty()

    def UnaryCall(self, request, context):
        echo_metadata(context)
        echo_status(request, context)
        if request.HasField("response_compressed") and request.response_compressed.value:
            context.set_compression(grpc.Compression.Gzip)
        return messages_pb2.SimpleResponse(payload=payload(request.response_size))

    def StreamingInputCall(self, request_iterator, context):
        echo_metadata(context)
        total = 0
        for request in request_iterator:
            total += len(request.payload.body)
        return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)

    def StreamingOutputCall(self, request, context):
        echo_metadata(context)
        echo_status(request, context)
        yield from responses(request, context)

    def FullDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        for request in request_iterator:
            echo_status(request, context)
            yield from responses(request, context)

    def HalfDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        requests = list(request_iterator)
        for request in requests:
            echo_status(request, context)
            yield from responses(request, context)


def responses(request, context):
    """One response per ResponseParameters, honouring interval_us and compressed."""
    for params in request.response_parameters:
        if params.interval_us > 0:
            time.sleep(params.interval_us / 1e6)
        if params.HasField("compressed") and params.compressed.value:
            context.set_compression(grpc.Compression.Gzip)
        else:
            context.disable_next_message_compression()
        yield messages_pb2.StreamingOutputCallResponse(payload=payload(params.size))


def main():
    port = int(common.flag(sys.argv[1:], "port", "0"))
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=64),
        options=[
            ("grpc.max_receive_message_length", 16 << 20),
            ("grpc.max_send_message_length", 16 << 20),
        ],
    )
    test_pb2_grpc.add_TestServiceServicer_to_server(TestService(), server)
    creds = common.tls_server(sys.argv[1:])
    if creds is None:
        bound = server.add_insecure_port(f"127.0.0.1:{port}")
    else:
        bound = server.add_secure_port(f"127.0.0.1:{port}", creds)
    server.start()
    print(f"listening {bound}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
