//! Feeds arbitrary text to the `.proto` parser. It must never panic or hang, every diagnostic
//! span must lie inside the input, and rendering every diagnostic must work.
#![no_main]

use courier_idl::{SourceFile, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let file = SourceFile::new("fuzz.proto", text.as_ref());
    let parsed = parse(file.text());
    let len = file.text().len() as u32;
    for e in &parsed.errors {
        assert!(e.span().start <= e.span().end && e.span().end <= len, "{e:?}");
        let _ = e.render(&file);
    }
    assert!(parsed.file.span.end <= len);
});
