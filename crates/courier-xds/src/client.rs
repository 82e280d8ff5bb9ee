//! [`XdsClient`]: one ADS stream to the management server (state of the world), shared by
//! every channel and server of the process that uses the same bootstrap: subscriptions by
//! watch, ACK/NACK with version and nonce, a cache of validated resources, resource-does-not-
//! exist timers, reconnection with backoff.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant, SystemTime};

use courier_rpc::{Channel, Code, Request, Status, receiver_stream};
use courier_types::Any;
use tokio::sync::{Notify, mpsc, watch};

use crate::bootstrap::{Bootstrap, BootstrapError};
use crate::pb::envoy::config::core::v3 as core;
use crate::pb::envoy::service::discovery::v3 as ads;
use crate::resource::{self, Resource, ResourceType};

/// gRFC A27 / the xDS protocol: a subscribed resource that does not arrive within this long
/// after the request is taken not to exist.
pub const RESOURCE_DOES_NOT_EXIST_TIMEOUT: Duration = Duration::from_secs(15);

/// Hears what happens to one watched resource. Called from the client's task: return quickly.
pub trait Watcher: Send + Sync + 'static {
    /// A new valid version of the resource.
    fn on_update(&self, resource: Resource);
    /// An error: the management server sent an invalid version (the last valid one stays in
    /// use), or the stream failed. A watcher that has a resource keeps using it.
    fn on_error(&self, error: Status);
    /// The resource does not exist (deleted, or never sent within the timeout).
    fn on_does_not_exist(&self);
}

/// CSDS (gRFC A40): a cached resource's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheStatus {
    /// Asked for, not received.
    Requested,
    /// Taken not to exist.
    DoesNotExist,
    /// Received and accepted.
    Acked,
    /// The last version received was rejected.
    Nacked,
}

/// One cached resource as CSDS shows it.
#[derive(Clone, Debug)]
pub struct CachedResource {
    /// Its type.
    pub resource_type: ResourceType,
    /// Its name.
    pub name: String,
    /// Its status.
    pub status: CacheStatus,
    /// The version it was accepted at.
    pub version: String,
    /// The accepted resource, as received.
    pub raw: Option<Any>,
    /// When it was accepted.
    pub last_updated: Option<SystemTime>,
    /// The last rejected version, why, and when.
    pub error: Option<(String, String, SystemTime)>,
}

struct Entry {
    watchers: Vec<(u64, Arc<dyn Watcher>)>,
    value: Option<Resource>,
    raw: Option<Any>,
    version: String,
    last_updated: Option<SystemTime>,
    status: CacheStatus,
    error: Option<(String, String, SystemTime)>,
    /// When the request naming it went out (its does-not-exist timer).
    requested_at: Option<Instant>,
}

impl Entry {
    fn new() -> Entry {
        Entry {
            watchers: Vec::new(),
            value: None,
            raw: None,
            version: String::new(),
            last_updated: None,
            status: CacheStatus::Requested,
            error: None,
            requested_at: None,
        }
    }
}

#[derive(Default)]
struct TypeState {
    resources: BTreeMap<String, Entry>,
    /// The version last accepted.
    version: String,
    /// The nonce of the response last received (on this stream).
    nonce: String,
}

#[derive(Default)]
struct State {
    types: HashMap<ResourceType, TypeState>,
    next_id: u64,
}

enum Event {
    Update(Resource),
    Error(Status),
    DoesNotExist,
}

type Notifications = Vec<(Arc<dyn Watcher>, Event)>;

fn notify(list: Notifications) {
    for (w, e) in list {
        match e {
            Event::Update(r) => w.on_update(r),
            Event::Error(s) => w.on_error(s),
            Event::DoesNotExist => w.on_does_not_exist(),
        }
    }
}

struct Shared {
    bootstrap: Bootstrap,
    node: core::Node,
    state: Mutex<State>,
    /// Subscriptions changed.
    wake: Notify,
    timeout: Duration,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Handle {
    shared: Arc<Shared>,
    _stop: watch::Sender<bool>,
    started: std::sync::atomic::AtomicBool,
    stop_rx: watch::Receiver<bool>,
}

/// The xDS client: cheap to clone; the ADS stream ends when the last clone is dropped.
#[derive(Clone)]
pub struct XdsClient {
    handle: Arc<Handle>,
}

impl fmt::Debug for XdsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XdsClient")
            .field(
                "server",
                &self.handle.shared.bootstrap.servers[0].server_uri,
            )
            .finish_non_exhaustive()
    }
}

/// The client features gRPC announces (gRFC A27: this client does not do overprovisioning).
const CLIENT_FEATURES: &[&str] = &[
    "envoy.lb.does_not_support_overprovisioning",
    "xds.config.resource-in-sotw",
];

impl XdsClient {
    /// A client for `bootstrap` (its first server). It connects on the first watch.
    pub fn new(bootstrap: Bootstrap) -> XdsClient {
        XdsClient::with_timeout(bootstrap, RESOURCE_DOES_NOT_EXIST_TIMEOUT)
    }

    /// A client whose resource-does-not-exist timeout is `timeout` (tests).
    pub fn with_timeout(bootstrap: Bootstrap, timeout: Duration) -> XdsClient {
        let mut node = bootstrap.node.clone();
        // gRFC A27: build_version, user_agent_name, user_agent_version and client_features "will
        // be populated automatically by the gRPC xDS client".
        node.user_agent_name = "courier".into();
        node.user_agent_version_type = Some(core::node::UserAgentVersionType::UserAgentVersion(
            env!("CARGO_PKG_VERSION").into(),
        ));
        node.client_features = CLIENT_FEATURES.iter().map(|s| s.to_string()).collect();
        let (stop, stop_rx) = watch::channel(false);
        XdsClient {
            handle: Arc::new(Handle {
                shared: Arc::new(Shared {
                    bootstrap,
                    node,
                    state: Mutex::new(State::default()),
                    wake: Notify::new(),
                    timeout,
                }),
                _stop: stop,
                started: std::sync::atomic::AtomicBool::new(false),
                stop_rx,
            }),
        }
    }

    /// The process's client for the bootstrap in the environment (`GRPC_XDS_BOOTSTRAP` or
    /// `GRPC_XDS_BOOTSTRAP_CONFIG`): one, shared by every channel and server, for as long as
    /// one of them uses it.
    pub fn from_env() -> Result<XdsClient, BootstrapError> {
        static SHARED: OnceLock<Mutex<Weak<Handle>>> = OnceLock::new();
        let slot = SHARED.get_or_init(|| Mutex::new(Weak::new()));
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(handle) = slot.upgrade() {
            return Ok(XdsClient { handle });
        }
        let c = XdsClient::new(Bootstrap::from_env()?);
        *slot = Arc::downgrade(&c.handle);
        Ok(c)
    }

    /// The bootstrap.
    pub fn bootstrap(&self) -> &Bootstrap {
        &self.handle.shared.bootstrap
    }

    /// The node as the management server sees it (with the client's user agent and features).
    pub fn node(&self) -> &core::Node {
        &self.handle.shared.node
    }

    /// Watches resource `name` of type `ty`: `watcher` hears its versions (the cached one at
    /// once), errors and deletion, until the handle is dropped.
    pub fn watch(&self, ty: ResourceType, name: &str, watcher: Arc<dyn Watcher>) -> WatchHandle {
        self.start();
        let shared = &self.handle.shared;
        let mut now = Vec::new();
        let id = {
            let mut st = shared.lock();
            st.next_id += 1;
            let id = st.next_id;
            let e = st
                .types
                .entry(ty)
                .or_default()
                .resources
                .entry(name.to_owned())
                .or_insert_with(Entry::new);
            e.watchers.push((id, Arc::clone(&watcher)));
            if let Some(v) = &e.value {
                now.push((Arc::clone(&watcher), Event::Update(v.clone())));
            } else if e.status == CacheStatus::DoesNotExist {
                now.push((Arc::clone(&watcher), Event::DoesNotExist));
            }
            id
        };
        shared.wake.notify_one();
        notify(now);
        WatchHandle {
            shared: Arc::downgrade(shared),
            ty,
            name: name.to_owned(),
            id,
        }
    }

    /// Every cached resource (CSDS).
    pub fn dump(&self) -> Vec<CachedResource> {
        let st = self.handle.shared.lock();
        let mut out = Vec::new();
        let mut types: Vec<_> = st.types.iter().collect();
        types.sort_by_key(|(t, _)| **t);
        for (ty, ts) in types {
            for (name, e) in &ts.resources {
                out.push(CachedResource {
                    resource_type: *ty,
                    name: name.clone(),
                    status: e.status,
                    version: e.version.clone(),
                    raw: e.raw.clone(),
                    last_updated: e.last_updated,
                    error: e.error.clone(),
                });
            }
        }
        out
    }

    fn start(&self) {
        use std::sync::atomic::Ordering;
        if self.handle.started.swap(true, Ordering::AcqRel) {
            return;
        }
        tokio::spawn(run(
            Arc::clone(&self.handle.shared),
            self.handle.stop_rx.clone(),
        ));
    }
}

/// Ends a watch when dropped.
pub struct WatchHandle {
    shared: Weak<Shared>,
    ty: ResourceType,
    name: String,
    id: u64,
}

impl fmt::Debug for WatchHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WatchHandle({:?} {})", self.ty, self.name)
    }
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        let Some(shared) = self.shared.upgrade() else {
            return;
        };
        {
            let mut st = shared.lock();
            let Some(ts) = st.types.get_mut(&self.ty) else {
                return;
            };
            let Some(e) = ts.resources.get_mut(&self.name) else {
                return;
            };
            e.watchers.retain(|(id, _)| *id != self.id);
            // gRFC A28 "Cancel a watch": the last watch of a name removes it from the request
            // and from the cache.
            if e.watchers.is_empty() {
                ts.resources.remove(&self.name);
            }
        }
        shared.wake.notify_one();
    }
}

/// The request for type `ty`: its subscribed names, the accepted version, the nonce.
fn request(st: &State, ty: ResourceType, node: Option<&core::Node>) -> ads::DiscoveryRequest {
    let ts = st.types.get(&ty);
    ads::DiscoveryRequest {
        version_info: ts.map(|t| t.version.clone()).unwrap_or_default(),
        node: node.cloned(),
        resource_names: ts
            .map(|t| t.resources.keys().cloned().collect())
            .unwrap_or_default(),
        type_url: ty.type_url().to_owned(),
        response_nonce: ts.map(|t| t.nonce.clone()).unwrap_or_default(),
        ..Default::default()
    }
}

fn names(st: &State, ty: ResourceType) -> Vec<String> {
    st.types
        .get(&ty)
        .map(|t| t.resources.keys().cloned().collect())
        .unwrap_or_default()
}

/// The ADS task: a stream at a time, reconnecting with backoff.
async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let server = &shared.bootstrap.servers[0];
    let channel = Channel::builder(server.server_uri.clone())
        .user_agent("courier-xds")
        .build();
    let client =
        ads::aggregated_discovery_service_rpc::AggregatedDiscoveryServiceClient::new(channel);
    let mut backoff = Backoff::new();
    loop {
        let (got_response, why) = tokio::select! {
            r = stream(&shared, &client) => r,
            _ = stop.changed() => return,
        };
        if got_response {
            backoff.reset();
        }
        tracing::warn!(server = %server.server_uri, error = %why, "xDS stream ended");
        // Watchers hear of the failure; those with a resource keep using it.
        let list: Notifications = {
            let mut st = shared.lock();
            let mut v = Vec::new();
            for ts in st.types.values_mut() {
                ts.nonce.clear();
                for e in ts.resources.values_mut() {
                    e.requested_at = None;
                    for (_, w) in &e.watchers {
                        v.push((
                            Arc::clone(w),
                            Event::Error(Status::new(
                                Code::UNAVAILABLE,
                                format!("xDS server {}: {}", server.server_uri, why.message()),
                            )),
                        ));
                    }
                }
            }
            v
        };
        notify(list);
        let delay = backoff.next();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.changed() => return,
        }
    }
}

/// gRPC's connection backoff (connection-backoff.md): 1 s, ×1.6, up to 120 s, ±20 % jitter.
struct Backoff {
    next: Duration,
    seed: u64,
}

impl Backoff {
    fn new() -> Backoff {
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            | 1;
        Backoff {
            next: Duration::from_secs(1),
            seed,
        }
    }

    fn reset(&mut self) {
        self.next = Duration::from_secs(1);
    }

    fn next(&mut self) -> Duration {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        let jitter = 0.8 + 0.4 * ((self.seed >> 11) as f64 / (1u64 << 53) as f64);
        let d = self.next.mul_f64(jitter);
        self.next = self.next.mul_f64(1.6).min(Duration::from_secs(120));
        d
    }
}

type AdsClient = ads::aggregated_discovery_service_rpc::AggregatedDiscoveryServiceClient<Channel>;

/// One ADS stream, until it fails: whether a response came, and why it ended.
async fn stream(shared: &Arc<Shared>, client: &AdsClient) -> (bool, Status) {
    let (tx, rx) = mpsc::channel::<ads::DiscoveryRequest>(256);
    let mut sent: HashMap<ResourceType, Vec<String>> = HashMap::new();
    let mut first = true;
    // The requests of every type with subscriptions, before the call starts (so the first is
    // in the request stream when the call is awaited).
    let send_changed = |sent: &mut HashMap<ResourceType, Vec<String>>, first: &mut bool| -> bool {
        let mut st = shared.lock();
        let now = Instant::now();
        for ty in ResourceType::ALL {
            let n = names(&st, ty);
            let before = sent.get(&ty);
            if before.is_none_or(|b| *b != n) && !(before.is_none() && n.is_empty()) {
                let node = first.then_some(&shared.node);
                let req = request(&st, ty, node);
                if tx.try_send(req).is_err() {
                    return false;
                }
                *first = false;
                if let Some(ts) = st.types.get_mut(&ty) {
                    for e in ts.resources.values_mut() {
                        if e.value.is_none()
                            && e.requested_at.is_none()
                            && e.status != CacheStatus::DoesNotExist
                        {
                            e.requested_at = Some(now);
                        }
                    }
                }
                sent.insert(ty, n);
            }
        }
        true
    };
    send_changed(&mut sent, &mut first);
    let call = {
        let client = client.clone();
        async move {
            // Not wait-for-ready: while the management server cannot be reached, the stream
            // fails and watchers hear of it (a channel without any configuration yet fails its
            // calls instead of waiting for ever).
            let req = Request::new(receiver_stream(rx));
            client.stream_aggregated_resources(req).await
        }
    };
    let (resp_tx, mut resp_rx) = mpsc::channel::<Result<ads::DiscoveryResponse, Status>>(16);
    let reader = AbortOnDrop(tokio::spawn(async move {
        let mut s = match call.await {
            Ok(r) => r.into_inner(),
            Err(e) => {
                let _ = resp_tx.send(Err(e)).await;
                return;
            }
        };
        loop {
            let item = match s.message().await {
                Ok(Some(m)) => Ok(m),
                Ok(None) => Err(Status::new(Code::UNAVAILABLE, "the ADS stream ended")),
                Err(e) => Err(e),
            };
            let end = item.is_err();
            if resp_tx.send(item).await.is_err() || end {
                return;
            }
        }
    }));
    let mut got = false;
    loop {
        let next_timer = {
            let st = shared.lock();
            st.types
                .values()
                .flat_map(|t| t.resources.values())
                .filter_map(|e| e.requested_at)
                .min()
                .map(|t| t + shared.timeout)
        };
        let timer = async {
            match next_timer {
                Some(t) => tokio::time::sleep_until(t.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = resp_rx.recv() => match r {
                Some(Ok(resp)) => {
                    got = true;
                    let (req, list) = handle_response(shared, resp);
                    if tx.try_send(req).is_err() {
                        drop(reader);
                        return (got, Status::new(Code::UNAVAILABLE, "ADS request queue full"));
                    }
                    notify(list);
                }
                Some(Err(s)) => {
                    drop(reader);
                    return (got, s);
                }
                None => {
                    drop(reader);
                    return (got, Status::new(Code::UNAVAILABLE, "the ADS stream ended"));
                }
            },
            _ = shared.wake.notified() => {
                if !send_changed(&mut sent, &mut first) {
                    return (got, Status::new(Code::UNAVAILABLE, "ADS request queue full"));
                }
            }
            _ = timer => {
                let list = expire(shared);
                notify(list);
            }
        }
    }
}

/// Resource-does-not-exist timers that ran out.
fn expire(shared: &Shared) -> Notifications {
    let mut st = shared.lock();
    let now = Instant::now();
    let mut v = Vec::new();
    for ts in st.types.values_mut() {
        for e in ts.resources.values_mut() {
            if e.requested_at.is_some_and(|t| now >= t + shared.timeout) {
                e.requested_at = None;
                e.status = CacheStatus::DoesNotExist;
                for (_, w) in &e.watchers {
                    v.push((Arc::clone(w), Event::DoesNotExist));
                }
            }
        }
    }
    v
}

/// Applies a response: the resources it validly carries replace the cached ones (their
/// watchers hear of it), invalid ones are recorded and NACKed, resources of a full-state type
/// it lacks are deleted. Returns the ACK or NACK and the notifications.
fn handle_response(
    shared: &Shared,
    resp: ads::DiscoveryResponse,
) -> (ads::DiscoveryRequest, Notifications) {
    let mut st = shared.lock();
    let mut list: Notifications = Vec::new();
    let Some(ty) = ResourceType::from_type_url(&resp.type_url) else {
        // An unknown type: NACK it.
        let req = ads::DiscoveryRequest {
            type_url: resp.type_url.clone(),
            response_nonce: resp.nonce.clone(),
            error_detail: Some(courier_rpc::rpc_status::Status {
                code: Code::INVALID_ARGUMENT.0,
                message: format!("unsupported type {}", resp.type_url),
                ..Default::default()
            }),
            ..Default::default()
        };
        return (req, list);
    };
    let now = SystemTime::now();
    let mut errors: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut accepted: Vec<(String, Resource, Any)> = Vec::new();
    let mut rejected: Vec<(String, String)> = Vec::new();
    for any in &resp.resources {
        let (name, r) = resource::decode(ty, any);
        match (name, r) {
            (Some(n), Ok(res)) => {
                seen.push(n.clone());
                accepted.push((n, res, any.clone()));
            }
            (Some(n), Err(e)) => {
                seen.push(n.clone());
                errors.push(format!("{n}: {e}"));
                rejected.push((n, e));
            }
            (None, Err(e)) => errors.push(e),
            (None, Ok(_)) => {}
        }
    }
    let ts = st.types.entry(ty).or_default();
    ts.nonce = resp.nonce.clone();
    for (name, res, any) in accepted {
        let Some(e) = ts.resources.get_mut(&name) else {
            // gRFC A27: resources not asked for are ignored.
            continue;
        };
        e.requested_at = None;
        e.version = resp.version_info.clone();
        e.status = CacheStatus::Acked;
        e.error = None;
        // Unchanged: nothing to tell (gRFC A28: "filter out the duplicate responses").
        if e.raw
            .as_ref()
            .is_some_and(|r| r.value == any.value && r.type_url == any.type_url)
        {
            continue;
        }
        e.raw = Some(any);
        e.value = Some(res.clone());
        e.last_updated = Some(now);
        for (_, w) in &e.watchers {
            list.push((Arc::clone(w), Event::Update(res.clone())));
        }
    }
    let detail = errors.join("; ");
    for (name, err) in &rejected {
        let Some(e) = ts.resources.get_mut(name) else {
            continue;
        };
        e.requested_at = None;
        e.status = CacheStatus::Nacked;
        e.error = Some((resp.version_info.clone(), detail.clone(), now));
        for (_, w) in &e.watchers {
            list.push((
                Arc::clone(w),
                Event::Error(Status::new(
                    Code::UNAVAILABLE,
                    format!("invalid {name}: {err}"),
                )),
            ));
        }
    }
    if ty.full_state() {
        // The xDS protocol, state of the world: a Listener or Cluster response carries every
        // resource of its type; a subscribed one missing from it was deleted.
        for (name, e) in ts.resources.iter_mut() {
            if seen.contains(name) || e.status == CacheStatus::DoesNotExist {
                continue;
            }
            e.value = None;
            e.raw = None;
            e.requested_at = None;
            e.status = CacheStatus::DoesNotExist;
            for (_, w) in &e.watchers {
                list.push((Arc::clone(w), Event::DoesNotExist));
            }
        }
    }
    if !errors.is_empty() {
        // gRFC A40: the error of a rejected response is attached to every resource in it.
        for name in &seen {
            if let Some(e) = ts.resources.get_mut(name) {
                if e.status == CacheStatus::Acked && e.version == resp.version_info {
                    e.status = CacheStatus::Nacked;
                }
                e.error = Some((resp.version_info.clone(), detail.clone(), now));
            }
        }
    } else {
        ts.version = resp.version_info.clone();
    }
    let mut req = request(&st, ty, None);
    req.response_nonce = resp.nonce.clone();
    if !errors.is_empty() {
        // The xDS protocol: a NACK repeats the last accepted version with the response's nonce
        // and an error_detail.
        req.error_detail = Some(courier_rpc::rpc_status::Status {
            code: Code::INVALID_ARGUMENT.0,
            message: format!("xDS response validation failed: {detail}"),
            ..Default::default()
        });
        tracing::warn!(type_url = %resp.type_url, version = %resp.version_info, error = %detail, "NACK");
    }
    (req, list)
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
