//! `xds_cluster_impl_experimental`: what gRPC applies per cluster around the endpoint policy —
//! EDS drop categories (`drop_overloads`, gRFC A27) and the `max_requests` circuit breaker.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use courier_rpc::lb::{
    ChildManager, Helper, LbConfig, PickInfo, PickResult, Picker, Policy, PolicyBuilder,
    PolicyOptions, QueuePicker, ResolverUpdate, Subchannel, SubchannelState,
};
use courier_rpc::{Code, ConnectivityState, Status};

use super::{config_of, internal_only, random_below};

/// The config.
#[derive(Clone, Debug)]
pub struct ClusterImplConfig {
    /// The cluster's name (in errors).
    pub cluster: String,
    /// Drop categories and their rates per million calls.
    pub drops: Vec<(String, u32)>,
    /// Calls in flight at most; more are failed.
    pub max_requests: u32,
    /// The endpoint policy.
    pub child: LbConfig,
}

/// The policy's name.
pub const NAME: &str = "xds_cluster_impl_experimental";

pub(crate) struct ClusterImplBuilder;

impl PolicyBuilder for ClusterImplBuilder {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse_config(&self, _: &serde_json::Value) -> Result<LbConfig, String> {
        Err(internal_only(NAME))
    }

    fn build(&self, options: PolicyOptions) -> Box<dyn Policy> {
        Box::new(ClusterImpl {
            child: ChildManager::new(options.work),
            config: None,
            in_flight: Arc::new(AtomicU32::new(0)),
        })
    }
}

struct ClusterImpl {
    child: ChildManager<()>,
    config: Option<ClusterImplConfig>,
    /// Shared by every picker of this policy.
    in_flight: Arc<AtomicU32>,
}

struct ClusterImplPicker {
    child: Arc<dyn Picker>,
    drops: Vec<(String, u32)>,
    cluster: String,
    max_requests: u32,
    in_flight: Arc<AtomicU32>,
}

impl Picker for ClusterImplPicker {
    fn pick(&self, info: &PickInfo<'_>) -> PickResult {
        for (category, per_million) in &self.drops {
            if random_below(1_000_000) < u64::from(*per_million) {
                return PickResult::Drop(Status::new(
                    Code::UNAVAILABLE,
                    format!("EDS-configured drop: {category}"),
                ));
            }
        }
        if self.in_flight.load(Ordering::Relaxed) >= self.max_requests {
            return PickResult::Drop(Status::new(
                Code::UNAVAILABLE,
                format!(
                    "cluster {}: max_requests {} exceeded",
                    self.cluster, self.max_requests
                ),
            ));
        }
        match self.child.pick(info) {
            PickResult::Pick(p) => {
                self.in_flight.fetch_add(1, Ordering::Relaxed);
                let n = Arc::clone(&self.in_flight);
                PickResult::Pick(p.with_completion(move |_| {
                    n.fetch_sub(1, Ordering::Relaxed);
                }))
            }
            other => other,
        }
    }
}

impl ClusterImpl {
    fn publish(&mut self, helper: &mut dyn Helper) {
        let (Some(cfg), Some((state, picker))) = (&self.config, self.child.child(&())) else {
            helper.update_picker(ConnectivityState::Connecting, Arc::new(QueuePicker));
            return;
        };
        helper.update_picker(
            state,
            Arc::new(ClusterImplPicker {
                child: Arc::clone(picker),
                drops: cfg.drops.clone(),
                cluster: cfg.cluster.clone(),
                max_requests: cfg.max_requests,
                in_flight: Arc::clone(&self.in_flight),
            }),
        );
    }
}

impl Policy for ClusterImpl {
    fn resolver_update(
        &mut self,
        update: &ResolverUpdate,
        config: Option<&LbConfig>,
        helper: &mut dyn Helper,
    ) -> Result<(), Status> {
        let cfg: &ClusterImplConfig = config_of(config, NAME)?;
        self.config = Some(cfg.clone());
        let r = self
            .child
            .update(vec![((), cfg.child.clone(), update.clone())], helper);
        self.publish(helper);
        r
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
        self.child.work(helper);
        if self.child.take_changed() {
            self.publish(helper);
        }
    }
}
