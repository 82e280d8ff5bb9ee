//! Requests, responses, method descriptors and message streams.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use courier_wire::Message;
use futures_core::Stream;

use std::time::Duration;

use crate::code::Code;
use crate::codec::Encoding;
use crate::context::CallContext;
use crate::metadata::Metadata;
use crate::status::Status;
use crate::web::Idempotency;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A boxed, sendable stream.
pub type BoxStream<T> = Pin<Box<dyn Stream<Item = T> + Send + 'static>>;

/// A stream of encoded messages, as transports move them.
///
/// It ends with `None`, or with an `Err` carrying the call's status: a transport reports a
/// successful end that has trailing metadata as an `Err` whose code is [`Code::OK`], which
/// [`Streaming`] and [`one_message`] treat as the end of the stream.
pub type ByteStream = BoxStream<Result<Bytes, Status>>;

/// Whether each side of a method sends one message or a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MethodKind {
    /// One request, one response.
    Unary,
    /// A stream of requests, one response.
    ClientStreaming,
    /// One request, a stream of responses.
    ServerStreaming,
    /// Streams both ways.
    BidiStreaming,
}

impl MethodKind {
    /// The kind of a method from its `.proto` streaming flags.
    pub const fn from_streaming(client: bool, server: bool) -> MethodKind {
        match (client, server) {
            (false, false) => MethodKind::Unary,
            (true, false) => MethodKind::ClientStreaming,
            (false, true) => MethodKind::ServerStreaming,
            (true, true) => MethodKind::BidiStreaming,
        }
    }

    /// Whether the client sends a stream.
    pub const fn client_streaming(self) -> bool {
        matches!(
            self,
            MethodKind::ClientStreaming | MethodKind::BidiStreaming
        )
    }

    /// Whether the server sends a stream.
    pub const fn server_streaming(self) -> bool {
        matches!(
            self,
            MethodKind::ServerStreaming | MethodKind::BidiStreaming
        )
    }
}

/// One method of a service, as generated code declares it (a constant).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MethodDescriptor {
    /// The HTTP/2 `:path`: `/package.Service/Method`.
    pub path: &'static str,
    /// The service's full name: `package.Service`.
    pub service: &'static str,
    /// The method's name: `Method`.
    pub method: &'static str,
    /// Streaming kind.
    pub kind: MethodKind,
}

/// A request: metadata and a message (or a stream of them), and the client's per-call options
/// (timeout, wait-for-ready, compression).
#[derive(Clone, Debug, Default)]
pub struct Request<T> {
    metadata: Metadata,
    message: T,
    options: CallOptions,
}

/// Per-call options a client sets on a [`Request`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) wait_for_ready: Option<bool>,
    pub(crate) compression: Option<Encoding>,
    pub(crate) idempotency: Idempotency,
}

impl<T> Request<T> {
    /// A request carrying `message` and no metadata.
    pub fn new(message: T) -> Request<T> {
        Request {
            metadata: Metadata::new(),
            message,
            options: CallOptions::default(),
        }
    }

    /// A request from its parts.
    pub fn from_parts(metadata: Metadata, message: T) -> Request<T> {
        Request {
            metadata,
            message,
            options: CallOptions::default(),
        }
    }

    /// Client: the call fails with `DEADLINE_EXCEEDED` if it has not completed within
    /// `timeout` (sent to the server as `grpc-timeout`).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.options.timeout = Some(timeout);
    }

    /// The timeout set with [`set_timeout`](Self::set_timeout).
    pub fn timeout(&self) -> Option<Duration> {
        self.options.timeout
    }

    /// Client: with `true`, the call waits for the channel to be ready instead of failing with
    /// `UNAVAILABLE` while it is in transient failure (gRPC's wait-for-ready semantics).
    pub fn set_wait_for_ready(&mut self, wait: bool) {
        self.options.wait_for_ready = Some(wait);
    }

    /// The wait-for-ready flag, if set on this request.
    pub fn wait_for_ready(&self) -> Option<bool> {
        self.options.wait_for_ready
    }

    /// Client: compress this call's messages with `encoding` (overriding the channel's
    /// default).
    pub fn set_compression(&mut self, encoding: Encoding) {
        self.options.compression = Some(encoding);
    }

    /// The compression set on this request.
    pub fn compression(&self) -> Option<Encoding> {
        self.options.compression
    }

    /// Client: the method's side effects, from its `idempotency_level` option (generated
    /// stubs set it for the unary methods that have one). A channel speaking Connect with
    /// [`use_http_get`](crate::ChannelBuilder::use_http_get) sends a call marked
    /// [`Idempotency::NoSideEffects`] as a GET.
    pub fn set_idempotency(&mut self, level: Idempotency) {
        self.options.idempotency = level;
    }

    /// The side effects set with [`set_idempotency`](Self::set_idempotency) (default
    /// [`Idempotency::Unknown`]).
    pub fn idempotency(&self) -> Idempotency {
        self.options.idempotency
    }

    pub(crate) fn options(&self) -> CallOptions {
        self.options
    }

    #[cfg(feature = "tower")]
    pub(crate) fn set_options(&mut self, options: CallOptions) {
        self.options = options;
    }

    /// Server: the call's context (deadline, cancellation, peer address), when this request
    /// was received by a courier-rpc server.
    pub fn context(&self) -> Option<&CallContext> {
        self.metadata.context()
    }

    /// The metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The metadata, to add entries.
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        &mut self.metadata
    }

    /// The message.
    pub fn get_ref(&self) -> &T {
        &self.message
    }

    /// The message, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.message
    }

    /// The message, dropping the metadata.
    pub fn into_inner(self) -> T {
        self.message
    }

    /// Metadata and message.
    pub fn into_parts(self) -> (Metadata, T) {
        (self.metadata, self.message)
    }

    /// The same request with the message mapped by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Request<U> {
        Request {
            metadata: self.metadata,
            message: f(self.message),
            options: self.options,
        }
    }
}

/// Anything a client method accepts as a request: a message, or a [`Request`] around one.
pub trait IntoRequest<T> {
    /// Wraps the message (if it is not wrapped yet).
    fn into_request(self) -> Request<T>;
}

impl<T> IntoRequest<T> for Request<T> {
    fn into_request(self) -> Request<T> {
        self
    }
}

impl<T: Message> IntoRequest<T> for T {
    fn into_request(self) -> Request<T> {
        Request::new(self)
    }
}

/// A response: metadata (headers), a message (or a stream of them), and trailing metadata.
///
/// Trailers of a unary response are available from [`trailers`](Self::trailers); those of a
/// streaming response from [`Streaming::trailers`] once the stream has ended. A server handler
/// sets the trailers it sends with [`trailers_mut`](Self::trailers_mut).
///
/// On a client, [`last_message_compressed`](Self::last_message_compressed) tells whether the
/// response message read last arrived compressed.
#[derive(Clone, Debug, Default)]
pub struct Response<T> {
    metadata: Metadata,
    message: T,
    trailers: Metadata,
}

impl<T> Response<T> {
    /// A response carrying `message` and no metadata.
    pub fn new(message: T) -> Response<T> {
        Response {
            metadata: Metadata::new(),
            message,
            trailers: Metadata::new(),
        }
    }

    /// A response from its parts. (Trailers that [`into_parts`](Self::into_parts) attached to
    /// `metadata` come back.)
    pub fn from_parts(mut metadata: Metadata, message: T) -> Response<T> {
        let trailers = metadata.take_trailers().unwrap_or_default();
        Response {
            metadata,
            message,
            trailers,
        }
    }

    /// The trailing metadata.
    pub fn trailers(&self) -> &Metadata {
        &self.trailers
    }

    /// The trailing metadata, to add entries (server: sent with the status).
    pub fn trailers_mut(&mut self) -> &mut Metadata {
        &mut self.trailers
    }

    /// The metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The metadata, to add entries.
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        &mut self.metadata
    }

    /// Server: send the response headers (with this response's
    /// [`metadata`](Self::metadata)) as soon as the handler returns, before the first
    /// message is ready.
    ///
    /// By default a server sends them with the first response message, and a call that ends
    /// before any message — an error from a stream's first item, or an empty stream — is
    /// answered Trailers-Only: its status and trailers in one HEADERS frame, as grpc-go,
    /// grpc-java and grpc-core answer (some clients, tonic's among them, read a call whose
    /// headers came first as accepted, and its status only from the stream). A streaming
    /// handler whose first message may take a while calls this so that the client sees the
    /// headers at once: a client that waits for the response headers before it sends its own
    /// first message (Courier's [`Transport::call`](crate::Transport::call) resolves at the
    /// response headers) would otherwise wait for a server that waits for that message.
    ///
    /// ```
    /// use courier_rpc::{BoxStream, Response, Status, iter};
    ///
    /// let mut response = Response::new(
    ///     Box::pin(iter(Vec::<Result<u32, Status>>::new())) as BoxStream<Result<u32, Status>>,
    /// );
    /// response.send_headers_early();
    /// ```
    pub fn send_headers_early(&mut self) {
        self.metadata.attached_mut().early_headers = true;
    }

    /// Client: whether the response message read last arrived compressed (its
    /// Compressed-Flag was 1); `None` before any message was read, or when the response did
    /// not come from a courier-rpc client.
    ///
    /// gRPC PROTOCOL-HTTP2: "Compressed-Flag → 0 / 1 ; encoded as 1 byte unsigned integer".
    /// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests>
    ///
    /// For a unary response this is its message's flag. For a streaming response it follows
    /// the stream: after each message read from [`get_mut`](Self::get_mut) it is that
    /// message's flag (keep the response rather than [`into_inner`](Self::into_inner) to read
    /// it). Under retries or hedging it is the committed attempt's. Messages are decompressed
    /// either way; this is for applications (and interop tests) that check what the server
    /// sent.
    pub fn last_message_compressed(&self) -> Option<bool> {
        self.metadata.last_compressed()
    }

    /// The message.
    pub fn get_ref(&self) -> &T {
        &self.message
    }

    /// The message, mutably (a streaming response: to read its messages while keeping the
    /// response).
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.message
    }

    /// The message, dropping the metadata.
    pub fn into_inner(self) -> T {
        self.message
    }

    /// Metadata and message. Non-empty trailers travel attached to the metadata, so that
    /// [`from_parts`](Self::from_parts) restores them.
    pub fn into_parts(self) -> (Metadata, T) {
        let mut metadata = self.metadata;
        if !self.trailers.is_empty() {
            metadata.attached_mut().trailers = Some(self.trailers);
        }
        (metadata, self.message)
    }

    /// The same response with the message mapped by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            metadata: self.metadata,
            message: f(self.message),
            trailers: self.trailers,
        }
    }
}

/// Whether the response message a client read last arrived compressed, as it travels with a
/// response's metadata (see [`Response::last_message_compressed`]).
#[derive(Clone, Debug)]
pub(crate) enum LastCompressed {
    /// A unary response, read whole.
    Known(bool),
    /// A response stream: its reader stores each message's flag.
    Shared(Arc<CompressedFlag>),
}

impl LastCompressed {
    pub(crate) fn get(&self) -> Option<bool> {
        match self {
            LastCompressed::Known(c) => Some(*c),
            LastCompressed::Shared(f) => f.get(),
        }
    }
}

/// A message's Compressed-Flag shared between a response stream's reader and its
/// [`Response`]: unknown, 0 or 1.
#[derive(Debug, Default)]
pub(crate) struct CompressedFlag(AtomicU8);

impl CompressedFlag {
    const UNKNOWN: u8 = 0;
    const PLAIN: u8 = 1;
    const COMPRESSED: u8 = 2;

    pub(crate) fn new(initial: Option<bool>) -> CompressedFlag {
        let f = CompressedFlag(AtomicU8::new(Self::UNKNOWN));
        if let Some(c) = initial {
            f.set(c);
        }
        f
    }

    /// Records the flag of the message read last. Relaxed is enough: the reader stores it
    /// inside the application's poll of the stream, before that poll returns the message.
    pub(crate) fn set(&self, compressed: bool) {
        let v = if compressed {
            Self::COMPRESSED
        } else {
            Self::PLAIN
        };
        self.0.store(v, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> Option<bool> {
        match self.0.load(Ordering::Relaxed) {
            Self::COMPRESSED => Some(true),
            Self::PLAIN => Some(false),
            _ => None,
        }
    }
}

/// A stream of messages of type `T` decoded from a [`ByteStream`].
///
/// A transport ends a byte stream that has trailing metadata with an `Err` whose code is `OK`
/// (see [`ByteStream`]); `Streaming` ends there and keeps the metadata for
/// [`trailers`](Self::trailers).
pub struct Streaming<T> {
    inner: ByteStream,
    trailers: Option<Metadata>,
    done: bool,
    _message: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Streaming<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Streaming")
    }
}

impl<T: Message> Streaming<T> {
    /// Decodes the messages of `inner`.
    pub fn new(inner: ByteStream) -> Streaming<T> {
        Streaming {
            inner,
            trailers: None,
            done: false,
            _message: PhantomData,
        }
    }

    /// The trailing metadata, once the stream has ended successfully.
    pub fn trailers(&self) -> Option<&Metadata> {
        self.trailers.as_ref()
    }

    /// The next message; `Ok(None)` at the end of the stream.
    pub async fn message(&mut self) -> Result<Option<T>, Status> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx))
            .await
            .transpose()
    }
}

impl<T: Message> Stream for Streaming<T> {
    type Item = Result<T, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => Poll::Ready(Some(
                T::decode_bytes(bytes).map_err(|e| Status::from_decode_error(T::NAME, &e)),
            )),
            Poll::Ready(Some(Err(s))) if s.code() == Code::OK => {
                self.done = true;
                self.trailers = Some(s.into_metadata());
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(s))) => {
                self.done = true;
                Poll::Ready(Some(Err(s)))
            }
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A stream that maps each item of `S` with `F`.
struct MapStream<S, F>(S, F);

impl<S: Stream + Unpin, F: FnMut(S::Item) -> U + Unpin, U> Stream for MapStream<S, F> {
    type Item = U;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<U>> {
        let this = &mut *self;
        match Pin::new(&mut this.0).poll_next(cx) {
            Poll::Ready(Some(item)) => Poll::Ready(Some((this.1)(item))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A [`ByteStream`] holding one encoded message.
pub fn once(message: Bytes) -> ByteStream {
    Box::pin(crate::iter(Some(Ok(message))))
}

/// Encodes each message of a client's request stream into a [`ByteStream`].
pub fn encode_requests<T, S>(messages: S) -> ByteStream
where
    T: Message,
    S: Stream<Item = T> + Send + 'static,
{
    Box::pin(MapStream(
        Box::pin(messages),
        |m: T| Ok(m.encode_to_bytes()),
    ))
}

/// Decodes an encoded message, failing with `INTERNAL` as gRPC does for a message it cannot
/// parse.
pub fn decode_message<T: Message>(bytes: Bytes) -> Result<T, Status> {
    T::decode_bytes(bytes).map_err(|e| Status::from_decode_error(T::NAME, &e))
}

/// Encodes each item of a server's response stream into a [`ByteStream`].
pub fn encode_stream<T, S>(messages: S) -> ByteStream
where
    T: Message,
    S: Stream<Item = Result<T, Status>> + Send + 'static,
{
    Box::pin(MapStream(Box::pin(messages), |item: Result<T, Status>| {
        item.map(|m| m.encode_to_bytes())
    }))
}

/// Reads the single encoded message of a unary side: exactly one message must arrive.
pub async fn one_message(stream: ByteStream) -> Result<Bytes, Status> {
    one_message_with_trailers(stream).await.map(|(b, _)| b)
}

/// Reads the single encoded message of a unary side and the trailing metadata the stream
/// ended with (empty when none).
pub async fn one_message_with_trailers(
    mut stream: ByteStream,
) -> Result<(Bytes, Metadata), Status> {
    let first = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await;
    let bytes = match first {
        Some(Ok(b)) => b,
        Some(Err(s)) if s.code() != Code::OK => return Err(s),
        // gRPC: a unary response carries exactly one message; none (or more) is INTERNAL
        // ("Server sent no message" / "more than one").
        _ => return Err(Status::internal("expected one message, got none")),
    };
    match std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        None => Ok((bytes, Metadata::new())),
        Some(Err(s)) if s.code() == Code::OK => Ok((bytes, s.into_metadata())),
        Some(Err(s)) => Err(s),
        Some(Ok(_)) => Err(Status::internal("expected one message, got more")),
    }
}

/// Reads and decodes the single message of a unary side.
pub async fn decode_one<T: Message>(stream: ByteStream) -> Result<T, Status> {
    decode_message(one_message(stream).await?)
}
