//! courier-reflect's dynamic messages against courier-codegen's generated code, on the
//! conformance test messages: the same bytes out for the same content, and the same verdict on
//! the same (possibly corrupted) input.
//!
//! Messages are random (a descriptor-driven generator, `courier_tests::reflect::Gen`, seeded by
//! proptest), with unknown fields and extensions. For each: the dynamic encoding decodes with
//! the generated type and re-encodes to the same bytes (when no map has two entries and no
//! extension is set: generated maps are `HashMap`s and generated code keeps extensions among
//! its unknown fields, written last — there the bytes are compared after decoding back), and
//! corrupting the encoding makes both decoders fail or both succeed with the same content.

use courier_reflect::{DescriptorPool, DynamicMessage};
use courier_tests::reflect::{
    Gen, TEST_MESSAGES, conformance_pool, generated_round_trip, order_may_differ,
};
use proptest::prelude::*;

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod generated {
    include!("conformance/generated/mod.rs");
}

use generated::protobuf_test_messages as tm;

/// The generated type named `name`: decode, re-encode.
fn generated(name: &str) -> fn(&[u8]) -> Result<Vec<u8>, String> {
    match name {
        "protobuf_test_messages.proto3.TestAllTypesProto3" => {
            generated_round_trip::<tm::proto3::TestAllTypesProto3>
        }
        "protobuf_test_messages.proto2.TestAllTypesProto2" => {
            generated_round_trip::<tm::proto2::TestAllTypesProto2>
        }
        "protobuf_test_messages.editions.TestAllTypesEdition2023" => {
            generated_round_trip::<tm::editions::TestAllTypesEdition2023>
        }
        "protobuf_test_messages.editions.proto2.TestAllTypesProto2" => {
            generated_round_trip::<tm::editions::proto2::TestAllTypesProto2>
        }
        "protobuf_test_messages.editions.proto3.TestAllTypesProto3" => {
            generated_round_trip::<tm::editions::proto3::TestAllTypesProto3>
        }
        other => panic!("no generated type for {other}"),
    }
}

fn pool() -> &'static DescriptorPool {
    static POOL: std::sync::OnceLock<DescriptorPool> = std::sync::OnceLock::new();
    POOL.get_or_init(conformance_pool)
}

fn check_same_bytes(name: &str, seed: u64) {
    let desc = pool().get_message_by_name(name).unwrap();
    let mut g = Gen::new(pool(), seed);
    g.unknown_fields = true;
    if seed % 2 == 0 {
        // Content generated code writes in the same order.
        g.max_map_len = 1;
        g.extensions = false;
    }
    let m = g.message(&desc);
    let ours = m.encode_to_vec();
    assert_eq!(
        ours.len(),
        m.encoded_len(),
        "{name} seed {seed}: encoded_len"
    );
    let theirs = generated(name)(&ours)
        .unwrap_or_else(|e| panic!("{name} seed {seed}: generated code rejects our encoding: {e}"));
    if !order_may_differ(&m) {
        assert_eq!(ours, theirs, "{name} seed {seed}: bytes differ\n{m:?}");
    }
    let back = DynamicMessage::decode(desc.clone(), &theirs[..])
        .unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
    assert_eq!(
        back.encode_to_vec(),
        ours,
        "{name} seed {seed}: re-encoding differs"
    );
    // Zero-copy decode gives the same message.
    let again = DynamicMessage::decode_bytes(desc, bytes::Bytes::from(ours.clone())).unwrap();
    assert_eq!(again.encode_to_vec(), ours);
}

fn check_same_verdict(name: &str, seed: u64, at: usize, how: u8) {
    let desc = pool().get_message_by_name(name).unwrap();
    let mut g = Gen::new(pool(), seed);
    g.unknown_fields = true;
    let mut bytes = g.message(&desc).encode_to_vec();
    if bytes.is_empty() {
        return;
    }
    let at = at % bytes.len();
    match how % 3 {
        0 => bytes[at] ^= 1 << (how % 8),
        1 => bytes.truncate(at),
        _ => bytes[at] = how,
    }
    let theirs = generated(name)(&bytes);
    let ours = DynamicMessage::decode(desc.clone(), &bytes[..]);
    match (&theirs, &ours) {
        (Ok(t), Ok(o)) => {
            // Same content: decoding the generated re-encoding gives ours.
            let back = DynamicMessage::decode(desc, &t[..]).unwrap();
            assert_eq!(
                back.encode_to_vec(),
                o.encode_to_vec(),
                "{name} seed {seed}"
            );
        }
        (Err(_), Err(_)) => {}
        _ => panic!(
            "{name} seed {seed} at {at} how {how}: generated {:?}, dynamic {:?}",
            theirs.as_ref().map(|_| ()),
            ours.as_ref().map(|_| ())
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn dynamic_encodes_like_generated_code(seed in any::<u64>(), which in 0..TEST_MESSAGES.len()) {
        check_same_bytes(TEST_MESSAGES[which], seed);
    }

    #[test]
    fn dynamic_decodes_like_generated_code(
        seed in any::<u64>(),
        which in 0..TEST_MESSAGES.len(),
        at in any::<usize>(),
        how in any::<u8>(),
    ) {
        check_same_verdict(TEST_MESSAGES[which], seed, at, how);
    }
}

#[test]
fn every_test_message_many_seeds() {
    for name in TEST_MESSAGES {
        for seed in 0..64 {
            check_same_bytes(name, seed);
        }
    }
}

#[test]
fn recursion_limit_like_generated_code() {
    use courier_wire::{DecodeOptions, Message};
    let desc = pool()
        .get_message_by_name("protobuf_test_messages.proto3.TestAllTypesProto3")
        .unwrap();
    // recursive_message (27) nested `depth` times.
    let nest = |depth: usize| {
        let mut b: Vec<u8> = Vec::new();
        for _ in 0..depth {
            let mut outer = vec![0xda, 0x01];
            courier_wire::varint::encode(b.len() as u64, &mut outer);
            outer.extend_from_slice(&b);
            b = outer;
        }
        b
    };
    for (depth, limit) in [(5, 5), (6, 5), (100, 100), (101, 100)] {
        let b = nest(depth);
        let opts = DecodeOptions::new().with_recursion_limit(limit);
        let theirs = tm::proto3::TestAllTypesProto3::decode_with(&b[..], &opts).is_ok();
        let ours = DynamicMessage::decode_with(desc.clone(), &b[..], &opts);
        assert_eq!(
            theirs,
            ours.is_ok(),
            "depth {depth} limit {limit}: {ours:?}"
        );
    }
    // Far too deep: an error, not a stack overflow.
    let b = nest(100_000);
    assert!(DynamicMessage::decode(desc, &b[..]).is_err());
}
