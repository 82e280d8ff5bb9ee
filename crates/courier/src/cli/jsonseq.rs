//! Splits a stream of bytes into the JSON values it holds, one after another (whitespace or
//! nothing between them), as the bytes arrive: what `courier call -d @-` reads, so that each
//! request of a stream is sent as soon as its closing brace is typed.
//!
//! Only the boundaries are found here (strings, escapes and nesting are tracked); each value
//! is then parsed against its message type by courier-reflect's ProtoJSON reader, whose errors
//! carry a byte offset that [`Item::position`] turns into a line and column of the input.

/// A complete JSON value of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    /// Its text.
    pub(crate) text: String,
    /// Its 1-based line and column in the whole input.
    pub(crate) line: usize,
    pub(crate) column: usize,
    /// Its 0-based index among the values.
    pub(crate) index: usize,
}

impl Item {
    /// The line and column in the whole input of byte `offset` of this value.
    pub(crate) fn position(&self, offset: usize) -> (usize, usize) {
        let before = &self.text.as_bytes()[..offset.min(self.text.len())];
        let newlines = before.iter().filter(|&&b| b == b'\n').count();
        if newlines == 0 {
            (self.line, self.column + count_chars(before))
        } else {
            let last = before.iter().rposition(|&b| b == b'\n').unwrap_or(0);
            (self.line + newlines, 1 + count_chars(&before[last + 1..]))
        }
    }
}

fn count_chars(b: &[u8]) -> usize {
    // UTF-8 continuation bytes do not start a character.
    b.iter().filter(|&&c| c & 0xC0 != 0x80).count()
}

/// What went wrong between values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitError {
    pub(crate) message: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// The splitter: feed it bytes with [`push`](Splitter::push), then [`finish`](Splitter::finish).
#[derive(Debug, Default)]
pub(crate) struct Splitter {
    buf: Vec<u8>,
    /// Scanning position in `buf`.
    pos: usize,
    /// Where the current value starts in `buf` (`None` between values).
    start: Option<usize>,
    depth: usize,
    in_string: bool,
    escape: bool,
    /// The current value is a bare scalar (number, true, false, null).
    scalar: bool,
    /// The line and column of `buf[0]` (1-based).
    line: usize,
    column: usize,
    count: usize,
    /// A size limit for one value.
    max_len: usize,
}

/// The default limit of one value's size (64 MiB).
pub(crate) const DEFAULT_MAX_VALUE: usize = 64 << 20;

impl Splitter {
    /// A splitter for values of at most `max_len` bytes.
    pub(crate) fn new(max_len: usize) -> Splitter {
        Splitter {
            line: 1,
            column: 1,
            max_len,
            ..Splitter::default()
        }
    }

    /// Adds bytes; the values they complete.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Result<Vec<Item>, SplitError> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while self.pos < self.buf.len() {
            let b = self.buf[self.pos];
            match self.start {
                None => {
                    if b.is_ascii_whitespace() {
                        self.pos += 1;
                        continue;
                    }
                    if matches!(b, b'}' | b']' | b',' | b':') {
                        let (line, column) = self.position_of(self.pos);
                        return Err(SplitError {
                            message: format!("unexpected `{}` between JSON values", b as char),
                            line,
                            column,
                        });
                    }
                    self.start = Some(self.pos);
                    self.scalar = !matches!(b, b'{' | b'[' | b'"');
                    self.in_string = b == b'"';
                    self.depth = usize::from(matches!(b, b'{' | b'['));
                    self.pos += 1;
                    if self.scalar {
                        continue;
                    }
                }
                Some(start) => {
                    let done = if self.scalar {
                        if b.is_ascii_whitespace() || matches!(b, b'{' | b'[' | b'"') {
                            // The scalar ended just before this byte.
                            out.push(self.take(start, self.pos)?);
                            continue;
                        }
                        false
                    } else if self.in_string {
                        if self.escape {
                            self.escape = false;
                        } else if b == b'\\' {
                            self.escape = true;
                        } else if b == b'"' {
                            self.in_string = false;
                        }
                        !self.in_string && self.depth == 0
                    } else {
                        match b {
                            b'"' => self.in_string = true,
                            b'{' | b'[' => self.depth += 1,
                            b'}' | b']' => self.depth = self.depth.saturating_sub(1),
                            _ => {}
                        }
                        self.depth == 0
                    };
                    self.pos += 1;
                    if done {
                        out.push(self.take(start, self.pos)?);
                        continue;
                    }
                    if self.pos - start > self.max_len {
                        let (line, column) = self.position_of(start);
                        return Err(SplitError {
                            message: format!("a JSON value longer than {} bytes", self.max_len),
                            line,
                            column,
                        });
                    }
                }
            }
        }
        self.compact();
        Ok(out)
    }

    /// The end of the input: the last value if it was a bare scalar; an error if a value is
    /// unfinished.
    pub(crate) fn finish(mut self) -> Result<Option<Item>, SplitError> {
        match self.start {
            None => Ok(None),
            Some(start) if self.scalar => {
                let end = self.buf.len();
                self.take(start, end).map(Some)
            }
            Some(start) => {
                let (line, column) = self.position_of(start);
                Err(SplitError {
                    message: if self.in_string {
                        "the input ends inside a string of the JSON value that starts here".into()
                    } else {
                        "the input ends before the JSON value that starts here is closed".into()
                    },
                    line,
                    column,
                })
            }
        }
    }

    fn take(&mut self, start: usize, end: usize) -> Result<Item, SplitError> {
        let (line, column) = self.position_of(start);
        let text = std::str::from_utf8(&self.buf[start..end]).map_err(|e| {
            let (line, column) = self.position_of(start + e.valid_up_to());
            SplitError {
                message: "the input is not UTF-8".into(),
                line,
                column,
            }
        })?;
        let item = Item {
            text: text.to_owned(),
            line,
            column,
            index: self.count,
        };
        self.count += 1;
        self.start = None;
        self.scalar = false;
        self.in_string = false;
        self.escape = false;
        self.depth = 0;
        Ok(item)
    }

    /// The line and column of `buf[i]`.
    fn position_of(&self, i: usize) -> (usize, usize) {
        let before = &self.buf[..i];
        let newlines = before.iter().filter(|&&b| b == b'\n').count();
        if newlines == 0 {
            (self.line, self.column + count_chars(before))
        } else {
            let last = before.iter().rposition(|&b| b == b'\n').unwrap_or(0);
            (self.line + newlines, 1 + count_chars(&before[last + 1..]))
        }
    }

    /// Drops the bytes before the current value (or all, between values), keeping the line
    /// and column of what remains.
    fn compact(&mut self) {
        let keep_from = self.start.unwrap_or(self.pos);
        if keep_from == 0 {
            return;
        }
        let (line, column) = self.position_of(keep_from);
        self.buf.drain(..keep_from);
        self.line = line;
        self.column = column;
        self.pos -= keep_from;
        if let Some(s) = &mut self.start {
            *s -= keep_from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_all(input: &str, chunk: usize) -> Result<Vec<Item>, SplitError> {
        let mut s = Splitter::new(DEFAULT_MAX_VALUE);
        let mut out = Vec::new();
        for c in input.as_bytes().chunks(chunk.max(1)) {
            out.extend(s.push(c)?);
        }
        out.extend(s.finish()?);
        Ok(out)
    }

    #[test]
    fn splits_values_at_any_chunking() {
        let input = "{\"a\": \"}{\\\"\"}\n  {\"b\": [1, {\"c\": 2}]}{}\n\"str\" 12 true\n[1,2]";
        let want = [
            "{\"a\": \"}{\\\"\"}",
            "{\"b\": [1, {\"c\": 2}]}",
            "{}",
            "\"str\"",
            "12",
            "true",
            "[1,2]",
        ];
        for chunk in [1, 2, 3, 7, 1000] {
            let items = split_all(input, chunk).unwrap();
            let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
            assert_eq!(texts, want, "chunk {chunk}");
            assert_eq!((items[0].line, items[0].column), (1, 1));
            assert_eq!((items[1].line, items[1].column), (2, 3));
            assert_eq!((items[3].line, items[3].column), (3, 1));
            assert_eq!((items[4].line, items[4].column), (3, 7));
            assert_eq!(items[6].index, 6);
        }
    }

    #[test]
    fn values_come_out_as_soon_as_they_close() {
        let mut s = Splitter::new(DEFAULT_MAX_VALUE);
        assert!(s.push(b"{\"a\":").unwrap().is_empty());
        let got = s.push(b" 1}\n{").unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].text, "{\"a\": 1}");
        assert!(s.push(b"}").unwrap().len() == 1);
        assert_eq!(s.finish().unwrap(), None);
    }

    #[test]
    fn positions_of_errors() {
        let items = split_all("\n\n  {\"x\":\n    \"é\", \"y\": 1}", 3).unwrap();
        let it = &items[0];
        assert_eq!((it.line, it.column), (3, 3));
        let off = it.text.find("\"y\"").unwrap();
        assert_eq!(it.position(off), (4, 10));
        assert_eq!(it.position(0), (3, 3));
    }

    #[test]
    fn malformed_input() {
        let e = split_all("{\"a\": 1", 4).unwrap_err();
        assert_eq!((e.line, e.column), (1, 1));
        assert!(e.message.contains("before the JSON value"), "{e:?}");
        let e = split_all("{} \"abc", 4).unwrap_err();
        assert!(e.message.contains("inside a string"), "{e:?}");
        let e = split_all("{}\n}", 4).unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        let mut s = Splitter::new(8);
        assert!(s.push(b"{\"aaaaaaaaaaaaaaaaa").is_err());
        let mut s = Splitter::new(100);
        assert!(s.push(b"\"\xff\"").is_err());
    }
}
