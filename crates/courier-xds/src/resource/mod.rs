//! The xDS resource types gRPC reads, decoded from their `Any`s and validated; what fails
//! validation is NACKed with the error.

pub mod cluster;
pub mod endpoint;
pub mod listener;
pub mod matcher;
pub mod rbac;
pub mod route;

use std::sync::Arc;
use std::time::Duration;

use courier_types::Any;

use matcher::Invalid;

/// One of the four resource types of ADS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceType {
    /// LDS: `envoy.config.listener.v3.Listener`.
    Listener,
    /// RDS: `envoy.config.route.v3.RouteConfiguration`.
    RouteConfig,
    /// CDS: `envoy.config.cluster.v3.Cluster`.
    Cluster,
    /// EDS: `envoy.config.endpoint.v3.ClusterLoadAssignment`.
    Endpoints,
}

impl ResourceType {
    /// All four, in the order a client subscribes to them.
    pub const ALL: [ResourceType; 4] = [
        ResourceType::Listener,
        ResourceType::RouteConfig,
        ResourceType::Cluster,
        ResourceType::Endpoints,
    ];

    /// The type URL.
    pub fn type_url(self) -> &'static str {
        match self {
            ResourceType::Listener => "type.googleapis.com/envoy.config.listener.v3.Listener",
            ResourceType::RouteConfig => {
                "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
            }
            ResourceType::Cluster => "type.googleapis.com/envoy.config.cluster.v3.Cluster",
            ResourceType::Endpoints => {
                "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
            }
        }
    }

    /// The type of a type URL.
    pub fn from_type_url(url: &str) -> Option<ResourceType> {
        ResourceType::ALL.into_iter().find(|t| t.type_url() == url)
    }

    /// Whether a response lists every resource of the type (LDS and CDS, state of the world):
    /// a subscribed resource missing from one was deleted.
    pub fn full_state(self) -> bool {
        matches!(self, ResourceType::Listener | ResourceType::Cluster)
    }
}

/// A validated resource.
#[derive(Clone, Debug)]
pub enum Resource {
    /// A Listener.
    Listener(Arc<listener::Listener>),
    /// A RouteConfiguration.
    RouteConfig(Arc<route::RouteConfig>),
    /// A Cluster.
    Cluster(Arc<cluster::Cluster>),
    /// A ClusterLoadAssignment.
    Endpoints(Arc<endpoint::Endpoints>),
}

/// Decodes and validates a resource of type `ty`: its name (when it decoded) and the
/// resource or why it is invalid.
pub fn decode(ty: ResourceType, any: &Any) -> (Option<String>, Result<Resource, Invalid>) {
    use crate::pb::envoy::config as c;
    // A resource may come wrapped in an envoy.service.discovery.v3.Resource.
    let unwrapped;
    let any = if any.type_name() == "envoy.service.discovery.v3.Resource" {
        match any.unpack::<crate::pb::envoy::service::discovery::v3::Resource>() {
            Ok(r) => match r.resource {
                Some(a) => {
                    unwrapped = a;
                    &unwrapped
                }
                None => {
                    return (
                        Some(r.name),
                        Err("Resource wrapper without a resource".into()),
                    );
                }
            },
            Err(e) => return (None, Err(e.to_string())),
        }
    } else {
        any
    };
    if any.type_url != ty.type_url() {
        return (
            None,
            Err(format!(
                "resource of type {} in a {} response",
                any.type_url,
                ty.type_url()
            )),
        );
    }
    match ty {
        ResourceType::Listener => match any.unpack::<c::listener::v3::Listener>() {
            Ok(l) => (
                Some(l.name.clone()),
                listener::parse(&l).map(|v| Resource::Listener(Arc::new(v))),
            ),
            Err(e) => (None, Err(e.to_string())),
        },
        ResourceType::RouteConfig => match any.unpack::<c::route::v3::RouteConfiguration>() {
            Ok(r) => (
                Some(r.name.clone()),
                route::parse(&r).map(|v| Resource::RouteConfig(Arc::new(v))),
            ),
            Err(e) => (None, Err(e.to_string())),
        },
        ResourceType::Cluster => match any.unpack::<c::cluster::v3::Cluster>() {
            Ok(cl) => (
                Some(cl.name.clone()),
                cluster::parse(&cl).map(|v| Resource::Cluster(Arc::new(v))),
            ),
            Err(e) => (None, Err(e.to_string())),
        },
        ResourceType::Endpoints => match any.unpack::<c::endpoint::v3::ClusterLoadAssignment>() {
            Ok(e) => (
                Some(e.cluster_name.clone()),
                endpoint::parse(&e).map(|v| Resource::Endpoints(Arc::new(v))),
            ),
            Err(err) => (None, Err(err.to_string())),
        },
    }
}

/// A protobuf Duration as a std one; negative or out of range is invalid.
pub(crate) fn duration(d: &courier_types::Duration) -> Result<Duration, Invalid> {
    nonneg_duration(d)
}

/// A non-negative protobuf Duration.
pub(crate) fn nonneg_duration(d: &courier_types::Duration) -> Result<Duration, Invalid> {
    // google/protobuf/duration.proto: seconds within ±315,576,000,000, nanos within ±999,999,999
    // with the sign of seconds.
    if d.seconds < 0 || d.nanos < 0 || d.seconds > 315_576_000_000 || d.nanos > 999_999_999 {
        return Err(format!("invalid duration {}s {}ns", d.seconds, d.nanos));
    }
    Ok(Duration::new(d.seconds as u64, d.nanos as u32))
}
