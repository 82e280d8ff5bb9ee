//! courier-reflect's ProtoJSON against protobuf-es (`@bufbuild/protobuf`, a conformance-complete
//! JavaScript implementation), both ways.
//!
//! Messages of the conformance test types are generated from descriptors as in
//! `reflect_python.rs` (seeds chosen by proptest; print options varying with the seed).
//! `tests/peers/reflect_node.js` reads Courier's JSON with protobuf-es and compares it, through
//! protobuf-es's own JSON of both, member by member with Courier's binary encoding read by
//! protobuf-es; then Courier reads protobuf-es's JSON of the message and compares it field by
//! field with the original. Two things protobuf-es does differently are left out of the
//! messages: message-set extensions (it does not read the message-set wire format) and -0.0 (it
//! takes it for a proto3 field's default and leaves it out). The package is installed by
//! `cargo xtask peers` into `.peers/node` from `tests/peers/node/package{,-lock}.json`; with
//! `COURIER_REQUIRE_PEERS=1` a missing peer fails the test. (The checks are
//! `courier_tests::peers`; `generated_node.rs` runs them for generated code.)

use courier_tests::peers::{Side, node, node_check};
use proptest::prelude::*;

#[test]
fn json_agrees_with_protobuf_es_fixed_seeds() {
    let Some(modules) = node() else {
        return;
    };
    let seeds: Vec<u64> = (0..400).collect();
    let problems = node_check(&modules, Side::dynamic(), &seeds);
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
    fn json_agrees_with_protobuf_es(seeds in proptest::collection::vec(any::<u64>(), 1..200)) {
        let Some(modules) = node() else {
            return Ok(());
        };
        let problems = node_check(&modules, Side::dynamic(), &seeds);
        prop_assert!(problems.is_empty(), "{} disagreement(s):\n{}", problems.len(), problems.join("\n"));
    }
}
