//! gRPC-Web and the Connect protocol, beside gRPC, on the same server and the same handlers —
//! over HTTP/2 and over HTTP/1.1, on one listener.
//!
//! A [`Server`](crate::Server) answers, on every connection it accepts:
//!
//! - **gRPC** (`application/grpc*`, HTTP/2 only), as always;
//! - **gRPC-Web** (`application/grpc-web`, `application/grpc-web+proto`, `+json`, and the
//!   base64 `application/grpc-web-text` forms), over HTTP/1.1 and HTTP/2: messages framed as
//!   in gRPC, the status and trailers in a last frame of the body flagged `0x80`
//!   (gRPC PROTOCOL-WEB);
//! - **Connect** (<https://connectrpc.com/docs/protocol/>), over HTTP/1.1 and HTTP/2: unary
//!   calls as a POST of one bare message (`application/proto` or `application/json`) answered
//!   with a bare message or a JSON error with an HTTP status, unary GET for methods marked
//!   `idempotency_level = NO_SIDE_EFFECTS` (the message in the query string), and streams of
//!   enveloped messages (`application/connect+proto`, `+json`) ending with a JSON
//!   EndStreamResponse; `connect-timeout-ms`, `Connect-Protocol-Version`, gzip;
//! - CORS preflights ([`Cors`]), and everything else to a fallback [`HttpService`] (404 by
//!   default) — a page and its scripts, say.
//!
//! Every protocol reaches the same [`Service`](crate::Service) handlers through the same
//! interceptors, deadlines (`grpc-timeout`, `connect-timeout-ms`), metadata, status details,
//! message limits, compression settings and concurrency limit. The listener tells HTTP/2 from
//! HTTP/1.1 by the client's first bytes (the HTTP/2 connection preface), or by TLS ALPN when an
//! [`Acceptor`](crate::Acceptor) reports it ([`TransportInfo`]).
//!
//! The client side is [`WebChannel`]: a [`Transport`](crate::Transport) that generated clients
//! take like a [`Channel`](crate::Channel), calling with gRPC-Web or Connect (protobuf
//! messages; Connect GET for the methods it is told are side-effect free) over HTTP/1.1 (a
//! pool of kept-alive connections) or HTTP/2 (one multiplexed connection), so that Rust
//! clients reach Connect-only servers and cross HTTP/1.1-only proxies. It has no load
//! balancing, retries or JSON: one target, as a proxy in front of servers would be. A
//! [`Channel`](crate::Channel) built with [`ChannelBuilder::web`](crate::ChannelBuilder::web)
//! speaks the same protocols (through the same request and response code) with its resolver,
//! per-call load balancing, retries and hedging.
//!
//! JSON: see [`schema`] for how each method finds its [`JsonCodec`] ([`ReflectSchema`] with the
//! `reflect` feature: from descriptors, through dynamic messages).

mod base64;
mod client;
pub mod connect;
mod cors;
mod envelope;
pub(crate) mod grpc_web;
pub(crate) mod h1;
pub(crate) mod h2;
#[cfg(feature = "reflect")]
mod reflect;
pub mod schema;
pub(crate) mod serve;

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

pub use self::base64::{InvalidBase64Error, TextDecoder};
pub(crate) use client::{
    ConnectGet, ConnectIo, DEFAULT_MAX_IDLE_HTTP1, FrameSettings, H1Pool, Limits, Outgoing, Reach,
    SendFailure, WebBody, Wire, outgoing, response, send_h1, send_h2,
};
pub use client::{WebChannel, WebChannelBuilder, WebProtocol};
pub use cors::Cors;
pub use envelope::{Envelope, EnvelopeDeframer};
pub use grpc_web::parse_trailer_block;
#[cfg(feature = "reflect")]
pub use reflect::ReflectSchema;
#[cfg(feature = "json")]
pub use schema::MessageJson;
pub use schema::{Idempotency, JsonCodec, MessageRole, MethodSchema, SchemaSource};

use crate::call::BoxFuture;

/// What an [`Acceptor`](crate::Acceptor) tells the server about a connection it prepared, in
/// the connection's [`Extensions`](crate::Extensions): the application protocol TLS negotiated
/// (ALPN), and whether the transport is secure (its requests have the `https` scheme).
///
/// With an ALPN protocol of `h2` or `http/1.1` the server speaks that protocol; without one it
/// looks at the client's first bytes (the HTTP/2 connection preface, or an HTTP/1.1 request).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransportInfo {
    alpn: Option<Bytes>,
    secure: bool,
}

impl TransportInfo {
    /// A TLS transport that negotiated `alpn` (`None`: no ALPN).
    pub fn tls(alpn: Option<Bytes>) -> TransportInfo {
        TransportInfo { alpn, secure: true }
    }

    /// The negotiated ALPN protocol id.
    pub fn alpn(&self) -> Option<&Bytes> {
        self.alpn.as_ref()
    }

    /// Whether the transport is secure.
    pub fn is_secure(&self) -> bool {
        self.secure
    }
}

/// A plain HTTP request the server's RPC protocols do not claim: not an RPC content type, not
/// a method path, not a preflight (see [`HttpService`]). The content is read whole (up to the
/// server's receive limit).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The method (`GET`, `POST`, ...).
    pub method: Bytes,
    /// The path, without the query.
    pub path: Bytes,
    /// The query (after `?`), if any.
    pub query: Option<Bytes>,
    /// The header fields, names lowercase.
    pub headers: Vec<(Bytes, Bytes)>,
    /// The content.
    pub body: Bytes,
    /// Whether the request came over HTTP/2.
    pub http2: bool,
    /// The request's authority: HTTP/2's `:authority`, HTTP/1.1's `Host`.
    pub authority: Option<Bytes>,
    /// `http` or `https`.
    pub scheme: Bytes,
}

impl HttpRequest {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&Bytes> {
        self.headers
            .iter()
            .find(|(n, _)| n == name.as_bytes())
            .map(|(_, v)| v)
    }
}

/// The answer of an [`HttpService`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The header fields (names lowercase; no connection-specific fields such as
    /// `connection` or `transfer-encoding`, which HTTP/2 forbids).
    pub headers: Vec<(Bytes, Bytes)>,
    /// The content.
    pub body: Bytes,
}

impl HttpResponse {
    /// A response with `status` and `body`.
    pub fn new(status: u16, body: impl Into<Bytes>) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// With header `name: value`.
    pub fn header(mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) -> HttpResponse {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Answers the plain HTTP requests a server receives besides its RPCs
/// ([`ServerBuilder::fallback`](crate::ServerBuilder::fallback)): a page and the scripts that
/// call the server from a browser, a health probe, ... The default answers 404.
pub trait HttpService: Send + Sync + 'static {
    /// Answers `request`.
    fn call(&self, request: HttpRequest) -> BoxFuture<'static, HttpResponse>;
}

impl<F, Fut> HttpService for F
where
    F: Fn(HttpRequest) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = HttpResponse> + Send + 'static,
{
    fn call(&self, request: HttpRequest) -> BoxFuture<'static, HttpResponse> {
        Box::pin(self(request))
    }
}

/// A fallback whose request and response contents stream (the tower adapter's,
/// `crate::tower::HttpFallback`). The request's content is given as it arrives; the response's
/// goes out chunk by chunk, an `Err` ending it abruptly (HTTP/2: RST_STREAM INTERNAL_ERROR;
/// HTTP/1.1: the connection closed before the content's end).
#[cfg_attr(not(feature = "tower"), allow(dead_code))]
pub(crate) trait StreamingHttpService: Send + Sync + 'static {
    /// Answers `request` (whose `body` is empty) with the content `body`.
    fn call(
        &self,
        request: HttpRequest,
        body: crate::BoxStream<Result<Bytes, crate::Status>>,
    ) -> BoxFuture<'static, StreamedResponse>;
}

/// The answer of a [`StreamingHttpService`].
#[cfg_attr(not(feature = "tower"), allow(dead_code))]
pub(crate) struct StreamedResponse {
    pub(crate) status: u16,
    /// As [`HttpResponse::headers`].
    pub(crate) headers: Vec<(Bytes, Bytes)>,
    pub(crate) body: StreamedBody,
}

/// The content of a [`StreamedResponse`].
#[cfg_attr(not(feature = "tower"), allow(dead_code))]
pub(crate) enum StreamedBody {
    /// All of it, known in advance (sent with its length).
    Whole(Bytes),
    /// Chunks as they come (HTTP/1.1: chunked); an `Err` ends the content abruptly.
    Chunks(crate::BoxStream<Result<Bytes, ()>>),
}

/// A server's fallback for plain HTTP requests.
#[derive(Clone)]
#[cfg_attr(not(feature = "tower"), allow(dead_code))]
pub(crate) enum Fallback {
    /// Whole contents both ways.
    Whole(Arc<dyn HttpService>),
    /// Streamed contents.
    Streaming(Arc<dyn StreamingHttpService>),
}

/// The web protocols' settings of a server (see the [`ServerBuilder`](crate::ServerBuilder)
/// methods that set them).
#[derive(Clone)]
pub(crate) struct WebConfig {
    pub(crate) grpc_web: bool,
    pub(crate) connect: bool,
    pub(crate) http1: bool,
    pub(crate) cors: Option<Cors>,
    pub(crate) require_connect_version: bool,
    pub(crate) http1_config: courier_http1::Config,
    pub(crate) fallback: Option<Fallback>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            grpc_web: true,
            connect: true,
            http1: true,
            cors: None,
            require_connect_version: false,
            http1_config: courier_http1::Config::default(),
            fallback: None,
        }
    }
}

impl fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebConfig")
            .field("grpc_web", &self.grpc_web)
            .field("connect", &self.connect)
            .field("http1", &self.http1)
            .field("cors", &self.cors)
            .finish_non_exhaustive()
    }
}

/// Internals for the fuzz targets (`cargo fuzz` builds with `--cfg fuzzing`).
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    /// Connect GET's URL-safe base64 decoder; `None` for text that is not base64.
    pub fn decode_url_safe(text: &[u8]) -> Option<Vec<u8>> {
        super::base64::decode_url_safe(text).ok()
    }

    /// Connect GET's URL-safe base64 encoder (unpadded).
    pub fn encode_url_safe(data: &[u8]) -> String {
        super::base64::encode_url_safe(data)
    }

    /// The `grpc-web-text` encoder: padded standard base64.
    pub fn encode_padded(data: &[u8]) -> Vec<u8> {
        let mut out = bytes::BytesMut::new();
        super::base64::encode_padded(data, &mut out);
        out.to_vec()
    }
}
