//! [`Channel`] and [`ChannelBuilder`]: a call's settings and its plan of attempts.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::sync::{Notify, mpsc, watch};

use super::ConnectivityState;
use super::attempt::{
    AttemptBody, CallBody, CallConfig, CallOpts, Failure, attempt, deadline_exceeded,
    request_headers,
};
use super::backoff::Backoff;
use super::balancer::{self, Launch, PolicyChoice, Published, Shared};
use super::connector::{Connector, TcpConnector};
use super::lb::{
    Attributes, CallEnd, CompletionHook, ConfigSelector, LbConfig, PickInfo, PickResult,
    SelectedConfig,
};
use super::resolver::{Resolver, parse_target};
use super::retry::{
    self, Attempts, BufferPool, DEFAULT_CHANNEL_RETRY_BUFFER, DEFAULT_RETRY_BUFFER, Outcome,
    Replay, Throttle,
};
use super::service_config::{AttemptPolicy, LbPolicy, MethodConfig, ServiceConfig};
use super::subchannel::{Conn, Picked, SubchannelCtx};
use super::web_attempt;
use crate::Transport;
use crate::call::{BoxFuture, ByteStream, LastCompressed, MethodDescriptor, Request, Response};
use crate::channelz::ChannelNode;
use crate::code::Code;
use crate::codec::{DEFAULT_MAX_RECV_MESSAGE_SIZE, Encoding, encode_message};
use crate::context::HttpVersion;
use crate::headers::push_metadata;
use crate::interceptor::{self, InterceptedCall, Interceptor};
use crate::metadata::Metadata;
use crate::observe::{self, AttemptTelemetry, ChannelObserve, ClientTelemetry, Observe, Observer};
use crate::status::Status;
use crate::web::{ConnectGet, WebProtocol, Wire};

/// Transparent retries of one attempt whose request the server never processed.
const MAX_TRANSPARENT: u32 = 10;

/// Builds a [`Channel`].
pub struct ChannelBuilder {
    authority: String,
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
    keepalive_time: Option<Duration>,
    keepalive_timeout: Option<Duration>,
    keepalive_without_calls: Option<bool>,
    busy_poll: Option<Duration>,
    interceptors: Vec<Arc<dyn Interceptor>>,
    connector: Arc<dyn Connector>,
    resolver: Arc<dyn Resolver>,
    policy: Option<LbConfig>,
    service_config: Option<ServiceConfig>,
    health_service: Option<String>,
    retry_buffer: usize,
    retry_buffer_total: usize,
    min_resolve_interval: Duration,
    /// The web protocol and HTTP version calls use instead of gRPC, if any.
    web: Option<(WebProtocol, HttpVersion)>,
    /// The unary calls sent as Connect GETs.
    connect_get: ConnectGet,
    /// The target as given (gRFC A66 `grpc.target` is its canonical form).
    target: String,
    observe: Observe,
}

impl fmt::Debug for ChannelBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelBuilder")
            .field("authority", &self.authority)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl ChannelBuilder {
    /// The `user-agent` prefix (courier's own token is appended).
    pub fn user_agent(mut self, ua: &str) -> Self {
        self.user_agent = Bytes::from(format!("{ua} {}", default_user_agent()));
        self
    }

    /// The `:authority` sent (default: the target's `host:port`; `localhost` for `unix:` and
    /// address-list targets).
    pub fn authority(mut self, authority: impl Into<String>) -> Self {
        self.authority = authority.into();
        self
    }

    /// A timeout for calls whose request sets none.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = Some(timeout);
        self
    }

    /// The default wait-for-ready flag of calls (default `false`: calls fail with UNAVAILABLE
    /// while the channel is in transient failure).
    pub fn wait_for_ready(mut self, wait: bool) -> Self {
        self.wait_for_ready = wait;
        self
    }

    /// Compress requests with `encoding` unless a request says otherwise (default identity).
    pub fn compression(mut self, encoding: Encoding) -> Self {
        self.compression = encoding;
        self
    }

    /// Messages shorter than this are sent uncompressed even on compressed calls (default 0).
    pub fn compression_threshold(mut self, bytes: usize) -> Self {
        self.compression_threshold = bytes;
        self
    }

    /// Largest response message accepted (default 4 MiB); larger ones fail the call with
    /// RESOURCE_EXHAUSTED.
    pub fn max_recv_message_size(mut self, bytes: usize) -> Self {
        self.max_recv_message_size = bytes;
        self
    }

    /// Largest request message sent (default unlimited); larger ones fail the call with
    /// RESOURCE_EXHAUSTED.
    pub fn max_send_message_size(mut self, bytes: usize) -> Self {
        self.max_send_message_size = bytes;
        self
    }

    /// Connection backoff parameters (each subchannel backs off on its own).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// HTTP/2 settings and limits of the channel's connections.
    pub fn http2_config(mut self, config: courier_h2::Config) -> Self {
        self.h2 = config;
        self
    }

    /// Keepalive (keepalive.md `KEEPALIVE_TIME`): ping a connection that has read nothing for
    /// this long (default: off). Doubled for new connections after the server answers
    /// GOAWAY ENHANCE_YOUR_CALM "too_many_pings".
    pub fn keepalive_time(mut self, interval: Duration) -> Self {
        self.keepalive_time = Some(interval);
        self
    }

    /// Keepalive (`KEEPALIVE_TIMEOUT`): close a connection whose keepalive ping is not
    /// acknowledged within this (default 20 s).
    pub fn keepalive_timeout(mut self, timeout: Duration) -> Self {
        self.keepalive_timeout = Some(timeout);
        self
    }

    /// Keepalive (`KEEPALIVE_WITHOUT_CALLS`): ping also while no call is open (default
    /// `false`).
    pub fn keepalive_permit_without_calls(mut self, permit: bool) -> Self {
        self.keepalive_without_calls = Some(permit);
        self
    }

    /// Busy polling ([`courier_h2::Config::busy_poll`], which says when it pays): for this
    /// long after a connection last made progress, its task keeps polling the socket instead
    /// of letting its thread sleep. Cuts the latency of calls made back to back where idle
    /// cores are slow to wake (virtual machines), at the cost of a busy core while they last.
    /// Default off; set here, it wins over [`http2_config`](Self::http2_config).
    pub fn busy_poll(mut self, window: Duration) -> Self {
        self.busy_poll = Some(window);
        self
    }

    /// The connector (default [`TcpConnector`]).
    pub fn connector(mut self, connector: impl Connector) -> Self {
        self.connector = Arc::new(connector);
        self
    }

    /// The resolver (default: from the target — DNS for `host:port` and `dns:///host:port`,
    /// a Unix socket for `unix:path`, a fixed list for `ipv4:`/`ipv6:` lists).
    pub fn resolver(mut self, resolver: impl Resolver) -> Self {
        self.resolver = Arc::new(resolver);
        self
    }

    /// The load-balancing policy (default: the service config's, else pick_first). It wins
    /// over any service config's choice.
    pub fn load_balancing(mut self, policy: LbPolicy) -> Self {
        self.policy = Some(LbConfig::new(policy.name(), ()));
        self
    }

    /// Any registered load-balancing policy ([`lb::register`](crate::lb::register)) with its
    /// parsed config; like [`load_balancing`](Self::load_balancing), it wins over any
    /// service config's choice.
    pub fn load_balancing_config(mut self, config: LbConfig) -> Self {
        self.policy = Some(config);
        self
    }

    /// The service config: load-balancing policy, per-method timeouts, wait-for-ready,
    /// message size limits, retry and hedging policies, retry throttling, health checking.
    pub fn service_config(mut self, config: ServiceConfig) -> Self {
        self.service_config = Some(config);
        self
    }

    /// Client-side health checking (gRFC A17): every subchannel watches `service` (`""`: the
    /// server as a whole) with `grpc.health.v1.Health/Watch`, and only SERVING backends get
    /// calls. Backends without the health service count as healthy.
    pub fn health_check(mut self, service: impl Into<String>) -> Self {
        self.health_service = Some(service.into());
        self
    }

    /// Bytes of request messages kept per call so that it can be retried or hedged (gRFC
    /// A6's per-RPC buffer; default 256 KiB). A call whose request outgrows it is committed
    /// to its current attempt.
    pub fn retry_buffer_size(mut self, bytes: usize) -> Self {
        self.retry_buffer = bytes;
        self
    }

    /// Bytes of request messages kept for retries and hedging by all the channel's calls
    /// together (default 16 MiB). A call whose request does not fit is committed to its
    /// current attempt, as with [`retry_buffer_size`](Self::retry_buffer_size).
    pub fn retry_buffer_total_size(mut self, bytes: usize) -> Self {
        self.retry_buffer_total = bytes;
        self
    }

    /// Least time between two resolutions asked for by lost connections (default 30 s, as
    /// gRPC's DNS resolver).
    pub fn min_resolve_interval(mut self, interval: Duration) -> Self {
        self.min_resolve_interval = interval;
        self
    }

    /// Calls speak `protocol` (gRPC-Web, gRPC-Web-text or Connect, protobuf messages) over
    /// `http` (HTTP/1.1 or HTTP/2) instead of gRPC: for servers that speak only Connect, and
    /// for paths through proxies that carry only HTTP/1.1. Everything else stays the
    /// channel's: resolution, load balancing per call, retries and hedging from the service
    /// config, deadlines, metadata, interceptors, observers, status details, compression and
    /// message limits.
    ///
    /// Over HTTP/2 each address gets one multiplexed connection, as for gRPC; over HTTP/1.1 a
    /// pool of kept-alive connections (one per call in flight; up to 16 kept between calls).
    /// Connect cannot carry bidirectional streams over HTTP/1.1 (its specification's
    /// Summary): such calls fail with UNIMPLEMENTED without being sent; every other call kind
    /// goes over both versions. Client-side health checking
    /// ([`health_check`](Self::health_check)) watches `grpc.health.v1.Health/Watch` in the
    /// channel's protocol, on each subchannel's connection (over HTTP/1.1, one of its pool's
    /// connections, held by the watch).
    /// The [`connector`](Self::connector) must deliver the HTTP version chosen (a TLS one:
    /// offer it by ALPN, `http/1.1` or `h2`); an `https://` target sends the `https` scheme.
    ///
    /// ```no_run
    /// use courier_rpc::web::WebProtocol;
    /// use courier_rpc::{Channel, HttpVersion, LbPolicy};
    ///
    /// let channel = Channel::builder("dns:///backends.internal:8080")
    ///     .web(WebProtocol::Connect, HttpVersion::Http11)
    ///     .load_balancing(LbPolicy::RoundRobin)
    ///     .build();
    /// # drop(channel);
    /// ```
    pub fn web(mut self, protocol: WebProtocol, http: HttpVersion) -> Self {
        self.web = Some((protocol, http));
        self
    }

    /// On a channel speaking [`WebProtocol::Connect`] ([`web`](Self::web)), calls the unary
    /// method with `path` (`/package.Service/Method`) with a Connect GET (the message in the
    /// query string), as [`WebChannelBuilder::connect_get`](crate::web::WebChannelBuilder::connect_get)
    /// does — for methods marked `idempotency_level = NO_SIDE_EFFECTS`, whose responses HTTP
    /// caches may keep. Ignored for other protocols and methods.
    pub fn connect_get(mut self, path: impl Into<String>) -> Self {
        self.connect_get.paths.insert(path.into());
        self
    }

    /// On a channel speaking [`WebProtocol::Connect`], sends every unary call marked
    /// [`Idempotency::NoSideEffects`](crate::web::Idempotency::NoSideEffects) as a Connect GET
    /// (the message in the query string, which HTTP caches may keep) — what connect-es's
    /// `useHttpGet` and connect-go's `WithHTTPGet` do. Generated stubs mark the unary methods
    /// declared with `option idempotency_level = NO_SIDE_EFFECTS;`; a hand-built call marks
    /// itself with [`Request::set_idempotency`](crate::Request::set_idempotency). Default:
    /// off (every call is a POST, save those named by [`connect_get`](Self::connect_get)).
    pub fn use_http_get(mut self, yes: bool) -> Self {
        self.connect_get.marked = yes;
        self
    }

    /// Adds an [`Observer`] of every call (metrics, trace context; see
    /// [`observe`](crate::observe)). Several may be added; each hears every call.
    pub fn observer(mut self, observer: impl Observer) -> Self {
        self.observe.observers.push(Arc::new(observer));
        self
    }

    /// Adds a shared [`Observer`].
    pub fn observer_shared(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observe.observers.push(observer);
        self
    }

    /// Records a message event (gRFC A72 `Outbound message`, `Inbound message`) in each
    /// attempt's span for every message (default off; see [`observe`](crate::observe)).
    pub fn message_events(mut self, enabled: bool) -> Self {
        self.observe.message_events = enabled;
        self
    }

    /// Keeps channelz data for this channel, its subchannels and their connections, and
    /// registers them with the process's channelz registry while the channel lives (default
    /// off; see [`channelz`](crate::channelz)). Off, a call pays one branch for it.
    pub fn channelz(mut self, enabled: bool) -> Self {
        self.observe.channelz = enabled;
        self
    }

    /// The channel. It connects lazily, on the first call (or [`Channel::connect`]).
    pub fn build(self) -> Channel {
        let mut h2 = self.h2;
        if let Some(t) = self.keepalive_timeout {
            h2.keepalive_timeout = t;
        }
        if let Some(w) = self.keepalive_without_calls {
            h2.keepalive_while_idle = w;
        }
        if let Some(b) = self.busy_poll {
            h2.busy_poll = b;
        }
        let keepalive_ms = self
            .keepalive_time
            .or(h2.keepalive_interval)
            .map_or(0, |d| (d.as_millis() as u64).max(1));
        let call = Arc::new(CallConfig {
            authority: Bytes::from(self.authority.clone()),
            scheme: self.scheme,
            user_agent: self.user_agent,
            compression_threshold: self.compression_threshold,
            max_recv_message_size: self.max_recv_message_size,
            max_send_message_size: self.max_send_message_size,
            retry_buffer_limit: self.retry_buffer,
            web: self.web.map(|(protocol, http)| Wire {
                protocol,
                http,
                secure: self.scheme == "https",
            }),
            connect_get: self.connect_get,
        });
        let sc = self.service_config;
        let policy = PolicyChoice {
            forced: self.policy,
            default: sc.as_ref().and_then(ServiceConfig::lb_config).cloned(),
        };
        // On a web channel the health watch speaks the channel's protocol.
        let health_service = self.health_service.or_else(|| {
            sc.as_ref()
                .and_then(|s| s.health_check_service().map(str::to_owned))
        });
        let shared = Arc::new(Shared {
            picker: watch::Sender::new(Published::idle()),
            exit_idle: Notify::new(),
            shutdown: watch::Sender::new(false),
            config_mode: AtomicU8::new(balancer::UNRESOLVED),
        });
        let (server_address, server_port) = observe::server_address(&self.authority);
        let channelz = self.observe.channelz.then(|| {
            let node = ChannelNode::register(&self.target);
            let weak = Arc::downgrade(&shared);
            node.set_state_source(move || match weak.upgrade() {
                Some(s) => s.picker.borrow().state,
                None => ConnectivityState::Shutdown,
            });
            node
        });
        let observe = ChannelObserve {
            observe: self.observe,
            target: observe::canonical_target(&self.target),
            server_address,
            server_port,
            channelz: channelz.clone(),
        };
        let (events_tx, events) = mpsc::unbounded_channel();
        let ctx = Arc::new(SubchannelCtx {
            connector: self.connector,
            authority: self.authority,
            h2,
            keepalive_ms: AtomicU64::new(keepalive_ms),
            backoff: self.backoff,
            health_service,
            call: Arc::clone(&call),
            events: events_tx,
            reresolve: Arc::new(Notify::new()),
            channelz,
        });
        Channel {
            inner: Arc::new(Inner {
                call,
                default_timeout: self.default_timeout,
                wait_for_ready: self.wait_for_ready,
                compression: self.compression,
                interceptors: self.interceptors,
                throttle: sc.as_ref().and_then(|s| s.throttling()).map(Throttle::new),
                service_config: sc.filter(ServiceConfig::has_methods),
                shared,
                retry_pool: BufferPool::new(self.retry_buffer_total),
                started: AtomicBool::new(false),
                observe,
                launch: Mutex::new(Some(Launch {
                    policy,
                    resolver: self.resolver,
                    ctx,
                    events,
                    min_resolve_interval: self.min_resolve_interval,
                })),
            }),
        }
    }

    /// Adds an interceptor; they run in the order added, before each call is sent.
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }
}

fn default_user_agent() -> String {
    format!("courier-rpc/{}", env!("CARGO_PKG_VERSION"))
}

struct Inner {
    call: Arc<CallConfig>,
    default_timeout: Option<Duration>,
    wait_for_ready: bool,
    compression: Encoding,
    interceptors: Vec<Arc<dyn Interceptor>>,
    /// Only when some method has a config.
    service_config: Option<ServiceConfig>,
    throttle: Option<Throttle>,
    shared: Arc<Shared>,
    /// The replay buffer space shared by the channel's calls.
    retry_pool: Arc<BufferPool>,
    started: AtomicBool,
    launch: Mutex<Option<Launch>>,
    /// The calls' observers, target and span fields.
    observe: ChannelObserve,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shared.shutdown.send_replace(true);
    }
}

/// A client channel: one target, any number of stubs. It resolves the target into
/// addresses, keeps a subchannel (one HTTP/2 connection, reconnecting with backoff) per
/// address the load-balancing policy uses, and sends each call on a connection picked for
/// it — L7 balancing: with `round_robin`, consecutive calls go to different backends.
/// Cloning is cheap (an `Arc`).
///
/// ```no_run
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use courier_rpc::{Channel, LbPolicy, ServiceConfig};
/// let channel = Channel::builder("127.0.0.1:50051").build();
/// // let client = greeter_rpc::GreeterClient::new(channel.clone());
///
/// // Every address of a DNS name, calls spread round-robin, unavailable calls retried:
/// let config = ServiceConfig::from_json(r#"{"methodConfig": [{"name": [{}],
///     "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s",
///                     "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#)?;
/// let balanced = Channel::builder("dns:///backends.internal:50051")
///     .load_balancing(LbPolicy::RoundRobin)
///     .service_config(config)
///     .build();
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

impl Channel {
    /// A builder for a channel to `target`: `host:port`, `http://host:port`,
    /// `dns:///host:port`, `unix:/path/to.sock`, or `ipv4:a:p,b:p`.
    pub fn builder(target: impl Into<String>) -> ChannelBuilder {
        let target = target.into();
        let t = parse_target(&target);
        ChannelBuilder {
            target,
            observe: Observe::default(),
            authority: t.authority,
            scheme: t.scheme,
            user_agent: Bytes::from(default_user_agent()),
            default_timeout: None,
            wait_for_ready: false,
            compression: Encoding::Identity,
            compression_threshold: 0,
            max_recv_message_size: DEFAULT_MAX_RECV_MESSAGE_SIZE,
            max_send_message_size: usize::MAX,
            backoff: Backoff::default(),
            h2: courier_h2::Config::default(),
            keepalive_time: None,
            keepalive_timeout: None,
            keepalive_without_calls: None,
            busy_poll: None,
            interceptors: Vec::new(),
            connector: Arc::new(TcpConnector),
            resolver: t.resolver,
            policy: None,
            service_config: None,
            health_service: None,
            retry_buffer: DEFAULT_RETRY_BUFFER,
            retry_buffer_total: DEFAULT_CHANNEL_RETRY_BUFFER,
            min_resolve_interval: Duration::from_secs(30),
            web: None,
            connect_get: ConnectGet::default(),
        }
    }

    /// A channel to `target` with default settings (connects lazily).
    pub fn lazy(target: impl Into<String>) -> Channel {
        Channel::builder(target).build()
    }

    /// The current connectivity state: READY while any connection the policy uses is.
    pub fn state(&self) -> ConnectivityState {
        self.inner.shared.picker.borrow().state
    }

    /// Waits until the state differs from `from`; returns the new state.
    pub async fn state_changed(&self, from: ConnectivityState) -> ConnectivityState {
        let mut rx = self.inner.shared.picker.subscribe();
        match rx.wait_for(|s| s.state != from).await {
            Ok(s) => s.state,
            Err(_) => ConnectivityState::Shutdown,
        }
    }

    /// Starts connecting if the channel is idle (without waiting).
    pub fn connect(&self) {
        self.ensure_started();
        self.inner.shared.exit_idle.notify_one();
    }

    /// Connects now and waits until the channel is ready (or, unless `wait_for_ready`...,
    /// until its policy reports TRANSIENT_FAILURE: then the error).
    pub async fn connect_now(&self) -> Result<(), Status> {
        self.ensure_started();
        let mut rx = self.inner.shared.picker.subscribe();
        loop {
            {
                let p = rx.borrow_and_update();
                match p.state {
                    ConnectivityState::Ready => return Ok(()),
                    ConnectivityState::Shutdown => {
                        return Err(Status::new(Code::UNAVAILABLE, "channel shut down"));
                    }
                    ConnectivityState::TransientFailure => {
                        let md = Metadata::new();
                        let info = PickInfo::new(&CONNECT, &md);
                        return Err(match p.picker.pick(&info) {
                            PickResult::Fail(s) | PickResult::Drop(s) => s,
                            _ => Status::new(Code::UNAVAILABLE, "connection failed"),
                        });
                    }
                    ConnectivityState::Idle => self.inner.shared.exit_idle.notify_one(),
                    _ => {}
                }
            }
            if rx.changed().await.is_err() {
                return Err(Status::new(Code::UNAVAILABLE, "channel shut down"));
            }
        }
    }

    /// Shuts the channel down: its connections close gracefully (calls in flight finish) and
    /// new calls fail with UNAVAILABLE.
    pub fn shutdown(&self) {
        let s = &self.inner.shared;
        s.shutdown.send_replace(true);
        s.picker.send_replace(Published::shutdown());
    }

    fn ensure_started(&self) {
        if self.inner.started.load(Ordering::Acquire) {
            return;
        }
        let launch = self
            .inner
            .launch
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(l) = launch {
            self.inner.started.store(true, Ordering::Release);
            balancer::start(Arc::clone(&self.inner.shared), l);
        }
    }

    /// Waits for the balancer to handle the resolver's first answer; its config selector.
    #[cold]
    async fn first_resolution(
        &self,
        deadline: Option<Instant>,
    ) -> Result<Option<Arc<dyn ConfigSelector>>, Status> {
        self.ensure_started();
        let mut rx = self.inner.shared.picker.subscribe();
        let wait = rx.wait_for(|p| p.resolved);
        let r = match deadline {
            Some(d) => match tokio::time::timeout_at(d.into(), wait).await {
                Ok(r) => r,
                Err(_) => return Err(deadline_exceeded()),
            },
            None => wait.await,
        };
        match r {
            Ok(p) if p.state == ConnectivityState::Shutdown => {
                Err(Status::new(Code::UNAVAILABLE, "channel shut down"))
            }
            Ok(p) => Ok(p.selector.clone()),
            Err(_) => Err(Status::new(Code::UNAVAILABLE, "channel shut down")),
        }
    }

    /// A READY connection for a call, from the current picker, and the pick's completion
    /// hook.
    async fn pick(
        &self,
        wait_for_ready: bool,
        deadline: Option<Instant>,
        info: &PickInfo<'_>,
    ) -> Result<(Picked, Option<CompletionHook>), Status> {
        // The hot path: a shared read of the picker, one pick.
        {
            let p = self.inner.shared.picker.borrow();
            if let PickResult::Pick(pick) = p.picker.pick(info) {
                if let Some(picked) = pick.subchannel.ready() {
                    return Ok((picked, pick.on_complete));
                }
                unused(pick.on_complete);
            }
        }
        self.ensure_started();
        let mut rx = self.inner.shared.picker.subscribe();
        loop {
            {
                let p = rx.borrow_and_update();
                if p.state == ConnectivityState::Shutdown {
                    return Err(Status::new(Code::UNAVAILABLE, "channel shut down"));
                }
                match p.picker.pick(info) {
                    PickResult::Pick(pick) => match pick.subchannel.ready() {
                        Some(picked) => return Ok((picked, pick.on_complete)),
                        // The subchannel is no longer READY: the policy hears of it and
                        // publishes a new picker.
                        None => unused(pick.on_complete),
                    },
                    PickResult::Queue => {}
                    // wait-for-ready.md: "If the channel is in TRANSIENT_FAILURE, [an RPC
                    // without wait-for-ready] fails immediately with UNAVAILABLE".
                    PickResult::Fail(s) if !wait_for_ready => return Err(s),
                    PickResult::Fail(_) => {}
                    PickResult::Drop(s) => return Err(s),
                }
                if p.state == ConnectivityState::Idle {
                    self.inner.shared.exit_idle.notify_one();
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

    /// Starts a call: resolves its settings, frames a unary request, and runs its attempts
    /// (one, or a retry or hedging schedule) up to the response headers.
    async fn start(
        &self,
        method: &'static MethodDescriptor,
        request: Request<Body>,
        telemetry: Option<&Arc<ClientTelemetry>>,
    ) -> Result<(Metadata, CallBody), Status> {
        let inner = &self.inner;
        let c = &inner.call;
        let o = request.options();
        let app_timeout = o.timeout.or(inner.default_timeout);
        let app_wait = o.wait_for_ready;
        let encoding = o.compression.unwrap_or(inner.compression);
        let (mut metadata, body) = request.into_parts();
        // The deadline counts from the call's start, before its interceptors run.
        let started = (!inner.interceptors.is_empty()).then(Instant::now);
        if !inner.interceptors.is_empty() {
            let call = InterceptedCall::new(Bytes::from_static(method.path.as_bytes()), metadata);
            metadata = interceptor::run(&inner.interceptors, call)
                .await?
                .into_metadata();
        }
        // The method config: the resolver's config selector's choice (gRFC A31) once a
        // resolver gave one, else the channel's service config's. The first calls wait for
        // the resolver's first answer (gRFC A31: the selector is "invoked once at the
        // beginning of every RPC (after the name resolver has produced a result)").
        let selector = match inner.shared.config_mode.load(Ordering::Acquire) {
            balancer::STATIC => None,
            balancer::DYNAMIC => inner.shared.picker.borrow().selector.clone(),
            _ => {
                let deadline = app_timeout.map(|t| started.unwrap_or_else(Instant::now) + t);
                self.first_resolution(deadline).await?
            }
        };
        let mut selected: Option<SelectedConfig> = match selector {
            Some(s) => Some(s.select(method, &metadata)?),
            None => None,
        };
        let (request_hash, attributes) = match selected.as_mut() {
            Some(sel) => (sel.request_hash, std::mem::take(&mut sel.attributes)),
            None => (None, Attributes::new()),
        };
        let mc: Option<&Arc<MethodConfig>> = match &selected {
            Some(sel) => sel.method_config.as_ref(),
            None => inner.service_config.as_ref().and_then(|s| s.method(method)),
        };
        let mut timeout = app_timeout;
        let mut opts = CallOpts {
            encoding,
            max_send: c.max_send_message_size,
            max_recv: c.max_recv_message_size,
            deadline: None,
            timeout: None,
            idempotency: o.idempotency,
        };
        let mut wait = app_wait.unwrap_or(inner.wait_for_ready);
        if let Some(m) = mc {
            // service_config.md: "the actual deadline used will be the minimum of the value
            // specified here and the value set by the application".
            if let Some(t) = m.timeout {
                timeout = Some(timeout.map_or(t, |x| x.min(t)));
            }
            wait = app_wait
                .or(m.wait_for_ready)
                .unwrap_or(inner.wait_for_ready);
            if let Some(n) = m.max_request_message_bytes {
                opts.max_send = opts.max_send.min(n);
            }
            if let Some(n) = m.max_response_message_bytes {
                opts.max_recv = opts.max_recv.min(n);
            }
        }
        opts.timeout = timeout;
        opts.deadline = timeout.map(|t| started.unwrap_or_else(Instant::now) + t);
        let body = match body {
            // Frame a unary request before anything goes out: a message too large fails here.
            Body::One(msg) => {
                if let Some(t) = telemetry {
                    t.set_request_len(msg.len());
                }
                let mut buf = BytesMut::new();
                encode_message(
                    &msg,
                    opts.encoding,
                    c.compression_threshold,
                    opts.max_send,
                    &mut buf,
                )?;
                PlanBody::One(buf.freeze())
            }
            Body::Stream(s) => PlanBody::Replay(Replay::new(
                s,
                c.retry_buffer_limit,
                Some(Arc::clone(&inner.retry_pool)),
            )),
        };
        let policy = mc.and_then(|m| m.policy.as_ref());
        let plan = Plan {
            channel: self.clone(),
            method,
            metadata,
            request_hash,
            attributes,
            opts,
            wait,
            buffer_unary: policy.is_some()
                && matches!(body, PlanBody::One(_))
                && !method.kind.server_streaming(),
            // Connect streams have no Trailers-Only: an error before any message comes after
            // the response headers, as the body's EndStreamResponse. Under a retry or hedging
            // policy the attempt reads that far, so that such an error can still be retried
            // as gRPC's Trailers-Only one is. Not for bidi streams, whose first response may
            // wait for requests the application sends only once the call is started.
            buffer_first: policy.is_some()
                && c.web.is_some_and(|w| w.protocol == WebProtocol::Connect)
                && method.kind.client_streaming() != method.kind.server_streaming(),
            body,
            next_id: AtomicU32::new(0),
            telemetry: telemetry.cloned(),
        };
        // The attempts and the deadline's timer are pinned where they are made and polled
        // together, rather than the attempts wrapped in a `tokio::time::Timeout` on one path
        // and awaited bare on the other: that kept two copies of the attempts' state (~1.9
        // KB) in this future, and moved them, on every call.
        let mut attempts = std::pin::pin!(async {
            match policy {
                None => match plan.run(0).await {
                    Outcome::Won(md, body) => Ok((md, body)),
                    Outcome::Failed(s) => Err(s),
                    Outcome::Lost => Err(Status::internal("call lost its only attempt")),
                },
                Some(AttemptPolicy::Retry(p)) => retry::with_retries(Arc::new(plan), p).await,
                Some(AttemptPolicy::Hedging(p)) => retry::with_hedging(Arc::new(plan), p).await,
            }
        });
        // Unconstrained, as in `tokio::time::Timeout`: attempts that use up the task's
        // cooperative budget must not keep the deadline from being seen.
        let mut deadline = std::pin::pin!(
            opts.deadline
                .map(|d| tokio::task::unconstrained(tokio::time::sleep_until(d.into())))
        );
        std::future::poll_fn(|cx| {
            if let Poll::Ready(r) = attempts.as_mut().poll(cx) {
                return Poll::Ready(r);
            }
            match deadline.as_mut().as_pin_mut().map(|d| d.poll(cx)) {
                Some(Poll::Ready(())) => Poll::Ready(Err(deadline_exceeded())),
                _ => Poll::Pending,
            }
        })
        .await
    }
}

enum Body {
    One(Bytes),
    Stream(ByteStream),
}

enum PlanBody {
    /// A framed unary request.
    One(Bytes),
    /// A request stream, kept for replays.
    Replay(Arc<Replay>),
}

/// A call's attempts: everything needed to send it again.
struct Plan {
    channel: Channel,
    method: &'static MethodDescriptor,
    metadata: Metadata,
    /// What the config selector gave the picks (gRFC A31, A42); held until the call is
    /// committed.
    request_hash: Option<u64>,
    attributes: Attributes,
    opts: CallOpts,
    wait: bool,
    body: PlanBody,
    /// A unary call under a retry or hedging policy reads its whole response inside the
    /// attempt: until the application has seen the response, a failure can be retried.
    buffer_unary: bool,
    /// A Connect client or server stream under a retry or hedging policy reads its first
    /// response item (message or status) inside the attempt.
    buffer_first: bool,
    next_id: AtomicU32,
    /// The call's telemetry, if anything watches it.
    telemetry: Option<Arc<ClientTelemetry>>,
}

impl Plan {
    /// One attempt: pick, send, wait for the response headers; requests the server never
    /// processed are sent again at once (elsewhere if the connection is going away).
    async fn run(&self, previous: u32) -> Outcome {
        let c = &self.channel.inner.call;
        let mut transparent = 0u32;
        loop {
            // gRFC A66: attempts are created "after name resolution ... but before the LB
            // pick"; observers may add trace context to the attempt's request.
            let attempt_tel = self
                .telemetry
                .as_ref()
                .map(|t| AttemptStart::new(t, previous, transparent > 0));
            let info = PickInfo::new(self.method, &self.metadata)
                .with_request_hash(self.request_hash)
                .with_attributes(&self.attributes);
            let (picked, hook) = match self
                .channel
                .pick(self.wait, self.opts.deadline, &info)
                .await
            {
                Ok(p) => p,
                Err(s) => {
                    if let Some(a) = &attempt_tel {
                        a.telemetry.end(s.code());
                    }
                    return Outcome::Failed(s);
                }
            };
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            let body = match &self.body {
                PlanBody::One(b) => AttemptBody::One(b.clone()),
                PlanBody::Replay(r) => AttemptBody::Replay(Arc::clone(r), id),
            };
            let mut r = match (c.web, &picked.client) {
                (None, Conn::H2(client)) => {
                    let mut headers =
                        request_headers(c, self.method, &self.opts, &self.metadata, previous);
                    let attempt_tel = attempt_tel.map(|a| a.picked(&picked, &body, &mut headers));
                    attempt(
                        client,
                        &picked.sub.label,
                        Some(&picked),
                        c,
                        &self.opts,
                        headers,
                        &body,
                        attempt_tel.as_ref(),
                    )
                    .await
                }
                // Boxed: the gRPC path's future holds no room for the web attempt's.
                (Some(wire), _) => {
                    let web =
                        Box::pin(self.web_attempt(wire, &picked, previous, &body, attempt_tel));
                    web.await
                }
                (None, Conn::H1(_)) => Err(Failure::Status(Status::internal(
                    "a gRPC call picked an HTTP/1.1 connection",
                ))),
            };
            if let Some(h) = hook {
                // In place: the result (with its call body) is not moved for this.
                match &mut r {
                    Ok((_, call)) => call.on_end(Some(h)),
                    Err(Failure::Transparent(s) | Failure::Status(s)) => {
                        h(CallEnd::new(s.code(), true));
                    }
                }
            }
            match r {
                Ok((md, mut call)) => {
                    // Items of the response read inside the attempt (see `buffer_unary` and
                    // `buffer_first`). One await for both: a second await site here costs
                    // every call's future room for a second read (+680 bytes).
                    let ahead = match &self.body {
                        PlanBody::One(_) if self.buffer_unary => 3,
                        _ if self.buffer_first => 1,
                        _ => 0,
                    };
                    if ahead > 0
                        && let Err(s) = call.buffer_ahead(ahead).await
                    {
                        return Outcome::Failed(s);
                    }
                    if let PlanBody::Replay(r) = &self.body
                        && !r.commit(id)
                    {
                        return Outcome::Lost;
                    }
                    return Outcome::Won(md, call);
                }
                // gRFC A6: "the client library will immediately retry it once. If this fails,
                // then the RPC will be handled by the configured retry policy" — a few
                // times here, spaced, as a connection that refused streams is replaced.
                Err(Failure::Transparent(s))
                    if transparent < MAX_TRANSPARENT && !self.committed() =>
                {
                    transparent += 1;
                    if transparent > 1 {
                        tokio::time::sleep(Duration::from_millis(u64::from(transparent) * 5)).await;
                    }
                    tracing::debug!(error = %s.message(), "transparent retry");
                }
                Err(f) => return Outcome::Failed(f.into_status()),
            }
        }
    }

    /// One attempt over the channel's web protocol, on `picked`.
    #[inline(never)]
    async fn web_attempt(
        &self,
        wire: Wire,
        picked: &Picked,
        previous: u32,
        body: &AttemptBody,
        attempt_tel: Option<AttemptStart>,
    ) -> Result<(Metadata, CallBody), Failure> {
        let c = &self.channel.inner.call;
        let prepared = web_attempt::prepare(
            wire,
            c,
            self.method,
            &self.opts,
            &self.metadata,
            previous,
            body,
        )
        .await;
        let mut out = match prepared {
            Ok(out) => out,
            Err(s) => {
                if let Some(a) = &attempt_tel {
                    a.telemetry.end(s.code());
                }
                return Err(Failure::Status(s));
            }
        };
        let attempt_tel = attempt_tel.map(|a| a.picked(picked, body, &mut out.fields));
        web_attempt::run(
            wire,
            &picked.client,
            &picked.sub.label,
            Some(picked),
            c,
            self.method,
            &self.opts,
            out,
            attempt_tel.as_ref(),
        )
        .await
    }
}

/// A pick the call could not use (its subchannel was no longer READY): its hook hears so.
#[cold]
fn unused(hook: Option<CompletionHook>) {
    if let Some(h) = hook {
        h(CallEnd::new(Code::UNAVAILABLE, false));
    }
}

/// The method a channel's [`connect_now`](Channel::connect_now) asks the picker about.
static CONNECT: MethodDescriptor = MethodDescriptor {
    path: "/",
    service: "",
    method: "",
    kind: crate::call::MethodKind::from_streaming(false, false),
};

impl Attempts for Plan {
    fn attempt(self: Arc<Self>, previous: u32) -> BoxFuture<'static, Outcome> {
        Box::pin(async move { self.run(previous).await })
    }

    fn committed(&self) -> bool {
        match &self.body {
            PlanBody::One(_) => false,
            PlanBody::Replay(r) => r.is_committed(),
        }
    }

    fn throttle(&self) -> Option<&Throttle> {
        self.channel.inner.throttle.as_ref()
    }
}

impl Transport for Channel {
    fn call(
        &self,
        method: &'static MethodDescriptor,
        request: Request<ByteStream>,
    ) -> BoxFuture<'static, Result<Response<ByteStream>, Status>> {
        let this = self.clone();
        let telemetry = ClientTelemetry::start(&self.inner.observe, method);
        let span = span_of(&telemetry);
        let call = async move {
            let t = telemetry.as_ref();
            match this.start(method, request.map(Body::Stream), t).await {
                Ok((md, body)) => Ok(body.into_response(md)),
                Err(s) => {
                    if let Some(t) = t {
                        t.end(s.code());
                    }
                    Err(s)
                }
            }
        };
        match span {
            None => Box::pin(call),
            Some(span) => Box::pin(tracing::Instrument::instrument(call, span)),
        }
    }

    fn unary(
        &self,
        method: &'static MethodDescriptor,
        request: Request<Bytes>,
    ) -> BoxFuture<'static, Result<Response<Bytes>, Status>> {
        let this = self.clone();
        let telemetry = ClientTelemetry::start(&self.inner.observe, method);
        let span = span_of(&telemetry);
        let call = async move {
            let t = telemetry.as_ref();
            let r = this.unary_call(method, request, t).await;
            if let Some(t) = t {
                t.end(r.as_ref().map_or_else(Status::code, |_| Code::OK));
            }
            r
        };
        match span {
            None => Box::pin(call),
            Some(span) => Box::pin(tracing::Instrument::instrument(call, span)),
        }
    }
}

/// The span a call's future runs in, if it has an enabled one.
#[inline]
fn span_of(telemetry: &Option<Arc<ClientTelemetry>>) -> Option<tracing::Span> {
    telemetry
        .as_ref()
        .filter(|t| !t.span.is_disabled())
        .map(|t| t.span.clone())
}

impl Channel {
    /// A unary call (the body of [`Transport::unary`]).
    async fn unary_call(
        &self,
        method: &'static MethodDescriptor,
        request: Request<Bytes>,
        telemetry: Option<&Arc<ClientTelemetry>>,
    ) -> Result<Response<Bytes>, Status> {
        let (md, mut body) = self
            .start(method, request.map(Body::One), telemetry)
            .await?;
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
        let compressed = body.last_compressed();
        let mut resp = Response::from_parts(md, msg);
        *resp.trailers_mut() = trailers;
        if let Some(c) = compressed {
            resp.metadata_mut().attached_mut().compressed = Some(LastCompressed::Known(c));
        }
        Ok(resp)
    }
}

/// An attempt's telemetry between its start and its pick, with the metadata its observers
/// added.
struct AttemptStart {
    telemetry: Arc<AttemptTelemetry>,
    metadata: Metadata,
}

impl AttemptStart {
    #[cold]
    fn new(call: &Arc<ClientTelemetry>, previous: u32, transparent: bool) -> AttemptStart {
        let mut metadata = Metadata::new();
        let telemetry = call.attempt(previous, transparent, &mut metadata);
        AttemptStart {
            telemetry,
            metadata,
        }
    }

    /// The attempt picked `picked`: the added metadata goes into `headers`, and a framed
    /// unary request counts as sent.
    #[cold]
    fn picked(
        self,
        picked: &Picked,
        body: &AttemptBody,
        headers: &mut Vec<courier_hpack::HeaderField>,
    ) -> Arc<AttemptTelemetry> {
        push_metadata(&self.metadata, headers);
        let t = self.telemetry;
        t.picked(&picked.sub.address, picked.sub.channelz.as_ref());
        if let AttemptBody::One(frame) = body {
            let wire = frame.len().saturating_sub(crate::codec::HEADER_LEN);
            let compressed = frame.first() == Some(&1);
            t.sent(wire, t.call().request_len(), compressed);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The connections' HTTP/2 settings a built channel will use.
    fn h2_of(b: ChannelBuilder) -> courier_h2::Config {
        let ch = b.build();
        let launch = ch.inner.launch.lock().unwrap();
        launch.as_ref().unwrap().ctx.h2.clone()
    }

    /// `busy_poll` reaches the connections' HTTP/2 settings whichever order the builder
    /// methods come in; without it, `http2_config`'s value stands.
    #[test]
    fn busy_poll_wins_over_http2_config() {
        let window = Duration::from_micros(50);
        let mut h2 = courier_h2::Config::default();
        h2.busy_poll = Duration::from_millis(7);
        let b = || Channel::builder("127.0.0.1:1");
        let before = b().busy_poll(window).http2_config(h2.clone());
        assert_eq!(h2_of(before).busy_poll, window);
        let after = b().http2_config(h2.clone()).busy_poll(window);
        assert_eq!(h2_of(after).busy_poll, window);
        assert_eq!(
            h2_of(b().http2_config(h2)).busy_poll,
            Duration::from_millis(7)
        );
        assert_eq!(h2_of(b()).busy_poll, Duration::ZERO);
    }
}
