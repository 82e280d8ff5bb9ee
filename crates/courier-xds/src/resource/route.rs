//! `RouteConfiguration` (RDS, or inline in a Listener): virtual hosts and routes, validated
//! as gRFC A28, A31, A42 and A44 say.

use std::sync::Arc;
use std::time::Duration;

use courier_rpc::{Code, RetryPolicy};

use super::matcher::{HeaderMatcher, Invalid, PathMatcher, full_regex};
use super::{duration, nonneg_duration};
use crate::pb::envoy::config::route::v3 as pb;
use crate::pb::envoy::r#type::v3::fractional_percent::DenominatorType;

/// A validated RouteConfiguration.
#[derive(Clone, Debug)]
pub struct RouteConfig {
    /// Its virtual hosts, in order.
    pub virtual_hosts: Vec<VirtualHost>,
}

/// A virtual host: the domains it serves and its routes.
#[derive(Clone, Debug)]
pub struct VirtualHost {
    /// Its name (for logs).
    pub name: String,
    /// Domain patterns: exact, `*.suffix`, `prefix.*` or `*`.
    pub domains: Vec<String>,
    /// Its routes, first match wins.
    pub routes: Vec<Route>,
    /// gRFC A44: the retry policy of routes that set none.
    pub retry_policy: Option<RetryPolicy>,
}

/// One route.
#[derive(Clone, Debug)]
pub struct Route {
    /// What it matches.
    pub matcher: RouteMatcher,
    /// What it does.
    pub action: RouteAction,
}

/// A route's match.
#[derive(Clone, Debug)]
pub struct RouteMatcher {
    /// The path test.
    pub path: PathMatcher,
    /// Case-sensitive path matching (default true).
    pub case_sensitive: bool,
    /// Every header matcher must match.
    pub headers: Vec<HeaderMatcher>,
    /// gRFC A28 `runtime_fraction`: the route is considered for this many calls in a
    /// million (its `default_value`, scaled).
    pub fraction_per_million: Option<u32>,
}

impl RouteMatcher {
    /// Whether a call of `path` with `metadata` matches (the runtime fraction included: a
    /// random draw).
    pub fn matches(&self, path: &str, metadata: &courier_rpc::Metadata) -> bool {
        self.path.matches(path, self.case_sensitive)
            && self.headers.iter().all(|h| h.matches(metadata))
            && self
                .fraction_per_million
                .is_none_or(|f| crate::lb::random_below(1_000_000) < u64::from(f))
    }
}

/// A hash policy (gRFC A42).
#[derive(Clone, Debug)]
pub enum HashPolicy {
    /// Hash a header's value (after an optional regex substitution).
    Header {
        /// The header.
        name: String,
        /// `regex_rewrite`.
        rewrite: Option<(regex::Regex, String)>,
        /// Stop at this policy if it gave a hash.
        terminal: bool,
    },
    /// `filter_state` with key `io.grpc.channel_id`: the same hash for every call of a
    /// channel.
    ChannelId {
        /// Stop at this policy if it gave a hash.
        terminal: bool,
    },
}

/// What a route does.
#[derive(Clone, Debug)]
pub enum RouteAction {
    /// Send the call to one of these clusters.
    Route(Arc<ForwardAction>),
    /// Server side (gRFC A36): let the call through to the server's handler.
    NonForwarding,
    /// An action gRPC does not support: matching calls fail with UNAVAILABLE.
    Unsupported,
}

/// A forwarding route action.
#[derive(Clone, Debug)]
pub struct ForwardAction {
    /// Clusters and their weights (one entry of weight 1 for `cluster`).
    pub clusters: Vec<(String, u32)>,
    /// gRFC A42 hash policies.
    pub hash_policies: Vec<HashPolicy>,
    /// gRFC A31: `max_stream_duration.grpc_timeout_header_max`, else `.max_stream_duration`
    /// (else the listener's default; zero means none).
    pub max_stream_duration: Option<Duration>,
    /// gRFC A44: the route's retry policy (`None`: the virtual host's).
    pub retry_policy: Option<RetryPolicy>,
}

/// Parses and validates a RouteConfiguration.
pub fn parse(rc: &pb::RouteConfiguration) -> Result<RouteConfig, Invalid> {
    let mut virtual_hosts = Vec::with_capacity(rc.virtual_hosts.len());
    for vh in &rc.virtual_hosts {
        let at = |e: Invalid| format!("virtual host {:?}: {e}", vh.name);
        let retry_policy = match &vh.retry_policy {
            Some(p) => retry(p).map_err(at)?,
            None => None,
        };
        let mut routes = Vec::with_capacity(vh.routes.len());
        for (i, r) in vh.routes.iter().enumerate() {
            if let Some(route) = parse_route(r).map_err(|e| at(format!("route {i}: {e}")))? {
                routes.push(route);
            }
        }
        virtual_hosts.push(VirtualHost {
            name: vh.name.clone(),
            domains: vh.domains.clone(),
            routes,
            retry_policy,
        });
    }
    Ok(RouteConfig { virtual_hosts })
}

/// One route; `None` for a route gRPC ignores (query parameter matchers).
fn parse_route(r: &pb::Route) -> Result<Option<Route>, Invalid> {
    use pb::route_match::PathSpecifier as P;
    let m = r.r#match.as_ref().ok_or("no match")?;
    // gRFC A28: query_parameters: "the entire route containing this will be ignored".
    if !m.query_parameters.is_empty() {
        return Ok(None);
    }
    let path = match &m.path_specifier {
        Some(P::Prefix(p)) => PathMatcher::Prefix(p.clone()),
        Some(P::Path(p)) => PathMatcher::Path(p.clone()),
        Some(P::SafeRegex(re)) => PathMatcher::Regex(full_regex(re)?),
        // gRFC A28: "Not having path_specifier will cause a NACK"; other specifiers are not
        // supported.
        Some(_) => return Err("unsupported path specifier".into()),
        None => return Err("no path specifier".into()),
    };
    let mut headers = Vec::with_capacity(m.headers.len());
    for h in &m.headers {
        headers.push(HeaderMatcher::parse(h)?);
    }
    // gRFC A28: runtime_fraction: "only default_value will be used"; the denominator is
    // scaled to a million.
    let fraction_per_million = m
        .runtime_fraction
        .as_ref()
        .and_then(|f| f.default_value.as_ref())
        .map(|f| {
            let scale: u64 = match DenominatorType(f.denominator) {
                DenominatorType::HUNDRED => 10_000,
                DenominatorType::TEN_THOUSAND => 100,
                _ => 1,
            };
            (u64::from(f.numerator) * scale).min(1_000_000) as u32
        });
    let matcher = RouteMatcher {
        path,
        case_sensitive: m.case_sensitive.as_ref().is_none_or(|b| b.value),
        headers,
        fraction_per_million,
    };
    let action = match &r.action {
        Some(pb::route::Action::Route(a)) => match forward(a)? {
            Some(f) => RouteAction::Route(Arc::new(f)),
            None => RouteAction::Unsupported,
        },
        // gRFC A36: "The validation must be updated to allow Route.non_forwarding_action as a
        // valid action."
        Some(pb::route::Action::NonForwardingAction(_)) => RouteAction::NonForwarding,
        _ => RouteAction::Unsupported,
    };
    Ok(Some(Route { matcher, action }))
}

/// A RouteAction; `None` for an unsupported cluster specifier (A28: "The route containing
/// this action will be ignored" — calls matching it fail).
fn forward(a: &pb::RouteAction) -> Result<Option<ForwardAction>, Invalid> {
    use pb::route_action::ClusterSpecifier as C;
    let clusters = match &a.cluster_specifier {
        Some(C::Cluster(c)) => {
            if c.is_empty() {
                return Err("empty cluster name".into());
            }
            vec![(c.clone(), 1)]
        }
        Some(C::WeightedClusters(w)) => {
            let mut v = Vec::with_capacity(w.clusters.len());
            let mut sum: u64 = 0;
            for c in &w.clusters {
                let weight = c.weight.as_ref().map_or(0, |w| w.value);
                sum += u64::from(weight);
                if weight > 0 {
                    v.push((c.name.clone(), weight));
                }
            }
            // gRFC A28: "The sum of weights must add up to the total_weight" (where set);
            // the total must be above zero and fit in a uint32.
            if let Some(total) = &w.total_weight {
                if u64::from(total.value) != sum {
                    return Err(format!(
                        "weighted clusters: weights add up to {sum}, total_weight is {}",
                        total.value
                    ));
                }
            }
            if sum == 0 || sum > u64::from(u32::MAX) {
                return Err(format!("weighted clusters: total weight {sum}"));
            }
            v
        }
        _ => return Ok(None),
    };
    let mut hash_policies = Vec::new();
    for h in &a.hash_policy {
        use pb::route_action::hash_policy::PolicySpecifier as H;
        match &h.policy_specifier {
            Some(H::Header(hd)) => {
                let rewrite = match &hd.regex_rewrite {
                    Some(rw) => {
                        let pat = rw
                            .pattern
                            .as_ref()
                            .ok_or("hash policy regex_rewrite without pattern")?;
                        let re = regex::Regex::new(&pat.regex)
                            .map_err(|e| format!("hash policy regex {:?}: {e}", pat.regex))?;
                        Some((re, rw.substitution.clone()))
                    }
                    None => None,
                };
                hash_policies.push(HashPolicy::Header {
                    name: hd.header_name.to_ascii_lowercase(),
                    rewrite,
                    terminal: h.terminal,
                });
            }
            Some(H::FilterState(f)) if f.key == "io.grpc.channel_id" => {
                hash_policies.push(HashPolicy::ChannelId {
                    terminal: h.terminal,
                });
            }
            // gRFC A42: other hash policy types give no hash.
            _ => {}
        }
    }
    let max_stream_duration = match &a.max_stream_duration {
        Some(m) => match (&m.grpc_timeout_header_max, &m.max_stream_duration) {
            (Some(d), _) | (None, Some(d)) => Some(nonneg_duration(d)?),
            (None, None) => None,
        },
        None => None,
    };
    let retry_policy = match &a.retry_policy {
        Some(p) => retry(p)?,
        None => None,
    };
    Ok(Some(ForwardAction {
        clusters,
        hash_policies,
        max_stream_duration,
        retry_policy,
    }))
}

/// gRFC A44: an Envoy RetryPolicy as a gRPC one (`None` when no supported condition is
/// listed).
fn retry(p: &pb::RetryPolicy) -> Result<Option<RetryPolicy>, Invalid> {
    let mut codes = Vec::new();
    for cond in p.retry_on.split(',').map(str::trim) {
        // gRFC A44: only the x-envoy-retry-grpc-on conditions are converted.
        let code = match cond {
            "cancelled" => Code::CANCELLED,
            "deadline-exceeded" => Code::DEADLINE_EXCEEDED,
            "internal" => Code::INTERNAL,
            "resource-exhausted" => Code::RESOURCE_EXHAUSTED,
            "unavailable" => Code::UNAVAILABLE,
            _ => continue,
        };
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    // gRFC A44: "The num_retries attribute defaults to 1 ... must not be less than 1."
    let num_retries = p.num_retries.as_ref().map_or(1, |n| n.value);
    if num_retries < 1 {
        return Err("retry policy: num_retries must be at least 1".into());
    }
    // gRFC A44: "retry_back_off is optional and defaults to base_interval=25ms and
    // max_interval=250ms. In retry_back_off, base_interval is required. The max_interval is
    // optional and defaults to 10 times base_interval. The value of base_interval and
    // max_interval must be greater than zero. Values ... less than 1ms will be treated as
    // 1ms. The value of max_interval must be no less than the value of base_interval."
    let (base, max) = match &p.retry_back_off {
        None => (Duration::from_millis(25), Duration::from_millis(250)),
        Some(b) => {
            let base = duration(
                b.base_interval
                    .as_ref()
                    .ok_or("retry_back_off without base_interval")?,
            )?;
            let max = match &b.max_interval {
                Some(m) => duration(m)?,
                None => base.saturating_mul(10),
            };
            if base.is_zero() || max.is_zero() {
                return Err("retry_back_off: intervals must be greater than zero".into());
            }
            if max < base {
                return Err("retry_back_off: max_interval below base_interval".into());
            }
            let ms = Duration::from_millis(1);
            (base.max(ms), max.max(ms))
        }
    };
    if codes.is_empty() {
        // gRFC A44: "If the resulting retryableStatusCodes is empty, gRPC xDS client will not
        // include a retry policy".
        return Ok(None);
    }
    let attempts = num_retries.saturating_add(1);
    RetryPolicy::new(attempts, base, max, 2.0, codes)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// gRFC A27/A28: the virtual host whose domains most specifically match `host`: an exact
/// match, else the longest `*.suffix`, else the longest `prefix.*`, else `*`.
pub fn find_virtual_host<'a>(hosts: &'a [VirtualHost], host: &str) -> Option<&'a VirtualHost> {
    let host = host.to_ascii_lowercase();
    let mut best: Option<(u8, usize, &VirtualHost)> = None;
    for vh in hosts {
        for d in &vh.domains {
            let d = d.to_ascii_lowercase();
            let score = if d == host {
                Some((4, d.len()))
            } else if d == "*" {
                Some((1, 0))
            } else if let Some(suffix) = d.strip_prefix('*') {
                (host.len() > suffix.len() && host.ends_with(suffix)).then_some((3, d.len()))
            } else if let Some(prefix) = d.strip_suffix('*') {
                (host.len() > prefix.len() && host.starts_with(prefix)).then_some((2, d.len()))
            } else {
                None
            };
            if let Some((kind, len)) = score {
                if best.is_none_or(|(k, l, _)| (kind, len) > (k, l)) {
                    best = Some((kind, len, vh));
                }
            }
        }
    }
    best.map(|(_, _, vh)| vh)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vh(name: &str, domains: &[&str]) -> VirtualHost {
        VirtualHost {
            name: name.into(),
            domains: domains.iter().map(|d| d.to_string()).collect(),
            routes: Vec::new(),
            retry_policy: None,
        }
    }

    #[test]
    fn most_specific_domain_wins() {
        let hosts = vec![
            vh("any", &["*"]),
            vh("prefix", &["foo.*"]),
            vh("suffix", &["*.bar.com"]),
            vh("exact", &["foo.bar.com"]),
        ];
        let name = |h| find_virtual_host(&hosts, h).map(|v| v.name.as_str());
        assert_eq!(name("foo.bar.com"), Some("exact"));
        assert_eq!(name("x.bar.com"), Some("suffix"));
        assert_eq!(name("foo.baz"), Some("prefix"));
        assert_eq!(name("other"), Some("any"));
        assert!(find_virtual_host(&hosts[1..], "other").is_none());
    }

    #[test]
    fn retry_policies_convert() {
        let p = pb::RetryPolicy {
            retry_on: "5xx, unavailable,cancelled,unavailable".into(),
            num_retries: Some(7.into()),
            ..Default::default()
        };
        let r = retry(&p).unwrap().unwrap();
        assert_eq!(r.max_attempts(), 5, "num_retries 7 + 1, capped at 5");
        assert_eq!(r.retryable_codes(), &[Code::UNAVAILABLE, Code::CANCELLED]);
        assert_eq!(r.initial_backoff(), Duration::from_millis(25));
        assert_eq!(r.max_backoff(), Duration::from_millis(250));
        let none = pb::RetryPolicy {
            retry_on: "5xx,gateway-error".into(),
            ..Default::default()
        };
        assert!(retry(&none).unwrap().is_none());
        let zero = pb::RetryPolicy {
            retry_on: "unavailable".into(),
            num_retries: Some(0.into()),
            ..Default::default()
        };
        assert!(retry(&zero).is_err());
    }
}
