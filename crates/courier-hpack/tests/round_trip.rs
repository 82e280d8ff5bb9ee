//! Encoder behaviour and proptest round trips: random header lists through our encoder and
//! decoder, with random table sizes and size changes between blocks.

use courier_hpack::{Decoder, Encoder, FieldRef, HeaderField, Huffman};
use proptest::prelude::*;

fn decode(dec: &mut Decoder, block: &[u8]) -> Vec<HeaderField> {
    dec.decode_to_vec(block).unwrap()
}

#[test]
fn grpc_request_is_small_when_warm() {
    let mut enc = Encoder::default();
    let mut dec = Decoder::default();
    let req = [
        (":method", "POST"),
        (":scheme", "http"),
        (":path", "/helloworld.Greeter/SayHello"),
        (":authority", "localhost:50051"),
        ("content-type", "application/grpc"),
        ("te", "trailers"),
        ("grpc-timeout", "1S"),
        ("user-agent", "grpc-rust-courier/0.1.0"),
    ];
    let mut cold = Vec::new();
    enc.encode(&req, &mut cold);
    let mut req2 = req;
    req2[6].1 = "999m";
    let mut warm = Vec::new();
    enc.encode(&req2, &mut warm);
    // Six one-octet indexes, grpc-timeout by name index (two octets) with a three-octet
    // Huffman literal, then user-agent as an index.
    assert_eq!(
        warm,
        [
            0x83, 0x86, 0xc3, 0xc2, 0xc1, 0xc0, 0x0f, 0x30, 0x83, 0x7d, 0xf7, 0xe9, 0xbe
        ]
    );
    assert_eq!(decode(&mut dec, &cold).len(), 8);
    let got = decode(&mut dec, &warm);
    let want: Vec<HeaderField> = req2.iter().map(|(n, v)| HeaderField::new(*n, *v)).collect();
    assert_eq!(got, want);
}

#[test]
fn sensitive_fields_are_never_indexed() {
    let mut enc = Encoder::default();
    let mut dec = Decoder::default();
    let fields = [
        FieldRef::new(b"authorization", b"Bearer abc"),
        FieldRef::new(b"cookie", b"a=b"),
        FieldRef::new(b"set-cookie", b"short=1"),
        FieldRef::new(b"set-cookie", b"a-long-cookie-value-that-is-not-secret=1"),
        FieldRef::sensitive(b"x-api-key", b"k"),
        FieldRef::new(b"x-plain", b"p"),
    ];
    let mut block = Vec::new();
    enc.encode(fields, &mut block);
    let got = decode(&mut dec, &block);
    let flags: Vec<bool> = got.iter().map(HeaderField::is_never_indexed).collect();
    assert_eq!(flags, [true, true, true, false, true, false]);
    // Only the last two non-sensitive fields were indexed.
    assert_eq!(enc.table_len(), 2);
    assert_eq!(dec.table_len(), 2);
    // A decoded never-indexed field re-encodes never-indexed (an intermediary keeps the flag).
    let mut again = Vec::new();
    enc.encode(&got[4..5], &mut again);
    assert_eq!(again[0] & 0xf0, 0x10);
}

#[test]
fn huffman_only_when_shorter() {
    let mut enc = Encoder::default();
    let mut block = Vec::new();
    // "307" is 3 octets raw and 3 coded: sent raw.
    enc.encode([(":status", "307")], &mut block);
    assert_eq!(block, [0x48, 0x03, b'3', b'0', b'7']);
    block.clear();
    enc.set_huffman(Huffman::Never);
    enc.encode([("x-a", "www.example.com")], &mut block);
    assert_eq!(block[2..5], *b"x-a");
}

#[test]
fn table_size_changes_are_signalled() {
    let mut enc = Encoder::new(4096);
    let mut dec = Decoder::new(4096);
    let mut block = Vec::new();
    enc.encode([("x-a", "1")], &mut block);
    decode(&mut dec, &block);
    // The peer lowers its setting to 0 and raises it to 1024 before the next block: two updates.
    enc.update_max_table_size(0);
    enc.update_max_table_size(1024);
    dec.set_max_table_size(1024);
    assert_eq!(enc.table_len(), 0);
    block.clear();
    enc.encode([("x-a", "1")], &mut block);
    assert_eq!(block[..4], [0x20, 0x3f, 0xe1, 0x07]);
    decode(&mut dec, &block);
    assert_eq!(dec.table_max_size(), 1024);
    assert_eq!(enc.table_len(), 1);
    assert_eq!(dec.table_len(), 1);
    // Our own cap below the peer's setting.
    enc.set_max_table_size(0);
    block.clear();
    enc.encode([("x-a", "1")], &mut block);
    assert_eq!(block[0], 0x20);
    decode(&mut dec, &block);
    assert_eq!(dec.table_len(), 0);
    // No change, no update.
    enc.update_max_table_size(1024);
    block.clear();
    enc.encode([(":method", "GET")], &mut block);
    assert_eq!(block, [0x82]);
}

#[test]
fn bytes_mut_output_matches_vec() {
    let fields = [("a", "b"), (":path", "/x"), ("user-agent", "courier")];
    let mut v = Vec::new();
    Encoder::default().encode(&fields, &mut v);
    let mut b = bytes::BytesMut::new();
    Encoder::default().encode(&fields, &mut b);
    assert_eq!(v, b[..]);
}

#[derive(Debug, Clone)]
enum Op {
    Block(Vec<(Vec<u8>, Vec<u8>, bool)>),
    /// The peer's SETTINGS_HEADER_TABLE_SIZE changes (and is acknowledged).
    Setting(usize),
    /// The encoder's own cap changes.
    Cap(usize),
}

fn name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            ":method",
            ":path",
            ":status",
            "content-type",
            "cookie",
            "set-cookie",
            "authorization",
            "grpc-timeout",
            "x-custom",
            "user-agent",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..12),
    ]
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec!["", "GET", "POST", "/", "200", "application/grpc", "a"])
            .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
        prop::collection::vec(b'a'..=b'f', 0..300),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => prop::collection::vec((name(), value(), any::<bool>()), 0..12).prop_map(Op::Block),
        1 => prop_oneof![Just(0usize), 0..5000usize].prop_map(Op::Setting),
        1 => (0..5000usize).prop_map(Op::Cap),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip(initial in 0..5000usize, ops in prop::collection::vec(op(), 1..20)) {
        let mut enc = Encoder::new(initial);
        let mut dec = Decoder::new(initial);
        for op in ops {
            match op {
                Op::Setting(n) => {
                    enc.update_max_table_size(n);
                    dec.set_max_table_size(n);
                }
                Op::Cap(n) => enc.set_max_table_size(n),
                Op::Block(fields) => {
                    let mut block = Vec::new();
                    enc.encode(
                        fields.iter().map(|(n, v, s)| FieldRef { name: n, value: v, sensitive: *s }),
                        &mut block,
                    );
                    let got = dec.decode_to_vec(&block).unwrap();
                    prop_assert_eq!(got.len(), fields.len());
                    for (g, (n, v, s)) in got.iter().zip(&fields) {
                        prop_assert_eq!(g.name().as_ref(), n.as_slice());
                        prop_assert_eq!(g.value().as_ref(), v.as_slice());
                        if *s {
                            prop_assert!(g.is_never_indexed());
                        }
                    }
                    prop_assert_eq!(dec.table_size(), enc.table_size());
                    prop_assert_eq!(dec.table_len(), enc.table_len());
                    prop_assert!(enc.table_size() <= enc.table_max_size());
                }
            }
        }
    }

    #[test]
    fn decoder_never_panics(block in prop::collection::vec(any::<u8>(), 0..200), table in 0..5000usize) {
        let mut dec = Decoder::new(table);
        dec.set_max_header_list_size(1000);
        let _ = dec.decode(&block, |_| {});
        let _ = dec.decode(&block, |_| {});
    }
}
