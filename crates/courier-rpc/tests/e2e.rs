//! courier-rpc end to end over TCP: a generated echo service (tests/protos/echo.proto,
//! generated into tests/gen/ by courier-codegen) served by `Server` and called through
//! generated stubs over a `Channel`.

#![allow(missing_docs, unreachable_pub, dead_code, clippy::all)]

#[path = "gen/courier.echo.rs"]
mod echo;

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use courier_rpc::{
    BoxStream, Channel, Code, ConnectivityState, Encoding, InterceptedCall, Request, Response,
    Server, Status, Stream, Streaming,
};
use echo::echo_rpc::{Echo, EchoClient, EchoServer};
use echo::{EchoRequest, EchoResponse};

#[derive(Default)]
struct Svc {
    cancelled: Arc<AtomicBool>,
}

fn fail(req: &EchoRequest) -> Result<(), Status> {
    if req.fail_code != 0 {
        let any = courier_types::Any {
            type_url: "type.googleapis.com/courier.echo.EchoRequest".into(),
            value: courier_wire::Message::encode_to_bytes(req),
            ..Default::default()
        };
        return Err(Status::new(
            Code(req.fail_code),
            format!("asked to fail: {}", req.message),
        )
        .with_rpc_details(vec![any]));
    }
    Ok(())
}

/// A stream from a channel receiver.
struct Rx<T>(tokio::sync::mpsc::Receiver<T>);
impl<T> Stream for Rx<T> {
    type Item = T;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.0.poll_recv(cx)
    }
}

/// A stream of ready items.
struct Iter<I>(I);
impl<I: Iterator + Unpin> Stream for Iter<I> {
    type Item = I::Item;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Poll::Ready(self.0.next())
    }
}

async fn next<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

impl Echo for Svc {
    async fn unary(&self, request: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        let ctx_remaining = request.context().and_then(|c| c.remaining());
        let compressed = request
            .context()
            .is_some_and(|c| c.last_message_compressed());
        let echoed = request.metadata().get("x-echo").cloned();
        let delay = Duration::from_millis(request.get_ref().delay_ms.into());
        if !delay.is_zero() {
            let ctx = request.context().expect("a server call has a context");
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = ctx.cancelled() => {
                    self.cancelled.store(true, Ordering::SeqCst);
                    return Err(Status::new(Code::CANCELLED, "seen"));
                }
            }
        }
        let req = request.into_inner();
        fail(&req)?;
        let mut resp = Response::new(EchoResponse {
            message: match ctx_remaining {
                Some(_) if req.message == "deadline?" => "has deadline".into(),
                _ if req.message == "compressed?" => format!("{compressed}"),
                _ => req.message,
            },
            payload: req.payload,
            ..Default::default()
        });
        if let Some(v) = echoed {
            resp.metadata_mut().append("x-echo", v.clone()).unwrap();
            resp.trailers_mut().append("x-trailer", v).unwrap();
        }
        resp.trailers_mut()
            .append("x-bin-bin", Bytes::from_static(&[0, 1, 254]))
            .unwrap();
        Ok(resp)
    }

    async fn server_stream(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<BoxStream<Result<EchoResponse, Status>>>, Status> {
        let (md, req) = request.into_parts();
        // "alternate": this call compressed (gzip), every other message left uncompressed.
        let alternate = req.message == "alternate";
        if alternate {
            md.context().unwrap().set_compression(Encoding::Gzip);
        }
        let n = req.count;
        let fail_code = req.fail_code;
        let items = (0..n)
            .map(move |i| {
                if alternate {
                    // Set as the message is produced: it applies to exactly this one.
                    md.context().unwrap().set_message_compression(i % 2 == 0);
                }
                Ok(EchoResponse {
                    message: format!("{} {i}", req.message),
                    payload: req.payload.clone(),
                    ..Default::default()
                })
            })
            .chain((fail_code != 0).then(|| Err(Status::new(Code(fail_code), "mid-stream"))));
        let mut r = Response::new(Box::pin(Iter(items)) as BoxStream<_>);
        r.trailers_mut().append("x-count", n.to_string()).unwrap();
        Ok(r)
    }

    async fn client_stream(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<EchoResponse>, Status> {
        let mut s = request.into_inner();
        let mut all = String::new();
        let cancelled = Arc::clone(&self.cancelled);
        loop {
            match s.message().await {
                Ok(Some(m)) => {
                    fail(&m)?;
                    all.push_str(&m.message);
                }
                Ok(None) => break,
                Err(e) => {
                    if e.code() == Code::CANCELLED {
                        cancelled.store(true, Ordering::SeqCst);
                    }
                    return Err(e);
                }
            }
        }
        Ok(Response::new(EchoResponse {
            message: all,
            payload: Bytes::new(),
            ..Default::default()
        }))
    }

    async fn bidi(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<BoxStream<Result<EchoResponse, Status>>>, Status> {
        let mut s = request.into_inner();
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        tokio::spawn(async move {
            while let Some(m) = next(&mut s).await {
                let r = m.map(|m| EchoResponse {
                    message: m.message.to_uppercase(),
                    payload: m.payload,
                    ..Default::default()
                });
                if tx.send(r).await.is_err() {
                    break;
                }
            }
        });
        Ok(Response::new(Box::pin(Rx(rx)) as BoxStream<_>))
    }
}

async fn start(builder: courier_rpc::ServerBuilder) -> (std::net::SocketAddr, Arc<AtomicBool>) {
    let svc = Svc::default();
    let cancelled = Arc::clone(&svc.cancelled);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = builder.add_service(EchoServer::new(svc)).build();
    tokio::spawn(server.serve(listener));
    (addr, cancelled)
}

async fn client() -> (EchoClient<Channel>, Arc<AtomicBool>) {
    let (addr, c) = start(Server::builder()).await;
    (EchoClient::new(Channel::lazy(addr.to_string())), c)
}

fn req(msg: &str) -> EchoRequest {
    EchoRequest {
        message: msg.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn unary_round_trip_with_metadata() {
    let (c, _) = client().await;
    assert_eq!(c.transport().state(), ConnectivityState::Idle);
    let mut r = Request::new(req("hello"));
    r.metadata_mut().append("x-echo", "v1").unwrap();
    let resp = c.unary(r).await.unwrap();
    assert_eq!(resp.get_ref().message, "hello");
    assert_eq!(resp.metadata().get("x-echo").unwrap(), "v1");
    assert_eq!(resp.trailers().get("x-trailer").unwrap(), "v1");
    assert_eq!(&resp.trailers().get("x-bin-bin").unwrap()[..], &[0, 1, 254]);
    assert_eq!(c.transport().state(), ConnectivityState::Ready);
    // Many calls share the connection.
    let calls: Vec<_> = (0..50)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move {
                c.unary(req(&format!("m{i}")))
                    .await
                    .unwrap()
                    .into_inner()
                    .message
            })
        })
        .collect();
    for (i, h) in calls.into_iter().enumerate() {
        assert_eq!(h.await.unwrap(), format!("m{i}"));
    }
}

#[tokio::test]
async fn unary_errors_carry_status() {
    let (c, _) = client().await;
    let e = c
        .unary(EchoRequest {
            message: "ünïcode 100%".into(),
            fail_code: Code::NOT_FOUND.0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NOT_FOUND);
    assert_eq!(e.message(), "asked to fail: ünïcode 100%");
    // grpc-status-details-bin: a google.rpc.Status with the same code and message, and the
    // details.
    let rpc = e.rpc_status().unwrap();
    assert_eq!(
        (rpc.code, rpc.message.as_str()),
        (5, "asked to fail: ünïcode 100%")
    );
    assert_eq!(
        rpc.details[0].type_url,
        "type.googleapis.com/courier.echo.EchoRequest"
    );
    // Open code values pass through.
    let e = c
        .unary(EchoRequest {
            fail_code: 42,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code(42));
}

#[tokio::test]
async fn server_streaming() {
    let (c, _) = client().await;
    let resp = c
        .server_stream(EchoRequest {
            message: "s".into(),
            count: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut s = resp.into_inner();
    let mut n = 0;
    while let Some(m) = s.message().await.unwrap() {
        assert_eq!(m.message, format!("s {n}"));
        n += 1;
    }
    assert_eq!(n, 100);
    assert_eq!(s.trailers().unwrap().get("x-count").unwrap(), "100");

    // An error after some messages arrives after them.
    let resp = c
        .server_stream(EchoRequest {
            message: "s".into(),
            count: 3,
            fail_code: Code::ABORTED.0,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut s = resp.into_inner();
    for _ in 0..3 {
        s.message().await.unwrap().unwrap();
    }
    assert_eq!(s.message().await.unwrap_err().code(), Code::ABORTED);
}

#[tokio::test]
async fn client_streaming() {
    let (c, _) = client().await;
    let msgs: Vec<_> = ["a", "b", "c"].iter().map(|m| req(m)).collect();
    let resp = c
        .client_stream(Request::new(Iter(msgs.into_iter())))
        .await
        .unwrap();
    assert_eq!(resp.get_ref().message, "abc");
    // Empty stream.
    let resp = c
        .client_stream(Request::new(Iter(Vec::<EchoRequest>::new().into_iter())))
        .await
        .unwrap();
    assert_eq!(resp.get_ref().message, "");
}

#[tokio::test]
async fn bidi_streaming_interleaves() {
    let (c, _) = client().await;
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let resp = c.bidi(Request::new(Rx(rx))).await.unwrap();
    let mut s = resp.into_inner();
    for i in 0..20 {
        tx.send(req(&format!("ping{i}"))).await.unwrap();
        let m = s.message().await.unwrap().unwrap();
        assert_eq!(m.message, format!("PING{i}"));
    }
    drop(tx);
    assert!(s.message().await.unwrap().is_none());
}

#[tokio::test]
async fn unknown_service_and_method_are_unimplemented() {
    let (addr, _) = start(Server::builder()).await;
    let ch = Channel::lazy(addr.to_string());
    static OTHER: courier_rpc::MethodDescriptor = courier_rpc::MethodDescriptor {
        path: "/no.Such/Method",
        service: "no.Such",
        method: "Method",
        kind: courier_rpc::MethodKind::Unary,
    };
    static MISSING: courier_rpc::MethodDescriptor = courier_rpc::MethodDescriptor {
        path: "/courier.echo.Echo/Missing",
        service: "courier.echo.Echo",
        method: "Missing",
        kind: courier_rpc::MethodKind::Unary,
    };
    use courier_rpc::Transport;
    for m in [&OTHER, &MISSING] {
        let e = ch.unary(m, Request::new(Bytes::new())).await.unwrap_err();
        assert_eq!(e.code(), Code::UNIMPLEMENTED, "{e}");
    }
}

#[tokio::test]
async fn deadlines() {
    let (c, _) = client().await;
    let mut r = Request::new(EchoRequest {
        delay_ms: 2000,
        ..Default::default()
    });
    r.set_timeout(Duration::from_millis(100));
    let t = std::time::Instant::now();
    let e = c.unary(r).await.unwrap_err();
    assert_eq!(e.code(), Code::DEADLINE_EXCEEDED);
    assert!(t.elapsed() < Duration::from_secs(1));
    // The server sees the remaining time.
    let mut r = Request::new(req("deadline?"));
    r.set_timeout(Duration::from_secs(30));
    assert_eq!(
        c.unary(r).await.unwrap().into_inner().message,
        "has deadline"
    );
    assert_eq!(
        c.unary(req("deadline?"))
            .await
            .unwrap()
            .into_inner()
            .message,
        "deadline?"
    );
}

/// Waits up to `tries` x 20 ms for `flag` to be set (the caller asserts it).
async fn wait_until_set(flag: &AtomicBool, tries: u32) {
    for _ in 0..tries {
        if flag.load(Ordering::SeqCst) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn dropping_a_unary_call_after_its_request_ended_cancels_the_handler() {
    let (c, cancelled) = client().await;
    let mut r = req("slow");
    r.delay_ms = 10_000;
    // The request is sent whole (END_STREAM) at once; only RST_STREAM can tell the server.
    let call = tokio::spawn({
        let c = c.clone();
        async move { c.unary(r).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!cancelled.load(Ordering::SeqCst), "cancelled too early");
    call.abort();
    let _ = call.await;
    wait_until_set(&cancelled, 100).await;
    assert!(
        cancelled.load(Ordering::SeqCst),
        "the unary handler saw no cancellation"
    );
}

#[tokio::test]
async fn dropping_a_streaming_call_cancels_it_on_the_server() {
    let (c, cancelled) = client().await;
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let call = tokio::spawn({
        let c = c.clone();
        async move { c.client_stream(Request::new(Rx(rx))).await }
    });
    tx.send(req("x")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    call.abort();
    let _ = call.await;
    wait_until_set(&cancelled, 50).await;
    assert!(
        cancelled.load(Ordering::SeqCst),
        "server handler saw no cancellation"
    );
    drop(tx);
}

#[tokio::test]
async fn message_size_limits() {
    let (addr, _) = start(Server::builder().max_recv_message_size(1000)).await;
    let c = EchoClient::new(
        Channel::builder(addr.to_string())
            .max_recv_message_size(500)
            .build(),
    );
    let big = |n: usize| EchoRequest {
        payload: Bytes::from(vec![1u8; n]),
        ..Default::default()
    };
    // Request above the server's limit.
    assert_eq!(
        c.unary(big(2000)).await.unwrap_err().code(),
        Code::RESOURCE_EXHAUSTED
    );
    // Response above the client's limit.
    assert_eq!(
        c.unary(big(800)).await.unwrap_err().code(),
        Code::RESOURCE_EXHAUSTED
    );
    assert!(c.unary(big(400)).await.is_ok());
    // Send limit.
    let c = EchoClient::new(
        Channel::builder(addr.to_string())
            .max_send_message_size(100)
            .build(),
    );
    assert_eq!(
        c.unary(big(200)).await.unwrap_err().code(),
        Code::RESOURCE_EXHAUSTED
    );
}

#[tokio::test]
async fn gzip_both_ways() {
    let (addr, _) = start(Server::builder().compression(Encoding::Gzip)).await;
    let c = EchoClient::new(
        Channel::builder(addr.to_string())
            .compression(Encoding::Gzip)
            .build(),
    );
    let payload = Bytes::from(vec![b'z'; 100_000]);
    let r = c
        .unary(EchoRequest {
            payload: payload.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(r.get_ref().payload, payload);
    // Per call: identity on a gzip channel.
    let mut r = Request::new(req("plain"));
    r.set_compression(Encoding::Identity);
    assert_eq!(c.unary(r).await.unwrap().into_inner().message, "plain");
    // The handler sees whether the request message arrived compressed.
    assert_eq!(
        c.unary(req("compressed?"))
            .await
            .unwrap()
            .into_inner()
            .message,
        "true"
    );
    let mut r = Request::new(req("compressed?"));
    r.set_compression(Encoding::Identity);
    assert_eq!(c.unary(r).await.unwrap().into_inner().message, "false");
}

#[tokio::test]
async fn interceptors_change_metadata_and_reject() {
    let server = Server::builder().interceptor(|call: InterceptedCall| async move {
        match call.metadata().get("authorization") {
            Some(v) if v == "Bearer ok" => Ok(call),
            _ => Err(Status::new(Code::UNAUTHENTICATED, "no token")),
        }
    });
    let (addr, _) = start(server).await;
    let plain = EchoClient::new(Channel::lazy(addr.to_string()));
    assert_eq!(
        plain.unary(req("x")).await.unwrap_err().code(),
        Code::UNAUTHENTICATED
    );
    let ch = Channel::builder(addr.to_string())
        .interceptor(|mut call: InterceptedCall| async move {
            call.metadata_mut()
                .append("authorization", "Bearer ok")
                .unwrap();
            Ok(call)
        })
        .build();
    let c = EchoClient::new(ch);
    assert_eq!(c.unary(req("x")).await.unwrap().into_inner().message, "x");
    let rejecting = EchoClient::new(
        Channel::builder(addr.to_string())
            .interceptor(|_call: InterceptedCall| async move {
                Err::<InterceptedCall, _>(Status::new(Code::PERMISSION_DENIED, "client says no"))
            })
            .build(),
    );
    assert_eq!(
        rejecting.unary(req("x")).await.unwrap_err().code(),
        Code::PERMISSION_DENIED
    );
}

#[tokio::test]
async fn unreachable_target_fails_fast_then_waits_for_ready() {
    // Bind and drop to get a port nobody listens on.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let ch = Channel::lazy(addr.to_string());
    let c = EchoClient::new(ch.clone());
    let e = c.unary(req("x")).await.unwrap_err();
    assert_eq!(e.code(), Code::UNAVAILABLE);
    assert_eq!(ch.state(), ConnectivityState::TransientFailure);
    // wait_for_ready: the call waits; it succeeds once a server appears on the port.
    let mut r = Request::new(req("late"));
    r.set_wait_for_ready(true);
    r.set_timeout(Duration::from_secs(10));
    let call = tokio::spawn(async move { c.unary(r).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    tokio::spawn(
        Server::builder()
            .add_service(EchoServer::new(Svc::default()))
            .build()
            .serve(listener),
    );
    let r = call.await.unwrap().unwrap();
    assert_eq!(r.into_inner().message, "late");
    assert_eq!(ch.state(), ConnectivityState::Ready);
}

/// A server with `grace` for graceful shutdown, a warmed-up client, a call that sleeps
/// `delay_ms` on the server, and the shutdown started 50 ms into that call. Returns the call,
/// the server's task and when the shutdown started.
async fn shutdown_during_call(
    grace: Duration,
    message: &str,
    delay_ms: u32,
) -> (
    tokio::task::JoinHandle<Result<Response<EchoResponse>, Status>>,
    tokio::task::JoinHandle<std::io::Result<()>>,
    std::time::Instant,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = Server::builder()
        .add_service(EchoServer::new(Svc::default()))
        .shutdown_grace(grace)
        .build();
    let served = tokio::spawn(server.serve_with_shutdown(listener, async {
        let _ = stop_rx.await;
    }));
    let c = EchoClient::new(Channel::lazy(addr.to_string()));
    c.unary(req("warm")).await.unwrap();
    let message = message.to_owned();
    let call = tokio::spawn(async move {
        c.unary(EchoRequest {
            message,
            delay_ms,
            ..Default::default()
        })
        .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let t = std::time::Instant::now();
    stop_tx.send(()).unwrap();
    (call, served, t)
}

#[tokio::test]
async fn graceful_shutdown_lets_calls_finish() {
    let (slow, served, _) = shutdown_during_call(Duration::from_secs(5), "slow", 300).await;
    assert_eq!(slow.await.unwrap().unwrap().into_inner().message, "slow");
    tokio::time::timeout(Duration::from_secs(5), served)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn graceful_shutdown_ends_calls_still_running_after_the_grace_period() {
    let (slow, served, t) =
        shutdown_during_call(Duration::from_millis(200), "too slow", 30_000).await;
    let r = tokio::time::timeout(Duration::from_secs(5), slow)
        .await
        .expect("the call ended after the grace period")
        .unwrap();
    assert!(r.is_err(), "{r:?}");
    tokio::time::timeout(Duration::from_secs(5), served)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(200),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn a_call_in_progress_keeps_an_idle_limited_connection_open() {
    let (addr, _) = start(Server::builder().max_connection_idle(Duration::from_millis(150))).await;
    let ch = Channel::lazy(addr.to_string());
    let c = EchoClient::new(ch.clone());
    let slow = tokio::spawn({
        let c = c.clone();
        async move {
            c.unary(EchoRequest {
                message: "slow".into(),
                delay_ms: 600,
                ..Default::default()
            })
            .await
        }
    });
    // Well past the idle limit, with the call still running: the connection stays.
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(ch.state(), ConnectivityState::Ready);
    assert_eq!(slow.await.unwrap().unwrap().into_inner().message, "slow");
    // Idle once the call ended: closed.
    let st = tokio::time::timeout(
        Duration::from_secs(5),
        ch.state_changed(ConnectivityState::Ready),
    )
    .await
    .unwrap();
    assert_eq!(st, ConnectivityState::Idle);
}

#[tokio::test]
async fn idle_connections_close_and_the_channel_reconnects() {
    let (addr, _) = start(Server::builder().max_connection_idle(Duration::from_millis(200))).await;
    let ch = Channel::lazy(addr.to_string());
    let c = EchoClient::new(ch.clone());
    c.unary(req("one")).await.unwrap();
    assert_eq!(ch.state(), ConnectivityState::Ready);
    // The server closes the idle connection (GOAWAY); the channel goes back to IDLE.
    let st = tokio::time::timeout(
        Duration::from_secs(5),
        ch.state_changed(ConnectivityState::Ready),
    )
    .await
    .unwrap();
    assert_eq!(st, ConnectivityState::Idle);
    // The next call connects again.
    assert_eq!(
        c.unary(req("two")).await.unwrap().into_inner().message,
        "two"
    );
    assert_eq!(ch.state(), ConnectivityState::Ready);
}

#[tokio::test]
async fn old_connections_are_replaced_without_failing_calls() {
    let (addr, _) = start(
        Server::builder().max_connection_age(Duration::from_millis(150), Duration::from_secs(5)),
    )
    .await;
    let c = EchoClient::new(Channel::lazy(addr.to_string()));
    // Calls keep succeeding across several connection ages.
    let end = std::time::Instant::now() + Duration::from_millis(700);
    let mut n = 0;
    while std::time::Instant::now() < end {
        let mut r = Request::new(req("x"));
        r.set_wait_for_ready(true);
        c.unary(r).await.unwrap();
        n += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(n > 10);
}

#[tokio::test]
async fn concurrency_limit_queues_calls() {
    let (addr, _) = start(Server::builder().max_concurrent_calls(1)).await;
    let c = EchoClient::new(Channel::lazy(addr.to_string()));
    let t = std::time::Instant::now();
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                c.unary(EchoRequest {
                    delay_ms: 100,
                    ..Default::default()
                })
                .await
                .unwrap()
            })
        })
        .collect();
    for h in calls {
        h.await.unwrap();
    }
    // One at a time: at least three delays.
    assert!(t.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn refused_streams_are_retried_transparently() {
    let mut h2 = courier_h2::Config::default();
    h2.max_concurrent_streams = 2;
    let (addr, _) = start(Server::builder().http2_config(h2)).await;
    let c = EchoClient::new(Channel::lazy(addr.to_string()));
    c.unary(req("warm")).await.unwrap();
    let calls: Vec<_> = (0..20)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move {
                c.unary(EchoRequest {
                    message: format!("m{i}"),
                    delay_ms: 20,
                    ..Default::default()
                })
                .await
            })
        })
        .collect();
    for (i, h) in calls.into_iter().enumerate() {
        assert_eq!(
            h.await.unwrap().unwrap().into_inner().message,
            format!("m{i}")
        );
    }
}

#[tokio::test]
async fn calls_wait_for_a_stream_slot() {
    // More calls at once than the server's SETTINGS_MAX_CONCURRENT_STREAMS: they queue.
    let mut h2 = courier_h2::Config::default();
    h2.max_concurrent_streams = 4;
    let (addr, _) = start(Server::builder().http2_config(h2)).await;
    let c = EchoClient::new(Channel::lazy(addr.to_string()));
    c.unary(req("warm")).await.unwrap();
    // Let the client see the server's SETTINGS.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let calls: Vec<_> = (0..100)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move {
                c.unary(EchoRequest {
                    message: format!("m{i}"),
                    delay_ms: 5,
                    ..Default::default()
                })
                .await
            })
        })
        .collect();
    for (i, h) in calls.into_iter().enumerate() {
        assert_eq!(
            h.await.unwrap().unwrap().into_inner().message,
            format!("m{i}")
        );
    }
}

/// The Compressed-Flag of each response message a server-streaming call reads, through
/// the response (which follows its stream).
async fn stream_flags(c: &EchoClient<Channel>, count: u32) -> Vec<Option<bool>> {
    let mut resp = c
        .server_stream(EchoRequest {
            message: "s".into(),
            count,
            ..Default::default()
        })
        .await
        .unwrap();
    // Nothing read yet.
    assert_eq!(resp.last_message_compressed(), None);
    let mut flags = Vec::new();
    let mut n = 0;
    while let Some(m) = resp.get_mut().message().await.unwrap() {
        assert_eq!(m.message, format!("s {n}"));
        n += 1;
        flags.push(resp.last_message_compressed());
    }
    assert_eq!(n, count);
    // The end of the stream (trailers) leaves the last message's flag.
    assert_eq!(
        resp.last_message_compressed(),
        flags.last().copied().flatten()
    );
    flags
}

#[tokio::test]
async fn handlers_choose_compression_per_call_and_per_message() {
    // The server's default is identity; the handler asks for gzip on this call and turns it
    // off for every other message.
    let (addr, _) = start(Server::builder()).await;
    let c = EchoClient::new(Channel::lazy(addr.to_string()));
    let mut resp = c
        .server_stream(EchoRequest {
            message: "alternate".into(),
            count: 6,
            payload: Bytes::from(vec![b'z'; 100]),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut flags = Vec::new();
    while let Some(m) = resp.get_mut().message().await.unwrap() {
        assert_eq!(m.payload.len(), 100);
        flags.push(resp.last_message_compressed());
    }
    let expected: Vec<Option<bool>> = (0..6).map(|i| Some(i % 2 == 0)).collect();
    assert_eq!(flags, expected);
}

#[tokio::test]
async fn clients_see_whether_response_messages_arrived_compressed() {
    // Messages below 6 bytes stay uncompressed: "s 0".."s 9" encode to 5 bytes, "s 10".. to 6.
    let (gzip, _) = start(
        Server::builder()
            .compression(Encoding::Gzip)
            .compression_threshold(6),
    )
    .await;
    let (plain, _) = start(Server::builder()).await;
    let retry = courier_rpc::ServiceConfig::from_json(
        r#"{"methodConfig": [{"name": [{"service": "courier.echo.Echo"}],
          "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.01s", "maxBackoff": "0.1s",
                          "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#,
    )
    .unwrap();
    let hedge = courier_rpc::ServiceConfig::from_json(
        r#"{"methodConfig": [{"name": [{"service": "courier.echo.Echo"}],
          "hedgingPolicy": {"maxAttempts": 2, "hedgingDelay": "0s",
                            "nonFatalStatusCodes": ["UNAVAILABLE"]}}]}"#,
    )
    .unwrap();
    let big = || EchoRequest {
        payload: Bytes::from(vec![b'z'; 1000]),
        ..Default::default()
    };
    let expected_stream: Vec<Option<bool>> = (0..20).map(|i| Some(i >= 10)).collect();
    // No policy, a retry policy (the unary response is read ahead inside the attempt) and a
    // hedging policy (two attempts race; the committed one's messages count).
    for config in [None, Some(retry), Some(hedge)] {
        let channel = |addr: std::net::SocketAddr| {
            let b = Channel::builder(addr.to_string());
            let b = match &config {
                Some(sc) => b.service_config(sc.clone()),
                None => b,
            };
            EchoClient::new(b.build())
        };
        let (cg, cp) = (channel(gzip), channel(plain));
        let r = cg.unary(big()).await.unwrap();
        assert_eq!(r.last_message_compressed(), Some(true));
        assert_eq!(r.get_ref().payload.len(), 1000);
        let r = cg.unary(req("x")).await.unwrap();
        assert_eq!(
            r.last_message_compressed(),
            Some(false),
            "below the threshold"
        );
        let r = cp.unary(big()).await.unwrap();
        assert_eq!(r.last_message_compressed(), Some(false));
        // The flag survives the generated stub's into_parts / from_parts and map.
        let (md, msg) = cg.unary(big()).await.unwrap().into_parts();
        let r = Response::from_parts(md, msg).map(|m| m.payload);
        assert_eq!(r.last_message_compressed(), Some(true));

        assert_eq!(stream_flags(&cg, 20).await, expected_stream);
        assert_eq!(stream_flags(&cp, 5).await, vec![Some(false); 5]);
    }
    // A response built by an application knows nothing.
    assert_eq!(Response::new(()).last_message_compressed(), None);
}

/// A payload of `n` bytes that differ from one position to the next (a shifted or dropped
/// piece shows).
fn payload(n: usize, seed: u8) -> Bytes {
    let mut x = 0x9e37_79b9u32 ^ u32::from(seed);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect::<Vec<u8>>()
        .into()
}

/// Payload sizes around the size where a message is sent as its prefix and itself (4 KiB,
/// with the message's few bytes of tags and lengths) and well above it.
const LARGE_SIZES: [usize; 7] = [0, 4085, 4090, 4096, 4100, (1 << 20) + 3, 2 << 20];

async fn large_payloads_round_trip(c: &EchoClient<Channel>) {
    for (i, &n) in LARGE_SIZES.iter().enumerate() {
        let p = payload(n, i as u8);
        let request = |m: &str| EchoRequest {
            message: m.into(),
            payload: p.clone(),
            count: 3,
            ..Default::default()
        };
        // Unary, both directions.
        let r = c.unary(request("u")).await.unwrap().into_inner();
        assert_eq!(r.payload, p, "unary, {n} bytes");
        // Server streaming: three responses of `n` bytes each.
        let mut s = c.server_stream(request("s")).await.unwrap().into_inner();
        let mut got = 0;
        while let Some(m) = s.message().await.unwrap() {
            assert_eq!(m.payload, p, "server streaming, {n} bytes");
            got += 1;
        }
        assert_eq!(got, 3);
        // Bidi: requests of `n` bytes echoed back (also the client's streaming send path).
        let reqs = (0..3)
            .map(|k| request(&format!("b{k}")))
            .collect::<Vec<_>>();
        let mut s = c
            .bidi(Request::new(Iter(reqs.into_iter())))
            .await
            .unwrap()
            .into_inner();
        let mut got = 0;
        while let Some(m) = s.message().await.unwrap() {
            assert_eq!(m.message, format!("B{got}"));
            assert_eq!(m.payload, p, "bidi, {n} bytes");
            got += 1;
        }
        assert_eq!(got, 3);
    }
}

#[tokio::test]
async fn large_payloads_arrive_exactly() {
    let (c, _) = client().await;
    large_payloads_round_trip(&c).await;
}

#[tokio::test]
async fn large_payloads_arrive_exactly_with_gzip() {
    let (addr, _) = start(Server::builder().compression(Encoding::Gzip)).await;
    let c = EchoClient::new(
        Channel::builder(addr.to_string())
            .compression(Encoding::Gzip)
            .build(),
    );
    large_payloads_round_trip(&c).await;
}

#[tokio::test]
async fn send_limits_apply_to_large_uncompressed_messages() {
    // The server's send limit, on a response sent as prefix and message.
    let (addr, _) = start(Server::builder().max_send_message_size(10_000)).await;
    let c = EchoClient::new(Channel::lazy(addr.to_string()));
    let big = |n: usize| EchoRequest {
        payload: payload(n, 9),
        count: 1,
        ..Default::default()
    };
    let mut s = c.server_stream(big(9_000)).await.unwrap().into_inner();
    assert_eq!(s.message().await.unwrap().unwrap().payload.len(), 9_000);
    let mut s = c.server_stream(big(10_000)).await.unwrap().into_inner();
    assert_eq!(
        s.message().await.unwrap_err().code(),
        Code::RESOURCE_EXHAUSTED
    );
    // The client's send limit, on a streamed request.
    let c = EchoClient::new(
        Channel::builder(addr.to_string())
            .max_send_message_size(10_000)
            .build(),
    );
    let mut s = c
        .bidi(Request::new(Iter(vec![big(9_000)].into_iter())))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(s.message().await.unwrap().unwrap().payload.len(), 9_000);
    assert!(s.message().await.unwrap().is_none());
    let r = c
        .bidi(Request::new(Iter(vec![big(10_000)].into_iter())))
        .await;
    let failed = match r {
        Err(e) => e.code(),
        Ok(r) => r.into_inner().message().await.unwrap_err().code(),
    };
    assert_ne!(failed, Code::OK);
}
