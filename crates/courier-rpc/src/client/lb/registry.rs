//! The registry of load-balancing policies by name, and their parsed configs.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

use serde_json::Value;

use super::{Policy, PolicyOptions};

/// Builds one kind of policy and parses its config; registered by name with [`register`].
pub trait PolicyBuilder: Send + Sync + 'static {
    /// The name service configs choose it by (`round_robin`).
    fn name(&self) -> &'static str;

    /// Parses the policy's JSON config (the value under its name in a `loadBalancingConfig`
    /// entry). The default accepts any object and keeps nothing.
    fn parse_config(&self, config: &Value) -> Result<LbConfig, String> {
        if !config.is_object() {
            return Err(format!("{}: the config must be a JSON object", self.name()));
        }
        Ok(LbConfig::new(self.name(), ()))
    }

    /// A new policy.
    fn build(&self, options: PolicyOptions) -> Box<dyn Policy>;
}

impl fmt::Debug for dyn PolicyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PolicyBuilder({})", self.name())
    }
}

/// A policy's parsed config: its name and a value of the policy's own type.
#[derive(Clone)]
pub struct LbConfig {
    name: Arc<str>,
    value: Arc<dyn Any + Send + Sync>,
}

impl LbConfig {
    /// The config `value` of the policy named `name`.
    pub fn new<T: Any + Send + Sync>(name: &str, value: T) -> LbConfig {
        LbConfig {
            name: Arc::from(name),
            value: Arc::new(value),
        }
    }

    /// The policy's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The config value, if it is a `T`.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.value.downcast_ref()
    }
}

impl fmt::Debug for LbConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LbConfig({})", self.name)
    }
}

type Registry = RwLock<HashMap<&'static str, Arc<dyn PolicyBuilder>>>;

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| {
        let mut m: HashMap<&'static str, Arc<dyn PolicyBuilder>> = HashMap::new();
        for b in [
            Arc::new(super::PickFirstBuilder) as Arc<dyn PolicyBuilder>,
            Arc::new(super::RoundRobinBuilder),
        ] {
            m.insert(b.name(), b);
        }
        RwLock::new(m)
    })
}

/// Registers a policy for every channel of the process (replacing one of the same name).
/// `pick_first` and `round_robin` are always registered.
pub fn register(builder: Arc<dyn PolicyBuilder>) {
    registry()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(builder.name(), builder);
}

/// The registered policy named `name`.
pub fn builder(name: &str) -> Option<Arc<dyn PolicyBuilder>> {
    registry()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(name)
        .cloned()
}

/// Parses a `loadBalancingConfig` list (service_config.md): the first entry whose policy is
/// registered, with its config parsed by that policy. A config the chosen policy rejects is
/// an error (gRFC A28: "If the validation fails, the config is invalid. We won't move on to
/// the next entry").
pub fn parse_lb_config_list(list: &Value) -> Result<LbConfig, String> {
    let list = list
        .as_array()
        .ok_or_else(|| "loadBalancingConfig: not an array".to_owned())?;
    for entry in list {
        let (name, config) = match entry.as_object() {
            Some(o) if o.len() == 1 => o.iter().next().expect("one entry"),
            _ => {
                return Err("loadBalancingConfig: each entry is an object with one key".to_owned());
            }
        };
        if let Some(b) = builder(name) {
            return b.parse_config(config);
        }
    }
    let mut names: Vec<&str> = registry()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .keys()
        .copied()
        .collect();
    names.sort_unstable();
    Err(format!(
        "loadBalancingConfig: no supported policy (registered: {})",
        names.join(", ")
    ))
}
