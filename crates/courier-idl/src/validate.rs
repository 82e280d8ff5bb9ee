//! The rules protoc checks once descriptors are built: field numbers, reserved and extension
//! ranges, extension numbers, proto3 and editions rules, map keys, JSON name conflicts, enum
//! values and aliases, default values, `packed`.
//!
//! Messages follow protoc's wording. Positions come from the `SourceCodeInfo` paths the linker
//! recorded.

use std::collections::{HashMap, HashSet};

use courier_types::field_descriptor_proto::{Label as PLabel, Type as PType};
use courier_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto,
};

use crate::diag::Diagnostic;
use crate::features;
use crate::link::{LinkError, MAX_FIELD_NUMBER};
use crate::names;
use crate::span::{Span, Spans};

/// The band of field numbers protobuf keeps for itself.
const RESERVED_BAND: std::ops::RangeInclusive<i32> = 19000..=19999;

/// The syntax of a file, as the rules need it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Proto2,
    Proto3,
    Editions,
}

fn syntax_of(f: &FileDescriptorProto) -> Syntax {
    match f.syntax.as_deref() {
        Some("proto3") => Syntax::Proto3,
        Some("editions") => Syntax::Editions,
        _ => Syntax::Proto2,
    }
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

/// Every message and enum of the compilation by full name, with its file.
struct Index<'d> {
    messages: HashMap<String, (&'d DescriptorProto, usize)>,
    enums: HashMap<String, (&'d EnumDescriptorProto, usize)>,
}

impl<'d> Index<'d> {
    fn new(files: &'d [FileDescriptorProto]) -> Index<'d> {
        let mut ix = Index {
            messages: HashMap::new(),
            enums: HashMap::new(),
        };
        for (i, f) in files.iter().enumerate() {
            let package = f.package.clone().unwrap_or_default();
            for m in &f.message_type {
                ix.add(&package, m, i);
            }
            for e in &f.enum_type {
                ix.enums
                    .insert(join(&package, e.name.as_deref().unwrap_or("")), (e, i));
            }
        }
        ix
    }

    fn add(&mut self, scope: &str, m: &'d DescriptorProto, file: usize) {
        let full = join(scope, m.name.as_deref().unwrap_or(""));
        for n in &m.nested_type {
            self.add(&full, n, file);
        }
        for e in &m.enum_type {
            self.enums
                .insert(join(&full, e.name.as_deref().unwrap_or("")), (e, file));
        }
        self.messages.insert(full, (m, file));
    }

    /// The map entry type of `f`, when `f` is a map field.
    fn map_entry(&self, f: &FieldDescriptorProto) -> Option<&'d DescriptorProto> {
        let (m, _) = self
            .messages
            .get(f.type_name.as_deref()?.trim_start_matches('.'))?;
        (m.options.as_ref().and_then(|o| o.map_entry) == Some(true)).then_some(*m)
    }
}

struct Validator<'d, 'e> {
    files: &'d [FileDescriptorProto],
    index: Index<'d>,
    spans: &'d [Spans],
    file: usize,
    syntax: Syntax,
    /// Whether the fields being checked are a map entry's (`key` and `value`).
    in_map_entry: bool,
    errors: &'e mut Vec<LinkError>,
}

/// `FileOptions.OptimizeMode.LITE_RUNTIME`.
const LITE_RUNTIME: i32 = 3;

/// Checks every file, reporting what protoc would reject.
pub(crate) fn validate(
    files: &[FileDescriptorProto],
    spans: &[Spans],
    errors: &mut Vec<LinkError>,
) {
    let mut v = Validator {
        files,
        index: Index::new(files),
        spans,
        file: 0,
        syntax: Syntax::Proto2,
        in_map_entry: false,
        errors,
    };
    // Extension numbers are unique per extendee across the whole compilation.
    let mut ext_numbers: HashMap<(String, i32), String> = HashMap::new();
    for (i, f) in files.iter().enumerate() {
        v.file = i;
        v.syntax = syntax_of(f);
        let package = f.package.clone().unwrap_or_default();
        v.imports(f);
        v.feature_sets(f);
        for (mi, m) in f.message_type.iter().enumerate() {
            v.message(m, &package, &[4, mi as i32]);
        }
        for (ei, e) in f.enum_type.iter().enumerate() {
            v.enumeration(e, &package, &[5, ei as i32]);
        }
        for (xi, x) in f.extension.iter().enumerate() {
            v.extension(x, &package, &[7, xi as i32], &mut ext_numbers);
        }
        v.nested_extensions(&f.message_type, &package, &[], &mut ext_numbers);
    }
}

impl Validator<'_, '_> {
    /// Imports: no repeats, and a non-lite file may not import a lite one.
    fn imports(&mut self, f: &FileDescriptorProto) {
        let lite = |f: &FileDescriptorProto| {
            f.options.as_ref().and_then(|o| o.optimize_for) == Some(LITE_RUNTIME)
        };
        let mut seen = HashSet::new();
        for (i, dep) in f.dependency.iter().enumerate() {
            let path = [3, i as i32];
            if !seen.insert(dep.as_str()) {
                self.error(&path, format!("Import \"{dep}\" was listed twice."));
                continue;
            }
            if !lite(f)
                && let Some(d) = self.files.iter().find(|d| d.name.as_deref() == Some(dep))
                && lite(d)
            {
                self.error(
                    &path,
                    format!("Files that do not use optimize_for = LITE_RUNTIME cannot import files which do use this option.  This file is not lite, but it imports \"{dep}\" which is."),
                );
            }
        }
    }

    /// protoc's checks of each `features` option set (`ResolveFeaturesImpl` and
    /// `ValidateMergedFeatures`): only in editions, no `LEGACY_REQUIRED` file default, and
    /// every merged feature a known value. (Whether each feature exists in the file's edition
    /// is checked last, with every option: `options::check_lifetimes`.)
    /// <https://protobuf.dev/editions/features/>
    fn feature_sets(&mut self, f: &FileDescriptorProto) {
        let mut found = Vec::new();
        features::each_set(f, &mut |p, s| found.push((p.to_vec(), s.clone())));
        for (path, own) in found {
            let at = if path.is_empty() {
                path.clone()
            } else {
                [&path[..], &[1]].concat()
            };
            if self.syntax != Syntax::Editions {
                self.error(&at, "Features are only valid under editions.");
                continue;
            }
            if path.is_empty() && own.field_presence == Some(features::LEGACY_REQUIRED) {
                self.error(&at, "Required presence can't be specified by default.");
            }
            if let Some(merged) = features::resolve(f, &path) {
                for def in &features::FEATURES {
                    if def.get(&merged) == Some(0) {
                        self.error(
                            &at,
                            format!(
                                "Feature field `{}` must resolve to a known value, found {}",
                                def.name, def.unknown
                            ),
                        );
                    }
                }
            }
        }
    }

    /// The span recorded for `path`, or for its nearest recorded ancestor.
    fn span(&self, path: &[i32]) -> Span {
        let spans = &self.spans[self.file];
        (0..=path.len())
            .rev()
            .find_map(|n| spans.get(&path[..n]))
            .unwrap_or_default()
    }

    #[cold]
    fn error(&mut self, path: &[i32], message: impl Into<String>) {
        let span = self.span(path);
        self.errors
            .push((self.file, Diagnostic::error(span, message)));
    }

    fn message(&mut self, m: &DescriptorProto, scope: &str, path: &[i32]) {
        let full = join(scope, m.name.as_deref().unwrap_or(""));
        let sub = |tail: &[i32]| [path, tail].concat();
        let message_set = m
            .options
            .as_ref()
            .and_then(|o| o.message_set_wire_format)
            .unwrap_or(false);

        // Ranges: well formed, no overlaps.
        let mut reserved: Vec<(i32, i32)> = Vec::new();
        for (i, r) in m.reserved_range.iter().enumerate() {
            let (s, e) = (r.start.unwrap_or(0), r.end.unwrap_or(0));
            if s <= 0 {
                self.error(
                    &sub(&[9, i as i32]),
                    "Reserved numbers must be positive integers.",
                );
            } else if e <= s {
                self.error(
                    &sub(&[9, i as i32]),
                    "Reserved range end number must be greater than start number.",
                );
            }
            if let Some(j) = reserved.iter().position(|&(os, oe)| s < oe && os < e) {
                let (os, oe) = reserved[j];
                self.error(
                    &sub(&[9, j as i32]),
                    format!(
                        "Reserved range {} to {} overlaps with already-defined range {} to {}.",
                        s,
                        e - 1,
                        os,
                        oe - 1
                    ),
                );
            }
            reserved.push((s, e));
        }
        let mut ext_ranges: Vec<(i32, i32)> = Vec::new();
        for (i, r) in m.extension_range.iter().enumerate() {
            let (s, e) = (r.start.unwrap_or(0), r.end.unwrap_or(0));
            let rp = sub(&[5, i as i32]);
            if self.syntax == Syntax::Proto3 {
                self.error(&rp, "Extension ranges are not allowed in proto3.");
            }
            if s <= 0 {
                self.error(&rp, "Extension numbers must be positive integers.");
            } else if e <= s {
                self.error(
                    &rp,
                    "Extension range end number must be greater than start number.",
                );
            }
            let max = if message_set {
                i32::MAX
            } else {
                MAX_FIELD_NUMBER + 1
            };
            if e > max {
                self.error(
                    &rp,
                    format!("Extension numbers cannot be greater than {}.", max - 1),
                );
            }
            if let Some(j) = ext_ranges.iter().position(|&(os, oe)| s < oe && os < e) {
                let (os, oe) = ext_ranges[j];
                self.error(
                    &sub(&[5, j as i32]),
                    format!(
                        "Extension range {} to {} overlaps with already-defined range {} to {}.",
                        s,
                        e - 1,
                        os,
                        oe - 1
                    ),
                );
            }
            if let Some(&(os, oe)) = reserved.iter().find(|&&(os, oe)| s < oe && os < e) {
                self.error(
                    &rp,
                    format!(
                        "Extension range {} to {} overlaps with reserved range {} to {}.",
                        s,
                        e - 1,
                        os,
                        oe - 1
                    ),
                );
            }
            ext_ranges.push((s, e));
        }

        // Fields.
        let reserved_names: HashSet<&str> = m.reserved_name.iter().map(String::as_str).collect();
        let mut by_number: HashMap<i32, &str> = HashMap::new();
        let used: HashSet<i32> = m.field.iter().filter_map(|f| f.number).collect();
        for (i, f) in m.field.iter().enumerate() {
            let fp = sub(&[2, i as i32]);
            let name = f.name.as_deref().unwrap_or("");
            let number = f.number.unwrap_or(0);
            self.field_number(f, &fp, message_set);
            if message_set {
                self.error(
                    &[&fp[..], &[1]].concat(),
                    "MessageSets cannot have fields, only extensions.",
                );
            }
            if let Some(other) = by_number.get(&number) {
                let next = next_available(&used, &reserved, &ext_ranges);
                self.error(
                    &[&fp[..], &[3]].concat(),
                    format!("Field number {number} has already been used in \"{full}\" by field \"{other}\". Next available field number is {next}."),
                );
            } else {
                by_number.insert(number, name);
            }
            if let Some(j) = reserved
                .iter()
                .position(|&(s, e)| s <= number && number < e)
            {
                self.error(
                    &sub(&[9, j as i32]),
                    format!("Field \"{name}\" uses reserved number {number}."),
                );
            }
            if reserved_names.contains(name) {
                self.error(
                    &[&fp[..], &[1]].concat(),
                    format!("Field name \"{name}\" is reserved."),
                );
            }
            if let Some(j) = ext_ranges
                .iter()
                .position(|&(s, e)| s <= number && number < e)
            {
                let (s, e) = ext_ranges[j];
                self.error(
                    &sub(&[5, j as i32]),
                    format!(
                        "Extension range {} to {} includes field \"{name}\" ({number}).",
                        s,
                        e - 1
                    ),
                );
            }
            self.in_map_entry = m.options.as_ref().and_then(|o| o.map_entry) == Some(true);
            self.field_rules(f, &fp, &full);
            self.in_map_entry = false;
        }
        self.json_names(m, path);

        for (i, n) in m.nested_type.iter().enumerate() {
            self.message(n, &full, &sub(&[3, i as i32]));
        }
        for (i, e) in m.enum_type.iter().enumerate() {
            self.enumeration(e, &full, &sub(&[4, i as i32]));
        }
    }

    /// protoc's checks of a field's features in editions (`ValidateFieldFeatures`): the legacy
    /// `packed` option, then the resolved features, then the features the field sets itself.
    /// <https://protobuf.dev/editions/features/>
    fn field_features(
        &mut self,
        f: &FieldDescriptorProto,
        fp: &[i32],
        is_message: bool,
        repeated: bool,
    ) {
        let ty = PType(f.r#type.unwrap_or(0));
        let name_path = [fp, &[1]].concat();
        let opts = f.options.as_ref();
        if opts.and_then(|o| o.packed).is_some() {
            self.error(&name_path, "Field option packed is not allowed under editions.  Use the repeated_field_encoding feature to control this behavior.");
        }
        let Some(resolved) = features::resolve(&self.files[self.file], fp) else {
            return;
        };
        let extension = f.extendee.is_some();
        // protoc's `has_presence()` is false only for these.
        let implicit = resolved.field_presence == Some(features::IMPLICIT)
            && !repeated
            && !is_message
            && f.oneof_index.is_none()
            && !extension;
        if implicit && f.default_value.is_some() {
            self.error(
                &name_path,
                "Implicit presence fields can't specify defaults.",
            );
        }
        if implicit
            && ty == PType::TYPE_ENUM
            && let Some(t) = &f.type_name
            && let Some(&(_, file)) = self.index.enums.get(t.trim_start_matches('.'))
            && let Some(path) = features::enum_path(&self.files[file], t.trim_start_matches('.'))
            && features::resolve(&self.files[file], &path)
                .is_some_and(|e| e.enum_type != Some(features::OPEN))
        {
            self.error(
                &name_path,
                "Implicit presence enum fields must always be open.",
            );
        }
        if extension && resolved.field_presence == Some(features::LEGACY_REQUIRED) {
            self.error(&name_path, "Extensions can't be required.");
        }
        // The features a map entry's fields carry are copied from the map field, which is
        // checked itself.
        if self.in_map_entry {
            return;
        }
        let own = opts.and_then(|o| o.features.as_ref());
        let is_map = self.index.map_entry(f).is_some();
        if let Some(presence) = own.and_then(|x| x.field_presence) {
            if f.oneof_index.is_some() {
                self.error(&name_path, "Oneof fields can't specify field presence.");
            } else if repeated {
                self.error(&name_path, "Repeated fields can't specify field presence.");
            } else if extension && presence != features::LEGACY_REQUIRED {
                self.error(&name_path, "Extensions can't specify field presence.");
            } else if is_message && presence == features::IMPLICIT {
                self.error(
                    &name_path,
                    "Message fields can't specify implicit presence.",
                );
            }
        }
        if !repeated && own.and_then(|x| x.repeated_field_encoding).is_some() {
            self.error(
                &name_path,
                "Only repeated fields can specify repeated field encoding.",
            );
        }
        if ty != PType::TYPE_STRING && !is_map && own.and_then(|x| x.utf8_validation).is_some() {
            self.error(
                &name_path,
                "Only string fields can specify utf8 validation.",
            );
        }
        if !(repeated && packable(ty))
            && own.and_then(|x| x.repeated_field_encoding) == Some(features::PACKED)
        {
            self.error(
                &name_path,
                "Only repeated primitive fields can specify PACKED repeated field encoding.",
            );
        }
        if (!is_message || is_map) && own.and_then(|x| x.message_encoding).is_some() {
            self.error(
                &name_path,
                "Only message fields can specify message encoding.",
            );
        }
    }

    /// Field number range rules, for fields and extensions.
    fn field_number(&mut self, f: &FieldDescriptorProto, fp: &[i32], message_set_extension: bool) {
        let number = f.number.unwrap_or(0);
        let np = [fp, &[3]].concat();
        if number <= 0 {
            self.error(&np, "Field numbers must be positive integers.");
        } else if number > MAX_FIELD_NUMBER && !message_set_extension {
            self.error(
                &np,
                format!("Field numbers cannot be greater than {MAX_FIELD_NUMBER}."),
            );
        } else if RESERVED_BAND.contains(&number) {
            self.error(
                &np,
                "Field numbers 19000 through 19999 are reserved for the protocol buffer library implementation.",
            );
        }
    }

    /// The rules for one field (or extension) on its own.
    fn field_rules(&mut self, f: &FieldDescriptorProto, fp: &[i32], scope: &str) {
        let ty = PType(f.r#type.unwrap_or(0));
        let label = PLabel(f.label.unwrap_or(1));
        let repeated = label == PLabel::LABEL_REPEATED;
        match self.syntax {
            Syntax::Proto3 => {
                if label == PLabel::LABEL_REQUIRED {
                    self.error(
                        &type_path(fp, ty),
                        "Required fields are not allowed in proto3.",
                    );
                }
                if f.default_value.is_some() {
                    self.error(
                        &[fp, &[7]].concat(),
                        "Explicit default values are not allowed in proto3.",
                    );
                }
                if ty == PType::TYPE_GROUP {
                    self.error(
                        &[fp, &[5]].concat(),
                        "Groups are not supported in proto3 syntax.",
                    );
                }
                if ty == PType::TYPE_ENUM
                    && let Some(t) = &f.type_name
                    && let Some(&(_, file)) = self.index.enums.get(t.trim_start_matches('.'))
                    && syntax_of(&self.files[file]) == Syntax::Proto2
                    && f.extendee.is_none()
                {
                    self.error(
                        &[fp, &[6]].concat(),
                        format!(
                            "Enum type \"{}\" is not an open enum, but is used in \"{scope}\" which is a proto3 message type.",
                            t.trim_start_matches('.'),
                        ),
                    );
                }
            }
            Syntax::Editions => {
                // Only a written label is an error (the descriptor always has one).
                if self.spans[self.file].contains(&[fp, &[4]].concat()) {
                    if label == PLabel::LABEL_OPTIONAL {
                        self.error(&[fp, &[4]].concat(), "Label \"optional\" is not supported in editions. By default, all singular fields have presence unless features.field_presence is set.");
                    } else if label == PLabel::LABEL_REQUIRED {
                        self.error(&[fp, &[4]].concat(), "Label \"required\" is not supported in editions, use features.field_presence = LEGACY_REQUIRED.");
                    }
                }
            }
            Syntax::Proto2 => {}
        }
        if repeated && f.default_value.is_some() {
            self.error(
                &[fp, &[7]].concat(),
                "Repeated fields can't have default values.",
            );
        }
        let is_message = matches!(ty, PType::TYPE_MESSAGE | PType::TYPE_GROUP);
        let opts = f.options.as_ref();
        if opts.and_then(|o| o.jstype).is_some_and(|j| j != 0)
            && !matches!(
                ty,
                PType::TYPE_INT64
                    | PType::TYPE_UINT64
                    | PType::TYPE_SINT64
                    | PType::TYPE_FIXED64
                    | PType::TYPE_SFIXED64
            )
        {
            self.error(
                &type_path(fp, ty),
                "jstype is only allowed on int64, uint64, sint64, fixed64 or sfixed64 fields.",
            );
        }
        if self.syntax == Syntax::Editions {
            self.field_features(f, fp, is_message, repeated);
        }
        if ty == PType::TYPE_ENUM
            && let Some(d) = &f.default_value
            && let Some(t) = &f.type_name
            && let Some(&(e, _)) = self.index.enums.get(t.trim_start_matches('.'))
            && !e.value.iter().any(|v| v.name.as_deref() == Some(d))
        {
            self.error(
                &[fp, &[7]].concat(),
                format!(
                    "Enum type \"{}\" has no value named \"{d}\".",
                    t.trim_start_matches('.')
                ),
            );
        }
        // protoc (`ValidateOptions`): `ctype` is gone from edition 2024 on.
        if f.options.as_ref().and_then(|o| o.ctype).is_some()
            && features::edition_of(&self.files[self.file]) >= features::edition::E2024
        {
            self.error(
                &type_path(fp, ty),
                "ctype option is not allowed under edition 2024 and beyond. Use the feature string_type = VIEW|CORD|STRING|... instead.",
            );
        }
        // protoc (`ValidateOptions`): only message fields may be lazy, and extensions may not
        // be `unverified_lazy`.
        let lazy = f.options.as_ref().and_then(|o| o.lazy) == Some(true);
        let unverified = f.options.as_ref().and_then(|o| o.unverified_lazy) == Some(true);
        if lazy || unverified {
            // A DELIMITED message field is a group.
            let delimited = ty == PType::TYPE_MESSAGE
                && self.index.map_entry(f).is_none()
                && features::resolve(&self.files[self.file], fp)
                    .is_some_and(|x| x.message_encoding == Some(features::DELIMITED));
            if ty != PType::TYPE_MESSAGE || delimited {
                self.error(
                    &type_path(fp, ty),
                    "[lazy = true] can only be specified for submessage fields.",
                );
            }
            if unverified && f.extendee.is_some() {
                self.error(
                    &type_path(fp, ty),
                    "Extensions cannot be marked as unverified_lazy.",
                );
            }
        }
        self.feature_support(f, fp);
        if f.options.as_ref().and_then(|o| o.packed) == Some(true) && !(repeated && packable(ty)) {
            self.error(
                &type_path(fp, ty),
                "[packed = true] can only be specified for repeated primitive fields.",
            );
        }
        // Map keys: the entry type's `key` field.
        if ty == PType::TYPE_MESSAGE
            && repeated
            && let Some(entry) = self.index.map_entry(f)
            && let Some(key) = entry.field.iter().find(|k| k.number == Some(1))
        {
            let kt = PType(key.r#type.unwrap_or(0));
            if matches!(
                kt,
                PType::TYPE_FLOAT
                    | PType::TYPE_DOUBLE
                    | PType::TYPE_BYTES
                    | PType::TYPE_MESSAGE
                    | PType::TYPE_GROUP
            ) {
                self.error(
                    &[fp, &[6]].concat(),
                    "Key in map fields cannot be float/double, bytes or message types.",
                );
            } else if kt == PType::TYPE_ENUM {
                self.error(
                    &[fp, &[6]].concat(),
                    "Key in map fields cannot be enum types.",
                );
            }
        }
    }

    /// JSON name conflicts (protoc's `CheckFieldJsonNameUniqueness`): none checked when the
    /// message sets `deprecated_legacy_json_field_conflicts`; a conflict that involves a default
    /// name is only a warning (not reported) where the message's `json_format` feature is
    /// `LEGACY_BEST_EFFORT` (proto2's default).
    fn json_names(&mut self, m: &DescriptorProto, path: &[i32]) {
        const LEGACY_BEST_EFFORT: i32 = 2;
        if m.options
            .as_ref()
            .and_then(|o| o.deprecated_legacy_json_field_conflicts)
            == Some(true)
        {
            return;
        }
        let legacy = features::resolve(&self.files[self.file], path)
            .is_some_and(|x| x.json_format == Some(LEGACY_BEST_EFFORT));
        // Without, then with the custom names (field masks use the default ones).
        for use_custom in [false, true] {
            let mut seen: HashMap<String, (&str, bool)> = HashMap::new();
            for (i, f) in m.field.iter().enumerate() {
                let name = f.name.as_deref().unwrap_or("");
                let default = names::json_name(name);
                let custom = f
                    .json_name
                    .as_deref()
                    .filter(|j| use_custom && *j != default);
                let (json, is_custom) = match custom {
                    Some(c) => (c.to_string(), true),
                    None => (default, false),
                };
                let Some(&(other, other_custom)) = seen.get(&json) else {
                    seen.insert(json, (name, is_custom));
                    continue;
                };
                // Conflicts of default names were reported in the first pass.
                if use_custom && !is_custom && !other_custom {
                    continue;
                }
                if legacy && (!is_custom || !other_custom) {
                    // protoc warns.
                    continue;
                }
                let kind = |c: bool| if c { "custom" } else { "default" };
                self.error(
                    &[path, &[2, i as i32, 1]].concat(),
                    format!(
                        "The {} JSON name of field \"{name}\" (\"{json}\") conflicts with the {} JSON name of field \"{other}\".",
                        kind(is_custom),
                        kind(other_custom)
                    ),
                );
            }
        }
    }

    /// protoc's `ValidateFieldFeatureSupport`, for a field that declares `feature_support`
    /// (features and options declare when they exist): the declaration is consistent, and the
    /// values of its enum stay within it.
    fn feature_support(&mut self, f: &FieldDescriptorProto, fp: &[i32]) {
        let Some(parent) = f.options.as_ref().and_then(|o| o.feature_support.as_ref()) else {
            return;
        };
        let full = self.full_name_of(fp, f.name());
        if let Err(e) = support_errors(parent, &full) {
            self.error(&[fp, &[8]].concat(), e);
        }
        let Some(t) = f
            .type_name
            .as_deref()
            .filter(|_| PType(f.r#type.unwrap_or(0)) == PType::TYPE_ENUM)
        else {
            return;
        };
        let Some(&(e, _)) = self.index.enums.get(t.trim_start_matches('.')) else {
            return;
        };
        let scope = t
            .trim_start_matches('.')
            .rsplit_once('.')
            .map_or("", |(s, _)| s);
        for v in &e.value {
            let Some(own) = v.options.as_ref().and_then(|o| o.feature_support.as_ref()) else {
                continue;
            };
            // The value's support window is the field's, narrowed by its own.
            let mut support = parent.clone();
            if own.edition_introduced.is_some() {
                support.edition_introduced = own.edition_introduced;
            }
            if own.edition_deprecated.is_some() {
                support.edition_deprecated = own.edition_deprecated;
            }
            if own.deprecation_warning.is_some() {
                support
                    .deprecation_warning
                    .clone_from(&own.deprecation_warning);
            }
            if own.edition_removed.is_some() {
                support.edition_removed = own.edition_removed;
            }
            if own.removal_error.is_some() {
                support.removal_error.clone_from(&own.removal_error);
            }
            let vname = join(scope, v.name());
            let message = support_errors(&support, &vname).err().or_else(|| {
                let e = |x: Option<i32>| x.unwrap_or(0);
                if e(support.edition_introduced) < e(parent.edition_introduced) {
                    Some(format!("value {vname} was introduced before {full} was."))
                } else if parent.edition_removed.is_some()
                    && e(support.edition_removed) > e(parent.edition_removed)
                {
                    Some(format!("value {vname} was removed after {full} was."))
                } else if parent.edition_deprecated.is_some()
                    && e(support.edition_deprecated) > e(parent.edition_deprecated)
                {
                    Some(format!("value {vname} was deprecated after {full} was."))
                } else {
                    None
                }
            });
            if let Some(m) = message {
                self.error(&[fp, &[8]].concat(), m);
            }
        }
    }

    /// The full name of the field or extension at `fp`, named `name`.
    fn full_name_of(&self, fp: &[i32], name: &str) -> String {
        let file = &self.files[self.file];
        let mut scope = file.package.clone().unwrap_or_default();
        let mut messages = &file.message_type;
        let mut rest = fp;
        while let [4 | 3, i, tail @ ..] = rest {
            let Some(m) = usize::try_from(*i).ok().and_then(|i| messages.get(i)) else {
                break;
            };
            scope = join(&scope, m.name());
            messages = &m.nested_type;
            rest = tail;
        }
        join(&scope, name)
    }

    fn enumeration(&mut self, e: &EnumDescriptorProto, scope: &str, path: &[i32]) {
        let name = e.name.as_deref().unwrap_or("");
        let sub = |tail: &[i32]| [path, tail].concat();
        let open = match self.syntax {
            Syntax::Proto3 => true,
            Syntax::Proto2 => false,
            Syntax::Editions => features::resolve(&self.files[self.file], path)
                .is_some_and(|x| x.enum_type == Some(features::OPEN)),
        };
        if open
            && let Some(first) = e.value.first()
            && first.number != Some(0)
        {
            self.error(
                &sub(&[2, 0, 2]),
                "The first enum value must be zero for open enums.",
            );
        }
        let mut seen_ranges: Vec<(i32, i32)> = Vec::new();
        for (i, r) in e.reserved_range.iter().enumerate() {
            let (start, end) = (r.start.unwrap_or(0), r.end.unwrap_or(0));
            if end < start {
                self.error(
                    &sub(&[4, i as i32]),
                    "Reserved range end number must be greater than start number.",
                );
            }
            if let Some(j) = seen_ranges
                .iter()
                .position(|&(s, e)| start <= e && s <= end)
            {
                let (os, oe) = seen_ranges[j];
                self.error(
                    &sub(&[4, j as i32]),
                    format!("Reserved range {start} to {end} overlaps with already-defined range {os} to {oe}."),
                );
            }
            seen_ranges.push((start, end));
        }
        let allow_alias = e
            .options
            .as_ref()
            .and_then(|o| o.allow_alias)
            .unwrap_or(false);
        let mut by_number: HashMap<i32, &str> = HashMap::new();
        let mut aliased = false;
        let used: HashSet<i32> = e.value.iter().filter_map(|v| v.number).collect();
        for (i, v) in e.value.iter().enumerate() {
            let vname = v.name.as_deref().unwrap_or("");
            let n = v.number.unwrap_or(0);
            if let Some(other) = by_number.get(&n) {
                aliased = true;
                if !allow_alias {
                    let mut next = 0;
                    while used.contains(&next) {
                        next += 1;
                    }
                    self.error(
                        &sub(&[2, i as i32, 2]),
                        format!("\"{vname}\" uses the same enum value as \"{other}\". If this is intended, set 'option allow_alias = true;' to the enum definition. The next available enum value is {next}."),
                    );
                }
            } else {
                by_number.insert(n, vname);
            }
            if let Some(j) = e
                .reserved_range
                .iter()
                .position(|r| r.start.unwrap_or(0) <= n && n <= r.end.unwrap_or(0))
            {
                self.error(
                    &sub(&[4, j as i32]),
                    format!("Enum value \"{vname}\" uses reserved number {n}."),
                );
            }
            if e.reserved_name.iter().any(|r| r == vname) {
                self.error(
                    &sub(&[2, i as i32, 1]),
                    format!("Enum value \"{vname}\" is reserved."),
                );
            }
        }
        if allow_alias && !aliased {
            self.error(
                &sub(&[1]),
                format!("\"{name}\" declares support for enum aliases but no enum values share field numbers. Please remove the unnecessary 'option allow_alias = true;' declaration."),
            );
        }
        // Value names must stay distinct once the enum's name prefix is dropped and case is
        // ignored (they map to the same names in some languages); protoc only warns for a
        // proto2 enum that sets `deprecated_legacy_json_field_conflicts`.
        let legacy = e
            .options
            .as_ref()
            .and_then(|o| o.deprecated_legacy_json_field_conflicts)
            == Some(true);
        if !(legacy && self.syntax == Syntax::Proto2) {
            let mut seen: HashMap<String, (&str, i32)> = HashMap::new();
            for (i, v) in e.value.iter().enumerate() {
                let vname = v.name.as_deref().unwrap_or("");
                let key = strip_enum_prefix(name, vname);
                let n = v.number.unwrap_or(0);
                if let Some(&(other, on)) = seen.get(&key) {
                    if on != n {
                        self.error(
                            &sub(&[2, i as i32, 1]),
                            format!("Enum name {vname} has the same name as {other} if you ignore case and strip out the enum name prefix (if any). (If you are using allow_alias, please assign the same number to each enum value name.)"),
                        );
                    }
                } else {
                    seen.insert(key, (vname, n));
                }
            }
        }
        let _ = scope;
    }

    fn nested_extensions(
        &mut self,
        messages: &[DescriptorProto],
        scope: &str,
        path: &[i32],
        numbers: &mut HashMap<(String, i32), String>,
    ) {
        for (i, m) in messages.iter().enumerate() {
            let full = join(scope, m.name.as_deref().unwrap_or(""));
            let mp = if path.is_empty() {
                vec![4, i as i32]
            } else {
                [path, &[3, i as i32]].concat()
            };
            for (xi, x) in m.extension.iter().enumerate() {
                self.extension(x, &full, &[&mp[..], &[6, xi as i32]].concat(), numbers);
            }
            self.nested_extensions(&m.nested_type, &full, &mp, numbers);
        }
    }

    fn extension(
        &mut self,
        x: &FieldDescriptorProto,
        scope: &str,
        xp: &[i32],
        numbers: &mut HashMap<(String, i32), String>,
    ) {
        let Some(extendee) = x.extendee.as_deref().map(|e| e.trim_start_matches('.')) else {
            return;
        };
        let number = x.number.unwrap_or(0);
        let Some(&(target, target_file)) = self.index.messages.get(extendee) else {
            return;
        };
        let message_set = target
            .options
            .as_ref()
            .and_then(|o| o.message_set_wire_format)
            .unwrap_or(false);
        self.field_number(x, xp, message_set);
        let np = [xp, &[3]].concat();
        if !target
            .extension_range
            .iter()
            .any(|r| r.start.unwrap_or(0) <= number && number < r.end.unwrap_or(0))
        {
            self.error(
                &np,
                format!("\"{extendee}\" does not declare {number} as an extension number."),
            );
        } else if self.syntax == Syntax::Proto3
            && !extendee.starts_with("google.protobuf.")
            && syntax_of(&self.files[target_file]) != Syntax::Proto3
        {
            self.error(
                xp,
                "Extensions in proto3 are only allowed for defining options.",
            );
        }
        let full = join(scope, x.name.as_deref().unwrap_or(""));
        let ty = PType(x.r#type.unwrap_or(0));
        if x.label == Some(PLabel::LABEL_REQUIRED.0) {
            self.error(
                &type_path(xp, ty),
                format!("The extension {full} cannot be required."),
            );
        }
        if message_set && (x.label != Some(PLabel::LABEL_OPTIONAL.0) || ty != PType::TYPE_MESSAGE) {
            self.error(
                &type_path(xp, ty),
                "Extensions of MessageSets must be optional messages.",
            );
        }
        match numbers.get(&(extendee.to_string(), number)) {
            Some(other) => {
                let other = other.clone();
                self.error(
                    &np,
                    format!("Extension number {number} has already been used in \"{extendee}\" by extension \"{other}\"."),
                );
            }
            None => {
                numbers.insert((extendee.to_string(), number), full);
            }
        }
        self.field_rules(x, xp, scope);
    }
}

/// Whether repeated fields of type `ty` may be packed (primitive types).
fn packable(ty: PType) -> bool {
    !matches!(
        ty,
        PType::TYPE_STRING | PType::TYPE_BYTES | PType::TYPE_MESSAGE | PType::TYPE_GROUP
    )
}

/// The path of a field's type location: `type` (5) for scalars and groups, `type_name` (6) for
/// named types.
/// protoc's `FeatureResolver::ValidateFeatureSupport`: a `feature_support` declaration is
/// consistent (deprecated and removed after introduced, with their messages).
fn support_errors(
    support: &courier_types::field_options::FeatureSupport,
    name: &str,
) -> Result<(), String> {
    let e = |x: Option<i32>| x.unwrap_or(0);
    if support.edition_deprecated.is_some() {
        if e(support.edition_deprecated) < e(support.edition_introduced) {
            return Err(format!("{name} was deprecated before it was introduced."));
        }
        if support.deprecation_warning.is_none() {
            return Err(format!(
                "{name} is deprecated but does not specify a deprecation warning."
            ));
        }
    }
    if support.edition_deprecated.is_none() && support.deprecation_warning.is_some() {
        return Err(format!(
            "{name} specifies a deprecation warning but is not marked deprecated in any edition."
        ));
    }
    if support.edition_removed.is_some() {
        if e(support.edition_deprecated) >= e(support.edition_removed) {
            return Err(format!("{name} was deprecated after it was removed."));
        }
        if e(support.edition_removed) < e(support.edition_introduced) {
            return Err(format!("{name} was removed before it was introduced."));
        }
        // Not required of a feature introduced and removed in the same edition.
        if support.edition_introduced != support.edition_removed && support.removal_error.is_none()
        {
            return Err(format!(
                "{name} has been removed but does not specify a removal error."
            ));
        }
    } else if support.removal_error.is_some() {
        return Err(format!(
            "{name} specifies a removal error but is not marked removed in any edition."
        ));
    }
    Ok(())
}

fn type_path(fp: &[i32], ty: PType) -> Vec<i32> {
    let field = match ty {
        PType::TYPE_MESSAGE | PType::TYPE_ENUM => 6,
        _ => 5,
    };
    [fp, &[field]].concat()
}

/// protoc's enum value name normalization: drop the enum's name as a prefix (ignoring case and
/// underscores), then compare in upper case without underscores.
fn strip_enum_prefix(enum_name: &str, value: &str) -> String {
    let prefix: Vec<char> = enum_name
        .chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let chars: Vec<char> = value.chars().collect();
    let mut i = 0;
    let mut j = 0;
    while i < chars.len() && j < prefix.len() {
        if chars[i] == '_' {
            i += 1;
            continue;
        }
        if chars[i].to_ascii_lowercase() != prefix[j] {
            break;
        }
        i += 1;
        j += 1;
    }
    let rest: &[char] = if j == prefix.len() {
        &chars[i..]
    } else {
        &chars
    };
    let rest: String = rest.iter().collect();
    let rest = rest.trim_start_matches('_');
    let out: String = rest
        .chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        value.to_ascii_uppercase()
    } else {
        out
    }
}

/// The smallest field number free of fields, reserved ranges and extension ranges.
fn next_available(used: &HashSet<i32>, reserved: &[(i32, i32)], ext: &[(i32, i32)]) -> i32 {
    let mut n = 1;
    while n < MAX_FIELD_NUMBER {
        if used.contains(&n) {
            n += 1;
        } else if let Some(&(_, e)) = reserved.iter().chain(ext).find(|&&(s, e)| s <= n && n < e) {
            n = e;
        } else if RESERVED_BAND.contains(&n) {
            n = *RESERVED_BAND.end() + 1;
        } else {
            return n;
        }
    }
    n
}
