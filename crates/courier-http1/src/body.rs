//! Body decoders: Content-Length, chunked (RFC 9112 §7.1) and close-delimited bodies. Content
//! is split off the receive buffer without copying.

use bytes::{Bytes, BytesMut};

use crate::error::{Error, ErrorKind};
use crate::head::{BodyKind, Field, Headers};
use crate::parse::{HeadKind, HeadScanner, Limits, parse_fields};

/// What one step of decoding produced.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decoded {
    /// Content.
    Data(Bytes),
    /// The body is complete, with the trailer section of a chunked body (if it had fields).
    End(Option<Headers>),
    /// More octets are needed.
    Need,
}

/// Where a chunked decoder is.
#[derive(Clone, Debug)]
enum Chunk {
    /// Reading the hexadecimal chunk-size.
    Size {
        value: u64,
        digits: usize,
    },
    /// After the size: BWS before ";" (`ws`), or inside the extensions.
    Ext {
        ws: bool,
    },
    /// The CR of the chunk-size line was read; LF next.
    SizeLf {
        value: u64,
    },
    /// Reading chunk-data.
    Data {
        remaining: u64,
    },
    /// chunk-data ended; CRLF next (`cr`: the CR was read).
    DataEnd {
        cr: bool,
    },
    /// After the last chunk: the trailer section.
    Trailers(HeadScanner),
    Done,
}

/// An incremental decoder of one message body.
#[derive(Clone, Debug)]
pub(crate) struct BodyDecoder {
    kind: Kind,
    /// Content octets so far (chunked), against `max_body`.
    total: u64,
    /// Octets of the current chunk-size line.
    line: usize,
    /// The size of the chunk whose extensions are being skipped.
    pending: u64,
    /// A request's body (its trailer section is held to the rules for requests).
    request: bool,
}

#[derive(Clone, Debug)]
enum Kind {
    Length(u64),
    Chunked(Chunk),
    UntilClose,
    Done,
}

impl BodyDecoder {
    pub(crate) fn new(kind: BodyKind) -> BodyDecoder {
        BodyDecoder {
            kind: match kind {
                BodyKind::Empty | BodyKind::Length(0) => Kind::Done,
                BodyKind::Length(n) => Kind::Length(n),
                BodyKind::Chunked => Kind::Chunked(Chunk::Size {
                    value: 0,
                    digits: 0,
                }),
                BodyKind::UntilClose => Kind::UntilClose,
            },
            total: 0,
            line: 0,
            pending: 0,
            request: false,
        }
    }

    /// A decoder for a request's body.
    pub(crate) fn for_request(kind: BodyKind) -> BodyDecoder {
        BodyDecoder {
            request: true,
            ..BodyDecoder::new(kind)
        }
    }

    /// Content octets still to come, when known (Content-Length).
    pub(crate) fn remaining(&self) -> Option<u64> {
        match self.kind {
            Kind::Length(n) => Some(n),
            Kind::Done => Some(0),
            _ => None,
        }
    }

    /// Decodes from the front of `buf`: content is split off it; framing octets are consumed.
    /// `limits` bounds a trailer section, `max_chunk_line` a chunk-size line, `max_body` the
    /// content of a chunked or close-delimited body.
    pub(crate) fn decode(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
        max_chunk_line: usize,
        max_body: u64,
    ) -> Result<Decoded, Error> {
        match &mut self.kind {
            Kind::Done => Ok(Decoded::End(None)),
            Kind::Length(remaining) => {
                if buf.is_empty() {
                    return Ok(Decoded::Need);
                }
                let n = usize::try_from(*remaining)
                    .unwrap_or(usize::MAX)
                    .min(buf.len());
                *remaining -= n as u64;
                if *remaining == 0 {
                    self.kind = Kind::Done;
                }
                Ok(Decoded::Data(buf.split_to(n).freeze()))
            }
            Kind::UntilClose => {
                if buf.is_empty() {
                    return Ok(Decoded::Need);
                }
                self.total = self.total.saturating_add(buf.len() as u64);
                if self.total > max_body {
                    return Err(Error::new(ErrorKind::BodyTooLarge));
                }
                Ok(Decoded::Data(buf.split().freeze()))
            }
            Kind::Chunked(_) => self.chunked(buf, limits, max_chunk_line, max_body),
        }
    }

    /// The connection ended: a close-delimited body is complete; any other is not.
    pub(crate) fn eof(&mut self) -> Result<Decoded, Error> {
        match self.kind {
            Kind::UntilClose | Kind::Done => {
                self.kind = Kind::Done;
                Ok(Decoded::End(None))
            }
            // RFC 9112 §8: "A message body that uses the chunked transfer coding is incomplete
            // if the zero-sized chunk that terminates the encoding has not been received. A
            // message that uses a valid Content-Length is incomplete if the size of the message
            // body received (in octets) is less than the value given by Content-Length."
            // <https://www.rfc-editor.org/rfc/rfc9112#section-8>
            _ => Err(Error::new(ErrorKind::IncompleteMessage)),
        }
    }

    fn chunked(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
        max_chunk_line: usize,
        max_body: u64,
    ) -> Result<Decoded, Error> {
        let Kind::Chunked(state) = &mut self.kind else {
            unreachable!("chunked() is only called on a chunked body")
        };
        let mut i = 0;
        // Framing octets are consumed as they are read; content is split off as `Data`.
        loop {
            match state {
                Chunk::Data { remaining } => {
                    buf.advance_to(i);
                    if buf.is_empty() {
                        return Ok(Decoded::Need);
                    }
                    let n = usize::try_from(*remaining)
                        .unwrap_or(usize::MAX)
                        .min(buf.len());
                    *remaining -= n as u64;
                    if *remaining == 0 {
                        *state = Chunk::DataEnd { cr: false };
                    }
                    return Ok(Decoded::Data(buf.split_to(n).freeze()));
                }
                Chunk::Trailers(scanner) => {
                    buf.advance_to(i);
                    let kind = HeadKind::Trailers {
                        request: self.request,
                    };
                    let Some(len) = scanner.scan(buf, limits, kind)? else {
                        return Ok(Decoded::Need);
                    };
                    let mut section = buf.split_to(len);
                    let mut spans = Vec::new();
                    parse_fields(&mut section, 0, kind, limits, &mut spans)?;
                    *state = Chunk::Done;
                    self.kind = Kind::Done;
                    if spans.is_empty() {
                        return Ok(Decoded::End(None));
                    }
                    let section = section.freeze();
                    let mut trailers = Headers::with_capacity(spans.len());
                    for s in spans {
                        trailers.push(Field::new(section.slice(s.name), section.slice(s.value)));
                    }
                    return Ok(Decoded::End(Some(trailers)));
                }
                Chunk::Done => {
                    self.kind = Kind::Done;
                    return Ok(Decoded::End(None));
                }
                _ => {}
            }
            let Some(&b) = buf.get(i) else {
                buf.advance_to(i);
                return Ok(Decoded::Need);
            };
            i += 1;
            match state {
                Chunk::Size { value, digits } => {
                    self.line += 1;
                    if let Some(d) = (b as char).to_digit(16) {
                        // RFC 9112 §7.1: "recipients MUST anticipate potentially large
                        // hexadecimal numerals and prevent parsing errors due to integer
                        // conversion overflows or precision loss due to integer
                        // representation."
                        // <https://www.rfc-editor.org/rfc/rfc9112#section-7.1>
                        *value = value
                            .checked_mul(16)
                            .and_then(|v| v.checked_add(u64::from(d)))
                            .ok_or_else(|| Error::new(ErrorKind::InvalidChunkSize))?;
                        *digits += 1;
                    } else if *digits == 0 {
                        // chunk-size = 1*HEXDIG
                        return Err(Error::new(ErrorKind::InvalidChunkSize));
                    } else {
                        let value = *value;
                        self.total = self.total.saturating_add(value);
                        if self.total > max_body {
                            return Err(Error::new(ErrorKind::BodyTooLarge));
                        }
                        *state = match b {
                            b'\r' => Chunk::SizeLf { value },
                            b';' => Chunk::Ext { ws: false },
                            b' ' | b'\t' => Chunk::Ext { ws: true },
                            b'\n' => return Err(Error::new(ErrorKind::BareLf)),
                            _ => return Err(Error::new(ErrorKind::InvalidChunkSize)),
                        };
                        self.pending = value;
                    }
                }
                Chunk::Ext { ws } => {
                    self.line += 1;
                    // RFC 9112 §7.1.1: "A recipient MUST ignore unrecognized chunk extensions.
                    // A server ought to limit the total length of chunk extensions received in a
                    // request to an amount reasonable for the services provided". They are
                    // skipped, within the chunk-size line limit, octet by octet: only visible
                    // characters, obs-text, SP and HTAB; a CR must end the line.
                    // <https://www.rfc-editor.org/rfc/rfc9112#section-7.1.1>
                    match b {
                        b'\r' if *ws => return Err(Error::new(ErrorKind::InvalidChunkExtension)),
                        b'\r' => {
                            *state = Chunk::SizeLf {
                                value: self.pending,
                            }
                        }
                        b'\n' => return Err(Error::new(ErrorKind::BareLf)),
                        // chunk-ext = *( BWS ";" BWS chunk-ext-name ... ): whitespace after
                        // the size is allowed only before a ";".
                        b' ' | b'\t' => {}
                        b';' => *ws = false,
                        _ if *ws => return Err(Error::new(ErrorKind::InvalidChunkExtension)),
                        0x21..=0x7e | 0x80..=0xff => {}
                        _ => return Err(Error::new(ErrorKind::InvalidChunkExtension)),
                    }
                }
                Chunk::SizeLf { value } => {
                    // RFC 9112 §2.2: a bare CR "MUST consider that element to be invalid".
                    // <https://www.rfc-editor.org/rfc/rfc9112#section-2.2>
                    if b != b'\n' {
                        return Err(Error::new(ErrorKind::BareCr));
                    }
                    self.line = 0;
                    *state = if *value == 0 {
                        // last-chunk: the trailer section follows.
                        Chunk::Trailers(HeadScanner::new(HeadKind::Trailers { request: false }))
                    } else {
                        Chunk::Data { remaining: *value }
                    };
                    continue;
                }
                Chunk::DataEnd { cr } => {
                    // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
                    match (b, *cr) {
                        (b'\r', false) => *cr = true,
                        (b'\n', true) => {
                            *state = Chunk::Size {
                                value: 0,
                                digits: 0,
                            };
                        }
                        _ => return Err(Error::new(ErrorKind::InvalidChunkEnd)),
                    }
                    continue;
                }
                _ => unreachable!("handled above"),
            }
            if self.line > max_chunk_line {
                return Err(Error::new(ErrorKind::ChunkLineTooLong));
            }
        }
    }
}

trait AdvanceTo {
    fn advance_to(&mut self, n: usize);
}

impl AdvanceTo for BytesMut {
    fn advance_to(&mut self, n: usize) {
        if n > 0 {
            bytes::Buf::advance(self, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Content, trailers, and the octets after the body.
    type Outcome = Result<(Vec<u8>, Option<Headers>, Vec<u8>), ErrorKind>;

    /// Decodes `wire` fed `step` octets at a time: the content, the trailers, and the octets
    /// left over after the body.
    fn decode(kind: BodyKind, wire: &[u8], step: usize) -> Outcome {
        let mut dec = BodyDecoder::new(kind);
        let mut buf = BytesMut::new();
        let mut content = Vec::new();
        let mut pieces = wire.chunks(step);
        loop {
            match dec.decode(&mut buf, &Limits::default(), 64, 1 << 20) {
                Ok(Decoded::Data(d)) => content.extend_from_slice(&d),
                Ok(Decoded::End(t)) => {
                    let mut rest = buf.to_vec();
                    pieces.for_each(|p| rest.extend_from_slice(p));
                    return Ok((content, t, rest));
                }
                Ok(Decoded::Need) => match pieces.next() {
                    Some(p) => buf.extend_from_slice(p),
                    None => return Err(dec.eof().map(|_| ()).unwrap_err().kind()),
                },
                Err(e) => return Err(e.kind()),
            }
        }
    }

    fn chunked(wire: &[u8]) -> Outcome {
        let all = decode(BodyKind::Chunked, wire, wire.len().max(1));
        // The same at every split point.
        for step in 1..wire.len().min(40) {
            assert_eq!(decode(BodyKind::Chunked, wire, step), all, "step {step}");
        }
        all
    }

    #[test]
    fn chunked_known_answers() {
        let (c, t, rest) = chunked(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nNEXT").unwrap();
        assert_eq!(
            (&c[..], t, &rest[..]),
            (&b"hello world"[..], None, &b"NEXT"[..])
        );
        let (c, t, _) =
            chunked(b"A;ext=1;q=\"a b\"\r\n0123456789\r\n00\r\nX-A: 1\r\nx-b:2\r\n\r\n").unwrap();
        assert_eq!(c, b"0123456789");
        let t = t.unwrap();
        assert_eq!(
            (t.get("x-a"), t.get("x-b")),
            (Some(&b"1"[..]), Some(&b"2"[..]))
        );
        let (c, _, _) = chunked(b"1 ;a\r\nx\r\n0 ; b\r\n\r\n").unwrap();
        assert_eq!(c, b"x");
        let (c, _, _) = chunked(b"0000000000000000000000001\r\nx\r\n0\r\n\r\n").unwrap();
        assert_eq!(c, b"x");
    }

    #[test]
    fn chunked_errors() {
        use ErrorKind::*;
        assert_eq!(chunked(b"x\r\n"), Err(InvalidChunkSize));
        assert_eq!(chunked(b"\r\n"), Err(InvalidChunkSize));
        assert_eq!(chunked(b"-1\r\n"), Err(InvalidChunkSize));
        assert_eq!(chunked(b"0x5\r\n"), Err(InvalidChunkSize));
        assert_eq!(chunked(b" 5\r\n"), Err(InvalidChunkSize));
        assert_eq!(chunked(b"5 \r\nhello\r\n"), Err(InvalidChunkExtension));
        assert_eq!(chunked(b"5 x\r\n"), Err(InvalidChunkExtension));
        assert_eq!(chunked(b"5;\x01\r\n"), Err(InvalidChunkExtension));
        assert_eq!(chunked(b"5\nhello\r\n"), Err(BareLf));
        assert_eq!(chunked(b"5;a\nhello\r\n"), Err(BareLf));
        assert_eq!(chunked(b"5\rhello\r\n"), Err(BareCr));
        assert_eq!(chunked(b"5\r\nhelloX\r\n"), Err(InvalidChunkEnd));
        assert_eq!(chunked(b"5\r\nhello\n0\r\n\r\n"), Err(InvalidChunkEnd));
        // 2^64 does not fit.
        assert_eq!(chunked(b"10000000000000000\r\n"), Err(InvalidChunkSize));
        // Larger than the body limit (1 MiB here).
        assert_eq!(chunked(b"100001\r\n"), Err(BodyTooLarge));
        assert_eq!(
            chunked(&[b"1;".as_slice(), &[b'a'; 80]].concat()),
            Err(ChunkLineTooLong)
        );
        assert_eq!(chunked(b"0\r\nA : b\r\n\r\n"), Err(WhitespaceBeforeColon));
        assert_eq!(chunked(b"0\r\nA: b\r\n"), Err(IncompleteMessage));
        assert_eq!(chunked(b"5\r\nhel"), Err(IncompleteMessage));
    }

    #[test]
    fn length_and_close_delimited() {
        let (c, _, rest) = decode(BodyKind::Length(5), b"helloGET", 3).unwrap();
        assert_eq!((&c[..], &rest[..]), (&b"hello"[..], &b"GET"[..]));
        assert_eq!(
            decode(BodyKind::Length(5), b"hel", 1),
            Err(ErrorKind::IncompleteMessage)
        );
        // A close-delimited body ends at EOF, which is no error.
        let mut dec = BodyDecoder::new(BodyKind::UntilClose);
        let mut buf = BytesMut::from(&b"abc"[..]);
        let limits = Limits::default();
        assert_eq!(
            dec.decode(&mut buf, &limits, 64, 10),
            Ok(Decoded::Data(Bytes::from_static(b"abc")))
        );
        assert_eq!(dec.decode(&mut buf, &limits, 64, 10), Ok(Decoded::Need));
        assert_eq!(dec.eof(), Ok(Decoded::End(None)));
        let mut dec = BodyDecoder::new(BodyKind::UntilClose);
        let mut buf = BytesMut::from(&b"0123456789A"[..]);
        assert_eq!(
            dec.decode(&mut buf, &limits, 64, 10).unwrap_err().kind(),
            ErrorKind::BodyTooLarge
        );
    }
}
