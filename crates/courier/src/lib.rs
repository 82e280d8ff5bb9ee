//! Courier: a gRPC stack written from scratch in Rust, behind one dependency.
//!
//! Each layer is also its own crate; this crate re-exports them:
//! - [`wire`]: the protobuf binary wire format (`courier-wire`).

#![doc(html_root_url = "https://docs.rs/courier/0.1.0")]

pub use courier_wire as wire;
