"""grpc.testing.TestService on grpcio with server reflection, for the `courier` tool's tests.

Usage: python cli_server.py [--port=PORT | --unix=PATH] [TLS flags of interop_common.tls_server]

The service is interop_server.py's (Echo Metadata, Echo Status, ResponseParameters with
interval_us, ...). Reflection is grpcio-reflection's, which serves grpc.reflection.v1alpha only:
the tool must fall back to it. Prints `listening PORT` (or `listening unix:PATH`) once it
serves, then runs until killed.
"""

import sys
from concurrent import futures

import grpc
from grpc_reflection.v1alpha import reflection

import interop_common as common
import interop_server


def main():
    argv = sys.argv[1:]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
    interop_server.test_pb2_grpc.add_TestServiceServicer_to_server(
        interop_server.TestService(), server
    )
    names = (
        interop_server.test_pb2.DESCRIPTOR.services_by_name["TestService"].full_name,
        reflection.SERVICE_NAME,
    )
    reflection.enable_server_reflection(names, server)
    creds = common.tls_server(argv)
    unix = common.flag(argv, "unix")
    address = f"unix:{unix}" if unix else f"127.0.0.1:{int(common.flag(argv, 'port', '0'))}"
    if creds is None:
        bound = server.add_insecure_port(address)
    else:
        bound = server.add_secure_port(address, creds)
    server.start()
    print(f"listening {address if unix else bound}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
