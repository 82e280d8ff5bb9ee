//! courier-codegen's generated ProtoJSON (`courier_json::ProtoJson`) against protobuf-es
//! (`@bufbuild/protobuf`), both ways: the checks of `reflect_node.rs` (`courier_tests::peers`)
//! with the conformance test messages' generated code printing Courier's JSON and parsing
//! protobuf-es's. (protobuf-es has no text format.)

use courier_tests::peers::{Side, node, node_check};
use proptest::prelude::*;

#[test]
fn generated_json_agrees_with_protobuf_es_fixed_seeds() {
    let Some(modules) = node() else {
        return;
    };
    let seeds: Vec<u64> = (0..400).collect();
    let problems = node_check(&modules, Side::generated(), &seeds);
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
    fn generated_json_agrees_with_protobuf_es(seeds in proptest::collection::vec(any::<u64>(), 1..200)) {
        let Some(modules) = node() else {
            return Ok(());
        };
        let problems = node_check(&modules, Side::generated(), &seeds);
        prop_assert!(problems.is_empty(), "{} disagreement(s):\n{}", problems.len(), problems.join("\n"));
    }
}
