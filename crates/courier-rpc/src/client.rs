//! The client: [`Channel`], a [`Transport`] over HTTP/2 connections.
//!
//! Structure (so TLS and load balancing slot in): a [`Resolver`] turns the target into
//! addresses; a pick-first policy tries them in order; the chosen address's subchannel owns one
//! connection, made by a [`Connector`] (plain TCP by default; TLS is a connector) and driven by
//! courier-h2. The subchannel reconnects with gRPC's connection backoff and publishes its
//! [`ConnectivityState`]. Calls read the current connection from a watch (a shared read, no
//! exclusive lock) and never hold it across an await.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use courier_h2::driver::{self, Client as H2Client, SendStream};
use courier_h2::{CommandErrorKind, Reason};
use courier_hpack::HeaderField;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Notify, oneshot, watch};

use crate::Transport;
use crate::body::{MessageReader, ReadEnd, Side, h2_error_status, unfold};
use crate::call::{BoxFuture, ByteStream, MethodDescriptor, Request, Response};
use crate::code::Code;
use crate::codec::{DEFAULT_MAX_RECV_MESSAGE_SIZE, Encoding, encode_message};
use crate::headers::{find, is_grpc_content_type, metadata_from, push_metadata, status_from};
use crate::interceptor::{self, InterceptedCall, Interceptor};
use crate::metadata::Metadata;
use crate::protocol::{code_from_http_status, encode_timeout};
use crate::status::Status;

/// A byte stream a [`Connector`] returns.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// A boxed [`Io`].
pub type BoxIo = Box<dyn Io>;

/// Makes the byte stream of a connection to an address: plain TCP ([`TcpConnector`]), TLS, or
/// anything else (an in-memory pipe in tests).
pub trait Connector: Send + Sync + 'static {
    /// Connects to `addr`, one of the addresses the channel's target resolved to.
    /// `authority` is the channel's `:authority` (`host:port`): a TLS connector takes the
    /// server name to verify (and send as SNI) from it.
    fn connect(&self, addr: SocketAddr, authority: &str) -> BoxFuture<'static, io::Result<BoxIo>>;
}

/// Plain TCP with `TCP_NODELAY`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TcpConnector;

impl Connector for TcpConnector {
    fn connect(&self, addr: SocketAddr, _authority: &str) -> BoxFuture<'static, io::Result<BoxIo>> {
        Box::pin(async move {
            let s = tokio::net::TcpStream::connect(addr).await?;
            s.set_nodelay(true)?;
            Ok(Box::new(s) as BoxIo)
        })
    }
}

/// Turns a channel's target into addresses.
pub trait Resolver: Send + Sync + 'static {
    /// The target's current addresses, in preference order.
    fn resolve(&self) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>>;
}

/// Resolves `host:port` with the system resolver (tokio's `lookup_host`).
#[derive(Clone, Debug)]
pub struct DnsResolver {
    host_port: String,
}

impl DnsResolver {
    /// Resolves `host_port` (`localhost:50051`, `[::1]:50051`).
    pub fn new(host_port: impl Into<String>) -> DnsResolver {
        DnsResolver {
            host_port: host_port.into(),
        }
    }
}

impl Resolver for DnsResolver {
    fn resolve(&self) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let hp = self.host_port.clone();
        Box::pin(async move { Ok(tokio::net::lookup_host(hp).await?.collect()) })
    }
}

/// A channel's connectivity state (gRPC's connectivity-semantics).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnectivityState {
    /// No connection and none being made (until a call or [`Channel::connect`]).
    Idle,
    /// Connecting.
    Connecting,
    /// Connected; calls go out at once.
    Ready,
    /// The last attempt failed; the next one starts after the backoff delay.
    TransientFailure,
    /// The channel was shut down.
    Shutdown,
}

/// Connection backoff parameters (connection-backoff.md).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// INITIAL_BACKOFF: 1 s.
    pub initial: Duration,
    /// MULTIPLIER: 1.6.
    pub multiplier: f64,
    /// JITTER: 0.2.
    pub jitter: f64,
    /// MAX_BACKOFF: 120 s.
    pub max: Duration,
    /// MIN_CONNECT_TIMEOUT: 20 s.
    pub min_connect_timeout: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        // connection-backoff.md: "INITIAL_BACKOFF (how long to wait after the first failure
        // before retrying) = 1 second; MULTIPLIER = 1.6; JITTER = 0.2; MAX_BACKOFF = 120
        // seconds; MIN_CONNECT_TIMEOUT = 20 seconds".
        // <https://github.com/grpc/grpc/blob/master/doc/connection-backoff.md>
        Backoff {
            initial: Duration::from_secs(1),
            multiplier: 1.6,
            jitter: 0.2,
            max: Duration::from_secs(120),
            min_connect_timeout: Duration::from_secs(20),
        }
    }
}

/// The state of connection-backoff.md's `ConnectWithBackoff` loop.
#[derive(Debug)]
pub(crate) struct BackoffState {
    params: Backoff,
    current: Duration,
    rng: u64,
}

impl BackoffState {
    pub(crate) fn new(params: Backoff, seed: u64) -> BackoffState {
        BackoffState {
            params,
            current: params.initial,
            rng: seed | 1,
        }
    }

    /// The first deadline: `now + INITIAL_BACKOFF`.
    pub(crate) fn first_delay(&self) -> Duration {
        self.params.initial
    }

    /// "current_backoff = Min(current_backoff * MULTIPLIER, MAX_BACKOFF); current_deadline =
    /// now() + current_backoff + UniformRandom(-JITTER * current_backoff, JITTER *
    /// current_backoff)".
    pub(crate) fn next_delay(&mut self) -> Duration {
        self.current = self
            .current
            .mul_f64(self.params.multiplier)
            .min(self.params.max);
        // xorshift64: jitter needs no cryptographic randomness.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let unit = (self.rng >> 11) as f64 / (1u64 << 53) as f64; // [0, 1)
        let factor = 1.0 + self.params.jitter * (2.0 * unit - 1.0);
        self.current.mul_f64(factor.max(0.0))
    }

    /// "TryConnect(Max(current_deadline, now() + MIN_CONNECT_TIMEOUT))": the connect timeout
    /// for an attempt whose backoff delay is `delay`.
    pub(crate) fn connect_timeout(&self, delay: Duration) -> Duration {
        delay.max(self.params.min_connect_timeout)
    }
}

/// Channel settings.
#[derive(Clone)]
struct Config {
    authority: Bytes,
    scheme: &'static str,
    user_agent: Bytes,
    default_timeout: Option<Duration>,
    wait_for_ready: bool,
    compression: Encoding,
    compression_threshold: usize,
    max_recv_message_size: usize,
    max_send_message_size: usize,
    backoff: Backoff,
    h2: courier_h2::Config,
    interceptors: Vec<Arc<dyn Interceptor>>,
}

/// Builds a [`Channel`].
pub struct ChannelBuilder {
    target: String,
    config: Config,
    connector: Arc<dyn Connector>,
    resolver: Option<Arc<dyn Resolver>>,
}

impl fmt::Debug for ChannelBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelBuilder")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl ChannelBuilder {
    /// The `user-agent` prefix (courier's own token is appended).
    pub fn user_agent(mut self, ua: &str) -> Self {
        self.config.user_agent = Bytes::from(format!("{ua} {}", default_user_agent()));
        self
    }

    /// The `:authority` sent (default: the target's `host:port`).
    pub fn authority(mut self, authority: impl Into<String>) -> Self {
        self.config.authority = Bytes::from(authority.into());
        self
    }

    /// A timeout for calls whose request sets none.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.default_timeout = Some(timeout);
        self
    }

    /// The default wait-for-ready flag of calls (default `false`: calls fail with UNAVAILABLE
    /// while the channel is in transient failure).
    pub fn wait_for_ready(mut self, wait: bool) -> Self {
        self.config.wait_for_ready = wait;
        self
    }

    /// Compress requests with `encoding` unless a request says otherwise (default identity).
    pub fn compression(mut self, encoding: Encoding) -> Self {
        self.config.compression = encoding;
        self
    }

    /// Messages shorter than this are sent uncompressed even on compressed calls (default 0).
    pub fn compression_threshold(mut self, bytes: usize) -> Self {
        self.config.compression_threshold = bytes;
        self
    }

    /// Largest response message accepted (default 4 MiB); larger ones fail the call with
    /// RESOURCE_EXHAUSTED.
    pub fn max_recv_message_size(mut self, bytes: usize) -> Self {
        self.config.max_recv_message_size = bytes;
        self
    }

    /// Largest request message sent (default unlimited); larger ones fail the call with
    /// RESOURCE_EXHAUSTED.
    pub fn max_send_message_size(mut self, bytes: usize) -> Self {
        self.config.max_send_message_size = bytes;
        self
    }

    /// Connection backoff parameters.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.config.backoff = backoff;
        self
    }

    /// HTTP/2 settings and limits of the channel's connections.
    pub fn http2_config(mut self, config: courier_h2::Config) -> Self {
        self.config.h2 = config;
        self
    }

    /// The connector (default [`TcpConnector`]).
    pub fn connector(mut self, connector: impl Connector) -> Self {
        self.connector = Arc::new(connector);
        self
    }

    /// The resolver (default [`DnsResolver`] over the target).
    pub fn resolver(mut self, resolver: impl Resolver) -> Self {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// Adds an interceptor; they run in the order added, before each call is sent.
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.config.interceptors.push(Arc::new(interceptor));
        self
    }

    /// The channel. It connects lazily, on the first call (or [`Channel::connect`]).
    pub fn build(self) -> Channel {
        let resolver = self
            .resolver
            .unwrap_or_else(|| Arc::new(DnsResolver::new(self.target.clone())));
        let (state, _) = watch::channel(Snapshot::idle());
        Channel {
            inner: Arc::new(Inner {
                config: self.config,
                connector: self.connector,
                resolver,
                state,
                wake: Arc::new(Notify::new()),
                started: AtomicBool::new(false),
                shutdown: watch::Sender::new(false),
            }),
        }
    }
}

fn default_user_agent() -> String {
    format!("courier-rpc/{}", env!("CARGO_PKG_VERSION"))
}

#[derive(Clone)]
struct Snapshot {
    state: ConnectivityState,
    client: Option<H2Client>,
    error: Option<Status>,
    /// Counts connections: a call that finds its connection unusable retires exactly it.
    generation: u64,
}

impl Snapshot {
    fn idle() -> Snapshot {
        Snapshot {
            state: ConnectivityState::Idle,
            client: None,
            error: None,
            generation: 0,
        }
    }
}

struct Inner {
    config: Config,
    connector: Arc<dyn Connector>,
    resolver: Arc<dyn Resolver>,
    state: watch::Sender<Snapshot>,
    /// A call (or `connect`) wants a connection.
    wake: Arc<Notify>,
    started: AtomicBool,
    shutdown: watch::Sender<bool>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

/// A client channel: a lazily connected, automatically reconnecting HTTP/2 connection to one
/// target, shared by any number of stubs. Cloning is cheap (an `Arc`).
///
/// ```no_run
/// # async fn f() -> Result<(), courier_rpc::Status> {
/// use courier_rpc::Channel;
/// let channel = Channel::builder("127.0.0.1:50051").build();
/// // let client = greeter_rpc::GreeterClient::new(channel.clone());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Channel {
    inner: Arc<Inner>,
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

/// Splits `http://host:port/` into `host:port` and the scheme.
fn parse_target(target: &str) -> (String, &'static str) {
    let (rest, scheme) = if let Some(r) = target.strip_prefix("http://") {
        (r, "http")
    } else if let Some(r) = target.strip_prefix("https://") {
        (r, "https")
    } else {
        (target, "http")
    };
    (rest.trim_end_matches('/').to_owned(), scheme)
}

impl Channel {
    /// A builder for a channel to `target`: `host:port`, or `http://host:port`.
    pub fn builder(target: impl Into<String>) -> ChannelBuilder {
        let (host_port, scheme) = parse_target(&target.into());
        ChannelBuilder {
            config: Config {
                authority: Bytes::from(host_port.clone()),
                scheme,
                user_agent: Bytes::from(default_user_agent()),
                default_timeout: None,
                wait_for_ready: false,
                compression: Encoding::Identity,
                compression_threshold: 0,
                max_recv_message_size: DEFAULT_MAX_RECV_MESSAGE_SIZE,
                max_send_message_size: usize::MAX,
                backoff: Backoff::default(),
                h2: courier_h2::Config::default(),
                interceptors: Vec::new(),
            },
            target: host_port,
            connector: Arc::new(TcpConnector),
            resolver: None,
        }
    }

    /// A channel to `target` with default settings (connects lazily).
    pub fn lazy(target: impl Into<String>) -> Channel {
        Channel::builder(target).build()
    }

    /// The current connectivity state.
    pub fn state(&self) -> ConnectivityState {
        self.inner.state.borrow().state
    }

    /// Waits until the state differs from `from`; returns the new state.
    pub async fn state_changed(&self, from: ConnectivityState) -> ConnectivityState {
        let mut rx = self.inner.state.subscribe();
        match rx.wait_for(|s| s.state != from).await {
            Ok(s) => s.state,
            Err(_) => ConnectivityState::Shutdown,
        }
    }

    /// Starts connecting if the channel is idle (without waiting).
    pub fn connect(&self) {
        self.ensure_started();
        self.inner.wake.notify_one();
    }

    /// Connects now and waits until the channel is ready (or the attempt fails).
    pub async fn connect_now(&self) -> Result<(), Status> {
        self.ready_client(false, None).await.map(drop)
    }

    /// Shuts the channel down: its connection closes gracefully (calls in flight finish) and
    /// new calls fail with UNAVAILABLE.
    pub fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
        self.inner.state.send_modify(|s| {
            if let Some(c) = s.client.take() {
                c.shutdown();
            }
            s.state = ConnectivityState::Shutdown;
        });
    }

    fn ensure_started(&self) {
        if !self.inner.started.swap(true, Ordering::AcqRel) {
            tokio::spawn(manage(Arc::downgrade(&self.inner)));
        }
    }

    /// A connection to send a call on.
    async fn ready_client(
        &self,
        wait_for_ready: bool,
        deadline: Option<Instant>,
    ) -> Result<(H2Client, u64), Status> {
        {
            // The hot path: a shared read of the current connection.
            let s = self.inner.state.borrow();
            if let Some(c) = &s.client {
                return Ok((c.clone(), s.generation));
            }
        }
        self.ensure_started();
        let mut rx = self.inner.state.subscribe();
        let mut asked = false;
        loop {
            {
                let s = rx.borrow_and_update();
                match s.state {
                    ConnectivityState::Ready => {
                        if let Some(c) = &s.client {
                            return Ok((c.clone(), s.generation));
                        }
                    }
                    ConnectivityState::Shutdown => {
                        return Err(Status::new(Code::UNAVAILABLE, "channel shut down"));
                    }
                    // wait-for-ready.md: "If the channel is in TRANSIENT_FAILURE, [an RPC
                    // without wait-for-ready] fails immediately with UNAVAILABLE".
                    ConnectivityState::TransientFailure if !wait_for_ready && asked => {
                        return Err(s.error.clone().unwrap_or_else(|| {
                            Status::new(Code::UNAVAILABLE, "connection failed")
                        }));
                    }
                    ConnectivityState::TransientFailure if !wait_for_ready => {
                        return Err(s.error.clone().unwrap_or_else(|| {
                            Status::new(Code::UNAVAILABLE, "connection failed")
                        }));
                    }
                    ConnectivityState::Idle if !asked => {
                        asked = true;
                        self.inner.wake.notify_one();
                    }
                    ConnectivityState::Connecting => asked = true,
                    _ => {}
                }
            }
            let changed = rx.changed();
            let r = match deadline {
                Some(d) => match tokio::time::timeout_at(d.into(), changed).await {
                    Ok(r) => r,
                    Err(_) => return Err(deadline_exceeded()),
                },
                None => changed.await,
            };
            if r.is_err() {
                return Err(Status::new(Code::UNAVAILABLE, "channel shut down"));
            }
        }
    }

    fn request_headers(
        &self,
        method: &'static MethodDescriptor,
        timeout: Option<Duration>,
        encoding: Encoding,
        metadata: &Metadata,
    ) -> Vec<HeaderField> {
        let c = &self.inner.config;
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
        if encoding != Encoding::Identity {
            h.push(HeaderField::new("grpc-encoding", encoding.as_str()));
        }
        h.push(HeaderField::new("grpc-accept-encoding", Encoding::ACCEPT));
        h.push(HeaderField::new("user-agent", c.user_agent.clone()));
        push_metadata(metadata, &mut h);
        h
    }

    /// Opens the call's stream, with one transparent retry on a new connection when the current
    /// one refuses new streams (a stream it refused to open carried nothing).
    async fn open(
        &self,
        method: &'static MethodDescriptor,
        wait: bool,
        deadline: Option<Instant>,
        timeout: Option<Duration>,
        encoding: Encoding,
        metadata: &Metadata,
    ) -> Result<(SendStream, driver::RecvStream), Status> {
        let mut attempt = 0;
        loop {
            let (client, generation) = self.ready_client(wait, deadline).await?;
            let remaining = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let headers = self.request_headers(method, remaining.or(timeout), encoding, metadata);
            // At the server's SETTINGS_MAX_CONCURRENT_STREAMS the driver queues the request
            // until a stream closes (the call's deadline still applies).
            match client.send_request_queued(headers, false).await {
                Ok(pair) => return Ok(pair),
                // The request headers themselves were refused: the connection is fine.
                Err(driver::Error::Command(e)) if e.kind() == CommandErrorKind::InvalidHeaders => {
                    return Err(Status::internal(format!("request headers refused: {e}")));
                }
                Err(_) if attempt == 0 => {
                    // The connection refused a new stream (GOAWAY received, or closing):
                    // retire it, so the retry waits for a new one.
                    attempt += 1;
                    self.inner.state.send_if_modified(|s| {
                        if s.generation != generation || s.client.is_none() {
                            return false;
                        }
                        if let Some(c) = s.client.take() {
                            c.shutdown();
                        }
                        s.state = ConnectivityState::Idle;
                        true
                    });
                }
                Err(e) => return Err(h2_error_status(e, Side::Client)),
            }
        }
    }

    /// Starts a call: sends the request headers (and, for a unary request, the message), waits
    /// for the response headers.
    async fn start(
        &self,
        method: &'static MethodDescriptor,
        request: Request<Body>,
    ) -> Result<(Metadata, CallBody), Status> {
        let c = &self.inner.config;
        let opts = request.options();
        let timeout = opts.timeout.or(c.default_timeout);
        let deadline = timeout.map(|t| Instant::now() + t);
        let wait = opts.wait_for_ready.unwrap_or(c.wait_for_ready);
        let encoding = opts.compression.unwrap_or(c.compression);
        let (mut metadata, body) = request.into_parts();
        if !c.interceptors.is_empty() {
            let call = InterceptedCall::new(Bytes::from_static(method.path.as_bytes()), metadata);
            metadata = interceptor::run(&c.interceptors, call)
                .await?
                .into_metadata();
        }
        // Frame a unary request before anything goes out: a message too large fails here.
        let body = match body {
            Body::One(msg) => {
                let mut buf = BytesMut::new();
                encode_message(
                    &msg,
                    encoding,
                    c.compression_threshold,
                    c.max_send_message_size,
                    &mut buf,
                )?;
                Body::One(buf.freeze())
            }
            s => s,
        };
        let mut body = Some(body);
        let fut = async {
            let mut refusals = 0u32;
            loop {
                let (send, recv) = self
                    .open(method, wait, deadline, timeout, encoding, &metadata)
                    .await?;
                let guard = match body.take() {
                    Some(Body::One(frame)) => {
                        // Kept (a reference count) for a transparent retry.
                        body = Some(Body::One(frame.clone()));
                        let mut send = send;
                        let r = send.send_data(frame, true).await;
                        let mut guard = CallGuard::direct(send);
                        if let Err(e) = r {
                            guard.complete();
                            return Err(h2_error_status(e, Side::Client));
                        }
                        guard
                    }
                    Some(Body::Stream(stream)) => {
                        let (tx, rx) = oneshot::channel();
                        tokio::spawn(pump(
                            send,
                            stream,
                            rx,
                            encoding,
                            c.compression_threshold,
                            c.max_send_message_size,
                        ));
                        CallGuard::pump(tx)
                    }
                    None => return Err(Status::internal("request body already sent")),
                };
                let mut call = CallBody {
                    reader: MessageReader::new(
                        recv,
                        Encoding::Identity,
                        c.max_recv_message_size,
                        Side::Client,
                    ),
                    guard,
                    deadline,
                    finished: false,
                    trailers_only: None,
                    refused: false,
                };
                match call.response_headers().await {
                    Ok(headers) => return Ok((headers, call)),
                    // PROTOCOL-HTTP2, Errors: "REFUSED_STREAM | UNAVAILABLE - Indicates that no
                    // processing occurred and the request can be retried, possibly elsewhere."
                    // A unary request still in hand is retried (transparently, a few times).
                    Err(_) if call.refused && body.is_some() && refusals < MAX_REFUSALS => {
                        refusals += 1;
                        tokio::time::sleep(Duration::from_millis(u64::from(refusals) * 5)).await;
                    }
                    Err(s) => return Err(s),
                }
            }
        };
        match deadline {
            Some(d) => tokio::time::timeout_at(d.into(), fut)
                .await
                .unwrap_or_else(|_| Err(deadline_exceeded())),
            None => fut.await,
        }
    }
}

#[cold]
fn deadline_exceeded() -> Status {
    Status::new(Code::DEADLINE_EXCEEDED, "deadline exceeded")
}

enum Body {
    One(Bytes),
    Stream(ByteStream),
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

/// Sends a client's request stream; resets the stream when told to cancel.
async fn pump(
    mut send: SendStream,
    mut messages: ByteStream,
    mut cancel: oneshot::Receiver<()>,
    encoding: Encoding,
    threshold: usize,
    max_send: usize,
) {
    let outcome = {
        let send_all = async {
            let mut buf = BytesMut::new();
            loop {
                let item = std::future::poll_fn(|cx| messages.as_mut().poll_next(cx)).await;
                match item {
                    Some(Ok(msg)) => {
                        if encode_message(&msg, encoding, threshold, max_send, &mut buf).is_err() {
                            // Too large to send: the call cannot continue.
                            return false;
                        }
                        if send.send_data(buf.split().freeze(), false).await.is_err() {
                            return true;
                        }
                    }
                    // The application's request stream failed: cancel the call.
                    Some(Err(_)) => return false,
                    None => {
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
struct CallBody {
    reader: MessageReader,
    guard: CallGuard,
    deadline: Option<Instant>,
    finished: bool,
    /// A Trailers-Only response's status (OK), whose metadata are the trailers.
    trailers_only: Option<Status>,
    /// The server refused the stream (RST_STREAM REFUSED_STREAM) before any response.
    refused: bool,
}

/// Transparent retries of a unary call whose stream the server refused.
const MAX_REFUSALS: u32 = 10;

impl CallBody {
    /// Waits for and checks the response headers; returns their metadata.
    async fn response_headers(&mut self) -> Result<Metadata, Status> {
        let (head, end) = match self.reader.recv.response().await {
            Ok(h) => h,
            Err(e) => {
                self.guard.complete();
                self.refused = matches!(
                    e,
                    driver::Error::Reset {
                        reason: Reason::REFUSED_STREAM,
                        remote: true
                    }
                );
                return Err(h2_error_status(e, Side::Client));
            }
        };
        let http = head.pseudo.status.unwrap_or(0);
        if end {
            // Trailers-Only: "HTTP-Status Content-Type Trailers".
            self.guard.complete();
            self.finished = true;
            return match status_from(&head.fields) {
                Some(s) if s.code() == Code::OK => {
                    self.trailers_only = Some(s);
                    Ok(Metadata::new())
                }
                Some(s) if http == 200 => Err(s),
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
                Some(e) => self.reader.set_encoding(e),
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
    async fn next(&mut self) -> Option<Result<Bytes, Status>> {
        if self.finished {
            return self
                .trailers_only
                .take()
                .filter(|s| !s.metadata().is_empty())
                .map(Err);
        }
        let r = match self.deadline {
            Some(d) => match tokio::time::timeout_at(d.into(), self.reader.next()).await {
                Ok(r) => r,
                Err(_) => {
                    // Deadline: RST_STREAM(CANCEL) and DEADLINE_EXCEEDED.
                    self.finished = true;
                    self.guard.cancel();
                    return Some(Err(deadline_exceeded()));
                }
            },
            None => self.reader.next().await,
        };
        match r {
            ReadEnd::Message(b, _) => Some(Ok(b)),
            ReadEnd::End => {
                self.finished = true;
                self.guard.complete();
                let status = match self.reader.recv.trailers() {
                    Some(t) => status_from(&t).unwrap_or_else(|| {
                        Status::new(Code::UNKNOWN, "trailers without grpc-status")
                    }),
                    None => Status::internal("response ended without trailers"),
                };
                if status.code() == Code::OK && status.metadata().is_empty() {
                    None
                } else {
                    Some(Err(status))
                }
            }
            ReadEnd::Error(s) => {
                self.finished = true;
                self.guard.cancel();
                Some(Err(s))
            }
        }
    }
}

#[cold]
fn http_status_error(http: u16) -> Status {
    Status::new(
        code_from_http_status(http),
        format!("HTTP status {http} without grpc-status"),
    )
}

impl Transport for Channel {
    fn call(
        &self,
        method: &'static MethodDescriptor,
        request: Request<ByteStream>,
    ) -> BoxFuture<'static, Result<Response<ByteStream>, Status>> {
        let this = self.clone();
        Box::pin(async move {
            let (md, body) = this.start(method, request.map(Body::Stream)).await?;
            let stream = unfold(body, |mut b: CallBody| async move {
                let item = b.next().await?;
                Some((item, b))
            });
            Ok(Response::from_parts(md, Box::pin(stream) as ByteStream))
        })
    }

    fn unary(
        &self,
        method: &'static MethodDescriptor,
        request: Request<Bytes>,
    ) -> BoxFuture<'static, Result<Response<Bytes>, Status>> {
        let this = self.clone();
        Box::pin(async move {
            let (md, mut body) = this.start(method, request.map(Body::One)).await?;
            let msg = match body.next().await {
                Some(Ok(m)) => m,
                Some(Err(s)) if s.code() != Code::OK => return Err(s),
                _ => return Err(Status::internal("expected one response message, got none")),
            };
            let trailers = match body.next().await {
                None => Metadata::new(),
                Some(Err(s)) if s.code() == Code::OK => s.into_metadata(),
                Some(Err(s)) => return Err(s),
                Some(Ok(_)) => {
                    return Err(Status::internal("expected one response message, got more"));
                }
            };
            let mut resp = Response::from_parts(md, msg);
            *resp.trailers_mut() = trailers;
            Ok(resp)
        })
    }
}

/// The subchannel task: connects on demand, reconnects with backoff, publishes the state.
async fn manage(inner: Weak<Inner>) {
    let Some(i) = inner.upgrade() else { return };
    let mut shutdown = i.shutdown.subscribe();
    drop(i);
    let seed = {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        t.as_nanos() as u64 ^ (&shutdown as *const _ as u64)
    };
    loop {
        // IDLE: wait for a call to ask.
        {
            let Some(i) = inner.upgrade() else { return };
            let wake = Arc::clone(&i.wake);
            drop(i);
            let woken = wake.notified();
            tokio::pin!(woken);
            tokio::select! {
                _ = &mut woken => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
        let mut backoff = BackoffState::new(
            match inner.upgrade() {
                Some(i) => i.config.backoff,
                None => return,
            },
            seed,
        );
        let mut delay = backoff.first_delay();
        let (client, conn) = loop {
            let Some(i) = inner.upgrade() else { return };
            set_state(&i, ConnectivityState::Connecting, None, None);
            let attempt_deadline = Instant::now() + delay;
            let timeout = backoff.connect_timeout(delay);
            let r = tokio::time::timeout(timeout, connect_once(&i)).await;
            let err = match r {
                Ok(Ok(io)) => break driver::client(io, i.config.h2.clone()),
                Ok(Err(e)) => e,
                Err(_) => io::Error::new(io::ErrorKind::TimedOut, "connect timed out"),
            };
            set_state(
                &i,
                ConnectivityState::TransientFailure,
                None,
                Some(Status::new(
                    Code::UNAVAILABLE,
                    format!("connect failed: {err}"),
                )),
            );
            drop(i);
            tokio::select! {
                _ = tokio::time::sleep_until(attempt_deadline.into()) => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
            delay = backoff.next_delay();
        };
        let mut conn = tokio::spawn(conn);
        {
            let Some(i) = inner.upgrade() else {
                client.shutdown();
                return;
            };
            set_state(&i, ConnectivityState::Ready, Some(client.clone()), None);
            let generation = i.state.borrow().generation;
            let mut state_rx = i.state.subscribe();
            drop(i);
            let retired = state_rx.wait_for(|s| s.generation != generation || s.client.is_none());
            tokio::pin!(retired);
            tokio::select! {
                _ = &mut conn => {}
                _ = &mut retired => {
                    // A call retired the connection (it refused a stream): it finishes its
                    // calls alone.
                    client.shutdown();
                }
                _ = shutdown.wait_for(|s| *s) => {
                    client.shutdown();
                    return;
                }
            }
        }
        let Some(i) = inner.upgrade() else { return };
        if *i.shutdown.borrow() {
            return;
        }
        // connectivity-semantics: a READY connection that closes goes back to IDLE.
        set_state(&i, ConnectivityState::Idle, None, None);
    }
}

fn set_state(i: &Inner, state: ConnectivityState, client: Option<H2Client>, error: Option<Status>) {
    i.state.send_modify(|s| {
        if s.state == ConnectivityState::Shutdown {
            return;
        }
        s.state = state;
        if client.is_some() {
            s.generation += 1;
        }
        s.client = client;
        s.error = error;
    });
}

/// One pick-first pass over the resolved addresses.
async fn connect_once(i: &Inner) -> io::Result<BoxIo> {
    let addrs = i.resolver.resolve().await?;
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no addresses resolved");
    for a in addrs {
        let authority = String::from_utf8_lossy(&i.config.authority);
        match i.connector.connect(a, &authority).await {
            Ok(io) => return Ok(io),
            Err(e) => last = e,
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_follows_the_spec() {
        let mut b = BackoffState::new(Backoff::default(), 42);
        assert_eq!(b.first_delay(), Duration::from_secs(1));
        assert_eq!(
            b.connect_timeout(Duration::from_secs(1)),
            Duration::from_secs(20)
        );
        let mut expected = 1.0f64;
        for _ in 0..30 {
            expected = (expected * 1.6).min(120.0);
            let d = b.next_delay().as_secs_f64();
            assert!(
                d >= expected * 0.8 - 1e-9 && d <= expected * 1.2 + 1e-9,
                "{d} vs {expected}"
            );
        }
        assert_eq!(
            b.connect_timeout(Duration::from_secs(130)),
            Duration::from_secs(130)
        );
    }

    #[test]
    fn targets() {
        assert_eq!(
            parse_target("http://localhost:1/"),
            ("localhost:1".to_owned(), "http")
        );
        assert_eq!(parse_target("[::1]:5"), ("[::1]:5".to_owned(), "http"));
    }
}
