"""grpcio's own gRFC A66 metrics for tests/grpcio_metrics.rs: a grpcio server and client with
grpcio-observability's OpenTelemetryPlugin (an in-memory reader) make the calls the Courier
side makes — a unary OK call (/courier.echo.Echo/Unary, message "m"), a unary call the server
answers NOT_FOUND (fail_code 5), and a call of a method the server does not have
(/courier.echo.Echo/Nope, UNIMPLEMENTED) — and the metrics are printed as one JSON list:
[{"name", "unit", "points": [{"attributes": {...}}]}]."""

import json
import time
from concurrent import futures

import grpc
import grpc_observability
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

reader = InMemoryMetricReader()
provider = MeterProvider(metric_readers=[reader])
plugin = grpc_observability.OpenTelemetryPlugin(meter_provider=provider)
plugin.register_global()

# courier.echo.EchoRequest: fail_code = 5 is field 3, varint 5.
FAIL_NOT_FOUND = b"\x18\x05"


def unary(request, context):
    if request == FAIL_NOT_FOUND:
        context.abort(grpc.StatusCode.NOT_FOUND, "asked to fail")
    # EchoResponse.message is field 1, as EchoRequest.message: the bytes echo as they are.
    return request


server = grpc.server(futures.ThreadPoolExecutor(2))
# Registered (not generic) handlers: grpcio records their method names (a generic handler's
# calls are recorded as "other").
server.add_registered_method_handlers(
    "courier.echo.Echo", {"Unary": grpc.unary_unary_rpc_method_handler(unary)}
)
port = server.add_insecure_port("127.0.0.1:0")
server.start()

channel = grpc.insecure_channel(f"127.0.0.1:{port}")
echo = channel.unary_unary("/courier.echo.Echo/Unary", _registered_method=True)
nope = channel.unary_unary("/courier.echo.Echo/Nope", _registered_method=True)
assert echo(b"\x0a\x01m") == b"\x0a\x01m"
for call, request, code in ((echo, FAIL_NOT_FOUND, grpc.StatusCode.NOT_FOUND), (nope, b"", grpc.StatusCode.UNIMPLEMENTED)):
    try:
        call(request)
        raise SystemExit(f"expected {code}")
    except grpc.RpcError as e:
        assert e.code() == code, e
# grpcio-observability hands the C core's records to OpenTelemetry from a background thread,
# every few seconds: wait (bounded) until every instrument has its points.
WANTED = {
    "grpc.client.attempt.started": 2,
    "grpc.client.attempt.duration": 3,
    "grpc.server.call.started": 2,
    "grpc.server.call.duration": 3,
}


def points(data):
    n = {}
    for rm in data.resource_metrics if data else []:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                n[m.name] = len(m.data.data_points)
    return n


deadline = time.monotonic() + 30
data = reader.get_metrics_data()
while time.monotonic() < deadline and any(points(data).get(k, 0) < v for k, v in WANTED.items()):
    time.sleep(0.2)
    data = reader.get_metrics_data()
channel.close()
server.stop(0)

out = []
for rm in data.resource_metrics if data else []:
    for sm in rm.scope_metrics:
        for m in sm.metrics:
            out.append(
                {
                    "name": m.name,
                    "unit": m.unit,
                    "points": [{"attributes": dict(p.attributes)} for p in m.data.data_points],
                }
            )
plugin.deregister_global()
print(json.dumps(out), flush=True)
