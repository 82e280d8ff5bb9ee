//! HTTP message validation (RFC 9113 §8.1–§8.3): field validity, connection-specific fields,
//! pseudo-header fields, and content-length bookkeeping.
//!
//! Fields are checked one by one as the HPACK decoder yields them, so a malformed block costs
//! no second pass.

use std::sync::Arc;

use bytes::Bytes;
use courier_hpack::HeaderField;

use super::{CommandError, CommandErrorKind};

/// The control data of a request or response: the pseudo-header fields (RFC 9113 §8.3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pseudo {
    /// `:method` (requests).
    pub method: Option<Bytes>,
    /// `:scheme` (requests).
    pub scheme: Option<Bytes>,
    /// `:authority` (requests).
    pub authority: Option<Bytes>,
    /// `:path` (requests).
    pub path: Option<Bytes>,
    /// `:status` (responses), parsed.
    pub status: Option<u16>,
}

/// A validated field section: control data plus the regular header fields, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSection {
    /// The pseudo-header fields.
    pub pseudo: Pseudo,
    /// The regular fields, in the order received.
    pub fields: Vec<HeaderField>,
}

impl FieldSection {
    /// The value of the first field called `name` (lowercase), if any.
    pub fn get(&self, name: &[u8]) -> Option<&Bytes> {
        self.fields
            .iter()
            .find(|f| f.name().as_ref() == name)
            .map(|f| f.value())
    }
}

/// A request header section checked once, to be sent many times: a client that starts the same
/// request again and again (a load generator, a unary call with fixed metadata) builds it once
/// and opens each stream with it ([`Connection::open_stream_prepared`],
/// `driver::Client::start_prepared`). Cloning it copies a pointer; the fields are not checked
/// again for each request, and a connection that sends the same head twice in a row with its
/// HPACK encoder unchanged (every field already indexed) reuses the header block it encoded the
/// first time instead of encoding it again.
///
/// [`Connection::open_stream_prepared`]: crate::Connection::open_stream_prepared
#[derive(Clone, Debug)]
pub struct RequestHead {
    fields: Arc<[HeaderField]>,
    /// `:method` is HEAD: the response has no content whatever its content-length says.
    head_method: bool,
}

impl RequestHead {
    /// Checks `fields` as a request header section — pseudo-header fields first, `:method`,
    /// `:scheme` and `:path` present (or a CONNECT request's `:authority`), no
    /// connection-specific fields, valid names and values (RFC 9113 §8.1–§8.3) — and keeps them.
    /// Fails with [`CommandErrorKind::InvalidHeaders`], saying why, as
    /// [`Connection::open_stream`](crate::Connection::open_stream) would.
    pub fn new(fields: Vec<HeaderField>) -> Result<Self, CommandError> {
        check_outgoing(&fields, SectionKind::Request)?;
        let head_method = is_head(&fields);
        Ok(RequestHead {
            fields: fields.into(),
            head_method,
        })
    }

    /// The header fields, in the order they are sent.
    pub fn fields(&self) -> &[HeaderField] {
        &self.fields
    }

    /// `:method` is HEAD.
    pub(crate) fn is_head(&self) -> bool {
        self.head_method
    }

    /// Whether `self` and `other` are clones of the same head.
    pub(crate) fn same(&self, other: &RequestHead) -> bool {
        Arc::ptr_eq(&self.fields, &other.fields)
    }
}

/// Whether a request's `:method` is HEAD.
pub(crate) fn is_head(request: &[HeaderField]) -> bool {
    request
        .iter()
        .any(|f| f.name().as_ref() == b":method" && f.value().as_ref() == b"HEAD")
}

/// Which kind of field section is being validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SectionKind {
    /// A request header section (a server receiving HEADERS, a client receiving PUSH_PROMISE).
    Request,
    /// A response header section (a client receiving HEADERS).
    Response,
    /// A trailer section.
    Trailers,
}

/// Why a message is malformed (a stream error of type PROTOCOL_ERROR, §8.1.1).
pub(crate) type Malformed = &'static str;

/// Builds a [`FieldSection`] from decoded fields, recording the first violation.
#[derive(Debug)]
pub(crate) struct SectionBuilder {
    kind: SectionKind,
    section: FieldSection,
    seen_regular: bool,
    content_length: Option<u64>,
    error: Option<Malformed>,
}

impl SectionBuilder {
    pub(crate) fn new(kind: SectionKind) -> Self {
        SectionBuilder {
            kind,
            section: FieldSection::default(),
            seen_regular: false,
            content_length: None,
            error: None,
        }
    }

    #[cold]
    fn fail(&mut self, why: Malformed) {
        if self.error.is_none() {
            self.error = Some(why);
        }
    }

    /// Takes the next decoded field.
    pub(crate) fn push(&mut self, field: HeaderField) {
        if self.inspect(&field) {
            self.section.fields.push(field);
        }
    }

    /// Checks `field` and records pseudo-header values; returns whether it is a regular field
    /// to keep.
    fn inspect(&mut self, field: &HeaderField) -> bool {
        if self.error.is_some() {
            return false;
        }
        let name = field.name();
        if let Some(pseudo_name) = name.strip_prefix(b":") {
            // RFC 9113 §8.3: "Pseudo-header fields MUST NOT appear in a trailer section."
            // <https://www.rfc-editor.org/rfc/rfc9113#section-8.3>
            if self.kind == SectionKind::Trailers {
                self.fail("pseudo-header field in trailers");
                return false;
            }
            // RFC 9113 §8.3: "Any request or response that contains a pseudo-header field that
            // appears in a field block after a regular field line MUST be treated as malformed
            // (Section 8.1.1)." <https://www.rfc-editor.org/rfc/rfc9113#section-8.3>
            if self.seen_regular {
                self.fail("pseudo-header field after a regular field");
                return false;
            }
            let value = field.value().clone();
            self.push_pseudo(pseudo_name, value);
            return false;
        }
        self.seen_regular = true;
        if let Err(why) = check_name(name).and_then(|()| check_value(field.value())) {
            self.fail(why);
            return false;
        }
        match name.as_ref() {
            // RFC 9113 §8.2.2: "Any message containing connection-specific header fields MUST
            // be treated as malformed (Section 8.1.1)."
            // <https://www.rfc-editor.org/rfc/rfc9113#section-8.2.2>
            b"connection" | b"proxy-connection" | b"keep-alive" | b"transfer-encoding"
            | b"upgrade" => {
                self.fail("connection-specific header field");
                return false;
            }
            // RFC 9113 §8.2.2: "The only exception to this is the TE header field, which MAY be
            // present in an HTTP/2 request; when it is, it MUST NOT contain any value other than
            // "trailers"." <https://www.rfc-editor.org/rfc/rfc9113#section-8.2.2>
            b"te" if field.value().as_ref() != b"trailers" => {
                self.fail("te header field with a value other than \"trailers\"");
                return false;
            }
            b"content-length" if self.kind != SectionKind::Trailers => {
                let Some(n) = parse_content_length(field.value()) else {
                    self.fail("invalid content-length");
                    return false;
                };
                if self.content_length.is_some_and(|prev| prev != n) {
                    self.fail("conflicting content-length values");
                    return false;
                }
                self.content_length = Some(n);
            }
            _ => {}
        }
        true
    }

    fn push_pseudo(&mut self, name: &[u8], value: Bytes) {
        let p = &mut self.section.pseudo;
        let slot = match (self.kind, name) {
            (SectionKind::Request, b"method") => &mut p.method,
            (SectionKind::Request, b"scheme") => &mut p.scheme,
            (SectionKind::Request, b"authority") => &mut p.authority,
            (SectionKind::Request, b"path") => &mut p.path,
            (SectionKind::Response, b"status") => {
                // RFC 9113 §8.3: "The same pseudo-header field name MUST NOT appear more than
                // once in a field block." <https://www.rfc-editor.org/rfc/rfc9113#section-8.3>
                if p.status.is_some() {
                    return self.fail("repeated :status");
                }
                match parse_status(&value) {
                    Some(s) => p.status = Some(s),
                    None => self.fail("invalid :status"),
                }
                return;
            }
            // RFC 9113 §8.3: "Endpoints MUST treat a request or response that contains undefined
            // or invalid pseudo-header fields as malformed (Section 8.1.1)."
            // <https://www.rfc-editor.org/rfc/rfc9113#section-8.3>
            _ => return self.fail("undefined or misplaced pseudo-header field"),
        };
        // RFC 9113 §8.3: "The same pseudo-header field name MUST NOT appear more than once in a
        // field block." <https://www.rfc-editor.org/rfc/rfc9113#section-8.3>
        if slot.is_some() {
            return self.fail("repeated pseudo-header field");
        }
        *slot = Some(value);
    }

    /// Finishes the section: checks the mandatory pseudo-header fields. Returns the section and
    /// its content-length, if it gave one.
    pub(crate) fn finish(mut self) -> Result<(FieldSection, Option<u64>), Malformed> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let p = &self.section.pseudo;
        match self.kind {
            SectionKind::Request => {
                let is_connect = p.method.as_deref() == Some(b"CONNECT");
                if is_connect {
                    // RFC 9113 §8.5: "The ":scheme" and ":path" pseudo-header fields MUST be
                    // omitted." and "The ":authority" pseudo-header field contains the host and
                    // port to connect to". <https://www.rfc-editor.org/rfc/rfc9113#section-8.5>
                    if p.scheme.is_some() || p.path.is_some() || p.authority.is_none() {
                        self.fail("CONNECT request with :scheme or :path, or without :authority");
                    }
                } else {
                    // RFC 9113 §8.3.1: "All HTTP/2 requests MUST include exactly one valid value
                    // for the ":method", ":scheme", and ":path" pseudo-header fields, unless
                    // they are CONNECT requests (Section 8.5)."
                    // <https://www.rfc-editor.org/rfc/rfc9113#section-8.3.1>
                    if p.method.is_none() || p.scheme.is_none() || p.path.is_none() {
                        self.fail("request without :method, :scheme or :path");
                    // RFC 9113 §8.3.1: "This pseudo-header field MUST NOT be empty for "http" or
                    // "https" URIs". <https://www.rfc-editor.org/rfc/rfc9113#section-8.3.1>
                    } else if p.path.as_ref().is_some_and(|path| path.is_empty()) {
                        self.fail("empty :path");
                    }
                }
            }
            SectionKind::Response => {
                // RFC 9113 §8.3.2: "This pseudo-header field MUST be included in all responses,
                // including interim responses; otherwise, the response is malformed
                // (Section 8.1.1)." <https://www.rfc-editor.org/rfc/rfc9113#section-8.3.2>
                if p.status.is_none() {
                    self.fail("response without :status");
                }
            }
            SectionKind::Trailers => {}
        }
        match self.error {
            Some(e) => Err(e),
            None => Ok((self.section, self.content_length)),
        }
    }
}

/// RFC 9113 §8.2.1 minimal validation of a regular field name.
fn check_name(name: &[u8]) -> Result<(), Malformed> {
    if name.is_empty() {
        return Err("empty field name");
    }
    // RFC 9113 §8.2.1: "A field name MUST NOT contain characters in the ranges 0x00-0x20,
    // 0x41-0x5a, or 0x7f-0xff (all ranges inclusive)." and "... field names MUST NOT include a
    // colon (ASCII COLON, 0x3a)." <https://www.rfc-editor.org/rfc/rfc9113#section-8.2.1>
    if !name_words_plain(name) && name.iter().any(|&b| !NAME_BYTE[usize::from(b)]) {
        return Err("invalid character in field name");
    }
    Ok(())
}

/// Bytes 0x01 repeated in a word.
const LO: u64 = 0x0101_0101_0101_0101;
/// The top bit of every byte of a word.
const HI: u64 = 0x8080_8080_8080_8080;

/// Calls `plain` on `bytes` eight at a time (fewer than eight padded with `pad`) and returns
/// whether every word was plain. A fast path for the byte checks: a word-wide test that never
/// calls a bad byte plain, and a false answer sends the caller to its exact byte loop.
#[inline]
fn words_all(bytes: &[u8], pad: u8, plain: impl Fn(u64) -> bool) -> bool {
    let word = |c: &[u8]| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
    if bytes.len() >= 8 {
        let mut chunks = bytes.chunks_exact(8);
        if !chunks.all(|c| plain(word(c))) {
            return false;
        }
        // The last eight bytes, overlapping bytes already seen (a copy of a short remainder
        // costs a call to memcpy).
        return bytes.len() % 8 == 0 || plain(word(&bytes[bytes.len() - 8..]));
    }
    let mut w = u64::from_le_bytes([pad; 8]);
    for (i, &b) in bytes.iter().enumerate() {
        let shift = 8 * i as u32;
        w = (w & !(0xff << shift)) | (u64::from(b) << shift);
    }
    plain(w)
}

/// Whether every byte of `name` is in 0x21..=0x39 or 0x5b..=0x7e, all of which `NAME_BYTE`
/// allows (the usual lowercase letters, digits, `-`, `_`, `.`). Word-wide tests that are exact
/// for "some byte is": below 0x21, at least 0x7f, in 0x3a..=0x5a.
#[inline]
fn name_words_plain(name: &[u8]) -> bool {
    words_all(name, b'a', |x| {
        let below = x.wrapping_sub(LO * 0x21) & !x;
        let above = x.wrapping_add(LO) | x;
        // With no byte at 0x80 or above (`above` rules that out), byte b is flagged iff
        // 0x39 < b < 0x5b: 0xda - b has its top bit iff b <= 0x5a, b + 0x46 iff b >= 0x3a.
        let between =
            (LO * 0xda).wrapping_sub(x & (LO * 0x7f)) & !x & ((x & (LO * 0x7f)) + LO * 0x46);
        (below | above | between) & HI == 0
    })
}

/// Whether no byte of `value` is below 0x0e (so none is NUL, LF or CR): a word-wide test, exact
/// for "some byte is below 0x0e".
#[inline]
fn value_words_plain(value: &[u8]) -> bool {
    words_all(value, b'a', |x| x.wrapping_sub(LO * 0x0e) & !x & HI == 0)
}

/// The bytes a field name may hold (RFC 9113 §8.2.1, quoted in `check_name`): one table load
/// per byte.
static NAME_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x21;
    while b < 0x7f {
        t[b] = !(b >= 0x41 && b <= 0x5a) && b != b':' as usize;
        b += 1;
    }
    t
};

/// The bytes a field value may not hold anywhere (RFC 9113 §8.2.1, quoted in `check_value`).
static VALUE_FORBIDDEN: [bool; 256] = {
    let mut t = [false; 256];
    t[0] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t
};

/// RFC 9113 §8.2.1 minimal validation of a field value.
fn check_value(value: &[u8]) -> Result<(), Malformed> {
    // RFC 9113 §8.2.1: "A field value MUST NOT contain the zero value (ASCII NUL, 0x00), line
    // feed (ASCII LF, 0x0a), or carriage return (ASCII CR, 0x0d) at any position."
    // <https://www.rfc-editor.org/rfc/rfc9113#section-8.2.1>
    if !value_words_plain(value) && value.iter().any(|&b| VALUE_FORBIDDEN[usize::from(b)]) {
        return Err("NUL, CR or LF in field value");
    }
    // RFC 9113 §8.2.1: "A field value MUST NOT start or end with an ASCII whitespace character
    // (ASCII SP or HTAB, 0x20 or 0x09)." <https://www.rfc-editor.org/rfc/rfc9113#section-8.2.1>
    let ws = |b: &u8| *b == b' ' || *b == b'\t';
    if value.first().is_some_and(ws) || value.last().is_some_and(ws) {
        return Err("field value starts or ends with whitespace");
    }
    Ok(())
}

fn parse_content_length(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    v.iter().try_fold(0u64, |acc, d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

fn parse_status(v: &[u8]) -> Option<u16> {
    if v.len() != 3 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let s = v.iter().fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    (100..=999).contains(&s).then_some(s)
}

/// Checks fields the application asks to send: the same minimal validity rules, so this
/// endpoint never generates a message its peer must reject. Fails with
/// [`CommandErrorKind::InvalidHeaders`] saying why.
pub(crate) fn check_outgoing(
    fields: &[HeaderField],
    kind: SectionKind,
) -> Result<(), CommandError> {
    let mut b = SectionBuilder::new(kind);
    for f in fields {
        b.inspect(f);
    }
    b.finish()
        .map(|_| ())
        .map_err(|why| CommandError::with_detail(CommandErrorKind::InvalidHeaders, why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_fast_paths_agree_with_the_byte_tables() {
        // Every byte at every position of names and values of lengths 1..=17, among plain
        // neighbours of both kinds (a lowercase letter, and the edges 0x21 / 0x7e / 0x0e).
        for len in 1..=17usize {
            for at in 0..len {
                for fill in [b'a', 0x21, 0x7e, 0x39, 0x5b] {
                    for b in 0..=255u8 {
                        let mut name = vec![fill; len];
                        name[at] = b;
                        let exact = name.iter().all(|&c| NAME_BYTE[usize::from(c)]);
                        if name_words_plain(&name) {
                            assert!(exact, "name {name:?}");
                        }
                        assert_eq!(check_name(&name).is_ok(), exact, "name {name:?}");
                    }
                }
                for fill in [b'a', 0x0e, 0xff, 0x80] {
                    for b in 0..=255u8 {
                        let mut value = vec![fill; len];
                        value[at] = b;
                        let exact = !value.iter().any(|&c| VALUE_FORBIDDEN[usize::from(c)]);
                        if value_words_plain(&value) {
                            assert!(exact, "value {value:?}");
                        }
                    }
                }
            }
        }
        // Two bad bytes in one word, where borrows and carries cross bytes.
        for a in [0u8, 0x0a, 0x0d, 0x20, 0x3a, 0x41, 0x5a, 0x7f, 0xff] {
            for b in 0..=255u8 {
                let name = [b'x', a, b, b'y', b'z', b'-', b'0', b'_', a, b];
                let exact = name.iter().all(|&c| NAME_BYTE[usize::from(c)]);
                assert!(!name_words_plain(&name) || exact);
                let value = [b'x', a, b, b' ', b'z', b'-', 0x80, 0xff, a, b];
                let exact = !value.iter().any(|&c| VALUE_FORBIDDEN[usize::from(c)]);
                assert!(!value_words_plain(&value) || exact);
            }
        }
        assert!(name_words_plain(b"content-type"));
        assert!(name_words_plain(b"x-grpc-web"));
        assert!(value_words_plain(b"application/grpc-web+proto"));
    }

    #[test]
    fn byte_tables_follow_the_rfc_ranges() {
        for b in 0..=255u8 {
            // RFC 9113 §8.2.1's ranges, spelled out.
            let name_ok = !(b <= 0x20 || (0x41..=0x5a).contains(&b) || b >= 0x7f || b == b':');
            assert_eq!(NAME_BYTE[usize::from(b)], name_ok, "name byte {b:#04x}");
            assert_eq!(
                check_name(&[b'a', b]).is_ok(),
                name_ok,
                "name byte {b:#04x}"
            );
            let value_bad = b == 0 || b == b'\n' || b == b'\r';
            assert_eq!(
                VALUE_FORBIDDEN[usize::from(b)],
                value_bad,
                "value byte {b:#04x}"
            );
            assert_eq!(
                check_value(&[b'a', b, b'a']).is_err(),
                value_bad,
                "value byte {b:#04x}"
            );
        }
    }

    fn build(kind: SectionKind, fields: &[(&str, &str)]) -> Result<FieldSection, Malformed> {
        let mut b = SectionBuilder::new(kind);
        for (n, v) in fields {
            b.push(HeaderField::new(
                n.as_bytes().to_vec(),
                v.as_bytes().to_vec(),
            ));
        }
        b.finish().map(|(s, _)| s)
    }

    const GET: [(&str, &str); 4] = [
        (":method", "GET"),
        (":scheme", "https"),
        (":authority", "example.com"),
        (":path", "/"),
    ];

    #[test]
    fn valid_request_and_response() {
        let s = build(
            SectionKind::Request,
            &[&GET[..], &[("accept", "*/*")]].concat(),
        )
        .unwrap();
        assert_eq!(s.pseudo.method.as_deref(), Some(&b"GET"[..]));
        assert_eq!(s.get(b"accept").map(|v| &v[..]), Some(&b"*/*"[..]));
        let r = build(
            SectionKind::Response,
            &[(":status", "200"), ("server", "x")],
        )
        .unwrap();
        assert_eq!(r.pseudo.status, Some(200));
        build(
            SectionKind::Request,
            &[(":method", "CONNECT"), (":authority", "a:443")],
        )
        .unwrap();
        build(SectionKind::Trailers, &[("grpc-status", "0")]).unwrap();
        build(
            SectionKind::Request,
            &[&GET[..], &[("te", "trailers")]].concat(),
        )
        .unwrap();
    }

    #[test]
    fn malformed_sections() {
        let req = |extra: &[(&str, &str)]| build(SectionKind::Request, &[&GET[..], extra].concat());
        assert!(req(&[("Accept", "x")]).is_err(), "uppercase name");
        assert!(req(&[("a b", "x")]).is_err(), "space in name");
        assert!(req(&[("a:b", "x")]).is_err(), "colon in name");
        assert!(req(&[("a", "x\r\ny")]).is_err(), "CRLF in value");
        assert!(req(&[("a", " x")]).is_err(), "leading space");
        assert!(req(&[("a", "x\t")]).is_err(), "trailing tab");
        assert!(req(&[("connection", "close")]).is_err());
        assert!(req(&[("transfer-encoding", "chunked")]).is_err());
        assert!(req(&[("te", "gzip")]).is_err());
        assert!(req(&[(":path", "/again")]).is_err(), "repeated pseudo");
        assert!(
            req(&[("a", "b"), (":foo", "x")]).is_err(),
            "pseudo after regular"
        );
        assert!(
            req(&[(":status", "200")]).is_err(),
            "response pseudo in request"
        );
        assert!(req(&[("content-length", "1"), ("content-length", "2")]).is_err());
        assert!(req(&[("content-length", "x")]).is_err());
        assert!(
            build(SectionKind::Request, &GET[..3]).is_err(),
            "missing :path"
        );
        assert!(
            build(
                SectionKind::Request,
                &[(":method", "GET"), (":scheme", "http"), (":path", "")]
            )
            .is_err()
        );
        assert!(
            build(SectionKind::Response, &[("server", "x")]).is_err(),
            "missing :status"
        );
        assert!(build(SectionKind::Response, &[(":status", "20")]).is_err());
        assert!(
            build(
                SectionKind::Response,
                &[(":status", "200"), (":method", "GET")]
            )
            .is_err()
        );
        assert!(build(SectionKind::Trailers, &[(":status", "200")]).is_err());
        assert!(
            build(
                SectionKind::Request,
                &[(":method", "CONNECT"), (":authority", "a"), (":path", "/")]
            )
            .is_err()
        );
    }

    #[test]
    fn content_length_is_parsed() {
        let mut b = SectionBuilder::new(SectionKind::Response);
        b.push(HeaderField::new(&b":status"[..], &b"200"[..]));
        b.push(HeaderField::new(&b"content-length"[..], &b"42"[..]));
        b.push(HeaderField::new(&b"content-length"[..], &b"42"[..]));
        assert_eq!(b.finish().unwrap().1, Some(42));
        assert_eq!(parse_content_length(b"99999999999999999999"), None);
    }
}
