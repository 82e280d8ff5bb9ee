//! Known-answer byte tests: every wire type, every field kind and shape, merge semantics, unknown
//! fields, and every decode error (with the field path it reports).

use bytes::Bytes;
use courier_wire::testing::{Choice, Nested, TestAll, color};
use courier_wire::{DecodeErrorKind, DecodeOptions, Message, UnknownValue, WireType};

fn h(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

#[track_caller]
fn encodes_to(m: &TestAll, hex: &str) {
    let got = m.encode_to_vec();
    assert_eq!(got, h(hex), "encoding of {m:?}");
    assert_eq!(m.encoded_len(), got.len());
    assert_eq!(&TestAll::decode(&got[..]).unwrap(), m);
    assert_eq!(&TestAll::decode_bytes(Bytes::from(got)).unwrap(), m);
}

fn decode(hex: &str) -> TestAll {
    TestAll::decode(&h(hex)[..]).unwrap()
}

#[track_caller]
fn fails(hex: &str, kind: DecodeErrorKind, display: &str) {
    let err = TestAll::decode(&h(hex)[..]).unwrap_err();
    assert_eq!(err.kind(), kind, "{err}");
    assert_eq!(err.to_string(), display);
    // The same input as `Bytes` fails the same way.
    let err = TestAll::decode_bytes(Bytes::from(h(hex))).unwrap_err();
    assert_eq!(err.kind(), kind);
}

fn all() -> TestAll {
    TestAll::default()
}

#[test]
fn varint_kinds() {
    encodes_to(
        &TestAll {
            f_int32: 150,
            ..all()
        },
        "08 96 01",
    );
    encodes_to(
        &TestAll {
            f_int32: -1,
            ..all()
        },
        "08 ff ff ff ff ff ff ff ff ff 01",
    );
    encodes_to(
        &TestAll {
            f_int32: i32::MIN,
            ..all()
        },
        "08 80 80 80 80 f8 ff ff ff ff 01",
    );
    encodes_to(
        &TestAll {
            f_int64: -2,
            ..all()
        },
        "10 fe ff ff ff ff ff ff ff ff 01",
    );
    encodes_to(
        &TestAll {
            f_int64: i64::MAX,
            ..all()
        },
        "10 ff ff ff ff ff ff ff ff 7f",
    );
    encodes_to(
        &TestAll {
            f_uint32: u32::MAX,
            ..all()
        },
        "18 ff ff ff ff 0f",
    );
    encodes_to(
        &TestAll {
            f_uint64: u64::MAX,
            ..all()
        },
        "20 ff ff ff ff ff ff ff ff ff 01",
    );
    encodes_to(
        &TestAll {
            f_sint32: -1,
            ..all()
        },
        "28 01",
    );
    encodes_to(
        &TestAll {
            f_sint32: 1,
            ..all()
        },
        "28 02",
    );
    encodes_to(
        &TestAll {
            f_sint32: i32::MIN,
            ..all()
        },
        "28 ff ff ff ff 0f",
    );
    encodes_to(
        &TestAll {
            f_sint64: -500,
            ..all()
        },
        "30 e7 07",
    );
    encodes_to(
        &TestAll {
            f_sint64: i64::MIN,
            ..all()
        },
        "30 ff ff ff ff ff ff ff ff ff 01",
    );
    encodes_to(
        &TestAll {
            f_bool: true,
            ..all()
        },
        "68 01",
    );
    encodes_to(
        &TestAll {
            f_enum: color::RED,
            ..all()
        },
        "70 01",
    );
    // Negative enum values are sign-extended like int32: ten bytes.
    encodes_to(
        &TestAll {
            f_enum: color::NEGATIVE,
            ..all()
        },
        "70 fd ff ff ff ff ff ff ff ff 01",
    );
    // Unknown enum values survive.
    encodes_to(
        &TestAll {
            f_enum: 12345,
            ..all()
        },
        "70 b9 60",
    );
}

#[test]
fn varint_decoding_rules() {
    // Any non-zero varint is true.
    assert!(decode("68 02").f_bool);
    assert!(decode("68 80 80 80 80 80 80 80 80 80 01").f_bool);
    assert!(!decode("68 80 00").f_bool);
    // Non-canonical (padded) varints and keys are accepted.
    assert_eq!(decode("88 00 96 81 80 00").f_int32, 150);
    // int32 / uint32 keep the low 32 bits of a wider varint.
    assert_eq!(decode("08 ff ff ff ff 1f").f_int32, -1);
    assert_eq!(decode("18 80 80 80 80 10").f_uint32, 0);
    // A five-byte int32 -1 (as some old encoders wrote) still reads as -1.
    assert_eq!(decode("08 ff ff ff ff 0f").f_int32, -1);
}

#[test]
fn fixed_kinds() {
    encodes_to(
        &TestAll {
            f_fixed32: 1,
            ..all()
        },
        "3d 01 00 00 00",
    );
    encodes_to(
        &TestAll {
            f_fixed64: 0x0102030405060708,
            ..all()
        },
        "41 08 07 06 05 04 03 02 01",
    );
    encodes_to(
        &TestAll {
            f_sfixed32: -1,
            ..all()
        },
        "4d ff ff ff ff",
    );
    encodes_to(
        &TestAll {
            f_sfixed64: -2,
            ..all()
        },
        "51 fe ff ff ff ff ff ff ff",
    );
    encodes_to(
        &TestAll {
            f_float: 1.0,
            ..all()
        },
        "5d 00 00 80 3f",
    );
    encodes_to(
        &TestAll {
            f_double: 1.0,
            ..all()
        },
        "61 00 00 00 00 00 00 f0 3f",
    );
    encodes_to(
        &TestAll {
            f_double: f64::NEG_INFINITY,
            ..all()
        },
        "61 00 00 00 00 00 00 f0 ff",
    );
    // -0.0 is not the default (+0.0): written even with implicit presence.
    encodes_to(
        &TestAll {
            f_float: -0.0,
            ..all()
        },
        "5d 00 00 00 80",
    );
    encodes_to(
        &TestAll {
            f_double: -0.0,
            ..all()
        },
        "61 00 00 00 00 00 00 00 80",
    );
    // NaN payloads survive bit for bit.
    let m = decode("5d 01 00 c0 7f 61 01 00 00 00 00 00 f8 7f");
    assert_eq!(m.f_float.to_bits(), 0x7fc0_0001);
    assert_eq!(m.f_double.to_bits(), 0x7ff8_0000_0000_0001);
    assert_eq!(
        m.encode_to_vec(),
        h("5d 01 00 c0 7f 61 01 00 00 00 00 00 f8 7f")
    );
}

#[test]
fn length_delimited_kinds() {
    // encoding.md: `string b = 2` set to "testing" is `12 07 74 65 73 74 69 6e 67`.
    encodes_to(
        &TestAll {
            f_string: "testing".into(),
            ..all()
        },
        "7a 07 74 65 73 74 69 6e 67",
    );
    encodes_to(
        &TestAll {
            f_string: "é".into(),
            ..all()
        },
        "7a 02 c3 a9",
    );
    encodes_to(
        &TestAll {
            f_bytes: Bytes::from_static(&[1, 2, 3]),
            ..all()
        },
        "82 01 03 01 02 03",
    );
    // encoding.md: an embedded message with a = 150 is `1a 03 08 96 01` (here field 17).
    let nested = Nested {
        a: 150,
        ..Default::default()
    };
    encodes_to(
        &TestAll {
            f_nested: Some(nested),
            ..all()
        },
        "8a 01 03 08 96 01",
    );
    // A present but empty message is written with length 0.
    encodes_to(
        &TestAll {
            f_nested: Some(Nested::default()),
            ..all()
        },
        "8a 01 00",
    );
    encodes_to(
        &TestAll {
            r_string: vec!["a".into(), String::new()],
            ..all()
        },
        "ba 04 01 61 ba 04 00",
    );
    encodes_to(
        &TestAll {
            r_bytes: vec![Bytes::new(), Bytes::from_static(b"\xff")],
            ..all()
        },
        "c2 04 00 c2 04 01 ff",
    );
    encodes_to(
        &TestAll {
            r_nested: vec![
                Nested {
                    a: 1,
                    ..Default::default()
                },
                Nested::default(),
            ],
            ..all()
        },
        "ca 04 02 08 01 ca 04 00",
    );
}

#[test]
fn bytes_are_zero_copy_from_bytes_input() {
    let input = Bytes::from(h("82 01 03 01 02 03 c2 04 02 aa bb"));
    let m = TestAll::decode_bytes(input.clone()).unwrap();
    assert_eq!(m.f_bytes.as_ptr(), input[3..].as_ptr());
    assert_eq!(m.r_bytes[0].as_ptr(), input[9..].as_ptr());
    // Through `impl Buf` on a slice they are copies (but equal).
    let m2 = TestAll::decode(&input[..]).unwrap();
    assert_eq!(m2, m);
    assert_ne!(m2.f_bytes.as_ptr(), input[3..].as_ptr());
}

#[test]
fn presence() {
    // Implicit presence: defaults are not written.
    encodes_to(&all(), "");
    // Explicit presence: a set default is written.
    encodes_to(
        &TestAll {
            o_int32: Some(0),
            ..all()
        },
        "90 01 00",
    );
    encodes_to(
        &TestAll {
            o_string: Some(String::new()),
            ..all()
        },
        "9a 01 00",
    );
    encodes_to(
        &TestAll {
            o_double: Some(0.0),
            ..all()
        },
        "a1 01 00 00 00 00 00 00 00 00",
    );
    encodes_to(
        &TestAll {
            o_enum: Some(0),
            ..all()
        },
        "a8 01 00",
    );
}

#[test]
fn packed_and_expanded() {
    // encoding.md: `repeated int32 e = 5` with 1, 2, 3 packed is `2a 03 01 02 03` (here 31).
    encodes_to(
        &TestAll {
            p_int32: vec![1, 2, 3],
            ..all()
        },
        "fa 01 03 01 02 03",
    );
    encodes_to(
        &TestAll {
            p_int32: vec![-1],
            ..all()
        },
        "fa 01 0a ff ff ff ff ff ff ff ff ff 01",
    );
    encodes_to(
        &TestAll {
            p_sint32: vec![-1, 1],
            ..all()
        },
        "9a 02 02 01 02",
    );
    encodes_to(
        &TestAll {
            p_fixed32: vec![1, 2],
            ..all()
        },
        "aa 02 08 01 00 00 00 02 00 00 00",
    );
    encodes_to(
        &TestAll {
            p_double: vec![1.0],
            ..all()
        },
        "d2 02 08 00 00 00 00 00 00 f0 3f",
    );
    encodes_to(
        &TestAll {
            p_bool: vec![true, false],
            ..all()
        },
        "da 02 02 01 00",
    );
    // Empty packed fields are not written.
    encodes_to(
        &TestAll {
            p_int32: vec![],
            ..all()
        },
        "",
    );
    encodes_to(
        &TestAll {
            u_int32: vec![1, 2],
            ..all()
        },
        "98 03 01 98 03 02",
    );
    encodes_to(
        &TestAll {
            u_fixed64: vec![1],
            ..all()
        },
        "d1 03 01 00 00 00 00 00 00 00",
    );
    encodes_to(
        &TestAll {
            u_float: vec![1.0, 2.0],
            ..all()
        },
        "ed 03 00 00 80 3f ed 03 00 00 00 40",
    );

    // Parsers accept packed for expanded fields and expanded for packed ones, mixed, and
    // concatenate several packed records (encoding.md, Repeated Elements).
    let m = decode("f8 01 01 fa 01 02 02 03 7a 01 68 f8 01 04 fa 01 00");
    assert_eq!(m.p_int32, [1, 2, 3, 4]);
    assert_eq!(m.f_string, "h");
    let m = decode("9a 03 02 05 06 98 03 07");
    assert_eq!(m.u_int32, [5, 6, 7]);
    let m = decode("ad 02 01 00 00 00 aa 02 04 02 00 00 00");
    assert_eq!(m.p_fixed32, [1, 2]);
}

#[test]
fn groups() {
    // Field 90 as a group: 90:SGROUP, a = 2, 90:EGROUP.
    let g = Nested {
        a: 2,
        ..Default::default()
    };
    encodes_to(
        &TestAll {
            g_nested: Some(g.clone()),
            ..all()
        },
        "d3 05 08 02 d4 05",
    );
    encodes_to(
        &TestAll {
            g_nested: Some(Nested::default()),
            ..all()
        },
        "d3 05 d4 05",
    );
    encodes_to(
        &TestAll {
            rg_nested: vec![g.clone(), Nested::default()],
            ..all()
        },
        "db 05 08 02 dc 05 db 05 dc 05",
    );
    // A group nested inside a group's message (through `child`).
    let inner = TestAll {
        g_nested: Some(g),
        ..all()
    };
    let outer = Nested {
        a: 0,
        child: Some(Box::new(inner)),
        ..Default::default()
    };
    encodes_to(
        &TestAll {
            g_nested: Some(outer),
            ..all()
        },
        "d3 05 12 06 d3 05 08 02 d4 05 d4 05",
    );
    // Groups merge like messages.
    assert_eq!(
        decode("d3 05 08 02 d4 05 d3 05 d4 05").g_nested.unwrap().a,
        2
    );
}

#[test]
fn maps() {
    let mut m = all();
    m.m_string_int32.insert("a".into(), 1);
    encodes_to(&m, "8a 05 05 0a 01 61 10 01");
    // Both key and value are written, even when default.
    let mut m = all();
    m.m_string_int32.insert(String::new(), 0);
    encodes_to(&m, "8a 05 04 0a 00 10 00");
    let mut m = all();
    m.m_int32_nested.insert(
        -1,
        Nested {
            a: 3,
            ..Default::default()
        },
    );
    encodes_to(&m, "92 05 0f 08 ff ff ff ff ff ff ff ff ff 01 12 02 08 03");
    let mut m = all();
    m.m_sint64_enum.insert(-1, color::NEGATIVE);
    encodes_to(&m, "a2 05 0d 08 01 10 fd ff ff ff ff ff ff ff ff 01");

    // Missing key or value takes the default.
    let m = decode("8a 05 02 10 07 8a 05 03 0a 01 62 8a 05 00");
    assert_eq!(m.m_string_int32.len(), 2);
    assert_eq!(
        m.m_string_int32[""], 0,
        "the empty entry is last and wins for key \"\""
    );
    assert_eq!(m.m_string_int32["b"], 0);
    // The last duplicate key wins.
    let m = decode("8a 05 05 0a 01 61 10 01 8a 05 05 0a 01 61 10 02");
    assert_eq!(m.m_string_int32["a"], 2);
    // Value before key, and unknown fields inside an entry, are fine.
    let m = decode("8a 05 07 10 09 18 05 0a 01 61");
    assert_eq!(m.m_string_int32["a"], 9);
}

#[test]
fn oneof() {
    encodes_to(
        &TestAll {
            choice: Some(Choice::CUint32(5)),
            ..all()
        },
        "a8 06 05",
    );
    // Set to a default value: still written (oneof members have presence).
    encodes_to(
        &TestAll {
            choice: Some(Choice::CUint32(0)),
            ..all()
        },
        "a8 06 00",
    );
    encodes_to(
        &TestAll {
            choice: Some(Choice::CString("x".into())),
            ..all()
        },
        "b2 06 01 78",
    );
    // Last member wins.
    let m = decode("a8 06 05 b2 06 01 78");
    assert_eq!(m.choice, Some(Choice::CString("x".into())));
    let m = decode("b2 06 01 78 a8 06 05");
    assert_eq!(m.choice, Some(Choice::CUint32(5)));
    // The same message member merges.
    let m = decode("ba 06 02 08 01 ba 06 04 12 02 68 01");
    let Some(Choice::CNested(n)) = m.choice else {
        panic!()
    };
    assert_eq!(n.a, 1);
    assert!(n.child.unwrap().f_bool);
}

#[test]
fn merge_semantics() {
    // Scalars and strings: last one wins.
    assert_eq!(decode("08 01 08 02").f_int32, 2);
    assert_eq!(decode("7a 01 61 7a 01 62").f_string, "b");
    // Repeated: append.
    assert_eq!(decode("ba 04 01 61 ba 04 01 62").r_string, ["a", "b"]);
    // Embedded messages merge field by field.
    let m = decode("8a 01 02 08 01 8a 01 04 12 02 68 01");
    let n = m.f_nested.unwrap();
    assert_eq!(n.a, 1);
    assert!(n.child.unwrap().f_bool);

    // encoding.md, Last One Wins: parsing a concatenation equals merging the parts.
    let a = TestAll {
        f_int32: 1,
        r_string: vec!["x".into()],
        f_nested: Some(Nested {
            a: 1,
            ..Default::default()
        }),
        ..all()
    };
    let b = TestAll {
        f_int32: 2,
        r_string: vec!["y".into()],
        f_nested: Some(Nested {
            child: Some(Box::default()),
            ..Default::default()
        }),
        ..all()
    };
    let mut joined = a.encode_to_vec();
    joined.extend(b.encode_to_vec());
    let mut merged = a.clone();
    merged.merge(&b.encode_to_vec()[..]).unwrap();
    assert_eq!(TestAll::decode(&joined[..]).unwrap(), merged);
    assert_eq!(merged.f_int32, 2);
    assert_eq!(merged.r_string, ["x", "y"]);
    assert_eq!(merged.f_nested.as_ref().unwrap().a, 1);
    assert!(merged.f_nested.as_ref().unwrap().child.is_some());

    let mut c = merged.clone();
    c.clear();
    assert_eq!(c, all());
}

#[test]
fn unknown_fields_are_preserved_byte_exact() {
    // Unknown records of every wire type, interleaved with known ones, one with a padded key,
    // and a group containing a nested group.
    let input = h(concat!(
        "c0 3e 96 01 ",                   // 1000:VARINT 150
        "08 01 ",                         // f_int32 = 1
        "c9 3e 01 02 03 04 05 06 07 08 ", // 1001:I64
        "d2 3e 02 aa bb ",                // 1002:LEN
        "db 3e 08 01 e3 3e e4 3e dc 3e ", // 1003:SGROUP { 1: 1, 1004:SGROUP {} } 1003:EGROUP
        "ed be 00 01 00 00 00 ",          // 1005:I32 with a padded (3-byte) key
    ));
    let m = TestAll::decode(&input[..]).unwrap();
    assert_eq!(m.f_int32, 1);
    let mut expected_unknown = input.clone();
    expected_unknown.drain(4..6);
    assert_eq!(m.unknown_fields.as_bytes(), &expected_unknown[..]);
    // Re-encoded after the known fields, unchanged.
    let mut expected = h("08 01");
    expected.extend(&expected_unknown);
    assert_eq!(m.encode_to_vec(), expected);
    assert_eq!(m.encoded_len(), expected.len());

    let fields: Vec<_> = m
        .unknown_fields
        .iter()
        .map(|f| (f.number(), f.value()))
        .collect();
    assert_eq!(
        fields,
        [
            (1000, UnknownValue::Varint(150)),
            (1001, UnknownValue::I64(0x0807060504030201)),
            (1002, UnknownValue::Len(&[0xaa, 0xbb][..])),
            (1003, UnknownValue::Group(&h("08 01 e3 3e e4 3e")[..])),
            (1005, UnknownValue::I32(1)),
        ]
    );
    // Unknown fields inside nested messages survive too.
    let nested_input = h("8a 01 05 08 01 f8 3e 07");
    let m = TestAll::decode(&nested_input[..]).unwrap();
    assert_eq!(
        m.f_nested.as_ref().unwrap().unknown_fields.as_bytes(),
        h("f8 3e 07")
    );
    assert_eq!(m.encode_to_vec(), nested_input);
}

#[test]
fn length_delimited_framing() {
    let m = TestAll {
        f_int32: 150,
        ..all()
    };
    let framed = m.encode_length_delimited_to_vec();
    assert_eq!(framed, h("03 08 96 01"));
    assert_eq!(TestAll::decode_length_delimited(&framed[..]).unwrap(), m);
    let mut buf = bytes::BytesMut::new();
    m.encode_length_delimited(&mut buf).unwrap();
    assert_eq!(buf[..], framed[..]);
    let mut buf = bytes::BytesMut::new();
    m.encode(&mut buf).unwrap();
    assert_eq!(buf[..], h("08 96 01")[..]);
    // A buffer that is too small is refused before anything is written.
    let mut small = [0u8; 2];
    let mut slice = &mut small[..];
    let err = m.encode(&mut slice).unwrap_err();
    assert_eq!((err.required_capacity(), err.remaining()), (3, 2));
    // Fragmented input is gathered.
    use bytes::Buf;
    let chain = (&framed[..1]).chain(&framed[1..]);
    assert_eq!(TestAll::decode_length_delimited(chain).unwrap(), m);
    let chain = (&framed[1..2]).chain(&framed[2..]);
    assert_eq!(TestAll::decode(chain).unwrap(), m);
}

#[test]
fn errors_of_every_kind() {
    use DecodeErrorKind::*;
    const T: &str = "courier.wire_test.TestAll";
    fails("08", Truncated, &format!("{T}.f_int32: truncated input"));
    fails("08 96", Truncated, &format!("{T}.f_int32: truncated input"));
    fails(
        "3d 01 00",
        Truncated,
        &format!("{T}.f_fixed32: truncated input"),
    );
    fails(
        "41 01 00 00 00 00 00 00",
        Truncated,
        &format!("{T}.f_fixed64: truncated input"),
    );
    fails("96", Truncated, &format!("{T}: truncated input"));
    fails(
        "08 ff ff ff ff ff ff ff ff ff 81 01",
        VarintTooLong,
        &format!("{T}.f_int32: varint longer than 10 bytes"),
    );
    fails(
        "08 ff ff ff ff ff ff ff ff ff 02",
        VarintOverflow,
        &format!("{T}.f_int32: varint overflows 64 bits"),
    );
    // Tags: field number 0, too large, wire types 6 and 7, an overlong key.
    fails("00 00", FieldNumberZero, &format!("{T}: field number 0"));
    fails("02 00", FieldNumberZero, &format!("{T}: field number 0"));
    fails(
        "80 80 80 80 10 00",
        FieldNumberTooLarge,
        &format!("{T}: field number larger than 536870911"),
    );
    fails(
        "0e",
        InvalidWireType(6),
        &format!("{T}: invalid wire type 6"),
    );
    fails(
        "0f 00",
        InvalidWireType(7),
        &format!("{T}: invalid wire type 7"),
    );
    fails(
        "ff ff ff ff ff ff ff ff ff ff 01",
        VarintTooLong,
        &format!("{T}: varint longer than 10 bytes"),
    );
    // Wrong wire type for a known field names it.
    fails(
        "0a 00",
        WrongWireType {
            expected: WireType::Varint,
            found: WireType::Len,
        },
        &format!("{T}.f_int32: wrong wire type LEN (expected VARINT)"),
    );
    fails(
        "7d 00 00 00 00",
        WrongWireType {
            expected: WireType::Len,
            found: WireType::I32,
        },
        &format!("{T}.f_string: wrong wire type I32 (expected LEN)"),
    );
    fails(
        "3a 00",
        WrongWireType {
            expected: WireType::I32,
            found: WireType::Len,
        },
        &format!("{T}.f_fixed32: wrong wire type LEN (expected I32)"),
    );
    fails(
        "f9 01 00 00 00 00 00 00 00 00",
        WrongWireType {
            expected: WireType::Varint,
            found: WireType::I64,
        },
        &format!("{T}.p_int32: wrong wire type I64 (expected VARINT)"),
    );
    fails(
        "d2 05 00",
        WrongWireType {
            expected: WireType::StartGroup,
            found: WireType::Len,
        },
        &format!("{T}.g_nested: wrong wire type LEN (expected SGROUP)"),
    );
    fails(
        "8b 01 8c 01",
        WrongWireType {
            expected: WireType::Len,
            found: WireType::StartGroup,
        },
        &format!("{T}.f_nested: wrong wire type SGROUP (expected LEN)"),
    );
    // Length prefixes beyond the input (checked before allocating), including 2 GiB.
    fails(
        "7a 05 61",
        LengthOutOfBounds,
        &format!("{T}.f_string: length prefix exceeds the remaining input"),
    );
    fails(
        "82 01 ff ff ff ff 07 00",
        LengthOutOfBounds,
        &format!("{T}.f_bytes: length prefix exceeds the remaining input"),
    );
    // A nested message's length bounds its fields: a string running past it fails.
    fails(
        "8a 01 02 12 05 61 61 61 61 61",
        LengthOutOfBounds,
        &format!("{T}.f_nested.child: length prefix exceeds the remaining input"),
    );
    // Reads never run past the end of the enclosing message, even with more input after it.
    let pad = " 08 01 08 01 08 01 08 01 08 01 08 01";
    fails(
        &format!("8a 01 02 08 96 01{pad}"),
        Truncated,
        &format!("{T}.f_nested.a: truncated input"),
    );
    fails(
        &format!("fa 01 01 96 01{pad}"),
        Truncated,
        &format!("{T}.p_int32: truncated input"),
    );
    fails(
        &format!("8a 01 03 3d 01 00 00 00{pad}"),
        Truncated,
        &format!("{T}.f_nested.7: truncated input"),
    );
    fails(
        &format!("8a 01 03 12 05 61 61 61 61 61{pad}"),
        LengthOutOfBounds,
        &format!("{T}.f_nested.child: length prefix exceeds the remaining input"),
    );
    fails(
        &format!("8a 01 01 96 01{pad}"),
        Truncated,
        &format!("{T}.f_nested: truncated input"),
    );
    fails(
        &format!("ba 06 02 08 ff ff ff ff ff ff ff ff ff 01{pad}"),
        Truncated,
        &format!("{T}.c_nested.a: truncated input"),
    );
    fails(
        "7a 01 ff",
        InvalidUtf8,
        &format!("{T}.f_string: invalid UTF-8"),
    );
    fails(
        "ba 04 02 c3 28",
        InvalidUtf8,
        &format!("{T}.r_string: invalid UTF-8"),
    );
    // Errors deep inside name the whole path.
    fails(
        "8a 01 05 12 03 7a 01 ff",
        InvalidUtf8,
        &format!("{T}.f_nested.child.f_string: invalid UTF-8"),
    );
    fails(
        "8a 05 03 0a 01 ff",
        InvalidUtf8,
        &format!("{T}.m_string_int32.key: invalid UTF-8"),
    );
    fails(
        "92 05 04 12 02 08 80",
        Truncated,
        &format!("{T}.m_int32_nested.value.a: truncated input"),
    );
    fails(
        "8a 05 02 12 00",
        WrongWireType {
            expected: WireType::Varint,
            found: WireType::Len,
        },
        &format!("{T}.m_string_int32.value: wrong wire type LEN (expected VARINT)"),
    );
    // Groups.
    fails(
        "d4 05",
        UnexpectedEndGroup,
        &format!("{T}: end-group tag outside a group"),
    );
    fails(
        "d3 05 08 01 cc 05",
        MismatchedEndGroup {
            expected: 90,
            found: 89,
        },
        &format!("{T}.g_nested: end-group tag for field 89 inside group 90"),
    );
    fails(
        "d3 05 08 01",
        UnterminatedGroup,
        &format!("{T}.g_nested: group without end-group tag"),
    );
    fails(
        "c3 3e 08 01",
        UnterminatedGroup,
        &format!("{T}.1000: group without end-group tag"),
    );
    fails(
        "c3 3e c4 3f",
        MismatchedEndGroup {
            expected: 1000,
            found: 1016,
        },
        &format!("{T}.1000: end-group tag for field 1016 inside group 1000"),
    );
    // An end-group tag inside a length-delimited message is out of place there.
    fails(
        "8a 01 02 0c 00",
        UnexpectedEndGroup,
        &format!("{T}.f_nested: end-group tag outside a group"),
    );
    // Packed payloads.
    fails(
        "aa 02 03 01 02 03",
        PackedLengthMismatch,
        &format!("{T}.p_fixed32: packed field length is not a multiple of the element size"),
    );
    fails(
        "fa 01 01 80",
        Truncated,
        &format!("{T}.p_int32: truncated input"),
    );
}

fn nested_depth(levels: usize) -> Vec<u8> {
    // TestAll.f_nested (Nested) .child (TestAll) ... `levels` messages below the top.
    let mut m = TestAll::default();
    for i in 0..levels {
        if i % 2 == 0 {
            m = TestAll {
                f_nested: Some(Nested {
                    a: 0,
                    child: None,
                    ..Default::default()
                }),
                ..all()
            };
        }
    }
    let _ = m;
    let mut bytes: Vec<u8> = Vec::new();
    for i in (0..levels).rev() {
        // Even levels are Nested (field 17 of TestAll), odd levels TestAll (field 2 of Nested).
        let tag: &[u8] = if i % 2 == 0 { &[0x8a, 0x01] } else { &[0x12] };
        let mut next = tag.to_vec();
        courier_wire::varint::encode(bytes.len() as u64, &mut next);
        next.extend(&bytes);
        bytes = next;
    }
    bytes
}

#[test]
fn recursion_limit() {
    assert!(TestAll::decode(&nested_depth(100)[..]).is_ok());
    let err = TestAll::decode(&nested_depth(101)[..]).unwrap_err();
    assert_eq!(err.kind(), DecodeErrorKind::RecursionLimit);
    assert!(
        err.to_string()
            .starts_with("courier.wire_test.TestAll.f_nested.child.f_nested."),
        "{err}"
    );
    let opts = DecodeOptions::new().with_recursion_limit(3);
    assert!(TestAll::decode_with(&nested_depth(3)[..], &opts).is_ok());
    let err = TestAll::decode_with(&nested_depth(4)[..], &opts).unwrap_err();
    assert_eq!(err.kind(), DecodeErrorKind::RecursionLimit);
    assert_eq!(
        err.to_string(),
        "courier.wire_test.TestAll.f_nested.child.f_nested.child: recursion limit exceeded"
    );
    // Groups (known and unknown) count too.
    let opts = DecodeOptions::new().with_recursion_limit(1);
    assert!(TestAll::decode_with(&h("d3 05 d4 05")[..], &opts).is_ok());
    assert!(TestAll::decode_with(&h("c3 3e c4 3e")[..], &opts).is_ok());
    let err = TestAll::decode_with(&h("c3 3e cb 3e cc 3e c4 3e")[..], &opts).unwrap_err();
    assert_eq!(err.kind(), DecodeErrorKind::RecursionLimit);
    let err = TestAll::decode_with(
        &h("d3 05 12 04 d3 05 d4 05 d4 05")[..],
        &DecodeOptions::new().with_recursion_limit(2),
    )
    .unwrap_err();
    assert_eq!(err.kind(), DecodeErrorKind::RecursionLimit);
    // Map entries are messages: one level.
    let opts = DecodeOptions::new().with_recursion_limit(0);
    assert_eq!(
        TestAll::decode_with(&h("8a 05 00")[..], &opts)
            .unwrap_err()
            .kind(),
        DecodeErrorKind::RecursionLimit
    );
}
