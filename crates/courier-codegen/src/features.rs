//! Editions feature resolution: the five features that change generated code, resolved for
//! each element from the edition's defaults and every `features` option on the way down
//! (file → message → ... → field / oneof / enum).
//!
//! Files in `proto2` and `proto3` syntax resolve as the legacy editions `EDITION_PROTO2` and
//! `EDITION_PROTO3`, with their legacy options (`[packed = ...]`, `required`, groups,
//! proto3 `optional`) mapped onto features, as protobuf's own generators do.
//! <https://protobuf.dev/editions/features/>

use courier_types::FeatureSet;

/// `FeatureSet.FieldPresence`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Presence {
    /// Presence is tracked (`Option`).
    Explicit,
    /// proto3 default: the default value is not written.
    Implicit,
    /// proto2 `required`.
    LegacyRequired,
}

/// The resolved features of one element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Features {
    /// `field_presence`.
    pub(crate) presence: Presence,
    /// `enum_type`: whether enums are open (unknown values kept in the field).
    pub(crate) open_enums: bool,
    /// `repeated_field_encoding`: whether repeated scalars are packed.
    pub(crate) packed: bool,
    /// `utf8_validation`: whether strings are checked for UTF-8.
    pub(crate) verify_utf8: bool,
    /// `message_encoding`: whether message fields use the delimited (group) encoding.
    pub(crate) delimited: bool,
}

/// `Edition` numbers from descriptor.proto.
pub(crate) mod edition {
    /// `EDITION_PROTO2`.
    pub(crate) const PROTO2: i32 = 998;
    /// `EDITION_PROTO3`.
    pub(crate) const PROTO3: i32 = 999;
    /// `EDITION_2023`.
    pub(crate) const E2023: i32 = 1000;
}

impl Features {
    /// The defaults of `edition` (descriptor.proto's `edition_defaults`).
    pub(crate) fn defaults(edition: i32) -> Features {
        if edition <= edition::PROTO2 {
            Features {
                presence: Presence::Explicit,
                open_enums: false,
                packed: false,
                verify_utf8: false,
                delimited: false,
            }
        } else if edition == edition::PROTO3 {
            Features {
                presence: Presence::Implicit,
                open_enums: true,
                packed: true,
                verify_utf8: true,
                delimited: false,
            }
        } else {
            Features {
                presence: Presence::Explicit,
                open_enums: true,
                packed: true,
                verify_utf8: true,
                delimited: false,
            }
        }
    }

    /// These features with the ones `set` sets overriding them.
    pub(crate) fn merge(mut self, set: Option<&FeatureSet>) -> Features {
        let Some(set) = set else { return self };
        match set.field_presence {
            Some(1) => self.presence = Presence::Explicit,
            Some(2) => self.presence = Presence::Implicit,
            Some(3) => self.presence = Presence::LegacyRequired,
            _ => {}
        }
        match set.enum_type {
            Some(1) => self.open_enums = true,
            Some(2) => self.open_enums = false,
            _ => {}
        }
        match set.repeated_field_encoding {
            Some(1) => self.packed = true,
            Some(2) => self.packed = false,
            _ => {}
        }
        match set.utf8_validation {
            Some(2) => self.verify_utf8 = true,
            Some(3) => self.verify_utf8 = false,
            _ => {}
        }
        match set.message_encoding {
            Some(1) => self.delimited = false,
            Some(2) => self.delimited = true,
            _ => {}
        }
        self
    }
}

/// The edition of a file: `edition` when set, else from `syntax` (`proto2` when absent).
pub(crate) fn file_edition(file: &courier_types::FileDescriptorProto) -> i32 {
    match file.syntax.as_deref() {
        Some("proto3") => edition::PROTO3,
        Some("editions") => file.edition.unwrap_or(edition::E2023),
        _ => edition::PROTO2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let p2 = Features::defaults(edition::PROTO2);
        assert!(!p2.open_enums && !p2.packed && p2.presence == Presence::Explicit);
        let p3 = Features::defaults(edition::PROTO3);
        assert!(p3.open_enums && p3.packed && p3.presence == Presence::Implicit);
        let e = Features::defaults(edition::E2023).merge(Some(&FeatureSet {
            field_presence: Some(2),
            enum_type: Some(2),
            repeated_field_encoding: Some(2),
            utf8_validation: Some(3),
            message_encoding: Some(2),
            ..Default::default()
        }));
        assert_eq!(e.presence, Presence::Implicit);
        assert!(!e.open_enums && !e.packed && !e.verify_utf8 && e.delimited);
    }
}
