//! The handles: an `Arc` of the pool and an index, with accessors.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use courier_types::{
    EnumOptions, EnumValueOptions, FieldOptions, FileDescriptorProto, FileOptions, MessageOptions,
    MethodOptions, OneofOptions, ServiceOptions,
};

use super::features::{Edition, Features};
use super::{
    DescriptorPool, EnumInner, EnumValueInner, FieldInner, FileInner, KindIndex, MessageInner,
    MethodInner, OneofInner, PoolInner, ServiceInner, WellKnown,
};
use crate::dynamic::Value;

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident, $vec:ident, $inner:ty) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            pool: DescriptorPool,
            index: u32,
        }

        impl $name {
            #[inline]
            pub(crate) fn new(pool: DescriptorPool, index: u32) -> Self {
                $name { pool, index }
            }

            #[inline]
            pub(crate) fn inner(&self) -> &$inner {
                &self.pool.inner.$vec[self.index as usize]
            }

            #[inline]
            #[allow(dead_code)] // Not every handle needs it.
            pub(crate) fn pool_inner(&self) -> &PoolInner {
                &self.pool.inner
            }

            #[inline]
            #[allow(dead_code)] // Not every handle needs it.
            pub(crate) fn index_in_pool(&self) -> u32 {
                self.index
            }

            /// The pool this descriptor belongs to.
            pub fn parent_pool(&self) -> &DescriptorPool {
                &self.pool
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.index == other.index && Arc::ptr_eq(&self.pool.inner, &other.pool.inner)
            }
        }

        impl Eq for $name {}

        impl Hash for $name {
            fn hash<H: Hasher>(&self, state: &mut H) {
                (Arc::as_ptr(&self.pool.inner) as usize).hash(state);
                self.index.hash(state);
            }
        }
    };
}

handle!(
    /// A `.proto` file in a pool.
    FileDescriptor, files, FileInner
);
handle!(
    /// A message type.
    MessageDescriptor, messages, MessageInner
);
handle!(
    /// A field of a message (not an extension; see [`ExtensionDescriptor`]).
    FieldDescriptor, fields, FieldInner
);
handle!(
    /// An extension field: declared in one place, a field of the message it extends.
    ExtensionDescriptor, fields, FieldInner
);
handle!(
    /// A oneof of a message (synthetic ones, for proto3 `optional` fields, included).
    OneofDescriptor, oneofs, OneofInner
);
handle!(
    /// An enum type.
    EnumDescriptor, enums, EnumInner
);
handle!(
    /// A value of an enum.
    EnumValueDescriptor, enum_values, EnumValueInner
);
handle!(
    /// A service.
    ServiceDescriptor, services, ServiceInner
);
handle!(
    /// A method of a service.
    MethodDescriptor, methods, MethodInner
);

macro_rules! debug_by_name {
    ($($name:ident),*) => {$(
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.full_name())
            }
        }
    )*};
}

debug_by_name!(
    MessageDescriptor,
    FieldDescriptor,
    ExtensionDescriptor,
    OneofDescriptor,
    EnumDescriptor,
    EnumValueDescriptor,
    ServiceDescriptor,
    MethodDescriptor
);

impl fmt::Debug for FileDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileDescriptor({})", self.name())
    }
}

/// A field's type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `double`.
    Double,
    /// `float`.
    Float,
    /// `int32`.
    Int32,
    /// `int64`.
    Int64,
    /// `uint32`.
    Uint32,
    /// `uint64`.
    Uint64,
    /// `sint32`.
    Sint32,
    /// `sint64`.
    Sint64,
    /// `fixed32`.
    Fixed32,
    /// `fixed64`.
    Fixed64,
    /// `sfixed32`.
    Sfixed32,
    /// `sfixed64`.
    Sfixed64,
    /// `bool`.
    Bool,
    /// `string`.
    String,
    /// `bytes`.
    Bytes,
    /// A message (length-prefixed or delimited: see [`FieldDescriptor::is_group`]).
    Message(MessageDescriptor),
    /// An enum.
    Enum(EnumDescriptor),
}

impl Kind {
    pub(crate) fn from_index(pool: &DescriptorPool, k: KindIndex) -> Kind {
        match k {
            KindIndex::Double => Kind::Double,
            KindIndex::Float => Kind::Float,
            KindIndex::Int64 => Kind::Int64,
            KindIndex::Uint64 => Kind::Uint64,
            KindIndex::Int32 => Kind::Int32,
            KindIndex::Fixed64 => Kind::Fixed64,
            KindIndex::Fixed32 => Kind::Fixed32,
            KindIndex::Bool => Kind::Bool,
            KindIndex::String => Kind::String,
            KindIndex::Bytes => Kind::Bytes,
            KindIndex::Uint32 => Kind::Uint32,
            KindIndex::Sfixed32 => Kind::Sfixed32,
            KindIndex::Sfixed64 => Kind::Sfixed64,
            KindIndex::Sint32 => Kind::Sint32,
            KindIndex::Sint64 => Kind::Sint64,
            KindIndex::Message(m) => Kind::Message(MessageDescriptor::new(pool.clone(), m)),
            KindIndex::Enum(e) => Kind::Enum(EnumDescriptor::new(pool.clone(), e)),
        }
    }

    /// The message type, for [`Kind::Message`].
    pub fn as_message(&self) -> Option<&MessageDescriptor> {
        match self {
            Kind::Message(m) => Some(m),
            _ => None,
        }
    }

    /// The enum type, for [`Kind::Enum`].
    pub fn as_enum(&self) -> Option<&EnumDescriptor> {
        match self {
            Kind::Enum(e) => Some(e),
            _ => None,
        }
    }

    /// Whether a repeated field of this kind can be packed (numbers, bool, enums).
    pub fn is_packable(&self) -> bool {
        !matches!(self, Kind::String | Kind::Bytes | Kind::Message(_))
    }
}

/// How many values a field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cardinality {
    /// At most one (`optional`, proto3 singular, editions' explicit or implicit presence).
    Optional,
    /// Exactly one (proto2 `required`, editions' `LEGACY_REQUIRED`).
    Required,
    /// Any number (`repeated`, and maps).
    Repeated,
}

impl FileDescriptor {
    /// The file's name (its import path, `google/protobuf/any.proto`).
    pub fn name(&self) -> &str {
        &self.inner().name
    }

    /// The package (empty when none).
    pub fn package_name(&self) -> &str {
        &self.inner().package
    }

    /// The edition (proto2 and proto3 files as the legacy editions).
    pub fn edition(&self) -> Edition {
        self.inner().edition
    }

    /// The files this one imports.
    pub fn dependencies(&self) -> impl ExactSizeIterator<Item = FileDescriptor> + '_ {
        self.inner()
            .dependencies
            .iter()
            .map(|&i| FileDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The files this one imports publicly.
    pub fn public_dependencies(&self) -> impl ExactSizeIterator<Item = FileDescriptor> + '_ {
        self.inner()
            .public_dependencies
            .iter()
            .map(|&i| FileDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The top-level messages.
    pub fn messages(&self) -> impl ExactSizeIterator<Item = MessageDescriptor> + '_ {
        self.inner()
            .messages
            .iter()
            .map(|&i| MessageDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The top-level enums.
    pub fn enums(&self) -> impl ExactSizeIterator<Item = EnumDescriptor> + '_ {
        self.inner()
            .enums
            .iter()
            .map(|&i| EnumDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The services.
    pub fn services(&self) -> impl ExactSizeIterator<Item = ServiceDescriptor> + '_ {
        self.inner()
            .services
            .iter()
            .map(|&i| ServiceDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The extensions declared at file level.
    pub fn extensions(&self) -> impl ExactSizeIterator<Item = ExtensionDescriptor> + '_ {
        self.inner()
            .extensions
            .iter()
            .map(|&i| ExtensionDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The descriptor the file was added from.
    pub fn file_descriptor_proto(&self) -> &FileDescriptorProto {
        &self.inner().proto
    }

    /// The file's options.
    pub fn options(&self) -> Option<&FileOptions> {
        self.inner().proto.options.as_ref()
    }

    /// The file's resolved features.
    pub fn features(&self) -> &Features {
        &self.inner().features
    }
}

impl MessageDescriptor {
    /// The short name (`Inner`).
    pub fn name(&self) -> &str {
        &self.inner().name
    }

    /// The full name (`pkg.Outer.Inner`).
    pub fn full_name(&self) -> &str {
        &self.inner().full_name
    }

    /// The package of the file it is defined in.
    pub fn package_name(&self) -> &str {
        &self.pool_inner().files[self.inner().file as usize].package
    }

    /// The file it is defined in.
    pub fn parent_file(&self) -> FileDescriptor {
        FileDescriptor::new(self.parent_pool().clone(), self.inner().file)
    }

    /// The message it is nested in.
    pub fn parent_message(&self) -> Option<MessageDescriptor> {
        self.inner()
            .parent
            .map(|p| MessageDescriptor::new(self.parent_pool().clone(), p))
    }

    /// Its fields in declaration order.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = FieldDescriptor> + '_ {
        self.inner()
            .fields
            .iter()
            .map(|&i| FieldDescriptor::new(self.parent_pool().clone(), i))
    }

    /// Its fields in field-number order (the order they are encoded in).
    pub fn fields_by_number(&self) -> impl ExactSizeIterator<Item = FieldDescriptor> + '_ {
        self.inner()
            .by_number
            .iter()
            .map(|&i| FieldDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The field numbered `number`.
    pub fn get_field(&self, number: u32) -> Option<FieldDescriptor> {
        let i = self.pool_inner().field_by_number(self.inner(), number)?;
        Some(FieldDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The field named `name` (its `.proto` name).
    pub fn get_field_by_name(&self, name: &str) -> Option<FieldDescriptor> {
        let i = *self.inner().json_names.get(name)?;
        (*self.pool_inner().fields[i as usize].name == *name)
            .then(|| FieldDescriptor::new(self.parent_pool().clone(), i))
            .or_else(|| self.fields().find(|f| f.name() == name))
    }

    /// The field whose JSON name is `json_name`.
    pub fn get_field_by_json_name(&self, json_name: &str) -> Option<FieldDescriptor> {
        let i = *self.inner().json_names.get(json_name)?;
        (*self.pool_inner().fields[i as usize].json_name == *json_name)
            .then(|| FieldDescriptor::new(self.parent_pool().clone(), i))
            .or_else(|| self.fields().find(|f| f.json_name() == json_name))
    }

    /// Its oneofs, synthetic ones included.
    pub fn oneofs(&self) -> impl ExactSizeIterator<Item = OneofDescriptor> + '_ {
        self.inner()
            .oneofs
            .iter()
            .map(|&i| OneofDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The messages nested in it (map entries included).
    pub fn child_messages(&self) -> impl ExactSizeIterator<Item = MessageDescriptor> + '_ {
        self.inner()
            .messages
            .iter()
            .map(|&i| MessageDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The enums nested in it.
    pub fn child_enums(&self) -> impl ExactSizeIterator<Item = EnumDescriptor> + '_ {
        self.inner()
            .enums
            .iter()
            .map(|&i| EnumDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The extensions declared inside it (of any message).
    pub fn child_extensions(&self) -> impl ExactSizeIterator<Item = ExtensionDescriptor> + '_ {
        self.inner()
            .scoped_extensions
            .iter()
            .map(|&i| ExtensionDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The extensions of this message in the pool, by number.
    pub fn extensions(&self) -> impl ExactSizeIterator<Item = ExtensionDescriptor> + '_ {
        self.inner()
            .extensions
            .iter()
            .map(|&(_, i)| ExtensionDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The extension of this message numbered `number`.
    pub fn get_extension(&self, number: u32) -> Option<ExtensionDescriptor> {
        let i = self
            .pool_inner()
            .extension_by_number(self.inner(), number)?;
        Some(ExtensionDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The extension of this message named `full_name`.
    pub fn get_extension_by_full_name(&self, full_name: &str) -> Option<ExtensionDescriptor> {
        let x = self.parent_pool().get_extension_by_name(full_name)?;
        (x.inner().message == self.index_in_pool()).then_some(x)
    }

    /// The extension ranges, as `start..end` (end exclusive).
    pub fn extension_ranges(&self) -> impl ExactSizeIterator<Item = std::ops::Range<u32>> + '_ {
        self.inner().extension_ranges.iter().map(|&(s, e)| s..e)
    }

    /// The reserved field number ranges, as `start..end` (end exclusive).
    pub fn reserved_ranges(&self) -> impl ExactSizeIterator<Item = std::ops::Range<u32>> + '_ {
        self.inner().reserved_ranges.iter().map(|&(s, e)| s..e)
    }

    /// The reserved field names.
    pub fn reserved_names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.inner().reserved_names.iter().map(|s| &**s)
    }

    /// Whether this is the synthetic entry message of a map field.
    pub fn is_map_entry(&self) -> bool {
        self.inner().map_entry
    }

    /// A map entry's `key` field.
    pub fn map_entry_key_field(&self) -> Option<FieldDescriptor> {
        self.is_map_entry().then(|| self.get_field(1)).flatten()
    }

    /// A map entry's `value` field.
    pub fn map_entry_value_field(&self) -> Option<FieldDescriptor> {
        self.is_map_entry().then(|| self.get_field(2)).flatten()
    }

    /// Whether the message uses the (legacy) message set wire format.
    pub fn is_message_set(&self) -> bool {
        self.inner().message_set
    }

    /// The message's options.
    pub fn options(&self) -> Option<&MessageOptions> {
        self.inner().options.as_ref()
    }

    /// The message's resolved features.
    pub fn features(&self) -> &Features {
        &self.inner().features
    }

    pub(crate) fn well_known(&self) -> Option<WellKnown> {
        self.inner().well_known
    }

    /// Whether this is one of the `google.protobuf` well-known types with a ProtoJSON form of
    /// its own (`Any`, `Timestamp`, `Duration`, `FieldMask`, `Struct`, `Value`, `ListValue`,
    /// the wrappers) or `Empty`.
    pub fn is_well_known_type(&self) -> bool {
        self.well_known().is_some()
    }
}

macro_rules! field_accessors {
    ($name:ident) => {
        impl $name {
            /// The short name.
            pub fn name(&self) -> &str {
                &self.inner().name
            }

            /// The full name (`pkg.Msg.field`; an extension's is its scope's name and its own).
            pub fn full_name(&self) -> &str {
                &self.inner().full_name
            }

            /// The JSON name: `json_name` when set, else protoc's lowerCamelCase of the name.
            pub fn json_name(&self) -> &str {
                &self.inner().json_name
            }

            /// The field number.
            pub fn number(&self) -> u32 {
                self.inner().number
            }

            /// The field's type.
            pub fn kind(&self) -> Kind {
                Kind::from_index(self.parent_pool(), self.inner().kind)
            }

            /// How many values it holds.
            pub fn cardinality(&self) -> Cardinality {
                self.inner().cardinality
            }

            /// Whether it is repeated and not a map.
            pub fn is_list(&self) -> bool {
                self.inner().cardinality == Cardinality::Repeated && !self.inner().map
            }

            /// Whether it is a map.
            pub fn is_map(&self) -> bool {
                self.inner().map
            }

            /// Whether it is required (proto2 `required`, `LEGACY_REQUIRED`).
            pub fn is_required(&self) -> bool {
                self.inner().cardinality == Cardinality::Required
            }

            /// Whether set and unset are told apart: singular fields that are messages,
            /// extensions, oneof members, or have explicit presence (never repeated ones).
            pub fn supports_presence(&self) -> bool {
                self.inner().presence
            }

            /// Whether a repeated scalar is written packed.
            pub fn is_packed(&self) -> bool {
                self.inner().packed
            }

            /// Whether a message field is written as a group (proto2 groups, `DELIMITED`).
            pub fn is_group(&self) -> bool {
                self.inner().delimited
            }

            /// The default value of a singular field: its `default` option, or the type's zero
            /// (the first value of an enum, an empty message).
            pub fn default_value(&self) -> Value {
                crate::dynamic::default_value(self.pool_inner(), self.parent_pool(), self.inner())
            }

            /// Whether a `default` is declared.
            pub fn has_default_value(&self) -> bool {
                self.inner().default.is_some()
            }

            /// The field's options.
            pub fn options(&self) -> Option<&FieldOptions> {
                self.inner().proto.options.as_ref()
            }

            /// The field's resolved features.
            pub fn features(&self) -> &Features {
                &self.inner().features
            }

            /// The file it is declared in.
            pub fn parent_file(&self) -> FileDescriptor {
                FileDescriptor::new(self.parent_pool().clone(), self.inner().file)
            }

            /// The descriptor the field was built from.
            pub fn field_descriptor_proto(&self) -> &courier_types::FieldDescriptorProto {
                &self.inner().proto
            }
        }
    };
}

field_accessors!(FieldDescriptor);
field_accessors!(ExtensionDescriptor);

impl FieldDescriptor {
    /// The message the field belongs to.
    pub fn containing_message(&self) -> MessageDescriptor {
        MessageDescriptor::new(self.parent_pool().clone(), self.inner().message)
    }

    /// Its position among the message's fields (declaration order).
    pub fn index(&self) -> usize {
        self.inner().index as usize
    }

    /// The oneof it is a member of, synthetic oneofs (proto3 `optional`) included.
    pub fn containing_oneof(&self) -> Option<OneofDescriptor> {
        self.inner()
            .oneof
            .map(|o| OneofDescriptor::new(self.parent_pool().clone(), o))
    }

    /// The oneof it is a member of, not counting synthetic ones.
    pub fn real_oneof(&self) -> Option<OneofDescriptor> {
        self.containing_oneof().filter(|o| !o.is_synthetic())
    }
}

impl ExtensionDescriptor {
    /// The message it extends.
    pub fn containing_message(&self) -> MessageDescriptor {
        MessageDescriptor::new(self.parent_pool().clone(), self.inner().message)
    }

    /// The message it is declared in (`None` at file level).
    pub fn parent_message(&self) -> Option<MessageDescriptor> {
        self.inner()
            .scope
            .map(|m| MessageDescriptor::new(self.parent_pool().clone(), m))
    }

    /// The key ProtoJSON uses for it: `[full.name]`.
    pub fn json_key(&self) -> String {
        format!("[{}]", self.full_name())
    }
}

impl OneofDescriptor {
    /// The short name.
    pub fn name(&self) -> &str {
        &self.inner().name
    }

    /// The full name.
    pub fn full_name(&self) -> &str {
        &self.inner().full_name
    }

    /// The message it belongs to.
    pub fn parent_message(&self) -> MessageDescriptor {
        MessageDescriptor::new(self.parent_pool().clone(), self.inner().message)
    }

    /// Its member fields.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = FieldDescriptor> + '_ {
        self.inner()
            .fields
            .iter()
            .map(|&i| FieldDescriptor::new(self.parent_pool().clone(), i))
    }

    /// Its position among the message's oneofs.
    pub fn index(&self) -> usize {
        self.inner().index as usize
    }

    /// Whether it is the synthetic oneof of a proto3 `optional` field.
    pub fn is_synthetic(&self) -> bool {
        self.inner().synthetic
    }

    /// Its options.
    pub fn options(&self) -> Option<&OneofOptions> {
        self.inner().options.as_ref()
    }

    /// Its resolved features.
    pub fn features(&self) -> &Features {
        &self.inner().features
    }
}

impl EnumDescriptor {
    /// The short name.
    pub fn name(&self) -> &str {
        &self.inner().name
    }

    /// The full name.
    pub fn full_name(&self) -> &str {
        &self.inner().full_name
    }

    /// The file it is defined in.
    pub fn parent_file(&self) -> FileDescriptor {
        FileDescriptor::new(self.parent_pool().clone(), self.inner().file)
    }

    /// The message it is nested in.
    pub fn parent_message(&self) -> Option<MessageDescriptor> {
        self.inner()
            .parent
            .map(|p| MessageDescriptor::new(self.parent_pool().clone(), p))
    }

    /// Its values in declaration order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = EnumValueDescriptor> + '_ {
        self.inner()
            .values
            .iter()
            .map(|&i| EnumValueDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The first value declared with `number` (with aliases, the name printers use).
    pub fn get_value(&self, number: i32) -> Option<EnumValueDescriptor> {
        let e = self.inner();
        let i = e
            .by_number
            .binary_search_by_key(&number, |&(n, _)| n)
            .ok()?;
        Some(EnumValueDescriptor::new(
            self.parent_pool().clone(),
            e.by_number[i].1,
        ))
    }

    /// The value named `name`.
    pub fn get_value_by_name(&self, name: &str) -> Option<EnumValueDescriptor> {
        let i = *self.inner().by_name.get(name)?;
        Some(EnumValueDescriptor::new(self.parent_pool().clone(), i))
    }

    /// The first value (the default of a field of this enum).
    pub fn default_value(&self) -> EnumValueDescriptor {
        EnumValueDescriptor::new(self.parent_pool().clone(), self.inner().values[0])
    }

    /// Whether the enum is closed (unknown values go to the unknown fields).
    pub fn is_closed(&self) -> bool {
        self.inner().closed
    }

    /// The reserved number ranges, as `start..=end`.
    pub fn reserved_ranges(
        &self,
    ) -> impl ExactSizeIterator<Item = std::ops::RangeInclusive<i32>> + '_ {
        self.inner().reserved_ranges.iter().map(|&(s, e)| s..=e)
    }

    /// The reserved names.
    pub fn reserved_names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.inner().reserved_names.iter().map(|s| &**s)
    }

    /// Its options.
    pub fn options(&self) -> Option<&EnumOptions> {
        self.inner().options.as_ref()
    }

    /// Its resolved features.
    pub fn features(&self) -> &Features {
        &self.inner().features
    }
}

impl EnumValueDescriptor {
    /// The name.
    pub fn name(&self) -> &str {
        &self.inner().name
    }

    /// The full name (a sibling of its enum: `pkg.VALUE`, not `pkg.Enum.VALUE`).
    pub fn full_name(&self) -> &str {
        &self.inner().full_name
    }

    /// The number.
    pub fn number(&self) -> i32 {
        self.inner().number
    }

    /// The enum it belongs to.
    pub fn parent_enum(&self) -> EnumDescriptor {
        EnumDescriptor::new(self.parent_pool().clone(), self.inner().parent)
    }

    /// Its position in the enum.
    pub fn index(&self) -> usize {
        self.inner().index as usize
    }

    /// Its options.
    pub fn options(&self) -> Option<&EnumValueOptions> {
        self.inner().options.as_ref()
    }

    /// Its resolved features.
    pub fn features(&self) -> &Features {
        &self.inner().features
    }
}

impl ServiceDescriptor {
    /// The short name.
    pub fn name(&self) -> &str {
        &self.inner().name
    }

    /// The full name.
    pub fn full_name(&self) -> &str {
        &self.inner().full_name
    }

    /// The file it is defined in.
    pub fn parent_file(&self) -> FileDescriptor {
        FileDescriptor::new(self.parent_pool().clone(), self.inner().file)
    }

    /// Its methods.
    pub fn methods(&self) -> impl ExactSizeIterator<Item = MethodDescriptor> + '_ {
        self.inner()
            .methods
            .iter()
            .map(|&i| MethodDescriptor::new(self.parent_pool().clone(), i))
    }

    /// Its options.
    pub fn options(&self) -> Option<&ServiceOptions> {
        self.inner().options.as_ref()
    }
}

impl MethodDescriptor {
    /// The short name.
    pub fn name(&self) -> &str {
        &self.inner().name
    }

    /// The full name (`pkg.Service.Method`).
    pub fn full_name(&self) -> &str {
        &self.inner().full_name
    }

    /// The service it belongs to.
    pub fn parent_service(&self) -> ServiceDescriptor {
        ServiceDescriptor::new(self.parent_pool().clone(), self.inner().service)
    }

    /// The request message type.
    pub fn input(&self) -> MessageDescriptor {
        MessageDescriptor::new(self.parent_pool().clone(), self.inner().input)
    }

    /// The response message type.
    pub fn output(&self) -> MessageDescriptor {
        MessageDescriptor::new(self.parent_pool().clone(), self.inner().output)
    }

    /// Whether the client streams requests.
    pub fn is_client_streaming(&self) -> bool {
        self.inner().client_streaming
    }

    /// Whether the server streams responses.
    pub fn is_server_streaming(&self) -> bool {
        self.inner().server_streaming
    }

    /// The gRPC path, `/pkg.Service/Method`.
    pub fn path(&self) -> String {
        format!("/{}/{}", self.parent_service().full_name(), self.name())
    }

    /// Its options.
    pub fn options(&self) -> Option<&MethodOptions> {
        self.inner().options.as_ref()
    }
}
