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
//! takes it for a proto3 field's default and leaves it out). The package is installed by `cargo xtask peers` into
//! `.peers/node` from `tests/peers/node/package{,-lock}.json`; with `COURIER_REQUIRE_PEERS=1`
//! a missing peer fails the test.

use std::path::PathBuf;

use courier_reflect::json::{PrintOptions, base64};
use courier_reflect::{DescriptorPool, DynamicMessage};
use courier_tests::reflect::{Gen, TEST_MESSAGES, conformance_pool, diff};
use courier_wire::Message as _;
use proptest::prelude::*;

fn pool() -> &'static DescriptorPool {
    static POOL: std::sync::OnceLock<DescriptorPool> = std::sync::OnceLock::new();
    POOL.get_or_init(conformance_pool)
}

/// `node` and the peers' `node_modules`, when both are there.
fn node() -> Option<PathBuf> {
    let modules = courier_tests::repo_root().join(".peers/node/node_modules");
    let ok = modules.join("@bufbuild/protobuf/package.json").exists()
        && std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            !courier_tests::peers_required(),
            "COURIER_REQUIRE_PEERS=1 but node or @bufbuild/protobuf (.peers/node) is missing; \
             run `cargo xtask peers`"
        );
        eprintln!("skipped: no node with @bufbuild/protobuf (run `cargo xtask peers`)");
        return None;
    }
    Some(modules)
}

fn unb64(s: &str) -> String {
    String::from_utf8(base64::decode(s).expect("base64 from the peer"))
        .expect("UTF-8 from the peer")
}

fn check(modules: &std::path::Path, seeds: &[u64]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!(
        "courier-reflect-node-{}-{}",
        std::process::id(),
        seeds.first().copied().unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let set_path = dir.join("set.pb");
    std::fs::write(&set_path, pool().file_descriptor_set().encode_to_vec()).unwrap();
    let mut messages = Vec::new();
    let mut input = String::new();
    for &seed in seeds {
        let name = TEST_MESSAGES[(seed % TEST_MESSAGES.len() as u64) as usize];
        let desc = pool().get_message_by_name(name).unwrap();
        let mut g = Gen::new(pool(), seed);
        g.json_safe = true;
        // protobuf-es does not read the message-set wire format (such extensions stay unknown).
        g.message_sets = false;
        // protobuf-es takes -0.0 for the default of a proto3 float (JavaScript's -0 === 0) and
        // leaves it out; Courier, like protobuf's C++ and Python, writes it.
        g.negative_zero = false;
        let m = g.message(&desc);
        let opts = PrintOptions::new()
            .proto_field_names(seed & 1 != 0)
            .always_print_fields_without_presence(seed & 2 != 0)
            .enums_as_ints(seed & 4 != 0)
            .indent((seed & 8 != 0).then_some(2));
        let json = m
            .to_json_with(&opts)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        input.push_str(&format!(
            "{name} {} {}\n",
            base64::encode(&m.encode_to_vec()),
            base64::encode(json.as_bytes())
        ));
        messages.push((seed, m));
    }
    let input_path = dir.join("input.txt");
    std::fs::write(&input_path, input).unwrap();
    let out = std::process::Command::new("node")
        .arg(courier_tests::repo_root().join("tests/peers/reflect_node.js"))
        .arg(&set_path)
        .arg(&input_path)
        .env("NODE_PATH", modules)
        .output()
        .expect("run reflect_node.js");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "reflect_node.js failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), messages.len(), "one answer per message");
    let mut problems = Vec::new();
    for ((seed, m), line) in messages.iter().zip(lines) {
        let desc = m.descriptor();
        let (verdict, rest) = line.split_once(' ').unwrap_or((line, ""));
        match verdict {
            "diff" => problems.push(format!(
                "seed {seed} ({}): protobuf-es reads Courier's JSON differently: {}",
                desc.full_name(),
                unb64(rest)
            )),
            "ok" => {
                let es_json = unb64(rest);
                match DynamicMessage::from_json(desc.clone(), &es_json) {
                    Ok(back) => {
                        if let Some(d) = diff(m, &back) {
                            problems.push(format!("seed {seed}: protobuf-es's JSON reads back differently: {d}\n{es_json}"));
                        }
                    }
                    Err(e) => problems.push(format!(
                        "seed {seed}: protobuf-es's JSON does not parse: {e}\n{es_json}"
                    )),
                }
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    problems
}

#[test]
fn json_agrees_with_protobuf_es_fixed_seeds() {
    let Some(modules) = node() else {
        return;
    };
    let seeds: Vec<u64> = (0..400).collect();
    let problems = check(&modules, &seeds);
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
        let problems = check(&modules, &seeds);
        prop_assert!(problems.is_empty(), "{} disagreement(s):\n{}", problems.len(), problems.join("\n"));
    }
}
