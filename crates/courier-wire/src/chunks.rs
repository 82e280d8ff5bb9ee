//! Vectored (zero-copy) encoding: [`EncodedChunks`] and [`ChunkOptions`].
//!
//! [`Message::encode_to_chunks`](crate::Message::encode_to_chunks) runs the ordinary encode, but
//! a `bytes` field ([`bytes::Bytes`]) of at least [`ChunkOptions::splice_min_len`] bytes is not
//! copied: the encoder writes its tag and length prefix into the contiguous buffer and records a
//! *splice* — the buffer offset where the value belongs, and a reference-counted clone of the
//! value. The result is a [`Buf`] that yields the buffer's pieces interleaved with the spliced
//! values; its bytes, concatenated, are exactly [`encode_to_vec`](crate::Message::encode_to_vec).
//! Writers that take a `Buf` send it with `writev` ([`Buf::chunks_vectored`]), so a large
//! payload goes from the caller's `Bytes` to the socket without passing through an encode
//! buffer.

use std::io::IoSlice;

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// The default [`ChunkOptions::splice_min_len`]: 4 KiB. Below that, copying a value into the
/// encode buffer costs less than carrying it as a separate piece (a reference-count increment
/// and decrement, one more I/O vector entry).
pub const DEFAULT_SPLICE_MIN_LEN: usize = 4096;

/// Settings for [`Message::encode_to_chunks_with`](crate::Message::encode_to_chunks_with).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChunkOptions {
    splice_min_len: usize,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        ChunkOptions {
            splice_min_len: DEFAULT_SPLICE_MIN_LEN,
        }
    }
}

impl ChunkOptions {
    /// The defaults: `bytes` values of 4 KiB or more are spliced.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the smallest `bytes` value that is spliced rather than copied (at least 1: empty
    /// values are always written inline; `usize::MAX` splices nothing).
    pub fn with_splice_min_len(mut self, len: usize) -> Self {
        self.splice_min_len = len.max(1);
        self
    }

    /// The smallest `bytes` value that is spliced (default 4096).
    pub fn splice_min_len(&self) -> usize {
        self.splice_min_len
    }
}

/// One spliced value: it belongs at offset `at` of the contiguous buffer (after the length
/// prefix that precedes it there). `data` is never empty while unconsumed.
#[derive(Clone, Debug)]
struct Splice {
    at: usize,
    data: Bytes,
}

/// The spliced values in order; the first is kept inline (a message with one large value, the
/// common case, allocates no list).
#[derive(Clone, Debug, Default)]
struct SpliceList {
    first: Option<Splice>,
    rest: Vec<Splice>,
}

impl SpliceList {
    #[inline]
    fn get(&self, i: usize) -> Option<&Splice> {
        match i {
            0 => self.first.as_ref(),
            _ => self.rest.get(i - 1),
        }
    }

    #[inline]
    fn get_mut(&mut self, i: usize) -> Option<&mut Splice> {
        match i {
            0 => self.first.as_mut(),
            _ => self.rest.get_mut(i - 1),
        }
    }

    /// The values from index `i` on.
    fn iter_from(&self, i: usize) -> impl Iterator<Item = &Splice> {
        let first = if i == 0 { self.first.as_ref() } else { None };
        first
            .into_iter()
            .chain(self.rest.iter().skip(i.saturating_sub(1)))
    }

    fn push(&mut self, s: Splice) {
        if self.first.is_none() {
            self.first = Some(s);
        } else {
            self.rest.push(s);
        }
    }

    fn last(&self) -> Option<&Splice> {
        self.rest.last().or(self.first.as_ref())
    }
}

/// What a chunked encode records besides the contiguous buffer (held by the
/// [`Encoder`](crate::Encoder) while it runs).
#[derive(Debug)]
pub(crate) struct Splices {
    min_len: usize,
    list: SpliceList,
}

impl Splices {
    pub(crate) fn new(options: &ChunkOptions) -> Self {
        Splices {
            min_len: options.splice_min_len,
            list: SpliceList::default(),
        }
    }

    /// The smallest value to splice (at least 1).
    #[inline(always)]
    pub(crate) fn min_len(&self) -> usize {
        self.min_len
    }

    /// Records that `data` (non-empty) follows the first `at` bytes of the buffer.
    pub(crate) fn push(&mut self, at: usize, data: Bytes) {
        debug_assert!(!data.is_empty());
        debug_assert!(self.list.last().is_none_or(|s| s.at <= at));
        self.list.push(Splice { at, data });
    }
}

/// An encoded message in pieces: the contiguous encode buffer interleaved with spliced `bytes`
/// values (see [`Message::encode_to_chunks`](crate::Message::encode_to_chunks)).
///
/// A [`Buf`]: [`chunk`](Buf::chunk) is the current piece, [`advance`](Buf::advance) moves across
/// pieces, [`chunks_vectored`](Buf::chunks_vectored) fills I/O vectors for `writev`, and
/// [`copy_to_bytes`](Buf::copy_to_bytes) returns a spliced value without copying when the
/// request lies within it. Its concatenated bytes are exactly the contiguous encoding.
///
/// ```
/// use bytes::{Buf, Bytes};
/// use courier_wire::{field, ChunkOptions, Message};
/// # use courier_wire::{DecodeError, Decoder, Encoder, Tag, UnknownFields};
/// # #[derive(Debug, Default)]
/// # struct Blob { data: Bytes }
/// # impl Message for Blob {
/// #     const NAME: &'static str = "demo.Blob";
/// #     fn encoded_len(&self) -> usize { field::bytes::encoded_len_implicit(1, &self.data) }
/// #     fn encode_raw(&self, enc: &mut Encoder<'_>) { field::bytes::encode_implicit(1, &self.data, enc) }
/// #     fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
/// #         field::bytes::merge(tag, &mut self.data, dec)
/// #     }
/// #     fn clear(&mut self) { self.data.clear() }
/// # }
/// let blob = Blob { data: Bytes::from(vec![7u8; 10_000]) };
/// let chunks = blob.encode_to_chunks();
/// // The key and the length prefix, then the value itself (not copied).
/// assert_eq!(chunks.chunk(), [0x0a, 0x90, 0x4e]);
/// assert_eq!(chunks.piece_count(), 2);
/// assert_eq!(chunks.into_bytes(), blob.encode_to_vec());
///
/// // Below the threshold everything is one contiguous piece.
/// let all = blob.encode_to_chunks_with(&ChunkOptions::new().with_splice_min_len(usize::MAX));
/// assert_eq!(all.piece_count(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct EncodedChunks {
    /// The contiguous buffer (tags, length prefixes, everything not spliced).
    head: Vec<u8>,
    /// How much of `head` is consumed.
    head_pos: usize,
    /// The spliced values; those from index `next` on are not yet consumed.
    splices: SpliceList,
    next: usize,
    remaining: usize,
}

impl EncodedChunks {
    /// The pieces of a chunked encode: `head` with the `splices` recorded while writing it.
    pub(crate) fn new(head: Vec<u8>, splices: Splices) -> Self {
        let list = splices.list;
        let spliced: usize = list.iter_from(0).map(|s| s.data.len()).sum();
        EncodedChunks {
            remaining: head.len() + spliced,
            head,
            head_pos: 0,
            splices: list,
            next: 0,
        }
    }

    /// One contiguous piece.
    pub(crate) fn contiguous(head: Vec<u8>) -> Self {
        EncodedChunks {
            remaining: head.len(),
            head,
            ..Self::default()
        }
    }

    /// How many non-empty pieces are left ([`chunks_vectored`](Buf::chunks_vectored) fills at
    /// most this many I/O vectors).
    pub fn piece_count(&self) -> usize {
        self.pieces().count()
    }

    /// The non-empty pieces left, in order: each unconsumed spliced value preceded by the head
    /// bytes before it, then the rest of the head.
    fn pieces(&self) -> impl Iterator<Item = &[u8]> {
        let tail = self
            .splices
            .iter_from(self.next)
            .last()
            .map_or(self.head_pos, |s| s.at);
        let mut at = self.head_pos;
        self.splices
            .iter_from(self.next)
            .flat_map(move |s| {
                let head = &self.head[at..s.at];
                at = s.at;
                [head, &s.data[..]]
            })
            .chain([&self.head[tail..]])
            .filter(|piece| !piece.is_empty())
    }

    /// The rest as one contiguous [`Bytes`]: no copy when nothing was spliced or consumed, one
    /// copy otherwise.
    pub fn into_bytes(mut self) -> Bytes {
        if self.head_pos == 0 && self.splices.get(self.next).is_none() {
            return Bytes::from(self.head);
        }
        let n = self.remaining;
        self.copy_to_bytes(n)
    }

    /// End of the current head segment: the next splice's offset, or the end of `head`.
    #[inline]
    fn head_segment_end(&self) -> usize {
        match self.splices.get(self.next) {
            Some(s) => s.at,
            None => self.head.len(),
        }
    }

    /// The current spliced value, when the cursor is inside one.
    #[inline]
    fn current_splice(&mut self) -> Option<&mut Bytes> {
        match self.splices.get_mut(self.next) {
            Some(s) if s.at == self.head_pos => Some(&mut s.data),
            _ => None,
        }
    }

    /// Moves past a spliced value that is now fully consumed (releasing it).
    #[inline]
    fn finish_splice_if_empty(&mut self) {
        if let Some(s) = self.splices.get_mut(self.next)
            && s.data.is_empty()
        {
            s.data = Bytes::new();
            self.next += 1;
        }
    }
}

impl Buf for EncodedChunks {
    #[inline]
    fn remaining(&self) -> usize {
        self.remaining
    }

    #[inline]
    fn chunk(&self) -> &[u8] {
        match self.splices.get(self.next) {
            Some(s) if s.at == self.head_pos => &s.data,
            Some(s) => &self.head[self.head_pos..s.at],
            None => &self.head[self.head_pos..],
        }
    }

    fn advance(&mut self, mut cnt: usize) {
        assert!(
            cnt <= self.remaining,
            "EncodedChunks::advance: {cnt} bytes past the {} remaining",
            self.remaining
        );
        self.remaining -= cnt;
        while cnt > 0 {
            if let Some(data) = self.current_splice() {
                let n = cnt.min(data.len());
                data.advance(n);
                cnt -= n;
                self.finish_splice_if_empty();
            } else {
                let n = cnt.min(self.head_segment_end() - self.head_pos);
                self.head_pos += n;
                cnt -= n;
            }
        }
    }

    fn chunks_vectored<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        for (slot, piece) in dst.iter_mut().zip(self.pieces()) {
            *slot = IoSlice::new(piece);
            n += 1;
        }
        n
    }

    fn copy_to_bytes(&mut self, len: usize) -> Bytes {
        assert!(
            len <= self.remaining,
            "EncodedChunks::copy_to_bytes: {len} bytes past the {} remaining",
            self.remaining
        );
        // Within a spliced value: a zero-copy slice (a move when it is the whole rest of it).
        if let Some(data) = self.current_splice()
            && len <= data.len()
        {
            let out = data.split_to(len);
            self.remaining -= len;
            self.finish_splice_if_empty();
            return out;
        }
        let mut out = BytesMut::with_capacity(len);
        out.put(Buf::take(&mut *self, len));
        out.freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chunks over `head` with values spliced at the given offsets.
    fn chunks(head: &[u8], splices: &[(usize, &[u8])]) -> EncodedChunks {
        let mut s = Splices::new(&ChunkOptions::new());
        for (at, data) in splices {
            s.push(*at, Bytes::copy_from_slice(data));
        }
        EncodedChunks::new(head.to_vec(), s)
    }

    fn pieces(c: &EncodedChunks) -> Vec<Vec<u8>> {
        let mut v = vec![IoSlice::new(&[]); 16];
        let n = c.chunks_vectored(&mut v);
        v[..n].iter().map(|s| s.to_vec()).collect()
    }

    #[test]
    fn pieces_interleave_head_and_splices() {
        let c = chunks(b"abcdef", &[(2, b"XY"), (4, b"Z"), (6, b"END")]);
        assert_eq!(c.remaining(), 12);
        assert_eq!(c.piece_count(), 6);
        assert_eq!(
            pieces(&c),
            [&b"ab"[..], b"XY", b"cd", b"Z", b"ef", b"END"].map(<[u8]>::to_vec)
        );
        assert_eq!(c.clone().into_bytes(), &b"abXYcdZefEND"[..]);
    }

    #[test]
    fn splice_at_the_start_and_adjacent_splices() {
        let c = chunks(b"ab", &[(0, b"X"), (0, b"Y"), (2, b"Z")]);
        assert_eq!(c.chunk(), b"X");
        assert_eq!(
            pieces(&c),
            [&b"X"[..], b"Y", b"ab", b"Z"].map(<[u8]>::to_vec)
        );
        assert_eq!(c.piece_count(), 4);
        assert_eq!(c.into_bytes(), &b"XYabZ"[..]);
    }

    #[test]
    fn advance_one_byte_at_a_time_and_across_pieces() {
        let c = chunks(b"abcdef", &[(2, b"XY"), (4, b"Z")]);
        let expected = b"abXYcdZef";
        for step in 1..=expected.len() {
            let mut c = c.clone();
            let mut seen = Vec::new();
            while c.has_remaining() {
                let piece = c.chunk();
                assert!(!piece.is_empty());
                let n = step.min(c.remaining());
                // Read `n` bytes starting in this piece, possibly running into later ones.
                let mut copy = c.clone();
                let mut buf = vec![0; n];
                copy.copy_to_slice(&mut buf);
                seen.extend_from_slice(&buf);
                c.advance(n);
                assert_eq!(c.remaining(), expected.len() - seen.len());
            }
            assert_eq!(seen, expected, "step {step}");
            assert_eq!(c.chunk(), b"");
            assert_eq!(c.piece_count(), 0);
            assert_eq!(pieces(&c), Vec::<Vec<u8>>::new());
        }
    }

    #[test]
    fn chunks_vectored_stops_at_the_slice_count_and_resumes_mid_piece() {
        let mut c = chunks(b"abcdef", &[(2, b"XY"), (4, b"Z")]);
        let mut v = [IoSlice::new(&[]); 2];
        assert_eq!(c.chunks_vectored(&mut v), 2);
        assert_eq!((&*v[0], &*v[1]), (&b"ab"[..], &b"XY"[..]));
        assert_eq!(c.chunks_vectored(&mut []), 0);
        c.advance(3);
        assert_eq!(
            pieces(&c),
            [&b"Y"[..], b"cd", b"Z", b"ef"].map(<[u8]>::to_vec)
        );
        assert_eq!(c.piece_count(), 4);
        c.advance(1);
        assert_eq!(c.chunk(), b"cd");
    }

    #[test]
    fn copy_to_bytes_is_zero_copy_within_a_spliced_value() {
        let value = Bytes::from(vec![5u8; 100]);
        let mut s = Splices::new(&ChunkOptions::new());
        s.push(2, value.clone());
        let mut c = EncodedChunks::new(b"abcd".to_vec(), s);
        assert_eq!(c.copy_to_bytes(1), &b"a"[..]);
        // Runs from the head into the splice: copied.
        assert_eq!(c.copy_to_bytes(2), &[b'b', 5][..]);
        let rest = c.copy_to_bytes(99);
        assert_eq!(rest, &value[1..]);
        assert_eq!(
            rest.as_ptr(),
            value[1..].as_ptr(),
            "the spliced value itself"
        );
        assert_eq!(c.chunk(), b"cd");
        assert_eq!(c.copy_to_bytes(2), &b"cd"[..]);
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    #[should_panic(expected = "past the")]
    fn advance_past_the_end_panics() {
        chunks(b"ab", &[(1, b"X")]).advance(4);
    }

    #[test]
    fn options() {
        assert_eq!(ChunkOptions::new().splice_min_len(), DEFAULT_SPLICE_MIN_LEN);
        assert_eq!(
            ChunkOptions::new().with_splice_min_len(0).splice_min_len(),
            1
        );
        assert_eq!(
            ChunkOptions::new().with_splice_min_len(9).splice_min_len(),
            9
        );
    }

    #[test]
    fn contiguous_and_empty() {
        let c = EncodedChunks::contiguous(b"abc".to_vec());
        assert_eq!((c.remaining(), c.piece_count()), (3, 1));
        assert_eq!(c.into_bytes(), &b"abc"[..]);
        let e = EncodedChunks::default();
        assert_eq!(
            (e.remaining(), e.piece_count(), e.chunk()),
            (0, 0, &b""[..])
        );
    }
}
