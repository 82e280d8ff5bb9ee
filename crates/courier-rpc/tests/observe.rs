//! Observability (courier_rpc::observe): the `tracing` spans of both sides — a client call span
//! with one child span per attempt (retries, hedges, transparent retries), a server span per
//! call, the OpenTelemetry RPC fields, message events — and the `Observer` seam: attempt
//! metadata reaching the server, and the status, durations and compressed message sizes
//! observers hear.

#![allow(missing_docs, unreachable_pub, dead_code, clippy::all)]

#[rustfmt::skip]
#[path = "gen/courier.echo.rs"]
mod echo;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use courier_rpc::observe::{
    Attempt, AttemptEnd, ClientCall, ClientCallEnd, ClientCallObserver, Observer, ServerCall,
    ServerCallEnd, ServerCallObserver,
};
use courier_rpc::{
    BoxStream, Channel, Code, Encoding, Metadata, Request, Response, Server, ServiceConfig, Status,
    Streaming, iter,
};
use echo::echo_rpc::{Echo, EchoClient, EchoServer};
use echo::{EchoRequest, EchoResponse};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

// ---- A subscriber layer that keeps every span and event ----

#[derive(Clone, Debug, Default)]
struct SpanRec {
    id: u64,
    name: String,
    parent: Option<u64>,
    fields: BTreeMap<String, String>,
    events: Vec<BTreeMap<String, String>>,
    closed: bool,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<SpanRec>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut rec = SpanRec {
            id: id.into_u64(),
            name: attrs.metadata().name().to_owned(),
            parent: ctx
                .span(id)
                .and_then(|s| s.parent())
                .map(|p| p.id().into_u64()),
            ..Default::default()
        };
        attrs.record(&mut Fields(&mut rec.fields));
        self.0.lock().unwrap().push(rec);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut all = self.0.lock().unwrap();
        if let Some(r) = all
            .iter_mut()
            .rev()
            .find(|r| r.id == id.into_u64() && !r.closed)
        {
            values.record(&mut Fields(&mut r.fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let id = span.id().into_u64();
        let mut all = self.0.lock().unwrap();
        if let Some(r) = all.iter_mut().rev().find(|r| r.id == id && !r.closed) {
            r.events.push(fields);
        }
    }

    fn on_close(&self, id: Id, _: Context<'_, S>) {
        let mut all = self.0.lock().unwrap();
        if let Some(r) = all
            .iter_mut()
            .rev()
            .find(|r| r.id == id.into_u64() && !r.closed)
        {
            r.closed = true;
        }
    }
}

impl Recorder {
    fn spans(&self) -> Vec<SpanRec> {
        self.0.lock().unwrap().clone()
    }

    fn named(&self, name: &str) -> Vec<SpanRec> {
        self.spans()
            .into_iter()
            .filter(|s| s.name == name)
            .collect()
    }

    /// Waits until `n` spans named `name` are closed (the server's span closes in its task).
    async fn closed(&self, name: &str, n: usize) -> Vec<SpanRec> {
        for _ in 0..1000 {
            let all: Vec<_> = self.named(name).into_iter().filter(|s| s.closed).collect();
            if all.len() >= n {
                return all;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("{n} closed {name} spans expected, got {:#?}", self.spans());
    }
}

/// The tests of this file run one at a time. tracing caches whether a span or event site is
/// wanted once per process, asking the thread that reaches it first; while one test's
/// subscriber is the only one registered, a test on another thread with no subscriber (the
/// observer tests below) that reaches a call's span site first has it cached as never wanted,
/// and the first test then records no client spans (it failed that way in CI, 1 run in a few).
/// Run one at a time, each install of a subscriber re-asks every site it knows.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Installs `rec` as this thread's subscriber; the test holds the returned guards to its end.
async fn subscriber(
    rec: &Recorder,
) -> (
    tracing::subscriber::DefaultGuard,
    tokio::sync::MutexGuard<'static, ()>,
) {
    let serial = SERIAL.lock().await;
    let guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(rec.clone()));
    (guard, serial)
}

// ---- The service ----

struct Svc {
    /// Calls of `Unary` so far.
    calls: AtomicU32,
}

impl Echo for Svc {
    async fn unary(&self, request: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let seen = request
            .metadata()
            .get("x-attempt")
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default();
        let req = request.into_inner();
        // "fail-first": UNAVAILABLE on this server's first call.
        if req.message == "fail-first" && n == 0 {
            return Err(Status::new(Code::UNAVAILABLE, "first call fails"));
        }
        if req.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(req.delay_ms.into())).await;
        }
        if req.fail_code != 0 {
            return Err(Status::new(Code(req.fail_code), "asked to fail"));
        }
        Ok(Response::new(EchoResponse {
            message: seen,
            payload: req.payload,
            ..Default::default()
        }))
    }

    async fn server_stream(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<BoxStream<Result<EchoResponse, Status>>>, Status> {
        let req = request.into_inner();
        let items = (0..req.count).map(move |i| {
            Ok(EchoResponse {
                message: format!("{i}"),
                payload: req.payload.clone(),
                ..Default::default()
            })
        });
        Ok(Response::new(Box::pin(iter(items)) as BoxStream<_>))
    }

    async fn client_stream(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<EchoResponse>, Status> {
        let mut s = request.into_inner();
        let mut n = 0;
        while s.message().await?.is_some() {
            n += 1;
        }
        Ok(Response::new(EchoResponse {
            message: n.to_string(),
            ..Default::default()
        }))
    }

    async fn bidi(
        &self,
        _: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<BoxStream<Result<EchoResponse, Status>>>, Status> {
        Err(Status::new(Code::UNIMPLEMENTED, "no bidi here"))
    }
}

async fn serve(builder: courier_rpc::ServerBuilder) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = builder
        .add_service(EchoServer::new(Svc {
            calls: AtomicU32::new(0),
        }))
        .build();
    tokio::spawn(server.serve(listener));
    addr
}

fn req(msg: &str) -> EchoRequest {
    EchoRequest {
        message: msg.into(),
        ..Default::default()
    }
}

fn field<'a>(s: &'a SpanRec, name: &str) -> &'a str {
    s.fields
        .get(name)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("span {} has no field {name}: {:#?}", s.name, s.fields))
}

// ---- Spans ----

#[tokio::test]
async fn a_unary_call_is_a_call_span_an_attempt_span_and_a_server_span() {
    let rec = Recorder::default();
    let _guard = subscriber(&rec).await;
    let addr = serve(Server::builder()).await;
    let c = EchoClient::new(Channel::lazy(addr.to_string()));
    c.unary(req("hi")).await.unwrap();

    let calls = rec.closed("grpc.client.call", 1).await;
    let call = &calls[0];
    assert_eq!(field(call, "otel.name"), "Sent.courier.echo.Echo.Unary");
    assert_eq!(field(call, "otel.kind"), "client");
    assert_eq!(field(call, "rpc.system.name"), "grpc");
    assert_eq!(field(call, "rpc.system"), "grpc");
    assert_eq!(field(call, "rpc.service"), "courier.echo.Echo");
    assert_eq!(field(call, "rpc.method"), "courier.echo.Echo/Unary");
    assert_eq!(field(call, "rpc.status_code"), "OK");
    assert_eq!(field(call, "rpc.grpc.status_code"), "0");
    assert_eq!(field(call, "server.address"), "127.0.0.1");
    assert_eq!(field(call, "server.port"), addr.port().to_string());
    assert!(!call.fields.contains_key("error.type"));
    assert_eq!(call.parent, None);

    let attempts = rec.closed("grpc.client.attempt", 1).await;
    assert_eq!(attempts.len(), 1);
    let a = &attempts[0];
    assert_eq!(
        a.parent,
        Some(call.id),
        "the attempt is a child of the call"
    );
    assert_eq!(field(a, "otel.name"), "Attempt.courier.echo.Echo.Unary");
    assert_eq!(field(a, "previous-rpc-attempts"), "0");
    assert_eq!(field(a, "transparent-retry"), "false");
    assert_eq!(field(a, "network.peer.address"), "127.0.0.1");
    assert_eq!(field(a, "network.peer.port"), addr.port().to_string());
    assert_eq!(field(a, "rpc.status_code"), "OK");

    let servers = rec.closed("grpc.server.call", 1).await;
    let s = &servers[0];
    assert_eq!(field(s, "otel.name"), "Recv.courier.echo.Echo.Unary");
    assert_eq!(field(s, "otel.kind"), "server");
    assert_eq!(field(s, "rpc.method"), "courier.echo.Echo/Unary");
    assert_eq!(field(s, "rpc.service"), "courier.echo.Echo");
    assert_eq!(field(s, "network.peer.address"), "127.0.0.1");
    assert_eq!(field(s, "rpc.status_code"), "OK");
    // No trace context crosses without an observer that propagates it: the server span is a
    // root of its own.
    assert_eq!(s.parent, None);
}

#[tokio::test]
async fn failed_calls_carry_their_status_and_error_type() {
    let rec = Recorder::default();
    let _guard = subscriber(&rec).await;
    let addr = serve(Server::builder()).await;
    let c = EchoClient::new(Channel::lazy(addr.to_string()));
    let e = c
        .unary(EchoRequest {
            fail_code: Code::NOT_FOUND.0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NOT_FOUND);
    for name in [
        "grpc.client.call",
        "grpc.client.attempt",
        "grpc.server.call",
    ] {
        let s = &rec.closed(name, 1).await[0];
        assert_eq!(field(s, "rpc.status_code"), "NOT_FOUND", "{name}");
        assert_eq!(field(s, "rpc.grpc.status_code"), "5", "{name}");
        assert_eq!(field(s, "error.type"), "NOT_FOUND", "{name}");
        assert_eq!(field(s, "otel.status_code"), "ERROR", "{name}");
    }
}

#[tokio::test]
async fn unknown_methods_and_services_are_other_on_the_server() {
    static MISSING_METHOD: courier_rpc::MethodDescriptor = courier_rpc::MethodDescriptor {
        path: "/courier.echo.Echo/Nope",
        service: "courier.echo.Echo",
        method: "Nope",
        kind: courier_rpc::MethodKind::from_streaming(false, false),
    };
    static MISSING_SERVICE: courier_rpc::MethodDescriptor = courier_rpc::MethodDescriptor {
        path: "/no.Such/Thing",
        service: "no.Such",
        method: "Thing",
        kind: courier_rpc::MethodKind::from_streaming(false, false),
    };
    let rec = Recorder::default();
    let _guard = subscriber(&rec).await;
    let obs = Recording::default();
    let addr = serve(Server::builder().observer(obs.clone())).await;
    let ch = Channel::lazy(addr.to_string());
    for m in [&MISSING_METHOD, &MISSING_SERVICE] {
        let e = courier_rpc::Transport::unary(&ch, m, Request::new(Bytes::new()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::UNIMPLEMENTED);
    }
    let servers = rec.closed("grpc.server.call", 2).await;
    let mut originals: Vec<_> = servers
        .iter()
        .map(|s| {
            assert_eq!(field(s, "rpc.method"), "_OTHER");
            assert_eq!(field(s, "rpc.status_code"), "UNIMPLEMENTED");
            field(s, "rpc.method_original").to_owned()
        })
        .collect();
    originals.sort();
    assert_eq!(originals, ["courier.echo.Echo/Nope", "no.Such/Thing"]);
    let mut seen = obs.server_starts();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("courier.echo.Echo/Nope".to_owned(), false),
            ("no.Such/Thing".to_owned(), false)
        ]
    );
}

const RETRY: &str = r#"{"methodConfig": [{"name": [{"service": "courier.echo.Echo"}],
    "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.01s", "maxBackoff": "0.01s",
                    "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#;

const HEDGE: &str = r#"{"methodConfig": [{"name": [{"service": "courier.echo.Echo"}],
    "hedgingPolicy": {"maxAttempts": 2, "hedgingDelay": "0.02s",
                      "nonFatalStatusCodes": ["UNAVAILABLE"]}}]}"#;

#[tokio::test]
async fn a_retried_call_has_one_span_per_attempt() {
    let rec = Recorder::default();
    let _guard = subscriber(&rec).await;
    let addr = serve(Server::builder()).await;
    let ch = Channel::builder(addr.to_string())
        .service_config(ServiceConfig::from_json(RETRY).unwrap())
        .build();
    EchoClient::new(ch).unary(req("fail-first")).await.unwrap();
    let call = &rec.closed("grpc.client.call", 1).await[0];
    assert_eq!(field(call, "rpc.status_code"), "OK");
    let mut attempts = rec.closed("grpc.client.attempt", 2).await;
    attempts.sort_by_key(|a| a.id);
    assert_eq!(attempts.len(), 2);
    for (i, a) in attempts.iter().enumerate() {
        assert_eq!(a.parent, Some(call.id));
        assert_eq!(field(a, "previous-rpc-attempts"), i.to_string());
        assert_eq!(field(a, "transparent-retry"), "false");
    }
    assert_eq!(field(&attempts[0], "rpc.status_code"), "UNAVAILABLE");
    assert_eq!(field(&attempts[1], "rpc.status_code"), "OK");
    assert_eq!(rec.closed("grpc.server.call", 2).await.len(), 2);
}

#[tokio::test]
async fn a_hedged_call_has_one_span_per_hedge() {
    let rec = Recorder::default();
    let _guard = subscriber(&rec).await;
    let addr = serve(Server::builder()).await;
    let ch = Channel::builder(addr.to_string())
        .service_config(ServiceConfig::from_json(HEDGE).unwrap())
        .build();
    // The first attempt takes 200 ms: the hedge after 20 ms answers first.
    let c = EchoClient::new(ch);
    c.unary(req("warm")).await.unwrap();
    let before = rec.named("grpc.client.attempt").len();
    let slow = c.unary(EchoRequest {
        message: "slow".into(),
        delay_ms: 200,
        ..Default::default()
    });
    slow.await.unwrap();
    let calls = rec.closed("grpc.client.call", 2).await;
    let call = calls.iter().max_by_key(|c| c.id).unwrap();
    let attempts: Vec<_> = rec
        .closed("grpc.client.attempt", before + 2)
        .await
        .into_iter()
        .filter(|a| a.parent == Some(call.id))
        .collect();
    assert_eq!(attempts.len(), 2, "{attempts:#?}");
    let mut previous: Vec<_> = attempts
        .iter()
        .map(|a| field(a, "previous-rpc-attempts").to_owned())
        .collect();
    previous.sort();
    assert_eq!(previous, ["0", "1"]);
    // Both hedges ran 200 ms; one won, the other was cancelled when it did.
    let mut codes: Vec<_> = attempts
        .iter()
        .map(|a| field(a, "rpc.status_code").to_owned())
        .collect();
    codes.sort();
    assert_eq!(codes, ["CANCELLED", "OK"]);
}

/// A server that refuses a connection's first stream (RST_STREAM REFUSED_STREAM, so the
/// request was never processed) and answers the next with an `EchoResponse`.
async fn refusing_server() -> std::net::SocketAddr {
    use courier_hpack::HeaderField;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((io, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let (mut server, conn) =
                    courier_h2::driver::server(io, courier_h2::Config::default());
                tokio::spawn(conn);
                let mut first = true;
                while let Some(inc) = server.accept().await {
                    if std::mem::take(&mut first) {
                        inc.respond.reset(courier_h2::Reason::REFUSED_STREAM);
                        continue;
                    }
                    let mut respond = inc.respond;
                    let msg = courier_wire::Message::encode_to_bytes(&EchoResponse {
                        message: "second".into(),
                        ..Default::default()
                    });
                    let mut framed = vec![0u8];
                    framed.extend_from_slice(&(msg.len() as u32).to_be_bytes());
                    framed.extend_from_slice(&msg);
                    respond
                        .send_headers(
                            vec![
                                HeaderField::new(":status", "200"),
                                HeaderField::new("content-type", "application/grpc"),
                            ],
                            false,
                        )
                        .unwrap();
                    respond.send_data(Bytes::from(framed), false).await.unwrap();
                    respond
                        .send_trailers(vec![HeaderField::new("grpc-status", "0")])
                        .unwrap();
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_transparent_retry_is_an_attempt_span_of_its_own() {
    let rec = Recorder::default();
    let _guard = subscriber(&rec).await;
    let addr = refusing_server().await;
    let c = EchoClient::new(Channel::lazy(addr.to_string()));
    let r = c.unary(req("x")).await.unwrap();
    assert_eq!(r.into_inner().message, "second");
    let call = &rec.closed("grpc.client.call", 1).await[0];
    let mut attempts = rec.closed("grpc.client.attempt", 2).await;
    attempts.sort_by_key(|a| a.id);
    assert_eq!(attempts.len(), 2);
    assert!(attempts.iter().all(|a| a.parent == Some(call.id)));
    assert_eq!(field(&attempts[0], "transparent-retry"), "false");
    assert_eq!(field(&attempts[0], "rpc.status_code"), "UNAVAILABLE");
    assert_eq!(field(&attempts[1], "transparent-retry"), "true");
    // Transparent retries are not counted in previous-rpc-attempts (gRFC A72).
    assert_eq!(field(&attempts[1], "previous-rpc-attempts"), "0");
    assert_eq!(field(&attempts[1], "rpc.status_code"), "OK");
}

#[tokio::test]
async fn a_streaming_call_span_ends_with_its_stream() {
    let rec = Recorder::default();
    let _guard = subscriber(&rec).await;
    let addr = serve(Server::builder()).await;
    let c = EchoClient::new(Channel::lazy(addr.to_string()));
    let mut s = c
        .server_stream(EchoRequest {
            count: 3,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut n = 0;
    while s.message().await.unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 3);
    let call = &rec.named("grpc.client.call")[0];
    assert_eq!(field(call, "rpc.status_code"), "OK");
    drop(s);
    rec.closed("grpc.client.call", 1).await;
}

#[tokio::test]
async fn message_events_are_opt_in() {
    let rec = Recorder::default();
    let _guard = subscriber(&rec).await;
    let addr = serve(Server::builder().message_events(true)).await;
    let payload = Bytes::from(vec![7u8; 3000]);
    let request = EchoRequest {
        payload: payload.clone(),
        ..Default::default()
    };
    let len = courier_wire::Message::encoded_len(&request);
    // Without: no events.
    let plain = EchoClient::new(Channel::lazy(addr.to_string()));
    plain.unary(request.clone()).await.unwrap();
    let attempt = &rec.closed("grpc.client.attempt", 1).await[0];
    assert!(attempt.events.is_empty(), "{:?}", attempt.events);
    // With, and gzip: sizes before and after compression.
    let ch = Channel::builder(addr.to_string())
        .message_events(true)
        .compression(Encoding::Gzip)
        .build();
    EchoClient::new(ch).unary(request).await.unwrap();
    let attempts = rec.closed("grpc.client.attempt", 2).await;
    let a = attempts.iter().max_by_key(|a| a.id).unwrap();
    assert_eq!(a.events.len(), 2, "{:?}", a.events);
    let out = &a.events[0];
    assert_eq!(out["message"], "Outbound message");
    assert_eq!(out["sequence-number"], "0");
    assert_eq!(out["message-size"], len.to_string());
    let compressed: usize = out["message-size-compressed"].parse().unwrap();
    assert!(
        compressed < len / 10,
        "3000 equal octets compress well: {compressed}"
    );
    let inbound = &a.events[1];
    assert_eq!(inbound["message"], "Inbound message");
    assert_eq!(inbound["sequence-number"], "0");
    // The server answers uncompressed (its default).
    assert!(!inbound.contains_key("message-size-compressed"));
    let servers = rec.closed("grpc.server.call", 2).await;
    let s = servers.iter().max_by_key(|s| s.id).unwrap();
    assert_eq!(s.events.len(), 2, "{:?}", s.events);
    assert_eq!(s.events[0]["message"], "Inbound message");
    assert_eq!(s.events[0]["message-size"], len.to_string());
    assert_eq!(
        s.events[0]["message-size-compressed"],
        compressed.to_string()
    );
    assert_eq!(s.events[1]["message"], "Outbound message");
}

// ---- Observers ----

#[derive(Clone, Default)]
struct Recording {
    attempts: Arc<Mutex<Vec<(u32, bool)>>>,
    attempt_ends: Arc<Mutex<Vec<AttemptEnd>>>,
    call_ends: Arc<Mutex<Vec<ClientCallEnd>>>,
    targets: Arc<Mutex<Vec<String>>>,
    server_starts: Arc<Mutex<Vec<(String, bool, Option<String>)>>>,
    server_ends: Arc<Mutex<Vec<ServerCallEnd>>>,
}

impl Recording {
    fn server_starts(&self) -> Vec<(String, bool)> {
        self.server_starts
            .lock()
            .unwrap()
            .iter()
            .map(|(m, r, _)| (m.clone(), *r))
            .collect()
    }
}

struct ClientObs(Recording);

impl ClientCallObserver for ClientObs {
    fn attempt_started(&self, attempt: &Attempt<'_>, metadata: &mut Metadata) {
        let n = {
            let mut a = self.0.attempts.lock().unwrap();
            a.push((attempt.previous_attempts(), attempt.is_transparent_retry()));
            a.len()
        };
        metadata
            .insert("x-attempt", format!("attempt-{n}"))
            .unwrap();
    }

    fn attempt_ended(&self, end: &AttemptEnd) {
        self.0.attempt_ends.lock().unwrap().push(end.clone());
    }

    fn call_ended(&self, end: &ClientCallEnd) {
        self.0.call_ends.lock().unwrap().push(end.clone());
    }
}

struct ServerObs(Recording);

impl ServerCallObserver for ServerObs {
    fn call_ended(&self, end: &ServerCallEnd) {
        self.0.server_ends.lock().unwrap().push(end.clone());
    }
}

impl Observer for Recording {
    fn client_call(&self, call: &ClientCall<'_>) -> Option<Box<dyn ClientCallObserver>> {
        self.targets.lock().unwrap().push(call.target().to_owned());
        Some(Box::new(ClientObs(self.clone())))
    }

    fn server_call(&self, call: &ServerCall<'_>) -> Option<Box<dyn ServerCallObserver>> {
        let attempt = call
            .metadata()
            .get("x-attempt")
            .map(|v| String::from_utf8_lossy(v).into_owned());
        self.server_starts.lock().unwrap().push((
            call.method().to_owned(),
            call.is_registered(),
            attempt,
        ));
        Some(Box::new(ServerObs(self.clone())))
    }
}

async fn wait_for<T>(v: &Mutex<Vec<T>>, n: usize) {
    for _ in 0..1000 {
        if v.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("waited for {n} entries");
}

#[tokio::test]
async fn observers_hear_attempts_ends_and_message_sizes_without_a_subscriber() {
    let _serial = SERIAL.lock().await;
    let client_obs = Recording::default();
    let server_obs = Recording::default();
    let addr = serve(Server::builder().observer(server_obs.clone())).await;
    let ch = Channel::builder(addr.to_string())
        .observer(client_obs.clone())
        .service_config(ServiceConfig::from_json(RETRY).unwrap())
        .build();
    let c = EchoClient::new(ch);
    let request = EchoRequest {
        message: "fail-first".into(),
        payload: Bytes::from(vec![1u8; 100]),
        ..Default::default()
    };
    let sent = courier_wire::Message::encoded_len(&request) as u64;
    let r = c.unary(request).await.unwrap().into_inner();
    // The observer's metadata went out with each attempt; the second one was answered.
    assert_eq!(r.message, "attempt-2");
    let received = courier_wire::Message::encoded_len(&r) as u64;

    assert_eq!(
        *client_obs.targets.lock().unwrap(),
        [format!("dns:///{addr}")]
    );
    assert_eq!(
        *client_obs.attempts.lock().unwrap(),
        [(0, false), (1, false)]
    );
    let ends = client_obs.attempt_ends.lock().unwrap().clone();
    assert_eq!(ends.len(), 2);
    assert_eq!(ends[0].code, Code::UNAVAILABLE);
    assert_eq!(ends[0].sent_message_bytes, sent);
    assert_eq!(ends[0].received_message_bytes, 0);
    assert_eq!(ends[1].code, Code::OK);
    assert_eq!(ends[1].sent_message_bytes, sent);
    assert_eq!(ends[1].received_message_bytes, received);
    let calls = client_obs.call_ends.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].code, Code::OK);
    assert!(calls[0].duration >= ends[1].duration);

    wait_for(&server_obs.server_ends, 2).await;
    let starts = server_obs.server_starts.lock().unwrap().clone();
    assert_eq!(
        starts,
        [
            (
                "courier.echo.Echo/Unary".to_owned(),
                true,
                Some("attempt-1".to_owned())
            ),
            (
                "courier.echo.Echo/Unary".to_owned(),
                true,
                Some("attempt-2".to_owned())
            ),
        ]
    );
    let ends = server_obs.server_ends.lock().unwrap().clone();
    assert_eq!(ends[0].code, Code::UNAVAILABLE);
    assert_eq!(ends[0].received_message_bytes, sent);
    assert_eq!(ends[0].sent_message_bytes, 0);
    assert_eq!(ends[1].code, Code::OK);
    assert_eq!(ends[1].received_message_bytes, sent);
    assert_eq!(ends[1].sent_message_bytes, received);
}

#[tokio::test]
async fn observers_see_compressed_sizes_and_streams() {
    let _serial = SERIAL.lock().await;
    let client_obs = Recording::default();
    let server_obs = Recording::default();
    let addr = serve(
        Server::builder()
            .observer(server_obs.clone())
            .compression(Encoding::Gzip),
    )
    .await;
    let ch = Channel::builder(addr.to_string())
        .observer(client_obs.clone())
        .compression(Encoding::Gzip)
        .build();
    let c = EchoClient::new(ch);
    let msgs: Vec<_> = (0..4)
        .map(|_| EchoRequest {
            payload: Bytes::from(vec![0u8; 10_000]),
            ..Default::default()
        })
        .collect();
    let r = c.client_stream(Request::new(iter(msgs))).await.unwrap();
    assert_eq!(r.into_inner().message, "4");
    let ends = client_obs.attempt_ends.lock().unwrap().clone();
    assert_eq!(ends.len(), 1);
    // Four 10 kB messages of zeros, compressed: far less than 40 kB, more than nothing.
    assert!(
        ends[0].sent_message_bytes > 40 && ends[0].sent_message_bytes < 4_000,
        "{:?}",
        ends[0]
    );
    wait_for(&server_obs.server_ends, 1).await;
    let s = server_obs.server_ends.lock().unwrap()[0].clone();
    assert_eq!(s.received_message_bytes, ends[0].sent_message_bytes);
    assert_eq!(s.sent_message_bytes, ends[0].received_message_bytes);
    assert_eq!(client_obs.call_ends.lock().unwrap()[0].code, Code::OK);

    // A server stream: the call ends when the application has read its status.
    let mut s = c
        .server_stream(EchoRequest {
            count: 2,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(client_obs.call_ends.lock().unwrap().len(), 1);
    while s.message().await.unwrap().is_some() {}
    let calls = client_obs.call_ends.lock().unwrap().clone();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].code, Code::OK);
}

#[tokio::test]
async fn a_dropped_call_ends_cancelled() {
    let _serial = SERIAL.lock().await;
    let client_obs = Recording::default();
    let server_obs = Recording::default();
    let addr = serve(Server::builder().observer(server_obs.clone())).await;
    let ch = Channel::builder(addr.to_string())
        .observer(client_obs.clone())
        .build();
    let c = EchoClient::new(ch);
    c.unary(req("warm")).await.unwrap();
    let slow = c.unary(EchoRequest {
        delay_ms: 5_000,
        ..Default::default()
    });
    assert!(
        tokio::time::timeout(Duration::from_millis(100), slow)
            .await
            .is_err()
    );
    let calls = client_obs.call_ends.lock().unwrap().clone();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].code, Code::CANCELLED);
    assert_eq!(
        client_obs.attempt_ends.lock().unwrap()[1].code,
        Code::CANCELLED
    );
    wait_for(&server_obs.server_ends, 2).await;
    assert_eq!(
        server_obs.server_ends.lock().unwrap()[1].code,
        Code::CANCELLED
    );
}

// ---- Web calls (gRPC-Web, Connect) ----

/// Calls that come as gRPC-Web (binary and text) or Connect, over either HTTP version, get a
/// server span and reach the server's observers as gRPC calls do, with their status and
/// message sizes; `WebChannel` calls likewise get client spans and reach the channel's
/// observers, whose metadata goes out with the request.
#[tokio::test]
async fn web_calls_have_spans_and_reach_observers_on_both_sides() {
    use courier_rpc::HttpVersion;
    use courier_rpc::web::{WebChannel, WebProtocol};
    use courier_wire::Message as _;

    let rec = Recorder::default();
    let _guard = subscriber(&rec).await;
    let server_obs = Recording::default();
    let client_obs = Recording::default();
    let addr = serve(Server::builder().observer(server_obs.clone())).await;
    let mut n = 0;
    for protocol in [
        WebProtocol::GrpcWeb,
        WebProtocol::GrpcWebText,
        WebProtocol::Connect,
    ] {
        for version in [HttpVersion::Http11, HttpVersion::Http2] {
            let what = format!("{protocol:?} over {version:?}");
            let c = EchoClient::new(
                WebChannel::builder(addr.to_string())
                    .protocol(protocol)
                    .http_version(version)
                    .observer(client_obs.clone())
                    .build(),
            );
            let request = EchoRequest {
                payload: Bytes::from(vec![7u8; 100]),
                ..Default::default()
            };
            let sent = request.encoded_len() as u64;
            let r = c.unary(request).await.unwrap().into_inner();
            let received = r.encoded_len() as u64;
            // The client observer's metadata reached the server.
            assert_eq!(r.message, format!("attempt-{}", n + 1), "{what}");
            let e = c
                .unary(EchoRequest {
                    fail_code: Code::NOT_FOUND.0,
                    ..Default::default()
                })
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::NOT_FOUND, "{what}");
            let mut s = c
                .server_stream(EchoRequest {
                    count: 2,
                    payload: Bytes::from_static(b"0123456789"),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            let mut streamed = 0;
            while let Some(m) = s.message().await.unwrap() {
                streamed += m.encoded_len() as u64;
            }
            assert!(streamed > 20, "{what}");
            n += 3;
            wait_for(&server_obs.server_ends, n).await;
            let ends = server_obs.server_ends.lock().unwrap()[n - 3..].to_vec();
            assert_eq!(ends[0].code, Code::OK, "{what}");
            assert_eq!(ends[0].received_message_bytes, sent, "{what}");
            assert_eq!(ends[0].sent_message_bytes, received, "{what}");
            assert_eq!(ends[1].code, Code::NOT_FOUND, "{what}");
            assert_eq!(ends[1].sent_message_bytes, 0, "{what}");
            assert_eq!(ends[2].code, Code::OK, "{what}");
            assert_eq!(ends[2].sent_message_bytes, streamed, "{what}");

            let attempts = client_obs.attempt_ends.lock().unwrap()[n - 3..].to_vec();
            let calls = client_obs.call_ends.lock().unwrap()[n - 3..].to_vec();
            assert_eq!(attempts[0].code, Code::OK, "{what}");
            assert_eq!(attempts[0].sent_message_bytes, sent, "{what}");
            assert_eq!(attempts[0].received_message_bytes, received, "{what}");
            assert_eq!(attempts[1].code, Code::NOT_FOUND, "{what}");
            assert_eq!(attempts[2].code, Code::OK, "{what}");
            assert_eq!(attempts[2].received_message_bytes, streamed, "{what}");
            let codes: Vec<Code> = calls.iter().map(|c| c.code).collect();
            assert_eq!(codes, [Code::OK, Code::NOT_FOUND, Code::OK], "{what}");
        }
    }
    assert_eq!(
        *client_obs.attempts.lock().unwrap(),
        vec![(0, false); n],
        "one first attempt per call"
    );
    let starts = server_obs.server_starts();
    assert_eq!(starts.len(), n);
    for (i, (method, registered)) in starts.iter().enumerate() {
        let expected = if i % 3 == 2 {
            "courier.echo.Echo/ServerStream"
        } else {
            "courier.echo.Echo/Unary"
        };
        assert_eq!((method.as_str(), *registered), (expected, true));
    }
    let spans = rec.closed("grpc.server.call", n).await;
    let failed = spans
        .iter()
        .filter(|s| field(s, "rpc.status_code") == "NOT_FOUND")
        .count();
    assert_eq!(failed, n / 3);
    for s in &spans {
        assert_eq!(field(s, "rpc.service"), "courier.echo.Echo");
        assert_eq!(field(s, "network.peer.address"), "127.0.0.1");
    }
    let calls = rec.closed("grpc.client.call", n).await;
    let attempts = rec.closed("grpc.client.attempt", n).await;
    for s in calls.iter().chain(&attempts) {
        assert_eq!(field(s, "rpc.service"), "courier.echo.Echo");
    }
    let failed = calls
        .iter()
        .filter(|s| field(s, "rpc.status_code") == "NOT_FOUND")
        .count();
    assert_eq!(failed, n / 3);
    assert!(
        attempts
            .iter()
            .all(|a| calls.iter().any(|c| Some(c.id) == a.parent)),
        "each attempt is a child of its call"
    );
}
