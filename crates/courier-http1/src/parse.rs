//! The head parser: finds the end of a head incrementally ([`HeadScanner`]), then parses the
//! start-line and field lines of the complete head in place (field names are lowercased where
//! they lie, obsolete folds in responses are blanked where they lie), producing offsets into
//! the buffer — no allocation but the field table.
//!
//! Every rule RFC 9112 states as a MUST for a recipient is checked here, with the sentence
//! quoted above the check. Where the RFC lets a recipient choose between rejecting and
//! repairing, this parser rejects, except where a user agent must repair (obs-fold in a
//! response).

use core::ops::Range;

use crate::error::{Error, ErrorKind};

/// The limits the head parser enforces (a subset of [`Config`](crate::Config)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest request-line (status-line), CRLF excluded. Above it: 414 URI Too Long.
    pub max_request_line: usize,
    /// Largest header (or trailer) section after the start-line, CRLFs included. Above it:
    /// 431.
    pub max_header_size: usize,
    /// Most field lines in a section. Above it: 431.
    pub max_headers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_request_line: 16 << 10,
            max_header_size: 64 << 10,
            max_headers: 100,
        }
    }
}

/// What kind of head a scanner or parser reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeadKind {
    /// request-line, header section (server).
    Request,
    /// status-line, header section (client).
    Response,
    /// A trailer section: field lines only. `request`: received by a server.
    Trailers { request: bool },
}

macro_rules! table {
    ($b:ident => $e:expr) => {{
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            let $b = i as u8;
            t[i] = $e;
            i += 1;
        }
        t
    }};
}

/// RFC 9110 §5.6.2: `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
/// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA`.
static TCHAR: [bool; 256] = table!(b => b.is_ascii_alphanumeric()
|| matches!(
    b,
    b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_'
        | b'`' | b'|' | b'~'
));

/// RFC 9110 §5.5: `field-content` octets — VCHAR, obs-text (%x80-FF), SP and HTAB.
static FIELD_CHAR: [bool; 256] = table!(b => b == b'\t' || (b >= 0x20 && b != 0x7f));

/// request-target octets: visible US-ASCII (RFC 9112 §3.2: "No whitespace is allowed in the
/// request-target"; URIs are US-ASCII, RFC 3986 §2).
static TARGET_CHAR: [bool; 256] = table!(b => b > 0x20 && b < 0x7f);

/// Whether `b` is a `tchar`.
#[inline]
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// Whether `s` is a `token` (one or more tchar).
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// The index of the first LF in `s`, eight octets at a time.
#[inline]
pub(crate) fn find_lf(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const LF: u64 = LO * b'\n' as u64;
    let mut i = 0;
    while i + 8 <= s.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[i..i + 8]);
        let x = u64::from_le_bytes(w) ^ LF;
        let found = x.wrapping_sub(LO) & !x & HI;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i..].iter().position(|&b| b == b'\n').map(|p| i + p)
}

/// The index of the first octet of `s` that may not appear in a field value (anything but
/// HTAB, SP, VCHAR and obs-text), eight octets at a time: a word with no control octet and no
/// DEL is skipped whole; a word with one (a tab, usually) is checked octet by octet.
#[inline]
fn first_invalid_value_octet(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= s.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[i..i + 8]);
        let x = u64::from_le_bytes(w);
        // Octets below 0x20 (octets with the high bit set are never flagged).
        let control = x.wrapping_sub(LO * 0x20) & !x & HI;
        // Octets equal to 0x7f.
        let y = x ^ (LO * 0x7f);
        let del = y.wrapping_sub(LO) & !y & HI;
        if control | del != 0 {
            if let Some(p) = s[i..i + 8]
                .iter()
                .position(|&b| !FIELD_CHAR[usize::from(b)])
            {
                return Some(i + p);
            }
        }
        i += 8;
    }
    s[i..]
        .iter()
        .position(|&b| !FIELD_CHAR[usize::from(b)])
        .map(|p| i + p)
}

/// Finds the end of a head (the empty line) as octets arrive, scanning each octet once, and
/// enforces the size limits and the line terminator on the way.
#[derive(Clone, Debug, Default)]
pub(crate) struct HeadScanner {
    /// Where scanning resumes.
    pos: usize,
    /// Start of the line being scanned.
    line_start: usize,
    /// The start-line has been seen (always true for trailers).
    started: bool,
    /// Where the field lines start.
    fields_start: usize,
    /// Field lines seen so far.
    lines: usize,
}

impl HeadScanner {
    pub(crate) fn new(kind: HeadKind) -> HeadScanner {
        HeadScanner {
            started: matches!(kind, HeadKind::Trailers { .. }),
            ..HeadScanner::default()
        }
    }

    /// Whether nothing has been scanned yet.
    pub(crate) fn is_fresh(&self) -> bool {
        self.pos == 0
    }

    /// Scans `buf` (the same buffer, grown, on every call). Returns the length of the complete
    /// head, empty line included, or `None` if more is needed. Leading empty lines before a
    /// start-line are part of the returned length (the parser skips them).
    pub(crate) fn scan(
        &mut self,
        buf: &[u8],
        limits: &Limits,
        kind: HeadKind,
    ) -> Result<Option<usize>, Error> {
        loop {
            let Some(off) = find_lf(&buf[self.pos..]) else {
                self.pos = buf.len();
                self.check_partial(buf.len(), limits, kind)?;
                return Ok(None);
            };
            let lf = self.pos + off;
            // RFC 9112 §2.2: "Although the line terminator for the start-line and fields is the
            // sequence CRLF, a recipient MAY recognize a single LF as a line terminator and
            // ignore any preceding CR." This parser does not: a bare LF is an invalid message
            // (one reading of line ends for every element leaves nothing to smuggle through).
            // <https://www.rfc-editor.org/rfc/rfc9112#section-2.2>
            if lf == self.line_start || buf[lf - 1] != b'\r' {
                return Err(Error::new(ErrorKind::BareLf));
            }
            let line_len = lf - 1 - self.line_start;
            self.pos = lf + 1;
            if !self.started {
                if line_len == 0 {
                    // RFC 9112 §2.2: "In the interest of robustness, a server that is expecting
                    // to receive and parse a request-line SHOULD ignore at least one empty line
                    // (CRLF) received prior to the request-line." (And §9.2: a client may
                    // discard CRLFs between responses.) They count against the head limit.
                    self.line_start = self.pos;
                    self.check_partial(self.pos, limits, kind)?;
                    continue;
                }
                if line_len > limits.max_request_line {
                    return Err(start_line_too_long(kind));
                }
                self.started = true;
                self.line_start = self.pos;
                self.fields_start = self.pos;
                continue;
            }
            if line_len == 0 {
                return Ok(Some(self.pos));
            }
            self.lines += 1;
            // RFC 9110 §5.4: "A server that receives a request header field line, field value,
            // or set of fields larger than it wishes to process MUST respond with an appropriate
            // 4xx (Client Error) status code." (431, ErrorKind::status.)
            // <https://www.rfc-editor.org/rfc/rfc9110#section-5.4>
            if self.lines > limits.max_headers {
                return Err(Error::new(ErrorKind::TooManyFields));
            }
            self.line_start = self.pos;
            if self.pos - self.fields_start > limits.max_header_size {
                return Err(Error::new(ErrorKind::HeaderSectionTooLarge));
            }
        }
    }

    /// Limits on a head not complete yet, `len` octets buffered.
    fn check_partial(&self, len: usize, limits: &Limits, kind: HeadKind) -> Result<(), Error> {
        if !self.started {
            // The start-line so far (leading empty lines are bounded by the same limit).
            if len > limits.max_request_line + 2 {
                return Err(start_line_too_long(kind));
            }
        } else if len - self.fields_start > limits.max_header_size {
            return Err(Error::new(ErrorKind::HeaderSectionTooLarge));
        }
        Ok(())
    }
}

fn start_line_too_long(kind: HeadKind) -> Error {
    Error::new(match kind {
        HeadKind::Request => ErrorKind::RequestLineTooLong,
        _ => ErrorKind::HeaderSectionTooLarge,
    })
}

/// A field line as offsets into the head buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldSpan {
    /// The name (lowercased in place).
    pub name: Range<usize>,
    /// The value, without surrounding whitespace.
    pub value: Range<usize>,
}

/// A parsed request head as offsets into its buffer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawRequest {
    /// The method token.
    pub method: Range<usize>,
    /// The request-target.
    pub target: Range<usize>,
    /// `true` for HTTP/1.0, `false` for HTTP/1.1 (or a later 1.x).
    pub http10: bool,
    /// The field lines.
    pub fields: Vec<FieldSpan>,
}

/// A parsed response head as offsets into its buffer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// The reason phrase (possibly empty).
    pub reason: Range<usize>,
    /// `true` for HTTP/1.0.
    pub http10: bool,
    /// The field lines.
    pub fields: Vec<FieldSpan>,
}

/// Parses a request head at the start of `buf`, if it is complete: returns its length (empty
/// line included) and fills `out`; `Ok(None)` if more octets are needed. Field names are
/// lowercased in place. One pass over the octets; it starts from the beginning on each call
/// (connections use an incremental scanner while a head arrives in pieces, so that a head
/// dripping in is not parsed again and again).
pub fn parse_request(
    buf: &mut [u8],
    limits: &Limits,
    out: &mut RawRequest,
) -> Result<Option<usize>, Error> {
    let Some((start, end, fields_at)) = start_line(buf, limits, HeadKind::Request)? else {
        return Ok(None);
    };
    request_line(&buf[start..end], start, out)?;
    parse_fields(buf, fields_at, HeadKind::Request, limits, &mut out.fields)
}

/// Parses a response head at the start of `buf`, if it is complete (see [`parse_request`]).
/// Obsolete line folding is replaced with spaces in place (RFC 9112 §5.2).
pub fn parse_response(
    buf: &mut [u8],
    limits: &Limits,
    out: &mut RawResponse,
) -> Result<Option<usize>, Error> {
    let Some((start, end, fields_at)) = start_line(buf, limits, HeadKind::Response)? else {
        return Ok(None);
    };
    status_line(&buf[start..end], start, out)?;
    parse_fields(buf, fields_at, HeadKind::Response, limits, &mut out.fields)
}

/// Finds the start-line after any leading empty lines: its start, the index of its CR, and
/// where the field lines start; `None` if it is not complete.
fn start_line(
    buf: &[u8],
    limits: &Limits,
    kind: HeadKind,
) -> Result<Option<(usize, usize, usize)>, Error> {
    let mut start = 0;
    loop {
        let Some(off) = find_lf(&buf[start..]) else {
            if buf.len() > limits.max_request_line + 2 {
                return Err(start_line_too_long(kind));
            }
            return Ok(None);
        };
        let lf = start + off;
        // RFC 9112 §2.2 (see HeadScanner::scan): CRLF only.
        // <https://www.rfc-editor.org/rfc/rfc9112#section-2.2>
        if lf == start || buf[lf - 1] != b'\r' {
            return Err(Error::new(ErrorKind::BareLf));
        }
        if lf - 1 == start {
            // RFC 9112 §2.2: "a server that is expecting to receive and parse a request-line
            // SHOULD ignore at least one empty line (CRLF) received prior to the request-line".
            start = lf + 1;
            if start > limits.max_request_line + 2 {
                return Err(start_line_too_long(kind));
            }
            continue;
        }
        if lf - 1 - start > limits.max_request_line {
            return Err(start_line_too_long(kind));
        }
        return Ok(Some((start, lf - 1, lf + 1)));
    }
}

/// Parses a request-line (`line` starts at `start` in the buffer).
fn request_line(line: &[u8], start: usize, out: &mut RawRequest) -> Result<(), Error> {
    // RFC 9112 §3: "request-line = method SP request-target SP HTTP-version". Exactly one SP
    // between the elements: the lenient whitespace parsing the RFC permits is what "can result
    // in request smuggling security vulnerabilities" (§3), so it is not done.
    // <https://www.rfc-editor.org/rfc/rfc9112#section-3>
    let m = line
        .iter()
        .position(|&b| !is_tchar(b))
        .unwrap_or(line.len());
    if m == 0 || line.get(m) != Some(&b' ') {
        return Err(Error::new(if m == 0 {
            ErrorKind::InvalidMethod
        } else {
            ErrorKind::InvalidRequestLine
        }));
    }
    let t0 = m + 1;
    let t = line[t0..]
        .iter()
        .position(|&b| !TARGET_CHAR[usize::from(b)])
        .map_or(line.len(), |p| t0 + p);
    if t == t0 {
        return Err(Error::new(ErrorKind::InvalidRequestLine));
    }
    match line.get(t) {
        Some(b' ') => {}
        // RFC 9112 §2.2: "A recipient of such a bare CR MUST consider that element to be
        // invalid or replace each bare CR with SP before processing the element".
        // <https://www.rfc-editor.org/rfc/rfc9112#section-2.2>
        Some(b'\r') => return Err(Error::new(ErrorKind::BareCr)),
        // RFC 9112 §3.2: "No whitespace is allowed in the request-target." Control octets and
        // non-ASCII octets are not URI characters either. "Recipients of an invalid
        // request-line SHOULD respond with either a 400 (Bad Request) error or a 301 (Moved
        // Permanently) redirect".
        // <https://www.rfc-editor.org/rfc/rfc9112#section-3.2>
        Some(_) => return Err(Error::new(ErrorKind::InvalidTarget)),
        None => return Err(Error::new(ErrorKind::InvalidRequestLine)),
    }
    let http10 = version(&line[t + 1..])?;
    check_target_form(&line[..m], &line[t0..t])?;
    out.method = start..start + m;
    out.target = start + t0..start + t;
    out.http10 = http10;
    Ok(())
}

/// `HTTP-version = HTTP-name "/" DIGIT "." DIGIT` (RFC 9112 §2.3); returns whether it is
/// HTTP/1.0.
fn version(v: &[u8]) -> Result<bool, Error> {
    // RFC 9112 §2.3: "HTTP-version is case-sensitive."
    // <https://www.rfc-editor.org/rfc/rfc9112#section-2.3>
    match v {
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            if *major != b'1' {
                // RFC 9110 §15.6.6: 505 "indicates that the server does not support, or refuses
                // to support, the major version of HTTP that was used in the request message."
                // <https://www.rfc-editor.org/rfc/rfc9110#section-15.6.6>
                return Err(Error::new(ErrorKind::UnsupportedVersion));
            }
            Ok(*minor == b'0')
        }
        _ => Err(Error::new(ErrorKind::InvalidVersion)),
    }
}

/// The four forms of request-target (RFC 9112 §3.2).
fn check_target_form(method: &[u8], target: &[u8]) -> Result<(), Error> {
    let ok = match target {
        // origin-form = absolute-path [ "?" query ]
        [b'/', ..] => method != b"CONNECT",
        // RFC 9112 §3.2.4: "The asterisk-form of request-target is only used for a server-wide
        // OPTIONS request".
        // <https://www.rfc-editor.org/rfc/rfc9112#section-3.2.4>
        b"*" => method == b"OPTIONS",
        // RFC 9112 §3.2.3: "The authority-form of request-target is only used for CONNECT
        // requests". authority-form = uri-host ":" port
        // <https://www.rfc-editor.org/rfc/rfc9112#section-3.2.3>
        _ if method == b"CONNECT" => target.contains(&b':') && valid_host(target),
        // absolute-form = absolute-URI: scheme ":" hier-part [ "?" query ]; scheme = ALPHA
        // *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1).
        [first, ..] if first.is_ascii_alphabetic() => {
            match target.iter().position(|&b| b == b':') {
                Some(c) => target[..c]
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')),
                None => false,
            }
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::InvalidTarget))
    }
}

/// `Host = uri-host [ ":" port ]` (RFC 9110 §7.2), checked by character class: reg-name,
/// IPv4address and IP-literal characters (RFC 3986 §3.2.2), and a decimal port. An empty value
/// is allowed (RFC 9112 §3.2: sent when the target URI has no authority).
pub(crate) fn valid_host(host: &[u8]) -> bool {
    let (name, port) = match host {
        [b'[', ..] => match host.iter().position(|&b| b == b']') {
            Some(end) => {
                let (lit, rest) = host.split_at(end + 1);
                if !lit[1..end]
                    .iter()
                    .all(|&b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'v' | b'V'))
                {
                    return false;
                }
                match rest {
                    [] => return true,
                    [b':', port @ ..] => (&[][..], port),
                    _ => return false,
                }
            }
            None => return false,
        },
        _ => match host.iter().rposition(|&b| b == b':') {
            Some(c) => (&host[..c], &host[c + 1..]),
            None => (host, &[][..]),
        },
    };
    name.iter().all(|&b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'%'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
            )
    }) && port.iter().all(u8::is_ascii_digit)
}

/// Parses a status-line (`line` starts at `start` in the buffer).
fn status_line(line: &[u8], start: usize, out: &mut RawResponse) -> Result<(), Error> {
    let end = start + line.len();
    // RFC 9112 §4: "status-line = HTTP-version SP status-code SP [ reason-phrase ]". The SP
    // after the status code is required of servers but often missing; a status-line that ends
    // right after the code is accepted.
    // <https://www.rfc-editor.org/rfc/rfc9112#section-4>
    if line.len() < 12 || line[8] != b' ' {
        return Err(Error::new(ErrorKind::InvalidStatusLine));
    }
    let http10 = version(&line[..8])?;
    let code = &line[9..12];
    if !code.iter().all(u8::is_ascii_digit) {
        return Err(Error::new(ErrorKind::InvalidStatusLine));
    }
    let status = code.iter().fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
    if status < 100 {
        return Err(Error::new(ErrorKind::InvalidStatusLine));
    }
    let reason = match line.get(12) {
        None => end..end,
        Some(b' ') => {
            // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
            if let Some(&b) = line[13..].iter().find(|&&b| !FIELD_CHAR[usize::from(b)]) {
                return Err(Error::new(if b == b'\r' {
                    ErrorKind::BareCr
                } else {
                    ErrorKind::InvalidStatusLine
                }));
            }
            start + 13..end
        }
        Some(_) => return Err(Error::new(ErrorKind::InvalidStatusLine)),
    };
    out.status = status;
    out.reason = reason;
    out.http10 = http10;
    Ok(())
}

/// Parses field lines from `at` up to the empty line that ends the section, replacing what
/// `out` held: returns the end of the section (after the empty line), or `None` if it has not
/// arrived yet. Checks the line terminators and the section limits on the way.
pub(crate) fn parse_fields(
    head: &mut [u8],
    mut at: usize,
    kind: HeadKind,
    limits: &Limits,
    out: &mut Vec<FieldSpan>,
) -> Result<Option<usize>, Error> {
    out.clear();
    let fields_start = at;
    let mut lines = 0;
    loop {
        if let Some((name_end, vs, ve, next)) = simple_field_line(head, at) {
            lines += 1;
            if lines > limits.max_headers {
                return Err(Error::new(ErrorKind::TooManyFields));
            }
            if next - fields_start > limits.max_header_size {
                return Err(Error::new(ErrorKind::HeaderSectionTooLarge));
            }
            out.push(FieldSpan {
                name: at..name_end,
                value: vs..ve,
            });
            at = next;
            continue;
        }
        // Anything else (the empty line, a continuation, an error, the end of what has
        // arrived) takes the general path below, which finds the line end first.
        let Some(off) = find_lf(&head[at..]) else {
            if head.len() - fields_start > limits.max_header_size {
                return Err(Error::new(ErrorKind::HeaderSectionTooLarge));
            }
            return Ok(None);
        };
        let lf = at + off;
        // RFC 9112 §2.2 (see HeadScanner::scan): CRLF only.
        // <https://www.rfc-editor.org/rfc/rfc9112#section-2.2>
        if lf == at || head[lf - 1] != b'\r' {
            return Err(Error::new(ErrorKind::BareLf));
        }
        let eol = lf - 1;
        if eol == at {
            return Ok(Some(lf + 1));
        }
        // Continuation lines count, as the scanner counts them. RFC 9110 §5.4: "A server that
        // receives a request header field line, field value, or set of fields larger than it
        // wishes to process MUST respond with an appropriate 4xx (Client Error) status code."
        // <https://www.rfc-editor.org/rfc/rfc9110#section-5.4>
        lines += 1;
        if lines > limits.max_headers {
            return Err(Error::new(ErrorKind::TooManyFields));
        }
        if lf + 1 - fields_start > limits.max_header_size {
            return Err(Error::new(ErrorKind::HeaderSectionTooLarge));
        }
        if matches!(head[at], b' ' | b'\t') {
            let Some(prev) = out.last_mut() else {
                // RFC 9112 §2.2: "A recipient that receives whitespace between the start-line
                // and the first header field MUST either reject the message as invalid or
                // consume each whitespace-preceded line without further processing of it".
                // <https://www.rfc-editor.org/rfc/rfc9112#section-2.2>
                return Err(Error::new(ErrorKind::WhitespaceAfterStartLine));
            };
            match kind {
                // RFC 9112 §5.2: "A server that receives an obs-fold in a request message that
                // is not within a "message/http" container MUST either reject the message by
                // sending a 400 (Bad Request), preferably with a representation explaining that
                // obsolete line folding is unacceptable, or replace each received obs-fold with
                // one or more SP octets prior to interpreting the field value".
                // <https://www.rfc-editor.org/rfc/rfc9112#section-5.2>
                HeadKind::Request | HeadKind::Trailers { request: true } => {
                    return Err(Error::new(ErrorKind::ObsFold));
                }
                // RFC 9112 §5.2: "A user agent that receives an obs-fold in a response message
                // that is not within a "message/http" container MUST replace each received
                // obs-fold with one or more SP octets prior to interpreting the field value."
                // <https://www.rfc-editor.org/rfc/rfc9112#section-5.2>
                HeadKind::Response | HeadKind::Trailers { request: false } => {
                    let (vs, ve) = value_span(head, at, eol)?;
                    if ve > vs {
                        // The fold (OWS CRLF RWS) becomes spaces; the value now runs on.
                        head[prev.value.end..vs].fill(b' ');
                        if prev.value.is_empty() {
                            prev.value.start = vs;
                        }
                        prev.value.end = ve;
                    }
                }
            }
            at = eol + 2;
            continue;
        }
        // field-line = field-name ":" OWS field-value OWS (RFC 9112 §5); names are lowercased
        // where they lie (field names are case-insensitive, RFC 9110 §5.1).
        let mut i = at;
        while i < eol {
            let b = head[i];
            if !TCHAR[usize::from(b)] {
                break;
            }
            if b.is_ascii_uppercase() {
                head[i] = b | 0x20;
            }
            i += 1;
        }
        match head[i] {
            b':' if i > at => {}
            // RFC 9112 §5.1: "A server MUST reject, with a response status code of 400 (Bad
            // Request), any received request message that contains whitespace between a header
            // field name and colon." (A response with it is rejected too: a client here is no
            // proxy that could repair it.)
            // <https://www.rfc-editor.org/rfc/rfc9112#section-5.1>
            b' ' | b'\t' if i > at => return Err(Error::new(ErrorKind::WhitespaceBeforeColon)),
            b'\r' if i < eol => return Err(Error::new(ErrorKind::BareCr)),
            _ => return Err(Error::new(ErrorKind::InvalidFieldName)),
        }
        let (vs, ve) = value_span(head, i + 1, eol)?;
        out.push(FieldSpan {
            name: at..i,
            value: vs..ve,
        });
        at = eol + 2;
    }
}

/// The common field line in one pass: a token name (lowercased), a colon, and a value of
/// visible octets, spaces and tabs, ending with CRLF — the value checked eight octets at a
/// time on its way to the CR. Returns the end of the name, the value's bounds without OWS, and
/// the start of the next line; `None` for any other line (which the general path then parses,
/// or rejects with the precise error).
#[inline]
fn simple_field_line(head: &mut [u8], at: usize) -> Option<(usize, usize, usize, usize)> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = at;
    while let Some(&b) = head.get(i) {
        if !TCHAR[usize::from(b)] {
            break;
        }
        if b.is_ascii_uppercase() {
            head[i] = b | 0x20;
        }
        i += 1;
    }
    if i == at || head.get(i) != Some(&b':') {
        return None;
    }
    let mut vs = i + 1;
    while matches!(head.get(vs), Some(b' ' | b'\t')) {
        vs += 1;
    }
    let mut j = vs;
    let cr = loop {
        if j + 8 <= head.len() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&head[j..j + 8]);
            let x = u64::from_le_bytes(w);
            let control = x.wrapping_sub(LO * 0x20) & !x & HI;
            let y = x ^ (LO * 0x7f);
            let del = y.wrapping_sub(LO) & !y & HI;
            if control | del == 0 {
                j += 8;
                continue;
            }
        }
        let b = *head.get(j)?;
        if FIELD_CHAR[usize::from(b)] {
            j += 1;
            continue;
        }
        break j;
    };
    if head[cr] != b'\r' || head.get(cr + 1) != Some(&b'\n') {
        return None;
    }
    let mut ve = cr;
    while ve > vs && matches!(head[ve - 1], b' ' | b'\t') {
        ve -= 1;
    }
    Some((i, vs, ve, cr + 2))
}

/// The value between `from` and the line's CR, without OWS, checked.
fn value_span(head: &[u8], mut from: usize, mut to: usize) -> Result<(usize, usize), Error> {
    // RFC 9112 §5.1: "OWS occurring before the first non-whitespace octet of the field line
    // value, or after the last non-whitespace octet of the field line value, is excluded by
    // parsers when extracting the field line value from a field line."
    // <https://www.rfc-editor.org/rfc/rfc9112#section-5.1>
    while from < to && matches!(head[from], b' ' | b'\t') {
        from += 1;
    }
    while to > from && matches!(head[to - 1], b' ' | b'\t') {
        to -= 1;
    }
    if let Some(bad) = first_invalid_value_octet(&head[from..to]) {
        let b = head[from + bad];
        // RFC 9110 §5.5: "a recipient of CR, LF, or NUL within a field value MUST either reject
        // the message or replace each of those characters with SP before further processing or
        // forwarding of that message." Other control characters "are also invalid"; they are
        // rejected as well. (An LF cannot appear here: it ends the line.)
        // <https://www.rfc-editor.org/rfc/rfc9110#section-5.5>
        return Err(Error::new(if b == b'\r' {
            ErrorKind::BareCr
        } else {
            ErrorKind::InvalidFieldValue
        }));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(s: &[u8]) -> Result<Option<(usize, RawRequest, Vec<u8>)>, ErrorKind> {
        let mut buf = s.to_vec();
        let mut out = RawRequest::default();
        match parse_request(&mut buf, &Limits::default(), &mut out) {
            Ok(Some(n)) => Ok(Some((n, out, buf))),
            Ok(None) => Ok(None),
            Err(e) => Err(e.kind()),
        }
    }

    fn req_err(s: &[u8]) -> ErrorKind {
        req(s).expect_err("must be rejected")
    }

    #[test]
    fn find_lf_every_position() {
        for len in 0..40 {
            for at in 0..len {
                let mut v = vec![b'a'; len];
                v[at] = b'\n';
                assert_eq!(find_lf(&v), Some(at), "len {len} at {at}");
            }
            assert_eq!(find_lf(&vec![b'a'; len]), None);
        }
        // Octets that differ from LF only in the high bit are not LF.
        assert_eq!(find_lf(&[0x8a; 16]), None);
    }

    #[test]
    fn invalid_value_octets_every_position() {
        for len in 0..40 {
            assert_eq!(first_invalid_value_octet(&vec![b'a'; len]), None);
            assert_eq!(first_invalid_value_octet(&vec![0xff; len]), None);
            assert_eq!(first_invalid_value_octet(&vec![b'\t'; len]), None);
            for at in 0..len {
                for bad in [0u8, 1, b'\n', b'\r', 0x1f, 0x7f] {
                    let mut v = vec![b'\t'; len];
                    v[at] = bad;
                    assert_eq!(first_invalid_value_octet(&v), Some(at), "{len} {at} {bad}");
                    let mut v = vec![0x80; len];
                    v[at] = bad;
                    assert_eq!(first_invalid_value_octet(&v), Some(at), "{len} {at} {bad}");
                }
            }
        }
    }

    #[test]
    fn simple_request_known_answer() {
        let (n, r, buf) = req(b"GET /a?b HTTP/1.1\r\nHost: x\r\nX-Y:  z z \r\n\r\nrest")
            .unwrap()
            .unwrap();
        assert_eq!(n, 42);
        assert_eq!(&buf[r.method.clone()], b"GET");
        assert_eq!(&buf[r.target.clone()], b"/a?b");
        assert!(!r.http10);
        assert_eq!(r.fields.len(), 2);
        assert_eq!(&buf[r.fields[0].name.clone()], b"host");
        assert_eq!(&buf[r.fields[1].name.clone()], b"x-y");
        assert_eq!(&buf[r.fields[1].value.clone()], b"z z");
    }

    #[test]
    fn partial_heads_need_more() {
        let full = b"POST / HTTP/1.0\r\nA: b\r\n\r\n";
        for cut in 0..full.len() {
            assert_eq!(req(&full[..cut]), Ok(None), "cut at {cut}");
        }
        assert!(req(full).unwrap().is_some());
    }

    #[test]
    fn leading_empty_lines_are_skipped() {
        let (_, r, buf) = req(b"\r\n\r\nGET / HTTP/1.1\r\n\r\n").unwrap().unwrap();
        assert_eq!(&buf[r.target.clone()], b"/");
    }

    #[test]
    fn bare_lf_is_rejected() {
        assert_eq!(
            req_err(b"GET / HTTP/1.1\nHost: x\r\n\r\n"),
            ErrorKind::BareLf
        );
        assert_eq!(
            req_err(b"GET / HTTP/1.1\r\nHost: x\n\r\n"),
            ErrorKind::BareLf
        );
        assert_eq!(
            req_err(b"GET / HTTP/1.1\r\nHost: x\r\n\n"),
            ErrorKind::BareLf
        );
        assert_eq!(req_err(b"\n"), ErrorKind::BareLf);
    }

    #[test]
    fn bare_cr_is_rejected() {
        assert_eq!(
            req_err(b"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n"),
            ErrorKind::BareCr
        );
        assert_eq!(req_err(b"GET /\r HTTP/1.1\r\n\r\n"), ErrorKind::BareCr);
        assert_eq!(
            req_err(b"GET / HTTP/1.1\r\nA\r: b\r\n\r\n"),
            ErrorKind::BareCr
        );
    }

    #[test]
    fn request_line_rules() {
        use ErrorKind::*;
        assert_eq!(req_err(b"GET  / HTTP/1.1\r\n\r\n"), InvalidRequestLine);
        assert_eq!(req_err(b"GET /  HTTP/1.1\r\n\r\n"), InvalidVersion);
        assert_eq!(req_err(b"GET\t/ HTTP/1.1\r\n\r\n"), InvalidRequestLine);
        assert_eq!(req_err(b" GET / HTTP/1.1\r\n\r\n"), InvalidMethod);
        assert_eq!(req_err(b"G(T / HTTP/1.1\r\n\r\n"), InvalidRequestLine);
        assert_eq!(req_err(b"GET / http/1.1\r\n\r\n"), InvalidVersion);
        assert_eq!(req_err(b"GET / HTTP/1.1 \r\n\r\n"), InvalidVersion);
        assert_eq!(req_err(b"GET / HTTP/11\r\n\r\n"), InvalidVersion);
        assert_eq!(req_err(b"GET / HTTP/2.0\r\n\r\n"), UnsupportedVersion);
        assert_eq!(req_err(b"GET / HTTP/0.9\r\n\r\n"), UnsupportedVersion);
        assert_eq!(req_err(b"GET /\x7f HTTP/1.1\r\n\r\n"), InvalidTarget);
        assert_eq!(req_err(b"GET /\xc3\xa9 HTTP/1.1\r\n\r\n"), InvalidTarget);
        assert_eq!(req_err(b"GET\r\n\r\n"), InvalidRequestLine);
        assert_eq!(req_err(b"GET /\r\n\r\n"), InvalidRequestLine);
        assert_eq!(req_err(b"GET * HTTP/1.1\r\n\r\n"), InvalidTarget);
        assert_eq!(req_err(b"GET x HTTP/1.1\r\n\r\n"), InvalidTarget);
        assert_eq!(req_err(b"CONNECT /x HTTP/1.1\r\n\r\n"), InvalidTarget);
        assert_eq!(
            req_err(b"CONNECT example.com HTTP/1.1\r\n\r\n"),
            InvalidTarget
        );
        // HTTP/1.2 is handled as HTTP/1.1.
        assert!(!req(b"GET / HTTP/1.2\r\n\r\n").unwrap().unwrap().1.http10);
        assert!(req(b"GET / HTTP/1.0\r\n\r\n").unwrap().unwrap().1.http10);
        for ok in [
            &b"OPTIONS * HTTP/1.1\r\n\r\n"[..],
            b"CONNECT example.com:443 HTTP/1.1\r\n\r\n",
            b"GET http://example.com/x?y HTTP/1.1\r\n\r\n",
            b"PURGE /a HTTP/1.1\r\n\r\n",
        ] {
            assert!(
                req(ok).unwrap().is_some(),
                "{}",
                String::from_utf8_lossy(ok)
            );
        }
    }

    #[test]
    fn field_line_rules() {
        use ErrorKind::*;
        assert_eq!(
            req_err(b"GET / HTTP/1.1\r\nA : b\r\n\r\n"),
            WhitespaceBeforeColon
        );
        assert_eq!(
            req_err(b"GET / HTTP/1.1\r\nA\t: b\r\n\r\n"),
            WhitespaceBeforeColon
        );
        assert_eq!(req_err(b"GET / HTTP/1.1\r\n: b\r\n\r\n"), InvalidFieldName);
        assert_eq!(
            req_err(b"GET / HTTP/1.1\r\nA b: c\r\n\r\n"),
            WhitespaceBeforeColon
        );
        assert_eq!(req_err(b"GET / HTTP/1.1\r\nAb\r\n\r\n"), InvalidFieldName);
        assert_eq!(
            req_err(b"GET / HTTP/1.1\r\nA(: c\r\n\r\n"),
            InvalidFieldName
        );
        assert_eq!(
            req_err(b"GET / HTTP/1.1\r\n Host: x\r\n\r\n"),
            WhitespaceAfterStartLine
        );
        assert_eq!(req_err(b"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n"), ObsFold);
        assert_eq!(req_err(b"GET / HTTP/1.1\r\nA: b\r\n\tc\r\n\r\n"), ObsFold);
        assert_eq!(
            req_err(b"GET / HTTP/1.1\r\nA: b\0c\r\n\r\n"),
            InvalidFieldValue
        );
        assert_eq!(
            req_err(b"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n"),
            InvalidFieldValue
        );
        assert_eq!(
            req_err(b"GET / HTTP/1.1\r\nA: \x7f\r\n\r\n"),
            InvalidFieldValue
        );
        // obs-text, HTAB inside, and an empty value are fine.
        let (_, r, buf) = req(b"GET / HTTP/1.1\r\nA: \xe9\tb\r\nB:\r\nC: \t \r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(&buf[r.fields[0].value.clone()], b"\xe9\tb");
        assert!(r.fields[1].value.is_empty());
        assert!(r.fields[2].value.is_empty());
    }

    #[test]
    fn limits() {
        let limits = Limits {
            max_request_line: 24,
            max_header_size: 30,
            max_headers: 2,
        };
        let run = |s: &[u8]| {
            let mut buf = s.to_vec();
            parse_request(&mut buf, &limits, &mut RawRequest::default()).map_err(|e| e.kind())
        };
        assert!(run(b"GET /0123456789 HTTP/1.1\r\n\r\n").is_ok());
        // Too long, complete or not.
        assert_eq!(
            run(b"GET /01234567890 HTTP/1.1\r\n\r\n"),
            Err(ErrorKind::RequestLineTooLong)
        );
        assert_eq!(
            run(b"GET /0123456789012345678901234"),
            Err(ErrorKind::RequestLineTooLong)
        );
        assert_eq!(
            run(b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"),
            Err(ErrorKind::TooManyFields)
        );
        assert_eq!(
            run(b"GET / HTTP/1.1\r\nA: 0123456789012345678901234567"),
            Err(ErrorKind::HeaderSectionTooLarge)
        );
        assert_eq!(
            run(b"GET / HTTP/1.1\r\nA: 01234567890123456789012345\r\n\r\n"),
            Err(ErrorKind::HeaderSectionTooLarge)
        );
        // Endless empty lines are bounded too.
        assert_eq!(run(&b"\r\n".repeat(20)), Err(ErrorKind::RequestLineTooLong));
    }

    fn resp(s: &[u8]) -> Result<(RawResponse, Vec<u8>), ErrorKind> {
        let mut buf = s.to_vec();
        let mut out = RawResponse::default();
        match parse_response(&mut buf, &Limits::default(), &mut out) {
            Ok(Some(_)) => Ok((out, buf)),
            Ok(None) => panic!("incomplete"),
            Err(e) => Err(e.kind()),
        }
    }

    #[test]
    fn status_line_rules() {
        let (r, buf) = resp(b"HTTP/1.1 404 Not Found\r\n\r\n").unwrap();
        assert_eq!((r.status, &buf[r.reason.clone()]), (404, &b"Not Found"[..]));
        let (r, _) = resp(b"HTTP/1.0 200\r\n\r\n").unwrap();
        assert!(r.http10 && r.status == 200 && r.reason.is_empty());
        assert!(resp(b"HTTP/1.1 200 \r\n\r\n").is_ok());
        use ErrorKind::*;
        assert_eq!(
            resp(b"HTTP/1.1 20 OK\r\n\r\n").unwrap_err(),
            InvalidStatusLine
        );
        assert_eq!(
            resp(b"HTTP/1.1 099 x\r\n\r\n").unwrap_err(),
            InvalidStatusLine
        );
        assert_eq!(
            resp(b"HTTP/1.1 2000\r\n\r\n").unwrap_err(),
            InvalidStatusLine
        );
        assert_eq!(
            resp(b"HTTP/2.0 200 OK\r\n\r\n").unwrap_err(),
            UnsupportedVersion
        );
        assert_eq!(
            resp(b"HTTP/1.1 200 a\x01\r\n\r\n").unwrap_err(),
            InvalidStatusLine
        );
    }

    #[test]
    fn obs_fold_in_a_response_becomes_spaces() {
        let (r, buf) =
            resp(b"HTTP/1.1 200 OK\r\nA: b \r\n\t c\r\nD: e\r\nF:\r\n  g\r\n\r\n").unwrap();
        assert_eq!(r.fields.len(), 3);
        assert_eq!(&buf[r.fields[0].value.clone()], b"b     c");
        assert_eq!(&buf[r.fields[1].value.clone()], b"e");
        assert_eq!(&buf[r.fields[2].value.clone()], b"g");
    }

    #[test]
    fn hosts() {
        for ok in [
            &b""[..],
            b"example.com",
            b"example.com:8080",
            b"127.0.0.1:1",
            b"[::1]:443",
            b"[::1]",
            b"xn--bcher-kva.example",
        ] {
            assert!(valid_host(ok), "{}", String::from_utf8_lossy(ok));
        }
        for bad in [
            &b"a b"[..],
            b"a/b",
            b"user@host",
            b"host:80x",
            b"[::1",
            b"[::1]x",
            b"[zz]",
        ] {
            assert!(!valid_host(bad), "{}", String::from_utf8_lossy(bad));
        }
    }
}
