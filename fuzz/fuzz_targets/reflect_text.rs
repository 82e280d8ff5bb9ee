//! courier-reflect's text format parser on arbitrary input (the first byte picks the message
//! type): it never panics, and parse → print → parse is stable (the second and third parse
//! encode to the same bytes).
#![no_main]

#[path = "reflect_common.rs"]
mod reflect_common;

use courier_reflect::DynamicMessage;
use courier_reflect::text::ParseOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((desc, which, rest)) = reflect_common::pick(data) else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let opts = ParseOptions::new().allow_unknown_fields(which & 0x80 != 0);
    let Ok(first) = DynamicMessage::from_text_with(desc.clone(), text, &opts) else {
        return;
    };
    let printed = first.to_text();
    let second = DynamicMessage::from_text(desc.clone(), &printed).expect("printed text parses");
    let again = second.to_text();
    let third = DynamicMessage::from_text(desc, &again).expect("parses again");
    assert_eq!(second.encode_to_vec(), third.encode_to_vec(), "{printed}");
    // The one-line form parses to the same message.
    let line = DynamicMessage::from_text(second.descriptor(), &second.to_string())
        .expect("one line parses");
    assert_eq!(line.encode_to_vec(), second.encode_to_vec());
});
