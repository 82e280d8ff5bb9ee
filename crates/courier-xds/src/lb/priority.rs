//! `priority_experimental`: children in priority order; calls go to the highest priority
//! child that is READY or IDLE, or still CONNECTING within its failover timer (10 s, as
//! gRPC's); a child in TRANSIENT_FAILURE (or past its timer) hands over to the next priority,
//! which is created then. When a higher priority recovers, the lower ones are removed.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use courier_rpc::lb::{
    ChildManager, Endpoint, Helper, LbConfig, Policy, PolicyBuilder, PolicyOptions, QueuePicker,
    ResolverUpdate, Subchannel, SubchannelState, WorkScheduler,
};
use courier_rpc::{ConnectivityState, Status};

use super::{AbortOnDrop, PriorityName, config_of, internal_only, publish};

/// How long a child may stay CONNECTING before the next priority is tried.
pub const FAILOVER_TIMEOUT: Duration = Duration::from_secs(10);

/// The config: children in priority order (highest first).
#[derive(Clone, Debug)]
pub struct PriorityConfig {
    /// Child names and policies.
    pub priorities: Vec<(String, LbConfig)>,
}

/// The policy's name.
pub const NAME: &str = "priority_experimental";

pub(crate) struct PriorityBuilder;

impl PolicyBuilder for PriorityBuilder {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse_config(&self, _: &serde_json::Value) -> Result<LbConfig, String> {
        Err(internal_only(NAME))
    }

    fn build(&self, options: PolicyOptions) -> Box<dyn Policy> {
        Box::new(Priority {
            work: options.work.clone(),
            children: ChildManager::new(options.work),
            config: Vec::new(),
            update: None,
            timers: HashMap::new(),
        })
    }
}

struct Timer {
    fired: Arc<AtomicBool>,
    _task: AbortOnDrop,
}

struct Priority {
    work: WorkScheduler,
    children: ChildManager<String>,
    config: Vec<(String, LbConfig)>,
    update: Option<ResolverUpdate>,
    /// Failover timers of children that are connecting.
    timers: HashMap<String, Timer>,
}

impl Priority {
    fn endpoints_of(&self, name: &str) -> Vec<Endpoint> {
        let Some(Ok(list)) = self.update.as_ref().map(|u| &u.endpoints) else {
            return Vec::new();
        };
        list.iter()
            .filter(|e| {
                e.attributes
                    .get::<PriorityName>()
                    .is_some_and(|p| p.0 == name)
            })
            .cloned()
            .collect()
    }

    fn start_timer(&mut self, name: &str) {
        let fired = Arc::new(AtomicBool::new(false));
        let (f, work) = (Arc::clone(&fired), self.work.clone());
        let task = AbortOnDrop(tokio::spawn(async move {
            tokio::time::sleep(FAILOVER_TIMEOUT).await;
            f.store(true, Ordering::Release);
            work.schedule();
        }));
        self.timers
            .insert(name.to_owned(), Timer { fired, _task: task });
    }

    fn create(&mut self, i: usize, helper: &mut dyn Helper) {
        let (name, config) = self.config[i].clone();
        let Some(update) = self.update.clone() else {
            return;
        };
        let eps = self.endpoints_of(&name);
        if let Err(e) =
            self.children
                .update_child(&name, &config, &update.with_endpoints(eps), helper)
        {
            tracing::debug!(priority = %name, error = %e, "priority child rejected its config");
        }
        self.children.exit_idle_child(&name, helper);
        self.start_timer(&name);
    }

    /// Chooses the priority calls go to, creating children as failover needs them.
    fn choose(&mut self, helper: &mut dyn Helper) {
        let mut chosen = None;
        for i in 0..self.config.len() {
            let name = self.config[i].0.clone();
            if !self.children.contains(&name) {
                self.create(i, helper);
            }
            let Some((state, _)) = self.children.child(&name) else {
                continue;
            };
            match state {
                ConnectivityState::Ready | ConnectivityState::Idle => {
                    self.timers.remove(&name);
                    chosen = Some(i);
                    break;
                }
                ConnectivityState::Connecting => {
                    let fired = self
                        .timers
                        .get(&name)
                        .is_some_and(|t| t.fired.load(Ordering::Acquire));
                    if !fired {
                        chosen = Some(i);
                        break;
                    }
                }
                _ => {
                    self.timers.remove(&name);
                }
            }
        }
        let Some(i) = chosen.or_else(|| self.config.len().checked_sub(1)) else {
            publish(
                helper,
                ConnectivityState::TransientFailure,
                courier_rpc::lb::FailPicker::new(Status::new(
                    courier_rpc::Code::UNAVAILABLE,
                    "priority: no priorities",
                )),
            );
            return;
        };
        // Lower priorities than the one in use are not needed any more.
        if chosen.is_some() {
            let keep: Vec<String> = self.config[..=i].iter().map(|(n, _)| n.clone()).collect();
            self.children.retain(|k| keep.contains(k));
            self.timers.retain(|k, _| keep.contains(k));
        }
        let name = &self.config[i].0;
        match self.children.child(name) {
            Some((state, picker)) => helper.update_picker(state, Arc::clone(picker)),
            None => publish(helper, ConnectivityState::Connecting, QueuePicker),
        }
    }
}

impl Policy for Priority {
    fn resolver_update(
        &mut self,
        update: &ResolverUpdate,
        config: Option<&LbConfig>,
        helper: &mut dyn Helper,
    ) -> Result<(), Status> {
        let cfg: &PriorityConfig = config_of(config, NAME)?;
        self.config = cfg.priorities.clone();
        self.update = Some(update.clone());
        let names: Vec<String> = self.config.iter().map(|(n, _)| n.clone()).collect();
        self.children.retain(|k| names.contains(k));
        self.timers.retain(|k, _| names.contains(k));
        for (name, config) in self.config.clone() {
            if self.children.contains(&name) {
                let eps = self.endpoints_of(&name);
                self.children
                    .update_child(&name, &config, &update.with_endpoints(eps), helper)?;
            }
        }
        self.choose(helper);
        Ok(())
    }

    fn subchannel_update(
        &mut self,
        sub: &Subchannel,
        state: &SubchannelState,
        helper: &mut dyn Helper,
    ) {
        self.children.subchannel_update(sub, state, helper);
        if self.children.take_changed() {
            self.choose(helper);
        }
    }

    fn exit_idle(&mut self, helper: &mut dyn Helper) {
        self.children.exit_idle(helper);
        self.choose(helper);
    }

    fn work(&mut self, helper: &mut dyn Helper) {
        self.children.work(helper);
        self.children.take_changed();
        self.choose(helper);
    }
}
