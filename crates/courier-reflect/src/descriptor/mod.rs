//! The descriptor pool and its handles.
//!
//! A [`DescriptorPool`] holds the files of a `FileDescriptorSet` (from courier-idl, protoc's
//! `--descriptor_set_out`, or server reflection), linked: every type name resolved, every field's
//! kind, cardinality, presence, packing, JSON name, default value and editions features
//! computed once, extensions indexed by the message they extend. Files are added one at a
//! time or as a set; a file's dependencies must be in the pool first (a set is added in
//! dependency order whatever its order), and a file that fails to link leaves the pool as it was.
//!
//! Handles ([`MessageDescriptor`], [`FieldDescriptor`], ...) are an `Arc` of the pool and an
//! index: cheap to clone, compared by identity. Adding files to a pool that handles still point
//! at copies it first (the handles keep seeing the pool as it was).

mod build;
mod error;
mod features;
mod handles;

use std::collections::HashMap;
use std::sync::Arc;

use courier_types::{
    EnumOptions, EnumValueOptions, FieldDescriptorProto, FileDescriptorProto, FileDescriptorSet,
    MessageOptions, MethodOptions, OneofOptions, ServiceOptions,
};
use courier_wire::Message as _;

pub use error::DescriptorError;
pub use features::{
    Edition, EnumType, Features, FieldPresence, JsonFormat, MessageEncoding, RepeatedFieldEncoding,
    Utf8Validation,
};
pub use handles::{
    Cardinality, EnumDescriptor, EnumValueDescriptor, ExtensionDescriptor, FieldDescriptor,
    FileDescriptor, Kind, MessageDescriptor, MethodDescriptor, OneofDescriptor, ServiceDescriptor,
};

use crate::dynamic::Value;

/// A set of linked protobuf files: the types dynamic messages, ProtoJSON and the text format
/// work from.
///
/// ```
/// use courier_reflect::DescriptorPool;
///
/// let mut c = courier_idl::Compiler::new();
/// c.add_file("hi.proto", "syntax = \"proto3\";\npackage demo;\nmessage Hi { repeated int32 n = 1; }\n");
/// let set = c.compile(&["hi.proto"]).unwrap().file_descriptor_set(true);
/// let pool = DescriptorPool::from_file_descriptor_set(set).unwrap();
/// let hi = pool.get_message_by_name("demo.Hi").unwrap();
/// let n = hi.get_field_by_name("n").unwrap();
/// assert!(n.is_list() && n.is_packed());
/// ```
#[derive(Clone, Default)]
pub struct DescriptorPool {
    pub(crate) inner: Arc<PoolInner>,
}

impl std::fmt::Debug for DescriptorPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DescriptorPool")
            .field(
                "files",
                &self
                    .inner
                    .files
                    .iter()
                    .map(|f| &*f.name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl PartialEq for DescriptorPool {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for DescriptorPool {}

impl DescriptorPool {
    /// An empty pool.
    pub fn new() -> DescriptorPool {
        DescriptorPool::default()
    }

    /// A pool of every file of `set` (in any order; dependencies must be in the set).
    pub fn from_file_descriptor_set(
        set: FileDescriptorSet,
    ) -> Result<DescriptorPool, DescriptorError> {
        let mut pool = DescriptorPool::new();
        pool.add_file_descriptor_set(set)?;
        Ok(pool)
    }

    /// A pool of the files of an encoded `FileDescriptorSet`.
    pub fn decode(bytes: &[u8]) -> Result<DescriptorPool, DescriptorError> {
        let set = FileDescriptorSet::decode(bytes).map_err(DescriptorError::decode)?;
        DescriptorPool::from_file_descriptor_set(set)
    }

    /// Adds the files of an encoded `FileDescriptorSet`.
    pub fn add_encoded_file_descriptor_set(&mut self, bytes: &[u8]) -> Result<(), DescriptorError> {
        let set = FileDescriptorSet::decode(bytes).map_err(DescriptorError::decode)?;
        self.add_file_descriptor_set(set)
    }

    /// Adds every file of `set`. The files may come in any order: each is added once the files
    /// it imports are in the pool. On an error, no file of the set is added.
    pub fn add_file_descriptor_set(
        &mut self,
        set: FileDescriptorSet,
    ) -> Result<(), DescriptorError> {
        self.add_file_descriptor_protos(set.file)
    }

    /// Adds `files` (in any order, as [`add_file_descriptor_set`](Self::add_file_descriptor_set)).
    pub fn add_file_descriptor_protos(
        &mut self,
        files: Vec<FileDescriptorProto>,
    ) -> Result<(), DescriptorError> {
        let mut staged = (*self.inner).clone();
        let mut pending: Vec<FileDescriptorProto> = files;
        while !pending.is_empty() {
            let before = pending.len();
            let mut rest = Vec::new();
            for f in pending {
                let ready = f
                    .dependency
                    .iter()
                    .all(|d| staged.file_names.contains_key(d.as_str()));
                if ready {
                    build::add_file(&mut staged, f)?;
                } else {
                    rest.push(f);
                }
            }
            if rest.len() == before {
                // Nothing could be added: report the first missing import.
                let f = &rest[0];
                let missing = f
                    .dependency
                    .iter()
                    .find(|d| {
                        !staged.file_names.contains_key(d.as_str())
                            && !rest.iter().any(|r| r.name.as_deref() == Some(d.as_str()))
                    })
                    .cloned();
                return Err(match missing {
                    Some(d) => DescriptorError::new(
                        f.name(),
                        format!("imports \"{d}\", which is not in the pool"),
                    ),
                    None => DescriptorError::new(f.name(), "is part of an import cycle"),
                });
            }
            pending = rest;
        }
        self.inner = Arc::new(staged);
        Ok(())
    }

    /// Adds one file; the files it imports must already be in the pool. Adding a file that is
    /// already there (byte for byte the same descriptor) does nothing.
    pub fn add_file_descriptor_proto(
        &mut self,
        file: FileDescriptorProto,
    ) -> Result<FileDescriptor, DescriptorError> {
        let inner = Arc::make_mut(&mut self.inner);
        let index = build::add_file_rollback(inner, file)?;
        Ok(FileDescriptor::new(self.clone(), index))
    }

    /// Adds one encoded `FileDescriptorProto`.
    pub fn add_encoded_file_descriptor_proto(
        &mut self,
        bytes: &[u8],
    ) -> Result<FileDescriptor, DescriptorError> {
        let file = FileDescriptorProto::decode(bytes).map_err(DescriptorError::decode)?;
        self.add_file_descriptor_proto(file)
    }

    /// Every file, in the order added.
    pub fn files(&self) -> impl ExactSizeIterator<Item = FileDescriptor> + '_ {
        (0..self.inner.files.len()).map(|i| FileDescriptor::new(self.clone(), i as u32))
    }

    /// The file named `name` (its import path).
    pub fn get_file_by_name(&self, name: &str) -> Option<FileDescriptor> {
        let i = *self.inner.file_names.get(name)?;
        Some(FileDescriptor::new(self.clone(), i))
    }

    /// Every message, nested ones included (map entries too), in the order defined.
    pub fn all_messages(&self) -> impl ExactSizeIterator<Item = MessageDescriptor> + '_ {
        (0..self.inner.messages.len()).map(|i| MessageDescriptor::new(self.clone(), i as u32))
    }

    /// Every enum, nested ones included.
    pub fn all_enums(&self) -> impl ExactSizeIterator<Item = EnumDescriptor> + '_ {
        (0..self.inner.enums.len()).map(|i| EnumDescriptor::new(self.clone(), i as u32))
    }

    /// Every extension.
    pub fn all_extensions(&self) -> impl Iterator<Item = ExtensionDescriptor> + '_ {
        self.inner
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.is_extension)
            .map(|(i, _)| ExtensionDescriptor::new(self.clone(), i as u32))
    }

    /// Every service.
    pub fn services(&self) -> impl ExactSizeIterator<Item = ServiceDescriptor> + '_ {
        (0..self.inner.services.len()).map(|i| ServiceDescriptor::new(self.clone(), i as u32))
    }

    /// The message named `full_name` (`pkg.Outer.Inner`, with or without a leading dot).
    pub fn get_message_by_name(&self, full_name: &str) -> Option<MessageDescriptor> {
        match self.inner.symbol(full_name)? {
            Symbol::Message(i) => Some(MessageDescriptor::new(self.clone(), i)),
            _ => None,
        }
    }

    /// The enum named `full_name`.
    pub fn get_enum_by_name(&self, full_name: &str) -> Option<EnumDescriptor> {
        match self.inner.symbol(full_name)? {
            Symbol::Enum(i) => Some(EnumDescriptor::new(self.clone(), i)),
            _ => None,
        }
    }

    /// The service named `full_name`.
    pub fn get_service_by_name(&self, full_name: &str) -> Option<ServiceDescriptor> {
        match self.inner.symbol(full_name)? {
            Symbol::Service(i) => Some(ServiceDescriptor::new(self.clone(), i)),
            _ => None,
        }
    }

    /// The extension named `full_name` (`pkg.ext` or `pkg.Scope.ext`).
    pub fn get_extension_by_name(&self, full_name: &str) -> Option<ExtensionDescriptor> {
        match self.inner.symbol(full_name)? {
            Symbol::Extension(i) => Some(ExtensionDescriptor::new(self.clone(), i)),
            _ => None,
        }
    }

    /// The method named `full_name` (`pkg.Service.Method`).
    pub fn get_method_by_name(&self, full_name: &str) -> Option<MethodDescriptor> {
        match self.inner.symbol(full_name)? {
            Symbol::Method(i) => Some(MethodDescriptor::new(self.clone(), i)),
            _ => None,
        }
    }

    /// Every file as a `FileDescriptorSet` (in the order added, so dependencies first).
    pub fn file_descriptor_set(&self) -> FileDescriptorSet {
        FileDescriptorSet {
            file: self.inner.files.iter().map(|f| f.proto.clone()).collect(),
            ..Default::default()
        }
    }
}

/// What a full name names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Symbol {
    Package,
    Message(u32),
    Field(u32),
    Oneof(u32),
    Extension(u32),
    Enum(u32),
    EnumValue(u32),
    Service(u32),
    Method(u32),
}

/// The well-known types with a special ProtoJSON form (and `Empty`, which has none but is
/// worth naming).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WellKnown {
    Any,
    Timestamp,
    Duration,
    FieldMask,
    Struct,
    Value,
    ListValue,
    DoubleValue,
    FloatValue,
    Int64Value,
    UInt64Value,
    Int32Value,
    UInt32Value,
    BoolValue,
    StringValue,
    BytesValue,
    Empty,
}

impl WellKnown {
    fn from_name(full_name: &str) -> Option<WellKnown> {
        Some(match full_name.strip_prefix("google.protobuf.")? {
            "Any" => WellKnown::Any,
            "Timestamp" => WellKnown::Timestamp,
            "Duration" => WellKnown::Duration,
            "FieldMask" => WellKnown::FieldMask,
            "Struct" => WellKnown::Struct,
            "Value" => WellKnown::Value,
            "ListValue" => WellKnown::ListValue,
            "DoubleValue" => WellKnown::DoubleValue,
            "FloatValue" => WellKnown::FloatValue,
            "Int64Value" => WellKnown::Int64Value,
            "UInt64Value" => WellKnown::UInt64Value,
            "Int32Value" => WellKnown::Int32Value,
            "UInt32Value" => WellKnown::UInt32Value,
            "BoolValue" => WellKnown::BoolValue,
            "StringValue" => WellKnown::StringValue,
            "BytesValue" => WellKnown::BytesValue,
            "Empty" => WellKnown::Empty,
            _ => return None,
        })
    }
}

/// A field's type, with message and enum types as pool indexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KindIndex {
    Double,
    Float,
    Int64,
    Uint64,
    Int32,
    Fixed64,
    Fixed32,
    Bool,
    String,
    Bytes,
    Uint32,
    Sfixed32,
    Sfixed64,
    Sint32,
    Sint64,
    Message(u32),
    Enum(u32),
}

impl KindIndex {
    /// Whether a repeated field of this kind may be packed.
    pub(crate) fn is_packable(self) -> bool {
        !matches!(
            self,
            KindIndex::String | KindIndex::Bytes | KindIndex::Message(_)
        )
    }
}

#[derive(Clone, Debug)]
pub(crate) struct FileInner {
    pub(crate) name: Box<str>,
    pub(crate) package: Box<str>,
    pub(crate) edition: Edition,
    pub(crate) proto: FileDescriptorProto,
    pub(crate) dependencies: Vec<u32>,
    pub(crate) public_dependencies: Vec<u32>,
    pub(crate) messages: Vec<u32>,
    pub(crate) enums: Vec<u32>,
    pub(crate) services: Vec<u32>,
    pub(crate) extensions: Vec<u32>,
    pub(crate) features: Features,
}

/// Field numbers below this are found through a direct table when the message has one.
pub(crate) const DENSE_LIMIT: u32 = 256;

/// No field in a [`MessageInner::dense`] slot.
pub(crate) const NO_FIELD: u32 = u32::MAX;

#[derive(Clone, Debug)]
pub(crate) struct MessageInner {
    pub(crate) name: Box<str>,
    pub(crate) full_name: Box<str>,
    pub(crate) file: u32,
    pub(crate) parent: Option<u32>,
    /// Regular fields in declaration order (indexes into `PoolInner::fields`).
    pub(crate) fields: Vec<u32>,
    /// Regular fields in field-number order.
    pub(crate) by_number: Vec<u32>,
    /// `number -> field index` for numbers below [`DENSE_LIMIT`] ([`NO_FIELD`]: none); empty
    /// when the message has no such fields.
    pub(crate) dense: Vec<u32>,
    /// JSON names and proto names of the regular fields.
    pub(crate) json_names: HashMap<Box<str>, u32>,
    pub(crate) oneofs: Vec<u32>,
    pub(crate) messages: Vec<u32>,
    pub(crate) enums: Vec<u32>,
    /// Extensions declared inside this message.
    pub(crate) scoped_extensions: Vec<u32>,
    /// Extensions of this message (whatever their scope), by number.
    pub(crate) extensions: Vec<(u32, u32)>,
    pub(crate) extension_ranges: Vec<(u32, u32)>,
    pub(crate) reserved_ranges: Vec<(u32, u32)>,
    pub(crate) reserved_names: Vec<Box<str>>,
    pub(crate) map_entry: bool,
    pub(crate) message_set: bool,
    pub(crate) features: Features,
    pub(crate) options: Option<MessageOptions>,
    pub(crate) well_known: Option<WellKnown>,
}

#[derive(Clone, Debug)]
pub(crate) struct FieldInner {
    pub(crate) name: Box<str>,
    pub(crate) full_name: Box<str>,
    pub(crate) json_name: Box<str>,
    pub(crate) number: u32,
    pub(crate) kind: KindIndex,
    pub(crate) cardinality: Cardinality,
    pub(crate) presence: bool,
    pub(crate) packed: bool,
    pub(crate) delimited: bool,
    pub(crate) map: bool,
    pub(crate) oneof: Option<u32>,
    /// The message the field belongs to (an extension's extendee).
    pub(crate) message: u32,
    /// An extension's scope (the message it is declared in; `None` at file level).
    pub(crate) scope: Option<u32>,
    pub(crate) file: u32,
    /// Position among the message's fields (or the scope's extensions).
    pub(crate) index: u32,
    pub(crate) is_extension: bool,
    pub(crate) features: Features,
    pub(crate) default: Option<Value>,
    pub(crate) proto: FieldDescriptorProto,
}

#[derive(Clone, Debug)]
pub(crate) struct OneofInner {
    pub(crate) name: Box<str>,
    pub(crate) full_name: Box<str>,
    pub(crate) message: u32,
    pub(crate) fields: Vec<u32>,
    pub(crate) synthetic: bool,
    pub(crate) features: Features,
    pub(crate) options: Option<OneofOptions>,
    pub(crate) index: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct EnumInner {
    pub(crate) name: Box<str>,
    pub(crate) full_name: Box<str>,
    pub(crate) file: u32,
    pub(crate) parent: Option<u32>,
    pub(crate) values: Vec<u32>,
    /// Numbers to the first value declared with that number, sorted by number.
    pub(crate) by_number: Vec<(i32, u32)>,
    pub(crate) by_name: HashMap<Box<str>, u32>,
    pub(crate) closed: bool,
    pub(crate) features: Features,
    pub(crate) options: Option<EnumOptions>,
    pub(crate) reserved_ranges: Vec<(i32, i32)>,
    pub(crate) reserved_names: Vec<Box<str>>,
}

#[derive(Clone, Debug)]
pub(crate) struct EnumValueInner {
    pub(crate) name: Box<str>,
    pub(crate) full_name: Box<str>,
    pub(crate) number: i32,
    pub(crate) parent: u32,
    pub(crate) index: u32,
    pub(crate) features: Features,
    pub(crate) options: Option<EnumValueOptions>,
}

#[derive(Clone, Debug)]
pub(crate) struct ServiceInner {
    pub(crate) name: Box<str>,
    pub(crate) full_name: Box<str>,
    pub(crate) file: u32,
    pub(crate) methods: Vec<u32>,
    pub(crate) options: Option<ServiceOptions>,
}

#[derive(Clone, Debug)]
pub(crate) struct MethodInner {
    pub(crate) name: Box<str>,
    pub(crate) full_name: Box<str>,
    pub(crate) service: u32,
    pub(crate) input: u32,
    pub(crate) output: u32,
    pub(crate) client_streaming: bool,
    pub(crate) server_streaming: bool,
    pub(crate) options: Option<MethodOptions>,
}

/// The linked contents of a pool.
#[derive(Clone, Debug, Default)]
pub(crate) struct PoolInner {
    pub(crate) files: Vec<FileInner>,
    pub(crate) messages: Vec<MessageInner>,
    pub(crate) fields: Vec<FieldInner>,
    pub(crate) oneofs: Vec<OneofInner>,
    pub(crate) enums: Vec<EnumInner>,
    pub(crate) enum_values: Vec<EnumValueInner>,
    pub(crate) services: Vec<ServiceInner>,
    pub(crate) methods: Vec<MethodInner>,
    pub(crate) names: HashMap<Box<str>, Symbol>,
    pub(crate) file_names: HashMap<Box<str>, u32>,
}

impl PoolInner {
    pub(crate) fn symbol(&self, full_name: &str) -> Option<Symbol> {
        let name = full_name.strip_prefix('.').unwrap_or(full_name);
        self.names.get(name).copied()
    }

    /// The regular field of message `m` numbered `number`.
    #[inline]
    pub(crate) fn field_by_number(&self, m: &MessageInner, number: u32) -> Option<u32> {
        if number < DENSE_LIMIT {
            if let Some(&slot) = m.dense.get(number as usize) {
                return (slot != NO_FIELD).then_some(slot);
            }
        }
        m.by_number
            .binary_search_by_key(&number, |&f| self.fields[f as usize].number)
            .ok()
            .map(|i| m.by_number[i])
    }

    /// The extension of message `m` numbered `number`.
    pub(crate) fn extension_by_number(&self, m: &MessageInner, number: u32) -> Option<u32> {
        m.extensions
            .binary_search_by_key(&number, |&(n, _)| n)
            .ok()
            .map(|i| m.extensions[i].1)
    }
}
