//! The load-balancing API: how a [`Channel`](crate::Channel) turns a resolver's answer into a
//! connection for every call, and how to plug in policies of your own (docs/load-balancing.md,
//! "Writing a policy").
//!
//! The pieces, in the order a call meets them:
//!
//! - A [`Resolver`](crate::Resolver) answers with a [`ResolverUpdate`]: [`Endpoint`]s (an
//!   address and its [`Attributes`]), optionally a [`ServiceConfig`](crate::ServiceConfig), a
//!   [`ConfigSelector`] and attributes for the policies.
//! - The channel gives it to its root [`Policy`], chosen by name from the [registry](register)
//!   (the service config's `loadBalancingConfig`, [`ChannelBuilder::load_balancing`], or
//!   `pick_first`), with the policy's parsed [`LbConfig`].
//! - The policy creates [`Subchannel`]s (one connection each) through the [`Helper`], hears of
//!   their [`SubchannelState`] changes, and publishes a [`Picker`] with the state it
//!   aggregates. Policies compose: a parent gives each child a helper of its own — the
//!   [`ChildManager`] does that bookkeeping (routing subchannel updates to the child that made
//!   the subchannel, keeping each child's last picker and state).
//! - Every call asks the [`ConfigSelector`], if the resolver gave one (gRFC A31): its method
//!   config (timeout, retry policy) and what the picker should see ([`PickInfo`]'s request
//!   hash and attributes, a cluster name for example).
//! - Every attempt asks the current picker ([`Picker::pick`]): a subchannel
//!   ([`PickResult::Pick`], with an optional hook told how the call ended), wait for the next
//!   picker ([`PickResult::Queue`]), or fail ([`PickResult::Fail`] — wait-for-ready calls keep
//!   waiting — or [`PickResult::Drop`], which fails every call).
//!
//! Policies run on the channel's balancer task, one callback at a time, so they need no
//! locks; pickers run on the callers' tasks, concurrently, and must not block. Work a policy
//! wants done later (a timer, an update from another task) goes through its
//! [`WorkScheduler`]: [`Policy::work`] is called soon after on the balancer task.
//!
//! [`ChannelBuilder::load_balancing`]: crate::ChannelBuilder::load_balancing

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use tokio::sync::Notify;

use super::ConnectivityState;
use super::resolver::Address;
use super::service_config::{MethodConfig, ServiceConfig};
use super::subchannel::{Picked, Subchannel as Inner};
use crate::call::MethodDescriptor;
use crate::code::Code;
use crate::metadata::Metadata;
use crate::status::Status;

mod child;
mod pick_first;
mod registry;
mod round_robin;

pub use child::ChildManager;
pub use registry::{LbConfig, PolicyBuilder, builder, parse_lb_config_list, register};

/// Typed values attached to a resolver update or an endpoint (a locality, a weight, the
/// xDS client a resolver shares with its policies). Cloning is cheap (one `Arc`); setting a
/// value copies the map.
///
/// ```
/// use courier_rpc::lb::Attributes;
/// #[derive(Debug, PartialEq)]
/// struct Weight(u32);
/// let a = Attributes::new().with(Weight(3));
/// assert_eq!(a.get::<Weight>(), Some(&Weight(3)));
/// assert_eq!(a.get::<u8>(), None);
/// ```
#[derive(Clone, Default)]
pub struct Attributes {
    map: Option<Arc<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>>,
}

impl Attributes {
    /// No attributes.
    pub fn new() -> Attributes {
        Attributes::default()
    }

    /// These attributes with `value` added (replacing one of the same type).
    pub fn with<T: Any + Send + Sync>(self, value: T) -> Attributes {
        self.with_arc(Arc::new(value))
    }

    /// These attributes with a shared `value` added (replacing one of the same type).
    pub fn with_arc<T: Any + Send + Sync>(mut self, value: Arc<T>) -> Attributes {
        let mut map = self.map.take().map(|m| (*m).clone()).unwrap_or_default();
        map.insert(TypeId::of::<T>(), value);
        self.map = Some(Arc::new(map));
        self
    }

    /// The value of type `T`, if set.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.map
            .as_ref()?
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref())
    }

    /// The shared value of type `T`, if set.
    pub fn get_arc<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let v = Arc::clone(self.map.as_ref()?.get(&TypeId::of::<T>())?);
        v.downcast().ok()
    }

    /// Whether no value is set.
    pub fn is_empty(&self) -> bool {
        self.map.as_ref().is_none_or(|m| m.is_empty())
    }
}

impl fmt::Debug for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attributes")
            .field("len", &self.map.as_ref().map_or(0, |m| m.len()))
            .finish()
    }
}

/// One address a resolver found, with what it knows about it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Endpoint {
    /// Where to connect.
    pub address: Address,
    /// What the resolver attached (a weight, a locality, a health status).
    pub attributes: Attributes,
}

impl Endpoint {
    /// An endpoint without attributes.
    pub fn new(address: impl Into<Address>) -> Endpoint {
        Endpoint {
            address: address.into(),
            attributes: Attributes::new(),
        }
    }

    /// This endpoint with `attributes`.
    pub fn with_attributes(mut self, attributes: Attributes) -> Endpoint {
        self.attributes = attributes;
        self
    }
}

/// What a resolver answers (and what a parent policy gives each child).
#[derive(Clone)]
#[non_exhaustive]
pub struct ResolverUpdate {
    /// The endpoints, in preference order, or why resolution failed.
    pub endpoints: Result<Vec<Endpoint>, Status>,
    /// A service config from the resolver: it replaces the channel's default
    /// ([`ChannelBuilder::service_config`](crate::ChannelBuilder::service_config)).
    pub service_config: Option<ServiceConfig>,
    /// Values for the policies (shared state, such as an xDS client).
    pub attributes: Attributes,
    /// Chooses each call's method config and what its pick sees (gRFC A31). Without one, the
    /// service config's method configs apply.
    pub config_selector: Option<Arc<dyn ConfigSelector>>,
}

impl ResolverUpdate {
    /// An update with `endpoints` and nothing else.
    pub fn new(endpoints: Vec<Endpoint>) -> ResolverUpdate {
        ResolverUpdate {
            endpoints: Ok(endpoints),
            service_config: None,
            attributes: Attributes::new(),
            config_selector: None,
        }
    }

    /// An update saying that resolution failed.
    pub fn error(status: Status) -> ResolverUpdate {
        ResolverUpdate {
            endpoints: Err(status),
            ..ResolverUpdate::new(Vec::new())
        }
    }

    /// This update with `config` as its service config.
    pub fn with_service_config(mut self, config: ServiceConfig) -> ResolverUpdate {
        self.service_config = Some(config);
        self
    }

    /// This update with `attributes`.
    pub fn with_attributes(mut self, attributes: Attributes) -> ResolverUpdate {
        self.attributes = attributes;
        self
    }

    /// This update with a config selector.
    pub fn with_config_selector(mut self, selector: Arc<dyn ConfigSelector>) -> ResolverUpdate {
        self.config_selector = Some(selector);
        self
    }

    /// A copy with other endpoints (a parent giving a child its share).
    pub fn with_endpoints(&self, endpoints: Vec<Endpoint>) -> ResolverUpdate {
        ResolverUpdate {
            endpoints: Ok(endpoints),
            ..self.clone()
        }
    }
}

impl fmt::Debug for ResolverUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolverUpdate")
            .field("endpoints", &self.endpoints)
            .field("service_config", &self.service_config.is_some())
            .field("attributes", &self.attributes)
            .field("config_selector", &self.config_selector.is_some())
            .finish()
    }
}

/// A load-balancing policy: turns resolver updates into subchannels and a [`Picker`].
///
/// All methods run on the channel's balancer task, one at a time. A policy publishes a new
/// picker with [`Helper::update_picker`] whenever what calls should pick changes (it may call
/// it from any of these methods, or not at all).
pub trait Policy: Send + 'static {
    /// New endpoints, attributes, and this policy's config (`None`: none was given; use the
    /// defaults). An error rejects the update (the channel asks the resolver again); the
    /// policy keeps what it had.
    fn resolver_update(
        &mut self,
        update: &ResolverUpdate,
        config: Option<&LbConfig>,
        helper: &mut dyn Helper,
    ) -> Result<(), Status>;

    /// A subchannel this policy created changed state.
    fn subchannel_update(
        &mut self,
        subchannel: &Subchannel,
        state: &SubchannelState,
        helper: &mut dyn Helper,
    );

    /// A call found the channel IDLE: start connecting.
    fn exit_idle(&mut self, helper: &mut dyn Helper);

    /// Work asked for through this policy's [`WorkScheduler`].
    fn work(&mut self, helper: &mut dyn Helper) {
        let _ = helper;
    }
}

/// What a policy is built with.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PolicyOptions {
    /// Asks for [`Policy::work`] to be called on the balancer task.
    pub work: WorkScheduler,
}

impl PolicyOptions {
    /// Options with `work` as the policy's scheduler.
    pub fn new(work: WorkScheduler) -> PolicyOptions {
        PolicyOptions { work }
    }
}

/// How a policy acts on its channel (or on its parent policy, which decides what to do with
/// it).
pub trait Helper: Send {
    /// A new subchannel for `address`, IDLE until [`Subchannel::connect`]. Its state changes
    /// come to [`Policy::subchannel_update`]; dropping the last clone closes it.
    fn new_subchannel(&mut self, address: &Address) -> Subchannel;

    /// Publishes what calls pick from now on, and the state this policy is in.
    fn update_picker(&mut self, state: ConnectivityState, picker: Arc<dyn Picker>);

    /// Asks the resolver to resolve again (a connection was lost, say).
    fn request_resolution(&mut self);
}

/// Asks for a policy's [`Policy::work`] to run on the balancer task, from any thread. Cheap
/// to clone.
#[derive(Clone)]
pub struct WorkScheduler {
    inner: Arc<SchedulerInner>,
}

enum SchedulerInner {
    /// The channel's root policy: wakes the balancer task.
    Root(Arc<Notify>),
    /// A child: marks it and asks its parent.
    Child {
        pending: Arc<AtomicBool>,
        parent: WorkScheduler,
    },
    /// Calls a function (tests, or a policy driving children of its own).
    Func(Box<dyn Fn() + Send + Sync>),
}

impl WorkScheduler {
    pub(crate) fn root(notify: Arc<Notify>) -> WorkScheduler {
        WorkScheduler {
            inner: Arc::new(SchedulerInner::Root(notify)),
        }
    }

    /// A scheduler that calls `f` (a parent that does its own bookkeeping).
    pub fn from_fn(f: impl Fn() + Send + Sync + 'static) -> WorkScheduler {
        WorkScheduler {
            inner: Arc::new(SchedulerInner::Func(Box::new(f))),
        }
    }

    pub(crate) fn child(parent: &WorkScheduler, pending: Arc<AtomicBool>) -> WorkScheduler {
        WorkScheduler {
            inner: Arc::new(SchedulerInner::Child {
                pending,
                parent: parent.clone(),
            }),
        }
    }

    /// Asks for [`Policy::work`] (once, however often asked before it runs).
    pub fn schedule(&self) {
        match &*self.inner {
            SchedulerInner::Root(n) => n.notify_one(),
            SchedulerInner::Child { pending, parent } => {
                pending.store(true, Ordering::Release);
                parent.schedule();
            }
            SchedulerInner::Func(f) => f(),
        }
    }
}

impl fmt::Debug for WorkScheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WorkScheduler")
    }
}

/// A subchannel's state, as its policy hears it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SubchannelState {
    /// IDLE, CONNECTING, READY or TRANSIENT_FAILURE (SHUTDOWN once closed).
    pub state: ConnectivityState,
    /// Why it is in TRANSIENT_FAILURE.
    pub error: Option<Status>,
}

impl SubchannelState {
    /// A state without an error.
    pub fn new(state: ConnectivityState) -> SubchannelState {
        SubchannelState { state, error: None }
    }

    /// TRANSIENT_FAILURE because of `error`.
    pub fn failure(error: Status) -> SubchannelState {
        SubchannelState {
            state: ConnectivityState::TransientFailure,
            error: Some(error),
        }
    }
}

/// One connection to one address (reconnecting with backoff when asked), created by a policy
/// through [`Helper::new_subchannel`]. Clones are the same subchannel (equality is identity);
/// when the last clone is dropped it closes (calls in flight on it finish).
#[derive(Clone)]
pub struct Subchannel {
    handle: Arc<Handle>,
}

struct Handle {
    sub: Arc<Inner>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.sub.shutdown();
    }
}

impl Subchannel {
    pub(crate) fn new(sub: Arc<Inner>) -> Subchannel {
        Subchannel {
            handle: Arc::new(Handle { sub }),
        }
    }

    /// The address it connects to.
    pub fn address(&self) -> &Address {
        &self.handle.sub.address
    }

    /// Starts connecting if it is IDLE (nothing otherwise).
    pub fn connect(&self) {
        self.handle.sub.request_connect();
    }

    /// A handle that does not keep it open.
    pub fn downgrade(&self) -> WeakSubchannel {
        WeakSubchannel {
            handle: Arc::downgrade(&self.handle),
            id: self.handle.sub.id,
        }
    }

    /// A number unique to this subchannel within the process.
    pub fn id(&self) -> u64 {
        self.handle.sub.id
    }

    /// Its connection, if READY (the call path).
    #[inline]
    pub(crate) fn ready(&self) -> Option<Picked> {
        self.handle.sub.ready()
    }
}

impl PartialEq for Subchannel {
    fn eq(&self, other: &Subchannel) -> bool {
        Arc::ptr_eq(&self.handle, &other.handle)
    }
}

impl Eq for Subchannel {}

impl Hash for Subchannel {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.handle.sub.id.hash(state);
    }
}

impl fmt::Debug for Subchannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Subchannel({}, {})", self.handle.sub.id, self.address())
    }
}

/// A [`Subchannel`] handle that does not keep it open; equal to the other weak handles of the
/// same subchannel, usable as a map key.
#[derive(Clone)]
pub struct WeakSubchannel {
    handle: Weak<Handle>,
    id: u64,
}

impl WeakSubchannel {
    /// The subchannel, if it is still open.
    pub fn upgrade(&self) -> Option<Subchannel> {
        self.handle.upgrade().map(|handle| Subchannel { handle })
    }

    /// Whether some [`Subchannel`] handle still keeps it open.
    pub fn is_alive(&self) -> bool {
        self.handle.strong_count() > 0
    }

    /// The subchannel's [`id`](Subchannel::id).
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl PartialEq for WeakSubchannel {
    fn eq(&self, other: &WeakSubchannel) -> bool {
        self.id == other.id
    }
}

impl Eq for WeakSubchannel {}

impl Hash for WeakSubchannel {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl fmt::Debug for WeakSubchannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WeakSubchannel({})", self.id)
    }
}

/// What a picker sees of a call.
#[derive(Clone, Copy, Debug)]
pub struct PickInfo<'a> {
    method: &'a MethodDescriptor,
    metadata: &'a Metadata,
    request_hash: Option<u64>,
    attributes: &'a Attributes,
}

static NO_ATTRIBUTES: Attributes = Attributes { map: None };

impl<'a> PickInfo<'a> {
    /// A call of `method` with `metadata` (tests, or a policy asking a child's picker).
    pub fn new(method: &'a MethodDescriptor, metadata: &'a Metadata) -> PickInfo<'a> {
        PickInfo {
            method,
            metadata,
            request_hash: None,
            attributes: &NO_ATTRIBUTES,
        }
    }

    /// This info with a request hash.
    pub fn with_request_hash(mut self, hash: Option<u64>) -> PickInfo<'a> {
        self.request_hash = hash;
        self
    }

    /// This info with attributes.
    pub fn with_attributes(mut self, attributes: &'a Attributes) -> PickInfo<'a> {
        self.attributes = attributes;
        self
    }

    /// The method called.
    pub fn method(&self) -> &'a MethodDescriptor {
        self.method
    }

    /// The call's `:path`, `/package.Service/Method`.
    pub fn path(&self) -> &'a str {
        self.method.path
    }

    /// The request metadata (after the channel's interceptors).
    pub fn metadata(&self) -> &'a Metadata {
        self.metadata
    }

    /// The request's hash, when the config selector set one (gRFC A42's hash policies).
    pub fn request_hash(&self) -> Option<u64> {
        self.request_hash
    }

    /// What the config selector attached to the call (a cluster name, for example).
    pub fn attributes(&self) -> &'a Attributes {
        self.attributes
    }
}

/// How a call ended, as a [`Pick`]'s completion hook hears it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallEnd {
    /// The call's status code (`OK` for success, `CANCELLED` when the caller dropped it).
    pub code: Code,
    /// Whether the call went out on the picked subchannel. `false` when the pick could not
    /// be used (the subchannel was no longer READY: the call picks again); the code is then
    /// `UNAVAILABLE` and says nothing about the endpoint.
    pub started: bool,
}

impl CallEnd {
    /// A call that ended with `code`.
    pub fn new(code: Code, started: bool) -> CallEnd {
        CallEnd { code, started }
    }
}

/// Called once when a picked call ends (outstanding-request counts, outlier statistics).
pub type CompletionHook = Box<dyn FnOnce(CallEnd) + Send>;

/// A picked subchannel.
#[non_exhaustive]
pub struct Pick {
    /// Where the call goes (it must be READY; if it no longer is, the call waits for the next
    /// picker).
    pub subchannel: Subchannel,
    /// Told how the call ended.
    pub on_complete: Option<CompletionHook>,
}

impl Pick {
    /// A pick of `subchannel`.
    #[inline]
    pub fn new(subchannel: Subchannel) -> Pick {
        Pick {
            subchannel,
            on_complete: None,
        }
    }

    /// This pick with a completion hook (chained after any it has).
    pub fn with_completion(mut self, hook: impl FnOnce(CallEnd) + Send + 'static) -> Pick {
        self.on_complete = Some(match self.on_complete.take() {
            None => Box::new(hook),
            Some(first) => Box::new(move |end| {
                first(end);
                hook(end)
            }),
        });
        self
    }
}

impl fmt::Debug for Pick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pick")
            .field("subchannel", &self.subchannel)
            .field("on_complete", &self.on_complete.is_some())
            .finish()
    }
}

/// What a picker decided for a call.
#[derive(Debug)]
pub enum PickResult {
    /// Send it on this subchannel.
    Pick(Pick),
    /// Wait for the next picker (connections are being made).
    Queue,
    /// Fail it, unless it is wait-for-ready (then it waits for the next picker): the policy
    /// is in TRANSIENT_FAILURE.
    Fail(Status),
    /// Fail it whatever its wait-for-ready (a load-shedding drop, an unknown cluster).
    Drop(Status),
}

/// Chooses where each call goes; published by a policy, called by every attempt (from many
/// tasks at once: it must not block).
pub trait Picker: Send + Sync + 'static {
    /// Picks for one call.
    fn pick(&self, info: &PickInfo<'_>) -> PickResult;
}

impl fmt::Debug for dyn Picker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Picker")
    }
}

/// A picker that queues every call (a policy that is connecting, or has not decided).
#[derive(Clone, Copy, Debug, Default)]
pub struct QueuePicker;

impl Picker for QueuePicker {
    fn pick(&self, _: &PickInfo<'_>) -> PickResult {
        PickResult::Queue
    }
}

/// A picker that fails every call with one status (TRANSIENT_FAILURE).
#[derive(Clone, Debug)]
pub struct FailPicker {
    status: Status,
    drop: bool,
}

impl FailPicker {
    /// Fails calls with `status`; wait-for-ready calls wait.
    pub fn new(status: Status) -> FailPicker {
        FailPicker {
            status,
            drop: false,
        }
    }

    /// Fails every call with `status`, wait-for-ready or not.
    pub fn dropping(status: Status) -> FailPicker {
        FailPicker { status, drop: true }
    }
}

impl Picker for FailPicker {
    fn pick(&self, _: &PickInfo<'_>) -> PickResult {
        if self.drop {
            PickResult::Drop(self.status.clone())
        } else {
            PickResult::Fail(self.status.clone())
        }
    }
}

/// A picker that always picks one subchannel (pick_first's READY picker).
#[derive(Clone, Debug)]
pub struct FixedPicker {
    subchannel: Subchannel,
}

impl FixedPicker {
    /// Picks `subchannel` for every call.
    pub fn new(subchannel: Subchannel) -> FixedPicker {
        FixedPicker { subchannel }
    }
}

impl Picker for FixedPicker {
    #[inline]
    fn pick(&self, _: &PickInfo<'_>) -> PickResult {
        PickResult::Pick(Pick::new(self.subchannel.clone()))
    }
}

/// What a [`ConfigSelector`] decided for a call.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct SelectedConfig {
    /// The call's method config (timeout, wait-for-ready, limits, retry policy); `None`:
    /// the call's own settings and the channel's defaults only.
    pub method_config: Option<Arc<MethodConfig>>,
    /// The request hash pickers see ([`PickInfo::request_hash`]).
    pub request_hash: Option<u64>,
    /// What pickers see ([`PickInfo::attributes`]). The call holds them until it is
    /// committed (no more picks), so a value in them can count the calls using something.
    pub attributes: Attributes,
}

impl SelectedConfig {
    /// A decision with `method_config` and nothing for the picker.
    pub fn new(method_config: Option<Arc<MethodConfig>>) -> SelectedConfig {
        SelectedConfig {
            method_config,
            ..SelectedConfig::default()
        }
    }

    /// This decision with a request hash.
    pub fn with_request_hash(mut self, hash: Option<u64>) -> SelectedConfig {
        self.request_hash = hash;
        self
    }

    /// This decision with attributes for the picker.
    pub fn with_attributes(mut self, attributes: Attributes) -> SelectedConfig {
        self.attributes = attributes;
        self
    }
}

/// Chooses each call's config (gRFC A31): given the method and the request metadata, its
/// method config and what its picks see — or a status that fails the call (no route).
pub trait ConfigSelector: Send + Sync + 'static {
    /// The config of one call.
    fn select(
        &self,
        method: &MethodDescriptor,
        metadata: &Metadata,
    ) -> Result<SelectedConfig, Status>;
}

impl fmt::Debug for dyn ConfigSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConfigSelector")
    }
}

/// The config selector of a resolver's plain service config: its method configs.
#[derive(Debug)]
pub(crate) struct ServiceConfigSelector(pub(crate) ServiceConfig);

impl ConfigSelector for ServiceConfigSelector {
    fn select(&self, method: &MethodDescriptor, _: &Metadata) -> Result<SelectedConfig, Status> {
        Ok(SelectedConfig::new(self.0.method(method).cloned()))
    }
}

/// Process-wide subchannel numbering.
pub(crate) fn next_subchannel_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The TRANSIENT_FAILURE status of a policy whose endpoints all failed: every endpoint's
/// error, so the message names them.
pub(crate) fn failure_status<'a>(
    count: usize,
    errors: impl Iterator<Item = &'a Status>,
    resolution_error: Option<&Status>,
) -> Status {
    if count == 0 {
        return resolution_error.cloned().unwrap_or_else(|| {
            Status::new(Code::UNAVAILABLE, "the resolver returned no addresses")
        });
    }
    let errors: Vec<&str> = errors.map(|e| e.message()).collect();
    let msg = if errors.is_empty() {
        format!("no endpoint of {count} is ready")
    } else {
        errors.join("; ")
    };
    Status::new(Code::UNAVAILABLE, msg)
}

pub(crate) use pick_first::PickFirstBuilder;
pub(crate) use round_robin::RoundRobinBuilder;
