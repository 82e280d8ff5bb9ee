//! The xDS load-balancing policies, on courier-rpc's public [`courier_rpc::lb`] API, composed
//! as gRFC A27, A28, A31, A42, A48 and A50 describe:
//!
//! ```text
//! xds_cluster_manager_experimental        one child per cluster a route can pick (A31)
//!   └ cds_experimental                    watches the Cluster and its endpoints (A27)
//!       └ priority_experimental           the highest priority that works (failover)
//!           └ outlier_detection_experimental   (A50) per priority
//!               └ xds_cluster_impl_experimental  drops, max_requests
//!                   ├ weighted_target_experimental  localities by weight
//!                   │   └ round_robin | least_request_experimental (A48)
//!                   └ ring_hash_experimental (A42) over every locality's endpoints
//! ```

use std::cell::Cell;
use std::sync::Arc;

use courier_rpc::lb::{self, Helper, LbConfig, PolicyBuilder};

pub mod cds;
pub mod cluster_impl;
pub mod cluster_manager;
pub mod least_request;
pub mod outlier_detection;
pub mod priority;
pub mod ring_hash;
pub mod weighted_target;

/// An endpoint's locality (`region/zone/sub_zone`): weighted_target groups by it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LocalityName(pub String);

/// An endpoint's priority child name: the priority policy groups by it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PriorityName(pub String);

/// An endpoint's weight (locality weight × endpoint weight, gRFC A42).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EndpointWeight(pub u32);

/// Registers the xDS policies (idempotent).
pub fn register() {
    let builders: [Arc<dyn PolicyBuilder>; 8] = [
        Arc::new(cluster_manager::ClusterManagerBuilder),
        Arc::new(cds::CdsBuilder),
        Arc::new(priority::PriorityBuilder),
        Arc::new(outlier_detection::OutlierDetectionBuilder),
        Arc::new(cluster_impl::ClusterImplBuilder),
        Arc::new(weighted_target::WeightedTargetBuilder),
        Arc::new(ring_hash::RingHashBuilder),
        Arc::new(least_request::LeastRequestBuilder),
    ];
    for b in builders {
        lb::register(b);
    }
}

/// Rejects JSON for a policy that only the xDS resolver configures.
pub(crate) fn internal_only(name: &str) -> String {
    format!("{name}: configured by the xDS resolver only, not by a JSON service config")
}

thread_local! {
    static RNG: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let local = 0u8;
    (t ^ (&local as *const u8 as u64).rotate_left(32)) | 1
}

/// A fast per-thread pseudo-random number (xorshift64*): weighted picks, fractions, drops.
pub(crate) fn random() -> u64 {
    RNG.with(|r| {
        let mut x = r.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        r.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

/// Uniform in `0..n` (`n > 0`).
pub(crate) fn random_below(n: u64) -> u64 {
    ((u128::from(random()) * u128::from(n)) >> 64) as u64
}

/// Publishes `state` with `picker` (a short hand).
pub(crate) fn publish(
    helper: &mut dyn Helper,
    state: courier_rpc::ConnectivityState,
    picker: impl courier_rpc::lb::Picker,
) {
    helper.update_picker(state, Arc::new(picker));
}

/// The config of type `T` in `config`, or an INTERNAL error naming the policy.
pub(crate) fn config_of<'a, T: std::any::Any + Send + Sync>(
    config: Option<&'a LbConfig>,
    policy: &str,
) -> Result<&'a T, courier_rpc::Status> {
    config
        .and_then(|c| c.get::<T>())
        .ok_or_else(|| courier_rpc::Status::internal(format!("{policy}: missing or wrong config")))
}

/// Aborts a task when dropped (policy timers).
#[derive(Debug)]
pub(crate) struct AbortOnDrop(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
