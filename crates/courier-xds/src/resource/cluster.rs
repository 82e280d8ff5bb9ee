//! `Cluster` (CDS): an EDS cluster, its load-balancing policy (gRFC A42 ring hash, A48 least
//! request, round robin), outlier detection (A50) and its request limit.

use std::time::Duration;

use super::matcher::Invalid;
use super::nonneg_duration;
use crate::pb::envoy::config::cluster::v3 as pb;
use crate::pb::envoy::config::core::v3 as core;
use crate::pb::envoy::extensions::load_balancing_policies::{
    least_request, ring_hash, round_robin, wrr_locality,
};

/// A validated Cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    /// The EDS resource name: `eds_cluster_config.service_name`, else the cluster's name.
    pub eds_service_name: String,
    /// How endpoints are picked.
    pub lb: ClusterLb,
    /// gRFC A50, when set.
    pub outlier_detection: Option<OutlierDetection>,
    /// The `max_requests` circuit breaker (default 1024).
    pub max_requests: u32,
}

/// A cluster's endpoint-picking policy.
#[derive(Clone, Debug, PartialEq)]
pub enum ClusterLb {
    /// Localities by weight, round_robin within each.
    RoundRobin,
    /// gRFC A42.
    RingHash {
        /// Ring size lower bound.
        min_ring_size: u64,
        /// Ring size upper bound.
        max_ring_size: u64,
    },
    /// gRFC A48: localities by weight, least_request within each.
    LeastRequest {
        /// Subchannels sampled per pick, 2..=10.
        choice_count: u32,
    },
}

/// gRFC A50's outlier detection config.
#[derive(Clone, Debug, PartialEq)]
pub struct OutlierDetection {
    /// Time between ejection sweeps (default 10 s).
    pub interval: Duration,
    /// Base ejection time (default 30 s).
    pub base_ejection_time: Duration,
    /// Ejection time cap (default 300 s, at least the base).
    pub max_ejection_time: Duration,
    /// At most this percentage of addresses ejected (default 10, at least one address).
    pub max_ejection_percent: u32,
    /// Success rate ejection: stdev factor (thousandths), enforcement %, minimum hosts,
    /// request volume.
    pub success_rate: Option<(u32, u32, u32, u32)>,
    /// Failure percentage ejection: threshold, enforcement %, minimum hosts, request volume.
    pub failure_percentage: Option<(u32, u32, u32, u32)>,
}

const RING_MAX: u64 = 8 * 1024 * 1024;

/// gRFC A42: ring sizes above 8M are NACKed; `max` defaults to 8M here (capped later by the
/// policy's local cap of 4096).
fn ring_sizes(min: Option<u64>, max: Option<u64>) -> Result<ClusterLb, Invalid> {
    let min_ring_size = min.unwrap_or(1024);
    let max_ring_size = max.unwrap_or(RING_MAX);
    if min_ring_size > RING_MAX
        || max_ring_size > RING_MAX
        || min_ring_size > max_ring_size
        || min_ring_size == 0
    {
        return Err(format!(
            "ring hash: invalid ring sizes {min_ring_size}..{max_ring_size}"
        ));
    }
    Ok(ClusterLb::RingHash {
        min_ring_size,
        max_ring_size,
    })
}

fn choice(n: Option<u32>) -> Result<ClusterLb, Invalid> {
    let n = n.unwrap_or(2);
    // gRFC A48: "If choice_count < 2, the config will be rejected"; above 10 counts as 10.
    if n < 2 {
        return Err("least request: choice_count below 2".into());
    }
    Ok(ClusterLb::LeastRequest {
        choice_count: n.min(10),
    })
}

/// gRFC A52-style `load_balancing_policy`: the first policy gRPC supports.
fn lb_from_policy(p: &pb::LoadBalancingPolicy) -> Result<ClusterLb, Invalid> {
    for policy in &p.policies {
        let Some(any) = policy
            .typed_extension_config
            .as_ref()
            .and_then(|t| t.typed_config.as_ref())
        else {
            continue;
        };
        let name = any.type_name();
        if name == <ring_hash::v3::RingHash as courier_wire::Message>::NAME {
            let r: ring_hash::v3::RingHash = any.unpack().map_err(|e| e.to_string())?;
            if r.hash_function != 0 {
                return Err("ring hash: hash_function must be XX_HASH".into());
            }
            return ring_sizes(
                r.minimum_ring_size.map(|v| v.value),
                r.maximum_ring_size.map(|v| v.value),
            );
        }
        if name == <least_request::v3::LeastRequest as courier_wire::Message>::NAME {
            let l: least_request::v3::LeastRequest = any.unpack().map_err(|e| e.to_string())?;
            return choice(l.choice_count.map(|v| v.value));
        }
        if name == <round_robin::v3::RoundRobin as courier_wire::Message>::NAME {
            return Ok(ClusterLb::RoundRobin);
        }
        if name == <wrr_locality::v3::WrrLocality as courier_wire::Message>::NAME {
            let w: wrr_locality::v3::WrrLocality = any.unpack().map_err(|e| e.to_string())?;
            if let Some(child) = &w.endpoint_picking_policy {
                return lb_from_policy(child);
            }
            return Ok(ClusterLb::RoundRobin);
        }
    }
    Err("load_balancing_policy: no supported policy".into())
}

fn pct(v: &Option<courier_types::UInt32Value>, default: u32, what: &str) -> Result<u32, Invalid> {
    let n = v.as_ref().map_or(default, |v| v.value);
    // gRFC A50: percentages "must have values less than or equal to 100".
    if n > 100 {
        return Err(format!("outlier detection: {what} above 100"));
    }
    Ok(n)
}

fn outlier(o: &pb::OutlierDetection) -> Result<OutlierDetection, Invalid> {
    let d = |v: &Option<courier_types::Duration>, default: u64| -> Result<Duration, Invalid> {
        match v {
            Some(d) => nonneg_duration(d),
            None => Ok(Duration::from_secs(default)),
        }
    };
    let u = |v: &Option<courier_types::UInt32Value>, default: u32| {
        v.as_ref().map_or(default, |v| v.value)
    };
    let base = d(&o.base_ejection_time, 30)?;
    let max = d(&o.max_ejection_time, 300)?.max(base);
    // gRFC A50: "if the enforcing_success_rate field is set to 0, the config
    // success_rate_ejection field will be null"; "If the enforcing_failure_percent field is
    // set to 0 or null, the config failure_percent_ejection field will be null".
    let sr_enforce = pct(&o.enforcing_success_rate, 100, "enforcing_success_rate")?;
    let success_rate = (sr_enforce > 0).then(|| {
        (
            u(&o.success_rate_stdev_factor, 1900),
            sr_enforce,
            u(&o.success_rate_minimum_hosts, 5),
            u(&o.success_rate_request_volume, 100),
        )
    });
    let fp_enforce = pct(
        &o.enforcing_failure_percentage,
        0,
        "enforcing_failure_percentage",
    )?;
    let fp_threshold = pct(
        &o.failure_percentage_threshold,
        85,
        "failure_percentage_threshold",
    )?;
    let failure_percentage = (fp_enforce > 0).then(|| {
        (
            fp_threshold,
            fp_enforce,
            u(&o.failure_percentage_minimum_hosts, 5),
            u(&o.failure_percentage_request_volume, 50),
        )
    });
    Ok(OutlierDetection {
        interval: d(&o.interval, 10)?,
        base_ejection_time: base,
        max_ejection_time: max,
        max_ejection_percent: pct(&o.max_ejection_percent, 10, "max_ejection_percent")?,
        success_rate,
        failure_percentage,
    })
}

/// Parses a Cluster.
pub fn parse(c: &pb::Cluster) -> Result<Cluster, Invalid> {
    use pb::cluster::ClusterDiscoveryType as T;
    // gRFC A27: "The type field must be set to EDS."
    match &c.cluster_discovery_type {
        Some(T::Type(t)) if pb::cluster::DiscoveryType(*t) == pb::cluster::DiscoveryType::EDS => {}
        _ => return Err("only EDS clusters are supported".into()),
    }
    let eds = c
        .eds_cluster_config
        .as_ref()
        .ok_or("EDS cluster without eds_cluster_config")?;
    // gRFC A27: "the ConfigSource proto for the EDS server must indicate to use ADS" (or self).
    use core::config_source::ConfigSourceSpecifier as S;
    match eds
        .eds_config
        .as_ref()
        .and_then(|c| c.config_source_specifier.as_ref())
    {
        Some(S::Ads(_)) | Some(S::Self_(_)) => {}
        _ => return Err("eds_config must be ads or self".into()),
    }
    let eds_service_name = if eds.service_name.is_empty() {
        c.name.clone()
    } else {
        eds.service_name.clone()
    };
    let lb = if let Some(p) = &c.load_balancing_policy {
        lb_from_policy(p)?
    } else {
        match pb::cluster::LbPolicy(c.lb_policy) {
            pb::cluster::LbPolicy::ROUND_ROBIN => ClusterLb::RoundRobin,
            pb::cluster::LbPolicy::RING_HASH => {
                use pb::cluster::LbConfig as L;
                let cfg = match &c.lb_config {
                    Some(L::RingHashLbConfig(r)) => Some(r),
                    _ => None,
                };
                // gRFC A42: "The hash_function field will be required to be set to XX_HASH".
                if cfg.is_some_and(|r| r.hash_function != 0) {
                    return Err("ring hash: hash_function must be XX_HASH".into());
                }
                ring_sizes(
                    cfg.and_then(|r| r.minimum_ring_size.as_ref())
                        .map(|v| v.value),
                    cfg.and_then(|r| r.maximum_ring_size.as_ref())
                        .map(|v| v.value),
                )?
            }
            pb::cluster::LbPolicy::LEAST_REQUEST => {
                use pb::cluster::LbConfig as L;
                let n = match &c.lb_config {
                    Some(L::LeastRequestLbConfig(l)) => l.choice_count.as_ref().map(|v| v.value),
                    _ => None,
                };
                choice(n)?
            }
            other => return Err(format!("unsupported lb_policy {}", other.0)),
        }
    };
    let outlier_detection = match &c.outlier_detection {
        Some(o) => Some(outlier(o)?),
        None => None,
    };
    let max_requests = c
        .circuit_breakers
        .as_ref()
        .and_then(|cb| cb.thresholds.iter().find(|t| t.priority == 0))
        .and_then(|t| t.max_requests.as_ref())
        .map_or(1024, |v| v.value);
    Ok(Cluster {
        eds_service_name,
        lb,
        outlier_detection,
        max_requests,
    })
}
