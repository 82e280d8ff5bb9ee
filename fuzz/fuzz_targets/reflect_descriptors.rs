//! courier-reflect's descriptor pool on arbitrary input (an encoded `FileDescriptorSet`, as
//! server reflection might send): building it never panics, and in a pool that builds, every
//! message type makes an empty message and a message with every field at its default that
//! encode, decode, and print as JSON (or fail cleanly) and as text.
#![no_main]

use courier_reflect::json::PrintOptions;
use courier_reflect::{DescriptorPool, DynamicMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(pool) = DescriptorPool::decode(data) else {
        return;
    };
    let all = PrintOptions::new().always_print_fields_without_presence(true);
    for desc in pool.all_messages().take(64) {
        let mut m = DynamicMessage::new(desc.clone());
        for f in desc.fields() {
            if !f.is_list() && !f.is_map() {
                let _ = m.try_set_field(&f, f.default_value());
            }
        }
        let bytes = m.encode_to_vec();
        assert_eq!(bytes.len(), m.encoded_len());
        let back = DynamicMessage::decode(desc.clone(), &bytes[..]);
        assert!(back.is_ok(), "{:?}", back.err());
        let _ = m.to_json();
        let _ = m.to_json_with(&all);
        let _ = m.to_text();
        for e in desc.fields() {
            let _ = (
                e.json_name(),
                e.kind(),
                e.default_value(),
                e.containing_oneof(),
            );
        }
    }
});
