//! courier-reflect's ProtoJSON and text format against Python protobuf (`json_format`,
//! `text_format`, upb), both ways, field by field.
//!
//! Messages of the conformance test types (and every well-known type they hold) are generated
//! from descriptors (`courier_tests::reflect::Gen`, seeds chosen by proptest, values every
//! ProtoJSON implementation must round-trip; the print options vary with the seed). For each,
//! `tests/peers/reflect_peer.py` parses Courier's JSON and text with Python protobuf and
//! compares the result field by field with Courier's binary encoding decoded by Python; then
//! Courier parses Python's own JSON and text for the same message and compares them field by
//! field with the original. The message classes on the Python side are built from the same
//! descriptors (a FileDescriptorSet Courier writes), so both sides work from one schema. (The
//! checks are `courier_tests::peers`; `generated_python.rs` runs them for generated code.)

use courier_tests::peers::{Side, python_check};
use proptest::prelude::*;

#[test]
fn json_and_text_agree_with_python_protobuf_fixed_seeds() {
    let Some(python) = courier_tests::python() else {
        return;
    };
    let seeds: Vec<u64> = (0..400).collect();
    let problems = python_check(&python, Side::dynamic(), &seeds);
    assert!(
        problems.is_empty(),
        "{} disagreement(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2, max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn json_and_text_agree_with_python_protobuf(seeds in proptest::collection::vec(any::<u64>(), 1..200)) {
        let Some(python) = courier_tests::python() else {
            return Ok(());
        };
        let problems = python_check(&python, Side::dynamic(), &seeds);
        prop_assert!(problems.is_empty(), "{} disagreement(s):\n{}", problems.len(), problems.join("\n"));
    }
}
