//! xDS-enabled servers (gRFC A36): a [`Server`] whose listener is configured by the
//! management server — the `Listener` named by the bootstrap's
//! `server_listener_resource_name_template`, its filter chains (the most specific one for each
//! connection), their HttpConnectionManager's routes (inline or by RDS) and RBAC.
//!
//! - Serving only once the configuration is good: until the Listener (and the route
//!   configurations it names) arrived and is valid, and whenever it is deleted, the server is
//!   "not serving": it accepts connections and closes them at once, sending nothing (A36
//!   allows this form; the port stays open so that draining never fails a connection).
//! - A new Listener version applies to new connections; the older connections are drained
//!   (two-step GOAWAY, calls in flight get the drain grace, 10 minutes by default). A new
//!   version of an RDS route configuration applies at once to every connection.
//! - Each call: the virtual host of its `:authority`, the first route matching it — which must
//!   have `non_forwarding_action` (otherwise UNAVAILABLE) — then the RBAC filters
//!   (PERMISSION_DENIED when one refuses).
//!
//! ```no_run
//! # async fn f(svc: impl courier_rpc::Service) -> std::io::Result<()> {
//! let server = courier_xds::server::XdsServerBuilder::new(
//!     courier_rpc::Server::builder().add_service(svc),
//! )
//! .on_serving_state(|addr, state| eprintln!("{addr}: {state:?}"))
//! .build()
//! .expect("xDS bootstrap");
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:50051").await?;
//! server.serve(listener).await
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use courier_rpc::{Code, Extensions, InterceptedCall, Server, ServerBuilder, Status};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::bootstrap::BootstrapError;
use crate::client::{WatchHandle, Watcher, XdsClient};
use crate::resource::listener::{HttpFilter, RouteSource, ServerListener, select_chain};
use crate::resource::rbac::RbacCall;
use crate::resource::route::{RouteAction, RouteConfig, find_virtual_host};
use crate::resource::{Resource, ResourceType};

/// Whether an xDS server serves.
#[derive(Clone, Debug, PartialEq)]
pub enum ServingState {
    /// Its configuration is good: connections are served.
    Serving,
    /// Not serving, and why.
    NotServing(Status),
}

type StateCallback = Arc<dyn Fn(SocketAddr, &ServingState) + Send + Sync>;

/// Builds an [`XdsServer`].
pub struct XdsServerBuilder {
    builder: ServerBuilder,
    client: Option<XdsClient>,
    drain_grace: Duration,
    on_state: Option<StateCallback>,
}

impl fmt::Debug for XdsServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XdsServerBuilder")
            .field("drain_grace", &self.drain_grace)
            .finish_non_exhaustive()
    }
}

impl XdsServerBuilder {
    /// An xDS server serving what `builder` serves (its services, limits, interceptors; the
    /// xDS routing and RBAC interceptor runs after those).
    pub fn new(builder: ServerBuilder) -> XdsServerBuilder {
        XdsServerBuilder {
            builder,
            client: None,
            drain_grace: Duration::from_secs(600),
            on_state: None,
        }
    }

    /// The xDS client (default: [`XdsClient::from_env`]).
    pub fn xds_client(mut self, client: XdsClient) -> XdsServerBuilder {
        self.client = Some(client);
        self
    }

    /// gRFC A36's "drain grace time": how long calls of a drained connection may take
    /// (default 10 minutes).
    pub fn drain_grace(mut self, grace: Duration) -> XdsServerBuilder {
        self.drain_grace = grace;
        self
    }

    /// Called whenever the server starts or stops serving (gRFC A36's "serving state"
    /// callback). Without one, changes are logged.
    pub fn on_serving_state(
        mut self,
        f: impl Fn(SocketAddr, &ServingState) + Send + Sync + 'static,
    ) -> XdsServerBuilder {
        self.on_state = Some(Arc::new(f));
        self
    }

    /// The server; fails if there is no usable bootstrap.
    pub fn build(self) -> Result<XdsServer, BootstrapError> {
        let client = match self.client {
            Some(c) => c,
            None => XdsClient::from_env()?,
        };
        let server = self
            .builder
            .shutdown_grace(self.drain_grace)
            .interceptor(route_and_authorize)
            .build();
        Ok(XdsServer {
            server,
            client,
            on_state: self.on_state,
        })
    }
}

/// A server configured by xDS.
pub struct XdsServer {
    server: Server,
    client: XdsClient,
    on_state: Option<StateCallback>,
}

impl fmt::Debug for XdsServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XdsServer").finish_non_exhaustive()
    }
}

/// What a connection's calls are checked against.
struct ConnCtx {
    routes: Routes,
    filters: Vec<HttpFilter>,
    peer: SocketAddr,
    local: SocketAddr,
}

enum Routes {
    Inline(Arc<RouteConfig>),
    Rds(Arc<RdsSlot>),
}

/// An RDS route configuration as last heard (shared by the connections that use it).
#[derive(Default)]
struct RdsSlot {
    current: Mutex<Option<Result<Arc<RouteConfig>, Status>>>,
}

/// The configuration in force.
struct Active {
    generation: u64,
    listener: Arc<ServerListener>,
    rds: HashMap<String, Arc<RdsSlot>>,
}

struct Shared {
    addr: SocketAddr,
    name: String,
    client: XdsClient,
    /// `None`: not serving.
    active: watch::Sender<Option<Arc<Active>>>,
    state: Mutex<State>,
    on_state: Option<StateCallback>,
}

#[derive(Default)]
struct State {
    /// A Listener waiting for its route configurations.
    pending: Option<Arc<ServerListener>>,
    rds: HashMap<String, (Arc<RdsSlot>, WatchHandle)>,
    generation: u64,
    serving: Option<bool>,
}

impl XdsServer {
    /// Serves on `listener` until an accept error: not serving until the configuration of
    /// its address is good.
    pub async fn serve(self, listener: TcpListener) -> io::Result<()> {
        let addr = listener.local_addr()?;
        let template = self
            .client
            .bootstrap()
            .server_listener_resource_name_template
            .clone();
        let shared = Arc::new(Shared {
            addr,
            name: template
                .as_deref()
                .unwrap_or("")
                .replace("%s", &addr.to_string()),
            client: self.client.clone(),
            active: watch::Sender::new(None),
            state: Mutex::new(State::default()),
            on_state: self.on_state.clone(),
        });
        // gRFC A36: "There is no default value for server_listener_resource_name_template so
        // if it is not present in the bootstrap then ... the XdsServer will become "not
        // serving"."
        let _lds = match template {
            Some(_) => Some(self.client.watch(
                ResourceType::Listener,
                &shared.name,
                Arc::new(LdsWatcher(Arc::downgrade(&shared))),
            )),
            None => {
                shared.not_serving(Status::new(
                    Code::UNAVAILABLE,
                    "the bootstrap has no server_listener_resource_name_template",
                ));
                None
            }
        };
        loop {
            let (sock, peer) = match listener.accept().await {
                Ok(s) => s,
                Err(e) if is_transient(&e) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let active = shared.active.borrow().clone();
            // Not serving, or no chain for this connection: closed without a byte sent.
            let Some(active) = active else { continue };
            let Some(chain) = select_chain(&active.listener, addr, peer) else {
                continue;
            };
            let _ = sock.set_nodelay(true);
            let local = sock.local_addr().unwrap_or(addr);
            let routes = match &chain.hcm.routes {
                RouteSource::Inline(rc) => Routes::Inline(Arc::clone(rc)),
                RouteSource::Rds(name) => match active.rds.get(name) {
                    Some(slot) => Routes::Rds(Arc::clone(slot)),
                    None => continue,
                },
            };
            let mut ext = Extensions::new();
            ext.insert(ConnCtx {
                routes,
                filters: chain.hcm.filters.clone(),
                peer,
                local,
            });
            let server = self.server.clone();
            let mut rx = shared.active.subscribe();
            let generation = active.generation;
            tokio::spawn(async move {
                // gRFC A36: a new Listener version drains the older connections.
                let drain = async move {
                    let _ = rx
                        .wait_for(|a| a.as_ref().is_none_or(|a| a.generation != generation))
                        .await;
                };
                server
                    .serve_connection_until(sock, Some(peer), ext, drain)
                    .await;
            });
        }
    }
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) || e.raw_os_error() == Some(24)
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn report(&self, serving: bool, state: ServingState) {
        {
            let mut st = self.lock();
            if st.serving == Some(serving) && serving {
                return;
            }
            st.serving = Some(serving);
        }
        match &self.on_state {
            Some(f) => f(self.addr, &state),
            None => match &state {
                ServingState::Serving => tracing::warn!(addr = %self.addr, "xDS server serving"),
                ServingState::NotServing(s) => {
                    tracing::warn!(addr = %self.addr, error = %s.message(), "xDS server not serving")
                }
            },
        }
    }

    fn not_serving(&self, why: Status) {
        self.active.send_replace(None);
        self.report(false, ServingState::NotServing(why));
    }

    fn on_listener(self: &Arc<Self>, h: Heard) {
        match h {
            Heard::Update(Resource::Listener(l)) => {
                let Some(sl) = l.server.clone() else {
                    return self.not_serving(Status::new(
                        Code::UNAVAILABLE,
                        format!("listener {} is not a server listener", self.name),
                    ));
                };
                // gRFC A36: "The XdsServer must be "not serving" if the address does not
                // match."
                if sl.address != Some((self.addr.ip(), self.addr.port())) {
                    return self.not_serving(Status::new(
                        Code::UNAVAILABLE,
                        format!(
                            "listener {} is for {:?}, not {}",
                            self.name, sl.address, self.addr
                        ),
                    ));
                }
                let names: Vec<String> = sl
                    .chains
                    .iter()
                    .chain(sl.default_chain.iter())
                    .filter_map(|c| match &c.hcm.routes {
                        RouteSource::Rds(n) => Some(n.clone()),
                        RouteSource::Inline(_) => None,
                    })
                    .collect();
                let mut new_watches = Vec::new();
                {
                    let mut st = self.lock();
                    st.rds.retain(|n, _| names.contains(n));
                    for n in &names {
                        if !st.rds.contains_key(n) && !new_watches.contains(n) {
                            new_watches.push(n.clone());
                        }
                    }
                    st.pending = Some(sl);
                }
                for n in new_watches {
                    let slot = Arc::new(RdsSlot::default());
                    let h = self.client.watch(
                        ResourceType::RouteConfig,
                        &n,
                        Arc::new(RdsWatcher(
                            Arc::downgrade(self),
                            Arc::clone(&slot),
                            n.clone(),
                        )),
                    );
                    self.lock().rds.insert(n, (slot, h));
                }
                self.try_activate();
            }
            Heard::DoesNotExist => {
                self.lock().pending = None;
                self.not_serving(Status::new(
                    Code::UNAVAILABLE,
                    format!("listener {} does not exist", self.name),
                ));
            }
            Heard::Error(s) => {
                if self.active.borrow().is_none() {
                    self.report(false, ServingState::NotServing(s));
                }
            }
            Heard::Update(_) => {}
        }
    }

    /// gRFC A36: "Applying updates to a Listener should be delayed until dependent resources
    /// have been attempted to be loaded": activates the pending Listener once every route
    /// configuration it names was heard of (or failed).
    fn try_activate(&self) {
        let active = {
            let mut st = self.lock();
            let Some(sl) = st.pending.clone() else { return };
            let ready = st.rds.values().all(|(slot, _)| {
                slot.current
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .is_some()
            });
            if !ready {
                return;
            }
            st.pending = None;
            st.generation += 1;
            Arc::new(Active {
                generation: st.generation,
                listener: sl,
                rds: st
                    .rds
                    .iter()
                    .map(|(n, (slot, _))| (n.clone(), Arc::clone(slot)))
                    .collect(),
            })
        };
        self.active.send_replace(Some(active));
        self.report(true, ServingState::Serving);
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

struct RdsWatcher(Weak<Shared>, Arc<RdsSlot>, String);

impl RdsWatcher {
    fn set(&self, v: Result<Arc<RouteConfig>, Status>, replace: bool) {
        {
            let mut cur = self.1.current.lock().unwrap_or_else(|e| e.into_inner());
            if !replace && matches!(&*cur, Some(Ok(_))) {
                return;
            }
            *cur = Some(v);
        }
        if let Some(s) = self.0.upgrade() {
            s.try_activate();
        }
    }
}

impl Watcher for RdsWatcher {
    fn on_update(&self, r: Resource) {
        if let Resource::RouteConfig(rc) = r {
            self.set(Ok(rc), true);
        }
    }
    fn on_error(&self, e: Status) {
        // An error keeps a good version in use (gRFC A36: RPCs fail only "if
        // HttpConnectionManager.rds references a NACKed resource without a previous good
        // version").
        self.set(Err(e), false);
    }
    fn on_does_not_exist(&self) {
        self.set(
            Err(Status::new(
                Code::UNAVAILABLE,
                format!("route configuration {} does not exist", self.2),
            )),
            true,
        );
    }
}

/// The interceptor of an xDS server: route, then RBAC.
async fn route_and_authorize(call: InterceptedCall) -> Result<InterceptedCall, Status> {
    let Some(ctx) = call.extensions().and_then(|e| e.get::<ConnCtx>()) else {
        return Ok(call);
    };
    let routes = match &ctx.routes {
        Routes::Inline(rc) => Arc::clone(rc),
        Routes::Rds(slot) => match &*slot.current.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(Ok(rc)) => Arc::clone(rc),
            // gRFC A36: "all RPCs processed by that HttpConnectionManager will fail with
            // UNAVAILABLE".
            Some(Err(s)) => return Err(Status::new(Code::UNAVAILABLE, s.message())),
            None => return Err(Status::new(Code::UNAVAILABLE, "no route configuration yet")),
        },
    };
    let authority = call.authority().unwrap_or("");
    let Some(vh) = find_virtual_host(&routes.virtual_hosts, authority) else {
        return Err(Status::new(
            Code::UNAVAILABLE,
            format!("no virtual host for {authority}"),
        ));
    };
    let route = vh
        .routes
        .iter()
        .find(|r| r.matcher.matches(call.path(), call.metadata()));
    match route.map(|r| &r.action) {
        // gRFC A36: "Route.non_forwarding_action is expected for all Routes used on
        // server-side ... a Route with an inappropriate action causes RPCs matching that
        // route ... to fail with UNAVAILABLE."
        Some(RouteAction::NonForwarding) => {}
        Some(_) => {
            return Err(Status::new(
                Code::UNAVAILABLE,
                "the matching route is not a non-forwarding route",
            ));
        }
        None => {
            return Err(Status::new(
                Code::UNAVAILABLE,
                format!("no route matches {}", call.path()),
            ));
        }
    }
    let rbac_call = RbacCall {
        metadata: call.metadata(),
        path: call.path(),
        peer: Some(ctx.peer),
        local: Some(ctx.local),
    };
    for f in &ctx.filters {
        if let HttpFilter::Rbac(r) = f {
            if let Some(r) = r.as_ref() {
                if !r.allows(&rbac_call).0 {
                    return Err(Status::new(Code::PERMISSION_DENIED, "RBAC: access denied"));
                }
            }
        }
    }
    Ok(call)
}
