//! Service config (service_config.md, gRFC A6): the load-balancing policy, per-method
//! settings (timeout, wait-for-ready, message size limits) and the retry or hedging policy,
//! parsed from JSON.
//!
//! ```
//! let config = courier_rpc::ServiceConfig::from_json(r#"{
//!   "loadBalancingConfig": [{"round_robin": {}}],
//!   "methodConfig": [{
//!     "name": [{"service": "helloworld.Greeter"}],
//!     "timeout": "1.5s",
//!     "retryPolicy": {
//!       "maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s",
//!       "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]
//!     }
//!   }],
//!   "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1}
//! }"#).unwrap();
//! assert_eq!(config.load_balancing(), Some(courier_rpc::LbPolicy::RoundRobin));
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::lb::{LbConfig, parse_lb_config_list};
use crate::call::MethodDescriptor;
use crate::code::Code;

/// A load-balancing policy: how each call picks a subchannel (load-balancing.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum LbPolicy {
    /// Connect to the addresses in order and send every call to the first that works; fail
    /// over to the next when it is lost (gRFC A62). The default.
    #[default]
    PickFirst,
    /// One connection to every address; calls rotate over the ready ones.
    RoundRobin,
}

impl LbPolicy {
    /// The policy's service-config name.
    pub fn name(self) -> &'static str {
        match self {
            LbPolicy::PickFirst => "pick_first",
            LbPolicy::RoundRobin => "round_robin",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<LbPolicy> {
        match name {
            "pick_first" => Some(LbPolicy::PickFirst),
            "round_robin" => Some(LbPolicy::RoundRobin),
            _ => None,
        }
    }
}

/// Why a service config was rejected.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServiceConfigError {
    message: String,
}

impl ServiceConfigError {
    #[cold]
    fn new(message: impl Into<String>) -> ServiceConfigError {
        ServiceConfigError {
            message: message.into(),
        }
    }

    /// What is wrong, naming the field.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ServiceConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid service config: {}", self.message)
    }
}

impl std::error::Error for ServiceConfigError {}

type Result<T> = std::result::Result<T, ServiceConfigError>;

/// A parsed service config. Build with [`from_json`](Self::from_json); give it to a channel
/// with [`ChannelBuilder::service_config`](super::ChannelBuilder::service_config).
#[derive(Clone, Debug, Default)]
pub struct ServiceConfig {
    lb: Option<LbConfig>,
    by_method: HashMap<String, Arc<MethodConfig>>,
    by_service: HashMap<String, Arc<MethodConfig>>,
    default: Option<Arc<MethodConfig>>,
    throttling: Option<RetryThrottling>,
    health_check_service: Option<String>,
}

/// Settings of the calls of one method: a `methodConfig` entry, or what a
/// [`ConfigSelector`](crate::lb::ConfigSelector) chose for a call.
///
/// ```
/// use std::time::Duration;
/// use courier_rpc::{Code, MethodConfig, RetryPolicy};
/// let retry = RetryPolicy::new(3, Duration::from_millis(100), Duration::from_secs(1), 2.0,
///     vec![Code::UNAVAILABLE]).unwrap();
/// let mc = MethodConfig::new().with_timeout(Duration::from_secs(2)).with_retry_policy(retry);
/// assert_eq!(mc.timeout(), Some(Duration::from_secs(2)));
/// assert_eq!(mc.retry_policy().unwrap().max_attempts(), 3);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MethodConfig {
    pub(crate) timeout: Option<Duration>,
    pub(crate) wait_for_ready: Option<bool>,
    pub(crate) max_request_message_bytes: Option<usize>,
    pub(crate) max_response_message_bytes: Option<usize>,
    pub(crate) policy: Option<AttemptPolicy>,
}

impl MethodConfig {
    /// No settings.
    pub fn new() -> MethodConfig {
        MethodConfig::default()
    }

    /// This config with a timeout (the call's deadline is the earlier of it and the
    /// application's).
    pub fn with_timeout(mut self, timeout: Duration) -> MethodConfig {
        self.timeout = Some(timeout);
        self
    }

    /// This config with a default wait-for-ready.
    pub fn with_wait_for_ready(mut self, wait: bool) -> MethodConfig {
        self.wait_for_ready = Some(wait);
        self
    }

    /// This config with a request message size limit.
    pub fn with_max_request_message_bytes(mut self, bytes: usize) -> MethodConfig {
        self.max_request_message_bytes = Some(bytes);
        self
    }

    /// This config with a response message size limit.
    pub fn with_max_response_message_bytes(mut self, bytes: usize) -> MethodConfig {
        self.max_response_message_bytes = Some(bytes);
        self
    }

    /// This config with a retry policy (replacing a hedging policy).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> MethodConfig {
        self.policy = Some(AttemptPolicy::Retry(policy));
        self
    }

    /// This config with a hedging policy (replacing a retry policy).
    pub fn with_hedging_policy(mut self, policy: HedgingPolicy) -> MethodConfig {
        self.policy = Some(AttemptPolicy::Hedging(policy));
        self
    }

    /// The timeout.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The default wait-for-ready.
    pub fn wait_for_ready(&self) -> Option<bool> {
        self.wait_for_ready
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> Option<&RetryPolicy> {
        match &self.policy {
            Some(AttemptPolicy::Retry(p)) => Some(p),
            _ => None,
        }
    }

    /// The hedging policy.
    pub fn hedging_policy(&self) -> Option<&HedgingPolicy> {
        match &self.policy {
            Some(AttemptPolicy::Hedging(p)) => Some(p),
            _ => None,
        }
    }
}

/// A method's retry or hedging policy (only one may be set).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum AttemptPolicy {
    Retry(RetryPolicy),
    Hedging(HedgingPolicy),
}

/// gRFC A6 `retryPolicy`: which status codes are retried, how often, with what backoff.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) backoff_multiplier: f64,
    pub(crate) retryable_codes: Vec<Code>,
}

/// gRFC A6 `hedgingPolicy`: how many attempts, how far apart, which codes are not fatal.
#[derive(Clone, Debug, PartialEq)]
pub struct HedgingPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) hedging_delay: Duration,
    pub(crate) non_fatal_codes: Vec<Code>,
}

impl RetryPolicy {
    /// A retry policy, checked as A6 checks a `retryPolicy`: `max_attempts` above 1 (above
    /// 5 counts as 5), both backoffs above zero, a positive finite multiplier, and at least
    /// one retryable code, none of them OK.
    pub fn new(
        max_attempts: u32,
        initial_backoff: Duration,
        max_backoff: Duration,
        backoff_multiplier: f64,
        retryable_codes: Vec<Code>,
    ) -> std::result::Result<RetryPolicy, ServiceConfigError> {
        if max_attempts < 2 {
            return Err(ServiceConfigError::new(
                "retryPolicy.maxAttempts: must be greater than 1",
            ));
        }
        if initial_backoff.is_zero() || max_backoff.is_zero() {
            return Err(ServiceConfigError::new(
                "retryPolicy: backoffs must be greater than 0",
            ));
        }
        if !(backoff_multiplier > 0.0 && backoff_multiplier.is_finite()) {
            return Err(ServiceConfigError::new(
                "retryPolicy.backoffMultiplier: must be a number > 0",
            ));
        }
        if retryable_codes.is_empty() || retryable_codes.contains(&Code::OK) {
            return Err(ServiceConfigError::new(
                "retryPolicy.retryableStatusCodes: must be non-empty, without OK",
            ));
        }
        Ok(RetryPolicy {
            max_attempts: max_attempts.min(5),
            initial_backoff,
            max_backoff,
            backoff_multiplier,
            retryable_codes,
        })
    }

    /// Attempts at most (the first included).
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The first retry's backoff.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The largest backoff.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The backoff's growth per retry.
    pub fn backoff_multiplier(&self) -> f64 {
        self.backoff_multiplier
    }

    /// The codes that are retried.
    pub fn retryable_codes(&self) -> &[Code] {
        &self.retryable_codes
    }
}

impl HedgingPolicy {
    /// A hedging policy: `max_attempts` above 1 (above 5 counts as 5), a new attempt every
    /// `hedging_delay`, and the codes after which the next attempt starts at once.
    pub fn new(
        max_attempts: u32,
        hedging_delay: Duration,
        non_fatal_codes: Vec<Code>,
    ) -> std::result::Result<HedgingPolicy, ServiceConfigError> {
        if max_attempts < 2 {
            return Err(ServiceConfigError::new(
                "hedgingPolicy.maxAttempts: must be greater than 1",
            ));
        }
        Ok(HedgingPolicy {
            max_attempts: max_attempts.min(5),
            hedging_delay,
            non_fatal_codes,
        })
    }
}

/// gRFC A6 `retryThrottling`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RetryThrottling {
    pub(crate) max_tokens: u32,
    /// Thousandths (A6: "Decimal places beyond 3 are ignored").
    pub(crate) token_ratio_milli: u32,
}

impl ServiceConfig {
    /// Parses a service config in its JSON form (service_config.md).
    pub fn from_json(json: &str) -> std::result::Result<ServiceConfig, ServiceConfigError> {
        let v: Value = serde_json::from_str(json)
            .map_err(|e| ServiceConfigError::new(format!("not JSON: {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| ServiceConfigError::new("the config must be a JSON object"))?;
        let mut sc = ServiceConfig {
            lb: parse_lb(obj)?,
            ..ServiceConfig::default()
        };
        if let Some(t) = obj.get("retryThrottling") {
            sc.throttling = Some(parse_throttling(t)?);
        }
        if let Some(h) = obj.get("healthCheckConfig") {
            let name = h
                .get("serviceName")
                .map(|n| {
                    n.as_str().map(str::to_owned).ok_or_else(|| {
                        ServiceConfigError::new("healthCheckConfig.serviceName: not a string")
                    })
                })
                .transpose()?;
            sc.health_check_service = Some(name.unwrap_or_default());
        }
        if let Some(mcs) = obj.get("methodConfig") {
            let mcs = mcs
                .as_array()
                .ok_or_else(|| ServiceConfigError::new("methodConfig: not an array"))?;
            for (i, mc) in mcs.iter().enumerate() {
                let at = |e: ServiceConfigError| {
                    ServiceConfigError::new(format!("methodConfig[{i}].{}", e.message))
                };
                let mc = mc.as_object().ok_or_else(|| {
                    ServiceConfigError::new(format!("methodConfig[{i}]: not an object"))
                })?;
                let config = Arc::new(parse_method_config(mc).map_err(at)?);
                let names = match mc.get("name") {
                    Some(Value::Array(a)) => a.clone(),
                    None => Vec::new(),
                    Some(_) => {
                        return Err(ServiceConfigError::new(format!(
                            "methodConfig[{i}].name: not an array"
                        )));
                    }
                };
                for name in names {
                    sc.add_name(&name, &config).map_err(at)?;
                }
            }
        }
        Ok(sc)
    }

    fn add_name(&mut self, name: &Value, config: &Arc<MethodConfig>) -> Result<()> {
        let field = |key| -> Result<&str> {
            match name.get(key) {
                None => Ok(""),
                Some(Value::String(s)) => Ok(s),
                Some(_) => Err(ServiceConfigError::new(format!("name.{key}: not a string"))),
            }
        };
        let (service, method) = (field("service")?, field("method")?);
        // service_config.md (MethodConfig.Name): "If the 'service' field is empty, the
        // 'method' field must be empty, and this MethodConfig specifies the default for all
        // methods". Duplicates are rejected.
        let dup = |what: String| Err(ServiceConfigError::new(format!("name: duplicate {what}")));
        match (service.is_empty(), method.is_empty()) {
            (true, false) => Err(ServiceConfigError::new("name: method set without service")),
            (true, true) => {
                if self.default.replace(Arc::clone(config)).is_some() {
                    return dup("default".to_owned());
                }
                Ok(())
            }
            (false, true) => {
                if self
                    .by_service
                    .insert(service.to_owned(), Arc::clone(config))
                    .is_some()
                {
                    return dup(format!("service {service}"));
                }
                Ok(())
            }
            (false, false) => {
                let path = format!("/{service}/{method}");
                if self
                    .by_method
                    .insert(path.clone(), Arc::clone(config))
                    .is_some()
                {
                    return dup(format!("method {path}"));
                }
                Ok(())
            }
        }
    }

    /// A config without method configs that chooses the load-balancing policy `config`
    /// (a resolver building its config in code, as the xDS resolver does).
    pub fn with_load_balancing(config: LbConfig) -> ServiceConfig {
        ServiceConfig {
            lb: Some(config),
            ..ServiceConfig::default()
        }
    }

    /// The load-balancing policy the config chooses, if it is one of [`LbPolicy`]'s.
    pub fn load_balancing(&self) -> Option<LbPolicy> {
        self.lb.as_ref().and_then(|c| LbPolicy::from_name(c.name()))
    }

    /// The load-balancing policy the config chooses, with its parsed config: any policy in
    /// the [registry](crate::lb::register).
    pub fn lb_config(&self) -> Option<&LbConfig> {
        self.lb.as_ref()
    }

    /// The health-checked service name (`healthCheckConfig.serviceName`, gRFC A17), if
    /// client-side health checking is on.
    pub fn health_check_service(&self) -> Option<&str> {
        self.health_check_service.as_deref()
    }

    /// The config of `method`: exact method, else its service, else the default.
    pub(crate) fn method(&self, method: &MethodDescriptor) -> Option<&Arc<MethodConfig>> {
        let exact = (!self.by_method.is_empty())
            .then(|| self.by_method.get(method.path))
            .flatten();
        exact
            .or_else(|| {
                (!self.by_service.is_empty())
                    .then(|| self.by_service.get(method.service))
                    .flatten()
            })
            .or(self.default.as_ref())
    }

    pub(crate) fn throttling(&self) -> Option<RetryThrottling> {
        self.throttling
    }

    /// Whether any method has a config (the per-call lookup can be skipped otherwise).
    pub(crate) fn has_methods(&self) -> bool {
        self.default.is_some() || !self.by_method.is_empty() || !self.by_service.is_empty()
    }
}

fn parse_lb(obj: &Map<String, Value>) -> Result<Option<LbConfig>> {
    // service_config.md: "loadBalancingConfig ... a list of LB policy configs, in order of
    // preference. The client will iterate through the list in order and use the first LB
    // policy that it supports."
    if let Some(list) = obj.get("loadBalancingConfig") {
        return parse_lb_config_list(list)
            .map(Some)
            .map_err(ServiceConfigError::new);
    }
    match obj.get("loadBalancingPolicy") {
        None => Ok(None),
        Some(Value::String(s)) => LbPolicy::from_name(&s.to_ascii_lowercase())
            .map(|p| Some(LbConfig::new(p.name(), ())))
            .ok_or_else(|| ServiceConfigError::new(format!("loadBalancingPolicy: unknown {s:?}"))),
        Some(_) => Err(ServiceConfigError::new("loadBalancingPolicy: not a string")),
    }
}

fn parse_method_config(mc: &Map<String, Value>) -> Result<MethodConfig> {
    let mut c = MethodConfig::default();
    if let Some(t) = mc.get("timeout") {
        c.timeout = Some(duration(t, "timeout")?);
    }
    if let Some(w) = mc.get("waitForReady") {
        c.wait_for_ready = Some(
            w.as_bool()
                .ok_or_else(|| ServiceConfigError::new("waitForReady: not a boolean"))?,
        );
    }
    if let Some(n) = mc.get("maxRequestMessageBytes") {
        c.max_request_message_bytes = Some(size(n, "maxRequestMessageBytes")?);
    }
    if let Some(n) = mc.get("maxResponseMessageBytes") {
        c.max_response_message_bytes = Some(size(n, "maxResponseMessageBytes")?);
    }
    match (mc.get("retryPolicy"), mc.get("hedgingPolicy")) {
        (Some(_), Some(_)) => {
            // A6: "retryPolicy and hedgingPolicy are mutually exclusive"... a config with both
            // is invalid.
            return Err(ServiceConfigError::new(
                "retryPolicy and hedgingPolicy are both set",
            ));
        }
        (Some(r), None) => c.policy = Some(AttemptPolicy::Retry(parse_retry(r)?)),
        (None, Some(h)) => c.policy = Some(AttemptPolicy::Hedging(parse_hedging(h)?)),
        (None, None) => {}
    }
    Ok(c)
}

/// A6: "maxAttempts MUST be specified and MUST be a JSON integer value greater than 1. Values
/// greater than 5 are treated as 5 without being considered a validation error."
fn max_attempts(v: Option<&Value>, at: &str) -> Result<u32> {
    let n = v.and_then(Value::as_u64).ok_or_else(|| {
        ServiceConfigError::new(format!("{at}.maxAttempts: missing or not an integer"))
    })?;
    if n < 2 {
        return Err(ServiceConfigError::new(format!(
            "{at}.maxAttempts: must be greater than 1"
        )));
    }
    Ok(n.min(5) as u32)
}

fn parse_retry(v: &Value) -> Result<RetryPolicy> {
    let o = v
        .as_object()
        .ok_or_else(|| ServiceConfigError::new("retryPolicy: not an object"))?;
    let max_attempts = max_attempts(o.get("maxAttempts"), "retryPolicy")?;
    let positive = |key: &str| -> Result<Duration> {
        // A6: "initialBackoff and maxBackoff MUST be specified, MUST follow the JSON
        // representaion of proto3 Duration type, and MUST have a duration value greater than 0."
        let d = duration(
            o.get(key)
                .ok_or_else(|| ServiceConfigError::new(format!("retryPolicy.{key}: missing")))?,
            &format!("retryPolicy.{key}"),
        )?;
        if d.is_zero() {
            return Err(ServiceConfigError::new(format!(
                "retryPolicy.{key}: must be greater than 0"
            )));
        }
        Ok(d)
    };
    let initial_backoff = positive("initialBackoff")?;
    let max_backoff = positive("maxBackoff")?;
    // A6: "backoffMultiplier MUST be specified and MUST be a JSON number greater than 0."
    let backoff_multiplier = o
        .get("backoffMultiplier")
        .and_then(Value::as_f64)
        .filter(|m| *m > 0.0 && m.is_finite())
        .ok_or_else(|| {
            ServiceConfigError::new("retryPolicy.backoffMultiplier: missing or not a number > 0")
        })?;
    // A6: "retryableStatusCodes MUST be specified as a JSON array of status codes and MUST
    // be non-empty."
    let retryable_codes = codes(
        o.get("retryableStatusCodes"),
        "retryPolicy.retryableStatusCodes",
    )?
    .filter(|c| !c.is_empty())
    .ok_or_else(|| ServiceConfigError::new("retryPolicy.retryableStatusCodes: missing or empty"))?;
    Ok(RetryPolicy {
        max_attempts,
        initial_backoff,
        max_backoff,
        backoff_multiplier,
        retryable_codes,
    })
}

fn parse_hedging(v: &Value) -> Result<HedgingPolicy> {
    let o = v
        .as_object()
        .ok_or_else(|| ServiceConfigError::new("hedgingPolicy: not an object"))?;
    let max_attempts = max_attempts(o.get("maxAttempts"), "hedgingPolicy")?;
    let hedging_delay = match o.get("hedgingDelay") {
        Some(d) => duration(d, "hedgingPolicy.hedgingDelay")?,
        None => Duration::ZERO,
    };
    let non_fatal_codes = codes(
        o.get("nonFatalStatusCodes"),
        "hedgingPolicy.nonFatalStatusCodes",
    )?
    .unwrap_or_default();
    Ok(HedgingPolicy {
        max_attempts,
        hedging_delay,
        non_fatal_codes,
    })
}

fn parse_throttling(v: &Value) -> Result<RetryThrottling> {
    // A6: "maxTokens MUST be specified and MUST be a JSON integer value in the range
    // (0, 1000]. tokenRatio MUST be specified and MUST be a JSON floating point greater than
    // 0. Decimal places beyond 3 are ignored."
    let max_tokens = v
        .get("maxTokens")
        .and_then(Value::as_u64)
        .filter(|n| (1..=1000).contains(n))
        .ok_or_else(|| {
            ServiceConfigError::new("retryThrottling.maxTokens: missing or not in (0, 1000]")
        })?;
    let ratio = v
        .get("tokenRatio")
        .and_then(Value::as_f64)
        .filter(|r| *r > 0.0 && r.is_finite())
        .ok_or_else(|| ServiceConfigError::new("retryThrottling.tokenRatio: missing or not > 0"))?;
    let token_ratio_milli = ((ratio * 1000.0).floor() as u64).min(u64::from(u32::MAX)) as u32;
    if token_ratio_milli == 0 {
        return Err(ServiceConfigError::new(
            "retryThrottling.tokenRatio: below 0.001",
        ));
    }
    Ok(RetryThrottling {
        max_tokens: max_tokens as u32,
        token_ratio_milli,
    })
}

/// Status codes as integers or case-insensitive names (A6: "specified in the integer form or
/// the case-insensitive string form (eg. [14], ["UNAVAILABLE"] or ["unavailable"])").
fn codes(v: Option<&Value>, at: &str) -> Result<Option<Vec<Code>>> {
    let Some(v) = v else { return Ok(None) };
    let list = v
        .as_array()
        .ok_or_else(|| ServiceConfigError::new(format!("{at}: not an array")))?;
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        let code = match c {
            Value::Number(n) => n.as_u64().filter(|n| *n <= 16).map(|n| Code(n as i32)),
            Value::String(s) => (0..=16)
                .map(Code)
                .find(|c| c.name().is_some_and(|n| n.eq_ignore_ascii_case(s))),
            _ => None,
        }
        .ok_or_else(|| ServiceConfigError::new(format!("{at}: {c} is not a status code")))?;
        if code == Code::OK {
            return Err(ServiceConfigError::new(format!("{at}: OK is not allowed")));
        }
        out.push(code);
    }
    Ok(Some(out))
}

fn size(v: &Value, at: &str) -> Result<usize> {
    // Sizes may be JSON numbers or (proto3 JSON int64) strings.
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
    .ok_or_else(|| ServiceConfigError::new(format!("{at}: not a non-negative integer")))
}

/// A proto3 JSON Duration: `"1.5s"`, `"0.000001s"`, `"3s"` (non-negative here).
fn duration(v: &Value, at: &str) -> Result<Duration> {
    let bad = || ServiceConfigError::new(format!("{at}: {v} is not a duration like \"1.5s\""));
    let s = v.as_str().ok_or_else(bad)?;
    let num = s.strip_suffix('s').ok_or_else(bad)?;
    let (secs, frac) = num.split_once('.').unwrap_or((num, ""));
    if secs.is_empty() || !secs.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let secs: u64 = secs.parse().map_err(|_| bad())?;
    // proto3 JSON: seconds within ±315,576,000,000.
    if secs > 315_576_000_000 {
        return Err(bad());
    }
    let nanos: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().map_err(|_| bad())?
    };
    Ok(Duration::new(secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::MethodKind;

    static SAY: MethodDescriptor = MethodDescriptor {
        path: "/helloworld.Greeter/SayHello",
        service: "helloworld.Greeter",
        method: "SayHello",
        kind: MethodKind::Unary,
    };
    static OTHER: MethodDescriptor = MethodDescriptor {
        path: "/helloworld.Greeter/Other",
        service: "helloworld.Greeter",
        method: "Other",
        kind: MethodKind::Unary,
    };
    static ELSE: MethodDescriptor = MethodDescriptor {
        path: "/x.Y/Z",
        service: "x.Y",
        method: "Z",
        kind: MethodKind::Unary,
    };

    #[test]
    fn full_config() {
        let sc = ServiceConfig::from_json(
            r#"{
            "loadBalancingConfig": [{"weighted_target_experimental": {}}, {"round_robin": {}}],
            "healthCheckConfig": {"serviceName": "svc"},
            "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1234},
            "methodConfig": [
              {"name": [{"service": "helloworld.Greeter", "method": "SayHello"}],
               "timeout": "0.250s", "waitForReady": true,
               "maxRequestMessageBytes": 1024, "maxResponseMessageBytes": "2048",
               "retryPolicy": {"maxAttempts": 9, "initialBackoff": "0.1s", "maxBackoff": "1s",
                               "backoffMultiplier": 2, "retryableStatusCodes": [14, "resource_exhausted"]}},
              {"name": [{"service": "helloworld.Greeter"}],
               "hedgingPolicy": {"maxAttempts": 3, "hedgingDelay": "0.01s",
                                 "nonFatalStatusCodes": ["UNAVAILABLE"]}},
              {"name": [{}], "timeout": "7s"}
            ]}"#,
        )
        .unwrap();
        assert_eq!(sc.load_balancing(), Some(LbPolicy::RoundRobin));
        assert_eq!(sc.health_check_service(), Some("svc"));
        let t = sc.throttling().unwrap();
        assert_eq!((t.max_tokens, t.token_ratio_milli), (10, 123));
        let m = sc.method(&SAY).unwrap();
        assert_eq!(m.timeout, Some(Duration::from_millis(250)));
        assert_eq!(m.wait_for_ready, Some(true));
        assert_eq!(m.max_request_message_bytes, Some(1024));
        assert_eq!(m.max_response_message_bytes, Some(2048));
        let Some(AttemptPolicy::Retry(r)) = &m.policy else {
            panic!("retry policy expected")
        };
        assert_eq!(r.max_attempts, 5, "maxAttempts above 5 is 5");
        assert_eq!(
            r.retryable_codes,
            vec![Code::UNAVAILABLE, Code::RESOURCE_EXHAUSTED]
        );
        let Some(AttemptPolicy::Hedging(h)) = &sc.method(&OTHER).unwrap().policy else {
            panic!("hedging policy expected")
        };
        assert_eq!(h.hedging_delay, Duration::from_millis(10));
        assert_eq!(
            sc.method(&ELSE).unwrap().timeout,
            Some(Duration::from_secs(7))
        );
    }

    #[test]
    fn rejects_invalid_configs() {
        for (json, needle) in [
            ("[]", "object"),
            ("{", "JSON"),
            (
                r#"{"loadBalancingConfig": [{"nope": {}}]}"#,
                "no supported policy",
            ),
            (
                r#"{"methodConfig": [{"name": [{"method": "x"}]}]}"#,
                "without service",
            ),
            (
                r#"{"methodConfig": [{"name": [{}]}, {"name": [{}]}]}"#,
                "duplicate default",
            ),
            (r#"{"methodConfig": [{"timeout": "1m"}]}"#, "timeout"),
            (r#"{"methodConfig": [{"timeout": "-1s"}]}"#, "timeout"),
            (
                r#"{"methodConfig": [{"retryPolicy": {"maxAttempts": 1, "initialBackoff": "1s", "maxBackoff": "1s", "backoffMultiplier": 1, "retryableStatusCodes": [14]}}]}"#,
                "greater than 1",
            ),
            (
                r#"{"methodConfig": [{"retryPolicy": {"maxAttempts": 2, "initialBackoff": "0s", "maxBackoff": "1s", "backoffMultiplier": 1, "retryableStatusCodes": [14]}}]}"#,
                "initialBackoff",
            ),
            (
                r#"{"methodConfig": [{"retryPolicy": {"maxAttempts": 2, "initialBackoff": "1s", "maxBackoff": "1s", "backoffMultiplier": 1, "retryableStatusCodes": []}}]}"#,
                "retryableStatusCodes",
            ),
            (
                r#"{"methodConfig": [{"retryPolicy": {"maxAttempts": 2, "initialBackoff": "1s", "maxBackoff": "1s", "backoffMultiplier": 1, "retryableStatusCodes": ["NOPE"]}}]}"#,
                "not a status code",
            ),
            (
                r#"{"methodConfig": [{"hedgingPolicy": {"maxAttempts": 2}, "retryPolicy": {}}]}"#,
                "both",
            ),
            (
                r#"{"retryThrottling": {"maxTokens": 1001, "tokenRatio": 1}}"#,
                "maxTokens",
            ),
            (
                r#"{"retryThrottling": {"maxTokens": 10, "tokenRatio": 0}}"#,
                "tokenRatio",
            ),
        ] {
            let e = ServiceConfig::from_json(json).unwrap_err();
            assert!(e.to_string().contains(needle), "{json}: {e}");
        }
    }

    #[test]
    fn durations() {
        let d = |s: &str| duration(&Value::String(s.into()), "t");
        assert_eq!(d("1s").unwrap(), Duration::from_secs(1));
        assert_eq!(d("0.5s").unwrap(), Duration::from_millis(500));
        assert_eq!(d("0.000000001s").unwrap(), Duration::from_nanos(1));
        for bad in ["s", "1", ".5s", "1.s5", "1.0000000001s", "1e3s", " 1s"] {
            assert!(d(bad).is_err(), "{bad}");
        }
    }
}
