//! The client side of the web protocols: [`WebChannel`], a [`Transport`] that calls with
//! gRPC-Web or the Connect protocol over HTTP/1.1 or HTTP/2, so that generated stubs reach
//! Connect-only servers and cross proxies that speak only HTTP/1.1.
//!
//! It sends protobuf messages (`application/grpc-web+proto`, `application/proto`,
//! `application/connect+proto`): the [`Transport`] carries encoded messages, so Connect's JSON
//! is left to clients that have the messages' JSON mapping (a browser's, connect-node's).

use std::collections::HashSet;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use courier_hpack::HeaderField;
use tokio::time::Instant;

use super::base64::{TextDecoder, encode_padded, encode_url_safe};
use super::connect;
use super::envelope::{EnvelopeDeframer, FLAG_COMPRESSED, FLAG_END_STREAM, FLAG_TRAILERS};
use super::grpc_web::parse_trailer_block;
use super::schema::Idempotency;
use crate::call::{
    BoxFuture, ByteStream, CompressedFlag, LastCompressed, MethodDescriptor, MethodKind, Request,
    Response,
};
use crate::client::{BoxIo, Connector, TcpConnector};
use crate::code::Code;
use crate::codec::{self, Encoding};
use crate::context::HttpVersion;
use crate::headers::{metadata_from_filtered, push_metadata, status_from};
use crate::interceptor::{self, InterceptedCall, Interceptor};
use crate::metadata::Metadata;
use crate::observe::{self, AttemptTelemetry, ChannelObserve, ClientTelemetry, Observe, Observer};
use crate::protocol;
use crate::status::Status;
use crate::{Stream, Transport};

/// HTTP/1.1 connections kept open between calls, per address, unless set otherwise
/// ([`WebChannelBuilder::max_idle_connections`]; a [`Channel`](crate::Channel) built with
/// [`ChannelBuilder::web`](crate::ChannelBuilder::web) keeps this many).
pub(crate) const DEFAULT_MAX_IDLE_HTTP1: usize = 16;

/// Which web protocol a [`WebChannel`] speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WebProtocol {
    /// gRPC-Web, binary (`application/grpc-web+proto`): messages framed as in gRPC, the status
    /// in a trailer frame at the end of the body.
    GrpcWeb,
    /// gRPC-Web, base64 (`application/grpc-web-text`): the same frames as
    /// [`GrpcWeb`](Self::GrpcWeb), each sent as padded base64 text; the response is read as
    /// base64 whatever its padding (PROTOCOL-WEB allows a sender to pad wherever it flushed).
    /// For clients behind proxies or runtimes that carry only text bodies.
    GrpcWebText,
    /// The Connect protocol with protobuf messages: unary calls as a bare message
    /// (`application/proto`, or a GET for the methods named by
    /// [`WebChannelBuilder::connect_get`]), streams as envelopes
    /// (`application/connect+proto`) ending with an EndStreamResponse.
    Connect,
}

/// Settings of a [`WebChannel`]; from [`WebChannel::builder`].
pub struct WebChannelBuilder {
    target: String,
    authority: String,
    protocol: WebProtocol,
    http: HttpVersion,
    secure: bool,
    connector: Arc<dyn Connector>,
    timeout: Option<Duration>,
    compression: Encoding,
    compression_threshold: usize,
    max_recv: usize,
    max_send: usize,
    user_agent: String,
    get: ConnectGet,
    max_idle_http1: usize,
    interceptors: Vec<Arc<dyn Interceptor>>,
    observe: Observe,
}

impl fmt::Debug for WebChannelBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebChannelBuilder")
            .field("target", &self.target)
            .field("protocol", &self.protocol)
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl WebChannelBuilder {
    /// The protocol (default [`WebProtocol::Connect`]).
    pub fn protocol(mut self, protocol: WebProtocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// The HTTP version (default [`HttpVersion::Http11`]): HTTP/1.1 opens one connection
    /// per call in flight (kept alive and reused), HTTP/2 multiplexes every call on one
    /// connection (prior knowledge, or what the connector's TLS negotiated).
    pub fn http_version(mut self, version: HttpVersion) -> Self {
        self.http = version;
        self
    }

    /// The `:authority` / `Host` sent (default: the target).
    pub fn authority(mut self, authority: impl Into<String>) -> Self {
        self.authority = authority.into();
        self
    }

    /// How connections are made (default [`TcpConnector`]); a TLS connector also sets
    /// [`secure`](Self::secure). The connector must deliver the HTTP version chosen with
    /// [`http_version`](Self::http_version) (for TLS: offer it by ALPN).
    pub fn connector(mut self, connector: impl Connector) -> Self {
        self.connector = Arc::new(connector);
        self
    }

    /// Whether requests carry the `https` scheme (default `false`).
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// The timeout of calls that set none themselves (default: none).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Compresses requests with `encoding` (default identity); responses are accepted gzip
    /// or identity in any case.
    pub fn compression(mut self, encoding: Encoding) -> Self {
        self.compression = encoding;
        self
    }

    /// Messages shorter than this are sent uncompressed (default 0).
    pub fn compression_threshold(mut self, bytes: usize) -> Self {
        self.compression_threshold = bytes;
        self
    }

    /// The largest response message accepted (default 4 MiB): larger ones fail the call with
    /// `RESOURCE_EXHAUSTED`.
    pub fn max_recv_message_size(mut self, bytes: usize) -> Self {
        self.max_recv = bytes;
        self
    }

    /// The largest request message sent (default unlimited).
    pub fn max_send_message_size(mut self, bytes: usize) -> Self {
        self.max_send = bytes;
        self
    }

    /// The `user-agent` sent (default `courier-rpc-web/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Calls the unary method with `path` (`/package.Service/Method`) with a Connect GET
    /// (the message in the query string) — for methods marked
    /// `idempotency_level = NO_SIDE_EFFECTS`, whose responses HTTP caches may keep. Only
    /// with [`WebProtocol::Connect`].
    pub fn connect_get(mut self, path: impl Into<String>) -> Self {
        self.get.paths.insert(path.into());
        self
    }

    /// Calls every unary method marked side-effect-free with a Connect GET, as
    /// [`ChannelBuilder::use_http_get`](crate::ChannelBuilder::use_http_get) does (generated
    /// stubs mark the methods declared `idempotency_level = NO_SIDE_EFFECTS`). Only with
    /// [`WebProtocol::Connect`].
    pub fn use_http_get(mut self, yes: bool) -> Self {
        self.get.marked = yes;
        self
    }

    /// Adds an interceptor; they run in the order added, before each call is sent (as a
    /// [`Channel`](crate::Channel)'s do).
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Adds an observer of every call (as [`ChannelBuilder::observer`](crate::ChannelBuilder::observer)):
    /// a call is one attempt, and the client span and attempt span are a
    /// [`Channel`](crate::Channel)'s.
    pub fn observer(mut self, observer: impl Observer) -> Self {
        self.observe.observers.push(Arc::new(observer));
        self
    }

    /// Adds an observer shared with other channels or servers.
    pub fn observer_shared(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observe.observers.push(observer);
        self
    }

    /// Records a span event per message sent and received (gRFC A72; default off).
    pub fn message_events(mut self, enabled: bool) -> Self {
        self.observe.message_events = enabled;
        self
    }

    /// HTTP/1.1 connections kept open between calls (default 16).
    pub fn max_idle_connections(mut self, n: usize) -> Self {
        self.max_idle_http1 = n;
        self
    }

    /// The channel. Nothing connects until the first call.
    pub fn build(self) -> WebChannel {
        let (server_address, server_port) = observe::server_address(&self.authority);
        let observe = ChannelObserve {
            observe: self.observe.clone(),
            target: observe::canonical_target(&self.target),
            server_address,
            server_port,
            // A WebChannel is not a channelz channel.
            channelz: None,
        };
        let (target, connector, authority) = (
            self.target.clone(),
            Arc::clone(&self.connector),
            self.authority.clone(),
        );
        let h1 = H1Pool::new(
            self.max_idle_http1,
            Box::new(move || {
                let (target, connector, authority) =
                    (target.clone(), Arc::clone(&connector), authority.clone());
                Box::pin(async move { resolve_and_connect(&target, &connector, &authority).await })
            }),
        );
        WebChannel {
            inner: Arc::new(Inner {
                observe,
                cfg: self,
                h2: tokio::sync::Mutex::new(None),
                h1,
            }),
        }
    }
}

/// A [`Transport`] speaking gRPC-Web or Connect (see [`web`](crate::web)): generated clients
/// take it as they take a [`Channel`](crate::Channel).
///
/// ```no_run
/// use courier_rpc::HttpVersion;
/// use courier_rpc::web::{WebChannel, WebProtocol};
///
/// let channel = WebChannel::builder("127.0.0.1:8080")
///     .protocol(WebProtocol::GrpcWeb)
///     .http_version(HttpVersion::Http11)
///     .build();
/// // GreeterClient::new(channel) in real code.
/// # drop(channel);
/// ```
///
/// It does not balance load or retry: one target (`host:port`, resolved at each new
/// connection; the first address that connects is used). For a resolver, per-call load
/// balancing, retries and hedging over the same protocols, build a
/// [`Channel`](crate::Channel) with [`ChannelBuilder::web`](crate::ChannelBuilder::web).
#[derive(Clone)]
pub struct WebChannel {
    inner: Arc<Inner>,
}

impl fmt::Debug for WebChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebChannel")
            .field("target", &self.inner.cfg.target)
            .field("protocol", &self.inner.cfg.protocol)
            .field("http", &self.inner.cfg.http)
            .finish_non_exhaustive()
    }
}

struct Inner {
    cfg: WebChannelBuilder,
    observe: ChannelObserve,
    h2: tokio::sync::Mutex<Option<courier_h2::driver::Client>>,
    h1: Arc<H1Pool>,
}

impl WebChannel {
    /// A builder for a channel to `target` (`host:port`).
    pub fn builder(target: impl Into<String>) -> WebChannelBuilder {
        let target = target.into();
        WebChannelBuilder {
            authority: target.clone(),
            target,
            protocol: WebProtocol::Connect,
            http: HttpVersion::Http11,
            secure: false,
            connector: Arc::new(TcpConnector),
            timeout: None,
            compression: Encoding::Identity,
            compression_threshold: 0,
            max_recv: codec::DEFAULT_MAX_RECV_MESSAGE_SIZE,
            max_send: usize::MAX,
            user_agent: concat!("courier-rpc-web/", env!("CARGO_PKG_VERSION")).to_owned(),
            get: ConnectGet::default(),
            max_idle_http1: DEFAULT_MAX_IDLE_HTTP1,
            interceptors: Vec::new(),
            observe: Observe::default(),
        }
    }

    /// The protocol this channel speaks.
    pub fn protocol(&self) -> WebProtocol {
        self.inner.cfg.protocol
    }

    /// The HTTP version this channel speaks.
    pub fn http_version(&self) -> HttpVersion {
        self.inner.cfg.http
    }
}

impl Transport for WebChannel {
    fn call(
        &self,
        method: &'static MethodDescriptor,
        request: Request<ByteStream>,
    ) -> BoxFuture<'static, Result<Response<ByteStream>, Status>> {
        let inner = self.inner.clone();
        Box::pin(async move { inner.call(method, request).await })
    }

    fn unary(
        &self,
        method: &'static MethodDescriptor,
        request: Request<Bytes>,
    ) -> BoxFuture<'static, Result<Response<Bytes>, Status>> {
        let inner = self.inner.clone();
        Box::pin(async move {
            let response = inner.call(method, request.map(crate::once)).await?;
            let (metadata, stream) = response.into_parts();
            let (message, trailers) = crate::one_message_with_trailers(stream).await?;
            let mut response = Response::from_parts(metadata, message);
            *response.trailers_mut() = trailers;
            Ok(response)
        })
    }
}

fn deadline_exceeded() -> Status {
    Status::new(Code::DEADLINE_EXCEEDED, "deadline exceeded")
}

/// Runs `f` until `deadline` (if any): past it, the call is `DEADLINE_EXCEEDED`.
async fn until<T>(
    deadline: Option<Instant>,
    f: impl Future<Output = Result<T, Status>>,
) -> Result<T, Status> {
    match deadline {
        Some(d) => tokio::time::timeout_at(d, f)
            .await
            .unwrap_or_else(|_| Err(deadline_exceeded())),
        None => f.await,
    }
}

async fn next_item<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *s).poll_next(cx)).await
}

/// How a call ends when its HTTP/2 stream fails (the table gRPC calls share).
fn h2_failure(e: courier_h2::driver::Error, deadline: Option<Instant>) -> Status {
    protocol::stream_failure_status(
        e,
        protocol::Side::Client {
            deadline: deadline.map(Instant::into_std),
        },
    )
}

fn unavailable(what: &str, e: impl fmt::Display) -> Status {
    Status::new(Code::UNAVAILABLE, format!("{what}: {e}"))
}

/// How the request goes out: the request's HTTP method, target and fields, and its content.
pub(crate) struct Outgoing {
    get: bool,
    /// A Connect unary request's message: its size on the wire and before compression, and
    /// whether it is compressed (for the call's observers).
    pub(crate) unary_sent: Option<(usize, usize, bool)>,
    pub(crate) deadline: Option<Instant>,
    target: String,
    pub(crate) fields: Vec<HeaderField>,
    body: OutBody,
}

pub(crate) enum OutBody {
    Full(Bytes),
    /// Messages to frame (gRPC-Web frames and Connect envelopes have the same prefix).
    Stream(ByteStream),
}

/// The response head and its content, whichever HTTP version carried them.
pub(crate) struct Incoming {
    status: u16,
    fields: Vec<HeaderField>,
    body: InBody,
}

pub(crate) enum InBody {
    H1 {
        body: courier_http1::driver::RecvBody,
        /// The connection, back to the idle pool once the response is complete.
        conn: Option<(Arc<H1Pool>, courier_http1::driver::Client)>,
    },
    H2(
        Box<courier_h2::driver::RecvStream>,
        Option<Instant>,
        /// Resets the stream if the response is dropped before its end.
        H2Cancel,
    ),
}

/// Resets an HTTP/2 request's stream with CANCEL when dropped before [`done`](Self::done):
/// a call given up (dropped, past its deadline, a hedged attempt that lost) stops at the
/// server too, as a gRPC call's does.
pub(crate) struct H2Cancel {
    /// The request's sending half (a request sent whole).
    direct: Option<courier_h2::driver::SendStream>,
    /// Tells the task sending a request stream to reset it.
    pump: Option<tokio::sync::oneshot::Sender<()>>,
}

impl H2Cancel {
    /// The response ended: nothing to cancel.
    fn done(&mut self) {
        self.direct = None;
        self.pump = None;
    }
}

impl Drop for H2Cancel {
    fn drop(&mut self) {
        if let Some(s) = self.direct.take() {
            s.reset(courier_h2::Reason::CANCEL);
        }
        if let Some(tx) = self.pump.take() {
            let _ = tx.send(());
        }
    }
}

impl InBody {
    async fn data(&mut self) -> Option<Result<Bytes, Status>> {
        match self {
            InBody::H1 { body, conn } => match body.data().await {
                Some(r) => Some(r.map_err(|e| unavailable("HTTP/1.1 response failed", e))),
                None => {
                    if let Some((inner, c)) = conn.take() {
                        inner.release(c);
                    }
                    None
                }
            },
            InBody::H2(recv, deadline, cancel) => {
                let deadline = *deadline;
                let r = recv.data().await;
                if r.is_none() {
                    cancel.done();
                }
                r.map(|r| r.map_err(|e| h2_failure(e, deadline)))
            }
        }
    }

    /// The HTTP trailers, once [`data`](Self::data) returned `None`.
    fn trailers(&mut self) -> Vec<HeaderField> {
        match self {
            InBody::H1 { body, .. } => body.trailers().map(h1_fields).unwrap_or_default(),
            InBody::H2(recv, ..) => recv.trailers().unwrap_or_default(),
        }
    }

    /// Reads the whole content, refusing more than `max` bytes.
    async fn collect(&mut self, max: usize) -> Result<Bytes, Status> {
        let mut all = BytesMut::new();
        while let Some(chunk) = self.data().await {
            let chunk = chunk?;
            if all.len() + chunk.len() > max {
                return Err(Status::new(
                    Code::RESOURCE_EXHAUSTED,
                    format!("response larger than the limit of {max} bytes"),
                ));
            }
            all.extend_from_slice(&chunk);
        }
        Ok(all.freeze())
    }
}

/// HTTP/1.1 fields as HTTP/2-style fields (names lowercased: HTTP/1.1 names are
/// case-insensitive).
fn h1_fields(headers: courier_http1::Headers) -> Vec<HeaderField> {
    headers
        .iter()
        .map(|f| {
            HeaderField::new(
                Bytes::from(f.name().to_ascii_lowercase()),
                f.value_bytes().clone(),
            )
        })
        .collect()
}

fn find<'a>(fields: &'a [HeaderField], name: &[u8]) -> Option<&'a Bytes> {
    crate::headers::find(fields, name)
}

/// Response fields that are the protocol's, not the call's metadata.
fn not_metadata(name: &[u8]) -> bool {
    matches!(
        name,
        b"content-encoding"
            | b"accept-encoding"
            | b"vary"
            | b"date"
            | b"server"
            | b"access-control-allow-origin"
            | b"access-control-expose-headers"
            | b"access-control-allow-credentials"
    ) || name.starts_with(b"connect-")
        || name.starts_with(b"trailer-")
}

fn response_encoding(value: Option<&Bytes>) -> Result<Encoding, Status> {
    match value.map(|v| &v[..]) {
        None | Some(b"identity") => Ok(Encoding::Identity),
        Some(b"gzip") => Ok(Encoding::Gzip),
        Some(other) => Err(Status::internal(format!(
            "response compressed with {}, which was not offered",
            String::from_utf8_lossy(other)
        ))),
    }
}

impl Inner {
    /// One call, watched (when anything watches it) as a call of one attempt.
    async fn call(
        self: Arc<Self>,
        method: &'static MethodDescriptor,
        mut request: Request<ByteStream>,
    ) -> Result<Response<ByteStream>, Status> {
        let Some(call) = ClientTelemetry::start(&self.observe, method) else {
            return self.call_watched(method, request, None).await;
        };
        let attempt = call.attempt(0, false, request.metadata_mut());
        // The attempt is the call: its end ends the call.
        attempt.set_ends_call();
        let span = call.span.clone();
        let result = tracing::Instrument::instrument(
            self.call_watched(method, request, Some(Arc::clone(&attempt))),
            span,
        )
        .await;
        if let Err(s) = &result {
            attempt.end(s.code());
        }
        result
    }

    fn wire(&self) -> Wire {
        Wire {
            protocol: self.cfg.protocol,
            http: self.cfg.http,
            secure: self.cfg.secure,
        }
    }

    async fn call_watched(
        self: Arc<Self>,
        method: &'static MethodDescriptor,
        request: Request<ByteStream>,
        watch: Option<Arc<AttemptTelemetry>>,
    ) -> Result<Response<ByteStream>, Status> {
        let wire = self.wire();
        wire.check(method)?;
        let cfg = &self.cfg;
        let timeout = request.timeout().or(cfg.timeout);
        let deadline = timeout.map(|t| Instant::now() + t);
        let encoding = request.compression().unwrap_or(cfg.compression);
        let get = cfg.get.applies(method, request.idempotency());
        let (mut metadata, messages) = request.into_parts();
        if !cfg.interceptors.is_empty() {
            // The deadline counts from the call's start, before its interceptors run.
            let call = InterceptedCall::new(Bytes::from_static(method.path.as_bytes()), metadata);
            let call = until(deadline, interceptor::run(&cfg.interceptors, call)).await?;
            metadata = call.into_metadata();
        }
        let limits = Limits {
            encoding,
            threshold: cfg.compression_threshold,
            max_send: cfg.max_send,
        };
        let mut out = until(
            deadline,
            outgoing(
                wire,
                Bytes::from(cfg.user_agent.clone()),
                get,
                method,
                &metadata,
                WebBody::Messages(messages),
                timeout,
                limits,
            ),
        )
        .await?;
        out.deadline = deadline;
        if let (Some(w), Some((wire, size, compressed))) = (&watch, out.unary_sent) {
            w.sent(wire, size, compressed);
        }
        let framer = FrameSettings::new(wire, limits, watch.clone());
        let authority = Bytes::from(cfg.authority.clone());
        let incoming = until(deadline, async {
            match cfg.http {
                HttpVersion::Http2 => {
                    let client = self.h2_client().await?;
                    send_h2(&client, &authority, cfg.secure, out, framer)
                        .await
                        .map_err(Status::from)
                }
                HttpVersion::Http11 => send_h1(&self.h1, &authority, out, framer)
                    .await
                    .map_err(Status::from),
            }
        })
        .await?;
        until(
            deadline,
            response(wire, method, cfg.max_recv, incoming, deadline, watch),
        )
        .await
    }

    async fn h2_client(&self) -> Result<courier_h2::driver::Client, Status> {
        let mut slot = self.h2.lock().await;
        if let Some(c) = slot.as_ref()
            && !c.is_closed()
            && c.goaway_received().is_none()
        {
            return Ok(c.clone());
        }
        let cfg = &self.cfg;
        let io = resolve_and_connect(&cfg.target, &cfg.connector, &cfg.authority).await?;
        let (client, driver) = courier_h2::driver::client(io, courier_h2::Config::default());
        tokio::spawn(driver);
        *slot = Some(client.clone());
        Ok(client)
    }
}

/// Connects to the first address of `target` (`host:port`) that answers.
async fn resolve_and_connect(
    target: &str,
    connector: &Arc<dyn Connector>,
    authority: &str,
) -> Result<BoxIo, Status> {
    let addrs = tokio::net::lookup_host(target)
        .await
        .map_err(|e| unavailable(&format!("resolving {target}"), e))?;
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    for addr in addrs {
        match connector.connect(addr, authority).await {
            Ok(io) => return Ok(io),
            Err(e) => last = e,
        }
    }
    Err(unavailable(&format!("connecting to {target}"), last))
}

/// How a web call is carried: the protocol, the HTTP version, and the scheme. Shared by
/// [`WebChannel`] and a [`Channel`](crate::Channel) built with
/// [`ChannelBuilder::web`](crate::ChannelBuilder::web).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Wire {
    pub(crate) protocol: WebProtocol,
    pub(crate) http: HttpVersion,
    pub(crate) secure: bool,
}

impl Wire {
    /// Whether `method`'s calls are Connect unary calls (one bare message each way).
    pub(crate) fn connect_unary(&self, method: &MethodDescriptor) -> bool {
        self.protocol == WebProtocol::Connect
            && !method.kind.client_streaming()
            && !method.kind.server_streaming()
    }

    /// Refuses, before anything is sent, a call this wire cannot carry.
    pub(crate) fn check(&self, method: &MethodDescriptor) -> Result<(), Status> {
        // Connect, Summary: "Bidirectional streaming requires HTTP/2"
        // <https://connectrpc.com/docs/protocol/#summary>. Courier's server answers such a
        // request over HTTP/1.1 with 505; the call fails here without sending it.
        if self.protocol == WebProtocol::Connect
            && self.http == HttpVersion::Http11
            && method.kind == MethodKind::BidiStreaming
        {
            return Err(Status::new(
                Code::UNIMPLEMENTED,
                "Connect bidirectional streams need HTTP/2",
            ));
        }
        Ok(())
    }
}

/// One call's message settings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) encoding: Encoding,
    pub(crate) threshold: usize,
    pub(crate) max_send: usize,
}

/// What a call sends.
pub(crate) enum WebBody {
    /// The messages, framed as they come (a Connect unary call's one message goes bare).
    Messages(ByteStream),
    /// One message already framed as in gRPC (its 5-byte prefix; compressed with the call's
    /// encoding when the prefix's flag says so), which a [`Channel`](crate::Channel) framed
    /// once for all the call's attempts.
    Framed(Bytes),
}

/// Why a request got no response head.
#[derive(Debug)]
pub(crate) struct SendFailure {
    pub(crate) status: Status,
    /// How far the request got.
    pub(crate) reach: Reach,
}

/// Which Connect unary calls a client sends as GETs (a [`WebChannel`]'s or a web
/// [`Channel`](crate::Channel)'s settings).
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnectGet {
    /// Methods (paths) called by GET, marked or not (`connect_get`).
    pub(crate) paths: HashSet<String>,
    /// Calls marked side-effect free go by GET (`use_http_get`).
    pub(crate) marked: bool,
}

impl ConnectGet {
    /// Whether a unary call of `method` marked `idempotency` goes as a GET (a client speaking
    /// another protocol ignores the answer).
    pub(crate) fn applies(&self, method: &MethodDescriptor, idempotency: Idempotency) -> bool {
        (self.marked && idempotency == Idempotency::NoSideEffects)
            || self.paths.contains(method.path)
    }
}

/// How far a request that got no response head went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Nothing of it left (no connection, or the HTTP/2 stream was never opened): it can be
    /// sent again elsewhere.
    Unsent,
    /// The server refused the HTTP/2 stream unprocessed (RST_STREAM REFUSED_STREAM, or the
    /// stream was above the last one of its GOAWAY): it can be sent again.
    Refused,
    /// It was sent and may have been processed.
    Sent,
}

impl From<SendFailure> for Status {
    fn from(f: SendFailure) -> Status {
        f.status
    }
}

impl SendFailure {
    fn sent(status: Status) -> SendFailure {
        SendFailure {
            status,
            reach: Reach::Sent,
        }
    }

    fn unsent(status: Status) -> SendFailure {
        SendFailure {
            status,
            reach: Reach::Unsent,
        }
    }
}

/// The request's fields and content. `get`: a Connect unary call goes as a GET.
// Each argument is a different part of the call; a struct of them would only be unpacked here.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn outgoing(
    wire: Wire,
    user_agent: Bytes,
    get: bool,
    method: &'static MethodDescriptor,
    metadata: &Metadata,
    body: WebBody,
    timeout: Option<Duration>,
    limits: Limits,
) -> Result<Outgoing, Status> {
    let mut fields = Vec::with_capacity(8 + metadata.len());
    fields.push(HeaderField::new("user-agent", user_agent));
    let gzip = limits.encoding == Encoding::Gzip;
    let mut target = method.path.to_owned();
    let mut is_get = false;
    let mut unary_sent = None;
    let text = wire.protocol == WebProtocol::GrpcWebText;
    let body = match wire.protocol {
        WebProtocol::GrpcWeb | WebProtocol::GrpcWebText => {
            let (content_type, accept) = if text {
                (
                    "application/grpc-web-text",
                    Some("application/grpc-web-text"),
                )
            } else {
                ("application/grpc-web+proto", None)
            };
            fields.push(HeaderField::new("content-type", content_type));
            if let Some(accept) = accept {
                fields.push(HeaderField::new("accept", accept));
            }
            // PROTOCOL-WEB: "x-grpc-web: 1" marks a gRPC-Web request for proxies.
            fields.push(HeaderField::new("x-grpc-web", "1"));
            fields.push(HeaderField::new("grpc-accept-encoding", "gzip"));
            if gzip {
                fields.push(HeaderField::new("grpc-encoding", "gzip"));
            }
            if let Some(t) = timeout {
                fields.push(HeaderField::new(
                    "grpc-timeout",
                    protocol::encode_timeout(t),
                ));
            }
            framed_body(body, text)
        }
        WebProtocol::Connect if wire.connect_unary(method) => {
            let (payload, compress) = match body {
                WebBody::Framed(frame) => {
                    // The gRPC frame's prefix off: the flag says whether it is compressed.
                    let compressed = frame.first().is_some_and(|f| f & FLAG_COMPRESSED != 0);
                    (
                        frame.slice(codec::HEADER_LEN.min(frame.len())..),
                        compressed,
                    )
                }
                WebBody::Messages(mut messages) => {
                    let message = match next_item(&mut messages).await {
                        Some(m) => m?,
                        None => return Err(Status::internal("a unary call needs one request")),
                    };
                    if message.len() > limits.max_send {
                        return Err(Status::new(
                            Code::RESOURCE_EXHAUSTED,
                            format!(
                                "message sent is {} bytes, larger than the limit of {}",
                                message.len(),
                                limits.max_send
                            ),
                        ));
                    }
                    let compress = gzip && message.len() >= limits.threshold;
                    let size = message.len();
                    let payload = if compress {
                        gzip_bytes(&message)?
                    } else {
                        message
                    };
                    unary_sent = Some((payload.len(), size, compress));
                    (payload, compress)
                }
            };
            if let Some(t) = timeout {
                fields.push(HeaderField::new(
                    "connect-timeout-ms",
                    connect::encode_timeout(t),
                ));
            }
            if get {
                // Connect, Unary-Get-Request: "?connect=v1&encoding=proto
                // [&compression=...]&base64=1&message=..." (message URL-safe base64).
                is_get = true;
                target.push_str("?connect=v1&encoding=proto");
                if compress {
                    target.push_str("&compression=gzip");
                }
                target.push_str("&base64=1&message=");
                target.push_str(&encode_url_safe(&payload));
                fields.push(HeaderField::new("accept-encoding", "gzip"));
                OutBody::Full(Bytes::new())
            } else {
                fields.push(HeaderField::new("content-type", "application/proto"));
                fields.push(HeaderField::new("connect-protocol-version", "1"));
                fields.push(HeaderField::new("accept-encoding", "gzip"));
                if compress {
                    fields.push(HeaderField::new("content-encoding", "gzip"));
                }
                OutBody::Full(payload)
            }
        }
        WebProtocol::Connect => {
            fields.push(HeaderField::new(
                "content-type",
                "application/connect+proto",
            ));
            fields.push(HeaderField::new("connect-protocol-version", "1"));
            fields.push(HeaderField::new("connect-accept-encoding", "gzip"));
            if gzip {
                fields.push(HeaderField::new("connect-content-encoding", "gzip"));
            }
            if let Some(t) = timeout {
                fields.push(HeaderField::new(
                    "connect-timeout-ms",
                    connect::encode_timeout(t),
                ));
            }
            framed_body(body, false)
        }
    };
    push_metadata(metadata, &mut fields);
    Ok(Outgoing {
        get: is_get,
        unary_sent,
        deadline: None,
        target,
        fields,
        body,
    })
}

/// A streaming framing's body: the messages to frame, or the one frame (gRPC frames,
/// gRPC-Web frames and Connect envelopes share their prefix), as base64 for `text`.
fn framed_body(body: WebBody, text: bool) -> OutBody {
    match body {
        WebBody::Messages(m) => OutBody::Stream(m),
        WebBody::Framed(frame) if text => {
            let mut b = BytesMut::new();
            encode_padded(&frame, &mut b);
            OutBody::Full(b.freeze())
        }
        WebBody::Framed(frame) => OutBody::Full(frame),
    }
}

/// Sends the request on an HTTP/2 connection; resolves to the response head.
pub(crate) async fn send_h2(
    client: &courier_h2::driver::Client,
    authority: &Bytes,
    secure: bool,
    out: Outgoing,
    framer: FrameSettings,
) -> Result<Incoming, SendFailure> {
    let mut fields = Vec::with_capacity(out.fields.len() + 4);
    fields.push(HeaderField::new(
        ":method",
        if out.get { "GET" } else { "POST" },
    ));
    fields.push(HeaderField::new(
        ":scheme",
        if secure { "https" } else { "http" },
    ));
    fields.push(HeaderField::new(":path", out.target));
    fields.push(HeaderField::new(":authority", authority.clone()));
    fields.extend(out.fields);
    let deadline = out.deadline;
    let fail = |e| SendFailure::unsent(h2_failure(e, deadline));
    let (mut recv, mut cancel) = match out.body {
        OutBody::Full(body) => {
            let (send, recv) = client.start_request(fields, body, true).map_err(fail)?;
            let cancel = H2Cancel {
                direct: Some(send),
                pump: None,
            };
            (recv, cancel)
        }
        OutBody::Stream(mut messages) => {
            let (mut send, recv) = client
                .start_request(fields, Bytes::new(), false)
                .map_err(fail)?;
            let (tx, mut cancelled) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(async move {
                let outcome = {
                    let send_all = async {
                        while let Some(item) = next_item(&mut messages).await {
                            match item.and_then(|m| framer.frame(&m)) {
                                Ok(b) => {
                                    if send.send_data(b, false).await.is_err() {
                                        return true;
                                    }
                                }
                                // The request stream failed: the call is cancelled.
                                Err(_) => return false,
                            }
                        }
                        let _ = send.send_data(Bytes::new(), true).await;
                        true
                    };
                    tokio::pin!(send_all);
                    tokio::select! {
                        r = &mut cancelled => Err(r.is_ok()),
                        ok = &mut send_all => Ok(ok),
                    }
                };
                match outcome {
                    Err(true) | Ok(false) => send.reset(courier_h2::Reason::CANCEL),
                    Err(false) => {}
                    // Sent: the sending half is kept until the call ends, to reset the stream
                    // if the response is given up.
                    Ok(true) => {
                        if cancelled.await.is_ok() {
                            send.reset(courier_h2::Reason::CANCEL);
                        }
                    }
                }
            });
            let cancel = H2Cancel {
                direct: None,
                pump: Some(tx),
            };
            (recv, cancel)
        }
    };
    let (head, end) = match recv.response().await {
        Ok(h) => h,
        Err(e) => {
            // The stream failed: nothing left to cancel.
            cancel.done();
            let reach = if recv.is_unsent() {
                Reach::Unsent
            } else if e.is_refused() {
                // PROTOCOL-HTTP2, Errors: "REFUSED_STREAM | UNAVAILABLE - Indicates that no
                // processing occurred and the request can be retried, possibly elsewhere."
                Reach::Refused
            } else {
                Reach::Sent
            };
            return Err(SendFailure {
                status: h2_failure(e, deadline),
                reach,
            });
        }
    };
    Ok(Incoming {
        status: head.pseudo.status.unwrap_or(0),
        fields: head.fields,
        body: InBody::H2(Box::new(recv), deadline, {
            if end {
                // A head that ends the response (Trailers-Only): the stream is closed.
                cancel.done();
            }
            cancel
        }),
    })
}

/// How an [`H1Pool`] opens a connection.
pub(crate) type ConnectIo =
    Box<dyn Fn() -> BoxFuture<'static, Result<BoxIo, Status>> + Send + Sync>;

/// Kept-alive HTTP/1.1 connections to one server: a call takes one (or opens one) and gives it
/// back once its response was read whole.
pub(crate) struct H1Pool {
    idle: Mutex<Vec<courier_http1::driver::Client>>,
    max_idle: usize,
    connect: ConnectIo,
}

impl fmt::Debug for H1Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("H1Pool")
            .field("max_idle", &self.max_idle)
            .finish_non_exhaustive()
    }
}

impl H1Pool {
    /// A pool keeping up to `max_idle` connections between calls, opening them with `connect`.
    pub(crate) fn new(max_idle: usize, connect: ConnectIo) -> Arc<H1Pool> {
        Arc::new(H1Pool {
            idle: Mutex::new(Vec::new()),
            max_idle,
            connect,
        })
    }

    /// A connection made elsewhere, for the next call.
    pub(crate) fn add(&self, io: BoxIo) {
        let (client, driver) = courier_http1::driver::client(io, courier_http1::Config::default());
        tokio::spawn(driver);
        self.release(client);
    }

    /// An idle connection, or a new one (`Err`: none could be opened).
    async fn client(&self) -> Result<courier_http1::driver::Client, Status> {
        loop {
            let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            match idle {
                Some(c) if !c.is_closed() => return Ok(c),
                Some(_) => continue,
                None => break,
            }
        }
        let io = (self.connect)().await?;
        let (client, driver) = courier_http1::driver::client(io, courier_http1::Config::default());
        tokio::spawn(driver);
        Ok(client)
    }

    fn release(&self, client: courier_http1::driver::Client) {
        if client.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle {
            idle.push(client);
        }
    }
}

/// Sends the request on a connection of `pool`; resolves to the response head.
pub(crate) async fn send_h1(
    pool: &Arc<H1Pool>,
    authority: &Bytes,
    out: Outgoing,
    framer: FrameSettings,
) -> Result<Incoming, SendFailure> {
    let client = pool.client().await.map_err(SendFailure::unsent)?;
    let method = if out.get {
        courier_http1::Method::GET
    } else {
        courier_http1::Method::POST
    };
    let mut head = courier_http1::RequestHead::new(method, out.target);
    head.headers.append("host", authority.clone());
    for f in out.fields {
        let (name, value, _) = f.into_parts();
        head.headers.append(name, value);
    }
    let body = match out.body {
        OutBody::Full(b) if out.get => {
            debug_assert!(b.is_empty());
            courier_http1::driver::Body::empty()
        }
        OutBody::Full(b) => courier_http1::driver::Body::full(b),
        OutBody::Stream(mut messages) => {
            let (mut tx, body) = courier_http1::driver::Body::channel(4);
            tokio::spawn(async move {
                while let Some(item) = next_item(&mut messages).await {
                    match item.and_then(|m| framer.frame(&m)) {
                        Ok(b) => {
                            if tx.send_data(b).await.is_err() {
                                return;
                            }
                        }
                        // Dropping the sender unfinished aborts the request (and closes
                        // the connection): the call is cancelled.
                        Err(_) => return,
                    }
                }
                let _ = tx.finish().await;
            });
            body
        }
    };
    let resp = client
        .send(head, body)
        .await
        .map_err(|e| SendFailure::sent(unavailable("HTTP/1.1 request failed", e)))?;
    Ok(Incoming {
        status: resp.head.status,
        fields: h1_fields(resp.head.headers),
        body: InBody::H1 {
            body: resp.body,
            conn: Some((Arc::clone(pool), client)),
        },
    })
}

/// The response to a call of `method`: its metadata and its messages, ending with its
/// status (OK with the trailers, as a [`Channel`](crate::Channel)'s response streams do).
pub(crate) async fn response(
    wire: Wire,
    method: &MethodDescriptor,
    max_recv: usize,
    incoming: Incoming,
    deadline: Option<Instant>,
    watch: Option<Arc<AttemptTelemetry>>,
) -> Result<Response<ByteStream>, Status> {
    match wire.protocol {
        WebProtocol::GrpcWeb | WebProtocol::GrpcWebText => {
            grpc_web_response(wire, max_recv, incoming, deadline, watch)
        }
        WebProtocol::Connect if wire.connect_unary(method) => {
            connect_unary_response(max_recv, incoming, watch).await
        }
        WebProtocol::Connect => connect_stream_response(max_recv, incoming, deadline, watch),
    }
}

/// gRPC-Web: the head (or a Trailers-Only answer), then frames up to the trailer frame.
fn grpc_web_response(
    wire: Wire,
    max_recv: usize,
    mut incoming: Incoming,
    deadline: Option<Instant>,
    watch: Option<Arc<AttemptTelemetry>>,
) -> Result<Response<ByteStream>, Status> {
    let fields = std::mem::take(&mut incoming.fields);
    // A Trailers-Only response: the status in the head.
    if let Some(status) = status_from(&fields) {
        if status.code() != Code::OK {
            return Err(status);
        }
        let metadata = status.metadata().clone();
        if let Some(w) = &watch {
            w.end(Code::OK);
        }
        return Ok(Response::from_parts(
            metadata.clone(),
            Box::pin(crate::iter(Some(Err(Status::ok_with_trailers(metadata))))),
        ));
    }
    if incoming.status != 200 {
        // PROTOCOL-HTTP2's HTTP-status mapping, which gRPC-Web clients share.
        return Err(Status::new(
            protocol::code_from_http_status(incoming.status),
            format!("HTTP status {}", incoming.status),
        ));
    }
    let ct = find(&fields, b"content-type").cloned().unwrap_or_default();
    let text = wire.protocol == WebProtocol::GrpcWebText;
    if !ct.starts_with(b"application/grpc-web")
        || ct.starts_with(b"application/grpc-web-text") != text
    {
        return Err(unexpected_content_type(&ct, "a gRPC-Web response"));
    }
    let encoding = response_encoding(find(&fields, b"grpc-encoding"))?;
    let mut metadata = metadata_from_filtered(&fields, not_metadata);
    let reader = FrameReader::new(
        incoming.body,
        ReaderKind::GrpcWeb,
        text.then(TextDecoder::new),
        max_recv,
        encoding,
        deadline,
        watch,
    );
    Ok(reader.into_response(&mut metadata))
}

/// Connect unary: a bare message, or a JSON error with an HTTP status.
async fn connect_unary_response(
    max_recv: usize,
    mut incoming: Incoming,
    watch: Option<Arc<AttemptTelemetry>>,
) -> Result<Response<ByteStream>, Status> {
    let fields = std::mem::take(&mut incoming.fields);
    let encoding = response_encoding(find(&fields, b"content-encoding"))?;
    let metadata = metadata_from_filtered(&fields, not_metadata);
    // Connect, Unary-Response: "Trailers are sent as headers prefixed with `trailer-`."
    let trailers = connect_trailers(&fields);
    if incoming.status != 200 {
        // The error is JSON, at most a few details long; limit it like a message.
        let body = incoming.body.collect(max_recv).await?;
        let body = match encoding {
            Encoding::Gzip => codec::decompress(encoding, &body, max_recv)?,
            Encoding::Identity => body,
        };
        let mut status = connect::parse_error(incoming.status, &body);
        for (k, v) in metadata.iter().chain(trailers.iter()) {
            status
                .metadata_mut()
                .push_unchecked(k.to_owned(), v.clone());
        }
        return Err(status);
    }
    let ct = find(&fields, b"content-type").cloned().unwrap_or_default();
    if &ct[..] != b"application/proto" {
        return Err(unexpected_content_type(&ct, "a Connect unary response"));
    }
    let (body, wire) = match encoding {
        Encoding::Gzip => {
            // The compressed body may be larger than its message: bound it loosely, then
            // bound the message itself when decompressing.
            let raw = incoming
                .body
                .collect(max_recv.saturating_mul(2).saturating_add(64))
                .await?;
            (codec::decompress(encoding, &raw, max_recv)?, raw.len())
        }
        Encoding::Identity => {
            let body = incoming.body.collect(max_recv).await?;
            let wire = body.len();
            (body, wire)
        }
    };
    if let Some(w) = &watch {
        w.received(wire, body.len(), encoding != Encoding::Identity);
        w.end(Code::OK);
    }
    let stream: ByteStream = Box::pin(crate::iter([
        Ok(body),
        Err(Status::ok_with_trailers(trailers)),
    ]));
    let mut metadata = metadata;
    // The one message is compressed when the body is (Connect, Unary-Response:
    // Content-Encoding).
    metadata.attached_mut().compressed =
        Some(LastCompressed::Known(encoding != Encoding::Identity));
    Ok(Response::from_parts(metadata, stream))
}

/// Connect streaming: envelopes, the last an EndStreamResponse.
fn connect_stream_response(
    max_recv: usize,
    mut incoming: Incoming,
    deadline: Option<Instant>,
    watch: Option<Arc<AttemptTelemetry>>,
) -> Result<Response<ByteStream>, Status> {
    let fields = std::mem::take(&mut incoming.fields);
    if incoming.status != 200 {
        // Connect, Streaming-Response: errors are in the EndStreamResponse, so a status
        // other than 200 comes from something else (a proxy): its code from the HTTP
        // status, as for a unary call.
        return Err(Status::new(
            connect::code_from_http_status(incoming.status),
            format!("HTTP status {}", incoming.status),
        ));
    }
    let ct = find(&fields, b"content-type").cloned().unwrap_or_default();
    if &ct[..] != b"application/connect+proto" {
        return Err(unexpected_content_type(&ct, "a Connect streaming response"));
    }
    let encoding = response_encoding(find(&fields, b"connect-content-encoding"))?;
    let mut metadata = metadata_from_filtered(&fields, not_metadata);
    let reader = FrameReader::new(
        incoming.body,
        ReaderKind::Connect,
        None,
        max_recv,
        encoding,
        deadline,
        watch,
    );
    Ok(reader.into_response(&mut metadata))
}

/// A response whose content-type is not the protocol's (`what`: which response).
#[cold]
fn unexpected_content_type(ct: &[u8], what: &str) -> Status {
    Status::new(
        Code::UNKNOWN,
        format!(
            "unexpected content-type {:?} in {what}",
            String::from_utf8_lossy(ct)
        ),
    )
}

/// `trailer-` prefixed response fields, the prefix removed.
fn connect_trailers(fields: &[HeaderField]) -> Metadata {
    let stripped: Vec<HeaderField> = fields
        .iter()
        .filter_map(|f| {
            let name = f.name().strip_prefix(b"trailer-")?;
            Some(HeaderField::new(
                Bytes::copy_from_slice(name),
                f.value().clone(),
            ))
        })
        .collect();
    crate::headers::metadata_from(&stripped)
}

fn gzip_bytes(data: &[u8]) -> Result<Bytes, Status> {
    use std::io::Write;
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    w.write_all(data)
        .and_then(|()| w.finish())
        .map(Bytes::from)
        .map_err(|e| Status::internal(format!("gzip compression failed: {e}")))
}

fn not_base64(_: super::base64::InvalidBase64Error) -> Status {
    Status::internal("a grpc-web-text response that is not base64")
}

/// What a request stream's framing task needs.
#[derive(Clone)]
pub(crate) struct FrameSettings {
    encoding: Encoding,
    threshold: usize,
    max_send: usize,
    /// `grpc-web-text`: each frame goes out as padded base64.
    text: bool,
    watch: Option<Arc<AttemptTelemetry>>,
}

impl FrameSettings {
    pub(crate) fn new(
        wire: Wire,
        limits: Limits,
        watch: Option<Arc<AttemptTelemetry>>,
    ) -> FrameSettings {
        FrameSettings {
            encoding: limits.encoding,
            threshold: limits.threshold,
            max_send: limits.max_send,
            text: wire.protocol == WebProtocol::GrpcWebText,
            watch,
        }
    }

    fn frame(&self, message: &[u8]) -> Result<Bytes, Status> {
        let mut dst = BytesMut::new();
        codec::encode_message(
            message,
            self.encoding,
            self.threshold,
            self.max_send.saturating_add(codec::HEADER_LEN),
            &mut dst,
        )?;
        if let Some(w) = &self.watch {
            let compressed = dst[0] & FLAG_COMPRESSED != 0;
            w.sent(dst.len() - codec::HEADER_LEN, message.len(), compressed);
        }
        if self.text {
            let mut text = BytesMut::new();
            encode_padded(&dst, &mut text);
            return Ok(text.freeze());
        }
        Ok(dst.freeze())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ReaderKind {
    GrpcWeb,
    Connect,
}

/// Reads framed responses (gRPC-Web frames or Connect envelopes) into messages and, at the
/// end, the call's status.
struct FrameReader {
    body: InBody,
    deframer: EnvelopeDeframer,
    max: usize,
    encoding: Encoding,
    deadline: Option<Instant>,
    done: bool,
    kind: ReaderKind,
    /// A `grpc-web-text` body's base64 decoder.
    text: Option<TextDecoder>,
    watch: Option<Arc<AttemptTelemetry>>,
    /// The Compressed-Flag of the message given last, shared with the response.
    compressed: Arc<CompressedFlag>,
}

impl FrameReader {
    /// A reader of `body`'s frames, none read yet.
    fn new(
        body: InBody,
        kind: ReaderKind,
        text: Option<TextDecoder>,
        max: usize,
        encoding: Encoding,
        deadline: Option<Instant>,
        watch: Option<Arc<AttemptTelemetry>>,
    ) -> FrameReader {
        FrameReader {
            body,
            deframer: EnvelopeDeframer::new(max),
            max,
            encoding,
            deadline,
            done: false,
            kind,
            text,
            watch,
            compressed: Arc::new(CompressedFlag::new(None)),
        }
    }

    /// The response: `metadata`, which follows the Compressed-Flag of the message read last
    /// ([`Response::last_message_compressed`]), and the messages.
    fn into_response(self, metadata: &mut Metadata) -> Response<ByteStream> {
        metadata.attached_mut().compressed =
            Some(LastCompressed::Shared(Arc::clone(&self.compressed)));
        Response::from_parts(std::mem::take(metadata), self.into_stream())
    }

    fn into_stream(self) -> ByteStream {
        Box::pin(crate::unfold(self, |mut r| async move {
            if r.done {
                return None;
            }
            let item = match until(r.deadline, r.next()).await {
                Ok(Some(message)) => Ok(message),
                Ok(None) => return None,
                Err(status) => {
                    // The call's status (OK carrying trailers, or the error) ends the stream.
                    r.done = true;
                    if let Some(w) = &r.watch {
                        w.end(status.code());
                    }
                    Err(status)
                }
            };
            Some((item, r))
        }))
    }

    /// The next message; `Err` with the call's status at the end (OK with the trailers when it
    /// succeeded).
    async fn next(&mut self) -> Result<Option<Bytes>, Status> {
        loop {
            if let Some(env) = self.deframer.next_envelope()? {
                let compressed = env.flags & FLAG_COMPRESSED != 0;
                let wire = env.data.len();
                let data = if compressed {
                    codec::decompress(self.encoding, &env.data, self.max)?
                } else {
                    env.data
                };
                match self.kind {
                    ReaderKind::GrpcWeb if env.flags & FLAG_TRAILERS != 0 => {
                        let fields = parse_trailer_block(&data)?;
                        let status = status_from(&fields).ok_or_else(|| {
                            Status::internal("gRPC-Web trailers without grpc-status")
                        })?;
                        return Err(self.ended(status).await);
                    }
                    ReaderKind::Connect if env.flags & FLAG_END_STREAM != 0 => {
                        let status = connect::parse_end_stream(&data)?;
                        return Err(self.ended(status).await);
                    }
                    _ => {
                        if let Some(w) = &self.watch {
                            w.received(wire, data.len(), compressed);
                        }
                        self.compressed.set(compressed);
                        return Ok(Some(data));
                    }
                }
            }
            match self.body.data().await {
                Some(chunk) => {
                    let chunk = chunk?;
                    match &mut self.text {
                        Some(decoder) => self
                            .deframer
                            .push(decoder.push(&chunk).map_err(not_base64)?),
                        None => self.deframer.push(chunk),
                    }
                }
                None => {
                    // A text body may end with an unpadded group.
                    if let Some(mut decoder) = self.text.take() {
                        let rest = decoder.finish().map_err(not_base64)?;
                        if !rest.is_empty() {
                            self.deframer.push(rest);
                            continue;
                        }
                    }
                    // gRPC-Web over HTTP/2 may carry the status in real trailers.
                    let trailers = self.body.trailers();
                    if self.kind == ReaderKind::GrpcWeb
                        && self.deframer.is_empty()
                        && let Some(status) = status_from(&trailers)
                    {
                        return Err(status);
                    }
                    return Err(Status::internal(if self.deframer.is_empty() {
                        "the response ended without the call's status"
                    } else {
                        "the response ended inside a message"
                    }));
                }
            }
        }
    }

    /// The status that ended the stream, checked to be the body's last bytes (so an HTTP/1.1
    /// connection is reused only when the response was read whole).
    async fn ended(&mut self, status: Status) -> Status {
        if !self.deframer.is_empty() {
            return Status::internal("data after the call's status");
        }
        match self.body.data().await {
            None => status,
            Some(Ok(_)) => Status::internal("data after the call's status"),
            Some(Err(e)) => e,
        }
    }
}
