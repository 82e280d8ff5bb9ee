//! courier-codegen's generated code on arbitrary input: bytes decoded as the conformance
//! suite's `TestAllTypesProto3` and `TestAllTypesProto2` (and the editions variants) never
//! panic, and decode → encode → decode is stable: the second decode equals the first (when
//! the message holds no NaN, which is unequal to itself) and re-encodes to the same length.
#![no_main]

use courier_wire::{DecodeOptions, Message};
use libfuzzer_sys::fuzz_target;

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod generated {
    include!("../../tests/conformance/generated/mod.rs");
}

use generated::protobuf_test_messages as tm;

fn round_trip<M: Message + PartialEq + Clone>(data: &[u8]) {
    let _ = M::decode_with(data, &DecodeOptions::new().with_recursion_limit(4));
    let Ok(first) = M::decode_bytes(bytes::Bytes::copy_from_slice(data)) else {
        return;
    };
    let encoded = first.encode_to_vec();
    assert_eq!(encoded.len(), first.encoded_len());
    let second = M::decode(&encoded[..]).expect("our own encoding decodes");
    assert_eq!(second.encoded_len(), encoded.len());
    #[allow(clippy::eq_op)]
    if first == first {
        assert_eq!(second, first);
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<tm::proto3::TestAllTypesProto3>(data);
    round_trip::<tm::proto2::TestAllTypesProto2>(data);
    round_trip::<tm::editions::TestAllTypesEdition2023>(data);
    round_trip::<tm::editions::proto2::TestAllTypesProto2>(data);
});
