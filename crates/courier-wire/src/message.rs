//! The [`Message`] trait.

use std::fmt::Debug;

use bytes::{Buf, BufMut, Bytes};

use crate::chunks::{ChunkOptions, EncodedChunks, Splices};
use crate::decoder::{DecodeOptions, Decoder};
use crate::encoder::Encoder;
use crate::error::{DecodeError, EncodeError};
use crate::field::len_delimited;
use crate::wire::Tag;

/// The first capacity of the contiguous buffer of a chunked encode: what is left after the
/// spliced values is usually small, and sizing it for the whole `encoded_len` would allocate
/// (and then give back) room for the large values that are not copied; a larger head grows.
const CHUNKED_HEAD_CAPACITY: usize = 512;

/// A protobuf message: what generated code (or a hand-written impl) provides, plus the encode
/// and decode entry points built on it.
///
/// An implementation supplies five items — the name, [`encoded_len`](Message::encoded_len),
/// [`encode_raw`](Message::encode_raw), [`merge_field`](Message::merge_field) and
/// [`clear`](Message::clear) — each a short sequence of calls into the [`field`](crate::field)
/// helpers. Everything else is provided.
pub trait Message: Default + Debug + Send + Sync {
    /// The message's full name (`package.Outer.Inner`), used in error messages.
    const NAME: &'static str;

    /// The name of field `number`, for error messages (`None` prints the number).
    fn field_name(number: u32) -> Option<&'static str> {
        let _ = number;
        None
    }

    /// The exact number of bytes [`encode_raw`](Message::encode_raw) writes.
    fn encoded_len(&self) -> usize;

    /// Writes every field (and the preserved unknown fields) without a length prefix.
    fn encode_raw(&self, enc: &mut Encoder<'_>);

    /// Merges one record whose tag was just read. Known fields call a [`field`](crate::field)
    /// helper; the default arm keeps the record in the message's
    /// [`UnknownFields`](crate::UnknownFields) (or skips it with
    /// [`Decoder::skip_field`]). Never sees end-group tags.
    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError>;

    /// Resets every field to its default, keeping allocations where practical.
    fn clear(&mut self);

    /// Appends the encoding to `out` (sizing it once).
    #[inline]
    fn encode_append(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        self.encode_raw(&mut Encoder::new(out));
    }

    /// The encoding as a new vector.
    #[inline]
    fn encode_to_vec(&self) -> Vec<u8> {
        encode_sized(self, self.encoded_len())
    }

    /// The encoding as [`Bytes`] (no copy beyond [`encode_to_vec`](Message::encode_to_vec)).
    #[inline]
    fn encode_to_bytes(&self) -> Bytes {
        Bytes::from(self.encode_to_vec())
    }

    /// The encoding as [`EncodedChunks`], a [`Buf`] of pieces: `bytes` fields of at least
    /// [`DEFAULT_SPLICE_MIN_LEN`](crate::DEFAULT_SPLICE_MIN_LEN) bytes are not copied but
    /// carried as (reference-counted) pieces of their own between the pieces of the encode
    /// buffer. The pieces, concatenated, are exactly [`encode_to_vec`](Message::encode_to_vec);
    /// [`Buf::chunks_vectored`] hands them to `writev`.
    #[inline]
    fn encode_to_chunks(&self) -> EncodedChunks {
        self.encode_to_chunks_with(&ChunkOptions::default())
    }

    /// [`encode_to_chunks`](Message::encode_to_chunks) with `options` (the splice threshold).
    fn encode_to_chunks_with(&self, options: &ChunkOptions) -> EncodedChunks {
        let len = self.encoded_len();
        if len < options.splice_min_len() {
            // Nothing in it is large enough to splice.
            return EncodedChunks::contiguous(encode_sized(self, len));
        }
        let mut head = Vec::with_capacity(len.min(CHUNKED_HEAD_CAPACITY));
        let mut splices = Splices::new(options);
        self.encode_raw(&mut Encoder::with_splices(&mut head, &mut splices));
        EncodedChunks::new(head, splices)
    }

    /// Writes the encoding into `buf`, or fails without writing when `buf` has too little room.
    ///
    /// Goes through a temporary vector; [`encode_append`](Message::encode_append) and
    /// [`encode_to_vec`](Message::encode_to_vec) write directly.
    fn encode(&self, buf: &mut impl BufMut) -> Result<(), EncodeError> {
        let len = self.encoded_len();
        if buf.remaining_mut() < len {
            return Err(EncodeError::new(len, buf.remaining_mut()));
        }
        buf.put_slice(&encode_sized(self, len));
        Ok(())
    }

    /// Appends the length as a varint, then the encoding, to `out`.
    fn encode_length_delimited_append(&self, out: &mut Vec<u8>) {
        append_length_delimited(self, self.encoded_len(), out);
    }

    /// The length as a varint, then the encoding, as a new vector.
    fn encode_length_delimited_to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_length_delimited_append(&mut out);
        out
    }

    /// Writes the length as a varint, then the encoding, into `buf`.
    fn encode_length_delimited(&self, buf: &mut impl BufMut) -> Result<(), EncodeError> {
        let len = self.encoded_len();
        let total = len_delimited(0, len);
        if buf.remaining_mut() < total {
            return Err(EncodeError::new(total, buf.remaining_mut()));
        }
        let mut out = Vec::new();
        append_length_delimited(self, len, &mut out);
        buf.put_slice(&out);
        Ok(())
    }

    /// Decodes a message from `buf` with default options.
    ///
    /// Contiguous input is decoded in place (`bytes` fields are copied); fragmented input is
    /// gathered with `copy_to_bytes` first. Use [`decode_bytes`](Message::decode_bytes) for
    /// zero-copy `bytes` fields.
    #[inline]
    fn decode(buf: impl Buf) -> Result<Self, DecodeError> {
        Self::decode_with(buf, &DecodeOptions::default())
    }

    /// Decodes a message from `buf` with `options`.
    #[inline]
    fn decode_with(buf: impl Buf, options: &DecodeOptions) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        m.merge_with(buf, options)?;
        Ok(m)
    }

    /// Decodes a message from `bytes`; `bytes` fields are zero-copy slices of it.
    #[inline]
    fn decode_bytes(bytes: Bytes) -> Result<Self, DecodeError> {
        Self::decode_bytes_with(bytes, &DecodeOptions::default())
    }

    /// Decodes a message from `bytes` with `options`; `bytes` fields are zero-copy slices.
    #[inline]
    fn decode_bytes_with(bytes: Bytes, options: &DecodeOptions) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        m.merge_bytes_with(&bytes, options)?;
        Ok(m)
    }

    /// Merges an encoding from `buf` into `self` (scalars overwrite, repeated fields append,
    /// embedded messages merge).
    #[inline]
    fn merge(&mut self, buf: impl Buf) -> Result<(), DecodeError> {
        self.merge_with(buf, &DecodeOptions::default())
    }

    /// [`merge`](Message::merge) with `options`.
    fn merge_with(
        &mut self,
        mut buf: impl Buf,
        options: &DecodeOptions,
    ) -> Result<(), DecodeError> {
        if buf.chunk().len() == buf.remaining() {
            Decoder::with_options(buf.chunk(), options).merge_message_body(self)
        } else {
            let bytes = buf.copy_to_bytes(buf.remaining());
            self.merge_bytes_with(&bytes, options)
        }
    }

    /// Merges an encoding held in `bytes` into `self`; `bytes` fields are zero-copy slices.
    #[inline]
    fn merge_bytes(&mut self, bytes: &Bytes) -> Result<(), DecodeError> {
        self.merge_bytes_with(bytes, &DecodeOptions::default())
    }

    /// [`merge_bytes`](Message::merge_bytes) with `options`.
    #[inline]
    fn merge_bytes_with(
        &mut self,
        bytes: &Bytes,
        options: &DecodeOptions,
    ) -> Result<(), DecodeError> {
        Decoder::with_owner(bytes, options).merge_message_body(self)
    }

    /// Decodes a varint length prefix, then a message of that length.
    fn decode_length_delimited(buf: impl Buf) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        m.merge_length_delimited(buf)?;
        Ok(m)
    }

    /// Decodes a varint length prefix, then merges a message of that length into `self`.
    fn merge_length_delimited(&mut self, mut buf: impl Buf) -> Result<(), DecodeError> {
        let options = DecodeOptions::default();
        if buf.chunk().len() != buf.remaining() {
            let bytes = buf.copy_to_bytes(buf.remaining());
            let mut dec = Decoder::with_owner(&bytes, &options);
            let len = dec.read_len()?;
            let body = dec.take(len)?;
            let body = dec.to_bytes(body);
            return Decoder::with_owner(&body, &options).merge_message_body(self);
        }
        let mut dec = Decoder::with_options(buf.chunk(), &options);
        let len = dec.read_len()?;
        let body = dec.take(len)?;
        Decoder::with_options(body, &options).merge_message_body(self)
    }
}

/// `m`'s encoding in a vector of exactly `len` bytes' capacity (`len` is its
/// [`encoded_len`](Message::encoded_len), computed once by the caller).
#[inline]
fn encode_sized<M: Message>(m: &M, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    m.encode_raw(&mut Encoder::new(&mut out));
    out
}

/// Appends `len` (`m`'s `encoded_len`, computed once by the caller) as a varint, then `m`'s
/// encoding, to `out`.
fn append_length_delimited<M: Message>(m: &M, len: usize, out: &mut Vec<u8>) {
    out.reserve(len_delimited(0, len));
    let mut enc = Encoder::new(out);
    enc.put_varint(len as u64);
    m.encode_raw(&mut enc);
}
