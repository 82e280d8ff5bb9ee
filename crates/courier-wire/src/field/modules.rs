//! The per-kind helper modules (thin, concretely typed wrappers over the generic functions).

macro_rules! common_fns {
    ($kind:ty, $ty:ty) => {
        use crate::decoder::Decoder;
        use crate::encoder::Encoder;
        use crate::error::DecodeError;
        use crate::wire::Tag;

        /// Writes field `number` with `value`.
        #[inline]
        pub fn encode(number: u32, value: &$ty, enc: &mut Encoder<'_>) {
            crate::field::encode::<$kind>(number, value, enc)
        }
        /// The length of [`encode`].
        #[inline]
        pub fn encoded_len(number: u32, value: &$ty) -> usize {
            crate::field::encoded_len::<$kind>(number, value)
        }
        /// Writes field `number` unless `value` is the default (proto3 implicit presence).
        #[inline]
        pub fn encode_implicit(number: u32, value: &$ty, enc: &mut Encoder<'_>) {
            crate::field::encode_implicit::<$kind>(number, value, enc)
        }
        /// The length of [`encode_implicit`].
        #[inline]
        pub fn encoded_len_implicit(number: u32, value: &$ty) -> usize {
            crate::field::encoded_len_implicit::<$kind>(number, value)
        }
        /// Writes field `number` when `value` is set.
        #[inline]
        pub fn encode_optional(number: u32, value: &Option<$ty>, enc: &mut Encoder<'_>) {
            crate::field::encode_optional::<$kind>(number, value, enc)
        }
        /// The length of [`encode_optional`].
        #[inline]
        pub fn encoded_len_optional(number: u32, value: &Option<$ty>) -> usize {
            crate::field::encoded_len_optional::<$kind>(number, value)
        }
        /// Merges one record into a singular field (last one wins).
        #[inline]
        pub fn merge(tag: Tag, value: &mut $ty, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
            crate::field::merge::<$kind>(tag, value, dec)
        }
        /// Merges one record into an `Option` field.
        #[inline]
        pub fn merge_optional(
            tag: Tag,
            value: &mut Option<$ty>,
            dec: &mut Decoder<'_>,
        ) -> Result<(), DecodeError> {
            crate::field::merge_optional::<$kind>(tag, value, dec)
        }
        /// Writes one record per element (expanded repeated).
        #[inline]
        pub fn encode_repeated(number: u32, values: &[$ty], enc: &mut Encoder<'_>) {
            crate::field::encode_repeated::<$kind>(number, values, enc)
        }
        /// The length of [`encode_repeated`].
        #[inline]
        pub fn encoded_len_repeated(number: u32, values: &[$ty]) -> usize {
            crate::field::encoded_len_repeated::<$kind>(number, values)
        }
    };
}

macro_rules! packable_module {
    ($(#[$doc:meta])* $module:ident, $kind:ty, $ty:ty) => {
        $(#[$doc])*
        pub mod $module {
            common_fns!($kind, $ty);

            /// Writes all elements as one packed record (nothing when empty).
            #[inline]
            pub fn encode_packed(number: u32, values: &[$ty], enc: &mut Encoder<'_>) {
                crate::field::encode_packed::<$kind>(number, values, enc)
            }
            /// The length of [`encode_packed`].
            #[inline]
            pub fn encoded_len_packed(number: u32, values: &[$ty]) -> usize {
                crate::field::encoded_len_packed::<$kind>(number, values)
            }
            /// Merges one record of a repeated field: packed or expanded, in any mix.
            #[inline]
            pub fn merge_repeated(
                tag: Tag,
                values: &mut Vec<$ty>,
                dec: &mut Decoder<'_>,
            ) -> Result<(), DecodeError> {
                crate::field::merge_repeated_packable::<$kind>(tag, values, dec)
            }
        }
    };
}

macro_rules! len_module {
    ($(#[$doc:meta])* $module:ident, $kind:ty, $ty:ty) => {
        $(#[$doc])*
        pub mod $module {
            common_fns!($kind, $ty);

            /// Merges one record of a repeated field (appends).
            #[inline]
            pub fn merge_repeated(
                tag: Tag,
                values: &mut Vec<$ty>,
                dec: &mut Decoder<'_>,
            ) -> Result<(), DecodeError> {
                crate::field::merge_repeated::<$kind>(tag, values, dec)
            }
        }
    };
}

packable_module!(
    /// `int32` fields (`i32`).
    int32, crate::field::kind::Int32, i32
);
packable_module!(
    /// `int64` fields (`i64`).
    int64, crate::field::kind::Int64, i64
);
packable_module!(
    /// `uint32` fields (`u32`).
    uint32, crate::field::kind::Uint32, u32
);
packable_module!(
    /// `uint64` fields (`u64`).
    uint64, crate::field::kind::Uint64, u64
);
packable_module!(
    /// `sint32` fields (`i32`, ZigZag).
    sint32, crate::field::kind::Sint32, i32
);
packable_module!(
    /// `sint64` fields (`i64`, ZigZag).
    sint64, crate::field::kind::Sint64, i64
);
packable_module!(
    /// `fixed32` fields (`u32`).
    fixed32, crate::field::kind::Fixed32, u32
);
packable_module!(
    /// `fixed64` fields (`u64`).
    fixed64, crate::field::kind::Fixed64, u64
);
packable_module!(
    /// `sfixed32` fields (`i32`).
    sfixed32, crate::field::kind::Sfixed32, i32
);
packable_module!(
    /// `sfixed64` fields (`i64`).
    sfixed64, crate::field::kind::Sfixed64, i64
);
packable_module!(
    /// `float` fields (`f32`).
    float, crate::field::kind::Float, f32
);
packable_module!(
    /// `double` fields (`f64`).
    double, crate::field::kind::Double, f64
);
packable_module!(
    /// `bool` fields.
    bool, crate::field::kind::Bool, bool
);
packable_module!(
    /// Enum fields, kept as `i32` (open enums: unknown values survive).
    enumeration, crate::field::kind::Enum, i32
);
len_module!(
    /// `string` fields (`String`, UTF-8 validated).
    string, crate::field::kind::String, ::std::string::String
);
len_module!(
    /// `bytes` fields as [`::bytes::Bytes`] (zero-copy from `Bytes` input).
    bytes, crate::field::kind::Bytes, ::bytes::Bytes
);
len_module!(
    /// `bytes` fields as `Vec<u8>`.
    bytes_vec, crate::field::kind::BytesVec, ::std::vec::Vec<u8>
);

/// Embedded message fields (length-delimited).
pub mod message {
    use crate::decoder::Decoder;
    use crate::encoder::Encoder;
    use crate::error::DecodeError;
    use crate::field::kind::Message as K;
    use crate::message::Message;
    use crate::wire::Tag;

    /// Writes field `number` with `msg`.
    #[inline]
    pub fn encode<M: Message>(number: u32, msg: &M, enc: &mut Encoder<'_>) {
        crate::field::encode::<K<M>>(number, msg, enc)
    }
    /// The length of [`encode`].
    #[inline]
    pub fn encoded_len<M: Message>(number: u32, msg: &M) -> usize {
        crate::field::encoded_len::<K<M>>(number, msg)
    }
    /// Writes field `number` when set.
    #[inline]
    pub fn encode_optional<M: Message>(number: u32, msg: &Option<M>, enc: &mut Encoder<'_>) {
        crate::field::encode_optional::<K<M>>(number, msg, enc)
    }
    /// The length of [`encode_optional`].
    #[inline]
    pub fn encoded_len_optional<M: Message>(number: u32, msg: &Option<M>) -> usize {
        crate::field::encoded_len_optional::<K<M>>(number, msg)
    }
    /// Merges one record into `msg`.
    #[inline]
    pub fn merge<M: Message>(
        tag: Tag,
        msg: &mut M,
        dec: &mut Decoder<'_>,
    ) -> Result<(), DecodeError> {
        crate::field::merge::<K<M>>(tag, msg, dec)
    }
    /// Merges one record into an `Option` field (creating the message when absent).
    #[inline]
    pub fn merge_optional<M: Message>(
        tag: Tag,
        msg: &mut Option<M>,
        dec: &mut Decoder<'_>,
    ) -> Result<(), DecodeError> {
        crate::field::merge_optional::<K<M>>(tag, msg, dec)
    }
    /// Writes field `number` when a boxed (recursive) message is set.
    #[inline]
    pub fn encode_boxed<M: Message>(number: u32, msg: &Option<Box<M>>, enc: &mut Encoder<'_>) {
        if let Some(m) = msg {
            encode(number, &**m, enc);
        }
    }
    /// The length of [`encode_boxed`].
    #[inline]
    pub fn encoded_len_boxed<M: Message>(number: u32, msg: &Option<Box<M>>) -> usize {
        msg.as_ref().map_or(0, |m| encoded_len(number, &**m))
    }
    /// Merges one record into a boxed `Option` field.
    #[inline]
    pub fn merge_boxed<M: Message>(
        tag: Tag,
        msg: &mut Option<Box<M>>,
        dec: &mut Decoder<'_>,
    ) -> Result<(), DecodeError> {
        merge(tag, &mut **msg.get_or_insert_with(Default::default), dec)
    }
    /// Writes one record per element.
    #[inline]
    pub fn encode_repeated<M: Message>(number: u32, msgs: &[M], enc: &mut Encoder<'_>) {
        crate::field::encode_repeated::<K<M>>(number, msgs, enc)
    }
    /// The length of [`encode_repeated`].
    #[inline]
    pub fn encoded_len_repeated<M: Message>(number: u32, msgs: &[M]) -> usize {
        crate::field::encoded_len_repeated::<K<M>>(number, msgs)
    }
    /// Merges one record of a repeated field (appends a new message).
    #[inline]
    pub fn merge_repeated<M: Message>(
        tag: Tag,
        msgs: &mut Vec<M>,
        dec: &mut Decoder<'_>,
    ) -> Result<(), DecodeError> {
        crate::field::merge_repeated::<K<M>>(tag, msgs, dec)
    }
}

/// Group fields (deprecated delimited messages): `SGROUP`, the fields, `EGROUP`.
pub mod group {
    use crate::decoder::Decoder;
    use crate::encoder::Encoder;
    use crate::error::DecodeError;
    use crate::field::check_wire_type;
    use crate::message::Message;
    use crate::wire::{Tag, WireType, key_len};

    /// Writes field `number` with `msg` as a group.
    #[inline]
    pub fn encode<M: Message>(number: u32, msg: &M, enc: &mut Encoder<'_>) {
        enc.put_tag(number, WireType::StartGroup);
        msg.encode_raw(enc);
        enc.put_tag(number, WireType::EndGroup);
    }
    /// The length of [`encode`].
    #[inline]
    pub fn encoded_len<M: Message>(number: u32, msg: &M) -> usize {
        2 * key_len(number) + msg.encoded_len()
    }
    /// Writes field `number` when set.
    #[inline]
    pub fn encode_optional<M: Message>(number: u32, msg: &Option<M>, enc: &mut Encoder<'_>) {
        if let Some(m) = msg {
            encode(number, m, enc);
        }
    }
    /// The length of [`encode_optional`].
    #[inline]
    pub fn encoded_len_optional<M: Message>(number: u32, msg: &Option<M>) -> usize {
        msg.as_ref().map_or(0, |m| encoded_len(number, m))
    }
    /// Merges one group (its start tag was just read) into `msg`.
    #[inline]
    pub fn merge<M: Message>(
        tag: Tag,
        msg: &mut M,
        dec: &mut Decoder<'_>,
    ) -> Result<(), DecodeError> {
        check_wire_type(WireType::StartGroup, tag)?;
        dec.merge_group(tag.field_number(), msg)
    }
    /// Merges one group into an `Option` field.
    #[inline]
    pub fn merge_optional<M: Message>(
        tag: Tag,
        msg: &mut Option<M>,
        dec: &mut Decoder<'_>,
    ) -> Result<(), DecodeError> {
        check_wire_type(WireType::StartGroup, tag)?;
        dec.merge_group(tag.field_number(), msg.get_or_insert_with(Default::default))
    }
    /// Writes one group per element.
    #[inline]
    pub fn encode_repeated<M: Message>(number: u32, msgs: &[M], enc: &mut Encoder<'_>) {
        for m in msgs {
            encode(number, m, enc);
        }
    }
    /// The length of [`encode_repeated`].
    #[inline]
    pub fn encoded_len_repeated<M: Message>(number: u32, msgs: &[M]) -> usize {
        2 * key_len(number) * msgs.len() + msgs.iter().map(M::encoded_len).sum::<usize>()
    }
    /// Merges one group of a repeated field (appends).
    #[inline]
    pub fn merge_repeated<M: Message>(
        tag: Tag,
        msgs: &mut Vec<M>,
        dec: &mut Decoder<'_>,
    ) -> Result<(), DecodeError> {
        check_wire_type(WireType::StartGroup, tag)?;
        let mut m = M::default();
        dec.merge_group(tag.field_number(), &mut m)?;
        msgs.push(m);
        Ok(())
    }
}
