//! The server: [`Server`] routes calls by `:path` to registered [`Service`]s over HTTP/2
//! connections.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use courier_h2::driver::{self, Incoming, SendStream};
use courier_h2::{PingPolicy, Reason};
use courier_hpack::HeaderField;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::Service;
use crate::body::{MessageReader, ReadEnd, send_framed, unfold};
use crate::call::BoxFuture;
use crate::call::{ByteStream, MethodDescriptor, Request, Response};
use crate::channelz::ServerNode;
use crate::client::BoxIo;
use crate::code::Code;
use crate::codec::{DEFAULT_MAX_RECV_MESSAGE_SIZE, Encoding, declared_too_large, frame_message};
use crate::context::ConnectionInfo;
use crate::context::{CallContext, CancelToken};
use crate::extensions::Extensions;
use crate::headers::{find, is_grpc_content_type, metadata_from, push_metadata, push_status};
use crate::interceptor::{self, InterceptedCall, Interceptor};
use crate::metadata::Metadata;
use crate::observe::{self, Observe, Observer, ServerObserve, ServerTelemetry, Unobserved};
use crate::protocol::{Side, parse_timeout, stream_failure_status};
use crate::status::Status;
use crate::web::h1::{Rewind, Wire, sniff_io, sniff_tcp};
use crate::web::serve::Env;
use crate::web::{self, Cors, HttpService, MethodSchema, SchemaSource, TransportInfo, WebConfig};

/// Server settings (see the [`ServerBuilder`] methods).
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) max_recv_message_size: usize,
    pub(crate) max_send_message_size: usize,
    pub(crate) compression: Encoding,
    pub(crate) compression_threshold: usize,
    max_concurrent_calls: Option<usize>,
    max_connection_idle: Option<Duration>,
    max_connection_age: Option<Duration>,
    max_connection_age_grace: Duration,
    shutdown_grace: Duration,
    pub(crate) cancel_grace: Duration,
    h2: courier_h2::Config,
    keepalive: Keepalive,
    pub(crate) interceptors: Vec<Arc<dyn Interceptor>>,
    /// gRPC-Web, Connect, HTTP/1.1, CORS, the fallback.
    pub(crate) web: WebConfig,
    /// Observers and message events ([`observe`]).
    pub(crate) observe: Observe,
}

/// The server's side of gRPC keepalive (keepalive.md, gRFC A8): its own pings, and how often
/// clients may ping it.
#[derive(Clone)]
struct Keepalive {
    /// `GRPC_ARG_KEEPALIVE_TIME_MS`: ping a connection with calls open after this long
    /// without reading anything (gRPC's server default: 2 hours).
    time: Option<Duration>,
    /// `GRPC_ARG_KEEPALIVE_TIMEOUT_MS`: close the connection when the ping's ACK is this late.
    timeout: Duration,
    /// Server enforcement: `PERMIT_KEEPALIVE_TIME`, `PERMIT_KEEPALIVE_WITHOUT_CALLS`,
    /// `MAX_PING_STRIKES`.
    policy: PingPolicy,
}

impl Default for Keepalive {
    fn default() -> Keepalive {
        Keepalive {
            time: Some(Duration::from_secs(2 * 60 * 60)),
            timeout: Duration::from_secs(20),
            policy: PingPolicy::default(),
        }
    }
}

impl Keepalive {
    /// Writes these settings into the HTTP/2 configuration of accepted connections.
    fn apply(&self, h2: &mut courier_h2::Config) {
        h2.keepalive_interval = self.time;
        h2.keepalive_timeout = self.timeout;
        // keepalive.md: GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS defaults to false for servers.
        h2.keepalive_while_idle = false;
        h2.ping_policy = Some(self.policy.clone());
    }
}

/// Turns an accepted TCP connection into the byte stream HTTP/2 runs on, and says what to
/// attach to the connection: a TLS handshake that yields the peer's verified identity, for
/// example. The default is plain TCP with nothing attached.
///
/// The server runs each accept on the connection's own task, so a slow handshake holds up no
/// other connection; an error closes that connection only (the server logs it with `tracing`
/// at WARN and keeps serving).
pub trait Acceptor: Send + Sync + 'static {
    /// Prepares the connection from `peer`.
    fn accept(
        &self,
        tcp: TcpStream,
        peer: SocketAddr,
    ) -> BoxFuture<'static, io::Result<(BoxIo, Extensions)>>;
}

/// Builds a [`Server`].
pub struct ServerBuilder {
    config: Config,
    /// Set by [`busy_poll`](Self::busy_poll); written into `config.h2` at build.
    busy_poll: Option<Duration>,
    services: HashMap<&'static str, Arc<dyn Service>>,
    acceptor: Option<Arc<dyn Acceptor>>,
    schema_sources: Vec<Arc<dyn SchemaSource>>,
    /// What wraps every service at build (tower layers, `crate::tower`), the first added
    /// outermost.
    wraps: Vec<ServiceWrap>,
}

/// Wraps a service in another (a tower layer's adapter, `crate::tower`).
type ServiceWrap = Arc<dyn Fn(Arc<dyn Service>) -> Arc<dyn Service> + Send + Sync>;

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("services", &self.services.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl ServerBuilder {
    /// Serves `service` (a generated `*Server` adapter) under its name.
    pub fn add_service(mut self, service: impl Service) -> Self {
        self.services.insert(service.name(), Arc::new(service));
        self
    }

    /// Serves a shared service.
    pub fn add_shared_service(mut self, service: Arc<dyn Service>) -> Self {
        self.services.insert(service.name(), service);
        self
    }

    /// Wraps every service (those added before and after) in what `wrap` makes of it, at
    /// [`build`](Self::build); the first wrapper added is the outermost.
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    pub(crate) fn wrap_services(
        mut self,
        wrap: impl Fn(Arc<dyn Service>) -> Arc<dyn Service> + Send + Sync + 'static,
    ) -> Self {
        self.wraps.push(Arc::new(wrap));
        self
    }

    /// Largest request message accepted (default 4 MiB); larger ones fail the call with
    /// RESOURCE_EXHAUSTED, as soon as their 5-octet prefix declares the length. On a unary or
    /// server-streaming method (by the service's [`MethodDescriptor`](crate::MethodDescriptor)s)
    /// a first message whose prefix arrived with the request headers is refused before the
    /// call starts: no task, interceptor, tower layer or concurrency permit for it (observers
    /// still see the call end RESOURCE_EXHAUSTED); a client-streaming handler meets the
    /// refusal as it reads.
    pub fn max_recv_message_size(mut self, bytes: usize) -> Self {
        self.config.max_recv_message_size = bytes;
        self
    }

    /// Largest response message sent (default unlimited); larger ones fail the call with
    /// RESOURCE_EXHAUSTED.
    pub fn max_send_message_size(mut self, bytes: usize) -> Self {
        self.config.max_send_message_size = bytes;
        self
    }

    /// Compress responses with `encoding` when the client accepts it (default identity).
    pub fn compression(mut self, encoding: Encoding) -> Self {
        self.config.compression = encoding;
        self
    }

    /// Messages shorter than this are sent uncompressed on compressed calls (default 0).
    pub fn compression_threshold(mut self, bytes: usize) -> Self {
        self.config.compression_threshold = bytes;
        self
    }

    /// Calls handled at once across all connections (default unlimited); further calls wait
    /// for a slot. Per connection, HTTP/2's SETTINGS_MAX_CONCURRENT_STREAMS also applies (see
    /// [`http2_config`](Self::http2_config), default 100).
    pub fn max_concurrent_calls(mut self, n: usize) -> Self {
        self.config.max_concurrent_calls = Some(n);
        self
    }

    /// Close connections that had no call for this long (graceful GOAWAY). Default: never.
    pub fn max_connection_idle(mut self, d: Duration) -> Self {
        self.config.max_connection_idle = Some(d);
        self
    }

    /// Close connections older than this (graceful GOAWAY), giving their calls `grace` to
    /// finish. Default: never.
    pub fn max_connection_age(mut self, age: Duration, grace: Duration) -> Self {
        self.config.max_connection_age = Some(age);
        self.config.max_connection_age_grace = grace;
        self
    }

    /// How long calls in flight may run after a graceful shutdown starts (default 10 s).
    pub fn shutdown_grace(mut self, d: Duration) -> Self {
        self.config.shutdown_grace = d;
        self
    }

    /// Ping a connection that has calls open after `time` without reading anything from it,
    /// and close it if the ping is not acknowledged within
    /// [`keepalive_timeout`](Self::keepalive_timeout) (keepalive.md). Default 2 hours, as
    /// gRPC servers; `None` turns the server's pings off.
    pub fn keepalive_time(mut self, time: Option<Duration>) -> Self {
        self.config.keepalive.time = time;
        self
    }

    /// How long a keepalive ping may wait for its acknowledgment (default 20 s).
    pub fn keepalive_timeout(mut self, timeout: Duration) -> Self {
        self.config.keepalive.timeout = timeout;
        self
    }

    /// The shortest interval at which clients may ping (keepalive.md, "Server Enforcement":
    /// `PERMIT_KEEPALIVE_TIME`, default 5 minutes). A ping sooner than that is a strike; more
    /// than [`max_ping_strikes`](Self::max_ping_strikes) strikes close the connection with
    /// GOAWAY ENHANCE_YOUR_CALM and debug data `too_many_pings`.
    pub fn permit_keepalive_time(mut self, interval: Duration) -> Self {
        self.config.keepalive.policy.min_ping_interval = interval;
        self
    }

    /// Whether clients may ping while they have no call open (`PERMIT_KEEPALIVE_WITHOUT_CALLS`,
    /// default `false`: such pings are strikes unless two hours apart).
    pub fn permit_keepalive_without_calls(mut self, permit: bool) -> Self {
        self.config.keepalive.policy.permit_pings_without_streams = permit;
        self
    }

    /// Bad pings tolerated before the connection is closed (default 2; 0 accepts any number).
    pub fn max_ping_strikes(mut self, strikes: u32) -> Self {
        self.config.keepalive.policy.max_ping_strikes = strikes;
        self
    }

    /// How long a handler may keep running after its call was cancelled (client reset,
    /// deadline, shutdown) before it is dropped (default 100 ms). It learns of the
    /// cancellation from [`CallContext::cancelled`] and from its request stream (CANCELLED);
    /// what it returns then is not sent.
    pub fn cancel_grace(mut self, grace: Duration) -> Self {
        self.config.cancel_grace = grace;
        self
    }

    /// HTTP/2 settings and limits of accepted connections. The keepalive settings of this
    /// builder ([`keepalive_time`](Self::keepalive_time) and the ones after it) replace the
    /// corresponding fields of `config`.
    pub fn http2_config(mut self, config: courier_h2::Config) -> Self {
        self.config.h2 = config;
        self
    }

    /// Busy polling ([`courier_h2::Config::busy_poll`], which says when it pays): for this
    /// long after a connection last made progress, its task keeps polling the socket instead
    /// of letting its thread sleep. Cuts the latency of calls that come back to back where idle
    /// cores are slow to wake (virtual machines), at the cost of a busy core while they last.
    /// Default off; set here, it wins over [`http2_config`](Self::http2_config).
    pub fn busy_poll(mut self, window: Duration) -> Self {
        self.busy_poll = Some(window);
        self
    }

    /// Adds an interceptor; they run in the order added, before each handler. Calls refused
    /// before they start (a malformed path, an unknown service, an unsupported
    /// `grpc-encoding`, a first message over
    /// [`max_recv_message_size`](Self::max_recv_message_size)) do not reach them.
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.config.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Adds an [`Observer`] of every call (metrics, trace context; see [`observe`]). Several
    /// may be added; each hears every call.
    pub fn observer(mut self, observer: impl Observer) -> Self {
        self.config.observe.observers.push(Arc::new(observer));
        self
    }

    /// Adds a shared [`Observer`].
    pub fn observer_shared(mut self, observer: Arc<dyn Observer>) -> Self {
        self.config.observe.observers.push(observer);
        self
    }

    /// Records a message event (gRFC A72 `Outbound message`, `Inbound message`) in each call's
    /// span for every message (default off; see [`observe`]).
    pub fn message_events(mut self, enabled: bool) -> Self {
        self.config.observe.message_events = enabled;
        self
    }

    /// Keeps channelz data for this server, its listen sockets and its HTTP/2 connections,
    /// and registers them with the process's channelz registry while the server lives
    /// (default off; see [`channelz`](crate::channelz)). Off, a call pays one branch for it.
    pub fn channelz(mut self, enabled: bool) -> Self {
        self.config.observe.channelz = enabled;
        self
    }

    /// How accepted TCP connections are prepared (TLS, for one); default plain TCP.
    pub fn acceptor(mut self, acceptor: impl Acceptor) -> Self {
        self.acceptor = Some(Arc::new(acceptor));
        self
    }

    /// Whether gRPC-Web calls are served (default `true`; see [`web`](crate::web)).
    pub fn grpc_web(mut self, enabled: bool) -> Self {
        self.config.web.grpc_web = enabled;
        self
    }

    /// Whether Connect calls are served (default `true`; see [`web`](crate::web)).
    pub fn connect(mut self, enabled: bool) -> Self {
        self.config.web.connect = enabled;
        self
    }

    /// Whether connections may speak HTTP/1.1 (default `true`), for gRPC-Web, Connect and the
    /// [`fallback`](Self::fallback). Off, every connection is HTTP/2 and its first octets are
    /// not looked at.
    pub fn http1(mut self, enabled: bool) -> Self {
        self.config.web.http1 = enabled;
        self
    }

    /// HTTP/1.1 limits and timeouts of connections that speak it (header sizes, idle and
    /// header-read timeouts, ...). Its idle timeout also bounds how long a new connection may
    /// stay silent before its protocol is known.
    pub fn http1_config(mut self, config: courier_http1::Config) -> Self {
        self.config.web.http1_config = config;
        self
    }

    /// Lets pages from other origins call the server ([`Cors`]). Default: none may.
    pub fn cors(mut self, cors: Cors) -> Self {
        self.config.web.cors = Some(cors);
        self
    }

    /// Whether Connect requests must say `Connect-Protocol-Version: 1` (GET: `connect=v1`);
    /// those without are answered 400 (default `false`: accepted).
    pub fn require_connect_protocol_version(mut self, required: bool) -> Self {
        self.config.web.require_connect_version = required;
        self
    }

    /// Where the JSON codecs and side effects of methods come from when their services do
    /// not say ([`Service::method_schema`]; generated services say what their code knows);
    /// the first source that knows a method is asked, in the order added. See
    /// [`web::schema`](crate::web::schema).
    pub fn schema_source(mut self, source: impl SchemaSource) -> Self {
        self.schema_sources.push(Arc::new(source));
        self
    }

    /// Answers the plain HTTP requests that are not RPCs (default: 404).
    pub fn fallback(mut self, service: impl HttpService) -> Self {
        self.config.web.fallback = Some(web::Fallback::Whole(Arc::new(service)));
        self
    }

    /// Answers the plain HTTP requests that are not RPCs with contents streamed both ways.
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    pub(crate) fn streaming_fallback(
        mut self,
        service: Arc<dyn web::StreamingHttpService>,
    ) -> Self {
        self.config.web.fallback = Some(web::Fallback::Streaming(service));
        self
    }

    /// The server.
    pub fn build(mut self) -> Server {
        let keepalive = self.config.keepalive.clone();
        keepalive.apply(&mut self.config.h2);
        if let Some(b) = self.busy_poll {
            self.config.h2.busy_poll = b;
        }
        for wrap in self.wraps.iter().rev() {
            for svc in self.services.values_mut() {
                *svc = wrap(Arc::clone(svc));
            }
        }
        let limit = self
            .config
            .max_concurrent_calls
            .map(|n| Arc::new(Semaphore::new(n)));
        let mut web_methods = HashMap::new();
        for svc in self.services.values() {
            for desc in svc.methods() {
                // The service's own schema first; what it leaves open (no JSON codec, say,
                // when its messages were generated without ProtoJSON) from the sources.
                let own = svc.method_schema(desc).unwrap_or_default();
                let source = self
                    .schema_sources
                    .iter()
                    .find_map(|s| s.method_schema(desc));
                let schema = own.or(source.unwrap_or_default());
                web_methods.insert(
                    desc.path.as_bytes(),
                    WebMethod {
                        service: Arc::clone(svc),
                        desc,
                        schema,
                    },
                );
            }
        }
        let channelz = self.config.observe.channelz.then(ServerNode::register);
        Server {
            shared: Arc::new(Shared {
                services: self.services,
                config: self.config,
                limit,
                acceptor: self.acceptor,
                web_methods,
                channelz,
            }),
        }
    }
}

pub(crate) struct Shared {
    services: HashMap<&'static str, Arc<dyn Service>>,
    pub(crate) config: Config,
    pub(crate) limit: Option<Arc<Semaphore>>,
    acceptor: Option<Arc<dyn Acceptor>>,
    /// Every method served, by path, for the web protocols (which need its kind and schema).
    pub(crate) web_methods: HashMap<&'static [u8], WebMethod>,
    /// The server's channelz node, when channelz is on.
    channelz: Option<Arc<ServerNode>>,
}

/// A method as the web protocols route to it.
pub(crate) struct WebMethod {
    pub(crate) service: Arc<dyn Service>,
    pub(crate) desc: &'static MethodDescriptor,
    pub(crate) schema: MethodSchema,
}

/// A gRPC server: a router from `:path` to services, and the settings its connections use.
/// Cloning is cheap.
///
/// ```no_run
/// # async fn f(svc: impl courier_rpc::Service) -> std::io::Result<()> {
/// use courier_rpc::Server;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:50051").await?;
/// Server::builder().add_service(svc).build().serve(listener).await
/// # }
/// ```
#[derive(Clone)]
pub struct Server {
    shared: Arc<Shared>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("services", &self.shared.services.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A builder with default settings and no services.
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            config: Config {
                max_recv_message_size: DEFAULT_MAX_RECV_MESSAGE_SIZE,
                max_send_message_size: usize::MAX,
                compression: Encoding::Identity,
                compression_threshold: 0,
                max_concurrent_calls: None,
                max_connection_idle: None,
                max_connection_age: None,
                max_connection_age_grace: Duration::from_secs(10),
                shutdown_grace: Duration::from_secs(10),
                cancel_grace: Duration::from_millis(100),
                h2: courier_h2::Config::default(),
                keepalive: Keepalive::default(),
                interceptors: Vec::new(),
                web: WebConfig::default(),
                observe: Observe::default(),
            },
            busy_poll: None,
            services: HashMap::new(),
            acceptor: None,
            schema_sources: Vec::new(),
            wraps: Vec::new(),
        }
    }

    /// The names of the services served.
    pub fn service_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.shared.services.keys().copied()
    }

    /// Accepts connections on `listener` and serves them until an accept error.
    pub async fn serve(self, listener: TcpListener) -> io::Result<()> {
        self.serve_with_shutdown(listener, std::future::pending())
            .await
    }

    /// Serves until `signal` resolves, then shuts down gracefully: no new connections, each
    /// connection gets the two-step GOAWAY (new calls refused), calls in flight get the
    /// shutdown grace period to finish, then everything still open is closed.
    pub async fn serve_with_shutdown(
        self,
        listener: TcpListener,
        signal: impl Future<Output = ()>,
    ) -> io::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut conns = JoinSet::new();
        tokio::pin!(signal);
        // Registered while the server listens.
        let _listen_socket = self
            .shared
            .channelz
            .as_ref()
            .map(|s| s.listen_socket(listener.local_addr().ok()));
        let result = loop {
            tokio::select! {
                _ = &mut signal => break Ok(()),
                r = listener.accept() => match r {
                    Ok((io, peer)) => {
                        let _ = io.set_nodelay(true);
                        conns.spawn(self.clone().accept_and_serve(io, peer, stop_rx.clone()));
                    }
                    Err(e) if is_transient_accept_error(&e) => {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    Err(e) => break Err(e),
                },
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
            }
        };
        drop(listener);
        stop_tx.send_replace(true);
        let grace = self.shared.config.shutdown_grace;
        let drain = async { while conns.join_next().await.is_some() {} };
        // Each connection ends its calls at `grace` and then gives its driver up to
        // FINAL_FRAMES to write what is left; aborting a connection's task aborts its driver.
        if tokio::time::timeout(grace + FINAL_FRAMES + Duration::from_millis(100), drain)
            .await
            .is_err()
        {
            conns.abort_all();
        }
        result
    }

    /// Serves one connection (any byte stream: a TLS stream, an in-memory pipe) until it
    /// closes. Dropping the future (aborting its task, say) closes the connection at once and
    /// ends its calls.
    pub async fn serve_connection<T>(&self, io: T, peer: Option<SocketAddr>)
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        self.serve_connection_with(io, peer, Extensions::new())
            .await
    }

    /// Serves one connection like [`serve_connection`](Server::serve_connection), with
    /// `extensions` attached for its calls' handlers and interceptors to read (a
    /// [`TransportInfo`] among them says which protocol TLS negotiated).
    pub async fn serve_connection_with<T>(
        &self,
        io: T,
        peer: Option<SocketAddr>,
        extensions: Extensions,
    ) where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let (_tx, rx) = watch::channel(false);
        let info = ConnectionInfo {
            peer,
            extensions: Arc::new(extensions),
            local: None,
            channelz: None,
        };
        self.clone().serve_any(io, info, rx).await
    }

    /// Serves one connection like [`serve_connection_with`](Server::serve_connection_with)
    /// until `drain` resolves, then drains it gracefully: the two-step GOAWAY (new calls
    /// refused), calls in flight get the shutdown grace period. For servers that retire
    /// connections one by one (an xDS server whose listener configuration changed).
    pub async fn serve_connection_until<T>(
        &self,
        io: T,
        peer: Option<SocketAddr>,
        extensions: Extensions,
        drain: impl Future<Output = ()>,
    ) where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let (tx, rx) = watch::channel(false);
        let info = ConnectionInfo {
            peer,
            extensions: Arc::new(extensions),
            local: None,
            channelz: None,
        };
        let serve = self.clone().serve_connection_inner(io, info, rx);
        tokio::pin!(serve);
        tokio::pin!(drain);
        let mut draining = false;
        loop {
            tokio::select! {
                _ = &mut serve => return,
                _ = &mut drain, if !draining => {
                    draining = true;
                    tx.send_replace(true);
                }
            }
        }
    }

    /// Runs the acceptor (if any) on a new TCP connection, then serves it. The connection's
    /// task holds this future for the connection's life, sized for its largest path: the paths
    /// other than plain HTTP/2 (HTTP/1.1, an acceptor's) are boxed where they start, so that
    /// an HTTP/2 connection over TCP does not carry their state (2,064 octets in all when they
    /// were inline, against some 700 for HTTP/2's own).
    async fn accept_and_serve(self, tcp: TcpStream, peer: SocketAddr, stop: watch::Receiver<bool>) {
        let local = tcp.local_addr().ok();
        let Some(acceptor) = self.shared.acceptor.clone() else {
            let info = ConnectionInfo {
                peer: Some(peer),
                extensions: Arc::default(),
                local,
                channelz: None,
            };
            if self.shared.config.web.http1 {
                // Plain TCP: peek at the client's first octets, so that either protocol then
                // reads the socket itself.
                let wait = self.shared.config.web.http1_config.idle_timeout;
                match within(wait, sniff_tcp(&tcp)).await {
                    Some(Ok(Some(Wire::Http1))) => {
                        return Box::pin(self.serve_http1(tcp, info, stop)).await;
                    }
                    Some(Ok(Some(Wire::Http2))) => {}
                    // Closed, failed or silent before saying anything.
                    _ => return,
                }
            }
            return self.serve_connection_inner(tcp, info, stop).await;
        };
        Box::pin(async move {
            match acceptor.accept(tcp, peer).await {
                Ok((io, extensions)) => {
                    let info = ConnectionInfo {
                        peer: Some(peer),
                        extensions: Arc::new(extensions),
                        local,
                        channelz: None,
                    };
                    self.serve_any(io, info, stop).await
                }
                Err(e) => tracing::warn!(%peer, error = %e, "connection refused by the acceptor"),
            }
        })
        .await
    }

    /// Serves a prepared connection in the protocol it speaks: the one TLS negotiated
    /// ([`TransportInfo`]), else HTTP/2 if HTTP/1.1 is off, else the one its first octets
    /// say.
    async fn serve_any<T>(self, mut io: T, info: ConnectionInfo, stop: watch::Receiver<bool>)
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let http1 = self.shared.config.web.http1;
        let alpn = info
            .extensions
            .get::<TransportInfo>()
            .and_then(|t| t.alpn().cloned());
        match alpn.as_deref() {
            // RFC 9113 §3.2: "HTTP/2 over TLS uses the "h2" protocol identifier."
            Some(b"h2") => return self.serve_connection_inner(io, info, stop).await,
            Some(b"http/1.1") if http1 => return self.serve_http1(io, info, stop).await,
            Some(b"http/1.1") => return,
            _ if !http1 => return self.serve_connection_inner(io, info, stop).await,
            _ => {}
        }
        let wait = self.shared.config.web.http1_config.idle_timeout;
        match within(wait, sniff_io(&mut io)).await {
            Some(Ok(Some((Wire::Http1, first)))) => {
                self.serve_http1(Rewind::new(first, io), info, stop).await
            }
            Some(Ok(Some((Wire::Http2, first)))) => {
                self.serve_connection_inner(Rewind::new(first, io), info, stop)
                    .await
            }
            _ => {}
        }
    }

    /// Serves an HTTP/1.1 connection: gRPC-Web, Connect and the fallback.
    async fn serve_http1<T>(self, io: T, info: ConnectionInfo, stop: watch::Receiver<bool>)
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let grace = self.shared.config.shutdown_grace;
        let env = Env {
            shared: Arc::clone(&self.shared),
            connection: Arc::new(info),
            cancel_all: CancelToken::new(),
        };
        web::h1::serve_connection(env, io, stop, grace).await
    }

    async fn serve_connection_inner<T>(
        self,
        io: T,
        mut info: ConnectionInfo,
        mut stop: watch::Receiver<bool>,
    ) where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let cfg = &self.shared.config;
        if let Some(server) = &self.shared.channelz {
            info.channelz = Some(server.connection(info.local, info.peer));
        }
        let info = Arc::new(info);
        let cancel_all = CancelToken::new();
        let born = Instant::now();
        // The driver spawns each call's handler as it reads the request: no task of this
        // connection is woken per call besides the driver and the handler. `calls` counts
        // them and keeps them, to abort after a drain's grace period.
        let calls = Arc::new(Calls {
            set: std::sync::Mutex::new(Some(JoinSet::new())),
            active: AtomicUsize::new(0),
            last_end: std::sync::Mutex::new(born),
        });
        let on_request = {
            let shared = Arc::clone(&self.shared);
            let calls = Arc::clone(&calls);
            let cancel_all = cancel_all.clone();
            let info = Arc::clone(&info);
            move |inc: Incoming| {
                if !is_grpc(&inc) {
                    let call = web_call(&shared, inc, &info, &cancel_all);
                    return Calls::spawn(&calls, call);
                }
                // Boxed where it is made (in start_call): the task then moves a pointer, not
                // the call's whole state (copied by each move inside the spawn).
                let call = start_call(
                    Arc::clone(&shared),
                    inc,
                    Arc::clone(&info),
                    cancel_all.clone(),
                );
                if let Some(call) = call {
                    Calls::spawn(&calls, call);
                }
            }
        };
        let (server, conn) = driver::server_with(io, cfg.h2.clone(), on_request);
        if let Some(socket) = &info.channelz {
            socket.set_stats(server.stats_handle());
        }
        let mut tasks = ConnectionTasks {
            driver: tokio::spawn(conn),
            calls: Arc::clone(&calls),
            cancel_all: cancel_all.clone(),
        };
        let mut draining: Option<Instant> = None;
        loop {
            // The next timer: idle check, age, or the end of a drain's grace period.
            let mut wake: Option<Instant> = None;
            if let (Some(idle), None) = (cfg.max_connection_idle, draining) {
                // Calls in progress: look again an idle period later.
                wake = Some(calls.idle_since().unwrap_or_else(Instant::now) + idle);
            }
            if let (Some(age), None) = (cfg.max_connection_age, draining) {
                let t = born + age;
                wake = Some(wake.map_or(t, |w| w.min(t)));
            }
            if let Some(d) = draining {
                wake = Some(wake.map_or(d, |w| w.min(d)));
            }
            let sleep = async {
                match wake {
                    Some(t) => tokio::time::sleep_until(t.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = stop.wait_for(|s| *s), if draining.is_none() => {
                    // Graceful shutdown: GOAWAY twice (courier-h2's two-step drain), calls
                    // in flight have the grace period.
                    server.shutdown();
                    draining = Some(Instant::now() + cfg.shutdown_grace);
                }
                _ = sleep => {
                    let now = Instant::now();
                    if draining.is_some_and(|d| now >= d) {
                        break;
                    }
                    let idle = cfg.max_connection_idle.is_some_and(|i| {
                        calls.idle_since().is_some_and(|since| now >= since + i)
                    });
                    let old = cfg.max_connection_age.is_some_and(|a| now >= born + a);
                    if draining.is_none() && (idle || old) {
                        server.shutdown();
                        let grace = if old { cfg.max_connection_age_grace } else { Duration::ZERO };
                        draining = Some(now + grace);
                    }
                }
                _ = &mut tasks.driver => break,
            }
        }
        // No more calls start; those still running after the grace period (or on a closed
        // connection) end.
        let set = calls.set.lock().ok().and_then(|mut s| s.take());
        cancel_all.cancel();
        if let Some(mut set) = set {
            if draining.is_some() {
                set.abort_all();
            }
            while set.join_next().await.is_some() {}
        }
        if !tasks.driver.is_finished() {
            // Give the driver a moment to write the final frames, then close.
            let _ = tokio::time::timeout(FINAL_FRAMES, &mut tasks.driver).await;
        }
    }
}

/// How long a connection whose calls have ended waits for its driver to write the last frames
/// (trailers, RST_STREAM, GOAWAY) before closing it.
const FINAL_FRAMES: Duration = Duration::from_secs(1);

/// The tasks one connection runs besides the future serving it: its driver and its calls.
/// Dropped — when that future ends, or is itself dropped (its task aborted, say) — it ends them:
/// the calls are cancelled (each handler sees it and has its cancel grace to wind down; their
/// tasks are detached, not aborted, so that it can) and the driver is aborted, which closes the
/// connection. After a normal end all of this has happened already and only the driver's abort
/// remains.
struct ConnectionTasks {
    driver: tokio::task::JoinHandle<Result<(), driver::Error>>,
    calls: Arc<Calls>,
    cancel_all: CancelToken,
}

impl Drop for ConnectionTasks {
    fn drop(&mut self) {
        self.cancel_all.cancel();
        if let Some(mut set) = self.calls.set.lock().ok().and_then(|mut s| s.take()) {
            set.detach_all();
        }
        self.driver.abort();
    }
}

/// The calls of one connection.
struct Calls {
    /// Their tasks; `None` once the connection stopped taking calls.
    set: std::sync::Mutex<Option<JoinSet<()>>>,
    /// How many are running.
    active: AtomicUsize,
    /// When the last one ended (or the connection began).
    last_end: std::sync::Mutex<Instant>,
}

impl Calls {
    /// Runs `call` in a task of its own (from the driver's task, as the request arrives).
    fn spawn(calls: &Arc<Calls>, call: BoxFuture<'static, ()>) {
        let Ok(mut set) = calls.set.lock() else {
            return;
        };
        // The connection stopped taking calls: the request is dropped with its stream.
        let Some(set) = set.as_mut() else {
            return;
        };
        // Finished calls leave the set here, not through a task waiting for them.
        while set.try_join_next().is_some() {}
        calls.active.fetch_add(1, Ordering::Relaxed);
        let end = CallEnd(Arc::clone(calls));
        set.spawn(async move {
            let _end = end;
            call.await;
        });
    }

    /// Since when no call has been running; `None` while one is.
    fn idle_since(&self) -> Option<Instant> {
        if self.active.load(Ordering::Acquire) > 0 {
            return None;
        }
        self.last_end.lock().ok().map(|t| *t)
    }
}

/// Counts a call's end, however it ends (completed, aborted, or panicked).
struct CallEnd(Arc<Calls>);

impl Drop for CallEnd {
    fn drop(&mut self) {
        if let Ok(mut t) = self.0.last_end.lock() {
            *t = Instant::now();
        }
        self.0.active.fetch_sub(1, Ordering::Release);
    }
}

/// `fut`, within `limit` if there is one; `None` when it took longer.
async fn within<T>(limit: Option<Duration>, fut: impl Future<Output = T>) -> Option<T> {
    match limit {
        Some(d) => tokio::time::timeout(d, fut).await.ok(),
        None => Some(fut.await),
    }
}

fn is_transient_accept_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    ) || e.raw_os_error() == Some(24) // EMFILE: wait for descriptors to free up
}

fn response_head(encoding: Encoding) -> Vec<HeaderField> {
    let mut h = Vec::with_capacity(6);
    h.push(HeaderField::new(":status", "200"));
    h.push(HeaderField::new("content-type", "application/grpc"));
    if encoding != Encoding::Identity {
        h.push(HeaderField::new("grpc-encoding", encoding.as_str()));
    }
    h.push(HeaderField::new("grpc-accept-encoding", Encoding::ACCEPT));
    h
}

/// Whether a client whose `grpc-accept-encoding` is `accept` takes response messages
/// compressed with `encoding` (identity always; others when listed).
pub(crate) fn accepts(accept: Option<&bytes::Bytes>, encoding: Encoding) -> bool {
    encoding == Encoding::Identity
        || accept.is_some_and(|a| {
            a.split(|&b| b == b',')
                .any(|t| t.trim_ascii() == encoding.as_str().as_bytes())
        })
}

/// Answers with Trailers-Only: "HTTP-Status Content-Type Trailers", one HEADERS frame with
/// END_STREAM carrying the status and `trailers`.
///
/// PROTOCOL-HTTP2, Responses: "Trailers-Only → HTTP-Status Content-Type Trailers",
/// "Response-Headers & Trailers-Only are each delivered in a single HTTP2 HEADERS frame block."
/// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#responses>
fn trailers_only(respond: &SendStream, status: &Status, trailers: Option<&Metadata>) {
    let mut h = response_head(Encoding::Identity);
    push_status(status, trailers, &mut h);
    if respond.send_headers(h, true).is_err() {
        // Refused by HTTP/2's field checks (a metadata value it does not allow): the client
        // must still learn that the call ended.
        respond.reset(Reason::INTERNAL_ERROR);
    }
}

/// Starts one call, from its request headers to its trailers:
///
/// 1. Here, in the connection's task as the request arrives: checks the request (path, service,
///    `grpc-encoding`; [`is_grpc`] checked the method and content type) and reads what the call needs from its
///    headers; a refusal is answered Trailers-Only at once and needs no task. Everything this
///    step reads and drops never takes room in the call's future, which waits in memory for as
///    long as the call is open.
/// 2. In the returned future (run as the call's task): [`run`] runs the interceptors, takes a
///    concurrency permit and runs the handler's future under [`guard`] (deadline,
///    cancellation, the client's reset); an error is answered Trailers-Only
///    ([`finish_early`]).
/// 3. [`send_response`] sends the response stream under [`guard`]: each message ready is framed and
///    sent; the response headers (with the encoding the handler chose) go out just before the
///    first message, or at once when the handler asked ([`Response::send_headers_early`]).
/// 4. It ends the call with its status (the stream's end, an error item, or what stopped the
///    guard): trailers after headers that went out; Trailers-Only when no header went out and
///    the response has no header metadata; otherwise the headers, then the trailers. Nothing
///    when the client reset the call.
fn start_call(
    shared: Arc<Shared>,
    inc: Incoming,
    connection: Arc<ConnectionInfo>,
    cancel_all: CancelToken,
) -> Option<BoxFuture<'static, ()>> {
    let Incoming {
        request,
        end_stream,
        body,
        respond,
        ..
    } = inc;
    let cfg = &shared.config;
    // The caller checked that this is gRPC (`is_grpc`).
    let path = request.pseudo.path.clone().unwrap_or_default();
    let (service, method) = match std::str::from_utf8(&path)
        .ok()
        .and_then(|p| p.strip_prefix('/'))
        .and_then(|p| p.split_once('/'))
    {
        Some(sm) => sm,
        None => {
            let s = Status::unimplemented(format!(
                "malformed path {:?}",
                String::from_utf8_lossy(&path)
            ));
            refuse(&shared, &connection, &respond, &path, &request.fields, &s);
            return None;
        }
    };
    let Some(svc) = shared.services.get(service).cloned() else {
        let s = Status::unimplemented(format!("unknown service {service}"));
        refuse(&shared, &connection, &respond, &path, &request.fields, &s);
        return None;
    };
    // compression.md: a message compressed with an encoding the server does not support
    // results in UNIMPLEMENTED, and the response's grpc-accept-encoding lists what it does.
    let req_encoding = match find(&request.fields, b"grpc-encoding") {
        None => Encoding::Identity,
        Some(e) => match Encoding::from_token(e) {
            Some(e) => e,
            None => {
                let s = Status::unimplemented(format!(
                    "grpc-encoding `{}` is not supported",
                    String::from_utf8_lossy(e)
                ));
                refuse(&shared, &connection, &respond, &path, &request.fields, &s);
                return None;
            }
        },
    };
    // Respond compressed only if the client accepts the server's encoding.
    let accept_encoding = find(&request.fields, b"grpc-accept-encoding").cloned();
    // PROTOCOL-HTTP2: "If Timeout is omitted a server should assume an infinite timeout."
    let deadline = find(&request.fields, b"grpc-timeout")
        .and_then(|t| parse_timeout(t))
        .map(|t| Instant::now() + t);
    let metadata = metadata_from(&request.fields);
    let method_len = method.len();
    // Observability: the call's span, and its observers. A call nothing watches (no observer,
    // no subscriber for the span) keeps no state for it.
    let span = observe::server_span(&path, connection.peer);
    let watched =
        !span.is_disabled() || !cfg.observe.observers.is_empty() || connection.channelz.is_some();
    let telemetry = watched.then(|| {
        let registered = svc.methods().iter().any(|m| m.method == method);
        let path = std::str::from_utf8(&path).unwrap_or_default();
        observe::name_server_method(&span, path, registered);
        ServerTelemetry::start(
            &cfg.observe,
            span.clone(),
            path,
            registered,
            &metadata,
            connection.peer,
            connection.channelz.as_ref(),
        )
    });
    // A method whose handler needs the whole first message (unary or server-streaming)
    // refuses one declared larger than the limit here, with the status the handler's read of
    // it would end with: no task, no interceptor, no concurrency permit, nothing buffered
    // (docs/security.md, oversized-message). Observers see the call as before: the method's,
    // ended RESOURCE_EXHAUSTED.
    if let Some(s) = declared_too_large(body.peek(), cfg.max_recv_message_size) {
        if needs_whole_first_message(&*svc, method) {
            if let Some(t) = telemetry {
                t.end(s.code());
            }
            trailers_only(&respond, &s, None);
            return None;
        }
    }
    // The interceptors see the request's authority.
    let authority = request.pseudo.authority.clone();
    drop(request);
    let mut reader =
        MessageReader::new(body, req_encoding, cfg.max_recv_message_size, Side::Server);
    if end_stream {
        reader.mark_ended();
    }
    let started = Started {
        svc,
        path,
        method_len,
        metadata,
        authority,
        reader,
        respond,
        accept_encoding,
        deadline,
        connection,
        cancel_all,
    };
    Some(match telemetry {
        None => Box::pin(serve_call(shared, started, Unobserved)),
        Some(t) => Box::pin(tracing::Instrument::instrument(
            serve_call(shared, started, t),
            span,
        )),
    })
}

/// Whether `method` of `svc` is one whose handler starts with the whole first request message
/// (unary or server-streaming), by its descriptor (a method without one: no).
#[cold]
fn needs_whole_first_message(svc: &dyn Service, method: &str) -> bool {
    svc.methods()
        .iter()
        .any(|m| m.method == method && !m.kind.client_streaming())
}

/// Answers a call refused before it starts (Trailers-Only with `status`); observers and
/// subscribers see it as a call of its own (gRFC A66 counts it, under the method `other`).
fn refuse(
    shared: &Shared,
    connection: &ConnectionInfo,
    respond: &SendStream,
    path: &[u8],
    fields: &[HeaderField],
    status: &Status,
) {
    let span = observe::server_span(path, connection.peer);
    if !span.is_disabled()
        || !shared.config.observe.observers.is_empty()
        || connection.channelz.is_some()
    {
        refused_call(shared, connection, span, path, fields, status.code());
    }
    trailers_only(respond, status, None);
}

/// A refused call, for its observers and span.
#[cold]
fn refused_call(
    shared: &Shared,
    connection: &ConnectionInfo,
    span: tracing::Span,
    path: &[u8],
    fields: &[HeaderField],
    code: Code,
) {
    let path = String::from_utf8_lossy(path);
    observe::name_server_method(&span, &path, false);
    let metadata = metadata_from(fields);
    let t = ServerTelemetry::start(
        &shared.config.observe,
        span,
        &path,
        false,
        &metadata,
        connection.peer,
        connection.channelz.as_ref(),
    );
    t.end(code);
}

/// An accepted call, on its way to its own task.
struct Started {
    svc: Arc<dyn Service>,
    path: Bytes,
    /// The length of the method's name at the end of `path`.
    method_len: usize,
    metadata: Metadata,
    authority: Option<Bytes>,
    reader: MessageReader,
    respond: SendStream,
    accept_encoding: Option<Bytes>,
    deadline: Option<Instant>,
    connection: Arc<ConnectionInfo>,
    cancel_all: CancelToken,
}

/// Steps 2 to 4 of [`start_call`], watched by `obs` (or by nothing: [`Unobserved`]).
fn serve_call<O: ServerObserve>(
    shared: Arc<Shared>,
    started: Started,
    obs: O,
) -> impl Future<Output = ()> + Send + 'static {
    let Started {
        svc,
        path,
        method_len,
        metadata,
        authority,
        reader,
        respond,
        accept_encoding,
        deadline,
        connection,
        cancel_all,
    } = started;
    let cancel = CancelToken::new();
    let context = Arc::new(CallContext::new(deadline, connection, cancel.clone()));
    // Made (and boxed) here: the reader's state is not in the call's future.
    let requests = requests(reader, Arc::clone(&context), obs.clone());
    let call = Call {
        respond,
        accept_encoding,
        deadline,
        cancel,
        cancel_all,
        obs,
    };
    async move {
        // The method's name, a slice of `path` (which the interceptors get whole).
        let method = &path[path.len() - method_len..];
        let method = std::str::from_utf8(method).unwrap_or_default();
        let request = (metadata, requests, authority);
        if let Some(running) = run(&shared, &call, &svc, &path, method, request, context).await {
            let Running {
                context,
                response,
                _permit,
            } = running;
            // Boxed: a call waiting for its request or its handler (an open stream) does not
            // hold the room of the response's state (about 1.5 KiB) in its future.
            send_response(&shared, call, &context, response).await;
        }
    }
}

/// What the rest of a call needs of its request: where the response goes, and the request's
/// encodings, deadline and cancellation.
struct Call<O> {
    respond: SendStream,
    /// The request's `grpc-accept-encoding`.
    accept_encoding: Option<Bytes>,
    deadline: Option<Instant>,
    /// This call's cancellation (the handler sees it through its context).
    cancel: CancelToken,
    /// The connection's (all its calls end when it closes).
    cancel_all: CancelToken,
    /// What watches the call (or nothing).
    obs: O,
}

/// A call whose handler returned its response, which is still to be sent.
struct Running {
    context: Arc<CallContext>,
    response: Response<ByteStream>,
    /// The concurrency permit, held until the call ends.
    _permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// Runs the interceptors, takes a concurrency permit and runs the handler until it returns its
/// response; `None` when the call ended on the way (and was answered, if anyone listens).
async fn run<O: ServerObserve>(
    shared: &Shared,
    call: &Call<O>,
    svc: &Arc<dyn Service>,
    path: &Bytes,
    method: &str,
    (mut metadata, requests, authority): (Metadata, ByteStream, Option<Bytes>),
    context: Arc<CallContext>,
) -> Option<Running> {
    let cfg = &shared.config;
    if !cfg.interceptors.is_empty() {
        // Boxed: only calls on a server with interceptors carry this future's state.
        match Box::pin(interceptor::run(
            &cfg.interceptors,
            InterceptedCall::new(path.clone(), metadata)
                .with_extensions(Arc::clone(&context.connection().extensions))
                .with_authority(authority),
        ))
        .await
        {
            Ok(c) => metadata = c.into_metadata(),
            Err(s) => {
                call.obs.end(s.code());
                trailers_only(&call.respond, &s, None);
                return None;
            }
        }
    }
    let permit = match &shared.limit {
        Some(sem) => match Arc::clone(sem).acquire_owned().await {
            Ok(p) => Some(p),
            Err(_) => return None,
        },
        None => None,
    };
    metadata.attached_mut().context = Some(Arc::clone(&context));
    let request = Request::from_parts(metadata, requests);
    let Some(mut handler) = svc.call(method, request) else {
        let (service, _) = std::str::from_utf8(path)
            .ok()
            .and_then(|p| p.strip_prefix('/'))
            .and_then(|p| p.split_once('/'))
            .unwrap_or_default();
        let s = Status::unimplemented(format!("unknown method {method} of service {service}"));
        call.obs.end(s.code());
        trailers_only(&call.respond, &s, None);
        return None;
    };
    // The client may cancel after its request ended (a unary call): only its RST_STREAM says
    // so, and the handler must learn of it.
    let reset = call.respond.reset_received();
    let response = guard(
        handler.as_mut(),
        call.deadline,
        call.cancel.clone(),
        call.cancel_all.clone(),
        reset,
        cfg.cancel_grace,
    )
    .await;
    // The handler's future is done with: free it before the response streams out.
    drop(handler);
    match response {
        Ok(r) => Some(Running {
            context,
            response: r,
            _permit: permit,
        }),
        Err(s) => {
            call.obs.end(s.code());
            finish_early(&call.respond, &s, &call.cancel);
            None
        }
    }
}

/// The request messages as the handler reads them: deframed and decompressed from the request
/// stream; a failure of the stream ends the call's context when it is the client's cancel.
fn requests<O: ServerObserve>(
    reader: MessageReader,
    context: Arc<CallContext>,
    obs: O,
) -> ByteStream {
    let requests = unfold(
        (reader, context, obs),
        |(mut r, ctx, obs): (MessageReader, Arc<CallContext>, O)| async move {
            match r.next().await {
                ReadEnd::Message(m, compressed, wire) => {
                    obs.received(wire, m.len(), compressed);
                    ctx.set_last_compressed(compressed);
                    Some((Ok(m), (r, ctx, obs)))
                }
                ReadEnd::End => None,
                ReadEnd::Error(s) => {
                    if s.code() == Code::CANCELLED {
                        ctx.cancel_token().cancel();
                    }
                    Some((Err(s), (r, ctx, obs)))
                }
            }
        },
    );
    Box::pin(requests)
}

/// Sends the handler's response: its messages as they come, then the status (steps 3 and 4 of
/// [`start_call`]).
async fn send_response<O: ServerObserve>(
    shared: &Shared,
    call: Call<O>,
    context: &CallContext,
    response: Response<ByteStream>,
) {
    let cfg = &shared.config;
    let Call {
        mut respond,
        accept_encoding,
        deadline,
        cancel,
        cancel_all,
        obs,
    } = call;
    let resp_encoding = if accepts(accept_encoding.as_ref(), cfg.compression) {
        cfg.compression
    } else {
        Encoding::Identity
    };
    let (mut headers_md, mut messages) = response.into_parts();
    let mut trailers = headers_md.take_trailers().unwrap_or_default();
    // The response headers go out lazily: with the first message, or now if the handler asked
    // (Response::send_headers_early). A call that ends before any message and without header
    // metadata is answered Trailers-Only, one HEADERS frame, as grpc-go, grpc-java and
    // grpc-core do (the end of this function). `head` holds them while they are unsent.
    let mut head = Some(headers_md);
    // The encoding of the response messages, chosen as the headers go out: the handler may
    // have chosen it (CallContext::set_compression) until then.
    let choose_encoding = || match context.compression() {
        Some(e) if accepts(accept_encoding.as_ref(), e) => e,
        Some(_) => Encoding::Identity,
        None => resp_encoding,
    };
    let mut encoding = Encoding::Identity;
    if let Some(md) = head.take_if(|md| md.early_headers()) {
        encoding = choose_encoding();
        if !send_head(&respond, &md, encoding) {
            obs.end(Code::INTERNAL);
            return;
        }
    }
    let mut buf = BytesMut::new();
    let cancel_on_reset = cancel.clone();
    let send_all = async {
        loop {
            // The handler's next message is asked for only once the stream is ready for it
            // (room in the send buffers, an open window): a client that reads nothing holds
            // the handler back, instead of the server encoding and queueing a message it
            // cannot send (SETTINGS_INITIAL_WINDOW_SIZE 0 and large messages: 2 MiB a
            // stream before, docs/security.md). Free while room it was told of remains.
            if let Err(e) = respond.ready().await {
                cancel_on_reset.cancel();
                return Err(stream_failure_status(e, Side::Server));
            }
            // A message already waiting goes out without watching for the client's reset: each
            // watch is a command to the connection's driver, held until the stream closes.
            let ready = std::future::poll_fn(|cx| Poll::Ready(messages.as_mut().poll_next(cx)));
            let item = match ready.await {
                Poll::Ready(item) => item,
                // While the handler produces the next message, watch for the client's reset.
                Poll::Pending => tokio::select! {
                    item = std::future::poll_fn(|cx| messages.as_mut().poll_next(cx)) => item,
                    Some(reason) = respond.reset_received() => {
                        cancel_on_reset.cancel();
                        return Err(client_reset(reason));
                    }
                },
            };
            match item {
                Some(Ok(msg)) => {
                    // The first message: the headers go first.
                    if let Some(md) = head.take() {
                        encoding = choose_encoding();
                        if !send_head(&respond, &md, encoding) {
                            return Err(Status::internal("response headers refused"));
                        }
                    }
                    // CallContext::set_message_compression, read as the message goes out.
                    let message_encoding = if context.message_compression() {
                        encoding
                    } else {
                        Encoding::Identity
                    };
                    // A large uncompressed message goes out as its prefix and itself, not
                    // copied behind the prefix.
                    let framed = frame_message(
                        &msg,
                        message_encoding,
                        cfg.compression_threshold,
                        cfg.max_send_message_size,
                        &mut buf,
                    )?;
                    obs.sent(framed.message_len(), msg.len(), framed.is_compressed());
                    if let Err(e) = send_framed(&mut respond, framed).await {
                        // The client reset the stream (or the connection ended) while this
                        // side was sending: the handler learns of it as from a reset.
                        cancel_on_reset.cancel();
                        return Err(stream_failure_status(e, Side::Server));
                    }
                }
                Some(Err(s)) if s.code() == Code::OK => return Ok(Some(s.into_metadata())),
                Some(Err(s)) => return Err(s),
                None => return Ok(None),
            }
        }
    };
    let no_reset = std::future::pending();
    // Pinned in place for the length of this statement: `respond` and `head` are free again
    // after it.
    let status = match guard(
        std::pin::pin!(send_all),
        deadline,
        cancel.clone(),
        cancel_all,
        no_reset,
        cfg.cancel_grace,
    )
    .await
    {
        Ok(more) => {
            if let Some(m) = more {
                for (k, v) in m.iter() {
                    trailers.push_unchecked(k.to_owned(), v.clone());
                }
            }
            Status::ok()
        }
        Err(s) => s,
    };
    // The status goes to the transport now (gRFC A66: the end of a server call).
    obs.end(status.code());
    if status.code() == Code::CANCELLED && cancel.is_cancelled() {
        // The client went away: nobody to answer.
        return;
    }
    match head {
        // The headers went out: the status follows in the trailers.
        None => {}
        // PROTOCOL-HTTP2, Responses: "Trailers-Only is permitted for calls that produce an
        // immediate error" — and for any call that ends before its first message: its status
        // (OK too) and trailing metadata in one HEADERS frame with END_STREAM, as grpc-go does
        // when no header metadata was set.
        // <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#responses>
        Some(md) if md.is_empty() => {
            trailers_only(&respond, &status, Some(&trailers));
            return;
        }
        // Header metadata but no message: headers, then trailers (grpc-go does the same when
        // the handler set header metadata).
        Some(md) if !send_head(&respond, &md, choose_encoding()) => return,
        Some(_) => {}
    }
    let mut t = Vec::with_capacity(2 + trailers.len());
    push_status(&status, Some(&trailers), &mut t);
    if respond.send_trailers(t).is_err() {
        respond.reset(Reason::INTERNAL_ERROR);
    }
}

/// Whether a request is gRPC's: a POST of `application/grpc*`. Everything else may be
/// gRPC-Web, Connect, a CORS preflight or a request for the fallback: the web protocols'
/// (which answer 415 where gRPC would).
///
/// PROTOCOL-HTTP2, Requests: "Method → ":method POST"", and "If Content-Type does not begin
/// with "application/grpc", gRPC servers SHOULD respond with HTTP status of 415 (Unsupported
/// Media Type)." <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests>
fn is_grpc(inc: &Incoming) -> bool {
    inc.request.pseudo.method.as_deref() == Some(b"POST".as_slice())
        && find(&inc.request.fields, b"content-type").is_some_and(|c| is_grpc_content_type(c))
}

/// The task of a request that is not gRPC: the web protocols' (kept out of line, off the gRPC
/// path).
fn web_call(
    shared: &Arc<Shared>,
    inc: Incoming,
    info: &Arc<ConnectionInfo>,
    cancel_all: &CancelToken,
) -> BoxFuture<'static, ()> {
    Box::pin(web::h2::serve_stream(
        Arc::clone(shared),
        inc,
        Arc::clone(info),
        cancel_all.clone(),
    ))
}

/// Sends the response headers: `:status`, `content-type`, the encodings, `metadata`. When
/// HTTP/2's field checks refuse them (a metadata value it does not allow), resets the stream
/// (INTERNAL_ERROR: the client must still learn that the call ended) and returns `false`.
fn send_head(respond: &SendStream, metadata: &Metadata, encoding: Encoding) -> bool {
    let mut head = response_head(encoding);
    push_metadata(metadata, &mut head);
    if respond.send_headers(head, false).is_err() {
        respond.reset(Reason::INTERNAL_ERROR);
        return false;
    }
    true
}

/// Sends the status of a call that failed before its handler returned a response.
fn finish_early(respond: &SendStream, s: &Status, cancel: &CancelToken) {
    if s.code() == Code::CANCELLED && cancel.is_cancelled() {
        // The client went away: nobody to answer.
        return;
    }
    trailers_only(respond, s, None);
}

/// The status of a call whose client reset its stream with `reason` (what the handler sees:
/// CANCELLED, from the table in `protocol`).
#[cold]
fn client_reset(reason: Reason) -> Status {
    let e = driver::Error::Reset {
        reason,
        remote: true,
    };
    stream_failure_status(e, Side::Server)
}

/// Races `fut` against the deadline, cancellation, and `reset` (the client's RST_STREAM).
/// `fut` is pinned by the caller, where it was made: taken by value, it would be moved into
/// this future's state and pinned again, two copies of it in the handler's future.
pub(crate) async fn guard<T>(
    mut fut: Pin<&mut (impl Future<Output = Result<T, Status>> + ?Sized)>,
    deadline: Option<Instant>,
    cancel: CancelToken,
    cancel_all: CancelToken,
    reset: impl Future<Output = Option<Reason>>,
    cancel_grace: Duration,
) -> Result<T, Status> {
    let expire = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d.into()).await,
            None => std::future::pending().await,
        }
    };
    // Most handlers finish on their first poll: they need no timer and no watch on the
    // client's reset (which costs a command to the connection's driver).
    if let Poll::Ready(r) = std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await {
        return r;
    }
    let stopped = tokio::select! {
        r = &mut fut => return r,
        _ = expire => Status::new(Code::DEADLINE_EXCEEDED, "deadline exceeded"),
        _ = cancel.cancelled() => Status::new(Code::CANCELLED, "call cancelled"),
        Some(reason) = reset => client_reset(reason),
        _ = cancel_all.cancelled() => Status::new(Code::UNAVAILABLE, "server shutting down"),
    };
    // The handler learns of it through its context (`cancelled()`) and its request stream,
    // and has the cancel grace period to wind down before it is dropped. Whatever it returns
    // then is not sent: the call has ended.
    cancel.cancel();
    let _ = tokio::time::timeout(cancel_grace, &mut fut).await;
    Err(stopped)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `busy_poll` reaches the connections' HTTP/2 settings whichever order the builder
    /// methods come in; without it, `http2_config`'s value stands.
    #[test]
    fn busy_poll_wins_over_http2_config() {
        let window = Duration::from_micros(50);
        let mut h2 = courier_h2::Config::default();
        h2.busy_poll = Duration::from_millis(7);
        let built = |b: ServerBuilder| b.build().shared.config.h2.busy_poll;
        let before = Server::builder().busy_poll(window).http2_config(h2.clone());
        assert_eq!(built(before), window);
        let after = Server::builder().http2_config(h2.clone()).busy_poll(window);
        assert_eq!(built(after), window);
        assert_eq!(
            built(Server::builder().http2_config(h2)),
            Duration::from_millis(7)
        );
        assert_eq!(built(Server::builder()), Duration::ZERO);
    }
}
