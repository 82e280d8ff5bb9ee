//! [`ReflectMessage`]: generated messages that know their descriptor — and through it the text
//! format, conversion to and from [`DynamicMessage`], and `Display`.
//!
//! courier-codegen's `text_format` option embeds each package's descriptors in the generated
//! code (a `FILE_DESCRIPTOR_SET` constant and a `descriptor_pool()` built from it on first use)
//! and implements this trait and `Display` for every message. The text format of a generated
//! message is then exactly a dynamic message's: it is printed and parsed by this crate's text
//! code, through the message's binary encoding. That costs an encode and a decode per print or
//! parse — the text format is for people and configuration files, not a hot path — and buys
//! one implementation of every rule of the format (groups, extensions by name, `Any` expansion,
//! unknown fields, every escape) instead of a second one generated into every message type.

use std::fmt;
use std::sync::{Arc, OnceLock};

use courier_wire::{DecodeOptions, Message};

use crate::descriptor::{DescriptorPool, MessageDescriptor};
use crate::dynamic::{DecodeError, DynamicMessage};
use crate::resolver::TypeResolver;
use crate::text;

/// A pool of protobuf's own `.proto` files: the well-known types and descriptor.proto (the
/// descriptors courier-types embeds), built on first use.
pub fn well_known_types() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    // courier-types' descriptors were linked by the compiler that generated it (a test builds
    // this pool).
    POOL.get_or_init(|| {
        DescriptorPool::decode(courier_types::FILE_DESCRIPTOR_SET)
            .expect("courier-types' embedded descriptors link")
    })
}

/// What a generated message's text format resolves `Any` type URLs with when its options name
/// no resolver: its package's pool, then the well-known types (an `Any` may hold one its
/// package does not import).
struct PackageThenWellKnown(DescriptorPool);

impl TypeResolver for PackageThenWellKnown {
    fn resolve_message(&self, type_url: &str) -> Option<MessageDescriptor> {
        self.0
            .resolve_message(type_url)
            .or_else(|| well_known_types().resolve_message(type_url))
    }
}

fn default_resolver<M: ReflectMessage>() -> Arc<dyn TypeResolver> {
    Arc::new(PackageThenWellKnown(M::descriptor().parent_pool().clone()))
}

/// How deeply a generated message may nest to be converted (the binary decoder's recursion
/// limit, far above what a decoded message can hold).
const CONVERSION_DEPTH: u32 = 10_000;

/// A generated message that knows its descriptor (courier-codegen's `text_format` option).
pub trait ReflectMessage: Message {
    /// The message's descriptor, from the descriptors the generated code embeds.
    fn descriptor() -> MessageDescriptor;

    /// The message as a [`DynamicMessage`] (its binary encoding decoded by descriptor).
    fn to_dynamic(&self) -> Result<DynamicMessage, DecodeError> {
        DynamicMessage::decode_with(
            Self::descriptor(),
            &self.encode_to_vec()[..],
            &DecodeOptions::new().with_recursion_limit(CONVERSION_DEPTH),
        )
    }

    /// The message a [`DynamicMessage`] of the same type holds.
    fn from_dynamic(m: &DynamicMessage) -> Result<Self, courier_wire::DecodeError> {
        Self::decode_with(
            &m.encode_to_vec()[..],
            &DecodeOptions::new().with_recursion_limit(CONVERSION_DEPTH),
        )
    }

    /// The message in the text format, one field per line.
    fn to_text(&self) -> String {
        self.to_text_with(&text::PrintOptions::default())
    }

    /// The message in the text format. Without a resolver in `options`, an `Any` is expanded
    /// when its type is in the message's package's descriptors or a well-known type.
    fn to_text_with(&self, options: &text::PrintOptions) -> String {
        match self.to_dynamic() {
            Ok(d) if options.resolver.is_none() => {
                d.to_text_with(&options.clone().resolver(default_resolver::<Self>()))
            }
            Ok(d) => d.to_text_with(options),
            // Only a message nested deeper than CONVERSION_DEPTH gets here.
            Err(e) => format!("# {} cannot be printed: {e}\n", Self::NAME),
        }
    }

    /// Parses the text format into a new message.
    fn from_text(text: &str) -> Result<Self, text::Error> {
        Self::from_text_with(text, &text::ParseOptions::default())
    }

    /// Parses the text format into a new message, with `options`.
    fn from_text_with(text: &str, options: &text::ParseOptions) -> Result<Self, text::Error> {
        let mut m = Self::default();
        m.merge_text_with(text, options)?;
        Ok(m)
    }

    /// Parses the text format into this message (repeated fields are appended to). Without a
    /// resolver in `options`, `Any` type URLs resolve as for
    /// [`to_text_with`](ReflectMessage::to_text_with).
    fn merge_text_with(
        &mut self,
        text: &str,
        options: &text::ParseOptions,
    ) -> Result<(), text::Error> {
        let mut d = self
            .to_dynamic()
            .map_err(|e| text::Error::new(1, 1, e.to_string()))?;
        if options.resolver.is_none() {
            d.merge_text_with(text, &options.clone().resolver(default_resolver::<Self>()))?;
        } else {
            d.merge_text_with(text, options)?;
        }
        *self = Self::from_dynamic(&d).map_err(|e| text::Error::new(1, 1, e.to_string()))?;
        Ok(())
    }
}

/// Formats a generated message in the text format: what the `Display` impls generated with the
/// `text_format` option call — on one line, or one field per line with `{:#}`, as a
/// [`DynamicMessage`]'s `Display`.
pub fn fmt_text<M: ReflectMessage>(m: &M, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let opts = text::PrintOptions::new().single_line(!f.alternate());
    f.write_str(&m.to_text_with(&opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_types_link() {
        let pool = well_known_types();
        for name in [
            "google.protobuf.Empty",
            "google.protobuf.Any",
            "google.protobuf.Struct",
            "google.protobuf.FieldDescriptorProto",
            "google.protobuf.Api",
        ] {
            assert!(pool.get_message_by_name(name).is_some(), "{name}");
        }
    }
}
