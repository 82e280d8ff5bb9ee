//! Feeds arbitrary text to the `.proto` parser, then to the whole compiler (linker, option
//! interpretation, validation, source info). Nothing may panic or hang, every parse diagnostic
//! span must lie inside the input, and rendering diagnostics must work.
//!
//! Only the first few diagnostics and the last are rendered: rendering one costs the length of
//! its line, and mutated inputs are often one long line with hundreds of errors, which made
//! rendering most of each execution (a third of the executions a second).
#![no_main]

use courier_idl::{Compiler, SourceFile, parse};
use libfuzzer_sys::fuzz_target;

/// How many of an input's diagnostics are rendered, besides its last.
const RENDERED: usize = 8;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let file = SourceFile::new("fuzz.proto", text.as_ref());
    let parsed = parse(file.text());
    let len = file.text().len() as u32;
    for (i, e) in parsed.errors.iter().enumerate() {
        assert!(
            e.span().start <= e.span().end && e.span().end <= len,
            "{e:?}"
        );
        if i < RENDERED || i + 1 == parsed.errors.len() {
            let _ = e.render(&file);
        }
    }
    assert!(parsed.file.span.end <= len);
    if parsed.errors.is_empty() {
        let mut c = Compiler::new();
        c.add_file("fuzz.proto", text.as_ref())
            .include_source_info(true);
        match c.compile(&["fuzz.proto"]) {
            Ok(out) => {
                let _ = out.file_descriptor_set(true);
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
