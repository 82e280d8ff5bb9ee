//! xDS for Courier: proxyless service mesh. Channels to `xds:///name` targets and servers
//! configured by an xDS management server (Istio, Traffic Director, go-control-plane, ...)
//! over one ADS stream, with no sidecar on the data path.
//!
//! - [`bootstrap`]: `GRPC_XDS_BOOTSTRAP` / `GRPC_XDS_BOOTSTRAP_CONFIG` (gRFC A27).
//! - [`client::XdsClient`]: the ADS stream (state of the world), ACK/NACK, the cache of
//!   validated resources shared by channels, does-not-exist timers, reconnection.
//! - [`resource`]: Listener, RouteConfiguration, Cluster, ClusterLoadAssignment, decoded and
//!   validated (gRFC A27, A28, A31, A36, A42, A44, A48, A50).
//! - [`resolver`]: the `xds:` resolver and its per-call config selector (routes, weighted
//!   clusters, timeouts, retries, request hashes).
//! - [`lb`]: the policies under it (cluster manager, CDS, priority, outlier detection,
//!   cluster impl, weighted target, ring hash, least request), written on
//!   [`courier_rpc::lb`].
//! - [`csds`]: the client's configuration as `envoy.service.status.v3` (gRFC A40).
//! - [`server`]: xDS-enabled servers (gRFC A36).
//!
//! ```no_run
//! # async fn f() {
//! courier_xds::init(); // the xds: scheme and the xDS policies
//! // With GRPC_XDS_BOOTSTRAP pointing at a bootstrap file:
//! let channel = courier_rpc::Channel::builder("xds:///greeter.example.com").build();
//! # drop(channel); }
//! ```

pub mod bootstrap;
pub mod client;
pub mod csds;
pub mod lb;
/// The Envoy and xDS API messages and services (generated from `proto/`).
#[allow(
    missing_docs,
    clippy::all,
    rustdoc::all,
    unreachable_pub,
    missing_debug_implementations
)]
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/courier_generated.rs"));
}
pub mod resolver;
pub mod resource;
pub mod server;
mod xxhash;

pub use bootstrap::{Bootstrap, BootstrapError};
pub use client::XdsClient;

/// Registers the `xds` resolver scheme and the xDS load-balancing policies (idempotent; call
/// before building channels to `xds:` targets).
pub fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        lb::register();
        courier_rpc::register_resolver(std::sync::Arc::new(resolver::XdsResolverBuilder));
    });
}
