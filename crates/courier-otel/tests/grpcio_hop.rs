//! One trace across Courier → grpcio → Courier (issue [M]: "two Courier hops and one grpcio
//! hop"): the app's span, Courier's client spans, the grpcio server's and client's spans
//! (opentelemetry-instrumentation-grpc, W3C traceparent) and the last Courier server's span
//! share one trace id, each hop's server span the child of the previous hop's client span.
//!
//! Its Python peers (grpcio, opentelemetry-sdk, opentelemetry-instrumentation-grpc) are the
//! `.peers/obs-venv` that `cargo xtask peers` installs, found through `COURIER_OTEL_PYTHON`
//! (`cargo xtask test`, `cargo xtask observability` set it). Without it the test prints why and
//! passes, unless `COURIER_REQUIRE_PEERS=1`.

#![allow(missing_docs, unreachable_pub, dead_code, clippy::all)]

#[rustfmt::skip]
#[path = "../../courier-rpc/tests/gen/courier.echo.rs"]
mod echo;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;

use courier_otel::Propagation;
use courier_rpc::{BoxStream, Channel, Code, Request, Response, Server, Status, Streaming};
use echo::echo_rpc::{Echo, EchoClient, EchoServer};
use echo::{EchoRequest, EchoResponse};

struct Last;

impl Echo for Last {
    async fn unary(&self, request: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        Ok(Response::new(EchoResponse {
            message: request.into_inner().message,
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

/// The values of `"key": "..."` in the peer's JSON, in order.
fn values(json: &str, key: &str) -> Vec<String> {
    let pat = format!("\"{key}\": ");
    json.split(&pat)
        .skip(1)
        .map(|rest| {
            if rest.starts_with("null") {
                String::new()
            } else {
                rest.trim_start_matches('"')
                    .split('"')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            }
        })
        .collect()
}

/// The obs peers' Python, or `None` (and a note) when peers are optional.
fn python() -> Option<String> {
    let required = std::env::var_os("COURIER_REQUIRE_PEERS").is_some_and(|v| v == "1");
    let found = std::env::var("COURIER_OTEL_PYTHON").ok().filter(|p| {
        Command::new(p)
            .args([
                "-c",
                "import grpc, opentelemetry.sdk, opentelemetry.instrumentation.grpc",
            ])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            !required,
            "COURIER_REQUIRE_PEERS=1 but COURIER_OTEL_PYTHON cannot import opentelemetry.instrumentation.grpc; run `cargo xtask peers`"
        );
        eprintln!(
            "skipped: no peer Python with opentelemetry-instrumentation-grpc (set COURIER_OTEL_PYTHON, or run `cargo xtask peers`)"
        );
    }
    found
}

#[tokio::test]
async fn one_trace_through_a_grpcio_hop() {
    let Some(python) = python() else {
        return;
    };
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    let w3c = Propagation::new().text_map(TraceContextPropagator::new());

    // The last hop: Courier.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let last = listener.local_addr().unwrap();
    let server = Server::builder()
        .observer(w3c.clone())
        .add_service(EchoServer::new(Last))
        .build();
    tokio::spawn(server.serve(listener));

    // The middle hop: grpcio.
    let mut peer = Command::new(&python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/peers/grpcio_hop.py"
        ))
        .arg(last.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{python}: {e}"));
    let mut out = BufReader::new(peer.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("peer said {line:?}"));

    // The first hop: a Courier client, inside the app's span.
    let ch = Channel::builder(format!("127.0.0.1:{port}"))
        .observer(w3c)
        .build();
    let app = tracing::info_span!("app");
    let r = EchoClient::new(ch)
        .unary(EchoRequest {
            message: "via grpcio".into(),
            ..Default::default()
        })
        .instrument(app)
        .await
        .unwrap();
    assert_eq!(r.into_inner().message, "via grpcio");
    for _ in 0..400 {
        let spans = exporter.get_finished_spans().unwrap();
        if spans
            .iter()
            .any(|s| s.name == "Recv.courier.echo.Echo.Unary")
            && spans.iter().any(|s| s.name == "app")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(peer.stdin.take());
    let mut json = String::new();
    out.read_line(&mut json).unwrap();
    assert!(peer.wait().unwrap().success());
    let _ = std::io::stdout().flush();

    let ours = exporter.get_finished_spans().unwrap();
    let app = ours.iter().find(|s| s.name == "app").unwrap();
    let trace = app.span_context.trace_id().to_string();
    let attempt = ours
        .iter()
        .find(|s| s.name == "Attempt.courier.echo.Echo.Unary")
        .unwrap();
    let recv = ours
        .iter()
        .find(|s| s.name == "Recv.courier.echo.Echo.Unary")
        .unwrap();
    let (kinds, traces, ids, parents) = (
        values(&json, "kind"),
        values(&json, "trace_id"),
        values(&json, "span_id"),
        values(&json, "parent"),
    );
    let hop_server = kinds.iter().position(|k| k == "SERVER").expect(&json);
    let hop_client = kinds.iter().position(|k| k == "CLIENT").expect(&json);
    // One trace id end to end.
    assert_eq!(traces[hop_server], trace, "{json}");
    assert_eq!(traces[hop_client], trace, "{json}");
    assert_eq!(recv.span_context.trace_id().to_string(), trace);
    // grpcio's server span is the child of Courier's attempt; Courier's last server span the
    // child of grpcio's client span.
    assert_eq!(
        parents[hop_server],
        attempt.span_context.span_id().to_string(),
        "{json}"
    );
    assert_eq!(recv.parent_span_id.to_string(), ids[hop_client], "{json}");
    assert_eq!(parents[hop_client], ids[hop_server], "{json}");
}
