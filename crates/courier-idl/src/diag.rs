//! Diagnostics: an error at a span, rendered as `file:line:col: message` with a source snippet,
//! a caret under the offending text, and an optional help hint.

use std::fmt::{self, Write as _};

use crate::span::{SourceFile, Span};

/// One error found in a `.proto` file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    message: String,
    span: Span,
    help: Option<String>,
}

impl Diagnostic {
    /// An error `message` about the text under `span`.
    #[cold]
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            span,
            help: None,
        }
    }

    /// Adds a help hint (how to fix it).
    #[cold]
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The message, without position (as protoc words it where protoc has the same error).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where the error is.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The help hint, if any.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// The one-line form protoc prints: `file:line:col: message` (line and column one-based).
    pub fn short(&self, file: &SourceFile) -> String {
        let lc = file.line_col(self.span.start);
        format!(
            "{}:{}:{}: {}",
            file.name(),
            lc.line + 1,
            lc.col + 1,
            self.message
        )
    }

    /// The full form: the short line, the source line with a caret under the span, and the help.
    pub fn render(&self, file: &SourceFile) -> String {
        let mut out = self.short(file);
        let start = file.line_col(self.span.start);
        let line = file.line_text(start.line);
        let number = (start.line + 1).to_string();
        let pad = " ".repeat(number.len());
        // Expand tabs so the caret lines up with the displayed text.
        let mut shown = String::new();
        for ch in line.chars() {
            if ch == '\t' {
                let n = 8 - shown.chars().count() % 8;
                shown.extend(std::iter::repeat_n(' ', n));
            } else if ch.is_control() {
                shown.push(' ');
            } else {
                shown.push(ch);
            }
        }
        let width = if file.line_of(self.span.end) == start.line {
            let end = file.line_col(self.span.end);
            (end.col.saturating_sub(start.col)).max(1)
        } else {
            (shown.chars().count() as u32)
                .saturating_sub(start.col)
                .max(1)
        };
        let _ = write!(
            out,
            "\n{pad} |\n{number} | {shown}\n{pad} | {}{}",
            " ".repeat(start.col as usize),
            "^".repeat(width as usize)
        );
        if let Some(help) = &self.help {
            let _ = write!(out, "\n{pad} = help: {help}");
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Every diagnostic from one operation, with the file they belong to, for rendering.
#[derive(Clone, Debug)]
pub struct Diagnostics<'a> {
    file: &'a SourceFile,
    list: &'a [Diagnostic],
}

impl<'a> Diagnostics<'a> {
    /// Pairs `list` with the `file` it refers to.
    pub fn new(file: &'a SourceFile, list: &'a [Diagnostic]) -> Diagnostics<'a> {
        Diagnostics { file, list }
    }
}

impl fmt::Display for Diagnostics<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.list.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            f.write_str(&d.render(self.file))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_snippet_caret_and_help() {
        let f = SourceFile::new("x.proto", "syntax = \"proto3\";\nmessage 1Foo {}\n");
        let d = Diagnostic::error(Span::new(27, 31), "Expected message name.")
            .with_help("names start with a letter");
        assert_eq!(
            d.render(&f),
            "x.proto:2:9: Expected message name.\n  |\n2 | message 1Foo {}\n  |         ^^^^\n  = help: names start with a letter"
        );
    }

    #[test]
    fn caret_at_end_of_file_is_one_wide() {
        let f = SourceFile::new("x.proto", "message A {");
        let d = Diagnostic::error(
            Span::new(11, 11),
            "Reached end of input in message definition (missing '}').",
        );
        assert!(d.render(&f).ends_with("1 | message A {\n  |            ^"));
    }
}
