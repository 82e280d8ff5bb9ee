//! The tokenizer: identifiers, integer and float literals, string literals, symbols, and the
//! comments between tokens, grouped the way protoc groups them for `SourceCodeInfo`.
//!
//! It follows protoc's tokenizer (`io/tokenizer.cc`) so that what is accepted, and which comment
//! attaches to which token, is the same. Every token has a byte [`Span`].

use crate::diag::Diagnostic;
use crate::span::Span;

/// What kind of token.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TokenKind {
    /// A letter or `_`, then letters, digits and `_`.
    Ident,
    /// A decimal, octal (`0` prefix) or hex (`0x` prefix) integer, without sign.
    Int,
    /// A decimal number with a `.` or an exponent, without sign.
    Float,
    /// A quoted string (single or double quotes), escapes not yet decoded: see [`unescape`].
    Str,
    /// Any other single character.
    Symbol(char),
    /// The end of the input.
    Eof,
}

/// One token.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Token {
    /// Its kind.
    pub kind: TokenKind,
    /// Where it is; for strings the span includes the quotes.
    pub span: Span,
    /// The zero-based line it is on (tokens never cross lines).
    pub line: u32,
}

/// The comments met while moving from one token to the next, as protoc classifies them.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Comments {
    /// The trailing comment of the previous token (empty if none).
    pub prev_trailing: String,
    /// Comments attached to neither token.
    pub detached: Vec<String>,
    /// The leading comment of the next token (empty if none).
    pub leading: String,
}

/// The result of tokenizing one file.
#[derive(Clone, Debug, Default)]
pub struct Lexed {
    /// The tokens, ending with one [`TokenKind::Eof`].
    pub tokens: Vec<Token>,
    /// `comments[i]` are the comments met on the way to `tokens[i]` (so `comments[0]` has the
    /// file's leading comments and `comments[last]` the last token's trailing comment).
    pub comments: Vec<Comments>,
    /// Lexical errors.
    pub errors: Vec<Diagnostic>,
}

/// Tokenizes `src`, never failing: errors are collected and the tokens still cover the input.
pub fn lex(src: &str) -> Lexed {
    lex_with(src, true)
}

/// [`lex`], keeping comments only if `keep_comments` (without them every entry of
/// [`Lexed::comments`] is empty, and tokenizing is faster).
pub fn lex_with(src: &str, keep_comments: bool) -> Lexed {
    let mut lx = Lexer {
        src: src.as_bytes(),
        pos: 0,
        line: 0,
        prev_ident_end: None,
        errors: Vec::new(),
        keep_comments,
    };
    let mut out = Lexed::default();
    let mut first = true;
    loop {
        let (comments, token) = lx.next_with_comments(first);
        first = false;
        out.tokens.push(token);
        out.comments.push(comments);
        if token.kind == TokenKind::Eof {
            break;
        }
    }
    out.errors = lx.errors;
    out
}

/// protoc's `CommentCollector`: decides whether each comment is the previous token's trailing
/// comment, a detached comment, or the next token's leading comment.
#[derive(Default)]
struct Collector {
    out: Comments,
    buffer: String,
    has_comment: bool,
    is_line_comment: bool,
    can_attach_to_prev: bool,
    has_trailing: bool,
    num_comments: usize,
}

impl Collector {
    fn new() -> Collector {
        Collector {
            can_attach_to_prev: true,
            ..Collector::default()
        }
    }

    fn start_line_comment(&mut self) {
        // Consecutive line comments join into one; a block comment does not join.
        if self.has_comment && !self.is_line_comment {
            self.flush();
        }
        self.has_comment = true;
        self.is_line_comment = true;
    }

    fn start_block_comment(&mut self) {
        if self.has_comment {
            self.flush();
        }
        self.has_comment = true;
        self.is_line_comment = false;
    }

    fn clear_buffer(&mut self) {
        self.buffer.clear();
        self.has_comment = false;
    }

    /// The buffered comment is complete and not connected to the next token.
    fn flush(&mut self) {
        if self.has_comment {
            if self.can_attach_to_prev {
                self.out.prev_trailing.push_str(&self.buffer);
                self.has_trailing = true;
                self.can_attach_to_prev = false;
            } else {
                self.out.detached.push(std::mem::take(&mut self.buffer));
            }
            self.clear_buffer();
            self.num_comments += 1;
        }
    }

    fn detach_from_prev(&mut self) {
        self.can_attach_to_prev = false;
    }

    /// When the previous and next token share a line, a lone comment between them belongs to
    /// neither: it becomes detached.
    fn maybe_detach(&mut self) {
        let count = self.num_comments + usize::from(self.has_comment);
        if count == 1 {
            if self.has_trailing {
                let trail = std::mem::take(&mut self.out.prev_trailing);
                self.out.detached.insert(0, trail);
            }
            self.can_attach_to_prev = false;
            self.flush();
        }
    }

    fn finish(mut self) -> Comments {
        if self.has_comment {
            self.out.leading = std::mem::take(&mut self.buffer);
        }
        self.out
    }
}

enum CommentStart {
    Line,
    Block,
    SlashNotComment,
    None,
}

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    line: u32,
    /// Where the previous token ended, if it was an identifier.
    prev_ident_end: Option<usize>,
    errors: Vec<Diagnostic>,
    /// Whether comment text is collected.
    keep_comments: bool,
}

fn is_letter(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_whitespace_no_newline(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c')
}

impl Lexer<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.src.get(self.pos + n).copied()
    }

    fn bump(&mut self) {
        if let Some(b) = self.peek() {
            if b == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
    }

    fn try_consume(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn consume_while(&mut self, f: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&f) {
            self.bump();
        }
    }

    #[cold]
    fn error_at(&mut self, start: usize, end: usize, message: &str) {
        self.errors.push(Diagnostic::error(
            Span::new(start as u32, end as u32),
            message,
        ));
    }

    #[cold]
    fn error_here(&mut self, message: &str) {
        let end = (self.pos + 1).min(self.src.len());
        self.error_at(self.pos, end, message);
    }

    fn try_comment_start(&mut self) -> CommentStart {
        if self.peek() != Some(b'/') {
            return CommentStart::None;
        }
        match self.peek_at(1) {
            Some(b'/') => {
                self.pos += 2;
                CommentStart::Line
            }
            Some(b'*') => {
                self.pos += 2;
                CommentStart::Block
            }
            _ => CommentStart::SlashNotComment,
        }
    }

    /// After `//`: the text up to and including the newline.
    fn line_comment(&mut self, out: Option<&mut String>) {
        let start = self.pos;
        while self.peek().is_some_and(|b| b != b'\n') {
            self.bump();
        }
        self.try_consume(b'\n');
        if let Some(out) = out {
            out.push_str(&String::from_utf8_lossy(&self.src[start..self.pos]));
        }
    }

    /// After `/*`: the text up to `*/`, with each continuation line's leading whitespace and
    /// optional `*` removed.
    fn block_comment(&mut self, mut out: Option<&mut String>) {
        let comment_start = self.pos - 2;
        let mut rec = self.pos;
        loop {
            while self
                .peek()
                .is_some_and(|b| b != b'*' && b != b'/' && b != b'\n')
            {
                self.bump();
            }
            match self.peek() {
                Some(b'\n') => {
                    self.bump();
                    if let Some(o) = out.as_deref_mut() {
                        o.push_str(&String::from_utf8_lossy(&self.src[rec..self.pos]));
                    }
                    self.consume_while(is_whitespace_no_newline);
                    if self.try_consume(b'*') && self.try_consume(b'/') {
                        return;
                    }
                    rec = self.pos;
                }
                Some(b'*') => {
                    self.bump();
                    if self.try_consume(b'/') {
                        if let Some(o) = out.as_deref_mut() {
                            o.push_str(&String::from_utf8_lossy(&self.src[rec..self.pos - 2]));
                        }
                        return;
                    }
                }
                Some(b'/') => {
                    self.bump();
                    if self.peek() == Some(b'*') {
                        self.error_at(
                            self.pos - 1,
                            self.pos + 1,
                            "\"/*\" inside block comment.  Block comments cannot be nested.",
                        );
                    }
                }
                Some(_) => self.bump(),
                None => {
                    self.error_at(
                        comment_start,
                        comment_start + 2,
                        "End-of-file inside block comment.",
                    );
                    if let Some(o) = out.as_deref_mut() {
                        o.push_str(&String::from_utf8_lossy(&self.src[rec..self.pos]));
                    }
                    return;
                }
            }
        }
    }

    /// A UTF-8 byte order mark at the very start is ignored.
    fn skip_bom(&mut self) {
        if self.src.starts_with(b"\xEF\xBB\xBF") {
            self.pos = 3;
        } else if self.src.first() == Some(&0xEF) {
            self.error_at(
                0,
                1,
                "Proto file starts with 0xEF but not UTF-8 BOM. Only UTF-8 is accepted for proto file.",
            );
        }
    }

    /// protoc's `NextWithComments`: reads the next token and classifies the comments before it.
    fn next_with_comments(&mut self, at_start: bool) -> (Comments, Token) {
        if !self.keep_comments {
            if at_start {
                self.skip_bom();
            }
            // `next_token` skips comments the same way, without keeping their text.
            return (Comments::default(), self.next_token());
        }
        let mut c = Collector::new();
        let prev_line = self.line;
        let mut trailing_end_line: Option<u32> = None;

        if at_start {
            self.skip_bom();
            c.detach_from_prev();
        } else {
            // A comment on the same line as the previous token is attached to it.
            self.consume_while(is_whitespace_no_newline);
            match self.try_comment_start() {
                CommentStart::Line => {
                    trailing_end_line = Some(self.line);
                    c.start_line_comment();
                    self.line_comment(Some(&mut c.buffer));
                    c.flush();
                }
                CommentStart::Block => {
                    c.start_block_comment();
                    self.block_comment(Some(&mut c.buffer));
                    trailing_end_line = Some(self.line);
                    self.consume_while(is_whitespace_no_newline);
                    // With the next token on the same line, the comment is nobody's: the
                    // loop below sees both tokens on one line and detaches it (protoc 35).
                    if self.try_consume(b'\n') {
                        c.flush();
                    }
                }
                CommentStart::SlashNotComment => {
                    let t = self.next_token();
                    return (c.finish(), t);
                }
                CommentStart::None => {
                    if !self.try_consume(b'\n') {
                        let t = self.next_token();
                        return (c.finish(), t);
                    }
                }
            }
        }

        // Now on a line after the previous token.
        loop {
            self.consume_while(is_whitespace_no_newline);
            match self.try_comment_start() {
                CommentStart::Line => {
                    c.start_line_comment();
                    self.line_comment(Some(&mut c.buffer));
                }
                CommentStart::Block => {
                    c.start_block_comment();
                    self.block_comment(Some(&mut c.buffer));
                    // The rest of the line is not a blank line.
                    self.consume_while(is_whitespace_no_newline);
                    self.try_consume(b'\n');
                }
                CommentStart::SlashNotComment => {
                    let t = self.next_token();
                    return (c.finish(), t);
                }
                CommentStart::None => {
                    if self.try_consume(b'\n') {
                        // A blank line ends a comment block.
                        c.flush();
                        c.detach_from_prev();
                    } else {
                        let t = self.next_token();
                        if matches!(
                            t.kind,
                            TokenKind::Eof
                                | TokenKind::Symbol('}')
                                | TokenKind::Symbol(']')
                                | TokenKind::Symbol(')')
                        ) {
                            // At the end of a scope a comment cannot lead the next token.
                            c.flush();
                        }
                        if t.kind != TokenKind::Eof
                            && (prev_line == self.line || trailing_end_line == Some(self.line))
                        {
                            c.maybe_detach();
                        }
                        return (c.finish(), t);
                    }
                }
            }
        }
    }

    /// protoc's `Next`: skips whitespace and comments, then reads one token.
    fn next_token(&mut self) -> Token {
        loop {
            match self.peek() {
                None => {
                    let p = self.src.len() as u32;
                    return Token {
                        kind: TokenKind::Eof,
                        span: Span::new(p, p),
                        line: self.line,
                    };
                }
                Some(b) if b.is_ascii_whitespace() || b == b'\x0b' => self.bump(),
                Some(b'/') if self.peek_at(1) == Some(b'/') => {
                    self.pos += 2;
                    self.line_comment(None);
                }
                Some(b'/') if self.peek_at(1) == Some(b'*') => {
                    self.pos += 2;
                    self.block_comment(None);
                }
                Some(b) if b < b' ' => {
                    let start = self.pos;
                    while self
                        .peek()
                        .is_some_and(|b| b < b' ' && !b.is_ascii_whitespace() && b != b'\x0b')
                    {
                        self.bump();
                    }
                    self.error_at(
                        start,
                        self.pos,
                        "Invalid control characters encountered in text.",
                    );
                }
                Some(_) => break,
            }
        }
        let start = self.pos;
        let line = self.line;
        let b = self.src[start];
        let kind = if is_letter(b) {
            self.consume_while(|b| is_letter(b) || b.is_ascii_digit());
            TokenKind::Ident
        } else if b.is_ascii_digit() {
            self.bump();
            self.number(b == b'0', false)
        } else if b == b'.' && self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
            if self.prev_ident_end == Some(start) {
                // protoc does not accept `blah.123`.
                self.error_at(
                    start,
                    start + 1,
                    "Need space between identifier and decimal point.",
                );
            }
            self.bump();
            self.number(false, true)
        } else if b == b'"' || b == b'\'' {
            self.bump();
            self.string(b);
            TokenKind::Str
        } else if b < 0x80 {
            self.bump();
            TokenKind::Symbol(b as char)
        } else {
            // A non-ASCII character outside a string or comment (the input is UTF-8). Only
            // its own octets are decoded (at most four): decoding the rest of the input made a
            // file of such characters quadratic.
            let window = &self.src[start..(start + 4).min(self.src.len())];
            let text = match std::str::from_utf8(window) {
                Ok(text) => text,
                Err(e) => std::str::from_utf8(&window[..e.valid_up_to()]).unwrap_or(""),
            };
            let ch = text.chars().next().unwrap_or('\u{fffd}');
            let len = ch.len_utf8().min(self.src.len() - start).max(1);
            self.pos += len;
            self.error_at(
                start,
                self.pos,
                &format!("Interpreting non ascii codepoint {}.", b),
            );
            TokenKind::Symbol(ch)
        };
        self.prev_ident_end = (kind == TokenKind::Ident).then_some(self.pos);
        Token {
            kind,
            span: Span::new(start as u32, self.pos as u32),
            line,
        }
    }

    /// The rest of a number whose first character (a digit, or a `.` before a digit) was read.
    fn number(&mut self, started_with_zero: bool, started_with_dot: bool) -> TokenKind {
        let mut is_float = false;
        if started_with_zero && matches!(self.peek(), Some(b'x' | b'X')) {
            self.bump();
            if self.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
                self.consume_while(|b| b.is_ascii_hexdigit());
            } else {
                self.error_here("\"0x\" must be followed by hex digits.");
            }
        } else if started_with_zero && self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.consume_while(|b| (b'0'..=b'7').contains(&b));
            if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                self.error_here("Numbers starting with leading zero must be in octal.");
                self.consume_while(|b| b.is_ascii_digit());
            }
        } else {
            if started_with_dot {
                is_float = true;
                self.consume_while(|b| b.is_ascii_digit());
            } else {
                self.consume_while(|b| b.is_ascii_digit());
                if self.try_consume(b'.') {
                    is_float = true;
                    self.consume_while(|b| b.is_ascii_digit());
                }
            }
            if matches!(self.peek(), Some(b'e' | b'E')) {
                self.bump();
                is_float = true;
                let _ = self.try_consume(b'-') || self.try_consume(b'+');
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    self.consume_while(|b| b.is_ascii_digit());
                } else {
                    self.error_here("\"e\" must be followed by exponent.");
                }
            }
        }
        if self.peek().is_some_and(is_letter) {
            self.error_here("Need space between number and identifier.");
        } else if self.peek() == Some(b'.') {
            if is_float {
                self.error_here("Already saw decimal point or exponent; can't have another one.");
            } else {
                self.error_here("Hex and octal numbers must be integers.");
            }
        }
        if is_float {
            TokenKind::Float
        } else {
            TokenKind::Int
        }
    }

    /// The rest of a string literal whose opening `delim` was read.
    fn string(&mut self, delim: u8) {
        loop {
            match self.peek() {
                None => {
                    self.error_here("Unexpected end of string.");
                    return;
                }
                Some(b'\n') => {
                    self.error_here("Multiline strings are not allowed. Did you miss a \"?.");
                    return;
                }
                Some(b'\\') => {
                    let esc_start = self.pos;
                    self.bump();
                    match self.peek() {
                        Some(
                            b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' | b'\\' | b'?' | b'\''
                            | b'"',
                        ) => self.bump(),
                        Some(b'0'..=b'7') => self.bump(),
                        Some(b'x') => {
                            self.bump();
                            if self.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
                                self.bump();
                            } else {
                                self.error_at(
                                    esc_start,
                                    self.pos,
                                    "Expected hex digits for escape sequence.",
                                );
                            }
                        }
                        Some(b'u') => {
                            self.bump();
                            let ok = (0..4).all(|_| {
                                let ok = self.peek().is_some_and(|b| b.is_ascii_hexdigit());
                                if ok {
                                    self.bump();
                                }
                                ok
                            });
                            if !ok {
                                self.error_at(
                                    esc_start,
                                    self.pos,
                                    "Expected four hex digits for \\u escape sequence.",
                                );
                            }
                        }
                        Some(b'U') => {
                            self.bump();
                            // Eight hex digits, but only up to 0x10ffff.
                            let ok = self.try_consume(b'0')
                                && self.try_consume(b'0')
                                && (self.try_consume(b'0') || self.try_consume(b'1'))
                                && (0..5).all(|_| {
                                    let ok = self.peek().is_some_and(|b| b.is_ascii_hexdigit());
                                    if ok {
                                        self.bump();
                                    }
                                    ok
                                });
                            if !ok {
                                self.error_at(
                                    esc_start,
                                    self.pos,
                                    "Expected eight hex digits up to 10ffff for \\U escape sequence",
                                );
                            }
                        }
                        _ => {
                            let end = (self.pos + 1).min(self.src.len());
                            self.error_at(
                                esc_start,
                                end,
                                "Invalid escape sequence in string literal.",
                            );
                        }
                    }
                }
                Some(b) if b == delim => {
                    self.bump();
                    return;
                }
                Some(_) => self.bump(),
            }
        }
    }
}

/// Decodes a string token's text (with its quotes) into bytes, as protoc does: C escapes, octal
/// `\NNN` (taken modulo 256), hex `\xHH`, `\uHHHH` and `\UHHHHHHHH` (encoded as UTF-8, with
/// surrogate pairs joined). Malformed escapes, already reported by the lexer, are kept as text.
pub fn unescape(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let inner = if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &b[1..b.len() - 1]
    } else if !b.is_empty() && (b[0] == b'"' || b[0] == b'\'') {
        &b[1..]
    } else {
        b
    };
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    let hex = |c: u8| (c as char).to_digit(16);
    while i < inner.len() {
        let c = inner[i];
        if c != b'\\' || i + 1 >= inner.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let e = inner[i + 1];
        i += 2;
        match e {
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match inner.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(v as u8);
            }
            b'x' | b'X' if inner.get(i).and_then(|&d| hex(d)).is_some() => {
                let mut v = 0;
                for _ in 0..2 {
                    match inner.get(i).and_then(|&d| hex(d)) {
                        Some(d) => {
                            v = v * 16 + d;
                            i += 1;
                        }
                        None => break,
                    }
                }
                out.push(v as u8);
            }
            b'u' | b'U' => {
                let n = if e == b'u' { 4 } else { 8 };
                let Some(mut cp) = read_hex(inner, i, n) else {
                    out.push(b'\\');
                    out.push(e);
                    continue;
                };
                i += n;
                // A high surrogate followed by `\u` low surrogate is one code point.
                if (0xD800..0xDC00).contains(&cp)
                    && inner.get(i) == Some(&b'\\')
                    && inner.get(i + 1) == Some(&b'u')
                    && let Some(low) = read_hex(inner, i + 2, 4)
                    && (0xDC00..0xE000).contains(&low)
                {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    i += 6;
                }
                push_utf8(&mut out, cp);
            }
            other => out.push(other),
        }
    }
    out
}

fn read_hex(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let digits = b.get(at..at + n)?;
    let mut v: u32 = 0;
    for &d in digits {
        v = v.checked_mul(16)? + (d as char).to_digit(16)?;
    }
    Some(v)
}

/// UTF-8 encoding of `cp`, including lone surrogates (which protoc writes as three bytes too).
fn push_utf8(out: &mut Vec<u8>, cp: u32) {
    if cp < 0x80 {
        out.push(cp as u8);
    } else if cp < 0x800 {
        out.extend_from_slice(&[0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]);
    } else if cp < 0x10000 {
        out.extend_from_slice(&[
            0xE0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    } else {
        let cp = cp.min(0x10FFFF);
        out.extend_from_slice(&[
            0xF0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3F) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    }
}

/// Parses an integer token's text (decimal, `0` octal, `0x` hex) as protoc does, or `None` if it
/// exceeds `u64::MAX` or is malformed.
pub fn parse_int(text: &str) -> Option<u64> {
    let (digits, radix) =
        if let Some(h) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            (h, 16)
        } else if text.len() > 1 && text.starts_with('0') {
            (&text[1..], 8)
        } else {
            (text, 10)
        };
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Parses a float token's text (`1.5`, `1e10`, `.5`, `1.`) to the nearest `f64`; overflow gives
/// infinity, as with protoc.
pub fn parse_float(text: &str) -> f64 {
    // Rust's parser accepts every form the lexer produces; a dangling exponent (already an error)
    // is dropped.
    let t = text.trim_end_matches(['e', 'E', '+', '-']);
    t.parse().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        let l = lex(src);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        l.tokens
            .iter()
            .map(|t| (t.kind, &src[t.span.range()]))
            .collect()
    }

    #[test]
    fn tokens_and_spans() {
        use TokenKind::*;
        assert_eq!(
            kinds("message Foo { int32 x_1 = 0x1F; } 017 1.5 .5 1e-3 2E+4 3. 'a' \"b\""),
            vec![
                (Ident, "message"),
                (Ident, "Foo"),
                (Symbol('{'), "{"),
                (Ident, "int32"),
                (Ident, "x_1"),
                (Symbol('='), "="),
                (Int, "0x1F"),
                (Symbol(';'), ";"),
                (Symbol('}'), "}"),
                (Int, "017"),
                (Float, "1.5"),
                (Float, ".5"),
                (Float, "1e-3"),
                (Float, "2E+4"),
                (Float, "3."),
                (Str, "'a'"),
                (Str, "\"b\""),
                (Eof, ""),
            ]
        );
    }

    #[test]
    fn number_values() {
        assert_eq!(parse_int("0"), Some(0));
        assert_eq!(parse_int("017"), Some(15));
        assert_eq!(parse_int("0x1f"), Some(31));
        assert_eq!(parse_int("0XFFFFFFFFFFFFFFFF"), Some(u64::MAX));
        assert_eq!(parse_int("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_int("18446744073709551616"), None);
        assert_eq!(parse_int("0x10000000000000000"), None);
        assert_eq!(parse_float("1."), 1.0);
        assert_eq!(parse_float(".25"), 0.25);
        assert_eq!(parse_float("1e400"), f64::INFINITY);
        assert_eq!(parse_float("2E+3"), 2000.0);
    }

    #[test]
    fn string_escapes() {
        assert_eq!(unescape(r#""a\n\t\\\"\'\?""#), b"a\n\t\\\"'?");
        assert_eq!(unescape(r#""\a\b\f\v\r""#), b"\x07\x08\x0c\x0b\r");
        assert_eq!(unescape(r#""\0\12\101\777""#), b"\0\nA\xff");
        assert_eq!(unescape(r#""\x41\x4a\xfz""#), b"AJ\x0fz");
        assert_eq!(unescape(r#""\u00e9\U0001F600""#), "é😀".as_bytes());
        assert_eq!(unescape(r#""\ud83d\ude00""#), "😀".as_bytes());
        assert_eq!(unescape(r#""\ud83d""#), b"\xed\xa0\xbd");
        assert_eq!(unescape("'it''s'"), b"it''s");
        assert_eq!(unescape("\"héllo\""), "héllo".as_bytes());
    }

    fn errors(src: &str) -> Vec<String> {
        lex(src)
            .errors
            .iter()
            .map(|e| e.message().to_string())
            .collect()
    }

    #[test]
    fn lexical_errors_match_protoc() {
        assert_eq!(errors("0x"), ["\"0x\" must be followed by hex digits."]);
        assert_eq!(
            errors("09"),
            ["Numbers starting with leading zero must be in octal."]
        );
        assert_eq!(errors("1e"), ["\"e\" must be followed by exponent."]);
        assert_eq!(
            errors("12abc"),
            ["Need space between number and identifier."]
        );
        assert_eq!(
            errors("1.5.3"),
            ["Already saw decimal point or exponent; can't have another one."]
        );
        assert_eq!(errors("0x1.5"), ["Hex and octal numbers must be integers."]);
        assert_eq!(errors("\"abc"), ["Unexpected end of string."]);
        assert_eq!(
            errors("\"ab\nc\""),
            [
                "Multiline strings are not allowed. Did you miss a \"?.",
                "Unexpected end of string."
            ]
        );
        assert_eq!(
            errors(r#""\q""#),
            ["Invalid escape sequence in string literal."]
        );
        assert_eq!(
            errors(r#""\xg""#),
            ["Expected hex digits for escape sequence."]
        );
        assert_eq!(
            errors(r#""\u12g4""#),
            ["Expected four hex digits for \\u escape sequence."]
        );
        assert_eq!(
            errors(r#""\U00200000""#),
            ["Expected eight hex digits up to 10ffff for \\U escape sequence"]
        );
        assert_eq!(
            errors("/* a /* b */"),
            ["\"/*\" inside block comment.  Block comments cannot be nested."]
        );
        assert_eq!(errors("/* a"), ["End-of-file inside block comment."]);
        assert_eq!(
            errors("a \x01\x02 b"),
            ["Invalid control characters encountered in text."]
        );
        assert_eq!(errors("é"), ["Interpreting non ascii codepoint 195."]);
        assert_eq!(
            errors("é€😀é"),
            [
                "Interpreting non ascii codepoint 195.",
                "Interpreting non ascii codepoint 226.",
                "Interpreting non ascii codepoint 240.",
                "Interpreting non ascii codepoint 195."
            ]
        );
        let spans: Vec<Span> = lex("é€😀é").tokens.iter().map(|t| t.span).collect();
        assert_eq!(
            spans[..4],
            [
                Span::new(0, 2),
                Span::new(2, 5),
                Span::new(5, 9),
                Span::new(9, 11)
            ]
        );
        assert_eq!(
            errors("a.1"),
            ["Need space between identifier and decimal point."]
        );
        assert_eq!(errors("a .1"), Vec::<String>::new());
    }

    #[test]
    fn bom_is_skipped() {
        let l = lex("\u{feff}syntax");
        assert!(l.errors.is_empty());
        assert_eq!(l.tokens[0].span, Span::new(3, 9));
    }

    /// The comments seen on the way to each token, keyed by the token's text.
    fn comments(src: &str) -> Vec<(String, Comments)> {
        let l = lex(src);
        l.tokens
            .iter()
            .zip(l.comments)
            .map(|(t, c)| (src[t.span.range()].to_string(), c))
            .collect()
    }

    fn c(prev_trailing: &str, detached: &[&str], leading: &str) -> Comments {
        Comments {
            prev_trailing: prev_trailing.into(),
            detached: detached.iter().map(|s| s.to_string()).collect(),
            leading: leading.into(),
        }
    }

    #[test]
    fn comments_are_classified_like_protoc() {
        let src = "// detached\n\n// leading a\n// more\na; // trailing a\n// next line\n\n/* block */\nb /* same line */ c\n}\n";
        let got = comments(src);
        assert_eq!(
            got[0],
            ("a".into(), c("", &[" detached\n"], " leading a\n more\n"))
        );
        assert_eq!(got[1], (";".into(), c("", &[], "")));
        assert_eq!(
            got[2],
            ("b".into(), c(" trailing a\n", &[" next line\n"], " block "))
        );
        assert_eq!(got[3], ("c".into(), c("", &[" same line "], "")));
        // Before a closing brace, a comment cannot lead.
        assert_eq!(got[4], ("}".into(), c("", &[], "")));
        let got = comments("a;\n  // only\n}");
        assert_eq!(got[2], ("}".into(), c(" only\n", &[], "")));
    }

    /// Without comments the tokens, their lines and the errors are the same.
    #[test]
    fn dropping_comments_keeps_tokens() {
        let sources = [
            "\u{feff}// lead\nsyntax = \"proto3\"; /* t */ message A { // x\n int32 a = 1; }\n",
            "a; /* x */ b / c // d\n/* unterminated",
            "\u{1}x /**/ y\n\t// z\n",
            crate::embedded_file("google/protobuf/descriptor.proto").unwrap(),
        ];
        for src in sources {
            let with = lex(src);
            let without = lex_with(src, false);
            assert_eq!(with.tokens, without.tokens, "{src:?}");
            assert_eq!(with.errors, without.errors, "{src:?}");
            assert!(without.comments.iter().all(|c| *c == Comments::default()));
        }
    }

    #[test]
    fn block_comment_strips_stars() {
        let got = comments("a;\n/*\n * one\n * two\n */\nb");
        assert_eq!(got[2].1.leading, "\n one\n two\n");
    }

    #[test]
    fn same_line_comment_is_detached() {
        // Previous and next token on one line: a lone comment between lines is detached.
        let got = comments("a; /* x */ b");
        assert_eq!(got[2].1, c("", &[" x "], ""));
        let got = comments("a; // t\nb");
        assert_eq!(got[2].1, c(" t\n", &[], ""));
    }
}
