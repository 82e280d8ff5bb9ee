//! Arbitrary bytes decoded as the every-field-kind test message never panic, and
//! decode → encode → decode is stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    courier_wire::fuzzing::wire_decode(data);
});
