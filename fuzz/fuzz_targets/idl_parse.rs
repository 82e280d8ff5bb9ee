//! Feeds arbitrary text to the `.proto` parser, then to the whole compiler (linker, option
//! interpretation, validation, source info). Nothing may panic or hang, every parse diagnostic
//! span must lie inside the input, and rendering every diagnostic must work.
#![no_main]

use courier_idl::{Compiler, SourceFile, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let file = SourceFile::new("fuzz.proto", text.as_ref());
    let parsed = parse(file.text());
    let len = file.text().len() as u32;
    for e in &parsed.errors {
        assert!(
            e.span().start <= e.span().end && e.span().end <= len,
            "{e:?}"
        );
        let _ = e.render(&file);
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
