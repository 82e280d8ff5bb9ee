//! ProtoJSON known answers: every rule of the mapping, the options, the errors and their paths.

use courier_reflect::json::{ParseOptions, PrintOptions};
use courier_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};

const PROTO: &str = r#"syntax = "proto3";
package t;
import "google/protobuf/any.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/empty.proto";

message All {
  int32 i32 = 1;
  int64 i64 = 2;
  uint32 u32 = 3;
  uint64 u64 = 4;
  sint64 s64 = 5;
  fixed64 f64 = 6;
  float fl = 7;
  double db = 8;
  bool b = 9;
  string s = 10;
  bytes by = 11;
  Color color = 12;
  All child = 13;
  repeated int32 nums = 14;
  map<string, int32> counts = 15;
  map<int64, string> names = 16;
  map<bool, bool> flags = 17;
  oneof choice { string a = 18; int32 b2 = 19; }
  optional int32 opt = 20;
  string snake_case_name = 21;
  string custom = 22 [json_name = "renamed"];
  google.protobuf.Timestamp ts = 30;
  google.protobuf.Duration dur = 31;
  google.protobuf.FieldMask mask = 32;
  google.protobuf.Struct st = 33;
  google.protobuf.Value val = 34;
  google.protobuf.ListValue list = 35;
  google.protobuf.Int64Value w64 = 36;
  google.protobuf.BoolValue wb = 37;
  google.protobuf.Any any = 38;
  google.protobuf.Empty empty = 39;
  google.protobuf.NullValue null = 40;
  repeated google.protobuf.Value vals = 41;
}

enum Color { RED = 0; GREEN = 1; BLUE = 2; }
"#;

const PROTO2: &str = r#"syntax = "proto2";
package t2;
message P {
  optional int32 a = 1;
  optional Closed c = 2;
  extensions 100 to 200;
}
enum Closed { ONE = 1; TWO = 2; }
extend P { optional string ext = 100; repeated int32 rext = 101; }
"#;

fn pool() -> DescriptorPool {
    let mut c = courier_idl::Compiler::new();
    c.add_file("t.proto", PROTO);
    c.add_file("t2.proto", PROTO2);
    let set = c
        .compile(&["t.proto", "t2.proto", "google/protobuf/empty.proto"])
        .unwrap()
        .file_descriptor_set(true);
    DescriptorPool::from_file_descriptor_set(set).unwrap()
}

fn all() -> MessageDescriptor {
    pool().get_message_by_name("t.All").unwrap()
}

/// Parses `json` and prints it back.
fn round(desc: &MessageDescriptor, json: &str) -> String {
    let m = DynamicMessage::from_json(desc.clone(), json).unwrap_or_else(|e| panic!("{json}: {e}"));
    let out = m.to_json().unwrap();
    // And the binary form survives the trip.
    let back = DynamicMessage::from_json(desc.clone(), &out).unwrap();
    assert_eq!(back.encode_to_vec(), m.encode_to_vec(), "{json}");
    out
}

fn parse_err(desc: &MessageDescriptor, json: &str) -> (String, String) {
    let e = DynamicMessage::from_json(desc.clone(), json)
        .map(|m| m.to_json().unwrap())
        .expect_err(json);
    (e.path().to_owned(), e.message().to_owned())
}

#[test]
fn scalars() {
    let d = all();
    assert_eq!(
        round(
            &d,
            r#"{"i32": -5, "i64": "-9223372036854775808", "u32": 4294967295, "u64": "18446744073709551615"}"#
        ),
        r#"{"i32":-5,"i64":"-9223372036854775808","u32":4294967295,"u64":"18446744073709551615"}"#
    );
    // Numbers for 64-bit fields, strings for 32-bit ones, exponents, zero fractions.
    assert_eq!(
        round(
            &d,
            r#"{"i64": 9223372036854775807, "i32": "12", "u32": 1e3, "s64": "-1.0e1", "f64": "100"}"#
        ),
        r#"{"i32":12,"i64":"9223372036854775807","u32":1000,"s64":"-10","f64":"100"}"#
    );
    assert_eq!(
        round(
            &d,
            r#"{"fl": 0.1, "db": 1e300, "b": true, "s": "a\"\u00e9\n", "by": "-_8"}"#
        ),
        r#"{"fl":0.1,"db":1e300,"b":true,"s":"a\"é\n","by":"+/8="}"#
    );
    assert_eq!(
        round(&d, r#"{"fl": "NaN", "db": "-Infinity"}"#),
        r#"{"fl":"NaN","db":"-Infinity"}"#
    );
    // Defaults are left out; -0.0 is not a default.
    assert_eq!(
        round(&d, r#"{"i32": 0, "s": "", "db": -0}"#),
        r#"{"db":-0.0}"#
    );
    for (json, path) in [
        (r#"{"i32": 2147483648}"#, "$.i32"),
        (r#"{"i32": 1.5}"#, "$.i32"),
        (r#"{"u32": -1}"#, "$.u32"),
        (r#"{"i64": "1 "}"#, "$.i64"),
        (r#"{"i64": ""}"#, "$.i64"),
        (r#"{"fl": 3.5e38}"#, "$.fl"),
        (r#"{"db": 1e309}"#, "$.db"),
        (r#"{"b": "true"}"#, "$.b"),
        (r#"{"by": "a b"}"#, "$.by"),
        (r#"{"s": 1}"#, "$.s"),
        (r#"{"nums": [1, null]}"#, "$.nums[1]"),
        (r#"{"child": {"child": {"i32": "x"}}}"#, "$.child.child.i32"),
        (r#"{"counts": {"a": "b"}}"#, "$.counts.a"),
        (r#"{"names": {"x": "y"}}"#, "$.names.x"),
    ] {
        assert_eq!(parse_err(&d, json).0, path, "{json}");
    }
}

#[test]
fn names_enums_oneofs_maps() {
    let d = all();
    assert_eq!(
        round(
            &d,
            r#"{"snake_case_name": "x", "renamed": "y", "color": "BLUE"}"#
        ),
        r#"{"color":"BLUE","snakeCaseName":"x","renamed":"y"}"#
    );
    // Unknown numbers of open enums are kept and printed as numbers; numbers are accepted.
    assert_eq!(round(&d, r#"{"color": 7}"#), r#"{"color":7}"#);
    assert_eq!(round(&d, r#"{"color": 1}"#), r#"{"color":"GREEN"}"#);
    assert!(parse_err(&d, r#"{"color": "PURPLE"}"#).1.contains("PURPLE"));
    let opts = ParseOptions::new().ignore_unknown_fields(true);
    let m = DynamicMessage::from_json_with(
        d.clone(),
        r#"{"color": "PURPLE", "nope": {"x": [1]}, "i32": 1}"#,
        &opts,
    )
    .unwrap();
    assert_eq!(m.to_json().unwrap(), r#"{"i32":1}"#);
    // Oneofs: one member, or null for the others.
    assert_eq!(round(&d, r#"{"a": "x", "b2": null}"#), r#"{"a":"x"}"#);
    assert!(parse_err(&d, r#"{"a": "x", "b2": 1}"#).1.contains("oneof"));
    // The same field twice (also by its other name) is an error.
    assert!(
        parse_err(&d, r#"{"snakeCaseName": "x", "snake_case_name": "y"}"#)
            .1
            .contains("twice")
    );
    // proto3 optional: presence kept.
    assert_eq!(round(&d, r#"{"opt": 0}"#), r#"{"opt":0}"#);
    // Maps with every key kind; keys are strings.
    assert_eq!(
        round(
            &d,
            r#"{"counts": {"b": 2, "a": 1}, "names": {"-5": "m", "7": "s"}, "flags": {"true": false}}"#
        ),
        r#"{"counts":{"a":1,"b":2},"names":{"-5":"m","7":"s"},"flags":{"true":false}}"#
    );
    assert!(
        parse_err(&d, r#"{"flags": {"yes": true}}"#)
            .1
            .contains("map key")
    );
    // null leaves fields unset.
    assert_eq!(
        round(
            &d,
            r#"{"i32": null, "nums": null, "counts": null, "child": null}"#
        ),
        "{}"
    );
}

#[test]
fn options() {
    let d = all();
    let m = DynamicMessage::from_json(d.clone(), r#"{"color": "GREEN", "snake_case_name": "x"}"#)
        .unwrap();
    let opts = PrintOptions::new()
        .proto_field_names(true)
        .enums_as_ints(true);
    assert_eq!(
        m.to_json_with(&opts).unwrap(),
        r#"{"color":1,"snake_case_name":"x"}"#
    );
    let empty = DynamicMessage::new(d.clone());
    let opts = PrintOptions::new().always_print_fields_without_presence(true);
    let out = empty.to_json_with(&opts).unwrap();
    assert!(out.starts_with(r#"{"i32":0,"i64":"0","u32":0,"u64":"0","s64":"0","f64":"0","fl":0,"db":0,"b":false,"s":"","by":"","color":"RED","nums":[],"counts":{}"#), "{out}");
    // Fields with presence stay out.
    assert!(
        !out.contains("\"opt\"") && !out.contains("\"child\"") && !out.contains("\"a\""),
        "{out}"
    );
    let pretty = m
        .to_json_with(&PrintOptions::new().indent(Some(2)))
        .unwrap();
    assert_eq!(
        pretty,
        "{\n  \"color\": \"GREEN\",\n  \"snakeCaseName\": \"x\"\n}"
    );
}

#[test]
fn well_known_types() {
    let d = all();
    assert_eq!(
        round(
            &d,
            r#"{"ts": "1972-01-01T10:00:20.021+01:00", "dur": "-1.5s", "mask": "fooBar,a.bC"}"#
        ),
        r#"{"ts":"1972-01-01T09:00:20.021Z","dur":"-1.500s","mask":"fooBar,a.bC"}"#
    );
    assert_eq!(
        round(
            &d,
            r#"{"st": {"a": [1, "x", null, {"b": false}]}, "val": null, "list": [{}], "w64": "5", "wb": false}"#
        ),
        r#"{"st":{"a":[1,"x",null,{"b":false}]},"val":null,"list":[{}],"w64":"5","wb":false}"#
    );
    // NullValue: null is its (zero) value, which an implicit-presence field does not print.
    assert_eq!(
        round(&d, r#"{"empty": {}, "null": null, "vals": [null, 2]}"#),
        r#"{"empty":{},"vals":[null,2]}"#
    );
    assert_eq!(
        round(
            &d,
            r#"{"any": {"i32": 5, "@type": "type.googleapis.com/t.All"}}"#
        ),
        r#"{"any":{"@type":"type.googleapis.com/t.All","i32":5}}"#
    );
    assert_eq!(
        round(
            &d,
            r#"{"any": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s"}}"#
        ),
        r#"{"any":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1s"}}"#
    );
    assert_eq!(
        round(
            &d,
            r#"{"any": {"@type": "type.googleapis.com/google.protobuf.Empty"}}"#
        ),
        r#"{"any":{"@type":"type.googleapis.com/google.protobuf.Empty"}}"#
    );
    assert_eq!(round(&d, r#"{"any": {}}"#), r#"{"any":{}}"#);
    for (json, path) in [
        (r#"{"ts": "1972-01-01T10:00:20.021z"}"#, "$.ts"),
        (r#"{"ts": "10000-01-01T00:00:00Z"}"#, "$.ts"),
        (r#"{"dur": "315576000001s"}"#, "$.dur"),
        (r#"{"mask": "foo_bar"}"#, "$.mask"),
        (
            r#"{"any": {"@type": "type.googleapis.com/t.Nope"}}"#,
            "$.any",
        ),
        (r#"{"any": {"i32": 1}}"#, "$.any"),
        (
            r#"{"any": {"@type": "type.googleapis.com/t.All", "nope": 1}}"#,
            "$.any.nope",
        ),
        (r#"{"w64": {"value": "5"}}"#, "$.w64"),
        (r#"{"st": [1]}"#, "$.st"),
    ] {
        assert_eq!(parse_err(&d, json).0, path, "{json}");
    }
    // What cannot be printed: an out-of-range timestamp, a non-finite Value number.
    let mut m = DynamicMessage::from_json(d.clone(), r#"{"ts": "9999-12-31T23:59:59Z"}"#).unwrap();
    let ts = d.get_field_by_name("ts").unwrap();
    m.get_field_mut(&ts)
        .as_message_mut()
        .unwrap()
        .set_field_by_name("seconds", courier_reflect::Value::I64(i64::MAX))
        .unwrap();
    assert_eq!(m.to_json().unwrap_err().path(), "$.ts");
}

#[test]
fn proto2_extensions_and_closed_enums() {
    let p = pool().get_message_by_name("t2.P").unwrap();
    assert_eq!(
        round(&p, r#"{"a": 0, "[t2.ext]": "x", "[t2.rext]": [1, 2]}"#),
        r#"{"a":0,"[t2.ext]":"x","[t2.rext]":[1,2]}"#
    );
    assert_eq!(round(&p, r#"{"c": "TWO"}"#), r#"{"c":"TWO"}"#);
    assert!(parse_err(&p, r#"{"c": 5}"#).1.contains("closed"));
    assert!(parse_err(&p, r#"{"[t2.nope]": 1}"#).1.contains("no field"));
}

#[test]
fn limits_and_garbage() {
    let d = all();
    let deep = format!("{}{}", r#"{"child":"#.repeat(200), "}".repeat(200));
    assert!(parse_err(&d, &deep).1.contains("deep"));
    for junk in [
        "",
        "[]",
        "null",
        "{",
        "{\"i32\":1}x",
        "{\"i32\":01}",
        "\u{0}",
    ] {
        assert!(
            DynamicMessage::from_json(d.clone(), junk).is_err(),
            "{junk:?}"
        );
    }
}
