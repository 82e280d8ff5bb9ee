//! The backends: courier-rpc servers of the soak service, each behind one proxy frontend, that
//! the schedule kills (no GOAWAY, connections dropped), shuts down gracefully and restarts.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use courier_rpc::Server;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::ledger::Ledger;
use crate::log::{FaultKind, FaultLog};
use crate::proxy::Proxy;
use crate::schedule::MAX_TIMEOUT;
use crate::service::{ServerSabotage, Soak};

/// How long calls in flight may run after a graceful shutdown (or a connection's
/// `max_connection_age`) begins. Longer than the longest deadline ([`MAX_TIMEOUT`], 4 s) plus
/// a second: every call accepted before the GOAWAY can finish within its deadline, so a call
/// cut off by a graceful shutdown is a lost call, not an allowed one.
pub const GRACE: Duration = Duration::from_secs(5);

/// `max_connection_age` per backend: backend 0 sends GOAWAY on every connection after 1 s (a
/// GOAWAY storm: with four Channels, four a second), backend 1 after 4 s, backend 2 never
/// (its connections live long, which is where per-connection leaks would pile up).
pub const MAX_AGE: [Option<Duration>; 3] = [
    Some(Duration::from_secs(1)),
    Some(Duration::from_secs(4)),
    None,
];

struct Running {
    addr: SocketAddr,
    task: JoinHandle<std::io::Result<()>>,
    stop: oneshot::Sender<()>,
}

struct Slot {
    running: Option<Running>,
    /// An event is acting on it (it is down or going down).
    busy: bool,
}

/// The backends of a run.
pub struct Backends {
    seed: u64,
    channels: usize,
    ledger: Arc<Ledger>,
    log: Arc<FaultLog>,
    proxy: Arc<Proxy>,
    sabotage: ServerSabotage,
    slots: Vec<Mutex<Slot>>,
    /// Graceful shutdowns that did not finish in time (counted as hangs).
    pub hung_shutdowns: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Backends {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backends")
            .field("n", &self.slots.len())
            .finish_non_exhaustive()
    }
}

impl Backends {
    /// `n` backends (not started).
    pub fn new(
        seed: u64,
        channels: usize,
        n: usize,
        ledger: Arc<Ledger>,
        log: Arc<FaultLog>,
        proxy: Arc<Proxy>,
        sabotage: ServerSabotage,
    ) -> Backends {
        Backends {
            seed,
            channels,
            ledger,
            log,
            proxy,
            sabotage,
            slots: (0..n)
                .map(|_| {
                    Mutex::new(Slot {
                        running: None,
                        busy: false,
                    })
                })
                .collect(),
            hung_shutdowns: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn slot(&self, i: usize) -> std::sync::MutexGuard<'_, Slot> {
        self.slots[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts backend `i` on a new loopback port and points its frontend at it.
    pub async fn start(&self, i: usize) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut b = Server::builder()
            .add_service(Soak {
                seed: self.seed,
                channels: self.channels,
                backend: i,
                ledger: Arc::clone(&self.ledger),
                log: Arc::clone(&self.log),
                sabotage: self.sabotage,
            })
            .shutdown_grace(GRACE)
            // The Channels with keepalive ping every second (with and without calls); a server
            // that struck them out for it would be testing its ping policy, not the faults.
            .permit_keepalive_time(Duration::from_millis(500))
            .permit_keepalive_without_calls(true);
        if let Some(age) = MAX_AGE.get(i).copied().flatten() {
            b = b.max_connection_age(age, GRACE);
        }
        let (stop, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(b.build().serve_with_shutdown(listener, async {
            let _ = rx.await;
        }));
        self.slot(i).running = Some(Running { addr, task, stop });
        self.proxy.set_upstream(i, Some(addr));
        self.log.up(i);
        Ok(())
    }

    /// Marks backend `i` busy for an event unless it already is (or is down).
    pub fn claim(&self, i: usize) -> bool {
        let mut s = self.slot(i);
        if s.busy || s.running.is_none() {
            return false;
        }
        s.busy = true;
        true
    }

    /// Releases backend `i` after its event.
    pub fn release(&self, i: usize) {
        self.slot(i).busy = false;
    }

    /// Kills backend `i`: its listener and every connection dropped at once, no GOAWAY, the
    /// handlers in flight dropped.
    pub fn kill(&self, i: usize) {
        self.log.down(i);
        self.proxy.set_upstream(i, None);
        let running = self.slot(i).running.take();
        if let Some(r) = running {
            let now = Instant::now();
            // Aborting the serve task drops its set of connection tasks, which aborts them.
            r.task.abort();
            self.log.backend(i, FaultKind::Kill, now, now);
        }
    }

    /// Shuts backend `i` down gracefully and waits for it: GOAWAY on every connection, calls
    /// in flight get [`GRACE`].
    pub async fn shutdown(&self, i: usize) {
        self.log.down(i);
        self.proxy.set_upstream(i, None);
        let running = self.slot(i).running.take();
        if let Some(r) = running {
            let from = Instant::now();
            let _ = r.stop.send(());
            // The server closes what is left at GRACE and gives its connections a moment
            // for their last frames; a shutdown still running MAX_TIMEOUT later is hung.
            let mut task = r.task;
            if tokio::time::timeout(GRACE + MAX_TIMEOUT, &mut task)
                .await
                .is_err()
            {
                task.abort();
                self.hung_shutdowns
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            self.log
                .backend(i, FaultKind::Shutdown, from, Instant::now());
        }
    }

    /// Whether backend `i` is serving.
    pub fn is_up(&self, i: usize) -> bool {
        self.slot(i).running.is_some()
    }

    /// Where backend `i` listens, when up.
    pub fn addr(&self, i: usize) -> Option<SocketAddr> {
        self.slot(i).running.as_ref().map(|r| r.addr)
    }

    /// How many backends there are.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}
