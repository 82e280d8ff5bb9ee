//! Arbitrary bytes as each xDS resource type (what a management server sends in an ADS
//! response) into courier-xds's decoder and validators: no panic, no hang, an answer either
//! way (a resource or the reason it is NACKed), and the same answer twice.
#![no_main]

use libfuzzer_sys::fuzz_target;

use courier_xds::resource::{ResourceType, decode};

fuzz_target!(|data: &[u8]| {
    for ty in ResourceType::ALL {
        let any = courier_types::Any {
            type_url: ty.type_url().to_owned(),
            value: bytes::Bytes::copy_from_slice(data),
            ..Default::default()
        };
        let (n1, r1) = decode(ty, &any);
        let (n2, r2) = decode(ty, &any);
        assert_eq!(n1, n2);
        match (&r1, &r2) {
            (Ok(_), Ok(_)) => {}
            (Err(a), Err(b)) => {
                assert_eq!(a, b);
                assert!(!a.is_empty());
            }
            _ => panic!("the decoder answered differently for the same input"),
        }
    }
});
