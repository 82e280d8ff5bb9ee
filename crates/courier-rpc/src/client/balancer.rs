//! The channel's two background tasks: the resolver task feeds [`ResolverUpdate`]s to the
//! balancer task, which runs the root load-balancing [`Policy`] (lb module): it creates the
//! subchannels the policy asks for, routes their state changes to it, and publishes the
//! picker (and the resolver's config selector) calls read.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, mpsc, watch};

use super::ConnectivityState;
use super::backoff::{Backoff, BackoffState, Rng};
use super::lb::{
    ConfigSelector, FailPicker, Helper, LbConfig, Picker, Policy, PolicyOptions, QueuePicker,
    ResolverUpdate, ServiceConfigSelector, Subchannel, SubchannelState, WeakSubchannel,
    WorkScheduler, builder,
};
use super::resolver::{Address, Resolver};
use super::service_config::ServiceConfig;
use super::subchannel::{Subchannel as SubchannelInner, SubchannelCtx};
use crate::code::Code;
use crate::status::Status;

/// What calls read: published by the balancer after every change.
#[derive(Clone)]
pub(crate) struct Published {
    pub(crate) state: ConnectivityState,
    pub(crate) picker: Arc<dyn Picker>,
    /// The resolver's config selector (or its service config's), once it gave one.
    pub(crate) selector: Option<Arc<dyn ConfigSelector>>,
    /// The balancer has handled the resolver's first answer (calls choose their config only
    /// then).
    pub(crate) resolved: bool,
}

impl Published {
    /// A picker that queues calls, in `state` (IDLE at the start).
    pub(crate) fn idle() -> Published {
        Published {
            state: ConnectivityState::Idle,
            picker: Arc::new(QueuePicker),
            selector: None,
            resolved: false,
        }
    }

    /// The end: every call fails.
    pub(crate) fn shutdown() -> Published {
        Published {
            state: ConnectivityState::Shutdown,
            picker: Arc::new(FailPicker::dropping(Status::new(
                Code::UNAVAILABLE,
                "channel shut down",
            ))),
            selector: None,
            resolved: true,
        }
    }
}

/// Everything the two tasks share with the channel.
pub(crate) struct Shared {
    pub(crate) picker: watch::Sender<Published>,
    /// A call found the channel IDLE.
    pub(crate) exit_idle: Notify,
    pub(crate) shutdown: watch::Sender<bool>,
    /// Where calls find their method config: [`UNRESOLVED`] until the resolver's first
    /// answer was handled, then [`STATIC`] (the channel's service config) or, once a resolver
    /// gave a config selector or a service config, [`DYNAMIC`] (the published selector).
    pub(crate) config_mode: AtomicU8,
}

/// [`Shared::config_mode`]: no resolver answer yet.
pub(crate) const UNRESOLVED: u8 = 0;
/// [`Shared::config_mode`]: the channel's own service config.
pub(crate) const STATIC: u8 = 1;
/// [`Shared::config_mode`]: the published selector (if any; else the channel's own).
pub(crate) const DYNAMIC: u8 = 2;

/// How the root policy is chosen.
pub(crate) struct PolicyChoice {
    /// Set by `ChannelBuilder::load_balancing`: wins over any service config.
    pub(crate) forced: Option<LbConfig>,
    /// The channel's default service config's choice.
    pub(crate) default: Option<LbConfig>,
}

/// What the tasks are started with (on the first call).
pub(crate) struct Launch {
    pub(crate) policy: PolicyChoice,
    pub(crate) resolver: Arc<dyn Resolver>,
    pub(crate) ctx: Arc<SubchannelCtx>,
    pub(crate) events: mpsc::UnboundedReceiver<(u64, SubchannelState)>,
    pub(crate) min_resolve_interval: Duration,
}

/// Starts the resolver and balancer tasks.
pub(crate) fn start(shared: Arc<Shared>, launch: Launch) {
    let (tx, rx) = watch::channel(None);
    tokio::spawn(resolve_loop(
        Arc::clone(&launch.resolver),
        Arc::clone(&launch.ctx.reresolve),
        launch.min_resolve_interval,
        launch.ctx.backoff,
        shared.shutdown.subscribe(),
        tx,
    ));
    tokio::spawn(balance_loop(shared, launch, rx));
}

type Resolution = Option<ResolverUpdate>;

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
            r = resolver.resolve_update() => r,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        match r {
            Ok(update) => {
                failures.reset();
                retry_in = None;
                tx.send_replace(Some(update));
            }
            Err(e) => {
                let d = match retry_in {
                    None => failures.first_delay(),
                    Some(_) => failures.next_delay(),
                };
                retry_in = Some(d);
                tracing::debug!(error = %e, "name resolution failed");
                tx.send_replace(Some(ResolverUpdate::error(Status::new(
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

/// The channel's side of [`Helper`]: subchannels made with the channel's settings, pickers
/// kept for publishing after the callback.
struct ChannelHelper<'a> {
    ctx: &'a Arc<SubchannelCtx>,
    subs: &'a mut HashMap<u64, WeakSubchannel>,
    published: &'a mut Option<(ConnectivityState, Arc<dyn Picker>)>,
}

impl Helper for ChannelHelper<'_> {
    fn new_subchannel(&mut self, address: &Address) -> Subchannel {
        let sub = Subchannel::new(SubchannelInner::spawn(
            address.clone(),
            Arc::clone(self.ctx),
        ));
        self.subs.insert(sub.id(), sub.downgrade());
        sub
    }

    fn update_picker(&mut self, state: ConnectivityState, picker: Arc<dyn Picker>) {
        *self.published = Some((state, picker));
    }

    fn request_resolution(&mut self) {
        self.ctx.reresolve.notify_one();
    }
}

/// The root policy and its name.
type Root = Option<(String, Box<dyn Policy>)>;

struct Balancer {
    ctx: Arc<SubchannelCtx>,
    choice: PolicyChoice,
    policy: Root,
    work: Arc<Notify>,
    subs: HashMap<u64, WeakSubchannel>,
    published: Option<(ConnectivityState, Arc<dyn Picker>)>,
    /// The last resolver update, for a policy built later (a service config's change).
    selector: Option<Arc<dyn ConfigSelector>>,
    /// The resolver gave a config selector or service config at some point.
    dynamic: bool,
}

impl Balancer {
    fn helper(&mut self) -> (&mut Root, ChannelHelper<'_>) {
        (
            &mut self.policy,
            ChannelHelper {
                ctx: &self.ctx,
                subs: &mut self.subs,
                published: &mut self.published,
            },
        )
    }

    /// The root policy's config for `update`: forced, else the resolver's service config's,
    /// else the default service config's, else pick_first.
    fn config_for(&self, update: &ResolverUpdate) -> LbConfig {
        self.choice
            .forced
            .clone()
            .or_else(|| {
                update
                    .service_config
                    .as_ref()
                    .and_then(ServiceConfig::lb_config)
                    .cloned()
            })
            .or_else(|| self.choice.default.clone())
            .unwrap_or_else(|| LbConfig::new("pick_first", ()))
    }

    fn resolver_update(&mut self, update: ResolverUpdate) {
        if let Some(s) = &update.config_selector {
            self.selector = Some(Arc::clone(s));
            self.dynamic = true;
        } else if let Some(sc) = &update.service_config {
            self.selector = Some(Arc::new(ServiceConfigSelector(sc.clone())));
            self.dynamic = true;
        } else if self.dynamic && update.endpoints.is_ok() {
            // The resolver stopped giving a config: the channel's default applies again.
            self.selector = None;
        }
        let config = self.config_for(&update);
        if self
            .policy
            .as_ref()
            .is_none_or(|(name, _)| name != config.name())
        {
            match builder(config.name()) {
                Some(b) => {
                    let p = b.build(PolicyOptions::new(WorkScheduler::root(Arc::clone(
                        &self.work,
                    ))));
                    // The old policy (and every subchannel only it kept) goes.
                    self.policy = Some((config.name().to_owned(), p));
                }
                None => {
                    tracing::warn!(
                        policy = config.name(),
                        "load-balancing policy not registered"
                    );
                    self.published = Some((
                        ConnectivityState::TransientFailure,
                        Arc::new(FailPicker::new(Status::new(
                            Code::UNAVAILABLE,
                            format!("load-balancing policy {} is not registered", config.name()),
                        ))),
                    ));
                    return;
                }
            }
        }
        let ctx = Arc::clone(&self.ctx);
        let (policy, mut h) = self.helper();
        if let Some((_, p)) = policy {
            if let Err(e) = p.resolver_update(&update, Some(&config), &mut h) {
                tracing::debug!(error = %e, "load-balancing policy rejected the resolver update");
                ctx.reresolve.notify_one();
            }
        }
    }

    fn subchannel_update(&mut self, id: u64, state: SubchannelState) {
        let Some(sub) = self.subs.get(&id).and_then(WeakSubchannel::upgrade) else {
            self.subs.remove(&id);
            return;
        };
        if state.state == ConnectivityState::Shutdown {
            self.subs.remove(&id);
        }
        let (policy, mut h) = self.helper();
        if let Some((_, p)) = policy {
            p.subchannel_update(&sub, &state, &mut h);
        }
    }

    fn exit_idle(&mut self) {
        let (policy, mut h) = self.helper();
        if let Some((_, p)) = policy {
            p.exit_idle(&mut h);
        }
    }

    fn work(&mut self) {
        let (policy, mut h) = self.helper();
        if let Some((_, p)) = policy {
            p.work(&mut h);
        }
    }
}

async fn balance_loop(
    shared: Arc<Shared>,
    launch: Launch,
    mut updates: watch::Receiver<Resolution>,
) {
    let mut shutdown = shared.shutdown.subscribe();
    let mut events = launch.events;
    let mut b = Balancer {
        ctx: launch.ctx,
        choice: launch.policy,
        policy: None,
        work: Arc::new(Notify::new()),
        subs: HashMap::new(),
        published: None,
        selector: None,
        dynamic: false,
    };
    let work = Arc::clone(&b.work);
    let mut exit_idle_pending = false;
    loop {
        let mut selector_changed = false;
        tokio::select! {
            r = updates.changed() => {
                if r.is_err() {
                    break;
                }
                let update = updates.borrow_and_update().clone();
                if let Some(u) = update {
                    b.resolver_update(u);
                    selector_changed = true;
                    if std::mem::take(&mut exit_idle_pending) {
                        b.exit_idle();
                    }
                }
            }
            Some((id, state)) = events.recv() => {
                b.subchannel_update(id, state);
                // Whatever else is queued, before publishing once.
                while let Ok((id, state)) = events.try_recv() {
                    b.subchannel_update(id, state);
                }
            }
            _ = shared.exit_idle.notified() => {
                if b.policy.is_some() {
                    b.exit_idle();
                } else {
                    exit_idle_pending = true;
                }
            }
            _ = work.notified() => b.work(),
            _ = shutdown.wait_for(|s| *s) => break,
        }
        let picker = b.published.take();
        if picker.is_none() && !selector_changed {
            continue;
        }
        let selector = b.selector.clone();
        let new_state = picker.as_ref().map(|(state, _)| *state);
        shared.picker.send_if_modified(|p| {
            if p.state == ConnectivityState::Shutdown {
                return false;
            }
            if let Some((state, picker)) = picker {
                p.state = state;
                p.picker = picker;
            }
            if selector_changed {
                p.selector = selector;
                p.resolved = true;
            }
            true
        });
        if let (Some(node), Some(state)) = (&b.ctx.channelz, new_state) {
            node.note_state(state);
        }
        if selector_changed {
            // After the publishing: a call that sees DYNAMIC finds the selector there.
            let mode = if b.dynamic { DYNAMIC } else { STATIC };
            shared.config_mode.store(mode, Ordering::Release);
        }
    }
    // The policy and with it every subchannel it kept.
    drop(b);
    shared.picker.send_replace(Published::shutdown());
}
