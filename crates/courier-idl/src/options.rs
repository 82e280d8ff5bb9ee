//! Option interpretation: `option x = y;` and `[x = y]` to the bytes of the `*Options` message
//! protoc writes.
//!
//! Standard options (fields of `google.protobuf.FileOptions`, ...) and custom options
//! (extensions of those messages) are interpreted the same way, against the descriptors of the
//! compilation (and the embedded `descriptor.proto` when no file imports it): each statement
//! becomes one record, nested through the name's parts; a `{ ... }` value is text format,
//! encoded field by field. The records are then decoded into the typed options message, so the
//! standard fields land in their fields (in field-number order, as protoc writes them) and custom
//! options stay as unknown fields, in statement order.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use courier_types::field_descriptor_proto::{Label as PLabel, Type as PType};
use courier_types::{
    DescriptorProto, EnumDescriptorProto, EnumOptions, EnumValueOptions, ExtensionRangeOptions,
    FieldDescriptorProto, FieldOptions, FileDescriptorProto, FileOptions, MessageOptions,
    MethodOptions, OneofOptions, ServiceOptions,
};
use courier_wire::{Encoder, Message, WireType};

use crate::ast::{self, FieldLiteralName, FieldLiteralValue, Literal, OptionValue};
use crate::diag::Diagnostic;
use crate::link::{Builder, LinkError, LinkFile, PendingOptions, Symbols};
use crate::span::Span;

/// The deepest text-format nesting encoded (the parser bounds it already; this guards the
/// recursion here too).
const MAX_AGGREGATE_DEPTH: usize = 64;

/// `descriptor.proto` compiled from the embedded copy, for files that set options without
/// importing it.
pub(crate) fn builtin_descriptor() -> Option<&'static FileDescriptorProto> {
    static BUILTIN: OnceLock<Option<FileDescriptorProto>> = OnceLock::new();
    BUILTIN
        .get_or_init(|| {
            let name = "google/protobuf/descriptor.proto";
            let mut c = crate::Compiler::new();
            c.add_file(name, crate::compile::embedded_file(name)?);
            c.compile(&[name]).ok()?.file(name).cloned()
        })
        .as_ref()
}

/// How a field is written on the wire, from its type and resolved features (protoc's
/// `FieldDescriptor::is_packed`, `TYPE_GROUP` for delimited messages, `has_presence`).
#[derive(Clone, Copy, Debug, Default)]
struct Encoding {
    /// A repeated scalar written packed.
    packed: bool,
    /// A message written as a group (proto2 groups; `DELIMITED` message encoding).
    delimited: bool,
    /// A singular scalar with implicit presence: its zero value is not written.
    implicit: bool,
}

/// Every message, enum and extension of a compilation, by full name.
pub(crate) struct Pool<'d> {
    messages: HashMap<String, &'d DescriptorProto>,
    enums: HashMap<String, &'d EnumDescriptorProto>,
    extensions: HashMap<String, &'d FieldDescriptorProto>,
    /// Extensions by (extendee full name, number), with their encoding.
    by_number: HashMap<(String, i32), (&'d FieldDescriptorProto, Encoding)>,
    /// The encoding of each message field, by (message full name, number).
    encodings: HashMap<(String, i32), Encoding>,
    /// The file each enum is declared in.
    enum_files: HashMap<String, &'d FileDescriptorProto>,
}

impl<'d> Pool<'d> {
    pub(crate) fn new(files: &'d [FileDescriptorProto]) -> Pool<'d> {
        let mut pool = Pool {
            messages: HashMap::new(),
            enums: HashMap::new(),
            extensions: HashMap::new(),
            by_number: HashMap::new(),
            encodings: HashMap::new(),
            enum_files: HashMap::new(),
        };
        let has_descriptor = files
            .iter()
            .any(|f| f.name.as_deref() == Some("google/protobuf/descriptor.proto"));
        let builtin = if has_descriptor {
            None
        } else {
            builtin_descriptor()
        };
        let mut declared = Vec::new();
        for f in files.iter().chain(builtin) {
            let package = f.package.clone().unwrap_or_default();
            for m in &f.message_type {
                pool.add_message(f, &package, m);
            }
            for e in &f.enum_type {
                pool.add_enum(f, &package, e);
            }
            for x in &f.extension {
                pool.extensions.insert(join(&package, x.name()), x);
            }
            crate::features::each_field(f, &mut |scope, x, features| {
                declared.push((scope.to_string(), x, encoding_of(x, features)));
            });
        }
        for (scope, x, mut enc) in declared {
            // protoc: a `DELIMITED` message field is a group, except in and of map entries.
            if enc.delimited && field_type(x) == PType::TYPE_MESSAGE {
                let map_entry = |name: &str| {
                    pool.messages
                        .get(name.trim_start_matches('.'))
                        .and_then(|m| m.options.as_ref())
                        .and_then(|o| o.map_entry)
                        == Some(true)
                };
                enc.delimited = !map_entry(&scope) && !map_entry(x.type_name());
            }
            match (&x.extendee, x.number) {
                (Some(e), Some(n)) => {
                    pool.by_number
                        .insert((e.trim_start_matches('.').to_string(), n), (x, enc));
                }
                (None, Some(n)) => {
                    pool.encodings.insert((scope, n), enc);
                }
                _ => {}
            }
        }
        pool
    }

    /// The field or extension number `n` of message `msg`, with its encoding.
    fn field(&self, msg: &str, n: i32) -> Option<(&'d FieldDescriptorProto, Encoding)> {
        let key = (msg.to_string(), n);
        self.messages
            .get(msg)
            .and_then(|d| d.field.iter().find(|f| f.number == Some(n)))
            .map(|f| (f, self.encodings.get(&key).copied().unwrap_or_default()))
            .or_else(|| self.by_number.get(&key).copied())
    }

    /// Whether enum `name` (full name) is closed: its resolved `enum_type` is `CLOSED`.
    fn closed_enum(&self, name: &str) -> bool {
        const CLOSED: i32 = 2;
        self.enum_files
            .get(name)
            .and_then(|f| {
                let path = crate::features::enum_path(f, name)?;
                crate::features::resolve(f, &path)
            })
            .is_some_and(|x| x.enum_type == Some(CLOSED))
    }

    /// The full name of extension `x` (by identity).
    fn extension_name(&self, x: &FieldDescriptorProto) -> String {
        self.extensions
            .iter()
            .find(|(_, v)| std::ptr::eq(**v, x))
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| x.name().to_string())
    }

    fn add_enum(&mut self, file: &'d FileDescriptorProto, scope: &str, e: &'d EnumDescriptorProto) {
        let full = join(scope, e.name());
        self.enum_files.insert(full.clone(), file);
        self.enums.insert(full, e);
    }

    fn add_message(&mut self, file: &'d FileDescriptorProto, scope: &str, m: &'d DescriptorProto) {
        let full = join(scope, m.name.as_deref().unwrap_or(""));
        for n in &m.nested_type {
            self.add_message(file, &full, n);
        }
        for e in &m.enum_type {
            self.add_enum(file, &full, e);
        }
        for x in &m.extension {
            self.extensions.insert(join(&full, x.name()), x);
        }
        self.messages.insert(full, m);
    }
}

/// A field's encoding from its type and resolved features (before map entries are known).
fn encoding_of(f: &FieldDescriptorProto, features: &courier_types::FeatureSet) -> Encoding {
    use crate::features::{DELIMITED, IMPLICIT, PACKED};
    let ty = field_type(f);
    let message = matches!(ty, PType::TYPE_MESSAGE | PType::TYPE_GROUP);
    let packable = !message && !matches!(ty, PType::TYPE_STRING | PType::TYPE_BYTES);
    Encoding {
        packed: is_repeated(f) && packable && features.repeated_field_encoding == Some(PACKED),
        delimited: ty == PType::TYPE_GROUP
            || (ty == PType::TYPE_MESSAGE && features.message_encoding == Some(DELIMITED)),
        implicit: !is_repeated(f)
            && !message
            && f.extendee.is_none()
            && f.oneof_index.is_none()
            && features.field_presence == Some(IMPLICIT),
    }
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

#[derive(Clone, Copy)]
enum Element {
    File,
    Message,
    Field,
    Oneof,
    ExtensionRange,
    Enum,
    EnumValue,
    Service,
    Method,
}

/// Which options message an element's options are, from the element's path plus its
/// `options` field number.
fn options_kind(path: &[i32]) -> &'static str {
    element_of(path).options_message()
}

/// What kind of element owns the options at `path`.
fn element_of(path: &[i32]) -> Element {
    let element_path = &path[..path.len().saturating_sub(1)];
    let mut e = Element::File;
    for pair in element_path.chunks(2) {
        e = match (e, pair[0]) {
            (Element::File, 4) | (Element::Message, 3) => Element::Message,
            (Element::File, 5) | (Element::Message, 4) => Element::Enum,
            (Element::File, 6) => Element::Service,
            (Element::File, 7) | (Element::Message, 2 | 6) => Element::Field,
            (Element::Message, 8) => Element::Oneof,
            (Element::Message, 5) => Element::ExtensionRange,
            (Element::Enum, 2) => Element::EnumValue,
            (Element::Service, 2) => Element::Method,
            (other, _) => other,
        };
    }
    e
}

impl Element {
    fn options_message(self) -> &'static str {
        match self {
            Element::File => "google.protobuf.FileOptions",
            Element::Message => "google.protobuf.MessageOptions",
            Element::Field => "google.protobuf.FieldOptions",
            Element::Oneof => "google.protobuf.OneofOptions",
            Element::ExtensionRange => "google.protobuf.ExtensionRangeOptions",
            Element::Enum => "google.protobuf.EnumOptions",
            Element::EnumValue => "google.protobuf.EnumValueOptions",
            Element::Service => "google.protobuf.ServiceOptions",
            Element::Method => "google.protobuf.MethodOptions",
        }
    }

    /// `FieldOptions.OptionTargetType` of this kind of element, and its name in protoc's
    /// messages.
    fn target(self) -> (i32, &'static str) {
        match self {
            Element::File => (1, "file"),
            Element::ExtensionRange => (2, "extension range"),
            Element::Message => (3, "message"),
            Element::Field => (4, "field"),
            Element::Oneof => (5, "oneof"),
            Element::Enum => (6, "enum"),
            Element::EnumValue => (7, "enum entry"),
            Element::Service => (8, "service"),
            Element::Method => (9, "method"),
        }
    }
}

/// protoc: an option whose field declares `targets` may only be set on those kinds of
/// elements. Checks every field set in `bytes` (an options message, or a message inside one).
fn check_targets(
    pool: &Pool<'_>,
    msg: &str,
    bytes: &[u8],
    element: Element,
    depth: usize,
    errors: &mut Vec<String>,
) {
    let Some(recs) = records(bytes).filter(|_| depth < MAX_AGGREGATE_DEPTH) else {
        return;
    };
    let desc = pool.messages.get(msg).copied();
    let (target, entity) = element.target();
    let mut checked = HashSet::new();
    for r in &recs {
        let found = desc
            .and_then(|d| d.field.iter().find(|f| f.number == Some(r.number as i32)))
            .map(|f| (f, false))
            .or_else(|| {
                pool.by_number
                    .get(&(msg.to_string(), r.number as i32))
                    .map(|(f, _)| (*f, true))
            });
        let Some((f, is_extension)) = found else {
            continue;
        };
        if checked.insert(r.number) {
            let targets = f
                .options
                .as_ref()
                .map(|o| o.targets.as_slice())
                .unwrap_or(&[]);
            if !targets.is_empty() && !targets.contains(&target) {
                let full = if is_extension {
                    pool.extension_name(f)
                } else {
                    format!("{msg}.{}", f.name())
                };
                errors.push(format!(
                    "Option {full} cannot be set on an entity of type `{entity}`."
                ));
            }
        }
        if matches!(field_type(f), PType::TYPE_MESSAGE | PType::TYPE_GROUP) && r.wire_type != 0 {
            let nested = f.type_name.as_deref().unwrap_or("").trim_start_matches('.');
            check_targets(pool, nested, r.payload, element, depth + 1, errors);
        }
    }
}

/// The interpreted options of one file: for each element path, the options message bytes.
pub(crate) type Interpreted = Vec<(Vec<i32>, Vec<u8>)>;

/// Interprets the pending options of file `file`, in one of protoc's two passes: first the
/// standard options (`features` among them, so that every element's features are resolved
/// before any custom option is encoded), then the custom options, appended to the bytes of the
/// first pass (`prior`: `None` in the first pass, then its result, one entry per element of
/// `pending`). Also returns, for each option's `SourceCodeInfo` location, its full path (the
/// element's options field, then the option's field numbers, then an index for a repeated
/// field).
pub(crate) fn interpret(
    symbols: &Symbols,
    files: &[LinkFile<'_>],
    pool: &Pool<'_>,
    file: usize,
    pending: &[PendingOptions<'_>],
    prior: Option<Interpreted>,
    errors: &mut Vec<LinkError>,
) -> (Interpreted, Vec<(usize, Vec<i32>)>) {
    let resolver = Builder::new(symbols, files, file);
    let mut out = Vec::new();
    let mut loc_paths = Vec::new();
    let custom = prior.is_some();
    let mut prior = prior.unwrap_or_default().into_iter();
    for p in pending {
        let msg_type = options_kind(&p.path);
        let mut bytes = prior.next().map(|(_, b)| b).unwrap_or_default();
        let mut repeated_count: HashMap<Vec<u32>, i32> = HashMap::new();
        for (decl, &loc) in p.options.iter().zip(&p.locs) {
            if decl.name.parts.first().is_some_and(|n| n.is_extension) != custom {
                continue;
            }
            let mut it = Interpreter {
                pool,
                resolver: &resolver,
                scope: &p.scope,
            };
            match it.option(msg_type, decl, &bytes) {
                Ok((b, chain, repeated)) => {
                    bytes.extend(b);
                    let mut path = p.path.clone();
                    path.extend(chain.iter().map(|&n| n as i32));
                    if repeated {
                        let n = repeated_count.entry(chain).or_insert(0);
                        path.push(*n);
                        *n += 1;
                    }
                    loc_paths.push((loc, path));
                }
                Err(d) => errors.push((file, d)),
            }
        }
        out.push((p.path.clone(), bytes));
    }
    (out, loc_paths)
}

/// Whether the field at path `numbers` (through nested messages) is present in `bytes`.
fn is_set(bytes: &[u8], numbers: &[u32]) -> bool {
    let Some((&first, rest)) = numbers.split_first() else {
        return false;
    };
    let Some(recs) = records(bytes) else {
        return false;
    };
    recs.iter()
        .filter(|r| r.number == first)
        .any(|r| rest.is_empty() || (matches!(r.wire_type, 2 | 3) && is_set(r.payload, rest)))
}

/// `OptionRetention.RETENTION_SOURCE`.
const RETENTION_SOURCE: i32 = 2;

/// One record of a serialized message.
struct Record<'b> {
    number: u32,
    wire_type: u8,
    /// The value: varint or fixed bytes, a LEN payload, or a group's contents.
    payload: &'b [u8],
}

fn read_varint(b: &[u8], i: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    for shift in (0..70).step_by(7) {
        let byte = *b.get(*i)?;
        *i += 1;
        v |= u64::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Splits `b` into records; `None` if it is malformed.
fn records(b: &[u8]) -> Option<Vec<Record<'_>>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let tag = read_varint(b, &mut i)?;
        let number = u32::try_from(tag >> 3).ok()?;
        let wire_type = (tag & 7) as u8;
        let start = i;
        let payload = match wire_type {
            0 => {
                read_varint(b, &mut i)?;
                &b[start..i]
            }
            1 => {
                i = i.checked_add(8).filter(|&e| e <= b.len())?;
                &b[start..i]
            }
            5 => {
                i = i.checked_add(4).filter(|&e| e <= b.len())?;
                &b[start..i]
            }
            2 => {
                let len = usize::try_from(read_varint(b, &mut i)?).ok()?;
                let s = i;
                i = i.checked_add(len).filter(|&e| e <= b.len())?;
                &b[s..i]
            }
            3 => {
                // Find the matching end-group tag.
                let mut depth = 1usize;
                let s = i;
                loop {
                    let here = i;
                    let t = read_varint(b, &mut i)?;
                    match t & 7 {
                        0 => {
                            read_varint(b, &mut i)?;
                        }
                        1 => i = i.checked_add(8).filter(|&e| e <= b.len())?,
                        5 => i = i.checked_add(4).filter(|&e| e <= b.len())?,
                        2 => {
                            let len = usize::try_from(read_varint(b, &mut i)?).ok()?;
                            i = i.checked_add(len).filter(|&e| e <= b.len())?;
                        }
                        3 => depth += 1,
                        4 => {
                            depth -= 1;
                            if depth == 0 {
                                break &b[s..here];
                            }
                        }
                        _ => return None,
                    }
                }
            }
            _ => return None,
        };
        out.push(Record {
            number,
            wire_type,
            payload,
        });
    }
    Some(out)
}

fn put_record(out: &mut Vec<u8>, number: u32, wire_type: u8, payload: &[u8]) {
    let mut enc = Encoder::new(out);
    match wire_type {
        0 => {
            enc.put_tag(number, WireType::Varint);
            enc.put_slice(payload);
        }
        1 => {
            enc.put_tag(number, WireType::I64);
            enc.put_slice(payload);
        }
        5 => {
            enc.put_tag(number, WireType::I32);
            enc.put_slice(payload);
        }
        3 => {
            enc.put_tag(number, WireType::StartGroup);
            enc.put_slice(payload);
            enc.put_tag(number, WireType::EndGroup);
        }
        _ => {
            enc.put_tag(number, WireType::Len);
            enc.put_len_prefixed(payload);
        }
    }
}

/// The scalar wire type of a packable field type (0 varint, 1 fixed64, 5 fixed32).
fn scalar_wire_type(t: PType) -> Option<u8> {
    match t {
        PType::TYPE_DOUBLE | PType::TYPE_FIXED64 | PType::TYPE_SFIXED64 => Some(1),
        PType::TYPE_FLOAT | PType::TYPE_FIXED32 | PType::TYPE_SFIXED32 => Some(5),
        PType::TYPE_STRING | PType::TYPE_BYTES | PType::TYPE_MESSAGE | PType::TYPE_GROUP => None,
        _ => Some(0),
    }
}

/// Whether a record of wire type `wt` is a value of field `f` (of the field's own wire type;
/// packed for a repeated scalar; a message as a LEN record or a group).
fn fits(f: &FieldDescriptorProto, wt: u8) -> bool {
    let ty = field_type(f);
    match scalar_wire_type(ty) {
        Some(swt) => wt == swt || (wt == 2 && is_repeated(f)),
        None if matches!(ty, PType::TYPE_MESSAGE | PType::TYPE_GROUP) => matches!(wt, 2 | 3),
        None => wt == 2,
    }
}

/// A MessageSet item (group 1 holding `type_id = 2` and `message = 3`) as the record of the
/// extension it holds; any other record as it is.
fn message_set_item(r: Record<'_>) -> Record<'_> {
    if r.number != 1 || r.wire_type != 3 {
        return r;
    }
    let Some(inner) = records(r.payload) else {
        return r;
    };
    let type_id = inner
        .iter()
        .find(|x| x.number == 2 && x.wire_type == 0)
        .and_then(|x| read_varint(x.payload, &mut 0))
        .and_then(|v| u32::try_from(v).ok());
    let message = inner.iter().find(|x| x.number == 3 && x.wire_type == 2);
    match (type_id, message) {
        (Some(number), Some(m)) => Record {
            number,
            wire_type: 2,
            payload: m.payload,
        },
        _ => r,
    }
}

/// Whether a scalar's encoded value is its type's zero (`0`, `false`, an all-zero float:
/// `-0.0` is not zero here, as protoc compares the bits), which a field with implicit presence
/// does not write.
fn is_zero(wt: u8, payload: &[u8]) -> bool {
    match wt {
        0 => payload.iter().all(|&b| b == 0 || b == 0x80),
        2 => payload.is_empty(),
        _ => payload.iter().all(|&b| b == 0),
    }
}

/// The zero value of field `f`, as a record (a map entry's missing key or value).
fn put_zero(out: &mut Vec<u8>, n: u32, f: &FieldDescriptorProto) {
    match scalar_wire_type(field_type(f)) {
        Some(0) => put_record(out, n, 0, &[0]),
        Some(1) => put_record(out, n, 1, &[0; 8]),
        Some(_) => put_record(out, n, 5, &[0; 4]),
        None => put_record(out, n, 2, &[]),
    }
}

/// For each record of `recs`, whether parsing drops it because a later record sets another
/// member of the same oneof (setting a member clears the others; a message member set again
/// after another member starts over).
fn oneof_losers(desc: Option<&DescriptorProto>, recs: &[Record<'_>]) -> Vec<bool> {
    let oneof = |n: u32| -> Option<i32> {
        desc?
            .field
            .iter()
            .find(|f| f.number == Some(n as i32))?
            .oneof_index
    };
    // Per oneof: the member set last, and the index of its first record since then.
    let mut current: HashMap<i32, (u32, usize)> = HashMap::new();
    for (i, r) in recs.iter().enumerate() {
        if let Some(o) = oneof(r.number) {
            match current.get(&o) {
                Some(&(n, _)) if n == r.number => {}
                _ => {
                    current.insert(o, (r.number, i));
                }
            }
        }
    }
    recs.iter()
        .enumerate()
        .map(|(i, r)| {
            oneof(r.number)
                .and_then(|o| current.get(&o))
                .is_some_and(|&(n, start)| n != r.number || i < start)
        })
        .collect()
}

/// Re-serializes message `msg` the way protoc does when it writes a descriptor set: it parses
/// each options message into a dynamic message that knows every custom option of the pool and
/// serializes it again (`StripSourceRetentionOptions`). So: known fields and extensions in
/// number order, unknown fields last in their order; singular values last-wins, singular
/// messages merged, the last member of a oneof set wins; a singular scalar with implicit
/// presence is not written when zero; repeated scalars packed or not per the field's resolved
/// features, messages written as groups when delimited; a map entry always has its key and
/// value; with `strip`, fields with `retention = RETENTION_SOURCE` removed. Returns the bytes
/// and the paths (field numbers, and indices in repeated fields) of what was removed.
pub(crate) fn canonicalize(
    pool: &Pool<'_>,
    msg: &str,
    bytes: &[u8],
    strip: bool,
    depth: usize,
) -> (Vec<u8>, Vec<Vec<i32>>) {
    let Some(recs) = records(bytes).filter(|_| depth < MAX_AGGREGATE_DEPTH) else {
        return (bytes.to_vec(), Vec::new());
    };
    let desc = pool.messages.get(msg).copied();
    let map_entry = desc
        .and_then(|d| d.options.as_ref())
        .and_then(|o| o.map_entry)
        == Some(true);
    // A MessageSet's extensions are written as items: group 1 { type_id = 2; message = 3 }.
    let message_set = desc
        .and_then(|d| d.options.as_ref())
        .and_then(|o| o.message_set_wire_format)
        == Some(true);
    let recs = if message_set {
        recs.into_iter().map(message_set_item).collect()
    } else {
        recs
    };
    let dropped = oneof_losers(desc, &recs);
    let lookup = |n: u32| pool.field(msg, n as i32);
    let mut stripped: Vec<Vec<i32>> = Vec::new();
    let mut known: Vec<u32> = Vec::new();
    let mut unknown: Vec<&Record<'_>> = Vec::new();
    let mut mine_of: HashMap<u32, Vec<&Record<'_>>> = HashMap::new();
    for (r, &drop) in recs.iter().zip(&dropped) {
        if drop {
            continue;
        }
        match lookup(r.number) {
            Some((f, _)) if fits(f, r.wire_type) => {
                if strip && f.options.as_ref().and_then(|o| o.retention) == Some(RETENTION_SOURCE) {
                    if !stripped.iter().any(|p| p == &[r.number as i32]) {
                        stripped.push(vec![r.number as i32]);
                    }
                } else {
                    if !known.contains(&r.number) {
                        known.push(r.number);
                    }
                    mine_of.entry(r.number).or_default().push(r);
                }
            }
            _ => unknown.push(r),
        }
    }
    if map_entry {
        // A map entry is written with its key and value, set or not.
        for n in [1, 2] {
            if !known.contains(&n) && lookup(n).is_some() {
                known.push(n);
            }
        }
    }
    known.sort_unstable();
    let mut out = Vec::new();
    for n in known {
        let Some((f, enc)) = lookup(n) else {
            continue;
        };
        let ty = field_type(f);
        let mine = mine_of.remove(&n).unwrap_or_default();
        if mine.is_empty() {
            put_zero(&mut out, n, f);
            continue;
        }
        // In a map entry the key and value are written even when zero.
        let implicit = enc.implicit && !map_entry;
        let nested = f.type_name.as_deref().unwrap_or("").trim_start_matches('.');
        if ty == PType::TYPE_MESSAGE || ty == PType::TYPE_GROUP {
            let wt = if enc.delimited { 3 } else { 2 };
            if message_set && f.extendee.is_some() && !is_repeated(f) {
                let merged: Vec<u8> = mine
                    .iter()
                    .flat_map(|r| r.payload.iter().copied())
                    .collect();
                let (b, s) = canonicalize(pool, nested, &merged, strip, depth + 1);
                stripped.extend(s.into_iter().map(|p| [&[n as i32][..], &p].concat()));
                let mut item = Vec::new();
                let mut enc = Encoder::new(&mut item);
                enc.put_tag(2, WireType::Varint);
                enc.put_varint(u64::from(n));
                enc.put_tag(3, WireType::Len);
                enc.put_len_prefixed(&b);
                put_record(&mut out, 1, 3, &item);
            } else if is_repeated(f) {
                for (i, r) in mine.into_iter().enumerate() {
                    let (b, s) = canonicalize(pool, nested, r.payload, strip, depth + 1);
                    let prefix = [n as i32, i as i32];
                    stripped.extend(s.into_iter().map(|p| [&prefix[..], &p].concat()));
                    put_record(&mut out, n, wt, &b);
                }
            } else {
                let merged: Vec<u8> = mine
                    .iter()
                    .flat_map(|r| r.payload.iter().copied())
                    .collect();
                let (b, s) = canonicalize(pool, nested, &merged, strip, depth + 1);
                stripped.extend(s.into_iter().map(|p| [&[n as i32][..], &p].concat()));
                put_record(&mut out, n, wt, &b);
            }
        } else if let Some(swt) = scalar_wire_type(ty) {
            // Collect the values (packed payloads unpacked).
            let mut values: Vec<&[u8]> = Vec::new();
            for r in &mine {
                if r.wire_type == 2 {
                    let mut i = 0;
                    let p = r.payload;
                    while i < p.len() {
                        let s = i;
                        match swt {
                            0 => {
                                if read_varint(p, &mut i).is_none() {
                                    break;
                                }
                            }
                            1 => i = (i + 8).min(p.len()),
                            _ => i = (i + 4).min(p.len()),
                        }
                        values.push(&p[s..i]);
                    }
                } else {
                    values.push(r.payload);
                }
            }
            if !is_repeated(f) {
                if let Some(v) = values.last()
                    && !(implicit && is_zero(swt, v))
                {
                    put_record(&mut out, n, swt, v);
                }
            } else if enc.packed {
                let payload: Vec<u8> = values.concat();
                if !payload.is_empty() {
                    put_record(&mut out, n, 2, &payload);
                }
            } else {
                for v in values {
                    put_record(&mut out, n, swt, v);
                }
            }
        } else if is_repeated(f) {
            for r in mine {
                put_record(&mut out, n, 2, r.payload);
            }
        } else if let Some(r) = mine.last()
            && !(implicit && r.payload.is_empty())
        {
            put_record(&mut out, n, 2, r.payload);
        }
    }
    for r in unknown {
        put_record(&mut out, r.number, r.wire_type, r.payload);
    }
    (out, stripped)
}

struct Interpreter<'p, 'd, 'r> {
    pool: &'p Pool<'d>,
    resolver: &'r Builder<'r>,
    scope: &'p str,
}

/// Whether `name` is infinity or NaN for a float option: `inf` or `nan` in an option
/// statement; `inf`, `infinity` or `nan` in any case in text format.
fn special_float(name: &str, text_format: bool) -> bool {
    if text_format {
        ["inf", "infinity", "nan"]
            .iter()
            .any(|s| name.eq_ignore_ascii_case(s))
    } else {
        name == "inf" || name == "nan"
    }
}

fn field_type(f: &FieldDescriptorProto) -> PType {
    PType(f.r#type.unwrap_or(0))
}

fn is_repeated(f: &FieldDescriptorProto) -> bool {
    f.label == Some(PLabel::LABEL_REPEATED.0)
}

impl<'d> Interpreter<'_, 'd, '_> {
    fn message(&self, full: &str) -> Option<&'d DescriptorProto> {
        self.pool
            .messages
            .get(full.trim_start_matches('.'))
            .copied()
    }

    /// Finds a field or extension of message `msg` (full name) named by an option name part.
    fn find_field(
        &self,
        msg: &str,
        part: &ast::OptionNamePart,
        shown: &str,
    ) -> Result<&'d FieldDescriptorProto, Diagnostic> {
        if part.is_extension {
            let name = part.name.text();
            let full = self
                .resolver
                .resolve_extension(&name, self.scope)
                .map_err(|_| {
                    Diagnostic::error(
                        part.span,
                        format!("Option \"{shown}\" unknown. Ensure that your proto definition file imports the proto which defines the option (i.e. via import option after edition 2024)."),
                    )
                })?;
            let ext = self.pool.extensions.get(&full).copied().ok_or_else(|| {
                Diagnostic::error(part.span, format!("Option \"{shown}\" unknown."))
            })?;
            if ext.extendee.as_deref().map(|e| e.trim_start_matches('.')) != Some(msg) {
                return Err(Diagnostic::error(
                    part.span,
                    format!(
                        "Option field \"{shown}\" is not a field or extension of message \"{}\".",
                        msg.rsplit('.').next().unwrap_or(msg)
                    ),
                ));
            }
            Ok(ext)
        } else {
            let name = part.name.text();
            self.message(msg)
                .and_then(|m| m.field.iter().find(|f| f.name.as_deref() == Some(&*name)))
                .ok_or_else(|| {
                    Diagnostic::error(
                        part.span,
                        format!(
                            "Option \"{shown}\" unknown. Ensure that your proto definition file imports the proto which defines the option (i.e. via import option after edition 2024)."
                        ),
                    )
                })
        }
    }

    /// One option statement: its record, nested through the name's parts.
    fn option(
        &mut self,
        options_type: &str,
        decl: &ast::OptionDecl,
        so_far: &[u8],
    ) -> Result<(Vec<u8>, Vec<u32>, bool), Diagnostic> {
        if let [only] = decl.name.parts.as_slice()
            && !only.is_extension
            && only.name.text() == "uninterpreted_option"
        {
            return Err(Diagnostic::error(
                only.span,
                "Option must not use reserved name \"uninterpreted_option\".",
            ));
        }
        if decl.name.parts.iter().any(|p| p.name.parts.is_empty()) {
            return Err(Diagnostic::error(
                decl.name.span,
                "Uninterpreted option is missing name or value.",
            ));
        }
        let mut chain = Vec::new();
        let mut msg = options_type.to_string();
        let mut shown = String::new();
        let mut last_full = String::new();
        for (i, part) in decl.name.parts.iter().enumerate() {
            if i > 0 {
                shown.push('.');
            }
            if part.is_extension {
                shown.push('(');
                shown.push_str(&part.name.text());
                shown.push(')');
            } else {
                shown.push_str(&part.name.text());
            }
            let f = self.find_field(&msg, part, &shown)?;
            let last = i + 1 == decl.name.parts.len();
            if last {
                // Value errors name the field in full, as protoc does.
                last_full = if part.is_extension {
                    self.resolver
                        .resolve_extension(&part.name.text(), self.scope)
                        .unwrap_or_else(|_| part.name.text())
                } else {
                    format!("{msg}.{}", part.name.text())
                };
            }
            if !last {
                match field_type(f) {
                    PType::TYPE_MESSAGE | PType::TYPE_GROUP => {
                        msg = f
                            .type_name
                            .clone()
                            .unwrap_or_default()
                            .trim_start_matches('.')
                            .to_string();
                    }
                    _ => {
                        return Err(Diagnostic::error(
                            part.span,
                            format!("Option \"{shown}\" is an atomic type, not a message."),
                        ));
                    }
                }
                if is_repeated(f) {
                    return Err(Diagnostic::error(
                        part.span,
                        format!(
                            "Option field \"{shown}\" is a repeated message. Repeated message options must be initialized using an aggregate value."
                        ),
                    ));
                }
            }
            chain.push(f);
        }
        let numbers: Vec<u32> = chain.iter().map(|f| f.number.unwrap_or(0) as u32).collect();
        let Some(&last) = chain.last() else {
            return Err(Diagnostic::error(decl.name.span, "Option name is empty."));
        };
        // protoc's `ExamineIfOptionIsSet`: a singular field already present in what the
        // earlier statements set (whole or through a sub-field path) cannot be set again.
        if !is_repeated(last)
            && !chain[..chain.len() - 1].iter().any(|f| is_repeated(f))
            && is_set(so_far, &numbers)
        {
            return Err(Diagnostic::error(
                decl.name.span,
                format!("Option \"{shown}\" was already set."),
            ));
        }
        let mut bytes = Vec::new();
        match &decl.value {
            OptionValue::Aggregate(m) => {
                self.aggregate_field(last, m, &mut bytes, 0).map_err(|e| {
                    Diagnostic::error(
                        m.span,
                        // protoc names the field here by its short name.
                        format!(
                            "Error while parsing option value for \"{}\": {}",
                            last.name(),
                            e.message()
                        ),
                    )
                })?;
            }
            OptionValue::Literal(l) => self.scalar(last, l, &last_full, false, &mut bytes)?,
        }
        // Wrap in the enclosing messages, innermost first.
        for f in chain[..chain.len() - 1].iter().rev() {
            let mut outer = Vec::new();
            let mut enc = Encoder::new(&mut outer);
            let number = f.number.unwrap_or(0) as u32;
            if field_type(f) == PType::TYPE_GROUP {
                enc.put_tag(number, WireType::StartGroup);
                enc.put_slice(&bytes);
                enc.put_tag(number, WireType::EndGroup);
            } else {
                enc.put_tag(number, WireType::Len);
                enc.put_len_prefixed(&bytes);
            }
            bytes = outer;
        }
        Ok((bytes, numbers, is_repeated(last)))
    }

    /// One scalar record for field `f`.
    fn scalar(
        &self,
        f: &FieldDescriptorProto,
        lit: &Literal,
        shown: &str,
        text_format: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), Diagnostic> {
        let number = f.number.unwrap_or(0) as u32;
        let mut enc = Encoder::new(out);
        let ty = field_type(f);
        let span = lit.span();
        let int = |lit: &Literal, min: i128, max: i128, tyname: &str| -> Result<i128, Diagnostic> {
            match lit {
                Literal::Int(i) => {
                    let v = if i.negative {
                        -i128::from(i.value)
                    } else {
                        i128::from(i.value)
                    };
                    if i.negative && min == 0 {
                        // protoc: an unsigned option given a negative number is not an integer
                        // "from 0 to max".
                        Err(Diagnostic::error(
                            span,
                            format!(
                                "Value must be integer, from {min} to {max}, for {tyname} option \"{shown}\"."
                            ),
                        ))
                    } else if v < min || v > max {
                        Err(Diagnostic::error(
                            span,
                            format!(
                                "Value out of range, {min} to {max}, for {tyname} option \"{shown}\"."
                            ),
                        ))
                    } else {
                        Ok(v)
                    }
                }
                _ => Err(Diagnostic::error(
                    span,
                    format!(
                        "Value must be integer, from {min} to {max}, for {tyname} option \"{shown}\"."
                    ),
                )),
            }
        };
        match ty {
            PType::TYPE_INT32 => {
                let v = int(lit, i32::MIN.into(), i32::MAX.into(), "int32")?;
                enc.put_tag(number, WireType::Varint);
                enc.put_varint(v as i64 as u64);
            }
            PType::TYPE_INT64 => {
                let v = int(lit, i64::MIN.into(), i64::MAX.into(), "int64")?;
                enc.put_tag(number, WireType::Varint);
                enc.put_varint(v as i64 as u64);
            }
            PType::TYPE_UINT32 => {
                let v = int(lit, 0, u32::MAX.into(), "uint32")?;
                enc.put_tag(number, WireType::Varint);
                enc.put_varint(v as u64);
            }
            PType::TYPE_UINT64 => {
                let v = int(lit, 0, u64::MAX.into(), "uint64")?;
                enc.put_tag(number, WireType::Varint);
                enc.put_varint(v as u64);
            }
            PType::TYPE_SINT32 => {
                let v = int(lit, i32::MIN.into(), i32::MAX.into(), "int32")? as i32;
                enc.put_tag(number, WireType::Varint);
                enc.put_varint(u64::from(((v << 1) ^ (v >> 31)) as u32));
            }
            PType::TYPE_SINT64 => {
                let v = int(lit, i64::MIN.into(), i64::MAX.into(), "int64")? as i64;
                enc.put_tag(number, WireType::Varint);
                enc.put_varint(((v << 1) ^ (v >> 63)) as u64);
            }
            PType::TYPE_FIXED32 => {
                let v = int(lit, 0, u32::MAX.into(), "uint32")?;
                enc.put_tag(number, WireType::I32);
                enc.put_fixed32(v as u32);
            }
            PType::TYPE_FIXED64 => {
                let v = int(lit, 0, u64::MAX.into(), "uint64")?;
                enc.put_tag(number, WireType::I64);
                enc.put_fixed64(v as u64);
            }
            PType::TYPE_SFIXED32 => {
                let v = int(lit, i32::MIN.into(), i32::MAX.into(), "int32")?;
                enc.put_tag(number, WireType::I32);
                enc.put_fixed32(v as i32 as u32);
            }
            PType::TYPE_SFIXED64 => {
                let v = int(lit, i64::MIN.into(), i64::MAX.into(), "int64")?;
                enc.put_tag(number, WireType::I64);
                enc.put_fixed64(v as i64 as u64);
            }
            PType::TYPE_FLOAT | PType::TYPE_DOUBLE => {
                let tyname = if ty == PType::TYPE_FLOAT {
                    "float"
                } else {
                    "double"
                };
                let v = match lit {
                    Literal::Int(i) => {
                        let m = i.value as f64;
                        if i.negative { -m } else { m }
                    }
                    Literal::Float {
                        negative, value, ..
                    } => {
                        if *negative {
                            -value
                        } else {
                            *value
                        }
                    }
                    // An option statement takes `inf` and `nan`, and `-nan` is NaN (protoc's
                    // parser drops the sign); text format takes `inf`, `infinity` and `nan` in
                    // any case and negates what follows a `-`, NaN included.
                    Literal::Ident {
                        negative, ident, ..
                    } if special_float(&ident.name, text_format) => {
                        if ident.name.eq_ignore_ascii_case("nan") {
                            if *negative && text_format {
                                -f64::NAN
                            } else {
                                f64::NAN
                            }
                        } else if *negative {
                            f64::NEG_INFINITY
                        } else {
                            f64::INFINITY
                        }
                    }
                    _ => {
                        return Err(Diagnostic::error(
                            span,
                            format!("Value must be number for {tyname} option \"{shown}\"."),
                        ));
                    }
                };
                if ty == PType::TYPE_FLOAT {
                    enc.put_tag(number, WireType::I32);
                    enc.put_fixed32((v as f32).to_bits());
                } else {
                    enc.put_tag(number, WireType::I64);
                    enc.put_fixed64(v.to_bits());
                }
            }
            PType::TYPE_BOOL => {
                let v = match lit {
                    Literal::Ident {
                        negative: false,
                        ident,
                        ..
                    } if ident.name == "true" || ident.name == "false" => ident.name == "true",
                    // Text format also takes `True`, `t`, `False`, `f`, `1` and `0`.
                    Literal::Ident {
                        negative: false,
                        ident,
                        ..
                    } if text_format && matches!(&*ident.name, "True" | "t" | "False" | "f") => {
                        matches!(&*ident.name, "True" | "t")
                    }
                    Literal::Int(i) if text_format && !i.negative && i.value <= 1 => i.value == 1,
                    Literal::Ident { ident, .. } if text_format => {
                        return Err(Diagnostic::error(
                            span,
                            format!(
                                "Invalid value for boolean field \"{}\". Value: \"{}\".",
                                f.name(),
                                ident.name
                            ),
                        ));
                    }
                    _ => {
                        return Err(Diagnostic::error(
                            span,
                            format!(
                                "Value must be \"true\" or \"false\" for boolean option \"{shown}\"."
                            ),
                        ));
                    }
                };
                enc.put_tag(number, WireType::Varint);
                enc.put_varint(u64::from(v));
            }
            PType::TYPE_ENUM => {
                let enum_name = f.type_name.as_deref().unwrap_or("").trim_start_matches('.');
                // Text format takes a number too: any int32 for an open enum, a declared
                // value's number for a closed one.
                if let (true, Literal::Int(i)) = (text_format, lit) {
                    let v = if i.negative {
                        -i128::from(i.value)
                    } else {
                        i128::from(i.value)
                    };
                    let known = self.pool.enums.get(enum_name).is_some_and(|e| {
                        e.value.iter().any(|x| x.number.map(i128::from) == Some(v))
                    });
                    if !(i32::MIN.into()..=i32::MAX.into()).contains(&v)
                        || (!known && self.pool.closed_enum(enum_name))
                    {
                        return Err(Diagnostic::error(
                            span,
                            format!(
                                "Unknown enumeration value of \"{v}\" for field \"{}\".",
                                f.name()
                            ),
                        ));
                    }
                    enc.put_tag(number, WireType::Varint);
                    enc.put_varint(v as i64 as u64);
                    return Ok(());
                }
                let Literal::Ident {
                    negative: false,
                    ident,
                    ..
                } = lit
                else {
                    return Err(Diagnostic::error(
                        span,
                        format!("Value must be identifier for enum-valued option \"{shown}\"."),
                    ));
                };
                let value = self
                    .pool
                    .enums
                    .get(enum_name)
                    .and_then(|e| {
                        e.value
                            .iter()
                            .find(|v| v.name.as_deref() == Some(&*ident.name))
                    })
                    .and_then(|v| v.number)
                    .ok_or_else(|| {
                        Diagnostic::error(
                            span,
                            format!(
                                "Enum type \"{enum_name}\" has no value named \"{}\" for option \"{shown}\".",
                                ident.name
                            ),
                        )
                    })?;
                enc.put_tag(number, WireType::Varint);
                enc.put_varint(value as i64 as u64);
            }
            PType::TYPE_STRING | PType::TYPE_BYTES => {
                let Literal::String { value, .. } = lit else {
                    return Err(Diagnostic::error(
                        span,
                        format!("Value must be quoted string for string option \"{shown}\"."),
                    ));
                };
                enc.put_tag(number, WireType::Len);
                enc.put_len_prefixed(value);
            }
            PType::TYPE_MESSAGE | PType::TYPE_GROUP => {
                return Err(Diagnostic::error(
                    span,
                    format!(
                        "Option \"{shown}\" is a message. To set the entire message, use syntax like \"{shown} = {{ <proto text format> }}\". To set fields within it, use syntax like \"{shown}.foo = value\"."
                    ),
                ));
            }
            _ => {
                return Err(Diagnostic::error(
                    span,
                    format!("Option \"{shown}\" has an unknown type."),
                ));
            }
        }
        Ok(())
    }

    /// A message-typed field set from a text-format value: one record.
    fn aggregate_field(
        &self,
        f: &FieldDescriptorProto,
        m: &ast::MessageLiteral,
        out: &mut Vec<u8>,
        depth: usize,
    ) -> Result<(), Diagnostic> {
        let ty = field_type(f);
        if ty != PType::TYPE_MESSAGE && ty != PType::TYPE_GROUP {
            return Err(Diagnostic::error(
                m.span,
                format!("Option \"{}\" is an atomic type, not a message.", f.name()),
            ));
        }
        let msg = f.type_name.as_deref().unwrap_or("").trim_start_matches('.');
        let mut body = Vec::new();
        self.message_literal(msg, m, &mut body, depth + 1)?;
        let number = f.number.unwrap_or(0) as u32;
        let mut enc = Encoder::new(out);
        if ty == PType::TYPE_GROUP {
            enc.put_tag(number, WireType::StartGroup);
            enc.put_slice(&body);
            enc.put_tag(number, WireType::EndGroup);
        } else {
            enc.put_tag(number, WireType::Len);
            enc.put_len_prefixed(&body);
        }
        Ok(())
    }

    /// Encodes a text-format message of type `msg` as protoc serializes it: fields in number
    /// order (repeated values in their order).
    fn message_literal(
        &self,
        msg: &str,
        m: &ast::MessageLiteral,
        out: &mut Vec<u8>,
        depth: usize,
    ) -> Result<(), Diagnostic> {
        if depth > MAX_AGGREGATE_DEPTH {
            return Err(Diagnostic::error(m.span, "Message is too deeply nested."));
        }
        let desc = self
            .message(msg)
            .ok_or_else(|| Diagnostic::error(m.span, format!("Unknown message type \"{msg}\".")))?;
        // (field number, order, bytes)
        let mut records: Vec<(u32, usize, Vec<u8>)> = Vec::new();
        let mut singular_seen: HashSet<u32> = HashSet::new();
        let mut oneof_set: HashMap<i32, String> = HashMap::new();
        for (order, fl) in m.fields.iter().enumerate() {
            let (field, any_type) = match &fl.name {
                FieldLiteralName::Field(id) => {
                    let f = desc
                        .field
                        .iter()
                        .find(|f| f.name.as_deref() == Some(&*id.name))
                        .or_else(|| {
                            desc.field.iter().find(|f| {
                                field_type(f) == PType::TYPE_GROUP
                                    && f.type_name.as_deref().and_then(|t| t.rsplit('.').next())
                                        == Some(&*id.name)
                            })
                        })
                        .ok_or_else(|| {
                            Diagnostic::error(
                                id.span,
                                format!(
                                    "Message type \"{msg}\" has no field named \"{}\".",
                                    id.name
                                ),
                            )
                        })?;
                    (f, None)
                }
                FieldLiteralName::Extension(name) => {
                    let text = name.text();
                    let full = self
                        .resolver
                        .resolve_extension(&text, self.scope)
                        .map_err(|e| Diagnostic::error(name.span, e))?;
                    let ext = self.pool.extensions.get(&full).copied().ok_or_else(|| {
                        Diagnostic::error(
                            name.span,
                            format!("Extension \"{text}\" is not defined."),
                        )
                    })?;
                    if ext.extendee.as_deref().map(|e| e.trim_start_matches('.')) != Some(msg) {
                        return Err(Diagnostic::error(
                            name.span,
                            format!("Extension \"{full}\" does not extend message type \"{msg}\"."),
                        ));
                    }
                    (ext, None)
                }
                FieldLiteralName::AnyType { prefix, type_name } => {
                    // protoc's option finder only resolves these two prefixes.
                    if prefix != "type.googleapis.com" && prefix != "type.googleprod.com" {
                        return Err(Diagnostic::error(
                            fl.name_span,
                            format!(
                                "Could not find type \"{prefix}/{}\" stored in google.protobuf.Any.",
                                type_name.text()
                            ),
                        ));
                    }
                    if msg != "google.protobuf.Any" {
                        return Err(Diagnostic::error(
                            fl.name_span,
                            format!("Message type \"{msg}\" is not google.protobuf.Any."),
                        ));
                    }
                    (
                        desc.field.first().ok_or_else(|| {
                            Diagnostic::error(fl.name_span, "google.protobuf.Any has no fields.")
                        })?,
                        Some((prefix.clone(), type_name.text())),
                    )
                }
            };
            if let Some((prefix, type_name)) = any_type {
                // `[prefix/pkg.Msg] { ... }` is `type_url: "prefix/pkg.Msg" value: <bytes>`.
                let FieldLiteralValue::Message(inner) = &fl.value else {
                    return Err(Diagnostic::error(
                        fl.span,
                        "Expected a message value for an Any.",
                    ));
                };
                let mut value = Vec::new();
                self.message_literal(&type_name, inner, &mut value, depth + 1)?;
                // protoc serializes the value from a message of its type: canonical bytes,
                // which nothing rewrites afterwards (they are a `bytes` field).
                let (value, _) = canonicalize(self.pool, &type_name, &value, false, depth + 1);
                let mut rec = Vec::new();
                let mut enc = Encoder::new(&mut rec);
                enc.put_tag(1, WireType::Len);
                enc.put_len_prefixed(format!("{prefix}/{type_name}").as_bytes());
                enc.put_tag(2, WireType::Len);
                enc.put_len_prefixed(&value);
                if !singular_seen.insert(1) | !singular_seen.insert(2) {
                    return Err(Diagnostic::error(
                        fl.name_span,
                        "Non-repeated Any specified multiple times.",
                    ));
                }
                records.push((1, order, rec));
                continue;
            }
            let number = field.number.unwrap_or(0) as u32;
            if !is_repeated(field) && !singular_seen.insert(number) {
                return Err(Diagnostic::error(
                    fl.name_span,
                    format!(
                        "Non-repeated field \"{}\" is specified multiple times.",
                        field.name()
                    ),
                ));
            }
            // Text format: one member per oneof.
            if field.extendee.is_none()
                && let Some(o) = field.oneof_index
            {
                if let Some(other) = oneof_set.get(&o) {
                    let name = usize::try_from(o)
                        .ok()
                        .and_then(|o| desc.oneof_decl.get(o))
                        .map(|d| d.name())
                        .unwrap_or_default();
                    return Err(Diagnostic::error(
                        fl.name_span,
                        format!(
                            "Field \"{}\" is specified along with field \"{other}\", another member of oneof \"{name}\".",
                            field.name()
                        ),
                    ));
                }
                oneof_set.insert(o, field.name().to_string());
            }
            let mut rec = Vec::new();
            let values: Vec<&FieldLiteralValue> = match &fl.value {
                FieldLiteralValue::List(items, span) => {
                    if !is_repeated(field) {
                        return Err(Diagnostic::error(
                            *span,
                            format!("Non-repeated field \"{}\" cannot be a list.", field.name()),
                        ));
                    }
                    items.iter().collect()
                }
                v => vec![v],
            };
            for v in values {
                match v {
                    FieldLiteralValue::Message(inner) => {
                        self.aggregate_field(field, inner, &mut rec, depth)?
                    }
                    FieldLiteralValue::Scalar(l) => {
                        let shown = field.name().to_string();
                        self.scalar(field, l, &shown, true, &mut rec)?
                    }
                    FieldLiteralValue::List(_, span) => {
                        return Err(Diagnostic::error(*span, "Lists cannot be nested."));
                    }
                }
            }
            records.push((number, order, rec));
        }
        // Field order and packing are settled by `canonicalize` afterwards.
        for (_, _, r) in records {
            out.extend(r);
        }
        Ok(())
    }
}

/// The options field of one element.
enum Slot<'a> {
    File(&'a mut Option<FileOptions>),
    Message(&'a mut Option<MessageOptions>),
    Field(&'a mut Option<FieldOptions>),
    Oneof(&'a mut Option<OneofOptions>),
    Range(&'a mut Option<ExtensionRangeOptions>),
    Enum(&'a mut Option<EnumOptions>),
    EnumValue(&'a mut Option<EnumValueOptions>),
    Service(&'a mut Option<ServiceOptions>),
    Method(&'a mut Option<MethodOptions>),
}

fn decode<M: Message>(bytes: &[u8]) -> Result<M, String> {
    M::decode(bytes).map_err(|e| e.to_string())
}

impl Slot<'_> {
    fn encode(&self) -> Option<Vec<u8>> {
        match self {
            Slot::File(o) => o.as_ref().map(Message::encode_to_vec),
            Slot::Message(o) => o.as_ref().map(Message::encode_to_vec),
            Slot::Field(o) => o.as_ref().map(Message::encode_to_vec),
            Slot::Oneof(o) => o.as_ref().map(Message::encode_to_vec),
            Slot::Range(o) => o.as_ref().map(Message::encode_to_vec),
            Slot::Enum(o) => o.as_ref().map(Message::encode_to_vec),
            Slot::EnumValue(o) => o.as_ref().map(Message::encode_to_vec),
            Slot::Service(o) => o.as_ref().map(Message::encode_to_vec),
            Slot::Method(o) => o.as_ref().map(Message::encode_to_vec),
        }
    }

    fn set(self, b: &[u8]) -> Result<(), String> {
        match self {
            Slot::File(o) => *o = Some(decode(b)?),
            Slot::Message(o) => {
                // Keep `map_entry`, which the linker sets on map entry types.
                let mut new: MessageOptions = decode(b)?;
                if let Some(old) = o.take() {
                    new.map_entry = new.map_entry.or(old.map_entry);
                }
                *o = Some(new);
            }
            Slot::Field(o) => *o = Some(decode(b)?),
            Slot::Oneof(o) => *o = Some(decode(b)?),
            Slot::Range(o) => *o = Some(decode(b)?),
            Slot::Enum(o) => *o = Some(decode(b)?),
            Slot::EnumValue(o) => *o = Some(decode(b)?),
            Slot::Service(o) => *o = Some(decode(b)?),
            Slot::Method(o) => *o = Some(decode(b)?),
        }
        Ok(())
    }

    fn clear(self) {
        match self {
            Slot::File(o) => *o = None,
            Slot::Message(o) => *o = None,
            Slot::Field(o) => *o = None,
            Slot::Oneof(o) => *o = None,
            Slot::Range(o) => *o = None,
            Slot::Enum(o) => *o = None,
            Slot::EnumValue(o) => *o = None,
            Slot::Service(o) => *o = None,
            Slot::Method(o) => *o = None,
        }
    }
}

/// The options slot of the element at `path` (ending in the element's options field number).
fn slot<'a>(fd: &'a mut FileDescriptorProto, path: &[i32]) -> Option<Slot<'a>> {
    let at = |k: usize| path.get(k).and_then(|&v| usize::try_from(v).ok());
    match path.first()? {
        8 if path.len() == 1 => Some(Slot::File(&mut fd.options)),
        4 => message_slot(fd.message_type.get_mut(at(1)?)?, &path[2..]),
        5 => enum_slot(fd.enum_type.get_mut(at(1)?)?, &path[2..]),
        6 => {
            let s = fd.service.get_mut(at(1)?)?;
            match path.get(2)? {
                3 => Some(Slot::Service(&mut s.options)),
                2 => Some(Slot::Method(&mut s.method.get_mut(at(3)?)?.options)),
                _ => None,
            }
        }
        7 => Some(Slot::Field(&mut fd.extension.get_mut(at(1)?)?.options)),
        _ => None,
    }
}

fn message_slot<'a>(m: &'a mut DescriptorProto, path: &[i32]) -> Option<Slot<'a>> {
    let at = |k: usize| path.get(k).and_then(|&v| usize::try_from(v).ok());
    match path.first()? {
        7 => Some(Slot::Message(&mut m.options)),
        2 => Some(Slot::Field(&mut m.field.get_mut(at(1)?)?.options)),
        6 => Some(Slot::Field(&mut m.extension.get_mut(at(1)?)?.options)),
        8 => Some(Slot::Oneof(&mut m.oneof_decl.get_mut(at(1)?)?.options)),
        5 => Some(Slot::Range(&mut m.extension_range.get_mut(at(1)?)?.options)),
        3 => message_slot(m.nested_type.get_mut(at(1)?)?, &path[2..]),
        4 => enum_slot(m.enum_type.get_mut(at(1)?)?, &path[2..]),
        _ => None,
    }
}

fn enum_slot<'a>(e: &'a mut EnumDescriptorProto, path: &[i32]) -> Option<Slot<'a>> {
    match path.first()? {
        3 => Some(Slot::Enum(&mut e.options)),
        2 => {
            let i = usize::try_from(*path.get(1)?).ok()?;
            Some(Slot::EnumValue(&mut e.value.get_mut(i)?.options))
        }
        _ => None,
    }
}

/// Sets each element's options from the interpreted bytes; returns the paths set.
pub(crate) fn apply(
    fd: &mut FileDescriptorProto,
    interpreted: Interpreted,
    errors: &mut dyn FnMut(Diagnostic),
) -> Vec<Vec<i32>> {
    let mut paths = Vec::new();
    for (path, bytes) in interpreted {
        let result = match slot(fd, &path) {
            Some(s) => s.set(&bytes),
            None => Err("no such element".to_string()),
        };
        match result {
            Ok(()) => paths.push(path),
            Err(e) => errors(Diagnostic::error(
                Span::default(),
                format!("Internal error: options at {path:?}: {e}"),
            )),
        }
    }
    paths
}

/// Puts the options at `paths` in protoc's final form: canonical order with every custom
/// option known, source-retention options removed (and options left empty by that removed).
/// Returns the paths of what was removed, for `SourceCodeInfo`.
pub(crate) fn finish(
    pool: &Pool<'_>,
    fd: &mut FileDescriptorProto,
    paths: &[Vec<i32>],
    errors: &mut Vec<(Vec<i32>, String)>,
) -> Result<Vec<Vec<i32>>, String> {
    let mut removed = Vec::new();
    for path in paths {
        let kind = options_kind(path);
        let Some(bytes) = slot(fd, path).and_then(|s| s.encode()) else {
            continue;
        };
        let mut messages = Vec::new();
        check_targets(pool, kind, &bytes, element_of(path), 0, &mut messages);
        errors.extend(messages.into_iter().map(|m| (path.clone(), m)));
        let (canonical, stripped) = canonicalize(pool, kind, &bytes, true, 0);
        let Some(s) = slot(fd, path) else { continue };
        if !stripped.is_empty() && canonical.is_empty() {
            s.clear();
            removed.push(path.clone());
        } else {
            s.set(&canonical)?;
            removed.extend(stripped.into_iter().map(|p| [&path[..], &p].concat()));
        }
    }
    Ok(removed)
}

/// protoc's `ValidateFeatureLifetimes` for the options of the element at `path` (its options
/// field's path) in a file of edition `edition`: every field set (features, custom options and
/// standard ones, through nested messages) and every enum value set must exist in that edition,
/// as their `feature_support` says. The element's features are checked first, then its other
/// options, as protoc does. Deprecations are warnings in protoc, not reported here.
pub(crate) fn check_lifetimes(
    pool: &Pool<'_>,
    fd: &mut FileDescriptorProto,
    path: &[i32],
    edition: i32,
    errors: &mut Vec<String>,
) {
    let kind = options_kind(path);
    let Some(bytes) = slot(fd, path).and_then(|s| s.encode()) else {
        return;
    };
    let features = pool
        .messages
        .get(kind)
        .and_then(|d| d.field.iter().find(|f| f.name() == "features"))
        .and_then(|f| f.number)
        .and_then(|n| u32::try_from(n).ok());
    if let (Some(n), Some(recs)) = (features, records(&bytes)) {
        let set: Vec<u8> = recs
            .iter()
            .filter(|r| r.number == n && r.wire_type == 2)
            .flat_map(|r| r.payload.iter().copied())
            .collect();
        lifetimes(
            pool,
            "google.protobuf.FeatureSet",
            &set,
            edition,
            None,
            0,
            errors,
        );
    }
    lifetimes(pool, kind, &bytes, edition, features, 0, errors);
}

/// [`check_lifetimes`] on one message's bytes, skipping field `skip`.
fn lifetimes(
    pool: &Pool<'_>,
    msg: &str,
    bytes: &[u8],
    edition: i32,
    skip: Option<u32>,
    depth: usize,
    errors: &mut Vec<String>,
) {
    let Some(recs) = records(bytes).filter(|_| depth < MAX_AGGREGATE_DEPTH) else {
        return;
    };
    // Field by field in number order, as protoc lists them.
    let mut numbers: Vec<u32> = recs
        .iter()
        .map(|r| r.number)
        .filter(|&n| Some(n) != skip)
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    for n in numbers {
        let Some((f, enc)) = pool.field(msg, n as i32) else {
            continue;
        };
        let mine: Vec<&Record<'_>> = recs
            .iter()
            .filter(|r| r.number == n && fits(f, r.wire_type))
            .collect();
        let ty = field_type(f);
        if matches!(ty, PType::TYPE_MESSAGE | PType::TYPE_GROUP) {
            let nested = f.type_name().trim_start_matches('.');
            if is_repeated(f) {
                for r in &mine {
                    lifetimes(pool, nested, r.payload, edition, None, depth + 1, errors);
                }
            } else {
                let merged: Vec<u8> = mine
                    .iter()
                    .flat_map(|r| r.payload.iter().copied())
                    .collect();
                lifetimes(pool, nested, &merged, edition, None, depth + 1, errors);
            }
        } else if enc.implicit && mine.last().is_none_or(|r| is_zero(r.wire_type, r.payload)) {
            // Not present: an implicit-presence field at its zero value.
            continue;
        }
        if ty == PType::TYPE_ENUM {
            let enum_name = f.type_name().trim_start_matches('.');
            let mut values = Vec::new();
            for r in &mine {
                let mut i = 0;
                if r.wire_type == 2 {
                    while i < r.payload.len() {
                        match read_varint(r.payload, &mut i) {
                            Some(v) => values.push(v as i32),
                            None => break,
                        }
                    }
                } else if let Some(v) = read_varint(r.payload, &mut i) {
                    values.push(v as i32);
                }
            }
            if !is_repeated(f) {
                values.drain(..values.len().saturating_sub(1));
            }
            let scope = enum_name.rsplit_once('.').map_or("", |(s, _)| s);
            for v in values {
                if let Some(value) = pool
                    .enums
                    .get(enum_name)
                    .and_then(|e| e.value.iter().find(|x| x.number == Some(v)))
                    && let Some(support) = value
                        .options
                        .as_ref()
                        .and_then(|o| o.feature_support.as_ref())
                {
                    check_support(support, &join(scope, value.name()), edition, errors);
                }
            }
        }
        if let Some(support) = f.options.as_ref().and_then(|o| o.feature_support.as_ref()) {
            let full = if f.extendee.is_some() {
                pool.extension_name(f)
            } else {
                format!("{msg}.{}", f.name())
            };
            check_support(support, &full, edition, errors);
        }
    }
}

/// protoc's `ValidateSingleFeatureLifetimes`: whether `full_name` exists in `edition`.
fn check_support(
    support: &courier_types::field_options::FeatureSupport,
    full_name: &str,
    edition: i32,
    errors: &mut Vec<String>,
) {
    use crate::features::edition_name;
    if let Some(introduced) = support.edition_introduced
        && edition < introduced
    {
        errors.push(format!(
            "{full_name} wasn't introduced until edition {} and can't be used in edition {}",
            edition_name(introduced),
            edition_name(edition)
        ));
    }
    if let Some(removed) = support.edition_removed
        && edition >= removed
    {
        errors.push(format!(
            "{full_name} has been removed in edition {}{}",
            edition_name(removed),
            support
                .removal_error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ));
    }
}
