//! The text format's tokens, per textformat-spec.md "Lexical Elements".
//! <https://protobuf.dev/reference/protobuf/textformat-spec/#lexical>

use std::fmt;

/// A text format input that could not be read: where (line and column, 1-based) and what.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    line: usize,
    column: usize,
    message: String,
}

impl Error {
    pub(crate) fn new(line: usize, column: usize, message: impl Into<String>) -> Error {
        Error {
            line,
            column,
            message: message.into(),
        }
    }

    /// The line (1-based).
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column (1-based, in bytes).
    pub fn column(&self) -> usize {
        self.column
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

/// One token.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok<'a> {
    /// `IDENT`.
    Ident(&'a str),
    /// `DEC_INT` (radix 10), `OCT_INT` (8) or `HEX_INT` (16): the digits without prefix.
    Int { digits: &'a str, radix: u32 },
    /// `FLOAT`, its text without an `f`/`F` suffix.
    Float(&'a str),
    /// A `STRING`, unescaped (bytes: escapes may form any bytes).
    Str(Vec<u8>),
    /// One of `{ } < > [ ] : , ; / . -`.
    Sym(u8),
    /// The end of the input.
    Eof,
}

/// A tokenizer with one token of look-ahead.
#[derive(Debug)]
pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    peeked: Option<(Tok<'a>, usize)>,
    /// Where the last token returned by [`Lexer::next`] started.
    last_start: usize,
}

fn is_letter(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str) -> Lexer<'a> {
        Lexer {
            src,
            pos: 0,
            peeked: None,
            last_start: 0,
        }
    }

    /// Line and column of byte offset `at`.
    pub(crate) fn line_col(&self, at: usize) -> (usize, usize) {
        let before = &self.src.as_bytes()[..at.min(self.src.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        (line, col)
    }

    pub(crate) fn error_at(&self, at: usize, message: impl Into<String>) -> Error {
        let (l, c) = self.line_col(at);
        Error::new(l, c, message)
    }

    /// An error at the last token returned.
    pub(crate) fn error(&self, message: impl Into<String>) -> Error {
        self.error_at(self.last_start, message)
    }

    /// Where the next token starts.
    pub(crate) fn peek_start(&mut self) -> Result<usize, Error> {
        self.peek()?;
        Ok(self.peeked.as_ref().map_or(self.pos, |(_, s)| *s))
    }

    pub(crate) fn peek(&mut self) -> Result<&Tok<'a>, Error> {
        if self.peeked.is_none() {
            let t = self.lex()?;
            self.peeked = Some(t);
        }
        Ok(self.peeked.as_ref().map_or(&Tok::Eof, |(t, _)| t))
    }

    pub(crate) fn next(&mut self) -> Result<Tok<'a>, Error> {
        let (t, start) = match self.peeked.take() {
            Some(p) => p,
            None => self.lex()?,
        };
        self.last_start = start;
        Ok(t)
    }

    /// Skips whitespace and `#` comments (textformat-spec.md, "Whitespace and Comments").
    fn skip_ws(&mut self) {
        let b = self.src.as_bytes();
        while let Some(&c) = b.get(self.pos) {
            match c {
                b' ' | b'\n' | b'\t' | 11 | 12 | b'\r' => self.pos += 1,
                b'#' => {
                    while let Some(&c) = b.get(self.pos) {
                        self.pos += 1;
                        if c == b'\n' {
                            break;
                        }
                    }
                }
                _ => break,
            }
        }
    }

    fn lex(&mut self) -> Result<(Tok<'a>, usize), Error> {
        self.skip_ws();
        let b = self.src.as_bytes();
        let start = self.pos;
        let Some(&c) = b.get(start) else {
            return Ok((Tok::Eof, start));
        };
        let tok = if is_letter(c) {
            let mut i = start + 1;
            while b
                .get(i)
                .is_some_and(|&x| is_letter(x) || x.is_ascii_digit())
            {
                i += 1;
            }
            self.pos = i;
            Tok::Ident(&self.src[start..i])
        } else if c.is_ascii_digit()
            || (c == b'.' && b.get(start + 1).is_some_and(u8::is_ascii_digit))
        {
            self.number(start)?
        } else if c == b'"' || c == b'\'' {
            self.string(start, c)?
        } else if b"{}<>[]:,;/.-".contains(&c) {
            self.pos += 1;
            Tok::Sym(c)
        } else {
            return Err(self.error_at(
                start,
                format!(
                    "unexpected character {:?}",
                    self.src[start..].chars().next().unwrap_or(' ')
                ),
            ));
        };
        Ok((tok, start))
    }

    /// `DEC_INT`, `OCT_INT`, `HEX_INT` or `FLOAT` (the longest match), not followed by an
    /// identifier character.
    fn number(&mut self, start: usize) -> Result<Tok<'a>, Error> {
        let b = self.src.as_bytes();
        let digits_from = |mut i: usize, ok: fn(&u8) -> bool| {
            while b.get(i).is_some_and(ok) {
                i += 1;
            }
            i
        };
        let bad = |at: usize, what: &str| self.error_at(at, what.to_owned());
        let end_check = |i: usize| -> Result<(), Error> {
            // textformat-spec.md: "a number token ... may not be immediately followed by an
            // `IDENT` token". <https://protobuf.dev/reference/protobuf/textformat-spec/#parsing>
            if b.get(i)
                .is_some_and(|&x| is_letter(x) || x.is_ascii_digit())
            {
                return Err(bad(
                    i,
                    "a number must not be followed directly by a letter or digit",
                ));
            }
            Ok(())
        };
        let c = b[start];
        // HEX_INT = "0", ( "X" | "x" ), hex, { hex }
        if c == b'0' && matches!(b.get(start + 1), Some(b'x' | b'X')) {
            let end = digits_from(start + 2, u8::is_ascii_hexdigit);
            if end == start + 2 {
                return Err(bad(start, "a hexadecimal number needs digits"));
            }
            end_check(end)?;
            self.pos = end;
            return Ok(Tok::Int {
                digits: &self.src[start + 2..end],
                radix: 16,
            });
        }
        // OCT_INT = "0", oct, { oct }
        if c == b'0' && b.get(start + 1).is_some_and(u8::is_ascii_digit) {
            let end = digits_from(start + 1, |x| (b'0'..=b'7').contains(x));
            if b.get(end)
                .is_some_and(|x| matches!(x, b'8' | b'9' | b'.' | b'e' | b'E'))
            {
                return Err(bad(start, "a number with a leading zero must be octal"));
            }
            end_check(end)?;
            self.pos = end;
            return Ok(Tok::Int {
                digits: &self.src[start + 1..end],
                radix: 8,
            });
        }
        // dec_lit, then the float parts.
        let mut i = if c == b'.' {
            start
        } else {
            digits_from(start, u8::is_ascii_digit)
        };
        let mut float = false;
        if b.get(i) == Some(&b'.') {
            float = true;
            i = digits_from(i + 1, u8::is_ascii_digit);
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            let end = digits_from(j, u8::is_ascii_digit);
            if end == j {
                return Err(bad(i, "an exponent needs digits"));
            }
            float = true;
            i = end;
        }
        let text_end = i;
        if matches!(b.get(i), Some(b'f' | b'F')) {
            float = true;
            i += 1;
        }
        end_check(i)?;
        self.pos = i;
        let text = &self.src[start..text_end];
        Ok(if float {
            Tok::Float(text)
        } else {
            Tok::Int {
                digits: text,
                radix: 10,
            }
        })
    }

    /// A quoted string with its escapes (textformat-spec.md, "String Literals").
    fn string(&mut self, start: usize, quote: u8) -> Result<Tok<'a>, Error> {
        let b = self.src.as_bytes();
        let mut out = Vec::new();
        let mut i = start + 1;
        loop {
            let Some(&c) = b.get(i) else {
                return Err(self.error_at(start, "unterminated string"));
            };
            if c == quote {
                i += 1;
                break;
            }
            if c == b'\n' {
                return Err(self.error_at(i, "a string cannot span lines"));
            }
            if c != b'\\' {
                out.push(c);
                i += 1;
                continue;
            }
            let Some(&e) = b.get(i + 1) else {
                return Err(self.error_at(i, "unterminated string"));
            };
            i += 2;
            match e {
                b'a' => out.push(7),
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'v' => out.push(11),
                b'?' => out.push(b'?'),
                b'\\' => out.push(b'\\'),
                b'\'' => out.push(b'\''),
                b'"' => out.push(b'"'),
                b'0'..=b'7' => {
                    // "Octal escape sequences consume up to three octal digits."
                    // <https://protobuf.dev/reference/protobuf/textformat-spec/#string>
                    let mut v = u32::from(e - b'0');
                    for _ in 0..2 {
                        match b.get(i) {
                            Some(&d @ b'0'..=b'7') => {
                                v = v * 8 + u32::from(d - b'0');
                                i += 1;
                            }
                            _ => break,
                        }
                    }
                    if v > 255 {
                        return Err(self.error_at(i, "octal escape out of range"));
                    }
                    out.push(v as u8);
                }
                b'x' | b'X' => {
                    // "Hexadecimal escape sequences consume up to two hexadecimal digits."
                    // <https://protobuf.dev/reference/protobuf/textformat-spec/#string>
                    let mut v = 0u32;
                    let mut n = 0;
                    while n < 2 {
                        match b.get(i).and_then(|d| (*d as char).to_digit(16)) {
                            Some(d) => {
                                v = v * 16 + d;
                                i += 1;
                                n += 1;
                            }
                            None => break,
                        }
                    }
                    if n == 0 {
                        return Err(self.error_at(i, "\\x needs a hexadecimal digit"));
                    }
                    out.push(v as u8);
                }
                b'u' | b'U' => {
                    let n = if e == b'u' { 4 } else { 8 };
                    let hex = self
                        .src
                        .get(i..i + n)
                        .filter(|h| h.bytes().all(|d| d.is_ascii_hexdigit()))
                        .ok_or_else(|| {
                            self.error_at(
                                i,
                                format!("\\{} needs {n} hexadecimal digits", e as char),
                            )
                        })?;
                    let cp = u32::from_str_radix(hex, 16).unwrap_or(u32::MAX);
                    i += n;
                    if e == b'U' && cp > 0x10ffff {
                        return Err(self.error_at(i, "\\U escape beyond U+10FFFF"));
                    }
                    // Unicode code points "are interpreted per Unicode 13 ... and are encoded as
                    // UTF-8"; surrogates are not code points of their own, and pairing two
                    // escapes into one is the non-conforming C++ behaviour the spec warns of.
                    if (0xD800..0xE000).contains(&cp) {
                        return Err(self.error_at(i, "a surrogate in a \\u or \\U escape"));
                    }
                    let ch = char::from_u32(cp)
                        .ok_or_else(|| self.error_at(i, "invalid code point in escape"))?;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => return Err(self.error_at(i - 2, format!("invalid escape \\{}", e as char))),
            }
        }
        self.pos = i;
        Ok(Tok::Str(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Result<Vec<Tok<'_>>, Error> {
        let mut l = Lexer::new(s);
        let mut out = Vec::new();
        loop {
            let t = l.next()?;
            if t == Tok::Eof {
                return Ok(out);
            }
            out.push(t);
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(
            toks("10 10f 1.0f .5 1e5 0x1F 017 0 1. 1E-2").unwrap(),
            vec![
                Tok::Int {
                    digits: "10",
                    radix: 10
                },
                Tok::Float("10"),
                Tok::Float("1.0"),
                Tok::Float(".5"),
                Tok::Float("1e5"),
                Tok::Int {
                    digits: "1F",
                    radix: 16
                },
                Tok::Int {
                    digits: "17",
                    radix: 8
                },
                Tok::Int {
                    digits: "0",
                    radix: 10
                },
                Tok::Float("1."),
                Tok::Float("1E-2"),
            ]
        );
        for bad in ["10bar", "0x", "08", "1e", "0xfg", "1.5x"] {
            assert!(toks(bad).is_err(), "{bad}");
        }
        // `10[x]` and `10,x` are fine.
        assert!(toks("10[x]").is_ok());
    }

    #[test]
    fn strings_and_comments() {
        let t = toks("a: \"x\\n\\101\\x41\\u00e9\\U0001F600\" # c\n'\\'\\\"'").unwrap();
        assert_eq!(t[0], Tok::Ident("a"));
        assert_eq!(t[1], Tok::Sym(b':'));
        assert_eq!(t[2], Tok::Str("x\nAAé😀".as_bytes().to_vec()));
        assert_eq!(t[3], Tok::Str(b"'\"".to_vec()));
        // Up to three octal digits, up to two hex digits.
        assert_eq!(
            toks(r#""\1234\x213""#).unwrap()[0],
            Tok::Str(b"S4!3".to_vec())
        );
        // Surrogates, paired or not, are not code points.
        assert!(toks(r#""\ud83d\ude00""#).is_err());
        for bad in [
            "\"abc",
            "\"a\nb\"",
            r#""\q""#,
            r#""\400""#,
            r#""\ud83d""#,
            r#""\U00110000""#,
            r#""\x""#,
        ] {
            assert!(toks(bad).is_err(), "{bad}");
        }
    }
}
