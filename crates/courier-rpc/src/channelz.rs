//! channelz (gRFC A14): what a live process's channels, subchannels, servers and sockets are
//! doing — their call counters, last-call timestamps, connectivity state, trace events and
//! socket details — kept for the entities that ask for it and read by the
//! `grpc.channelz.v1.Channelz` service (the `courier-channelz` crate).
//!
//! Off by default. A channel or server keeps channelz data only when built with
//! [`ChannelBuilder::channelz`](crate::ChannelBuilder::channelz) or
//! [`ServerBuilder::channelz`](crate::ServerBuilder::channelz); it then registers itself (and
//! its subchannels and sockets) in this process-wide registry until it is dropped. A channel
//! or server without it pays one branch per call and keeps nothing.
//!
//! A14: "Each entity is uniquely identified by a positive integer, called the id. This id must
//! be distinct and may not be reused over the lifetime of the process for any entity." Ids come
//! from one counter for every kind of entity, starting at 1, so they are ordered and paginate.
//! <https://github.com/grpc/proposal/blob/master/A14-channelz.md>
//!
//! The reading side is this module's functions ([`top_channels`], [`channel`], [`subchannel`],
//! [`servers`], [`server`], [`server_sockets`], [`socket`]); each returns a snapshot.
//!
//! What is counted where:
//! - channel: calls started, succeeded (status OK) and failed (any other status, including a
//!   call dropped before its end, which counts as CANCELLED), the last call's start;
//! - subchannel: the attempts picked onto it, the same way; its connectivity state, and a
//!   trace event for each state change;
//! - socket (one per connection, client or server side): streams started, succeeded and
//!   failed, counted as calls are (A14 counts a stream as succeeded when an END_STREAM went
//!   out (server) or came in (client); Courier counts the calls on it whose status is OK, so a
//!   call that ends with an error status is a failed stream here), messages sent and received
//!   and when the last one was, the last stream created locally and remotely, keepalive PINGs
//!   sent, and the connection's flow-control windows (read from the HTTP/2 driver when the
//!   socket is queried);
//! - server: calls started, succeeded and failed (including calls refused before a handler
//!   ran), the last call's start, its listen sockets and its connections.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::client::ConnectivityState;
use crate::code::Code;

/// How many trace events each entity keeps by default (the oldest go first);
/// [`set_max_trace_events`] changes it.
pub const DEFAULT_MAX_TRACE_EVENTS: usize = 32;

static MAX_TRACE_EVENTS: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_TRACE_EVENTS);

/// Sets how many trace events each entity keeps from now on (0: none; the count of events
/// logged still grows).
pub fn set_max_trace_events(n: usize) {
    MAX_TRACE_EVENTS.store(n, Ordering::Relaxed);
}

/// The next entity id: one counter for every kind (A14: ids are unique among channels,
/// subchannels, servers and sockets together; 0 is unused).
static NEXT_ID: AtomicI64 = AtomicI64::new(1);

fn next_id() -> i64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// Now, as nanoseconds since the Unix epoch (0 is "never").
fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn time_of(nanos: i64) -> Option<SystemTime> {
    (nanos > 0).then(|| UNIX_EPOCH + Duration::from_nanos(nanos as u64))
}

/// The process-wide registry: every live entity, by id, in id order.
struct Registry {
    channels: Mutex<BTreeMap<i64, Weak<ChannelNode>>>,
    subchannels: Mutex<BTreeMap<i64, Weak<SubchannelNode>>>,
    servers: Mutex<BTreeMap<i64, Weak<ServerNode>>>,
    sockets: Mutex<BTreeMap<i64, Weak<SocketNode>>>,
}

static REGISTRY: Registry = Registry {
    channels: Mutex::new(BTreeMap::new()),
    subchannels: Mutex::new(BTreeMap::new()),
    servers: Mutex::new(BTreeMap::new()),
    sockets: Mutex::new(BTreeMap::new()),
};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Up to `max` live entries of `map` from id `start` on, and whether that was the last of
/// them (A14's `end`).
fn page<T>(map: &Mutex<BTreeMap<i64, Weak<T>>>, start: i64, max: usize) -> (Vec<Arc<T>>, bool) {
    let map = lock(map);
    let mut out = Vec::new();
    let mut it = map.range(start.max(0)..).filter_map(|(_, w)| w.upgrade());
    for node in it.by_ref() {
        if out.len() == max {
            // One more exists: not the end.
            return (out, false);
        }
        out.push(node);
    }
    (out, true)
}

/// An entity's id and human-readable name (A14's `ChannelRef`, `SubchannelRef`, `ServerRef`,
/// `SocketRef`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EntityRef {
    /// The id (positive, unique in the process, never reused).
    pub id: i64,
    /// A name for people (a channel's target, a subchannel's address, a socket's addresses).
    pub name: String,
}

/// Call counters of a channel, subchannel or server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallCounts {
    /// Calls started.
    pub calls_started: i64,
    /// Calls that ended with status OK.
    pub calls_succeeded: i64,
    /// Calls that ended with any other status.
    pub calls_failed: i64,
    /// When the last call started.
    pub last_call_started: Option<SystemTime>,
}

/// The live counters behind [`CallCounts`].
#[derive(Debug, Default)]
pub(crate) struct Calls {
    started: AtomicI64,
    succeeded: AtomicI64,
    failed: AtomicI64,
    last_started: AtomicI64,
}

impl Calls {
    pub(crate) fn start(&self) {
        self.started.fetch_add(1, Ordering::Relaxed);
        self.last_started.store(now_nanos(), Ordering::Relaxed);
    }

    pub(crate) fn end(&self, code: Code) {
        if code == Code::OK {
            self.succeeded.fetch_add(1, Ordering::Relaxed);
        } else {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn snapshot(&self) -> CallCounts {
        CallCounts {
            calls_started: self.started.load(Ordering::Relaxed),
            calls_succeeded: self.succeeded.load(Ordering::Relaxed),
            calls_failed: self.failed.load(Ordering::Relaxed),
            last_call_started: time_of(self.last_started.load(Ordering::Relaxed)),
        }
    }
}

/// How serious a trace event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Severity {
    /// Informational.
    Info,
    /// Something went wrong that may fix itself.
    Warning,
    /// Something failed.
    Error,
}

/// The child entity a trace event is about.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChildRef {
    /// A channel.
    Channel(EntityRef),
    /// A subchannel.
    Subchannel(EntityRef),
}

/// One event in an entity's trace.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TraceEvent {
    /// What happened.
    pub description: String,
    /// How serious it is.
    pub severity: Severity,
    /// When it happened.
    pub timestamp: SystemTime,
    /// The child entity it is about, if any.
    pub child: Option<ChildRef>,
}

/// An entity's recent events.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Trace {
    /// Events logged since the entity was created (more than `events` holds once the oldest
    /// were dropped).
    pub num_events_logged: i64,
    /// When the entity was created.
    pub creation: SystemTime,
    /// The most recent events, oldest first (at most [`set_max_trace_events`]).
    pub events: Vec<TraceEvent>,
}

/// The live trace behind [`Trace`].
#[derive(Debug)]
pub(crate) struct TraceLog {
    creation: SystemTime,
    logged: AtomicI64,
    events: Mutex<VecDeque<TraceEvent>>,
}

impl TraceLog {
    fn new() -> TraceLog {
        TraceLog {
            creation: SystemTime::now(),
            logged: AtomicI64::new(0),
            events: Mutex::new(VecDeque::new()),
        }
    }

    pub(crate) fn add(&self, severity: Severity, description: String, child: Option<ChildRef>) {
        self.logged.fetch_add(1, Ordering::Relaxed);
        let max = MAX_TRACE_EVENTS.load(Ordering::Relaxed);
        let mut events = lock(&self.events);
        while events.len() >= max.max(1) {
            events.pop_front();
        }
        if max > 0 {
            events.push_back(TraceEvent {
                description,
                severity,
                timestamp: SystemTime::now(),
                child,
            });
        }
    }

    fn snapshot(&self) -> Trace {
        Trace {
            num_events_logged: self.logged.load(Ordering::Relaxed),
            creation: self.creation,
            events: lock(&self.events).iter().cloned().collect(),
        }
    }
}

fn state_code(s: ConnectivityState) -> u8 {
    match s {
        ConnectivityState::Idle => 1,
        ConnectivityState::Connecting => 2,
        ConnectivityState::Ready => 3,
        ConnectivityState::TransientFailure => 4,
        ConnectivityState::Shutdown => 5,
    }
}

fn state_of(code: u8) -> Option<ConnectivityState> {
    Some(match code {
        1 => ConnectivityState::Idle,
        2 => ConnectivityState::Connecting,
        3 => ConnectivityState::Ready,
        4 => ConnectivityState::TransientFailure,
        5 => ConnectivityState::Shutdown,
        _ => return None,
    })
}

/// A channel (or subchannel) as channelz reports it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ChannelInfo {
    /// Its id and name (the target).
    pub reference: EntityRef,
    /// Its connectivity state, if known.
    pub state: Option<ConnectivityState>,
    /// The channel's target (a subchannel's address).
    pub target: String,
    /// Its calls.
    pub calls: CallCounts,
    /// Its recent events.
    pub trace: Trace,
    /// A channel's subchannels (empty for a subchannel).
    pub subchannels: Vec<EntityRef>,
    /// A subchannel's socket (its connection, while it has one; empty for a channel).
    pub sockets: Vec<EntityRef>,
}

/// A channel's channelz node.
pub(crate) struct ChannelNode {
    id: i64,
    target: String,
    pub(crate) calls: Calls,
    pub(crate) trace: TraceLog,
    /// Reads the channel's state (set once the channel's balancer exists).
    state: OnceLock<Box<dyn Fn() -> ConnectivityState + Send + Sync>>,
    /// The state the trace last recorded.
    traced_state: AtomicU8,
    subchannels: Mutex<BTreeMap<i64, Weak<SubchannelNode>>>,
}

impl fmt::Debug for ChannelNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelNode")
            .field("id", &self.id)
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl ChannelNode {
    /// Registers a channel to `target`.
    pub(crate) fn register(target: &str) -> Arc<ChannelNode> {
        let node = Arc::new(ChannelNode {
            id: next_id(),
            target: target.to_owned(),
            calls: Calls::default(),
            trace: TraceLog::new(),
            state: OnceLock::new(),
            traced_state: AtomicU8::new(state_code(ConnectivityState::Idle)),
            subchannels: Mutex::new(BTreeMap::new()),
        });
        node.trace
            .add(Severity::Info, "Channel created".to_owned(), None);
        lock(&REGISTRY.channels).insert(node.id, Arc::downgrade(&node));
        node
    }

    /// Where the channel's state is read from.
    pub(crate) fn set_state_source(
        &self,
        f: impl Fn() -> ConnectivityState + Send + Sync + 'static,
    ) {
        let _ = self.state.set(Box::new(f));
    }

    /// The channel published `state` (a trace event when it changed).
    pub(crate) fn note_state(&self, state: ConnectivityState) {
        let code = state_code(state);
        if self.traced_state.swap(code, Ordering::Relaxed) == code {
            return;
        }
        let severity = match state {
            ConnectivityState::TransientFailure => Severity::Warning,
            _ => Severity::Info,
        };
        self.trace.add(
            severity,
            format!("Channel state changed to {}", state_name(state)),
            None,
        );
    }

    fn reference(&self) -> EntityRef {
        EntityRef {
            id: self.id,
            name: self.target.clone(),
        }
    }

    fn info(&self) -> ChannelInfo {
        let subchannels = lock(&self.subchannels)
            .values()
            .filter_map(Weak::upgrade)
            .map(|s| s.reference())
            .collect();
        ChannelInfo {
            reference: self.reference(),
            state: self.state.get().map(|f| f()),
            target: self.target.clone(),
            calls: self.calls.snapshot(),
            trace: self.trace.snapshot(),
            subchannels,
            sockets: Vec::new(),
        }
    }
}

impl Drop for ChannelNode {
    fn drop(&mut self) {
        lock(&REGISTRY.channels).remove(&self.id);
    }
}

/// A subchannel's channelz node.
#[derive(Debug)]
pub(crate) struct SubchannelNode {
    id: i64,
    address: String,
    pub(crate) calls: Calls,
    trace: TraceLog,
    state: AtomicU8,
    parent: Weak<ChannelNode>,
    /// Its connection's socket, while it has one.
    socket: Mutex<Option<Arc<SocketNode>>>,
}

impl SubchannelNode {
    /// Registers a subchannel of `parent` for `address`.
    pub(crate) fn register(parent: &Arc<ChannelNode>, address: &str) -> Arc<SubchannelNode> {
        let node = Arc::new(SubchannelNode {
            id: next_id(),
            address: address.to_owned(),
            calls: Calls::default(),
            trace: TraceLog::new(),
            state: AtomicU8::new(state_code(ConnectivityState::Idle)),
            parent: Arc::downgrade(parent),
            socket: Mutex::new(None),
        });
        node.trace
            .add(Severity::Info, "Subchannel created".to_owned(), None);
        lock(&REGISTRY.subchannels).insert(node.id, Arc::downgrade(&node));
        lock(&parent.subchannels).insert(node.id, Arc::downgrade(&node));
        parent.trace.add(
            Severity::Info,
            format!("Child Subchannel created for {address}"),
            Some(ChildRef::Subchannel(node.reference())),
        );
        node
    }

    fn reference(&self) -> EntityRef {
        EntityRef {
            id: self.id,
            name: self.address.clone(),
        }
    }

    /// The subchannel's state is now `state` (a trace event when it changed).
    pub(crate) fn set_state(&self, state: ConnectivityState, why: Option<&str>) {
        let code = state_code(state);
        if self.state.swap(code, Ordering::Relaxed) == code {
            return;
        }
        let severity = match state {
            ConnectivityState::TransientFailure => Severity::Warning,
            _ => Severity::Info,
        };
        let description = match why {
            Some(why) => format!("Subchannel state changed to {}: {why}", state_name(state)),
            None => format!("Subchannel state changed to {}", state_name(state)),
        };
        self.trace.add(severity, description, None);
    }

    /// The subchannel's connection is now `socket` (or none).
    pub(crate) fn set_socket(&self, socket: Option<Arc<SocketNode>>) {
        *lock(&self.socket) = socket;
    }

    /// The socket of its connection, if it has one.
    pub(crate) fn socket(&self) -> Option<Arc<SocketNode>> {
        lock(&self.socket).clone()
    }

    fn info(&self) -> ChannelInfo {
        ChannelInfo {
            reference: self.reference(),
            state: state_of(self.state.load(Ordering::Relaxed)),
            target: self.address.clone(),
            calls: self.calls.snapshot(),
            trace: self.trace.snapshot(),
            subchannels: Vec::new(),
            sockets: self.socket().map(|s| s.reference()).into_iter().collect(),
        }
    }
}

impl Drop for SubchannelNode {
    fn drop(&mut self) {
        lock(&REGISTRY.subchannels).remove(&self.id);
        if let Some(parent) = self.parent.upgrade() {
            lock(&parent.subchannels).remove(&self.id);
            parent.trace.add(
                Severity::Info,
                format!("Child Subchannel for {} deleted", self.address),
                Some(ChildRef::Subchannel(self.reference())),
            );
        }
    }
}

fn state_name(s: ConnectivityState) -> &'static str {
    match s {
        ConnectivityState::Idle => "IDLE",
        ConnectivityState::Connecting => "CONNECTING",
        ConnectivityState::Ready => "READY",
        ConnectivityState::TransientFailure => "TRANSIENT_FAILURE",
        ConnectivityState::Shutdown => "SHUTDOWN",
    }
}

/// A server as channelz reports it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerInfo {
    /// Its id and name.
    pub reference: EntityRef,
    /// Its calls.
    pub calls: CallCounts,
    /// Its recent events.
    pub trace: Trace,
    /// The sockets it listens on.
    pub listen_sockets: Vec<EntityRef>,
}

/// A server's channelz node.
#[derive(Debug)]
pub(crate) struct ServerNode {
    id: i64,
    pub(crate) calls: Calls,
    trace: TraceLog,
    listen: Mutex<BTreeMap<i64, Weak<SocketNode>>>,
    sockets: Mutex<BTreeMap<i64, Weak<SocketNode>>>,
}

impl ServerNode {
    /// Registers a server.
    pub(crate) fn register() -> Arc<ServerNode> {
        let node = Arc::new(ServerNode {
            id: next_id(),
            calls: Calls::default(),
            trace: TraceLog::new(),
            listen: Mutex::new(BTreeMap::new()),
            sockets: Mutex::new(BTreeMap::new()),
        });
        node.trace
            .add(Severity::Info, "Server created".to_owned(), None);
        lock(&REGISTRY.servers).insert(node.id, Arc::downgrade(&node));
        node
    }

    /// A socket listening at `local` for this server: registered while the returned node
    /// lives.
    pub(crate) fn listen_socket(self: &Arc<Self>, local: Option<SocketAddr>) -> Arc<SocketNode> {
        let node = SocketNode::register(local.map(SocketAddress::Tcp), None, None, true);
        lock(&self.listen).insert(node.id, Arc::downgrade(&node));
        self.trace
            .add(Severity::Info, format!("Listening on {}", node.name), None);
        node
    }

    /// A connection of this server: registered while the returned node lives.
    pub(crate) fn connection(
        self: &Arc<Self>,
        local: Option<SocketAddr>,
        remote: Option<SocketAddr>,
    ) -> Arc<SocketNode> {
        let node = SocketNode::register(
            local.map(SocketAddress::Tcp),
            remote.map(SocketAddress::Tcp),
            Some(Arc::clone(self)),
            false,
        );
        let mut sockets = lock(&self.sockets);
        // Entries of closed connections leave as new ones come.
        sockets.retain(|_, w| w.strong_count() > 0);
        sockets.insert(node.id, Arc::downgrade(&node));
        node
    }

    fn info(&self) -> ServerInfo {
        ServerInfo {
            reference: EntityRef {
                id: self.id,
                name: String::new(),
            },
            calls: self.calls.snapshot(),
            trace: self.trace.snapshot(),
            listen_sockets: lock(&self.listen)
                .values()
                .filter_map(Weak::upgrade)
                .map(|s| s.reference())
                .collect(),
        }
    }
}

impl Drop for ServerNode {
    fn drop(&mut self) {
        lock(&REGISTRY.servers).remove(&self.id);
    }
}

/// A socket's address.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SocketAddress {
    /// TCP/IP.
    Tcp(SocketAddr),
    /// A Unix domain socket.
    Unix(PathBuf),
}

impl fmt::Display for SocketAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocketAddress::Tcp(a) => write!(f, "{a}"),
            SocketAddress::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

/// What the HTTP/2 connection of a socket reports when asked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportStats {
    /// The connection's flow-control window this endpoint grants the peer (octets).
    pub local_flow_control_window: Option<i64>,
    /// The window the peer grants this endpoint.
    pub remote_flow_control_window: Option<i64>,
    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS (0 when it set none).
    pub peer_max_concurrent_streams: u32,
    /// Keepalive PINGs this endpoint sent.
    pub keepalives_sent: i64,
}

/// A socket as channelz reports it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SocketInfo {
    /// Its id and name (its addresses).
    pub reference: EntityRef,
    /// The local address, if known.
    pub local: Option<SocketAddress>,
    /// The remote address (none for a listen socket).
    pub remote: Option<SocketAddress>,
    /// Streams (calls) started on it.
    pub streams_started: i64,
    /// Streams whose call ended with status OK.
    pub streams_succeeded: i64,
    /// Streams whose call ended otherwise.
    pub streams_failed: i64,
    /// Messages sent.
    pub messages_sent: i64,
    /// Messages received.
    pub messages_received: i64,
    /// When this side last created a stream (a client's call).
    pub last_local_stream_created: Option<SystemTime>,
    /// When the peer last created one (a server's call).
    pub last_remote_stream_created: Option<SystemTime>,
    /// When the last message went out.
    pub last_message_sent: Option<SystemTime>,
    /// When the last message came in.
    pub last_message_received: Option<SystemTime>,
    /// From the connection itself (none for a listen socket, or a connection that ended).
    pub transport: Option<TransportStats>,
}

/// A socket's channelz node.
pub(crate) struct SocketNode {
    id: i64,
    name: String,
    local: Option<SocketAddress>,
    remote: Option<SocketAddress>,
    /// A server connection's server (its calls count there too).
    pub(crate) server: Option<Arc<ServerNode>>,
    streams_started: AtomicI64,
    streams_succeeded: AtomicI64,
    streams_failed: AtomicI64,
    messages_sent: AtomicI64,
    messages_received: AtomicI64,
    last_local_stream: AtomicI64,
    last_remote_stream: AtomicI64,
    last_sent: AtomicI64,
    last_received: AtomicI64,
    /// Reads the connection's HTTP/2 stats.
    stats: OnceLock<courier_h2::driver::StatsHandle>,
}

impl fmt::Debug for SocketNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketNode")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl SocketNode {
    pub(crate) fn register(
        local: Option<SocketAddress>,
        remote: Option<SocketAddress>,
        server: Option<Arc<ServerNode>>,
        listen: bool,
    ) -> Arc<SocketNode> {
        let show = |a: &Option<SocketAddress>| a.as_ref().map_or("?".to_owned(), |a| a.to_string());
        let name = if listen {
            show(&local)
        } else {
            format!("{} -> {}", show(&local), show(&remote))
        };
        let node = Arc::new(SocketNode {
            id: next_id(),
            name,
            local,
            remote,
            server,
            streams_started: AtomicI64::new(0),
            streams_succeeded: AtomicI64::new(0),
            streams_failed: AtomicI64::new(0),
            messages_sent: AtomicI64::new(0),
            messages_received: AtomicI64::new(0),
            last_local_stream: AtomicI64::new(0),
            last_remote_stream: AtomicI64::new(0),
            last_sent: AtomicI64::new(0),
            last_received: AtomicI64::new(0),
            stats: OnceLock::new(),
        });
        lock(&REGISTRY.sockets).insert(node.id, Arc::downgrade(&node));
        node
    }

    /// Where the connection's [`TransportStats`] come from.
    pub(crate) fn set_stats(&self, stats: courier_h2::driver::StatsHandle) {
        let _ = self.stats.set(stats);
    }

    fn reference(&self) -> EntityRef {
        EntityRef {
            id: self.id,
            name: self.name.clone(),
        }
    }

    /// A stream started: by this side (`local`: a client's call) or by the peer.
    pub(crate) fn stream_started(&self, local: bool) {
        self.streams_started.fetch_add(1, Ordering::Relaxed);
        let at = if local {
            &self.last_local_stream
        } else {
            &self.last_remote_stream
        };
        at.store(now_nanos(), Ordering::Relaxed);
    }

    /// A stream's call ended with `code`.
    pub(crate) fn stream_ended(&self, code: Code) {
        if code == Code::OK {
            self.streams_succeeded.fetch_add(1, Ordering::Relaxed);
        } else {
            self.streams_failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn message_sent(&self) {
        self.messages_sent.fetch_add(1, Ordering::Relaxed);
        self.last_sent.store(now_nanos(), Ordering::Relaxed);
    }

    pub(crate) fn message_received(&self) {
        self.messages_received.fetch_add(1, Ordering::Relaxed);
        self.last_received.store(now_nanos(), Ordering::Relaxed);
    }

    async fn info(&self) -> SocketInfo {
        let transport = match self.stats.get() {
            Some(h) => h.stats().await.ok().map(|s| TransportStats {
                local_flow_control_window: Some(s.recv_window),
                remote_flow_control_window: Some(s.send_window),
                // RFC 9113 §6.5.2: "Initially, there is no limit to this value".
                peer_max_concurrent_streams: if s.peer_max_concurrent_streams == u32::MAX {
                    0
                } else {
                    s.peer_max_concurrent_streams
                },
                keepalives_sent: i64::try_from(s.keepalives_sent).unwrap_or(i64::MAX),
            }),
            None => None,
        };
        SocketInfo {
            reference: self.reference(),
            local: self.local.clone(),
            remote: self.remote.clone(),
            streams_started: self.streams_started.load(Ordering::Relaxed),
            streams_succeeded: self.streams_succeeded.load(Ordering::Relaxed),
            streams_failed: self.streams_failed.load(Ordering::Relaxed),
            messages_sent: self.messages_sent.load(Ordering::Relaxed),
            messages_received: self.messages_received.load(Ordering::Relaxed),
            last_local_stream_created: time_of(self.last_local_stream.load(Ordering::Relaxed)),
            last_remote_stream_created: time_of(self.last_remote_stream.load(Ordering::Relaxed)),
            last_message_sent: time_of(self.last_sent.load(Ordering::Relaxed)),
            last_message_received: time_of(self.last_received.load(Ordering::Relaxed)),
            transport,
        }
    }
}

impl Drop for SocketNode {
    fn drop(&mut self) {
        lock(&REGISTRY.sockets).remove(&self.id);
    }
}

/// A page of results: the entities, and whether the last live one is among them.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Page<T> {
    /// The entities, in id order.
    pub items: Vec<T>,
    /// No live entity comes after them.
    pub end: bool,
}

/// The channels (top-level: every channel built with channelz on) with ids from `start` on, at
/// most `max` of them.
pub fn top_channels(start: i64, max: usize) -> Page<ChannelInfo> {
    let (nodes, end) = page(&REGISTRY.channels, start, max);
    Page {
        items: nodes.iter().map(|n| n.info()).collect(),
        end,
    }
}

/// The channel with id `id`, if it is alive.
pub fn channel(id: i64) -> Option<ChannelInfo> {
    let node = lock(&REGISTRY.channels).get(&id)?.upgrade()?;
    Some(node.info())
}

/// The subchannel with id `id`, if it is alive.
pub fn subchannel(id: i64) -> Option<ChannelInfo> {
    let node = lock(&REGISTRY.subchannels).get(&id)?.upgrade()?;
    Some(node.info())
}

/// The servers with ids from `start` on, at most `max` of them.
pub fn servers(start: i64, max: usize) -> Page<ServerInfo> {
    let (nodes, end) = page(&REGISTRY.servers, start, max);
    Page {
        items: nodes.iter().map(|n| n.info()).collect(),
        end,
    }
}

/// The server with id `id`, if it is alive.
pub fn server(id: i64) -> Option<ServerInfo> {
    let node = lock(&REGISTRY.servers).get(&id)?.upgrade()?;
    Some(node.info())
}

/// The open connections of server `id` with socket ids from `start` on, at most `max` of
/// them; `None` if there is no such server.
pub fn server_sockets(id: i64, start: i64, max: usize) -> Option<Page<EntityRef>> {
    let node = lock(&REGISTRY.servers).get(&id)?.upgrade()?;
    let (sockets, end) = page(&node.sockets, start, max);
    Some(Page {
        items: sockets.iter().map(|s| s.reference()).collect(),
        end,
    })
}

/// The socket with id `id`, if it is open; its [`TransportStats`] are read from its
/// connection.
pub async fn socket(id: i64) -> Option<SocketInfo> {
    let node = lock(&REGISTRY.sockets).get(&id)?.upgrade()?;
    Some(node.info().await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_in_id_order_and_says_when_they_end() {
        let server = ServerNode::register();
        let a = server.connection(None, None);
        let b = server.connection(None, None);
        let c = server.connection(None, None);
        let p = server_sockets(server.id, 0, 2).unwrap();
        assert_eq!(
            p.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            [a.id, b.id]
        );
        assert!(!p.end);
        let p = server_sockets(server.id, b.id + 1, 2).unwrap();
        assert_eq!(p.items.iter().map(|r| r.id).collect::<Vec<_>>(), [c.id]);
        assert!(p.end);
        drop(b);
        let p = server_sockets(server.id, 0, 5).unwrap();
        assert_eq!(
            p.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            [a.id, c.id]
        );
        assert!(p.end);
        let id = server.id;
        drop((a, c, server));
        assert!(self::server(id).is_none());
    }

    #[test]
    fn trace_keeps_the_latest_events() {
        let t = TraceLog::new();
        for i in 0..(DEFAULT_MAX_TRACE_EVENTS + 5) {
            t.add(Severity::Info, format!("e{i}"), None);
        }
        let s = t.snapshot();
        assert_eq!(s.num_events_logged, DEFAULT_MAX_TRACE_EVENTS as i64 + 5);
        assert_eq!(s.events.len(), DEFAULT_MAX_TRACE_EVENTS);
        assert_eq!(s.events[0].description, "e5");
    }

    #[test]
    fn calls_count_ok_as_succeeded() {
        let c = Calls::default();
        c.start();
        c.start();
        c.end(Code::OK);
        c.end(Code::UNAVAILABLE);
        let s = c.snapshot();
        assert_eq!(
            (s.calls_started, s.calls_succeeded, s.calls_failed),
            (2, 1, 1)
        );
        assert!(s.last_call_started.is_some());
    }
}
