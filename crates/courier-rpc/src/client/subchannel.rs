//! Subchannels: one per resolved address, each owning at most one HTTP/2 connection with its
//! own connectivity state and connection backoff.
//!
//! State machine (gRPC connectivity-semantics): IDLE —connect request→ CONNECTING —connected→
//! READY (or, with client-side health checking, READY only while the backend reports
//! SERVING) —connection lost, drained or retired→ IDLE; CONNECTING —failed→ TRANSIENT_FAILURE
//! —backoff delay→ IDLE. The LB policy decides when an IDLE subchannel connects.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use courier_h2::Reason;
use courier_h2::driver::{self, Client as H2Client};
use courier_h2::frame::GoAway;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Notify, mpsc, watch};

use super::ConnectivityState;
use super::attempt::CallConfig;
use super::backoff::{Backoff, BackoffState, Rng};
use super::connector::{BoxIo, Connector};
use super::health::{HealthEvent, watch_health};
use super::lb::{SubchannelState, next_subchannel_id};
use super::resolver::Address;
use crate::channelz::{ChannelNode, SocketAddress, SocketNode, SubchannelNode};
use crate::code::Code;
use crate::status::Status;
use crate::web::H1Pool;

/// A connection that ends sooner than this after it was made counts as a failed attempt.
const CLOSED_AT_ONCE: Duration = Duration::from_millis(50);

/// What every subchannel of a channel shares.
pub(crate) struct SubchannelCtx {
    pub(crate) connector: Arc<dyn Connector>,
    pub(crate) authority: String,
    pub(crate) h2: courier_h2::Config,
    /// The keepalive interval in milliseconds (0: off). Doubled after the server's GOAWAY
    /// ENHANCE_YOUR_CALM "too_many_pings" (keepalive.md), for every later connection.
    pub(crate) keepalive_ms: AtomicU64,
    pub(crate) backoff: Backoff,
    /// Client-side health checking (gRFC A17): the service name to watch.
    pub(crate) health_service: Option<String>,
    pub(crate) call: Arc<CallConfig>,
    /// Tells the balancer of every subchannel state change (subchannel id, new state).
    pub(crate) events: mpsc::UnboundedSender<(u64, SubchannelState)>,
    /// Asks the resolver to resolve again (a connection was lost).
    pub(crate) reresolve: Arc<Notify>,
    /// The channel's channelz node, when channelz is on.
    pub(crate) channelz: Option<Arc<ChannelNode>>,
}

impl SubchannelCtx {
    async fn connect(&self, addr: &Address) -> io::Result<BoxIo> {
        match addr {
            Address::Tcp(a) => self.connector.connect(*a, &self.authority).await,
            Address::Unix(p) => self.connector.connect_unix(p, &self.authority).await,
        }
    }

    /// Connections are HTTP/1.1 (a web protocol over HTTP/1.1), not HTTP/2.
    fn http1(&self) -> bool {
        self.call
            .web
            .is_some_and(|w| w.http == crate::context::HttpVersion::Http11)
    }

    fn h2_config(&self) -> courier_h2::Config {
        let mut c = self.h2.clone();
        let ms = self.keepalive_ms.load(Ordering::Relaxed);
        c.keepalive_interval = (ms > 0).then(|| Duration::from_millis(ms));
        c
    }
}

/// How a READY subchannel carries calls.
#[derive(Clone, Debug)]
pub(crate) enum Conn {
    /// One HTTP/2 connection (gRPC, or a web protocol over HTTP/2).
    H2(H2Client),
    /// Kept-alive HTTP/1.1 connections to the address (a web protocol over HTTP/1.1).
    H1(Arc<H1Pool>),
}

/// A subchannel's published state.
#[derive(Clone, Debug)]
pub(crate) struct SubState {
    pub(crate) state: ConnectivityState,
    /// The connection, while READY.
    pub(crate) client: Option<Conn>,
    /// Why it is in TRANSIENT_FAILURE.
    pub(crate) error: Option<Status>,
    /// Counts connections: a call that finds its connection unusable retires exactly it.
    pub(crate) generation: u64,
}

/// One address's connection.
#[derive(Debug)]
pub(crate) struct Subchannel {
    /// Unique in the process (the balancer routes state changes by it).
    pub(crate) id: u64,
    pub(crate) address: Address,
    /// The address as errors name it.
    pub(crate) label: Arc<str>,
    state: watch::Sender<SubState>,
    connect: Notify,
    /// The newest connection generation a call retired (a watch, not a notification: a
    /// retirement of an old connection must not carry over to the next one).
    retired: watch::Sender<u64>,
    shutdown: watch::Sender<bool>,
    events: mpsc::UnboundedSender<(u64, SubchannelState)>,
    /// Its channelz node, when channelz is on.
    pub(crate) channelz: Option<Arc<SubchannelNode>>,
}

/// A call's pick: a ready connection and where it came from.
#[derive(Clone, Debug)]
pub(crate) struct Picked {
    pub(crate) client: Conn,
    pub(crate) sub: Arc<Subchannel>,
    pub(crate) generation: u64,
}

impl Picked {
    /// The connection refused a new stream (it is closing or going away): stop using it.
    pub(crate) fn retire(&self) {
        self.sub.retire(self.generation);
    }
}

impl Subchannel {
    /// A subchannel for `address`, IDLE until asked to connect; its task runs until
    /// [`shutdown`](Self::shutdown).
    pub(crate) fn spawn(address: Address, ctx: Arc<SubchannelCtx>) -> Arc<Subchannel> {
        let channelz = ctx
            .channelz
            .as_ref()
            .map(|c| SubchannelNode::register(c, &address.to_string()));
        let sub = Arc::new(Subchannel {
            channelz,
            id: next_subchannel_id(),
            label: Arc::from(address.to_string()),
            address,
            state: watch::Sender::new(SubState {
                state: ConnectivityState::Idle,
                client: None,
                error: None,
                generation: 0,
            }),
            connect: Notify::new(),
            retired: watch::Sender::new(0),
            shutdown: watch::Sender::new(false),
            events: ctx.events.clone(),
        });
        tokio::spawn(run(Arc::clone(&sub), ctx));
        sub
    }

    /// Its connection, if READY: what a call picking it uses.
    #[inline]
    pub(crate) fn ready(self: &Arc<Self>) -> Option<Picked> {
        let s = self.state.borrow();
        match (&s.client, s.state) {
            (Some(c), ConnectivityState::Ready) => Some(Picked {
                client: c.clone(),
                sub: Arc::clone(self),
                generation: s.generation,
            }),
            _ => None,
        }
    }

    /// Asks an IDLE subchannel to connect (no effect in other states).
    pub(crate) fn request_connect(&self) {
        self.connect.notify_one();
    }

    /// Stops using connection `generation` (if it is still the current one): it closes
    /// gracefully, its calls finish, and the subchannel goes IDLE.
    pub(crate) fn retire(&self, generation: u64) {
        self.retired.send_if_modified(|r| {
            let newer = *r < generation;
            if newer {
                *r = generation;
            }
            newer
        });
    }

    /// Closes the subchannel for good (its address left the resolver's list, or the channel
    /// shut down). Calls in flight on its connection finish.
    pub(crate) fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Sets the state and tells the balancer.
    fn set(&self, state: ConnectivityState, client: Option<Conn>, error: Option<Status>) {
        if let Some(node) = &self.channelz {
            node.set_state(state, error.as_ref().map(|e| e.message()));
        }
        let event = SubchannelState {
            state,
            error: error.clone(),
        };
        self.state.send_modify(|s| {
            s.state = state;
            s.client = client;
            s.error = error;
        });
        let _ = self.events.send((self.id, event));
    }
}

/// The subchannel's task.
async fn run(sub: Arc<Subchannel>, ctx: Arc<SubchannelCtx>) {
    let mut shutdown = sub.shutdown.subscribe();
    let mut backoff = BackoffState::new(ctx.backoff, Rng::new(Arc::as_ptr(&sub) as u64));
    let mut delay = backoff.first_delay();
    loop {
        // IDLE: wait for the policy to ask.
        tokio::select! {
            _ = sub.connect.notified() => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        sub.set(ConnectivityState::Connecting, None, None);
        let attempt_deadline = Instant::now() + delay;
        let connect_deadline = tokio::time::Instant::now() + backoff.connect_timeout(delay);
        let r = tokio::select! {
            r = tokio::time::timeout_at(connect_deadline, ctx.connect(&sub.address)) => r,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        let failure = match r {
            Ok(Ok(io)) => {
                let served = if ctx.http1() {
                    let started = Instant::now();
                    Ok((serve_h1(&sub, &ctx, io, &mut shutdown).await, started))
                } else {
                    let local = sub.channelz.as_ref().and_then(|_| local_addr(&io));
                    match establish(&sub, &ctx, io, connect_deadline, &mut shutdown).await {
                        None => return,
                        Some(Err(failure)) => Err(failure),
                        Some(Ok((client, conn))) => {
                            let started = Instant::now();
                            if let Some(node) = &sub.channelz {
                                node.set_socket(Some(connection_socket(
                                    &sub.address,
                                    local,
                                    &client,
                                )));
                            }
                            let ended = serve(&sub, &ctx, client, conn, &mut shutdown).await;
                            if let Some(node) = &sub.channelz {
                                node.set_socket(None);
                            }
                            Ok((ended, started))
                        }
                    }
                };
                match served {
                    Err(failure) => failure,
                    Ok((ended, started)) => {
                        if *shutdown.borrow() {
                            sub.set(ConnectivityState::Shutdown, None, None);
                            return;
                        }
                        ctx.reresolve.notify_one();
                        // A connection that was used resets the backoff; one closed at once (a
                        // backend accepting and dropping connections) keeps backing off, so a
                        // policy that reconnects at once does not spin.
                        if started.elapsed() >= CLOSED_AT_ONCE || ended == Ended::Retired {
                            backoff.reset();
                            delay = backoff.first_delay();
                            // connectivity-semantics: a READY connection that closes goes to IDLE.
                            sub.set(ConnectivityState::Idle, None, None);
                            continue;
                        }
                        let why = match ended {
                            Ended::Closed(Some(why)) => format!(": {why}"),
                            _ => String::new(),
                        };
                        Status::new(
                            Code::UNAVAILABLE,
                            format!("connection to {} closed at once{why}", sub.label),
                        )
                    }
                }
            }
            Ok(Err(e)) => connect_failed(&sub.label, &e),
            Err(_) => Status::new(
                Code::UNAVAILABLE,
                format!("connect to {} timed out", sub.label),
            ),
        };
        tracing::debug!(address = %sub.label, error = %failure.message(), "subchannel in transient failure");
        sub.set(ConnectivityState::TransientFailure, None, Some(failure));
        ctx.reresolve.notify_one();
        tokio::select! {
            _ = tokio::time::sleep_until(attempt_deadline.into()) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        delay = backoff.next_delay();
        sub.set(ConnectivityState::Idle, None, None);
    }
}

/// The local address of a TCP connection (none for other streams).
fn local_addr(io: &BoxIo) -> Option<std::net::SocketAddr> {
    let io: &dyn super::connector::Io = &**io;
    io.as_any()
        .downcast_ref::<tokio::net::TcpStream>()
        .and_then(|s| s.local_addr().ok())
}

/// The channelz socket of a subchannel's connection to `address` from `local`.
fn connection_socket(
    address: &Address,
    local: Option<std::net::SocketAddr>,
    client: &H2Client,
) -> Arc<SocketNode> {
    let remote = match address {
        Address::Tcp(a) => SocketAddress::Tcp(*a),
        Address::Unix(p) => SocketAddress::Unix(p.clone()),
    };
    let node = SocketNode::register(local.map(SocketAddress::Tcp), Some(remote), None, false);
    node.set_stats(client.stats_handle());
    node
}

/// A connection's driver task.
type ConnTask = tokio::task::JoinHandle<Result<(), driver::Error>>;

/// Sets HTTP/2 up on a new transport: the connection counts as made once the server's SETTINGS
/// arrived, as grpc-go's does — an address that accepts TCP and then closes or resets the
/// connection without a word (an L4 proxy whose backend is down) is a failed connect and gets
/// no call, instead of failing the calls picked onto it. `Err` when the connection ended first
/// or `deadline` (the connect attempt's) passed; `None` when the subchannel shut down meanwhile.
async fn establish(
    sub: &Subchannel,
    ctx: &SubchannelCtx,
    io: BoxIo,
    deadline: tokio::time::Instant,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<Result<(H2Client, ConnTask), Status>> {
    let (client, conn) = driver::client(io, ctx.h2_config());
    let conn = tokio::spawn(conn);
    let why = tokio::select! {
        r = tokio::time::timeout_at(deadline, client.established()) => match r {
            Ok(Ok(())) => return Some(Ok((client, conn))),
            Ok(Err(_)) => "closed before the server's SETTINGS arrived",
            Err(_) => "timed out waiting for the server's SETTINGS",
        },
        _ = shutdown.wait_for(|s| *s) => {
            conn.abort();
            return None;
        }
    };
    conn.abort();
    Some(Err(Status::new(
        Code::UNAVAILABLE,
        format!("connect to {} failed: connection {why}", sub.label),
    )))
}

#[cold]
fn connect_failed(label: &str, e: &io::Error) -> Status {
    Status::new(Code::UNAVAILABLE, format!("connect to {label} failed: {e}"))
}

#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// The connection ended; with why, when it said (its error, or the server's GOAWAY code).
    Closed(Option<String>),
    Retired,
    Shutdown,
}

/// Runs one connection until it ends; READY while usable (and healthy).
async fn serve(
    sub: &Arc<Subchannel>,
    ctx: &Arc<SubchannelCtx>,
    client: H2Client,
    mut conn: ConnTask,
    shutdown: &mut watch::Receiver<bool>,
) -> Ended {
    let generation = next_generation(sub);
    let mut retired = sub.retired.subscribe();
    let (_health, mut health_rx) = start_health(sub, ctx, Conn::H2(client.clone()));
    let ended = loop {
        tokio::select! {
            r = &mut conn => {
                // The connection's end can come with its GOAWAY, before the branch below sees
                // it (the driver finishes at once after an error GOAWAY, and after a graceful
                // one as soon as no stream is left): it counts the same. A graceful one
                // retired the connection — not a failure, even right after connecting; its
                // refused calls are retried on a new one.
                if let Some(g) = client.goaway_received() {
                    note_goaway(ctx, &sub.label, &g);
                    if g.reason == Reason::NO_ERROR {
                        break Ended::Retired;
                    }
                }
                let why = match (client.goaway_received(), r) {
                    (Some(g), _) if g.reason != Reason::NO_ERROR => Some(goaway_reason(&g)),
                    (_, Ok(Err(e))) => {
                        note_close(&sub.label, &e);
                        Some(e.to_string())
                    }
                    _ => None,
                };
                break Ended::Closed(why);
            }
            Some(g) = client.goaway() => {
                // gRFC A9 / RFC 9113 §6.8: the server is going away. Stop picking this
                // connection at once (new calls go elsewhere, or to a new connection); its
                // calls in flight finish on it, and the ones above last_stream_id come back
                // refused and are retried transparently.
                note_goaway(ctx, &sub.label, &g);
                if g.reason != Reason::NO_ERROR {
                    // An error GOAWAY: the server is closing the connection on an error (TLS
                    // required, too many pings, ...); its code and text say why.
                    break Ended::Closed(Some(goaway_reason(&g)));
                }
                break Ended::Retired;
            }
            _ = retired.wait_for(|r| *r >= generation) => {
                // A call found the connection refusing streams (GOAWAY, closing): it drains
                // alone, calls in flight finish.
                client.shutdown();
                break Ended::Retired;
            }
            Some(ev) = health_rx.recv() => health_changed(sub, ev, || Conn::H2(client.clone())),
            _ = shutdown.wait_for(|s| *s) => {
                client.shutdown();
                break Ended::Shutdown;
            }
        }
    };
    sub.set(ConnectivityState::Idle, None, None);
    ended
}

/// A new connection `conn` of `sub`: READY at once, or, with client-side health checking,
/// CONNECTING with its health watch started (which the result aborts when dropped; its events
/// come from the receiver).
fn start_health(
    sub: &Arc<Subchannel>,
    ctx: &Arc<SubchannelCtx>,
    conn: Conn,
) -> (Option<AbortOnDrop>, mpsc::UnboundedReceiver<HealthEvent>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let watch = match &ctx.health_service {
        // gRFC A17: "The subchannel will stay in state CONNECTING until it receives the first
        // health-checking response from the backend."
        Some(service) => {
            sub.set(ConnectivityState::Connecting, None, None);
            Some(AbortOnDrop(tokio::spawn(watch_health(
                conn,
                Arc::clone(&ctx.call),
                service.clone(),
                Arc::clone(&sub.label),
                tx,
            ))))
        }
        None => {
            sub.set(ConnectivityState::Ready, Some(conn), None);
            None
        }
    };
    (watch, rx)
}

/// What the health watch of `sub`'s connection (`conn`) learned.
fn health_changed(sub: &Subchannel, ev: HealthEvent, conn: impl FnOnce() -> Conn) {
    match ev {
        HealthEvent::Serving => sub.set(ConnectivityState::Ready, Some(conn()), None),
        // gRFC A17: not SERVING → TRANSIENT_FAILURE; no new calls go there.
        HealthEvent::NotServing(status) => {
            sub.set(ConnectivityState::TransientFailure, None, Some(status));
        }
    }
}

/// Counts a new connection of `sub`; its generation.
fn next_generation(sub: &Subchannel) -> u64 {
    let mut g = 0;
    sub.state.send_modify(|s| {
        s.generation += 1;
        g = s.generation;
    });
    g
}

/// HTTP/1.1 connections to one address (a channel speaking a web protocol over HTTP/1.1):
/// READY (and healthy, with health checking) with a pool that starts with `io` and opens more
/// as calls need them, until a call
/// finds the address unreachable and retires it (or the subchannel shuts down). HTTP/1.1 has
/// no GOAWAY or PING: a server gone away is noticed by the next call that needs a connection.
async fn serve_h1(
    sub: &Arc<Subchannel>,
    ctx: &Arc<SubchannelCtx>,
    io: BoxIo,
    shutdown: &mut watch::Receiver<bool>,
) -> Ended {
    let generation = next_generation(sub);
    let mut retired = sub.retired.subscribe();
    let connect: crate::web::ConnectIo = {
        let (ctx, address, label) = (Arc::clone(ctx), sub.address.clone(), Arc::clone(&sub.label));
        Box::new(move || {
            let (ctx, address, label) = (Arc::clone(&ctx), address.clone(), Arc::clone(&label));
            Box::pin(async move {
                ctx.connect(&address)
                    .await
                    .map_err(|e| connect_failed(&label, &e))
            })
        })
    };
    let pool = H1Pool::new(crate::web::DEFAULT_MAX_IDLE_HTTP1, connect);
    pool.add(io);
    let (_health, mut health_rx) = start_health(sub, ctx, Conn::H1(Arc::clone(&pool)));
    let ended = loop {
        tokio::select! {
            _ = retired.wait_for(|r| *r >= generation) => break Ended::Retired,
            _ = shutdown.wait_for(|s| *s) => break Ended::Shutdown,
            Some(ev) = health_rx.recv() => health_changed(sub, ev, || Conn::H1(Arc::clone(&pool))),
        }
    };
    sub.set(ConnectivityState::Idle, None, None);
    ended
}

/// A GOAWAY's code and debug text, for an error message.
#[cold]
fn goaway_reason(g: &GoAway) -> String {
    const MAX: usize = 200;
    let debug = String::from_utf8_lossy(&g.debug_data[..g.debug_data.len().min(MAX)]);
    if debug.is_empty() {
        format!("server sent GOAWAY {}", g.reason)
    } else {
        format!("server sent GOAWAY {}: {debug}", g.reason)
    }
}

/// Logs how a connection ended.
fn note_close(label: &str, e: &driver::Error) {
    tracing::debug!(address = %label, error = %e, "connection closed");
}

/// The server's GOAWAY ENHANCE_YOUR_CALM "too_many_pings" doubles the keepalive interval.
fn note_goaway(ctx: &SubchannelCtx, label: &str, g: &GoAway) {
    // keepalive.md: "When a client receives a GOAWAY with error code ENHANCE_YOUR_CALM and
    // debug data equal to ASCII "too_many_pings", it should log the occurrence at a log level
    // that is enabled by default and double the configured KEEPALIVE_TIME used for new
    // connections on that channel." <https://github.com/grpc/grpc/blob/master/doc/keepalive.md>
    if g.reason == Reason::ENHANCE_YOUR_CALM && &g.debug_data[..] == b"too_many_pings" {
        let old = ctx.keepalive_ms.load(Ordering::Relaxed);
        if old > 0 {
            let new = old.saturating_mul(2);
            ctx.keepalive_ms.store(new, Ordering::Relaxed);
            tracing::warn!(
                address = %label,
                keepalive_ms = new,
                "GOAWAY ENHANCE_YOUR_CALM too_many_pings: keepalive interval doubled"
            );
        }
        return;
    }
    tracing::debug!(address = %label, reason = %g.reason, last_stream_id = ?g.last_stream_id, "GOAWAY: draining the connection");
}

/// Aborts a task when dropped.
#[derive(Debug)]
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::TcpConnector;
    use bytes::Bytes;
    use courier_h2::StreamId;

    fn ctx(keepalive_ms: u64) -> SubchannelCtx {
        SubchannelCtx {
            connector: Arc::new(TcpConnector),
            authority: "x".into(),
            h2: courier_h2::Config::default(),
            keepalive_ms: AtomicU64::new(keepalive_ms),
            backoff: Backoff::default(),
            health_service: None,
            call: Arc::new(CallConfig {
                authority: Bytes::new(),
                scheme: "http",
                user_agent: Bytes::new(),
                compression_threshold: 0,
                max_recv_message_size: 1,
                max_send_message_size: 1,
                retry_buffer_limit: 0,
                web: None,
                connect_get: Default::default(),
            }),
            events: mpsc::unbounded_channel().0,
            reresolve: Arc::new(Notify::new()),
            channelz: None,
        }
    }

    fn goaway(reason: Reason, debug: &'static [u8]) -> GoAway {
        GoAway {
            last_stream_id: StreamId::new(1),
            reason,
            debug_data: Bytes::from_static(debug),
        }
    }

    #[test]
    fn too_many_pings_doubles_the_keepalive_interval() {
        let c = ctx(1000);
        note_goaway(
            &c,
            "a",
            &goaway(Reason::ENHANCE_YOUR_CALM, b"too_many_pings"),
        );
        assert_eq!(c.keepalive_ms.load(Ordering::Relaxed), 2000);
        assert_eq!(
            c.h2_config().keepalive_interval,
            Some(Duration::from_secs(2))
        );
        note_goaway(&c, "a", &goaway(Reason::ENHANCE_YOUR_CALM, b"other"));
        note_goaway(&c, "a", &goaway(Reason::NO_ERROR, b"too_many_pings"));
        assert_eq!(c.keepalive_ms.load(Ordering::Relaxed), 2000);
        let off = ctx(0);
        note_goaway(
            &off,
            "a",
            &goaway(Reason::ENHANCE_YOUR_CALM, b"too_many_pings"),
        );
        assert_eq!(off.h2_config().keepalive_interval, None);
    }
}
