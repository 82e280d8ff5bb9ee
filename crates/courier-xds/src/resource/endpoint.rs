//! `ClusterLoadAssignment` (EDS): priorities of weighted localities of endpoints, and drops,
//! validated as gRFC A27 says.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};

use super::matcher::Invalid;
use crate::pb::envoy::config::core::v3 as core;
use crate::pb::envoy::config::endpoint::v3 as pb;
use crate::pb::envoy::r#type::v3::fractional_percent::DenominatorType;

/// A validated ClusterLoadAssignment.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoints {
    /// Localities by priority (index 0 first).
    pub priorities: Vec<Vec<Locality>>,
    /// Drop categories and their rates per million calls.
    pub drops: Vec<(String, u32)>,
}

/// A locality and its endpoints.
#[derive(Clone, Debug, PartialEq)]
pub struct Locality {
    /// `region/zone/sub_zone`.
    pub name: String,
    /// Its weight.
    pub weight: u32,
    /// Its usable endpoints (HEALTHY or UNKNOWN) and their weights.
    pub endpoints: Vec<(SocketAddr, u32)>,
}

/// Parses a ClusterLoadAssignment.
pub fn parse(c: &pb::ClusterLoadAssignment) -> Result<Endpoints, Invalid> {
    let mut priorities: Vec<Vec<Locality>> = Vec::new();
    let mut addresses = HashSet::new();
    for l in &c.endpoints {
        // gRFC A27: "If the load_balancing_weight field is unset, the endpoints entry is
        // skipped".
        let Some(weight) = l.load_balancing_weight.as_ref().map(|w| w.value) else {
            continue;
        };
        if weight == 0 {
            continue;
        }
        let loc = l.locality.clone().unwrap_or_default();
        let name = format!("{}/{}/{}", loc.region, loc.zone, loc.sub_zone);
        let p = l.priority as usize;
        if p > 1000 {
            return Err(format!("priority {p} is too large"));
        }
        if priorities.len() <= p {
            priorities.resize_with(p + 1, Vec::new);
        }
        // gRFC A27: "The locality field must be unique within a given priority."
        if priorities[p].iter().any(|x| x.name == name) {
            return Err(format!("locality {name} twice in priority {p}"));
        }
        let mut endpoints = Vec::with_capacity(l.lb_endpoints.len());
        for e in &l.lb_endpoints {
            // gRFC A27: "If the health_status field has any value other than HEALTHY or
            // UNKNOWN, the entry will be ignored."
            let hs = core::HealthStatus(e.health_status);
            if hs != core::HealthStatus::HEALTHY && hs != core::HealthStatus::UNKNOWN {
                continue;
            }
            let ep = match &e.host_identifier {
                Some(pb::lb_endpoint::HostIdentifier::Endpoint(ep)) => ep,
                _ => return Err("lb_endpoint without endpoint".into()),
            };
            let sa = match ep.address.as_ref().and_then(|a| a.address.as_ref()) {
                Some(core::address::Address::SocketAddress(sa)) => sa,
                _ => return Err("endpoint without socket_address".into()),
            };
            let ip: IpAddr = sa
                .address
                .parse()
                .map_err(|_| format!("endpoint address {:?} is not an IP address", sa.address))?;
            let port = match &sa.port_specifier {
                Some(core::socket_address::PortSpecifier::PortValue(p)) if *p <= 65535 => *p as u16,
                _ => return Err("endpoint without a valid port_value".into()),
            };
            let addr = SocketAddr::new(ip, port);
            // gRFC A27: "The endpoint address must be unique within the cluster".
            if !addresses.insert(addr) {
                return Err(format!("endpoint {addr} listed twice"));
            }
            let w = e
                .load_balancing_weight
                .as_ref()
                .map_or(1, |w| w.value)
                .max(1);
            endpoints.push((addr, w));
        }
        priorities[p].push(Locality {
            name,
            weight,
            endpoints,
        });
    }
    // gRFC A27: "The priority list must not have any gaps in it".
    if let Some(gap) = priorities.iter().position(Vec::is_empty) {
        if gap < priorities.len() {
            return Err(format!("priority {gap} has no locality"));
        }
    }
    // gRFC A27: "If the sum of the locality weights within a priority exceeds the max value of
    // a uint32, the resource will be considered invalid."
    for (p, locs) in priorities.iter().enumerate() {
        let sum: u64 = locs.iter().map(|l| u64::from(l.weight)).sum();
        if sum > u64::from(u32::MAX) {
            return Err(format!("priority {p}: locality weights add up to {sum}"));
        }
    }
    let mut drops = Vec::new();
    if let Some(policy) = &c.policy {
        for d in &policy.drop_overloads {
            let f = d.drop_percentage.clone().unwrap_or_default();
            let scale: u64 = match DenominatorType(f.denominator) {
                DenominatorType::HUNDRED => 10_000,
                DenominatorType::TEN_THOUSAND => 100,
                _ => 1,
            };
            drops.push((
                d.category.clone(),
                (u64::from(f.numerator) * scale).min(1_000_000) as u32,
            ));
        }
    }
    Ok(Endpoints { priorities, drops })
}
