//! Snapshot tests: every invalid `.proto` in `tests/data/invalid` is rejected with exactly the
//! errors pinned in its `.err` file (`file:line:col: message`, one per line). One file per error
//! class; the messages follow protoc's wording (the peer test `tests/idl_invalid.rs` checks that
//! protoc rejects the same files with the same first message).
//!
//! After an intended change, regenerate the snapshots with `COURIER_BLESS=1 cargo test -p
//! courier-idl --test errors` and review the diff.

use std::path::Path;

use courier_idl::Compiler;

#[test]
fn every_error_class_is_pinned() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/invalid");
    let bless = std::env::var_os("COURIER_BLESS").is_some();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("invalid corpus")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.ends_with(".proto").then_some(name)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 90, "only {} invalid protos", names.len());
    let mut failures = Vec::new();
    for name in &names {
        let mut c = Compiler::new();
        c.include(&dir);
        let got = match c.compile(&[name]) {
            Ok(_) => "ACCEPTED\n".to_string(),
            Err(e) => e.lines().map(|l| format!("{l}\n")).collect::<String>(),
        };
        let snapshot = dir.join(name.replace(".proto", ".err"));
        if bless {
            std::fs::write(&snapshot, &got).expect("writable snapshot");
            continue;
        }
        let want = std::fs::read_to_string(&snapshot).unwrap_or_default();
        if got != want {
            failures.push(format!("{name}:\n--- want\n{want}--- got\n{got}"));
        }
        assert!(!got.starts_with("ACCEPTED"), "{name} was accepted");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn errors_render_with_snippet_and_caret() {
    let mut c = Compiler::new();
    c.add_file(
        "a.proto",
        "syntax = \"proto3\";\nmessage A {\n  int32 x = 1;\n  int32 y = 1;\n}\n",
    );
    let e = c.compile(&["a.proto"]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a.proto:4:13: Field number 1 has already been used in \"A\" by field \"x\". Next available field number is 2.\n  |\n4 |   int32 y = 1;\n  |             ^"
    );
}
