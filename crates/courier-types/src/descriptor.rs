//! The messages of `google/protobuf/descriptor.proto`, field for field.
//!
//! Every `optional` field is an `Option`, every `repeated` field a `Vec`, enum fields hold the
//! raw `i32` (the enum's newtype has the named constants), and every message keeps the fields it
//! does not know in `unknown_fields`, so custom options (extensions of the `*Options` messages)
//! survive a decode and re-encode byte for byte.
//!
//! Written plainly and uniformly, one block per message, in the order of `descriptor.proto`;
//! courier-codegen will generate this file later.

// The doc comments are descriptor.proto's own, verbatim; some continue lists loosely.
#![allow(clippy::doc_lazy_continuation)]

use courier_wire::{DecodeError, Decoder, Encoder, Message, Tag, UnknownFields, field};

/// The full set of known editions.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Edition(pub i32);

impl Edition {
    /// A placeholder for an unknown edition value.
    pub const EDITION_UNKNOWN: Edition = Edition(0);
    /// A placeholder edition for specifying default behaviors *before* a feature
    /// was first introduced.  This is effectively an "infinite past".
    pub const EDITION_LEGACY: Edition = Edition(900);
    /// Legacy syntax "editions".  These pre-date editions, but behave much like
    /// distinct editions.  These can't be used to specify the edition of proto
    /// files, but feature definitions must supply proto2/proto3 defaults for
    /// backwards compatibility.
    pub const EDITION_PROTO2: Edition = Edition(998);
    /// `EDITION_PROTO3` = 999.
    pub const EDITION_PROTO3: Edition = Edition(999);
    /// Editions that have been released.  The specific values are arbitrary and
    /// should not be depended on, but they will always be time-ordered for easy
    /// comparison.
    pub const EDITION_2023: Edition = Edition(1000);
    /// `EDITION_2024` = 1001.
    pub const EDITION_2024: Edition = Edition(1001);
    /// `EDITION_2026` = 1002.
    pub const EDITION_2026: Edition = Edition(1002);
    /// A placeholder edition for developing and testing unscheduled features.
    pub const EDITION_UNSTABLE: Edition = Edition(9999);
    /// Placeholder editions for testing feature resolution.  These should not be
    /// used or relied on outside of tests.
    pub const EDITION_1_TEST_ONLY: Edition = Edition(1);
    /// `EDITION_2_TEST_ONLY` = 2.
    pub const EDITION_2_TEST_ONLY: Edition = Edition(2);
    /// `EDITION_99997_TEST_ONLY` = 99997.
    pub const EDITION_99997_TEST_ONLY: Edition = Edition(99997);
    /// `EDITION_99998_TEST_ONLY` = 99998.
    pub const EDITION_99998_TEST_ONLY: Edition = Edition(99998);
    /// `EDITION_99999_TEST_ONLY` = 99999.
    pub const EDITION_99999_TEST_ONLY: Edition = Edition(99999);
    /// Placeholder for specifying unbounded edition support.  This should only
    /// ever be used by plugins that can expect to never require any changes to
    /// support a new edition.
    pub const EDITION_MAX: Edition = Edition(2147483647);

    /// The value's name in the `.proto` file, if it is a known value.
    pub fn name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("EDITION_UNKNOWN"),
            900 => Some("EDITION_LEGACY"),
            998 => Some("EDITION_PROTO2"),
            999 => Some("EDITION_PROTO3"),
            1000 => Some("EDITION_2023"),
            1001 => Some("EDITION_2024"),
            1002 => Some("EDITION_2026"),
            9999 => Some("EDITION_UNSTABLE"),
            1 => Some("EDITION_1_TEST_ONLY"),
            2 => Some("EDITION_2_TEST_ONLY"),
            99997 => Some("EDITION_99997_TEST_ONLY"),
            99998 => Some("EDITION_99998_TEST_ONLY"),
            99999 => Some("EDITION_99999_TEST_ONLY"),
            2147483647 => Some("EDITION_MAX"),
            _ => None,
        }
    }
}

/// Describes the 'visibility' of a symbol with respect to the proto import
/// system. Symbols can only be imported when the visibility rules do not prevent
/// it (ex: local symbols cannot be imported).  Visibility modifiers can only set
/// on `message` and `enum` as they are the only types available to be referenced
/// from other files.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct SymbolVisibility(pub i32);

impl SymbolVisibility {
    /// `VISIBILITY_UNSET` = 0.
    pub const VISIBILITY_UNSET: SymbolVisibility = SymbolVisibility(0);
    /// `VISIBILITY_LOCAL` = 1.
    pub const VISIBILITY_LOCAL: SymbolVisibility = SymbolVisibility(1);
    /// `VISIBILITY_EXPORT` = 2.
    pub const VISIBILITY_EXPORT: SymbolVisibility = SymbolVisibility(2);

    /// The value's name in the `.proto` file, if it is a known value.
    pub fn name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("VISIBILITY_UNSET"),
            1 => Some("VISIBILITY_LOCAL"),
            2 => Some("VISIBILITY_EXPORT"),
            _ => None,
        }
    }
}

/// The protocol compiler can output a FileDescriptorSet containing the .proto
/// files it parses.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct FileDescriptorSet {
    /// `repeated FileDescriptorProto file = 1`.
    pub file: Vec<FileDescriptorProto>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for FileDescriptorSet {
    const NAME: &'static str = "google.protobuf.FileDescriptorSet";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("file"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::message::encoded_len_repeated(1, &self.file) + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::message::encode_repeated(1, &self.file, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::message::merge_repeated(tag, &mut self.file, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Describes a complete .proto file.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct FileDescriptorProto {
    /// `optional string name = 1`.
    pub name: Option<String>,
    /// `optional string package = 2`.
    pub package: Option<String>,
    /// Names of files imported by this file.
    pub dependency: Vec<String>,
    /// Indexes of the public imported files in the dependency list above.
    pub public_dependency: Vec<i32>,
    /// Indexes of the weak imported files in the dependency list.
    /// For Google-internal migration only. Do not use.
    pub weak_dependency: Vec<i32>,
    /// Names of files imported by this file purely for the purpose of providing
    /// option extensions. These are excluded from the dependency list above.
    pub option_dependency: Vec<String>,
    /// All top-level definitions in this file.
    pub message_type: Vec<DescriptorProto>,
    /// `repeated EnumDescriptorProto enum_type = 5`.
    pub enum_type: Vec<EnumDescriptorProto>,
    /// `repeated ServiceDescriptorProto service = 6`.
    pub service: Vec<ServiceDescriptorProto>,
    /// `repeated FieldDescriptorProto extension = 7`.
    pub extension: Vec<FieldDescriptorProto>,
    /// `optional FileOptions options = 8`.
    pub options: Option<FileOptions>,
    /// This field contains optional information about the original source code.
    /// You may safely remove this entire field without harming runtime
    /// functionality of the descriptors -- the information is needed only by
    /// development tools.
    pub source_code_info: Option<SourceCodeInfo>,
    /// The syntax of the proto file.
    /// The supported values are "proto2", "proto3", and "editions".
    ///
    /// If `edition` is present, this value must be "editions".
    /// WARNING: This field should only be used by protobuf plugins or special
    /// cases like the proto compiler. Other uses are discouraged and
    /// developers should rely on the protoreflect APIs for their client language.
    pub syntax: Option<String>,
    /// The edition of the proto file.
    /// WARNING: This field should only be used by protobuf plugins or special
    /// cases like the proto compiler. Other uses are discouraged and
    /// developers should rely on the protoreflect APIs for their client language.
    pub edition: Option<i32>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for FileDescriptorProto {
    const NAME: &'static str = "google.protobuf.FileDescriptorProto";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("name"),
            2 => Some("package"),
            3 => Some("dependency"),
            10 => Some("public_dependency"),
            11 => Some("weak_dependency"),
            15 => Some("option_dependency"),
            4 => Some("message_type"),
            5 => Some("enum_type"),
            6 => Some("service"),
            7 => Some("extension"),
            8 => Some("options"),
            9 => Some("source_code_info"),
            12 => Some("syntax"),
            14 => Some("edition"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::string::encoded_len_optional(1, &self.name)
            + field::string::encoded_len_optional(2, &self.package)
            + field::string::encoded_len_repeated(3, &self.dependency)
            + field::message::encoded_len_repeated(4, &self.message_type)
            + field::message::encoded_len_repeated(5, &self.enum_type)
            + field::message::encoded_len_repeated(6, &self.service)
            + field::message::encoded_len_repeated(7, &self.extension)
            + field::message::encoded_len_optional(8, &self.options)
            + field::message::encoded_len_optional(9, &self.source_code_info)
            + field::int32::encoded_len_repeated(10, &self.public_dependency)
            + field::int32::encoded_len_repeated(11, &self.weak_dependency)
            + field::string::encoded_len_optional(12, &self.syntax)
            + field::enumeration::encoded_len_optional(14, &self.edition)
            + field::string::encoded_len_repeated(15, &self.option_dependency)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::string::encode_optional(1, &self.name, enc);
        field::string::encode_optional(2, &self.package, enc);
        field::string::encode_repeated(3, &self.dependency, enc);
        field::message::encode_repeated(4, &self.message_type, enc);
        field::message::encode_repeated(5, &self.enum_type, enc);
        field::message::encode_repeated(6, &self.service, enc);
        field::message::encode_repeated(7, &self.extension, enc);
        field::message::encode_optional(8, &self.options, enc);
        field::message::encode_optional(9, &self.source_code_info, enc);
        field::int32::encode_repeated(10, &self.public_dependency, enc);
        field::int32::encode_repeated(11, &self.weak_dependency, enc);
        field::string::encode_optional(12, &self.syntax, enc);
        field::enumeration::encode_optional(14, &self.edition, enc);
        field::string::encode_repeated(15, &self.option_dependency, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::string::merge_optional(tag, &mut self.name, dec),
            2 => field::string::merge_optional(tag, &mut self.package, dec),
            3 => field::string::merge_repeated(tag, &mut self.dependency, dec),
            10 => field::int32::merge_repeated(tag, &mut self.public_dependency, dec),
            11 => field::int32::merge_repeated(tag, &mut self.weak_dependency, dec),
            15 => field::string::merge_repeated(tag, &mut self.option_dependency, dec),
            4 => field::message::merge_repeated(tag, &mut self.message_type, dec),
            5 => field::message::merge_repeated(tag, &mut self.enum_type, dec),
            6 => field::message::merge_repeated(tag, &mut self.service, dec),
            7 => field::message::merge_repeated(tag, &mut self.extension, dec),
            8 => field::message::merge_optional(tag, &mut self.options, dec),
            9 => field::message::merge_optional(tag, &mut self.source_code_info, dec),
            12 => field::string::merge_optional(tag, &mut self.syntax, dec),
            14 => field::enumeration::merge_optional(tag, &mut self.edition, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Describes a message type.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct DescriptorProto {
    /// `optional string name = 1`.
    pub name: Option<String>,
    /// `repeated FieldDescriptorProto field = 2`.
    pub field: Vec<FieldDescriptorProto>,
    /// `repeated FieldDescriptorProto extension = 6`.
    pub extension: Vec<FieldDescriptorProto>,
    /// `repeated DescriptorProto nested_type = 3`.
    pub nested_type: Vec<DescriptorProto>,
    /// `repeated EnumDescriptorProto enum_type = 4`.
    pub enum_type: Vec<EnumDescriptorProto>,
    /// `repeated ExtensionRange extension_range = 5`.
    pub extension_range: Vec<descriptor_proto::ExtensionRange>,
    /// `repeated OneofDescriptorProto oneof_decl = 8`.
    pub oneof_decl: Vec<OneofDescriptorProto>,
    /// `optional MessageOptions options = 7`.
    pub options: Option<MessageOptions>,
    /// `repeated ReservedRange reserved_range = 9`.
    pub reserved_range: Vec<descriptor_proto::ReservedRange>,
    /// Reserved field names, which may not be used by fields in the same message.
    /// A given name may only be reserved once.
    pub reserved_name: Vec<String>,
    /// Support for `export` and `local` keywords on enums.
    pub visibility: Option<i32>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for DescriptorProto {
    const NAME: &'static str = "google.protobuf.DescriptorProto";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("name"),
            2 => Some("field"),
            6 => Some("extension"),
            3 => Some("nested_type"),
            4 => Some("enum_type"),
            5 => Some("extension_range"),
            8 => Some("oneof_decl"),
            7 => Some("options"),
            9 => Some("reserved_range"),
            10 => Some("reserved_name"),
            11 => Some("visibility"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::string::encoded_len_optional(1, &self.name)
            + field::message::encoded_len_repeated(2, &self.field)
            + field::message::encoded_len_repeated(3, &self.nested_type)
            + field::message::encoded_len_repeated(4, &self.enum_type)
            + field::message::encoded_len_repeated(5, &self.extension_range)
            + field::message::encoded_len_repeated(6, &self.extension)
            + field::message::encoded_len_optional(7, &self.options)
            + field::message::encoded_len_repeated(8, &self.oneof_decl)
            + field::message::encoded_len_repeated(9, &self.reserved_range)
            + field::string::encoded_len_repeated(10, &self.reserved_name)
            + field::enumeration::encoded_len_optional(11, &self.visibility)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::string::encode_optional(1, &self.name, enc);
        field::message::encode_repeated(2, &self.field, enc);
        field::message::encode_repeated(3, &self.nested_type, enc);
        field::message::encode_repeated(4, &self.enum_type, enc);
        field::message::encode_repeated(5, &self.extension_range, enc);
        field::message::encode_repeated(6, &self.extension, enc);
        field::message::encode_optional(7, &self.options, enc);
        field::message::encode_repeated(8, &self.oneof_decl, enc);
        field::message::encode_repeated(9, &self.reserved_range, enc);
        field::string::encode_repeated(10, &self.reserved_name, enc);
        field::enumeration::encode_optional(11, &self.visibility, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::string::merge_optional(tag, &mut self.name, dec),
            2 => field::message::merge_repeated(tag, &mut self.field, dec),
            6 => field::message::merge_repeated(tag, &mut self.extension, dec),
            3 => field::message::merge_repeated(tag, &mut self.nested_type, dec),
            4 => field::message::merge_repeated(tag, &mut self.enum_type, dec),
            5 => field::message::merge_repeated(tag, &mut self.extension_range, dec),
            8 => field::message::merge_repeated(tag, &mut self.oneof_decl, dec),
            7 => field::message::merge_optional(tag, &mut self.options, dec),
            9 => field::message::merge_repeated(tag, &mut self.reserved_range, dec),
            10 => field::string::merge_repeated(tag, &mut self.reserved_name, dec),
            11 => field::enumeration::merge_optional(tag, &mut self.visibility, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The types nested in [`DescriptorProto`].
pub mod descriptor_proto {
    use courier_wire::{DecodeError, Decoder, Encoder, Message, Tag, UnknownFields, field};

    /// `google.protobuf.DescriptorProto.ExtensionRange`.
    #[derive(Clone, PartialEq, Debug, Default)]
    pub struct ExtensionRange {
        /// `optional int32 start = 1`.
        pub start: Option<i32>,
        /// `optional int32 end = 2`.
        pub end: Option<i32>,
        /// `optional ExtensionRangeOptions options = 3`.
        pub options: Option<super::ExtensionRangeOptions>,
        /// Fields this type does not know (custom options are extensions, kept here).
        pub unknown_fields: UnknownFields,
    }

    impl Message for ExtensionRange {
        const NAME: &'static str = "google.protobuf.DescriptorProto.ExtensionRange";

        fn field_name(number: u32) -> Option<&'static str> {
            match number {
                1 => Some("start"),
                2 => Some("end"),
                3 => Some("options"),
                _ => None,
            }
        }

        fn encoded_len(&self) -> usize {
            field::int32::encoded_len_optional(1, &self.start)
                + field::int32::encoded_len_optional(2, &self.end)
                + field::message::encoded_len_optional(3, &self.options)
                + self.unknown_fields.encoded_len()
        }

        fn encode_raw(&self, enc: &mut Encoder<'_>) {
            // In field-number order, as protoc writes them.
            field::int32::encode_optional(1, &self.start, enc);
            field::int32::encode_optional(2, &self.end, enc);
            field::message::encode_optional(3, &self.options, enc);
            self.unknown_fields.encode(enc);
        }

        fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
            match tag.field_number() {
                1 => field::int32::merge_optional(tag, &mut self.start, dec),
                2 => field::int32::merge_optional(tag, &mut self.end, dec),
                3 => field::message::merge_optional(tag, &mut self.options, dec),
                _ => self.unknown_fields.merge_field(tag, dec),
            }
        }

        fn clear(&mut self) {
            *self = Self::default();
        }
    }

    /// Range of reserved tag numbers. Reserved tag numbers may not be used by
    /// fields or extension ranges in the same message. Reserved ranges may
    /// not overlap.
    #[derive(Clone, PartialEq, Debug, Default)]
    pub struct ReservedRange {
        /// `optional int32 start = 1`.
        pub start: Option<i32>,
        /// `optional int32 end = 2`.
        pub end: Option<i32>,
        /// Fields this type does not know (custom options are extensions, kept here).
        pub unknown_fields: UnknownFields,
    }

    impl Message for ReservedRange {
        const NAME: &'static str = "google.protobuf.DescriptorProto.ReservedRange";

        fn field_name(number: u32) -> Option<&'static str> {
            match number {
                1 => Some("start"),
                2 => Some("end"),
                _ => None,
            }
        }

        fn encoded_len(&self) -> usize {
            field::int32::encoded_len_optional(1, &self.start)
                + field::int32::encoded_len_optional(2, &self.end)
                + self.unknown_fields.encoded_len()
        }

        fn encode_raw(&self, enc: &mut Encoder<'_>) {
            // In field-number order, as protoc writes them.
            field::int32::encode_optional(1, &self.start, enc);
            field::int32::encode_optional(2, &self.end, enc);
            self.unknown_fields.encode(enc);
        }

        fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
            match tag.field_number() {
                1 => field::int32::merge_optional(tag, &mut self.start, dec),
                2 => field::int32::merge_optional(tag, &mut self.end, dec),
                _ => self.unknown_fields.merge_field(tag, dec),
            }
        }

        fn clear(&mut self) {
            *self = Self::default();
        }
    }
}

/// `google.protobuf.ExtensionRangeOptions`.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct ExtensionRangeOptions {
    /// The parser stores options it doesn't recognize here. See above.
    pub uninterpreted_option: Vec<UninterpretedOption>,
    /// For external users: DO NOT USE. We are in the process of open sourcing
    /// extension declaration and executing internal cleanups before it can be
    /// used externally.
    pub declaration: Vec<extension_range_options::Declaration>,
    /// Any features defined in the specific edition.
    pub features: Option<FeatureSet>,
    /// The verification state of the range.
    /// TODO: flip the default to DECLARATION once all empty ranges
    /// are marked as UNVERIFIED.
    pub verification: Option<i32>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for ExtensionRangeOptions {
    const NAME: &'static str = "google.protobuf.ExtensionRangeOptions";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            999 => Some("uninterpreted_option"),
            2 => Some("declaration"),
            50 => Some("features"),
            3 => Some("verification"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::message::encoded_len_repeated(2, &self.declaration)
            + field::enumeration::encoded_len_optional(3, &self.verification)
            + field::message::encoded_len_optional(50, &self.features)
            + field::message::encoded_len_repeated(999, &self.uninterpreted_option)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::message::encode_repeated(2, &self.declaration, enc);
        field::enumeration::encode_optional(3, &self.verification, enc);
        field::message::encode_optional(50, &self.features, enc);
        field::message::encode_repeated(999, &self.uninterpreted_option, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            999 => field::message::merge_repeated(tag, &mut self.uninterpreted_option, dec),
            2 => field::message::merge_repeated(tag, &mut self.declaration, dec),
            50 => field::message::merge_optional(tag, &mut self.features, dec),
            3 => field::enumeration::merge_optional(tag, &mut self.verification, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The types nested in [`ExtensionRangeOptions`].
pub mod extension_range_options {
    use courier_wire::{DecodeError, Decoder, Encoder, Message, Tag, UnknownFields, field};

    /// The verification state of the extension range.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct VerificationState(pub i32);

    impl VerificationState {
        /// All the extensions of the range must be declared.
        pub const DECLARATION: VerificationState = VerificationState(0);
        /// `UNVERIFIED` = 1.
        pub const UNVERIFIED: VerificationState = VerificationState(1);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                0 => Some("DECLARATION"),
                1 => Some("UNVERIFIED"),
                _ => None,
            }
        }
    }

    /// `google.protobuf.ExtensionRangeOptions.Declaration`.
    #[derive(Clone, PartialEq, Debug, Default)]
    pub struct Declaration {
        /// The extension number declared within the extension range.
        pub number: Option<i32>,
        /// The fully-qualified name of the extension field. There must be a leading
        /// dot in front of the full name.
        pub full_name: Option<String>,
        /// The fully-qualified type name of the extension field. Unlike
        /// Metadata.type, Declaration.type must have a leading dot for messages
        /// and enums.
        pub r#type: Option<String>,
        /// If true, indicates that the number is reserved in the extension range,
        /// and any extension field with the number will fail to compile. Set this
        /// when a declared extension field is deleted.
        pub reserved: Option<bool>,
        /// If true, indicates that the extension must be defined as repeated.
        /// Otherwise the extension must be defined as optional.
        pub repeated: Option<bool>,
        /// Fields this type does not know (custom options are extensions, kept here).
        pub unknown_fields: UnknownFields,
    }

    impl Message for Declaration {
        const NAME: &'static str = "google.protobuf.ExtensionRangeOptions.Declaration";

        fn field_name(number: u32) -> Option<&'static str> {
            match number {
                1 => Some("number"),
                2 => Some("full_name"),
                3 => Some("type"),
                5 => Some("reserved"),
                6 => Some("repeated"),
                _ => None,
            }
        }

        fn encoded_len(&self) -> usize {
            field::int32::encoded_len_optional(1, &self.number)
                + field::string::encoded_len_optional(2, &self.full_name)
                + field::string::encoded_len_optional(3, &self.r#type)
                + field::bool::encoded_len_optional(5, &self.reserved)
                + field::bool::encoded_len_optional(6, &self.repeated)
                + self.unknown_fields.encoded_len()
        }

        fn encode_raw(&self, enc: &mut Encoder<'_>) {
            // In field-number order, as protoc writes them.
            field::int32::encode_optional(1, &self.number, enc);
            field::string::encode_optional(2, &self.full_name, enc);
            field::string::encode_optional(3, &self.r#type, enc);
            field::bool::encode_optional(5, &self.reserved, enc);
            field::bool::encode_optional(6, &self.repeated, enc);
            self.unknown_fields.encode(enc);
        }

        fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
            match tag.field_number() {
                1 => field::int32::merge_optional(tag, &mut self.number, dec),
                2 => field::string::merge_optional(tag, &mut self.full_name, dec),
                3 => field::string::merge_optional(tag, &mut self.r#type, dec),
                5 => field::bool::merge_optional(tag, &mut self.reserved, dec),
                6 => field::bool::merge_optional(tag, &mut self.repeated, dec),
                _ => self.unknown_fields.merge_field(tag, dec),
            }
        }

        fn clear(&mut self) {
            *self = Self::default();
        }
    }
}

/// Describes a field within a message.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct FieldDescriptorProto {
    /// `optional string name = 1`.
    pub name: Option<String>,
    /// `optional int32 number = 3`.
    pub number: Option<i32>,
    /// `optional Label label = 4`. Values: [`field_descriptor_proto::Label`].
    pub label: Option<i32>,
    /// If type_name is set, this need not be set.  If both this and type_name
    /// are set, this must be one of TYPE_ENUM, TYPE_MESSAGE or TYPE_GROUP.
    pub r#type: Option<i32>,
    /// For message and enum types, this is the name of the type.  If the name
    /// starts with a '.', it is fully-qualified.  Otherwise, C++-like scoping
    /// rules are used to find the type (i.e. first the nested types within this
    /// message are searched, then within the parent, on up to the root
    /// namespace).
    pub type_name: Option<String>,
    /// For extensions, this is the name of the type being extended.  It is
    /// resolved in the same manner as type_name.
    pub extendee: Option<String>,
    /// For numeric types, contains the original text representation of the value.
    /// For booleans, "true" or "false".
    /// For strings, contains the default text contents (not escaped in any way).
    /// For bytes, contains the C escaped value.  All bytes &gt;= 128 are escaped.
    pub default_value: Option<String>,
    /// If set, gives the index of a oneof in the containing type's oneof_decl
    /// list.  This field is a member of that oneof.
    pub oneof_index: Option<i32>,
    /// JSON name of this field. The value is set by protocol compiler. If the
    /// user has set a "json_name" option on this field, that option's value
    /// will be used. Otherwise, it's deduced from the field's name by converting
    /// it to camelCase.
    pub json_name: Option<String>,
    /// `optional FieldOptions options = 8`.
    pub options: Option<FieldOptions>,
    /// If true, this is a proto3 "optional". When a proto3 field is optional, it
    /// tracks presence regardless of field type.
    ///
    /// When proto3_optional is true, this field must belong to a oneof to signal
    /// to old proto3 clients that presence is tracked for this field. This oneof
    /// is known as a "synthetic" oneof, and this field must be its sole member
    /// (each proto3 optional field gets its own synthetic oneof). Synthetic oneofs
    /// exist in the descriptor only, and do not generate any API. Synthetic oneofs
    /// must be ordered after all "real" oneofs.
    ///
    /// For message fields, proto3_optional doesn't create any semantic change,
    /// since non-repeated message fields always track presence. However it still
    /// indicates the semantic detail of whether the user wrote "optional" or not.
    /// This can be useful for round-tripping the .proto file. For consistency we
    /// give message fields a synthetic oneof also, even though it is not required
    /// to track presence. This is especially important because the parser can't
    /// tell if a field is a message or an enum, so it must always create a
    /// synthetic oneof.
    ///
    /// Proto2 optional fields do not set this flag, because they already indicate
    /// optional with `LABEL_OPTIONAL`.
    pub proto3_optional: Option<bool>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for FieldDescriptorProto {
    const NAME: &'static str = "google.protobuf.FieldDescriptorProto";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("name"),
            3 => Some("number"),
            4 => Some("label"),
            5 => Some("type"),
            6 => Some("type_name"),
            2 => Some("extendee"),
            7 => Some("default_value"),
            9 => Some("oneof_index"),
            10 => Some("json_name"),
            8 => Some("options"),
            17 => Some("proto3_optional"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::string::encoded_len_optional(1, &self.name)
            + field::string::encoded_len_optional(2, &self.extendee)
            + field::int32::encoded_len_optional(3, &self.number)
            + field::enumeration::encoded_len_optional(4, &self.label)
            + field::enumeration::encoded_len_optional(5, &self.r#type)
            + field::string::encoded_len_optional(6, &self.type_name)
            + field::string::encoded_len_optional(7, &self.default_value)
            + field::message::encoded_len_optional(8, &self.options)
            + field::int32::encoded_len_optional(9, &self.oneof_index)
            + field::string::encoded_len_optional(10, &self.json_name)
            + field::bool::encoded_len_optional(17, &self.proto3_optional)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::string::encode_optional(1, &self.name, enc);
        field::string::encode_optional(2, &self.extendee, enc);
        field::int32::encode_optional(3, &self.number, enc);
        field::enumeration::encode_optional(4, &self.label, enc);
        field::enumeration::encode_optional(5, &self.r#type, enc);
        field::string::encode_optional(6, &self.type_name, enc);
        field::string::encode_optional(7, &self.default_value, enc);
        field::message::encode_optional(8, &self.options, enc);
        field::int32::encode_optional(9, &self.oneof_index, enc);
        field::string::encode_optional(10, &self.json_name, enc);
        field::bool::encode_optional(17, &self.proto3_optional, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::string::merge_optional(tag, &mut self.name, dec),
            3 => field::int32::merge_optional(tag, &mut self.number, dec),
            4 => field::enumeration::merge_optional(tag, &mut self.label, dec),
            5 => field::enumeration::merge_optional(tag, &mut self.r#type, dec),
            6 => field::string::merge_optional(tag, &mut self.type_name, dec),
            2 => field::string::merge_optional(tag, &mut self.extendee, dec),
            7 => field::string::merge_optional(tag, &mut self.default_value, dec),
            9 => field::int32::merge_optional(tag, &mut self.oneof_index, dec),
            10 => field::string::merge_optional(tag, &mut self.json_name, dec),
            8 => field::message::merge_optional(tag, &mut self.options, dec),
            17 => field::bool::merge_optional(tag, &mut self.proto3_optional, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The types nested in [`FieldDescriptorProto`].
pub mod field_descriptor_proto {

    /// `google.protobuf.FieldDescriptorProto.Type`: an open enum (unknown values are kept).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct Type(pub i32);

    impl Type {
        /// 0 is reserved for errors.
        /// Order is weird for historical reasons.
        pub const TYPE_DOUBLE: Type = Type(1);
        /// `TYPE_FLOAT` = 2.
        pub const TYPE_FLOAT: Type = Type(2);
        /// Not ZigZag encoded.  Negative numbers take 10 bytes.  Use TYPE_SINT64 if
        /// negative values are likely.
        pub const TYPE_INT64: Type = Type(3);
        /// `TYPE_UINT64` = 4.
        pub const TYPE_UINT64: Type = Type(4);
        /// Not ZigZag encoded.  Negative numbers take 10 bytes.  Use TYPE_SINT32 if
        /// negative values are likely.
        pub const TYPE_INT32: Type = Type(5);
        /// `TYPE_FIXED64` = 6.
        pub const TYPE_FIXED64: Type = Type(6);
        /// `TYPE_FIXED32` = 7.
        pub const TYPE_FIXED32: Type = Type(7);
        /// `TYPE_BOOL` = 8.
        pub const TYPE_BOOL: Type = Type(8);
        /// `TYPE_STRING` = 9.
        pub const TYPE_STRING: Type = Type(9);
        /// Tag-delimited aggregate.
        /// Group type is deprecated and not supported after google.protobuf. However, Proto3
        /// implementations should still be able to parse the group wire format and
        /// treat group fields as unknown fields.  In Editions, the group wire format
        /// can be enabled via the `message_encoding` feature.
        pub const TYPE_GROUP: Type = Type(10);
        /// `TYPE_MESSAGE` = 11.
        pub const TYPE_MESSAGE: Type = Type(11);
        /// New in version 2.
        pub const TYPE_BYTES: Type = Type(12);
        /// `TYPE_UINT32` = 13.
        pub const TYPE_UINT32: Type = Type(13);
        /// `TYPE_ENUM` = 14.
        pub const TYPE_ENUM: Type = Type(14);
        /// `TYPE_SFIXED32` = 15.
        pub const TYPE_SFIXED32: Type = Type(15);
        /// `TYPE_SFIXED64` = 16.
        pub const TYPE_SFIXED64: Type = Type(16);
        /// `TYPE_SINT32` = 17.
        pub const TYPE_SINT32: Type = Type(17);
        /// `TYPE_SINT64` = 18.
        pub const TYPE_SINT64: Type = Type(18);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                1 => Some("TYPE_DOUBLE"),
                2 => Some("TYPE_FLOAT"),
                3 => Some("TYPE_INT64"),
                4 => Some("TYPE_UINT64"),
                5 => Some("TYPE_INT32"),
                6 => Some("TYPE_FIXED64"),
                7 => Some("TYPE_FIXED32"),
                8 => Some("TYPE_BOOL"),
                9 => Some("TYPE_STRING"),
                10 => Some("TYPE_GROUP"),
                11 => Some("TYPE_MESSAGE"),
                12 => Some("TYPE_BYTES"),
                13 => Some("TYPE_UINT32"),
                14 => Some("TYPE_ENUM"),
                15 => Some("TYPE_SFIXED32"),
                16 => Some("TYPE_SFIXED64"),
                17 => Some("TYPE_SINT32"),
                18 => Some("TYPE_SINT64"),
                _ => None,
            }
        }
    }

    /// `google.protobuf.FieldDescriptorProto.Label`: an open enum (unknown values are kept).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct Label(pub i32);

    impl Label {
        /// 0 is reserved for errors
        pub const LABEL_OPTIONAL: Label = Label(1);
        /// `LABEL_REPEATED` = 3.
        pub const LABEL_REPEATED: Label = Label(3);
        /// The required label is only allowed in google.protobuf.  In proto3 and Editions
        /// it's explicitly prohibited.  In Editions, the `field_presence` feature
        /// can be used to get this behavior.
        pub const LABEL_REQUIRED: Label = Label(2);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                1 => Some("LABEL_OPTIONAL"),
                3 => Some("LABEL_REPEATED"),
                2 => Some("LABEL_REQUIRED"),
                _ => None,
            }
        }
    }
}

/// Describes a oneof.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct OneofDescriptorProto {
    /// `optional string name = 1`.
    pub name: Option<String>,
    /// `optional OneofOptions options = 2`.
    pub options: Option<OneofOptions>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for OneofDescriptorProto {
    const NAME: &'static str = "google.protobuf.OneofDescriptorProto";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("name"),
            2 => Some("options"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::string::encoded_len_optional(1, &self.name)
            + field::message::encoded_len_optional(2, &self.options)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::string::encode_optional(1, &self.name, enc);
        field::message::encode_optional(2, &self.options, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::string::merge_optional(tag, &mut self.name, dec),
            2 => field::message::merge_optional(tag, &mut self.options, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Describes an enum type.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct EnumDescriptorProto {
    /// `optional string name = 1`.
    pub name: Option<String>,
    /// `repeated EnumValueDescriptorProto value = 2`.
    pub value: Vec<EnumValueDescriptorProto>,
    /// `optional EnumOptions options = 3`.
    pub options: Option<EnumOptions>,
    /// Range of reserved numeric values. Reserved numeric values may not be used
    /// by enum values in the same enum declaration. Reserved ranges may not
    /// overlap.
    pub reserved_range: Vec<enum_descriptor_proto::EnumReservedRange>,
    /// Reserved enum value names, which may not be reused. A given name may only
    /// be reserved once.
    pub reserved_name: Vec<String>,
    /// Support for `export` and `local` keywords on enums.
    pub visibility: Option<i32>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for EnumDescriptorProto {
    const NAME: &'static str = "google.protobuf.EnumDescriptorProto";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("name"),
            2 => Some("value"),
            3 => Some("options"),
            4 => Some("reserved_range"),
            5 => Some("reserved_name"),
            6 => Some("visibility"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::string::encoded_len_optional(1, &self.name)
            + field::message::encoded_len_repeated(2, &self.value)
            + field::message::encoded_len_optional(3, &self.options)
            + field::message::encoded_len_repeated(4, &self.reserved_range)
            + field::string::encoded_len_repeated(5, &self.reserved_name)
            + field::enumeration::encoded_len_optional(6, &self.visibility)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::string::encode_optional(1, &self.name, enc);
        field::message::encode_repeated(2, &self.value, enc);
        field::message::encode_optional(3, &self.options, enc);
        field::message::encode_repeated(4, &self.reserved_range, enc);
        field::string::encode_repeated(5, &self.reserved_name, enc);
        field::enumeration::encode_optional(6, &self.visibility, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::string::merge_optional(tag, &mut self.name, dec),
            2 => field::message::merge_repeated(tag, &mut self.value, dec),
            3 => field::message::merge_optional(tag, &mut self.options, dec),
            4 => field::message::merge_repeated(tag, &mut self.reserved_range, dec),
            5 => field::string::merge_repeated(tag, &mut self.reserved_name, dec),
            6 => field::enumeration::merge_optional(tag, &mut self.visibility, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The types nested in [`EnumDescriptorProto`].
pub mod enum_descriptor_proto {
    use courier_wire::{DecodeError, Decoder, Encoder, Message, Tag, UnknownFields, field};

    /// Range of reserved numeric values. Reserved values may not be used by
    /// entries in the same enum. Reserved ranges may not overlap.
    ///
    /// Note that this is distinct from DescriptorProto.ReservedRange in that it
    /// is inclusive such that it can appropriately represent the entire int32
    /// domain.
    #[derive(Clone, PartialEq, Debug, Default)]
    pub struct EnumReservedRange {
        /// `optional int32 start = 1`.
        pub start: Option<i32>,
        /// `optional int32 end = 2`.
        pub end: Option<i32>,
        /// Fields this type does not know (custom options are extensions, kept here).
        pub unknown_fields: UnknownFields,
    }

    impl Message for EnumReservedRange {
        const NAME: &'static str = "google.protobuf.EnumDescriptorProto.EnumReservedRange";

        fn field_name(number: u32) -> Option<&'static str> {
            match number {
                1 => Some("start"),
                2 => Some("end"),
                _ => None,
            }
        }

        fn encoded_len(&self) -> usize {
            field::int32::encoded_len_optional(1, &self.start)
                + field::int32::encoded_len_optional(2, &self.end)
                + self.unknown_fields.encoded_len()
        }

        fn encode_raw(&self, enc: &mut Encoder<'_>) {
            // In field-number order, as protoc writes them.
            field::int32::encode_optional(1, &self.start, enc);
            field::int32::encode_optional(2, &self.end, enc);
            self.unknown_fields.encode(enc);
        }

        fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
            match tag.field_number() {
                1 => field::int32::merge_optional(tag, &mut self.start, dec),
                2 => field::int32::merge_optional(tag, &mut self.end, dec),
                _ => self.unknown_fields.merge_field(tag, dec),
            }
        }

        fn clear(&mut self) {
            *self = Self::default();
        }
    }
}

/// Describes a value within an enum.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct EnumValueDescriptorProto {
    /// `optional string name = 1`.
    pub name: Option<String>,
    /// `optional int32 number = 2`.
    pub number: Option<i32>,
    /// `optional EnumValueOptions options = 3`.
    pub options: Option<EnumValueOptions>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for EnumValueDescriptorProto {
    const NAME: &'static str = "google.protobuf.EnumValueDescriptorProto";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("name"),
            2 => Some("number"),
            3 => Some("options"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::string::encoded_len_optional(1, &self.name)
            + field::int32::encoded_len_optional(2, &self.number)
            + field::message::encoded_len_optional(3, &self.options)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::string::encode_optional(1, &self.name, enc);
        field::int32::encode_optional(2, &self.number, enc);
        field::message::encode_optional(3, &self.options, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::string::merge_optional(tag, &mut self.name, dec),
            2 => field::int32::merge_optional(tag, &mut self.number, dec),
            3 => field::message::merge_optional(tag, &mut self.options, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Describes a service.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct ServiceDescriptorProto {
    /// `optional string name = 1`.
    pub name: Option<String>,
    /// `repeated MethodDescriptorProto method = 2`.
    pub method: Vec<MethodDescriptorProto>,
    /// `optional ServiceOptions options = 3`.
    pub options: Option<ServiceOptions>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for ServiceDescriptorProto {
    const NAME: &'static str = "google.protobuf.ServiceDescriptorProto";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("name"),
            2 => Some("method"),
            3 => Some("options"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::string::encoded_len_optional(1, &self.name)
            + field::message::encoded_len_repeated(2, &self.method)
            + field::message::encoded_len_optional(3, &self.options)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::string::encode_optional(1, &self.name, enc);
        field::message::encode_repeated(2, &self.method, enc);
        field::message::encode_optional(3, &self.options, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::string::merge_optional(tag, &mut self.name, dec),
            2 => field::message::merge_repeated(tag, &mut self.method, dec),
            3 => field::message::merge_optional(tag, &mut self.options, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Describes a method of a service.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct MethodDescriptorProto {
    /// `optional string name = 1`.
    pub name: Option<String>,
    /// Input and output type names.  These are resolved in the same way as
    /// FieldDescriptorProto.type_name, but must refer to a message type.
    pub input_type: Option<String>,
    /// `optional string output_type = 3`.
    pub output_type: Option<String>,
    /// `optional MethodOptions options = 4`.
    pub options: Option<MethodOptions>,
    /// Identifies if client streams multiple client messages
    pub client_streaming: Option<bool>,
    /// Identifies if server streams multiple server messages
    pub server_streaming: Option<bool>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for MethodDescriptorProto {
    const NAME: &'static str = "google.protobuf.MethodDescriptorProto";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("name"),
            2 => Some("input_type"),
            3 => Some("output_type"),
            4 => Some("options"),
            5 => Some("client_streaming"),
            6 => Some("server_streaming"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::string::encoded_len_optional(1, &self.name)
            + field::string::encoded_len_optional(2, &self.input_type)
            + field::string::encoded_len_optional(3, &self.output_type)
            + field::message::encoded_len_optional(4, &self.options)
            + field::bool::encoded_len_optional(5, &self.client_streaming)
            + field::bool::encoded_len_optional(6, &self.server_streaming)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::string::encode_optional(1, &self.name, enc);
        field::string::encode_optional(2, &self.input_type, enc);
        field::string::encode_optional(3, &self.output_type, enc);
        field::message::encode_optional(4, &self.options, enc);
        field::bool::encode_optional(5, &self.client_streaming, enc);
        field::bool::encode_optional(6, &self.server_streaming, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::string::merge_optional(tag, &mut self.name, dec),
            2 => field::string::merge_optional(tag, &mut self.input_type, dec),
            3 => field::string::merge_optional(tag, &mut self.output_type, dec),
            4 => field::message::merge_optional(tag, &mut self.options, dec),
            5 => field::bool::merge_optional(tag, &mut self.client_streaming, dec),
            6 => field::bool::merge_optional(tag, &mut self.server_streaming, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// `google.protobuf.FileOptions`.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct FileOptions {
    /// Sets the Java package where classes generated from this .proto will be
    /// placed.  By default, the proto package is used, but this is often
    /// inappropriate because proto packages do not normally start with backwards
    /// domain names.
    pub java_package: Option<String>,
    /// Controls the name of the wrapper Java class generated for the .proto file.
    /// That class will always contain the .proto file's getDescriptor() method as
    /// well as any top-level extensions defined in the .proto file.
    /// If java_multiple_files is disabled, then all the other classes from the
    /// .proto file will be nested inside the single wrapper outer class.
    pub java_outer_classname: Option<String>,
    /// If enabled, then the Java code generator will generate a separate .java
    /// file for each top-level message, enum, and service defined in the .proto
    /// file.  Thus, these types will *not* be nested inside the wrapper class
    /// named by java_outer_classname.  However, the wrapper class will still be
    /// generated to contain the file's getDescriptor() method as well as any
    /// top-level extensions defined in the file.
    pub java_multiple_files: Option<bool>,
    /// This option does nothing.
    pub java_generate_equals_and_hash: Option<bool>,
    /// A proto2 file can set this to true to opt in to UTF-8 checking for Java,
    /// which will throw an exception if invalid UTF-8 is parsed from the wire or
    /// assigned to a string field.
    ///
    /// TODO: clarify exactly what kinds of field types this option
    /// applies to, and update these docs accordingly.
    ///
    /// Proto3 files already perform these checks. Setting the option explicitly to
    /// false has no effect: it cannot be used to opt proto3 files out of UTF-8
    /// checks.
    pub java_string_check_utf8: Option<bool>,
    /// `optional OptimizeMode optimize_for = 9`. Values: [`file_options::OptimizeMode`].
    pub optimize_for: Option<i32>,
    /// Sets the Go package where structs generated from this .proto will be
    /// placed. If omitted, the Go package will be derived from the following:
    ///   - The basename of the package import path, if provided.
    ///   - Otherwise, the package statement in the .proto file, if present.
    ///   - Otherwise, the basename of the .proto file, without extension.
    pub go_package: Option<String>,
    /// Should generic services be generated in each language?  "Generic" services
    /// are not specific to any particular RPC system.  They are generated by the
    /// main code generators in each language (without additional plugins).
    /// Generic services were the only kind of service generation supported by
    /// early versions of google.protobuf.
    ///
    /// Generic services are now considered deprecated in favor of using plugins
    /// that generate code specific to your particular RPC system.  Therefore,
    /// these default to false.  Old code which depends on generic services should
    /// explicitly set them to true.
    pub cc_generic_services: Option<bool>,
    /// `optional bool java_generic_services = 17`.
    pub java_generic_services: Option<bool>,
    /// `optional bool py_generic_services = 18`.
    pub py_generic_services: Option<bool>,
    /// Is this file deprecated?
    /// Depending on the target platform, this can emit Deprecated annotations
    /// for everything in the file, or it will be completely ignored; in the very
    /// least, this is a formalization for deprecating files.
    pub deprecated: Option<bool>,
    /// Enables the use of arenas for the proto messages in this file. This applies
    /// only to generated classes for C++.
    pub cc_enable_arenas: Option<bool>,
    /// Sets the objective c class prefix which is prepended to all objective c
    /// generated classes from this .proto. There is no default.
    pub objc_class_prefix: Option<String>,
    /// Namespace for generated classes; defaults to the package.
    pub csharp_namespace: Option<String>,
    /// By default Swift generators will take the proto package and CamelCase it
    /// replacing '.' with underscore and use that to prefix the types/symbols
    /// defined. When this options is provided, they will use this value instead
    /// to prefix the types/symbols defined.
    pub swift_prefix: Option<String>,
    /// Sets the php class prefix which is prepended to all php generated classes
    /// from this .proto. Default is empty.
    pub php_class_prefix: Option<String>,
    /// Use this option to change the namespace of php generated classes. Default
    /// is empty. When this option is empty, the package name will be used for
    /// determining the namespace.
    pub php_namespace: Option<String>,
    /// Use this option to change the namespace of php generated metadata classes.
    /// Default is empty. When this option is empty, the proto file name will be
    /// used for determining the namespace.
    pub php_metadata_namespace: Option<String>,
    /// Use this option to change the package of ruby generated classes. Default
    /// is empty. When this option is not set, the package name will be used for
    /// determining the ruby package.
    pub ruby_package: Option<String>,
    /// Any features defined in the specific edition.
    /// WARNING: This field should only be used by protobuf plugins or special
    /// cases like the proto compiler. Other uses are discouraged and
    /// developers should rely on the protoreflect APIs for their client language.
    pub features: Option<FeatureSet>,
    /// The parser stores options it doesn't recognize here.
    /// See the documentation for the "Options" section above.
    pub uninterpreted_option: Vec<UninterpretedOption>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for FileOptions {
    const NAME: &'static str = "google.protobuf.FileOptions";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("java_package"),
            8 => Some("java_outer_classname"),
            10 => Some("java_multiple_files"),
            20 => Some("java_generate_equals_and_hash"),
            27 => Some("java_string_check_utf8"),
            9 => Some("optimize_for"),
            11 => Some("go_package"),
            16 => Some("cc_generic_services"),
            17 => Some("java_generic_services"),
            18 => Some("py_generic_services"),
            23 => Some("deprecated"),
            31 => Some("cc_enable_arenas"),
            36 => Some("objc_class_prefix"),
            37 => Some("csharp_namespace"),
            39 => Some("swift_prefix"),
            40 => Some("php_class_prefix"),
            41 => Some("php_namespace"),
            44 => Some("php_metadata_namespace"),
            45 => Some("ruby_package"),
            50 => Some("features"),
            999 => Some("uninterpreted_option"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::string::encoded_len_optional(1, &self.java_package)
            + field::string::encoded_len_optional(8, &self.java_outer_classname)
            + field::enumeration::encoded_len_optional(9, &self.optimize_for)
            + field::bool::encoded_len_optional(10, &self.java_multiple_files)
            + field::string::encoded_len_optional(11, &self.go_package)
            + field::bool::encoded_len_optional(16, &self.cc_generic_services)
            + field::bool::encoded_len_optional(17, &self.java_generic_services)
            + field::bool::encoded_len_optional(18, &self.py_generic_services)
            + field::bool::encoded_len_optional(20, &self.java_generate_equals_and_hash)
            + field::bool::encoded_len_optional(23, &self.deprecated)
            + field::bool::encoded_len_optional(27, &self.java_string_check_utf8)
            + field::bool::encoded_len_optional(31, &self.cc_enable_arenas)
            + field::string::encoded_len_optional(36, &self.objc_class_prefix)
            + field::string::encoded_len_optional(37, &self.csharp_namespace)
            + field::string::encoded_len_optional(39, &self.swift_prefix)
            + field::string::encoded_len_optional(40, &self.php_class_prefix)
            + field::string::encoded_len_optional(41, &self.php_namespace)
            + field::string::encoded_len_optional(44, &self.php_metadata_namespace)
            + field::string::encoded_len_optional(45, &self.ruby_package)
            + field::message::encoded_len_optional(50, &self.features)
            + field::message::encoded_len_repeated(999, &self.uninterpreted_option)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::string::encode_optional(1, &self.java_package, enc);
        field::string::encode_optional(8, &self.java_outer_classname, enc);
        field::enumeration::encode_optional(9, &self.optimize_for, enc);
        field::bool::encode_optional(10, &self.java_multiple_files, enc);
        field::string::encode_optional(11, &self.go_package, enc);
        field::bool::encode_optional(16, &self.cc_generic_services, enc);
        field::bool::encode_optional(17, &self.java_generic_services, enc);
        field::bool::encode_optional(18, &self.py_generic_services, enc);
        field::bool::encode_optional(20, &self.java_generate_equals_and_hash, enc);
        field::bool::encode_optional(23, &self.deprecated, enc);
        field::bool::encode_optional(27, &self.java_string_check_utf8, enc);
        field::bool::encode_optional(31, &self.cc_enable_arenas, enc);
        field::string::encode_optional(36, &self.objc_class_prefix, enc);
        field::string::encode_optional(37, &self.csharp_namespace, enc);
        field::string::encode_optional(39, &self.swift_prefix, enc);
        field::string::encode_optional(40, &self.php_class_prefix, enc);
        field::string::encode_optional(41, &self.php_namespace, enc);
        field::string::encode_optional(44, &self.php_metadata_namespace, enc);
        field::string::encode_optional(45, &self.ruby_package, enc);
        field::message::encode_optional(50, &self.features, enc);
        field::message::encode_repeated(999, &self.uninterpreted_option, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::string::merge_optional(tag, &mut self.java_package, dec),
            8 => field::string::merge_optional(tag, &mut self.java_outer_classname, dec),
            10 => field::bool::merge_optional(tag, &mut self.java_multiple_files, dec),
            20 => field::bool::merge_optional(tag, &mut self.java_generate_equals_and_hash, dec),
            27 => field::bool::merge_optional(tag, &mut self.java_string_check_utf8, dec),
            9 => field::enumeration::merge_optional(tag, &mut self.optimize_for, dec),
            11 => field::string::merge_optional(tag, &mut self.go_package, dec),
            16 => field::bool::merge_optional(tag, &mut self.cc_generic_services, dec),
            17 => field::bool::merge_optional(tag, &mut self.java_generic_services, dec),
            18 => field::bool::merge_optional(tag, &mut self.py_generic_services, dec),
            23 => field::bool::merge_optional(tag, &mut self.deprecated, dec),
            31 => field::bool::merge_optional(tag, &mut self.cc_enable_arenas, dec),
            36 => field::string::merge_optional(tag, &mut self.objc_class_prefix, dec),
            37 => field::string::merge_optional(tag, &mut self.csharp_namespace, dec),
            39 => field::string::merge_optional(tag, &mut self.swift_prefix, dec),
            40 => field::string::merge_optional(tag, &mut self.php_class_prefix, dec),
            41 => field::string::merge_optional(tag, &mut self.php_namespace, dec),
            44 => field::string::merge_optional(tag, &mut self.php_metadata_namespace, dec),
            45 => field::string::merge_optional(tag, &mut self.ruby_package, dec),
            50 => field::message::merge_optional(tag, &mut self.features, dec),
            999 => field::message::merge_repeated(tag, &mut self.uninterpreted_option, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The types nested in [`FileOptions`].
pub mod file_options {

    /// Generated classes can be optimized for speed or code size.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct OptimizeMode(pub i32);

    impl OptimizeMode {
        /// `SPEED` = 1.
        pub const SPEED: OptimizeMode = OptimizeMode(1);
        /// etc.
        pub const CODE_SIZE: OptimizeMode = OptimizeMode(2);
        /// `LITE_RUNTIME` = 3.
        pub const LITE_RUNTIME: OptimizeMode = OptimizeMode(3);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                1 => Some("SPEED"),
                2 => Some("CODE_SIZE"),
                3 => Some("LITE_RUNTIME"),
                _ => None,
            }
        }
    }
}

/// `google.protobuf.MessageOptions`.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct MessageOptions {
    /// Set true to use the old proto1 MessageSet wire format for extensions.
    /// This is provided for backwards-compatibility with the MessageSet wire
    /// format.  You should not use this for any other reason:  It's less
    /// efficient, has fewer features, and is more complicated.
    ///
    /// The message must be defined exactly as follows:
    ///   message Foo {
    ///     option message_set_wire_format = true;
    ///     extensions 4 to max;
    ///   }
    /// Note that the message cannot have any defined fields; MessageSets only
    /// have extensions.
    ///
    /// All extensions of your type must be singular messages; e.g. they cannot
    /// be int32s, enums, or repeated messages.
    ///
    /// Because this is an option, the above two restrictions are not enforced by
    /// the protocol compiler.
    pub message_set_wire_format: Option<bool>,
    /// Disables the generation of the standard "descriptor()" accessor, which can
    /// conflict with a field of the same name.  This is meant to make migration
    /// from proto1 easier; new code should avoid fields named "descriptor".
    pub no_standard_descriptor_accessor: Option<bool>,
    /// Is this message deprecated?
    /// Depending on the target platform, this can emit Deprecated annotations
    /// for the message, or it will be completely ignored; in the very least,
    /// this is a formalization for deprecating messages.
    pub deprecated: Option<bool>,
    /// Whether the message is an automatically generated map entry type for the
    /// maps field.
    ///
    /// For maps fields:
    ///     map&lt;KeyType, ValueType&gt; map_field = 1;
    /// The parsed descriptor looks like:
    ///     message MapFieldEntry {
    ///         option map_entry = true;
    ///         optional KeyType key = 1;
    ///         optional ValueType value = 2;
    ///     }
    ///     repeated MapFieldEntry map_field = 1;
    ///
    /// Implementations may choose not to generate the map_entry=true message, but
    /// use a native map in the target language to hold the keys and values.
    /// The reflection APIs in such implementations still need to work as
    /// if the field is a repeated message field.
    ///
    /// NOTE: Do not set the option in .proto files. Always use the maps syntax
    /// instead. The option should only be implicitly set by the proto compiler
    /// parser.
    pub map_entry: Option<bool>,
    /// Enable the legacy handling of JSON field name conflicts.  This lowercases
    /// and strips underscored from the fields before comparison in proto3 only.
    /// The new behavior takes `json_name` into account and applies to proto2 as
    /// well.
    ///
    /// This should only be used as a temporary measure against broken builds due
    /// to the change in behavior for JSON field name conflicts.
    ///
    /// TODO This is legacy behavior we plan to remove once downstream
    /// teams have had time to migrate.
    pub deprecated_legacy_json_field_conflicts: Option<bool>,
    /// Any features defined in the specific edition.
    /// WARNING: This field should only be used by protobuf plugins or special
    /// cases like the proto compiler. Other uses are discouraged and
    /// developers should rely on the protoreflect APIs for their client language.
    pub features: Option<FeatureSet>,
    /// The parser stores options it doesn't recognize here. See above.
    pub uninterpreted_option: Vec<UninterpretedOption>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for MessageOptions {
    const NAME: &'static str = "google.protobuf.MessageOptions";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("message_set_wire_format"),
            2 => Some("no_standard_descriptor_accessor"),
            3 => Some("deprecated"),
            7 => Some("map_entry"),
            11 => Some("deprecated_legacy_json_field_conflicts"),
            12 => Some("features"),
            999 => Some("uninterpreted_option"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::bool::encoded_len_optional(1, &self.message_set_wire_format)
            + field::bool::encoded_len_optional(2, &self.no_standard_descriptor_accessor)
            + field::bool::encoded_len_optional(3, &self.deprecated)
            + field::bool::encoded_len_optional(7, &self.map_entry)
            + field::bool::encoded_len_optional(11, &self.deprecated_legacy_json_field_conflicts)
            + field::message::encoded_len_optional(12, &self.features)
            + field::message::encoded_len_repeated(999, &self.uninterpreted_option)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::bool::encode_optional(1, &self.message_set_wire_format, enc);
        field::bool::encode_optional(2, &self.no_standard_descriptor_accessor, enc);
        field::bool::encode_optional(3, &self.deprecated, enc);
        field::bool::encode_optional(7, &self.map_entry, enc);
        field::bool::encode_optional(11, &self.deprecated_legacy_json_field_conflicts, enc);
        field::message::encode_optional(12, &self.features, enc);
        field::message::encode_repeated(999, &self.uninterpreted_option, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::bool::merge_optional(tag, &mut self.message_set_wire_format, dec),
            2 => field::bool::merge_optional(tag, &mut self.no_standard_descriptor_accessor, dec),
            3 => field::bool::merge_optional(tag, &mut self.deprecated, dec),
            7 => field::bool::merge_optional(tag, &mut self.map_entry, dec),
            11 => field::bool::merge_optional(
                tag,
                &mut self.deprecated_legacy_json_field_conflicts,
                dec,
            ),
            12 => field::message::merge_optional(tag, &mut self.features, dec),
            999 => field::message::merge_repeated(tag, &mut self.uninterpreted_option, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// `google.protobuf.FieldOptions`.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct FieldOptions {
    /// NOTE: ctype is deprecated. Use `features.(pb.cpp).string_type` instead.
    /// The ctype option instructs the C++ code generator to use a different
    /// representation of the field than it normally would.  See the specific
    /// options below.  This option is only implemented to support use of
    /// \[ctype=CORD\] and \[ctype=STRING\] (the default) on non-repeated fields of
    /// type "bytes" in the open source release.
    /// TODO: make ctype actually deprecated.
    pub ctype: Option<i32>,
    /// The packed option can be enabled for repeated primitive fields to enable
    /// a more efficient representation on the wire. Rather than repeatedly
    /// writing the tag and type for each element, the entire array is encoded as
    /// a single length-delimited blob. In proto3, only explicit setting it to
    /// false will avoid using packed encoding.  This option is prohibited in
    /// Editions, but the `repeated_field_encoding` feature can be used to control
    /// the behavior.
    pub packed: Option<bool>,
    /// The jstype option determines the JavaScript type used for values of the
    /// field.  The option is permitted only for 64 bit integral and fixed types
    /// (int64, uint64, sint64, fixed64, sfixed64).  A field with jstype JS_STRING
    /// is represented as JavaScript string, which avoids loss of precision that
    /// can happen when a large value is converted to a floating point JavaScript.
    /// Specifying JS_NUMBER for the jstype causes the generated JavaScript code to
    /// use the JavaScript "number" type.  The behavior of the default option
    /// JS_NORMAL is implementation dependent.
    ///
    /// This option is an enum to permit additional types to be added, e.g.
    /// goog.math.Integer.
    pub jstype: Option<i32>,
    /// Should this field be parsed lazily?  Lazy applies only to message-type
    /// fields.  It means that when the outer message is initially parsed, the
    /// inner message's contents will not be parsed but instead stored in encoded
    /// form.  The inner message will actually be parsed when it is first accessed.
    ///
    /// This is only a hint.  Implementations are free to choose whether to use
    /// eager or lazy parsing regardless of the value of this option.  However,
    /// setting this option true suggests that the protocol author believes that
    /// using lazy parsing on this field is worth the additional bookkeeping
    /// overhead typically needed to implement it.
    ///
    /// This option does not affect the public interface of any generated code;
    /// all method signatures remain the same.  Furthermore, thread-safety of the
    /// interface is not affected by this option; const methods remain safe to
    /// call from multiple threads concurrently, while non-const methods continue
    /// to require exclusive access.
    ///
    /// Note that lazy message fields are still eagerly verified to check
    /// ill-formed wireformat or missing required fields. Calling IsInitialized()
    /// on the outer message would fail if the inner message has missing required
    /// fields. Failed verification would result in parsing failure (except when
    /// uninitialized messages are acceptable).
    pub lazy: Option<bool>,
    /// unverified_lazy does no correctness checks on the byte stream. This should
    /// only be used where lazy with verification is prohibitive for performance
    /// reasons.
    pub unverified_lazy: Option<bool>,
    /// Is this field deprecated?
    /// Depending on the target platform, this can emit Deprecated annotations
    /// for accessors, or it will be completely ignored; in the very least, this
    /// is a formalization for deprecating fields.
    pub deprecated: Option<bool>,
    /// DEPRECATED. DO NOT USE!
    /// For Google-internal migration only. Do not use.
    pub weak: Option<bool>,
    /// Indicate that the field value should not be printed out when using debug
    /// formats, e.g. when the field contains sensitive credentials.
    pub debug_redact: Option<bool>,
    /// `optional OptionRetention retention = 17`. Values: [`field_options::OptionRetention`].
    pub retention: Option<i32>,
    /// `repeated OptionTargetType targets = 19`. Values: [`field_options::OptionTargetType`].
    pub targets: Vec<i32>,
    /// `repeated EditionDefault edition_defaults = 20`.
    pub edition_defaults: Vec<field_options::EditionDefault>,
    /// Any features defined in the specific edition.
    /// WARNING: This field should only be used by protobuf plugins or special
    /// cases like the proto compiler. Other uses are discouraged and
    /// developers should rely on the protoreflect APIs for their client language.
    pub features: Option<FeatureSet>,
    /// `optional FeatureSupport feature_support = 22`.
    pub feature_support: Option<field_options::FeatureSupport>,
    /// The parser stores options it doesn't recognize here. See above.
    pub uninterpreted_option: Vec<UninterpretedOption>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for FieldOptions {
    const NAME: &'static str = "google.protobuf.FieldOptions";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("ctype"),
            2 => Some("packed"),
            6 => Some("jstype"),
            5 => Some("lazy"),
            15 => Some("unverified_lazy"),
            3 => Some("deprecated"),
            10 => Some("weak"),
            16 => Some("debug_redact"),
            17 => Some("retention"),
            19 => Some("targets"),
            20 => Some("edition_defaults"),
            21 => Some("features"),
            22 => Some("feature_support"),
            999 => Some("uninterpreted_option"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::enumeration::encoded_len_optional(1, &self.ctype)
            + field::bool::encoded_len_optional(2, &self.packed)
            + field::bool::encoded_len_optional(3, &self.deprecated)
            + field::bool::encoded_len_optional(5, &self.lazy)
            + field::enumeration::encoded_len_optional(6, &self.jstype)
            + field::bool::encoded_len_optional(10, &self.weak)
            + field::bool::encoded_len_optional(15, &self.unverified_lazy)
            + field::bool::encoded_len_optional(16, &self.debug_redact)
            + field::enumeration::encoded_len_optional(17, &self.retention)
            + field::enumeration::encoded_len_repeated(19, &self.targets)
            + field::message::encoded_len_repeated(20, &self.edition_defaults)
            + field::message::encoded_len_optional(21, &self.features)
            + field::message::encoded_len_optional(22, &self.feature_support)
            + field::message::encoded_len_repeated(999, &self.uninterpreted_option)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::enumeration::encode_optional(1, &self.ctype, enc);
        field::bool::encode_optional(2, &self.packed, enc);
        field::bool::encode_optional(3, &self.deprecated, enc);
        field::bool::encode_optional(5, &self.lazy, enc);
        field::enumeration::encode_optional(6, &self.jstype, enc);
        field::bool::encode_optional(10, &self.weak, enc);
        field::bool::encode_optional(15, &self.unverified_lazy, enc);
        field::bool::encode_optional(16, &self.debug_redact, enc);
        field::enumeration::encode_optional(17, &self.retention, enc);
        field::enumeration::encode_repeated(19, &self.targets, enc);
        field::message::encode_repeated(20, &self.edition_defaults, enc);
        field::message::encode_optional(21, &self.features, enc);
        field::message::encode_optional(22, &self.feature_support, enc);
        field::message::encode_repeated(999, &self.uninterpreted_option, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::enumeration::merge_optional(tag, &mut self.ctype, dec),
            2 => field::bool::merge_optional(tag, &mut self.packed, dec),
            6 => field::enumeration::merge_optional(tag, &mut self.jstype, dec),
            5 => field::bool::merge_optional(tag, &mut self.lazy, dec),
            15 => field::bool::merge_optional(tag, &mut self.unverified_lazy, dec),
            3 => field::bool::merge_optional(tag, &mut self.deprecated, dec),
            10 => field::bool::merge_optional(tag, &mut self.weak, dec),
            16 => field::bool::merge_optional(tag, &mut self.debug_redact, dec),
            17 => field::enumeration::merge_optional(tag, &mut self.retention, dec),
            19 => field::enumeration::merge_repeated(tag, &mut self.targets, dec),
            20 => field::message::merge_repeated(tag, &mut self.edition_defaults, dec),
            21 => field::message::merge_optional(tag, &mut self.features, dec),
            22 => field::message::merge_optional(tag, &mut self.feature_support, dec),
            999 => field::message::merge_repeated(tag, &mut self.uninterpreted_option, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The types nested in [`FieldOptions`].
pub mod field_options {
    use courier_wire::{DecodeError, Decoder, Encoder, Message, Tag, UnknownFields, field};

    /// `google.protobuf.FieldOptions.CType`: an open enum (unknown values are kept).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct CType(pub i32);

    impl CType {
        /// Default mode.
        pub const STRING: CType = CType(0);
        /// The option \[ctype=CORD\] may be applied to a non-repeated field of type
        /// "bytes". It indicates that in C++, the data should be stored in a Cord
        /// instead of a string.  For very large strings, this may reduce memory
        /// fragmentation. It may also allow better performance when parsing from a
        /// Cord, or when parsing with aliasing enabled, as the parsed Cord may then
        /// alias the original buffer.
        pub const CORD: CType = CType(1);
        /// `STRING_PIECE` = 2.
        pub const STRING_PIECE: CType = CType(2);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                0 => Some("STRING"),
                1 => Some("CORD"),
                2 => Some("STRING_PIECE"),
                _ => None,
            }
        }
    }

    /// `google.protobuf.FieldOptions.JSType`: an open enum (unknown values are kept).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct JSType(pub i32);

    impl JSType {
        /// Use the default type.
        pub const JS_NORMAL: JSType = JSType(0);
        /// Use JavaScript strings.
        pub const JS_STRING: JSType = JSType(1);
        /// Use JavaScript numbers.
        pub const JS_NUMBER: JSType = JSType(2);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                0 => Some("JS_NORMAL"),
                1 => Some("JS_STRING"),
                2 => Some("JS_NUMBER"),
                _ => None,
            }
        }
    }

    /// If set to RETENTION_SOURCE, the option will be omitted from the binary.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct OptionRetention(pub i32);

    impl OptionRetention {
        /// `RETENTION_UNKNOWN` = 0.
        pub const RETENTION_UNKNOWN: OptionRetention = OptionRetention(0);
        /// `RETENTION_RUNTIME` = 1.
        pub const RETENTION_RUNTIME: OptionRetention = OptionRetention(1);
        /// `RETENTION_SOURCE` = 2.
        pub const RETENTION_SOURCE: OptionRetention = OptionRetention(2);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                0 => Some("RETENTION_UNKNOWN"),
                1 => Some("RETENTION_RUNTIME"),
                2 => Some("RETENTION_SOURCE"),
                _ => None,
            }
        }
    }

    /// This indicates the types of entities that the field may apply to when used
    /// as an option. If it is unset, then the field may be freely used as an
    /// option on any kind of entity.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct OptionTargetType(pub i32);

    impl OptionTargetType {
        /// `TARGET_TYPE_UNKNOWN` = 0.
        pub const TARGET_TYPE_UNKNOWN: OptionTargetType = OptionTargetType(0);
        /// `TARGET_TYPE_FILE` = 1.
        pub const TARGET_TYPE_FILE: OptionTargetType = OptionTargetType(1);
        /// `TARGET_TYPE_EXTENSION_RANGE` = 2.
        pub const TARGET_TYPE_EXTENSION_RANGE: OptionTargetType = OptionTargetType(2);
        /// `TARGET_TYPE_MESSAGE` = 3.
        pub const TARGET_TYPE_MESSAGE: OptionTargetType = OptionTargetType(3);
        /// `TARGET_TYPE_FIELD` = 4.
        pub const TARGET_TYPE_FIELD: OptionTargetType = OptionTargetType(4);
        /// `TARGET_TYPE_ONEOF` = 5.
        pub const TARGET_TYPE_ONEOF: OptionTargetType = OptionTargetType(5);
        /// `TARGET_TYPE_ENUM` = 6.
        pub const TARGET_TYPE_ENUM: OptionTargetType = OptionTargetType(6);
        /// `TARGET_TYPE_ENUM_ENTRY` = 7.
        pub const TARGET_TYPE_ENUM_ENTRY: OptionTargetType = OptionTargetType(7);
        /// `TARGET_TYPE_SERVICE` = 8.
        pub const TARGET_TYPE_SERVICE: OptionTargetType = OptionTargetType(8);
        /// `TARGET_TYPE_METHOD` = 9.
        pub const TARGET_TYPE_METHOD: OptionTargetType = OptionTargetType(9);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                0 => Some("TARGET_TYPE_UNKNOWN"),
                1 => Some("TARGET_TYPE_FILE"),
                2 => Some("TARGET_TYPE_EXTENSION_RANGE"),
                3 => Some("TARGET_TYPE_MESSAGE"),
                4 => Some("TARGET_TYPE_FIELD"),
                5 => Some("TARGET_TYPE_ONEOF"),
                6 => Some("TARGET_TYPE_ENUM"),
                7 => Some("TARGET_TYPE_ENUM_ENTRY"),
                8 => Some("TARGET_TYPE_SERVICE"),
                9 => Some("TARGET_TYPE_METHOD"),
                _ => None,
            }
        }
    }

    /// `google.protobuf.FieldOptions.EditionDefault`.
    #[derive(Clone, PartialEq, Debug, Default)]
    pub struct EditionDefault {
        /// `optional Edition edition = 3`. Values: [`super::Edition`].
        pub edition: Option<i32>,
        /// `optional string value = 2`.
        pub value: Option<String>,
        /// Fields this type does not know (custom options are extensions, kept here).
        pub unknown_fields: UnknownFields,
    }

    impl Message for EditionDefault {
        const NAME: &'static str = "google.protobuf.FieldOptions.EditionDefault";

        fn field_name(number: u32) -> Option<&'static str> {
            match number {
                3 => Some("edition"),
                2 => Some("value"),
                _ => None,
            }
        }

        fn encoded_len(&self) -> usize {
            field::string::encoded_len_optional(2, &self.value)
                + field::enumeration::encoded_len_optional(3, &self.edition)
                + self.unknown_fields.encoded_len()
        }

        fn encode_raw(&self, enc: &mut Encoder<'_>) {
            // In field-number order, as protoc writes them.
            field::string::encode_optional(2, &self.value, enc);
            field::enumeration::encode_optional(3, &self.edition, enc);
            self.unknown_fields.encode(enc);
        }

        fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
            match tag.field_number() {
                3 => field::enumeration::merge_optional(tag, &mut self.edition, dec),
                2 => field::string::merge_optional(tag, &mut self.value, dec),
                _ => self.unknown_fields.merge_field(tag, dec),
            }
        }

        fn clear(&mut self) {
            *self = Self::default();
        }
    }

    /// Information about the support window of a feature.
    #[derive(Clone, PartialEq, Debug, Default)]
    pub struct FeatureSupport {
        /// The edition that this feature was first available in.  In editions
        /// earlier than this one, the default assigned to EDITION_LEGACY will be
        /// used, and proto files will not be able to override it.
        pub edition_introduced: Option<i32>,
        /// The edition this feature becomes deprecated in.  Using this after this
        /// edition may trigger warnings.
        pub edition_deprecated: Option<i32>,
        /// The deprecation warning text if this feature is used after the edition it
        /// was marked deprecated in.
        pub deprecation_warning: Option<String>,
        /// The edition this feature is no longer available in.  In editions after
        /// this one, the last default assigned will be used, and proto files will
        /// not be able to override it.
        pub edition_removed: Option<i32>,
        /// The removal error text if this feature is used after the edition it was
        /// removed in.
        pub removal_error: Option<String>,
        /// Fields this type does not know (custom options are extensions, kept here).
        pub unknown_fields: UnknownFields,
    }

    impl Message for FeatureSupport {
        const NAME: &'static str = "google.protobuf.FieldOptions.FeatureSupport";

        fn field_name(number: u32) -> Option<&'static str> {
            match number {
                1 => Some("edition_introduced"),
                2 => Some("edition_deprecated"),
                3 => Some("deprecation_warning"),
                4 => Some("edition_removed"),
                5 => Some("removal_error"),
                _ => None,
            }
        }

        fn encoded_len(&self) -> usize {
            field::enumeration::encoded_len_optional(1, &self.edition_introduced)
                + field::enumeration::encoded_len_optional(2, &self.edition_deprecated)
                + field::string::encoded_len_optional(3, &self.deprecation_warning)
                + field::enumeration::encoded_len_optional(4, &self.edition_removed)
                + field::string::encoded_len_optional(5, &self.removal_error)
                + self.unknown_fields.encoded_len()
        }

        fn encode_raw(&self, enc: &mut Encoder<'_>) {
            // In field-number order, as protoc writes them.
            field::enumeration::encode_optional(1, &self.edition_introduced, enc);
            field::enumeration::encode_optional(2, &self.edition_deprecated, enc);
            field::string::encode_optional(3, &self.deprecation_warning, enc);
            field::enumeration::encode_optional(4, &self.edition_removed, enc);
            field::string::encode_optional(5, &self.removal_error, enc);
            self.unknown_fields.encode(enc);
        }

        fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
            match tag.field_number() {
                1 => field::enumeration::merge_optional(tag, &mut self.edition_introduced, dec),
                2 => field::enumeration::merge_optional(tag, &mut self.edition_deprecated, dec),
                3 => field::string::merge_optional(tag, &mut self.deprecation_warning, dec),
                4 => field::enumeration::merge_optional(tag, &mut self.edition_removed, dec),
                5 => field::string::merge_optional(tag, &mut self.removal_error, dec),
                _ => self.unknown_fields.merge_field(tag, dec),
            }
        }

        fn clear(&mut self) {
            *self = Self::default();
        }
    }
}

/// `google.protobuf.OneofOptions`.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct OneofOptions {
    /// Any features defined in the specific edition.
    /// WARNING: This field should only be used by protobuf plugins or special
    /// cases like the proto compiler. Other uses are discouraged and
    /// developers should rely on the protoreflect APIs for their client language.
    pub features: Option<FeatureSet>,
    /// The parser stores options it doesn't recognize here. See above.
    pub uninterpreted_option: Vec<UninterpretedOption>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for OneofOptions {
    const NAME: &'static str = "google.protobuf.OneofOptions";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("features"),
            999 => Some("uninterpreted_option"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::message::encoded_len_optional(1, &self.features)
            + field::message::encoded_len_repeated(999, &self.uninterpreted_option)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::message::encode_optional(1, &self.features, enc);
        field::message::encode_repeated(999, &self.uninterpreted_option, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::message::merge_optional(tag, &mut self.features, dec),
            999 => field::message::merge_repeated(tag, &mut self.uninterpreted_option, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// `google.protobuf.EnumOptions`.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct EnumOptions {
    /// Set this option to true to allow mapping different tag names to the same
    /// value.
    pub allow_alias: Option<bool>,
    /// Is this enum deprecated?
    /// Depending on the target platform, this can emit Deprecated annotations
    /// for the enum, or it will be completely ignored; in the very least, this
    /// is a formalization for deprecating enums.
    pub deprecated: Option<bool>,
    /// Enable the legacy handling of JSON field name conflicts.  This lowercases
    /// and strips underscored from the fields before comparison in proto3 only.
    /// The new behavior takes `json_name` into account and applies to proto2 as
    /// well.
    /// TODO Remove this legacy behavior once downstream teams have
    /// had time to migrate.
    pub deprecated_legacy_json_field_conflicts: Option<bool>,
    /// Any features defined in the specific edition.
    /// WARNING: This field should only be used by protobuf plugins or special
    /// cases like the proto compiler. Other uses are discouraged and
    /// developers should rely on the protoreflect APIs for their client language.
    pub features: Option<FeatureSet>,
    /// The parser stores options it doesn't recognize here. See above.
    pub uninterpreted_option: Vec<UninterpretedOption>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for EnumOptions {
    const NAME: &'static str = "google.protobuf.EnumOptions";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            2 => Some("allow_alias"),
            3 => Some("deprecated"),
            6 => Some("deprecated_legacy_json_field_conflicts"),
            7 => Some("features"),
            999 => Some("uninterpreted_option"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::bool::encoded_len_optional(2, &self.allow_alias)
            + field::bool::encoded_len_optional(3, &self.deprecated)
            + field::bool::encoded_len_optional(6, &self.deprecated_legacy_json_field_conflicts)
            + field::message::encoded_len_optional(7, &self.features)
            + field::message::encoded_len_repeated(999, &self.uninterpreted_option)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::bool::encode_optional(2, &self.allow_alias, enc);
        field::bool::encode_optional(3, &self.deprecated, enc);
        field::bool::encode_optional(6, &self.deprecated_legacy_json_field_conflicts, enc);
        field::message::encode_optional(7, &self.features, enc);
        field::message::encode_repeated(999, &self.uninterpreted_option, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            2 => field::bool::merge_optional(tag, &mut self.allow_alias, dec),
            3 => field::bool::merge_optional(tag, &mut self.deprecated, dec),
            6 => field::bool::merge_optional(
                tag,
                &mut self.deprecated_legacy_json_field_conflicts,
                dec,
            ),
            7 => field::message::merge_optional(tag, &mut self.features, dec),
            999 => field::message::merge_repeated(tag, &mut self.uninterpreted_option, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// `google.protobuf.EnumValueOptions`.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct EnumValueOptions {
    /// Is this enum value deprecated?
    /// Depending on the target platform, this can emit Deprecated annotations
    /// for the enum value, or it will be completely ignored; in the very least,
    /// this is a formalization for deprecating enum values.
    pub deprecated: Option<bool>,
    /// Any features defined in the specific edition.
    /// WARNING: This field should only be used by protobuf plugins or special
    /// cases like the proto compiler. Other uses are discouraged and
    /// developers should rely on the protoreflect APIs for their client language.
    pub features: Option<FeatureSet>,
    /// Indicate that fields annotated with this enum value should not be printed
    /// out when using debug formats, e.g. when the field contains sensitive
    /// credentials.
    pub debug_redact: Option<bool>,
    /// Information about the support window of a feature value.
    pub feature_support: Option<field_options::FeatureSupport>,
    /// The parser stores options it doesn't recognize here. See above.
    pub uninterpreted_option: Vec<UninterpretedOption>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for EnumValueOptions {
    const NAME: &'static str = "google.protobuf.EnumValueOptions";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("deprecated"),
            2 => Some("features"),
            3 => Some("debug_redact"),
            4 => Some("feature_support"),
            999 => Some("uninterpreted_option"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::bool::encoded_len_optional(1, &self.deprecated)
            + field::message::encoded_len_optional(2, &self.features)
            + field::bool::encoded_len_optional(3, &self.debug_redact)
            + field::message::encoded_len_optional(4, &self.feature_support)
            + field::message::encoded_len_repeated(999, &self.uninterpreted_option)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::bool::encode_optional(1, &self.deprecated, enc);
        field::message::encode_optional(2, &self.features, enc);
        field::bool::encode_optional(3, &self.debug_redact, enc);
        field::message::encode_optional(4, &self.feature_support, enc);
        field::message::encode_repeated(999, &self.uninterpreted_option, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::bool::merge_optional(tag, &mut self.deprecated, dec),
            2 => field::message::merge_optional(tag, &mut self.features, dec),
            3 => field::bool::merge_optional(tag, &mut self.debug_redact, dec),
            4 => field::message::merge_optional(tag, &mut self.feature_support, dec),
            999 => field::message::merge_repeated(tag, &mut self.uninterpreted_option, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// `google.protobuf.ServiceOptions`.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct ServiceOptions {
    /// Any features defined in the specific edition.
    /// WARNING: This field should only be used by protobuf plugins or special
    /// cases like the proto compiler. Other uses are discouraged and
    /// developers should rely on the protoreflect APIs for their client language.
    pub features: Option<FeatureSet>,
    /// Is this service deprecated?
    /// Depending on the target platform, this can emit Deprecated annotations
    /// for the service, or it will be completely ignored; in the very least,
    /// this is a formalization for deprecating services.
    pub deprecated: Option<bool>,
    /// The parser stores options it doesn't recognize here. See above.
    pub uninterpreted_option: Vec<UninterpretedOption>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for ServiceOptions {
    const NAME: &'static str = "google.protobuf.ServiceOptions";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            34 => Some("features"),
            33 => Some("deprecated"),
            999 => Some("uninterpreted_option"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::bool::encoded_len_optional(33, &self.deprecated)
            + field::message::encoded_len_optional(34, &self.features)
            + field::message::encoded_len_repeated(999, &self.uninterpreted_option)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::bool::encode_optional(33, &self.deprecated, enc);
        field::message::encode_optional(34, &self.features, enc);
        field::message::encode_repeated(999, &self.uninterpreted_option, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            34 => field::message::merge_optional(tag, &mut self.features, dec),
            33 => field::bool::merge_optional(tag, &mut self.deprecated, dec),
            999 => field::message::merge_repeated(tag, &mut self.uninterpreted_option, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// `google.protobuf.MethodOptions`.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct MethodOptions {
    /// Is this method deprecated?
    /// Depending on the target platform, this can emit Deprecated annotations
    /// for the method, or it will be completely ignored; in the very least,
    /// this is a formalization for deprecating methods.
    pub deprecated: Option<bool>,
    /// `optional IdempotencyLevel idempotency_level = 34`. Values: [`method_options::IdempotencyLevel`].
    pub idempotency_level: Option<i32>,
    /// Any features defined in the specific edition.
    /// WARNING: This field should only be used by protobuf plugins or special
    /// cases like the proto compiler. Other uses are discouraged and
    /// developers should rely on the protoreflect APIs for their client language.
    pub features: Option<FeatureSet>,
    /// The parser stores options it doesn't recognize here. See above.
    pub uninterpreted_option: Vec<UninterpretedOption>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for MethodOptions {
    const NAME: &'static str = "google.protobuf.MethodOptions";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            33 => Some("deprecated"),
            34 => Some("idempotency_level"),
            35 => Some("features"),
            999 => Some("uninterpreted_option"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::bool::encoded_len_optional(33, &self.deprecated)
            + field::enumeration::encoded_len_optional(34, &self.idempotency_level)
            + field::message::encoded_len_optional(35, &self.features)
            + field::message::encoded_len_repeated(999, &self.uninterpreted_option)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::bool::encode_optional(33, &self.deprecated, enc);
        field::enumeration::encode_optional(34, &self.idempotency_level, enc);
        field::message::encode_optional(35, &self.features, enc);
        field::message::encode_repeated(999, &self.uninterpreted_option, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            33 => field::bool::merge_optional(tag, &mut self.deprecated, dec),
            34 => field::enumeration::merge_optional(tag, &mut self.idempotency_level, dec),
            35 => field::message::merge_optional(tag, &mut self.features, dec),
            999 => field::message::merge_repeated(tag, &mut self.uninterpreted_option, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The types nested in [`MethodOptions`].
pub mod method_options {

    /// Is this method side-effect-free (or safe in HTTP parlance), or idempotent,
    /// or neither? HTTP based RPC implementation may choose GET verb for safe
    /// methods, and PUT verb for idempotent methods instead of the default POST.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct IdempotencyLevel(pub i32);

    impl IdempotencyLevel {
        /// `IDEMPOTENCY_UNKNOWN` = 0.
        pub const IDEMPOTENCY_UNKNOWN: IdempotencyLevel = IdempotencyLevel(0);
        /// `NO_SIDE_EFFECTS` = 1.
        pub const NO_SIDE_EFFECTS: IdempotencyLevel = IdempotencyLevel(1);
        /// `IDEMPOTENT` = 2.
        pub const IDEMPOTENT: IdempotencyLevel = IdempotencyLevel(2);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                0 => Some("IDEMPOTENCY_UNKNOWN"),
                1 => Some("NO_SIDE_EFFECTS"),
                2 => Some("IDEMPOTENT"),
                _ => None,
            }
        }
    }
}

/// A message representing a option the parser does not recognize. This only
/// appears in options protos created by the compiler::Parser class.
/// DescriptorPool resolves these when building Descriptor objects. Therefore,
/// options protos in descriptor objects (e.g. returned by Descriptor::options(),
/// or produced by Descriptor::CopyTo()) will never have UninterpretedOptions
/// in them.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct UninterpretedOption {
    /// `repeated NamePart name = 2`.
    pub name: Vec<uninterpreted_option::NamePart>,
    /// The value of the uninterpreted option, in whatever type the tokenizer
    /// identified it as during parsing. Exactly one of these should be set.
    pub identifier_value: Option<String>,
    /// `optional uint64 positive_int_value = 4`.
    pub positive_int_value: Option<u64>,
    /// `optional int64 negative_int_value = 5`.
    pub negative_int_value: Option<i64>,
    /// `optional double double_value = 6`.
    pub double_value: Option<f64>,
    /// `optional bytes string_value = 7`.
    pub string_value: Option<Vec<u8>>,
    /// `optional string aggregate_value = 8`.
    pub aggregate_value: Option<String>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for UninterpretedOption {
    const NAME: &'static str = "google.protobuf.UninterpretedOption";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            2 => Some("name"),
            3 => Some("identifier_value"),
            4 => Some("positive_int_value"),
            5 => Some("negative_int_value"),
            6 => Some("double_value"),
            7 => Some("string_value"),
            8 => Some("aggregate_value"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::message::encoded_len_repeated(2, &self.name)
            + field::string::encoded_len_optional(3, &self.identifier_value)
            + field::uint64::encoded_len_optional(4, &self.positive_int_value)
            + field::int64::encoded_len_optional(5, &self.negative_int_value)
            + field::double::encoded_len_optional(6, &self.double_value)
            + field::bytes_vec::encoded_len_optional(7, &self.string_value)
            + field::string::encoded_len_optional(8, &self.aggregate_value)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::message::encode_repeated(2, &self.name, enc);
        field::string::encode_optional(3, &self.identifier_value, enc);
        field::uint64::encode_optional(4, &self.positive_int_value, enc);
        field::int64::encode_optional(5, &self.negative_int_value, enc);
        field::double::encode_optional(6, &self.double_value, enc);
        field::bytes_vec::encode_optional(7, &self.string_value, enc);
        field::string::encode_optional(8, &self.aggregate_value, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            2 => field::message::merge_repeated(tag, &mut self.name, dec),
            3 => field::string::merge_optional(tag, &mut self.identifier_value, dec),
            4 => field::uint64::merge_optional(tag, &mut self.positive_int_value, dec),
            5 => field::int64::merge_optional(tag, &mut self.negative_int_value, dec),
            6 => field::double::merge_optional(tag, &mut self.double_value, dec),
            7 => field::bytes_vec::merge_optional(tag, &mut self.string_value, dec),
            8 => field::string::merge_optional(tag, &mut self.aggregate_value, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The types nested in [`UninterpretedOption`].
pub mod uninterpreted_option {
    use courier_wire::{DecodeError, Decoder, Encoder, Message, Tag, UnknownFields, field};

    /// The name of the uninterpreted option.  Each string represents a segment in
    /// a dot-separated name.  is_extension is true iff a segment represents an
    /// extension (denoted with parentheses in options specs in .proto files).
    /// E.g.,{ \["foo", false\], \["bar.baz", true\], \["moo", false\] } represents
    /// "foo.(bar.baz).moo".
    #[derive(Clone, PartialEq, Debug, Default)]
    pub struct NamePart {
        /// `required string name_part = 1`.
        pub name_part: Option<String>,
        /// `required bool is_extension = 2`.
        pub is_extension: Option<bool>,
        /// Fields this type does not know (custom options are extensions, kept here).
        pub unknown_fields: UnknownFields,
    }

    impl Message for NamePart {
        const NAME: &'static str = "google.protobuf.UninterpretedOption.NamePart";

        fn field_name(number: u32) -> Option<&'static str> {
            match number {
                1 => Some("name_part"),
                2 => Some("is_extension"),
                _ => None,
            }
        }

        fn encoded_len(&self) -> usize {
            field::string::encoded_len_optional(1, &self.name_part)
                + field::bool::encoded_len_optional(2, &self.is_extension)
                + self.unknown_fields.encoded_len()
        }

        fn encode_raw(&self, enc: &mut Encoder<'_>) {
            // In field-number order, as protoc writes them.
            field::string::encode_optional(1, &self.name_part, enc);
            field::bool::encode_optional(2, &self.is_extension, enc);
            self.unknown_fields.encode(enc);
        }

        fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
            match tag.field_number() {
                1 => field::string::merge_optional(tag, &mut self.name_part, dec),
                2 => field::bool::merge_optional(tag, &mut self.is_extension, dec),
                _ => self.unknown_fields.merge_field(tag, dec),
            }
        }

        fn clear(&mut self) {
            *self = Self::default();
        }
    }
}

/// TODO Enums in C++ gencode (and potentially other languages) are
/// not well scoped.  This means that each of the feature enums below can clash
/// with each other.  The short names we've chosen maximize call-site
/// readability, but leave us very open to this scenario.  A future feature will
/// be designed and implemented to handle this, hopefully before we ever hit a
/// conflict here.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct FeatureSet {
    /// `optional FieldPresence field_presence = 1`. Values: [`feature_set::FieldPresence`].
    pub field_presence: Option<i32>,
    /// `optional EnumType enum_type = 2`. Values: [`feature_set::EnumType`].
    pub enum_type: Option<i32>,
    /// `optional RepeatedFieldEncoding repeated_field_encoding = 3`. Values: [`feature_set::RepeatedFieldEncoding`].
    pub repeated_field_encoding: Option<i32>,
    /// `optional Utf8Validation utf8_validation = 4`. Values: [`feature_set::Utf8Validation`].
    pub utf8_validation: Option<i32>,
    /// `optional MessageEncoding message_encoding = 5`. Values: [`feature_set::MessageEncoding`].
    pub message_encoding: Option<i32>,
    /// `optional JsonFormat json_format = 6`. Values: [`feature_set::JsonFormat`].
    pub json_format: Option<i32>,
    /// `optional EnforceNamingStyle enforce_naming_style = 7`. Values: [`feature_set::EnforceNamingStyle`].
    pub enforce_naming_style: Option<i32>,
    /// `optional VisibilityFeature.DefaultSymbolVisibility default_symbol_visibility = 8`. Values: [`feature_set::visibility_feature::DefaultSymbolVisibility`].
    pub default_symbol_visibility: Option<i32>,
    /// `optional ProtoLimitsFeature.EnforceProtoLimits enforce_proto_limits = 9`. Values: [`feature_set::proto_limits_feature::EnforceProtoLimits`].
    pub enforce_proto_limits: Option<i32>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for FeatureSet {
    const NAME: &'static str = "google.protobuf.FeatureSet";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("field_presence"),
            2 => Some("enum_type"),
            3 => Some("repeated_field_encoding"),
            4 => Some("utf8_validation"),
            5 => Some("message_encoding"),
            6 => Some("json_format"),
            7 => Some("enforce_naming_style"),
            8 => Some("default_symbol_visibility"),
            9 => Some("enforce_proto_limits"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::enumeration::encoded_len_optional(1, &self.field_presence)
            + field::enumeration::encoded_len_optional(2, &self.enum_type)
            + field::enumeration::encoded_len_optional(3, &self.repeated_field_encoding)
            + field::enumeration::encoded_len_optional(4, &self.utf8_validation)
            + field::enumeration::encoded_len_optional(5, &self.message_encoding)
            + field::enumeration::encoded_len_optional(6, &self.json_format)
            + field::enumeration::encoded_len_optional(7, &self.enforce_naming_style)
            + field::enumeration::encoded_len_optional(8, &self.default_symbol_visibility)
            + field::enumeration::encoded_len_optional(9, &self.enforce_proto_limits)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::enumeration::encode_optional(1, &self.field_presence, enc);
        field::enumeration::encode_optional(2, &self.enum_type, enc);
        field::enumeration::encode_optional(3, &self.repeated_field_encoding, enc);
        field::enumeration::encode_optional(4, &self.utf8_validation, enc);
        field::enumeration::encode_optional(5, &self.message_encoding, enc);
        field::enumeration::encode_optional(6, &self.json_format, enc);
        field::enumeration::encode_optional(7, &self.enforce_naming_style, enc);
        field::enumeration::encode_optional(8, &self.default_symbol_visibility, enc);
        field::enumeration::encode_optional(9, &self.enforce_proto_limits, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::enumeration::merge_optional(tag, &mut self.field_presence, dec),
            2 => field::enumeration::merge_optional(tag, &mut self.enum_type, dec),
            3 => field::enumeration::merge_optional(tag, &mut self.repeated_field_encoding, dec),
            4 => field::enumeration::merge_optional(tag, &mut self.utf8_validation, dec),
            5 => field::enumeration::merge_optional(tag, &mut self.message_encoding, dec),
            6 => field::enumeration::merge_optional(tag, &mut self.json_format, dec),
            7 => field::enumeration::merge_optional(tag, &mut self.enforce_naming_style, dec),
            8 => field::enumeration::merge_optional(tag, &mut self.default_symbol_visibility, dec),
            9 => field::enumeration::merge_optional(tag, &mut self.enforce_proto_limits, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The types nested in [`FeatureSet`].
pub mod feature_set {
    use courier_wire::{DecodeError, Decoder, Encoder, Message, Tag, UnknownFields};

    /// `google.protobuf.FeatureSet.FieldPresence`: an open enum (unknown values are kept).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct FieldPresence(pub i32);

    impl FieldPresence {
        /// `FIELD_PRESENCE_UNKNOWN` = 0.
        pub const FIELD_PRESENCE_UNKNOWN: FieldPresence = FieldPresence(0);
        /// `EXPLICIT` = 1.
        pub const EXPLICIT: FieldPresence = FieldPresence(1);
        /// `IMPLICIT` = 2.
        pub const IMPLICIT: FieldPresence = FieldPresence(2);
        /// `LEGACY_REQUIRED` = 3.
        pub const LEGACY_REQUIRED: FieldPresence = FieldPresence(3);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                0 => Some("FIELD_PRESENCE_UNKNOWN"),
                1 => Some("EXPLICIT"),
                2 => Some("IMPLICIT"),
                3 => Some("LEGACY_REQUIRED"),
                _ => None,
            }
        }
    }

    /// `google.protobuf.FeatureSet.EnumType`: an open enum (unknown values are kept).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct EnumType(pub i32);

    impl EnumType {
        /// `ENUM_TYPE_UNKNOWN` = 0.
        pub const ENUM_TYPE_UNKNOWN: EnumType = EnumType(0);
        /// `OPEN` = 1.
        pub const OPEN: EnumType = EnumType(1);
        /// `CLOSED` = 2.
        pub const CLOSED: EnumType = EnumType(2);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                0 => Some("ENUM_TYPE_UNKNOWN"),
                1 => Some("OPEN"),
                2 => Some("CLOSED"),
                _ => None,
            }
        }
    }

    /// `google.protobuf.FeatureSet.RepeatedFieldEncoding`: an open enum (unknown values are kept).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct RepeatedFieldEncoding(pub i32);

    impl RepeatedFieldEncoding {
        /// `REPEATED_FIELD_ENCODING_UNKNOWN` = 0.
        pub const REPEATED_FIELD_ENCODING_UNKNOWN: RepeatedFieldEncoding = RepeatedFieldEncoding(0);
        /// `PACKED` = 1.
        pub const PACKED: RepeatedFieldEncoding = RepeatedFieldEncoding(1);
        /// `EXPANDED` = 2.
        pub const EXPANDED: RepeatedFieldEncoding = RepeatedFieldEncoding(2);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                0 => Some("REPEATED_FIELD_ENCODING_UNKNOWN"),
                1 => Some("PACKED"),
                2 => Some("EXPANDED"),
                _ => None,
            }
        }
    }

    /// `google.protobuf.FeatureSet.Utf8Validation`: an open enum (unknown values are kept).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct Utf8Validation(pub i32);

    impl Utf8Validation {
        /// `UTF8_VALIDATION_UNKNOWN` = 0.
        pub const UTF8_VALIDATION_UNKNOWN: Utf8Validation = Utf8Validation(0);
        /// `VERIFY` = 2.
        pub const VERIFY: Utf8Validation = Utf8Validation(2);
        /// `NONE` = 3.
        pub const NONE: Utf8Validation = Utf8Validation(3);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                0 => Some("UTF8_VALIDATION_UNKNOWN"),
                2 => Some("VERIFY"),
                3 => Some("NONE"),
                _ => None,
            }
        }
    }

    /// `google.protobuf.FeatureSet.MessageEncoding`: an open enum (unknown values are kept).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct MessageEncoding(pub i32);

    impl MessageEncoding {
        /// `MESSAGE_ENCODING_UNKNOWN` = 0.
        pub const MESSAGE_ENCODING_UNKNOWN: MessageEncoding = MessageEncoding(0);
        /// `LENGTH_PREFIXED` = 1.
        pub const LENGTH_PREFIXED: MessageEncoding = MessageEncoding(1);
        /// `DELIMITED` = 2.
        pub const DELIMITED: MessageEncoding = MessageEncoding(2);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                0 => Some("MESSAGE_ENCODING_UNKNOWN"),
                1 => Some("LENGTH_PREFIXED"),
                2 => Some("DELIMITED"),
                _ => None,
            }
        }
    }

    /// `google.protobuf.FeatureSet.JsonFormat`: an open enum (unknown values are kept).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct JsonFormat(pub i32);

    impl JsonFormat {
        /// `JSON_FORMAT_UNKNOWN` = 0.
        pub const JSON_FORMAT_UNKNOWN: JsonFormat = JsonFormat(0);
        /// `ALLOW` = 1.
        pub const ALLOW: JsonFormat = JsonFormat(1);
        /// `LEGACY_BEST_EFFORT` = 2.
        pub const LEGACY_BEST_EFFORT: JsonFormat = JsonFormat(2);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                0 => Some("JSON_FORMAT_UNKNOWN"),
                1 => Some("ALLOW"),
                2 => Some("LEGACY_BEST_EFFORT"),
                _ => None,
            }
        }
    }

    /// `google.protobuf.FeatureSet.EnforceNamingStyle`: an open enum (unknown values are kept).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct EnforceNamingStyle(pub i32);

    impl EnforceNamingStyle {
        /// `ENFORCE_NAMING_STYLE_UNKNOWN` = 0.
        pub const ENFORCE_NAMING_STYLE_UNKNOWN: EnforceNamingStyle = EnforceNamingStyle(0);
        /// `STYLE2024` = 1.
        pub const STYLE2024: EnforceNamingStyle = EnforceNamingStyle(1);
        /// `STYLE_LEGACY` = 2.
        pub const STYLE_LEGACY: EnforceNamingStyle = EnforceNamingStyle(2);
        /// `STYLE2026` = 3.
        pub const STYLE2026: EnforceNamingStyle = EnforceNamingStyle(3);

        /// The value's name in the `.proto` file, if it is a known value.
        pub fn name(self) -> Option<&'static str> {
            match self.0 {
                0 => Some("ENFORCE_NAMING_STYLE_UNKNOWN"),
                1 => Some("STYLE2024"),
                2 => Some("STYLE_LEGACY"),
                3 => Some("STYLE2026"),
                _ => None,
            }
        }
    }

    /// `google.protobuf.FeatureSet.VisibilityFeature`.
    #[derive(Clone, PartialEq, Debug, Default)]
    pub struct VisibilityFeature {
        /// Fields this type does not know (custom options are extensions, kept here).
        pub unknown_fields: UnknownFields,
    }

    impl Message for VisibilityFeature {
        const NAME: &'static str = "google.protobuf.FeatureSet.VisibilityFeature";

        fn encoded_len(&self) -> usize {
            self.unknown_fields.encoded_len()
        }

        fn encode_raw(&self, enc: &mut Encoder<'_>) {
            // In field-number order, as protoc writes them.
            self.unknown_fields.encode(enc);
        }

        fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
            self.unknown_fields.merge_field(tag, dec)
        }

        fn clear(&mut self) {
            *self = Self::default();
        }
    }

    /// The types nested in [`VisibilityFeature`].
    pub mod visibility_feature {

        /// `google.protobuf.FeatureSet.VisibilityFeature.DefaultSymbolVisibility`: an open enum (unknown values are kept).
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
        pub struct DefaultSymbolVisibility(pub i32);

        impl DefaultSymbolVisibility {
            /// `DEFAULT_SYMBOL_VISIBILITY_UNKNOWN` = 0.
            pub const DEFAULT_SYMBOL_VISIBILITY_UNKNOWN: DefaultSymbolVisibility =
                DefaultSymbolVisibility(0);
            /// Default pre-EDITION_2024, all UNSET visibility are export.
            pub const EXPORT_ALL: DefaultSymbolVisibility = DefaultSymbolVisibility(1);
            /// All top-level symbols default to export, nested default to local.
            pub const EXPORT_TOP_LEVEL: DefaultSymbolVisibility = DefaultSymbolVisibility(2);
            /// All symbols default to local.
            pub const LOCAL_ALL: DefaultSymbolVisibility = DefaultSymbolVisibility(3);
            /// All symbols local by default. Nested types cannot be exported.
            /// With special case caveat for message { enum {} reserved 1 to max; }
            /// This is the recommended setting for new protos.
            pub const STRICT: DefaultSymbolVisibility = DefaultSymbolVisibility(4);

            /// The value's name in the `.proto` file, if it is a known value.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    0 => Some("DEFAULT_SYMBOL_VISIBILITY_UNKNOWN"),
                    1 => Some("EXPORT_ALL"),
                    2 => Some("EXPORT_TOP_LEVEL"),
                    3 => Some("LOCAL_ALL"),
                    4 => Some("STRICT"),
                    _ => None,
                }
            }
        }
    }

    /// `google.protobuf.FeatureSet.ProtoLimitsFeature`.
    #[derive(Clone, PartialEq, Debug, Default)]
    pub struct ProtoLimitsFeature {
        /// Fields this type does not know (custom options are extensions, kept here).
        pub unknown_fields: UnknownFields,
    }

    impl Message for ProtoLimitsFeature {
        const NAME: &'static str = "google.protobuf.FeatureSet.ProtoLimitsFeature";

        fn encoded_len(&self) -> usize {
            self.unknown_fields.encoded_len()
        }

        fn encode_raw(&self, enc: &mut Encoder<'_>) {
            // In field-number order, as protoc writes them.
            self.unknown_fields.encode(enc);
        }

        fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
            self.unknown_fields.merge_field(tag, dec)
        }

        fn clear(&mut self) {
            *self = Self::default();
        }
    }

    /// The types nested in [`ProtoLimitsFeature`].
    pub mod proto_limits_feature {

        /// `google.protobuf.FeatureSet.ProtoLimitsFeature.EnforceProtoLimits`: an open enum (unknown values are kept).
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
        pub struct EnforceProtoLimits(pub i32);

        impl EnforceProtoLimits {
            /// `PROTO_LIMITS_UNKNOWN` = 0.
            pub const PROTO_LIMITS_UNKNOWN: EnforceProtoLimits = EnforceProtoLimits(0);
            /// Default pre-EDITION_2026: there are no limit enforcement at the protoc
            /// level. Practical limits still exist, but they will tend to fail while
            /// compiling protoc-generated code, and these limits tend to be language
            /// or toolchain specific.
            pub const LEGACY_NO_EXPLICIT_LIMITS: EnforceProtoLimits = EnforceProtoLimits(1);
            /// A set of limits enforced by Edition 2026 by default. For a detailed
            /// list of all the limits please consult the Edition 2026 documentation.
            pub const PROTO_LIMITS2026: EnforceProtoLimits = EnforceProtoLimits(2);

            /// The value's name in the `.proto` file, if it is a known value.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    0 => Some("PROTO_LIMITS_UNKNOWN"),
                    1 => Some("LEGACY_NO_EXPLICIT_LIMITS"),
                    2 => Some("PROTO_LIMITS2026"),
                    _ => None,
                }
            }
        }
    }
}

/// A compiled specification for the defaults of a set of features.  These
/// messages are generated from FeatureSet extensions and can be used to seed
/// feature resolution. The resolution with this object becomes a simple search
/// for the closest matching edition, followed by proto merges.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct FeatureSetDefaults {
    /// `repeated FeatureSetEditionDefault defaults = 1`.
    pub defaults: Vec<feature_set_defaults::FeatureSetEditionDefault>,
    /// The minimum supported edition (inclusive) when this was constructed.
    /// Editions before this will not have defaults.
    pub minimum_edition: Option<i32>,
    /// The maximum known edition (inclusive) when this was constructed. Editions
    /// after this will not have reliable defaults.
    pub maximum_edition: Option<i32>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for FeatureSetDefaults {
    const NAME: &'static str = "google.protobuf.FeatureSetDefaults";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("defaults"),
            4 => Some("minimum_edition"),
            5 => Some("maximum_edition"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::message::encoded_len_repeated(1, &self.defaults)
            + field::enumeration::encoded_len_optional(4, &self.minimum_edition)
            + field::enumeration::encoded_len_optional(5, &self.maximum_edition)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::message::encode_repeated(1, &self.defaults, enc);
        field::enumeration::encode_optional(4, &self.minimum_edition, enc);
        field::enumeration::encode_optional(5, &self.maximum_edition, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::message::merge_repeated(tag, &mut self.defaults, dec),
            4 => field::enumeration::merge_optional(tag, &mut self.minimum_edition, dec),
            5 => field::enumeration::merge_optional(tag, &mut self.maximum_edition, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The types nested in [`FeatureSetDefaults`].
pub mod feature_set_defaults {
    use courier_wire::{DecodeError, Decoder, Encoder, Message, Tag, UnknownFields, field};

    /// A map from every known edition with a unique set of defaults to its
    /// defaults. Not all editions may be contained here.  For a given edition,
    /// the defaults at the closest matching edition ordered at or before it should
    /// be used.  This field must be in strict ascending order by edition.
    #[derive(Clone, PartialEq, Debug, Default)]
    pub struct FeatureSetEditionDefault {
        /// `optional Edition edition = 3`. Values: [`super::Edition`].
        pub edition: Option<i32>,
        /// Defaults of features that can be overridden in this edition.
        pub overridable_features: Option<super::FeatureSet>,
        /// Defaults of features that can't be overridden in this edition.
        pub fixed_features: Option<super::FeatureSet>,
        /// Fields this type does not know (custom options are extensions, kept here).
        pub unknown_fields: UnknownFields,
    }

    impl Message for FeatureSetEditionDefault {
        const NAME: &'static str = "google.protobuf.FeatureSetDefaults.FeatureSetEditionDefault";

        fn field_name(number: u32) -> Option<&'static str> {
            match number {
                3 => Some("edition"),
                4 => Some("overridable_features"),
                5 => Some("fixed_features"),
                _ => None,
            }
        }

        fn encoded_len(&self) -> usize {
            field::enumeration::encoded_len_optional(3, &self.edition)
                + field::message::encoded_len_optional(4, &self.overridable_features)
                + field::message::encoded_len_optional(5, &self.fixed_features)
                + self.unknown_fields.encoded_len()
        }

        fn encode_raw(&self, enc: &mut Encoder<'_>) {
            // In field-number order, as protoc writes them.
            field::enumeration::encode_optional(3, &self.edition, enc);
            field::message::encode_optional(4, &self.overridable_features, enc);
            field::message::encode_optional(5, &self.fixed_features, enc);
            self.unknown_fields.encode(enc);
        }

        fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
            match tag.field_number() {
                3 => field::enumeration::merge_optional(tag, &mut self.edition, dec),
                4 => field::message::merge_optional(tag, &mut self.overridable_features, dec),
                5 => field::message::merge_optional(tag, &mut self.fixed_features, dec),
                _ => self.unknown_fields.merge_field(tag, dec),
            }
        }

        fn clear(&mut self) {
            *self = Self::default();
        }
    }
}

/// Encapsulates information about the original source file from which a
/// FileDescriptorProto was generated.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct SourceCodeInfo {
    /// A Location identifies a piece of source code in a .proto file which
    /// corresponds to a particular definition.  This information is intended
    /// to be useful to IDEs, code indexers, documentation generators, and similar
    /// tools.
    ///
    /// For example, say we have a file like:
    ///   message Foo {
    ///     optional string foo = 1;
    ///   }
    /// Let's look at just the field definition:
    ///   optional string foo = 1;
    ///   ^       ^^     ^^  ^  ^^^
    ///   a       bc     de  f  ghi
    /// We have the following locations:
    ///   span   path               represents
    ///   \[a,i)  \[ 4, 0, 2, 0 \]     The whole field definition.
    ///   \[a,b)  \[ 4, 0, 2, 0, 4 \]  The label (optional).
    ///   \[c,d)  \[ 4, 0, 2, 0, 5 \]  The type (string).
    ///   \[e,f)  \[ 4, 0, 2, 0, 1 \]  The name (foo).
    ///   \[g,h)  \[ 4, 0, 2, 0, 3 \]  The number (1).
    ///
    /// Notes:
    /// - A location may refer to a repeated field itself (i.e. not to any
    ///   particular index within it).  This is used whenever a set of elements are
    ///   logically enclosed in a single code segment.  For example, an entire
    ///   extend block (possibly containing multiple extension definitions) will
    ///   have an outer location whose path refers to the "extensions" repeated
    ///   field without an index.
    /// - Multiple locations may have the same path.  This happens when a single
    ///   logical declaration is spread out across multiple places.  The most
    ///   obvious example is the "extend" block again -- there may be multiple
    ///   extend blocks in the same scope, each of which will have the same path.
    /// - A location's span is not always a subset of its parent's span.  For
    ///   example, the "extendee" of an extension declaration appears at the
    ///   beginning of the "extend" block and is shared by all extensions within
    ///   the block.
    /// - Just because a location's span is a subset of some other location's span
    ///   does not mean that it is a descendant.  For example, a "group" defines
    ///   both a type and a field in a single declaration.  Thus, the locations
    ///   corresponding to the type and field and their components will overlap.
    /// - Code which tries to interpret locations should probably be designed to
    ///   ignore those that it doesn't understand, as more types of locations could
    ///   be recorded in the future.
    pub location: Vec<source_code_info::Location>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for SourceCodeInfo {
    const NAME: &'static str = "google.protobuf.SourceCodeInfo";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("location"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::message::encoded_len_repeated(1, &self.location) + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::message::encode_repeated(1, &self.location, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::message::merge_repeated(tag, &mut self.location, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The types nested in [`SourceCodeInfo`].
pub mod source_code_info {
    use courier_wire::{DecodeError, Decoder, Encoder, Message, Tag, UnknownFields, field};

    /// `google.protobuf.SourceCodeInfo.Location`.
    #[derive(Clone, PartialEq, Debug, Default)]
    pub struct Location {
        /// Identifies which part of the FileDescriptorProto was defined at this
        /// location.
        ///
        /// Each element is a field number or an index.  They form a path from
        /// the root FileDescriptorProto to the place where the definition appears.
        /// For example, this path:
        ///   \[ 4, 3, 2, 7, 1 \]
        /// refers to:
        ///   file.message_type(3)  // 4, 3
        ///       .field(7)         // 2, 7
        ///       .name()           // 1
        /// This is because FileDescriptorProto.message_type has field number 4:
        ///   repeated DescriptorProto message_type = 4;
        /// and DescriptorProto.field has field number 2:
        ///   repeated FieldDescriptorProto field = 2;
        /// and FieldDescriptorProto.name has field number 1:
        ///   optional string name = 1;
        ///
        /// Thus, the above path gives the location of a field name.  If we removed
        /// the last element:
        ///   \[ 4, 3, 2, 7 \]
        /// this path refers to the whole field declaration (from the beginning
        /// of the label to the terminating semicolon).
        ///
        /// For options, the path refers to the interpreted option in the descriptor.
        /// E.g., for a custom option `(my_opt) = "foo"` on a message using extension
        /// number 10101, the path is:
        ///   \[ 4, 3, 7, 10101 \]
        /// refers to:
        ///   file.message_type(3)     // 4, 3
        ///       .options()           // 7
        ///       .my_opt()            // 10101
        ///
        /// Sub-locations corresponding to the interpreted option's corresponding
        /// `UninterpretedOption` are also appended to the interpreted option, which
        /// deviates from the actual FileDescriptorProto path. E.g.:
        ///   \[ 4, 3, 7, 10101, 2 \]
        /// refers to the option name `(my_opt)`, and:
        ///   \[ 4, 3, 7, 10101, 7 \]
        /// refers to the "foo" string value of the option.
        ///
        /// For complex options (e.g., "(my_opt) = {a: 100}"), the path
        /// will include UninterpretedOption.aggregate_value (field number 8) as a
        /// marker for each level of nesting.
        ///
        /// For example, given:
        ///   option (my_opt) = {a: 100};
        ///
        /// The path for the `a` identifier would look like:
        ///   \[ 4, 3, 7, 10101, 8, 1, 2 \]
        ///
        /// And for the value 100:
        ///   \[ 4, 3, 7, 10101, 8, 1, 4 \]
        ///
        /// Where:
        ///   8: UninterpretedOption.aggregate_value marker
        ///   1: The field number of "a" inside "my_opt"
        ///   2: UninterpretedOption.name
        ///   4: UninterpretedOption.positive_int_value
        pub path: Vec<i32>,
        /// Always has exactly three or four elements: start line, start column,
        /// end line (optional, otherwise assumed same as start line), end column.
        /// These are packed into a single field for efficiency.  Note that line
        /// and column numbers are zero-based -- typically you will want to add
        /// 1 to each before displaying to a user.
        pub span: Vec<i32>,
        /// If this SourceCodeInfo represents a complete declaration, these are any
        /// comments appearing before and after the declaration which appear to be
        /// attached to the declaration.
        ///
        /// A series of line comments appearing on consecutive lines, with no other
        /// tokens appearing on those lines, will be treated as a single comment.
        ///
        /// leading_detached_comments will keep paragraphs of comments that appear
        /// before (but not connected to) the current element. Each paragraph,
        /// separated by empty lines, will be one comment element in the repeated
        /// field.
        ///
        /// Only the comment content is provided; comment markers (e.g. //) are
        /// stripped out.  For block comments, leading whitespace and an asterisk
        /// will be stripped from the beginning of each line other than the first.
        /// Newlines are included in the output.
        ///
        /// Examples:
        ///
        ///   optional int32 foo = 1;  // Comment attached to foo.
        ///   // Comment attached to bar.
        ///   optional int32 bar = 2;
        ///
        ///   optional string baz = 3;
        ///   // Comment attached to baz.
        ///   // Another line attached to baz.
        ///
        ///   // Comment attached to moo.
        ///   //
        ///   // Another line attached to moo.
        ///   optional double moo = 4;
        ///
        ///   // Detached comment for corge. This is not leading or trailing comments
        ///   // to moo or corge because there are blank lines separating it from
        ///   // both.
        ///
        ///   // Detached comment for corge paragraph 2.
        ///
        ///   optional string corge = 5;
        ///   /* Block comment attached
        ///    * to corge.  Leading asterisks
        ///    * will be removed. */
        ///   /* Block comment attached to
        ///    * grault. */
        ///   optional int32 grault = 6;
        ///
        ///   // ignored detached comments.
        pub leading_comments: Option<String>,
        /// `optional string trailing_comments = 4`.
        pub trailing_comments: Option<String>,
        /// `repeated string leading_detached_comments = 6`.
        pub leading_detached_comments: Vec<String>,
        /// Fields this type does not know (custom options are extensions, kept here).
        pub unknown_fields: UnknownFields,
    }

    impl Message for Location {
        const NAME: &'static str = "google.protobuf.SourceCodeInfo.Location";

        fn field_name(number: u32) -> Option<&'static str> {
            match number {
                1 => Some("path"),
                2 => Some("span"),
                3 => Some("leading_comments"),
                4 => Some("trailing_comments"),
                6 => Some("leading_detached_comments"),
                _ => None,
            }
        }

        fn encoded_len(&self) -> usize {
            field::int32::encoded_len_packed(1, &self.path)
                + field::int32::encoded_len_packed(2, &self.span)
                + field::string::encoded_len_optional(3, &self.leading_comments)
                + field::string::encoded_len_optional(4, &self.trailing_comments)
                + field::string::encoded_len_repeated(6, &self.leading_detached_comments)
                + self.unknown_fields.encoded_len()
        }

        fn encode_raw(&self, enc: &mut Encoder<'_>) {
            // In field-number order, as protoc writes them.
            field::int32::encode_packed(1, &self.path, enc);
            field::int32::encode_packed(2, &self.span, enc);
            field::string::encode_optional(3, &self.leading_comments, enc);
            field::string::encode_optional(4, &self.trailing_comments, enc);
            field::string::encode_repeated(6, &self.leading_detached_comments, enc);
            self.unknown_fields.encode(enc);
        }

        fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
            match tag.field_number() {
                1 => field::int32::merge_repeated(tag, &mut self.path, dec),
                2 => field::int32::merge_repeated(tag, &mut self.span, dec),
                3 => field::string::merge_optional(tag, &mut self.leading_comments, dec),
                4 => field::string::merge_optional(tag, &mut self.trailing_comments, dec),
                6 => field::string::merge_repeated(tag, &mut self.leading_detached_comments, dec),
                _ => self.unknown_fields.merge_field(tag, dec),
            }
        }

        fn clear(&mut self) {
            *self = Self::default();
        }
    }
}

/// Describes the relationship between generated code and its original source
/// file. A GeneratedCodeInfo message is associated with only one generated
/// source file, but may contain references to different source .proto files.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct GeneratedCodeInfo {
    /// An Annotation connects some span of text in generated code to an element
    /// of its generating .proto file.
    pub annotation: Vec<generated_code_info::Annotation>,
    /// Fields this type does not know (custom options are extensions, kept here).
    pub unknown_fields: UnknownFields,
}

impl Message for GeneratedCodeInfo {
    const NAME: &'static str = "google.protobuf.GeneratedCodeInfo";

    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("annotation"),
            _ => None,
        }
    }

    fn encoded_len(&self) -> usize {
        field::message::encoded_len_repeated(1, &self.annotation)
            + self.unknown_fields.encoded_len()
    }

    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        // In field-number order, as protoc writes them.
        field::message::encode_repeated(1, &self.annotation, enc);
        self.unknown_fields.encode(enc);
    }

    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::message::merge_repeated(tag, &mut self.annotation, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The types nested in [`GeneratedCodeInfo`].
pub mod generated_code_info {
    use courier_wire::{DecodeError, Decoder, Encoder, Message, Tag, UnknownFields, field};

    /// `google.protobuf.GeneratedCodeInfo.Annotation`.
    #[derive(Clone, PartialEq, Debug, Default)]
    pub struct Annotation {
        /// Identifies the element in the original source .proto file. This field
        /// is formatted the same as SourceCodeInfo.Location.path.
        pub path: Vec<i32>,
        /// Identifies the filesystem path to the original source .proto.
        pub source_file: Option<String>,
        /// Identifies the starting offset in bytes in the generated code
        /// that relates to the identified object.
        pub begin: Option<i32>,
        /// Identifies the ending offset in bytes in the generated code that
        /// relates to the identified object. The end offset should be one past
        /// the last relevant byte (so the length of the text = end - begin).
        pub end: Option<i32>,
        /// `optional Semantic semantic = 5`. Values: [`super::generated_code_info::annotation::Semantic`].
        pub semantic: Option<i32>,
        /// Fields this type does not know (custom options are extensions, kept here).
        pub unknown_fields: UnknownFields,
    }

    impl Message for Annotation {
        const NAME: &'static str = "google.protobuf.GeneratedCodeInfo.Annotation";

        fn field_name(number: u32) -> Option<&'static str> {
            match number {
                1 => Some("path"),
                2 => Some("source_file"),
                3 => Some("begin"),
                4 => Some("end"),
                5 => Some("semantic"),
                _ => None,
            }
        }

        fn encoded_len(&self) -> usize {
            field::int32::encoded_len_packed(1, &self.path)
                + field::string::encoded_len_optional(2, &self.source_file)
                + field::int32::encoded_len_optional(3, &self.begin)
                + field::int32::encoded_len_optional(4, &self.end)
                + field::enumeration::encoded_len_optional(5, &self.semantic)
                + self.unknown_fields.encoded_len()
        }

        fn encode_raw(&self, enc: &mut Encoder<'_>) {
            // In field-number order, as protoc writes them.
            field::int32::encode_packed(1, &self.path, enc);
            field::string::encode_optional(2, &self.source_file, enc);
            field::int32::encode_optional(3, &self.begin, enc);
            field::int32::encode_optional(4, &self.end, enc);
            field::enumeration::encode_optional(5, &self.semantic, enc);
            self.unknown_fields.encode(enc);
        }

        fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
            match tag.field_number() {
                1 => field::int32::merge_repeated(tag, &mut self.path, dec),
                2 => field::string::merge_optional(tag, &mut self.source_file, dec),
                3 => field::int32::merge_optional(tag, &mut self.begin, dec),
                4 => field::int32::merge_optional(tag, &mut self.end, dec),
                5 => field::enumeration::merge_optional(tag, &mut self.semantic, dec),
                _ => self.unknown_fields.merge_field(tag, dec),
            }
        }

        fn clear(&mut self) {
            *self = Self::default();
        }
    }

    /// The types nested in [`Annotation`].
    pub mod annotation {

        /// Represents the identified object's effect on the element in the original
        /// .proto file.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
        pub struct Semantic(pub i32);

        impl Semantic {
            /// There is no effect or the effect is indescribable.
            pub const NONE: Semantic = Semantic(0);
            /// The element is set or otherwise mutated.
            pub const SET: Semantic = Semantic(1);
            /// An alias to the element is returned.
            pub const ALIAS: Semantic = Semantic(2);

            /// The value's name in the `.proto` file, if it is a known value.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    0 => Some("NONE"),
                    1 => Some("SET"),
                    2 => Some("ALIAS"),
                    _ => None,
                }
            }
        }
    }
}
