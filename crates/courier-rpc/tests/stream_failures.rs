//! Every RST_STREAM code, in both roles, through a real connection (the table itself is
//! `STREAM_FAILURES` in src/protocol.rs, with its unit tests):
//! - client: a courier-h2 server resets each call with the code the call asks for, before or
//!   after its response headers; the Channel reports PROTOCOL-HTTP2's code for it;
//! - server: a courier-h2 client resets its call with each code while the handler waits on
//!   its request stream; the handler sees CANCELLED there, and its context is cancelled;
//! - GOAWAY, client: a server written frame by frame sends GOAWAY when a request arrives. A
//!   request above its last stream id is retried on a new connection (UNAVAILABLE, never
//!   processed); one at or below it whose connection then closes — after a GOAWAY NO_ERROR or
//!   one with an error code — fails UNAVAILABLE and is not retried (it may have been
//!   processed).

mod support {
    pub(crate) mod raw_h2;
}

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use courier_h2::Reason;
use courier_h2::driver::{self, Incoming};
use courier_h2::frame::{BlockStart, Frame, FrameEncoder, GoAway, StreamId};
use courier_hpack::{FieldRef, HeaderField};
use courier_rpc::protocol::code_from_reset;
use courier_rpc::{
    BoxFuture, ByteStream, Channel, Code, MethodDescriptor, MethodKind, Request, Response, Server,
    Service, Status, Transport,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

static DUPLEX: MethodDescriptor = MethodDescriptor {
    path: "/test.Resets/Duplex",
    service: "test.Resets",
    method: "Duplex",
    kind: MethodKind::BidiStreaming,
};

/// Every code RFC 9113 names, and one it does not.
fn codes() -> Vec<Reason> {
    let mut v = Reason::KNOWN.to_vec();
    v.push(Reason(0x7777));
    v
}

/// A server that resets each call with the code in its `x-reset` header, after response
/// headers when `x-headers-first` is present.
async fn resetting_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((io, _)) = listener.accept().await {
            let on_request = |inc: Incoming| {
                let field = |name: &[u8]| {
                    inc.request
                        .fields
                        .iter()
                        .find(|f| &f.name()[..] == name)
                        .map(|f| f.value().clone())
                };
                let reason = field(b"x-reset")
                    .and_then(|v| std::str::from_utf8(&v).ok()?.parse::<u32>().ok())
                    .map(Reason)
                    .expect("x-reset");
                if field(b"x-headers-first").is_some() {
                    let head = vec![
                        HeaderField::new(":status", "200"),
                        HeaderField::new("content-type", "application/grpc"),
                    ];
                    inc.respond.send_headers(head, false).unwrap();
                }
                inc.respond.reset(reason);
            };
            let (server, conn) = driver::server_with(io, courier_h2::Config::default(), on_request);
            tokio::spawn(async move {
                let _server = server;
                conn.await
            });
        }
    });
    addr
}

/// The status of a streaming call the server resets with `reason`.
async fn reset_call(channel: &Channel, reason: Reason, headers_first: bool) -> Status {
    let mut req = Request::new(courier_rpc::once(Bytes::new()));
    req.metadata_mut()
        .append("x-reset", reason.get().to_string())
        .unwrap();
    if headers_first {
        req.metadata_mut().append("x-headers-first", "1").unwrap();
    }
    req.set_timeout(Duration::from_secs(10));
    match channel.call(&DUPLEX, req).await {
        Err(s) => s,
        Ok(resp) => {
            let mut stream = resp.into_inner();
            match std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
                Some(Err(s)) => s,
                other => panic!("{reason}: the call did not fail: {other:?}"),
            }
        }
    }
}

#[tokio::test]
async fn client_reports_each_reset_code_as_protocol_http2_maps_it() {
    let addr = resetting_server().await;
    let channel = Channel::builder(addr.to_string()).build();
    for reason in codes() {
        for headers_first in [false, true] {
            let s = reset_call(&channel, reason, headers_first).await;
            let want = match reason {
                Reason::NO_ERROR
                | Reason::PROTOCOL_ERROR
                | Reason::INTERNAL_ERROR
                | Reason::FLOW_CONTROL_ERROR
                | Reason::SETTINGS_TIMEOUT
                | Reason::STREAM_CLOSED
                | Reason::FRAME_SIZE_ERROR
                | Reason::COMPRESSION_ERROR
                | Reason::CONNECT_ERROR
                | Reason::HTTP_1_1_REQUIRED => Code::INTERNAL,
                Reason::REFUSED_STREAM => Code::UNAVAILABLE,
                Reason::CANCEL => Code::CANCELLED,
                Reason::ENHANCE_YOUR_CALM => Code::RESOURCE_EXHAUSTED,
                Reason::INADEQUATE_SECURITY => Code::PERMISSION_DENIED,
                _ => Code::INTERNAL,
            };
            assert_eq!(want, code_from_reset(reason), "{reason}");
            assert_eq!(
                s.code(),
                want,
                "{reason}, headers first {headers_first}: {s:?}"
            );
            assert!(
                s.message()
                    .starts_with(&format!("stream reset by the server: {reason}")),
                "{reason}: {s:?}"
            );
        }
    }
}

/// A service whose one method reads its request stream and reports what the handler saw
/// after the first message: the status the stream failed with and whether the call's context
/// was cancelled.
struct Holder {
    seen: tokio::sync::mpsc::UnboundedSender<(Code, bool)>,
}

impl Service for Holder {
    fn name(&self) -> &'static str {
        "test.Resets"
    }

    fn methods(&self) -> &'static [MethodDescriptor] {
        std::slice::from_ref(&DUPLEX)
    }

    fn call(
        &self,
        _method: &str,
        request: Request<ByteStream>,
    ) -> Option<BoxFuture<'static, Result<Response<ByteStream>, Status>>> {
        let seen = self.seen.clone();
        Some(Box::pin(async move {
            let (md, mut requests) = request.into_parts();
            let first = std::future::poll_fn(|cx| requests.as_mut().poll_next(cx)).await;
            assert!(matches!(first, Some(Ok(_))), "the first message");
            let code = match std::future::poll_fn(|cx| requests.as_mut().poll_next(cx)).await {
                Some(Err(s)) => s.code(),
                other => panic!("the request stream did not fail: {other:?}"),
            };
            let ctx = md.context().expect("a server call has a context");
            // The context is cancelled by the same reset, perhaps a moment later.
            let cancelled = tokio::time::timeout(Duration::from_secs(5), ctx.cancelled())
                .await
                .is_ok();
            let _ = seen.send((code, cancelled));
            Err(Status::new(Code::INTERNAL, "not sent: the client is gone"))
        }))
    }
}

#[tokio::test]
async fn a_handler_sees_every_client_reset_as_cancelled() {
    let (tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::builder().add_service(Holder { seen: tx }).build();
    tokio::spawn(server.serve(listener));
    let io = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, conn) = driver::client(io, courier_h2::Config::default());
    tokio::spawn(conn);
    for reason in codes() {
        let headers = vec![
            HeaderField::new(":method", "POST"),
            HeaderField::new(":scheme", "http"),
            HeaderField::new(":path", DUPLEX.path),
            HeaderField::new(":authority", "localhost"),
            HeaderField::new("te", "trailers"),
            HeaderField::new("content-type", "application/grpc"),
        ];
        let (mut send, _recv) = client.send_request(headers, false).await.unwrap();
        // One empty message (Compressed-Flag 0, length 0), then the reset.
        send.send_data(Bytes::from_static(&[0, 0, 0, 0, 0]), false)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        send.reset(reason);
        let (code, cancelled) = tokio::time::timeout(Duration::from_secs(5), seen.recv())
            .await
            .expect("the handler reports")
            .unwrap();
        assert_eq!(code, Code::CANCELLED, "{reason}");
        assert!(cancelled, "{reason}: the call's context was not cancelled");
    }
}

/// What the frame-by-frame server does with the first request of its `n`th connection.
#[derive(Clone, Copy)]
enum OnRequest {
    /// GOAWAY with last stream id 0 (the request is above it), the connection kept open.
    RefuseAll,
    /// GOAWAY with the request's own stream as the last one and `reason`, then close.
    AcceptAndClose(Reason),
    /// Answer Trailers-Only, OK, with `x-connection: n`.
    Answer,
}

/// A server written frame by frame (so that it can send any GOAWAY): `plan(n)` says what its
/// `n`th connection does with its first request. Returns its address and how many requests it
/// saw.
async fn goaway_server(plan: fn(usize) -> OnRequest) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&requests);
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((mut io, _)) = listener.accept().await {
            let on_request = plan(n);
            let conn = n;
            n += 1;
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let enc = FrameEncoder::new();
                let Some(stream) = support::raw_h2::accept_until_headers(&mut io, &enc).await
                else {
                    return;
                };
                seen.fetch_add(1, Ordering::SeqCst);
                let mut out = BytesMut::new();
                let goaway = |last, reason| {
                    Frame::GoAway(GoAway {
                        last_stream_id: last,
                        reason,
                        debug_data: Bytes::from_static(b"going"),
                    })
                };
                match on_request {
                    OnRequest::RefuseAll => {
                        let f = goaway(StreamId::new(0), Reason::NO_ERROR);
                        enc.encode(&f, &mut out).unwrap();
                        io.write_all(&out).await.unwrap();
                        // Open until the client closes it.
                        let mut sink = Vec::new();
                        let _ = io.read_to_end(&mut sink).await;
                    }
                    OnRequest::AcceptAndClose(reason) => {
                        enc.encode(&goaway(stream, reason), &mut out).unwrap();
                        io.write_all(&out).await.unwrap();
                        // Closed without an answer.
                    }
                    OnRequest::Answer => {
                        let conn = conn.to_string();
                        let mut block = Vec::new();
                        courier_hpack::Encoder::new(4096).encode(
                            [
                                FieldRef::new(b":status", b"200"),
                                FieldRef::new(b"content-type", b"application/grpc"),
                                FieldRef::new(b"grpc-status", b"0"),
                                FieldRef::new(b"x-connection", conn.as_bytes()),
                            ],
                            &mut block,
                        );
                        let start = BlockStart::Headers {
                            end_stream: true,
                            priority: None,
                        };
                        enc.encode_field_block(stream, start, &block, &mut out);
                        io.write_all(&out).await.unwrap();
                        let mut sink = Vec::new();
                        let _ = io.read_to_end(&mut sink).await;
                    }
                }
            });
        }
    });
    (addr, requests)
}

/// The end of a streaming call: its status, or (OK) its trailers.
async fn streaming_end(channel: &Channel) -> Status {
    let mut req = Request::new(courier_rpc::once(Bytes::new()));
    req.set_timeout(Duration::from_secs(10));
    match channel.call(&DUPLEX, req).await {
        Err(s) => s,
        Ok(resp) => {
            let mut stream = resp.into_inner();
            match std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
                Some(Err(s)) => s,
                None => Status::new(Code::OK, ""),
                Some(Ok(_)) => panic!("a message"),
            }
        }
    }
}

#[tokio::test]
async fn a_request_above_the_goaway_last_stream_is_retried_on_a_new_connection() {
    let (addr, requests) = goaway_server(|n| {
        if n == 0 {
            OnRequest::RefuseAll
        } else {
            OnRequest::Answer
        }
    })
    .await;
    let channel = Channel::builder(addr.to_string()).build();
    let s = streaming_end(&channel).await;
    assert_eq!(s.code(), Code::OK, "{s:?}");
    assert_eq!(s.metadata().get("x-connection").unwrap(), "1");
    assert_eq!(requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_accepted_request_whose_connection_closes_is_unavailable_and_not_retried() {
    for (reason, plan) in [
        (
            Reason::NO_ERROR,
            (|_| OnRequest::AcceptAndClose(Reason::NO_ERROR)) as fn(_) -> _,
        ),
        (Reason::ENHANCE_YOUR_CALM, |_| {
            OnRequest::AcceptAndClose(Reason::ENHANCE_YOUR_CALM)
        }),
    ] {
        let (addr, requests) = goaway_server(plan).await;
        let channel = Channel::builder(addr.to_string()).build();
        let s = streaming_end(&channel).await;
        assert_eq!(s.code(), Code::UNAVAILABLE, "{reason}: {s:?}");
        assert_eq!(requests.load(Ordering::SeqCst), 1, "{reason}: retried");
    }
}
