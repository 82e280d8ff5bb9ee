//! Watching calls: `tracing` spans for every call, and [`Observer`]s — the plugin seam for
//! metrics and trace-context propagation (gRFC A66's `CallTracer`).
//!
//! **Spans.** Every call is a [`tracing`] span on both sides, with the OpenTelemetry RPC
//! semantic conventions as fields:
//!
//! - client: a call span `grpc.client.call` (OpenTelemetry name `Sent.<service>.<method>`, gRFC
//!   A72), and under it one span `grpc.client.attempt` per attempt (`Attempt.<service>.<method>`)
//!   — retries, hedged attempts and transparent retries each get their own, with the fields
//!   `previous-rpc-attempts` and `transparent-retry` saying which;
//! - server: one span `grpc.server.call` per call (`Recv.<service>.<method>`).
//!
//! Fields: `rpc.system.name` and `rpc.system` (`grpc`), `rpc.method`
//! (`package.Service/Method`, or `_OTHER` on a server for a method it does not serve, with the
//! path in `rpc.method_original`), `rpc.service`, `rpc.status_code` (`OK`, `UNAVAILABLE`, …),
//! `rpc.grpc.status_code` (the number), `error.type` for a failed call, `server.address` and
//! `server.port` (the client's target), `network.peer.address` and `network.peer.port` (the
//! address each attempt reached; the client's address on a server), and the fields the
//! `tracing-opentelemetry` bridge reads (`otel.name`, `otel.kind`, `otel.status_code`,
//! `otel.status_description`). The spans are at INFO level under the targets
//! `courier_rpc::client` and `courier_rpc::server`; with no subscriber (or one that filters
//! them out) a call pays for one check of each callsite and allocates nothing. They are
//! compiled with the cargo feature `spans` (a default one); without it there are no spans
//! (and no message events), and observers work as ever.
//!
//! **Message events** (opt-in: [`ChannelBuilder::message_events`](crate::ChannelBuilder::message_events),
//! [`ServerBuilder::message_events`](crate::ServerBuilder::message_events)) are INFO events in the
//! attempt span (client) or the call span (server), named as gRFC A72 names them: `Outbound
//! message` and `Inbound message`, with `sequence-number`, `message-size` and, for a compressed
//! message, `message-size-compressed`.
//!
//! **Observers** ([`Observer`], registered with
//! [`ChannelBuilder::observer`](crate::ChannelBuilder::observer) and
//! [`ServerBuilder::observer`](crate::ServerBuilder::observer)) hear when each call and attempt
//! starts and ends, with its status, duration and the compressed message bytes each way (what
//! gRFC A66's instruments record), and may add metadata to each attempt's request (trace
//! context: `traceparent`, `grpc-trace-bin`) and read the server's request metadata. The
//! OpenTelemetry bridge (the `courier-otel` crate) is one. A channel or server without
//! observers, whose spans no subscriber wants, keeps no per-call state for any of this.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tracing::Span;
#[cfg(feature = "spans")]
use tracing::field::Empty;

use crate::call::MethodDescriptor;
use crate::channelz::{ChannelNode, SocketNode, SubchannelNode};
use crate::code::Code;
use crate::metadata::Metadata;

/// A plugin that watches calls: gRFC A66's `CallTracer` factory. It is asked once per call
/// whether it follows the call; the observer it returns hears the call's attempts and end.
///
/// Both methods default to not following anything, so a client-only or server-only plugin
/// implements one.
pub trait Observer: Send + Sync + 'static {
    /// A client call starts (before its request message is sent, before name resolution and
    /// the load-balancing pick). `None`: not followed.
    fn client_call(&self, call: &ClientCall<'_>) -> Option<Box<dyn ClientCallObserver>> {
        let _ = call;
        None
    }

    /// A server call starts: its request headers arrived and were decoded. `None`: not
    /// followed.
    fn server_call(&self, call: &ServerCall<'_>) -> Option<Box<dyn ServerCallObserver>> {
        let _ = call;
        None
    }
}

/// What an [`Observer`] learns of a client call as it starts.
#[derive(Debug)]
pub struct ClientCall<'a> {
    pub(crate) method: &'static MethodDescriptor,
    pub(crate) target: &'a str,
    pub(crate) span: &'a Span,
}

impl<'a> ClientCall<'a> {
    /// The method called.
    pub fn method(&self) -> &'static MethodDescriptor {
        self.method
    }

    /// The channel's target in canonical form (gRFC A66 `grpc.target`): with its scheme,
    /// `dns:///` when the application gave none (`dns:///example.com:443`).
    pub fn target(&self) -> &'a str {
        self.target
    }

    /// The call's span (disabled when no subscriber wants it).
    pub fn span(&self) -> &'a Span {
        self.span
    }
}

/// Follows one client call (gRFC A66 `CallTracer`); made by [`Observer::client_call`].
pub trait ClientCallObserver: Send + Sync {
    /// An attempt starts: the first, a retry or hedge, or a transparent retry. It runs before
    /// the load-balancing pick. Entries added to `metadata` go out with this attempt's request
    /// headers (trace context propagation); `-bin` keys take raw bytes.
    fn attempt_started(&self, attempt: &Attempt<'_>, metadata: &mut Metadata) {
        let _ = (attempt, metadata);
    }

    /// An attempt ended.
    fn attempt_ended(&self, end: &AttemptEnd) {
        let _ = end;
    }

    /// The call ended: its status is about to reach the application.
    fn call_ended(&self, end: &ClientCallEnd) {
        let _ = end;
    }
}

/// An attempt of a client call, as it starts.
#[derive(Debug)]
pub struct Attempt<'a> {
    pub(crate) previous_attempts: u32,
    pub(crate) transparent: bool,
    pub(crate) span: &'a Span,
}

impl<'a> Attempt<'a> {
    /// Attempts of the call before this one under its retry or hedging policy (transparent
    /// retries not counted): what `grpc-previous-rpc-attempts` says.
    pub fn previous_attempts(&self) -> u32 {
        self.previous_attempts
    }

    /// Whether this attempt is a transparent retry (gRFC A6: the previous one never left the
    /// client, or the server never processed it).
    pub fn is_transparent_retry(&self) -> bool {
        self.transparent
    }

    /// The attempt's span (a child of the call's; disabled when no subscriber wants it).
    pub fn span(&self) -> &'a Span {
        self.span
    }
}

/// How an attempt ended (gRFC A66's per-attempt instruments).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AttemptEnd {
    /// The attempt's status code.
    pub code: Code,
    /// From the attempt's start (before its pick) to its end.
    pub duration: Duration,
    /// Request message bytes sent, as compressed on the wire, without gRPC's 5-octet prefixes.
    pub sent_message_bytes: u64,
    /// Response message bytes received, likewise.
    pub received_message_bytes: u64,
}

/// How a client call ended.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientCallEnd {
    /// The status code the application gets.
    pub code: Code,
    /// From the call's start to its status reaching the application.
    pub duration: Duration,
}

/// What an [`Observer`] learns of a server call as it starts.
#[derive(Debug)]
pub struct ServerCall<'a> {
    pub(crate) method: &'a str,
    pub(crate) registered: bool,
    pub(crate) metadata: &'a Metadata,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) span: &'a Span,
}

impl<'a> ServerCall<'a> {
    /// The method as `package.Service/Method` (the `:path` without its leading `/`).
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// Whether the server serves this method. gRFC A66: unregistered method names "should by
    /// default be reported with "other" value instead" (they are the client's to choose).
    pub fn is_registered(&self) -> bool {
        self.registered
    }

    /// The request metadata (trace context to extract, for one).
    pub fn metadata(&self) -> &'a Metadata {
        self.metadata
    }

    /// The client's address, when the transport has one.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The call's span (disabled when no subscriber wants it): its parent may be set from
    /// the request's trace context.
    pub fn span(&self) -> &'a Span {
        self.span
    }
}

/// Follows one server call (gRFC A66 `ServerCallTracer`); made by [`Observer::server_call`].
pub trait ServerCallObserver: Send + Sync {
    /// The call ended: its status was handed to the transport (trailers, or a reset).
    fn call_ended(&self, end: &ServerCallEnd);
}

/// How a server call ended (gRFC A66's server instruments).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerCallEnd {
    /// The status code sent (`CANCELLED` for a call the client reset).
    pub code: Code,
    /// From the request headers' arrival to the status.
    pub duration: Duration,
    /// Response message bytes sent, as compressed on the wire, without gRPC's 5-octet prefixes.
    pub sent_message_bytes: u64,
    /// Request message bytes received, likewise.
    pub received_message_bytes: u64,
}

/// The observers and settings of a channel or server.
#[derive(Clone, Default)]
pub(crate) struct Observe {
    pub(crate) observers: Vec<Arc<dyn Observer>>,
    pub(crate) message_events: bool,
    /// Keep channelz data ([`crate::channelz`]).
    pub(crate) channelz: bool,
}

impl fmt::Debug for Observe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Observe")
            .field("observers", &self.observers.len())
            .field("message_events", &self.message_events)
            .finish()
    }
}

/// The name gRPC's status code documents give a code; the number for one outside the table.
fn code_name(code: Code) -> &'static str {
    code.name().unwrap_or("UNKNOWN")
}

/// Records a call's or attempt's status on its span.
fn record_status(span: &Span, code: Code) {
    if span.is_disabled() {
        return;
    }
    let name = code_name(code);
    span.record("rpc.grpc.status_code", code.0);
    span.record("rpc.status_code", name);
    if code != Code::OK {
        span.record("error.type", name);
        span.record("otel.status_code", "ERROR");
        span.record("otel.status_description", name);
    }
}

/// A message event (gRFC A72) in `span`: `outbound` or inbound, its sequence number, its size
/// and, if it was compressed, its compressed size.
#[cfg_attr(not(feature = "spans"), allow(unused_variables))]
fn message_event(span: &Span, outbound: bool, seq: u32, size: usize, compressed: Option<usize>) {
    #[cfg(feature = "spans")]
    {
        let name = if outbound {
            "Outbound message"
        } else {
            "Inbound message"
        };
        match compressed {
            Some(c) => tracing::event!(
                target: "courier_rpc::message",
                parent: span,
                tracing::Level::INFO,
                {
                    "sequence-number" = seq,
                    "message-size" = size,
                    "message-size-compressed" = c,
                },
                "{name}"
            ),
            None => tracing::event!(
                target: "courier_rpc::message",
                parent: span,
                tracing::Level::INFO,
                { "sequence-number" = seq, "message-size" = size },
                "{name}"
            ),
        }
    }
}

/// The host and port a target names (OpenTelemetry `server.address`, `server.port`), from the
/// channel's authority.
pub(crate) fn server_address(authority: &str) -> (Arc<str>, Option<u16>) {
    if let Some(rest) = authority.strip_prefix('[') {
        // An IPv6 literal: `[::1]:50051`.
        if let Some((host, port)) = rest.split_once(']') {
            let port = port.strip_prefix(':').and_then(|p| p.parse().ok());
            return (Arc::from(host), port);
        }
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(p) => (Arc::from(host), Some(p)),
            Err(_) => (Arc::from(authority), None),
        },
        _ => (Arc::from(authority), None),
    }
}

/// gRFC A66 `grpc.target`: the target with its scheme, `dns:///` added when it had none.
pub(crate) fn canonical_target(target: &str) -> Arc<str> {
    const SCHEMES: &[&str] = &[
        "dns",
        "unix",
        "unix-abstract",
        "ipv4",
        "ipv6",
        "http",
        "https",
        "xds",
    ];
    // naming.md: a target is a URI `scheme://[authority]/path`, or a scheme the resolvers know;
    // anything else is a DNS name (`host:port`).
    let has_scheme = target.split_once(':').is_some_and(|(scheme, rest)| {
        SCHEMES.contains(&scheme)
            || (rest.starts_with("//")
                && !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
    });
    if has_scheme {
        Arc::from(target)
    } else {
        Arc::from(format!("dns:///{target}"))
    }
}

/// What a channel keeps for its calls' telemetry.
#[derive(Debug)]
pub(crate) struct ChannelObserve {
    pub(crate) observe: Observe,
    /// gRFC A66 `grpc.target`.
    pub(crate) target: Arc<str>,
    /// The span fields `server.address` and `server.port`.
    #[cfg_attr(not(feature = "spans"), allow(dead_code))]
    pub(crate) server_address: Arc<str>,
    #[cfg_attr(not(feature = "spans"), allow(dead_code))]
    pub(crate) server_port: Option<u16>,
    /// The channel's channelz node, when channelz is on.
    pub(crate) channelz: Option<Arc<ChannelNode>>,
}

/// One client call's telemetry: its span, the observers following it, its start.
pub(crate) struct ClientTelemetry {
    start: Instant,
    pub(crate) span: Span,
    observers: Vec<Box<dyn ClientCallObserver>>,
    method: &'static MethodDescriptor,
    message_events: bool,
    ended: AtomicBool,
    /// A unary request's size before compression (for message events).
    request_len: AtomicUsize,
    channelz: Option<Arc<ChannelNode>>,
}

impl Drop for ClientTelemetry {
    fn drop(&mut self) {
        // A call dropped by the application before its status arrived was cancelled.
        self.end(Code::CANCELLED);
    }
}

impl fmt::Debug for ClientTelemetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTelemetry")
            .field("method", &self.method.path)
            .finish_non_exhaustive()
    }
}

impl ClientTelemetry {
    /// The telemetry of a call of `method` starting now; `None` when nothing watches it (no
    /// observer follows it and no subscriber wants its span).
    #[inline]
    pub(crate) fn start(
        ch: &ChannelObserve,
        method: &'static MethodDescriptor,
    ) -> Option<Arc<ClientTelemetry>> {
        #[cfg(feature = "spans")]
        let span = tracing::info_span!(
            target: "courier_rpc::client",
            "grpc.client.call",
            otel.name = %format_args!("Sent.{}.{}", method.service, method.method),
            otel.kind = "client",
            rpc.system.name = "grpc",
            rpc.system = "grpc",
            rpc.service = method.service,
            rpc.method = method.path.strip_prefix('/').unwrap_or(method.path),
            server.address = &*ch.server_address,
            server.port = ch.server_port,
            rpc.status_code = Empty,
            rpc.grpc.status_code = Empty,
            error.type = Empty,
            otel.status_code = Empty,
            otel.status_description = Empty,
        );
        #[cfg(not(feature = "spans"))]
        let span = Span::none();
        if span.is_disabled() && ch.observe.observers.is_empty() && ch.channelz.is_none() {
            return None;
        }
        Some(Self::start_watched(ch, method, span))
    }

    #[cold]
    fn start_watched(
        ch: &ChannelObserve,
        method: &'static MethodDescriptor,
        span: Span,
    ) -> Arc<ClientTelemetry> {
        let info = ClientCall {
            method,
            target: &ch.target,
            span: &span,
        };
        let observers = ch
            .observe
            .observers
            .iter()
            .filter_map(|o| o.client_call(&info))
            .collect();
        if let Some(c) = &ch.channelz {
            c.calls.start();
        }
        Arc::new(ClientTelemetry {
            start: Instant::now(),
            span,
            observers,
            method,
            message_events: ch.observe.message_events,
            ended: AtomicBool::new(false),
            request_len: AtomicUsize::new(0),
            channelz: ch.channelz.clone(),
        })
    }

    /// A unary request's message is `len` octets (before compression).
    pub(crate) fn set_request_len(&self, len: usize) {
        self.request_len.store(len, Ordering::Relaxed);
    }

    /// What [`set_request_len`](Self::set_request_len) set.
    pub(crate) fn request_len(&self) -> usize {
        self.request_len.load(Ordering::Relaxed)
    }

    /// An attempt starts; `metadata` gets what the observers add to its request.
    pub(crate) fn attempt(
        self: &Arc<Self>,
        previous_attempts: u32,
        transparent: bool,
        metadata: &mut Metadata,
    ) -> Arc<AttemptTelemetry> {
        #[cfg(feature = "spans")]
        let m = self.method;
        #[cfg(feature = "spans")]
        let span = tracing::info_span!(
            target: "courier_rpc::client",
            parent: &self.span,
            "grpc.client.attempt",
            otel.name = %format_args!("Attempt.{}.{}", m.service, m.method),
            otel.kind = "client",
            rpc.system.name = "grpc",
            rpc.system = "grpc",
            rpc.service = m.service,
            rpc.method = m.path.strip_prefix('/').unwrap_or(m.path),
            "previous-rpc-attempts" = previous_attempts,
            "transparent-retry" = transparent,
            network.peer.address = Empty,
            network.peer.port = Empty,
            rpc.status_code = Empty,
            rpc.grpc.status_code = Empty,
            error.type = Empty,
            otel.status_code = Empty,
            otel.status_description = Empty,
        );
        #[cfg(not(feature = "spans"))]
        let span = Span::none();
        let info = Attempt {
            previous_attempts,
            transparent,
            span: &span,
        };
        for o in &self.observers {
            o.attempt_started(&info, metadata);
        }
        Arc::new(AttemptTelemetry {
            call: Arc::clone(self),
            start: Instant::now(),
            span,
            sent: AtomicU64::new(0),
            received: AtomicU64::new(0),
            sent_seq: AtomicU32::new(0),
            received_seq: AtomicU32::new(0),
            ends_call: AtomicBool::new(false),
            ended: AtomicBool::new(false),
            code: AtomicI32::new(0),
            channelz: OnceLock::new(),
        })
    }

    /// The call ended with `code` (once; later ends are ignored).
    pub(crate) fn end(&self, code: Code) {
        if self.ended.swap(true, Ordering::AcqRel) {
            return;
        }
        record_status(&self.span, code);
        if let Some(c) = &self.channelz {
            c.calls.end(code);
        }
        let end = ClientCallEnd {
            code,
            duration: self.start.elapsed(),
        };
        for o in &self.observers {
            o.call_ended(&end);
        }
    }
}

/// One attempt's telemetry, shared by the attempt's response reader and request pump.
pub(crate) struct AttemptTelemetry {
    call: Arc<ClientTelemetry>,
    start: Instant,
    span: Span,
    sent: AtomicU64,
    received: AtomicU64,
    sent_seq: AtomicU32,
    received_seq: AtomicU32,
    /// The call ends with this attempt (its response stream went to the application).
    ends_call: AtomicBool,
    ended: AtomicBool,
    /// The status code it ended with.
    code: AtomicI32,
    /// The subchannel it was picked onto and its connection's socket, when channelz is on.
    channelz: OnceLock<(Arc<SubchannelNode>, Option<Arc<SocketNode>>)>,
}

impl fmt::Debug for AttemptTelemetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttemptTelemetry")
            .field("method", &self.call.method.path)
            .finish_non_exhaustive()
    }
}

impl AttemptTelemetry {
    /// The attempt reached `peer` (its pick), through subchannel `sub` if channelz is on.
    pub(crate) fn picked(&self, peer: &crate::client::Address, sub: Option<&Arc<SubchannelNode>>) {
        if let Some(sub) = sub {
            sub.calls.start();
            let socket = sub.socket();
            if let Some(s) = &socket {
                s.stream_started(true);
            }
            let _ = self.channelz.set((Arc::clone(sub), socket));
        }
        if self.span.is_disabled() {
            return;
        }
        match peer {
            crate::client::Address::Tcp(a) => {
                self.span
                    .record("network.peer.address", tracing::field::display(a.ip()));
                self.span.record("network.peer.port", a.port());
            }
            crate::client::Address::Unix(p) => {
                self.span
                    .record("network.peer.address", tracing::field::display(p.display()));
            }
        }
    }

    /// A request message went out: `wire` octets on the wire (without the prefix), `size`
    /// before compression.
    pub(crate) fn sent(&self, wire: usize, size: usize, compressed: bool) {
        self.sent.fetch_add(wire as u64, Ordering::Relaxed);
        if let Some((_, Some(s))) = self.channelz.get() {
            s.message_sent();
        }
        if self.call.message_events {
            let seq = self.sent_seq.fetch_add(1, Ordering::Relaxed);
            message_event(&self.span, true, seq, size, compressed.then_some(wire));
        }
    }

    /// A response message arrived: `wire` octets (without the prefix), `size` decompressed.
    pub(crate) fn received(&self, wire: usize, size: usize, compressed: bool) {
        self.received.fetch_add(wire as u64, Ordering::Relaxed);
        if let Some((_, Some(s))) = self.channelz.get() {
            s.message_received();
        }
        if self.call.message_events {
            let seq = self.received_seq.fetch_add(1, Ordering::Relaxed);
            message_event(&self.span, false, seq, size, compressed.then_some(wire));
        }
    }

    /// The attempt's response went to the application as a stream: the call ends when the
    /// attempt does (now, if it has).
    pub(crate) fn set_ends_call(&self) {
        self.ends_call.store(true, Ordering::SeqCst);
        if self.ended.load(Ordering::SeqCst) {
            self.call.end(Code(self.code.load(Ordering::SeqCst)));
        }
    }

    /// The call this attempt belongs to.
    pub(crate) fn call(&self) -> &Arc<ClientTelemetry> {
        &self.call
    }

    /// The attempt ended with `code` (once).
    pub(crate) fn end(&self, code: Code) {
        self.code.store(code.0, Ordering::SeqCst);
        if self.ended.swap(true, Ordering::SeqCst) {
            return;
        }
        record_status(&self.span, code);
        if let Some((sub, socket)) = self.channelz.get() {
            sub.calls.end(code);
            if let Some(s) = socket {
                s.stream_ended(code);
            }
        }
        let end = AttemptEnd {
            code,
            duration: self.start.elapsed(),
            sent_message_bytes: self.sent.load(Ordering::Relaxed),
            received_message_bytes: self.received.load(Ordering::Relaxed),
        };
        for o in &self.call.observers {
            o.attempt_ended(&end);
        }
        if self.ends_call.load(Ordering::SeqCst) {
            self.call.end(code);
        }
    }
}

impl Drop for AttemptTelemetry {
    fn drop(&mut self) {
        // An attempt dropped before its end (a hedge that lost, a call dropped by the
        // application) was cancelled.
        self.end(Code::CANCELLED);
    }
}

/// A server call's telemetry, or none: the server's call path is generic over it, so that a
/// server with nothing watching keeps no state for it in a call ([`Unobserved`] is empty).
pub(crate) trait ServerObserve: Clone + Send + Sync + 'static {
    /// A response message went out.
    fn sent(&self, wire: usize, size: usize, compressed: bool);
    /// A request message arrived.
    fn received(&self, wire: usize, size: usize, compressed: bool);
    /// The call ended with `code` (once; later ends are ignored).
    fn end(&self, code: Code);
}

/// Nothing watches the call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Unobserved;

impl ServerObserve for Unobserved {
    #[inline(always)]
    fn sent(&self, _: usize, _: usize, _: bool) {}
    #[inline(always)]
    fn received(&self, _: usize, _: usize, _: bool) {}
    #[inline(always)]
    fn end(&self, _: Code) {}
}

/// A watched server call.
pub(crate) struct ServerTelemetry {
    start: Instant,
    pub(crate) span: Span,
    observers: Vec<Box<dyn ServerCallObserver>>,
    message_events: bool,
    sent: AtomicU64,
    received: AtomicU64,
    sent_seq: AtomicU32,
    received_seq: AtomicU32,
    ended: AtomicBool,
    /// The connection's channelz socket (and through it the server's node), when channelz is
    /// on.
    channelz: Option<Arc<SocketNode>>,
}

impl fmt::Debug for ServerTelemetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTelemetry").finish_non_exhaustive()
    }
}

/// The server span of a call of `path` (`/package.Service/Method`), from `peer`. Its method
/// fields are set by [`name_server_method`] once the call is known to be watched.
#[inline]
pub(crate) fn server_span(path: &[u8], peer: Option<SocketAddr>) -> Span {
    #[cfg(feature = "spans")]
    {
        tracing::info_span!(
            target: "courier_rpc::server",
            "grpc.server.call",
            otel.name = %RecvName(path),
            otel.kind = "server",
            rpc.system.name = "grpc",
            rpc.system = "grpc",
            rpc.service = Empty,
            rpc.method = Empty,
            rpc.method_original = Empty,
            network.peer.address = peer.map(|p| tracing::field::display(p.ip())),
            network.peer.port = peer.map(|p| p.port()),
            rpc.status_code = Empty,
            rpc.grpc.status_code = Empty,
            error.type = Empty,
            otel.status_code = Empty,
            otel.status_description = Empty,
        )
    }
    #[cfg(not(feature = "spans"))]
    {
        let _ = (path, peer);
        Span::none()
    }
}

/// gRFC A72's name of a server span: `Recv.<service>.<method>`.
#[cfg(feature = "spans")]
struct RecvName<'a>(&'a [u8]);

#[cfg(feature = "spans")]
impl fmt::Display for RecvName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = String::from_utf8_lossy(self.0);
        let full = path.strip_prefix('/').unwrap_or(&path);
        match full.split_once('/') {
            Some((service, method)) => write!(f, "Recv.{service}.{method}"),
            None => write!(f, "Recv.{full}"),
        }
    }
}

/// Sets the method fields of a server span: `rpc.method` is the method if the server serves
/// it (`registered`), else `_OTHER` with the path in `rpc.method_original` (OpenTelemetry gRPC
/// conventions: "When the method is not recognized ... the attribute MUST be set to
/// `_OTHER`").
pub(crate) fn name_server_method(span: &Span, path: &str, registered: bool) {
    if span.is_disabled() {
        return;
    }
    let full = path.strip_prefix('/').unwrap_or(path);
    if let Some((service, _)) = full.split_once('/') {
        span.record("rpc.service", service);
    }
    if registered {
        span.record("rpc.method", full);
    } else {
        span.record("rpc.method", "_OTHER");
        span.record("rpc.method_original", full);
    }
}

impl ServerTelemetry {
    /// The telemetry of a server call of `path` starting now, whose span is `span`.
    #[cold]
    pub(crate) fn start(
        observe: &Observe,
        span: Span,
        path: &str,
        registered: bool,
        metadata: &Metadata,
        peer: Option<SocketAddr>,
        channelz: Option<&Arc<SocketNode>>,
    ) -> Arc<ServerTelemetry> {
        let start = Instant::now();
        if let Some(socket) = channelz {
            socket.stream_started(false);
            if let Some(server) = &socket.server {
                server.calls.start();
            }
        }
        let info = ServerCall {
            method: path.strip_prefix('/').unwrap_or(path),
            registered,
            metadata,
            peer,
            span: &span,
        };
        let observers = observe
            .observers
            .iter()
            .filter_map(|o| o.server_call(&info))
            .collect();
        Arc::new(ServerTelemetry {
            start,
            span,
            observers,
            message_events: observe.message_events,
            sent: AtomicU64::new(0),
            received: AtomicU64::new(0),
            sent_seq: AtomicU32::new(0),
            received_seq: AtomicU32::new(0),
            ended: AtomicBool::new(false),
            channelz: channelz.cloned(),
        })
    }
}

impl ServerObserve for Arc<ServerTelemetry> {
    fn sent(&self, wire: usize, size: usize, compressed: bool) {
        self.sent.fetch_add(wire as u64, Ordering::Relaxed);
        if let Some(s) = &self.channelz {
            s.message_sent();
        }
        if self.message_events {
            let seq = self.sent_seq.fetch_add(1, Ordering::Relaxed);
            message_event(&self.span, true, seq, size, compressed.then_some(wire));
        }
    }

    fn received(&self, wire: usize, size: usize, compressed: bool) {
        self.received.fetch_add(wire as u64, Ordering::Relaxed);
        if let Some(s) = &self.channelz {
            s.message_received();
        }
        if self.message_events {
            let seq = self.received_seq.fetch_add(1, Ordering::Relaxed);
            message_event(&self.span, false, seq, size, compressed.then_some(wire));
        }
    }

    fn end(&self, code: Code) {
        ServerTelemetry::end(self, code);
    }
}

impl ServerTelemetry {
    /// The call ended with `code` (once; later ends are ignored).
    pub(crate) fn end(&self, code: Code) {
        if self.ended.swap(true, Ordering::AcqRel) {
            return;
        }
        record_status(&self.span, code);
        if let Some(socket) = &self.channelz {
            socket.stream_ended(code);
            if let Some(server) = &socket.server {
                server.calls.end(code);
            }
        }
        let end = ServerCallEnd {
            code,
            duration: self.start.elapsed(),
            sent_message_bytes: self.sent.load(Ordering::Relaxed),
            received_message_bytes: self.received.load(Ordering::Relaxed),
        };
        for o in &self.observers {
            o.call_ended(&end);
        }
    }
}

impl Drop for ServerTelemetry {
    fn drop(&mut self) {
        // A call whose task ended without a status (aborted at shutdown, say).
        self.end(Code::CANCELLED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_targets() {
        assert_eq!(
            &*canonical_target("localhost:50051"),
            "dns:///localhost:50051"
        );
        assert_eq!(&*canonical_target("127.0.0.1:80"), "dns:///127.0.0.1:80");
        assert_eq!(&*canonical_target("dns:///a.b:1"), "dns:///a.b:1");
        assert_eq!(&*canonical_target("xds:///svc"), "xds:///svc");
        assert_eq!(&*canonical_target("unix:/tmp/s"), "unix:/tmp/s");
        assert_eq!(&*canonical_target("ipv4:1.2.3.4:5"), "ipv4:1.2.3.4:5");
        assert_eq!(&*canonical_target("[::1]:50051"), "dns:///[::1]:50051");
    }

    #[test]
    fn server_addresses() {
        assert_eq!(
            server_address("grpc.io:50051"),
            (Arc::from("grpc.io"), Some(50051))
        );
        assert_eq!(server_address("[::1]:8"), (Arc::from("::1"), Some(8)));
        assert_eq!(server_address("localhost"), (Arc::from("localhost"), None));
    }
}
