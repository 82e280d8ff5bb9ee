//! `Listener` (LDS): for clients an HTTP API listener (gRFC A27), for servers a listener with
//! filter chains (gRFC A36). Both carry an HttpConnectionManager: its routes (inline or by
//! RDS), its HTTP filters (router, RBAC) and its default `max_stream_duration` (gRFC A31).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use courier_types::Any;

use super::matcher::Invalid;
use super::nonneg_duration;
use super::rbac::{self, Rbac};
use super::route::{self, RouteConfig};
use crate::pb::envoy::config::core::v3 as core;
use crate::pb::envoy::config::listener::v3 as pb;
use crate::pb::envoy::extensions::filters::http::rbac::v3 as rbac_pb;
use crate::pb::envoy::extensions::filters::http::router::v3::Router;
use crate::pb::envoy::extensions::filters::network::http_connection_manager::v3 as hcm;

/// A validated Listener.
#[derive(Clone, Debug)]
pub struct Listener {
    /// Its HttpConnectionManager, for a client's API listener.
    pub api: Option<Arc<HttpConnectionManager>>,
    /// Its address and filter chains, for a server's listener.
    pub server: Option<Arc<ServerListener>>,
}

/// Where an HttpConnectionManager's routes come from.
#[derive(Clone, Debug)]
pub enum RouteSource {
    /// Inline.
    Inline(Arc<RouteConfig>),
    /// By RDS, under this name.
    Rds(String),
}

/// An HTTP filter gRPC runs.
#[derive(Clone, Debug)]
pub enum HttpFilter {
    /// `envoy.extensions.filters.http.router.v3.Router` (the last filter).
    Router,
    /// `envoy.extensions.filters.http.rbac.v3.RBAC` (servers).
    Rbac(Arc<Option<Rbac>>),
}

/// A validated HttpConnectionManager.
#[derive(Clone, Debug)]
pub struct HttpConnectionManager {
    /// The routes.
    pub routes: RouteSource,
    /// gRFC A31: `common_http_protocol_options.max_stream_duration` (the default of routes
    /// without one).
    pub max_stream_duration: Option<Duration>,
    /// The HTTP filters, the router last.
    pub filters: Vec<HttpFilter>,
}

const HCM: &str =
    "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const TYPED_STRUCT_V1: &str = "udpa.type.v1.TypedStruct";
const TYPED_STRUCT_V3: &str = "xds.type.v3.TypedStruct";

/// The type an extension's config holds: its `Any`'s, or a TypedStruct's `type_url`.
fn extension_type(any: &Any) -> String {
    let name = any.type_name();
    if name == TYPED_STRUCT_V1 || name == TYPED_STRUCT_V3 {
        if let Ok(ts) = courier_wire::Message::decode_bytes(any.value.clone())
            .map(|t: crate::pb::xds::r#type::v3::TypedStruct| t.type_url)
        {
            return ts.rsplit('/').next().unwrap_or("").to_owned();
        }
    }
    name.to_owned()
}

/// Parses an HttpConnectionManager.
pub fn parse_hcm(any: &Any, server: bool) -> Result<HttpConnectionManager, Invalid> {
    let h: hcm::HttpConnectionManager = any.unpack().map_err(|e| e.to_string())?;
    use hcm::http_connection_manager::RouteSpecifier as R;
    let routes = match &h.route_specifier {
        Some(R::RouteConfig(rc)) => RouteSource::Inline(Arc::new(route::parse(rc)?)),
        Some(R::Rds(rds)) => {
            // gRFC A27: "if using RDS, the ConfigSource proto for the RDS server must indicate
            // to use ADS" (or self).
            use core::config_source::ConfigSourceSpecifier as S;
            match rds
                .config_source
                .as_ref()
                .and_then(|c| c.config_source_specifier.as_ref())
            {
                Some(S::Ads(_)) | Some(S::Self_(_)) => {}
                _ => {
                    return Err(
                        "HttpConnectionManager.rds: config_source must be ads or self".into(),
                    );
                }
            }
            RouteSource::Rds(rds.route_config_name.clone())
        }
        _ => return Err("HttpConnectionManager: neither route_config nor rds".into()),
    };
    let max_stream_duration = match h
        .common_http_protocol_options
        .as_ref()
        .and_then(|o| o.max_stream_duration.as_ref())
    {
        Some(d) => Some(nonneg_duration(d)?),
        None => None,
    };
    let mut filters = Vec::with_capacity(h.http_filters.len());
    let mut names = std::collections::HashSet::new();
    for (i, f) in h.http_filters.iter().enumerate() {
        // gRFC A39: filter names must be unique.
        if !names.insert(f.name.as_str()) {
            return Err(format!("http_filters: duplicate name {:?}", f.name));
        }
        let any = match &f.config_type {
            Some(hcm::http_filter::ConfigType::TypedConfig(a)) => a,
            _ => return Err(format!("http filter {:?}: no typed_config", f.name)),
        };
        let ty = extension_type(any);
        let last = i + 1 == h.http_filters.len();
        if ty == <Router as courier_wire::Message>::NAME {
            // gRFC A39: the router is the last filter; filters after it are a NACK.
            if !last {
                return Err("http_filters: the router must be the last filter".into());
            }
            filters.push(HttpFilter::Router);
        } else if ty == <rbac_pb::RBAC as courier_wire::Message>::NAME && server {
            let cfg: rbac_pb::RBAC = any.unpack().map_err(|e| e.to_string())?;
            let r = match &cfg.rules {
                Some(rules) => Some(rbac::parse(rules)?),
                None => None,
            };
            filters.push(HttpFilter::Rbac(Arc::new(r)));
        } else if f.is_optional {
            // gRFC A39: an unsupported optional filter is ignored.
        } else {
            return Err(format!("http filter {:?}: unsupported type {ty}", f.name));
        }
    }
    // gRFC A39: "the router filter must be present": without it, the configuration is
    // NACKed.
    if !matches!(filters.last(), Some(HttpFilter::Router)) {
        return Err("http_filters: no router filter".into());
    }
    Ok(HttpConnectionManager {
        routes,
        max_stream_duration,
        filters,
    })
}

/// A CIDR range, normalized (gRFC A36: "Unused low bits of the address_prefix must be
/// ignored").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr {
    /// The network address (low bits cleared).
    pub addr: IpAddr,
    /// The prefix length, clamped to the family's width.
    pub len: u8,
}

impl Cidr {
    /// Parses and normalizes a CidrRange.
    pub fn parse(c: &core::CidrRange) -> Result<Cidr, Invalid> {
        let addr: IpAddr = c
            .address_prefix
            .parse()
            .map_err(|_| format!("invalid CIDR address {:?}", c.address_prefix))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        // gRFC A36: "The prefix_len should be adjusted to the valid range ... An absent
        // prefix_len should be considered equivalent to 0."
        let len = c.prefix_len.as_ref().map_or(0, |l| l.value).min(max) as u8;
        Ok(Cidr {
            addr: mask(addr, len),
            len,
        })
    }

    /// Whether `ip` is in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.len) == self.addr
    }
}

fn mask(ip: IpAddr, len: u8) -> IpAddr {
    match ip {
        IpAddr::V4(a) => {
            let m = if len == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(len))
            };
            IpAddr::V4((u32::from(a) & m).into())
        }
        IpAddr::V6(a) => {
            let m = if len == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(len))
            };
            IpAddr::V6((u128::from(a) & m).into())
        }
    }
}

/// `FilterChainMatch.source_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceType {
    /// Any source.
    Any,
    /// The connection's source is the destination's address, or loopback.
    SameIpOrLoopback,
    /// Anything else.
    External,
}

/// A filter chain's match, normalized.
#[derive(Clone, Debug, Default)]
pub struct ChainMatch {
    /// Destination prefixes (empty: any).
    pub prefix_ranges: Vec<Cidr>,
    /// Source type.
    pub source_type: Option<SourceType>,
    /// Source prefixes (empty: any).
    pub source_prefix_ranges: Vec<Cidr>,
    /// Source ports (empty: any).
    pub source_ports: Vec<u16>,
    /// Always fails to match (gRFC A36: destination_port, server_names,
    /// application_protocols, a transport_protocol other than raw_buffer).
    pub never: bool,
}

/// A filter chain: its match and its HttpConnectionManager.
#[derive(Clone, Debug)]
pub struct FilterChain {
    /// Its name (for logs).
    pub name: String,
    /// Its match.
    pub matcher: ChainMatch,
    /// Its HttpConnectionManager.
    pub hcm: Arc<HttpConnectionManager>,
}

/// A server's listener (gRFC A36).
#[derive(Clone, Debug)]
pub struct ServerListener {
    /// The address it is for.
    pub address: Option<(IpAddr, u16)>,
    /// Its filter chains.
    pub chains: Vec<FilterChain>,
    /// The chain for connections no other matches.
    pub default_chain: Option<FilterChain>,
}

fn parse_chain(fc: &pb::FilterChain) -> Result<FilterChain, Invalid> {
    let at = |e: Invalid| format!("filter chain {:?}: {e}", fc.name);
    // gRFC A36: "the FilterChain is only valid if filters contains exactly one entry for the
    // ...HttpConnectionManager filter ... as the last entry in the list", names unique.
    let mut names = std::collections::HashSet::new();
    let mut hcm_cfg = None;
    for (i, f) in fc.filters.iter().enumerate() {
        if !names.insert(f.name.as_str()) {
            return Err(at(format!("duplicate filter name {:?}", f.name)));
        }
        let any = match &f.config_type {
            Some(pb::filter::ConfigType::TypedConfig(a)) => a,
            _ => return Err(at(format!("filter {:?}: no typed_config", f.name))),
        };
        if extension_type(any) != HCM {
            return Err(at(format!(
                "unsupported network filter {}",
                extension_type(any)
            )));
        }
        if i + 1 != fc.filters.len() || hcm_cfg.is_some() {
            return Err(at(
                "the HttpConnectionManager must be the one, last filter".into()
            ));
        }
        hcm_cfg = Some(parse_hcm(any, true).map_err(at)?);
    }
    let hcm_cfg = hcm_cfg.ok_or_else(|| at("no HttpConnectionManager filter".into()))?;
    let mut m = ChainMatch::default();
    if let Some(fm) = &fc.filter_chain_match {
        for c in &fm.prefix_ranges {
            m.prefix_ranges.push(Cidr::parse(c).map_err(at)?);
        }
        for c in &fm.source_prefix_ranges {
            m.source_prefix_ranges.push(Cidr::parse(c).map_err(at)?);
        }
        m.source_ports = fm.source_ports.iter().map(|p| *p as u16).collect();
        m.source_type = match fm.source_type {
            1 => Some(SourceType::SameIpOrLoopback),
            2 => Some(SourceType::External),
            _ => None,
        };
        m.never = fm.destination_port.is_some()
            || !fm.server_names.is_empty()
            || !fm.application_protocols.is_empty()
            || !(fm.transport_protocol.is_empty() || fm.transport_protocol == "raw_buffer");
    }
    Ok(FilterChain {
        name: fc.name.clone(),
        matcher: m,
        hcm: Arc::new(hcm_cfg),
    })
}

/// One normalized matcher: destination prefix, source type, source prefix, source port.
type NormalizedMatch = (Option<Cidr>, Option<SourceType>, Option<Cidr>, Option<u16>);

/// The normalized matchers of a chain, as gRFC A36 describes for duplicate detection: the
/// Cartesian product of its present fields.
fn normalized(m: &ChainMatch) -> Vec<NormalizedMatch> {
    let opt = |v: &[Cidr]| -> Vec<Option<Cidr>> {
        if v.is_empty() {
            vec![None]
        } else {
            v.iter().copied().map(Some).collect()
        }
    };
    let ports: Vec<Option<u16>> = if m.source_ports.is_empty() {
        vec![None]
    } else {
        m.source_ports.iter().copied().map(Some).collect()
    };
    let mut out = Vec::new();
    for d in opt(&m.prefix_ranges) {
        for s in opt(&m.source_prefix_ranges) {
            for p in &ports {
                out.push((d, m.source_type, s, *p));
            }
        }
    }
    out
}

/// Parses a Listener.
pub fn parse(l: &pb::Listener) -> Result<Listener, Invalid> {
    if let Some(api) = &l.api_listener {
        let any = api
            .api_listener
            .as_ref()
            .ok_or("api_listener without a value")?;
        return Ok(Listener {
            api: Some(Arc::new(parse_hcm(any, false)?)),
            server: None,
        });
    }
    // gRFC A36: "The xDS client must NACK the Listener resource if Listener.listener_filters is
    // non-empty. It must also NACK the Listener resource if Listener.use_original_dst is
    // present and true."
    if !l.listener_filters.is_empty() {
        return Err("listener_filters is not empty".into());
    }
    if l.use_original_dst.as_ref().is_some_and(|b| b.value) {
        return Err("use_original_dst is true".into());
    }
    let address = match l.address.as_ref().and_then(|a| a.address.as_ref()) {
        Some(core::address::Address::SocketAddress(sa)) => {
            let ip: IpAddr = sa
                .address
                .parse()
                .map_err(|_| format!("listener address {:?} is not an IP", sa.address))?;
            let port = match &sa.port_specifier {
                Some(core::socket_address::PortSpecifier::PortValue(p)) => *p as u16,
                _ => return Err("listener address without port_value".into()),
            };
            Some((ip, port))
        }
        _ => None,
    };
    let mut chains = Vec::with_capacity(l.filter_chains.len());
    for fc in &l.filter_chains {
        chains.push(parse_chain(fc)?);
    }
    // gRFC A36: "If the most-specific matching logic might not produce a unique result, then
    // the Listener must be NACKed."
    let mut seen = std::collections::HashSet::new();
    for c in &chains {
        for n in normalized(&c.matcher) {
            if !seen.insert(n) {
                return Err(format!("filter chain {:?}: duplicate matcher", c.name));
            }
        }
    }
    let default_chain = match &l.default_filter_chain {
        Some(fc) => Some(parse_chain(fc)?),
        None => None,
    };
    Ok(Listener {
        api: None,
        server: Some(Arc::new(ServerListener {
            address,
            chains,
            default_chain,
        })),
    })
}

/// Envoy's most-specific filter chain selection for a connection from `src` to `dst`
/// (listener_components.proto, FilterChainMatch: destination IP, source type, source IP,
/// source port, each step keeping the most specific), then the default chain.
pub fn select_chain<'a>(
    l: &'a ServerListener,
    dst: std::net::SocketAddr,
    src: std::net::SocketAddr,
) -> Option<&'a FilterChain> {
    let live: Vec<&FilterChain> = l.chains.iter().filter(|c| !c.matcher.never).collect();
    // 1. Destination IP: the longest matching prefix; chains without prefixes match any.
    let best_len = |c: &FilterChain, ip: IpAddr, ranges: &[Cidr]| -> Option<i16> {
        let _ = c;
        if ranges.is_empty() {
            return Some(-1);
        }
        ranges
            .iter()
            .filter(|r| r.contains(ip))
            .map(|r| i16::from(r.len))
            .max()
    };
    let step = |cands: Vec<&'a FilterChain>, score: &dyn Fn(&FilterChain) -> Option<i16>| {
        let scored: Vec<(i16, &'a FilterChain)> = cands
            .into_iter()
            .filter_map(|c| score(c).map(|s| (s, c)))
            .collect();
        let top = scored.iter().map(|(s, _)| *s).max();
        scored
            .into_iter()
            .filter(|(s, _)| Some(*s) == top)
            .map(|(_, c)| c)
            .collect::<Vec<_>>()
    };
    let dst_ip = dst.ip();
    let src_ip = src.ip();
    let c = step(live, &|c| best_len(c, dst_ip, &c.matcher.prefix_ranges));
    // 2. Source type: a specific type that matches beats ANY.
    let local = src_ip.is_loopback() || src_ip == dst_ip;
    let c = step(c, &|ch| match ch.matcher.source_type {
        None | Some(SourceType::Any) => Some(0),
        Some(SourceType::SameIpOrLoopback) => local.then_some(1),
        Some(SourceType::External) => (!local).then_some(1),
    });
    // 3. Source IP.
    let c = step(c, &|ch| {
        best_len(ch, src_ip, &ch.matcher.source_prefix_ranges)
    });
    // 4. Source port: a listed port beats none.
    let c = step(c, &|ch| {
        if ch.matcher.source_ports.is_empty() {
            Some(0)
        } else {
            ch.matcher.source_ports.contains(&src.port()).then_some(1)
        }
    });
    c.into_iter().next().or(l.default_chain.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(a: &str, len: u32) -> core::CidrRange {
        core::CidrRange {
            address_prefix: a.into(),
            prefix_len: Some(len.into()),
            ..Default::default()
        }
    }

    #[test]
    fn cidrs_normalize() {
        let c = Cidr::parse(&cidr("192.168.1.77", 24)).unwrap();
        assert_eq!(c.addr, "192.168.1.0".parse::<IpAddr>().unwrap());
        assert!(c.contains("192.168.1.5".parse().unwrap()));
        assert!(!c.contains("192.168.2.5".parse().unwrap()));
        assert!(!c.contains("::1".parse().unwrap()));
        let all = Cidr::parse(&cidr("10.0.0.1", 99)).unwrap();
        assert_eq!(all.len, 32);
        let zero = Cidr::parse(&core::CidrRange {
            address_prefix: "10.1.2.3".into(),
            ..Default::default()
        })
        .unwrap();
        assert!(zero.contains("1.2.3.4".parse().unwrap()));
    }

    fn chain(name: &str, m: ChainMatch) -> FilterChain {
        FilterChain {
            name: name.into(),
            matcher: m,
            hcm: Arc::new(HttpConnectionManager {
                routes: RouteSource::Rds(String::new()),
                max_stream_duration: None,
                filters: vec![HttpFilter::Router],
            }),
        }
    }

    #[test]
    fn most_specific_chain_wins() {
        let c = |a: &str, l: u32| Cidr::parse(&cidr(a, l)).unwrap();
        let l = ServerListener {
            address: None,
            chains: vec![
                chain(
                    "wide",
                    ChainMatch {
                        prefix_ranges: vec![c("127.0.0.0", 8)],
                        ..Default::default()
                    },
                ),
                chain(
                    "narrow",
                    ChainMatch {
                        prefix_ranges: vec![c("127.0.0.1", 32)],
                        ..Default::default()
                    },
                ),
                chain(
                    "narrow-port",
                    ChainMatch {
                        prefix_ranges: vec![c("127.0.0.1", 32)],
                        source_ports: vec![4000],
                        ..Default::default()
                    },
                ),
                chain(
                    "never",
                    ChainMatch {
                        never: true,
                        ..Default::default()
                    },
                ),
            ],
            default_chain: Some(chain("default", ChainMatch::default())),
        };
        let pick = |dst: &str, src: &str| {
            select_chain(&l, dst.parse().unwrap(), src.parse().unwrap())
                .unwrap()
                .name
                .clone()
        };
        assert_eq!(pick("127.0.0.1:80", "127.0.0.1:4000"), "narrow-port");
        assert_eq!(pick("127.0.0.1:80", "127.0.0.1:4001"), "narrow");
        assert_eq!(pick("127.0.0.2:80", "127.0.0.1:4000"), "wide");
        assert_eq!(pick("10.0.0.1:80", "127.0.0.1:4000"), "default");
    }
}
