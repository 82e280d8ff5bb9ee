//! Courier: a gRPC stack written from scratch in Rust, behind one dependency.
//!
//! What it does: re-exports every layer, each also its own crate —
//! - [`wire`]: the protobuf binary wire format (`courier-wire`);
//! - [`types`]: the well-known types and descriptor messages (`courier-types`);
//! - [`json`]: ProtoJSON, the runtime of generated messages' JSON (`courier-json`);
//! - [`hpack`]: HTTP/2 header compression, RFC 7541 (`courier-hpack`);
//! - [`h2`]: HTTP/2, RFC 9113, a sans-IO connection and its tokio driver (`courier-h2`);
//! - [`rpc`]: gRPC over HTTP/2: [`Channel`], [`Server`], status, metadata, deadlines,
//!   compression (`courier-rpc`);
//! - [`tls`]: TLS and mTLS on rustls (`courier-tls`), plugged into channels and servers
//!   ([`tls::TlsConnector`], [`tls::TlsAcceptor`]), and authorization by peer identity
//!   ([`tls::Authorization`]);
//!
//! and owns the `courier` command-line tool — `list`, `describe` and `call` any gRPC server
//! (server reflection or `.proto` files, JSON in and out), `compile` `.proto` files to the
//! descriptor set protoc writes, `bench` a method, `completions`, `demo`, `certs`; see
//! docs/cli.md; it is behind the default `cli` feature — and the examples
//! (`examples/helloworld`, `examples/routeguide`).
//!
//! What it does not do: code generation at run time. Generate messages and stubs from `.proto`
//! files in a build script with `courier-codegen`'s `Builder` (see this crate's own build.rs);
//! the generated code names `courier_rpc`, `courier_wire` and `bytes` (and `courier_json` with
//! courier-codegen's `json` option), so a crate using it depends on those too.
//!
//! ```
//! use courier::{Code, Request, Status};
//!
//! let mut req = Request::new("hello");
//! req.metadata_mut().append("x-request-id", "42").unwrap();
//! assert_eq!(req.metadata().get("x-request-id").unwrap(), "42");
//! assert_eq!(Status::new(Code::NOT_FOUND, "no such feature").code(), Code::NOT_FOUND);
//! ```

#![doc(html_root_url = "https://docs.rs/courier/0.1.0")]

pub use courier_h2 as h2;
pub use courier_hpack as hpack;
pub use courier_json as json;
pub use courier_rpc as rpc;
pub use courier_types as types;
pub use courier_wire as wire;

pub mod tls;

pub use courier_rpc::{
    Channel, ChannelBuilder, Code, Metadata, Request, Response, Server, ServerBuilder, Status,
    Streaming,
};
pub use courier_wire::Message;
