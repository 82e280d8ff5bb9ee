//! [`ChildManager`]: the bookkeeping of a policy whose children are policies.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{
    Helper, LbConfig, Picker, Policy, PolicyOptions, QueuePicker, ResolverUpdate, Subchannel,
    SubchannelState, WeakSubchannel, WorkScheduler, builder,
};
use crate::client::ConnectivityState;
use crate::client::resolver::Address;
use crate::code::Code;
use crate::status::Status;

/// Children of a parent policy, by key (a cluster name, a priority, a locality): builds
/// them from the [registry](super::register) by their config's name, gives each a helper
/// that records the subchannels it creates (so that their updates reach it) and keeps the
/// state and picker it last published, and schedules their work.
///
/// The parent publishes its own picker from the children's ([`children`](Self::children));
/// after each call into the manager, [`take_changed`](Self::take_changed) says whether some
/// child published since.
pub struct ChildManager<K> {
    children: Vec<Child<K>>,
    owners: HashMap<WeakSubchannel, K>,
    work: WorkScheduler,
    changed: bool,
}

struct Child<K> {
    key: K,
    name: String,
    policy: Box<dyn Policy>,
    state: ConnectivityState,
    picker: Arc<dyn Picker>,
    work_pending: Arc<AtomicBool>,
}

impl<K: fmt::Debug> fmt::Debug for ChildManager<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.children.iter().map(|c| (&c.key, &c.name, c.state)))
            .finish()
    }
}

/// The helper a child sees.
struct ChildHelper<'a, K> {
    parent: &'a mut dyn Helper,
    owners: &'a mut HashMap<WeakSubchannel, K>,
    key: &'a K,
    state: &'a mut ConnectivityState,
    picker: &'a mut Arc<dyn Picker>,
    changed: &'a mut bool,
}

impl<K: Clone + Eq + Hash + Send + Sync> Helper for ChildHelper<'_, K> {
    fn new_subchannel(&mut self, address: &Address) -> Subchannel {
        let sub = self.parent.new_subchannel(address);
        self.owners.insert(sub.downgrade(), self.key.clone());
        sub
    }

    fn update_picker(&mut self, state: ConnectivityState, picker: Arc<dyn Picker>) {
        *self.state = state;
        *self.picker = picker;
        *self.changed = true;
    }

    fn request_resolution(&mut self) {
        self.parent.request_resolution();
    }
}

impl<K: Clone + Eq + Hash + Send + Sync + fmt::Debug + 'static> ChildManager<K> {
    /// No children; `work` is the parent's scheduler (the children's work is asked through
    /// it, and done by [`work`](Self::work)).
    pub fn new(work: WorkScheduler) -> ChildManager<K> {
        ChildManager {
            children: Vec::new(),
            owners: HashMap::new(),
            work,
            changed: false,
        }
    }

    /// Whether some child published a picker since the last call.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    fn index(&self, key: &K) -> Option<usize> {
        self.children.iter().position(|c| c.key == *key)
    }

    /// Gives child `key` an update and its config, creating it (IDLE until it publishes) or,
    /// when its policy changed name, replacing it.
    pub fn update_child(
        &mut self,
        key: &K,
        config: &LbConfig,
        update: &ResolverUpdate,
        helper: &mut dyn Helper,
    ) -> Result<(), Status> {
        let i = match self.index(key) {
            Some(i) if self.children[i].name == config.name() => i,
            existing => {
                let b = builder(config.name()).ok_or_else(|| {
                    Status::new(
                        Code::INTERNAL,
                        format!("no load-balancing policy named {}", config.name()),
                    )
                })?;
                let pending = Arc::new(AtomicBool::new(false));
                let child = Child {
                    key: key.clone(),
                    name: config.name().to_owned(),
                    policy: b.build(PolicyOptions::new(WorkScheduler::child(
                        &self.work,
                        Arc::clone(&pending),
                    ))),
                    state: ConnectivityState::Connecting,
                    picker: Arc::new(QueuePicker),
                    work_pending: pending,
                };
                match existing {
                    Some(i) => {
                        self.children[i] = child;
                        i
                    }
                    None => {
                        self.children.push(child);
                        self.children.len() - 1
                    }
                }
            }
        };
        let c = &mut self.children[i];
        let mut h = ChildHelper {
            parent: helper,
            owners: &mut self.owners,
            key: &c.key,
            state: &mut c.state,
            picker: &mut c.picker,
            changed: &mut self.changed,
        };
        c.policy.resolver_update(update, Some(config), &mut h)
    }

    /// Sets the children to exactly `children` (key, config, update): new keys are created,
    /// existing ones updated, missing ones removed (their subchannels close). The first error
    /// of a child is returned after all were updated.
    pub fn update(
        &mut self,
        children: Vec<(K, LbConfig, ResolverUpdate)>,
        helper: &mut dyn Helper,
    ) -> Result<(), Status> {
        let keep: Vec<K> = children.iter().map(|(k, _, _)| k.clone()).collect();
        self.retain(|k| keep.contains(k));
        let mut first_error = None;
        for (k, config, update) in &children {
            if let Err(e) = self.update_child(k, config, update, helper) {
                first_error.get_or_insert(e);
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Removes the children whose key `keep` refuses.
    pub fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        let before = self.children.len();
        self.children.retain(|c| keep(&c.key));
        if self.children.len() != before {
            self.changed = true;
            self.owners.retain(|w, k| w.is_alive() && keep(k));
        }
    }

    /// Routes a subchannel update to the child that created the subchannel; `false` if none
    /// did.
    pub fn subchannel_update(
        &mut self,
        subchannel: &Subchannel,
        state: &SubchannelState,
        helper: &mut dyn Helper,
    ) -> bool {
        let Some(key) = self.owners.get(&subchannel.downgrade()).cloned() else {
            return false;
        };
        if state.state == ConnectivityState::Shutdown {
            self.owners.remove(&subchannel.downgrade());
        }
        let Some(i) = self.index(&key) else {
            return false;
        };
        let c = &mut self.children[i];
        let mut h = ChildHelper {
            parent: helper,
            owners: &mut self.owners,
            key: &c.key,
            state: &mut c.state,
            picker: &mut c.picker,
            changed: &mut self.changed,
        };
        c.policy.subchannel_update(subchannel, state, &mut h);
        true
    }

    /// Asks child `key` to leave IDLE.
    pub fn exit_idle_child(&mut self, key: &K, helper: &mut dyn Helper) {
        let Some(i) = self.index(key) else { return };
        let c = &mut self.children[i];
        let mut h = ChildHelper {
            parent: helper,
            owners: &mut self.owners,
            key: &c.key,
            state: &mut c.state,
            picker: &mut c.picker,
            changed: &mut self.changed,
        };
        c.policy.exit_idle(&mut h);
    }

    /// Asks every child to leave IDLE.
    pub fn exit_idle(&mut self, helper: &mut dyn Helper) {
        let keys: Vec<K> = self.children.iter().map(|c| c.key.clone()).collect();
        for k in keys {
            self.exit_idle_child(&k, helper);
        }
    }

    /// Runs the work the children asked for.
    pub fn work(&mut self, helper: &mut dyn Helper) {
        for c in &mut self.children {
            if !c.work_pending.swap(false, Ordering::AcqRel) {
                continue;
            }
            let mut h = ChildHelper {
                parent: &mut *helper,
                owners: &mut self.owners,
                key: &c.key,
                state: &mut c.state,
                picker: &mut c.picker,
                changed: &mut self.changed,
            };
            c.policy.work(&mut h);
        }
    }

    /// Whether child `key` exists.
    pub fn contains(&self, key: &K) -> bool {
        self.index(key).is_some()
    }

    /// Child `key`'s state and picker.
    pub fn child(&self, key: &K) -> Option<(ConnectivityState, &Arc<dyn Picker>)> {
        self.index(key)
            .map(|i| (self.children[i].state, &self.children[i].picker))
    }

    /// Every child's key, state and picker, in the order they were created.
    pub fn children(&self) -> impl Iterator<Item = (&K, ConnectivityState, &Arc<dyn Picker>)> {
        self.children.iter().map(|c| (&c.key, c.state, &c.picker))
    }

    /// How many children there are.
    pub fn len(&self) -> usize {
        self.children.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    /// The usual aggregation of the children's states (load-balancing.md): READY if any is,
    /// else CONNECTING if any is, else IDLE if any is, else TRANSIENT_FAILURE (also with no
    /// children).
    pub fn aggregate_state(&self) -> ConnectivityState {
        aggregate(self.children.iter().map(|c| c.state))
    }
}

/// READY if any is, else CONNECTING, else IDLE, else TRANSIENT_FAILURE.
pub(crate) fn aggregate(states: impl Iterator<Item = ConnectivityState>) -> ConnectivityState {
    let (mut connecting, mut idle) = (false, false);
    for s in states {
        match s {
            ConnectivityState::Ready => return ConnectivityState::Ready,
            ConnectivityState::Connecting => connecting = true,
            ConnectivityState::Idle => idle = true,
            _ => {}
        }
    }
    if connecting {
        ConnectivityState::Connecting
    } else if idle {
        ConnectivityState::Idle
    } else {
        ConnectivityState::TransientFailure
    }
}
