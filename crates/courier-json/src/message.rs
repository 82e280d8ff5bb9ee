//! [`ProtoJson`] (what a message implements), [`JsonEnum`] (what an enum implements), and the
//! printing and parsing contexts they are called with.

use std::cell::Cell;

use courier_wire::Message;

use crate::options::{ParseOptions, PrintOptions};
use crate::reader::{Error, Reader};
use crate::registry::TypeRegistry;
use crate::writer::Writer;

/// How deeply messages may nest when printed (decoded messages are limited already; this guards
/// messages built by hand).
pub(crate) const PRINT_DEPTH_LIMIT: u32 = 1000;

thread_local! {
    /// The message type (its full name's address) and length of the last compact text
    /// [`ProtoJson::to_json_with`] made on this thread: the room the next one of that type
    /// starts with.
    static LAST_SIZE: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// The longest text whose length [`LAST_SIZE`] keeps as a hint.
const SIZE_HINT_MAX: usize = 16 * 1024;

/// The room a compact text of the type named `name` starts with, if the last one printed on
/// this thread was of that type: its length and an eighth more.
#[inline]
fn last_size(name: &'static str) -> Option<usize> {
    match LAST_SIZE.with(Cell::get) {
        (k, n) if k == name.as_ptr() as usize => Some(n + n / 8 + 16),
        _ => None,
    }
}

/// Remembers `text`'s length for the next compact text of its type (up to
/// [`SIZE_HINT_MAX`]), and shrinks a text given more than twice its length + 64, so that a
/// short message printed after a long one of its type does not keep that one's room.
#[inline]
fn remember_size(name: &'static str, text: &mut String) {
    if text.capacity() > 2 * text.len() + 64 {
        text.shrink_to_fit();
    }
    let hint = match text.len() <= SIZE_HINT_MAX {
        true => (name.as_ptr() as usize, text.len()),
        false => (0, 0),
    };
    LAST_SIZE.with(|c| c.set(hint));
}

/// The state of one print: the options and how deep the printer is.
#[derive(Debug)]
pub struct Printer<'o> {
    opts: &'o PrintOptions,
    depth: u32,
}

impl<'o> Printer<'o> {
    /// A printer with `opts`, at the top level.
    pub fn new(opts: &'o PrintOptions) -> Printer<'o> {
        Printer { opts, depth: 0 }
    }

    /// The options.
    pub fn options(&self) -> &'o PrintOptions {
        self.opts
    }

    /// Whether fields without presence are printed at their defaults.
    #[inline(always)]
    pub fn emit_defaults(&self) -> bool {
        self.opts.always_print_fields_without_presence
    }

    /// Whether enums are printed as numbers.
    #[inline(always)]
    pub fn enums_as_ints(&self) -> bool {
        self.opts.enums_as_ints
    }

    /// The key of a field: its JSON name, or its proto name with
    /// [`PrintOptions::proto_field_names`].
    #[inline(always)]
    pub fn key<'k>(&self, json: &'k str, proto: &'k str) -> &'k str {
        if self.opts.proto_field_names {
            proto
        } else {
            json
        }
    }

    /// The registry of the options, if any.
    pub fn registry(&self) -> Option<&'o TypeRegistry> {
        self.opts.registry.as_deref()
    }

    /// Enters one message: fails when messages nest too deeply to print.
    #[inline]
    pub fn enter(&mut self) -> Result<(), Error> {
        if self.depth >= PRINT_DEPTH_LIMIT {
            return Err(crate::rt::print_error(
                "messages nested too deeply to print",
            ));
        }
        self.depth += 1;
        Ok(())
    }

    /// Leaves a message entered with [`enter`](Printer::enter).
    #[inline]
    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// How many more levels of messages may nest.
    pub fn remaining_depth(&self) -> u32 {
        PRINT_DEPTH_LIMIT.saturating_sub(self.depth)
    }
}

/// The state of one parse: the options.
#[derive(Debug)]
pub struct Parser<'o> {
    opts: &'o ParseOptions,
}

impl<'o> Parser<'o> {
    /// A parser with `opts`.
    pub fn new(opts: &'o ParseOptions) -> Parser<'o> {
        Parser { opts }
    }

    /// The options.
    pub fn options(&self) -> &'o ParseOptions {
        self.opts
    }

    /// Whether unknown members (and unknown enum names) are skipped.
    #[inline(always)]
    pub fn ignore_unknown_fields(&self) -> bool {
        self.opts.ignore_unknown_fields
    }

    /// The registry of the options, if any.
    pub fn registry(&self) -> Option<&'o TypeRegistry> {
        self.opts.registry.as_deref()
    }
}

/// A message with a ProtoJSON form: what courier-codegen generates with its `json` option (and
/// courier-types implements for the well-known types), and the entry points built on it.
///
/// An implementation supplies [`write_json_fields`](ProtoJson::write_json_fields) and
/// [`merge_json_fields`](ProtoJson::merge_json_fields), the members of the message's object;
/// well-known types with a special form (a string, a number, an array, ...) also override
/// [`write_json`](ProtoJson::write_json) and [`merge_json`](ProtoJson::merge_json) and set
/// [`SPECIAL_FORM`](ProtoJson::SPECIAL_FORM).
///
/// Printing fails only for content ProtoJSON cannot express: a `Timestamp` or `Duration` out of
/// range, an `Any` whose type is not known or whose value does not decode, a non-finite
/// `Value` number, a `FieldMask` path that does not survive lowerCamelCase, a `Value` with no
/// kind. Parsing fails with the JSON path of what was wrong.
pub trait ProtoJson: Message {
    /// Whether the JSON form is not an object of the message's fields (a well-known type's
    /// special form): an `Any` holding such a message puts it under `"value"`.
    const SPECIAL_FORM: bool = false;

    /// Whether `null` is a value of this type (`google.protobuf.Value`) rather than the
    /// absence of one.
    const NULLABLE: bool = false;

    /// Writes the message as one JSON value.
    #[inline]
    fn write_json(&self, w: &mut Writer, p: &mut Printer<'_>) -> Result<(), Error> {
        w.begin_object();
        let r = self.write_json_fields(w, p);
        w.end_object();
        r
    }

    /// Writes the members of the message's object form (no braces), in field-number order.
    fn write_json_fields(&self, w: &mut Writer, p: &mut Printer<'_>) -> Result<(), Error>;

    /// Reads one JSON value into the message: fields in the input replace singular fields,
    /// extend repeated ones and add map entries; embedded messages merge.
    #[inline]
    fn merge_json(&mut self, r: &mut Reader<'_>, p: &mut Parser<'_>) -> Result<(), Error> {
        r.begin_object()?;
        self.merge_json_fields(r, p, false)
    }

    /// Reads the members of an object whose `{` was read, up to and including its `}`. With
    /// `skip_type`, an `"@type"` member (of an `Any` holding the message) is passed over.
    fn merge_json_fields(
        &mut self,
        r: &mut Reader<'_>,
        p: &mut Parser<'_>,
        skip_type: bool,
    ) -> Result<(), Error>;

    /// The message as compact ProtoJSON with the default options.
    fn to_json(&self) -> Result<String, Error> {
        self.to_json_with(&PrintOptions::default())
    }

    /// The message as ProtoJSON.
    fn to_json_with(&self, options: &PrintOptions) -> Result<String, Error> {
        let mut w = match options.indent {
            Some(n) => Writer::pretty(n),
            // Room for the text: the last compact text of this type on this thread (the usual
            // case, a loop over messages of one type, then needs no pass over the message to
            // size it and no regrowth), else about twice the binary encoding, which ProtoJSON
            // usually takes.
            None => Writer::with_capacity(
                last_size(Self::NAME).unwrap_or_else(|| 64 + 2 * self.encoded_len()),
            ),
        };
        crate::rt::write_message(self, &mut w, &mut Printer::new(options))?;
        let mut text = w.into_string();
        if options.indent.is_none() {
            remember_size(Self::NAME, &mut text);
        }
        Ok(text)
    }

    /// Parses ProtoJSON into a new message with the default options.
    fn from_json(json: &str) -> Result<Self, Error> {
        Self::from_json_with(json, &ParseOptions::default())
    }

    /// Parses ProtoJSON into a new message.
    fn from_json_with(json: &str, options: &ParseOptions) -> Result<Self, Error> {
        let mut m = Self::default();
        m.merge_from_json(json, options)?;
        Ok(m)
    }

    /// Parses ProtoJSON into this message (see [`merge_json`](ProtoJson::merge_json)).
    fn merge_from_json(&mut self, json: &str, options: &ParseOptions) -> Result<(), Error> {
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
        let mut p = Parser::new(options);
        self.merge_json(&mut r, &mut p)?;
        r.finish()
    }
}

/// An enum with a ProtoJSON form (names, or numbers for values the enum does not list):
/// generated for every enum with courier-codegen's `json` option.
pub trait JsonEnum {
    /// The enum's full name (`pkg.Color`), for errors.
    const FULL_NAME: &'static str;
    /// Whether the enum is closed: a number it does not list is an error (or skipped with
    /// [`ParseOptions::ignore_unknown_fields`]) rather than kept.
    const CLOSED: bool;
    /// Whether this is `google.protobuf.NullValue`, written and read as `null`.
    const NULL_VALUE: bool = false;

    /// The name of value `number`, if the enum lists it (the first name, for aliases).
    fn json_name(number: i32) -> Option<&'static str>;

    /// The number of the value named `name`.
    fn from_json_name(name: &str) -> Option<i32>;
}
