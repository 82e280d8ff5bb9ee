//! Quick whole-message round trip of the test message.

use courier_wire::Message;
use courier_wire::testing::{Choice, Nested, TestAll};

#[test]
fn test_all_round_trip() {
    let mut m = TestAll {
        f_int32: -1,
        f_string: "héllo".into(),
        f_bytes: bytes::Bytes::from_static(b"\x00\x01"),
        o_int32: Some(0),
        p_sint64: vec![-1, 0, i64::MIN],
        u_double: vec![1.5, -0.0],
        r_string: vec!["a".into(), String::new()],
        g_nested: Some(Nested {
            a: 7,
            ..Default::default()
        }),
        rg_nested: vec![
            Nested::default(),
            Nested {
                a: -2,
                ..Default::default()
            },
        ],
        choice: Some(Choice::CNested(Nested {
            a: 1,
            ..Default::default()
        })),
        ..Default::default()
    };
    m.m_string_int32.insert("k".into(), 5);
    m.m_int32_nested.insert(
        3,
        Nested {
            a: 4,
            child: Some(Box::new(TestAll {
                f_bool: true,
                ..Default::default()
            })),
            ..Default::default()
        },
    );
    let bytes = m.encode_to_bytes();
    assert_eq!(bytes.len(), m.encoded_len());
    let back = TestAll::decode_bytes(bytes.clone()).unwrap();
    assert_eq!(back, m);
    assert_eq!(TestAll::decode(&bytes[..]).unwrap(), m);
}
