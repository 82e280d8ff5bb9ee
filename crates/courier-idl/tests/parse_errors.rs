//! Every syntax error class, pinned: the message and position must be what protoc 35.1
//! (grpcio-tools 1.85) prints for the same input. The expected lines were produced by running
//! `python -m grpc_tools.protoc` on each source.

use courier_idl::{SourceFile, parse};

/// Parses `src` and checks its errors, as `line:col: message`, against `expected`.
fn case(name: &str, src: &str, expected: &[&str]) {
    let file = SourceFile::new(format!("{name}.proto"), src);
    let got: Vec<String> = parse(src)
        .errors
        .iter()
        .map(|e| {
            let lc = file.line_col(e.span().start);
            format!("{}:{}: {}", lc.line + 1, lc.col + 1, e.message())
        })
        .collect();
    assert_eq!(got, expected, "{name}: {src}");
}

#[test]
fn syntax_errors_match_protoc() {
    case(
        "badedition",
        "edition = \"2022\";\nmessage A {}\n",
        &["1:11: Unknown edition \"2022\"."],
    );
    case(
        "badsyntax",
        "syntax = \"proto4\";\nmessage A {}\n",
        &[
            "1:10: Unrecognized syntax identifier \"proto4\".  This parser only recognizes \"proto2\" and \"proto3\".",
        ],
    );
    case(
        "dotnum",
        "syntax = \"proto3\";\noption (a) = foo.5;\n",
        &[
            "2:17: Need space between identifier and decimal point.",
            "2:17: Expected \";\".",
        ],
    );
    case(
        "emptysyn",
        "syntax = \"\";\n",
        &[
            "1:10: Unrecognized syntax identifier \"\".  This parser only recognizes \"proto2\" and \"proto3\".",
        ],
    );
    case(
        "enumeof",
        "syntax = \"proto2\";\nenum E { A = 0;\n",
        &["3:1: Reached end of input in enum definition (missing '}')."],
    );
    case(
        "enumnoval",
        "syntax = \"proto3\";\nenum E { A; B = x; }\n",
        &[
            "2:11: Missing numeric value for enum constant.",
            "2:17: Expected integer.",
        ],
    );
    case(
        "enumrange",
        "syntax = \"proto3\";\nenum E { A = 2147483648; B = -2147483649; C = -2147483648; }\n",
        &["2:14: Integer out of range.", "2:31: Integer out of range."],
    );
    case(
        "eof",
        "syntax = \"proto3\";\nmessage A { int32 x = 1;\n",
        &["3:1: Reached end of input in message definition (missing '}')."],
    );
    case(
        "extendeof",
        "syntax = \"proto2\";\nextend A { optional int32 x = 1;\n",
        &["3:1: Reached end of input in extend definition (missing '}')."],
    );
    case(
        "extendmap",
        "syntax = \"proto2\";\nextend A { map<string,int32> m = 1; }\n",
        &["2:15: Map fields are not allowed to be extensions."],
    );
    case(
        "extrange",
        "syntax = \"proto2\";\nmessage A { extensions ; extensions 1 to foo; }\n",
        &[
            "2:24: Expected field number range.",
            "2:42: Expected integer.",
        ],
    );
    case(
        "fieldrange",
        "syntax = \"proto3\";\nmessage A { int32 x = 4294967296; int32 y = 2147483648; }\n",
        &["2:23: Integer out of range.", "2:45: Integer out of range."],
    );
    case(
        "groupcase",
        "syntax = \"proto2\";\nmessage A { optional group foo = 1 { } }\n",
        &["2:28: Group names must start with a capital letter."],
    );
    case(
        "groupedition",
        "edition = \"2023\";\nmessage A { group Foo = 1 {} }\n",
        &[
            "2:13: Group syntax is no longer supported in editions. To get group behavior you can specify features.message_encoding = DELIMITED on a message field.",
        ],
    );
    case(
        "groupnobody",
        "syntax = \"proto2\";\nmessage A { optional group Foo = 1; }\n",
        &["2:35: Missing group body."],
    );
    case(
        "importnostr",
        "syntax = \"proto3\";\nimport foo;\n",
        &["2:8: Expected a string naming the file to import."],
    );
    case(
        "mapinoneof",
        "syntax = \"proto3\";\nmessage A { oneof o { map<string,int32> m = 1; } }\n",
        &["2:26: Map fields are not allowed in oneofs."],
    );
    case(
        "maplabel",
        "syntax = \"proto3\";\nmessage A { repeated map<string,int32> m = 1; }\n",
        &["2:25: Field labels (required/optional/repeated) are not allowed on map fields."],
    );
    case(
        "mapmissing",
        "syntax = \"proto3\";\nmessage A { map<string> m = 1; map<string,int32 m2 = 2; }\n",
        &["2:23: Expected \",\".", "2:49: Expected \">\"."],
    );
    case(
        "methodeof",
        "syntax = \"proto2\";\nservice S { rpc M(A) returns (B) {\n",
        &[
            "3:1: Reached end of input in method options (missing '}').",
            "3:1: Reached end of input in service definition (missing '}').",
        ],
    );
    case(
        "missingeq",
        "syntax = \"proto3\";\nmessage A { int32 x 1; string y = ; }\n",
        &[
            "2:21: Missing field number.",
            "2:35: Expected field number.",
        ],
    );
    case(
        "msgtype",
        "syntax = \"proto2\";\nextend int32 { optional int32 x = 1; }\n",
        &["2:8: Expected message type."],
    );
    case(
        "multipkg",
        "syntax = \"proto3\";\npackage a;\npackage b;\n",
        &["3:1: Multiple package definitions."],
    );
    case(
        "negstr",
        "syntax = \"proto3\";\noption java_package = -\"foo\";\n",
        &["2:24: Invalid '-' symbol before string."],
    );
    case(
        "nolabel",
        "syntax = \"proto2\";\nmessage A { int32 x = 1; }\n",
        &["2:13: Expected \"required\", \"optional\", or \"repeated\"."],
    );
    case(
        "noname",
        "syntax = \"proto3\";\nmessage { }\nmessage B { int32 = 1; }\n",
        &["2:9: Expected message name.", "3:19: Expected field name."],
    );
    case(
        "numident",
        "syntax = \"proto3\";\nmessage A { int32 x = 1abc; }\n",
        &[
            "2:24: Need space between number and identifier.",
            "2:24: Expected \";\".",
        ],
    );
    case(
        "oneofeof",
        "syntax = \"proto2\";\nmessage A { oneof x { int32 x = 1;\n",
        &[
            "3:1: Reached end of input in oneof definition (missing '}').",
            "3:1: Reached end of input in message definition (missing '}').",
        ],
    );
    case(
        "oneoflabel",
        "syntax = \"proto3\";\nmessage A { oneof o { optional int32 x = 1; } }\n",
        &["2:23: Fields in oneofs must not have labels (required / optional / repeated)."],
    );
    case(
        "optionstmt",
        "syntax = \"proto3\";\nmessage A { option = 1; option foo 1; }\n",
        &["2:20: Expected identifier.", "2:36: Expected \"=\"."],
    );
    case(
        "optval",
        "syntax = \"proto3\";\noption java_package = ;\n",
        &["2:23: Expected option value."],
    );
    case(
        "reservedbad",
        "syntax = \"proto3\";\nmessage A { reserved ; }\nenum E { reserved ; }\n",
        &[
            "2:22: Expected field name or number range.",
            "3:19: Expected enum value or number range.",
        ],
    );
    case(
        "reservedident",
        "syntax = \"proto3\";\nmessage A { reserved foo; }\n",
        &["2:22: Reserved names must be string literals. (Only editions supports identifiers.)"],
    );
    case(
        "reservedstr",
        "edition = \"2023\";\nmessage A { reserved \"foo\"; }\n",
        &["2:22: Reserved names must be identifiers in editions, not string literals."],
    );
    case(
        "reservedto",
        "syntax = \"proto2\";\nmessage A { reserved 1 to ; }\n",
        &["2:27: Expected integer."],
    );
    case(
        "rpcnoret",
        "syntax = \"proto3\";\nservice S { rpc M (A) (B); }\n",
        &["2:23: Expected \"returns\"."],
    );
    case(
        "rpcscalar",
        "syntax = \"proto3\";\nservice S { rpc M (int32) returns (B); }\n",
        &["2:20: Expected message type."],
    );
    case(
        "svceof",
        "syntax = \"proto2\";\nservice S { rpc M(A) returns (B);\n",
        &["3:1: Reached end of input in service definition (missing '}')."],
    );
    case(
        "svcjunk",
        "syntax = \"proto3\";\nservice S { foo; }\n",
        &["2:13: Expected \"rpc\"."],
    );
    case(
        "syntaxlate",
        "package a;\nsyntax = \"proto3\";\n",
        &["2:1: Expected top-level statement (e.g. \"message\")."],
    );
    case(
        "toplevel",
        "syntax = \"proto3\";\nfoo bar;\nmessage A {}\n",
        &["2:1: Expected top-level statement (e.g. \"message\")."],
    );
    case(
        "unmatched",
        "syntax = \"proto3\";\n}\nmessage A {}\n",
        &[
            "2:1: Expected top-level statement (e.g. \"message\").",
            "2:1: Unmatched \"}\".",
        ],
    );
}

#[test]
fn deep_nesting_is_bounded() {
    let mut src = String::from("syntax = \"proto3\";\n");
    for i in 0..40 {
        src.push_str(&format!("message M{i} {{ "));
    }
    for _ in 0..40 {
        src.push_str("} ");
    }
    let parsed = parse(&src);
    let msgs: Vec<&str> = parsed.errors.iter().map(|e| e.message()).collect();
    assert_eq!(
        msgs,
        ["Reached maximum recursion limit for nested messages."]
    );
    // protoc stops at the 32nd nested message: the error is on its `message` keyword.
    let at = parsed.errors[0].span().start as usize;
    assert!(
        src[at..].starts_with("message M31 "),
        "{}",
        &src[at..at + 12]
    );
}

#[test]
fn negative_identifier_must_be_inf_or_nan() {
    // protoc reports this after the identifier; we point at the identifier itself.
    let parsed = parse("syntax = \"proto3\";\noption java_package = -foo;\n");
    let msgs: Vec<&str> = parsed.errors.iter().map(|e| e.message()).collect();
    assert_eq!(msgs, ["Identifier after '-' symbol must be inf or nan."]);
    assert!(
        parse("syntax = \"proto3\";\noption (a) = -inf;\noption (b) = -nan;\n")
            .errors
            .is_empty()
    );
}

#[test]
fn missing_syntax_defaults_to_proto2() {
    let parsed = parse("message A { optional int32 x = 1; }\n");
    assert!(parsed.errors.is_empty());
    assert!(parsed.file.syntax.is_none());
    assert!(!parse("message A { int32 x = 1; }\n").errors.is_empty());
}
