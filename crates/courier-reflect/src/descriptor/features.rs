//! Editions features: the six `google.protobuf.FeatureSet` fields that change how a message is
//! encoded, resolved for every element the way protoc resolves them.
//!
//! Resolution starts from the defaults of the file's edition (descriptor.proto's
//! `edition_defaults`, embedded here as [`DEFAULTS`]), then merges the `features` option of each
//! element on the way down: file → message → nested message → field (a oneof's fields through
//! the oneof; an extension through its scope; an enum value through its enum). Files in `proto2`
//! and `proto3` syntax resolve as the legacy editions `EDITION_PROTO2` / `EDITION_PROTO3`, with
//! their legacy syntax mapped onto features as protoc does: `required` is `LEGACY_REQUIRED`, a
//! group is `DELIMITED`, `[packed = true]` is `PACKED` (and in proto3 `[packed = false]` is
//! `EXPANDED`). <https://protobuf.dev/editions/features/>
//!
//! The pool embeds the defaults instead of depending on courier-idl: a pool is built from
//! descriptors that may come from anywhere (protoc, server reflection, a file on disk), and
//! resolving features needs only this table, not a compiler. The unit test
//! `defaults_match_descriptor_proto` checks the table against the `edition_defaults` of the
//! descriptor.proto courier-idl embeds, and `tests/features.rs` checks every resolved element
//! of the conformance protos against courier-idl's own resolver.

use courier_types::FeatureSet;

/// `google.protobuf.Edition` numbers.
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
}

/// A file's edition, as protoc names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Edition {
    /// `syntax = "proto2"` (or no syntax statement): `EDITION_PROTO2`.
    Proto2,
    /// `syntax = "proto3"`: `EDITION_PROTO3`.
    Proto3,
    /// `edition = "2023"`.
    E2023,
    /// `edition = "2024"`.
    E2024,
}

impl Edition {
    /// The `google.protobuf.Edition` number (`EDITION_2023` is 1000).
    pub fn number(self) -> i32 {
        match self {
            Edition::Proto2 => edition::PROTO2,
            Edition::Proto3 => edition::PROTO3,
            Edition::E2023 => edition::E2023,
            Edition::E2024 => edition::E2024,
        }
    }

    pub(crate) fn from_number(n: i32) -> Option<Edition> {
        Some(match n {
            edition::PROTO2 => Edition::Proto2,
            edition::PROTO3 => Edition::Proto3,
            edition::E2023 => Edition::E2023,
            edition::E2024 => Edition::E2024,
            _ => return None,
        })
    }
}

/// `FeatureSet.field_presence`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldPresence {
    /// Presence is tracked: set and unset are different even for the default value.
    Explicit,
    /// proto3's default: a field holding its default value is not written.
    Implicit,
    /// proto2 `required`.
    LegacyRequired,
}

/// `FeatureSet.enum_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EnumType {
    /// Unknown values are kept in the field.
    Open,
    /// Unknown values go to the unknown fields.
    Closed,
}

/// `FeatureSet.repeated_field_encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RepeatedFieldEncoding {
    /// Repeated scalars are written as one length-delimited record.
    Packed,
    /// One record per element.
    Expanded,
}

/// `FeatureSet.utf8_validation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Utf8Validation {
    /// Strings must be UTF-8.
    Verify,
    /// Not checked by protobuf's runtimes (Courier's strings are Rust strings and always are).
    None,
}

/// `FeatureSet.message_encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageEncoding {
    /// A message field is one length-delimited record.
    LengthPrefixed,
    /// A message field is written as a group (start tag, fields, end tag).
    Delimited,
}

/// `FeatureSet.json_format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JsonFormat {
    /// The message must be representable in ProtoJSON (JSON name conflicts are errors).
    Allow,
    /// proto2's legacy: ProtoJSON is best effort (name conflicts are allowed).
    LegacyBestEffort,
}

/// The resolved features of one element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Features {
    pub(crate) field_presence: FieldPresence,
    pub(crate) enum_type: EnumType,
    pub(crate) repeated_field_encoding: RepeatedFieldEncoding,
    pub(crate) utf8_validation: Utf8Validation,
    pub(crate) message_encoding: MessageEncoding,
    pub(crate) json_format: JsonFormat,
}

/// One feature's `edition_defaults`: (edition, enum value), oldest first.
type Defaults = &'static [(i32, i32)];

/// descriptor.proto's `edition_defaults` (protobuf 35) of the six features, in the order of
/// [`Features`]' fields: field_presence (EXPLICIT 1, IMPLICIT 2), enum_type (OPEN 1, CLOSED 2),
/// repeated_field_encoding (PACKED 1, EXPANDED 2), utf8_validation (VERIFY 2, NONE 3),
/// message_encoding (LENGTH_PREFIXED 1), json_format (ALLOW 1, LEGACY_BEST_EFFORT 2).
pub(crate) const DEFAULTS: [(&str, Defaults); 6] = {
    use edition::*;
    [
        ("field_presence", &[(LEGACY, 1), (PROTO3, 2), (E2023, 1)]),
        ("enum_type", &[(LEGACY, 2), (PROTO3, 1)]),
        ("repeated_field_encoding", &[(LEGACY, 2), (PROTO3, 1)]),
        ("utf8_validation", &[(LEGACY, 3), (PROTO3, 2)]),
        ("message_encoding", &[(LEGACY, 1)]),
        ("json_format", &[(LEGACY, 2), (PROTO3, 1)]),
    ]
};

/// The default of feature `i` of [`DEFAULTS`] in `ed`: the latest entry not after it.
fn default_of(i: usize, ed: i32) -> i32 {
    DEFAULTS[i]
        .1
        .iter()
        .rev()
        .find(|(e, _)| *e <= ed)
        .map_or(0, |(_, v)| *v)
}

impl Features {
    /// Every feature's default in `edition`.
    pub(crate) fn defaults(edition: Edition) -> Features {
        let ed = edition.number();
        let mut f = Features {
            field_presence: FieldPresence::Explicit,
            enum_type: EnumType::Open,
            repeated_field_encoding: RepeatedFieldEncoding::Packed,
            utf8_validation: Utf8Validation::Verify,
            message_encoding: MessageEncoding::LengthPrefixed,
            json_format: JsonFormat::Allow,
        };
        let set = FeatureSet {
            field_presence: Some(default_of(0, ed)),
            enum_type: Some(default_of(1, ed)),
            repeated_field_encoding: Some(default_of(2, ed)),
            utf8_validation: Some(default_of(3, ed)),
            message_encoding: Some(default_of(4, ed)),
            json_format: Some(default_of(5, ed)),
            ..FeatureSet::default()
        };
        f.apply(&set);
        f
    }

    /// These features with every feature `set` sets overriding them. Values outside the enums
    /// (the `*_UNKNOWN` zero values, or numbers from a newer descriptor.proto) are rejected by
    /// [`Features::check`] before this is called.
    pub(crate) fn merged(mut self, set: Option<&FeatureSet>) -> Features {
        if let Some(set) = set {
            self.apply(set);
        }
        self
    }

    fn apply(&mut self, set: &FeatureSet) {
        match set.field_presence {
            Some(1) => self.field_presence = FieldPresence::Explicit,
            Some(2) => self.field_presence = FieldPresence::Implicit,
            Some(3) => self.field_presence = FieldPresence::LegacyRequired,
            _ => {}
        }
        match set.enum_type {
            Some(1) => self.enum_type = EnumType::Open,
            Some(2) => self.enum_type = EnumType::Closed,
            _ => {}
        }
        match set.repeated_field_encoding {
            Some(1) => self.repeated_field_encoding = RepeatedFieldEncoding::Packed,
            Some(2) => self.repeated_field_encoding = RepeatedFieldEncoding::Expanded,
            _ => {}
        }
        match set.utf8_validation {
            Some(2) => self.utf8_validation = Utf8Validation::Verify,
            Some(3) => self.utf8_validation = Utf8Validation::None,
            _ => {}
        }
        match set.message_encoding {
            Some(1) => self.message_encoding = MessageEncoding::LengthPrefixed,
            Some(2) => self.message_encoding = MessageEncoding::Delimited,
            _ => {}
        }
        match set.json_format {
            Some(1) => self.json_format = JsonFormat::Allow,
            Some(2) => self.json_format = JsonFormat::LegacyBestEffort,
            _ => {}
        }
    }

    /// Checks the values `set` sets: each must be one of its enum's values (not the zero
    /// `*_UNKNOWN`). Returns the name of the first bad feature.
    pub(crate) fn check(set: &FeatureSet) -> Result<(), &'static str> {
        let bad = |v: Option<i32>, ok: &[i32]| v.is_some_and(|v| !ok.contains(&v));
        if bad(set.field_presence, &[1, 2, 3]) {
            return Err("field_presence");
        }
        if bad(set.enum_type, &[1, 2]) {
            return Err("enum_type");
        }
        if bad(set.repeated_field_encoding, &[1, 2]) {
            return Err("repeated_field_encoding");
        }
        if bad(set.utf8_validation, &[2, 3]) {
            return Err("utf8_validation");
        }
        if bad(set.message_encoding, &[1, 2]) {
            return Err("message_encoding");
        }
        if bad(set.json_format, &[1, 2]) {
            return Err("json_format");
        }
        Ok(())
    }

    /// `field_presence`.
    pub fn field_presence(&self) -> FieldPresence {
        self.field_presence
    }

    /// `enum_type`.
    pub fn enum_type(&self) -> EnumType {
        self.enum_type
    }

    /// `repeated_field_encoding`.
    pub fn repeated_field_encoding(&self) -> RepeatedFieldEncoding {
        self.repeated_field_encoding
    }

    /// `utf8_validation`.
    pub fn utf8_validation(&self) -> Utf8Validation {
        self.utf8_validation
    }

    /// `message_encoding`.
    pub fn message_encoding(&self) -> MessageEncoding {
        self.message_encoding
    }

    /// `json_format`.
    pub fn json_format(&self) -> JsonFormat {
        self.json_format
    }

    /// These features as a `google.protobuf.FeatureSet` with all six fields set.
    pub fn to_feature_set(&self) -> FeatureSet {
        FeatureSet {
            field_presence: Some(match self.field_presence {
                FieldPresence::Explicit => 1,
                FieldPresence::Implicit => 2,
                FieldPresence::LegacyRequired => 3,
            }),
            enum_type: Some(match self.enum_type {
                EnumType::Open => 1,
                EnumType::Closed => 2,
            }),
            repeated_field_encoding: Some(match self.repeated_field_encoding {
                RepeatedFieldEncoding::Packed => 1,
                RepeatedFieldEncoding::Expanded => 2,
            }),
            utf8_validation: Some(match self.utf8_validation {
                Utf8Validation::Verify => 2,
                Utf8Validation::None => 3,
            }),
            message_encoding: Some(match self.message_encoding {
                MessageEncoding::LengthPrefixed => 1,
                MessageEncoding::Delimited => 2,
            }),
            json_format: Some(match self.json_format {
                JsonFormat::Allow => 1,
                JsonFormat::LegacyBestEffort => 2,
            }),
            ..FeatureSet::default()
        }
    }
}

/// A field's own features plus, in proto2 and proto3 files, the ones its legacy syntax implies
/// (as protoc infers them).
pub(crate) fn field_features(
    f: &courier_types::FieldDescriptorProto,
    edition: Edition,
) -> Option<FeatureSet> {
    let own = f.options.as_ref().and_then(|o| o.features.as_ref());
    if edition >= Edition::E2023 {
        return own.cloned();
    }
    let mut x = own.cloned().unwrap_or_default();
    if f.label == Some(2) {
        x.field_presence = Some(3); // LEGACY_REQUIRED
    }
    if f.r#type == Some(10) {
        x.message_encoding = Some(2); // DELIMITED
    }
    let packed = f.options.as_ref().and_then(|o| o.packed);
    if packed == Some(true) {
        x.repeated_field_encoding = Some(1); // PACKED
    }
    if edition == Edition::Proto3 && packed == Some(false) {
        x.repeated_field_encoding = Some(2); // EXPANDED
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`DEFAULTS`] is what the `edition_defaults` of descriptor.proto say (the copy embedded in
    /// courier-idl, compiled, with enum value names resolved through its own enums).
    #[test]
    fn defaults_match_descriptor_proto() {
        let c = courier_idl::Compiler::new()
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
        assert_eq!(edition_number("EDITION_LEGACY"), edition::LEGACY);
        assert_eq!(edition_number("EDITION_PROTO2"), edition::PROTO2);
        assert_eq!(edition_number("EDITION_PROTO3"), edition::PROTO3);
        assert_eq!(edition_number("EDITION_2023"), edition::E2023);
        assert_eq!(edition_number("EDITION_2024"), edition::E2024);
        for (name, defaults) in DEFAULTS {
            let f = fs
                .field
                .iter()
                .find(|f| f.name.as_deref() == Some(name))
                .unwrap();
            let short = f
                .type_name
                .as_deref()
                .unwrap()
                .trim_start_matches(".google.protobuf.FeatureSet.");
            let e = fs
                .enum_type
                .iter()
                .find(|e| e.name.as_deref() == Some(short))
                .unwrap();
            let want: Vec<(i32, i32)> = f
                .options
                .as_ref()
                .unwrap()
                .edition_defaults
                .iter()
                .map(|d| {
                    let v = d.value.as_deref().unwrap();
                    let n = e
                        .value
                        .iter()
                        .find(|x| x.name.as_deref() == Some(v))
                        .and_then(|x| x.number)
                        .unwrap();
                    (d.edition.unwrap(), n)
                })
                .collect();
            assert_eq!(defaults, &want[..], "{name}");
        }
    }

    #[test]
    fn defaults_per_edition() {
        let p2 = Features::defaults(Edition::Proto2);
        assert_eq!(p2.field_presence, FieldPresence::Explicit);
        assert_eq!(p2.enum_type, EnumType::Closed);
        assert_eq!(p2.repeated_field_encoding, RepeatedFieldEncoding::Expanded);
        assert_eq!(p2.utf8_validation, Utf8Validation::None);
        assert_eq!(p2.json_format, JsonFormat::LegacyBestEffort);
        let p3 = Features::defaults(Edition::Proto3);
        assert_eq!(p3.field_presence, FieldPresence::Implicit);
        assert_eq!(p3.enum_type, EnumType::Open);
        assert_eq!(p3.repeated_field_encoding, RepeatedFieldEncoding::Packed);
        assert_eq!(p3.utf8_validation, Utf8Validation::Verify);
        assert_eq!(p3.json_format, JsonFormat::Allow);
        for e in [Edition::E2023, Edition::E2024] {
            let d = Features::defaults(e);
            assert_eq!(d.field_presence, FieldPresence::Explicit);
            assert_eq!(d.enum_type, EnumType::Open);
            assert_eq!(d.message_encoding, MessageEncoding::LengthPrefixed);
        }
        let round = Features::defaults(Edition::Proto2)
            .merged(Some(&Features::defaults(Edition::E2023).to_feature_set()));
        assert_eq!(round, Features::defaults(Edition::E2023));
    }
}
