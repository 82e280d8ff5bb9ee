//! `weighted_target_experimental` (gRFC A28): one child per target (a locality); each call
//! goes to a READY child chosen at random by weight.

use std::collections::HashMap;
use std::sync::Arc;

use courier_rpc::lb::{
    ChildManager, Endpoint, Helper, LbConfig, PickInfo, PickResult, Picker, Policy, PolicyBuilder,
    PolicyOptions, QueuePicker, ResolverUpdate, Subchannel, SubchannelState,
};
use courier_rpc::{ConnectivityState, Status};

use super::{LocalityName, config_of, internal_only, random_below};

/// The config: targets (locality names), their weights and child policies.
#[derive(Clone, Debug)]
pub struct WeightedTargetConfig {
    /// `(name, weight, child policy)`.
    pub targets: Vec<(String, u32, LbConfig)>,
}

/// The policy's name.
pub const NAME: &str = "weighted_target_experimental";

pub(crate) struct WeightedTargetBuilder;

impl PolicyBuilder for WeightedTargetBuilder {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse_config(&self, _: &serde_json::Value) -> Result<LbConfig, String> {
        Err(internal_only(NAME))
    }

    fn build(&self, options: PolicyOptions) -> Box<dyn Policy> {
        Box::new(WeightedTarget {
            children: ChildManager::new(options.work),
            weights: HashMap::new(),
        })
    }
}

struct WeightedTarget {
    children: ChildManager<String>,
    weights: HashMap<String, u32>,
}

/// Picks among READY children by weight: cumulative weights, one random number.
struct WeightedPicker {
    cumulative: Vec<(u64, Arc<dyn Picker>)>,
}

impl Picker for WeightedPicker {
    fn pick(&self, info: &PickInfo<'_>) -> PickResult {
        let total = self.cumulative.last().map_or(0, |(w, _)| *w);
        let r = random_below(total);
        let i = self.cumulative.partition_point(|(w, _)| *w <= r);
        self.cumulative[i].1.pick(info)
    }
}

impl WeightedTarget {
    fn publish(&mut self, helper: &mut dyn Helper) {
        let mut sum = 0u64;
        let mut cumulative = Vec::new();
        for (k, state, p) in self.children.children() {
            let w = u64::from(*self.weights.get(k).unwrap_or(&0));
            if state == ConnectivityState::Ready && w > 0 {
                sum += w;
                cumulative.push((sum, Arc::clone(p)));
            }
        }
        if !cumulative.is_empty() {
            helper.update_picker(
                ConnectivityState::Ready,
                Arc::new(WeightedPicker { cumulative }),
            );
            return;
        }
        let state = self.children.aggregate_state();
        // Nothing READY: connecting → wait; failed → the first failed child says why.
        let failed = self
            .children
            .children()
            .find(|(_, s, _)| *s == ConnectivityState::TransientFailure)
            .map(|(_, _, p)| Arc::clone(p));
        match (state, failed) {
            (ConnectivityState::TransientFailure, Some(p)) => helper.update_picker(state, p),
            _ => helper.update_picker(state, Arc::new(QueuePicker)),
        }
    }
}

impl Policy for WeightedTarget {
    fn resolver_update(
        &mut self,
        update: &ResolverUpdate,
        config: Option<&LbConfig>,
        helper: &mut dyn Helper,
    ) -> Result<(), Status> {
        let cfg: &WeightedTargetConfig = config_of(config, NAME)?;
        let all: &[Endpoint] = update.endpoints.as_deref().unwrap_or(&[]);
        self.weights = cfg
            .targets
            .iter()
            .map(|(n, w, _)| (n.clone(), *w))
            .collect();
        let children = cfg
            .targets
            .iter()
            .map(|(name, _, child)| {
                let eps: Vec<Endpoint> = all
                    .iter()
                    .filter(|e| {
                        e.attributes
                            .get::<LocalityName>()
                            .is_some_and(|l| l.0 == *name)
                    })
                    .cloned()
                    .collect();
                (name.clone(), child.clone(), update.with_endpoints(eps))
            })
            .collect();
        let r = self.children.update(children, helper);
        self.children.exit_idle(helper);
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
