//! The decoder's error: opaque, with a kind that tells the HTTP/2 layer what to do.

use std::fmt;

/// What went wrong while decoding a header block.
///
/// Every kind except [`HeaderListTooLarge`](ErrorKind::HeaderListTooLarge) and
/// [`StringTooLong`](ErrorKind::StringTooLong) means the block is malformed and the decoder's
/// state can no longer be trusted: HTTP/2 answers with a connection error of type
/// COMPRESSION_ERROR ([`DecoderError::is_compression_error`]). Those two mean the block was
/// well formed and fully processed (the dynamic table is in sync) but the header list exceeds a
/// local limit: HTTP/2 can refuse the one stream (RFC 9113 §10.5.1) and keep the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The block ends inside a representation (an integer, a string, a field).
    Truncated,
    /// An integer exceeds the implementation limit (2^32 - 1) or uses too many octets.
    IntegerOverflow,
    /// An index is zero or past the end of the static and dynamic tables.
    InvalidIndex,
    /// A Huffman-coded string contains EOS or has invalid padding.
    InvalidHuffman,
    /// A dynamic table size update exceeds the SETTINGS_HEADER_TABLE_SIZE in force.
    TableSizeTooLarge,
    /// A dynamic table size update follows a field representation.
    LateTableSizeUpdate,
    /// The block does not start with the dynamic table size update required after this decoder's
    /// maximum table size was reduced.
    MissingTableSizeUpdate,
    /// The decoded header list exceeds the maximum header list size (the sum of name length +
    /// value length + 32 over all fields). The block was fully processed.
    HeaderListTooLarge,
    /// A name or value is longer than the maximum string length. The block was fully processed.
    StringTooLong,
    /// The decoded header list passed the decoder's abort size
    /// ([`Decoder::set_header_list_abort_size`](crate::Decoder::set_header_list_abort_size)),
    /// far beyond the maximum header list size: decoding stopped there, so the dynamic table is
    /// no longer in step with the peer's encoder and the decoder must not be used again. The
    /// block was well formed as far as it was read; HTTP/2 ends the connection (h2 answers
    /// GOAWAY ENHANCE_YOUR_CALM), and [`DecoderError::is_compression_error`] is true so that a
    /// caller that does not tell it apart ends the connection too.
    HeaderListAborted,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Truncated => "header block ends inside a representation",
            Self::IntegerOverflow => "integer exceeds the implementation limit",
            Self::InvalidIndex => "index is zero or not in the static or dynamic table",
            Self::InvalidHuffman => "invalid Huffman code (EOS or bad padding)",
            Self::TableSizeTooLarge => {
                "dynamic table size update exceeds SETTINGS_HEADER_TABLE_SIZE"
            }
            Self::LateTableSizeUpdate => "dynamic table size update after a header field",
            Self::MissingTableSizeUpdate => {
                "header block does not start with the required dynamic table size update"
            }
            Self::HeaderListTooLarge => "header list exceeds the maximum header list size",
            Self::StringTooLong => "header name or value exceeds the maximum string length",
            Self::HeaderListAborted => {
                "header list exceeds the abort size: decoding stopped (an HPACK bomb)"
            }
        }
    }
}

/// An error decoding a header block. See [`ErrorKind`] for what each kind means to HTTP/2.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecoderError {
    kind: ErrorKind,
    offset: usize,
}

impl DecoderError {
    #[cold]
    #[inline(never)]
    pub(crate) fn new(kind: ErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The offset in the block of the representation that failed (for the size-limit kinds, of
    /// the first field over the limit).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Whether the block was malformed, so that HTTP/2 must treat it as a connection error of
    /// type COMPRESSION_ERROR (RFC 9113 §4.3). False for the size-limit kinds, after which the
    /// decoder is still in sync with the peer's encoder.
    pub fn is_compression_error(&self) -> bool {
        !matches!(
            self.kind,
            ErrorKind::HeaderListTooLarge | ErrorKind::StringTooLong
        )
    }
}

impl fmt::Display for DecoderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HPACK: {} (at offset {})",
            self.kind.describe(),
            self.offset
        )
    }
}

impl std::error::Error for DecoderError {}
