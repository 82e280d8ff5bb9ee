//! The print and parse functions of [`ExtensionJson`](crate::ExtensionJson)s: an extension's
//! value read from, and written into, the records of its number in the extended message's
//! unknown fields (where generated code keeps extensions), with the same rules as an ordinary
//! field of its kind.
//!
//! Type parameters: `W` is the courier-wire kind of the records, `J` the JSON kind of a value
//! (the same type except for enums: `W` = `kind::Enum`, `J` = [`Enum<E>`](super::Enum)).

use courier_wire::ext::RepeatedKind;
use courier_wire::field::{self, FieldKind};
use courier_wire::{DecodeError, DecodeOptions, Decoder, Encoder, Tag, UnknownFields};

use super::{JsonKind, print_error, read, read_list, skip_null, write_list, write_message};
use crate::message::{Parser, Printer, ProtoJson};
use crate::reader::{Error, Reader};
use crate::writer::Writer;

/// Runs `f` on every record of field `number` in `fields`.
fn for_each_record(
    fields: &UnknownFields,
    number: u32,
    mut f: impl FnMut(Tag, &mut Decoder<'_>) -> Result<(), DecodeError>,
) -> Result<(), Error> {
    let options = DecodeOptions::new();
    let mut dec = Decoder::with_options(fields.as_bytes(), &options);
    let mut run = || {
        while !dec.is_empty() {
            let tag = dec.read_tag()?;
            if tag.field_number() == number {
                f(tag, &mut dec)?;
            } else {
                dec.skip_field(tag)?;
            }
        }
        Ok::<(), DecodeError>(())
    };
    run().map_err(|e| print_error(format!("extension field {number} does not decode: {e}")))
}

/// Replaces the records of `number` in `fields` with what `encode` writes.
fn replace(
    r: &Reader<'_>,
    fields: &mut UnknownFields,
    number: u32,
    encode: impl FnOnce(&mut Encoder<'_>),
) -> Result<(), Error> {
    let mut raw = Vec::new();
    encode(&mut Encoder::new(&mut raw));
    fields.remove(number);
    fields
        .push_raw(&raw)
        .map_err(|e| r.error(format!("extension field {number}: {e}")))
}

/// Appends what `encode` writes to `fields`.
fn append(
    r: &Reader<'_>,
    fields: &mut UnknownFields,
    number: u32,
    encode: impl FnOnce(&mut Encoder<'_>),
) -> Result<(), Error> {
    let mut raw = Vec::new();
    encode(&mut Encoder::new(&mut raw));
    fields
        .push_raw(&raw)
        .map_err(|e| r.error(format!("extension field {number}: {e}")))
}

/// Prints a singular scalar or enum extension (the last record wins).
pub fn write_singular<W: FieldKind, J: JsonKind<Value = W::Value>>(
    fields: &UnknownFields,
    number: u32,
    w: &mut Writer,
    p: &mut Printer<'_>,
) -> Result<(), Error> {
    let mut value = None;
    for_each_record(fields, number, |tag, dec| {
        field::merge_optional::<W>(tag, &mut value, dec)
    })?;
    J::write(&value.unwrap_or_default(), w, p)
}

/// Parses a singular scalar or enum extension (replacing its value; `null` leaves it unset).
pub fn read_singular<W: FieldKind, J: JsonKind<Value = W::Value>>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    number: u32,
    fields: &mut UnknownFields,
) -> Result<bool, Error> {
    let Some(v) = read::<J>(r, p)? else {
        return Ok(false);
    };
    replace(r, fields, number, |enc| field::encode::<W>(number, &v, enc))?;
    Ok(true)
}

/// Prints a repeated extension.
pub fn write_repeated<W: RepeatedKind, J: JsonKind<Value = W::Value>>(
    fields: &UnknownFields,
    number: u32,
    w: &mut Writer,
    p: &mut Printer<'_>,
) -> Result<(), Error> {
    let mut values = Vec::new();
    for_each_record(fields, number, |tag, dec| {
        W::merge_record(tag, &mut values, dec)
    })?;
    write_list::<J>(&values, w, p)
}

/// Parses a repeated extension (appending; written packed when `PACKED`).
pub fn read_repeated<W: RepeatedKind, J: JsonKind<Value = W::Value>, const PACKED: bool>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    number: u32,
    fields: &mut UnknownFields,
) -> Result<bool, Error> {
    let mut values = Vec::new();
    read_list::<J>(r, p, &mut values)?;
    append(r, fields, number, |enc| {
        W::encode_all(number, &values, PACKED, enc)
    })?;
    Ok(true)
}

/// Prints a singular message extension (its records merged).
pub fn write_message_ext<M: ProtoJson>(
    fields: &UnknownFields,
    number: u32,
    w: &mut Writer,
    p: &mut Printer<'_>,
) -> Result<(), Error> {
    let mut m = M::default();
    for_each_record(fields, number, |tag, dec| {
        field::message::merge(tag, &mut m, dec)
    })?;
    write_message(&m, w, p)
}

/// Parses a singular message extension (merging into the value it has).
pub fn read_message_ext<M: ProtoJson>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    number: u32,
    fields: &mut UnknownFields,
) -> Result<bool, Error> {
    if skip_null::<courier_wire::field::kind::Message<M>>(r)? {
        return Ok(false);
    }
    let mut m = M::default();
    for_each_record(fields, number, |tag, dec| {
        field::message::merge(tag, &mut m, dec)
    })
    .map_err(|e| r.error(e.message()))?;
    m.merge_json(r, p)?;
    replace(r, fields, number, |enc| {
        field::message::encode(number, &m, enc)
    })?;
    Ok(true)
}

/// Prints a singular group-encoded extension (proto2 `group`, editions `DELIMITED`).
pub fn write_group_ext<M: ProtoJson>(
    fields: &UnknownFields,
    number: u32,
    w: &mut Writer,
    p: &mut Printer<'_>,
) -> Result<(), Error> {
    let mut m = M::default();
    for_each_record(fields, number, |tag, dec| {
        field::group::merge(tag, &mut m, dec)
    })?;
    write_message(&m, w, p)
}

/// Parses a singular group-encoded extension (merging into the value it has).
pub fn read_group_ext<M: ProtoJson>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    number: u32,
    fields: &mut UnknownFields,
) -> Result<bool, Error> {
    if skip_null::<courier_wire::field::kind::Message<M>>(r)? {
        return Ok(false);
    }
    let mut m = M::default();
    for_each_record(fields, number, |tag, dec| {
        field::group::merge(tag, &mut m, dec)
    })
    .map_err(|e| r.error(e.message()))?;
    m.merge_json(r, p)?;
    replace(r, fields, number, |enc| {
        field::group::encode(number, &m, enc)
    })?;
    Ok(true)
}

/// Prints a repeated group-encoded extension.
pub fn write_repeated_group_ext<M: ProtoJson>(
    fields: &UnknownFields,
    number: u32,
    w: &mut Writer,
    p: &mut Printer<'_>,
) -> Result<(), Error> {
    let mut values = Vec::new();
    for_each_record(fields, number, |tag, dec| {
        field::group::merge_repeated(tag, &mut values, dec)
    })?;
    write_list::<courier_wire::field::kind::Message<M>>(&values, w, p)
}

/// Parses a repeated group-encoded extension (appending).
pub fn read_repeated_group_ext<M: ProtoJson>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    number: u32,
    fields: &mut UnknownFields,
) -> Result<bool, Error> {
    let mut values: Vec<M> = Vec::new();
    read_list::<courier_wire::field::kind::Message<M>>(r, p, &mut values)?;
    append(r, fields, number, |enc| {
        field::group::encode_repeated(number, &values, enc)
    })?;
    Ok(true)
}
