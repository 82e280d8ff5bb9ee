//! Text format known answers: printing, the grammar's corners, groups, extensions, `Any`,
//! errors with their positions.

use courier_reflect::text::{ParseOptions, PrintOptions};
use courier_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};

const PROTO2: &str = r#"syntax = "proto2";
package t;
import "google/protobuf/any.proto";
message M {
  optional int32 i32 = 1;
  optional uint64 u64 = 2;
  optional float fl = 3;
  optional double db = 4;
  optional bool b = 5;
  optional string s = 6;
  optional bytes by = 7;
  optional Color color = 8;
  repeated int32 nums = 9;
  map<string, M> kids = 10;
  optional group Data = 11 { optional int32 x = 12; }
  optional google.protobuf.Any any = 13;
  oneof o { string oa = 14; int32 ob = 15; }
  optional M child = 16;
  optional sint64 s64 = 17;
  extensions 100 to 200;
  reserved "gone";
}
enum Color { RED = 1; GREEN = 2; }
extend M { optional string note = 100; repeated M more = 101; }
"#;

fn desc() -> MessageDescriptor {
    let mut c = courier_idl::Compiler::new();
    c.add_file("t.proto", PROTO2);
    let set = c.compile(&["t.proto"]).unwrap().file_descriptor_set(true);
    DescriptorPool::from_file_descriptor_set(set)
        .unwrap()
        .get_message_by_name("t.M")
        .unwrap()
}

/// Parses, prints, and checks the print parses back to the same message.
fn round(d: &MessageDescriptor, text: &str) -> String {
    let m = DynamicMessage::from_text(d.clone(), text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let out = m.to_text();
    let back = DynamicMessage::from_text(d.clone(), &out).unwrap_or_else(|e| panic!("{out}: {e}"));
    assert_eq!(back.encode_to_vec(), m.encode_to_vec(), "{text}");
    out
}

fn err(d: &MessageDescriptor, text: &str) -> String {
    DynamicMessage::from_text(d.clone(), text)
        .expect_err(text)
        .to_string()
}

#[test]
fn scalars_and_numbers() {
    let d = desc();
    assert_eq!(
        round(
            &d,
            "i32: -0x7fffffff u64: 0xFFFFFFFFFFFFFFFF fl: 1.5f db: -inf b: t s64: -017"
        ),
        "i32: -2147483647\nu64: 18446744073709551615\nfl: 1.5\ndb: -inf\nb: true\ns64: -15\n"
    );
    assert_eq!(
        round(&d, "fl: 10 db: .5e1 b: 0x0"),
        "fl: 10\ndb: 5\nb: false\n"
    );
    assert_eq!(round(&d, "fl: 1e39 db: NaN"), "fl: inf\ndb: nan\n");
    assert_eq!(round(&d, "color: GREEN"), "color: GREEN\n");
    assert_eq!(round(&d, "color: 1"), "color: RED\n");
    for (text, what) in [
        ("i32: 2147483648", "out of range"),
        ("u64: -0", "negative"),
        ("fl: 0x10", "expected a number"),
        ("i32: 1.5", "expected an integer"),
        ("color: 3", "closed enum"),
        ("color: BLUE", "no value named"),
        ("b: 2", "true or false"),
        ("i32 1", "expected ':'"),
        ("i32: 10abc", "followed directly"),
        ("nope: 1", "no field named"),
        ("i32: 1 i32: 2", "more than once"),
        ("oa: 'x' ob: 1", "oneof"),
        ("i32: [1]", "not repeated"),
        ("child { i32: 1", "end of input"),
    ] {
        let e = err(&d, text);
        assert!(e.contains(what), "{text}: {e}");
    }
    let e = err(&d, "i32: 1\n  s: \"a\n\"");
    assert!(e.starts_with("2:8: a string cannot span lines"), "{e}");
}

#[test]
fn strings_and_bytes() {
    let d = desc();
    assert_eq!(
        round(
            &d,
            r#"s: "a\"b" 'c\'d' "\u00e9\U0001F600" by: "\0\001\x7f\xff\n""#
        ),
        "s: \"a\\\"bc\\'dé😀\"\nby: \"\\000\\001\\177\\377\\n\"\n"
    );
    assert!(err(&d, r#"s: "\xff""#).contains("UTF-8"));
    assert!(err(&d, r#"s: "\ud800""#).contains("surrogate"));
}

#[test]
fn repeated_maps_groups_messages() {
    let d = desc();
    assert_eq!(
        round(
            &d,
            "nums: [1, 2] nums: 3; nums: [] child < i32: 1 >, Data { x: 5 }"
        ),
        "nums: 1\nnums: 2\nnums: 3\nData {\n  x: 5\n}\nchild {\n  i32: 1\n}\n"
    );
    // The group's field name works too.
    assert_eq!(round(&d, "data: { x: 5 }"), "Data {\n  x: 5\n}\n");
    // Map entries, in any order, printed sorted by key; the last duplicate wins.
    assert_eq!(
        round(
            &d,
            "kids { key: 'b' value { i32: 1 } } kids [{ key: 'a' }, { key: 'b' value { i32: 2 } }]"
        ),
        "kids {\n  key: \"a\"\n  value {\n  }\n}\nkids {\n  key: \"b\"\n  value {\n    i32: 2\n  }\n}\n"
    );
    // Reserved names are skipped, whatever their value.
    assert_eq!(
        round(
            &d,
            "gone: 1 gone { a: [1, 2] b < c: 'x' > } gone: [1, 2] i32: 4"
        ),
        "i32: 4\n"
    );
    let opts = ParseOptions::new().allow_unknown_fields(true);
    let m = DynamicMessage::from_text_with(d.clone(), "what { ever: 1 } i32: 4", &opts).unwrap();
    assert_eq!(m.to_text(), "i32: 4\n");
}

#[test]
fn extensions_and_any() {
    let d = desc();
    assert_eq!(
        round(
            &d,
            "[t.note]: 'n' [ t . more ] { i32: 1 } [t.more] { i32: 2 }"
        ),
        "[t.note]: \"n\"\n[t.more] {\n  i32: 1\n}\n[t.more] {\n  i32: 2\n}\n"
    );
    assert_eq!(
        round(
            &d,
            "any { [type.googleapis.com/t.M] { i32: 7 Data { x: 1 } } }"
        ),
        "any {\n  [type.googleapis.com/t.M] {\n    i32: 7\n    Data {\n      x: 1\n    }\n  }\n}\n"
    );
    // Without expansion: the raw fields.
    let m = DynamicMessage::from_text(d.clone(), "any { [type.googleapis.com/t.M] { i32: 7 } }")
        .unwrap();
    assert_eq!(
        m.to_text_with(&PrintOptions::new().expand_any(false)),
        "any {\n  type_url: \"type.googleapis.com/t.M\"\n  value: \"\\010\\007\"\n}\n"
    );
    assert!(err(&d, "[t.nope]: 1").contains("no extension"));
    // Parts of a bracketed name may be spaced, but must still make one name (found by fuzzing:
    // `a 1` joined as `a1` printed text that did not read back).
    assert_eq!(
        round(&d, "any { [type . googleapis.com / t . M] { i32: 7 } }"),
        "any {\n  [type.googleapis.com/t.M] {\n    i32: 7\n  }\n}\n"
    );
    for bad in [
        "any { [type/a 1 c/t.M] {} }",
        "any { [x/t.1M] {} }",
        "any { [x/t. 5] {} }",
        "[t .note ext]: 'x'",
    ] {
        err(&d, bad);
    }
    assert!(err(&d, "any { [type.googleapis.com/t.Nope] {} }").contains("cannot resolve"));
    assert!(err(&d, "child { [type.googleapis.com/t.M] {} }").contains("Any"));
}

#[test]
fn single_line_unknown_fields_and_limits() {
    let d = desc();
    let mut m = DynamicMessage::from_text(d.clone(), "i32: 1 child { b: true }").unwrap();
    assert_eq!(m.to_string(), "i32: 1 child { b: true }");
    assert_eq!(format!("{m:#}"), "i32: 1\nchild {\n  b: true\n}\n");
    // 900: varint 5; 901: fixed32; 902: a nested record; 903: bytes that are not records.
    m.unknown_fields_mut()
        .push_raw(b"\xa0\x38\x05\xad\x38\x01\x00\x00\x00\xb2\x38\x02\x08\x01\xba\x38\x01\xff")
        .unwrap();
    let opts = PrintOptions::new()
        .single_line(true)
        .print_unknown_fields(true);
    assert_eq!(
        m.to_text_with(&opts),
        "i32: 1 child { b: true } 900: 5 901: 0x00000001 902 { 1: 1 } 903: \"\\377\""
    );
    let opts = ParseOptions::new().max_len(4);
    let e = DynamicMessage::from_text_with(d.clone(), "i32: 12345", &opts).unwrap_err();
    assert!(e.message().contains("limit"), "{e}");
    let deep = format!("{}{}", "child { ".repeat(200), "}".repeat(200));
    assert!(err(&d, &deep).contains("deeply"));
    for junk in ["{", "}", "i32:", "[", "child {{", "\u{0}", "i32: 1 ]"] {
        assert!(
            DynamicMessage::from_text(d.clone(), junk).is_err(),
            "{junk:?}"
        );
    }
}
