//! HPACK, the header compression of HTTP/2 (RFC 7541), as a crate that stands on its own.
//!
//! What it does: everything RFC 7541 defines — integers with an N-bit prefix, string literals
//! raw and Huffman-coded, the static table, the dynamic table with its size accounting and
//! eviction, dynamic table size updates, and all field representations (indexed, literal with
//! incremental indexing, without indexing, never indexed). The [`Decoder`] enforces limits
//! (header list size, string length, the table size we advertised) and never panics on any
//! input; the [`Encoder`] picks representations to keep blocks small and keeps sensitive fields
//! out of every table.
//!
//! What it does not do: any I/O, framing (HEADERS and CONTINUATION frames are the HTTP/2
//! layer's job, which concatenates a block's fragments before decoding), or HTTP semantics
//! (pseudo-header rules, lowercase names and connection-specific fields are checked by HTTP/2).
//!
//! # Example
//!
//! ```
//! use courier_hpack::{Decoder, Encoder, FieldRef};
//!
//! let mut encoder = Encoder::new(4096);
//! let mut decoder = Decoder::new(4096);
//!
//! let mut block = Vec::new();
//! encoder.encode(
//!     [
//!         FieldRef::new(b":method", b"POST"),
//!         FieldRef::new(b":path", b"/helloworld.Greeter/SayHello"),
//!         FieldRef::new(b"content-type", b"application/grpc"),
//!         FieldRef::sensitive(b"authorization", b"Bearer t0ken"),
//!     ],
//!     &mut block,
//! );
//!
//! let fields = decoder.decode_to_vec(&block).unwrap();
//! assert_eq!(fields[1].value(), "/helloworld.Greeter/SayHello");
//! assert!(fields[3].is_never_indexed());
//!
//! // The same block again, now mostly one-octet indexes, read without copying.
//! let mut block = Vec::new();
//! encoder.encode([FieldRef::new(b":path", b"/helloworld.Greeter/SayHello")], &mut block);
//! assert_eq!(block, [0xbf]);
//! decoder
//!     .decode_borrowed(&block, |name, value, _never_indexed| {
//!         assert_eq!((name, value), (&b":path"[..], &b"/helloworld.Greeter/SayHello"[..]));
//!     })
//!     .unwrap();
//! ```
//!
//! Decoded fields come either owned ([`Decoder::decode`], [`HeaderField`] with `bytes::Bytes`
//! name and value) or borrowed for the duration of a callback ([`Decoder::decode_borrowed`],
//! no allocation per field).
//!
//! # Errors and the HTTP/2 layer
//!
//! A [`DecoderError`] is opaque; its [`kind`](DecoderError::kind) says what went wrong and
//! [`is_compression_error`](DecoderError::is_compression_error) how HTTP/2 must react: a
//! malformed block is a connection error of type COMPRESSION_ERROR, while
//! [`ErrorKind::HeaderListTooLarge`] and [`ErrorKind::StringTooLong`] only refuse the one
//! stream (RFC 9113 §10.5.1, e.g. with a 431 or RST_STREAM).
//!
//! **The decoding state must be updated even for a block whose header list is rejected as too
//! large.** The dynamic table is shared by every block on the connection, so a block that is
//! refused still has to be decoded to the end, or the next block would refer to entries this
//! side never added. [`Decoder::decode`] does exactly that: the size limit stops fields from
//! being allocated and passed on, not table maintenance (table insertions are bounded by the
//! table size). After a size-limit error the decoder is in sync and ready for the next block;
//! after a compression error it must be discarded with the connection.

mod buf;
mod decoder;
mod encoder;
mod error;
mod field;
mod huffman;
mod integer;
mod intern;
mod precoded;
mod table;
mod tables;

pub use buf::EncodeBuf;
pub use decoder::{
    DEFAULT_MAX_HEADER_LIST_SIZE, DEFAULT_MAX_STRING_LEN, DEFAULT_TABLE_SIZE, Decoder,
};
pub use encoder::{Encoder, Huffman, Indexing};
pub use error::{DecoderError, ErrorKind};
pub use field::{ENTRY_OVERHEAD, FieldRef, HeaderField};

/// Raw Huffman coding (RFC 7541 §5.2, Appendix B), for callers and benchmarks that need the
/// string code alone.
pub mod huffman_code {
    use crate::huffman;

    /// The Huffman-coded length of `src` in octets.
    pub fn encoded_len(src: &[u8]) -> usize {
        huffman::encoded_len(src)
    }

    /// Appends the Huffman coding of `src` (padded with ones) to `dst`.
    pub fn encode(src: &[u8], dst: &mut impl crate::EncodeBuf) {
        huffman::encode(src, dst);
    }

    /// Appends the decoding of Huffman-coded `src` to `dst`. Fails (leaving `dst` as it was)
    /// on EOS in the input or padding that is longer than 7 bits or not all ones.
    pub fn decode(src: &[u8], dst: &mut Vec<u8>) -> Result<(), crate::DecoderError> {
        huffman::decode(src, dst)
            .map_err(|_| crate::DecoderError::new(crate::ErrorKind::InvalidHuffman, 0))
    }
}

/// Internals for the fuzz targets (`cargo fuzz` builds with `--cfg fuzzing`).
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    /// Decodes Huffman-coded `src` with the fast decoder and with the bit-by-bit reference, and
    /// panics if they disagree.
    pub fn huffman_agrees_with_reference(src: &[u8]) {
        let mut fast = Vec::new();
        let fast = crate::huffman::decode(src, &mut fast).map(|()| fast);
        assert_eq!(fast, crate::huffman::decode_reference(src));
    }

    /// Decodes an integer with a `prefix`-bit prefix (1..=8).
    pub fn decode_integer(src: &[u8], prefix: u8) -> Option<usize> {
        crate::integer::decode(src, &mut 0, prefix.clamp(1, 8)).ok()
    }
}
