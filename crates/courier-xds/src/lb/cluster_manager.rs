//! `xds_cluster_manager_experimental` (gRFC A31): one child per cluster; a call goes to the
//! child of the cluster the config selector chose for it.

use std::collections::HashMap;
use std::sync::Arc;

use courier_rpc::lb::{
    ChildManager, Helper, LbConfig, PickInfo, PickResult, Picker, Policy, PolicyBuilder,
    PolicyOptions, ResolverUpdate, Subchannel, SubchannelState,
};
use courier_rpc::{Code, Status};

use super::{config_of, internal_only};
use crate::resolver::ClusterRef;

/// The config: a child policy per cluster name.
#[derive(Clone, Debug)]
pub struct ClusterManagerConfig {
    /// Cluster names and their child policies (a `cds_experimental` each).
    pub children: Vec<(String, LbConfig)>,
}

/// The policy's name.
pub const NAME: &str = "xds_cluster_manager_experimental";

pub(crate) struct ClusterManagerBuilder;

impl PolicyBuilder for ClusterManagerBuilder {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse_config(&self, _: &serde_json::Value) -> Result<LbConfig, String> {
        Err(internal_only(NAME))
    }

    fn build(&self, options: PolicyOptions) -> Box<dyn Policy> {
        Box::new(ClusterManager {
            children: ChildManager::new(options.work),
        })
    }
}

struct ClusterManager {
    children: ChildManager<String>,
}

struct ClusterManagerPicker {
    children: HashMap<String, Arc<dyn Picker>>,
}

impl Picker for ClusterManagerPicker {
    fn pick(&self, info: &PickInfo<'_>) -> PickResult {
        let Some(cluster) = info.attributes().get::<ClusterRef>() else {
            return PickResult::Drop(Status::internal(
                "xds_cluster_manager: the call has no cluster",
            ));
        };
        match self.children.get(cluster.name()) {
            // gRFC A28: "the pick will always be delegated to the picker from the matched
            // child, even if the child is in a non-READY connectivity state".
            Some(p) => p.pick(info),
            // gRFC A31: "If the Picker does not recognize a cluster name provided to it ... it
            // will drop the RPC with an INTERNAL status code."
            None => PickResult::Drop(Status::new(
                Code::INTERNAL,
                format!("xds_cluster_manager: unknown cluster {}", cluster.name()),
            )),
        }
    }
}

impl ClusterManager {
    fn publish(&mut self, helper: &mut dyn Helper) {
        let children = self
            .children
            .children()
            .map(|(k, _, p)| (k.clone(), Arc::clone(p)))
            .collect();
        helper.update_picker(
            self.children.aggregate_state(),
            Arc::new(ClusterManagerPicker { children }),
        );
    }
}

impl Policy for ClusterManager {
    fn resolver_update(
        &mut self,
        update: &ResolverUpdate,
        config: Option<&LbConfig>,
        helper: &mut dyn Helper,
    ) -> Result<(), Status> {
        let cfg: &ClusterManagerConfig = config_of(config, NAME)?;
        let children = cfg
            .children
            .iter()
            .map(|(name, c)| (name.clone(), c.clone(), update.clone()))
            .collect();
        let r = self.children.update(children, helper);
        // gRFC A31: the new picker is published before the update returns, so the config
        // selector that goes with it never names a cluster the picker lacks.
        self.publish(helper);
        r
    }

    fn subchannel_update(
        &mut self,
        sub: &Subchannel,
        state: &SubchannelState,
        helper: &mut dyn Helper,
    ) {
        self.children.subchannel_update(sub, state, helper);
        if self.children.take_changed() {
            self.publish(helper);
        }
    }

    fn exit_idle(&mut self, helper: &mut dyn Helper) {
        self.children.exit_idle(helper);
        self.publish(helper);
    }

    fn work(&mut self, helper: &mut dyn Helper) {
        self.children.work(helper);
        if self.children.take_changed() {
            self.publish(helper);
        }
    }
}
