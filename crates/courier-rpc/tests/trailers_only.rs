//! The server's response headers go out lazily, and a call that ends before its first message
//! is answered Trailers-Only — checked on the wire: a courier-h2 client whose transport copies
//! every byte the server sends, decoded back into frames.
//!
//! PROTOCOL-HTTP2, Responses: "Response → (Response-Headers *Length-Prefixed-Message Trailers)
//! / Trailers-Only", "Trailers-Only → HTTP-Status Content-Type Trailers", "Response-Headers &
//! Trailers-Only are each delivered in a single HTTP2 HEADERS frame block."
//!
//! The other direction — Courier's client reads both forms of a failed or empty call alike —
//! is at the end: a courier-h2 server answers each call in the form the call asks for.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use courier_h2::FieldSection;
use courier_h2::driver::{self, Incoming};
use courier_h2::frame::{Frame, FrameDecoder, StreamId};
use courier_hpack::HeaderField;
use courier_rpc::{
    BoxFuture, ByteStream, Channel, Code, MethodDescriptor, MethodKind, Request, Response, Server,
    Service, Status, Transport, iter, once,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

mod support {
    pub(crate) mod fields;
}
use support::fields::{field, grpc_request};

const fn method(path: &'static str, name: &'static str, kind: MethodKind) -> MethodDescriptor {
    MethodDescriptor {
        path,
        service: "test.Forms",
        method: name,
        kind,
    }
}

static EMPTY: MethodDescriptor = method("/test.Forms/Empty", "Empty", MethodKind::ServerStreaming);
static UNARY: MethodDescriptor = method("/test.Forms/Unary", "Unary", MethodKind::Unary);

/// A transport that copies every byte read from it (what the server sent) into `log`.
struct Tap<T> {
    inner: T,
    log: Arc<Mutex<Vec<u8>>>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Tap<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let new = &buf.filled()[before..];
        self.log.lock().unwrap().extend_from_slice(new);
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Tap<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The service: each method answers in one of the shapes under test. `Later` and `Early`
/// hold their one message until `release` is notified; `Early` asks for its headers early.
struct Forms {
    release: Arc<Notify>,
}

fn trailer(r: &mut Response<ByteStream>) {
    r.trailers_mut().append("x-trailer", "t").unwrap();
}

impl Service for Forms {
    fn name(&self) -> &'static str {
        "test.Forms"
    }

    fn methods(&self) -> &'static [MethodDescriptor] {
        &[]
    }

    fn call(
        &self,
        method: &str,
        request: Request<ByteStream>,
    ) -> Option<BoxFuture<'static, Result<Response<ByteStream>, Status>>> {
        let method = method.to_owned();
        let release = Arc::clone(&self.release);
        Some(Box::pin(async move {
            drop(request);
            let held = move || -> ByteStream {
                Box::pin(courier_rpc::unfold(Some(release), |r| async move {
                    r?.notified().await;
                    Some((Ok(Bytes::from_static(b"late")), None))
                }))
            };
            let mut r = match method.as_str() {
                // The interop case status_code_and_message on FullDuplexCall: the response
                // stream's first item is the error.
                "FailFirst" => Response::new(Box::pin(iter(vec![Err(Status::new(
                    Code::UNKNOWN,
                    "test status message",
                ))])) as ByteStream),
                // The same, the error coming after the server found the stream pending (as
                // from Courier's interop server, whose FullDuplexCall answers from a task).
                "FailAfterWait" => {
                    Response::new(Box::pin(courier_rpc::unfold(true, |first| async move {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        let status = Status::new(Code::UNKNOWN, "test status message");
                        first.then_some((Err(status), false))
                    })) as ByteStream)
                }
                "Empty" => Response::new(Box::pin(iter(Vec::new())) as ByteStream),
                "EmptyWithHeaders" => {
                    let mut r = Response::new(Box::pin(iter(Vec::new())) as ByteStream);
                    r.metadata_mut().append("x-head", "h").unwrap();
                    r
                }
                "HandlerError" => return Err(Status::new(Code::NOT_FOUND, "no such thing")),
                "Unary" => Response::new(once(Bytes::from_static(b"hello"))),
                "Later" => Response::new(held()),
                "Early" => {
                    let mut r = Response::new(held());
                    r.send_headers_early();
                    r
                }
                _ => return Err(Status::unimplemented(method)),
            };
            trailer(&mut r);
            Ok(r)
        }))
    }
}

async fn forms_server() -> (SocketAddr, Arc<Notify>) {
    let release = Arc::new(Notify::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::builder()
        .add_service(Forms {
            release: Arc::clone(&release),
        })
        .build();
    tokio::spawn(server.serve(listener));
    (addr, release)
}

/// One call on a fresh connection through a [`Tap`].
struct RawCall {
    log: Arc<Mutex<Vec<u8>>>,
    id: StreamId,
    recv: driver::RecvStream,
    _client: driver::Client,
    _send: driver::SendStream,
}

async fn raw_call(addr: SocketAddr, name: &str) -> RawCall {
    let log = Arc::new(Mutex::new(Vec::new()));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let io = Tap {
        inner: tcp,
        log: Arc::clone(&log),
    };
    let (client, conn) = driver::client(io, courier_h2::Config::default());
    tokio::spawn(conn);
    let headers = grpc_request(&format!("/test.Forms/{name}"));
    let (mut send, recv) = client.send_request(headers, false).await.unwrap();
    // One empty request message, and the end of the request.
    send.send_data(Bytes::from_static(&[0, 0, 0, 0, 0]), true)
        .await
        .unwrap();
    let id = send.stream_id().unwrap();
    RawCall {
        log,
        id,
        recv,
        _client: client,
        _send: send,
    }
}

/// What the server sent on `id`, frame by frame: ("HEADERS" or "DATA", END_STREAM).
fn frames(log: &Mutex<Vec<u8>>, id: StreamId) -> Vec<(&'static str, bool)> {
    let mut buf = BytesMut::from(&log.lock().unwrap()[..]);
    let decoder = FrameDecoder::new();
    let mut out = Vec::new();
    while let Some(frame) = decoder.decode(&mut buf).unwrap() {
        if frame.stream_id() != id {
            continue;
        }
        match frame {
            Frame::Headers(h) => {
                assert!(h.end_headers, "one HEADERS frame per section here");
                out.push(("HEADERS", h.end_stream));
            }
            Frame::Data(d) => out.push(("DATA", d.end_stream)),
            Frame::Continuation(_) => out.push(("CONTINUATION", false)),
            Frame::RstStream(_) => out.push(("RST_STREAM", true)),
            _ => {}
        }
    }
    assert!(buf.is_empty(), "a partial frame in the log");
    out
}

/// Reads the whole response of `call`: its head, whether it ended there, and its trailers.
async fn read_all(call: &mut RawCall) -> (FieldSection, bool, Option<Vec<HeaderField>>) {
    let (head, end) = tokio::time::timeout(Duration::from_secs(5), call.recv.response())
        .await
        .expect("a response")
        .unwrap();
    if end {
        return (head, true, None);
    }
    while let Some(chunk) = call.recv.data().await {
        chunk.unwrap();
    }
    (head, false, call.recv.trailers())
}

/// A stream whose first item is an error (interop `status_code_and_message` on
/// FullDuplexCall): one HEADERS frame with END_STREAM — `:status`, `content-type`, the status
/// and the trailers — and no DATA.
#[tokio::test]
async fn a_stream_failing_before_its_first_message_is_trailers_only() {
    let (addr, _) = forms_server().await;
    for name in ["FailFirst", "FailAfterWait"] {
        let mut call = raw_call(addr, name).await;
        let (head, end, _) = read_all(&mut call).await;
        assert!(end, "{name}: the response went on after its headers");
        assert_eq!(frames(&call.log, call.id), [("HEADERS", true)], "{name}");
        assert_eq!(head.pseudo.status, Some(200));
        let f = &head.fields;
        assert_eq!(field(f, "content-type"), Some(&b"application/grpc"[..]));
        assert_eq!(field(f, "grpc-status"), Some(&b"2"[..]));
        assert_eq!(field(f, "grpc-message"), Some(&b"test status message"[..]));
        assert_eq!(field(f, "x-trailer"), Some(&b"t"[..]));
    }
}

/// A stream that ends OK with no message and no header metadata: Trailers-Only with
/// `grpc-status: 0` (grpc-go answers so too).
#[tokio::test]
async fn an_empty_stream_is_trailers_only() {
    let (addr, _) = forms_server().await;
    let mut call = raw_call(addr, "Empty").await;
    let (head, end, _) = read_all(&mut call).await;
    assert!(end);
    assert_eq!(frames(&call.log, call.id), [("HEADERS", true)]);
    assert_eq!(field(&head.fields, "grpc-status"), Some(&b"0"[..]));
    assert_eq!(field(&head.fields, "x-trailer"), Some(&b"t"[..]));
}

/// A handler's error: Trailers-Only, as before.
#[tokio::test]
async fn a_handler_error_is_trailers_only() {
    let (addr, _) = forms_server().await;
    let mut call = raw_call(addr, "HandlerError").await;
    let (head, end, _) = read_all(&mut call).await;
    assert!(end);
    assert_eq!(frames(&call.log, call.id), [("HEADERS", true)]);
    assert_eq!(field(&head.fields, "grpc-status"), Some(&b"5"[..]));
}

/// Header metadata and no message: the headers, then the trailers (grpc-go does the same when
/// a handler set header metadata).
#[tokio::test]
async fn an_empty_stream_with_header_metadata_sends_headers_then_trailers() {
    let (addr, _) = forms_server().await;
    let mut call = raw_call(addr, "EmptyWithHeaders").await;
    let (head, end, trailers) = read_all(&mut call).await;
    assert!(!end);
    assert_eq!(
        frames(&call.log, call.id),
        [("HEADERS", false), ("HEADERS", true)]
    );
    assert_eq!(field(&head.fields, "x-head"), Some(&b"h"[..]));
    assert_eq!(field(&head.fields, "grpc-status"), None);
    let trailers = trailers.expect("trailers");
    assert_eq!(field(&trailers, "grpc-status"), Some(&b"0"[..]));
    assert_eq!(field(&trailers, "x-trailer"), Some(&b"t"[..]));
}

/// A unary response keeps its three frames: headers, the message, trailers.
#[tokio::test]
async fn a_unary_response_is_headers_message_trailers() {
    let (addr, _) = forms_server().await;
    let mut call = raw_call(addr, "Unary").await;
    let (_, end, trailers) = read_all(&mut call).await;
    assert!(!end);
    assert_eq!(
        frames(&call.log, call.id),
        [("HEADERS", false), ("DATA", false), ("HEADERS", true)]
    );
    assert_eq!(field(&trailers.unwrap(), "grpc-status"), Some(&b"0"[..]));
}

/// Without asking, the headers wait for the first message; with
/// `Response::send_headers_early`, they come before it.
#[tokio::test]
async fn headers_wait_for_the_first_message_unless_asked_early() {
    let (addr, release) = forms_server().await;
    // Lazy: nothing arrives while the first message is held.
    let mut call = raw_call(addr, "Later").await;
    let early = tokio::time::timeout(Duration::from_millis(200), call.recv.response()).await;
    assert!(early.is_err(), "headers came before the first message");
    release.notify_one();
    let (_, end, _) = read_all(&mut call).await;
    assert!(!end);
    assert_eq!(
        frames(&call.log, call.id),
        [("HEADERS", false), ("DATA", false), ("HEADERS", true)]
    );
    // Early: the headers come while the first message is still held.
    let mut call = raw_call(addr, "Early").await;
    let (head, end) = tokio::time::timeout(Duration::from_secs(5), call.recv.response())
        .await
        .expect("early headers")
        .unwrap();
    assert!(!end);
    assert_eq!(head.pseudo.status, Some(200));
    assert_eq!(frames(&call.log, call.id), [("HEADERS", false)]);
    release.notify_one();
    while let Some(chunk) = call.recv.data().await {
        chunk.unwrap();
    }
    assert_eq!(
        frames(&call.log, call.id),
        [("HEADERS", false), ("DATA", false), ("HEADERS", true)]
    );
}

/// A courier-h2 server that answers each call in the form named by its `x-form` header:
/// `trailers-only` (one HEADERS frame with END_STREAM) or `separate` (headers, then
/// trailers), with the status in `x-code` and a trailer `x-trailer: t`.
async fn form_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((io, _)) = listener.accept().await {
            let on_request = |inc: Incoming| {
                let get = |name: &str| {
                    field(&inc.request.fields, name)
                        .map(|v| String::from_utf8_lossy(v).into_owned())
                        .unwrap()
                };
                let code = get("x-code");
                let mut status = vec![
                    HeaderField::new("grpc-status", code),
                    HeaderField::new("grpc-message", "said so"),
                    HeaderField::new("x-trailer", "t"),
                ];
                let mut head = vec![
                    HeaderField::new(":status", "200"),
                    HeaderField::new("content-type", "application/grpc"),
                ];
                if get("x-form") == "trailers-only" {
                    head.append(&mut status);
                    inc.respond.send_headers(head, true).unwrap();
                } else {
                    inc.respond.send_headers(head, false).unwrap();
                    inc.respond.send_trailers(status).unwrap();
                }
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

/// What a Courier client makes of a call answered in `form` with `code`: the unary result, and
/// the streaming one (messages, then the status or the trailers).
async fn client_view(channel: &Channel, form: &str, code: &str) -> (Status, Status) {
    let mark = |md: &mut courier_rpc::Metadata| {
        md.append("x-form", form.to_owned()).unwrap();
        md.append("x-code", code.to_owned()).unwrap();
    };
    let mut req = Request::new(Bytes::new());
    mark(req.metadata_mut());
    let unary = match channel.unary(&UNARY, req).await {
        Ok(r) => Status::new(Code::OK, format!("message {:?}", r.get_ref())),
        Err(s) => s,
    };
    let mut req = Request::new(once(Bytes::new()));
    mark(req.metadata_mut());
    let streaming = match channel.call(&EMPTY, req).await {
        Err(s) => s,
        Ok(resp) => {
            let mut stream = resp.into_inner();
            let mut messages = 0;
            let end = loop {
                match std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
                    Some(Ok(_)) => messages += 1,
                    // The status, or (code OK) the trailers.
                    Some(Err(s)) => break s,
                    None => break Status::new(Code::OK, ""),
                }
            };
            assert_eq!(messages, 0);
            end
        }
    };
    (unary, streaming)
}

#[tokio::test]
async fn the_client_reads_both_forms_alike() {
    let addr = form_server().await;
    let channel = Channel::builder(addr.to_string()).build();
    for code in ["0", "2", "5"] {
        let a = client_view(&channel, "trailers-only", code).await;
        let b = client_view(&channel, "separate", code).await;
        for (x, y) in [(&a.0, &b.0), (&a.1, &b.1)] {
            assert_eq!(x.code(), y.code(), "code {code}: {x:?} / {y:?}");
            assert_eq!(x.message(), y.message(), "code {code}");
            assert_eq!(x.metadata(), y.metadata(), "code {code}");
        }
        if code != "0" {
            assert_eq!(a.0.code().0.to_string(), code);
            assert_eq!(a.0.message(), "said so");
            assert_eq!(a.0.metadata().get("x-trailer").unwrap(), "t");
        }
    }
}
