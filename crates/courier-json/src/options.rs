//! [`PrintOptions`] and [`ParseOptions`].

use std::fmt;
use std::sync::Arc;

use crate::reader::DEFAULT_DEPTH_LIMIT;
use crate::registry::TypeRegistry;

/// How a message is printed as ProtoJSON ([`ProtoJson::to_json_with`](crate::ProtoJson::to_json_with)).
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct PrintOptions {
    pub(crate) always_print_fields_without_presence: bool,
    pub(crate) proto_field_names: bool,
    pub(crate) enums_as_ints: bool,
    pub(crate) indent: Option<usize>,
    pub(crate) registry: Option<Arc<TypeRegistry>>,
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
            .field("registry", &self.registry.is_some())
            .finish()
    }
}

impl PrintOptions {
    /// The defaults: compact, lowerCamelCase names, enum names, fields at their defaults left
    /// out, no registry (an `Any` can hold the well-known types and the types generated in the
    /// well-known types' package; extensions print when generated with their extendee).
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

    /// Find the types `Any` fields hold, and extensions, in `registry`.
    pub fn registry(mut self, registry: Arc<TypeRegistry>) -> PrintOptions {
        self.registry = Some(registry);
        self
    }

    /// Whether fields without presence are printed at their defaults.
    pub fn prints_fields_without_presence(&self) -> bool {
        self.always_print_fields_without_presence
    }

    /// Whether keys are the `.proto` field names.
    pub fn uses_proto_field_names(&self) -> bool {
        self.proto_field_names
    }

    /// Whether enums are printed as numbers.
    pub fn prints_enums_as_ints(&self) -> bool {
        self.enums_as_ints
    }

    /// The indentation per level, if any.
    pub fn indentation(&self) -> Option<usize> {
        self.indent
    }

    /// The registry, if one was set.
    pub fn type_registry(&self) -> Option<&Arc<TypeRegistry>> {
        self.registry.as_ref()
    }
}

/// The default limit on the length of JSON input: 64 MiB.
pub const DEFAULT_MAX_LEN: usize = 64 << 20;

/// How ProtoJSON is parsed into a message ([`ProtoJson::from_json_with`](crate::ProtoJson::from_json_with)).
#[derive(Clone)]
#[non_exhaustive]
pub struct ParseOptions {
    pub(crate) ignore_unknown_fields: bool,
    pub(crate) depth_limit: u32,
    pub(crate) max_len: usize,
    pub(crate) registry: Option<Arc<TypeRegistry>>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            ignore_unknown_fields: false,
            depth_limit: DEFAULT_DEPTH_LIMIT,
            max_len: DEFAULT_MAX_LEN,
            registry: None,
        }
    }
}

impl fmt::Debug for ParseOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParseOptions")
            .field("ignore_unknown_fields", &self.ignore_unknown_fields)
            .field("depth_limit", &self.depth_limit)
            .field("max_len", &self.max_len)
            .field("registry", &self.registry.is_some())
            .finish()
    }
}

impl ParseOptions {
    /// The defaults: unknown fields are errors, nesting up to [`DEFAULT_DEPTH_LIMIT`], input up
    /// to [`DEFAULT_MAX_LEN`], no registry.
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

    /// Find the types `Any` fields hold, and extensions, in `registry`.
    pub fn registry(mut self, registry: Arc<TypeRegistry>) -> ParseOptions {
        self.registry = Some(registry);
        self
    }

    /// Whether unknown members are skipped.
    pub fn ignores_unknown_fields(&self) -> bool {
        self.ignore_unknown_fields
    }

    /// The nesting limit.
    pub fn nesting_limit(&self) -> u32 {
        self.depth_limit
    }

    /// The input length limit.
    pub fn length_limit(&self) -> usize {
        self.max_len
    }

    /// The registry, if one was set.
    pub fn type_registry(&self) -> Option<&Arc<TypeRegistry>> {
        self.registry.as_ref()
    }
}
