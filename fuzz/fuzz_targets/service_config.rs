//! Arbitrary text into courier-rpc's service config parser (JSON from a resolver or a user):
//! no panic, no hang, an answer either way, and the same answer twice.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let first = courier_rpc::ServiceConfig::from_json(text);
    let second = courier_rpc::ServiceConfig::from_json(text);
    match (&first, &second) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.load_balancing(), b.load_balancing());
            assert_eq!(a.health_check_service(), b.health_check_service());
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.message(), b.message());
            assert!(!a.message().is_empty());
        }
        _ => panic!("the parser answered differently for the same input"),
    }
});
