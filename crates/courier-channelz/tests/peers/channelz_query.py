"""A grpcio channelz client for tests/channelz.rs: queries the Channelz service at argv[1]
with grpcio-channelz's own stubs (grpc_channelz.v1) for the channel whose target is argv[2]
and the server listening on port argv[3], and prints what it found as one JSON object of
flat keys (a missing entity is a failure: non-zero exit)."""

import json
import sys

import grpc
from grpc_channelz.v1 import channelz_pb2, channelz_pb2_grpc

admin, target, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
stub = channelz_pb2_grpc.ChannelzStub(grpc.insecure_channel(admin))
out = {}


def page_all(fetch, items, start_field, id_of):
    """Every item of a paginated listing, one item per page (checks `end` on the way)."""
    found, start, pages = [], 0, 0
    while True:
        r = fetch(start)
        pages += 1
        got = items(r)
        assert len(got) <= 1, "max_results=1 gave more than one item"
        found.extend(got)
        if r.end:
            return found, pages
        assert got, "a page that is not the end must hold something"
        start = id_of(got[-1]) + 1


channels, out["top_channel_pages"] = page_all(
    lambda s: stub.GetTopChannels(channelz_pb2.GetTopChannelsRequest(start_channel_id=s, max_results=1)),
    lambda r: list(r.channel),
    "start_channel_id",
    lambda c: c.ref.channel_id,
)
channel = next(c for c in channels if c.data.target == target)
d = channel.data
out["channel.calls_started"] = d.calls_started
out["channel.calls_succeeded"] = d.calls_succeeded
out["channel.calls_failed"] = d.calls_failed
out["channel.last_call_started"] = d.last_call_started_timestamp.seconds
out["channel.state"] = channelz_pb2.ChannelConnectivityState.State.Name(d.state.state)
out["channel.subchannels"] = len(channel.subchannel_ref)

sub = stub.GetSubchannel(
    channelz_pb2.GetSubchannelRequest(subchannel_id=channel.subchannel_ref[0].subchannel_id)
).subchannel
d = sub.data
out["subchannel.calls_started"] = d.calls_started
out["subchannel.calls_succeeded"] = d.calls_succeeded
out["subchannel.calls_failed"] = d.calls_failed
out["subchannel.state"] = channelz_pb2.ChannelConnectivityState.State.Name(d.state.state)
out["subchannel.trace"] = [e.description for e in d.trace.events]
out["subchannel.sockets"] = len(sub.socket_ref)


def socket(prefix, socket_id):
    s = stub.GetSocket(channelz_pb2.GetSocketRequest(socket_id=socket_id)).socket
    d = s.data
    for f in (
        "streams_started",
        "streams_succeeded",
        "streams_failed",
        "messages_sent",
        "messages_received",
        "keep_alives_sent",
    ):
        out[f"{prefix}.{f}"] = getattr(d, f)
    out[f"{prefix}.local_window"] = d.local_flow_control_window.value if d.HasField("local_flow_control_window") else None
    out[f"{prefix}.remote_window"] = d.remote_flow_control_window.value if d.HasField("remote_flow_control_window") else None
    out[f"{prefix}.last_local_stream"] = d.last_local_stream_created_timestamp.seconds
    out[f"{prefix}.last_remote_stream"] = d.last_remote_stream_created_timestamp.seconds
    out[f"{prefix}.last_message_sent"] = d.last_message_sent_timestamp.seconds
    out[f"{prefix}.last_message_received"] = d.last_message_received_timestamp.seconds
    for side in ("local", "remote"):
        a = getattr(s, side).tcpip_address
        out[f"{prefix}.{side}"] = f"{'.'.join(str(b) for b in a.ip_address)}:{a.port}"


socket("client_socket", sub.socket_ref[0].socket_id)

servers, out["server_pages"] = page_all(
    lambda s: stub.GetServers(channelz_pb2.GetServersRequest(start_server_id=s, max_results=1)),
    lambda r: list(r.server),
    "start_server_id",
    lambda s: s.ref.server_id,
)
server = next(s for s in servers if any(l.name.endswith(f":{port}") for l in s.listen_socket))
server = stub.GetServer(channelz_pb2.GetServerRequest(server_id=server.ref.server_id)).server
d = server.data
out["server.calls_started"] = d.calls_started
out["server.calls_succeeded"] = d.calls_succeeded
out["server.calls_failed"] = d.calls_failed
out["server.last_call_started"] = d.last_call_started_timestamp.seconds
sockets, out["server_socket_pages"] = page_all(
    lambda s: stub.GetServerSockets(
        channelz_pb2.GetServerSocketsRequest(server_id=server.ref.server_id, start_socket_id=s, max_results=1)
    ),
    lambda r: list(r.socket_ref),
    "start_socket_id",
    lambda r: r.socket_id,
)
out["server.sockets"] = len(sockets)
# The server's end of the channel's connection: its remote address is the client's local one.
for r in sockets:
    socket("s", r.socket_id)
    if out["s.remote"] == out["client_socket.local"]:
        for k in [k for k in out if k.startswith("s.")]:
            out["server_socket." + k[2:]] = out.pop(k)
        break
for k in [k for k in out if k.startswith("s.")]:
    del out[k]

try:
    stub.GetChannel(channelz_pb2.GetChannelRequest(channel_id=2**62))
    out["missing_channel"] = "OK"
except grpc.RpcError as e:
    out["missing_channel"] = e.code().name

print(json.dumps(out), flush=True)
