//! A small indenting text writer for generated code.

use std::fmt::Write as _;

/// Generated source, one line at a time, indented by four spaces per level.
#[derive(Debug, Default)]
pub(crate) struct Out {
    pub(crate) buf: String,
    indent: usize,
}

impl Out {
    /// Writes one line at the current indentation (empty lines stay empty).
    pub(crate) fn line(&mut self, s: impl AsRef<str>) {
        let s = s.as_ref();
        if s.is_empty() {
            self.buf.push('\n');
            return;
        }
        for _ in 0..self.indent {
            self.buf.push_str("    ");
        }
        self.buf.push_str(s);
        self.buf.push('\n');
    }

    /// Writes one line as is, without indentation.
    pub(crate) fn line_raw(&mut self, s: &str) {
        self.buf.push_str(s);
        self.buf.push('\n');
    }

    /// Writes `s` and indents the following lines.
    pub(crate) fn open(&mut self, s: impl AsRef<str>) {
        self.line(s);
        self.indent += 1;
    }

    /// Dedents and writes `s`.
    pub(crate) fn close(&mut self, s: impl AsRef<str>) {
        self.indent = self.indent.saturating_sub(1);
        self.line(s);
    }

    /// Writes one line one level deeper than the current indentation.
    pub(crate) fn indent_line(&mut self, s: impl AsRef<str>) {
        self.indent += 1;
        self.line(s);
        self.indent -= 1;
    }

    /// Writes doc-comment lines (`///`).
    pub(crate) fn doc(&mut self, lines: &[String]) {
        for l in lines {
            if l.is_empty() {
                self.line("///");
            } else {
                let mut s = String::with_capacity(l.len() + 4);
                let _ = write!(s, "/// {l}");
                self.line(s);
            }
        }
    }
}
