//! Protobuf reflection for Courier: a descriptor pool and dynamic messages.
//!
//! What it does:
//!
//! - [`DescriptorPool`]: the files of a `FileDescriptorSet` (courier-idl's output, protoc's
//!   `--descriptor_set_out`, server reflection), linked, with every file's imports checked and
//!   every type name resolved. Cheap handles ([`MessageDescriptor`], [`FieldDescriptor`],
//!   [`ExtensionDescriptor`], [`OneofDescriptor`], [`EnumDescriptor`], [`ServiceDescriptor`],
//!   [`MethodDescriptor`], [`FileDescriptor`]) give names, JSON names, numbers, kinds,
//!   cardinality, presence, packing, map entries, oneofs, defaults and extensions by extendee —
//!   with the editions features (`field_presence`, `enum_type`, `repeated_field_encoding`,
//!   `utf8_validation`, `message_encoding`, `json_format`) resolved for every element as protoc
//!   resolves them for proto2, proto3 and editions 2023 and 2024. A bad descriptor is a
//!   [`DescriptorError`], never a panic.
//! - [`DynamicMessage`]: a message built from a descriptor at run time — fields, repeated
//!   fields, maps, oneofs and extensions read and written as [`Value`]s by descriptor, name or
//!   number; unknown fields kept byte for byte. Its binary encoding is the one courier-codegen's
//!   generated code produces for the same content (checked against the generated conformance
//!   messages), through courier-wire's `Encoder` and `Decoder`, with the same limits
//!   ([`courier_wire::DecodeOptions`]) and errors that name the field path ([`DecodeError`]).
//! - [`json`]: ProtoJSON for dynamic messages (every rule of the mapping, every well-known
//!   type, the standard options, errors with the JSON path), built on public low-level pieces
//!   (reader, writer, numbers, base64, RFC 3339) that generated code is meant to share.
//!   `Any` types are found through a [`TypeResolver`] (a pool is one).
//! - [`text`]: the text format for dynamic messages, printed and parsed per the spec (groups,
//!   extensions, `Any` expansion, every escape), errors with line and column. `Display` on a
//!   `DynamicMessage` is its text format on one line.
//! - [`ReflectMessage`]: generated messages that embed their descriptors (courier-codegen's
//!   `text_format` option) get the same text format, `Display`, and conversion to and from
//!   `DynamicMessage` (see [`generated`]).
//!
//! Conformance: Google's conformance runner passes every binary, ProtoJSON and text format
//! test with `DynamicMessage`, none skipped (`cargo xtask conformance`, the dynamic testee).
//!
//! What it does not do: no `.proto` parsing (courier-idl turns `.proto` files into the
//! descriptors this crate reads), no code generation, no I/O.
//!
//! The pool embeds the editions defaults of descriptor.proto rather than depending on
//! courier-idl: a pool is built from descriptors that may come from anywhere, and resolving
//! features needs only that table (checked against courier-idl's copy of descriptor.proto by a
//! test).
//!
//! # Example
//!
//! ```
//! use courier_reflect::{DescriptorPool, DynamicMessage, Value};
//!
//! // Descriptors from courier-idl (or protoc, or server reflection).
//! let mut c = courier_idl::Compiler::new();
//! c.add_file(
//!     "shop.proto",
//!     "syntax = \"proto3\";\npackage shop;\n\
//!      message Item { string name = 1; repeated int32 sizes = 2; map<string, int64> stock = 3; }\n",
//! );
//! let set = c.compile(&["shop.proto"]).unwrap().file_descriptor_set(true);
//! let pool = DescriptorPool::from_file_descriptor_set(set).unwrap();
//! let item = pool.get_message_by_name("shop.Item").unwrap();
//! assert!(item.get_field_by_name("sizes").unwrap().is_packed());
//!
//! let mut m = DynamicMessage::new(item.clone());
//! m.set_field_by_name("name", Value::from("boot")).unwrap();
//! m.set_field_by_name("sizes", Value::List(vec![Value::I32(40), Value::I32(41)])).unwrap();
//! let bytes = m.encode_to_vec();
//! assert_eq!(bytes, b"\x0a\x04boot\x12\x02\x28\x29");
//!
//! let back = DynamicMessage::decode(item, &bytes[..]).unwrap();
//! assert_eq!(back, m);
//! ```

#![forbid(unsafe_code)]

pub mod descriptor;
pub mod dynamic;
pub mod generated;
pub mod json;
mod resolver;
pub mod text;

pub use descriptor::{
    Cardinality, DescriptorError, DescriptorPool, Edition, EnumDescriptor, EnumValueDescriptor,
    ExtensionDescriptor, FieldDescriptor, FileDescriptor, Kind, MessageDescriptor,
    MethodDescriptor, OneofDescriptor, ServiceDescriptor,
};
pub use dynamic::{DecodeError, DynamicMessage, MapKey, SetFieldError, Value};
pub use generated::{ReflectMessage, well_known_types};
pub use resolver::TypeResolver;
