//! ProtoJSON (<https://protobuf.dev/programming-guides/json/>) for Courier: the JSON pieces every
//! ProtoJSON implementation in Courier is built from, and the runtime that the ProtoJSON code
//! courier-codegen generates calls.
//!
//! What it does:
//!
//! - The low-level pieces, free of reflection: [`Reader`] (a pull tokenizer over JSON text that
//!   tracks the JSON path for errors, `$.foo.bar[3]`, and limits nesting), [`Writer`] (compact or
//!   indented output, separators placed for the caller), [`scalar`] (ProtoJSON's accepted forms
//!   of every scalar kind), [`Number`] (the JSON number grammar; exact integer and correctly
//!   rounded float conversion), [`base64`] and [`time`] (RFC 3339 timestamps, durations).
//! - [`ProtoJson`], the trait a message implements to be printed as and parsed from ProtoJSON,
//!   with the entry points [`ProtoJson::to_json`], [`ProtoJson::from_json`] and their `_with`
//!   forms taking [`PrintOptions`] (fields without presence printed, proto field names, enums as
//!   numbers, indentation) and [`ParseOptions`] (unknown fields ignored, nesting and length
//!   limits). courier-codegen implements it for every generated message when its `json` option
//!   is on, and courier-types for the well-known types (their special forms: `Any`,
//!   `Timestamp`, `Duration`, `FieldMask`, `Struct`/`Value`/`ListValue`, the wrappers, `Empty`)
//!   behind its `json` feature. [`JsonEnum`] is the same for enums.
//! - [`TypeRegistry`]: the message types an `Any` may hold and the extensions a message may
//!   carry, by name; generated code fills it (`register_types` in each generated package).
//! - [`rt`]: the helpers the generated code calls, one generic function per field shape (list,
//!   map, extension, ...), so that the rules live here once.
//! - With the `serde` feature, [`serde`](mod@serde): `serde::Serialize` / `serde::Deserialize`
//!   with ProtoJSON semantics for any [`ProtoJson`] type (what courier-codegen's `serde` option
//!   generates impls with).
//!
//! What it does not do: no reflection (courier-reflect's dynamic messages build their ProtoJSON
//! on the same pieces), no code generation, no I/O, no `serde_json` on the main path (a pull
//! reader lets a message walk its own fields without building a value tree, and keeps 64-bit
//! integers exact).
//!
//! The dependency direction: courier-json depends only on courier-wire and `bytes`;
//! courier-types implements [`ProtoJson`] for its types behind a feature; courier-reflect
//! builds its dynamic-message ProtoJSON on these pieces and re-exports them.
//!
//! ```
//! use courier_json::{Reader, Writer, scalar};
//!
//! let mut r = Reader::new(r#"{"id": "9007199254740993", "tags": ["a", "b"]}"#);
//! r.begin_object().unwrap();
//! assert_eq!(r.next_key().unwrap().as_deref(), Some("id"));
//! assert_eq!(scalar::read_i64(&mut r).unwrap(), 9_007_199_254_740_993);
//!
//! let mut w = Writer::new();
//! w.begin_object();
//! w.key("id");
//! w.quoted_int(9_007_199_254_740_993);
//! w.end_object();
//! assert_eq!(w.as_str(), r#"{"id":"9007199254740993"}"#);
//! ```

#![forbid(unsafe_code)]

pub mod base64;
mod message;
pub mod number;
mod options;
mod reader;
mod registry;
pub mod rt;
pub mod scalar;
#[cfg(feature = "serde")]
pub mod serde;
pub mod time;
pub mod wkt;
mod writer;

pub use message::{JsonEnum, Parser, Printer, ProtoJson};
pub use number::Number;
pub use options::{DEFAULT_MAX_LEN, ParseOptions, PrintOptions};
pub use reader::{Checkpoint, DEFAULT_DEPTH_LIMIT, Error, Peek, Reader};
pub use registry::{AnyCodec, ExtensionJson, TypeRegistry, TypedCodec};
pub use writer::{Writer, escape_into};
