//! `least_request_experimental` (gRFC A48): round_robin's connection management; each pick
//! samples `choice_count` READY subchannels at random and takes the one with the fewest calls
//! outstanding.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use courier_rpc::lb::{
    FailPicker, Helper, LbConfig, Pick, PickInfo, PickResult, Picker, Policy, PolicyBuilder,
    PolicyOptions, QueuePicker, ResolverUpdate, Subchannel, SubchannelState, WeakSubchannel,
};
use courier_rpc::{Code, ConnectivityState, Status};
use serde_json::Value;

use super::{config_of, publish, random_below};

/// The config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeastRequestConfig {
    /// Subchannels sampled per pick (2..=10).
    pub choice_count: u32,
}

/// The policy's name.
pub const NAME: &str = "least_request_experimental";

pub(crate) struct LeastRequestBuilder;

impl PolicyBuilder for LeastRequestBuilder {
    fn name(&self) -> &'static str {
        NAME
    }

    /// `{"choiceCount": N}` (default 2; below 2 is invalid, above 10 counts as 10).
    fn parse_config(&self, config: &Value) -> Result<LbConfig, String> {
        let n = match config.get("choiceCount") {
            None => 2,
            Some(v) => v
                .as_u64()
                .ok_or("least_request: choiceCount is not an integer")?,
        };
        // gRFC A48: "If choice_count < 2, the config will be rejected."
        if n < 2 {
            return Err("least_request: choiceCount below 2".into());
        }
        Ok(LbConfig::new(
            NAME,
            LeastRequestConfig {
                choice_count: n.min(10) as u32,
            },
        ))
    }

    fn build(&self, _: PolicyOptions) -> Box<dyn Policy> {
        Box::new(LeastRequest {
            choice_count: 2,
            subs: Vec::new(),
            counters: HashMap::new(),
        })
    }
}

struct Entry {
    sub: Subchannel,
    state: ConnectivityState,
    error: Option<Status>,
    /// gRFC A48: TRANSIENT_FAILURE sticks until READY.
    failed: bool,
}

struct LeastRequest {
    choice_count: u32,
    subs: Vec<Entry>,
    /// gRFC A48: the counters "share the lifecycle with its corresponding subchannel".
    counters: HashMap<WeakSubchannel, Arc<AtomicU64>>,
}

struct LeastRequestPicker {
    ready: Vec<(Subchannel, Arc<AtomicU64>)>,
    choice_count: u32,
}

impl Picker for LeastRequestPicker {
    fn pick(&self, _: &PickInfo<'_>) -> PickResult {
        // gRFC A48's picker: sample choice_count at random (repeats allowed), keep the one
        // with the fewest active requests.
        let n = self.ready.len() as u64;
        let mut best = random_below(n) as usize;
        for _ in 1..self.choice_count {
            let i = random_below(n) as usize;
            if self.ready[i].1.load(Ordering::Relaxed) < self.ready[best].1.load(Ordering::Relaxed)
            {
                best = i;
            }
        }
        let (sub, counter) = &self.ready[best];
        counter.fetch_add(1, Ordering::Relaxed);
        let c = Arc::clone(counter);
        PickResult::Pick(Pick::new(sub.clone()).with_completion(move |_| {
            c.fetch_sub(1, Ordering::Relaxed);
        }))
    }
}

impl LeastRequest {
    fn publish(&mut self, helper: &mut dyn Helper) {
        for e in &self.subs {
            if e.state == ConnectivityState::Idle {
                e.sub.connect();
            }
        }
        let ready: Vec<(Subchannel, Arc<AtomicU64>)> = self
            .subs
            .iter()
            .filter(|e| e.state == ConnectivityState::Ready)
            .map(|e| {
                let c = self.counters.entry(e.sub.downgrade()).or_default();
                (e.sub.clone(), Arc::clone(c))
            })
            .collect();
        if !ready.is_empty() {
            publish(
                helper,
                ConnectivityState::Ready,
                LeastRequestPicker {
                    ready,
                    choice_count: self.choice_count,
                },
            );
        } else if self.subs.iter().any(|e| !e.failed) {
            publish(helper, ConnectivityState::Connecting, QueuePicker);
        } else {
            let msg = self
                .subs
                .iter()
                .filter_map(|e| e.error.as_ref().map(|s| s.message().to_owned()))
                .collect::<Vec<_>>()
                .join("; ");
            let msg = if msg.is_empty() {
                "no endpoint is ready".to_owned()
            } else {
                msg
            };
            publish(
                helper,
                ConnectivityState::TransientFailure,
                FailPicker::new(Status::new(Code::UNAVAILABLE, msg)),
            );
        }
    }
}

impl Policy for LeastRequest {
    fn resolver_update(
        &mut self,
        update: &ResolverUpdate,
        config: Option<&LbConfig>,
        helper: &mut dyn Helper,
    ) -> Result<(), Status> {
        if let Ok(cfg) = config_of::<LeastRequestConfig>(config, NAME) {
            self.choice_count = cfg.choice_count;
        }
        let list = match &update.endpoints {
            Ok(l) => l,
            Err(e) if self.subs.is_empty() => {
                publish(
                    helper,
                    ConnectivityState::TransientFailure,
                    FailPicker::new(e.clone()),
                );
                return Ok(());
            }
            Err(_) => return Ok(()),
        };
        // gRFC A48: duplicate addresses get one subchannel.
        let mut old = std::mem::take(&mut self.subs);
        for e in list {
            if self.subs.iter().any(|s| *s.sub.address() == e.address) {
                continue;
            }
            match old.iter().position(|o| *o.sub.address() == e.address) {
                Some(i) => self.subs.push(old.swap_remove(i)),
                None => self.subs.push(Entry {
                    sub: helper.new_subchannel(&e.address),
                    state: ConnectivityState::Idle,
                    error: None,
                    failed: false,
                }),
            }
        }
        self.counters.retain(|w, _| w.is_alive());
        self.publish(helper);
        Ok(())
    }

    fn subchannel_update(
        &mut self,
        sub: &Subchannel,
        state: &SubchannelState,
        helper: &mut dyn Helper,
    ) {
        let Some(e) = self.subs.iter_mut().find(|e| e.sub == *sub) else {
            return;
        };
        e.state = state.state;
        e.error = state.error.clone();
        match state.state {
            ConnectivityState::TransientFailure => {
                e.failed = true;
                helper.request_resolution();
            }
            ConnectivityState::Ready => e.failed = false,
            _ => {}
        }
        self.publish(helper);
    }

    fn exit_idle(&mut self, helper: &mut dyn Helper) {
        self.publish(helper);
    }
}
