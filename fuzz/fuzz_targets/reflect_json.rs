//! courier-reflect's ProtoJSON parser on arbitrary input (the first byte picks the message type
//! and whether unknown fields are ignored): it never panics, and whatever parses prints, and
//! parse → print → parse is stable (the second and third parse encode to the same bytes).
#![no_main]

#[path = "reflect_common.rs"]
mod reflect_common;

use courier_reflect::DynamicMessage;
use courier_reflect::json::ParseOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((desc, which, rest)) = reflect_common::pick(data) else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let opts = ParseOptions::new().ignore_unknown_fields(which & 0x80 != 0);
    let Ok(first) = DynamicMessage::from_json_with(desc.clone(), text, &opts) else {
        return;
    };
    let printed = first.to_json().expect("a parsed message prints");
    let second = DynamicMessage::from_json(desc.clone(), &printed).expect("printed JSON parses");
    let again = second.to_json().expect("prints again");
    let third = DynamicMessage::from_json(desc, &again).expect("parses again");
    assert_eq!(second.encode_to_vec(), third.encode_to_vec(), "{printed}");
});
