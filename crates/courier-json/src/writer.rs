//! [`Writer`]: builds JSON text (compact or indented), with commas and colons placed for the
//! caller and every scalar written in ProtoJSON's form.

use crate::{base64, number};

/// Which bytes a JSON string must escape: `"`, `\` and the control characters.
const ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Whether byte `b` must be escaped in a JSON string.
#[inline(always)]
pub(crate) fn needs_escape(b: u8) -> bool {
    ESCAPE[usize::from(b)]
}

/// Appends `s` as a quoted JSON string: `"` and `\` escaped, control characters as `\n`,
/// `\t`, ... or `\u00XX`, everything else as is (UTF-8).
#[inline]
pub fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push('"');
    let mut start = 0;
    let mut i = 0;
    loop {
        // To the first byte that needs escaping, many at a time.
        // (Short strings, most keys and many values, a word or two inline; longer ones
        // sixteen bytes at a time.)
        let rest = bytes.get(i..).unwrap_or_default();
        i += match (rest.first_chunk::<8>(), rest.last_chunk::<8>()) {
            (Some(first), Some(last)) if rest.len() < 16 => {
                // The first word, then the last (overlapping it).
                let n = crate::reader::first_special(u64::from_le_bytes(*first));
                if n < 8 {
                    n
                } else {
                    rest.len() - 8 + crate::reader::first_special(u64::from_le_bytes(*last))
                }
            }
            (Some(_), _) => crate::reader::plain_len_from(rest, 0),
            (None, _) => crate::reader::plain_len(rest),
        };
        let Some(&b) = bytes.get(i) else {
            break;
        };
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            8 => out.push_str("\\b"),
            12 => out.push_str("\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
        }
        i += 1;
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Builds JSON text.
///
/// Containers are opened and closed with `begin_*` / `end_*`; inside an object each value is
/// preceded by [`key`](Writer::key). Separators (and, with [`Writer::pretty`], newlines and
/// indentation) are written here; the caller only says what comes next.
///
/// ```
/// use courier_json::Writer;
///
/// let mut w = Writer::new();
/// w.begin_object();
/// w.key("id");
/// w.quoted_int(i64::MAX);
/// w.key("tags");
/// w.begin_array();
/// w.string("a\"b");
/// w.f64(f64::NAN);
/// w.end_array();
/// w.end_object();
/// assert_eq!(w.as_str(), r#"{"id":"9223372036854775807","tags":["a\"b","NaN"]}"#);
/// ```
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
    /// Whether the innermost container already has a member.
    pending: bool,
    /// Nesting of open containers.
    depth: usize,
    /// Spaces per level, for indented output.
    indent: Option<usize>,
    /// A key was just written: the value follows it directly.
    after_key: bool,
}

impl Writer {
    /// A writer of compact JSON.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// A writer of compact JSON with room for `n` bytes.
    pub fn with_capacity(n: usize) -> Writer {
        Writer {
            out: String::with_capacity(n),
            ..Writer::default()
        }
    }

    /// A writer of indented JSON (`indent` spaces per level, `": "` after keys).
    pub fn pretty(indent: usize) -> Writer {
        Writer {
            indent: Some(indent),
            ..Writer::default()
        }
    }

    /// The text so far.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// The text.
    pub fn into_string(self) -> String {
        self.out
    }

    /// A newline and the indentation, for indented output (the check inline, the writing not:
    /// compact output, the usual kind, pays one compare).
    #[inline]
    fn newline(&mut self) {
        if let Some(n) = self.indent {
            self.indent_line(n);
        }
    }

    #[inline(never)]
    fn indent_line(&mut self, n: usize) {
        self.out.push('\n');
        for _ in 0..n * self.depth {
            self.out.push(' ');
        }
    }

    /// Before a value: its separator, unless it follows a key.
    #[inline]
    fn value_start(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if self.depth > 0 {
            if self.pending {
                self.out.push(',');
            }
            self.newline();
        }
        self.pending = true;
    }

    /// Opens an object.
    pub fn begin_object(&mut self) {
        self.value_start();
        self.out.push('{');
        self.depth += 1;
        self.pending = false;
    }

    /// Closes an object.
    pub fn end_object(&mut self) {
        self.close('}');
    }

    /// Opens an array.
    pub fn begin_array(&mut self) {
        self.value_start();
        self.out.push('[');
        self.depth += 1;
        self.pending = false;
    }

    /// Closes an array.
    pub fn end_array(&mut self) {
        self.close(']');
    }

    fn close(&mut self, c: char) {
        self.depth = self.depth.saturating_sub(1);
        if self.pending {
            self.newline();
        }
        self.out.push(c);
        self.pending = true;
        self.after_key = false;
    }

    /// Writes an object member's key (escaped) and its colon.
    #[inline]
    pub fn key(&mut self, key: &str) {
        if self.pending {
            self.out.push(',');
        }
        self.newline();
        escape_into(&mut self.out, key);
        self.out.push(':');
        if self.indent.is_some() {
            self.out.push(' ');
        }
        self.pending = true;
        self.after_key = true;
    }

    /// Writes an object member's key that is already a quoted, escaped JSON string
    /// (`"\"fooBar\""`, as generated code holds its field names), and its colon.
    #[inline]
    pub fn escaped_key(&mut self, quoted: &str) {
        if self.pending {
            self.out.push(',');
        }
        self.newline();
        self.out.push_str(quoted);
        self.out.push(':');
        if self.indent.is_some() {
            self.out.push(' ');
        }
        self.pending = true;
        self.after_key = true;
    }

    /// Writes an object member's key that needs no escaping (digits, say), quoted, and its
    /// colon.
    #[inline]
    pub fn plain_key(&mut self, key: &str) {
        if self.pending {
            self.out.push(',');
        }
        self.newline();
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
        if self.indent.is_some() {
            self.out.push(' ');
        }
        self.pending = true;
        self.after_key = true;
    }

    /// A string value whose text `f` appends to the output between the quotes (it must need no
    /// escaping: RFC 3339 times, durations); nothing is written when `f` fails.
    pub fn quoted_with<E>(
        &mut self,
        f: impl FnOnce(&mut String) -> Result<(), E>,
    ) -> Result<(), E> {
        let mark = self.out.len();
        let state = (self.pending, self.after_key);
        self.value_start();
        self.out.push('"');
        if let Err(e) = f(&mut self.out) {
            self.out.truncate(mark);
            (self.pending, self.after_key) = state;
            return Err(e);
        }
        self.out.push('"');
        Ok(())
    }

    /// `null`.
    pub fn null(&mut self) {
        self.value_start();
        self.out.push_str("null");
    }

    /// `true` or `false`.
    pub fn bool(&mut self, v: bool) {
        self.value_start();
        // Each a store of a fixed size (a choice of `&str` is a call to `memcpy`).
        if v {
            self.out.push_str("true");
        } else {
            self.out.push_str("false");
        }
    }

    /// A number (the 32-bit integer kinds).
    #[inline]
    pub fn int(&mut self, v: i64) {
        self.value_start();
        number::write_int(&mut self.out, v);
    }

    /// An unsigned number.
    #[inline]
    pub fn uint(&mut self, v: u64) {
        self.value_start();
        number::write_int(&mut self.out, v);
    }

    /// A quoted decimal (ProtoJSON's 64-bit integers: `"-10"`).
    #[inline]
    pub fn quoted_int(&mut self, v: i64) {
        self.value_start();
        self.out.push('"');
        number::write_int(&mut self.out, v);
        self.out.push('"');
    }

    /// A quoted unsigned decimal.
    #[inline]
    pub fn quoted_uint(&mut self, v: u64) {
        self.value_start();
        self.out.push('"');
        number::write_int(&mut self.out, v);
        self.out.push('"');
    }

    /// A double: the shortest form that reads back exactly, or `"NaN"`, `"Infinity"`,
    /// `"-Infinity"`.
    #[inline]
    pub fn f64(&mut self, v: f64) {
        self.value_start();
        if v.is_finite() {
            number::write_f64(&mut self.out, v);
        } else {
            self.out.push_str(non_finite(v.is_nan(), v < 0.0));
        }
    }

    /// A float: the shortest form that reads back as the same `f32`, or the special strings.
    #[inline]
    pub fn f32(&mut self, v: f32) {
        self.value_start();
        if v.is_finite() {
            number::write_f32(&mut self.out, v);
        } else {
            self.out.push_str(non_finite(v.is_nan(), v < 0.0));
        }
    }

    /// A string (escaped).
    #[inline]
    pub fn string(&mut self, s: &str) {
        self.value_start();
        escape_into(&mut self.out, s);
    }

    /// Bytes as a standard base64 string with padding.
    pub fn base64(&mut self, b: &[u8]) {
        self.value_start();
        self.out.push('"');
        base64::encode_into(&mut self.out, b);
        self.out.push('"');
    }

    /// Text that is already one valid JSON value (the caller's promise).
    pub fn raw(&mut self, json: &str) {
        self.value_start();
        self.out.push_str(json);
    }

    /// Appends to the text being built, without separators: for a value written in pieces
    /// (open with [`raw`](Writer::raw), continue with this).
    pub fn raw_continue(&mut self, json: &str) {
        self.out.push_str(json);
    }
}

fn non_finite(nan: bool, negative: bool) -> &'static str {
    if nan {
        "\"NaN\""
    } else if negative {
        "\"-Infinity\""
    } else {
        "\"Infinity\""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut s = String::new();
        escape_into(&mut s, "a\"\\\n\u{1}\u{1f}é😀\u{7f}");
        assert_eq!(s, "\"a\\\"\\\\\\n\\u0001\\u001fé😀\u{7f}\"");
    }

    /// Escapes one character at a time.
    fn naive(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn escapes_anywhere() {
        // Up to two characters to escape at every pair of places in strings of every length
        // up to 40 (so before, inside and after each word and chunk the scan reads).
        let fill = ['a', 'é', ' ', '\u{7f}', '/'];
        for len in 0..=40 {
            for at in 0..=len {
                for at2 in at..=len {
                    let s: String = (0..len)
                        .map(|i| match i {
                            _ if i == at => '"',
                            _ if i == at2 => '\u{1}',
                            _ => fill[i % fill.len()],
                        })
                        .collect();
                    let mut out = String::new();
                    escape_into(&mut out, &s);
                    assert_eq!(out, naive(&s), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn pretty() {
        let mut w = Writer::pretty(2);
        w.begin_object();
        w.key("a");
        w.begin_array();
        w.int(1);
        w.int(2);
        w.end_array();
        w.key("b");
        w.begin_object();
        w.end_object();
        w.end_object();
        assert_eq!(
            w.as_str(),
            "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}"
        );
    }
}
