//! The fault log: every fault the proxy injected, on which connection and when; every backend
//! kill and shutdown; and which proxy connection each server-side socket belongs to. The
//! checks read it to tell a failure that a fault explains from one that nothing explains.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Kinds of events counted in `X faults`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// The proxy stopped moving one direction for a while.
    Stall,
    /// RST of both sockets at a byte offset.
    Reset,
    /// RST of both sockets at a planned time (idle connections too).
    TimedReset,
    /// FIN in one direction, the rest of it discarded.
    HalfClose,
    /// A frame cut in the middle, then FIN both ways.
    Truncate,
    /// A byte flipped.
    Corrupt,
    /// A backend killed (no GOAWAY).
    Kill,
    /// A backend shut down gracefully.
    Shutdown,
}

impl FaultKind {
    /// Every kind, in print order.
    pub const ALL: [FaultKind; 8] = [
        FaultKind::Stall,
        FaultKind::Reset,
        FaultKind::TimedReset,
        FaultKind::HalfClose,
        FaultKind::Truncate,
        FaultKind::Corrupt,
        FaultKind::Kill,
        FaultKind::Shutdown,
    ];

    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Stall => "stall",
            FaultKind::Reset => "reset",
            FaultKind::TimedReset => "timed-reset",
            FaultKind::HalfClose => "half-close",
            FaultKind::Truncate => "truncate",
            FaultKind::Corrupt => "corrupt",
            FaultKind::Kill => "kill",
            FaultKind::Shutdown => "shutdown",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// One proxied connection.
#[derive(Clone, Debug)]
pub struct ConnRecord {
    /// The backend it leads to.
    pub backend: usize,
    /// When it was opened.
    pub opened: Instant,
    /// When the proxy closed it.
    pub closed: Option<Instant>,
    /// When a byte of it was first corrupted.
    pub tainted: Option<Instant>,
    /// Faults injected on it (a stall is logged with its end time as well).
    pub faults: Vec<(Instant, FaultKind, Option<Instant>)>,
    /// Whether a direction of it has a bandwidth cap (it can delay any call on it).
    pub capped: bool,
    /// The client's address (its Channel is found by it).
    pub client: SocketAddr,
    /// How the proxy closed it: `fin` (both sides ended), `reset`, `truncate`, `error` (a
    /// socket failed: the backend or the client reset it), or `reset: no backend` (accepted
    /// while the backend was down, or the connect to it failed).
    pub how: &'static str,
    /// Frames traced through it (when the proxy traces): time, direction (`c`: from the
    /// client, `s`: from the server), frame.
    pub trace: Vec<(Instant, char, String)>,
}

#[derive(Default)]
struct Inner {
    conns: HashMap<u64, ConnRecord>,
    by_addr: HashMap<SocketAddr, u64>,
    backends: HashMap<usize, Vec<(Instant, FaultKind, Instant)>>,
    frontends: HashMap<SocketAddr, usize>,
    /// Client sockets by local address: the Channel that opened them.
    clients: HashMap<SocketAddr, usize>,
    /// When each backend was down: from its kill or the start of its shutdown to its restart
    /// (`None`: still down).
    down: HashMap<usize, Vec<(Instant, Option<Instant>)>>,
    /// How many backends there are.
    backends_total: usize,
}

/// The log. Shared by the proxy, the backends and the checks.
#[derive(Default)]
pub struct FaultLog {
    inner: Mutex<Inner>,
    counts: [AtomicU64; 8],
}

impl std::fmt::Debug for FaultLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultLog")
            .field("faults", &self.total())
            .finish_non_exhaustive()
    }
}

/// How close in time a fault and its effect may be and still count as cause and effect: the
/// effects are seen on other tasks and threads, and the proxy logs a fault when it applies it,
/// a little before or after the bytes move. 100 ms is far above a scheduling delay on an idle
/// machine and far below the gaps between the faults of one connection.
pub const SLACK: Duration = Duration::from_millis(100);

impl FaultLog {
    /// An empty log.
    pub fn new() -> FaultLog {
        FaultLog::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new proxied connection `conn` to `backend`, whose socket to the backend has the local
    /// address `upstream_local` (the server sees it as the peer address).
    pub fn open(
        &self,
        conn: u64,
        backend: usize,
        client: SocketAddr,
        upstream_local: SocketAddr,
        capped: bool,
    ) {
        let mut g = self.lock();
        g.conns.insert(
            conn,
            ConnRecord {
                backend,
                opened: Instant::now(),
                closed: None,
                tainted: None,
                faults: Vec::new(),
                capped,
                client,
                how: "open",
                trace: Vec::new(),
            },
        );
        g.by_addr.insert(upstream_local, conn);
    }

    /// The proxy accepted `conn` from `client` for `backend` at `opened` and reset it: no
    /// backend to connect to (it is down), or the connect failed.
    pub fn refused(&self, conn: u64, backend: usize, client: SocketAddr, opened: Instant) {
        self.lock().conns.insert(
            conn,
            ConnRecord {
                backend,
                opened,
                closed: Some(Instant::now()),
                tainted: None,
                faults: Vec::new(),
                capped: false,
                client,
                how: "reset: no backend",
                trace: Vec::new(),
            },
        );
    }

    /// The proxy closed `conn` (`how`: see [`ConnRecord::how`]).
    pub fn close(&self, conn: u64, how: &'static str) {
        if let Some(c) = self.lock().conns.get_mut(&conn) {
            c.closed = Some(Instant::now());
            c.how = how;
        }
    }

    /// Frames a reader of `conn` traced (direction `dir`).
    pub fn trace(&self, conn: u64, dir: char, frames: Vec<(Instant, String)>) {
        if let Some(c) = self.lock().conns.get_mut(&conn) {
            c.trace.extend(frames.into_iter().map(|(t, f)| (t, dir, f)));
            c.trace.sort_by_key(|(t, _, _)| *t);
        }
    }

    /// The traced connections to `backend` open at `at` (within [`SLACK`]), with their frames,
    /// times relative to `at`.
    pub fn traces_at(&self, backend: usize, at: Instant) -> String {
        let g = self.lock();
        let ms = |i: Instant| {
            if i >= at {
                format!("+{}ms", i.duration_since(at).as_millis())
            } else {
                format!("-{}ms", at.duration_since(i).as_millis())
            }
        };
        let mut out = String::new();
        let mut ids: Vec<&u64> = g.conns.keys().collect();
        ids.sort();
        for id in ids {
            let c = &g.conns[id];
            if c.backend != backend
                || c.opened > at + SLACK
                || c.closed.is_some_and(|t| t + SLACK < at)
            {
                continue;
            }
            out += &format!(
                "  conn {id}: {}..{} {}\n",
                ms(c.opened),
                c.closed.map_or("open".into(), ms),
                c.how
            );
            for (t, d, f) in c.trace.iter().skip(c.trace.len().saturating_sub(30)) {
                out += &format!("    {} {d} {f}\n", ms(*t));
            }
        }
        out
    }

    /// The connections of Channel `channel` to `backend` (any, when `None`) open at some time
    /// between `from` and `to`, described relative to `from` (for reports).
    pub fn describe(
        &self,
        channel: usize,
        backend: Option<usize>,
        from: Instant,
        to: Instant,
    ) -> String {
        let g = self.lock();
        let ms = |i: Instant| {
            if i >= from {
                format!("+{}ms", i.duration_since(from).as_millis())
            } else {
                format!("-{}ms", from.duration_since(i).as_millis())
            }
        };
        let mut v: Vec<(&u64, &ConnRecord)> = g
            .conns
            .iter()
            .filter(|(_, c)| {
                g.clients.get(&c.client) == Some(&channel)
                    && backend.is_none_or(|b| b == c.backend)
                    && c.opened <= to + SLACK
                    && c.closed.is_none_or(|t| t + SLACK >= from)
            })
            .collect();
        v.sort_by_key(|(id, _)| **id);
        v.iter()
            .map(|(id, c)| {
                format!(
                    "conn {id} to backend {} {}..{} {}{}",
                    c.backend,
                    ms(c.opened),
                    c.closed.map_or("open".into(), ms),
                    c.how,
                    if c.faults.is_empty() { "" } else { " (faults)" }
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// A fault applied to `conn` now (lasting until `until`, for a stall).
    pub fn fault(&self, conn: u64, kind: FaultKind, until: Option<Instant>) {
        self.counts[kind.slot()].fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        if let Some(c) = self.lock().conns.get_mut(&conn) {
            c.faults.push((now, kind, until));
            if kind == FaultKind::Corrupt && c.tainted.is_none() {
                c.tainted = Some(now);
            }
        }
    }

    /// A backend event (kill or shutdown) from `from` to `to` (the shutdown's end, or the kill
    /// itself).
    pub fn backend(&self, backend: usize, kind: FaultKind, from: Instant, to: Instant) {
        self.counts[kind.slot()].fetch_add(1, Ordering::Relaxed);
        self.lock()
            .backends
            .entry(backend)
            .or_default()
            .push((from, kind, to));
    }

    /// The proxy's frontend `addr` leads to `backend`.
    pub fn frontend(&self, addr: SocketAddr, backend: usize) {
        let mut g = self.lock();
        g.frontends.insert(addr, backend);
        g.backends_total = g.backends_total.max(backend + 1);
    }

    /// Backend `backend` stops serving now (killed, or its shutdown begins).
    pub fn down(&self, backend: usize) {
        self.lock()
            .down
            .entry(backend)
            .or_default()
            .push((Instant::now(), None));
    }

    /// Backend `backend` serves again now.
    pub fn up(&self, backend: usize) {
        if let Some((_, end @ None)) = self
            .lock()
            .down
            .get_mut(&backend)
            .and_then(|v| v.last_mut())
        {
            *end = Some(Instant::now());
        }
    }

    /// Whether every backend was down at some time between `from` and `to` (not necessarily
    /// at once): then each of a Channel's subchannels may have failed its last connection
    /// attempt and be waiting out its reconnect backoff, and a call that reached no server has
    /// nowhere to go (it fails without wait-for-ready), however graceful the shutdowns were.
    pub fn every_backend_down_between(&self, from: Instant, to: Instant) -> bool {
        let g = self.lock();
        g.backends_total > 0
            && (0..g.backends_total).all(|b| {
                g.down.get(&b).is_some_and(|v| {
                    v.iter()
                        .any(|&(s, e)| s <= to && e.is_none_or(|e| e >= from))
                })
            })
    }

    /// The backend behind a frontend address named in an error message
    /// (`... (endpoint 127.0.0.1:PORT)`).
    pub fn backend_in(&self, message: &str) -> Option<usize> {
        let rest = &message[message.rfind("(endpoint ")? + "(endpoint ".len()..];
        let addr: SocketAddr = rest.split(')').next()?.parse().ok()?;
        self.lock().frontends.get(&addr).copied()
    }

    /// Channel `channel` opened a connection from local address `addr`.
    pub fn client(&self, addr: SocketAddr, channel: usize) {
        self.lock().clients.insert(addr, channel);
    }

    /// Whether a connection of Channel `channel` (to `backend`, when known) had a fault or a
    /// bandwidth cap between `from` and `to`, or the backend (any, when not known) was killed
    /// then: the explanation of a failure whose attempt reached no server (the call's own
    /// connections are those of its Channel, and the error names the backend's frontend).
    pub fn channel_disrupted(
        &self,
        channel: usize,
        backend: Option<usize>,
        from: Instant,
        to: Instant,
    ) -> bool {
        let g = self.lock();
        let lo = from.checked_sub(SLACK).unwrap_or(from);
        let hi = to + SLACK;
        g.conns.values().any(|c| {
            g.clients.get(&c.client) == Some(&channel)
                && backend.is_none_or(|b| b == c.backend)
                && (c.capped && c.opened <= hi && c.closed.is_none_or(|t| t >= lo)
                    || c.faults
                        .iter()
                        .any(|&(t, _, until)| t <= hi && until.unwrap_or(t) >= lo))
        }) || g.backends.iter().any(|(b, v)| {
            backend.is_none_or(|x| x == *b)
                && v.iter()
                    .any(|&(t, k, end)| k == FaultKind::Kill && t <= hi && end >= lo)
        })
    }

    /// The proxy connection whose upstream socket has local address `addr`.
    pub fn conn_of(&self, addr: SocketAddr) -> Option<u64> {
        self.lock().by_addr.get(&addr).copied()
    }

    /// A copy of `conn`'s record.
    pub fn conn(&self, conn: u64) -> Option<ConnRecord> {
        self.lock().conns.get(&conn).cloned()
    }

    /// Whether something that can fail or delay a call hit connection `conn` (leading to
    /// `backend`) between `from` and `to`: a fault on the connection, a bandwidth cap on it,
    /// corruption at any earlier time, or a kill of the backend. Latency, GOAWAYs and graceful
    /// shutdowns are not excuses.
    pub fn disrupted(&self, conn: Option<u64>, backend: usize, from: Instant, to: Instant) -> bool {
        let g = self.lock();
        let lo = from.checked_sub(SLACK).unwrap_or(from);
        let hi = to + SLACK;
        if let Some(c) = conn.and_then(|c| g.conns.get(&c)) {
            if c.capped || c.tainted.is_some_and(|t| t <= hi) {
                return true;
            }
            if c.faults
                .iter()
                .any(|&(t, _, until)| t <= hi && until.unwrap_or(t) >= lo)
            {
                return true;
            }
        }
        g.backends.get(&backend).is_some_and(|v| {
            v.iter()
                .any(|&(t, k, end)| k == FaultKind::Kill && t <= hi && end >= lo)
        })
    }

    /// Whether any fault or backend event at all overlapped `from..to` (for a failure that
    /// reached no server: any of them may be its cause).
    pub fn any_between(&self, from: Instant, to: Instant) -> bool {
        let g = self.lock();
        let lo = from.checked_sub(SLACK).unwrap_or(from);
        let hi = to + SLACK;
        g.conns.values().any(|c| {
            c.capped && c.opened <= hi && c.closed.is_none_or(|t| t >= lo)
                || c.faults
                    .iter()
                    .any(|&(t, _, until)| t <= hi && until.unwrap_or(t) >= lo)
        }) || g
            .backends
            .values()
            .flatten()
            .any(|&(t, _, end)| t <= hi && end >= lo)
    }

    /// Whether connection `conn` was ever corrupted.
    pub fn tainted(&self, conn: Option<u64>) -> bool {
        let g = self.lock();
        conn.and_then(|c| g.conns.get(&c))
            .is_some_and(|c| c.tainted.is_some())
    }

    /// Forgets connections closed and backend events ended before `before` (the checks never
    /// look that far back), so that the log does not grow with the run.
    pub fn prune(&self, before: Instant) {
        let mut g = self.lock();
        let g = &mut *g;
        g.conns.retain(|_, c| c.closed.is_none_or(|t| t >= before));
        let conns = &g.conns;
        g.by_addr.retain(|_, id| conns.contains_key(id));
        let live: std::collections::HashSet<SocketAddr> =
            conns.values().map(|c| c.client).collect();
        g.clients.retain(|a, _| live.contains(a));
        for v in g.backends.values_mut() {
            v.retain(|&(_, _, end)| end >= before);
        }
        for v in g.down.values_mut() {
            v.retain(|&(_, end)| end.is_none_or(|e| e >= before));
        }
    }

    /// Faults of one kind so far.
    pub fn count(&self, kind: FaultKind) -> u64 {
        self.counts[kind.slot()].load(Ordering::Relaxed)
    }

    /// Faults so far.
    pub fn total(&self) -> u64 {
        FaultKind::ALL.iter().map(|&k| self.count(k)).sum()
    }

    /// Connections the log holds (a bound check on the log itself).
    pub fn len(&self) -> usize {
        self.lock().conns.len()
    }

    /// Whether the log holds no connection.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
