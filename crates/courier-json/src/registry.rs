//! [`TypeRegistry`]: the message types an `Any` may hold and the extensions messages may carry,
//! found by name when ProtoJSON meets them.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use courier_wire::{DecodeOptions, Message, UnknownFields};

use crate::message::{Parser, Printer, ProtoJson};
use crate::reader::{Error, Reader};
use crate::writer::Writer;

/// How ProtoJSON prints and parses the message an `Any` holds, given as its binary encoding:
/// [`TypedCodec`] for a generated type; anything else (a dynamic message type) can implement it
/// too.
pub trait AnyCodec: Send + Sync {
    /// The message's full name (`pkg.Msg`).
    fn type_name(&self) -> &str;

    /// Whether the JSON form is a well-known type's special form (an `Any` puts it under
    /// `"value"`) rather than an object of fields.
    fn special_form(&self) -> bool;

    /// Prints the message encoded in `value`: with `members_only`, the members of its object
    /// form (for an `Any` of a type without a special form), otherwise its JSON value.
    fn write(
        &self,
        value: &[u8],
        w: &mut Writer,
        p: &mut Printer<'_>,
        members_only: bool,
    ) -> Result<(), Error>;

    /// Parses the message and returns its binary encoding: with `members_only`, the members of
    /// an object whose `{` was read, up to its `}` (an `"@type"` member passed over), otherwise
    /// one JSON value.
    fn read(
        &self,
        r: &mut Reader<'_>,
        p: &mut Parser<'_>,
        members_only: bool,
    ) -> Result<Vec<u8>, Error>;
}

/// The [`AnyCodec`] of a [`ProtoJson`] type.
pub struct TypedCodec<M>(PhantomData<fn() -> M>);

impl<M> TypedCodec<M> {
    /// The codec of `M`.
    pub const fn new() -> TypedCodec<M> {
        TypedCodec(PhantomData)
    }
}

impl<M> Default for TypedCodec<M> {
    fn default() -> Self {
        TypedCodec::new()
    }
}

impl<M: Message> fmt::Debug for TypedCodec<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TypedCodec<{}>", M::NAME)
    }
}

impl<M: ProtoJson> AnyCodec for TypedCodec<M> {
    fn type_name(&self) -> &str {
        M::NAME
    }

    fn special_form(&self) -> bool {
        M::SPECIAL_FORM
    }

    fn write(
        &self,
        value: &[u8],
        w: &mut Writer,
        p: &mut Printer<'_>,
        members_only: bool,
    ) -> Result<(), Error> {
        // The value's own nesting counts against what is left of the printer's.
        let limit = p
            .remaining_depth()
            .min(courier_wire::DEFAULT_RECURSION_LIMIT);
        let m = M::decode_with(value, &DecodeOptions::new().with_recursion_limit(limit)).map_err(
            |e| crate::rt::print_error(format!("the Any's value is not a valid {}: {e}", M::NAME)),
        )?;
        if members_only {
            p.enter()?;
            let r = m.write_json_fields(w, p);
            p.leave();
            r
        } else {
            crate::rt::write_message(&m, w, p)
        }
    }

    fn read(
        &self,
        r: &mut Reader<'_>,
        p: &mut Parser<'_>,
        members_only: bool,
    ) -> Result<Vec<u8>, Error> {
        let mut m = M::default();
        if members_only {
            m.merge_json_fields(r, p, true)?;
        } else {
            m.merge_json(r, p)?;
        }
        Ok(m.encode_to_vec())
    }
}

/// How ProtoJSON prints and parses one extension, kept (as generated code keeps extensions) in
/// the extended message's unknown fields. Generated code declares one per `extend` field with
/// the `json` option (`<NAME>_JSON`, next to the extension's constant).
#[derive(Clone, Copy)]
pub struct ExtensionJson {
    number: u32,
    full_name: &'static str,
    extendee: &'static str,
    write: fn(&UnknownFields, u32, &mut Writer, &mut Printer<'_>) -> Result<(), Error>,
    read: fn(&mut Reader<'_>, &mut Parser<'_>, u32, &mut UnknownFields) -> Result<bool, Error>,
}

impl fmt::Debug for ExtensionJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtensionJson")
            .field("number", &self.number)
            .field("full_name", &self.full_name)
            .field("extendee", &self.extendee)
            .finish()
    }
}

impl ExtensionJson {
    /// Extension `full_name` (`pkg.ext`), field `number` of message `extendee` (full name):
    /// `write` prints the value held by the records of `number` in the unknown fields, `read`
    /// parses one JSON value into records of `number` (returning whether a value was set;
    /// `null` sets none). The [`rt::ext`](crate::rt::ext) functions are what generated code
    /// passes.
    #[allow(clippy::type_complexity)]
    pub const fn new(
        number: u32,
        full_name: &'static str,
        extendee: &'static str,
        write: fn(&UnknownFields, u32, &mut Writer, &mut Printer<'_>) -> Result<(), Error>,
        read: fn(&mut Reader<'_>, &mut Parser<'_>, u32, &mut UnknownFields) -> Result<bool, Error>,
    ) -> ExtensionJson {
        ExtensionJson {
            number,
            full_name,
            extendee,
            write,
            read,
        }
    }

    /// The field number.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The full name (`pkg.ext`), which ProtoJSON writes as the key `"[pkg.ext]"`.
    pub fn full_name(&self) -> &'static str {
        self.full_name
    }

    /// The full name of the extended message.
    pub fn extendee(&self) -> &'static str {
        self.extendee
    }

    /// Prints the extension's value from `fields`.
    pub fn write(
        &self,
        fields: &UnknownFields,
        w: &mut Writer,
        p: &mut Printer<'_>,
    ) -> Result<(), Error> {
        (self.write)(fields, self.number, w, p)
    }

    /// Parses one JSON value of the extension into `fields`; whether a value was set.
    pub fn read(
        &self,
        r: &mut Reader<'_>,
        p: &mut Parser<'_>,
        fields: &mut UnknownFields,
    ) -> Result<bool, Error> {
        (self.read)(r, p, self.number, fields)
    }
}

/// Message types (for `Any`) and extensions, by name.
///
/// Generated code fills it: each generated package has a `register_types(&mut TypeRegistry)`
/// function registering its messages and extensions (courier-types has one for the well-known
/// types). Give it to [`PrintOptions::registry`](crate::PrintOptions::registry) and
/// [`ParseOptions::registry`](crate::ParseOptions::registry).
#[derive(Default)]
pub struct TypeRegistry {
    messages: HashMap<Box<str>, Arc<dyn AnyCodec>>,
    extensions: HashMap<(Box<str>, u32), ExtensionJson>,
    extensions_by_name: HashMap<Box<str>, ExtensionJson>,
}

impl fmt::Debug for TypeRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypeRegistry")
            .field("messages", &self.messages.len())
            .field("extensions", &self.extensions.len())
            .finish()
    }
}

impl TypeRegistry {
    /// An empty registry.
    pub fn new() -> TypeRegistry {
        TypeRegistry::default()
    }

    /// Registers message type `M`.
    pub fn register<M: ProtoJson + 'static>(&mut self) -> &mut TypeRegistry {
        self.register_codec(Arc::new(TypedCodec::<M>::new()))
    }

    /// Registers the type `codec` handles (replacing one of the same name).
    pub fn register_codec(&mut self, codec: Arc<dyn AnyCodec>) -> &mut TypeRegistry {
        self.messages.insert(codec.type_name().into(), codec);
        self
    }

    /// Registers an extension (replacing one with the same extendee and number, or the same
    /// name).
    pub fn register_extension(&mut self, ext: ExtensionJson) -> &mut TypeRegistry {
        self.extensions
            .insert((ext.extendee.into(), ext.number), ext);
        self.extensions_by_name.insert(ext.full_name.into(), ext);
        self
    }

    /// The message type named `full_name` (`pkg.Msg`).
    pub fn message(&self, full_name: &str) -> Option<&dyn AnyCodec> {
        self.messages.get(full_name).map(|c| &**c)
    }

    /// The message type an `Any` type URL names (the full name after the last `/`).
    pub fn message_for_url(&self, type_url: &str) -> Option<&dyn AnyCodec> {
        self.message(crate::wkt::type_name_of_url(type_url)?)
    }

    /// The extension of message `extendee` with field `number`.
    pub fn extension(&self, extendee: &str, number: u32) -> Option<&ExtensionJson> {
        // The map is keyed by owned names; a lookup builds one only when extensions exist.
        if self.extensions.is_empty() {
            return None;
        }
        self.extensions.get(&(Box::<str>::from(extendee), number))
    }

    /// The extension named `full_name` (`pkg.ext`).
    pub fn extension_by_name(&self, full_name: &str) -> Option<&ExtensionJson> {
        self.extensions_by_name.get(full_name)
    }

    /// How many message types are registered.
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.extensions.is_empty()
    }
}
