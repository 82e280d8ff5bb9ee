//! `cds_experimental` (gRFC A27; with the EDS watching of A37's `xds_cluster_resolver`): watches
//! a Cluster and its ClusterLoadAssignment through the channel's [`XdsClient`], and builds
//! the policy tree under it — a priority per EDS priority, each with outlier detection
//! (A50), cluster_impl (drops, max_requests), and the cluster's endpoint policy (weighted
//! target of round_robin or least_request, or ring_hash over all localities, A42).

use std::sync::{Arc, Mutex};

use courier_rpc::lb::{
    Attributes, ChildManager, Endpoint, FailPicker, Helper, LbConfig, Policy, PolicyBuilder,
    PolicyOptions, QueuePicker, ResolverUpdate, Subchannel, SubchannelState, WorkScheduler,
};
use courier_rpc::{Code, ConnectivityState, Status};

use super::cluster_impl::ClusterImplConfig;
use super::least_request::LeastRequestConfig;
use super::outlier_detection::OutlierDetectionConfig;
use super::priority::PriorityConfig;
use super::ring_hash::RingHashConfig;
use super::weighted_target::WeightedTargetConfig;
use super::{EndpointWeight, LocalityName, PriorityName, config_of, internal_only, publish};
use crate::client::{WatchHandle, Watcher, XdsClient};
use crate::resource::cluster::{Cluster, ClusterLb};
use crate::resource::endpoint::Endpoints;
use crate::resource::{Resource, ResourceType};

/// The config: the cluster's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CdsConfig {
    /// The Cluster resource to watch.
    pub cluster: String,
}

/// The policy's name.
pub const NAME: &str = "cds_experimental";

pub(crate) struct CdsBuilder;

impl PolicyBuilder for CdsBuilder {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse_config(&self, _: &serde_json::Value) -> Result<LbConfig, String> {
        Err(internal_only(NAME))
    }

    fn build(&self, options: PolicyOptions) -> Box<dyn Policy> {
        Box::new(Cds {
            work: options.work.clone(),
            child: ChildManager::new(options.work),
            client: None,
            name: String::new(),
            cluster_watch: None,
            eds_watch: None,
            events: Arc::new(Mutex::new(Events::default())),
            cluster: None,
            endpoints: None,
            failure: None,
            update: None,
        })
    }
}

/// What a watch heard, for the policy's next `work`.
#[derive(Debug)]
pub(crate) enum Heard {
    Update(Resource),
    Error(Status),
    DoesNotExist,
}

#[derive(Default)]
struct Events {
    cluster: Option<Heard>,
    endpoints: Option<Heard>,
}

/// Stores what it hears and asks for the policy's work.
struct SlotWatcher {
    events: Arc<Mutex<Events>>,
    endpoints: bool,
    work: WorkScheduler,
}

impl SlotWatcher {
    fn put(&self, h: Heard) {
        {
            let mut e = self.events.lock().unwrap_or_else(|e| e.into_inner());
            let slot = if self.endpoints {
                &mut e.endpoints
            } else {
                &mut e.cluster
            };
            // An error does not replace an update not yet seen.
            if matches!(h, Heard::Error(_)) && matches!(slot, Some(Heard::Update(_))) {
                return;
            }
            *slot = Some(h);
        }
        self.work.schedule();
    }
}

impl Watcher for SlotWatcher {
    fn on_update(&self, resource: Resource) {
        self.put(Heard::Update(resource));
    }

    fn on_error(&self, error: Status) {
        self.put(Heard::Error(error));
    }

    fn on_does_not_exist(&self) {
        self.put(Heard::DoesNotExist);
    }
}

struct Cds {
    work: WorkScheduler,
    child: ChildManager<()>,
    client: Option<XdsClient>,
    name: String,
    cluster_watch: Option<WatchHandle>,
    eds_watch: Option<(String, WatchHandle)>,
    events: Arc<Mutex<Events>>,
    cluster: Option<Arc<Cluster>>,
    endpoints: Option<Arc<Endpoints>>,
    /// Why there is no child picker (TRANSIENT_FAILURE, or a drop when the cluster is gone).
    failure: Option<(Status, bool)>,
    update: Option<ResolverUpdate>,
}

impl Cds {
    fn watcher(&self, endpoints: bool) -> Arc<dyn Watcher> {
        Arc::new(SlotWatcher {
            events: Arc::clone(&self.events),
            endpoints,
            work: self.work.clone(),
        })
    }

    fn publish(&mut self, helper: &mut dyn Helper) {
        if let Some((status, drop)) = &self.failure {
            let picker = if *drop {
                FailPicker::dropping(status.clone())
            } else {
                FailPicker::new(status.clone())
            };
            publish(helper, ConnectivityState::TransientFailure, picker);
            return;
        }
        match self.child.child(&()) {
            Some((state, picker)) => helper.update_picker(state, Arc::clone(picker)),
            None => publish(helper, ConnectivityState::Connecting, QueuePicker),
        }
    }

    /// Applies what the watches heard; rebuilds the child when cluster and endpoints are
    /// both known.
    fn apply(&mut self, helper: &mut dyn Helper) {
        let (c, e) = {
            let mut ev = self.events.lock().unwrap_or_else(|e| e.into_inner());
            (ev.cluster.take(), ev.endpoints.take())
        };
        let mut rebuild = false;
        match c {
            Some(Heard::Update(Resource::Cluster(cl))) => {
                let eds = cl.eds_service_name.clone();
                if self.eds_watch.as_ref().is_none_or(|(n, _)| *n != eds) {
                    self.endpoints = None;
                    // Drop the old watch first: a watch of the new name may answer at once.
                    self.eds_watch = None;
                    if let Some(client) = &self.client {
                        let w = client.watch(ResourceType::Endpoints, &eds, self.watcher(true));
                        self.eds_watch = Some((eds, w));
                    }
                }
                self.cluster = Some(cl);
                rebuild = true;
            }
            Some(Heard::DoesNotExist) => {
                // gRFC A31: "Deleted clusters need to drop the RPC and return an UNAVAILABLE
                // status."
                self.cluster = None;
                self.endpoints = None;
                self.eds_watch = None;
                self.child.retain(|_| false);
                self.failure = Some((
                    Status::new(
                        Code::UNAVAILABLE,
                        format!("cluster {} does not exist", self.name),
                    ),
                    true,
                ));
            }
            Some(Heard::Error(s)) if self.cluster.is_none() => {
                self.failure = Some((
                    Status::new(
                        Code::UNAVAILABLE,
                        format!("cluster {}: {}", self.name, s.message()),
                    ),
                    false,
                ));
            }
            _ => {}
        }
        match e {
            Some(Heard::Update(Resource::Endpoints(ep))) => {
                self.endpoints = Some(ep);
                rebuild = true;
            }
            Some(Heard::DoesNotExist) => {
                self.endpoints = Some(Arc::new(Endpoints {
                    priorities: Vec::new(),
                    drops: Vec::new(),
                }));
                rebuild = true;
            }
            Some(Heard::Error(s)) if self.endpoints.is_none() && self.cluster.is_some() => {
                self.failure = Some((
                    Status::new(
                        Code::UNAVAILABLE,
                        format!("endpoints of cluster {}: {}", self.name, s.message()),
                    ),
                    false,
                ));
            }
            _ => {}
        }
        if rebuild {
            self.rebuild(helper);
        }
    }

    fn rebuild(&mut self, helper: &mut dyn Helper) {
        let (Some(cluster), Some(endpoints), Some(update)) = (
            self.cluster.clone(),
            self.endpoints.clone(),
            self.update.clone(),
        ) else {
            return;
        };
        if endpoints.priorities.is_empty() {
            // gRFC A27: "If the endpoints field is empty, the EDS LB policy will report itself
            // as being unreachable."
            self.child.retain(|_| false);
            self.failure = Some((
                Status::new(
                    Code::UNAVAILABLE,
                    format!("cluster {} has no endpoints", self.name),
                ),
                false,
            ));
            return;
        }
        let (config, list) = child_config(&self.name, &cluster, &endpoints);
        self.failure = None;
        if let Err(e) = self
            .child
            .update(vec![((), config, update.with_endpoints(list))], helper)
        {
            self.failure = Some((e, false));
        }
    }
}

/// The policy tree and endpoints for `cluster` (see the module docs).
pub(crate) fn child_config(
    name: &str,
    cluster: &Cluster,
    endpoints: &Endpoints,
) -> (LbConfig, Vec<Endpoint>) {
    let mut priorities = Vec::new();
    let mut list = Vec::new();
    for (p, localities) in endpoints.priorities.iter().enumerate() {
        let pname = format!("{name}[priority-{p}]");
        for loc in localities {
            for (addr, w) in &loc.endpoints {
                let attrs = Attributes::new()
                    .with(PriorityName(pname.clone()))
                    .with(LocalityName(loc.name.clone()))
                    .with(EndpointWeight(loc.weight.saturating_mul(*w)));
                list.push(Endpoint::new(*addr).with_attributes(attrs));
            }
        }
        let endpoint_policy = match &cluster.lb {
            ClusterLb::RingHash {
                min_ring_size,
                max_ring_size,
            } => LbConfig::new(
                super::ring_hash::NAME,
                RingHashConfig {
                    min_ring_size: *min_ring_size,
                    max_ring_size: *max_ring_size,
                },
            ),
            lb => {
                let child = match lb {
                    ClusterLb::LeastRequest { choice_count } => LbConfig::new(
                        super::least_request::NAME,
                        LeastRequestConfig {
                            choice_count: *choice_count,
                        },
                    ),
                    _ => LbConfig::new("round_robin", ()),
                };
                LbConfig::new(
                    super::weighted_target::NAME,
                    WeightedTargetConfig {
                        targets: localities
                            .iter()
                            .map(|l| (l.name.clone(), l.weight, child.clone()))
                            .collect(),
                    },
                )
            }
        };
        let imp = LbConfig::new(
            super::cluster_impl::NAME,
            ClusterImplConfig {
                cluster: name.to_owned(),
                drops: endpoints.drops.clone(),
                max_requests: cluster.max_requests,
                child: endpoint_policy,
            },
        );
        // gRFC A50: "if the outlier_detection field is not set in the Cluster resource, a
        // "no-op" outlier_detection config will be generated".
        let od = OutlierDetectionConfig {
            detection: cluster.outlier_detection.clone(),
            child: imp,
        };
        priorities.push((pname, LbConfig::new(super::outlier_detection::NAME, od)));
    }
    (
        LbConfig::new(super::priority::NAME, PriorityConfig { priorities }),
        list,
    )
}

impl Policy for Cds {
    fn resolver_update(
        &mut self,
        update: &ResolverUpdate,
        config: Option<&LbConfig>,
        helper: &mut dyn Helper,
    ) -> Result<(), Status> {
        let cfg: &CdsConfig = config_of(config, NAME)?;
        let client = update
            .attributes
            .get::<XdsClient>()
            .cloned()
            .ok_or_else(|| Status::internal("cds: no xDS client in the resolver's attributes"))?;
        self.update = Some(update.clone());
        if self.cluster_watch.is_none() || self.name != cfg.cluster {
            self.name = cfg.cluster.clone();
            self.cluster = None;
            self.endpoints = None;
            self.eds_watch = None;
            self.cluster_watch = None;
            self.client = Some(client.clone());
            let w = client.watch(ResourceType::Cluster, &cfg.cluster, self.watcher(false));
            self.cluster_watch = Some(w);
        }
        self.apply(helper);
        self.publish(helper);
        Ok(())
    }

    fn subchannel_update(
        &mut self,
        sub: &Subchannel,
        state: &SubchannelState,
        helper: &mut dyn Helper,
    ) {
        self.child.subchannel_update(sub, state, helper);
        if self.child.take_changed() {
            self.publish(helper);
        }
    }

    fn exit_idle(&mut self, helper: &mut dyn Helper) {
        self.child.exit_idle(helper);
        self.publish(helper);
    }

    fn work(&mut self, helper: &mut dyn Helper) {
        self.apply(helper);
        self.child.work(helper);
        self.child.take_changed();
        self.publish(helper);
    }
}
