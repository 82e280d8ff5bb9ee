//! Feeds arbitrary bytes to courier-http1's head parsers and chunked decoder. Nothing may
//! panic; a head that parses must parse the same from a buffer cut right after it; a chunked
//! body must decode the same whatever the pieces it arrives in.
#![no_main]

use courier_http1::{Limits, RawRequest, RawResponse, parse_request, parse_response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_request_line: 256,
        max_header_size: 1024,
        max_headers: 16,
    };
    let mut buf = data.to_vec();
    let mut req = RawRequest::default();
    if let Ok(Some(n)) = parse_request(&mut buf, &limits, &mut req) {
        assert!(n <= data.len());
        let mut again = data[..n].to_vec();
        let mut req2 = RawRequest::default();
        assert_eq!(parse_request(&mut again, &limits, &mut req2), Ok(Some(n)));
        assert_eq!(req, req2);
        assert_eq!(&again[..], &buf[..n]);
        // Names are lowercase tokens; values have no CR, LF or NUL.
        for f in &req.fields {
            assert!(buf[f.name.clone()].iter().all(|b| !b.is_ascii_uppercase()));
            assert!(
                !buf[f.value.clone()]
                    .iter()
                    .any(|b| matches!(b, b'\r' | b'\n' | 0))
            );
        }
    }
    let mut buf = data.to_vec();
    let mut resp = RawResponse::default();
    if let Ok(Some(n)) = parse_response(&mut buf, &limits, &mut resp) {
        assert!(n <= data.len() && (100..1000).contains(&resp.status));
    }
    let whole = courier_http1::fuzzing::decode_chunked(data, data.len());
    for step in [1, 2, 7, 64] {
        assert_eq!(courier_http1::fuzzing::decode_chunked(data, step), whole);
    }
});
