//! Decode and encode errors.
//!
//! A [`DecodeError`] is one pointer wide (so `Result<(), DecodeError>` stays in a register on the
//! hot path); everything else — the kind, the message name and the field path — lives behind it
//! and is filled in only when an error actually happens.

use std::fmt;

use crate::wire::WireType;

/// What went wrong while decoding.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The input ended inside a record (a varint, a fixed-width value or a length-delimited
    /// payload).
    Truncated,
    /// A varint's tenth byte has its continuation bit set: varints are at most 10 bytes.
    VarintTooLong,
    /// A ten-byte varint carries more than 64 bits.
    VarintOverflow,
    /// A tag with field number 0.
    FieldNumberZero,
    /// A tag whose field number exceeds 536,870,911 (`2^29 - 1`).
    FieldNumberTooLarge,
    /// A tag with wire type 6 or 7.
    InvalidWireType(u8),
    /// A known field arrived with a wire type its kind cannot have.
    WrongWireType {
        /// The wire type the field's kind uses.
        expected: WireType,
        /// The wire type on the wire.
        found: WireType,
    },
    /// A length prefix larger than the rest of the enclosing message (or than 2 GiB).
    LengthOutOfBounds,
    /// A `string` field that is not valid UTF-8.
    InvalidUtf8,
    /// Messages and groups nested deeper than [`DecodeOptions::recursion_limit`](crate::DecodeOptions::recursion_limit).
    RecursionLimit,
    /// An end-group tag outside any group.
    UnexpectedEndGroup,
    /// An end-group tag whose field number differs from the open group's.
    MismatchedEndGroup {
        /// The open group's field number.
        expected: u32,
        /// The end-group tag's field number.
        found: u32,
    },
    /// The input ended inside a group (no end-group tag).
    UnterminatedGroup,
    /// A packed fixed-width field whose payload is not a whole number of elements.
    PackedLengthMismatch,
    /// A semantic check in higher-level code failed (for example a well-known type's invariant).
    Invalid(&'static str),
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeErrorKind::Truncated => f.write_str("truncated input"),
            DecodeErrorKind::VarintTooLong => f.write_str("varint longer than 10 bytes"),
            DecodeErrorKind::VarintOverflow => f.write_str("varint overflows 64 bits"),
            DecodeErrorKind::FieldNumberZero => f.write_str("field number 0"),
            DecodeErrorKind::FieldNumberTooLarge => {
                f.write_str("field number larger than 536870911")
            }
            DecodeErrorKind::InvalidWireType(w) => write!(f, "invalid wire type {w}"),
            DecodeErrorKind::WrongWireType { expected, found } => {
                write!(f, "wrong wire type {found} (expected {expected})")
            }
            DecodeErrorKind::LengthOutOfBounds => {
                f.write_str("length prefix exceeds the remaining input")
            }
            DecodeErrorKind::InvalidUtf8 => f.write_str("invalid UTF-8"),
            DecodeErrorKind::RecursionLimit => f.write_str("recursion limit exceeded"),
            DecodeErrorKind::UnexpectedEndGroup => f.write_str("end-group tag outside a group"),
            DecodeErrorKind::MismatchedEndGroup { expected, found } => {
                write!(f, "end-group tag for field {found} inside group {expected}")
            }
            DecodeErrorKind::UnterminatedGroup => f.write_str("group without end-group tag"),
            DecodeErrorKind::PackedLengthMismatch => {
                f.write_str("packed field length is not a multiple of the element size")
            }
            DecodeErrorKind::Invalid(what) => f.write_str(what),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Segment {
    Name(&'static str),
    Number(u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Inner {
    kind: DecodeErrorKind,
    /// Full name of the outermost message the error has been annotated with.
    message: Option<&'static str>,
    /// Field path, innermost first (pushed while the error unwinds).
    path: Vec<Segment>,
}

/// A protobuf decoding failure: what went wrong and where (`pkg.Msg.field.sub: invalid UTF-8`).
///
/// Decoding never panics on bad input; it returns this error instead.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError {
    inner: Box<Inner>,
}

impl DecodeError {
    /// An error of this kind, not yet located in any message.
    #[cold]
    #[inline(never)]
    pub fn new(kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            inner: Box::new(Inner {
                kind,
                message: None,
                path: Vec::new(),
            }),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> DecodeErrorKind {
        self.inner.kind
    }

    /// The full name of the outermost message being decoded, when known.
    pub fn message_name(&self) -> Option<&'static str> {
        self.inner.message
    }

    /// The dotted field path from the outermost message to the failing field (`child.name`),
    /// using field numbers where names are unknown. Empty when the error is not in a field.
    pub fn field_path(&self) -> String {
        let mut s = String::new();
        for (i, seg) in self.inner.path.iter().rev().enumerate() {
            if i > 0 {
                s.push('.');
            }
            match seg {
                Segment::Name(n) => s.push_str(n),
                Segment::Number(n) => s.push_str(&n.to_string()),
            }
        }
        s
    }

    /// Records that the error happened in field `number` (named `name`, when known) of message
    /// `message`. Called while the error unwinds, innermost field first.
    #[cold]
    #[inline(never)]
    pub fn in_field(
        mut self,
        message: &'static str,
        name: Option<&'static str>,
        number: u32,
    ) -> Self {
        self.inner.path.push(match name {
            Some(n) => Segment::Name(n),
            None => Segment::Number(number),
        });
        self.inner.message = Some(message);
        self
    }

    /// Records that the error happened while decoding message `message` (outside any field).
    #[cold]
    #[inline(never)]
    pub fn in_message(mut self, message: &'static str) -> Self {
        self.inner.message = Some(message);
        self
    }

    /// Records that the error happened in a named pseudo-field (a map entry's `key` / `value`).
    #[cold]
    #[inline(never)]
    pub(crate) fn in_segment(mut self, name: &'static str) -> Self {
        self.inner.path.push(Segment::Name(name));
        self
    }

    #[cold]
    pub(crate) fn truncated() -> Self {
        Self::new(DecodeErrorKind::Truncated)
    }
    #[cold]
    pub(crate) fn varint_too_long() -> Self {
        Self::new(DecodeErrorKind::VarintTooLong)
    }
    #[cold]
    pub(crate) fn varint_overflow() -> Self {
        Self::new(DecodeErrorKind::VarintOverflow)
    }
    #[cold]
    pub(crate) fn field_number_zero() -> Self {
        Self::new(DecodeErrorKind::FieldNumberZero)
    }
    #[cold]
    pub(crate) fn field_number_too_large(_number: u64) -> Self {
        Self::new(DecodeErrorKind::FieldNumberTooLarge)
    }
    #[cold]
    pub(crate) fn invalid_wire_type(w: u8) -> Self {
        Self::new(DecodeErrorKind::InvalidWireType(w))
    }
    /// A known field arrived with the wrong wire type.
    #[cold]
    pub fn wrong_wire_type(expected: WireType, found: WireType) -> Self {
        Self::new(DecodeErrorKind::WrongWireType { expected, found })
    }
    #[cold]
    pub(crate) fn length_out_of_bounds() -> Self {
        Self::new(DecodeErrorKind::LengthOutOfBounds)
    }
    #[cold]
    pub(crate) fn invalid_utf8() -> Self {
        Self::new(DecodeErrorKind::InvalidUtf8)
    }
    #[cold]
    pub(crate) fn recursion_limit() -> Self {
        Self::new(DecodeErrorKind::RecursionLimit)
    }
    #[cold]
    pub(crate) fn unexpected_end_group() -> Self {
        Self::new(DecodeErrorKind::UnexpectedEndGroup)
    }
    #[cold]
    pub(crate) fn mismatched_end_group(expected: u32, found: u32) -> Self {
        Self::new(DecodeErrorKind::MismatchedEndGroup { expected, found })
    }
    #[cold]
    pub(crate) fn unterminated_group() -> Self {
        Self::new(DecodeErrorKind::UnterminatedGroup)
    }
    #[cold]
    pub(crate) fn packed_length_mismatch() -> Self {
        Self::new(DecodeErrorKind::PackedLengthMismatch)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(m) = self.inner.message {
            f.write_str(m)?;
            if !self.inner.path.is_empty() {
                write!(f, ".{}", self.field_path())?;
            }
            f.write_str(": ")?;
        }
        fmt::Display::fmt(&self.inner.kind, f)
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("kind", &self.inner.kind)
            .field("message", &self.inner.message)
            .field("field_path", &self.field_path())
            .finish()
    }
}

impl std::error::Error for DecodeError {}

/// Encoding into a caller's buffer failed: it has less room than the message needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncodeError {
    required: usize,
    remaining: usize,
}

impl EncodeError {
    #[cold]
    pub(crate) fn new(required: usize, remaining: usize) -> Self {
        EncodeError {
            required,
            remaining,
        }
    }

    /// Bytes the message needs.
    pub fn required_capacity(&self) -> usize {
        self.required
    }

    /// Bytes the buffer had room for.
    pub fn remaining(&self) -> usize {
        self.remaining
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "buffer too small: message needs {} bytes, {} remaining",
            self.required, self.remaining
        )
    }
}

impl std::error::Error for EncodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_pointer() {
        assert_eq!(
            std::mem::size_of::<Result<(), DecodeError>>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn display_names_message_and_path() {
        let e = DecodeError::invalid_utf8()
            .in_field("pkg.Inner", Some("name"), 1)
            .in_field("pkg.Outer", None, 7);
        assert_eq!(e.to_string(), "pkg.Outer.7.name: invalid UTF-8");
        assert_eq!(e.message_name(), Some("pkg.Outer"));
        assert_eq!(e.field_path(), "7.name");
        let e = DecodeError::truncated().in_message("pkg.M");
        assert_eq!(e.to_string(), "pkg.M: truncated input");
        assert_eq!(DecodeError::truncated().to_string(), "truncated input");
    }
}
