//! Query strings of Connect unary GET requests: the parser never panics, and a message put
//! into a query the way clients write it (form-encoded, or URL-safe base64 with `base64=1`)
//! comes back byte for byte, wherever the Connect parameters stand among unknown ones.
#![no_main]

use courier_rpc::web::connect::parse_get_query;
use courier_rpc::web::fuzzing::{decode_url_safe, encode_url_safe};
use libfuzzer_sys::fuzz_target;

/// Form-encodes `data` as a query component: unreserved octets as they are, space as `+`,
/// everything else `%XX`.
fn form_encode(data: &[u8]) -> String {
    let mut s = String::new();
    for &b in data {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                s.push(b as char)
            }
            b' ' => s.push('+'),
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

fuzz_target!(|data: &[u8]| {
    // Arbitrary bytes as a query: no panic; a base64 message decodes or is refused.
    if let Ok(q) = parse_get_query(data) {
        if q.base64 {
            let _ = decode_url_safe(&q.message);
        }
    }
    // Round trips: the input as the message, among other parameters in input-chosen order.
    let Some((&order, message)) = data.split_first() else {
        return;
    };
    let b64 = encode_url_safe(message);
    let mut params = vec![
        format!("message={b64}"),
        "base64=1".to_owned(),
        "encoding=proto".to_owned(),
        format!("x{}={}", order, form_encode(message)),
        "connect=v1".to_owned(),
    ];
    let n = params.len();
    params.rotate_left(usize::from(order) % n);
    let query = params.join("&");
    let q = parse_get_query(query.as_bytes()).expect("a well-formed query");
    assert!(q.base64);
    assert_eq!(q.encoding.as_deref(), Some("proto"));
    assert_eq!(decode_url_safe(&q.message).as_deref(), Some(message));
    let text = format!("encoding=json&message={}", form_encode(message));
    let q = parse_get_query(text.as_bytes()).expect("a well-formed query");
    assert_eq!(q.message, message);
});
