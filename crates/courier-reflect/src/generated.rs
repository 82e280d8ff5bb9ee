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

use courier_wire::{DecodeOptions, Message};

use crate::descriptor::MessageDescriptor;
use crate::dynamic::{DecodeError, DynamicMessage};
use crate::text;

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

    /// The message in the text format.
    fn to_text_with(&self, options: &text::PrintOptions) -> String {
        match self.to_dynamic() {
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

    /// Parses the text format into this message (repeated fields are appended to).
    fn merge_text_with(
        &mut self,
        text: &str,
        options: &text::ParseOptions,
    ) -> Result<(), text::Error> {
        let mut d = self
            .to_dynamic()
            .map_err(|e| text::Error::new(1, 1, e.to_string()))?;
        d.merge_text_with(text, options)?;
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
