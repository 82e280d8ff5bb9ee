//! The HPACK decoder (RFC 7541 §3, §6): header block in, header fields out, with limits.

use bytes::{Bytes, BytesMut};

use crate::error::{DecoderError, ErrorKind};
use crate::field::{ENTRY_OVERHEAD, HeaderField};
use crate::table::DynamicTable;
use crate::{huffman, integer, intern};

/// The default SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2): 4,096 octets.
pub const DEFAULT_TABLE_SIZE: usize = 4096;

/// The decoder's default maximum header list size: 64 KiB (name + value + 32 per field).
pub const DEFAULT_MAX_HEADER_LIST_SIZE: usize = 64 * 1024;

/// The decoder's default maximum string length: 64 KiB.
pub const DEFAULT_MAX_STRING_LEN: usize = 64 * 1024;

/// Buffers larger than this are released after the block that needed them.
const SCRATCH_KEEP: usize = 64 * 1024;

/// The size of `decode`'s first field buffer. Fields are cut from one buffer, block after
/// block, while it has room, and a new buffer is at least as large as the first (`bytes`
/// keeps a buffer's original capacity): a block of a few indexed fields, a small request's,
/// costs no allocation most of the time. Sized by the block alone (twice its length), the
/// first buffer of a small block set every later one to the size of one field: two
/// allocations per field copied.
const OUT_MIN: usize = 512;

/// Decodes header blocks, keeping the dynamic table in step with the peer's encoder.
///
/// One `Decoder` per connection and direction. Every header block the peer sends must go
/// through [`decode`](Self::decode), in order, even the ones whose stream is refused: the
/// dynamic table is shared by all of them.
///
/// Limits, each with a safe default and a setter:
/// - the maximum dynamic table size, the SETTINGS_HEADER_TABLE_SIZE we advertised
///   ([`set_max_table_size`](Self::set_max_table_size), default 4,096);
/// - the maximum header list size, name + value + 32 summed over the fields, checked field by
///   field while decoding so a small block that references a large table entry many times (an
///   "HPACK bomb", CVE-2016-6581) never turns into a large allocation
///   ([`set_max_header_list_size`](Self::set_max_header_list_size), default 64 KiB);
/// - the maximum length of one decoded name or value
///   ([`set_max_string_len`](Self::set_max_string_len), default 64 KiB).
///
/// Memory is bounded: the dynamic table takes at most about twice its maximum size, decoding
/// holds one field's strings at a time (at most 8/5 of the block's length), and the fields
/// [`decode`](Self::decode) hands out are bounded by the header list size; buffers that grew for
/// an unusually large block are given back after it.
#[derive(Debug)]
pub struct Decoder {
    table: DynamicTable,
    /// The SETTINGS_HEADER_TABLE_SIZE in force: no size update may exceed it.
    max_table_size: usize,
    /// Set when our setting dropped below the table's current maximum: the next block must
    /// begin with a dynamic table size update.
    size_update_required: bool,
    max_header_list_size: usize,
    /// Past this decoded list size decoding stops ([`ErrorKind::HeaderListAborted`]).
    abort_list_size: usize,
    max_string_len: usize,
    /// The current field's decoded literal strings.
    scratch: Vec<u8>,
    /// Storage shared by the owned fields [`decode`](Self::decode) hands out.
    out: BytesMut,
    /// What is remembered from one block to the next ([`Memory`]), made when first needed:
    /// a decoder that has decoded nothing (an idle connection's) holds one pointer of it.
    memory: Option<Box<Memory>>,
}

/// What a [`Decoder`] remembers from one block to the next.
#[derive(Debug, Default)]
struct Memory {
    /// The last Huffman-coded strings decoded, to reuse when a peer sends one again.
    huffman: HuffmanMemo,
    /// The last block [`Decoder::decode`] saw (when at most [`REPEAT_MAX_BLOCK`] bytes).
    last_block: Vec<u8>,
    /// A block that came twice in a row and left the dynamic table alone, and its fields: the
    /// same block decodes to the same fields for as long as the table and the limits stay as
    /// they are, so a third copy is answered with clones. Valid while `repeat_valid`.
    repeat_block: Vec<u8>,
    repeat: Vec<HeaderField>,
    repeat_valid: bool,
}

/// The table or a limit changed: a repeated block must be decoded again.
fn forget_repeat(memory: &mut Option<Box<Memory>>) {
    if let Some(m) = memory {
        m.repeat_valid = false;
    }
}

/// Blocks at most this long (encoded) may be answered from [`Decoder`]'s repeat memo.
const REPEAT_MAX_BLOCK: usize = 256;
/// Blocks of at most this many fields may be answered from [`Decoder`]'s repeat memo.
const REPEAT_MAX_FIELDS: usize = 32;

impl Default for Decoder {
    fn default() -> Self {
        Self::new(DEFAULT_TABLE_SIZE)
    }
}

/// Per-block bookkeeping of the limits.
struct ListState {
    size: usize,
    /// The first limit the block broke, and where.
    over: Option<DecoderError>,
}

impl ListState {
    /// Counts a field into the header list; whether it may still be passed on.
    #[inline]
    fn admit(&mut self, limit: usize, size: usize, offset: usize) -> bool {
        self.size = self.size.saturating_add(size);
        if self.over.is_some() {
            return false;
        }
        if self.size > limit {
            self.over = Some(DecoderError::new(ErrorKind::HeaderListTooLarge, offset));
            return false;
        }
        true
    }

    /// Checks the string length limit; whether the field may still be passed on.
    #[inline]
    fn string_ok(&mut self, limit: usize, name: usize, value: usize, offset: usize) -> bool {
        if name.max(value) <= limit {
            return true;
        }
        if self.over.is_none() {
            self.over = Some(DecoderError::new(ErrorKind::StringTooLong, offset));
        }
        false
    }
}

impl Decoder {
    /// A decoder whose dynamic table may grow to `max_table_size` octets: the
    /// SETTINGS_HEADER_TABLE_SIZE we advertise (4,096 unless our SETTINGS say otherwise).
    pub fn new(max_table_size: usize) -> Self {
        Self {
            table: DynamicTable::new(max_table_size),
            max_table_size,
            size_update_required: false,
            max_header_list_size: DEFAULT_MAX_HEADER_LIST_SIZE,
            abort_list_size: usize::MAX,
            max_string_len: DEFAULT_MAX_STRING_LEN,
            scratch: Vec::new(),
            memory: None,
            out: BytesMut::new(),
        }
    }

    /// Sets the SETTINGS_HEADER_TABLE_SIZE in force: call it when the peer acknowledges our
    /// SETTINGS that changed it. Later size updates may not exceed it. When it is below the
    /// table's current maximum, the table shrinks now and the next header block must begin with
    /// a dynamic table size update (RFC 7541 §4.2).
    pub fn set_max_table_size(&mut self, max_table_size: usize) {
        self.max_table_size = max_table_size;
        if max_table_size < self.table.max_size() {
            self.table.set_max_size(max_table_size);
            forget_repeat(&mut self.memory);
            self.size_update_required = true;
        }
    }

    /// The SETTINGS_HEADER_TABLE_SIZE in force.
    pub fn max_table_size(&self) -> usize {
        self.max_table_size
    }

    /// Sets the maximum header list size (name + value + 32 per field, RFC 9113 §6.5.2).
    pub fn set_max_header_list_size(&mut self, max: usize) {
        self.max_header_list_size = max;
        forget_repeat(&mut self.memory);
    }

    /// The maximum header list size.
    pub fn max_header_list_size(&self) -> usize {
        self.max_header_list_size
    }

    /// Sets the abort size: once the decoded header list of a block passes it, decoding stops
    /// with [`ErrorKind::HeaderListAborted`] instead of going through the rest of the block.
    /// Past the maximum header list size no field is handed out any more, but every
    /// representation is still read to keep the dynamic table in step; a block of one-octet
    /// references to a large table entry (an "HPACK bomb") then costs a loop iteration per
    /// octet for nothing. Stopping leaves the decoder out of step with the peer's encoder, so
    /// the connection has to end. Default `usize::MAX` (never stop); HTTP/2 servers set a few
    /// times the header list size (h2 stops at 4×). Values below the maximum header list size
    /// act as that size.
    pub fn set_header_list_abort_size(&mut self, size: usize) {
        self.abort_list_size = size;
        forget_repeat(&mut self.memory);
    }

    /// The abort size (see [`set_header_list_abort_size`](Self::set_header_list_abort_size)).
    pub fn header_list_abort_size(&self) -> usize {
        self.abort_list_size
    }

    /// Sets the maximum length of a decoded name or value.
    pub fn set_max_string_len(&mut self, max: usize) {
        self.max_string_len = max;
        forget_repeat(&mut self.memory);
    }

    /// The maximum length of a decoded name or value.
    pub fn max_string_len(&self) -> usize {
        self.max_string_len
    }

    /// The dynamic table's current size in octets (entries counted as name + value + 32).
    pub fn table_size(&self) -> usize {
        self.table.size()
    }

    /// The dynamic table's current maximum size (the last size update, or the setting).
    pub fn table_max_size(&self) -> usize {
        self.table.max_size()
    }

    /// The number of entries in the dynamic table.
    pub fn table_len(&self) -> usize {
        self.table.len()
    }

    /// Decodes a complete header block, passing each field to `f` in order as an owned
    /// [`HeaderField`] (its bytes share one buffer per block).
    ///
    /// On a compression error ([`DecoderError::is_compression_error`]) decoding stops and the
    /// decoder must not be used again: the connection is over. When the header list exceeds
    /// [`max_header_list_size`](Self::max_header_list_size) or a string exceeds
    /// [`max_string_len`](Self::max_string_len), the rest of the block is still decoded to keep
    /// the dynamic table in sync, but no further field reaches `f`, and the error is returned
    /// at the end; the fields `f` already received belong to the refused list.
    pub fn decode(
        &mut self,
        block: &[u8],
        mut f: impl FnMut(HeaderField),
    ) -> Result<(), DecoderError> {
        let m = self.memory.get_or_insert_with(Box::default);
        if m.repeat_valid && m.repeat_block[..] == *block {
            for field in &m.repeat {
                f(field.clone());
            }
            return Ok(());
        }
        // A block seen twice in a row: decode it once more, keeping its fields.
        let fill = block.len() <= REPEAT_MAX_BLOCK && m.last_block[..] == *block;
        let mut repeat = Vec::new();
        if fill {
            // Valid unless the block changes the table or a limit (which clear it): the
            // fields are kept only then. Nothing reads `repeat_block` before the end.
            m.repeat_valid = true;
            repeat = std::mem::take(&mut m.repeat);
            repeat.clear();
        } else {
            m.last_block.clear();
            if block.len() <= REPEAT_MAX_BLOCK {
                m.last_block.extend_from_slice(block);
            }
        }
        let mut out = std::mem::take(&mut self.out);
        // Fields are copied out of the table and the block into `out`, which is bounded by the
        // header list size limit.
        let first = if out.capacity() == 0 { OUT_MIN } else { 0 };
        out.reserve(
            block
                .len()
                .saturating_mul(2)
                .max(first)
                .min(self.max_header_list_size),
        );
        let result = self.decode_borrowed(block, |name, value, never_indexed| {
            // Well-known names and values (the static table's, gRPC's) are shared `'static`
            // bytes: no copy, no reference count.
            let mut copy = |s: &[u8]| {
                out.extend_from_slice(s);
                out.split().freeze()
            };
            let name = match intern::name(name) {
                Some(s) => Bytes::from_static(s),
                None => copy(name),
            };
            let value = match intern::value(value) {
                Some(s) => Bytes::from_static(s),
                None => copy(value),
            };
            let field = HeaderField::new(name, value).with_never_indexed(never_indexed);
            if fill && repeat.len() <= REPEAT_MAX_FIELDS {
                repeat.push(field.clone());
            }
            f(field);
        });
        if fill {
            let m = self.memory.get_or_insert_with(Box::default);
            if result.is_ok() && m.repeat_valid && repeat.len() <= REPEAT_MAX_FIELDS {
                std::mem::swap(&mut m.repeat_block, &mut m.last_block);
                m.last_block.clear();
            } else {
                m.repeat_valid = false;
                repeat.clear();
            }
            m.repeat = repeat;
        }
        if out.capacity() > SCRATCH_KEEP {
            out = BytesMut::new();
        }
        self.out = out;
        result
    }

    /// Decodes a complete header block into a new `Vec`. See [`decode`](Self::decode).
    pub fn decode_to_vec(&mut self, block: &[u8]) -> Result<Vec<HeaderField>, DecoderError> {
        let mut out = Vec::new();
        self.decode(block, |f| out.push(f))?;
        Ok(out)
    }

    /// Decodes a complete header block, passing each field to `f` as borrowed
    /// `(name, value, never_indexed)`, valid for the call only: the fastest way to read a block,
    /// with no allocation per field. Errors and limits as for [`decode`](Self::decode).
    pub fn decode_borrowed(
        &mut self,
        block: &[u8],
        mut f: impl FnMut(&[u8], &[u8], bool),
    ) -> Result<(), DecoderError> {
        let mut list = ListState {
            size: 0,
            over: None,
        };
        let mut pos = 0;
        let result = self.decode_block(block, &mut pos, &mut list, &mut f);
        self.scratch.clear();
        if self.scratch.capacity() > SCRATCH_KEEP {
            self.scratch = Vec::new();
        }
        match result {
            Err(kind) => Err(DecoderError::new(kind, pos)),
            Ok(()) => list.over.map_or(Ok(()), Err),
        }
    }

    fn decode_block(
        &mut self,
        block: &[u8],
        pos: &mut usize,
        list: &mut ListState,
        f: &mut impl FnMut(&[u8], &[u8], bool),
    ) -> Result<(), ErrorKind> {
        // Dynamic table size updates: any number, first in the block.
        if self.size_update_required {
            // RFC 7541 §4.2: "This dynamic table size update MUST occur at the beginning of the
            // first header block following the change to the dynamic table size."
            // <https://www.rfc-editor.org/rfc/rfc7541#section-4.2>
            if block.first().is_none_or(|b| b & 0xe0 != 0x20) {
                return Err(ErrorKind::MissingTableSizeUpdate);
            }
            self.size_update_required = false;
        }
        while let Some(&b) = block.get(*pos) {
            if b & 0xe0 != 0x20 {
                break;
            }
            let size = integer::decode(block, pos, 5)?;
            // RFC 7541 §6.3: "The new maximum size MUST be lower than or equal to the limit
            // determined by the protocol using HPACK. A value that exceeds this limit MUST be
            // treated as a decoding error." <https://www.rfc-editor.org/rfc/rfc7541#section-6.3>
            if size > self.max_table_size {
                return Err(ErrorKind::TableSizeTooLarge);
            }
            self.table.set_max_size(size);
            forget_repeat(&mut self.memory);
        }

        let (list_limit, string_limit) = (self.max_header_list_size, self.max_string_len);
        let abort = self.abort_list_size.max(list_limit);
        while let Some(&b) = block.get(*pos) {
            let start = *pos;
            if b & 0x80 != 0 {
                // RFC 7541 §6.1: indexed header field.
                let index = integer::decode(block, pos, 7)?;
                // RFC 7541 §6.1: "The index value of 0 is not used. It MUST be treated as a
                // decoding error if found in an indexed header field representation."
                // RFC 7541 §2.3.3: "Indices strictly greater than the sum of the lengths of
                // both tables MUST be treated as a decoding error."
                // <https://www.rfc-editor.org/rfc/rfc7541#section-2.3.3>
                let (name, value) = self.table.get(index).ok_or(ErrorKind::InvalidIndex)?;
                if list.admit(list_limit, name.len() + value.len() + ENTRY_OVERHEAD, start) {
                    f(name, value, false);
                } else if list.size > abort {
                    return Err(ErrorKind::HeaderListAborted);
                }
                continue;
            }
            // A literal: incremental indexing (01, 6-bit name index), a size update (001, not
            // allowed here), without indexing (0000) or never indexed (0001), 4-bit name index.
            let (prefix, indexing) = match b {
                0x40.. => (6, true),
                0x20.. => {
                    // RFC 7541 §4.2: "This dynamic table size update MUST occur at the
                    // beginning of the first header block following the change to the dynamic
                    // table size." A size update after a field is therefore a decoding error.
                    // <https://www.rfc-editor.org/rfc/rfc7541#section-4.2>
                    return Err(ErrorKind::LateTableSizeUpdate);
                }
                _ => (4, false),
            };
            let never_indexed = !indexing && b & 0x10 != 0;
            let name_index = integer::decode(block, pos, prefix)?;
            self.scratch.clear();
            let name_len = if name_index == 0 {
                read_string(block, pos, &mut self.scratch, &mut self.memory)?
            } else {
                let (name, _) = self.table.get(name_index).ok_or(ErrorKind::InvalidIndex)?;
                self.scratch.extend_from_slice(name);
                name.len()
            };
            let value_len = read_string(block, pos, &mut self.scratch, &mut self.memory)?;
            let (name, value) = self.scratch.split_at(name_len);
            if indexing {
                // RFC 7541 §6.2.1: the field is appended to the dynamic table, whether or not
                // the list is refused, so the table stays in sync with the peer's encoder.
                self.table.insert(name, value);
                forget_repeat(&mut self.memory);
            }
            if list.string_ok(string_limit, name_len, value_len, start)
                && list.admit(list_limit, name_len + value_len + ENTRY_OVERHEAD, start)
            {
                f(name, value, never_indexed);
            } else if list.size > abort {
                return Err(ErrorKind::HeaderListAborted);
            }
        }
        Ok(())
    }
}

/// Huffman-coded strings at most this long (coded) are remembered by [`HuffmanMemo`].
const MEMO_MAX: usize = 64;

/// The last two short Huffman-coded string literals decoded: their coded bytes and decoding.
/// A peer sends some fields as literals without indexing in every block (nghttp2 never
/// indexes `:path` or `content-length`), so the same coded bytes come again and again; a
/// comparison and a copy replace decoding them. Bounded: at most [`MEMO_MAX`] coded bytes and
/// their decoding per entry.
#[derive(Debug, Default)]
struct HuffmanMemo {
    entries: [(Vec<u8>, Vec<u8>); 2],
    next: usize,
}

/// Reads a string literal (RFC 7541 §5.2) at `*pos`, appends it decoded to `out`, and returns
/// its decoded length.
#[inline]
fn read_string(
    block: &[u8],
    pos: &mut usize,
    out: &mut Vec<u8>,
    memory: &mut Option<Box<Memory>>,
) -> Result<usize, ErrorKind> {
    let huffman = block.get(*pos).is_some_and(|b| b & 0x80 != 0);
    let len = integer::decode(block, pos, 7)?;
    let Some(src) = block.get(*pos..pos.saturating_add(len)) else {
        return Err(ErrorKind::Truncated);
    };
    *pos += len;
    if !huffman {
        out.extend_from_slice(src);
        return Ok(len);
    }
    let mut memo = (len <= MEMO_MAX).then(|| &mut memory.get_or_insert_with(Box::default).huffman);
    if let Some(memo) = &memo {
        if let Some((_, decoded)) = memo.entries.iter().find(|(coded, _)| coded[..] == *src) {
            out.extend_from_slice(decoded);
            return Ok(decoded.len());
        }
    }
    let start = out.len();
    out.resize(start + huffman::max_decoded_len(len), 0);
    match huffman::decode_into(src, &mut out[start..]) {
        Ok(n) => {
            out.truncate(start + n);
            if let Some(memo) = memo.as_mut() {
                let (coded, decoded) = &mut memo.entries[memo.next];
                coded.clear();
                coded.extend_from_slice(src);
                decoded.clear();
                decoded.extend_from_slice(&out[start..]);
                memo.next ^= 1;
            }
            Ok(n)
        }
        Err(_) => Err(ErrorKind::InvalidHuffman),
    }
}
