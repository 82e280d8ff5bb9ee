//! courier-reflect's ProtoJSON and text format against Python protobuf (`json_format`,
//! `text_format`, upb), both ways, field by field.
//!
//! Messages of the conformance test types (and every well-known type they hold) are generated
//! from descriptors (`courier_tests::reflect::Gen`, seeds chosen by proptest, values every
//! ProtoJSON implementation must round-trip; the print options vary with the seed). For each,
//! `tests/peers/reflect_peer.py` parses Courier's JSON and text with Python protobuf and compares the result field by field with
//! Courier's binary encoding decoded by Python; then Courier parses Python's own JSON and text
//! for the same message and compares them field by field with the original. The message
//! classes on the Python side are built from the same descriptors (a FileDescriptorSet Courier
//! writes), so both sides work from one schema.

use courier_reflect::json::{PrintOptions, base64};
use courier_reflect::text;
use courier_reflect::{DescriptorPool, DynamicMessage};
use courier_tests::reflect::{Gen, TEST_MESSAGES, conformance_pool, diff};
use courier_wire::Message as _;
use proptest::prelude::*;

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let p = std::env::temp_dir().join(format!("courier-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn pool() -> &'static DescriptorPool {
    static POOL: std::sync::OnceLock<DescriptorPool> = std::sync::OnceLock::new();
    POOL.get_or_init(conformance_pool)
}

fn b64(s: &str) -> String {
    base64::encode(s.as_bytes())
}

fn unb64(s: &str) -> String {
    String::from_utf8(base64::decode(s).expect("base64 from the peer"))
        .expect("UTF-8 from the peer")
}

/// Runs the peer over the messages of `seeds`; returns a description of every disagreement.
fn check(python: &std::path::Path, seeds: &[u64]) -> Vec<String> {
    let root = courier_tests::repo_root();
    let tmp = TempDir::new("reflect-python");
    let set_path = tmp.0.join("set.pb");
    std::fs::write(&set_path, pool().file_descriptor_set().encode_to_vec()).unwrap();
    let mut messages = Vec::new();
    let mut input = String::new();
    for &seed in seeds {
        let name = TEST_MESSAGES[(seed % TEST_MESSAGES.len() as u64) as usize];
        let desc = pool().get_message_by_name(name).unwrap();
        let mut g = Gen::new(pool(), seed);
        g.json_safe = true;
        let m = g.message(&desc);
        // Every combination of the print options, by seed.
        let opts = PrintOptions::new()
            .proto_field_names(seed & 1 != 0)
            .always_print_fields_without_presence(seed & 2 != 0)
            .enums_as_ints(seed & 4 != 0)
            .indent((seed & 8 != 0).then_some(2));
        let json = m
            .to_json_with(&opts)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let text = m.to_text_with(&text::PrintOptions::new().single_line(seed & 16 != 0));
        input.push_str(&format!(
            "{name} {} {} {}\n",
            base64::encode(&m.encode_to_vec()),
            b64(&json),
            b64(&text)
        ));
        messages.push((seed, m));
    }
    let input_path = tmp.0.join("input.txt");
    std::fs::write(&input_path, input).unwrap();
    let out = std::process::Command::new(python)
        .arg(root.join("tests/peers/reflect_peer.py"))
        .arg(&set_path)
        .arg(&input_path)
        .output()
        .expect("run reflect_peer.py");
    assert!(
        out.status.success(),
        "reflect_peer.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), messages.len(), "one answer per message");
    let mut problems = Vec::new();
    for ((seed, m), line) in messages.iter().zip(lines) {
        let desc = m.descriptor();
        let mut parts = line.split(' ');
        match parts.next() {
            Some("diff") => {
                problems.push(format!(
                    "seed {seed} ({}): Python reads Courier's output differently: {}",
                    desc.full_name(),
                    unb64(parts.next().unwrap_or(""))
                ));
            }
            Some("ok") => {
                let py_json = unb64(parts.next().unwrap());
                let py_text = unb64(parts.next().unwrap());
                match DynamicMessage::from_json(desc.clone(), &py_json) {
                    Ok(back) => {
                        if let Some(d) = diff(m, &back) {
                            problems.push(format!(
                                "seed {seed}: Python's JSON reads back differently: {d}\n{py_json}"
                            ));
                        }
                    }
                    Err(e) => problems.push(format!(
                        "seed {seed}: Python's JSON does not parse: {e}\n{py_json}"
                    )),
                }
                match DynamicMessage::from_text(desc.clone(), &py_text) {
                    Ok(back) => {
                        if let Some(d) = diff(m, &back) {
                            problems.push(format!(
                                "seed {seed}: Python's text reads back differently: {d}\n{py_text}"
                            ));
                        }
                    }
                    Err(e) => problems.push(format!(
                        "seed {seed}: Python's text does not parse: {e}\n{py_text}"
                    )),
                }
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    problems
}

#[test]
fn json_and_text_agree_with_python_protobuf_fixed_seeds() {
    let Some(python) = courier_tests::python() else {
        return;
    };
    let seeds: Vec<u64> = (0..400).collect();
    let problems = check(&python, &seeds);
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
        let problems = check(&python, &seeds);
        prop_assert!(problems.is_empty(), "{} disagreement(s):\n{}", problems.len(), problems.join("\n"));
    }
}
