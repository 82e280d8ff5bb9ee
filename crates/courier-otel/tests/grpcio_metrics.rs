//! gRFC A66 metrics, Courier against grpcio's own plugin (grpcio-observability's
//! `OpenTelemetryPlugin`, tests/peers/grpcio_metrics.py): the same three calls — a unary OK
//! call, one answered NOT_FOUND, one of a method the server does not have — made by a Courier
//! client to a Courier server with `courier_otel::Metrics`, and by a grpcio client to a grpcio
//! server with the plugin. The instruments' names, units, attribute keys and the
//! `grpc.method`/`grpc.status` values they record must be the same, except for the differences
//! docs/observability.md lists (checked here as such, so that a change on either side shows):
//! grpcio-python records no `grpc.client.call.duration`, and records `grpc.target` as the
//! application gave it where A66 (and Courier) use the canonical form.
//!
//! The peer is `COURIER_OTEL_PYTHON` (the `.peers/obs-venv` interpreter `cargo xtask peers`
//! installs, with grpcio-observability); without it the test prints why and passes, unless
//! `COURIER_REQUIRE_PEERS=1`.

#![allow(missing_docs, unreachable_pub, dead_code, clippy::all)]

#[rustfmt::skip]
#[path = "../../courier-rpc/tests/gen/courier.echo.rs"]
mod echo;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, Metric, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};

use courier_otel::Metrics;
use courier_rpc::{
    BoxStream, Channel, Code, Request, Response, Server, Status, Streaming, Transport,
};
use echo::echo_rpc::{Echo, EchoClient, EchoServer};
use echo::{EchoRequest, EchoResponse};

struct Svc;

impl Echo for Svc {
    async fn unary(&self, request: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        let r = request.into_inner();
        if r.fail_code != 0 {
            return Err(Status::new(Code(r.fail_code), "asked to fail"));
        }
        Ok(Response::new(EchoResponse {
            message: r.message,
            ..Default::default()
        }))
    }

    async fn server_stream(
        &self,
        _: Request<EchoRequest>,
    ) -> Result<Response<BoxStream<Result<EchoResponse, Status>>>, Status> {
        Err(Status::new(Code::UNIMPLEMENTED, "not here"))
    }

    async fn client_stream(
        &self,
        _: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<EchoResponse>, Status> {
        Err(Status::new(Code::UNIMPLEMENTED, "not here"))
    }

    async fn bidi(
        &self,
        _: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<BoxStream<Result<EchoResponse, Status>>>, Status> {
        Err(Status::new(Code::UNIMPLEMENTED, "not here"))
    }
}

/// The obs peers' Python, or `None` (and a note) when peers are optional.
fn python() -> Option<PathBuf> {
    let required = std::env::var_os("COURIER_REQUIRE_PEERS").is_some_and(|v| v == "1");
    let found = std::env::var_os("COURIER_OTEL_PYTHON")
        .map(PathBuf::from)
        .filter(|p| {
            Command::new(p)
                .args(["-c", "import grpc_observability, opentelemetry.sdk"])
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if found.is_none() {
        assert!(
            !required,
            "COURIER_REQUIRE_PEERS=1 but COURIER_OTEL_PYTHON cannot import grpc_observability; run `cargo xtask peers`"
        );
        eprintln!(
            "skipped: no peer Python with grpc_observability (set COURIER_OTEL_PYTHON, or run `cargo xtask peers`)"
        );
    }
    found
}

/// What one instrument recorded: its unit, the attribute key sets of its points, and the
/// (`grpc.method`, `grpc.status`) pairs they carry (`-` for an absent one).
#[derive(Debug, Default, PartialEq, Eq)]
struct Seen {
    unit: String,
    keys: BTreeSet<Vec<String>>,
    values: BTreeSet<(String, String)>,
    targets: BTreeSet<String>,
}

fn seen_point(s: &mut Seen, attrs: &BTreeMap<String, String>) {
    s.keys.insert(attrs.keys().cloned().collect());
    let get = |k: &str| attrs.get(k).cloned().unwrap_or_else(|| "-".to_owned());
    s.values.insert((get("grpc.method"), get("grpc.status")));
    if let Some(t) = attrs.get("grpc.target") {
        s.targets.insert(t.clone());
    }
}

/// Courier's instruments after the three calls.
async fn courier_side() -> (BTreeMap<String, Seen>, String) {
    let exporter = InMemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter.clone()).build())
        .build();
    let metrics = Metrics::new(&provider.meter("courier"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        Server::builder()
            .observer(metrics.clone())
            .add_service(EchoServer::new(Svc))
            .build()
            .serve(listener),
    );
    let ch = Channel::builder(addr.to_string()).observer(metrics).build();
    let client = EchoClient::new(ch.clone());
    let r = client
        .unary(EchoRequest {
            message: "m".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner().message, "m");
    let e = client
        .unary(EchoRequest {
            fail_code: Code::NOT_FOUND.0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NOT_FOUND);
    static NOPE: courier_rpc::MethodDescriptor = courier_rpc::MethodDescriptor {
        path: "/courier.echo.Echo/Nope",
        service: "courier.echo.Echo",
        method: "Nope",
        kind: courier_rpc::MethodKind::from_streaming(false, false),
    };
    let e = Transport::unary(&ch, &NOPE, Request::new(Bytes::new()))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::UNIMPLEMENTED);
    // The server's observers hear a call's end just after its status went out.
    tokio::time::sleep(Duration::from_millis(100)).await;
    provider.force_flush().unwrap();
    let exported = exporter.get_finished_metrics().unwrap();
    let last = exported.last().expect("one export");
    let mut out: BTreeMap<String, Seen> = BTreeMap::new();
    for m in last.scope_metrics().flat_map(|s| s.metrics()) {
        let s = out.entry(m.name().to_owned()).or_default();
        s.unit = m.unit().to_owned();
        for attrs in point_attrs(m) {
            seen_point(s, &attrs);
        }
    }
    (out, addr.to_string())
}

fn point_attrs(m: &Metric) -> Vec<BTreeMap<String, String>> {
    let attrs = |kvs: &mut dyn Iterator<Item = &opentelemetry::KeyValue>| {
        kvs.map(|kv| (kv.key.to_string(), kv.value.to_string()))
            .collect::<BTreeMap<_, _>>()
    };
    match m.data() {
        AggregatedMetrics::F64(MetricData::Histogram(h)) => h
            .data_points()
            .map(|p| attrs(&mut p.attributes()))
            .collect(),
        AggregatedMetrics::U64(MetricData::Histogram(h)) => h
            .data_points()
            .map(|p| attrs(&mut p.attributes()))
            .collect(),
        AggregatedMetrics::U64(MetricData::Sum(s)) => s
            .data_points()
            .map(|p| attrs(&mut p.attributes()))
            .collect(),
        other => panic!("{}: unexpected data {other:?}", m.name()),
    }
}

/// grpcio's instruments after the same calls.
fn grpcio_side(python: &PathBuf) -> BTreeMap<String, Seen> {
    let out = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/peers/grpcio_metrics.py"
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    for m in v.as_array().unwrap() {
        let s = seen
            .entry(m["name"].as_str().unwrap().to_owned())
            .or_default();
        s.unit = m["unit"].as_str().unwrap().to_owned();
        for p in m["points"].as_array().unwrap() {
            let attrs: BTreeMap<String, String> = p["attributes"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect();
            seen_point(s, &attrs);
        }
    }
    seen
}

#[tokio::test]
async fn a66_metrics_match_grpcio_observability() {
    let Some(python) = python() else {
        return;
    };
    let (mut courier, addr) = courier_side().await;
    let grpcio = tokio::task::spawn_blocking(move || grpcio_side(&python))
        .await
        .unwrap();

    // The known differences (docs/observability.md), as they are today.
    let call_duration = courier
        .remove("grpc.client.call.duration")
        .expect("Courier records grpc.client.call.duration");
    assert!(
        !grpcio.contains_key("grpc.client.call.duration"),
        "grpcio-python now records grpc.client.call.duration: compare it too"
    );
    assert_eq!(call_duration.unit, "s");
    for (name, s) in &mut courier {
        if !s.targets.is_empty() {
            // A66: "grpc.target ... canonicalized": Courier adds the default scheme.
            assert_eq!(
                s.targets,
                BTreeSet::from([format!("dns:///{addr}")]),
                "{name}"
            );
            s.targets.clear();
        }
    }
    let mut grpcio = grpcio;
    for s in grpcio.values_mut() {
        // grpcio-python records the target as given (`127.0.0.1:port`); which port is its own.
        for t in &s.targets {
            assert!(
                t.starts_with("127.0.0.1:"),
                "grpcio's grpc.target changed form: {t}"
            );
        }
        s.targets.clear();
    }

    // Everything else the same: names, units, attribute keys, methods and statuses.
    let names = |m: &BTreeMap<String, Seen>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&courier), names(&grpcio));
    for (name, ours) in &courier {
        assert_eq!(
            ours, &grpcio[name],
            "{name}: Courier (left) vs grpcio (right)"
        );
    }
    assert_eq!(courier.len(), 8);
}
