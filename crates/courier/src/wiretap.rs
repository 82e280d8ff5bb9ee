//! A byte stream wrapper that reads the HTTP/2 frames going by, for `courier demo`: it counts
//! frames by type and decodes every header block with courier-hpack, so the demo can show what
//! header compression saved on the real connection.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use courier_hpack::Decoder;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The client connection preface (RFC 9113 §3.4), which precedes the client's first frame.
const PREFACE_LEN: usize = courier_h2::PREFACE.len();
const FRAME_HEADER_LEN: usize = 9;
const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const CONTINUATION: u8 = 0x9;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY: u8 = 0x20;

/// What went one way over a connection.
#[derive(Debug, Default, Clone)]
pub(crate) struct Counts {
    /// Every byte.
    pub(crate) bytes: usize,
    /// HEADERS frames (on the client side: one per call, each opening a stream).
    pub(crate) headers_frames: usize,
    /// Header blocks, as sent (HPACK-encoded).
    pub(crate) header_block_bytes: usize,
    /// The same header lists written out as text, `name: value\r\n` per field.
    pub(crate) header_text_bytes: usize,
    /// The first header block's encoded size.
    pub(crate) first_block: usize,
    /// The last header block's encoded size.
    pub(crate) last_block: usize,
    /// DATA frame payload bytes.
    pub(crate) data_bytes: usize,
    /// A header block the decoder could not read (the demo then reports it).
    pub(crate) decode_error: Option<String>,
}

/// One direction's frame reader.
#[derive(Debug)]
struct Direction {
    skip: usize,
    buf: Vec<u8>,
    block: Vec<u8>,
    decoder: Decoder,
    counts: Counts,
}

impl Direction {
    fn new(skip: usize) -> Direction {
        Direction {
            skip,
            buf: Vec::new(),
            block: Vec::new(),
            // RFC 7541 §4.2: both ends start with SETTINGS_HEADER_TABLE_SIZE's initial value.
            decoder: Decoder::new(4096),
            counts: Counts::default(),
        }
    }

    fn feed(&mut self, mut bytes: &[u8]) {
        self.counts.bytes += bytes.len();
        let skipped = self.skip.min(bytes.len());
        self.skip -= skipped;
        bytes = &bytes[skipped..];
        self.buf.extend_from_slice(bytes);
        let mut at = 0;
        while self.buf.len() - at >= FRAME_HEADER_LEN {
            let h = &self.buf[at..at + FRAME_HEADER_LEN];
            let len = usize::from(h[0]) << 16 | usize::from(h[1]) << 8 | usize::from(h[2]);
            let (kind, flags) = (h[3], h[4]);
            if self.buf.len() - at < FRAME_HEADER_LEN + len {
                break;
            }
            let payload = self.buf[at + FRAME_HEADER_LEN..at + FRAME_HEADER_LEN + len].to_vec();
            at += FRAME_HEADER_LEN + len;
            self.frame(kind, flags, &payload);
        }
        self.buf.drain(..at);
    }

    fn frame(&mut self, kind: u8, flags: u8, payload: &[u8]) {
        match kind {
            DATA => self.counts.data_bytes += payload.len(),
            HEADERS => {
                self.counts.headers_frames += 1;
                let mut p = payload;
                let mut pad = 0;
                if flags & PADDED != 0 && !p.is_empty() {
                    pad = usize::from(p[0]);
                    p = &p[1..];
                }
                if flags & PRIORITY != 0 {
                    p = p.get(5..).unwrap_or_default();
                }
                let p = &p[..p.len().saturating_sub(pad)];
                self.fragment(flags, p);
            }
            CONTINUATION => self.fragment(flags, payload),
            _ => {}
        }
    }

    fn fragment(&mut self, flags: u8, fragment: &[u8]) {
        self.block.extend_from_slice(fragment);
        if flags & END_HEADERS == 0 {
            return;
        }
        let block = std::mem::take(&mut self.block);
        let c = &mut self.counts;
        if c.header_block_bytes == 0 {
            c.first_block = block.len();
        }
        c.last_block = block.len();
        c.header_block_bytes += block.len();
        match self.decoder.decode_to_vec(&block) {
            Ok(fields) => {
                c.header_text_bytes += fields
                    .iter()
                    .map(|f| f.name().len() + f.value().len() + 4)
                    .sum::<usize>();
            }
            Err(e) => {
                c.decode_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
}

/// Both directions of one connection, shared between the wrapper and the demo.
#[derive(Debug)]
pub(crate) struct Tap {
    sent: Direction,
    received: Direction,
}

impl Tap {
    /// A tap for a client connection (what it sends starts with the connection preface).
    pub(crate) fn client() -> Arc<Mutex<Tap>> {
        Arc::new(Mutex::new(Tap {
            sent: Direction::new(PREFACE_LEN),
            received: Direction::new(0),
        }))
    }

    /// (sent, received) so far.
    pub(crate) fn counts(tap: &Mutex<Tap>) -> (Counts, Counts) {
        let t = tap.lock().unwrap_or_else(|e| e.into_inner());
        (t.sent.counts.clone(), t.received.counts.clone())
    }
}

/// A byte stream whose traffic goes through a [`Tap`].
#[derive(Debug)]
pub(crate) struct Tapped<T> {
    inner: T,
    tap: Arc<Mutex<Tap>>,
}

impl<T> Tapped<T> {
    pub(crate) fn new(inner: T, tap: Arc<Mutex<Tap>>) -> Tapped<T> {
        Tapped { inner, tap }
    }

    fn with(&self, f: impl FnOnce(&mut Tap)) {
        f(&mut self.tap.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Tapped<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = r {
            let new = &buf.filled()[before..];
            self.with(|t| t.received.feed(new));
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Tapped<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            self.with(|t| t.sent.feed(&buf[..n]));
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use courier_hpack::{Encoder, FieldRef};

    fn frame(kind: u8, flags: u8, payload: &[u8]) -> Vec<u8> {
        let len = payload.len();
        let mut f = vec![
            (len >> 16) as u8,
            (len >> 8) as u8,
            len as u8,
            kind,
            flags,
            0,
            0,
            0,
            1,
        ];
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn counts_frames_and_decodes_blocks_split_anywhere() {
        let mut enc = Encoder::new(4096);
        let fields = [
            FieldRef::new(b":method", b"POST"),
            FieldRef::new(b":path", b"/routeguide.RouteGuide/GetFeature"),
        ];
        let (mut b1, mut b2) = (Vec::new(), Vec::new());
        enc.encode(fields, &mut b1);
        enc.encode(fields, &mut b2);
        assert!(
            b2.len() < b1.len(),
            "the second block uses the dynamic table"
        );
        let mut stream = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
        stream.extend(frame(HEADERS, END_HEADERS, &b1));
        stream.extend(frame(DATA, 0, &[0, 0, 0, 0, 2, 8, 1]));
        // The second block split over HEADERS + CONTINUATION, with padding.
        let mut padded = vec![2u8];
        padded.extend_from_slice(&b2[..1]);
        padded.extend_from_slice(&[0, 0]);
        stream.extend(frame(HEADERS, PADDED, &padded));
        stream.extend(frame(CONTINUATION, END_HEADERS, &b2[1..]));
        let mut d = Direction::new(PREFACE_LEN);
        for chunk in stream.chunks(5) {
            d.feed(chunk);
        }
        let c = d.counts;
        assert_eq!(c.decode_error, None);
        assert_eq!(c.headers_frames, 2);
        assert_eq!(c.data_bytes, 7);
        assert_eq!(c.header_block_bytes, b1.len() + b2.len());
        assert_eq!((c.first_block, c.last_block), (b1.len(), b2.len()));
        let text = (":method".len() + 4 + 4) + (":path".len() + 33 + 4);
        assert_eq!(c.header_text_bytes, 2 * text);
    }
}
