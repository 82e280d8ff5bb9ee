//! The ADS protocol of `XdsClient`, against a scripted management server written with the
//! generated `AggregatedDiscoveryService` trait: the first request's node, ACKs with version
//! and nonce, a NACK repeating the last good version with an error_detail while the last
//! good resource stays in use, watchers of one name sharing one subscription and the cache,
//! full-state deletion, the resource-does-not-exist timer, and unsubscribing.

#![allow(missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use courier_rpc::{BoxStream, Request, Response, Server, Status, Streaming};
use courier_types::Any;
use courier_xds::client::{CacheStatus, Watcher};
use courier_xds::pb::envoy::config::core::v3 as core;
use courier_xds::pb::envoy::config::listener::v3 as listener;
use courier_xds::pb::envoy::extensions::filters::http::router::v3::Router;
use courier_xds::pb::envoy::extensions::filters::network::http_connection_manager::v3 as hcm;
use courier_xds::pb::envoy::service::discovery::v3 as ads;
use courier_xds::resource::{Resource, ResourceType};
use courier_xds::{Bootstrap, XdsClient};
use tokio::sync::mpsc;

use ads::aggregated_discovery_service_rpc::{
    AggregatedDiscoveryService, AggregatedDiscoveryServiceServer,
};

/// The scripted server: requests go to the test, responses come from it.
struct Script {
    requests: mpsc::UnboundedSender<ads::DiscoveryRequest>,
    responses: Mutex<Option<mpsc::Receiver<ads::DiscoveryResponse>>>,
}

impl AggregatedDiscoveryService for Script {
    async fn stream_aggregated_resources(
        &self,
        request: Request<Streaming<ads::DiscoveryRequest>>,
    ) -> Result<Response<BoxStream<Result<ads::DiscoveryResponse, Status>>>, Status> {
        let mut s = request.into_inner();
        let tx = self.requests.clone();
        tokio::spawn(async move {
            while let Ok(Some(r)) = s.message().await {
                if tx.send(r).is_err() {
                    return;
                }
            }
        });
        let rx = self
            .responses
            .lock()
            .unwrap()
            .take()
            .ok_or_else(|| Status::new(courier_rpc::Code::UNAVAILABLE, "one stream only"))?;
        let stream = courier_rpc::unfold(rx, |mut r| async move {
            let item = r.recv().await?;
            Some((Ok(item), r))
        });
        let mut resp = Response::new(Box::pin(stream) as BoxStream<_>);
        resp.send_headers_early();
        Ok(resp)
    }

    async fn delta_aggregated_resources(
        &self,
        _: Request<Streaming<ads::DeltaDiscoveryRequest>>,
    ) -> Result<Response<BoxStream<Result<ads::DeltaDiscoveryResponse, Status>>>, Status> {
        Err(Status::unimplemented("delta"))
    }
}

#[derive(Debug, PartialEq)]
enum Heard {
    Update,
    Error(String),
    Gone,
}

struct Rec(mpsc::UnboundedSender<Heard>);

impl Watcher for Rec {
    fn on_update(&self, _: Resource) {
        let _ = self.0.send(Heard::Update);
    }
    fn on_error(&self, e: Status) {
        let _ = self.0.send(Heard::Error(e.message().to_owned()));
    }
    fn on_does_not_exist(&self) {
        let _ = self.0.send(Heard::Gone);
    }
}

fn rec() -> (Arc<Rec>, mpsc::UnboundedReceiver<Heard>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Arc::new(Rec(tx)), rx)
}

async fn start() -> (
    XdsClient,
    mpsc::UnboundedReceiver<ads::DiscoveryRequest>,
    mpsc::Sender<ads::DiscoveryResponse>,
) {
    let (req_tx, req_rx) = mpsc::unbounded_channel();
    let (resp_tx, resp_rx) = mpsc::channel(16);
    let script = Script {
        requests: req_tx,
        responses: Mutex::new(Some(resp_rx)),
    };
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(
        Server::builder()
            .add_service(AggregatedDiscoveryServiceServer::new(script))
            .build()
            .serve(l),
    );
    let boot = Bootstrap::from_json(&format!(
        r#"{{"xds_servers": [{{"server_uri": "{addr}", "channel_creds": [{{"type": "insecure"}}]}}],
            "node": {{"id": "test-node"}}}}"#
    ))
    .unwrap();
    (
        XdsClient::with_timeout(boot, Duration::from_millis(500)),
        req_rx,
        resp_tx,
    )
}

async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("in time")
        .expect("open")
}

fn listener(name: &str, with_router: bool) -> Any {
    let mut filters = Vec::new();
    if with_router {
        filters.push(hcm::HttpFilter {
            name: "router".into(),
            config_type: Some(hcm::http_filter::ConfigType::TypedConfig(Any::pack(
                &Router::default(),
            ))),
            ..Default::default()
        });
    }
    let h = hcm::HttpConnectionManager {
        route_specifier: Some(hcm::http_connection_manager::RouteSpecifier::Rds(
            hcm::Rds {
                route_config_name: "r1".into(),
                config_source: Some(core::ConfigSource {
                    config_source_specifier: Some(core::config_source::ConfigSourceSpecifier::Ads(
                        Default::default(),
                    )),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )),
        http_filters: filters,
        ..Default::default()
    };
    Any::pack(&listener::Listener {
        name: name.into(),
        api_listener: Some(listener::ApiListener {
            api_listener: Some(Any::pack(&h)),
            ..Default::default()
        }),
        ..Default::default()
    })
}

fn response(version: &str, nonce: &str, resources: Vec<Any>) -> ads::DiscoveryResponse {
    ads::DiscoveryResponse {
        version_info: version.into(),
        resources,
        type_url: ResourceType::Listener.type_url().into(),
        nonce: nonce.into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acks_nacks_shared_watches_and_deletion() {
    let (client, mut reqs, resps) = start().await;
    let (w1, mut h1) = rec();
    let _watch1 = client.watch(ResourceType::Listener, "l1", w1);
    let r = next(&mut reqs).await;
    let node = r.node.expect("the first request names the node");
    assert_eq!(node.id, "test-node");
    assert_eq!(node.user_agent_name, "courier");
    assert!(
        node.client_features
            .iter()
            .any(|f| f == "envoy.lb.does_not_support_overprovisioning")
    );
    assert_eq!(
        (r.type_url.as_str(), r.resource_names.as_slice()),
        (ResourceType::Listener.type_url(), &["l1".to_owned()][..])
    );
    assert_eq!(
        (r.version_info.as_str(), r.response_nonce.as_str()),
        ("", "")
    );

    // Version 1: accepted, ACKed with its version and nonce.
    resps
        .send(response("1", "n1", vec![listener("l1", true)]))
        .await
        .unwrap();
    assert_eq!(next(&mut h1).await, Heard::Update);
    let ack = next(&mut reqs).await;
    assert!(
        ack.node.is_none(),
        "only the first request carries the node"
    );
    assert_eq!(
        (ack.version_info.as_str(), ack.response_nonce.as_str()),
        ("1", "n1")
    );
    assert!(ack.error_detail.is_none());

    // Version 2 is invalid (no router filter): NACKed with version 1 and why; the watcher
    // hears an error and keeps version 1.
    resps
        .send(response("2", "n2", vec![listener("l1", false)]))
        .await
        .unwrap();
    match next(&mut h1).await {
        Heard::Error(m) => assert!(m.contains("router"), "{m}"),
        other => panic!("want an error, got {other:?}"),
    }
    let nack = next(&mut reqs).await;
    assert_eq!(
        (nack.version_info.as_str(), nack.response_nonce.as_str()),
        ("1", "n2")
    );
    let detail = nack.error_detail.expect("a NACK has an error_detail");
    assert!(detail.message.contains("router"), "{}", detail.message);
    let dump = client.dump();
    let l1 = dump.iter().find(|r| r.name == "l1").unwrap();
    assert_eq!(l1.status, CacheStatus::Nacked);
    assert_eq!(l1.version, "1");
    assert_eq!(l1.error.as_ref().map(|e| e.0.as_str()), Some("2"));
    assert!(l1.raw.is_some(), "the last good version stays cached");

    // A second watcher of the same name: the cached resource at once, no new request.
    let (w2, mut h2) = rec();
    let watch2 = client.watch(ResourceType::Listener, "l1", w2);
    assert_eq!(next(&mut h2).await, Heard::Update);
    assert!(
        tokio::time::timeout(Duration::from_millis(300), reqs.recv())
            .await
            .is_err(),
        "an existing subscription is not requested again"
    );

    // Version 3 without l1: a Listener response is the full state, so l1 was deleted.
    resps
        .send(response("3", "n3", vec![listener("other", true)]))
        .await
        .unwrap();
    assert_eq!(next(&mut h1).await, Heard::Gone);
    assert_eq!(next(&mut h2).await, Heard::Gone);
    let ack = next(&mut reqs).await;
    assert_eq!(
        (ack.version_info.as_str(), ack.response_nonce.as_str()),
        ("3", "n3")
    );
    drop(watch2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn does_not_exist_timer_and_unsubscribe() {
    let (client, mut reqs, _resps) = start().await;
    let (w, mut h) = rec();
    let watch = client.watch(ResourceType::Cluster, "c1", w);
    let r = next(&mut reqs).await;
    assert_eq!(r.resource_names, ["c1"]);
    // Nothing comes: after the timeout (500 ms here, 15 s by default) it does not exist.
    let t = std::time::Instant::now();
    assert_eq!(next(&mut h).await, Heard::Gone);
    assert!(
        t.elapsed() >= Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(
        client
            .dump()
            .iter()
            .find(|r| r.name == "c1")
            .unwrap()
            .status,
        CacheStatus::DoesNotExist
    );
    // The last watch goes: the name leaves the subscription.
    drop(watch);
    let r = next(&mut reqs).await;
    assert_eq!(r.type_url, ResourceType::Cluster.type_url());
    assert!(r.resource_names.is_empty(), "{:?}", r.resource_names);
}

/// A management server that cannot be reached: a channel with no configuration yet fails its
/// calls UNAVAILABLE, naming the xDS server, instead of waiting for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_management_server_fails_calls() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let boot = Bootstrap::from_json(&format!(
        r#"{{"xds_servers": [{{"server_uri": "127.0.0.1:{port}", "channel_creds": [{{"type": "insecure"}}]}}]}}"#
    ))
    .unwrap();
    let resolver = courier_xds::resolver::XdsResolver::new(Ok(XdsClient::new(boot)), "svc");
    let ch = courier_rpc::Channel::builder("svc")
        .resolver(resolver)
        .build();
    static M: courier_rpc::MethodDescriptor = courier_rpc::MethodDescriptor {
        path: "/x.Y/Z",
        service: "x.Y",
        method: "Z",
        kind: courier_rpc::MethodKind::from_streaming(false, false),
    };
    let mut req = Request::new(bytes::Bytes::new());
    req.set_timeout(Duration::from_secs(10));
    let t = std::time::Instant::now();
    let s = courier_rpc::Transport::unary(&ch, &M, req)
        .await
        .unwrap_err();
    assert_eq!(s.code(), courier_rpc::Code::UNAVAILABLE, "{s:?}");
    assert!(s.message().contains("xDS server"), "{}", s.message());
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}
