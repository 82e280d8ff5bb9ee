//! Editions feature resolution: the `google.protobuf.FeatureSet` in force on each element, as
//! protoc computes it.
//!
//! protoc starts from the defaults of the file's edition (compiled from the `edition_defaults`
//! of `FeatureSet`'s fields in descriptor.proto), then merges the features each element sets,
//! from the file down: file → message → nested message → field; a oneof's fields inherit from
//! the oneof; extensions from their scope (message or file); enum values from their enum;
//! methods from their service; extension ranges from their message. In proto2 and proto3 files
//! (editions `EDITION_PROTO2` and `EDITION_PROTO3`) a field's features are inferred from its
//! legacy syntax: `required` is `LEGACY_REQUIRED` presence, a group is `DELIMITED`,
//! `[packed = true]` is `PACKED` (and in proto3 `[packed = false]` is `EXPANDED`).
//!
//! The language features (extensions of `FeatureSet`: `pb.cpp`, `pb.java`, `pb.go`, ...) are
//! resolved the same way, kept as the `FeatureSet`'s unknown fields: from the defaults
//! compiled from their declarations (`feature_defaults`), merged field by field.
//! <https://protobuf.dev/editions/features/>

use courier_types::field_descriptor_proto::{Label as PLabel, Type as PType};
use courier_types::{FeatureSet, FieldDescriptorProto, FileDescriptorProto};
use courier_wire::{Encoder, WireType};

use crate::feature_defaults::Languages;

/// `google.protobuf.Edition` values used here.
pub(crate) mod edition {
    /// `EDITION_LEGACY`.
    pub(crate) const LEGACY: i32 = 900;
    /// `EDITION_PROTO2`.
    pub(crate) const PROTO2: i32 = 998;
    /// `EDITION_PROTO3`.
    pub(crate) const PROTO3: i32 = 999;
    /// `EDITION_2023`.
    pub(crate) const E2023: i32 = 1000;
    /// `EDITION_2024`.
    pub(crate) const E2024: i32 = 1001;
    /// `EDITION_2026`.
    pub(crate) const E2026: i32 = 1002;
    /// `EDITION_UNSTABLE`.
    pub(crate) const UNSTABLE: i32 = 9999;
}

/// One field of `FeatureSet`: its name, its enum's unknown-value name, and its
/// `edition_defaults` (edition, enum value), oldest first.
pub(crate) struct FeatureDef {
    /// The field name in `FeatureSet`.
    pub(crate) name: &'static str,
    /// The enum's zero value (`FIELD_PRESENCE_UNKNOWN`, ...), as protoc names it in errors.
    pub(crate) unknown: &'static str,
    /// `edition_defaults`, oldest first.
    pub(crate) defaults: &'static [(i32, i32)],
    get: fn(&FeatureSet) -> Option<i32>,
    set: fn(&mut FeatureSet, i32),
}

impl FeatureDef {
    /// The value `features` sets for this feature, if any.
    pub(crate) fn get(&self, features: &FeatureSet) -> Option<i32> {
        (self.get)(features)
    }
}

macro_rules! feature {
    ($field:ident, $unknown:literal, [$(($e:expr, $v:expr)),* $(,)?]) => {
        FeatureDef {
            name: stringify!($field),
            unknown: $unknown,
            defaults: &[$(($e, $v)),*],
            get: |f| f.$field,
            set: |f, v| f.$field = Some(v),
        }
    };
}

/// The fields of `FeatureSet` with their `edition_defaults`, as
/// descriptor.proto (protobuf v35.1) declares them. The unit test
/// `table_matches_descriptor_proto` compiles the embedded descriptor.proto and checks this
/// table against it.
pub(crate) static FEATURES: [FeatureDef; 8] = {
    use edition::*;
    [
        // EXPLICIT = 1, IMPLICIT = 2.
        feature!(
            field_presence,
            "FIELD_PRESENCE_UNKNOWN",
            [(LEGACY, 1), (PROTO3, 2), (E2023, 1)]
        ),
        // OPEN = 1, CLOSED = 2.
        feature!(enum_type, "ENUM_TYPE_UNKNOWN", [(LEGACY, 2), (PROTO3, 1)]),
        // PACKED = 1, EXPANDED = 2.
        feature!(
            repeated_field_encoding,
            "REPEATED_FIELD_ENCODING_UNKNOWN",
            [(LEGACY, 2), (PROTO3, 1)]
        ),
        // VERIFY = 2, NONE = 3.
        feature!(
            utf8_validation,
            "UTF8_VALIDATION_UNKNOWN",
            [(LEGACY, 3), (PROTO3, 2)]
        ),
        // LENGTH_PREFIXED = 1.
        feature!(message_encoding, "MESSAGE_ENCODING_UNKNOWN", [(LEGACY, 1)]),
        // ALLOW = 1, LEGACY_BEST_EFFORT = 2.
        feature!(
            json_format,
            "JSON_FORMAT_UNKNOWN",
            [(LEGACY, 2), (PROTO3, 1)]
        ),
        // STYLE2024 = 1, STYLE_LEGACY = 2, STYLE2026 = 3.
        feature!(
            enforce_naming_style,
            "ENFORCE_NAMING_STYLE_UNKNOWN",
            [(LEGACY, 2), (E2024, 1), (UNSTABLE, 3)]
        ),
        // EXPORT_ALL = 1, EXPORT_TOP_LEVEL = 2, STRICT = 4.
        feature!(
            default_symbol_visibility,
            "VisibilityFeature::DEFAULT_SYMBOL_VISIBILITY_UNKNOWN",
            [(LEGACY, 1), (E2024, 2)]
        ),
    ]
};

/// `FeatureSet.FieldPresence.IMPLICIT`.
pub(crate) const IMPLICIT: i32 = 2;
/// `FeatureSet.FieldPresence.LEGACY_REQUIRED`.
pub(crate) const LEGACY_REQUIRED: i32 = 3;
/// `FeatureSet.EnumType.OPEN`.
pub(crate) const OPEN: i32 = 1;
/// `FeatureSet.RepeatedFieldEncoding.PACKED`.
pub(crate) const PACKED: i32 = 1;
/// `FeatureSet.RepeatedFieldEncoding.EXPANDED`.
const EXPANDED: i32 = 2;
/// `FeatureSet.MessageEncoding.DELIMITED`.
pub(crate) const DELIMITED: i32 = 2;

/// The edition a file is compiled under: its `edition`, or `EDITION_PROTO2`/`EDITION_PROTO3`
/// from its `syntax`.
pub(crate) fn edition_of(file: &FileDescriptorProto) -> i32 {
    match file.syntax.as_deref() {
        Some("editions") => file.edition.unwrap_or(edition::E2023),
        Some("proto3") => edition::PROTO3,
        _ => edition::PROTO2,
    }
}

/// Every feature's default in `edition`: the latest `edition_defaults` entry not after it.
pub(crate) fn defaults(ed: i32) -> FeatureSet {
    let mut out = FeatureSet::default();
    for def in &FEATURES {
        if let Some(&(_, v)) = def.defaults.iter().rev().find(|(e, _)| *e <= ed) {
            (def.set)(&mut out, v);
        }
    }
    out
}

/// `parent` with every feature `child` sets overriding it, as protobuf's `MergeFrom` does:
/// the core features one by one, and the language features (extensions of `FeatureSet`, kept
/// as unknown fields) field by field within each extension's message.
pub(crate) fn merge(parent: &FeatureSet, child: Option<&FeatureSet>) -> FeatureSet {
    let mut out = parent.clone();
    if let Some(child) = child {
        for def in &FEATURES {
            if let Some(v) = def.get(child) {
                (def.set)(&mut out, v);
            }
        }
        if !child.unknown_fields.is_empty() {
            let merged = merge_extensions(
                parent.unknown_fields.as_bytes(),
                child.unknown_fields.as_bytes(),
            );
            out.unknown_fields.clear();
            if out.unknown_fields.push_raw(&merged).is_err() {
                // Not well-formed records: keep the parent's and the child's as they are.
                let _ = out.unknown_fields.push_raw(
                    &[
                        parent.unknown_fields.as_bytes(),
                        child.unknown_fields.as_bytes(),
                    ]
                    .concat(),
                );
            }
        }
    }
    out
}

/// One record of a serialized message: number, wire type and the bytes after the tag.
type RawRecord<'b> = (u32, u8, &'b [u8]);

/// Splits `b` into records (varint, fixed and LEN ones: what feature messages hold); `None`
/// if it holds anything else or is malformed.
fn raw_records(b: &[u8]) -> Option<Vec<RawRecord<'_>>> {
    let mut out = Vec::new();
    let mut i = 0;
    let varint = |i: &mut usize| -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *b.get(*i)?;
            *i += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    };
    while i < b.len() {
        let tag = varint(&mut i)?;
        let number = u32::try_from(tag >> 3).ok()?;
        let wire_type = (tag & 7) as u8;
        let start = i;
        match wire_type {
            0 => {
                varint(&mut i)?;
            }
            1 => i = i.checked_add(8).filter(|&e| e <= b.len())?,
            5 => i = i.checked_add(4).filter(|&e| e <= b.len())?,
            2 => {
                let len = usize::try_from(varint(&mut i)?).ok()?;
                i = i.checked_add(len).filter(|&e| e <= b.len())?;
            }
            _ => return None,
        }
        out.push((number, wire_type, &b[start..i]));
    }
    Some(out)
}

/// The value of a LEN record (after its length prefix).
fn len_payload(value: &[u8]) -> Option<&[u8]> {
    let mut i = 0;
    let mut len = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *value.get(i)?;
        i += 1;
        len |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            break;
        }
    }
    value.get(i..i.checked_add(usize::try_from(len).ok()?)?)
}

/// Merges the extension records of two feature sets: each extension's message field by field
/// (a later value wins), extensions and their fields in number order.
fn merge_extensions(parent: &[u8], child: &[u8]) -> Vec<u8> {
    use std::collections::BTreeMap;
    let (Some(a), Some(b)) = (raw_records(parent), raw_records(child)) else {
        return [parent, child].concat();
    };
    // Per extension: its fields by number (tag and value bytes), or, for a record that is not
    // a message of scalars, its records as they come.
    let mut merged: BTreeMap<u32, BTreeMap<u32, Vec<u8>>> = BTreeMap::new();
    let mut other: Vec<u8> = Vec::new();
    for (number, wire_type, value) in a.into_iter().chain(b) {
        let fields = (wire_type == 2)
            .then(|| len_payload(value))
            .flatten()
            .and_then(raw_records);
        match fields {
            Some(fields) => {
                let entry = merged.entry(number).or_default();
                for (n, wt, v) in fields {
                    let mut rec = Vec::new();
                    Encoder::new(&mut rec).put_tag(n, wire_type_of(wt));
                    rec.extend_from_slice(v);
                    entry.insert(n, rec);
                }
            }
            None => {
                Encoder::new(&mut other).put_tag(number, wire_type_of(wire_type));
                other.extend_from_slice(value);
            }
        }
    }
    let mut out = Vec::new();
    for (number, fields) in merged {
        let body: Vec<u8> = fields.into_values().flatten().collect();
        let mut enc = Encoder::new(&mut out);
        enc.put_tag(number, WireType::Len);
        enc.put_len_prefixed(&body);
    }
    out.extend(other);
    out
}

fn wire_type_of(wt: u8) -> WireType {
    match wt {
        0 => WireType::Varint,
        1 => WireType::I64,
        5 => WireType::I32,
        _ => WireType::Len,
    }
}

/// `pb.cpp`, the extension number of `pb.CppFeatures` in `FeatureSet`.
const CPP: u32 = 1000;
/// `pb.CppFeatures.string_type`.
const CPP_STRING_TYPE: u32 = 2;
/// `pb.CppFeatures.StringType.CORD`.
const CPP_CORD: u64 = 2;
/// `FieldOptions.CType.CORD`.
const CTYPE_CORD: i32 = 1;

/// Whether feature set `x` sets `pb.cpp`'s `string_type`.
fn sets_cpp_string_type(x: &FeatureSet) -> bool {
    raw_records(x.unknown_fields.as_bytes()).is_some_and(|recs| {
        recs.iter().any(|&(n, wt, v)| {
            n == CPP
                && wt == 2
                && len_payload(v)
                    .and_then(raw_records)
                    .is_some_and(|f| f.iter().any(|&(m, _, _)| m == CPP_STRING_TYPE))
        })
    })
}

/// A field's own features, plus the ones its legacy options imply, as protoc infers them:
/// `[ctype = CORD]` is `pb.cpp`'s `string_type = CORD` (in any edition, when the field does
/// not set `string_type` itself); in proto2 and proto3, `required`, groups and `packed`.
fn field_features(f: &FieldDescriptorProto, ed: i32) -> Option<FeatureSet> {
    let own = f.options.as_ref().and_then(|o| o.features.as_ref());
    let cord = f.options.as_ref().and_then(|o| o.ctype) == Some(CTYPE_CORD)
        && !own.is_some_and(sets_cpp_string_type);
    let mut x = own.cloned().unwrap_or_default();
    if cord {
        let mut body = Vec::new();
        let mut enc = Encoder::new(&mut body);
        enc.put_tag(CPP_STRING_TYPE, WireType::Varint);
        enc.put_varint(CPP_CORD);
        let mut rec = Vec::new();
        let mut enc = Encoder::new(&mut rec);
        enc.put_tag(CPP, WireType::Len);
        enc.put_len_prefixed(&body);
        let merged = merge_extensions(x.unknown_fields.as_bytes(), &rec);
        x.unknown_fields.clear();
        let _ = x.unknown_fields.push_raw(&merged);
    }
    if ed >= edition::E2023 {
        return (own.is_some() || cord).then_some(x);
    }
    if f.label == Some(PLabel::LABEL_REQUIRED.0) {
        x.field_presence = Some(LEGACY_REQUIRED);
    }
    if f.r#type == Some(PType::TYPE_GROUP.0) {
        x.message_encoding = Some(DELIMITED);
    }
    let packed = f.options.as_ref().and_then(|o| o.packed);
    if packed == Some(true) {
        x.repeated_field_encoding = Some(PACKED);
    }
    if ed == edition::PROTO3 && packed == Some(false) {
        x.repeated_field_encoding = Some(EXPANDED);
    }
    Some(x)
}

/// The resolved features of the element at `path` (a `SourceCodeInfo` path) in `file`, or
/// `None` if `path` names no message, field, oneof, enum, enum value, service, method,
/// extension range or extension.
pub(crate) fn resolve(file: &FileDescriptorProto, path: &[i32]) -> Option<FeatureSet> {
    resolve_with(file, path, &Languages::default())
}

/// [`resolve`], starting from the defaults of the language features `languages` too.
pub(crate) fn resolve_with(
    file: &FileDescriptorProto,
    path: &[i32],
    languages: &Languages,
) -> Option<FeatureSet> {
    let ed = edition_of(file);
    let mut base = defaults(ed);
    let _ = base.unknown_fields.push_raw(&languages.defaults(ed));
    let features = merge(
        &base,
        file.options.as_ref().and_then(|o| o.features.as_ref()),
    );
    let idx = |i: i32| usize::try_from(i).ok();
    match path {
        [] => Some(features),
        [4, i, rest @ ..] => message(file.message_type.get(idx(*i)?)?, features, rest, ed),
        [5, i, rest @ ..] => enumeration(file.enum_type.get(idx(*i)?)?, features, rest),
        [6, i, rest @ ..] => {
            let s = file.service.get(idx(*i)?)?;
            let features = merge(
                &features,
                s.options.as_ref().and_then(|o| o.features.as_ref()),
            );
            match rest {
                [] => Some(features),
                [2, j] => {
                    let m = s.method.get(idx(*j)?)?;
                    Some(merge(
                        &features,
                        m.options.as_ref().and_then(|o| o.features.as_ref()),
                    ))
                }
                _ => None,
            }
        }
        [7, i] => {
            let x = file.extension.get(idx(*i)?)?;
            Some(merge(&features, field_features(x, ed).as_ref()))
        }
        _ => None,
    }
}

/// Calls `f` with every field and extension of `file`, the full name of the message it is
/// declared in (empty for a top-level extension), and its resolved features.
pub(crate) fn each_field<'f>(
    file: &'f FileDescriptorProto,
    f: &mut dyn FnMut(&str, &'f FieldDescriptorProto, &FeatureSet),
) {
    fn walk<'f>(
        m: &'f courier_types::DescriptorProto,
        scope: &str,
        parent: &FeatureSet,
        ed: i32,
        f: &mut dyn FnMut(&str, &'f FieldDescriptorProto, &FeatureSet),
    ) {
        let full = if scope.is_empty() {
            m.name().to_string()
        } else {
            format!("{scope}.{}", m.name())
        };
        let features = merge(parent, m.options.as_ref().and_then(|o| o.features.as_ref()));
        for x in &m.field {
            let oneof = x
                .oneof_index
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| m.oneof_decl.get(i))
                .and_then(|o| o.options.as_ref())
                .and_then(|o| o.features.as_ref());
            let scope = match oneof {
                Some(o) => merge(&features, Some(o)),
                None => features.clone(),
            };
            f(&full, x, &merge(&scope, field_features(x, ed).as_ref()));
        }
        for x in &m.extension {
            f(&full, x, &merge(&features, field_features(x, ed).as_ref()));
        }
        for n in &m.nested_type {
            walk(n, &full, &features, ed, f);
        }
    }
    let ed = edition_of(file);
    let features = merge(
        &defaults(ed),
        file.options.as_ref().and_then(|o| o.features.as_ref()),
    );
    for x in &file.extension {
        f("", x, &merge(&features, field_features(x, ed).as_ref()));
    }
    let package = file.package.as_deref().unwrap_or("");
    for m in &file.message_type {
        walk(m, package, &features, ed, f);
    }
}

fn message(
    m: &courier_types::DescriptorProto,
    parent: FeatureSet,
    path: &[i32],
    ed: i32,
) -> Option<FeatureSet> {
    let features = merge(
        &parent,
        m.options.as_ref().and_then(|o| o.features.as_ref()),
    );
    let idx = |i: i32| usize::try_from(i).ok();
    match path {
        [] => Some(features),
        [2, i] | [6, i] => {
            let f = if path[0] == 2 { &m.field } else { &m.extension }.get(idx(*i)?)?;
            let scope = match f
                .oneof_index
                .and_then(idx)
                .and_then(|o| m.oneof_decl.get(o))
            {
                Some(o) if path[0] == 2 => merge(
                    &features,
                    o.options.as_ref().and_then(|o| o.features.as_ref()),
                ),
                _ => features,
            };
            Some(merge(&scope, field_features(f, ed).as_ref()))
        }
        [3, i, rest @ ..] => message(m.nested_type.get(idx(*i)?)?, features, rest, ed),
        [4, i, rest @ ..] => enumeration(m.enum_type.get(idx(*i)?)?, features, rest),
        [5, i] => {
            let r = m.extension_range.get(idx(*i)?)?;
            Some(merge(
                &features,
                r.options.as_ref().and_then(|o| o.features.as_ref()),
            ))
        }
        [8, i] => {
            let o = m.oneof_decl.get(idx(*i)?)?;
            Some(merge(
                &features,
                o.options.as_ref().and_then(|o| o.features.as_ref()),
            ))
        }
        _ => None,
    }
}

fn enumeration(
    e: &courier_types::EnumDescriptorProto,
    parent: FeatureSet,
    path: &[i32],
) -> Option<FeatureSet> {
    let features = merge(
        &parent,
        e.options.as_ref().and_then(|o| o.features.as_ref()),
    );
    match path {
        [] => Some(features),
        [2, i] => {
            let v = e.value.get(usize::try_from(*i).ok()?)?;
            Some(merge(
                &features,
                v.options.as_ref().and_then(|o| o.features.as_ref()),
            ))
        }
        _ => None,
    }
}

/// The `SourceCodeInfo` path of the enum named `full_name` (no leading dot) in `file`.
pub(crate) fn enum_path(file: &FileDescriptorProto, full_name: &str) -> Option<Vec<i32>> {
    let rest = match file.package.as_deref() {
        Some(p) if !p.is_empty() => full_name.strip_prefix(p)?.strip_prefix('.')?,
        _ => full_name,
    };
    let (mut path, mut name) = (Vec::new(), rest);
    let mut messages = &file.message_type;
    let mut enums = &file.enum_type;
    let (mut msg_field, mut enum_field) = (4, 5);
    loop {
        if let Some(i) = enums.iter().position(|e| e.name.as_deref() == Some(name)) {
            path.extend([enum_field, i as i32]);
            return Some(path);
        }
        let (head, tail) = name.split_once('.')?;
        let i = messages
            .iter()
            .position(|m| m.name.as_deref() == Some(head))?;
        path.extend([msg_field, i as i32]);
        enums = &messages[i].enum_type;
        messages = &messages[i].nested_type;
        (msg_field, enum_field, name) = (3, 4, tail);
    }
}

/// Calls `f` with the path and own features of every element of `file` that sets features.
pub(crate) fn each_set(file: &FileDescriptorProto, f: &mut dyn FnMut(&[i32], &FeatureSet)) {
    use courier_types::DescriptorProto;
    fn field(x: &FieldDescriptorProto, path: &[i32], f: &mut dyn FnMut(&[i32], &FeatureSet)) {
        if let Some(s) = x.options.as_ref().and_then(|o| o.features.as_ref()) {
            f(path, s);
        }
    }
    fn enumeration(
        e: &courier_types::EnumDescriptorProto,
        path: &[i32],
        f: &mut dyn FnMut(&[i32], &FeatureSet),
    ) {
        if let Some(s) = e.options.as_ref().and_then(|o| o.features.as_ref()) {
            f(path, s);
        }
        for (i, v) in e.value.iter().enumerate() {
            if let Some(s) = v.options.as_ref().and_then(|o| o.features.as_ref()) {
                f(&[path, &[2, i as i32]].concat(), s);
            }
        }
    }
    fn message(m: &DescriptorProto, path: &[i32], f: &mut dyn FnMut(&[i32], &FeatureSet)) {
        if let Some(s) = m.options.as_ref().and_then(|o| o.features.as_ref()) {
            f(path, s);
        }
        let sub = |a: i32, i: usize| [path, &[a, i as i32]].concat();
        for (i, o) in m.oneof_decl.iter().enumerate() {
            if let Some(s) = o.options.as_ref().and_then(|o| o.features.as_ref()) {
                f(&sub(8, i), s);
            }
        }
        for (i, x) in m.field.iter().enumerate() {
            field(x, &sub(2, i), f);
        }
        for (i, r) in m.extension_range.iter().enumerate() {
            if let Some(s) = r.options.as_ref().and_then(|o| o.features.as_ref()) {
                f(&sub(5, i), s);
            }
        }
        for (i, x) in m.extension.iter().enumerate() {
            field(x, &sub(6, i), f);
        }
        for (i, n) in m.nested_type.iter().enumerate() {
            message(n, &sub(3, i), f);
        }
        for (i, e) in m.enum_type.iter().enumerate() {
            enumeration(e, &sub(4, i), f);
        }
    }
    if let Some(s) = file.options.as_ref().and_then(|o| o.features.as_ref()) {
        f(&[], s);
    }
    for (i, m) in file.message_type.iter().enumerate() {
        message(m, &[4, i as i32], f);
    }
    for (i, e) in file.enum_type.iter().enumerate() {
        enumeration(e, &[5, i as i32], f);
    }
    for (i, s) in file.service.iter().enumerate() {
        if let Some(x) = s.options.as_ref().and_then(|o| o.features.as_ref()) {
            f(&[6, i as i32], x);
        }
        for (j, m) in s.method.iter().enumerate() {
            if let Some(x) = m.options.as_ref().and_then(|o| o.features.as_ref()) {
                f(&[6, i as i32, 2, j as i32], x);
            }
        }
    }
    for (i, x) in file.extension.iter().enumerate() {
        field(x, &[7, i as i32], f);
    }
}

/// The name protoc gives an edition in messages (`2023`, `PROTO2`).
pub(crate) fn edition_name(ed: i32) -> String {
    match ed {
        edition::LEGACY => "LEGACY".to_string(),
        edition::PROTO2 => "PROTO2".to_string(),
        edition::PROTO3 => "PROTO3".to_string(),
        edition::E2023 => "2023".to_string(),
        edition::E2024 => "2024".to_string(),
        edition::E2026 => "2026".to_string(),
        edition::UNSTABLE => "UNSTABLE".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Compiler;

    /// The table above is what descriptor.proto's `edition_defaults` say, with enum value names resolved through descriptor.proto's own enums.
    #[test]
    fn table_matches_descriptor_proto() {
        let c = Compiler::new()
            .compile(&["google/protobuf/descriptor.proto"])
            .expect("descriptor.proto compiles");
        let d = c.file("google/protobuf/descriptor.proto").unwrap();
        let fs = d
            .message_type
            .iter()
            .find(|m| m.name.as_deref() == Some("FeatureSet"))
            .unwrap();
        let editions = d
            .enum_type
            .iter()
            .find(|e| e.name.as_deref() == Some("Edition"))
            .unwrap();
        let edition_number = |name: &str| {
            editions
                .value
                .iter()
                .find(|v| v.name.as_deref() == Some(name))
                .and_then(|v| v.number)
                .unwrap()
        };
        let mut n = 0;
        for f in &fs.field {
            let def = FEATURES
                .iter()
                .find(|d| Some(d.name) == f.name.as_deref())
                .unwrap_or_else(|| panic!("FeatureSet.{:?} not in the table", f.name));
            n += 1;
            // The field's enum: a nested enum of FeatureSet, or of one of its nested messages.
            let type_name = f.type_name.as_deref().unwrap();
            let short = type_name.trim_start_matches(".google.protobuf.FeatureSet.");
            let e = match short.split_once('.') {
                None => fs
                    .enum_type
                    .iter()
                    .find(|e| e.name.as_deref() == Some(short)),
                Some((m, e)) => fs
                    .nested_type
                    .iter()
                    .find(|x| x.name.as_deref() == Some(m))
                    .and_then(|m| m.enum_type.iter().find(|x| x.name.as_deref() == Some(e))),
            }
            .unwrap();
            let value_number = |name: &str| {
                e.value
                    .iter()
                    .find(|v| v.name.as_deref() == Some(name))
                    .and_then(|v| v.number)
                    .unwrap()
            };
            let opts = f.options.as_ref().unwrap();
            let want: Vec<(i32, i32)> = opts
                .edition_defaults
                .iter()
                .map(|d| {
                    (
                        d.edition.unwrap(),
                        value_number(d.value.as_deref().unwrap()),
                    )
                })
                .collect();
            assert_eq!(def.defaults, &want[..], "{}", def.name);
            let zero = e.value.iter().find(|v| v.number == Some(0)).unwrap();
            assert!(
                def.unknown.ends_with(zero.name.as_deref().unwrap()),
                "{}",
                def.name
            );
        }
        assert_eq!(n, FEATURES.len());
        assert_eq!(edition_number("EDITION_2023"), edition::E2023);
        assert_eq!(edition_number("EDITION_LEGACY"), edition::LEGACY);
    }

    /// protoc (`InferLegacyProtoFeatures`): a field's `[ctype = CORD]` is `pb.cpp`'s
    /// `string_type = CORD` unless the field sets `string_type` itself, in any edition.
    #[test]
    fn ctype_cord_is_cpp_string_type_cord() {
        let mut c = Compiler::new();
        c.add_file(
            "a.proto",
            "edition = \"2023\";\nimport \"google/protobuf/cpp_features.proto\";\n\
             message M {\n  string a = 1 [ctype = CORD];\n  string b = 2;\n\
             string c = 3 [ctype = CORD, features.(pb.cpp).string_type = VIEW];\n}\n",
        );
        let c = c.compile(&["a.proto"]).unwrap();
        // The pb.cpp record (extension 1000) of each field's resolved features.
        let cpp = |i: i32| {
            let f = c.resolved_features("a.proto", &[4, 0, 2, i]).unwrap();
            let recs = raw_records(f.unknown_fields.as_bytes()).unwrap();
            let (_, _, v) = *recs.iter().find(|r| r.0 == CPP).unwrap();
            raw_records(len_payload(v).unwrap())
                .unwrap()
                .into_iter()
                .find(|r| r.0 == CPP_STRING_TYPE)
                .map(|r| r.2.to_vec())
        };
        const VIEW: u8 = 1;
        const STRING: u8 = 3;
        assert_eq!(cpp(0), Some(vec![CPP_CORD as u8]));
        assert_eq!(cpp(1), Some(vec![STRING]), "edition 2023's default");
        assert_eq!(cpp(2), Some(vec![VIEW]));
    }

    #[test]
    fn defaults_per_edition() {
        let d = defaults(edition::E2023);
        assert_eq!(d.field_presence, Some(1)); // EXPLICIT
        assert_eq!(d.enum_type, Some(OPEN));
        assert_eq!(d.repeated_field_encoding, Some(PACKED));
        assert_eq!(d.utf8_validation, Some(2));
        assert_eq!(d.enforce_naming_style, Some(2));
        let p2 = defaults(edition::PROTO2);
        assert_eq!(p2.field_presence, Some(1));
        assert_eq!(p2.enum_type, Some(2));
        let p3 = defaults(edition::PROTO3);
        assert_eq!(p3.field_presence, Some(IMPLICIT));
        assert_eq!(defaults(edition::E2024).default_symbol_visibility, Some(2));
    }
}
