//! Load balancing: the resolver task feeds addresses to the balancer task, which keeps one
//! [`Subchannel`] per address and, after every change, publishes a [`Picker`] — the READY
//! connections calls choose from, and the channel's aggregate state.
//!
//! Policies ([`LbPolicy`]): `pick_first` (gRFC A62: try the addresses in order, use the
//! first that connects, start over from the first when it is lost) and `round_robin` (every
//! address connected, each call takes the next READY one).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};

use super::ConnectivityState;
use super::backoff::{Backoff, BackoffState, Rng};
use super::resolver::{Address, Resolver};
use super::service_config::LbPolicy;
use super::subchannel::{Picked, SubState, Subchannel, SubchannelCtx};
use crate::code::Code;
use crate::status::Status;

/// What calls pick from: published by the balancer after every change.
#[derive(Clone, Debug)]
pub(crate) struct Picker {
    pub(crate) state: ConnectivityState,
    pub(crate) ready: Arc<[Picked]>,
    /// Why the channel is in TRANSIENT_FAILURE.
    pub(crate) error: Option<Status>,
}

impl Picker {
    /// A picker with no connection to pick, in `state` (IDLE at the start, SHUTDOWN at the end).
    pub(crate) fn empty(state: ConnectivityState) -> Picker {
        Picker {
            state,
            ready: Arc::from(Vec::new()),
            error: None,
        }
    }

    /// Picks a READY connection (rotating with `rr`), if any.
    #[inline]
    pub(crate) fn pick(&self, rr: &AtomicUsize) -> Option<Picked> {
        match self.ready.len() {
            0 => None,
            1 => Some(self.ready[0].clone()),
            n => Some(self.ready[rr.fetch_add(1, Ordering::Relaxed) % n].clone()),
        }
    }
}

/// Everything the two tasks share with the channel.
pub(crate) struct Shared {
    pub(crate) picker: watch::Sender<Picker>,
    /// A call found the channel IDLE.
    pub(crate) exit_idle: Notify,
    pub(crate) shutdown: watch::Sender<bool>,
}

/// What the tasks are started with (on the first call).
pub(crate) struct Launch {
    pub(crate) policy: LbPolicy,
    pub(crate) resolver: Arc<dyn Resolver>,
    pub(crate) ctx: Arc<SubchannelCtx>,
    pub(crate) min_resolve_interval: Duration,
}

/// Starts the resolver and balancer tasks.
pub(crate) fn start(shared: Arc<Shared>, launch: Launch) {
    let (addr_tx, addr_rx) = watch::channel(None);
    tokio::spawn(resolve_loop(
        Arc::clone(&launch.resolver),
        Arc::clone(&launch.ctx.reresolve),
        launch.min_resolve_interval,
        launch.ctx.backoff,
        shared.shutdown.subscribe(),
        addr_tx,
    ));
    let balancer = Balancer {
        policy: launch.policy,
        subs: Vec::new(),
        ctx: launch.ctx,
        exited_idle: false,
        pf: PickFirst::default(),
        resolution_error: None,
        resolved: false,
    };
    tokio::spawn(balance_loop(balancer, shared, addr_rx));
}

type Resolution = Option<Result<Vec<Address>, Status>>;

/// Resolves at start, when asked (connection loss; at most once per `min_interval`), at the
/// resolver's refresh interval, and when the resolver announces a change; retries failures
/// with backoff.
async fn resolve_loop(
    resolver: Arc<dyn Resolver>,
    reresolve: Arc<Notify>,
    min_interval: Duration,
    backoff: Backoff,
    mut shutdown: watch::Receiver<bool>,
    tx: watch::Sender<Resolution>,
) {
    let mut failures = BackoffState::new(backoff, Rng::new(min_interval.as_nanos() as u64));
    let mut retry_in: Option<Duration> = None;
    loop {
        let changed = resolver.changed();
        let started = Instant::now();
        let r = tokio::select! {
            r = resolver.resolve_addresses() => r,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        match r {
            Ok(addrs) => {
                failures.reset();
                retry_in = None;
                tx.send_replace(Some(Ok(addrs)));
            }
            Err(e) => {
                let d = match retry_in {
                    None => failures.first_delay(),
                    Some(_) => failures.next_delay(),
                };
                retry_in = Some(d);
                tracing::debug!(error = %e, "name resolution failed");
                tx.send_replace(Some(Err(Status::new(
                    Code::UNAVAILABLE,
                    format!("name resolution failed: {e}"),
                ))));
            }
        }
        let refresh = resolver.refresh_interval();
        let asked = async {
            reresolve.notified().await;
            // Rate limit: at most one resolution per min_interval.
            tokio::time::sleep_until((started + min_interval).into()).await;
        };
        let timer = async {
            match (retry_in, refresh) {
                (Some(d), _) => tokio::time::sleep(d).await,
                (None, Some(r)) => tokio::time::sleep(r).await,
                (None, None) => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = changed => {}
            _ = asked => {}
            _ = timer => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}

#[derive(Debug, Default)]
struct PickFirst {
    selected: Option<Arc<Subchannel>>,
    in_pass: bool,
    pass_done: bool,
    attempt: usize,
    /// The subchannel's state-change count when this pass asked it to connect.
    requested: Option<u64>,
}

struct Balancer {
    policy: LbPolicy,
    subs: Vec<Arc<Subchannel>>,
    ctx: Arc<SubchannelCtx>,
    exited_idle: bool,
    pf: PickFirst,
    resolution_error: Option<Status>,
    resolved: bool,
}

async fn balance_loop(
    mut b: Balancer,
    shared: Arc<Shared>,
    mut addrs: watch::Receiver<Resolution>,
) {
    let mut shutdown = shared.shutdown.subscribe();
    let changed = Arc::clone(&b.ctx.changed);
    loop {
        tokio::select! {
            r = addrs.changed() => {
                if r.is_err() {
                    break;
                }
                let res = addrs.borrow_and_update().clone();
                match res {
                    Some(Ok(list)) => b.update(list),
                    Some(Err(s)) => b.resolution_error = Some(s),
                    None => {}
                }
            }
            _ = changed.notified() => {}
            _ = shared.exit_idle.notified() => b.exit_idle(),
            _ = shutdown.wait_for(|s| *s) => break,
        }
        let picker = b.picker();
        shared.picker.send_modify(|p| {
            if p.state != ConnectivityState::Shutdown {
                *p = picker;
            }
        });
    }
    for s in &b.subs {
        s.shutdown();
    }
    shared
        .picker
        .send_modify(|p| *p = Picker::empty(ConnectivityState::Shutdown));
}

impl Balancer {
    /// A new address list: keeps the subchannels of addresses still listed (and their
    /// connections), adds the new ones, shuts the others down.
    fn update(&mut self, list: Vec<Address>) {
        self.resolved = true;
        self.resolution_error = None;
        let mut seen = HashSet::new();
        let mut old = std::mem::take(&mut self.subs);
        for a in list {
            if !seen.insert(a.clone()) {
                continue;
            }
            let sub = match old.iter().position(|s| s.address == a) {
                Some(i) => old.swap_remove(i),
                None => Subchannel::spawn(a, Arc::clone(&self.ctx)),
            };
            self.subs.push(sub);
        }
        for s in old {
            s.shutdown();
        }
        if let Some(sel) = &self.pf.selected {
            if !self.subs.iter().any(|s| Arc::ptr_eq(s, sel)) {
                self.pf.selected = None;
            }
        }
        if self.policy == LbPolicy::PickFirst && self.pf.selected.is_none() && self.exited_idle {
            self.pf.in_pass = true;
            self.pf.pass_done = false;
            self.pf.attempt = 0;
            self.pf.requested = None;
        }
    }

    fn exit_idle(&mut self) {
        if self.exited_idle {
            return;
        }
        self.exited_idle = true;
        if self.policy == LbPolicy::PickFirst && self.pf.selected.is_none() {
            self.pf.in_pass = true;
            self.pf.pass_done = false;
            self.pf.attempt = 0;
            self.pf.requested = None;
        }
    }

    fn picker(&mut self) -> Picker {
        let snaps: Vec<SubState> = self.subs.iter().map(|s| s.snapshot()).collect();
        match self.policy {
            LbPolicy::RoundRobin => self.round_robin(&snaps),
            LbPolicy::PickFirst => self.pick_first(&snaps),
        }
    }

    fn ready(&self, i: usize, s: &SubState) -> Option<Picked> {
        match (&s.client, s.state) {
            (Some(c), ConnectivityState::Ready) => Some(Picked {
                client: c.clone(),
                sub: Arc::clone(&self.subs[i]),
                generation: s.generation,
            }),
            _ => None,
        }
    }

    /// The TRANSIENT_FAILURE status: every endpoint's error, so the message names them.
    fn failure(&self, snaps: &[SubState]) -> Status {
        if self.subs.is_empty() {
            return self.resolution_error.clone().unwrap_or_else(|| {
                Status::new(Code::UNAVAILABLE, "the resolver returned no addresses")
            });
        }
        let errors: Vec<String> = snaps
            .iter()
            .filter_map(|s| s.error.as_ref().map(|e| e.message().to_owned()))
            .collect();
        let msg = if errors.is_empty() {
            format!("no endpoint of {} is ready", self.subs.len())
        } else {
            errors.join("; ")
        };
        Status::new(Code::UNAVAILABLE, msg)
    }

    fn round_robin(&mut self, snaps: &[SubState]) -> Picker {
        if self.exited_idle {
            for (s, snap) in self.subs.iter().zip(snaps) {
                if snap.state == ConnectivityState::Idle {
                    s.request_connect();
                }
            }
        }
        let ready: Vec<Picked> = snaps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| self.ready(i, s))
            .collect();
        let state = if !ready.is_empty() {
            ConnectivityState::Ready
        } else if !self.exited_idle {
            ConnectivityState::Idle
        } else if (!self.resolved && self.resolution_error.is_none())
            || snaps.iter().any(|s| {
                matches!(
                    s.state,
                    ConnectivityState::Connecting | ConnectivityState::Idle
                )
            })
        {
            ConnectivityState::Connecting
        } else {
            ConnectivityState::TransientFailure
        };
        let error = (state == ConnectivityState::TransientFailure).then(|| self.failure(snaps));
        Picker {
            state,
            ready: Arc::from(ready),
            error,
        }
    }

    fn one(&self, state: ConnectivityState, ready: Vec<Picked>, error: Option<Status>) -> Picker {
        Picker {
            state,
            ready: Arc::from(ready),
            error,
        }
    }

    fn pick_first(&mut self, snaps: &[SubState]) -> Picker {
        if let Some(sel) = self.pf.selected.clone() {
            let i = self.subs.iter().position(|s| Arc::ptr_eq(s, &sel));
            if let Some(p) = i.and_then(|i| self.ready(i, &snaps[i])) {
                return self.one(ConnectivityState::Ready, vec![p], None);
            }
            // gRFC A62: when the selected subchannel is lost, pick_first goes IDLE; the next
            // call starts a new pass from the first address.
            self.pf = PickFirst::default();
            self.exited_idle = false;
        }
        if let Some((i, p)) = snaps
            .iter()
            .enumerate()
            .find_map(|(i, s)| self.ready(i, s).map(|p| (i, p)))
        {
            self.pf = PickFirst {
                selected: Some(Arc::clone(&self.subs[i])),
                ..PickFirst::default()
            };
            self.exited_idle = true;
            return self.one(ConnectivityState::Ready, vec![p], None);
        }
        if !self.exited_idle {
            return self.one(ConnectivityState::Idle, Vec::new(), None);
        }
        if self.subs.is_empty() {
            let state = if self.resolved || self.resolution_error.is_some() {
                ConnectivityState::TransientFailure
            } else {
                ConnectivityState::Connecting
            };
            let error = (state == ConnectivityState::TransientFailure).then(|| self.failure(snaps));
            return self.one(state, Vec::new(), error);
        }
        if self.pf.in_pass {
            while self.pf.attempt < self.subs.len() {
                let i = self.pf.attempt;
                match snaps[i].state {
                    // IDLE and not asked yet — or IDLE again after a round we did not see
                    // (connected and lost at once): ask (again).
                    ConnectivityState::Idle
                        if self.pf.requested.is_none_or(|seq| seq != snaps[i].seq) =>
                    {
                        self.subs[i].request_connect();
                        self.pf.requested = Some(snaps[i].seq);
                        return self.one(ConnectivityState::Connecting, Vec::new(), None);
                    }
                    ConnectivityState::Idle | ConnectivityState::Connecting => {
                        return self.one(ConnectivityState::Connecting, Vec::new(), None);
                    }
                    // Failed (or still backing off from an earlier failure): the next address.
                    _ => {
                        self.pf.attempt += 1;
                        self.pf.requested = None;
                    }
                }
            }
            self.pf.in_pass = false;
            self.pf.pass_done = true;
        }
        // gRFC A62: after a full pass failed, stay in TRANSIENT_FAILURE and reconnect every
        // subchannel as its backoff ends, until one is READY.
        for (s, snap) in self.subs.iter().zip(snaps) {
            if snap.state == ConnectivityState::Idle {
                s.request_connect();
            }
        }
        let error = self.failure(snaps);
        self.one(ConnectivityState::TransientFailure, Vec::new(), Some(error))
    }
}
