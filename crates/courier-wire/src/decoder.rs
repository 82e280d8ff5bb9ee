//! [`Decoder`]: the concrete cursor every decode runs through, and [`DecodeOptions`].

use bytes::Bytes;

use crate::error::DecodeError;
use crate::message::Message;
use crate::varint;
use crate::wire::{Tag, WireType};

/// The default limit on nested messages and groups.
pub const DEFAULT_RECURSION_LIMIT: u32 = 100;

/// Settings for a decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeOptions {
    recursion_limit: u32,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            recursion_limit: DEFAULT_RECURSION_LIMIT,
        }
    }
}

impl DecodeOptions {
    /// The defaults: recursion limit 100.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how deeply messages and groups (known or unknown) may nest below the top-level
    /// message; deeper input fails with [`DecodeErrorKind::RecursionLimit`](crate::DecodeErrorKind::RecursionLimit).
    pub fn with_recursion_limit(mut self, limit: u32) -> Self {
        self.recursion_limit = limit;
        self
    }

    /// The recursion limit (default 100).
    pub fn recursion_limit(&self) -> u32 {
        self.recursion_limit
    }
}

/// A cursor over contiguous input, limited to the message being decoded.
///
/// Generated `merge_field` code hands it to the [`field`](crate::field) helpers; it is rarely
/// used directly. When built with [`Decoder::with_owner`], `bytes` fields are zero-copy slices
/// of the owner; otherwise they are copied.
#[derive(Debug)]
pub struct Decoder<'a> {
    /// The rest of the whole input. Reading past the current message's end is caught by
    /// comparing with `tail`, so fast paths can look ahead across nested-message ends.
    cur: &'a [u8],
    /// How many bytes of `cur` lie after the end of the current message (0 at top level).
    /// Invariant: `cur.len() >= tail`.
    tail: usize,
    /// Where the record being merged starts (its tag), for byte-exact unknown-field capture.
    field_start: &'a [u8],
    owner: Option<&'a Bytes>,
    /// How many more levels of nesting are allowed.
    depth: u32,
}

impl<'a> Decoder<'a> {
    /// A decoder over `input` with default options; `bytes` fields are copied.
    pub fn new(input: &'a [u8]) -> Self {
        Self::with_options(input, &DecodeOptions::default())
    }

    /// A decoder over `input` with `options`; `bytes` fields are copied.
    pub fn with_options(input: &'a [u8], options: &DecodeOptions) -> Self {
        Decoder {
            cur: input,
            tail: 0,
            field_start: input,
            owner: None,
            depth: options.recursion_limit,
        }
    }

    /// A decoder over all of `owner`; `bytes` fields become zero-copy slices of it.
    pub fn with_owner(owner: &'a Bytes, options: &DecodeOptions) -> Self {
        Decoder {
            cur: owner,
            tail: 0,
            field_start: owner,
            owner: Some(owner),
            depth: options.recursion_limit,
        }
    }

    /// Bytes left in the current message.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.cur.len().saturating_sub(self.tail)
    }

    /// Whether the current message has no bytes left.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.cur.len() <= self.tail
    }

    /// Merges every remaining record of the current message into `msg` (the top-level loop).
    #[inline]
    pub fn merge_message_body<M: Message>(&mut self, msg: &mut M) -> Result<(), DecodeError> {
        self.merge_fields(msg, 0)
    }

    /// The record loop: reads tags and hands them to `msg.merge_field` until the current
    /// message ends or, when `group != 0`, until the end-group tag of field `group`.
    #[inline]
    fn merge_fields<M: Message>(&mut self, msg: &mut M, group: u32) -> Result<(), DecodeError> {
        while self.cur.len() > self.tail {
            self.field_start = self.cur;
            let tag = match self.read_tag() {
                Ok(t) => t,
                Err(e) => return Err(e.in_message(M::NAME)),
            };
            if tag.wire_type() == WireType::EndGroup {
                return self
                    .end_group(tag, group)
                    .map_err(|e| e.in_message(M::NAME));
            }
            if let Err(e) = msg.merge_field(tag, self) {
                let n = tag.field_number();
                return Err(e.in_field(M::NAME, M::field_name(n), n));
            }
        }
        if group != 0 {
            return Err(DecodeError::unterminated_group().in_message(M::NAME));
        }
        Ok(())
    }

    #[inline]
    fn end_group(&self, tag: Tag, group: u32) -> Result<(), DecodeError> {
        // encoding.md, Groups: "Group field numbers need to match up. If we encounter `7:EGROUP`
        // where we expect `8:EGROUP`, the message is mal-formed."
        // <https://protobuf.dev/programming-guides/encoding/#groups>
        if tag.field_number() == group {
            Ok(())
        } else if group == 0 {
            Err(DecodeError::unexpected_end_group())
        } else {
            Err(DecodeError::mismatched_end_group(group, tag.field_number()))
        }
    }

    /// Reads a tag (key).
    #[inline]
    pub fn read_tag(&mut self) -> Result<Tag, DecodeError> {
        // One-byte keys (field numbers 1..=15) are the common case.
        if let [b, rest @ ..] = self.cur {
            let b = *b;
            if (8..0x80).contains(&b) && rest.len() >= self.tail {
                if let Some(wire_type) = WireType::from_u8(b & 7) {
                    self.cur = rest;
                    return Ok(Tag::from_parts(u32::from(b >> 3), wire_type));
                }
            }
        }
        // Longer keys: decoded out of line by value (cursor stays in registers); two-byte keys
        // (field numbers 16..=2047) without the general varint decode.
        let (raw, n) = tag_multi(self.cur);
        if let Some(rest) = self.cur.get(n..) {
            if n != 0 && rest.len() >= self.tail {
                if let Some(wire_type) = WireType::from_u8((raw & 7) as u8) {
                    self.cur = rest;
                    return Ok(Tag::from_parts(raw >> 3, wire_type));
                }
            }
        }
        self.read_tag_slow()
    }

    /// The general key path: any varint, then every check that names the error.
    #[cold]
    #[inline(never)]
    fn read_tag_slow(&mut self) -> Result<Tag, DecodeError> {
        let raw = self.read_varint_compact()?;
        Tag::from_raw(raw)
    }

    /// Reads a varint.
    ///
    /// Everything is inlined (the one-byte case, then the unrolled multi-byte decode), as suits
    /// a caller's own tight loop. Generated code goes through the `field` helpers instead, which
    /// keep the multi-byte decode out of line (smaller, and cheaper across a whole message).
    #[inline]
    pub fn read_varint(&mut self) -> Result<u64, DecodeError> {
        self.read_varint_inline()
    }

    /// [`read_varint`](Decoder::read_varint) with the multi-byte decode out of line: what the
    /// field helpers, length prefixes and tags use. Forcing the unrolled decoder inline into
    /// every varint field made whole-message decodes cost more instructions (measured with
    /// benches/benches/wire_icount.rs).
    #[inline]
    pub(crate) fn read_varint_compact(&mut self) -> Result<u64, DecodeError> {
        self.read_varint_with(varint::decode_multi)
    }

    /// [`read_varint`](Decoder::read_varint) forced inline, for tight loops (packed fields): the
    /// one-byte case, then the unrolled decode; each exit advances the cursor by a constant.
    #[inline(always)]
    pub(crate) fn read_varint_inline(&mut self) -> Result<u64, DecodeError> {
        if let [b, rest @ ..] = self.cur {
            if *b < 0x80 && rest.len() >= self.tail {
                self.cur = rest;
                return Ok(u64::from(*b));
            }
        }
        let mut rest = self.cur;
        match varint::decode_advance(&mut rest) {
            Some(v) if rest.len() >= self.tail => {
                self.cur = rest;
                Ok(v)
            }
            _ => Err(varint_error(self.cur)),
        }
    }

    /// The one-byte case inline, then `multi`; the cursor is only read and written here (the
    /// out-of-line and cold paths take and return plain values), so a caller's decoder can stay
    /// in registers.
    #[inline(always)]
    fn read_varint_with(
        &mut self,
        multi: impl FnOnce(&[u8]) -> (u64, usize),
    ) -> Result<u64, DecodeError> {
        if let [b, rest @ ..] = self.cur {
            if *b < 0x80 && rest.len() >= self.tail {
                self.cur = rest;
                return Ok(u64::from(*b));
            }
        }
        let (v, n) = multi(self.cur);
        match self.cur.get(n..) {
            Some(rest) if n != 0 && rest.len() >= self.tail => {
                self.cur = rest;
                Ok(v)
            }
            _ => Err(varint_error(self.cur)),
        }
    }

    /// Consumes the one-byte key `key` if it comes next in the current message (the fast path
    /// for records in their expected order; anything else is left for [`read_tag`](Decoder::read_tag)).
    #[inline(always)]
    pub(crate) fn eat_key(&mut self, key: u8) -> bool {
        match self.cur.split_first() {
            Some((b, rest)) if *b == key && rest.len() >= self.tail => {
                self.cur = rest;
                true
            }
            _ => false,
        }
    }

    /// Reads four little-endian bytes.
    #[inline]
    pub fn read_fixed32(&mut self) -> Result<u32, DecodeError> {
        match self.cur.split_first_chunk::<4>() {
            Some((b, rest)) if rest.len() >= self.tail => {
                self.cur = rest;
                Ok(u32::from_le_bytes(*b))
            }
            _ => Err(DecodeError::truncated()),
        }
    }

    /// Reads eight little-endian bytes.
    #[inline]
    pub fn read_fixed64(&mut self) -> Result<u64, DecodeError> {
        match self.cur.split_first_chunk::<8>() {
            Some((b, rest)) if rest.len() >= self.tail => {
                self.cur = rest;
                Ok(u64::from_le_bytes(*b))
            }
            _ => Err(DecodeError::truncated()),
        }
    }

    /// Reads a length prefix and checks it against the rest of the current message (before
    /// anything is allocated).
    #[inline]
    pub fn read_len(&mut self) -> Result<usize, DecodeError> {
        let len = self.read_varint_compact()?;
        // encoding.md, Length-Delimited Records: "The int32 varint means that the max length of
        // a string is 2GB." <https://protobuf.dev/programming-guides/encoding/#length-types>
        if len > self.remaining() as u64 || len > i32::MAX as u64 {
            return Err(DecodeError::length_out_of_bounds());
        }
        Ok(len as usize)
    }

    /// Takes the next `len` bytes.
    #[inline]
    pub fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        match self.cur.split_at_checked(len) {
            Some((head, rest)) if rest.len() >= self.tail => {
                self.cur = rest;
                Ok(head)
            }
            _ => Err(DecodeError::truncated()),
        }
    }

    /// Reads a length-delimited payload as a slice of the input.
    #[inline]
    pub fn read_len_slice(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.read_len()?;
        self.take(len)
    }

    /// Reads a length-delimited payload as [`Bytes`]: a zero-copy slice when the decoder has an
    /// owner, a copy otherwise.
    #[inline]
    pub fn read_bytes(&mut self) -> Result<Bytes, DecodeError> {
        let s = self.read_len_slice()?;
        Ok(match self.owner {
            // `cur` is always a suffix of the owner (a cursor only moves forward), and `s` ends
            // where `cur` now starts: slice by offsets, without `slice_ref`'s pointer checks.
            Some(owner) => {
                let end = owner.len() - self.cur.len();
                owner.slice(end - s.len()..end)
            }
            None => self.to_bytes(s),
        })
    }

    /// `s` (a slice of this decoder's input) as `Bytes`: zero-copy with an owner.
    #[inline]
    pub fn to_bytes(&self, s: &'a [u8]) -> Bytes {
        if s.is_empty() {
            return Bytes::new();
        }
        match self.owner {
            Some(owner) => owner.slice_ref(s),
            None => Bytes::copy_from_slice(s),
        }
    }

    /// Reads a length-delimited payload and checks that it is UTF-8.
    #[inline]
    pub fn read_str(&mut self) -> Result<&'a str, DecodeError> {
        let s = self.read_len_slice()?;
        // proto3.md, Scalar Value Types: "A string must always contain UTF-8 encoded or 7-bit
        // ASCII text". <https://protobuf.dev/programming-guides/proto3/#scalar>
        std::str::from_utf8(s).map_err(|_| DecodeError::invalid_utf8())
    }

    /// Runs `f` with the cursor narrowed to the next `len` bytes (one nesting level deeper),
    /// then checks that `f` consumed them all and restores the outer rest.
    #[inline]
    pub(crate) fn nested<R>(
        &mut self,
        len: usize,
        f: impl FnOnce(&mut Self) -> Result<R, DecodeError>,
    ) -> Result<R, DecodeError> {
        if len > self.remaining() {
            return Err(DecodeError::length_out_of_bounds());
        }
        if self.depth == 0 {
            return Err(DecodeError::recursion_limit());
        }
        self.depth -= 1;
        let outer_tail = std::mem::replace(&mut self.tail, self.cur.len() - len);
        let r = f(self)?;
        if self.cur.len() != self.tail {
            return Err(DecodeError::truncated());
        }
        self.tail = outer_tail;
        self.depth += 1;
        Ok(r)
    }

    /// Runs `f` with the message bound narrowed to the next `len` bytes, at the same depth
    /// (packed payloads); `f` must consume them exactly.
    #[inline(always)]
    pub(crate) fn within<R>(
        &mut self,
        len: usize,
        f: impl FnOnce(&mut Self) -> Result<R, DecodeError>,
    ) -> Result<R, DecodeError> {
        if len > self.remaining() {
            return Err(DecodeError::length_out_of_bounds());
        }
        let outer_tail = std::mem::replace(&mut self.tail, self.cur.len() - len);
        let r = f(self)?;
        if self.cur.len() != self.tail {
            return Err(DecodeError::truncated());
        }
        self.tail = outer_tail;
        Ok(r)
    }

    /// The next `len` bytes without consuming them (`len <= remaining()` is checked).
    #[inline]
    pub(crate) fn peek(&self, len: usize) -> Result<&'a [u8], DecodeError> {
        if len > self.remaining() {
            return Err(DecodeError::length_out_of_bounds());
        }
        self.cur
            .get(..len)
            .ok_or_else(DecodeError::length_out_of_bounds)
    }

    /// Merges a length-delimited embedded message (the length prefix comes next).
    #[inline]
    pub fn merge_message<M: Message>(&mut self, msg: &mut M) -> Result<(), DecodeError> {
        let len = self.read_len()?;
        self.nested(len, |d| d.merge_fields(msg, 0))
    }

    /// Merges a group whose start-group tag (field `number`) was just read, up to and including
    /// the matching end-group tag.
    #[inline]
    pub fn merge_group<M: Message>(&mut self, number: u32, msg: &mut M) -> Result<(), DecodeError> {
        if self.depth == 0 {
            return Err(DecodeError::recursion_limit());
        }
        self.depth -= 1;
        self.merge_fields(msg, number)?;
        self.depth += 1;
        Ok(())
    }

    /// Skips the value of a record whose tag was just read and returns the whole record, tag
    /// included, exactly as it appeared in the input.
    pub fn skip_field(&mut self, tag: Tag) -> Result<&'a [u8], DecodeError> {
        let start = self.field_start;
        self.skip_value(tag)?;
        let consumed = start.len() - self.cur.len();
        Ok(start.get(..consumed).unwrap_or_default())
    }

    pub(crate) fn skip_value(&mut self, tag: Tag) -> Result<(), DecodeError> {
        match tag.wire_type() {
            WireType::Varint => self.read_varint_compact().map(drop),
            WireType::I64 => self.read_fixed64().map(drop),
            WireType::I32 => self.read_fixed32().map(drop),
            WireType::Len => self.read_len_slice().map(drop),
            WireType::StartGroup => self.skip_group(tag.field_number()),
            WireType::EndGroup => Err(DecodeError::unexpected_end_group()),
        }
    }

    /// Marks the current position as the start of a record (for [`Decoder::skip_field`]).
    #[inline]
    pub(crate) fn field_start_here(&mut self) {
        self.field_start = self.cur;
    }

    /// Skips a group's records and end tag (its start tag was just read); returns the records
    /// between the tags.
    pub(crate) fn skip_group_contents(&mut self, number: u32) -> Result<&'a [u8], DecodeError> {
        let start = self.cur;
        let before_end;
        if self.depth == 0 {
            return Err(DecodeError::recursion_limit());
        }
        self.depth -= 1;
        loop {
            if self.is_empty() {
                return Err(DecodeError::unterminated_group());
            }
            let here = self.cur;
            let tag = self.read_tag()?;
            if tag.wire_type() == WireType::EndGroup {
                self.end_group(tag, number)?;
                before_end = here;
                break;
            }
            self.skip_value(tag)?;
        }
        self.depth += 1;
        Ok(start
            .get(..start.len() - before_end.len())
            .unwrap_or_default())
    }

    fn skip_group(&mut self, number: u32) -> Result<(), DecodeError> {
        self.skip_group_contents(number).map(drop)
    }
}

/// A key of two or more bytes at the front of `cur`: its value and length, or `(0, 0)` when it is
/// anything but a well-formed key of at most five bytes with a non-zero field number (the caller
/// then takes the general path, which reports the error).
#[inline(never)]
fn tag_multi(cur: &[u8]) -> (u32, usize) {
    if let [b0, b1, ..] = *cur {
        if b0 >= 0x80 && b1 < 0x80 {
            let raw = u32::from(b0 & 0x7f) | (u32::from(b1) << 7);
            return if raw >= 8 { (raw, 2) } else { (0, 0) };
        }
    }
    tag_long(cur)
}

/// [`tag_multi`] for keys of three bytes or more (a tail call, so the two-byte path needs no
/// stack frame).
#[inline(never)]
fn tag_long(cur: &[u8]) -> (u32, usize) {
    let (v, n) = varint::decode_multi_inline(cur);
    if n == 0 || v > u64::from(u32::MAX) || v < 8 {
        return (0, 0);
    }
    (v as u32, n)
}

/// Why the varint at the front of `cur` could not be read: the cold path re-decodes it
/// byte by byte (a free function, so the decoder's address need not escape).
#[cold]
#[inline(never)]
fn varint_error(cur: &[u8]) -> DecodeError {
    match varint::decode_checked(cur) {
        Err(e) => e,
        // The varint is well formed but runs past the end of the current message.
        Ok(_) => DecodeError::truncated(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecodeErrorKind;
    use crate::wire::MAX_FIELD_NUMBER;

    #[test]
    fn fixed_and_truncation() {
        let mut d = Decoder::new(&[1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 9]);
        assert_eq!(d.read_fixed32().unwrap(), 1);
        assert_eq!(d.read_fixed64().unwrap(), 2);
        assert_eq!(
            d.read_fixed32().unwrap_err().kind(),
            DecodeErrorKind::Truncated
        );
        let mut d = Decoder::new(&[1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(
            d.read_fixed64().unwrap_err().kind(),
            DecodeErrorKind::Truncated
        );
    }

    #[test]
    fn length_prefix_checked_before_allocation() {
        // A 2 GiB length with three bytes behind it.
        let mut d = Decoder::new(&[0x80, 0x80, 0x80, 0x80, 0x08, 1, 2, 3]);
        assert_eq!(
            d.read_bytes().unwrap_err().kind(),
            DecodeErrorKind::LengthOutOfBounds
        );
        let mut d = Decoder::new(&[4, 1, 2, 3]);
        assert_eq!(
            d.read_bytes().unwrap_err().kind(),
            DecodeErrorKind::LengthOutOfBounds
        );
        let mut d = Decoder::new(&[3, 1, 2, 3]);
        assert_eq!(&d.read_bytes().unwrap()[..], [1, 2, 3]);
    }

    #[test]
    fn bytes_are_zero_copy_with_owner() {
        let input = Bytes::from_static(&[0x03, b'a', b'b', b'c']);
        let mut d = Decoder::with_owner(&input, &DecodeOptions::default());
        let b = d.read_bytes().unwrap();
        assert_eq!(b.as_ptr(), input[1..].as_ptr());
    }

    #[test]
    fn owned_bytes_are_sliced_at_the_right_offsets() {
        // "ab", "", then a nested payload holding "xyz" and "q", then "end".
        let input = Bytes::from_static(b"\x02ab\x00\x06\x03xyz\x01q\x03end");
        let mut d = Decoder::with_owner(&input, &DecodeOptions::default());
        let mut got = vec![d.read_bytes().unwrap(), d.read_bytes().unwrap()];
        let len = d.read_len().unwrap();
        d.nested(len, |d| {
            got.push(d.read_bytes()?);
            got.push(d.read_bytes()?);
            Ok(())
        })
        .unwrap();
        got.push(d.read_bytes().unwrap());
        assert!(d.is_empty());
        assert_eq!(got, [&b"ab"[..], b"", b"xyz", b"q", b"end"]);
        for (b, at) in got.iter().zip([1, 4, 6, 10, 12]) {
            if !b.is_empty() {
                assert_eq!(b.as_ptr(), input[at..].as_ptr());
            }
        }
        // A payload running past a nested message's end is an error, not a slice.
        let input = Bytes::from_static(b"\x02\x03ab");
        let mut d = Decoder::with_owner(&input, &DecodeOptions::default());
        let len = d.read_len().unwrap();
        let err = d.nested(len, |d| d.read_bytes().map(drop)).unwrap_err();
        assert_eq!(err.kind(), DecodeErrorKind::LengthOutOfBounds);
    }

    #[test]
    fn skip_returns_raw_record() {
        // 1:VARINT 150 (non-canonical key 0x88 0x00), then 2:SGROUP { 3:I32 } 2:EGROUP.
        let input = [0x88, 0x00, 0x96, 0x01, 0x13, 0x1d, 1, 2, 3, 4, 0x14, 0xff];
        let mut d = Decoder::new(&input);
        d.field_start = d.cur;
        let t = d.read_tag().unwrap();
        assert_eq!(d.skip_field(t).unwrap(), &input[..4]);
        d.field_start = d.cur;
        let t = d.read_tag().unwrap();
        assert_eq!(d.skip_field(t).unwrap(), &input[4..11]);
    }

    /// The reference key reader: the general varint decode, then `Tag::from_raw`.
    fn reference_tag(input: &[u8], tail: usize) -> Result<(Tag, usize), DecodeErrorKind> {
        let (raw, n) = varint::decode_checked(input).map_err(|e| e.kind())?;
        if input.len() - n < tail {
            return Err(DecodeErrorKind::Truncated);
        }
        Tag::from_raw(raw).map(|t| (t, n)).map_err(|e| e.kind())
    }

    fn fast_tag(input: &[u8], tail: usize) -> Result<(Tag, usize), DecodeErrorKind> {
        let mut d = Decoder::new(input);
        d.tail = tail;
        let t = d.read_tag().map_err(|e| e.kind())?;
        Ok((t, input.len() - d.cur.len()))
    }

    #[test]
    fn two_byte_tags() {
        let tag = |b: &[u8]| fast_tag(b, 0);
        // 16:VARINT, 2047:I32, the largest two-byte key.
        assert_eq!(
            tag(&[0x80, 0x01]),
            Ok((Tag::new(16, WireType::Varint).unwrap(), 2))
        );
        assert_eq!(
            tag(&[0xfd, 0x7f, 0]),
            Ok((Tag::new(2047, WireType::I32).unwrap(), 2))
        );
        assert_eq!(
            tag(&[0x80, 0x80, 0x01]),
            Ok((Tag::new(2048, WireType::Varint).unwrap(), 3))
        );
        // Padded keys are valid: field 1 in two bytes.
        assert_eq!(
            tag(&[0x8a, 0x00]),
            Ok((Tag::new(1, WireType::Len).unwrap(), 2))
        );
        // Field number 0 in a padded key, wire types 6 and 7, truncation.
        assert_eq!(tag(&[0x80, 0x00]), Err(DecodeErrorKind::FieldNumberZero));
        assert_eq!(tag(&[0x86, 0x00]), Err(DecodeErrorKind::FieldNumberZero));
        assert_eq!(tag(&[0x86, 0x01]), Err(DecodeErrorKind::InvalidWireType(6)));
        assert_eq!(tag(&[0xff, 0x7f]), Err(DecodeErrorKind::InvalidWireType(7)));
        assert_eq!(tag(&[0x80]), Err(DecodeErrorKind::Truncated));
        // A key that runs past the end of the current message.
        assert_eq!(
            fast_tag(&[0x80, 0x01, 0], 2),
            Err(DecodeErrorKind::Truncated)
        );
        assert_eq!(
            fast_tag(&[0x80, 0x01, 0], 1),
            Ok((Tag::new(16, WireType::Varint).unwrap(), 2))
        );
        // Five-byte keys: the largest field number, then one beyond it.
        assert_eq!(
            tag(&[0xf8, 0xff, 0xff, 0xff, 0x0f]),
            Ok((Tag::new(MAX_FIELD_NUMBER, WireType::Varint).unwrap(), 5))
        );
        assert_eq!(
            tag(&[0x80, 0x80, 0x80, 0x80, 0x10]),
            Err(DecodeErrorKind::FieldNumberTooLarge)
        );
    }

    #[test]
    fn every_two_byte_key_matches_reference() {
        for b0 in 0..=255u8 {
            for b1 in 0..=255u8 {
                for tail in 0..2 {
                    let input = [b0, b1, 0x00];
                    assert_eq!(
                        fast_tag(&input, tail),
                        reference_tag(&input, tail),
                        "{b0:#x} {b1:#x} tail {tail}"
                    );
                    assert_eq!(fast_tag(&input[..2], 0), reference_tag(&input[..2], 0));
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn keys_match_reference(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(0x80u8),
                    proptest::strategy::Just(0xffu8),
                    proptest::strategy::Just(0x00u8),
                    proptest::strategy::Just(0x01u8),
                    proptest::prelude::any::<u8>(),
                ],
                0..12,
            ),
            tail in 0usize..3,
        ) {
            let tail = tail.min(bytes.len());
            proptest::prop_assert_eq!(fast_tag(&bytes, tail), reference_tag(&bytes, tail));
        }
    }

    #[test]
    fn skip_group_errors() {
        let kind = |input: &[u8]| {
            let mut d = Decoder::new(input);
            let t = d.read_tag().unwrap();
            d.skip_field(t).unwrap_err().kind()
        };
        assert_eq!(
            kind(&[0x13, 0x08, 0x01]),
            DecodeErrorKind::UnterminatedGroup
        );
        assert_eq!(
            kind(&[0x13, 0x1c]),
            DecodeErrorKind::MismatchedEndGroup {
                expected: 2,
                found: 3
            }
        );
        // Nested groups beyond the limit.
        let mut deep = vec![0x13; 200];
        deep.extend(vec![0x14; 200]);
        assert_eq!(kind(&deep), DecodeErrorKind::RecursionLimit);
        let mut ok = vec![0x13; 100];
        ok.extend(vec![0x14; 100]);
        let mut d = Decoder::new(&ok);
        let t = d.read_tag().unwrap();
        assert_eq!(d.skip_field(t).unwrap().len(), 200);
    }
}
