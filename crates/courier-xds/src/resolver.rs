//! The `xds:` resolver (gRFC A27, A28, A31): watches the target's Listener and its
//! RouteConfiguration, and gives the channel a service config choosing
//! `xds_cluster_manager_experimental` over every cluster a route can pick, the xDS client (in
//! the attributes) for the policies under it, and a [`ConfigSelector`] that routes each call:
//! the first route matching its path, headers and runtime fraction; a cluster by weight; the
//! route's timeout and retry policy; its request hash.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, Weak};

use courier_rpc::lb::{Attributes, ConfigSelector, LbConfig, ResolverUpdate, SelectedConfig};
use courier_rpc::{
    BoxFuture, Code, Metadata, MethodConfig, MethodDescriptor, Resolver, ResolverBuilder,
    ServiceConfig, Status,
};
use tokio::sync::{Notify, watch};

use crate::client::{WatchHandle, Watcher, XdsClient};
use crate::lb::cds::CdsConfig;
use crate::lb::cluster_manager::ClusterManagerConfig;
use crate::lb::{random, random_below};
use crate::resource::listener::{HttpConnectionManager, RouteSource};
use crate::resource::matcher::header_value;
use crate::resource::route::{
    HashPolicy, RouteAction, RouteConfig, RouteMatcher, find_virtual_host,
};
use crate::resource::{Resource, ResourceType};
use crate::xxhash::xxh64;

/// A cluster a route can pick. The config selector hands one to each call that picks the
/// cluster; the cluster stays in the channel's cluster manager while any is alive (gRFC A31:
/// a cluster removed from the routes is removed from the policy only when no call uses it).
#[derive(Debug)]
pub struct ClusterRef {
    name: String,
    released: Weak<Notify>,
}

impl ClusterRef {
    /// The cluster's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ClusterRef {
    fn drop(&mut self) {
        if let Some(n) = self.released.upgrade() {
            n.notify_one();
        }
    }
}

/// Registers the `xds` scheme: `xds:///name` (or `xds:name`) resolves with the process's
/// [`XdsClient::from_env`].
#[derive(Debug)]
pub struct XdsResolverBuilder;

impl ResolverBuilder for XdsResolverBuilder {
    fn scheme(&self) -> &'static str {
        "xds"
    }

    fn build(&self, target: &str) -> Result<(String, Arc<dyn Resolver>), String> {
        let rest = target.strip_prefix("xds:").unwrap_or(target);
        // gRFC A27: "The "xds" URI scheme does not support any authority."
        let name = match rest.strip_prefix("//") {
            Some(r) => match r.split_once('/') {
                Some(("", name)) => name,
                Some((auth, _)) => return Err(format!("authority {auth:?} is not supported")),
                None => return Err("no name after xds://".into()),
            },
            None => rest,
        };
        if name.is_empty() {
            return Err("empty name".into());
        }
        let client = XdsClient::from_env().map_err(|e| e.to_string());
        Ok((name.to_owned(), Arc::new(XdsResolver::new(client, name))))
    }
}

/// The resolver of one channel.
pub struct XdsResolver {
    shared: Arc<Shared>,
    client: Result<XdsClient, String>,
    started: std::sync::Once,
}

impl std::fmt::Debug for XdsResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "XdsResolver({})", self.shared.target)
    }
}

struct Shared {
    target: String,
    tx: watch::Sender<Option<ResolverUpdate>>,
    state: Mutex<State>,
    released: Arc<Notify>,
    /// gRFC A42's `io.grpc.channel_id`: "initialized with a random number".
    channel_id: u64,
}

#[derive(Default)]
struct State {
    client: Option<XdsClient>,
    lds: Option<WatchHandle>,
    rds: Option<(String, WatchHandle)>,
    hcm: Option<Arc<HttpConnectionManager>>,
    routes: Option<Arc<RouteConfig>>,
    error: Option<Status>,
    refs: HashMap<String, Weak<ClusterRef>>,
}

impl XdsResolver {
    /// A resolver for `name` (the Listener resource, and the `:authority`) through `client`.
    pub fn new(client: Result<XdsClient, String>, name: &str) -> XdsResolver {
        XdsResolver {
            shared: Arc::new(Shared {
                target: name.to_owned(),
                tx: watch::Sender::new(None),
                state: Mutex::new(State::default()),
                released: Arc::new(Notify::new()),
                channel_id: random(),
            }),
            client,
            started: std::sync::Once::new(),
        }
    }

    fn start(&self) {
        self.started.call_once(|| {
            let Ok(client) = &self.client else { return };
            let weak = Arc::downgrade(&self.shared);
            // Recomputes the config when a cluster's last reference goes.
            let released = Arc::clone(&self.shared.released);
            let w = weak.clone();
            tokio::spawn(async move {
                loop {
                    released.notified().await;
                    let Some(s) = w.upgrade() else { return };
                    s.recompute();
                }
            });
            let handle = client.watch(
                ResourceType::Listener,
                &self.shared.target,
                Arc::new(LdsWatcher(weak)),
            );
            let mut st = self.shared.lock();
            st.client = Some(client.clone());
            st.lds = Some(handle);
        });
    }
}

impl Resolver for XdsResolver {
    fn resolve_update(&self) -> BoxFuture<'static, io::Result<ResolverUpdate>> {
        if let Err(e) = &self.client {
            let e = e.clone();
            return Box::pin(async move { Err(io::Error::other(e)) });
        }
        self.start();
        let mut rx = self.shared.tx.subscribe();
        Box::pin(async move {
            let u = rx
                .wait_for(Option::is_some)
                .await
                .map_err(|_| io::Error::other("xDS resolver closed"))?;
            Ok(u.clone().expect("waited for it"))
        })
    }

    fn changed(&self) -> BoxFuture<'static, ()> {
        let mut rx = self.shared.tx.subscribe();
        Box::pin(async move {
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Ends the task waiting for released clusters.
        self.released.notify_one();
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn on_listener(self: &Arc<Self>, event: Heard) {
        let mut watch_rds = None;
        {
            let mut st = self.lock();
            match event {
                Heard::Update(Resource::Listener(l)) => match &l.api {
                    Some(hcm) => {
                        st.error = None;
                        match &hcm.routes {
                            RouteSource::Inline(rc) => {
                                st.routes = Some(Arc::clone(rc));
                                st.rds = None;
                            }
                            RouteSource::Rds(name) => {
                                if st.rds.as_ref().is_none_or(|(n, _)| n != name) {
                                    st.routes = None;
                                    st.rds = None;
                                    watch_rds = Some(name.clone());
                                }
                            }
                        }
                        st.hcm = Some(Arc::clone(hcm));
                    }
                    None => {
                        st.error = Some(Status::new(
                            Code::UNAVAILABLE,
                            format!("listener {} is not an API listener", self.target),
                        ));
                    }
                },
                Heard::DoesNotExist => {
                    st.hcm = None;
                    st.routes = None;
                    st.rds = None;
                    st.error = Some(Status::new(
                        Code::UNAVAILABLE,
                        format!("xDS listener {} does not exist", self.target),
                    ));
                }
                Heard::Error(s) => {
                    if st.hcm.is_none() {
                        st.error = Some(s);
                    } else {
                        return;
                    }
                }
                Heard::Update(_) => return,
            }
        }
        if let Some(name) = watch_rds {
            let client = self.lock().client.clone();
            if let Some(c) = client {
                let h = c.watch(
                    ResourceType::RouteConfig,
                    &name,
                    Arc::new(RdsWatcher(Arc::downgrade(self), name.clone())),
                );
                let mut st = self.lock();
                if st.rds.is_none() {
                    st.rds = Some((name, h));
                }
            }
        }
        self.recompute();
    }

    fn on_routes(self: &Arc<Self>, name: &str, event: Heard) {
        {
            let mut st = self.lock();
            if st.rds.as_ref().is_some_and(|(n, _)| n != name) {
                return;
            }
            match event {
                Heard::Update(Resource::RouteConfig(rc)) => {
                    st.routes = Some(rc);
                    st.error = None;
                }
                Heard::DoesNotExist => {
                    st.routes = None;
                    st.error = Some(Status::new(
                        Code::UNAVAILABLE,
                        format!("xDS route configuration {name} does not exist"),
                    ));
                }
                Heard::Error(s) => {
                    if st.routes.is_none() {
                        st.error = Some(s);
                    } else {
                        return;
                    }
                }
                Heard::Update(_) => return,
            }
        }
        self.recompute();
    }

    /// Builds the update from what is known and hands it to the channel.
    fn recompute(self: &Arc<Self>) {
        let update = {
            let mut st = self.lock();
            self.build(&mut st)
        };
        if let Some(u) = update {
            // The previous update (and its selector's cluster references) is dropped outside
            // the lock.
            let old = self.tx.send_replace(Some(u));
            drop(old);
        }
    }

    fn build(&self, st: &mut State) -> Option<ResolverUpdate> {
        let client = st.client.clone()?;
        let fail = |s: Status| Some(ResolverUpdate::error(s));
        let (hcm, routes) = match (&st.hcm, &st.routes) {
            (Some(h), Some(r)) => (Arc::clone(h), Arc::clone(r)),
            _ => return st.error.clone().and_then(fail),
        };
        // gRFC A27: "If no matching VirtualHost is found in the RouteConfiguration, the xds
        // resolver will return an error to the client channel."
        let Some(vh) = find_virtual_host(&routes.virtual_hosts, &self.target) else {
            return fail(Status::new(
                Code::UNAVAILABLE,
                format!("no virtual host for {}", self.target),
            ));
        };
        let mut sel_routes = Vec::with_capacity(vh.routes.len());
        for r in &vh.routes {
            let action = match &r.action {
                RouteAction::Route(f) => {
                    let mut clusters = Vec::with_capacity(f.clusters.len());
                    let mut total = 0u64;
                    for (name, weight) in &f.clusters {
                        let cref = st
                            .refs
                            .get(name)
                            .and_then(Weak::upgrade)
                            .unwrap_or_else(|| {
                                Arc::new(ClusterRef {
                                    name: name.clone(),
                                    released: Arc::downgrade(&self.released),
                                })
                            });
                        st.refs.insert(name.clone(), Arc::downgrade(&cref));
                        total += u64::from(*weight);
                        clusters.push((total, Attributes::new().with_arc(cref)));
                    }
                    // gRFC A31: the route's max_stream_duration (grpc_timeout_header_max
                    // first), else the listener's; zero means no limit.
                    let timeout = f
                        .max_stream_duration
                        .or(hcm.max_stream_duration)
                        .filter(|d| !d.is_zero());
                    // gRFC A44: the route's retry policy, else the virtual host's.
                    let retry = f.retry_policy.clone().or_else(|| vh.retry_policy.clone());
                    let mc = (timeout.is_some() || retry.is_some()).then(|| {
                        let mut m = MethodConfig::new();
                        if let Some(t) = timeout {
                            m = m.with_timeout(t);
                        }
                        if let Some(p) = retry {
                            m = m.with_retry_policy(p);
                        }
                        Arc::new(m)
                    });
                    Selected::Route {
                        clusters,
                        total,
                        hash: f.hash_policies.clone(),
                        method_config: mc,
                    }
                }
                // gRFC A36: a client route whose action is not a route fails its calls.
                _ => Selected::Fail(Status::new(
                    Code::UNAVAILABLE,
                    "the matching route's action is not supported",
                )),
            };
            sel_routes.push((r.matcher.clone(), action));
        }
        st.refs.retain(|_, w| w.strong_count() > 0);
        let mut names: Vec<String> = st.refs.keys().cloned().collect();
        names.sort();
        let children = names
            .into_iter()
            .map(|n| {
                let c = LbConfig::new(crate::lb::cds::NAME, CdsConfig { cluster: n.clone() });
                (n, c)
            })
            .collect();
        let sc = ServiceConfig::with_load_balancing(LbConfig::new(
            crate::lb::cluster_manager::NAME,
            ClusterManagerConfig { children },
        ));
        Some(
            ResolverUpdate::new(Vec::new())
                .with_service_config(sc)
                .with_attributes(Attributes::new().with(client))
                .with_config_selector(Arc::new(XdsConfigSelector {
                    routes: sel_routes,
                    channel_id: self.channel_id,
                })),
        )
    }
}

enum Heard {
    Update(Resource),
    Error(Status),
    DoesNotExist,
}

struct LdsWatcher(Weak<Shared>);

impl Watcher for LdsWatcher {
    fn on_update(&self, r: Resource) {
        if let Some(s) = self.0.upgrade() {
            s.on_listener(Heard::Update(r));
        }
    }
    fn on_error(&self, e: Status) {
        if let Some(s) = self.0.upgrade() {
            s.on_listener(Heard::Error(e));
        }
    }
    fn on_does_not_exist(&self) {
        if let Some(s) = self.0.upgrade() {
            s.on_listener(Heard::DoesNotExist);
        }
    }
}

struct RdsWatcher(Weak<Shared>, String);

impl Watcher for RdsWatcher {
    fn on_update(&self, r: Resource) {
        if let Some(s) = self.0.upgrade() {
            s.on_routes(&self.1, Heard::Update(r));
        }
    }
    fn on_error(&self, e: Status) {
        if let Some(s) = self.0.upgrade() {
            s.on_routes(&self.1, Heard::Error(e));
        }
    }
    fn on_does_not_exist(&self) {
        if let Some(s) = self.0.upgrade() {
            s.on_routes(&self.1, Heard::DoesNotExist);
        }
    }
}

enum Selected {
    Route {
        /// Cumulative weights and the attributes of each cluster (its [`ClusterRef`]).
        clusters: Vec<(u64, Attributes)>,
        total: u64,
        hash: Vec<HashPolicy>,
        method_config: Option<Arc<MethodConfig>>,
    },
    Fail(Status),
}

/// The per-call router (gRFC A31).
struct XdsConfigSelector {
    routes: Vec<(RouteMatcher, Selected)>,
    channel_id: u64,
}

/// gRFC A42: the request's hash from the route's hash policies, combined as Envoy does; a
/// random one if none gives a hash.
fn request_hash(policies: &[HashPolicy], md: &Metadata, channel_id: u64) -> u64 {
    let mut hash: Option<u64> = None;
    for p in policies {
        let (h, terminal) = match p {
            HashPolicy::Header {
                name,
                rewrite,
                terminal,
            } => {
                let h = header_value(md, name).map(|v| {
                    let v = match rewrite {
                        Some((re, sub)) => re.replace_all(&v, sub.as_str()).into_owned(),
                        None => v,
                    };
                    xxh64(v.as_bytes(), 0)
                });
                (h, *terminal)
            }
            HashPolicy::ChannelId { terminal } => (Some(channel_id), *terminal),
        };
        if let Some(h) = h {
            hash = Some(match hash {
                None => h,
                Some(old) => old.rotate_left(1) ^ h,
            });
            if terminal {
                break;
            }
        }
    }
    hash.unwrap_or_else(random)
}

impl ConfigSelector for XdsConfigSelector {
    fn select(&self, method: &MethodDescriptor, md: &Metadata) -> Result<SelectedConfig, Status> {
        for (m, action) in &self.routes {
            if !m.matches(method.path, md) {
                continue;
            }
            return match action {
                Selected::Route {
                    clusters,
                    total,
                    hash,
                    method_config,
                } => {
                    let i = if clusters.len() == 1 {
                        0
                    } else {
                        let r = random_below(*total);
                        clusters.partition_point(|(c, _)| *c <= r)
                    };
                    let h = request_hash(hash, md, self.channel_id);
                    Ok(SelectedConfig::new(method_config.clone())
                        .with_request_hash(Some(h))
                        .with_attributes(clusters[i].1.clone()))
                }
                Selected::Fail(s) => Err(s.clone()),
            };
        }
        Err(Status::new(
            Code::UNAVAILABLE,
            format!("no xDS route matches {}", method.path),
        ))
    }
}
