//! `ring_hash_experimental` (gRFC A42): endpoints on a ring of XXH64 hashes (each as many
//! times as its weight asks); a call takes the first endpoint at or after its request hash,
//! connecting lazily, failing over along the ring.

use std::sync::Arc;

use courier_rpc::lb::{
    Endpoint, FailPicker, Helper, LbConfig, Pick, PickInfo, PickResult, Picker, Policy,
    PolicyBuilder, PolicyOptions, ResolverUpdate, Subchannel, SubchannelState,
};
use courier_rpc::{Address, Code, ConnectivityState, Status};
use serde_json::Value;

use super::{EndpointWeight, config_of, publish, random};
use crate::xxhash::xxh64;

/// The config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingHashConfig {
    /// Ring size lower bound.
    pub min_ring_size: u64,
    /// Ring size upper bound.
    pub max_ring_size: u64,
}

/// gRFC A42: "the client will have a local option ... to set a cap for the ring size, which
/// will also default to 4096".
pub const RING_SIZE_CAP: u64 = 4096;

/// The policy's name.
pub const NAME: &str = "ring_hash_experimental";

pub(crate) struct RingHashBuilder;

impl PolicyBuilder for RingHashBuilder {
    fn name(&self) -> &'static str {
        NAME
    }

    /// `{"minRingSize": N, "maxRingSize": M}` (defaults 1024 and 4096; at most 8M).
    fn parse_config(&self, config: &Value) -> Result<LbConfig, String> {
        let get = |k: &str, d: u64| -> Result<u64, String> {
            match config.get(k) {
                None => Ok(d),
                Some(v) => v
                    .as_u64()
                    .ok_or_else(|| format!("ring_hash: {k} is not an integer")),
            }
        };
        let (min, max) = (get("minRingSize", 1024)?, get("maxRingSize", 4096)?);
        if min == 0 || min > max || max > 8 * 1024 * 1024 {
            return Err(format!("ring_hash: invalid ring sizes {min}..{max}"));
        }
        Ok(LbConfig::new(
            NAME,
            RingHashConfig {
                min_ring_size: min,
                max_ring_size: max,
            },
        ))
    }

    fn build(&self, _: PolicyOptions) -> Box<dyn Policy> {
        Box::new(RingHash {
            config: RingHashConfig {
                min_ring_size: 1024,
                max_ring_size: 4096,
            },
            subs: Vec::new(),
            ring: Arc::new(Vec::new()),
        })
    }
}

struct Entry {
    sub: Subchannel,
    weight: u32,
    state: ConnectivityState,
    /// gRFC A42: TRANSIENT_FAILURE sticks until READY.
    failed: bool,
}

struct RingHash {
    config: RingHashConfig,
    subs: Vec<Entry>,
    /// `(hash, index into subs)`, sorted by hash.
    ring: Arc<Vec<(u64, usize)>>,
}

/// Builds the ring as gRFC A42 describes (Envoy's algorithm): weights normalized, the ring
/// as large as needed for the smallest weight to get a whole number of entries within the
/// size bounds, each address hashed as `"<address>_<n>"`.
pub(crate) fn build_ring(addrs: &[(String, u32)], min: u64, max: u64) -> Vec<(u64, usize)> {
    let min = min.min(RING_SIZE_CAP) as f64;
    let max = max.min(RING_SIZE_CAP) as f64;
    let total: f64 = addrs.iter().map(|(_, w)| f64::from(*w)).sum();
    if addrs.is_empty() || total == 0.0 {
        return Vec::new();
    }
    let normalized: Vec<f64> = addrs.iter().map(|(_, w)| f64::from(*w) / total).collect();
    let min_norm = normalized.iter().copied().fold(f64::INFINITY, f64::min);
    let scale = ((min_norm * min).ceil() / min_norm).min(max);
    let mut ring = Vec::with_capacity(scale.ceil() as usize);
    let mut current = 0.0;
    let mut target = 0.0;
    for (i, (addr, _)) in addrs.iter().enumerate() {
        target += scale * normalized[i];
        let mut count = 0u64;
        while current < target {
            let key = format!("{addr}_{count}");
            ring.push((xxh64(key.as_bytes(), 0), i));
            count += 1;
            current += 1.0;
        }
    }
    ring.sort_by_key(|(h, _)| *h);
    ring
}

struct RingPicker {
    ring: Arc<Vec<(u64, usize)>>,
    subs: Vec<(Subchannel, ConnectivityState)>,
}

impl Picker for RingPicker {
    fn pick(&self, info: &PickInfo<'_>) -> PickResult {
        // gRFC A42: without a hash (no policy gave one), a random one.
        let h = info.request_hash().unwrap_or_else(random);
        let n = self.ring.len();
        let first = self.ring.partition_point(|(rh, _)| *rh < h) % n;
        let at = |i: usize| &self.subs[self.ring[(first + i) % n].1];
        // gRFC A42's picker, step by step.
        let (sub0, st0) = at(0);
        match st0 {
            ConnectivityState::Ready => return PickResult::Pick(Pick::new(sub0.clone())),
            ConnectivityState::Idle => {
                sub0.connect();
                return PickResult::Queue;
            }
            ConnectivityState::Connecting => return PickResult::Queue,
            _ => {}
        }
        sub0.connect();
        let mut found_second = false;
        let mut found_non_failed = false;
        for i in 1..n {
            let (sub, st) = at(i);
            if sub == sub0 {
                continue;
            }
            if *st == ConnectivityState::Ready {
                return PickResult::Pick(Pick::new(sub.clone()));
            }
            if !found_second {
                match st {
                    ConnectivityState::Connecting => return PickResult::Queue,
                    ConnectivityState::Idle => {
                        sub.connect();
                        return PickResult::Queue;
                    }
                    _ => {}
                }
                found_second = true;
            }
            if !found_non_failed {
                if *st == ConnectivityState::TransientFailure {
                    sub.connect();
                } else {
                    if *st == ConnectivityState::Idle {
                        sub.connect();
                    }
                    found_non_failed = true;
                }
            }
        }
        PickResult::Fail(Status::new(
            Code::UNAVAILABLE,
            "ring_hash: no endpoint is reachable",
        ))
    }
}

impl RingHash {
    fn publish(&mut self, helper: &mut dyn Helper) {
        if self.ring.is_empty() {
            publish(
                helper,
                ConnectivityState::TransientFailure,
                FailPicker::new(Status::new(Code::UNAVAILABLE, "ring_hash: no endpoints")),
            );
            return;
        }
        // The states as the picker and the aggregation see them (TRANSIENT_FAILURE sticky).
        let seen = |e: &Entry| {
            if e.failed && e.state != ConnectivityState::Ready {
                ConnectivityState::TransientFailure
            } else {
                e.state
            }
        };
        let count = |s: ConnectivityState| self.subs.iter().filter(|e| seen(e) == s).count();
        let (ready, tf, connecting, idle) = (
            count(ConnectivityState::Ready),
            count(ConnectivityState::TransientFailure),
            count(ConnectivityState::Connecting),
            count(ConnectivityState::Idle),
        );
        // gRFC A42's aggregation rules, in order.
        let state = if ready > 0 {
            ConnectivityState::Ready
        } else if tf >= 2 {
            ConnectivityState::TransientFailure
        } else if connecting > 0 || (tf == 1 && self.subs.len() > 1) {
            // Rules 3 and 4.
            ConnectivityState::Connecting
        } else if idle > 0 {
            ConnectivityState::Idle
        } else {
            ConnectivityState::TransientFailure
        };
        // gRFC A42: in TRANSIENT_FAILURE or CONNECTING after a failure, keep one subchannel
        // connecting at all times (the next one after a failed one), so the policy recovers
        // without picks.
        if (state == ConnectivityState::TransientFailure
            || (state == ConnectivityState::Connecting && tf > 0))
            && connecting == 0
        {
            if let Some(i) = self.subs.iter().position(|e| e.failed) {
                let next = (i + 1..self.subs.len())
                    .chain(0..=i)
                    .find(|j| self.subs[*j].state == ConnectivityState::Idle);
                if let Some(j) = next {
                    self.subs[j].sub.connect();
                }
            }
        }
        let subs = self.subs.iter().map(|e| (e.sub.clone(), seen(e))).collect();
        publish(
            helper,
            state,
            RingPicker {
                ring: Arc::clone(&self.ring),
                subs,
            },
        );
    }
}

impl Policy for RingHash {
    fn resolver_update(
        &mut self,
        update: &ResolverUpdate,
        config: Option<&LbConfig>,
        helper: &mut dyn Helper,
    ) -> Result<(), Status> {
        if let Ok(cfg) = config_of::<RingHashConfig>(config, NAME) {
            self.config = *cfg;
        }
        let list: &[Endpoint] = match &update.endpoints {
            Ok(l) => l,
            Err(_) => return Ok(()),
        };
        // gRFC A42: "The ring_hash policy will accept both multiple instances of the same
        // address and the per-address weight attribute": repeats add up.
        let mut weights: Vec<(Address, u32)> = Vec::new();
        for e in list {
            let w = e
                .attributes
                .get::<EndpointWeight>()
                .map_or(1, |w| w.0.max(1));
            match weights.iter_mut().find(|(a, _)| *a == e.address) {
                Some((_, total)) => *total = total.saturating_add(w),
                None => weights.push((e.address.clone(), w)),
            }
        }
        let mut old = std::mem::take(&mut self.subs);
        for (addr, w) in &weights {
            let entry = match old.iter().position(|o| o.sub.address() == addr) {
                Some(i) => {
                    let mut e = old.swap_remove(i);
                    e.weight = *w;
                    e
                }
                None => Entry {
                    sub: helper.new_subchannel(addr),
                    weight: *w,
                    state: ConnectivityState::Idle,
                    failed: false,
                },
            };
            self.subs.push(entry);
        }
        let keys: Vec<(String, u32)> = self
            .subs
            .iter()
            .map(|e| (e.sub.address().to_string(), e.weight))
            .collect();
        self.ring = Arc::new(build_ring(
            &keys,
            self.config.min_ring_size,
            self.config.max_ring_size,
        ));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_sizes_and_weights() {
        let ring = build_ring(
            &[("127.0.0.1:1".into(), 1), ("127.0.0.1:2".into(), 3)],
            1024,
            4096,
        );
        assert_eq!(ring.len(), 1024);
        let second = ring.iter().filter(|(_, i)| *i == 1).count();
        assert_eq!(second, 768, "weight 3 of 4");
        assert!(ring.windows(2).all(|w| w[0].0 <= w[1].0));
        // The local cap of 4096 applies to the bounds.
        let big = build_ring(&[("a".into(), 1), ("b".into(), 1000)], 8_000_000, 8_000_000);
        assert_eq!(big.len(), 4096);
        // The first entry of address a is XXH64("a_0").
        assert!(big.iter().any(|(h, i)| *i == 0 && *h == xxh64(b"a_0", 0)));
    }
}
