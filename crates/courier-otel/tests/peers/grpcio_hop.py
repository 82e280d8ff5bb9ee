"""A grpcio hop for tests/grpcio_hop.rs: a grpcio server, instrumented with
opentelemetry-instrumentation-grpc (W3C traceparent, the OpenTelemetry Python default), whose
handler of /courier.echo.Echo/Unary forwards the request to the Courier server named by argv[1]
through an instrumented grpcio channel. Prints "PORT <port>", serves until stdin closes, then
prints its finished spans as one JSON line."""

import json
import sys
from concurrent import futures

import grpc
from opentelemetry import trace
from opentelemetry.instrumentation.grpc import GrpcInstrumentorClient, GrpcInstrumentorServer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
GrpcInstrumentorServer().instrument()
GrpcInstrumentorClient().instrument()

downstream = grpc.insecure_channel(sys.argv[1])
forward = downstream.unary_unary("/courier.echo.Echo/Unary")


def unary(request, context):
    return forward(request)


server = grpc.server(futures.ThreadPoolExecutor(2))
server.add_generic_rpc_handlers(
    (
        grpc.method_handlers_generic_handler(
            "courier.echo.Echo", {"Unary": grpc.unary_unary_rpc_method_handler(unary)}
        ),
    )
)
port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(f"PORT {port}", flush=True)
sys.stdin.read()
server.stop(0)
spans = [
    {
        "name": s.name,
        "kind": s.kind.name,
        "trace_id": format(s.context.trace_id, "032x"),
        "span_id": format(s.context.span_id, "016x"),
        "parent": format(s.parent.span_id, "016x") if s.parent else None,
    }
    for s in exporter.get_finished_spans()
]
print(json.dumps(spans), flush=True)
