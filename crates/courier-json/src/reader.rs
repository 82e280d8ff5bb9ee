//! [`Reader`]: a pull tokenizer over JSON text (RFC 8259) that keeps the path it is at, for
//! errors that say where (`$.foo.bar[3]`).

use std::borrow::Cow;
use std::fmt;

use crate::number::Number;

/// The default limit on nested objects and arrays.
pub const DEFAULT_DEPTH_LIMIT: u32 = 100;

/// What comes next in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peek {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// `{`.
    Object,
    /// `[`.
    Array,
}

impl Peek {
    /// The name of this kind of value, for messages (`a string`).
    pub fn describe(self) -> &'static str {
        match self {
            Peek::Null => "null",
            Peek::Bool => "a boolean",
            Peek::Number => "a number",
            Peek::String => "a string",
            Peek::Object => "an object",
            Peek::Array => "an array",
        }
    }
}

/// A JSON input that could not be read, or a value that does not fit where it is: where
/// (the JSON path and byte offset) and what.
///
/// One pointer wide (the details are boxed): results of the parser's many small steps stay in
/// registers, and generated parsers keep small stack frames.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<ErrorInner>);

#[derive(Clone, PartialEq, Eq)]
struct ErrorInner {
    path: String,
    offset: usize,
    message: String,
}

impl Error {
    /// An error at `path` (already formatted, `$.a[1]`) and byte `offset`.
    #[cold]
    pub fn new(path: String, offset: usize, message: impl Into<String>) -> Error {
        Error(Box::new(ErrorInner {
            path,
            offset,
            message: message.into(),
        }))
    }

    /// Where, as a JSON path: `$` is the top-level value, `.name` an object member (`["..."]`
    /// for names that are not identifiers), `[3]` an array element.
    pub fn path(&self) -> &str {
        &self.0.path
    }

    /// The byte offset in the input.
    pub fn offset(&self) -> usize {
        self.0.offset
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (at byte {})",
            self.0.path, self.0.message, self.0.offset
        )
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

/// One step of the path.
#[derive(Clone, Copy, Debug)]
enum Seg {
    /// An object, before its first key.
    Object,
    /// An object member: the raw key between its quotes (`input[start..end]`).
    Key { start: u32, end: u32 },
    /// An array element (`None` before the first).
    Index(Option<u32>),
}

/// A saved position of a [`Reader`] ([`Reader::checkpoint`], [`Reader::restore`]).
#[derive(Clone, Debug)]
pub struct Checkpoint {
    pos: usize,
    path: Vec<Seg>,
    first: bool,
}

/// A pull tokenizer over JSON text.
///
/// The caller walks the value it expects: [`peek`](Reader::peek) says what comes next,
/// `read_*` consume scalars, [`begin_object`](Reader::begin_object) /
/// [`next_key`](Reader::next_key) and [`begin_array`](Reader::begin_array) /
/// [`next_element`](Reader::next_element) walk containers (commas and colons are checked
/// here), [`skip_value`](Reader::skip_value) passes over anything. Nesting is limited
/// ([`DEFAULT_DEPTH_LIMIT`]); every error carries the JSON path it happened at.
///
/// ```
/// use courier_json::{Peek, Reader};
///
/// let mut r = Reader::new(r#"{"a": [1, "x"], "b": null}"#);
/// r.begin_object().unwrap();
/// assert_eq!(r.next_key().unwrap().as_deref(), Some("a"));
/// r.begin_array().unwrap();
/// assert!(r.next_element().unwrap());
/// assert_eq!(r.read_number().unwrap().as_str(), "1");
/// assert!(r.next_element().unwrap());
/// let err = r.read_number().unwrap_err();
/// assert_eq!(err.path(), "$.a[1]");
/// ```
#[derive(Debug)]
pub struct Reader<'a> {
    input: &'a [u8],
    /// The same input as text: slices of it at quote boundaries are `str`s without a UTF-8
    /// check (a quote is ASCII, so its position is a character boundary).
    src: &'a str,
    pos: usize,
    path: Vec<Seg>,
    /// Whether the innermost container has not produced a member yet.
    first: bool,
    depth_limit: u32,
}

impl<'a> Reader<'a> {
    /// A reader over `input` with the default nesting limit.
    pub fn new(input: &'a str) -> Reader<'a> {
        Reader {
            input: input.as_bytes(),
            src: input,
            pos: 0,
            path: Vec::new(),
            first: false,
            depth_limit: DEFAULT_DEPTH_LIMIT,
        }
    }

    /// Sets how deeply objects and arrays may nest.
    pub fn with_depth_limit(mut self, limit: u32) -> Reader<'a> {
        self.depth_limit = limit;
        self
    }

    /// The byte offset reached.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// How deeply the reader is nested in objects and arrays.
    pub fn depth(&self) -> usize {
        self.path.len()
    }

    /// The current JSON path, formatted (`$.a[1]`).
    pub fn path(&self) -> String {
        let mut s = String::from("$");
        for seg in &self.path {
            match *seg {
                Seg::Object | Seg::Index(None) => {}
                Seg::Key { start, end } => {
                    let raw = &self.input[start as usize..end as usize];
                    let key =
                        unescape(raw).unwrap_or_else(|| String::from_utf8_lossy(raw).into_owned());
                    if !key.is_empty()
                        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    {
                        s.push('.');
                        s.push_str(&key);
                    } else {
                        s.push('[');
                        let mut w = String::new();
                        crate::writer::escape_into(&mut w, &key);
                        s.push_str(&w);
                        s.push(']');
                    }
                }
                Seg::Index(Some(i)) => {
                    s.push('[');
                    s.push_str(&i.to_string());
                    s.push(']');
                }
            }
        }
        s
    }

    /// An error at the current path and offset.
    #[cold]
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::new(self.path(), self.pos, message)
    }

    /// Saves the position (to look ahead, then [`restore`](Reader::restore)).
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            pos: self.pos,
            path: self.path.clone(),
            first: self.first,
        }
    }

    /// Goes back to a saved position.
    pub fn restore(&mut self, c: Checkpoint) {
        self.pos = c.pos;
        self.path = c.path;
        self.first = c.first;
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(&b) = self.input.get(self.pos) {
            // RFC 8259 §2: ws = *( %x20 / %x09 / %x0A / %x0D )
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// What the next value is (after whitespace).
    #[inline]
    pub fn peek(&mut self) -> Result<Peek, Error> {
        self.skip_ws();
        match self.input.get(self.pos) {
            Some(b'n') => Ok(Peek::Null),
            Some(b't' | b'f') => Ok(Peek::Bool),
            Some(b'"') => Ok(Peek::String),
            Some(b'{') => Ok(Peek::Object),
            Some(b'[') => Ok(Peek::Array),
            Some(b'-' | b'0'..=b'9') => Ok(Peek::Number),
            Some(_) => Err(self.error("unexpected character")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Error> {
        if self.input[self.pos..].starts_with(word) {
            let end = self.pos + word.len();
            // `nullx`, `true1`: a literal must end there.
            if self
                .input
                .get(end)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
            {
                return Err(self.error("invalid literal"));
            }
            self.pos = end;
            Ok(())
        } else {
            Err(self.error("invalid literal"))
        }
    }

    /// Reads `null`.
    pub fn read_null(&mut self) -> Result<(), Error> {
        match self.peek()? {
            Peek::Null => self.literal(b"null"),
            other => Err(self.error(format!("expected null, found {}", other.describe()))),
        }
    }

    /// Reads `true` or `false`.
    pub fn read_bool(&mut self) -> Result<bool, Error> {
        match self.peek()? {
            Peek::Bool => {
                if self.input[self.pos] == b't' {
                    self.literal(b"true").map(|()| true)
                } else {
                    self.literal(b"false").map(|()| false)
                }
            }
            other => Err(self.error(format!("expected a boolean, found {}", other.describe()))),
        }
    }

    /// Reads a number (checked against the JSON grammar; not yet converted).
    pub fn read_number(&mut self) -> Result<Number<'a>, Error> {
        match self.peek()? {
            Peek::Number => {
                let start = self.pos;
                let len = crate::number::scan(&self.input[start..])
                    .ok_or_else(|| self.error("invalid number"))?;
                self.pos += len;
                // The scanned bytes are ASCII: a slice of the text at character boundaries.
                let text = self
                    .src
                    .get(start..start + len)
                    .ok_or_else(|| self.error("invalid number"))?;
                if self
                    .input
                    .get(self.pos)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.')
                {
                    return Err(self.error("invalid number"));
                }
                Ok(Number::new(text))
            }
            other => Err(self.error(format!("expected a number, found {}", other.describe()))),
        }
    }

    /// Reads a string (borrowed from the input when it has no escapes).
    pub fn read_string(&mut self) -> Result<Cow<'a, str>, Error> {
        match self.peek()? {
            Peek::String => {
                let (start, end, escaped) = self.scan_string()?;
                let raw = &self.input[start..end];
                if !escaped {
                    // The input is a `str` and the quotes are ASCII: the slice is UTF-8.
                    return self
                        .src
                        .get(start..end)
                        .map(Cow::Borrowed)
                        .ok_or_else(|| self.error("invalid UTF-8"));
                }
                unescape(raw).map(Cow::Owned).ok_or_else(|| {
                    Error::new(self.path(), start, "invalid escape sequence in string")
                })
            }
            other => Err(self.error(format!("expected a string, found {}", other.describe()))),
        }
    }

    /// Reads a string whose content `parse` reads in full from the text as it stands (which
    /// `parse` is given from just after the opening quote, to the end of the input): `parse`
    /// returns the value and the length it read, and the string must end there (a quote
    /// follows). `None`, with the reader where it was (but past whitespace), when the next
    /// value is not a string or `parse` fails or stops short of the closing quote. For values
    /// whose text has nothing a JSON string escapes (timestamps, quoted numbers), with no scan
    /// of the string first; the caller falls back on [`read_string`](Reader::read_string).
    #[inline]
    pub(crate) fn read_plain_string_with<T>(
        &mut self,
        parse: impl FnOnce(&'a str) -> Option<(T, usize)>,
    ) -> Option<T> {
        self.skip_ws();
        if self.input.get(self.pos) != Some(&b'"') {
            return None;
        }
        // After an ASCII quote: a character boundary.
        let body = self.src.get(self.pos + 1..)?;
        let (v, len) = parse(body)?;
        if body.as_bytes().get(len) != Some(&b'"') {
            return None;
        }
        self.pos += len + 2;
        Some(v)
    }

    /// Reads a string of base64 (a `bytes` field's value), standard or URL-safe, padded or
    /// not: the decoded bytes, or `None` when the string is not base64 (the reader is then
    /// after the string; a JSON error, such as a bad escape, is an `Err`).
    ///
    /// One pass over plain base64 (the common case: no escapes), which needs no JSON string
    /// scan first; a string with escapes is read as a string, then decoded.
    pub fn read_base64(&mut self) -> Result<Option<Vec<u8>>, Error> {
        match self.peek()? {
            Peek::String => {}
            other => {
                return Err(self.error(format!("expected a string, found {}", other.describe())));
            }
        }
        let start = self.pos + 1;
        // The closing quote: the first `"` (a backslash before it would make the text invalid
        // base64, and then the slow path below reads the string properly).
        let mut i = start;
        // Thirty-two bytes at a time (a few vector compares) to the chunk with the quote, then
        // eight at a time.
        for c in self.input.get(i..).unwrap_or_default().chunks_exact(32) {
            if c.iter().fold(0u8, |m, &b| m | u8::from(b == b'"')) != 0 {
                break;
            }
            i += 32;
        }
        for c in self.input.get(i..).unwrap_or_default().chunks_exact(8) {
            let n = first_quote(load8(c));
            i += n;
            if n < 8 {
                break;
            }
        }
        while self.input.get(i).is_some_and(|&b| b != b'"') {
            i += 1;
        }
        if i < self.input.len() {
            if let Some(bytes) = crate::base64::decode_bytes(&self.input[start..i]) {
                self.pos = i + 1;
                return Ok(Some(bytes));
            }
        }
        // Escapes, control characters, no closing quote, or not base64.
        let s = self.read_string()?;
        Ok(crate::base64::decode(&s))
    }

    /// Scans a string at `pos` (an opening quote); returns the byte range of its contents and
    /// whether it has escapes, leaving `pos` after the closing quote.
    #[inline(always)]
    fn scan_string(&mut self) -> Result<(usize, usize, bool), Error> {
        let start = self.pos + 1;
        let mut i = start;
        let mut escaped = false;
        loop {
            // To the first special byte, many at a time.
            i += plain_len(self.input.get(i..).unwrap_or_default());
            match self.input.get(i) {
                None => {
                    self.pos = i;
                    return Err(self.error("unterminated string"));
                }
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    i += 2;
                }
                // RFC 8259 §7: "All Unicode characters may be placed within the quotation
                // marks, except for the characters that MUST be escaped: quotation mark,
                // reverse solidus, and the control characters (U+0000 through U+001F)."
                Some(&b) if b < 0x20 => {
                    self.pos = i;
                    return Err(self.error("control character in string"));
                }
                Some(_) => i += 1,
            }
        }
        self.pos = i + 1;
        Ok((start, i, escaped))
    }

    fn enter(&mut self, seg: Seg) -> Result<(), Error> {
        if self.path.len() >= self.depth_limit as usize {
            return Err(self.error("nesting too deep"));
        }
        self.pos += 1;
        self.path.push(seg);
        self.first = true;
        Ok(())
    }

    /// Reads `{`; then call [`next_key`](Reader::next_key) until it returns `None`.
    pub fn begin_object(&mut self) -> Result<(), Error> {
        match self.peek()? {
            Peek::Object => self.enter(Seg::Object),
            other => Err(self.error(format!("expected an object, found {}", other.describe()))),
        }
    }

    /// The next member's key (and its colon), or `None` at the closing `}`.
    pub fn next_key(&mut self) -> Result<Option<Cow<'a, str>>, Error> {
        self.skip_ws();
        match self.input.get(self.pos) {
            Some(b'}') => {
                self.pos += 1;
                self.path.pop();
                self.first = false;
                return Ok(None);
            }
            Some(b',') if !self.first => {
                self.pos += 1;
                self.skip_ws();
            }
            Some(_) if self.first => {}
            Some(_) => return Err(self.error("expected ',' or '}'")),
            None => return Err(self.error("unterminated object")),
        }
        self.first = false;
        if self.input.get(self.pos) != Some(&b'"') {
            return Err(self.error("expected a member name (a string)"));
        }
        let (start, end, escaped) = self.scan_string()?;
        if let Some(top) = self.path.last_mut() {
            *top = Seg::Key {
                start: start as u32,
                end: end as u32,
            };
        }
        self.skip_ws();
        if self.input.get(self.pos) != Some(&b':') {
            return Err(self.error("expected ':' after a member name"));
        }
        self.pos += 1;
        let raw = &self.input[start..end];
        if !escaped {
            return self
                .src
                .get(start..end)
                .map(|s| Some(Cow::Borrowed(s)))
                .ok_or_else(|| self.error("invalid UTF-8"));
        }
        unescape(raw)
            .map(|s| Some(Cow::Owned(s)))
            .ok_or_else(|| self.error("invalid escape sequence in member name"))
    }

    /// Reads `[`; then call [`next_element`](Reader::next_element) until it returns `false`.
    pub fn begin_array(&mut self) -> Result<(), Error> {
        match self.peek()? {
            Peek::Array => self.enter(Seg::Index(None)),
            other => Err(self.error(format!("expected an array, found {}", other.describe()))),
        }
    }

    /// Whether another element follows (its comma consumed), or `false` at the closing `]`.
    pub fn next_element(&mut self) -> Result<bool, Error> {
        self.skip_ws();
        match self.input.get(self.pos) {
            Some(b']') => {
                self.pos += 1;
                self.path.pop();
                self.first = false;
                return Ok(false);
            }
            Some(b',') if !self.first => {
                self.pos += 1;
            }
            Some(_) if self.first => {}
            Some(_) => return Err(self.error("expected ',' or ']'")),
            None => return Err(self.error("unterminated array")),
        }
        self.first = false;
        if let Some(Seg::Index(i)) = self.path.last_mut() {
            *i = Some(i.map_or(0, |i| i + 1));
        }
        Ok(true)
    }

    /// Skips one value of any kind (nesting limited like everything else).
    pub fn skip_value(&mut self) -> Result<(), Error> {
        let base = self.path.len();
        loop {
            match self.peek()? {
                Peek::Null => self.read_null()?,
                Peek::Bool => {
                    self.read_bool()?;
                }
                Peek::Number => {
                    self.read_number()?;
                }
                Peek::String => {
                    self.read_string()?;
                }
                Peek::Object => {
                    self.begin_object()?;
                    if self.next_key()?.is_some() {
                        continue;
                    }
                }
                Peek::Array => {
                    self.begin_array()?;
                    if self.next_element()? {
                        continue;
                    }
                }
            }
            // A value ended: close the containers it ends, then go on with the next sibling.
            loop {
                if self.path.len() <= base {
                    return Ok(());
                }
                let more = match self.path.last() {
                    Some(Seg::Index(_)) => self.next_element()?,
                    _ => self.next_key()?.is_some(),
                };
                if more {
                    break;
                }
            }
        }
    }

    /// Checks that only whitespace remains.
    pub fn finish(&mut self) -> Result<(), Error> {
        self.skip_ws();
        if self.pos < self.input.len() {
            return Err(self.error("unexpected data after the value"));
        }
        Ok(())
    }
}

/// The index of the first of the eight bytes of `x` (little-endian) that is a quote, a
/// backslash or a control character, or 8 when there is none.
///
/// Each test flags a byte's high bit: "has a zero byte" (`v - 0x01.. & !v & 0x80..`) for the
/// quote and the backslash (`x` xor the byte repeated), "has a byte below 0x20" likewise with
/// 0x20 (bytes with the high bit set, UTF-8 sequences, never flagged). A borrow can flag a byte
/// after a true one, never before: the lowest flag is exact.
#[inline(always)]
pub(crate) fn first_special(x: u64) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x;
    let q = x ^ (ONES * u64::from(b'"'));
    let quote = q.wrapping_sub(ONES) & !q;
    let b = x ^ (ONES * u64::from(b'\\'));
    let backslash = b.wrapping_sub(ONES) & !b;
    let m = (below_space | quote | backslash) & HIGH;
    (m.trailing_zeros() / 8) as usize
}

/// Whether any of `c`'s bytes is a quote, a backslash or a control character: one compare per
/// kind over the whole chunk, OR-ed (no early exit), which the compiler turns into a few vector
/// instructions for sixteen bytes.
#[inline(always)]
fn any_special(c: &[u8]) -> bool {
    let mut m = 0u8;
    for &b in c {
        m |= u8::from(b < 0x20) | u8::from(b == b'"') | u8::from(b == b'\\');
    }
    m != 0
}

/// The number of leading bytes of `b` that a JSON string holds as they are: the index of the
/// first quote, backslash or control character, or `b.len()`.
///
/// Up to three words inline, eight bytes at a time (most member names and many values end
/// within them); past them, [`plain_len_from`].
#[inline(always)]
pub(crate) fn plain_len(b: &[u8]) -> usize {
    let mut i = 0;
    while i < 24 {
        let Some(c) = b.get(i..).and_then(<[u8]>::first_chunk::<8>) else {
            return i + short_plain_len(b.get(i..).unwrap_or_default());
        };
        let n = first_special(u64::from_le_bytes(*c));
        if n < 8 {
            return i + n;
        }
        i += 8;
    }
    plain_len_from(b, i)
}

/// [`plain_len`] of `b` whose first `i` bytes are plain: sixteen bytes at a time to the chunk
/// that holds a special one, then eight at a time to the byte; a tail shorter than a word is the
/// last word of `b` (overlapping bytes already scanned) or, in a `b` shorter than a word, byte
/// by byte.
#[inline(never)]
pub(crate) fn plain_len_from(b: &[u8], mut i: usize) -> usize {
    for c in b.get(i..).unwrap_or_default().chunks_exact(16) {
        if any_special(c) {
            break;
        }
        i += 16;
    }
    while let Some(c) = b.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let n = first_special(u64::from_le_bytes(*c));
        if n < 8 {
            return i + n;
        }
        i += 8;
    }
    if i >= b.len() {
        return b.len();
    }
    // The last eight bytes, where `b` has that many: those before `i` are plain (the caller's
    // promise, and this function's scan), so the first special one among them is at `i` or later.
    match b.last_chunk::<8>() {
        Some(last) => b.len() - 8 + first_special(u64::from_le_bytes(*last)),
        None => i + short_plain_len(&b[i..]),
    }
}

/// [`plain_len`] of fewer than eight bytes.
#[inline]
fn short_plain_len(b: &[u8]) -> usize {
    b.iter()
        .position(|&c| crate::writer::needs_escape(c))
        .unwrap_or(b.len())
}

/// Eight bytes (a `chunks_exact(8)` chunk) as a little-endian word.
#[inline(always)]
fn load8(c: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&c[..8]);
    u64::from_le_bytes(a)
}

/// The index of the first `"` among the eight bytes of `x` (little-endian), or 8.
#[inline(always)]
fn first_quote(x: u64) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let q = x ^ (ONES * u64::from(b'"'));
    ((q.wrapping_sub(ONES) & !q & HIGH).trailing_zeros() / 8) as usize
}

/// Decodes the contents of a JSON string with escapes; `None` for a bad escape or a lone
/// surrogate.
pub(crate) fn unescape(raw: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let c = *raw.get(i + 1)?;
        i += 2;
        match c {
            b'"' => out.push(b'"'),
            b'\\' => out.push(b'\\'),
            b'/' => out.push(b'/'),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'u' => {
                let hi = hex4(raw.get(i..i + 4)?)?;
                i += 4;
                let cp = if (0xD800..0xDC00).contains(&hi) {
                    // RFC 8259 §7: a character outside the Basic Multilingual Plane is "a
                    // 12-character sequence, encoding the UTF-16 surrogate pair".
                    if raw.get(i..i + 2)? != b"\\u" {
                        return None;
                    }
                    let lo = hex4(raw.get(i + 2..i + 6)?)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return None;
                    }
                    i += 6;
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else if (0xDC00..0xE000).contains(&hi) {
                    return None;
                } else {
                    hi
                };
                let ch = char::from_u32(cp)?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            _ => return None,
        }
    }
    String::from_utf8(out).ok()
}

fn hex4(b: &[u8]) -> Option<u32> {
    let mut v = 0;
    for &c in b {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_len_finds_the_first_special_byte() {
        // Every length up to 40, a special byte (or none) at every position, plain bytes of
        // every kind around it (UTF-8 lead and continuation bytes, DEL, space).
        let fill = [b'a', b' ', 0x7f, 0xc3, 0xa9, 0xff, b'/', b'!'];
        for len in 0..=40 {
            for at in 0..=len {
                for special in [b'"', b'\\', 0, 0x1f, b'\n'] {
                    let mut b: Vec<u8> = (0..len).map(|i| fill[i % fill.len()]).collect();
                    if at < len {
                        b[at] = special;
                    }
                    assert_eq!(plain_len(&b), at, "len {len}, {special:#x} at {at}");
                    assert_eq!(plain_len_from(&b, 0), at, "len {len}, {special:#x} at {at}");
                    // A second special byte later changes nothing.
                    if at + 1 < len {
                        b[len - 1] = b'"';
                        assert_eq!(plain_len(&b), at, "len {len}, {special:#x} at {at}");
                    }
                }
            }
        }
    }

    #[test]
    fn walks_and_paths() {
        let mut r =
            Reader::new(r#" { "a" : { "b c": [ 1 , 2.5e3, -0 ] }, "d": "x\u00e9\ud83d\ude00" } "#);
        r.begin_object().unwrap();
        assert_eq!(r.next_key().unwrap().unwrap(), "a");
        r.begin_object().unwrap();
        assert_eq!(r.next_key().unwrap().unwrap(), "b c");
        r.begin_array().unwrap();
        let mut nums = Vec::new();
        while r.next_element().unwrap() {
            nums.push(r.read_number().unwrap().as_str().to_owned());
            if nums.len() == 2 {
                assert_eq!(r.path(), "$.a[\"b c\"][1]");
            }
        }
        assert_eq!(nums, ["1", "2.5e3", "-0"]);
        assert!(r.next_key().unwrap().is_none());
        assert_eq!(r.next_key().unwrap().unwrap(), "d");
        assert_eq!(r.read_string().unwrap(), "xé😀");
        assert!(r.next_key().unwrap().is_none());
        r.finish().unwrap();
    }

    #[test]
    fn rejects_bad_json() {
        let bad = [
            "{",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "[1 2]",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "nul",
            "truex",
            "\"a\nb\"",
            "{1:2}",
            "[",
            "]",
            "{\"a\":1}}",
            "\"\\u12\"",
        ];
        for b in bad {
            let mut r = Reader::new(b);
            let ok = r.skip_value().and_then(|()| r.finish());
            assert!(ok.is_err(), "{b:?} accepted");
        }
        let good = [
            "{}",
            "[]",
            "[[],{}]",
            "0",
            "-0.0e-0",
            "\"\\/\"",
            "{\"\":null}",
            " true ",
        ];
        for g in good {
            let mut r = Reader::new(g);
            r.skip_value().unwrap();
            r.finish().unwrap();
        }
    }

    #[test]
    fn depth_limit() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        let mut r = Reader::new(&deep);
        assert!(r.skip_value().unwrap_err().message().contains("deep"));
        let mut r = Reader::new(&deep).with_depth_limit(300);
        r.skip_value().unwrap();
    }

    #[test]
    fn checkpoint_restore() {
        let mut r = Reader::new(r#"{"x": 1, "@type": "t"}"#);
        r.begin_object().unwrap();
        let c = r.checkpoint();
        let mut found = None;
        while let Some(k) = r.next_key().unwrap() {
            if k == "@type" {
                found = Some(r.read_string().unwrap().into_owned());
            } else {
                r.skip_value().unwrap();
            }
        }
        assert_eq!(found.as_deref(), Some("t"));
        r.restore(c);
        assert_eq!(r.next_key().unwrap().unwrap(), "x");
    }
}
