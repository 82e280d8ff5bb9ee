//! xDS for Courier.

#![allow(missing_docs)]

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
pub mod resource;
