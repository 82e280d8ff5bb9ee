//! The protobuf binary wire format.
//!
//! What it does: varints and ZigZag, fixed-width numbers, tags and wire types, length-delimited
//! records, embedded messages, packed and expanded repeated fields, groups, maps, and unknown
//! fields kept byte-exact — plus the [`Message`] trait that generated code implements by calling
//! the per-kind helpers in [`field`]. Decoding runs through one concrete cursor ([`Decoder`])
//! over contiguous input; `bytes` fields decoded from [`bytes::Bytes`] are zero-copy slices of
//! it. Bad input gives a [`DecodeError`] naming the message and field path, never a panic;
//! nesting is bounded by [`DecodeOptions`] (default 100) and length prefixes are checked
//! against the remaining input before anything is allocated. Extensions are typed views
//! ([`ext`]) onto records kept in the extended message's unknown fields. A chunked encode
//! ([`Message::encode_to_chunks`]) leaves large `bytes` values where they are and returns the
//! encoding as a [`bytes::Buf`] of pieces ([`EncodedChunks`], for `writev`).
//!
//! What it does not do: no `.proto` parsing or code generation (`courier-idl`,
//! `courier-codegen`), no JSON or text format, no reflection, no I/O.
//!
//! Reference: the encoding guide, <https://protobuf.dev/programming-guides/encoding/>.
//!
//! # Example
//!
//! A hand-written message (generated code looks the same):
//!
//! ```
//! use courier_wire::{field, DecodeError, Decoder, Encoder, Message, Tag, UnknownFields};
//!
//! #[derive(Debug, Default, PartialEq)]
//! struct Point {
//!     x: i32,            // int32 x = 1;
//!     label: String,     // string label = 2;
//!     unknown: UnknownFields,
//! }
//!
//! impl Message for Point {
//!     const NAME: &'static str = "demo.Point";
//!     fn field_name(number: u32) -> Option<&'static str> {
//!         match number { 1 => Some("x"), 2 => Some("label"), _ => None }
//!     }
//!     fn encoded_len(&self) -> usize {
//!         field::int32::encoded_len_implicit(1, &self.x)
//!             + field::string::encoded_len_implicit(2, &self.label)
//!             + self.unknown.encoded_len()
//!     }
//!     fn encode_raw(&self, enc: &mut Encoder<'_>) {
//!         field::int32::encode_implicit(1, &self.x, enc);
//!         field::string::encode_implicit(2, &self.label, enc);
//!         self.unknown.encode(enc);
//!     }
//!     fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
//!         match tag.field_number() {
//!             1 => field::int32::merge(tag, &mut self.x, dec),
//!             2 => field::string::merge(tag, &mut self.label, dec),
//!             _ => self.unknown.merge_field(tag, dec),
//!         }
//!     }
//!     fn clear(&mut self) {
//!         *self = Self::default();
//!     }
//! }
//!
//! let p = Point { x: 150, label: "hi".into(), ..Default::default() };
//! let bytes = p.encode_to_vec();
//! assert_eq!(bytes, [0x08, 0x96, 0x01, 0x12, 0x02, b'h', b'i']);
//! assert_eq!(Point::decode(&bytes[..]).unwrap(), p);
//!
//! // Errors name the message and field.
//! let err = Point::decode(&[0x12, 0x01, 0xff][..]).unwrap_err();
//! assert_eq!(err.to_string(), "demo.Point.label: invalid UTF-8");
//! ```

mod chunks;
mod decoder;
mod encoder;
mod error;
pub mod ext;
pub mod field;
mod message;
mod unknown;
pub mod varint;
mod wire;

#[doc(hidden)]
pub mod testing;

pub use chunks::{ChunkOptions, DEFAULT_SPLICE_MIN_LEN, EncodedChunks};
pub use decoder::{DEFAULT_RECURSION_LIMIT, DecodeOptions, Decoder};
pub use encoder::Encoder;
pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use ext::Extendable;
pub use message::Message;
pub use unknown::{UnknownField, UnknownFields, UnknownFieldsIter, UnknownValue};
pub use wire::{MAX_FIELD_NUMBER, MIN_FIELD_NUMBER, Tag, WireType, key_len};

/// Internals for fuzz targets (built with `--cfg fuzzing`).
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    use crate::testing::TestAll;
    use crate::{ChunkOptions, DecodeOptions, Message};

    /// The `wire_decode` fuzz target: arbitrary bytes never panic, and whatever decodes
    /// re-encodes to something that decodes to the same message (compared by canonical dump,
    /// which treats NaN payloads bit for bit, plus unknown fields and length).
    pub fn wire_decode(data: &[u8]) {
        let owned = bytes::Bytes::copy_from_slice(data);
        let from_slice = TestAll::decode(data);
        let from_bytes = TestAll::decode_bytes(owned.clone());
        assert_eq!(from_slice.is_ok(), from_bytes.is_ok());
        // A tight recursion limit must fail cleanly, never overflow the stack.
        let _ = TestAll::decode_with(data, &DecodeOptions::new().with_recursion_limit(3));
        let Ok(m) = from_bytes else {
            return;
        };
        for f in m.unknown_fields.iter() {
            let _ = f.value();
        }
        let encoded = m.encode_to_vec();
        assert_eq!(encoded.len(), m.encoded_len());
        // The chunked encode, splicing `bytes` values of a few bytes, concatenates to the same.
        let min = 1 + data.len() % 8;
        let chunks = m.encode_to_chunks_with(&ChunkOptions::new().with_splice_min_len(min));
        assert_eq!(chunks.into_bytes(), encoded);
        let again = TestAll::decode(&encoded[..]).expect("re-encoding decodes");
        assert_eq!(again.dump(), m.dump());
        assert_eq!(again.unknown_fields, m.unknown_fields);
        assert_eq!(again.encoded_len(), m.encoded_len());
    }
}
