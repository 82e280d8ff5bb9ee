"""The reference xDS client of `cargo xtask xds`: grpcio (C-core's xDS support) with a channel to
an `xds:///` target, configured by its own bootstrap (GRPC_XDS_BOOTSTRAP in the environment).
Driven through stdin, one JSON command per line, each answered by one JSON line:

    {"cmd": "calls", "n": 200, "method": "Unary"|"ServerStream", "metadata": [["k", "v"]],
     "concurrency": 8, "timeout": 5, "target": optional plain address instead of the xDS one, "fresh": a new channel to it}
        -> {"counts": {backend: n}, "errors": {code: n}, "by_key": {metadata value: [backends]}}
    {"cmd": "csds", "target": "host:port"}  -> {"configs": [...]}: a CSDS server's answer
    {"cmd": "dump"}  -> {"configs": [...]}: grpcio's own xDS configuration dump
    {"cmd": "stop"}

The backends answer with their name first in the message (courier.echo.Echo).

usage: ref_client.py TARGET PROTO_DIR OUT_DIR
"""

import json
import sys
import threading
from concurrent import futures

import grpc
from grpc_tools import protoc


def load_echo(proto_dir, out_dir):
    rc = protoc.main(
        ["protoc", f"-I{proto_dir}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}", "echo.proto"]
    )
    if rc != 0:
        raise SystemExit(f"protoc failed: {rc}")
    sys.path.insert(0, out_dir)
    import echo_pb2
    import echo_pb2_grpc

    return echo_pb2, echo_pb2_grpc


def main():
    target, proto_dir, out_dir = sys.argv[1:4]
    echo_pb2, echo_pb2_grpc = load_echo(proto_dir, out_dir)
    channel = grpc.insecure_channel(target)
    # Leave IDLE now: the xDS resolver subscribes before the first call.
    channel.subscribe(lambda state: None, try_to_connect=True)
    stub = echo_pb2_grpc.EchoStub(channel)
    direct = {}  # target -> stub, for calls to a plain address (an xDS server)
    print(json.dumps({"ok": True}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "stop":
            print(json.dumps({"ok": True}), flush=True)
            return
        if cmd["cmd"] in ("csds", "dump"):
            from envoy.service.status.v3 import csds_pb2, csds_pb2_grpc

            if cmd["cmd"] == "csds":
                # Courier's CSDS service, over the network.
                with grpc.insecure_channel(cmd["target"]) as ch:
                    resp = csds_pb2_grpc.ClientStatusDiscoveryServiceStub(ch).FetchClientStatus(
                        csds_pb2.ClientStatusRequest(), timeout=5
                    )
            else:
                # grpcio's own configuration dump (what its CSDS service serves).
                from grpc._cython import cygrpc

                resp = csds_pb2.ClientStatusResponse.FromString(cygrpc.dump_xds_configs())
            out = []
            for cfg in resp.config:
                for g in cfg.generic_xds_configs:
                    out.append(
                        {
                            "type_url": g.type_url,
                            "name": g.name,
                            "version": g.version_info,
                            "status": g.client_status,
                            "error_version": g.error_state.version_info,
                            "has_error": bool(g.error_state.details),
                            "node": cfg.node.id,
                        }
                    )
            print(json.dumps({"configs": out}), flush=True)
            continue
        if cmd["cmd"] != "calls":
            print(json.dumps({"error": "unknown command"}), flush=True)
            continue
        counts, errors, by_key = {}, {}, {}
        call_stub = stub
        if cmd.get("target"):
            if cmd["target"] not in direct or cmd.get("fresh"):
                direct[cmd["target"]] = echo_pb2_grpc.EchoStub(grpc.insecure_channel(cmd["target"]))
            call_stub = direct[cmd["target"]]
        lock = threading.Lock()
        key_name = cmd.get("key")

        def one(i):
            md = [tuple(kv) for kv in cmd.get("metadata", [])]
            key = None
            if key_name:
                key = f"user-{i % cmd.get('keys', 20)}"
                md.append((key_name, key))
            req = echo_pb2.EchoRequest(
                message="x",
                fail_code=cmd.get("fail_code", 0),
                count=cmd.get("count", 0),
                delay_ms=cmd.get("delay_ms", 0),
            )
            try:
                if cmd.get("method", "Unary") == "Unary":
                    r = call_stub.Unary(req, metadata=md, timeout=cmd.get("timeout", 5))
                    name = r.message.split(" ")[0]
                else:
                    req.count = 1
                    name = None
                    for r in call_stub.ServerStream(req, metadata=md, timeout=cmd.get("timeout", 5)):
                        name = r.message.split(" ")[0]
                with lock:
                    counts[name] = counts.get(name, 0) + 1
                    if key is not None:
                        s = by_key.setdefault(key, [])
                        if name not in s:
                            s.append(name)
            except grpc.RpcError as e:
                with lock:
                    code = e.code().name
                    errors[code] = errors.get(code, 0) + 1

        with futures.ThreadPoolExecutor(max_workers=cmd.get("concurrency", 1)) as pool:
            list(pool.map(one, range(cmd["n"])))
        print(json.dumps({"counts": counts, "errors": errors, "by_key": by_key}), flush=True)


if __name__ == "__main__":
    main()
