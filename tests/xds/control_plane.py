"""An xDS management server for `cargo xtask xds`, on Python grpcio and the PyPI package
xds-protos (Envoy's API as Python messages): ADS, state of the world.

It serves one snapshot at a time (Listeners, RouteConfigurations, Clusters and
ClusterLoadAssignments built from a compact JSON description), pushes every new snapshot to
every stream, and records what each node ACKs and NACKs. It is driven through stdin, one JSON
command per line, each answered by one JSON line on stdout:

    {"cmd": "snapshot", "version": "3", "spec": {...}}   -> {"ok": true}
    {"cmd": "status"}   -> {"acked": {node: {type_url: version}}, "nacked": [...], "streams": n}
    {"cmd": "clear"}    -> {"ok": true}: forgets the ACKs and NACKs seen
    {"cmd": "stop"}     -> {"ok": true} and exits

usage: control_plane.py PORT
"""

import json
import sys
import threading
import queue
from concurrent import futures

import grpc
from google.protobuf import any_pb2, duration_pb2, wrappers_pb2
from envoy.config.cluster.v3 import cluster_pb2, outlier_detection_pb2, circuit_breaker_pb2
from envoy.config.core.v3 import address_pb2, base_pb2, config_source_pb2, health_check_pb2
from envoy.config.endpoint.v3 import endpoint_pb2, endpoint_components_pb2
from envoy.config.listener.v3 import listener_pb2, api_listener_pb2, listener_components_pb2
from envoy.config.route.v3 import route_pb2, route_components_pb2
from envoy.config.rbac.v3 import rbac_pb2 as rbac_config_pb2
from envoy.extensions.filters.http.rbac.v3 import rbac_pb2
from envoy.extensions.filters.http.router.v3 import router_pb2
from envoy.extensions.filters.network.http_connection_manager.v3 import (
    http_connection_manager_pb2 as hcm_pb2,
)
from envoy.service.discovery.v3 import ads_pb2_grpc, discovery_pb2
from envoy.type.matcher.v3 import regex_pb2
from envoy.type.v3 import percent_pb2

LDS = "type.googleapis.com/envoy.config.listener.v3.Listener"
RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
FULL_STATE = (LDS, CDS)


def pack(msg):
    a = any_pb2.Any()
    a.Pack(msg)
    return a


def dur(seconds):
    d = duration_pb2.Duration()
    d.FromNanoseconds(int(seconds * 1e9))
    return d


def ads_source():
    return config_source_pb2.ConfigSource(ads=config_source_pb2.AggregatedConfigSource())


def listener(spec):
    router = hcm_pb2.HttpFilter(name="router", typed_config=pack(router_pb2.Router()))
    hcm = hcm_pb2.HttpConnectionManager(
        rds=hcm_pb2.Rds(route_config_name=spec["rds"], config_source=ads_source()),
        http_filters=[router],
    )
    if "max_stream_duration" in spec:
        hcm.common_http_protocol_options.max_stream_duration.CopyFrom(dur(spec["max_stream_duration"]))
    return listener_pb2.Listener(
        name=spec["name"], api_listener=api_listener_pb2.ApiListener(api_listener=pack(hcm))
    )


def server_listener(spec):
    """A server Listener (gRFC A36): the address, one filter chain whose HttpConnectionManager
    has an inline route configuration (non-forwarding routes, or a forwarding one when
    "forwarding" is set) and, with "deny_header", an RBAC filter denying calls that carry it."""
    filters = []
    if "deny_header" in spec:
        policy = rbac_config_pb2.Policy(
            permissions=[rbac_config_pb2.Permission(any=True)],
            principals=[
                rbac_config_pb2.Principal(
                    header=route_components_pb2.HeaderMatcher(name=spec["deny_header"], present_match=True)
                )
            ],
        )
        rules = rbac_config_pb2.RBAC(action=rbac_config_pb2.RBAC.DENY, policies={"deny": policy})
        filters.append(hcm_pb2.HttpFilter(name="rbac", typed_config=pack(rbac_pb2.RBAC(rules=rules))))
    filters.append(hcm_pb2.HttpFilter(name="router", typed_config=pack(router_pb2.Router())))
    r = route_components_pb2.Route(match=route_components_pb2.RouteMatch(prefix=""))
    if spec.get("forwarding"):
        r.route.cluster = "somewhere"
    else:
        r.non_forwarding_action.SetInParent()
    rc = route_pb2.RouteConfiguration(
        name="server-routes",
        virtual_hosts=[route_components_pb2.VirtualHost(name="all", domains=["*"], routes=[r])],
    )
    hcm = hcm_pb2.HttpConnectionManager(route_config=rc, http_filters=filters)
    chain = listener_components_pb2.FilterChain(
        name="chain", filters=[listener_components_pb2.Filter(name="hcm", typed_config=pack(hcm))]
    )
    return listener_pb2.Listener(
        name=spec["name"],
        address=address_pb2.Address(
            socket_address=address_pb2.SocketAddress(address=spec["address"], port_value=spec["port"])
        ),
        filter_chains=[chain],
    )


def route(spec):
    m = route_components_pb2.RouteMatch()
    if "path" in spec:
        m.path = spec["path"]
    elif "regex" in spec:
        m.safe_regex.CopyFrom(regex_pb2.RegexMatcher(regex=spec["regex"]))
    else:
        m.prefix = spec.get("prefix", "")
    for h in spec.get("headers", []):
        hm = route_components_pb2.HeaderMatcher(name=h["name"], invert_match=h.get("invert", False))
        if "exact" in h:
            hm.exact_match = h["exact"]
        elif "prefix" in h:
            hm.prefix_match = h["prefix"]
        elif "present" in h:
            hm.present_match = h["present"]
        m.headers.append(hm)
    if "fraction" in spec:
        m.runtime_fraction.default_value.CopyFrom(
            percent_pb2.FractionalPercent(
                numerator=spec["fraction"], denominator=percent_pb2.FractionalPercent.MILLION
            )
        )
    a = route_components_pb2.RouteAction()
    if "cluster" in spec:
        a.cluster = spec["cluster"]
    else:
        total = 0
        for name, w in spec["weighted"]:
            a.weighted_clusters.clusters.append(
                route_components_pb2.WeightedCluster.ClusterWeight(
                    name=name, weight=wrappers_pb2.UInt32Value(value=w)
                )
            )
            total += w
        if "total_weight" in spec:
            total = spec["total_weight"]
        a.weighted_clusters.total_weight.value = total
    if "hash_header" in spec:
        a.hash_policy.append(
            route_components_pb2.RouteAction.HashPolicy(
                header=route_components_pb2.RouteAction.HashPolicy.Header(header_name=spec["hash_header"])
            )
        )
    if "timeout" in spec:
        a.max_stream_duration.max_stream_duration.CopyFrom(dur(spec["timeout"]))
    if "retry_on" in spec:
        a.retry_policy.retry_on = spec["retry_on"]
        a.retry_policy.num_retries.value = spec.get("num_retries", 1)
    return route_components_pb2.Route(match=m, route=a)


def route_config(spec):
    rc = route_pb2.RouteConfiguration(name=spec["name"])
    for vh in spec["vhosts"]:
        rc.virtual_hosts.append(
            route_components_pb2.VirtualHost(
                name=vh.get("name", "vh"),
                domains=vh["domains"],
                routes=[route(r) for r in vh["routes"]],
            )
        )
    return rc


def cluster(spec):
    c = cluster_pb2.Cluster(name=spec["name"], type=cluster_pb2.Cluster.EDS)
    c.eds_cluster_config.eds_config.CopyFrom(ads_source())
    lb = spec.get("lb", "ROUND_ROBIN")
    c.lb_policy = getattr(cluster_pb2.Cluster, lb)
    if lb == "RING_HASH":
        c.ring_hash_lb_config.minimum_ring_size.value = spec.get("min_ring_size", 1024)
    if lb == "LEAST_REQUEST":
        c.least_request_lb_config.choice_count.value = spec.get("choice_count", 2)
    od = spec.get("outlier")
    if od is not None:
        o = outlier_detection_pb2.OutlierDetection()
        o.interval.CopyFrom(dur(od.get("interval", 1)))
        o.base_ejection_time.CopyFrom(dur(od.get("base_ejection_time", 30)))
        o.max_ejection_percent.value = od.get("max_ejection_percent", 50)
        o.enforcing_success_rate.value = 0
        o.failure_percentage_threshold.value = od.get("threshold", 50)
        o.enforcing_failure_percentage.value = 100
        o.failure_percentage_minimum_hosts.value = od.get("minimum_hosts", 2)
        o.failure_percentage_request_volume.value = od.get("request_volume", 10)
        c.outlier_detection.CopyFrom(o)
    return c


def endpoints(spec):
    cla = endpoint_pb2.ClusterLoadAssignment(cluster_name=spec["name"])
    for loc in spec["localities"]:
        l = endpoint_components_pb2.LocalityLbEndpoints(
            locality=base_pb2.Locality(region="r", zone=loc["zone"]),
            priority=loc.get("priority", 0),
            load_balancing_weight=wrappers_pb2.UInt32Value(value=loc.get("weight", 1)),
        )
        for host, port, health in loc["endpoints"]:
            l.lb_endpoints.append(
                endpoint_components_pb2.LbEndpoint(
                    endpoint=endpoint_components_pb2.Endpoint(
                        address=address_pb2.Address(
                            socket_address=address_pb2.SocketAddress(address=host, port_value=port)
                        )
                    ),
                    health_status=getattr(health_check_pb2, health),
                )
            )
        cla.endpoints.append(l)
    return cla


class State:
    def __init__(self):
        self.lock = threading.Condition()
        self.version = "0"
        self.resources = {LDS: {}, RDS: {}, CDS: {}, EDS: {}}
        self.acked = {}
        self.nacked = []
        self.streams = 0
        self.requests = {}

    def set(self, version, spec):
        res = {LDS: {}, RDS: {}, CDS: {}, EDS: {}}
        for l in spec.get("listeners", []):
            res[LDS][l["name"]] = pack(listener(l))
        for l in spec.get("server_listeners", []):
            res[LDS][l["name"]] = pack(server_listener(l))
        for r in spec.get("routes", []):
            res[RDS][r["name"]] = pack(route_config(r))
        for c in spec.get("clusters", []):
            res[CDS][c["name"]] = pack(cluster(c))
        for e in spec.get("endpoints", []):
            res[EDS][e["name"]] = pack(endpoints(e))
        with self.lock:
            self.version = version
            self.resources = res
            self.lock.notify_all()


STATE = State()


class Ads(ads_pb2_grpc.AggregatedDiscoveryServiceServicer):
    def StreamAggregatedResources(self, request_iterator, context):
        inbox = queue.Queue()
        node = {"id": "?"}

        def read():
            try:
                for req in request_iterator:
                    inbox.put(req)
            except Exception:  # the stream ended
                pass
            inbox.put(None)
            with STATE.lock:
                STATE.lock.notify_all()

        threading.Thread(target=read, daemon=True).start()
        with STATE.lock:
            STATE.streams += 1
        subs = {}  # type_url -> resource names
        sent = {}  # type_url -> (version, names) last sent
        nonce = 0
        seen_version = None
        while True:
            # Requests first.
            try:
                req = inbox.get(timeout=0.05)
            except queue.Empty:
                req = ""
            if req is None:
                return
            if req:
                if req.node.id:
                    node["id"] = req.node.id
                with STATE.lock:
                    STATE.requests.setdefault(node["id"], 0)
                    STATE.requests[node["id"]] += 1
                    if req.HasField("error_detail"):
                        STATE.nacked.append(
                            {
                                "node": node["id"],
                                "type_url": req.type_url,
                                "version": req.version_info,
                                "nonce": req.response_nonce,
                                "message": req.error_detail.message,
                            }
                        )
                    elif req.response_nonce:
                        STATE.acked.setdefault(node["id"], {})[req.type_url] = req.version_info
                subs[req.type_url] = list(req.resource_names)
            with STATE.lock:
                version = STATE.version
                resources = STATE.resources
            for type_url, names in subs.items():
                key = (version, tuple(sorted(names)))
                if sent.get(type_url) == key:
                    continue
                have = resources.get(type_url, {})
                if type_url in FULL_STATE:
                    chosen = [have[n] for n in sorted(have) if not names or n in names]
                else:
                    chosen = [have[n] for n in sorted(names) if n in have]
                nonce += 1
                yield discovery_pb2.DiscoveryResponse(
                    version_info=version,
                    resources=chosen,
                    type_url=type_url,
                    nonce=str(nonce),
                )
                sent[type_url] = key


def main():
    port = int(sys.argv[1])
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    ads_pb2_grpc.add_AggregatedDiscoveryServiceServicer_to_server(Ads(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    print(json.dumps({"ok": True, "port": port}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "snapshot":
            STATE.set(cmd["version"], cmd["spec"])
            out = {"ok": True}
        elif cmd["cmd"] == "status":
            with STATE.lock:
                out = {
                    "acked": STATE.acked,
                    "nacked": STATE.nacked,
                    "streams": STATE.streams,
                    "requests": STATE.requests,
                }
        elif cmd["cmd"] == "clear":
            with STATE.lock:
                STATE.acked = {}
                STATE.nacked = []
            out = {"ok": True}
        elif cmd["cmd"] == "stop":
            server.stop(0)
            print(json.dumps({"ok": True}), flush=True)
            return
        else:
            out = {"error": f"unknown command {cmd['cmd']}"}
        print(json.dumps(out), flush=True)
    server.stop(0)


if __name__ == "__main__":
    main()
