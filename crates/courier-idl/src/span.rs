//! Byte spans into a source file, and line/column lookup.

use std::fmt;

/// A half-open byte range `start..end` into one source file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub const fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The empty span at the end of `self`.
    pub fn end_point(self) -> Span {
        Span::new(self.end, self.end)
    }

    /// The span as a `usize` range, for slicing the source.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A line and column, both zero-based, as protoc counts them: the column counts bytes, and a tab
/// advances it to the next multiple of 8 (protoc's `SourceCodeInfo` spans use this convention).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct LineCol {
    /// Zero-based line.
    pub line: u32,
    /// Zero-based column (tabs expanded to multiples of 8).
    pub col: u32,
}

/// The width protoc's tokenizer gives a tab when counting columns.
const TAB_WIDTH: u32 = 8;

/// A source file's text with an index of its line starts.
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<u32>,
}

impl SourceFile {
    /// Indexes `text`, which is known to the user as `name` (used in diagnostics).
    ///
    /// Inputs longer than `u32::MAX` bytes are truncated at a character boundary; the parser's
    /// size limit rejects them long before.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let mut text = text.into();
        if text.len() > u32::MAX as usize {
            let mut cut = u32::MAX as usize;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// The file's name as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text under `span`. Empty if the span is out of bounds or splits a character.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// The zero-based line holding byte `offset`.
    pub fn line_of(&self, offset: u32) -> u32 {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i as u32,
            Err(i) => (i - 1) as u32,
        }
    }

    /// The text of zero-based line `line`, without its line terminator.
    pub fn line_text(&self, line: u32) -> &str {
        let Some(&start) = self.line_starts.get(line as usize) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line as usize + 1)
            .map_or(self.text.len(), |&e| e as usize - 1);
        let s = self.text.get(start as usize..end).unwrap_or("");
        s.strip_suffix('\r').unwrap_or(s)
    }

    /// Line and protoc-style column (tabs to multiples of 8) of byte `offset`.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = offset.min(self.text.len() as u32);
        let line = self.line_of(offset);
        let start = self.line_starts[line as usize];
        let mut col = 0;
        for &b in &self.text.as_bytes()[start as usize..offset as usize] {
            if b == b'\t' {
                col += TAB_WIDTH - col % TAB_WIDTH;
            } else {
                col += 1;
            }
        }
        LineCol { line, col }
    }
}

/// Where each `SourceCodeInfo` path of one file was first recorded, for error positions.
///
/// Recording is a push into flat arrays (no allocation per path, no hashing): most
/// compilations never look a span up. The first lookup builds the index.
#[derive(Debug, Default)]
pub(crate) struct Spans {
    /// Every recorded path, concatenated.
    paths: Vec<i32>,
    /// (start in `paths`, length, span), in recording order.
    entries: Vec<(u32, u32, Span)>,
    index: std::cell::OnceCell<std::collections::HashMap<Vec<i32>, Span>>,
}

impl Spans {
    /// Records `span` for `path` (a later record of the same path does not replace it).
    pub(crate) fn record(&mut self, path: &[i32], span: Span) {
        let start = self.paths.len() as u32;
        self.paths.extend_from_slice(path);
        self.entries.push((start, path.len() as u32, span));
        self.index = std::cell::OnceCell::new();
    }

    fn index(&self) -> &std::collections::HashMap<Vec<i32>, Span> {
        self.index.get_or_init(|| {
            let mut map = std::collections::HashMap::with_capacity(self.entries.len());
            for &(start, len, span) in &self.entries {
                let path = &self.paths[start as usize..(start + len) as usize];
                map.entry(path.to_vec()).or_insert(span);
            }
            map
        })
    }

    /// The span first recorded for `path`.
    pub(crate) fn get(&self, path: &[i32]) -> Option<Span> {
        self.index().get(path).copied()
    }

    /// Whether a span was recorded for `path`.
    pub(crate) fn contains(&self, path: &[i32]) -> bool {
        self.index().contains_key(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_tabs_like_protoc() {
        let f = SourceFile::new("a.proto", "ab\n\tx\n  \ty");
        assert_eq!(f.line_col(0), LineCol { line: 0, col: 0 });
        assert_eq!(f.line_col(1), LineCol { line: 0, col: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 1, col: 0 });
        assert_eq!(f.line_col(4), LineCol { line: 1, col: 8 });
        assert_eq!(f.line_col(9), LineCol { line: 2, col: 8 });
        assert_eq!(f.line_text(1), "\tx");
        assert_eq!(f.line_text(2), "  \ty");
        assert_eq!(f.line_text(7), "");
    }

    #[test]
    fn out_of_range_offsets_are_clamped() {
        let f = SourceFile::new("a.proto", "ab");
        assert_eq!(f.line_col(99), LineCol { line: 0, col: 2 });
        assert_eq!(f.slice(Span::new(1, 99)), "");
    }
}
