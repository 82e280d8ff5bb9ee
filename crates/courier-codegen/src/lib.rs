//! The protobuf code generator: descriptors (`FileDescriptorProto`s from courier-idl or
//! protoc) to Rust messages over courier-wire.
//!
//! What it does: messages become structs (presence as `Option`, repeated as `Vec`, maps as
//! `HashMap` or `BTreeMap`, `bytes` as `bytes::Bytes`, recursive fields boxed, groups and
//! editions' delimited encoding), enums become open newtypes over `i32` with named constants
//! (closed enums send unlisted values to the unknown fields on decode), oneofs become Rust
//! enums, nested types live in a module named after their message, every message keeps
//! unknown fields, and proto2 `[default = ...]` is honoured by accessors. Editions features
//! (`field_presence`, `enum_type`, `repeated_field_encoding`, `utf8_validation`,
//! `message_encoding`) are resolved per field. `.proto` comments become doc comments.
//!
//! What it does not do: no parsing of `.proto` files (courier-idl does that; [`Builder`]
//! drives both), no JSON or text format, no reflection; group-encoded extensions (proto2
//! `extend` groups, editions `DELIMITED`) stay untyped unknown fields;
//! `utf8_validation = NONE` strings are still checked (a Rust `String` must hold UTF-8).
//!
//! Extensions: a message with extension ranges implements `courier_wire::ext::Extendable`, and
//! every other `extend` field becomes a typed constant (`pub const WEIGHT:
//! courier_wire::ext::Extension<FieldOptions, kind::Double>`, `RepeatedExtension` when
//! repeated) in the module of the scope that declares it; `courier_wire::ext::{get, set,
//! get_repeated, set_repeated, clear}` read and write the value, which is stored in the
//! extended message's unknown fields (so custom options read typed from descriptors).
//!
//! Generated code needs `courier-wire` and `bytes` as dependencies (and `courier-types` for
//! the well-known types). One file is generated per proto package; the packages nest as
//! modules (`a.b` → `a::b`), and references between packages are relative paths.
//!
//! ```
//! use courier_codegen::Config;
//!
//! let mut c = courier_idl::Compiler::new();
//! c.add_file("demo.proto", "syntax = \"proto3\";\npackage demo;\nmessage Point { int32 x = 1; optional string label = 2; }\n");
//! let compiled = c.compile(&["demo.proto"]).unwrap();
//! let files = Config::new().generate(compiled.files(), &["demo.proto"]).unwrap();
//! assert_eq!(files[0].name, "demo.rs");
//! assert!(files[0].content.contains("pub struct Point {"));
//! assert!(files[0].content.contains("pub label: ::core::option::Option<::std::string::String>,"));
//! ```

mod builder;
mod comments;
mod config;
mod features;
mod generate;
mod index;
mod json;
mod names;
mod out;
mod plugin;
mod service;

pub use builder::{Builder, compile_protos};
pub use config::{Config, Error, GeneratedFile};
pub use plugin::{plugin, plugin_main};

/// Source of a module tree that includes every generated file at its package's module path
/// (`pub mod a { pub mod b { include!("a.b.rs"); } }`). With `from_out_dir`, the files are
/// included from `$OUT_DIR` (for build scripts); otherwise relative to the including file.
pub fn module_tree(files: &[GeneratedFile], from_out_dir: bool) -> String {
    generate::module_tree(files, from_out_dir)
}
