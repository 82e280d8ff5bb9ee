//! courier-codegen's generated ProtoJSON (`courier_json::ProtoJson`) and text format
//! (`courier_reflect::ReflectMessage`) against Python protobuf (`json_format`, `text_format`),
//! both ways, field by field: the checks of `reflect_python.rs` (`courier_tests::peers`) with
//! the conformance test messages' generated code (`tests/conformance/generated/`) printing
//! Courier's side and parsing Python's. Each message is made from descriptors, handed to its
//! generated type through its binary encoding, and compared with what comes back field by field.

use courier_tests::peers::{Side, python_check};
use proptest::prelude::*;

#[test]
fn generated_json_and_text_agree_with_python_protobuf_fixed_seeds() {
    let Some(python) = courier_tests::python() else {
        return;
    };
    let seeds: Vec<u64> = (0..400).collect();
    let problems = python_check(&python, Side::generated(), &seeds);
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
    fn generated_json_and_text_agree_with_python_protobuf(seeds in proptest::collection::vec(any::<u64>(), 1..200)) {
        let Some(python) = courier_tests::python() else {
            return Ok(());
        };
        let problems = python_check(&python, Side::generated(), &seeds);
        prop_assert!(problems.is_empty(), "{} disagreement(s):\n{}", problems.len(), problems.join("\n"));
    }
}
