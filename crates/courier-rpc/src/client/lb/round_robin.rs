//! `round_robin`: a subchannel for every address, kept connected; each call takes the next
//! READY one.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{
    Endpoint, FailPicker, Helper, LbConfig, Pick, PickInfo, PickResult, Picker, Policy,
    PolicyBuilder, PolicyOptions, QueuePicker, ResolverUpdate, Subchannel, SubchannelState,
    failure_status,
};
use crate::client::ConnectivityState;
use crate::client::backoff::Rng;
use crate::status::Status;

/// Builds [`RoundRobin`] policies.
#[derive(Debug)]
pub(crate) struct RoundRobinBuilder;

impl PolicyBuilder for RoundRobinBuilder {
    fn name(&self) -> &'static str {
        "round_robin"
    }

    fn build(&self, _: PolicyOptions) -> Box<dyn Policy> {
        Box::new(RoundRobin {
            subs: Vec::new(),
            resolution_error: None,
            resolved: false,
            // A random start, so that channels do not all begin with the same address.
            next: Arc::new(AtomicUsize::new((Rng::new(0).unit() * 1e9) as usize)),
        })
    }
}

struct Entry {
    sub: Subchannel,
    state: SubchannelState,
    /// Seen in TRANSIENT_FAILURE and not READY since: counts as failed while it reconnects
    /// (gRFC A48's aggregation rule, which round_robin shares).
    failed: bool,
}

/// The round_robin policy.
pub(crate) struct RoundRobin {
    subs: Vec<Entry>,
    resolution_error: Option<Status>,
    resolved: bool,
    /// The rotation, shared by every picker the policy publishes: a new picker (a connection
    /// came or went) continues where the last one stopped, so consecutive picks — a call's
    /// hedged attempts, say — still go to different addresses.
    next: Arc<AtomicUsize>,
}

impl RoundRobin {
    fn publish(&mut self, helper: &mut dyn Helper) {
        for e in &self.subs {
            // Keep every address connected: an IDLE subchannel (its connection was lost, or
            // its backoff ended) connects again at once.
            if e.state.state == ConnectivityState::Idle {
                e.sub.connect();
            }
        }
        let ready: Vec<Subchannel> = self
            .subs
            .iter()
            .filter(|e| e.state.state == ConnectivityState::Ready)
            .map(|e| e.sub.clone())
            .collect();
        if !ready.is_empty() {
            helper.update_picker(
                ConnectivityState::Ready,
                Arc::new(RoundRobinPicker {
                    ready,
                    next: Arc::clone(&self.next),
                }),
            );
            return;
        }
        let connecting = (!self.resolved && self.resolution_error.is_none())
            || self.subs.iter().any(|e| {
                !e.failed
                    && matches!(
                        e.state.state,
                        ConnectivityState::Connecting | ConnectivityState::Idle
                    )
            });
        if connecting {
            helper.update_picker(ConnectivityState::Connecting, Arc::new(QueuePicker));
            return;
        }
        let status = failure_status(
            self.subs.len(),
            self.subs.iter().filter_map(|e| e.state.error.as_ref()),
            self.resolution_error.as_ref(),
        );
        helper.update_picker(
            ConnectivityState::TransientFailure,
            Arc::new(FailPicker::new(status)),
        );
    }
}

/// Keeps the subchannels of addresses still listed, adds the new ones (deduplicated), and
/// drops the others.
pub(crate) fn reuse_subchannels<T>(
    old: &mut Vec<T>,
    list: &[Endpoint],
    sub_of: impl Fn(&T) -> &Subchannel,
    mut make: impl FnMut(Subchannel) -> T,
    helper: &mut dyn Helper,
) -> Vec<T> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(list.len());
    for e in list {
        if !seen.insert(e.address.clone()) {
            continue;
        }
        match old.iter().position(|o| *sub_of(o).address() == e.address) {
            Some(i) => out.push(old.swap_remove(i)),
            None => out.push(make(helper.new_subchannel(&e.address))),
        }
    }
    out
}

impl Policy for RoundRobin {
    fn resolver_update(
        &mut self,
        update: &ResolverUpdate,
        _: Option<&LbConfig>,
        helper: &mut dyn Helper,
    ) -> Result<(), Status> {
        match &update.endpoints {
            Ok(list) => {
                self.resolved = true;
                self.resolution_error = None;
                let mut old = std::mem::take(&mut self.subs);
                self.subs = reuse_subchannels(
                    &mut old,
                    list,
                    |e| &e.sub,
                    |sub| Entry {
                        sub,
                        state: SubchannelState::new(ConnectivityState::Idle),
                        failed: false,
                    },
                    helper,
                );
                if list.is_empty() {
                    helper.request_resolution();
                }
            }
            Err(s) => self.resolution_error = Some(s.clone()),
        }
        self.publish(helper);
        Ok(())
    }

    fn subchannel_update(
        &mut self,
        subchannel: &Subchannel,
        state: &SubchannelState,
        helper: &mut dyn Helper,
    ) {
        let Some(e) = self.subs.iter_mut().find(|e| e.sub == *subchannel) else {
            return;
        };
        match state.state {
            ConnectivityState::TransientFailure => e.failed = true,
            ConnectivityState::Ready => e.failed = false,
            _ => {}
        }
        e.state = state.clone();
        self.publish(helper);
    }

    fn exit_idle(&mut self, helper: &mut dyn Helper) {
        self.publish(helper);
    }
}

/// Rotates over the READY subchannels: one atomic increment per call.
struct RoundRobinPicker {
    ready: Vec<Subchannel>,
    next: Arc<AtomicUsize>,
}

impl Picker for RoundRobinPicker {
    #[inline]
    fn pick(&self, _: &PickInfo<'_>) -> PickResult {
        let n = self.ready.len();
        let i = if n == 1 {
            0
        } else {
            self.next.fetch_add(1, Ordering::Relaxed) % n
        };
        PickResult::Pick(Pick::new(self.ready[i].clone()))
    }
}
