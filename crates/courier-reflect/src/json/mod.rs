//! ProtoJSON (<https://protobuf.dev/programming-guides/json/>) for dynamic messages, and the
//! JSON pieces it is built from.
//!
//! [`DynamicMessage::to_json`] and [`DynamicMessage::from_json`] implement every rule of the
//! mapping: lowerCamelCase or proto field names, 64-bit integers as strings (numbers accepted),
//! `bytes` as standard base64 (standard or URL-safe, padded or not, accepted), `NaN` and
//! `Infinity`, floats written in their shortest round-trip form, enums by name (numbers for
//! unknown values of open enums), maps with every key type, oneofs (two members in one object
//! is an error), `null` (unset, except for `google.protobuf.Value` and `NullValue`), proto2
//! extensions as `"[pkg.ext]"`, the editions features `json_format` and `enum_type`, and every
//! well-known type's special form: `Any` (through a [`TypeResolver`]), `Timestamp` and
//! `Duration` (RFC 3339, nanosecond precision, range checked), `FieldMask`,
//! `Struct`/`Value`/`ListValue`, the wrappers, `Empty`. Options: [`PrintOptions`] (fields
//! without presence printed with their defaults, proto field names, enums as numbers,
//! indentation) and [`ParseOptions`] (unknown fields ignored). Errors name the JSON path
//! (`$.foo.bar[3]`) and what was wrong; input is never a reason to panic; nesting is limited.
//!
//! # The low-level pieces
//!
//! [`Reader`] (a pull tokenizer that tracks the JSON path), [`scalar`] (ProtoJSON's accepted
//! forms of every scalar kind, read from a `Reader`), [`Writer`] (separators, indentation,
//! ProtoJSON's scalar forms), [`Number`] (grammar check; exact integer and correctly rounded
//! float conversion), [`base64`] and [`time`] (RFC 3339 timestamps and durations) live in the
//! `courier-json` crate, free of reflection on purpose, and are re-exported here: they are what
//! the ProtoJSON code courier-codegen generates for each message type calls too, so that
//! generated code and dynamic messages share one implementation of every rule, and generated
//! code pays for no descriptor lookups. (courier-json sits below courier-types, which
//! implements its `ProtoJson` trait for the well-known types; courier-reflect, above
//! courier-types, cannot be where generated code's runtime lives.) No `serde_json` on this path: a pull reader over the input lets a
//! message walk its own fields without building a `serde_json::Value` tree first (one
//! allocation per node), and keeps 64-bit integers exact (serde_json's default numbers would
//! round them through `f64`).
//!
//! ```
//! use courier_reflect::json::{ParseOptions, PrintOptions};
//! use courier_reflect::{DescriptorPool, DynamicMessage};
//!
//! let mut c = courier_idl::Compiler::new();
//! c.add_file("t.proto", "syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\n\
//!     message Event { string event_name = 1; int64 count = 2; google.protobuf.Timestamp at = 3; }\n");
//! let pool = DescriptorPool::from_file_descriptor_set(
//!     c.compile(&["t.proto"]).unwrap().file_descriptor_set(true),
//! ).unwrap();
//! let desc = pool.get_message_by_name("Event").unwrap();
//!
//! let m = DynamicMessage::from_json(desc.clone(), r#"{"eventName": "boot", "count": 3, "at": "2024-01-01T00:00:00Z"}"#).unwrap();
//! assert_eq!(m.to_json().unwrap(), r#"{"eventName":"boot","count":"3","at":"2024-01-01T00:00:00Z"}"#);
//! let opts = PrintOptions::new().proto_field_names(true).always_print_fields_without_presence(true);
//! assert_eq!(
//!     DynamicMessage::new(desc.clone()).to_json_with(&opts).unwrap(),
//!     r#"{"event_name":"","count":"0"}"#
//! );
//!
//! let err = DynamicMessage::from_json(desc.clone(), r#"{"count": "x"}"#).unwrap_err();
//! assert_eq!(err.path(), "$.count");
//! assert!(DynamicMessage::from_json_with(desc, r#"{"other": 1}"#, &ParseOptions::new().ignore_unknown_fields(true)).is_ok());
//! ```

mod parse;
mod print;

use std::fmt;
use std::sync::Arc;

pub use courier_json::{
    Checkpoint, DEFAULT_DEPTH_LIMIT, DEFAULT_MAX_LEN, Error, Number, Peek, Reader, Writer, base64,
    escape_into, number, scalar, time,
};

use crate::descriptor::MessageDescriptor;
use crate::dynamic::DynamicMessage;
use crate::resolver::TypeResolver;

/// How [`DynamicMessage::to_json_with`] prints.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct PrintOptions {
    pub(crate) always_print_fields_without_presence: bool,
    pub(crate) proto_field_names: bool,
    pub(crate) enums_as_ints: bool,
    pub(crate) indent: Option<usize>,
    pub(crate) resolver: Option<Arc<dyn TypeResolver>>,
}

impl fmt::Debug for PrintOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrintOptions")
            .field(
                "always_print_fields_without_presence",
                &self.always_print_fields_without_presence,
            )
            .field("proto_field_names", &self.proto_field_names)
            .field("enums_as_ints", &self.enums_as_ints)
            .field("indent", &self.indent)
            .field("resolver", &self.resolver.is_some())
            .finish()
    }
}

impl PrintOptions {
    /// The defaults: compact, lowerCamelCase names, enum names, fields at their defaults left
    /// out.
    pub fn new() -> PrintOptions {
        PrintOptions::default()
    }

    /// Print fields that have no presence (proto3 implicit scalars, repeated fields, maps) even
    /// when they hold their default (json.md, "Always emit fields without presence").
    pub fn always_print_fields_without_presence(mut self, yes: bool) -> PrintOptions {
        self.always_print_fields_without_presence = yes;
        self
    }

    /// Use the `.proto` field names as keys instead of the JSON (lowerCamelCase) names.
    pub fn proto_field_names(mut self, yes: bool) -> PrintOptions {
        self.proto_field_names = yes;
        self
    }

    /// Print enum values as numbers instead of names.
    pub fn enums_as_ints(mut self, yes: bool) -> PrintOptions {
        self.enums_as_ints = yes;
        self
    }

    /// Indent by `spaces` per level (`None`: compact, the default).
    pub fn indent(mut self, spaces: Option<usize>) -> PrintOptions {
        self.indent = spaces;
        self
    }

    /// Resolve `Any` type URLs with `resolver` instead of the message's own pool.
    pub fn resolver(mut self, resolver: Arc<dyn TypeResolver>) -> PrintOptions {
        self.resolver = Some(resolver);
        self
    }
}

/// How [`DynamicMessage::from_json_with`] parses.
#[derive(Clone)]
#[non_exhaustive]
pub struct ParseOptions {
    pub(crate) ignore_unknown_fields: bool,
    pub(crate) depth_limit: u32,
    pub(crate) max_len: usize,
    pub(crate) resolver: Option<Arc<dyn TypeResolver>>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            ignore_unknown_fields: false,
            depth_limit: DEFAULT_DEPTH_LIMIT,
            max_len: DEFAULT_MAX_LEN,
            resolver: None,
        }
    }
}

impl fmt::Debug for ParseOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParseOptions")
            .field("ignore_unknown_fields", &self.ignore_unknown_fields)
            .field("depth_limit", &self.depth_limit)
            .field("max_len", &self.max_len)
            .field("resolver", &self.resolver.is_some())
            .finish()
    }
}

impl ParseOptions {
    /// The defaults: unknown fields are errors, nesting up to [`DEFAULT_DEPTH_LIMIT`], input up
    /// to [`DEFAULT_MAX_LEN`].
    pub fn new() -> ParseOptions {
        ParseOptions::default()
    }

    /// Skip members that name no field (and enum names no value names) instead of failing
    /// (json.md, "Ignore unknown fields").
    pub fn ignore_unknown_fields(mut self, yes: bool) -> ParseOptions {
        self.ignore_unknown_fields = yes;
        self
    }

    /// How deeply objects and arrays may nest.
    pub fn depth_limit(mut self, limit: u32) -> ParseOptions {
        self.depth_limit = limit;
        self
    }

    /// The longest input accepted, in bytes (what a message parsed from it may take in memory
    /// grows with it).
    pub fn max_len(mut self, bytes: usize) -> ParseOptions {
        self.max_len = bytes;
        self
    }

    /// Resolve `Any` type URLs with `resolver` instead of the message's own pool.
    pub fn resolver(mut self, resolver: Arc<dyn TypeResolver>) -> ParseOptions {
        self.resolver = Some(resolver);
        self
    }
}

impl DynamicMessage {
    /// The message as compact ProtoJSON with the default options.
    pub fn to_json(&self) -> Result<String, Error> {
        self.to_json_with(&PrintOptions::default())
    }

    /// The message as ProtoJSON. Fails for content ProtoJSON cannot express: a `Timestamp` or
    /// `Duration` out of range, an `Any` whose type cannot be resolved or whose value does not
    /// decode, a non-finite `Value` number, a `FieldMask` path that does not survive
    /// lowerCamelCase, a `Value` with no kind.
    pub fn to_json_with(&self, options: &PrintOptions) -> Result<String, Error> {
        let mut w = match options.indent {
            Some(n) => Writer::pretty(n),
            None => Writer::with_capacity(64),
        };
        self.write_json(&mut w, options)?;
        Ok(w.into_string())
    }

    /// Writes the message as ProtoJSON into `w` (as one value).
    pub fn write_json(&self, w: &mut Writer, options: &PrintOptions) -> Result<(), Error> {
        let pool = self.desc.parent_pool().clone();
        let resolver: &dyn TypeResolver = match &options.resolver {
            Some(r) => &**r,
            None => &pool,
        };
        print::Printer::new(options, resolver).message(w, self)
    }

    /// Parses ProtoJSON into a new message of type `desc` with the default options.
    pub fn from_json(desc: MessageDescriptor, json: &str) -> Result<DynamicMessage, Error> {
        DynamicMessage::from_json_with(desc, json, &ParseOptions::default())
    }

    /// Parses ProtoJSON into a new message of type `desc`.
    pub fn from_json_with(
        desc: MessageDescriptor,
        json: &str,
        options: &ParseOptions,
    ) -> Result<DynamicMessage, Error> {
        let mut m = DynamicMessage::new(desc);
        m.merge_json_with(json, options)?;
        Ok(m)
    }

    /// Parses ProtoJSON into this message: fields in the input replace singular fields, extend
    /// repeated ones and add map entries.
    pub fn merge_json_with(&mut self, json: &str, options: &ParseOptions) -> Result<(), Error> {
        if json.len() > options.max_len {
            return Err(Error::new(
                "$".to_owned(),
                0,
                format!(
                    "input of {} bytes is longer than the limit of {}",
                    json.len(),
                    options.max_len
                ),
            ));
        }
        let mut r = Reader::new(json).with_depth_limit(options.depth_limit);
        self.read_json(&mut r, options)?;
        r.finish()
    }

    /// Reads one ProtoJSON value from `r` into this message (for a message embedded in larger
    /// JSON).
    pub fn read_json(&mut self, r: &mut Reader<'_>, options: &ParseOptions) -> Result<(), Error> {
        let pool = self.desc.parent_pool().clone();
        let resolver: &dyn TypeResolver = match &options.resolver {
            Some(r) => &**r,
            None => &pool,
        };
        parse::Parser::new(options, resolver).top(r, self)
    }
}
