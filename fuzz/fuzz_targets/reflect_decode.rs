//! courier-reflect's dynamic binary decoder on arbitrary input (the first byte picks the
//! message type): it never panics, a tight recursion limit fails cleanly, and decode → encode →
//! decode is stable; whatever decodes also prints as text, and as JSON unless ProtoJSON cannot
//! express it.
#![no_main]

#[path = "reflect_common.rs"]
mod reflect_common;

use courier_reflect::DynamicMessage;
use courier_wire::DecodeOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((desc, _, rest)) = reflect_common::pick(data) else {
        return;
    };
    let _ = DynamicMessage::decode_with(
        desc.clone(),
        rest,
        &DecodeOptions::new().with_recursion_limit(3),
    );
    let Ok(first) = DynamicMessage::decode_bytes(desc.clone(), bytes::Bytes::copy_from_slice(rest))
    else {
        return;
    };
    let encoded = first.encode_to_vec();
    assert_eq!(encoded.len(), first.encoded_len());
    let second = DynamicMessage::decode(desc, &encoded[..]).expect("our own encoding decodes");
    assert_eq!(second.encode_to_vec(), encoded);
    let _ = first.to_text();
    let _ = first.to_json();
});
