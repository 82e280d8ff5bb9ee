//! ProtoJSON and the text format checked both ways against Python protobuf and protobuf-es,
//! for either of Courier's implementations ([`Side`]): courier-reflect's dynamic messages
//! (`tests/reflect_python.rs`, `tests/reflect_node.rs`) and courier-codegen's generated code
//! (`tests/generated_python.rs`, `tests/generated_node.rs`).
//!
//! Messages of the conformance test types are made from descriptors ([`Gen`], seeds chosen by
//! the caller, values every ProtoJSON implementation must round-trip, print options varying with
//! the seed). The peer reads Courier's output and compares it, field by field, with Courier's
//! binary encoding read by the peer; then Courier reads the peer's own output for the message
//! and it is compared field by field with the original ([`diff`]).

use std::path::{Path, PathBuf};

use courier_reflect::json::base64;
use courier_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor, text};
use courier_wire::Message as _;

use crate::reflect::{Gen, TEST_MESSAGES, conformance_pool, diff};

/// The ProtoJSON print options a check uses (both implementations have their own options type).
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonOptions {
    /// Keys are the `.proto` names.
    pub proto_field_names: bool,
    /// Fields without presence are printed at their defaults.
    pub always_print_fields_without_presence: bool,
    /// Enums as numbers.
    pub enums_as_ints: bool,
    /// Indentation.
    pub indent: Option<usize>,
}

impl JsonOptions {
    /// The combination seed `seed` selects.
    pub fn from_seed(seed: u64) -> JsonOptions {
        JsonOptions {
            proto_field_names: seed & 1 != 0,
            always_print_fields_without_presence: seed & 2 != 0,
            enums_as_ints: seed & 4 != 0,
            indent: (seed & 8 != 0).then_some(2),
        }
    }

    /// As courier-reflect's options.
    pub fn dynamic(&self) -> courier_reflect::json::PrintOptions {
        courier_reflect::json::PrintOptions::new()
            .proto_field_names(self.proto_field_names)
            .always_print_fields_without_presence(self.always_print_fields_without_presence)
            .enums_as_ints(self.enums_as_ints)
            .indent(self.indent)
    }

    /// As courier-json's options (for generated code).
    pub fn generated(&self) -> courier_json::PrintOptions {
        courier_json::PrintOptions::new()
            .proto_field_names(self.proto_field_names)
            .always_print_fields_without_presence(self.always_print_fields_without_presence)
            .enums_as_ints(self.enums_as_ints)
            .indent(self.indent)
    }
}

/// One of Courier's ProtoJSON and text implementations, over messages given as
/// `DynamicMessage`s.
#[derive(Clone, Copy, Debug)]
pub struct Side {
    /// What the reports call it.
    pub name: &'static str,
    /// Prints ProtoJSON.
    pub to_json: fn(&DynamicMessage, JsonOptions) -> Result<String, String>,
    /// Parses ProtoJSON.
    pub from_json: fn(&MessageDescriptor, &str) -> Result<DynamicMessage, String>,
    /// Prints the text format.
    pub to_text: fn(&DynamicMessage, bool) -> Result<String, String>,
    /// Parses the text format.
    pub from_text: fn(&MessageDescriptor, &str) -> Result<DynamicMessage, String>,
}

impl Side {
    /// courier-reflect's dynamic messages.
    pub fn dynamic() -> Side {
        Side {
            name: "courier-reflect",
            to_json: |m, o| m.to_json_with(&o.dynamic()).map_err(|e| e.to_string()),
            from_json: |d, s| DynamicMessage::from_json(d.clone(), s).map_err(|e| e.to_string()),
            to_text: |m, single| Ok(m.to_text_with(&text::PrintOptions::new().single_line(single))),
            from_text: |d, s| DynamicMessage::from_text(d.clone(), s).map_err(|e| e.to_string()),
        }
    }

    /// courier-codegen's generated code (the message goes through its binary encoding to the
    /// generated type of its name, and back).
    pub fn generated() -> Side {
        use crate::generated::{codec, pools, registry};
        fn c(d: &MessageDescriptor) -> Result<crate::generated::Codec, String> {
            codec(d.full_name()).ok_or_else(|| format!("no generated type {}", d.full_name()))
        }
        fn back(d: &MessageDescriptor, bytes: Vec<u8>) -> Result<DynamicMessage, String> {
            DynamicMessage::decode(d.clone(), &bytes[..]).map_err(|e| e.to_string())
        }
        Side {
            name: "generated code",
            to_json: |m, o| {
                let opts = o.generated().registry(registry());
                (c(m.descriptor_ref())?.to_json)(&m.encode_to_vec(), &opts)
            },
            from_json: |d, s| {
                let opts = courier_json::ParseOptions::new().registry(registry());
                back(d, (c(d)?.from_json)(s, &opts)?)
            },
            to_text: |m, single| {
                let opts = text::PrintOptions::new()
                    .single_line(single)
                    .resolver(pools());
                (c(m.descriptor_ref())?.to_text)(&m.encode_to_vec(), &opts)
            },
            from_text: |d, s| {
                let opts = text::ParseOptions::new().resolver(pools());
                back(d, (c(d)?.from_text)(s, &opts)?)
            },
        }
    }
}

/// The conformance pool, built once.
pub fn pool() -> &'static DescriptorPool {
    static POOL: std::sync::OnceLock<DescriptorPool> = std::sync::OnceLock::new();
    POOL.get_or_init(conformance_pool)
}

/// A temporary directory, removed on drop.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new directory named after `tag`.
    pub fn new(tag: &str) -> TempDir {
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

fn b64(s: &str) -> String {
    base64::encode(s.as_bytes())
}

fn unb64(s: &str) -> String {
    String::from_utf8(base64::decode(s).expect("base64 from the peer"))
        .expect("UTF-8 from the peer")
}

/// The message seed `seed` makes, as the peers get it: values every implementation must
/// round-trip; for protobuf-es (`node`), no message-set extensions (it does not read the
/// message-set wire format) and no -0.0 (it takes it for a proto3 float's default).
pub fn message(seed: u64, node: bool) -> DynamicMessage {
    let name = TEST_MESSAGES[(seed % TEST_MESSAGES.len() as u64) as usize];
    let desc = pool().get_message_by_name(name).expect("a test message");
    let mut g = Gen::new(pool(), seed);
    g.json_safe = true;
    if node {
        g.message_sets = false;
        g.negative_zero = false;
    }
    g.message(&desc)
}

/// Python protobuf (`tests/peers/reflect_peer.py`) against `side` over the messages of `seeds`:
/// a description of every disagreement.
pub fn python_check(python: &Path, side: Side, seeds: &[u64]) -> Vec<String> {
    let root = crate::repo_root();
    let tmp = TempDir::new("peer-python");
    let set_path = tmp.0.join("set.pb");
    std::fs::write(&set_path, pool().file_descriptor_set().encode_to_vec()).unwrap();
    let mut messages = Vec::new();
    let mut input = String::new();
    let mut problems = Vec::new();
    for &seed in seeds {
        let m = message(seed, false);
        let json = match (side.to_json)(&m, JsonOptions::from_seed(seed)) {
            Ok(j) => j,
            Err(e) => {
                problems.push(format!("seed {seed}: {} does not print: {e}", side.name));
                continue;
            }
        };
        let text = match (side.to_text)(&m, seed & 16 != 0) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!(
                    "seed {seed}: {} does not print text: {e}",
                    side.name
                ));
                continue;
            }
        };
        input.push_str(&format!(
            "{} {} {} {}\n",
            m.descriptor_ref().full_name(),
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
    for ((seed, m), line) in messages.iter().zip(lines) {
        let desc = m.descriptor();
        let mut parts = line.split(' ');
        match parts.next() {
            Some("diff") => problems.push(format!(
                "seed {seed} ({}): Python reads {}'s output differently: {}",
                desc.full_name(),
                side.name,
                unb64(parts.next().unwrap_or(""))
            )),
            Some("ok") => {
                let py_json = unb64(parts.next().unwrap());
                let py_text = unb64(parts.next().unwrap());
                match (side.from_json)(&desc, &py_json) {
                    Ok(back) => {
                        if let Some(d) = diff(m, &back) {
                            problems.push(format!(
                                "seed {seed}: Python's JSON reads back differently with {}: {d}\n{py_json}",
                                side.name
                            ));
                        }
                    }
                    Err(e) => problems.push(format!(
                        "seed {seed}: Python's JSON does not parse with {}: {e}\n{py_json}",
                        side.name
                    )),
                }
                match (side.from_text)(&desc, &py_text) {
                    Ok(back) => {
                        if let Some(d) = diff(m, &back) {
                            problems.push(format!(
                                "seed {seed}: Python's text reads back differently with {}: {d}\n{py_text}",
                                side.name
                            ));
                        }
                    }
                    Err(e) => problems.push(format!(
                        "seed {seed}: Python's text does not parse with {}: {e}\n{py_text}",
                        side.name
                    )),
                }
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    problems
}

/// `node` and the peers' `node_modules` (`.peers/node`), when both are there.
///
/// # Panics
/// When peers are required (`COURIER_REQUIRE_PEERS=1`) and either is missing.
pub fn node() -> Option<PathBuf> {
    let modules = crate::repo_root().join(".peers/node/node_modules");
    let ok = modules.join("@bufbuild/protobuf/package.json").exists()
        && std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            !crate::peers_required(),
            "COURIER_REQUIRE_PEERS=1 but node or @bufbuild/protobuf (.peers/node) is missing; \
             run `cargo xtask peers`"
        );
        eprintln!("skipped: no node with @bufbuild/protobuf (run `cargo xtask peers`)");
        return None;
    }
    Some(modules)
}

/// protobuf-es (`tests/peers/reflect_node.js`) against `side`'s ProtoJSON over the messages of
/// `seeds`: a description of every disagreement.
pub fn node_check(modules: &Path, side: Side, seeds: &[u64]) -> Vec<String> {
    let tmp = TempDir::new("peer-node");
    let set_path = tmp.0.join("set.pb");
    std::fs::write(&set_path, pool().file_descriptor_set().encode_to_vec()).unwrap();
    let mut messages = Vec::new();
    let mut input = String::new();
    let mut problems = Vec::new();
    for &seed in seeds {
        let m = message(seed, true);
        let json = match (side.to_json)(&m, JsonOptions::from_seed(seed)) {
            Ok(j) => j,
            Err(e) => {
                problems.push(format!("seed {seed}: {} does not print: {e}", side.name));
                continue;
            }
        };
        input.push_str(&format!(
            "{} {} {}\n",
            m.descriptor_ref().full_name(),
            base64::encode(&m.encode_to_vec()),
            b64(&json)
        ));
        messages.push((seed, m));
    }
    let input_path = tmp.0.join("input.txt");
    std::fs::write(&input_path, input).unwrap();
    let out = std::process::Command::new("node")
        .arg(crate::repo_root().join("tests/peers/reflect_node.js"))
        .arg(&set_path)
        .arg(&input_path)
        .env("NODE_PATH", modules)
        .output()
        .expect("run reflect_node.js");
    assert!(
        out.status.success(),
        "reflect_node.js failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), messages.len(), "one answer per message");
    for ((seed, m), line) in messages.iter().zip(lines) {
        let desc = m.descriptor();
        let (verdict, rest) = line.split_once(' ').unwrap_or((line, ""));
        match verdict {
            "diff" => problems.push(format!(
                "seed {seed} ({}): protobuf-es reads {}'s JSON differently: {}",
                desc.full_name(),
                side.name,
                unb64(rest)
            )),
            "ok" => {
                let es_json = unb64(rest);
                match (side.from_json)(&desc, &es_json) {
                    Ok(back) => {
                        if let Some(d) = diff(m, &back) {
                            problems.push(format!(
                                "seed {seed}: protobuf-es's JSON reads back differently with {}: {d}\n{es_json}",
                                side.name
                            ));
                        }
                    }
                    Err(e) => problems.push(format!(
                        "seed {seed}: protobuf-es's JSON does not parse with {}: {e}\n{es_json}",
                        side.name
                    )),
                }
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    problems
}
