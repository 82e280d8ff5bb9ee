//! Requests, responses, method descriptors and message streams.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use courier_wire::Message;
use futures_core::Stream;

use crate::metadata::Metadata;
use crate::status::Status;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A boxed, sendable stream.
pub type BoxStream<T> = Pin<Box<dyn Stream<Item = T> + Send + 'static>>;

/// A stream of encoded messages, as transports move them.
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

/// A request: metadata and a message (or a stream of them).
#[derive(Clone, Debug, Default)]
pub struct Request<T> {
    metadata: Metadata,
    message: T,
}

impl<T> Request<T> {
    /// A request carrying `message` and no metadata.
    pub fn new(message: T) -> Request<T> {
        Request {
            metadata: Metadata::new(),
            message,
        }
    }

    /// A request from its parts.
    pub fn from_parts(metadata: Metadata, message: T) -> Request<T> {
        Request { metadata, message }
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

/// A response: metadata (headers) and a message (or a stream of them).
#[derive(Clone, Debug, Default)]
pub struct Response<T> {
    metadata: Metadata,
    message: T,
}

impl<T> Response<T> {
    /// A response carrying `message` and no metadata.
    pub fn new(message: T) -> Response<T> {
        Response {
            metadata: Metadata::new(),
            message,
        }
    }

    /// A response from its parts.
    pub fn from_parts(metadata: Metadata, message: T) -> Response<T> {
        Response { metadata, message }
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

    /// The message, dropping the metadata.
    pub fn into_inner(self) -> T {
        self.message
    }

    /// Metadata and message.
    pub fn into_parts(self) -> (Metadata, T) {
        (self.metadata, self.message)
    }

    /// The same response with the message mapped by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            metadata: self.metadata,
            message: f(self.message),
        }
    }
}

/// A stream of messages of type `T` decoded from a [`ByteStream`].
pub struct Streaming<T> {
    inner: ByteStream,
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
            _message: PhantomData,
        }
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
        match self.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => Poll::Ready(Some(
                T::decode_bytes(bytes).map_err(|e| Status::from_decode_error(T::NAME, &e)),
            )),
            Poll::Ready(Some(Err(s))) => Poll::Ready(Some(Err(s))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A stream of already-available items (one message, or none).
struct Once<T>(Option<T>);

impl<T: Unpin> Stream for Once<T> {
    type Item = T;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<T>> {
        Poll::Ready(self.0.take())
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
    Box::pin(Once(Some(Ok(message))))
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
pub async fn one_message(mut stream: ByteStream) -> Result<Bytes, Status> {
    let first = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await;
    let bytes = match first {
        Some(Ok(b)) => b,
        Some(Err(s)) => return Err(s),
        // A unary side carries exactly one message; none (or more) is a protocol error.
        None => return Err(Status::internal("expected one message, got none")),
    };
    match std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        None => Ok(bytes),
        Some(Err(s)) => Err(s),
        Some(Ok(_)) => Err(Status::internal("expected one message, got more")),
    }
}

/// Reads and decodes the single message of a unary side.
pub async fn decode_one<T: Message>(stream: ByteStream) -> Result<T, Status> {
    decode_message(one_message(stream).await?)
}
