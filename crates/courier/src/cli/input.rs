//! Request data: `-d JSON`, `-d @file`, `-d @-` (standard input), read as a sequence of JSON
//! values and parsed against the request type, with errors that point into the input.

use std::io::Read as _;
use std::path::PathBuf;

use bytes::Bytes;
use courier_reflect::json::ParseOptions;
use courier_reflect::{DynamicMessage, MessageDescriptor};
use tokio::sync::mpsc;

use super::error::{CliError, Result};
use super::jsonseq::{DEFAULT_MAX_VALUE, Item, SplitError, Splitter};

/// Where `-d` reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Data {
    /// No `-d`.
    None,
    /// JSON on the command line.
    Inline(String),
    /// `@file`.
    File(PathBuf),
    /// `@-`.
    Stdin,
}

impl Data {
    /// Parses the value of `-d`.
    pub(crate) fn parse(arg: Option<&str>) -> Data {
        match arg {
            None => Data::None,
            Some("@-") => Data::Stdin,
            Some(s) => match s.strip_prefix('@') {
                Some(path) => Data::File(PathBuf::from(path)),
                None => Data::Inline(s.to_owned()),
            },
        }
    }

    /// For messages: where the input is.
    fn name(&self) -> String {
        match self {
            Data::None => "no input".into(),
            Data::Inline(_) => "-d".into(),
            Data::File(p) => p.display().to_string(),
            Data::Stdin => "standard input".into(),
        }
    }

    /// Reads every value at once (files, standard input to its end, inline JSON).
    pub(crate) fn read_all(&self) -> Result<Vec<Item>> {
        let text: Vec<u8> = match self {
            Data::None => return Ok(Vec::new()),
            Data::Inline(s) => s.as_bytes().to_vec(),
            Data::File(p) => {
                std::fs::read(p).map_err(|e| CliError::new(format!("-d @{}: {e}", p.display())))?
            }
            Data::Stdin => {
                if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                    eprintln!(
                        "{}",
                        super::style::Style::Dim.err(
                            "reading the request from standard input as JSON; end it with Ctrl-D"
                        )
                    );
                }
                let mut v = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut v)
                    .map_err(|e| CliError::new(format!("reading standard input: {e}")))?;
                v
            }
        };
        let mut s = Splitter::new(DEFAULT_MAX_VALUE);
        let mut items = s.push(&text).map_err(|e| self.split_error(e))?;
        items.extend(s.finish().map_err(|e| self.split_error(e))?);
        Ok(items)
    }

    fn split_error(&self, e: SplitError) -> CliError {
        CliError::new(format!(
            "the request data ({}) at line {}, column {}: {}",
            self.name(),
            e.line,
            e.column,
            e.message
        ))
        .hint("the data is JSON objects, one per request message, one after another")
    }

    /// Streams the values as they are read, parsed and encoded, on a thread of its own (so
    /// that an interactive session sends each message as soon as it is complete). The
    /// channel carries each encoded message, or the error that ends the input.
    pub(crate) fn stream(
        self,
        desc: MessageDescriptor,
        opts: ParseOptions,
    ) -> mpsc::Receiver<std::result::Result<Bytes, CliError>> {
        let (tx, rx) = mpsc::channel(16);
        std::thread::spawn(move || {
            let send = |item: std::result::Result<Bytes, CliError>| tx.blocking_send(item).is_ok();
            let encode =
                |item: &Item| parse_item(&desc, item, &opts, &self).map(|m| m.encode_to_bytes());
            let mut reader: Box<dyn std::io::Read> = match &self {
                Data::None => return,
                Data::Inline(s) => Box::new(std::io::Cursor::new(s.clone().into_bytes())),
                Data::File(p) => match std::fs::File::open(p) {
                    Ok(f) => Box::new(f),
                    Err(e) => {
                        send(Err(CliError::new(format!("-d @{}: {e}", p.display()))));
                        return;
                    }
                },
                Data::Stdin => {
                    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                        eprintln!(
                            "{}",
                            super::style::Style::Dim.err(
                                "type each request as a JSON object: it is sent when its closing \
                                 brace is typed; end the requests with Ctrl-D"
                            )
                        );
                    }
                    Box::new(std::io::stdin())
                }
            };
            let mut splitter = Splitter::new(DEFAULT_MAX_VALUE);
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        send(Err(CliError::new(format!("reading {}: {e}", self.name()))));
                        return;
                    }
                };
                match splitter.push(&buf[..n]) {
                    Ok(items) => {
                        for item in &items {
                            let ok = encode(item);
                            let failed = ok.is_err();
                            if !send(ok) || failed {
                                return;
                            }
                        }
                    }
                    Err(e) => {
                        send(Err(self.split_error(e)));
                        return;
                    }
                }
            }
            match splitter.finish() {
                Ok(Some(item)) => {
                    send(encode(&item));
                }
                Ok(None) => {}
                Err(e) => {
                    send(Err(self.split_error(e)));
                }
            }
        });
        rx
    }
}

/// Parses one value as a `desc` message; the error points at the line and column of the
/// input, shows the line, and lists the fields when a name is unknown.
pub(crate) fn parse_item(
    desc: &MessageDescriptor,
    item: &Item,
    opts: &ParseOptions,
    data: &Data,
) -> Result<DynamicMessage> {
    DynamicMessage::from_json_with(desc.clone(), &item.text, opts).map_err(|e| {
        let offset = token_start(&item.text, e.offset());
        let (line, column) = item.position(offset);
        let mut err = CliError::new(format!(
            "request {} is not a valid {}: {}: {} (line {line}, column {column} of {})",
            item.index + 1,
            desc.full_name(),
            e.path(),
            e.message(),
            data.name()
        ));
        if let Some(snippet) = snippet(item, offset) {
            err = err.hint(snippet);
        }
        if e.message().contains("has no field named") {
            // The message named in the error (a nested one, maybe).
            let owner = e
                .message()
                .split(" has no field named")
                .next()
                .and_then(|n| desc.parent_pool().get_message_by_name(n))
                .unwrap_or_else(|| desc.clone());
            let fields: Vec<String> = owner
                .fields()
                .map(|f| {
                    if f.json_name() == f.name() {
                        f.name().to_owned()
                    } else {
                        format!("{} (or {})", f.json_name(), f.name())
                    }
                })
                .collect();
            err = err.hint(format!(
                "the fields of {} are: {}; --allow-unknown-fields skips names it does not know",
                owner.full_name(),
                if fields.is_empty() {
                    "none".into()
                } else {
                    fields.join(", ")
                }
            ));
        }
        err.hint(format!(
            "`courier describe ADDR {} --template` prints a request to start from",
            desc.full_name()
        ))
    })
}

/// The start of the token that ends at `offset` (the reader reports an error after the value
/// it read): a string back to its opening quote, a number or literal back to its first
/// character; `offset` itself otherwise.
fn token_start(text: &str, offset: usize) -> usize {
    let b = text.as_bytes();
    let offset = offset.min(b.len());
    if offset == 0 {
        return 0;
    }
    let last = b[offset - 1];
    if last == b'"' && offset >= 2 {
        let mut i = offset - 2;
        loop {
            if b[i] == b'"' {
                // An escaped quote has an odd number of backslashes before it.
                let slashes = b[..i].iter().rev().take_while(|&&c| c == b'\\').count();
                if slashes % 2 == 0 {
                    return i;
                }
            }
            if i == 0 {
                return offset;
            }
            i -= 1;
        }
    }
    if last.is_ascii_alphanumeric() || matches!(last, b'.' | b'+' | b'-') {
        let mut i = offset;
        while i > 0 && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'.' | b'+' | b'-'))
        {
            i -= 1;
        }
        return i;
    }
    offset
}

/// The line of `item` holding byte `offset`, and a caret under it.
fn snippet(item: &Item, offset: usize) -> Option<String> {
    let text = &item.text;
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[start..end];
    if line.chars().count() > 200 {
        return None;
    }
    // The value's first line starts at its own column in the input.
    let lead = if start == 0 { item.column - 1 } else { 0 };
    let caret = lead + text[start..offset].chars().count();
    Some(format!(
        "{}{line}\n{}^",
        " ".repeat(lead),
        " ".repeat(caret)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use courier_reflect::DescriptorPool;

    fn desc() -> MessageDescriptor {
        let mut c = courier_idl::Compiler::new();
        c.add_file(
            "t.proto",
            "syntax = \"proto3\";\npackage p;\nmessage Point { int32 latitude = 1; int32 long_itude = 2; Point inner = 3; }\n",
        );
        DescriptorPool::from_file_descriptor_set(
            c.compile(&["t.proto"]).unwrap().file_descriptor_set(true),
        )
        .unwrap()
        .get_message_by_name("p.Point")
        .unwrap()
    }

    #[test]
    fn data_forms() {
        assert_eq!(Data::parse(None), Data::None);
        assert_eq!(Data::parse(Some("@-")), Data::Stdin);
        assert_eq!(Data::parse(Some("@a.json")), Data::File("a.json".into()));
        assert_eq!(Data::parse(Some("{}")), Data::Inline("{}".into()));
        let items = Data::Inline("{} {\"latitude\": 1}".into())
            .read_all()
            .unwrap();
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn errors_point_into_the_input() {
        let d = Data::Inline("{\"latitude\": 1}\n{\"inner\": {\"latitude\": \"x\"}}".into());
        let items = d.read_all().unwrap();
        parse_item(&desc(), &items[0], &ParseOptions::new(), &d).unwrap();
        let e = parse_item(&desc(), &items[1], &ParseOptions::new(), &d)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("request 2 is not a valid p.Point: $.inner.latitude:"),
            "{e}"
        );
        assert!(e.contains("(line 2, column 24 of -d)"), "{e}");
        assert!(
            e.contains("{\"inner\": {\"latitude\": \"x\"}}\n                       ^"),
            "{e}"
        );

        let d = Data::Inline("  {\"inner\": {\"lat\": 1}}".into());
        let items = d.read_all().unwrap();
        let e = parse_item(&desc(), &items[0], &ParseOptions::new(), &d)
            .unwrap_err()
            .to_string();
        assert!(e.contains("$.inner.lat"), "{e}");
        assert!(
            e.contains("the fields of p.Point are: latitude, longItude (or long_itude), inner"),
            "{e}"
        );
        assert!(e.contains("  {\"inner\": {\"lat\": 1}}\n"), "{e}");
        let lenient = ParseOptions::new().ignore_unknown_fields(true);
        parse_item(&desc(), &items[0], &lenient, &d).unwrap();
    }

    #[test]
    fn tokens() {
        assert_eq!(token_start(r#"{"a": "x"}"#, 9), 6);
        assert_eq!(token_start(r#"{"a": "x\"y"}"#, 12), 6);
        assert_eq!(token_start(r#"{"a": 12.5}"#, 10), 6);
        assert_eq!(token_start(r#"{"a": null}"#, 10), 6);
        assert_eq!(token_start(r#"{"a": {}}"#, 8), 8);
        assert_eq!(token_start("", 0), 0);
    }

    #[tokio::test]
    async fn streams_values_as_they_are_read() {
        let d = Data::Inline("{\"latitude\": 1} {\"latitude\": 2} {\"nope\": 3} {}".into());
        let mut rx = d.stream(desc(), ParseOptions::new());
        assert!(rx.recv().await.unwrap().is_ok());
        assert!(rx.recv().await.unwrap().is_ok());
        let e = rx.recv().await.unwrap().unwrap_err();
        assert!(e.message().starts_with("request 3"), "{e}");
        assert!(
            rx.recv().await.is_none(),
            "the input ends at its first error"
        );
    }
}
