//! One attempt of a call on one connection: request headers, the request body (one framed
//! message, or a stream replayed from the call's [`Replay`] buffer), the response headers,
//! and the response messages and status ([`CallBody`]).

use std::future::Future as _;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use courier_h2::driver::{self, Client as H2Client, SendStream};
use courier_h2::{CommandErrorKind, Reason};
use courier_hpack::HeaderField;
use tokio::sync::oneshot;

use super::lb::{CallEnd, CompletionHook};
use super::retry::{Next, Replay};
use super::subchannel::{Conn, Picked};
use crate::Transport;
use crate::body::{MessageReader, ReadEnd, send_framed, unfold};
use crate::call::{
    BoxFuture, ByteStream, CompressedFlag, LastCompressed, MethodDescriptor, Request, Response,
};
use crate::code::Code;
use crate::codec::{Encoding, frame_message};
use crate::headers::{find, is_grpc_content_type, metadata_from, push_metadata, status_from};
use crate::metadata::Metadata;
use crate::observe::AttemptTelemetry;
use crate::protocol::{Side, code_from_http_status, encode_timeout, stream_failure_status};
use crate::status::Status;

/// The channel-wide settings every attempt uses.
#[derive(Debug)]
pub(crate) struct CallConfig {
    pub(crate) authority: Bytes,
    pub(crate) scheme: &'static str,
    pub(crate) user_agent: Bytes,
    pub(crate) compression_threshold: usize,
    pub(crate) max_recv_message_size: usize,
    pub(crate) max_send_message_size: usize,
    /// Request bytes buffered per call for retries and hedging (gRFC A6 per-RPC buffer).
    pub(crate) retry_buffer_limit: usize,
    /// The web protocol calls speak instead of gRPC, if any.
    pub(crate) web: Option<crate::web::Wire>,
    /// The unary calls a Connect channel sends as GETs.
    pub(crate) connect_get: crate::web::ConnectGet,
}

/// One call's settings, resolved from the request, the service config and the channel.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallOpts {
    pub(crate) encoding: Encoding,
    pub(crate) max_send: usize,
    pub(crate) max_recv: usize,
    pub(crate) deadline: Option<Instant>,
    pub(crate) timeout: Option<Duration>,
    /// The request's side effects (a Connect GET for side-effect-free ones, if the channel
    /// says so).
    pub(crate) idempotency: crate::web::Idempotency,
}

/// The header section of an attempt.
pub(crate) fn request_headers(
    c: &CallConfig,
    method: &'static MethodDescriptor,
    opts: &CallOpts,
    metadata: &Metadata,
    previous_attempts: u32,
) -> Vec<HeaderField> {
    let remaining = opts
        .deadline
        .map(|d| d.saturating_duration_since(Instant::now()));
    let timeout = remaining.or(opts.timeout);
    let mut h = Vec::with_capacity(10 + metadata.len());
    // PROTOCOL-HTTP2, Requests: "HTTP2 requires that reserved headers, ones starting with
    // ":" appear before all other headers. Additionally implementations should send
    // Timeout immediately after the reserved headers and they should send the
    // Call-Definition headers before sending Custom-Metadata."
    // <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests>
    h.push(HeaderField::new(":method", "POST"));
    h.push(HeaderField::new(":scheme", c.scheme));
    h.push(HeaderField::new(":path", method.path));
    h.push(HeaderField::new(":authority", c.authority.clone()));
    if let Some(t) = timeout {
        h.push(HeaderField::new("grpc-timeout", encode_timeout(t)));
    }
    h.push(HeaderField::new("te", "trailers"));
    h.push(HeaderField::new("content-type", "application/grpc"));
    if opts.encoding != Encoding::Identity {
        h.push(HeaderField::new("grpc-encoding", opts.encoding.as_str()));
    }
    h.push(HeaderField::new("grpc-accept-encoding", Encoding::ACCEPT));
    h.push(HeaderField::new("user-agent", c.user_agent.clone()));
    if previous_attempts > 0 {
        // gRFC A6: "the client library will set the outgoing initial metadata entry
        // "grpc-previous-rpc-attempts" with a value equal to the number of preceding retry
        // atttempts. Thus, it will not be present on the first RPC, will be 1 for the second
        // RPC, and so on."
        h.push(HeaderField::new(
            "grpc-previous-rpc-attempts",
            previous_attempts.to_string(),
        ));
    }
    push_metadata(metadata, &mut h);
    h
}

/// What an attempt sends.
#[derive(Clone, Debug)]
pub(crate) enum AttemptBody {
    /// One framed message (unary and server-streaming requests after framing).
    One(Bytes),
    /// The call's request stream, through its replay buffer; the attempt's number keys its
    /// position in it.
    Replay(Arc<Replay>, u32),
}

/// How an attempt failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The server application never saw the request (the connection refused the stream, or
    /// RST_STREAM REFUSED_STREAM / above GOAWAY's last stream): retried transparently.
    Transparent(Status),
    /// The attempt ended with this status (retry and hedging policies look at it).
    Status(Status),
}

impl Failure {
    pub(crate) fn into_status(self) -> Status {
        match self {
            Failure::Transparent(s) | Failure::Status(s) => s,
        }
    }
}

/// The status of an HTTP/2 failure of a call (whose deadline is `deadline`) on `label`'s
/// connection, naming the endpoint.
#[cold]
pub(crate) fn at_endpoint(e: driver::Error, label: &str, deadline: Option<Instant>) -> Status {
    let s = stream_failure_status(e, Side::Client { deadline });
    Status::new(s.code(), format!("{} (endpoint {label})", s.message()))
}

/// Runs one attempt on `client` (from `picked`, if the channel picked it) up to the response
/// headers; `telemetry` hears of its messages and end, if anything watches it.
// Each argument is a different part of the call; a struct of them would only be unpacked here.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn attempt(
    client: &H2Client,
    label: &Arc<str>,
    picked: Option<&Picked>,
    c: &CallConfig,
    opts: &CallOpts,
    headers: Vec<HeaderField>,
    body: &AttemptBody,
    telemetry: Option<&Arc<AttemptTelemetry>>,
) -> Result<(Metadata, CallBody), Failure> {
    // At the server's SETTINGS_MAX_CONCURRENT_STREAMS the driver queues the request until a
    // stream closes (the call's deadline still applies).
    let started = match body {
        // A framed request (unary, server streaming) leaves in one command, without waiting
        // for the driver: a failure to open the stream comes with the response.
        AttemptBody::One(frame) => client.start_request(headers, frame.clone(), true),
        // A request stream: its pump starts once the stream is open, so that a stream that
        // could not be opened consumed nothing of the call's replay buffer.
        AttemptBody::Replay(..) => client.send_request_queued(headers, false).await,
    };
    let (send, recv) = match started {
        Ok(pair) => pair,
        Err(e) => return Err(open_failed(e, picked, label)),
    };
    let guard = match body {
        AttemptBody::One(_) => CallGuard::direct(send),
        AttemptBody::Replay(replay, id) => {
            let (tx, rx) = oneshot::channel();
            tokio::spawn(pump(
                send,
                Arc::clone(replay),
                *id,
                rx,
                (opts.encoding, c.compression_threshold, opts.max_send),
                telemetry.cloned(),
            ));
            CallGuard::pump(tx)
        }
    };
    let mut call = CallBody {
        src: Source::Grpc(MessageReader::new(
            recv,
            Encoding::Identity,
            opts.max_recv,
            Side::Client {
                deadline: opts.deadline,
            },
        )),
        guard,
        deadline: opts.deadline,
        finished: false,
        trailers_only: None,
        label: Arc::clone(label),
        buffered: None,
        last_compressed: None,
        shared_compressed: None,
        on_end: None,
        ended: None,
        telemetry: telemetry.cloned(),
    };
    let failure = match call.response_headers().await {
        Ok(headers) => return Ok((headers, call)),
        Err(HeadError::Unsent(e)) => open_failed(e, picked, label),
        // PROTOCOL-HTTP2, Errors: "REFUSED_STREAM | UNAVAILABLE - Indicates that no
        // processing occurred and the request can be retried, possibly elsewhere."
        Err(HeadError::Refused(s)) => Failure::Transparent(s),
        Err(HeadError::Status(s)) => Failure::Status(s),
    };
    // The attempt ended with this status (before `call` drops, which would end it CANCELLED).
    if let Some(t) = telemetry {
        let (Failure::Transparent(s) | Failure::Status(s)) = &failure;
        t.end(s.code());
    }
    Err(failure)
}

/// How an attempt fails whose stream could not be opened: its request never left.
#[cold]
fn open_failed(e: driver::Error, picked: Option<&Picked>, label: &str) -> Failure {
    match e {
        // The request headers themselves were refused: the connection is fine.
        driver::Error::Command(e) if e.kind() == CommandErrorKind::InvalidHeaders => {
            Failure::Status(Status::internal(format!("request headers refused: {e}")))
        }
        // gRFC A6: "load balancing succeeds but the RPC never leaves the client ... the client
        // library can transparently retry". The connection refused a new stream (GOAWAY
        // received, or closing): retire it, so the next pick finds another.
        e => {
            if let Some(p) = picked {
                p.retire();
            }
            Failure::Transparent(at_endpoint(e, label, None))
        }
    }
}

/// Why the response headers did not come.
enum HeadError {
    /// The stream could not be opened: the request never left (see [`open_failed`]).
    Unsent(driver::Error),
    /// The server refused the stream (RST_STREAM REFUSED_STREAM) before any response.
    Refused(Status),
    /// The call's status.
    Status(Status),
}

#[cold]
pub(crate) fn deadline_exceeded() -> Status {
    Status::new(Code::DEADLINE_EXCEEDED, "deadline exceeded")
}

/// Resets the call's stream with CANCEL if the call is dropped (or fails) before it
/// completes.
struct CallGuard {
    direct: Option<SendStream>,
    pump: Option<oneshot::Sender<()>>,
    done: bool,
}

impl CallGuard {
    fn direct(send: SendStream) -> CallGuard {
        CallGuard {
            direct: Some(send),
            pump: None,
            done: false,
        }
    }

    fn pump(tx: oneshot::Sender<()>) -> CallGuard {
        CallGuard {
            direct: None,
            pump: Some(tx),
            done: false,
        }
    }

    /// The call completed: nothing to cancel; a request pump still running stops.
    fn complete(&mut self) {
        self.done = true;
        self.pump = None;
    }

    /// Cancels the call: RST_STREAM(CANCEL).
    fn cancel(&mut self) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        if let Some(s) = &self.direct {
            s.reset(Reason::CANCEL);
        }
        if let Some(tx) = self.pump.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// Sends an attempt's request stream from the replay buffer; resets the stream when told to
/// cancel.
async fn pump(
    mut send: SendStream,
    replay: Arc<Replay>,
    id: u32,
    mut cancel: oneshot::Receiver<()>,
    (encoding, threshold, max_send): (Encoding, usize, usize),
    telemetry: Option<Arc<AttemptTelemetry>>,
) {
    let outcome = {
        let send_all = async {
            let mut buf = BytesMut::new();
            loop {
                match replay.next(id).await {
                    Next::Message(msg) => {
                        // A large uncompressed message goes out as its prefix and itself.
                        let Ok(framed) =
                            frame_message(&msg, encoding, threshold, max_send, &mut buf)
                        else {
                            // Too large to send: the call cannot continue.
                            return false;
                        };
                        if let Some(t) = &telemetry {
                            t.sent(framed.message_len(), msg.len(), framed.is_compressed());
                        }
                        if send_framed(&mut send, framed).await.is_err() {
                            return true;
                        }
                    }
                    // The application's request stream failed, or this attempt lost the race
                    // for a committed call: cancel it.
                    Next::Failed | Next::Evicted => return false,
                    Next::End => {
                        let _ = send.send_data(Bytes::new(), true).await;
                        return true;
                    }
                }
            }
        };
        tokio::pin!(send_all);
        tokio::select! {
            r = &mut cancel => Err(r.is_ok()),
            ok = &mut send_all => Ok(ok),
        }
    };
    replay.forget(id);
    match outcome {
        Err(true) | Ok(false) => {
            send.reset(Reason::CANCEL);
            return;
        }
        Err(false) => return,
        Ok(true) => {}
    }
    // Keep the stream's sending half until the call ends, to cancel it if asked.
    if cancel.await.is_ok() {
        send.reset(Reason::CANCEL);
    }
}

/// The response side of a call in progress.
pub(crate) struct CallBody {
    src: Source,
    guard: CallGuard,
    deadline: Option<Instant>,
    finished: bool,
    /// A Trailers-Only response's status (OK), whose metadata are the trailers.
    trailers_only: Option<Status>,
    /// The endpoint, for errors.
    label: Arc<str>,
    /// A whole unary response read ahead ([`buffer_unary`](Self::buffer_unary)), given out
    /// first.
    buffered: Option<std::collections::VecDeque<Option<Result<Bytes, Status>>>>,
    /// The Compressed-Flag of the message read last.
    last_compressed: Option<bool>,
    /// The same, shared with the [`Response`] of a response stream
    /// ([`into_response`](Self::into_response)).
    shared_compressed: Option<Arc<CompressedFlag>>,
    /// The pick's completion hook, told the call's status code once it is known (or
    /// `CANCELLED` when the call is dropped before).
    on_end: Option<CompletionHook>,
    /// The status code, once the call ended.
    ended: Option<Code>,
    /// The attempt's telemetry, if anything watches it.
    telemetry: Option<Arc<AttemptTelemetry>>,
}

/// Where a call's response comes from.
// The gRPC variant is the large one and the one nearly every call uses: boxing it would cost
// those calls an allocation each, to save the rare web call a few hundred bytes.
#[allow(clippy::large_enum_variant)]
enum Source {
    /// A gRPC response on an HTTP/2 stream.
    Grpc(MessageReader),
    /// A web protocol's response (messages, then the status), read by the web client
    /// (`crate::web`), the timer of the call's deadline once it was needed, and where the web
    /// reader tells whether the message it gave last arrived compressed.
    Web(
        ByteStream,
        Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
        Option<LastCompressed>,
    ),
    /// A web response given up (its deadline passed): dropped, which cancels it.
    Closed,
}

impl Drop for CallBody {
    fn drop(&mut self) {
        let code = self.ended.unwrap_or(Code::CANCELLED);
        if let Some(h) = self.on_end.take() {
            h(CallEnd::new(code, true));
        }
        if let Some(t) = &self.telemetry {
            t.end(code);
        }
    }
}

impl CallBody {
    /// Sets the pick's completion hook (called at once if the call already ended).
    pub(crate) fn on_end(&mut self, hook: Option<CompletionHook>) {
        self.on_end = hook;
        if let Some(code) = self.ended {
            self.end(code);
        }
    }

    /// The call ended with `code`: tells the hook, if any.
    #[inline]
    fn end(&mut self, code: Code) {
        self.ended = Some(code);
        if let Some(h) = self.on_end.take() {
            h(CallEnd::new(code, true));
        }
        if let Some(t) = &self.telemetry {
            t.end(code);
        }
    }

    /// Reads up to `max` response items (messages, and the status at the end) before the
    /// application sees any, so that a failure there can still be retried: nothing of this
    /// attempt reached the application yet. Fails with the call's status if it is not OK.
    /// A unary response (`max` 3: its message, its status, and whether more followed) is read
    /// to its end, as a failure after the response headers (the connection lost before the
    /// message) is then retried; a Connect stream's first item (`max` 1) shows whether it
    /// failed before any message (see `Plan::buffer_first`).
    pub(crate) async fn buffer_ahead(&mut self, max: usize) -> Result<(), Status> {
        let mut items = std::collections::VecDeque::with_capacity(max);
        loop {
            match self.next().await {
                Some(Err(s)) if s.code() != Code::OK => return Err(s),
                None => {
                    items.push_back(None);
                    break;
                }
                Some(Err(ok)) => {
                    items.push_back(Some(Err(ok)));
                    break;
                }
                Some(Ok(m)) => {
                    items.push_back(Some(Ok(m)));
                    if items.len() >= max {
                        break;
                    }
                }
            }
        }
        self.buffered = Some(items);
        Ok(())
    }

    /// Waits for and checks the response headers; returns their metadata.
    async fn response_headers(&mut self) -> Result<Metadata, HeadError> {
        let Source::Grpc(reader) = &mut self.src else {
            return Err(HeadError::Status(Status::internal("not a gRPC response")));
        };
        let (head, end) = match reader.recv.response().await {
            Ok(h) => h,
            Err(e) => {
                self.guard.complete();
                if reader.recv.is_unsent() {
                    return Err(HeadError::Unsent(e));
                }
                let refused = e.is_refused();
                let s = at_endpoint(e, &self.label, self.deadline);
                return Err(if refused {
                    HeadError::Refused(s)
                } else {
                    HeadError::Status(s)
                });
            }
        };
        self.check_head(head, end).map_err(HeadError::Status)
    }

    /// Checks the response headers; returns their metadata.
    fn check_head(
        &mut self,
        head: courier_h2::FieldSection,
        end: bool,
    ) -> Result<Metadata, Status> {
        let http = head.pseudo.status.unwrap_or(0);
        if end {
            // Trailers-Only: "HTTP-Status Content-Type Trailers".
            self.guard.complete();
            self.finished = true;
            return match status_from(&head.fields) {
                Some(s) if s.code() == Code::OK => {
                    self.trailers_only = Some(s);
                    self.ended = Some(Code::OK);
                    if let Some(t) = &self.telemetry {
                        t.end(Code::OK);
                    }
                    Ok(Metadata::new())
                }
                // http-grpc-status-mapping.md: the table is for responses without grpc-status.
                Some(s) => Err(s),
                None => Err(http_status_error(http)),
            };
        }
        if http != 200 {
            self.guard.cancel();
            return Err(http_status_error(http));
        }
        match find(&head.fields, b"content-type") {
            Some(ct) if is_grpc_content_type(ct) => {}
            _ => {
                self.guard.cancel();
                return Err(Status::new(
                    Code::UNKNOWN,
                    "response content-type is not application/grpc",
                ));
            }
        }
        if let Some(enc) = find(&head.fields, b"grpc-encoding") {
            match Encoding::from_token(enc) {
                Some(e) => {
                    if let Source::Grpc(reader) = &mut self.src {
                        reader.set_encoding(e);
                    }
                }
                None => {
                    self.guard.cancel();
                    return Err(Status::internal(format!(
                        "response grpc-encoding `{}` is not supported",
                        String::from_utf8_lossy(enc)
                    )));
                }
            }
        }
        Ok(metadata_from(&head.fields))
    }

    /// The next response message; `None` after the status (an `Err`) or a clean end.
    pub(crate) async fn next(&mut self) -> Option<Result<Bytes, Status>> {
        if let Some(b) = &mut self.buffered {
            if let Some(item) = b.pop_front() {
                // A message read ahead (at most one: see `buffer_ahead`) reaches the response
                // stream now, and with it its flag.
                if let (Some(Ok(_)), Some(f), Some(c)) =
                    (&item, &self.shared_compressed, self.last_compressed)
                {
                    f.set(c);
                }
                return item;
            }
            if self.finished {
                return None;
            }
            self.buffered = None;
        }
        if self.finished {
            return self
                .trailers_only
                .take()
                .filter(|s| !s.metadata().is_empty())
                .map(Err);
        }
        let reader = match &mut self.src {
            Source::Grpc(reader) => reader,
            _ => return std::future::poll_fn(|cx| self.poll_web(cx)).await,
        };
        let r = match self.deadline {
            Some(d) => match tokio::time::timeout_at(d.into(), reader.next()).await {
                Ok(r) => r,
                Err(_) => {
                    // Deadline: RST_STREAM(CANCEL) and DEADLINE_EXCEEDED.
                    self.finished = true;
                    self.guard.cancel();
                    self.end(Code::DEADLINE_EXCEEDED);
                    return Some(Err(deadline_exceeded()));
                }
            },
            None => reader.next().await,
        };
        match r {
            ReadEnd::Message(b, compressed, wire) => {
                if let Some(t) = &self.telemetry {
                    t.received(wire, b.len(), compressed);
                }
                self.last_compressed = Some(compressed);
                if let Some(f) = &self.shared_compressed {
                    f.set(compressed);
                }
                Some(Ok(b))
            }
            ReadEnd::End => {
                self.finished = true;
                self.guard.complete();
                let trailers = match &mut self.src {
                    Source::Grpc(reader) => reader.recv.trailers(),
                    _ => None,
                };
                let status = match trailers {
                    Some(t) => status_from(&t).unwrap_or_else(|| {
                        Status::new(Code::UNKNOWN, "trailers without grpc-status")
                    }),
                    None => Status::internal("response ended without trailers"),
                };
                self.end(status.code());
                if status.code() == Code::OK && status.metadata().is_empty() {
                    None
                } else {
                    Some(Err(status))
                }
            }
            ReadEnd::Error(s) => {
                self.finished = true;
                self.guard.cancel();
                self.end(s.code());
                Some(Err(if s.code() == Code::UNAVAILABLE {
                    Status::new(
                        s.code(),
                        format!("{} (endpoint {})", s.message(), self.label),
                    )
                } else {
                    s
                }))
            }
        }
    }

    /// A web protocol's response (`crate::web` read its head; `stream` has its messages and
    /// ends with its status), as a call body.
    pub(crate) fn web(
        stream: ByteStream,
        compressed: Option<LastCompressed>,
        deadline: Option<Instant>,
        label: Arc<str>,
        telemetry: Option<Arc<AttemptTelemetry>>,
    ) -> CallBody {
        CallBody {
            src: Source::Web(stream, None, compressed),
            guard: CallGuard {
                direct: None,
                pump: None,
                done: true,
            },
            deadline,
            finished: false,
            trailers_only: None,
            label,
            buffered: None,
            last_compressed: None,
            shared_compressed: None,
            on_end: None,
            ended: None,
            telemetry,
        }
    }

    /// [`next`](Self::next) of a web response. The web reader counts the messages for the
    /// attempt's telemetry and says whether each arrived compressed (a gRPC-Web frame's or
    /// Connect envelope's flag; a Connect unary response's `content-encoding`).
    ///
    /// Polled by hand, with the deadline's timer kept in the source (made at the first wait),
    /// so that `next`'s future gains no state of its own for web responses: a gRPC call's
    /// future and its drop stay as they were.
    #[cold]
    fn poll_web(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Status>>> {
        let Source::Web(stream, timer, compressed) = &mut self.src else {
            return Poll::Ready(None);
        };
        let item = match stream.as_mut().poll_next(cx) {
            Poll::Ready(item) => item,
            Poll::Pending => {
                let Some(d) = self.deadline else {
                    return Poll::Pending;
                };
                let timer =
                    timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(d.into())));
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                // Deadline: the response is dropped (its stream reset, or its HTTP/1.1
                // connection closed) and the call ends DEADLINE_EXCEEDED.
                self.src = Source::Closed;
                self.finished = true;
                self.end(Code::DEADLINE_EXCEEDED);
                return Poll::Ready(Some(Err(deadline_exceeded())));
            }
        };
        Poll::Ready(match item {
            Some(Ok(m)) => {
                if let Some(c) = compressed.as_ref().and_then(LastCompressed::get) {
                    self.last_compressed = Some(c);
                    if let Some(f) = &self.shared_compressed {
                        f.set(c);
                    }
                }
                Some(Ok(m))
            }
            Some(Err(s)) => {
                self.src = Source::Closed;
                self.finished = true;
                self.end(s.code());
                if s.code() == Code::OK && s.metadata().is_empty() {
                    None
                } else {
                    Some(Err(s))
                }
            }
            None => {
                self.src = Source::Closed;
                self.finished = true;
                self.end(Code::OK);
                None
            }
        })
    }

    /// Whether the message read last arrived compressed (`None` before the first).
    pub(crate) fn last_compressed(&self) -> Option<bool> {
        self.last_compressed
    }

    /// The response: `headers` and the response messages as a stream; its
    /// [`last_message_compressed`](Response::last_message_compressed) follows the stream.
    pub(crate) fn into_response(mut self, mut headers: Metadata) -> Response<ByteStream> {
        if let Some(t) = &self.telemetry {
            // The application reads the response stream: the call ends with it.
            t.set_ends_call();
        }
        // Nothing reached the application yet when a response was read ahead.
        let read = self.last_compressed.filter(|_| self.buffered.is_none());
        let flag = Arc::new(CompressedFlag::new(read));
        self.shared_compressed = Some(Arc::clone(&flag));
        headers.attached_mut().compressed = Some(LastCompressed::Shared(flag));
        let stream: ByteStream = Box::pin(unfold(self, |mut b: CallBody| async move {
            let item = b.next().await?;
            Some((item, b))
        }));
        Response::from_parts(headers, stream)
    }
}

#[cold]
fn http_status_error(http: u16) -> Status {
    Status::new(
        code_from_http_status(http),
        format!("HTTP status {http} without grpc-status"),
    )
}

/// A [`Transport`] over one subchannel's connection, without balancing or retries (a
/// subchannel's health watch runs on it), speaking the channel's protocol: gRPC, or its web
/// protocol.
#[derive(Clone, Debug)]
pub(crate) struct ConnTransport {
    conn: Conn,
    config: Arc<CallConfig>,
    label: Arc<str>,
}

impl ConnTransport {
    pub(crate) fn new(conn: Conn, config: Arc<CallConfig>, label: Arc<str>) -> Self {
        ConnTransport {
            conn,
            config,
            label,
        }
    }
}

impl Transport for ConnTransport {
    fn call(
        &self,
        method: &'static MethodDescriptor,
        request: Request<ByteStream>,
    ) -> BoxFuture<'static, Result<Response<ByteStream>, Status>> {
        let this = self.clone();
        Box::pin(async move {
            let c = &this.config;
            let o = request.options();
            let opts = CallOpts {
                encoding: o.compression.unwrap_or(Encoding::Identity),
                max_send: c.max_send_message_size,
                max_recv: c.max_recv_message_size,
                deadline: o.timeout.map(|t| Instant::now() + t),
                timeout: o.timeout,
                idempotency: o.idempotency,
            };
            let (metadata, stream) = request.into_parts();
            let replay = Replay::new(stream, 0, None);
            let body = AttemptBody::Replay(replay, 0);
            let (md, call) = match (c.web, &this.conn) {
                (None, Conn::H2(client)) => {
                    let headers = request_headers(c, method, &opts, &metadata, 0);
                    attempt(client, &this.label, None, c, &opts, headers, &body, None).await
                }
                (Some(wire), conn) => {
                    let out =
                        super::web_attempt::prepare(wire, c, method, &opts, &metadata, 0, &body)
                            .await?;
                    super::web_attempt::run(
                        wire,
                        conn,
                        &this.label,
                        None,
                        c,
                        method,
                        &opts,
                        out,
                        None,
                    )
                    .await
                }
                (None, Conn::H1(_)) => Err(Failure::Status(Status::internal(
                    "a gRPC call on an HTTP/1.1 connection",
                ))),
            }
            .map_err(Failure::into_status)?;
            Ok(call.into_response(md))
        })
    }
}
