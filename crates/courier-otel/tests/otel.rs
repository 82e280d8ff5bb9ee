//! courier-otel against the OpenTelemetry SDK's in-memory exporters: one trace across two
//! Courier hops (W3C `traceparent` and `grpc-trace-bin`), and gRFC A66's instruments with
//! their names, units, attributes, buckets and values.

#![allow(missing_docs, unreachable_pub, dead_code, clippy::all)]

#[rustfmt::skip]
#[path = "../../courier-rpc/tests/gen/courier.echo.rs"]
mod echo;

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use opentelemetry::KeyValue;
use opentelemetry::trace::{SpanId, TracerProvider as _};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, Metric, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;

use courier_otel::metrics::{LATENCY_BUCKETS, SIZE_BUCKETS};
use courier_otel::{Metrics, Propagation};
use courier_rpc::{
    BoxStream, Channel, Code, Request, Response, Server, ServerBuilder, Status, Streaming,
    Transport,
};
use echo::echo_rpc::{Echo, EchoClient, EchoServer};
use echo::{EchoRequest, EchoResponse};

// ---- A service that forwards "forward" to the next hop ----

struct Hop {
    next: Option<EchoClient<Channel>>,
}

impl Echo for Hop {
    async fn unary(&self, request: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        let req = request.into_inner();
        if req.fail_code != 0 {
            return Err(Status::new(Code(req.fail_code), "asked to fail"));
        }
        match &self.next {
            Some(next) => next.unary(req).await,
            None => Ok(Response::new(EchoResponse {
                message: req.message,
                payload: req.payload,
                ..Default::default()
            })),
        }
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

async fn serve(builder: ServerBuilder, hop: Hop) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        builder
            .add_service(EchoServer::new(hop))
            .build()
            .serve(listener),
    );
    addr
}

// ---- Traces ----

/// The tests that make calls run one at a time: tracing caches whether a span site is wanted
/// once per process, asking the thread that reaches it first, so a metrics test making calls
/// with no subscriber on its thread could have a call's span site cached as never wanted while
/// a trace test's subscriber is the only one registered (courier-rpc's tests/observe.rs failed
/// that way). Each install of a subscriber re-asks every site it knows.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A tracing subscriber exporting spans to an in-memory exporter, for this thread.
fn tracing_to_memory() -> (
    InMemorySpanExporter,
    SdkTracerProvider,
    tracing::subscriber::DefaultGuard,
) {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
    let guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    (exporter, provider, guard)
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> Vec<&'a SpanData> {
    spans.iter().filter(|s| s.name == name).collect()
}

fn attr(s: &SpanData, key: &str) -> Option<String> {
    s.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.to_string())
}

/// app → client A → server B (whose handler calls) → server C; returns the spans.
async fn two_hops(propagation: Propagation) -> Vec<SpanData> {
    let _serial = SERIAL.lock().await;
    let (exporter, provider, _guard) = tracing_to_memory();
    let c = serve(
        Server::builder().observer(propagation.clone()),
        Hop { next: None },
    )
    .await;
    let to_c = Channel::builder(c.to_string())
        .observer(propagation.clone())
        .build();
    let b = serve(
        Server::builder().observer(propagation.clone()),
        Hop {
            next: Some(EchoClient::new(to_c)),
        },
    )
    .await;
    let to_b = Channel::builder(b.to_string())
        .observer(propagation)
        .build();
    let app = tracing::info_span!("app");
    let r = EchoClient::new(to_b)
        .unary(EchoRequest {
            message: "through".into(),
            ..Default::default()
        })
        .instrument(app)
        .await
        .unwrap();
    assert_eq!(r.into_inner().message, "through");
    // The server spans close in their tasks, just after the responses went out.
    for _ in 0..400 {
        if named(
            &exporter.get_finished_spans().unwrap(),
            "Recv.courier.echo.Echo.Unary",
        )
        .len()
            == 2
            && !named(&exporter.get_finished_spans().unwrap(), "app").is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    provider.force_flush().unwrap();
    exporter.get_finished_spans().unwrap()
}

/// The spans of [`two_hops`] form one trace: app → Sent → Attempt → Recv (B) → Sent →
/// Attempt → Recv (C).
fn assert_one_trace(spans: &[SpanData]) {
    let app = named(spans, "app");
    assert_eq!(app.len(), 1, "{spans:#?}");
    let trace = app[0].span_context.trace_id();
    for s in spans {
        assert_eq!(
            s.span_context.trace_id(),
            trace,
            "{} is in another trace",
            s.name
        );
    }
    let sent = named(spans, "Sent.courier.echo.Echo.Unary");
    let attempts = named(spans, "Attempt.courier.echo.Echo.Unary");
    let recv = named(spans, "Recv.courier.echo.Echo.Unary");
    assert_eq!(
        (sent.len(), attempts.len(), recv.len()),
        (2, 2, 2),
        "{spans:#?}"
    );
    let by_id: std::collections::HashMap<SpanId, &SpanData> = spans
        .iter()
        .map(|s| (s.span_context.span_id(), s))
        .collect();
    let parent_name = |s: &SpanData| by_id.get(&s.parent_span_id).map(|p| p.name.to_string());
    // The first hop's call is the app's child; its attempt is the call's.
    let first = sent
        .iter()
        .find(|s| s.parent_span_id == app[0].span_context.span_id())
        .expect("a call span under the app's");
    let first_attempt = attempts
        .iter()
        .find(|a| a.parent_span_id == first.span_context.span_id())
        .expect("an attempt under the first call");
    // B's server span is the remote child of the first attempt.
    let at_b = recv
        .iter()
        .find(|r| r.parent_span_id == first_attempt.span_context.span_id())
        .expect("B's server span under the first attempt");
    assert!(at_b.parent_span_is_remote);
    // B's outgoing call is under its server span; C's server span under that call's attempt.
    let second = sent
        .iter()
        .find(|s| s.parent_span_id == at_b.span_context.span_id())
        .expect("B's call under its server span");
    let second_attempt = attempts
        .iter()
        .find(|a| a.parent_span_id == second.span_context.span_id())
        .expect("an attempt under B's call");
    let at_c = recv
        .iter()
        .find(|r| r.parent_span_id == second_attempt.span_context.span_id())
        .expect("C's server span under B's attempt");
    assert_eq!(
        parent_name(at_c).as_deref(),
        Some("Attempt.courier.echo.Echo.Unary")
    );
    assert_eq!(
        attr(at_c, "rpc.method").as_deref(),
        Some("courier.echo.Echo/Unary")
    );
    assert_eq!(attr(at_c, "rpc.grpc.status_code").as_deref(), Some("0"));
}

#[tokio::test]
async fn one_trace_across_two_hops_with_w3c_traceparent() {
    let spans = two_hops(Propagation::new().text_map(TraceContextPropagator::new())).await;
    assert_one_trace(&spans);
}

#[tokio::test]
async fn one_trace_across_two_hops_with_grpc_trace_bin() {
    let spans = two_hops(Propagation::new().grpc_trace_bin(true)).await;
    assert_one_trace(&spans);
}

#[tokio::test]
async fn without_propagation_each_server_starts_its_own_trace() {
    let spans = two_hops(Propagation::new()).await;
    let app = named(&spans, "app")[0].span_context.trace_id();
    let recv = named(&spans, "Recv.courier.echo.Echo.Unary");
    assert_eq!(recv.len(), 2);
    assert!(recv.iter().all(|r| r.span_context.trace_id() != app));
}

#[test]
fn inject_writes_traceparent_and_grpc_trace_bin_and_extract_reads_them() {
    use opentelemetry::trace::{SpanContext, TraceContextExt, TraceFlags, TraceId, TraceState};
    let sc = SpanContext::new(
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        TraceFlags::SAMPLED,
        false,
        TraceState::NONE,
    );
    let cx = opentelemetry::Context::new().with_remote_span_context(sc.clone());
    let both = Propagation::new()
        .text_map(TraceContextPropagator::new())
        .grpc_trace_bin(true);
    let mut md = courier_rpc::Metadata::new();
    both.inject(&cx, &mut md);
    assert_eq!(
        md.get("traceparent").map(|v| &v[..]),
        Some(&b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"[..])
    );
    assert_eq!(
        md.get("grpc-trace-bin").map(|v| v.len()),
        Some(courier_otel::trace_bin::LEN)
    );
    for p in [
        Propagation::new().text_map(TraceContextPropagator::new()),
        Propagation::new().grpc_trace_bin(true),
    ] {
        let got = p.extract(&md);
        let got = got.span().span_context().clone();
        assert_eq!(got.trace_id(), sc.trace_id());
        assert_eq!(got.span_id(), sc.span_id());
        assert!(got.is_sampled() && got.is_remote());
    }
    // grpc-trace-bin first, when both are there and disagree.
    let mut mixed = courier_rpc::Metadata::new();
    mixed
        .insert(
            "traceparent",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        )
        .unwrap();
    mixed
        .insert(
            "grpc-trace-bin",
            Bytes::copy_from_slice(&md.get("grpc-trace-bin").unwrap()[..]),
        )
        .unwrap();
    let got = both.extract(&mixed);
    assert_eq!(got.span().span_context().trace_id(), sc.trace_id());
    // Garbage is no context.
    let mut bad = courier_rpc::Metadata::new();
    bad.insert("traceparent", "00-xyz").unwrap();
    bad.insert("grpc-trace-bin", Bytes::from_static(&[0, 0, 1]))
        .unwrap();
    assert!(!both.extract(&bad).span().span_context().is_valid());
}

// ---- Metrics ----

fn metrics_to_memory() -> (InMemoryMetricExporter, SdkMeterProvider, Metrics) {
    use opentelemetry::metrics::MeterProvider as _;
    let exporter = InMemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter.clone()).build())
        .build();
    let metrics = Metrics::new(&provider.meter("courier"));
    (exporter, provider, metrics)
}

/// The last export (cumulative: everything so far).
fn collect(exporter: &InMemoryMetricExporter, provider: &SdkMeterProvider) -> ResourceMetrics {
    provider.force_flush().unwrap();
    let mut all: Vec<ResourceMetrics> = exporter.get_finished_metrics().unwrap();
    all.pop().expect("one export")
}

fn metrics_of(r: &ResourceMetrics) -> Vec<&Metric> {
    r.scope_metrics().flat_map(|s| s.metrics()).collect()
}

/// A data point's attributes as a sorted map.
fn attrs<'a>(kvs: impl Iterator<Item = &'a KeyValue>) -> BTreeMap<String, String> {
    kvs.map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect()
}

/// Every data point of a histogram or sum: (attributes, count or value, sum, bounds).
fn points(m: &Metric) -> Vec<(BTreeMap<String, String>, u64, f64, Vec<f64>)> {
    match m.data() {
        AggregatedMetrics::F64(MetricData::Histogram(h)) => h
            .data_points()
            .map(|p| {
                (
                    attrs(p.attributes()),
                    p.count(),
                    p.sum(),
                    p.bounds().collect(),
                )
            })
            .collect(),
        AggregatedMetrics::U64(MetricData::Histogram(h)) => h
            .data_points()
            .map(|p| {
                (
                    attrs(p.attributes()),
                    p.count(),
                    p.sum() as f64,
                    p.bounds().collect(),
                )
            })
            .collect(),
        AggregatedMetrics::U64(MetricData::Sum(s)) => s
            .data_points()
            .map(|p| (attrs(p.attributes()), p.value(), 0.0, Vec::new()))
            .collect(),
        other => panic!("{}: unexpected data {other:?}", m.name()),
    }
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn a66_instruments_names_units_attributes_buckets_and_values() {
    let _serial = SERIAL.lock().await;
    let (exporter, provider, metrics) = metrics_to_memory();
    let addr = serve(
        Server::builder().observer(metrics.clone()),
        Hop { next: None },
    )
    .await;
    let ch = Channel::builder(addr.to_string())
        .observer(metrics.clone())
        .build();
    let client = EchoClient::new(ch.clone());
    let request = EchoRequest {
        message: "m".into(),
        payload: Bytes::from(vec![9u8; 2000]),
        ..Default::default()
    };
    let sent = courier_wire::Message::encoded_len(&request) as f64;
    let response = client.unary(request).await.unwrap().into_inner();
    let received = courier_wire::Message::encoded_len(&response) as f64;
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
    // The server's observers hear the end just after the status went out.
    tokio::time::sleep(Duration::from_millis(50)).await;

    let exported = collect(&exporter, &provider);
    let by_name: BTreeMap<&str, &Metric> = metrics_of(&exported)
        .into_iter()
        .map(|m| (m.name(), m))
        .collect();
    let target = format!("dns:///{addr}");
    let unary = "courier.echo.Echo/Unary";
    let client_ok = map(&[
        ("grpc.method", unary),
        ("grpc.target", &target),
        ("grpc.status", "OK"),
    ]);
    let client_nf = map(&[
        ("grpc.method", unary),
        ("grpc.target", &target),
        ("grpc.status", "NOT_FOUND"),
    ]);

    // (name, unit)
    let expected = [
        ("grpc.client.attempt.started", "{attempt}"),
        ("grpc.client.attempt.duration", "s"),
        (
            "grpc.client.attempt.sent_total_compressed_message_size",
            "By",
        ),
        (
            "grpc.client.attempt.rcvd_total_compressed_message_size",
            "By",
        ),
        ("grpc.client.call.duration", "s"),
        ("grpc.server.call.started", "{call}"),
        ("grpc.server.call.duration", "s"),
        ("grpc.server.call.sent_total_compressed_message_size", "By"),
        ("grpc.server.call.rcvd_total_compressed_message_size", "By"),
    ];
    assert_eq!(by_name.len(), expected.len(), "{:?}", by_name.keys());
    for (name, unit) in expected {
        let m = by_name.get(name).unwrap_or_else(|| panic!("no {name}"));
        assert_eq!(m.unit(), unit, "{name}");
        for (_, _, _, bounds) in points(m) {
            if unit == "s" {
                assert_eq!(bounds, LATENCY_BUCKETS, "{name}");
            } else if unit == "By" {
                assert_eq!(bounds, SIZE_BUCKETS, "{name}");
            }
        }
    }

    let get = |name: &str, a: &BTreeMap<String, String>| {
        points(by_name[name])
            .into_iter()
            .find(|(attrs, ..)| attrs == a)
            .unwrap_or_else(|| panic!("{name}: no point {a:?} in {:?}", points(by_name[name])))
    };
    let started = map(&[("grpc.method", unary), ("grpc.target", &target)]);
    assert_eq!(get("grpc.client.attempt.started", &started).1, 2);
    let nope_started = map(&[
        ("grpc.method", "courier.echo.Echo/Nope"),
        ("grpc.target", &target),
    ]);
    assert_eq!(get("grpc.client.attempt.started", &nope_started).1, 1);
    let (_, n, total, _) = get(
        "grpc.client.attempt.sent_total_compressed_message_size",
        &client_ok,
    );
    assert_eq!((n, total), (1, sent));
    let (_, n, total, _) = get(
        "grpc.client.attempt.rcvd_total_compressed_message_size",
        &client_ok,
    );
    assert_eq!((n, total), (1, received));
    let (_, n, d_attempt, _) = get("grpc.client.attempt.duration", &client_ok);
    assert_eq!(n, 1);
    let (_, n, d_call, _) = get("grpc.client.call.duration", &client_ok);
    assert_eq!(n, 1);
    assert!(d_call >= d_attempt && d_attempt > 0.0 && d_call < 5.0);
    assert_eq!(get("grpc.client.call.duration", &client_nf).1, 1);
    assert_eq!(get("grpc.client.attempt.duration", &client_nf).1, 1);

    // The server: the method it does not serve is "other".
    let server_started = |m: &str| get("grpc.server.call.started", &map(&[("grpc.method", m)])).1;
    assert_eq!(server_started(unary), 2);
    assert_eq!(server_started("other"), 1);
    let server_ok = map(&[("grpc.method", unary), ("grpc.status", "OK")]);
    let (_, n, total, _) = get(
        "grpc.server.call.rcvd_total_compressed_message_size",
        &server_ok,
    );
    assert_eq!((n, total), (1, sent));
    let (_, n, total, _) = get(
        "grpc.server.call.sent_total_compressed_message_size",
        &server_ok,
    );
    assert_eq!((n, total), (1, received));
    let other = map(&[("grpc.method", "other"), ("grpc.status", "UNIMPLEMENTED")]);
    assert_eq!(get("grpc.server.call.duration", &other).1, 1);
    let nf = map(&[("grpc.method", unary), ("grpc.status", "NOT_FOUND")]);
    assert_eq!(get("grpc.server.call.duration", &nf).1, 1);
}

#[tokio::test]
async fn unregistered_methods_by_name_when_asked() {
    let _serial = SERIAL.lock().await;
    let (exporter, provider, metrics) = metrics_to_memory();
    let addr = serve(
        Server::builder().observer(metrics.record_unregistered_methods(true)),
        Hop { next: None },
    )
    .await;
    static NOPE: courier_rpc::MethodDescriptor = courier_rpc::MethodDescriptor {
        path: "/no.Such/Thing",
        service: "no.Such",
        method: "Thing",
        kind: courier_rpc::MethodKind::from_streaming(false, false),
    };
    let ch = Channel::lazy(addr.to_string());
    let _ = Transport::unary(&ch, &NOPE, Request::new(Bytes::new())).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let exported = collect(&exporter, &provider);
    let started = metrics_of(&exported)
        .into_iter()
        .find(|m| m.name() == "grpc.server.call.started")
        .unwrap();
    let p = points(started);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].0, map(&[("grpc.method", "no.Such/Thing")]));
}
