//! `pick_first` (gRFC A62): try the addresses in order, use the first that connects for every
//! call, and start over from the first when it is lost.

use std::sync::Arc;

use super::round_robin::reuse_subchannels;
use super::{
    FailPicker, FixedPicker, Helper, LbConfig, Policy, PolicyBuilder, PolicyOptions, QueuePicker,
    ResolverUpdate, Subchannel, SubchannelState, failure_status,
};
use crate::client::ConnectivityState;
use crate::status::Status;

/// Builds [`PickFirst`] policies.
#[derive(Debug)]
pub(crate) struct PickFirstBuilder;

impl PolicyBuilder for PickFirstBuilder {
    fn name(&self) -> &'static str {
        "pick_first"
    }

    fn build(&self, _: PolicyOptions) -> Box<dyn Policy> {
        Box::new(PickFirst::default())
    }
}

struct Entry {
    sub: Subchannel,
    state: SubchannelState,
    /// Counts the state updates heard, so that a subchannel that went round the cycle
    /// (CONNECTING, READY, IDLE) since it was asked to connect can be told from one that
    /// never moved.
    seq: u64,
}

/// The pick_first policy.
#[derive(Default)]
pub(crate) struct PickFirst {
    subs: Vec<Entry>,
    selected: Option<Subchannel>,
    exited_idle: bool,
    in_pass: bool,
    /// The address this pass is trying.
    attempt: usize,
    /// The subchannel's update count when this pass asked it to connect.
    requested: Option<u64>,
    resolution_error: Option<Status>,
    resolved: bool,
}

impl PickFirst {
    fn start_pass(&mut self) {
        self.in_pass = true;
        self.attempt = 0;
        self.requested = None;
    }

    fn ready(&self, i: usize) -> bool {
        self.subs[i].state.state == ConnectivityState::Ready
    }

    fn failure(&self) -> Status {
        failure_status(
            self.subs.len(),
            self.subs.iter().filter_map(|e| e.state.error.as_ref()),
            self.resolution_error.as_ref(),
        )
    }

    fn publish(&mut self, helper: &mut dyn Helper) {
        if let Some(sel) = self.selected.clone() {
            if let Some(i) = self.subs.iter().position(|e| e.sub == sel) {
                if self.ready(i) {
                    helper.update_picker(ConnectivityState::Ready, Arc::new(FixedPicker::new(sel)));
                    return;
                }
            }
            // gRFC A62: when the selected subchannel is lost, pick_first goes IDLE; the next
            // call starts a new pass from the first address.
            self.selected = None;
            self.in_pass = false;
            self.exited_idle = false;
        }
        if let Some(i) = (0..self.subs.len()).find(|&i| self.ready(i)) {
            let sub = self.subs[i].sub.clone();
            self.selected = Some(sub.clone());
            self.in_pass = false;
            self.exited_idle = true;
            helper.update_picker(ConnectivityState::Ready, Arc::new(FixedPicker::new(sub)));
            return;
        }
        if !self.exited_idle {
            helper.update_picker(ConnectivityState::Idle, Arc::new(QueuePicker));
            return;
        }
        if self.subs.is_empty() {
            if self.resolved || self.resolution_error.is_some() {
                let status = self.failure();
                helper.update_picker(
                    ConnectivityState::TransientFailure,
                    Arc::new(FailPicker::new(status)),
                );
            } else {
                helper.update_picker(ConnectivityState::Connecting, Arc::new(QueuePicker));
            }
            return;
        }
        if self.in_pass {
            while self.attempt < self.subs.len() {
                let e = &self.subs[self.attempt];
                match e.state.state {
                    // IDLE and not asked yet — or IDLE again after a round since we asked
                    // (connected and lost at once): ask (again).
                    ConnectivityState::Idle if self.requested != Some(e.seq) => {
                        e.sub.connect();
                        self.requested = Some(e.seq);
                        helper.update_picker(ConnectivityState::Connecting, Arc::new(QueuePicker));
                        return;
                    }
                    ConnectivityState::Idle | ConnectivityState::Connecting => {
                        helper.update_picker(ConnectivityState::Connecting, Arc::new(QueuePicker));
                        return;
                    }
                    // Failed (or still backing off from an earlier failure): the next address.
                    _ => {
                        self.attempt += 1;
                        self.requested = None;
                    }
                }
            }
            self.in_pass = false;
        }
        // gRFC A62: after a full pass failed, stay in TRANSIENT_FAILURE and reconnect every
        // subchannel as its backoff ends, until one is READY.
        for e in &self.subs {
            if e.state.state == ConnectivityState::Idle {
                e.sub.connect();
            }
        }
        let status = self.failure();
        helper.update_picker(
            ConnectivityState::TransientFailure,
            Arc::new(FailPicker::new(status)),
        );
    }
}

impl Policy for PickFirst {
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
                        seq: 0,
                    },
                    helper,
                );
                if let Some(sel) = &self.selected {
                    if !self.subs.iter().any(|e| e.sub == *sel) {
                        self.selected = None;
                    }
                }
                if self.selected.is_none() && self.exited_idle {
                    self.start_pass();
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
        e.state = state.clone();
        e.seq += 1;
        self.publish(helper);
    }

    fn exit_idle(&mut self, helper: &mut dyn Helper) {
        if !self.exited_idle {
            self.exited_idle = true;
            if self.selected.is_none() {
                self.start_pass();
            }
        }
        self.publish(helper);
    }
}
